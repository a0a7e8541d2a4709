/* movgc_testing.h -- hooks for movgc's own tests; not installed, not API. */
#ifndef MOVGC_TESTING_H
#define MOVGC_TESTING_H

#include "movgc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Make the nth OS mapping call from now fail (reserve, commit or map),
 * process-wide; 0 turns injection off.  Never collects. */
MOVGC_API void movgc_testing_fail_nth_mapping(unsigned long n);

/* Bytes of one nursery semispace in use now (the adaptive nursery's
 * size).  Never collects. */
MOVGC_API size_t movgc_testing_nursery_size(movgc_heap *h);

/* Is obj a young large object (born since it last became old: large
 * objects become old in place)?  Never collects. */
MOVGC_API int movgc_testing_is_young_large(movgc_heap *h, const void *obj);

/* A full collection as the allocation policy runs it: unlike
 * movgc_collect(h, MOVGC_FULL), it keeps the pages of the gaps promotion
 * is expected to fill before the next one. */
MOVGC_API void movgc_testing_policy_full(movgc_heap *h);

/* How many bytes the old generation may grow by before the policy's next
 * full collection (0 if it is due) ends, an incremental marking's growth
 * included: the gaps within that reach keep their pages.  Never collects. */
MOVGC_API size_t movgc_testing_full_reach(movgc_heap *h);

/* The gaps of the old space promotion has not entered yet, in the order
 * it will enter them: how many, and gap i's start (its first byte), length
 * and bytes of pages given back to the OS; movgc_testing_gap returns 0
 * when there is no gap i.  Never collect. */
MOVGC_API size_t movgc_testing_gaps_ahead(movgc_heap *h);
MOVGC_API int movgc_testing_gap(movgc_heap *h, size_t i, void **lo, size_t *bytes,
                                size_t *discarded);

/* Incremental marking, step by step: begin one now (after a minor
 * collection; 0 when the heap cannot, or one runs already), run one slice
 * of about 'bytes' scanned (returns 1 when nothing is left to scan, 0
 * otherwise or when none runs), and whether one runs.  The final pause is
 * movgc_testing_policy_full.  May collect (begin), never collects (step,
 * marking). */
MOVGC_API int movgc_testing_mark_begin(movgc_heap *h);
MOVGC_API int movgc_testing_mark_step(movgc_heap *h, size_t bytes);
MOVGC_API int movgc_testing_marking(movgc_heap *h);

#ifdef __cplusplus
}
#endif
#endif

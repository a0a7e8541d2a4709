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

#ifdef __cplusplus
}
#endif
#endif

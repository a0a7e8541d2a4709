/* mark.h -- the full collection's marking: the transitive closure from the
 * roots, pins, ephemerons and finalizers, on the collector thread and the
 * heap's marker threads (MOVGC_GC_THREADS).  Design: mark.c. */
#ifndef MG_MARK_H
#define MG_MARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movgc.h"

/* The side tables marking fills, made by compact.c: bitmaps of one bit
 * per 8-byte word, zero before marking. */
struct mark_tables {
    char *base, *top;     /* the old space being collected: [base, top) */
    uint64_t *live;       /* every word of every marked movable old object */
    uint64_t *pinned;     /* first word of each pinned old object; NULL when
                             nothing is pinned */
    uint64_t *pinend;     /* the word just past each pinned object */
    uint64_t *nmark;      /* nursery: the object word of each marked one */
};

/* Mark everything reachable: pinned objects (their old ones through
 * 'pinned', not 'live'), the roots, strong handles and pending
 * finalizers; then ephemerons and weak handles are settled
 * (mg_handles_weak) and unreachable finalizable objects kept for their
 * finalizers (mg_final_select).  Marks the young and old large objects
 * reached.  Returns the live bytes.  May start the heap's marker threads
 * (the first time, when MOVGC_GC_THREADS > 1); runs on the collector
 * thread, which takes part. */
size_t mg_mark_all(movgc_heap *h, const struct mark_tables *t);

/* After mg_mark_all: was obj (an object of the heap) reached? */
bool mg_mark_reached(movgc_heap *h, const struct mark_tables *t, void *obj);

/* Stop and join the heap's marker threads, if any (movgc_heap_free). */
void mg_mark_free(movgc_heap *h);

#endif

/* heap.h -- the heap: what every collector module shares.
 * Invariants:
 * [heap.pub] 'pub' is the first member: movgc.h's inline paths cast the heap
 *   to struct movgc_heap_pub_.
 * [heap.held] 'held' counts every byte taken from the OS for objects (both
 *   semispaces, committed old space, large-object mappings) and never passes
 *   cfg.heap_limit when that is set. */
#ifndef MG_HEAP_H
#define MG_HEAP_H

#include <stdbool.h>
#include <stdint.h>

#include "barrier.h"
#include "finalize.h"
#include "handles.h"
#include "identity.h"
#include "largeobj.h"
#include "movgc.h"
#include "nursery.h"
#include "object.h"
#include "oldspace.h"
#include "pauses.h"
#include "roots.h"

struct movgc_heap {
    struct movgc_heap_pub_ pub;  /* [heap.pub] */
    movgc_config cfg;            /* settings in force (env applied) */
    struct nursery nursery;
    struct oldspace old;
    struct los los;
    struct globals globals;
    struct handles handles;
    struct remset remset;
    struct finalizers finals;
    struct identity ids;
    movgc_stats stats;
    size_t held;                 /* [heap.held] bytes from the OS */
    size_t full_threshold;       /* old + large bytes that start a full GC */
    unsigned stress_tick;        /* allocations since the last stress full GC */
    int last_error;
    bool collecting;             /* inside a collection */
    struct pauses pauses;        /* pause distributions (pauses.c) */
};

/* May the heap take bytes more from the OS under the limit? */
static inline bool mg_heap_may_take(const movgc_heap *h, size_t bytes) {
    return h->cfg.heap_limit == 0 || (bytes <= h->cfg.heap_limit &&
                                      h->held <= h->cfg.heap_limit - bytes);
}

static inline bool mg_is_young(const movgc_heap *h, const void *p) {
    return (uintptr_t)p - h->pub.young_lo_ < h->pub.young_size_;
}

/* By the header's address, as for every range test on objects: a 0-byte
 * object's address is one past its header, possibly one past the space. */
static inline bool mg_is_old(const movgc_heap *h, const void *p) {
    return (uintptr_t)p - MG_WORD - (uintptr_t)h->old.base <
           (uintptr_t)(h->old.end - h->old.base);
}

/* mg_old_alloc with the bump inline, for the minor collector's hot path. */
static inline char *mg_old_bump(movgc_heap *h, size_t size) {
    if ((size_t)(h->old.limit - h->old.ptr) >= size)
        return mg_old_take(&h->old, size);
    return mg_old_alloc(h, size);
}

/* Collection entry points used across modules (heap.c). */
void mg_heap_minor(movgc_heap *h, bool tenure_all);
void mg_heap_full(movgc_heap *h);

/* Bytes of old and large objects now, as compared with full_threshold. */
size_t mg_heap_old_bytes(const movgc_heap *h);

uint64_t mg_now_ns(void);

#endif

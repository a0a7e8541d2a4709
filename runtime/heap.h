/* heap.h -- the heap: what every collector module shares.
 * Invariants:
 * [heap.pub] 'pub' is the first member: movgc.h's inline paths cast the heap
 *   to struct movgc_heap_pub_.
 * [heap.held] 'held' counts every byte taken from the OS for objects (both
 *   semispaces, committed old space, large-object mappings) and the
 *   collector's long-lived tables (handle table, shadow stack, global root
 *   set, finalizer lists, identity-hash tables, remembered set); object
 *   memory, handles and global roots never take it past cfg.heap_limit.
 * [heap.soft] soft_tables is the part of held in tables whose growth
 *   cannot fail (shadow stack, finalizer lists, identity tables, remembered
 *   set).  Everything else leaves that much, plus MG_SOFT_FIRST for their
 *   first allocations, free under the limit, so each of them can double
 *   once without passing it. */
#ifndef MG_HEAP_H
#define MG_HEAP_H

#include <stdbool.h>
#include <stdint.h>

#include "barrier.h"
#include "finalize.h"
#include "handles.h"
#include "identity.h"
#include "incmark.h"
#include "largeobj.h"
#include "movgc.h"
#include "nursery.h"
#include "object.h"
#include "oldspace.h"
#include "owner.h"
#include "policy.h"
#include "protect.h"
#include "pauses.h"
#include "roots.h"

struct movgc_heap {
    struct movgc_heap_pub_ pub;  /* [heap.pub] */
    movgc_config cfg;            /* settings in force (env applied) */
    struct nursery nursery;
    struct oldspace old;
    struct los los;
    struct globals globals;
    struct rootcheck rootcheck;  /* MOVGC_VERIFY's shadow-stack checks */
    struct handles handles;
    struct remset remset;
    struct finalizers finals;
    struct identity ids;
    struct policy policy;
    movgc_stats stats;
    size_t held;                 /* [heap.held] bytes from the OS */
    size_t soft_tables;          /* [heap.soft] part of held */
    size_t full_threshold;       /* old + large bytes that start a full GC */
    bool full_due;               /* the policy asked for a full collection */
    bool full_urgent;            /* ... at once: a marking under way is
                                    given up for a new one (death) */
    bool final_next;             /* a minor collection found the marking
                                    ready: its final pause comes at the
                                    next allocation slow path */
    bool incremental;            /* MOVGC_INCREMENTAL: full marking in slices */
    struct incmark *im;          /* the incremental marking running, or NULL */
    size_t marking_growth;       /* old bytes the last one saw enter */
    unsigned stress_tick;        /* allocations since the last stress full GC */
    int last_error;
    bool collecting;             /* inside a collection */
    _Atomic uintptr_t owner;     /* [owner.one] */
    struct protect protect;      /* MOVGC_PROTECT */
    struct pauses pauses;        /* pause distributions (pauses.c) */
    unsigned gc_threads;         /* MOVGC_GC_THREADS: workers marking a full GC */
    struct markers *markers;     /* marker threads (mark.c), started lazily */
};

/* Is the calling thread h's owner?  Reports MOVGC_E_MISUSE naming op and
 * returns false (when on_error returns) if not. [owner.one] */
static inline bool mg_owner_ok(movgc_heap *h, const char *op) {
    if (__builtin_expect(atomic_load_explicit(&h->owner, memory_order_relaxed) ==
                         mg_owner_self(), 1))
        return true;
    return mg_owner_fail(h, op);
}

/* Room kept for the first allocations of the tables that cannot fail
 * (a remembered set of 1024 entries is 8 KiB).  [heap.soft] */
#define MG_SOFT_FIRST ((size_t)16 << 10)

/* Is the old space kept walkable, holes filled [old.walk]? */
static inline bool mg_old_walkable(const movgc_heap *h) {
    return (h->cfg.flags & MOVGC_VERIFY) != 0;
}

/* May the heap take bytes more from the OS under the limit?  [heap.soft] */
static inline bool mg_heap_may_take(const movgc_heap *h, size_t bytes) {
    size_t used = h->held + h->soft_tables + MG_SOFT_FIRST;
    return h->cfg.heap_limit == 0 || (bytes <= h->cfg.heap_limit &&
                                      used <= h->cfg.heap_limit - bytes);
}

/* In the semispaces. */
static inline bool mg_in_nursery(const movgc_heap *h, const void *p) {
    return (uintptr_t)p - h->pub.young_lo_ < h->pub.nursery_span_;
}

/* In the large-object region (an object address, or NULL: not there). */
static inline bool mg_in_los(const movgc_heap *h, const void *p) {
    return (uintptr_t)p - MG_WORD - (uintptr_t)h->los.base <
           (uintptr_t)(h->los.top - h->los.base);
}

/* Young: in the semispaces, or a young large object. */
static inline bool mg_is_young(const movgc_heap *h, const void *p) {
    uintptr_t off = (uintptr_t)p - h->pub.young_lo_;
    if (off < h->pub.nursery_span_)
        return true;
    return off < h->pub.young_size_ && mg_in_los(h, p) &&
           mg_los_of((void *)(uintptr_t)p)->young;
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

/* Collection entry points used across modules (heap.c).  A minor
 * collection asked for by the allocator consults the policy (policy.c),
 * which may set full_due. */
void mg_heap_minor(movgc_heap *h, bool tenure_all);
/* movgc_pin's minor collection (everything promoted), then a full
 * collection or an incremental marking if the old generation is due one. */
void mg_heap_minor_forced(movgc_heap *h);
void mg_heap_full(movgc_heap *h);

/* Bytes of old objects and old large objects now, as compared with
 * full_threshold. */
size_t mg_heap_old_bytes(const movgc_heap *h);

/* Bytes of gaps ahead whose pages a full collection keeps for promotion. */
size_t mg_heap_gap_reach(const movgc_heap *h);

uint64_t mg_now_ns(void);

#endif

/* movgc.h -- public API of movgc, a precise moving and compacting heap for C.
 * The contract is ../shared/API.md: names and meanings here never change.
 *
 * The one rule: a raw object pointer is valid only until the next call that
 * may collect.  Every declaration below says "May collect." or "Never
 * collects."  Keep pointers that must survive a collection in a root: a
 * shadow-stack slot, a registered global slot, or a handle. */
#ifndef MOVGC_H
#define MOVGC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(MOVGC_BUILDING) && defined(__GNUC__)
#define MOVGC_API __attribute__((visibility("default")))
#else
#define MOVGC_API
#endif

/* ===================================================================== heap */

typedef struct movgc_heap movgc_heap;

enum { MOVGC_STRESS = 1u, MOVGC_VERIFY = 2u, MOVGC_VERBOSE = 4u };

typedef struct movgc_config {
    size_t nursery_bytes;  /* size of ONE nursery semispace; 0 = default (4 MiB) */
    size_t heap_limit;     /* hard cap on bytes taken from the OS, nursery
                              included; a small cap shrinks the nursery; 0 = none */
    double growth;         /* old-space target = live * growth; 0 = default (1.25) */
    unsigned flags;        /* MOVGC_STRESS | MOVGC_VERIFY | MOVGC_VERBOSE */
    void (*on_error)(movgc_heap *h, int code, const char *msg, void *ud);
    void *ud;              /* passed to on_error */
} movgc_config;

/* Create a heap.  cfg NULL means all defaults.  The environment variables
 * MOVGC_NURSERY, MOVGC_HEAP_LIMIT (K/M/G suffixes), MOVGC_GROWTH, MOVGC_STRESS,
 * MOVGC_VERIFY and MOVGC_VERBOSE (0 or 1) override the defaults; a malformed
 * value is a MOVGC_E_CONFIG error naming the variable.  Returns NULL only when
 * the OS refuses the initial memory (after reporting MOVGC_E_NOMEM through
 * cfg->on_error if given).  Never collects. */
MOVGC_API movgc_heap *movgc_heap_new(const movgc_config *cfg);

/* Free the heap and everything in it.  Runs no finalizers.  Every object
 * pointer and handle of h is dead afterwards.  Never collects. */
MOVGC_API void movgc_heap_free(movgc_heap *h);

/* ================================================================== objects */

/* Allocate an object with nrefs reference slots, all NULL, and nbytes raw
 * bytes, all zero, tagged with the host's type tag (0..65535; a larger tag is
 * MOVGC_E_MISUSE).  The result is 8-byte aligned and points at slot 0 (at the
 * raw bytes when nrefs == 0).  May collect.  Returns NULL and reports
 * MOVGC_E_NOMEM when the heap limit cannot be met even after a full
 * collection, or when nrefs * 8 + nbytes cannot be represented; the heap
 * stays usable. */
static inline void *movgc_alloc(movgc_heap *h, unsigned tag, size_t nrefs,
                                size_t nbytes);

/* Number of reference slots / raw bytes / tag of obj.  Never collects. */
static inline size_t movgc_nrefs(const void *obj);
static inline size_t movgc_nbytes(const void *obj);
static inline unsigned movgc_tag(const void *obj);

/* Read slot i of obj (i < movgc_nrefs(obj); checked under MOVGC_VERIFY).
 * Never collects. */
static inline void *movgc_get(const void *obj, size_t i);

/* Write val (NULL or an object of h) into slot i of obj, with the write
 * barrier.  The only legal way to write a reference slot.  Under
 * MOVGC_VERIFY the index and val are checked.  Never collects. */
static inline void movgc_set(movgc_heap *h, void *obj, size_t i, void *val);

/* The first raw byte of obj: (char *)obj + 8 * movgc_nrefs(obj).
 * Never collects. */
static inline void *movgc_data(void *obj);

/* ==================================================================== roots */

/* Push slot (the address of a C local holding NULL or an object) on the
 * shadow stack.  The collector updates *slot when the object moves.
 * Never collects. */
static inline void movgc_push_root(movgc_heap *h, void **slot);

/* Pop the n most recent shadow-stack slots.  Popping more than were pushed
 * is MOVGC_E_MISUSE.  Never collects. */
static inline void movgc_pop_roots(movgc_heap *h, size_t n);

/* Current shadow-stack depth, to save before code that may longjmp.
 * Never collects. */
static inline size_t movgc_roots_depth(movgc_heap *h);

/* Pop back to a saved depth; a depth above the current one is
 * MOVGC_E_MISUSE.  Never collects. */
MOVGC_API void movgc_roots_restore(movgc_heap *h, size_t depth);

/* Shadow-stack frames.  MOVGC_FRAME(h) opens a frame in the current block;
 * MOVGC_ROOT(h, var) roots a local pointer variable of any object-pointer
 * type; MOVGC_UNFRAME(h) pops everything rooted since the frame opened (call
 * it on every exit path, or use MOVGC_RETURN).  One frame per function: a
 * frame in a nested block would shadow the outer one (-Wshadow warns).
 *
 *     node *a = NULL, *b = NULL;
 *     MOVGC_FRAME(h);
 *     MOVGC_ROOT(h, a); MOVGC_ROOT(h, b);
 *     a = movgc_alloc(h, T_NODE, 2, 0);
 *     b = movgc_alloc(h, T_NODE, 2, 0);     // a was updated if it moved
 *     MOVGC_RETURN(h, a);
 */
#define MOVGC_FRAME(h) const size_t movgc_frame_depth_ = movgc_roots_depth(h)
#define MOVGC_ROOT(h, var) movgc_push_root((h), (void **)(void *)&(var))
#define MOVGC_UNFRAME(h) movgc_roots_restore((h), movgc_frame_depth_)
#define MOVGC_RETURN(h, val)                                                  \
    do {                                                                      \
        movgc_roots_restore((h), movgc_frame_depth_);                         \
        return (val);                                                         \
    } while (0)

/* Register slot, anywhere in C memory, as a global root until removed.
 * Returns 0, or nonzero (MOVGC_E_NOMEM reported) when the root table cannot
 * grow.  Adding a slot twice is MOVGC_E_MISUSE.  Never collects. */
MOVGC_API int movgc_root_add(movgc_heap *h, void **slot);

/* Unregister slot; a slot that is not registered is MOVGC_E_MISUSE.
 * Never collects. */
MOVGC_API void movgc_root_remove(movgc_heap *h, void **slot);

/* ================================================================== handles */

/* A handle names a table entry that holds one object; id 0 is the null
 * handle.  Ids of freed handles are never reused for a later handle. */
typedef struct { uint64_t id; } movgc_handle;

/* A strong handle on obj (NULL allowed).  Returns the null handle and
 * reports MOVGC_E_NOMEM when the table cannot grow.  Never collects. */
MOVGC_API movgc_handle movgc_handle_new(movgc_heap *h, void *obj);

/* The handle's object at its current address (NULL for the null handle, a
 * cleared weak handle, or a handle holding NULL).  A freed or forged id
 * returns NULL and reports MOVGC_E_STALE.  Never collects. */
static inline void *movgc_handle_get(movgc_heap *h, movgc_handle hd);

/* Make hd hold obj (NULL allowed).  Stale ids: MOVGC_E_STALE.  Setting a
 * pinned handle is MOVGC_E_MISUSE.  Never collects. */
MOVGC_API void movgc_handle_set(movgc_heap *h, movgc_handle hd, void *obj);

/* Free hd (its pins are dropped).  Stale ids: MOVGC_E_STALE.
 * Never collects. */
MOVGC_API void movgc_handle_free(movgc_heap *h, movgc_handle hd);

/* Pin hd's object so that no collection moves it until the matching
 * movgc_unpin; nestable.  Returns the object's (now stable) address, or
 * NULL for a null/stale handle (MOVGC_E_STALE), a handle holding NULL, or
 * when a young object cannot be moved out of the nursery (MOVGC_E_NOMEM).
 * May collect: a young object is first moved to the old space. */
MOVGC_API void *movgc_pin(movgc_heap *h, movgc_handle hd);

/* Undo one movgc_pin.  Unpin without pin is MOVGC_E_MISUSE.
 * Never collects. */
MOVGC_API void movgc_unpin(movgc_heap *h, movgc_handle hd);

/* ============================================== weak references, finalizers */

/* A weak handle: movgc_handle_get yields obj while it is reachable other
 * than through weak handles, and NULL once a collection found it dead.
 * Free it with movgc_handle_free.  Never collects. */
MOVGC_API movgc_handle movgc_weak_new(movgc_heap *h, void *obj);

/* An ephemeron: a handle holding key weakly and value strongly only while
 * key is reachable other than through ephemeron values.  Chains (one
 * ephemeron's value is another's key) and cycles through values are
 * handled: nothing reachable only through values keeps its own key alive.
 * When a collection finds key dead, the ephemeron drops both: get returns
 * NULL and movgc_ephemeron_value NULL.  movgc_handle_get gives the key; free
 * it with movgc_handle_free.  This is what a weak-keyed table is made of.
 * Returns the null handle and reports MOVGC_E_NOMEM when the table cannot
 * grow.  Never collects. */
MOVGC_API movgc_handle movgc_ephemeron_new(movgc_heap *h, void *key, void *value);

/* The value of ephemeron hd: NULL once its key died.  A stale id, or a
 * handle that is not an ephemeron, reports MOVGC_E_STALE / MOVGC_E_MISUSE
 * and returns NULL.  Never collects. */
MOVGC_API void *movgc_ephemeron_value(movgc_heap *h, movgc_handle hd);

/* Run fn(h, obj, ud) once, after a collection found obj unreachable, outside
 * the collector (fn may allocate, but then obj must be rooted first like any
 * pointer).  Setting a finalizer again replaces it; fn NULL removes it.
 * Weak handles and ephemerons to obj are cleared before fn runs.  Objects
 * obj references are kept until fn has run; if one of them has a finalizer
 * too, it runs after obj's, in a later collection (so a cycle of objects
 * with finalizers is never finalized; references to itself do not count).
 * Finalizers run in the order the collections found them, at the end of the
 * movgc_alloc, movgc_collect or movgc_pin call whose collection found them;
 * movgc_heap_free runs none.
 * obj must be an object of h (MOVGC_E_MISUSE otherwise).
 * Never collects. */
MOVGC_API void movgc_set_finalizer(movgc_heap *h, void *obj,
                                   void (*fn)(movgc_heap *h, void *obj,
                                              void *ud),
                                   void *ud);

/* ================================================================= identity */

/* A hash of obj's identity, stable for obj's whole life although its address
 * changes.  Never collects. */
MOVGC_API uint64_t movgc_identity_hash(movgc_heap *h, void *obj);

/* ===================================================== collection and stats */

enum { MOVGC_MINOR = 1, MOVGC_FULL = 2 };

/* Collect: MOVGC_MINOR empties the nursery, MOVGC_FULL also marks and
 * compacts the old space and returns the memory it no longer needs to the
 * OS.  Another kind is MOVGC_E_MISUSE.  May collect (obviously). */
MOVGC_API void movgc_collect(movgc_heap *h, int kind);

typedef struct movgc_stats {
    uint64_t minor_collections, full_collections;
    uint64_t bytes_allocated;  /* total ever requested, headers included */
    uint64_t bytes_promoted;   /* copied from nursery to old space */
    uint64_t bytes_compacted;  /* moved by full collections */
    size_t live_bytes;         /* reachable bytes found by the last full one */
    size_t heap_bytes;         /* bytes held from the OS right now */
    uint64_t total_pause_ns, max_pause_ns;
    /* Appended later (fill with a size that covers them): the median, the
     * 99th percentile and the longest pause of each kind of collection, in
     * ns, 0 before the first.  Percentiles come from a histogram whose
     * buckets are 1/16 of a power of two wide, so they may be up to 6.25%
     * above the exact value (never above the maximum, which is exact). */
    uint64_t minor_pause_p50_ns, minor_pause_p99_ns, minor_pause_max_ns;
    uint64_t full_pause_p50_ns, full_pause_p99_ns, full_pause_max_ns;
} movgc_stats;

/* Fill the first size bytes of *out (pass sizeof *out; a program built
 * against an older, shorter movgc_stats passes its own size and gets the
 * fields it knows).  Under MOVGC_VERBOSE, movgc_heap_free prints the
 * pause percentiles of each kind.  Never collects. */
MOVGC_API void movgc_get_stats(movgc_heap *h, movgc_stats *out, size_t size);

/* =================================================================== errors */

enum {
    MOVGC_OK,
    MOVGC_E_NOMEM,
    MOVGC_E_STALE,
    MOVGC_E_MISUSE,
    MOVGC_E_CORRUPT,
    MOVGC_E_CONFIG
};

/* The code of the last error reported on h (MOVGC_OK if none).
 * Never collects. */
MOVGC_API int movgc_last_error(movgc_heap *h);

/* A static string describing code.  Never collects. */
MOVGC_API const char *movgc_strerror(int code);

/* ============================================ internals of the inline paths */
/* Everything below is internal to this header and may change in any release;
 * names with a leading or trailing underscore are not to be used directly. */

/* Object header, the 64-bit word before slot 0:
 *   bit 0        set only in a forwarding word of the nursery copier
 *   bits 1..7    collector flags
 *   bits 8..23   tag
 *   bits 24..43  nrefs  (MOVGC_HDR_BIG_: sizes in the 16 bytes before it)
 *   bits 44..63  nbytes
 */
#define MOVGC_HDR_TAG_SHIFT_ 8
#define MOVGC_HDR_NREFS_SHIFT_ 24
#define MOVGC_HDR_NBYTES_SHIFT_ 44
#define MOVGC_HDR_FIELD_MAX_ 0xFFFFFu
#define MOVGC_HDR_BIG_ MOVGC_HDR_FIELD_MAX_
#define MOVGC_HDR_REMEMBERED_ 0x2u
#define MOVGC_FAST_MAX_ 4096u /* fast path: nrefs and nbytes below this */

/* The part of the heap the inline paths read; the runtime's heap starts
 * with it. */
struct movgc_hentry_ {
    void *obj_;       /* the object, or NULL */
    uint64_t id_;     /* the id handed out for this entry; 0 while free */
};

struct movgc_heap_pub_ {
    char *alloc_ptr_;           /* next free nursery byte */
    char *alloc_limit_;         /* end of the zeroed, usable nursery chunk */
    uintptr_t young_lo_;        /* object addresses in the nursery (both */
    uintptr_t young_size_;      /* semispaces): [young_lo_, +young_size_);
                                   young_lo_ is the mapping's start + 8, so a
                                   0-byte object at the very end is inside */
    void ***roots_;             /* shadow stack */
    size_t roots_top_, roots_cap_;
    struct movgc_hentry_ *handles_;
    uint32_t nhandles_;         /* entries of handles_ ever handed out */
    unsigned checked_;          /* MOVGC_VERIFY: checked slow paths */
};

MOVGC_API void *movgc_alloc_(movgc_heap *h, unsigned tag, size_t nrefs,
                             size_t nbytes);
MOVGC_API void movgc_barrier_(movgc_heap *h, void *obj, size_t i, void *val);
MOVGC_API void movgc_push_root_(movgc_heap *h, void **slot);
MOVGC_API void movgc_pop_roots_(movgc_heap *h, size_t n);
MOVGC_API void *movgc_handle_get_(movgc_heap *h, movgc_handle hd);
MOVGC_API void movgc_check_index_(const void *obj, size_t i);
/* Nonzero when any heap of the process runs with MOVGC_VERIFY; movgc_get
 * has no heap argument. */
MOVGC_API extern int movgc_checked_;

static inline uint64_t movgc_header_(const void *obj) {
    return ((const uint64_t *)obj)[-1];
}

static inline void *movgc_alloc(movgc_heap *h, unsigned tag, size_t nrefs,
                                size_t nbytes) {
    struct movgc_heap_pub_ *p = (struct movgc_heap_pub_ *)(void *)h;
    if (nrefs < MOVGC_FAST_MAX_ && nbytes < MOVGC_FAST_MAX_ && tag <= 0xFFFFu) {
        size_t size = 8 + 8 * nrefs + ((nbytes + 7) & ~(size_t)7);
        char *ptr = p->alloc_ptr_;
        if ((size_t)(p->alloc_limit_ - ptr) >= size) {
            p->alloc_ptr_ = ptr + size;
            *(uint64_t *)(void *)ptr =
                ((uint64_t)tag << MOVGC_HDR_TAG_SHIFT_) |
                ((uint64_t)nrefs << MOVGC_HDR_NREFS_SHIFT_) |
                ((uint64_t)nbytes << MOVGC_HDR_NBYTES_SHIFT_);
            return ptr + 8;
        }
    }
    return movgc_alloc_(h, tag, nrefs, nbytes);
}

static inline size_t movgc_nrefs(const void *obj) {
    uint64_t hdr = movgc_header_(obj);
    size_t n = (size_t)(hdr >> MOVGC_HDR_NREFS_SHIFT_) & MOVGC_HDR_FIELD_MAX_;
    return n == MOVGC_HDR_BIG_ ? (size_t)((const uint64_t *)obj)[-3] : n;
}

static inline size_t movgc_nbytes(const void *obj) {
    uint64_t hdr = movgc_header_(obj);
    size_t n = (size_t)(hdr >> MOVGC_HDR_NREFS_SHIFT_) & MOVGC_HDR_FIELD_MAX_;
    if (n == MOVGC_HDR_BIG_)
        return (size_t)((const uint64_t *)obj)[-2];
    return (size_t)(hdr >> MOVGC_HDR_NBYTES_SHIFT_);
}

static inline unsigned movgc_tag(const void *obj) {
    return (unsigned)(movgc_header_(obj) >> MOVGC_HDR_TAG_SHIFT_) & 0xFFFFu;
}

static inline void *movgc_get(const void *obj, size_t i) {
    if (movgc_checked_)
        movgc_check_index_(obj, i);
    return ((void *const *)obj)[i];
}

static inline void movgc_set(movgc_heap *h, void *obj, size_t i, void *val) {
    struct movgc_heap_pub_ *p = (struct movgc_heap_pub_ *)(void *)h;
    if (p->checked_) {
        movgc_barrier_(h, obj, i, val);
        return;
    }
    ((void **)obj)[i] = val;
    /* Only an old object newly pointing into the nursery needs recording. */
    if ((uintptr_t)val - p->young_lo_ < p->young_size_ &&
        (uintptr_t)obj - p->young_lo_ >= p->young_size_ &&
        !(movgc_header_(obj) & MOVGC_HDR_REMEMBERED_))
        movgc_barrier_(h, obj, i, val);
}

static inline void *movgc_data(void *obj) {
    return (char *)obj + 8 * movgc_nrefs(obj);
}

static inline void movgc_push_root(movgc_heap *h, void **slot) {
    struct movgc_heap_pub_ *p = (struct movgc_heap_pub_ *)(void *)h;
    if (p->roots_top_ < p->roots_cap_)
        p->roots_[p->roots_top_++] = slot;
    else
        movgc_push_root_(h, slot);
}

static inline void movgc_pop_roots(movgc_heap *h, size_t n) {
    struct movgc_heap_pub_ *p = (struct movgc_heap_pub_ *)(void *)h;
    if (n <= p->roots_top_)
        p->roots_top_ -= n;
    else
        movgc_pop_roots_(h, n);
}

static inline size_t movgc_roots_depth(movgc_heap *h) {
    return ((struct movgc_heap_pub_ *)(void *)h)->roots_top_;
}

static inline void *movgc_handle_get(movgc_heap *h, movgc_handle hd) {
    struct movgc_heap_pub_ *p = (struct movgc_heap_pub_ *)(void *)h;
    uint32_t index = (uint32_t)hd.id;
    if (index - 1u < p->nhandles_) {
        const struct movgc_hentry_ *e = &p->handles_[index - 1u];
        if (e->id_ == hd.id)
            return e->obj_;
    }
    return movgc_handle_get_(h, hd);
}

#ifdef __cplusplus
}
#endif
#endif /* MOVGC_H */

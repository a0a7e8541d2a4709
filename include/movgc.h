/* movgc.h -- public API of movgc, a precise moving and compacting heap for C.
 * The contract is docs/reference.md: names and meanings here never change.
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

#if defined(__GNUC__)
#define MOVGC_LIKELY_(c) __builtin_expect(!!(c), 1)
#else
#define MOVGC_LIKELY_(c) (c)
#endif

#if defined(MOVGC_BUILDING) && defined(__GNUC__)
#define MOVGC_API __attribute__((visibility("default")))
#else
#define MOVGC_API
#endif

/* ===================================================================== heap */

typedef struct movgc_heap movgc_heap;

enum { MOVGC_STRESS = 1u, MOVGC_VERIFY = 2u, MOVGC_VERBOSE = 4u };
/* MOVGC_PROTECT (implied by MOVGC_VERIFY): memory a collection evacuated is
 * inaccessible until reused, and a raw pointer kept across a collection
 * that touches it stops the program with a message naming the collection
 * (a SIGSEGV handler on an alternate stack; other faults pass through).
 * Costs two mprotect calls per collection and gives the old space's free
 * tail back after every full collection. */
enum { MOVGC_PROTECT = 8u };

typedef struct movgc_config {
    size_t nursery_bytes;  /* size of ONE nursery semispace; 0 = default (4 MiB) */
    size_t heap_limit;     /* hard cap on heap_bytes; a small cap shrinks
                              the nursery; 0 = none.  See "the heap limit" */
    double growth;         /* old-space target = live * growth; 0 = default (1.25) */
    unsigned flags;        /* MOVGC_STRESS | MOVGC_VERIFY | MOVGC_VERBOSE |
                              MOVGC_PROTECT */
    void (*on_error)(movgc_heap *h, int code, const char *msg, void *ud);
    void *ud;              /* passed to on_error */
} movgc_config;

/* The heap limit.  heap_bytes (movgc_stats) counts object memory (both
 * nursery semispaces, the committed old space, large-object mappings) and
 * the collector's long-lived tables: the handle table, the shadow stack,
 * the global root set, finalizer lists, identity-hash tables and the
 * remembered set.  Allocation, movgc_handle_new (and the other handle
 * constructors) and movgc_root_add report MOVGC_E_NOMEM rather than pass
 * heap_limit.  The tables whose growth cannot fail (the shadow stack,
 * finalizer and identity tables, the remembered set) are counted, and
 * everything else leaves as much again free under the limit, so each can
 * double once without passing it; only a second doubling while the heap
 * is full can pass it (by that table's growth).  Not counted: a
 * collection's transient work
 * tables (a full collection's mark bitmaps and stack, about 1/32 of the
 * old space, and work lists), the large-object index, MOVGC_VERIFY's
 * own tables, and the heap structure itself (a few KiB). */

/* Create a heap.  cfg NULL means all defaults.  The environment variables
 * MOVGC_NURSERY, MOVGC_HEAP_LIMIT (K/M/G suffixes), MOVGC_GROWTH, MOVGC_STRESS,
 * MOVGC_VERIFY, MOVGC_VERBOSE and MOVGC_PROTECT (0 or 1) override the defaults; a malformed
 * value is a MOVGC_E_CONFIG error naming the variable.  Returns NULL only when
 * the OS refuses the initial memory (after reporting MOVGC_E_NOMEM through
 * cfg->on_error if given).  Never collects. */
MOVGC_API movgc_heap *movgc_heap_new(const movgc_config *cfg);

/* Free the heap and everything in it.  Runs no finalizers.  Every object
 * pointer and handle of h is dead afterwards.  Under MOVGC_VERIFY, roots
 * still on the shadow stack are MOVGC_E_MISUSE (a function returned
 * without popping them).  Never collects. */
MOVGC_API void movgc_heap_free(movgc_heap *h);

/* Threads.  A heap belongs to one thread at a time: the one that created
 * it, until another calls movgc_heap_adopt.  A call from any other thread
 * is MOVGC_E_MISUSE, checked by every function that is not an inline fast
 * path (allocation's slow path, collections, roots registration, handles,
 * pins, finalizers, movgc_heap_free) and, under MOVGC_VERIFY, also by
 * movgc_set and movgc_push_root.  (Without MOVGC_VERIFY an inline bump
 * allocation, movgc_get/movgc_set or push/pop from a foreign thread is not
 * caught.)  When on_error returns, the call does nothing, or proceeds
 * where it cannot fail (pushes, pops, stores).
 * movgc_heap_adopt makes the calling thread h's owner.  Hand a heap over
 * by calling it in the new thread once the old one is done with h, with
 * the hand-over ordered by the program's own synchronization (a mutex, a
 * queue, pthread_join); pointers and handles stay valid.  Never collects. */
MOVGC_API void movgc_heap_adopt(movgc_heap *h);

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

/* Read slot i of obj (i < movgc_nrefs(obj)).  movgc_get has no heap
 * argument, so it cannot see a heap's MOVGC_VERIFY flag: its index is
 * checked, on every heap, in a program that defines MOVGC_CHECKED before
 * including this header (a checked build of the inline paths: an index
 * >= movgc_nrefs(obj) is then MOVGC_E_MISUSE and aborts with a message).
 * Otherwise it is one load.  Never collects. */
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
 * shadow stack.  The collector updates *slot when the object moves.  Under
 * MOVGC_VERIFY, pushing a slot that is still on the shadow stack is
 * MOVGC_E_MISUSE: the sign of a function that returned without popping.
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
 * obj references are kept until fn has run.  Order: if obj reaches another
 * unreachable object with a finalizer, that one runs after obj's, in a
 * later collection.  Paths from obj back to itself do not delay obj (P ->
 * C -> P with no finalizer on C, or P -> P, is finalized at once).  A cycle
 * through two or more objects with finalizers is never finalized: each
 * waits for another, so they and all they reach stay allocated;
 * stats.finalizers_held counts such held-back objects (as of the last full
 * collection), so a leak of this kind shows.  Break such cycles, or put the
 * finalizer on an object outside the cycle.
 * Finalizers run in the order the collections found them, at the end of the
 * movgc_alloc, movgc_collect, movgc_pin or movgc_ffi_call call whose
 * collection found them (also when that call fails); movgc_heap_free runs
 * none.  A finalizer must return with the shadow stack as deep as it found
 * it (MOVGC_E_MISUSE otherwise, and the depth is restored).  It may longjmp
 * out if the target restores the shadow stack to a depth saved before the
 * call (movgc_roots_restore), as any longjmp across movgc calls must; the
 * remaining finalizers then run at the next call that runs finalizers.
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
    uint64_t bytes_promoted;   /* entered the old generation: survivors copied
                                  out of the nursery, large objects made old
                                  in place */
    uint64_t bytes_compacted;  /* moved by full collections */
    size_t live_bytes;         /* reachable bytes found by the last full one */
    size_t heap_bytes;         /* bytes held from the OS right now */
    uint64_t total_pause_ns, max_pause_ns;
    /* finalization */
    uint64_t finalizers_run;   /* finalizer calls so far */
    size_t finalizers_held;    /* finalizable objects the last full collection
                                  found unreachable but held back because
                                  another such object reaches them; a
                                  number that stays up is a cycle through
                                  finalizable objects, which never runs */
    /* Appended later (fill with a size that covers them): the median, the
     * 99th percentile and the longest pause of each kind of collection, in
     * ns, 0 before the first.  Percentiles come from a histogram whose
     * buckets are 1/16 of a power of two wide, so they may be up to 6.25%
     * above the exact value (never above the maximum, which is exact). */
    uint64_t minor_pause_p50_ns, minor_pause_p99_ns, minor_pause_max_ns;
    uint64_t full_pause_p50_ns, full_pause_p99_ns, full_pause_max_ns;
    /* Appended later: incremental marking (see MOVGC_INCREMENTAL).  A full
     * collection whose marking ran in slices counts once in
     * full_collections, and its final pause among the full pauses; it
     * frees what was unreachable when its marking began (what died since
     * may wait for the next one).  Markings begun, full collections that
     * ended one (the others gave it up and marked anew), slices, and the
     * slices' pauses as above. */
    uint64_t incremental_begun, incremental_fulls;
    uint64_t mark_slices;
    uint64_t slice_pause_p50_ns, slice_pause_p99_ns, slice_pause_max_ns;
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

/* ==================================================== entry points for bindings */
/* Fused operations for bindings that pay for every foreign call (ctypes,
 * cffi, ...): each does in one call what a C program does with several inline
 * ones, and names objects only by the id of a handle (movgc_handle.id, as a
 * plain integer), so the caller never holds a raw address from one call to
 * the next.  A failure is reported once through the heap's error path
 * (on_error; without it MOVGC_E_MISUSE aborts as everywhere) and changes
 * nothing.  Where an id names an object, a stale or forged id is
 * MOVGC_E_STALE, and id 0 or a handle holding no object (set to NULL, a
 * cleared weak handle) is MOVGC_E_MISUSE.  Functions returning int return
 * MOVGC_OK or the code reported. */

typedef struct movgc_shape {
    unsigned tag;
    size_t nrefs, nbytes;
} movgc_shape;

/* movgc_alloc, then a strong handle on the new object: its id, or 0 when
 * either failed (reported).  May collect. */
MOVGC_API uint64_t movgc_alloc_handle(movgc_heap *h, unsigned tag,
                                      size_t nrefs, size_t nbytes);

/* An object with no slots whose n raw bytes are a copy of data, held by a
 * new strong handle: its id, or 0 when allocation failed.  data must not
 * point into the heap.  May collect. */
MOVGC_API uint64_t movgc_alloc_bytes_handle(movgc_heap *h, unsigned tag,
                                            const void *data, size_t n);

/* Slot i of id's object, as the id of a new strong handle; 0 when the slot
 * holds NULL, and 0 with MOVGC_E_MISUSE reported for i >= nrefs.
 * Never collects. */
MOVGC_API uint64_t movgc_handle_slot(movgc_heap *h, uint64_t id, size_t i);

/* Store val's object (val 0: NULL) in slot i of id's object, with the write
 * barrier; i >= nrefs is MOVGC_E_MISUSE.  Never collects. */
MOVGC_API int movgc_handle_set_slot(movgc_heap *h, uint64_t id, size_t i,
                                    uint64_t val);

/* Copy n raw bytes at offset off of id's object out to buf / in from buf;
 * a range beyond movgc_nbytes is MOVGC_E_MISUSE.  buf must not point into
 * the heap.  No pin needed.  Never collects. */
MOVGC_API int movgc_handle_read(movgc_heap *h, uint64_t id, size_t off,
                                void *buf, size_t n);
MOVGC_API int movgc_handle_write(movgc_heap *h, uint64_t id, size_t off,
                                 const void *buf, size_t n);

/* Tag, slot count and byte count of id's object into *out.
 * Never collects. */
MOVGC_API int movgc_handle_shape(movgc_heap *h, uint64_t id, movgc_shape *out);

/* A new strong handle on id's object (a strong, weak or ephemeron handle:
 * its object or key); 0 when it holds none (quietly) or id is stale
 * (reported).  Never collects. */
MOVGC_API uint64_t movgc_handle_dup(movgc_heap *h, uint64_t id);

/* A new strong handle on the value of ephemeron id; 0 once its key died
 * (quietly), or for a stale id / a handle that is not an ephemeron
 * (reported as by movgc_ephemeron_value).  Never collects. */
MOVGC_API uint64_t movgc_handle_value(movgc_heap *h, uint64_t id);

/* 1 when handles a and b hold the same object (or neither holds one),
 * else 0.  Never collects. */
MOVGC_API int movgc_handle_same(movgc_heap *h, uint64_t a, uint64_t b);

/* movgc_identity_hash of id's object; 0 after reporting an error.
 * Never collects. */
MOVGC_API uint64_t movgc_handle_hash(movgc_heap *h, uint64_t id);

/* movgc_handle_free on each of the n ids (each stale one reported).
 * Never collects. */
MOVGC_API void movgc_handles_free(movgc_heap *h, const uint64_t *ids,
                                  size_t n);

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
#define MOVGC_CHECKED_VERIFY_ 0x1u /* pub.checked_: MOVGC_VERIFY */
#define MOVGC_FAST_MAX_ 4096u /* fast path: nrefs and nbytes below this */

/* Handle table: one 64-bit word per entry; entry 0 is never handed out.
 * An entry in use holds (gen << 48) | obj: gen (1..65535) is the
 * generation of the id handed out for it, obj the object's address (or 0),
 * 8-byte aligned and below 2^48.  A free entry holds MOVGC_HFREE_, whose
 * bit 0 no entry in use has.  The id is (gen << 48) | index, index below
 * 2^32.  So, for an id with no bit in MOVGC_HPAD_ and the word w at its
 * index, x = w ^ (id with the index cleared) is the object exactly when x
 * has no bit in MOVGC_HCHECK_: the generations are equal and the entry is
 * in use.  Any other id (stale, forged, 0) fails the bound or one of the
 * two tests.  The entry's address depends on the id's low half only, so
 * the dereference adds one load and one xor to a chain of loads. */
#define MOVGC_HGEN_SHIFT_ 48
#define MOVGC_HADDR_MASK_ (((uint64_t)1 << MOVGC_HGEN_SHIFT_) - 8)
#define MOVGC_HPAD_ ((((uint64_t)1 << 16) - 1) << 32)
#define MOVGC_HFREE_ ((uint64_t)1)
/* Set on an entry in use whose reads must take the out-of-line path (the
 * weak handles while an incremental marking runs): it fails the test. */
#define MOVGC_HSLOW_ ((uint64_t)2)
#define MOVGC_HCHECK_ (~MOVGC_HADDR_MASK_)

/* The part of the heap the inline paths read; the runtime's heap starts
 * with it. */

struct movgc_heap_pub_ {
    char *alloc_ptr_;           /* next free nursery byte */
    char *alloc_limit_;         /* end of the zeroed, usable nursery chunk */
    uintptr_t young_lo_;        /* object addresses in the nursery (both */
    uintptr_t young_size_;      /* semispaces) and the large-object region:
                                   [young_lo_, +young_size_); young_lo_ is
                                   the mapping's start + 8, so a 0-byte
                                   object at the very end is inside */
    void ***roots_;             /* shadow stack */
    size_t roots_top_, roots_cap_;
    uint64_t *handles_;         /* the handle table, see above */
    uint32_t nhandles_;         /* entries of handles_ in use so far, entry 0
                                   included: indices below are readable */
    unsigned checked_;          /* MOVGC_CHECKED_VERIFY_: every store takes
                                   the checked slow path; any other bit
                                   (an incremental marking): every store
                                   into an object outside the nursery */
    uintptr_t nursery_span_;    /* [young_lo_, +nursery_span_): semispaces */
};

MOVGC_API void *movgc_alloc_(movgc_heap *h, unsigned tag, size_t nrefs,
                             size_t nbytes);
MOVGC_API void movgc_barrier_(movgc_heap *h, void *obj, size_t i, void *val);
MOVGC_API void movgc_push_root_(movgc_heap *h, void **slot);
MOVGC_API void movgc_pop_roots_(movgc_heap *h, size_t n);
MOVGC_API void *movgc_handle_get_(movgc_heap *h, movgc_handle hd);
/* movgc_get's index check in a MOVGC_CHECKED build: reports i >= nrefs. */
MOVGC_API void movgc_check_index_(const void *obj, size_t i);

static inline uint64_t movgc_header_(const void *obj) {
    return ((const uint64_t *)obj)[-1];
}

static inline void *movgc_alloc(movgc_heap *h, unsigned tag, size_t nrefs,
                                size_t nbytes) {
    struct movgc_heap_pub_ *p = (struct movgc_heap_pub_ *)(void *)h;
    if (nrefs < MOVGC_FAST_MAX_ && nbytes < MOVGC_FAST_MAX_ && tag <= 0xFFFFu) {
        size_t size = 8 + 8 * nrefs + ((nbytes + 7) & ~(size_t)7);
        /* Compare the new end with the limit, not the room left with the
         * size: the end is also the next alloc_ptr_.  Nursery addresses are
         * far from the top of the address space, so the sum cannot wrap.
         * The result stays 'ptr + 8' so that the compiler knows it is not
         * NULL. */
        char *ptr = p->alloc_ptr_;
        if (MOVGC_LIKELY_((uintptr_t)ptr + size <= (uintptr_t)p->alloc_limit_)) {
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
    return MOVGC_LIKELY_(n != MOVGC_HDR_BIG_) ? n : (size_t)((const uint64_t *)obj)[-3];
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
#ifdef MOVGC_CHECKED
    if (i >= movgc_nrefs(obj))
        movgc_check_index_(obj, i);
#endif
    return ((void *const *)obj)[i];
}

static inline void movgc_set(movgc_heap *h, void *obj, size_t i, void *val) {
    struct movgc_heap_pub_ *p = (struct movgc_heap_pub_ *)(void *)h;
    if (p->checked_ && ((p->checked_ & MOVGC_CHECKED_VERIFY_) ||
                        (uintptr_t)obj - p->young_lo_ >= p->nursery_span_)) {
        movgc_barrier_(h, obj, i, val);  /* stores */
        return;
    }
    ((void **)obj)[i] = val;
    /* Only an object outside the nursery, not yet remembered, newly
     * pointing at what may be young (the nursery or the large-object
     * region, whose young objects carry the remembered bit) is recorded. */
    if ((uintptr_t)val - p->young_lo_ < p->young_size_ &&
        (uintptr_t)obj - p->young_lo_ >= p->nursery_span_ &&
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
    const struct movgc_heap_pub_ *p = (const struct movgc_heap_pub_ *)(void *)h;
    uint32_t index = (uint32_t)hd.id;
    if (MOVGC_LIKELY_(index < p->nhandles_ && !(hd.id & MOVGC_HPAD_))) {
        uint64_t x = p->handles_[index] ^ (hd.id ^ index);
        if (MOVGC_LIKELY_(!(x & MOVGC_HCHECK_)))
            return (void *)(uintptr_t)x;
    }
    return movgc_handle_get_(h, hd);
}

#ifdef __cplusplus
}
#endif
#endif /* MOVGC_H */

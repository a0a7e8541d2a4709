/* nursery.c -- semispace nursery: bump allocation, Cheney copy of survivors.
 * Invariants:
 * [nursery.alloc] [from, alloc_ptr_) holds objects back to back; the inline
 *   allocator only writes headers, so [alloc_ptr_, alloc_limit_) is zero and
 *   alloc_limit_ <= zeroed <= from + size.
 * [nursery.empty] between collections 'to' holds nothing live.
 * [nursery.fits] survivors of one collection always fit: each goes to the
 *   old space or to 'to', and 'to' alone can take everything 'from' held.
 * [nursery.size] both semispaces use their first 'size' bytes; 'size'
 *   changes only between collections and never below what 'from' holds,
 *   so [nursery.fits] holds. */
#include "nursery.h"

#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "error.h"
#include "finalize.h"
#include "heap.h"
#include "identity.h"
#include "vm.h"

#define ZERO_CHUNK ((size_t)32 << 10)

bool mg_nursery_init(movgc_heap *h, size_t semi, size_t size, bool adaptive,
                     unsigned promote_age, size_t los_bytes, size_t los_min) {
    struct nursery *n = &h->nursery;
    size_t page = mg_vm_page();
    semi = (semi + page - 1) & ~(page - 1);
    size = (size + page - 1) & ~(page - 1);
    los_bytes = (los_bytes + page - 1) & ~(page - 1);
    /* Address space may be scarce (valgrind, ulimit -v): halve the large-
     * object region until the OS agrees, but not below los_min. */
    while (!(n->base = mg_vm_reserve(2 * semi + los_bytes)) && los_bytes / 2 >= los_min)
        los_bytes = (los_bytes / 2 + page - 1) & ~(page - 1);
    if (!n->base)
        return false;
    if (!mg_vm_commit(n->base, 2 * semi)) {  /* untouched pages cost nothing */
        mg_vm_unmap(n->base, 2 * semi + los_bytes);
        n->base = NULL;
        return false;
    }
    n->los_bytes = los_bytes;
    n->semi = semi;
    n->size = size < semi ? size : semi;
    n->adaptive = adaptive && n->size < semi;
    n->from = n->zeroed = n->counted = n->base;
    n->to = n->base + semi;
    n->promote_age = promote_age;
    h->pub.young_lo_ = (uintptr_t)n->base + MG_WORD;  /* object addresses */
    h->pub.young_size_ = 2 * semi + los_bytes;
    h->pub.nursery_span_ = 2 * semi;
    mg_los_region_init(h, n->base + 2 * semi, los_bytes);
    h->pub.alloc_ptr_ = h->pub.alloc_limit_ = n->base;
    h->held += 2 * n->size;  /* the pages beyond 'size' are never touched */
    return true;
}

void mg_nursery_free(movgc_heap *h) {
    struct nursery *n = &h->nursery;
    if (n->base)
        mg_vm_unmap(n->base, 2 * n->semi + n->los_bytes);
}

void mg_nursery_count(movgc_heap *h) {
    struct nursery *n = &h->nursery;
    h->stats.bytes_allocated += (uint64_t)(h->pub.alloc_ptr_ - n->counted);
    n->counted = h->pub.alloc_ptr_;
}

/* ================================================================ zeroing */

/* Zero [lo, hi) with the widest plain stores the processor has, four to a
 * loop turn.  Not memset: for chunks this size glibc uses 'rep stosb',
 * which takes the same time here but which callgrind counts as one
 * instruction per byte (41 instead of 19 per 24-byte object of
 * bench/alloc); 32-byte stores, 7 instructions per 128 bytes, take the
 * same CPU time as 'rep stosb' or less.  Zeroing the
 * free part of a semispace in bulk at the flip instead of ZERO_CHUNK
 * bytes ahead of the allocator was no cheaper and up to 8% slower (the
 * lines are no longer in cache when the objects are made), and lengthens
 * the pause. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define ZERO_AVX 1
typedef char zero32 __attribute__((vector_size(32), aligned(32)));
__attribute__((target("avx"))) static void zero_avx(char *a, char *hi) {
    const zero32 z = {0};
    for (; hi - a >= 128; a += 128) {
        zero32 *v = (zero32 *)(void *)a;
        v[0] = z, v[1] = z, v[2] = z, v[3] = z;
    }
    memset(a, 0, (size_t)(hi - a));
}
#endif

#if defined(__GNUC__)
typedef char zero16 __attribute__((vector_size(16), aligned(16)));
static void zero_wide(char *a, char *hi) {
    const zero16 z = {0};
    for (; hi - a >= 64; a += 64) {
        zero16 *v = (zero16 *)(void *)a;
        v[0] = z, v[1] = z, v[2] = z, v[3] = z;
    }
    memset(a, 0, (size_t)(hi - a));
}
#else
static void zero_wide(char *a, char *hi) { memset(a, 0, (size_t)(hi - a)); }
#endif

static void zero(char *lo, char *hi) {
    char *a = (char *)(((uintptr_t)lo + 127) & ~(uintptr_t)127);
    if (a > hi)
        a = hi;
    memset(lo, 0, (size_t)(a - lo));  /* up to the first aligned block */
#ifdef ZERO_AVX
    if (__builtin_cpu_supports("avx")) {
        zero_avx(a, hi);
        return;
    }
#endif
    zero_wide(a, hi);
}

bool mg_nursery_refill(movgc_heap *h, size_t size) {
    struct nursery *n = &h->nursery;
    char *ptr = h->pub.alloc_ptr_;
    char *end = n->from + n->size;
    if ((size_t)(end - ptr) < size)
        return false;
    if ((size_t)(n->zeroed - ptr) < size) {
        /* Zero just ahead of the allocator, a chunk at a time: the pages are
         * warm when the objects are made, and no pause pays for it. */
        size_t want = size > ZERO_CHUNK ? size : ZERO_CHUNK;
        char *z = (size_t)(end - ptr) < want ? end : ptr + want;
        if (n->zeroed < ptr)
            n->zeroed = ptr;
        zero(n->zeroed, z);
        n->zeroed = z;
    }
    h->pub.alloc_limit_ = (h->cfg.flags & MOVGC_STRESS) ? ptr : n->zeroed;
    return true;
}

/* ================================================================ copying */

struct scavenge {
    movgc_heap *h;
    char *from_lo, *from_hi;  /* the semispace being evacuated */
    char *scan;               /* Cheney's scan pointer in 'to' */
    char *to_ptr, *to_end;    /* bump pointer in 'to' */
    void **promoted;          /* promoted objects not yet scanned */
    size_t npromoted, cap;
    char *los_base;           /* the large-object region, [base, top) */
    size_t los_span;
    void **large;             /* young large survivors not yet scanned */
    size_t nlarge, large_cap;
    bool tenure_all;
    unsigned promote_age;     /* copies of nursery fields, for the hot path */
    char *to_half;            /* past this, survivors are promoted early */
    size_t copied, promoted_bytes;
};

/* Does object p's header lie in the evacuated range?  (The header, not p:
 * a 0-byte object ending the range has p == from_hi.) */
static bool in_from(const struct scavenge *s, const void *p) {
    return (uintptr_t)p - MG_WORD - (uintptr_t)s->from_lo <
           (uintptr_t)(s->from_hi - s->from_lo);
}

static void push(struct scavenge *s, void ***list, size_t *n, size_t *cap,
                 void *obj) {
    if (*n == *cap) {
        size_t more = *cap ? *cap * 2 : 256;
        void **p = realloc(*list, more * sizeof *p);
        if (!p) {
            mg_error(s->h, MOVGC_E_CORRUPT, "minor GC: out of memory for its work list");
            abort();
        }
        *list = p;
        *cap = more;
    }
    (*list)[(*n)++] = obj;
}

static void push_promoted(struct scavenge *s, void *obj) {
    push(s, &s->promoted, &s->npromoted, &s->cap, obj);
}

/* Where a survivor of size bytes goes: old if old enough, or if survivors
 * already fill half of 'to' (a nursery full of survivors is no nursery),
 * and there is room; else 'to', else old after all. [nursery.fits] */
static char *destination(struct scavenge *s, size_t size, unsigned age,
                         bool *old) {
    char *dst = NULL;
    if (s->tenure_all || age >= s->promote_age || s->to_ptr > s->to_half)
        dst = mg_old_bump(s->h, size);
    if (!dst && (size_t)(s->to_end - s->to_ptr) >= size) {
        dst = s->to_ptr;
        s->to_ptr += size;
        *old = false;
        return dst;
    }
    if (!dst)
        dst = mg_old_alloc(s->h, size);
    if (!dst) {
        mg_error(s->h, MOVGC_E_CORRUPT, "minor GC: no room for a survivor");
        abort();
    }
    *old = true;
    return dst;
}

/* Copy from-space object obj, whose header is hdr, out of from-space. */
static void *copy_out(struct scavenge *s, void *obj, uint64_t hdr) {
    size_t size = mg_hdr_size(hdr);
    unsigned age = mg_hdr_age(hdr);
    if (age < HDR_AGE_MAX)
        age++;
    bool old;
    char *dst = destination(s, size, age, &old);
    memcpy(dst, mg_hdr(obj), size);
    void *to = dst + MG_WORD;
    *mg_hdr(to) = mg_hdr_with_age(hdr, age);
    *mg_hdr(obj) = (uint64_t)(uintptr_t)to | HDR_FWD;
    if (old) {
        s->promoted_bytes += size;
        if (s->h->im)
            mg_incmark_entered(s->h, to, size);
        push_promoted(s, to);
    } else {
        s->copied += size;
    }
    return to;
}

/* The new address of from-space object obj, copying it on first sight.
 * Inline: most calls find it already copied. */
static inline void *copy(struct scavenge *s, void *obj) {
    uint64_t hdr = *mg_hdr(obj);
    if (hdr & HDR_FWD)
        return (void *)(uintptr_t)(hdr & ~(uint64_t)HDR_FWD);
    return copy_out(s, obj, hdr);
}

/* Is p (an object address) in the large-object region? */
static inline bool in_los(const struct scavenge *s, const void *p) {
    return (uintptr_t)p - MG_WORD - (uintptr_t)s->los_base < s->los_span;
}

/* A young large object reached: it stays where it is; its slots are
 * scanned once (mg_los_minor decides its fate afterwards). */
static void reach_large(struct scavenge *s, void *obj) {
    struct large *l = mg_los_of(obj);
    if (!l->young || l->reached)
        return;
    l->reached = 1;
    push(s, &s->large, &s->nlarge, &s->large_cap, obj);
}

/* The new address of any object this collection evacuates; p otherwise. */
static inline void *evacuate(struct scavenge *s, void *p) {
    if (in_from(s, p))
        return copy(s, p);
    if (in_los(s, p))
        reach_large(s, p);
    return p;
}

/* Is p young and subject to this collection (a nursery object being
 * evacuated or a young large object)? */
static inline bool collected(const struct scavenge *s, const void *p) {
    return in_from(s, p) || (in_los(s, p) && mg_los_of((void *)(uintptr_t)p)->young);
}

/* Copy what obj's slots reference out of from-space; return whether obj
 * still references the nursery (then an old obj must stay remembered). */
static inline bool scan_slots(struct scavenge *s, void *obj) {
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    bool young = false;
    for (size_t i = 0; i < n; i++) {
        void *v = slots[i];
        if (in_from(s, v))
            slots[i] = v = copy(s, v);
        else if (in_los(s, v))
            reach_large(s, v);
        young |= mg_is_young(s->h, v);
    }
    return young;
}

static void visit_root(movgc_heap *h, void **slot, void *ctx) {
    (void)h;
    struct scavenge *s = ctx;
    *slot = evacuate(s, *slot);
}

/* Scan the marked cards of a carded large object; unmark the cards that no
 * longer point into the nursery.  Returns whether any card stays marked. */
static bool scan_cards(struct scavenge *s, void *obj, struct large *l) {
    void **slots = mg_slots(obj);
    size_t n = movgc_nrefs(obj);
    bool any = false;
    for (size_t c = 0; c * MG_CARD_SLOTS < n; c++) {
        if (!l->cards[c])
            continue;
        size_t end = (c + 1) * MG_CARD_SLOTS < n ? (c + 1) * MG_CARD_SLOTS : n;
        bool young = false;
        for (size_t i = c * MG_CARD_SLOTS; i < end; i++) {
            slots[i] = evacuate(s, slots[i]);
            young |= mg_is_young(s->h, slots[i]);
        }
        l->cards[c] = young;
        any |= young;
    }
    l->remembered = any;
    return any;
}

/* Scan the remembered objects; keep those still pointing into the nursery
 * (at survivors in 'to', which is young too).  A slot's final value is known
 * once scanned, so the answer is final too. [barrier.remembered] */
static void scan_remset(struct scavenge *s) {
    movgc_heap *h = s->h;
    struct remset *r = &h->remset;
    size_t kept = 0;
    for (size_t i = 0; i < r->n; i++) {
        void *obj = r->objs[i];
        struct large *l = mg_is_old(h, obj) ? NULL : mg_los_of(obj);
        if (l && l->cards) {
            if (scan_cards(s, obj, l))
                r->objs[kept++] = obj;
        } else if (scan_slots(s, obj)) {
            r->objs[kept++] = obj;
        } else {
            *mg_hdr(obj) &= ~(uint64_t)HDR_REMEMBERED;
        }
    }
    r->n = kept;
}

/* Cheney's loop over 'to', interleaved with the promoted and the large
 * work lists.  A young large survivor's slots are scanned in place; whether
 * it must be remembered is settled once it has moved. */
static void drain(struct scavenge *s) {
    while (s->scan < s->to_ptr || s->npromoted > 0 || s->nlarge > 0) {
        while (s->nlarge > 0)
            scan_slots(s, s->large[--s->nlarge]);
        while (s->scan < s->to_ptr) {
            void *obj = s->scan + MG_WORD;
            scan_slots(s, obj);
            s->scan += mg_obj_size(obj);
        }
        while (s->npromoted > 0) {
            void *obj = s->promoted[--s->npromoted];
            if (scan_slots(s, obj) && !(*mg_hdr(obj) & HDR_REMEMBERED))
                mg_remset_add(s->h, obj);
        }
    }
}

/* Forwarding for the side tables (identity hashes, finalizers): NULL if
 * obj died in this collection. */
static void *forwarded(void *obj, void *ctx) {
    struct scavenge *s = ctx;
    if (in_los(s, obj))
        return !mg_los_of(obj)->young || mg_los_of(obj)->reached ? obj : NULL;
    if (!in_from(s, obj))
        return obj;
    uint64_t hdr = *mg_hdr(obj);
    return (hdr & HDR_FWD) ? (void *)(uintptr_t)(hdr & ~(uint64_t)HDR_FWD) : NULL;
}

/* Weak and finalizer processing in copying terms. */
static void fin_keep_children(void *obj, void *ctx) {
    struct scavenge *s = ctx;
    /* obj stays behind and its copy, made later, takes these slots; if
     * another candidate reached it first, the copy is scanned anyway. */
    if (!collected(s, obj) || (in_from(s, obj) && (*mg_hdr(obj) & HDR_FWD)) ||
        (in_los(s, obj) && mg_los_of(obj)->reached))
        return;
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    for (size_t i = 0; i < n; i++)  /* a self reference does not delay it */
        if (slots[i] != obj)
            slots[i] = evacuate(s, slots[i]);
}
static void *fin_keep(void *obj, void *ctx) {
    return evacuate(ctx, obj);
}
static void fin_drain(void *ctx) { drain(ctx); }

/* A young large object that became old: remembered if it still references
 * the nursery, with exactly the cards of those slots marked. */
static void remember_if_young(movgc_heap *h, void *obj) {
    struct large *l = mg_los_of(obj);
    void **slots = mg_slots(obj);
    size_t n = movgc_nrefs(obj);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        bool young = mg_is_young(h, slots[i]);
        if (young && l->cards)
            l->cards[i / MG_CARD_SLOTS] = 1;
        any |= young;
    }
    if (any)
        mg_remset_add(h, obj);
}

size_t mg_nursery_resize(movgc_heap *h, size_t size) {
    struct nursery *n = &h->nursery;
    size_t page = mg_vm_page();
    size_t used = (size_t)(h->pub.alloc_ptr_ - n->from);
    size = (size + page - 1) & ~(page - 1);
    if (size > n->semi)
        size = n->semi;
    if (size < used)  /* [nursery.fits]: 'to' must take what 'from' holds */
        size = (used + page - 1) & ~(page - 1);
    if (size > n->size) {
        if (!mg_heap_may_take(h, 2 * (size - n->size)))
            return n->size;
        h->held += 2 * (size - n->size);
        /* both halves will be written all over: fault them in at once */
        mg_vm_populate(n->from + n->size, size - n->size);
        mg_vm_populate(n->to + n->size, size - n->size);
    } else if (size < n->size) {
        size_t cut = n->size - size;
        mg_vm_discard(n->from + size, cut);
        mg_vm_discard(n->to + size, cut);
        h->held -= 2 * cut;
        if (n->zeroed > n->from + size)
            n->zeroed = n->from + size;
        if (h->pub.alloc_limit_ > n->zeroed)
            h->pub.alloc_limit_ = n->zeroed;
    }
    n->size = size;
    return size;
}

/* Swap the semispaces; the evacuated one ended at from_top. */
static void flip(movgc_heap *h, char *to_top, char *from_top) {
    struct nursery *n = &h->nursery;
    char *old_from = n->from;
    n->from = n->to;
    n->to = old_from;
    h->pub.alloc_ptr_ = h->pub.alloc_limit_ = to_top;
    n->zeroed = n->counted = to_top;
    if (h->cfg.flags & MOVGC_VERIFY)  /* stale pointers into it read junk */
        memset(n->to, 0xdb, (size_t)(from_top - n->to));
}

size_t mg_nursery_collect(movgc_heap *h, bool tenure_all) {
    struct nursery *n = &h->nursery;
    mg_nursery_count(h);
    struct scavenge s = {
        .h = h,
        .from_lo = n->from,
        .from_hi = h->pub.alloc_ptr_,
        .scan = n->to,
        .to_ptr = n->to,
        .to_end = n->to + n->size,
        .tenure_all = tenure_all,
        .promote_age = n->promote_age,
        .to_half = n->to + n->size / 2,
        .los_base = h->los.base,
        .los_span = (size_t)(h->los.top - h->los.base),
    };
    mg_roots_visit(h, visit_root, &s);
    mg_handles_visit(h, MG_H_STRONG, visit_root, &s);
    mg_final_visit(h, true, visit_root, &s);
    scan_remset(&s);
    drain(&s);
    /* Ephemerons and weak handles are settled before finalizers resurrect
     * anything. */
    struct mg_gc_ops ops = {forwarded, fin_keep_children, fin_keep, fin_drain, &s};
    mg_handles_weak(h, &ops);
    mg_final_select(h, true, &ops);
    mg_identity_young(h, forwarded, &s);
    mg_los_minor(h, tenure_all, remember_if_young);
    mg_final_settle(h);  /* large objects just made old leave 'young' */
    free(s.promoted);
    free(s.large);
    h->stats.bytes_promoted += s.promoted_bytes;
    flip(h, s.to_ptr, s.from_hi);
    return s.copied;
}

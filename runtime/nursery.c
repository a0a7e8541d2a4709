/* nursery.c -- semispace nursery: bump allocation, Cheney copy of survivors.
 * Invariants:
 * [nursery.alloc] [from, alloc_ptr_) holds objects back to back; the inline
 *   allocator only writes headers, so [alloc_ptr_, alloc_limit_) is zero and
 *   alloc_limit_ <= zeroed <= from + size.
 * [nursery.empty] between collections 'to' holds nothing live.
 * [nursery.fits] survivors of one collection always fit: each goes to the
 *   old space or to 'to', and 'to' alone can take everything 'from' held.
 * [nursery.size] both semispaces use their first 'size' bytes; 'size' only
 *   grows, between collections, so [nursery.fits] holds. */
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
                     unsigned promote_age) {
    struct nursery *n = &h->nursery;
    size_t page = mg_vm_page();
    semi = (semi + page - 1) & ~(page - 1);
    size = (size + page - 1) & ~(page - 1);
    n->base = mg_vm_map(2 * semi);
    if (!n->base)
        return false;
    n->semi = semi;
    n->size = size < semi ? size : semi;
    n->adaptive = adaptive && n->size < semi;
    n->from = n->zeroed = n->counted = n->base;
    n->to = n->base + semi;
    n->promote_age = promote_age;
    h->pub.young_lo_ = (uintptr_t)n->base + MG_WORD;  /* object addresses */
    h->pub.young_size_ = 2 * semi;
    h->pub.alloc_ptr_ = h->pub.alloc_limit_ = n->base;
    h->held += 2 * n->size;  /* the pages beyond 'size' are never touched */
    return true;
}

void mg_nursery_free(movgc_heap *h) {
    struct nursery *n = &h->nursery;
    if (n->base)
        mg_vm_unmap(n->base, 2 * n->semi);
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

static void push_promoted(struct scavenge *s, void *obj) {
    if (s->npromoted == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        void **p = realloc(s->promoted, cap * sizeof *p);
        if (!p) {
            mg_error(s->h, MOVGC_E_CORRUPT, "minor GC: out of memory for its work list");
            abort();
        }
        s->promoted = p;
        s->cap = cap;
    }
    s->promoted[s->npromoted++] = obj;
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

/* Copy what obj's slots reference out of from-space; return whether obj
 * still references the nursery (then an old obj must stay remembered). */
static inline bool scan_slots(struct scavenge *s, void *obj) {
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    bool young = false;
    for (size_t i = 0; i < n; i++) {
        if (in_from(s, slots[i]))
            slots[i] = copy(s, slots[i]);
        young |= mg_is_young(s->h, slots[i]);
    }
    return young;
}

static void visit_root(movgc_heap *h, void **slot, void *ctx) {
    (void)h;
    struct scavenge *s = ctx;
    if (in_from(s, *slot))
        *slot = copy(s, *slot);
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
            if (in_from(s, slots[i]))
                slots[i] = copy(s, slots[i]);
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

/* Cheney's loop over 'to', interleaved with the promoted work list. */
static void drain(struct scavenge *s) {
    while (s->scan < s->to_ptr || s->npromoted > 0) {
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
    if (!in_from(s, obj) || (*mg_hdr(obj) & HDR_FWD))
        return;
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    for (size_t i = 0; i < n; i++)  /* a self reference does not delay it */
        if (slots[i] != obj && in_from(s, slots[i]))
            slots[i] = copy(s, slots[i]);
}
static void *fin_keep(void *obj, void *ctx) {
    struct scavenge *s = ctx;
    return in_from(s, obj) ? copy(s, obj) : obj;
}
static void fin_drain(void *ctx) { drain(ctx); }

/* An adaptive nursery starts small, so a small program's footprint stays
 * small, and doubles whenever more than an eighth of it survives a minor
 * collection: survivors copied and promoted are what a small nursery costs
 * (objects get no time to die), so that is where it is too small. */
static void adapt(movgc_heap *h, size_t survived) {
    struct nursery *n = &h->nursery;
    if (survived <= n->size / 8)
        return;
    size_t grown = n->size * 2 < n->semi ? n->size * 2 : n->semi;
    if (!mg_heap_may_take(h, 2 * (grown - n->size)))
        return;
    h->held += 2 * (grown - n->size);
    n->size = grown;
    n->adaptive = grown < n->semi;
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
    free(s.promoted);
    h->stats.bytes_promoted += s.promoted_bytes;
    flip(h, s.to_ptr, s.from_hi);
    if (n->adaptive && !tenure_all)
        adapt(h, s.copied + s.promoted_bytes);
    return s.copied;
}

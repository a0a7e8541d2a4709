/* compact.c -- the full collection: mark, plan, update, slide, release.
 * Mark bits and forwarding data live off to the side, in tables made for
 * the collection and dropped after it, so the header stays one word.
 *
 * Tables over the old space [base, top), one bit per 8-byte word:
 *   'live'    every word of every marked, movable old object;
 *   'pinned'  the first word of each pinned old object (marked up front);
 *   'pinend'  the word just past each pinned object (where sliding resumes).
 * A block is the 64 words of one bitmap word.  table[b] is where the first
 * live word at or after block b's start goes.  Live objects slide down in
 * address order; at a pinned object the destination jumps to its end, so
 * new(word w) = (last pin end e <= w in w's block ? e : table[b])
 *               + 8 * (live words between that point and w).
 * Sliding keeps new <= old for every object, so objects before a pinned one
 * never reach it, and the space between the last of them and it is a gap
 * that later promotion reuses.
 * Invariants:
 * [compact.live] after marking, an old object is reachable iff its first
 *   word has a 'live' or 'pinned' bit; a young one iff its 'nmark' bit.
 * [compact.order] every reference is updated before any object moves. */
#include "compact.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "heap.h"
#include "vm.h"

/* The passes that count bits get a copy built for CPUs with popcnt, picked
 * at load time; without it __builtin_popcountll is a library call. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__)
#define POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define POPCNT_CLONES
#endif

struct bitmap {
    uint64_t *w;
    size_t nwords;  /* uint64 words */
    size_t bytes;   /* mapping length */
};

struct full {
    movgc_heap *h;
    char *base;           /* old space base */
    char *top;            /* old space top at the start */
    size_t nblocks;
    struct bitmap live, pinned, pinend, nmark;
    char **table;         /* per block destination */
    size_t table_bytes;
    bool any_pinned;
    void **stack;         /* mark stack */
    size_t sp, cap;
    size_t live_bytes;
};

/* ============================================================== bitmaps */

static bool bitmap_new(struct bitmap *b, size_t bits) {
    size_t page = mg_vm_page();
    b->nwords = bits / 64 + 1;
    b->bytes = (b->nwords * 8 + page - 1) & ~(page - 1);
    b->w = mg_vm_map(b->bytes);
    return b->w != NULL;
}

static void bitmap_free(struct bitmap *b) {
    if (b->w)
        mg_vm_unmap(b->w, b->bytes);
    b->w = NULL;
}

static bool bit_get(const struct bitmap *b, size_t i) {
    return (b->w[i >> 6] >> (i & 63)) & 1;
}

static void bit_set(struct bitmap *b, size_t i) {
    b->w[i >> 6] |= (uint64_t)1 << (i & 63);
}

/* Set bits [lo, hi). */
static void bits_set(struct bitmap *b, size_t lo, size_t hi) {
    while (lo < hi) {
        size_t k = lo & 63, n = 64 - k;
        if (n > hi - lo)
            n = hi - lo;
        uint64_t m = n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1) << k;
        b->w[lo >> 6] |= m;
        lo += n;
    }
}

static size_t old_word(const struct full *f, const void *p) {
    return (size_t)((const char *)p - f->base) >> 3;
}

/* Is obj in the old space being collected?  By its header (mg_is_old). */
static inline bool in_old(const struct full *f, const void *obj) {
    return (uintptr_t)obj - MG_WORD - (uintptr_t)f->base <
           (uintptr_t)(f->top - f->base);
}

/* =============================================================== marking */

static void grow_stack(struct full *f) {
    size_t cap = f->cap ? f->cap * 2 : 4096;
    void **s = realloc(f->stack, cap * sizeof *s);
    if (!s) {
        mg_error(f->h, MOVGC_E_CORRUPT, "full GC: no memory for the mark stack");
        abort();
    }
    f->stack = s;
    f->cap = cap;
}

static inline void push(struct full *f, void *obj) {
    if (f->sp == f->cap)
        grow_stack(f);
    f->stack[f->sp++] = obj;
}

/* Mark obj if it was not, and push it to be scanned.  Marking an old object
 * sets only the bit of its header word and reads nothing of the object:
 * the object is first touched when scanned, after a prefetch. */
static inline void mark(struct full *f, void *obj) {
    uintptr_t w = ((uintptr_t)obj - MG_WORD - (uintptr_t)f->base) / 8;
    if (w < (uintptr_t)(f->top - f->base) / 8) {
        uint64_t bit = (uint64_t)1 << (w & 63);
        uint64_t *word = &f->live.w[w >> 6];
        if ((*word & bit) || (f->any_pinned && bit_get(&f->pinned, w)))
            return;
        *word |= bit;
    } else if (mg_in_nursery(f->h, obj)) {
        size_t n = (size_t)((char *)obj - f->h->nursery.from) >> 3;
        if ((uintptr_t)obj - MG_WORD - (uintptr_t)f->h->nursery.from >=
            (uintptr_t)(f->h->pub.alloc_ptr_ - f->h->nursery.from)) {
            /* the empty semispace, or past the allocated part: no object */
            mg_error(f->h, MOVGC_E_CORRUPT,
                     "full GC: reference %p points into the nursery but at no "
                     "object (a stale pointer kept across a collection?)", obj);
            return;
        }
        if (bit_get(&f->nmark, n))
            return;
        bit_set(&f->nmark, n);
    } else {
        struct large *l = mg_los_of(obj);
        if (l->marked)
            return;
        l->marked = 1;
    }
    push(f, obj);
}

/* Account obj, complete its 'live' bits [compact.live], mark its slots. */
static void scan(struct full *f, void *obj) {
    uintptr_t w = ((uintptr_t)obj - MG_WORD - (uintptr_t)f->base) / 8;
    uint64_t hdr = *mg_hdr(obj);
    if (w < (uintptr_t)(f->top - f->base) / 8) {
        size_t words = mg_hdr_size(hdr) / 8;
        if (!(f->any_pinned && bit_get(&f->pinned, w))) {
            bits_set(&f->live, w + 1, w + words);
            f->live_bytes += words * 8;
        }
    } else if (mg_in_nursery(f->h, obj)) {
        f->live_bytes += mg_hdr_size(hdr);
    } else {
        f->live_bytes += mg_los_of(obj)->map_bytes;
    }
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    for (size_t i = 0; i < n; i++)
        if (slots[i])
            mark(f, slots[i]);
}

/* Scan until the stack is empty.  Objects pass through a small FIFO on
 * their way from the stack to scan(), prefetched as they enter it, so
 * their headers and slots are in cache by the time they are read. */
static void drain(struct full *f) {
    enum { AHEAD = 8 };
    void *ring[AHEAD];
    unsigned head = 0, count = 0;
    while (f->sp > 0 || count > 0) {
        while (count < AHEAD && f->sp > 0) {
            void *obj = f->stack[--f->sp];
            __builtin_prefetch(mg_hdr(obj), 1);
            ring[(head + count++) % AHEAD] = obj;
        }
        void *obj = ring[head];
        head = (head + 1) % AHEAD;
        count--;
        scan(f, obj);
    }
}

static void mark_root(movgc_heap *h, void **slot, void *ctx) {
    (void)h;
    if (*slot)
        mark(ctx, *slot);
}

/* Pinned old objects are marked first, through 'pinned' rather than 'live',
 * so that sliding leaves them where they are. */
static void mark_pinned(movgc_heap *h, void *obj, void *ctx) {
    struct full *f = ctx;
    if (!mg_is_old(h, obj)) {
        mark(f, obj);
        return;
    }
    size_t w = old_word(f, mg_hdr(obj));
    if (bit_get(&f->pinned, w))
        return;
    size_t size = mg_obj_size(obj);
    bit_set(&f->pinned, w);
    bit_set(&f->pinend, w + size / 8);
    f->live_bytes += size;
    push(f, obj);
}

static bool is_marked(struct full *f, void *obj) {
    movgc_heap *h = f->h;
    if (in_old(f, obj)) {
        size_t w = old_word(f, mg_hdr(obj));
        return bit_get(&f->live, w) || (f->any_pinned && bit_get(&f->pinned, w));
    }
    if (mg_in_nursery(h, obj))
        return bit_get(&f->nmark, (size_t)((char *)obj - h->nursery.from) >> 3);
    return mg_los_of(obj)->marked != 0;
}

/* Weak and finalizer processing in marking terms: objects do not move yet. */
static void *fin_survivor(void *obj, void *ctx) {
    return is_marked(ctx, obj) ? obj : NULL;
}
static void fin_keep_children(void *obj, void *ctx) {
    struct full *f = ctx;
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    for (size_t i = 0; i < n; i++)
        if (slots[i] && slots[i] != obj)  /* a self reference does not delay it */
            mark(f, slots[i]);
}
static void *fin_keep(void *obj, void *ctx) {
    mark(ctx, obj);
    return obj;
}
static void fin_drain(void *ctx) { drain(ctx); }

static void mark_all(struct full *f) {
    movgc_heap *h = f->h;
    mg_handles_each_pinned(h, mark_pinned, f);
    mg_roots_visit(h, mark_root, f);
    mg_handles_visit(h, MG_H_STRONG, mark_root, f);
    mg_final_visit(h, true, mark_root, f);
    drain(f);
    /* Ephemerons, then weak handles are cleared, then finalizers resurrect. */
    struct mg_gc_ops ops = {fin_survivor, fin_keep_children, fin_keep, fin_drain, f};
    mg_handles_weak(h, &ops);
    mg_final_select(h, false, &ops);
}

/* ============================================================== planning */

static int last_bit(uint64_t x) { return 63 - __builtin_clzll(x); }

static uint64_t below(unsigned k) { return ((uint64_t)1 << k) - 1; }

/* New address of old-space word w (which need not be live). */
static inline char *forward_word(const struct full *f, size_t w) {
    size_t b = w >> 6;
    unsigned k = (unsigned)(w & 63);
    uint64_t live = f->live.w[b];
    if (f->any_pinned) {
        uint64_t ends = f->pinend.w[b] & (below(k) | ((uint64_t)1 << k));
        if (ends) {
            unsigned e = (unsigned)last_bit(ends);
            uint64_t between = below(k) & ~below(e);
            return f->base + 8 * (b * 64 + e) +
                   8 * (size_t)__builtin_popcountll(live & between);
        }
    }
    return f->table[b] + 8 * (size_t)__builtin_popcountll(live & below(k));
}

static inline void *forward(const struct full *f, void *obj) {
    size_t w = old_word(f, mg_hdr(obj));
    if (f->any_pinned && bit_get(&f->pinned, w))
        return obj;
    return forward_word(f, w) + MG_WORD;
}

/* Fill table[]; return the new top. */
POPCNT_CLONES static char *plan(struct full *f) {
    char *dest = f->base;
    for (size_t b = 0; b < f->nblocks; b++) {
        f->table[b] = dest;
        uint64_t ends = f->any_pinned ? f->pinend.w[b] : 0;
        if (ends) {
            unsigned e = (unsigned)last_bit(ends);
            dest = f->base + 8 * (b * 64 + e) +
                   8 * (size_t)__builtin_popcountll(f->live.w[b] & ~below(e));
        } else {
            dest += 8 * (size_t)__builtin_popcountll(f->live.w[b]);
        }
    }
    return dest;
}

/* The gap before the pinned object at word w: [lo, base + 8w). */
static inline char *gap_start(const struct full *f, size_t w) {
    return forward_word(f, w);
}

/* Fill every gap before a pinned object, listed or not, once objects have
 * slid, so the old space walks from base to top. [old.walk] */
POPCNT_CLONES static void fill_gaps(struct full *f) {
    if (!f->any_pinned)
        return;
    for (size_t b = 0; b < f->nblocks; b++)
        for (uint64_t bits = f->pinned.w[b]; bits; bits &= bits - 1) {
            size_t w = b * 64 + (size_t)__builtin_ctzll(bits);
            char *lo = gap_start(f, w), *hi = f->base + 8 * w;
            if (lo < hi)
                mg_fill(lo, (size_t)(hi - lo));
        }
}

/* The gaps before pinned objects, address order, for promotion to reuse;
 * NULL/0 if none.  Best effort: a gap left off the list is only waste. */
POPCNT_CLONES static struct gap *gaps_of(struct full *f, size_t *ngaps) {
    *ngaps = 0;
    if (!f->any_pinned)
        return NULL;
    size_t n = 0, cap = 0;
    struct gap *g = NULL;
    for (size_t b = 0; b < f->nblocks; b++) {
        for (uint64_t bits = f->pinned.w[b]; bits; bits &= bits - 1) {
            size_t w = b * 64 + (size_t)__builtin_ctzll(bits);
            char *lo = gap_start(f, w), *hi = f->base + 8 * w;
            if (lo == hi)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                struct gap *more = realloc(g, cap * sizeof *more);
                if (!more) {
                    *ngaps = n;
                    return g;
                }
                g = more;
            }
            g[n++] = (struct gap){lo, hi};
        }
    }
    *ngaps = n;
    return g;
}

/* ============================================================== updating */

static inline void update_slot(struct full *f, void **slot) {
    void *v = *slot;
    if (in_old(f, v))
        *slot = forward(f, v);
}

static void update_root(movgc_heap *h, void **slot, void *ctx) {
    (void)h;
    update_slot(ctx, slot);
}

static inline void update_object(struct full *f, void *obj) {
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    for (size_t i = 0; i < n; i++)
        update_slot(f, &slots[i]);
}

static void *identity_fwd(void *obj, void *ctx) {
    struct full *f = ctx;
    return is_marked(f, obj) ? (mg_is_old(f->h, obj) ? forward(f, obj) : obj) : NULL;
}

/* Everything outside the old space that may reference it, and the side
 * tables keyed by old addresses. [compact.order] */
POPCNT_CLONES static void update_outside(struct full *f) {
    movgc_heap *h = f->h;
    mg_roots_visit(h, update_root, f);
    mg_handles_visit(h, MG_H_STRONG | MG_H_WEAK | MG_H_VALUES, update_root, f);
    mg_final_visit(h, false, update_root, f);
    mg_identity_old(h, identity_fwd, f);
    /* Young entries of large objects promoted by the last minor collection
     * change tables here, before the sweep can free them. */
    mg_identity_young(h, identity_fwd, f);
    /* nursery objects found live */
    for (char *p = h->nursery.from; p < h->pub.alloc_ptr_;) {
        void *obj = p + MG_WORD;
        if (bit_get(&f->nmark, (size_t)(p + MG_WORD - h->nursery.from) >> 3))
            update_object(f, obj);
        p += mg_obj_size(obj);
    }
    for (struct large *l = h->los.old.next; l != &h->los.old; l = l->next)
        if (l->marked)
            update_object(f, l + 1);
    for (struct large *l = h->los.young.next; l != &h->los.young; l = l->next)
        if (l->marked)
            update_object(f, l + 1);
    /* remembered set: drop the dead, follow the moved */
    struct remset *r = &h->remset;
    size_t kept = 0;
    for (size_t i = 0; i < r->n; i++) {
        void *obj = r->objs[i];
        if (!is_marked(f, obj))
            continue;
        r->objs[kept++] = mg_is_old(h, obj) ? forward(f, obj) : obj;
    }
    r->n = kept;
}

/* ============================================================== sliding */

/* The first word at or after w that starts a marked old object, or
 * SIZE_MAX.  Bits of one object are contiguous, so after an object the
 * next set bit starts the next one. */
static size_t next_marked(const struct full *f, size_t w) {
    size_t b = w >> 6;
    if (b >= f->nblocks)
        return SIZE_MAX;
    uint64_t bits = (f->live.w[b] | (f->any_pinned ? f->pinned.w[b] : 0)) &
                    ~below((unsigned)(w & 63));
    while (!bits) {
        if (++b >= f->nblocks)
            return SIZE_MAX;
        bits = f->live.w[b] | (f->any_pinned ? f->pinned.w[b] : 0);
    }
    return b * 64 + (size_t)__builtin_ctzll(bits);
}

/* Copy size bytes from 'from' to the lower address 'to' (the ranges may
 * overlap): small objects word by word inline, big ones by memmove. */
static inline void move_down(char *to, const char *from, size_t size) {
    if (size > 256) {
        memmove(to, from, size);
        return;
    }
    uint64_t *d = (uint64_t *)(void *)to;
    const uint64_t *s = (const uint64_t *)(const void *)from;
    for (size_t i = 0; i < size / 8; i++)
        d[i] = s[i];
}

/* Walk the marked old objects in address order: update each one's slots,
 * then move it to its new address.  Nothing moves before its slots are
 * updated, and as new <= old no object lands on a header not yet read. */
POPCNT_CLONES static size_t slide(struct full *f) {
    size_t moved = 0;
    for (size_t w = next_marked(f, 0); w != SIZE_MAX;) {
        char *at = f->base + 8 * w;
        void *obj = at + MG_WORD;
        size_t size = mg_obj_size(obj);
        update_object(f, obj);
        if (!(f->any_pinned && bit_get(&f->pinned, w))) {
            char *to = forward_word(f, w);
            if (to != at) {
                move_down(to, at, size);
                moved += size;
            }
        }
        w = next_marked(f, w + size / 8);
    }
    return moved;
}

/* ================================================================ driver */

static void tables_free(struct full *f) {
    bitmap_free(&f->live);
    bitmap_free(&f->pinned);
    bitmap_free(&f->pinend);
    bitmap_free(&f->nmark);
    if (f->table)
        mg_vm_unmap(f->table, f->table_bytes);
    free(f->stack);
}

static bool tables_new(struct full *f) {
    size_t bits = f->nblocks * 64;
    size_t page = mg_vm_page();
    f->table_bytes = (f->nblocks * sizeof *f->table + page - 1) & ~(page - 1);
    f->table = mg_vm_map(f->table_bytes);
    return f->table && bitmap_new(&f->live, bits) &&
           (!f->any_pinned ||
            (bitmap_new(&f->pinned, bits) && bitmap_new(&f->pinend, bits))) &&
           bitmap_new(&f->nmark, f->h->nursery.semi / 8);
}

bool mg_compact_collect(movgc_heap *h, struct compact_times *out, size_t *live) {
    mg_old_seal(h);
    struct full f = {.h = h, .base = h->old.base, .top = h->old.top};
    f.nblocks = (size_t)(f.top - f.base) / 8 / 64 + 1;
    f.any_pinned = h->handles.npinned > 0;
    if (!tables_new(&f)) {
        tables_free(&f);
        mg_error(h, MOVGC_E_NOMEM, "full GC: no memory for its side tables");
        return false;
    }
    uint64_t t0 = mg_now_ns();
    mark_all(&f);
    uint64_t t1 = mg_now_ns();
    char *new_top = plan(&f);
    size_t ngaps;
    struct gap *gaps = gaps_of(&f, &ngaps);
    uint64_t t2 = mg_now_ns();
    update_outside(&f);
    uint64_t t3 = mg_now_ns();
    h->stats.bytes_compacted += slide(&f);
    uint64_t t4 = mg_now_ns();
    *out = (struct compact_times){t1 - t0, t2 - t1, t3 - t2, t4 - t3};
    fill_gaps(&f);
    mg_old_reset(h, new_top, gaps, ngaps);
    mg_los_sweep(h);
    tables_free(&f);
    *live = f.live_bytes;
    return true;
}

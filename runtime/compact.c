/* compact.c -- the full collection: mark (mark.c), plan, update, slide,
 * release.  Mark bits and forwarding data live off to the side, in tables made for
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
 *
 * Not everything is worth moving.  After marking, the old space is judged by
 * regions of REGION_WORDS words: the objects of a dense prefix, below word
 * 'bound', stay where they are and the holes between them become gaps;
 * only what lies above slides (down to 'bound'), and the prefix covers
 * everything until measured fragmentation passes a trigger (see
 * "selection").  When nothing moves the update and slide passes are
 * skipped.
 * Invariants:
 * [compact.live] after marking, an old object is reachable iff its first
 *   word has a 'live' or 'pinned' bit; a young one iff its 'nmark' bit.
 * [compact.order] every reference is updated before any object moves.
 * [compact.bound] 'bound' is not inside an object: objects below it keep
 *   their addresses; the holes below it are filled and listed before
 *   anything moves, and nothing moves below it. */
#include "compact.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "heap.h"
#include "mark.h"
#include "vm.h"

/* The passes that count bits get a copy built for CPUs with popcnt, picked
 * at load time; without it __builtin_popcountll is a library call.  Not
 * under ThreadSanitizer: the picking runs before its runtime starts. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__) && \
    !defined(__SANITIZE_THREAD__)
#define POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define POPCNT_CLONES
#endif

struct bitmap {
    uint64_t *w;
    size_t nwords;  /* uint64 words */
    size_t bytes;   /* mapping length */
};

/* Holes found; those of MIN_GAP bytes or more are listed. */
struct gaps {
    const movgc_heap *h;
    struct gap *g;            /* address order */
    size_t n, cap;
    size_t waste;             /* bytes of holes not listed */
    bool full;                /* the list could not grow: list no more */
};

struct selection {
    size_t regions;           /* regions of the old space */
    size_t used_words;        /* words of [base, top) */
    size_t live_words;        /* words of marked movable old objects */
    size_t stranded_words;    /* free words in 4 KiB chunks with live data */
    size_t prefix;            /* regions [0, prefix) may stay in place */
};

struct full {
    movgc_heap *h;
    char *base;           /* old space base */
    char *top;            /* old space top at the start */
    size_t nblocks;
    struct bitmap live, pinned, pinend, nmark;
    char **table;         /* per block destination, from block table_b0 on;
                             NULL while nothing lies above 'bound' */
    size_t table_b0, table_bytes;
    bool any_pinned;
    struct mark_tables mt; /* the bitmaps, as marking sees them */
    size_t live_bytes;
    size_t bound;         /* [compact.bound] in words from base */
    char *new_top;        /* the old space's top after sliding */
    bool moving;          /* some object may move: update and slide needed */
    bool asked;           /* movgc_collect: compact at ASKED_TRIGGER */
    struct gaps gaps;     /* holes found, for promotion to reuse */
    struct selection sel; /* what selection decided, for MOVGC_VERBOSE */
};

/* ============================================================== bitmaps */

static bool bitmap_new(struct bitmap *b, size_t bits) {
    size_t page = mg_vm_page();
    b->nwords = bits / 64 + 1;
    b->bytes = (b->nwords * 8 + page - 1) & ~(page - 1);
    b->w = mg_vm_map_filled(b->bytes);
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

static size_t old_word(const struct full *f, const void *p) {
    return (size_t)((const char *)p - f->base) >> 3;
}

/* Is obj in the old space being collected?  By its header (mg_is_old). */
static inline bool in_old(const struct full *f, const void *obj) {
    return (uintptr_t)obj - MG_WORD - (uintptr_t)f->base <
           (uintptr_t)(f->top - f->base);
}

/* Was obj reached?  [compact.live] */
static bool is_marked(const struct full *f, void *obj) {
    return mg_mark_reached(f->h, &f->mt, obj);
}

/* ================================================================= holes */

/* Holes smaller than MIN_GAP are not listed: promotion would mostly skip
 * them, and a list entry each would cost more than they hold.  A listed
 * hole keeps its pages: promotion fills the first of them before the next
 * full collection, and the heap gives back the pages of the rest once the
 * policy knows how far promotion will reach (mg_old_release_gaps). */
#define MIN_GAP ((size_t)256)
/* ============================================================= selection */

/* A region is 32 KiB: REGION_BMW words of each bitmap. */
#define REGION_WORDS ((size_t)4096)
#define REGION_BMW (REGION_WORDS / 64)
/* The policy, in the terms of a sliding collector whose update pass
 * visits every live object as soon as anything moves: moving a little is
 * not much cheaper than moving a lot, so a collection either moves nothing
 * or compacts for real.  What compaction buys is memory: free space in
 * whole chunks costs nothing (its pages go back to the OS, or promotion
 * fills them), but the free words of a chunk that also holds live data
 * stay resident, 'stranded', until something moves.  Holes smaller
 * than MIN_GAP are worse: promotion cannot reuse them either.  So nothing
 * moves (every region stays and its holes become gaps) while at most
 * STRANDED_TRIGGER of [base, top) is stranded, at most WASTE_TRIGGER lies
 * in holes too small to reuse, and at most FREE_LIMIT is free at all (the
 * gap list and the address space stay bounded).  A program whose objects
 * die together, a request's tree at a time, leaves whole free pages and
 * is not compacted; one whose survivors are scattered among the dead is.
 * Past any of the three, everything above a dense prefix slides, and the
 * free tail goes back to the OS: the prefix is the longest run of regions
 * from 'base' at most FRAG_TARGET free, so the next collections start well
 * under the triggers again.  A collection the program asks for
 * (movgc_collect) is when it wants its memory back, not a cost to keep
 * low: it compacts past ASKED_TRIGGER of stranded space or small holes. */
#define STRANDED_TRIGGER 0.15
#define WASTE_TRIGGER 0.10
#define ASKED_TRIGGER 0.05
#define FREE_LIMIT 0.80
#define FRAG_TARGET 0.05

static int last_bit(uint64_t x) { return 63 - __builtin_clzll(x); }

static uint64_t below(unsigned k) { return ((uint64_t)1 << k) - 1; }

/* Bits [lo, hi) of bitmap word i, as a mask (lo < hi, overlapping word i). */
static uint64_t word_mask(size_t i, size_t lo, size_t hi) {
    uint64_t m = ~(uint64_t)0;
    if (lo > i * 64)
        m &= ~below((unsigned)(lo - i * 64));
    if (hi < i * 64 + 64)
        m &= below((unsigned)(hi - i * 64));
    return m;
}

/* First set bit of b in [lo, hi), or hi. */
static size_t first_set(const struct bitmap *b, size_t lo, size_t hi) {
    for (size_t i = lo >> 6; i * 64 < hi; i++) {
        uint64_t x = b->w[i] & word_mask(i, lo, hi);
        if (x)
            return i * 64 + (size_t)__builtin_ctzll(x);
    }
    return hi;
}

/* First clear bit of b in [lo, hi), or hi. */
static size_t first_clear(const struct bitmap *b, size_t lo, size_t hi) {
    for (size_t i = lo >> 6; i * 64 < hi; i++) {
        uint64_t x = ~b->w[i] & word_mask(i, lo, hi);
        if (x)
            return i * 64 + (size_t)__builtin_ctzll(x);
    }
    return hi;
}

/* One past the pinned object covering word w, or w if none does.  A
 * pinned object is in the old space, so under MG_LARGE_MIN bytes: its
 * first word is at most that far back. */
static size_t past_pinned(const struct full *f, size_t w) {
    if (!f->any_pinned)
        return w;
    size_t reach = MG_LARGE_MIN / 8, lo = w > reach ? w - reach : 0;
    for (size_t i = w >> 6;; i--) {
        uint64_t x = f->pinned.w[i] & word_mask(i, lo, w + 1);
        if (x) {
            size_t start = i * 64 + (size_t)last_bit(x);
            size_t end = first_set(&f->pinend, start + 1, f->nblocks * 64);
            return end > w ? end : w;
        }
        if (i * 64 <= lo)
            return w;
    }
}

/* The first word at or after w (a region boundary) that is inside no
 * object, marked or pinned: where sliding may start. [compact.bound] */
static size_t boundary(const struct full *f, size_t w) {
    size_t used = f->sel.used_words;
    while (w < used) {
        size_t z = first_clear(&f->live, w, used);
        size_t past = past_pinned(f, z);
        if (past == z)
            return z;
        w = past;
    }
    return used;
}

/* List [lo, hi) as a gap if it is big enough (filled if the old space is
 * kept walkable [old.walk]).  A hole the list has no room for is waste,
 * and its pages go back to the OS now. */
static void add_gap(struct gaps *gs, char *lo, char *hi) {
    size_t bytes = (size_t)(hi - lo);
    if (!gs->full && bytes >= MIN_GAP && gs->n == gs->cap) {
        size_t cap = gs->cap ? gs->cap * 2 : 64;
        struct gap *more = realloc(gs->g, cap * sizeof *more);
        if (more) {
            gs->g = more;
            gs->cap = cap;
        } else {  /* best effort: an unlisted gap is only waste */
            gs->full = true;
        }
    }
    if (gs->full || bytes < MIN_GAP) {
        mg_old_discard_hole(gs->h, lo, hi);
        gs->waste += bytes;
        return;
    }
    if (mg_old_walkable(gs->h))
        mg_fill(lo, bytes);
    gs->g[gs->n++] = (struct gap){lo, hi, 0};
}

/* The holes below 'bound': runs of words in no marked or pinned object. */
static void prefix_holes(struct full *f) {
    size_t p = 0, bound = f->bound;
    while (p < bound) {
        size_t z = first_clear(&f->live, p, bound);
        if (z >= bound)
            return;
        if (f->any_pinned && bit_get(&f->pinned, z)) {
            p = past_pinned(f, z);
            continue;
        }
        size_t e = first_set(&f->live, z + 1, bound);
        if (f->any_pinned) {
            size_t pin = first_set(&f->pinned, z + 1, e);
            e = pin < e ? pin : e;
        }
        add_gap(&f->gaps, f->base + 8 * z, f->base + 8 * e);
        p = e;
    }
}

/* Words in holes too small to list (pinned objects count as holes here:
 * they are few). */
static size_t small_holes(const struct full *f) {
    size_t used = f->sel.used_words, n = 0;
    for (size_t p = 0; p < used;) {
        size_t z = first_clear(&f->live, p, used);
        if (z >= used)
            break;
        size_t e = first_set(&f->live, z + 1, used);
        if ((e - z) * 8 < MIN_GAP)
            n += e - z;
        p = e;
    }
    return n;
}

/* Stranded space is counted by aligned 4 KiB chunk: a hole gives back
 * every whole page it holds (mg_old_discard_hole), and a page is 4 KiB or
 * more. */
#define CHUNK_WORDS ((size_t)512)
#define CHUNK_BMW (CHUNK_WORDS / 64)

/* Live words of region r; adds to *stranded the free words of its chunks
 * that hold live data (a chunk wholly free goes back to the OS or is
 * filled by promotion; the others stay resident, part empty). */
POPCNT_CLONES static size_t region_live(const struct full *f, size_t r, size_t *stranded) {
    size_t b1 = (r + 1) * REGION_BMW, n = 0;
    if (b1 > f->nblocks)
        b1 = f->nblocks;
    for (size_t b = r * REGION_BMW; b < b1; b += CHUNK_BMW) {
        size_t e = b + CHUNK_BMW < b1 ? b + CHUNK_BMW : b1, k = 0;
        for (size_t i = b; i < e; i++)
            k += (size_t)__builtin_popcountll(f->live.w[i]);
        if (k)
            *stranded += (e - b) * 64 - k;
        n += k;
    }
    return n;
}

static size_t region_words(const struct full *f, size_t r) {
    size_t left = f->sel.used_words - r * REGION_WORDS;
    return left < REGION_WORDS ? left : REGION_WORDS;
}

/* The end of the dense prefix, in regions: all of them when the space is
 * under the triggers, else the longest prefix under FRAG_TARGET. */
static size_t dense_prefix(const struct full *f, const uint16_t *live) {
    const struct selection *s = &f->sel;
    double used = (double)s->used_words;
    double stranded_max = f->asked ? ASKED_TRIGGER : STRANDED_TRIGGER;
    double waste_max = f->asked ? ASKED_TRIGGER : WASTE_TRIGGER;
    if ((double)(s->used_words - s->live_words) <= FREE_LIMIT * used &&
        (double)s->stranded_words <= stranded_max * used &&
        (double)small_holes(f) <= waste_max * used)
        return s->regions;
    size_t end = 0, words = 0, free_words = 0;
    for (size_t r = 0; r < s->regions; r++) {
        size_t n = region_words(f, r);
        words += n;
        free_words += n - live[r];
        if ((double)free_words <= FRAG_TARGET * (double)words)
            end = r + 1;
    }
    return end;
}

/* The destination table, for the blocks from bound's on: the only ones
 * forward() reads.  Most collections move nothing and need none. */
static bool table_new(struct full *f) {
    size_t page = mg_vm_page();
    f->table_b0 = f->bound >> 6;
    f->table_bytes = ((f->nblocks - f->table_b0) * sizeof *f->table + page - 1) & ~(page - 1);
    f->table = mg_vm_map_filled(f->table_bytes);
    return f->table != NULL;
}

/* Where sliding starts [compact.bound]: everything slides without memory
 * for the decision, as it always may. */
static size_t choose_bound(struct full *f) {
    struct selection *s = &f->sel;
    uint16_t *live = malloc((s->regions + 1) * sizeof *live);
    if (!live)
        return 0;
    for (size_t r = 0; r < s->regions; r++) {
        live[r] = (uint16_t)region_live(f, r, &s->stranded_words);  /* <= REGION_WORDS */
        s->live_words += live[r];
    }
    s->prefix = dense_prefix(f, live);
    free(live);
    size_t w = s->prefix * REGION_WORDS;
    return s->prefix == 0 ? 0 : boundary(f, w < s->used_words ? w : s->used_words);
}

/* Decide where sliding starts, fill and list the holes below, and say
 * whether anything is left to move.  Without memory for the table
 * nothing moves this time. */
static void select_regions(struct full *f) {
    struct selection *s = &f->sel;
    s->used_words = (size_t)(f->top - f->base) / 8;
    s->regions = (s->used_words + REGION_WORDS - 1) / REGION_WORDS;
    f->bound = choose_bound(f);
    if (f->bound < s->used_words && !table_new(f))
        f->bound = s->used_words;
    prefix_holes(f);
    f->moving = first_set(&f->live, f->bound, s->used_words) < s->used_words;
}

/* ============================================================== planning */

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
    return f->table[b - f->table_b0] + 8 * (size_t)__builtin_popcountll(live & below(k));
}

static inline void *forward(const struct full *f, void *obj) {
    size_t w = old_word(f, mg_hdr(obj));
    if (w < f->bound || (f->any_pinned && bit_get(&f->pinned, w)))
        return obj;
    return forward_word(f, w) + MG_WORD;
}

/* Fill table[] from the block of 'bound' on (forward() never reads the
 * entries below); return the new top.  The pin ends below 'bound' in its
 * block are dropped: sliding starts at 'bound'. [compact.bound] */
POPCNT_CLONES static char *plan(struct full *f) {
    size_t b0 = f->bound >> 6;
    unsigned k0 = (unsigned)(f->bound & 63);
    if (f->any_pinned)
        f->pinend.w[b0] &= ~below(k0);
    char *dest = f->base + 8 * f->bound -
                 8 * (size_t)__builtin_popcountll(f->live.w[b0] & below(k0));
    for (size_t b = b0; b < f->nblocks; b++) {
        if (f->table)
            f->table[b - f->table_b0] = dest;
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

/* Once objects have slid: fill and list the gap before every pinned
 * object above 'bound', so that the old space walks from base to top
 * [old.walk] and promotion reuses them (address order follows the holes
 * below 'bound'). */
POPCNT_CLONES static void pinned_gaps(struct full *f) {
    if (!f->any_pinned)
        return;
    for (size_t b = f->bound >> 6; b < f->nblocks; b++) {
        /* a pinned object where another ends has no gap before it */
        uint64_t after_hole = f->pinned.w[b] & ~f->pinend.w[b];
        for (uint64_t bits = after_hole; bits; bits &= bits - 1) {
            size_t w = b * 64 + (size_t)__builtin_ctzll(bits);
            if (w < f->bound)
                continue;
            char *lo = gap_start(f, w), *hi = f->base + 8 * w;
            if (lo < hi)
                add_gap(&f->gaps, lo, hi);
        }
    }
}

/* ============================================================== updating */

static inline void update_slot(const struct full *f, void **slot) {
    void *v = *slot;
    if (in_old(f, v))
        *slot = forward(f, v);
}

static void update_root(movgc_heap *h, void **slot, void *ctx) {
    (void)h;
    update_slot(ctx, slot);
}

static inline void update_object(const struct full *f, void *obj) {
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    for (size_t i = 0; i < n; i++)
        update_slot(f, &slots[i]);
}

static void *identity_fwd(void *obj, void *ctx) {
    struct full *f = ctx;
    return is_marked(f, obj) ? (mg_is_old(f->h, obj) ? forward(f, obj) : obj) : NULL;
}

/* Everything outside the old space that may reference it. [compact.order] */
POPCNT_CLONES static void update_outside(struct full *f) {
    movgc_heap *h = f->h;
    mg_roots_visit(h, update_root, f);
    mg_handles_visit(h, MG_H_STRONG | MG_H_WEAK | MG_H_VALUES, update_root, f);
    mg_final_visit(h, false, update_root, f);
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
}

/* The side tables keyed by old addresses: drop the dead, whose memory
 * promotion will reuse, and follow the moved.  Needed even when nothing
 * moves. */
POPCNT_CLONES static void update_tables(struct full *f) {
    movgc_heap *h = f->h;
    mg_identity_old(h, identity_fwd, f);
    /* Young entries of large objects promoted by the last minor collection
     * change tables here, before the sweep can free them. */
    mg_identity_young(h, identity_fwd, f);
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

/* Walk the marked old objects that start in [w, end) in address order:
 * update each one's slots, then move it to its new address.  Nothing
 * moves before its slots are updated, and as new <= old no object lands
 * on a header not yet read. */
POPCNT_CLONES static size_t slide_range(const struct full *f, size_t w, size_t end) {
    size_t moved = 0;
    for (w = next_marked(f, w); w < end;) {
        char *at = f->base + 8 * w;
        void *obj = at + MG_WORD;
        size_t size = mg_obj_size(obj);
        update_object(f, obj);
        if (w >= f->bound && !(f->any_pinned && bit_get(&f->pinned, w))) {
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

/* The parallel slide [compact.chunks].  The old space is cut into chunks
 * of SLIDE_CHUNK words; chunk i takes the objects that start in
 * [start[i], start[i + 1]), where start[i] is the first object start after
 * the first word at or past the chunk's beginning that is in no marked
 * object (from there the bitmap shows where objects begin).  Workers
 * claim chunks in address order.  A chunk's objects land in [lo, hi),
 * where lo and hi are the new addresses of its first and of the next
 * chunk's first object, below their old places; so the only objects they
 * may overwrite belong to lower chunks that lie partly in [lo, hi): chunk
 * i waits until those are done.  Compaction slides each chunk far below
 * itself, onto chunks finished long ago, so the waits are rare.  Each
 * waits only on lower chunks, claimed before it, so the slide always
 * finishes. */
#define SLIDE_CHUNK ((size_t)1 << 17)  /* words: 1 MiB of old space */

struct slide_job {
    const struct full *f;
    size_t n;              /* chunks */
    size_t *start;         /* n + 1 word indices, the last SIZE_MAX */
    size_t *after, *until; /* chunk i waits for chunks [after[i], until[i]) */
    unsigned char *done;   /* per chunk, set with release order */
    size_t next;           /* the next chunk to claim (atomic) */
    size_t moved;          /* bytes moved (atomic) */
};

static void slide_worker(void *arg, unsigned worker) {
    struct slide_job *j = arg;
    (void)worker;
    for (;;) {
        size_t i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
        if (i >= j->n)
            return;
        for (size_t k = j->after[i]; k < j->until[i]; k++)
            for (unsigned spin = 0; !__atomic_load_n(&j->done[k], __ATOMIC_ACQUIRE); spin++)
                if (spin > 64)
                    sched_yield();
        size_t moved = slide_range(j->f, j->start[i], j->start[i + 1]);
        __atomic_fetch_add(&j->moved, moved, __ATOMIC_RELAXED);
        __atomic_store_n(&j->done[i], 1, __ATOMIC_RELEASE);
    }
}

/* The new word of the first object at or after word w that may move
 * (new_top's word when none does): nothing that starts at or after w
 * lands lower. */
static size_t landing(const struct full *f, size_t w) {
    if (w < f->bound)
        w = f->bound;
    if (w >= f->sel.used_words)
        return (size_t)(f->new_top - f->base) / 8;
    return (size_t)(forward_word(f, w) - f->base) / 8;
}

/* Chunk boundaries and what each waits for; false without memory. */
static bool slide_plan(const struct full *f, struct slide_job *j) {
    size_t used = f->sel.used_words;
    j->n = (used + SLIDE_CHUNK - 1) / SLIDE_CHUNK;
    j->start = malloc((j->n + 1) * sizeof *j->start);
    j->after = malloc(j->n * sizeof *j->after);
    j->until = malloc(j->n * sizeof *j->until);
    j->done = calloc(j->n ? j->n : 1, 1);
    if (!j->start || !j->after || !j->until || !j->done)
        return false;
    j->start[0] = 0;
    for (size_t i = 1; i < j->n; i++) {
        size_t z = first_clear(&f->live, i * SLIDE_CHUNK, used);
        j->start[i] = z < used ? next_marked(f, z) : SIZE_MAX;
    }
    j->start[j->n] = SIZE_MAX;
    size_t a = 0, u = 0;
    for (size_t i = 0; i < j->n; i++) {
        /* the words chunk i's objects may land on: [lo, hi) */
        size_t lo = landing(f, j->start[i]), hi = landing(f, j->start[i + 1]);
        while (a < i && j->start[a + 1] <= lo)
            a++;
        while (u < i && j->start[u] < hi)
            u++;
        j->after[i] = a;
        j->until[i] = hi > lo && u > a ? u : a;
    }
    return true;
}

/* Update and slide every marked old object, on the marker threads too
 * when there are any. */
static size_t slide(struct full *f) {
    struct slide_job j = {.f = f};
    size_t moved;
    if (!f->h->markers || !slide_plan(f, &j)) {
        moved = slide_range(f, 0, SIZE_MAX);
    } else {
        mg_markers_run(f->h, slide_worker, &j);
        moved = j.moved;
    }
    free(j.start);
    free(j.after);
    free(j.until);
    free(j.done);
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
}

/* The bitmaps; 'live' is an incremental marking's, when one ran. */
static bool tables_new(struct full *f) {
    size_t bits = f->nblocks * 64;
    if (f->h->im) {
        f->live.w = mg_incmark_live(f->h, &f->live.bytes);
        f->live.nwords = f->live.bytes / 8;
    }
    return (f->live.w || bitmap_new(&f->live, bits)) &&
           (!f->any_pinned ||
            (bitmap_new(&f->pinned, bits) && bitmap_new(&f->pinend, bits))) &&
           bitmap_new(&f->nmark, f->h->nursery.semi / 8);
}

/* Under MOVGC_VERBOSE: what selection decided and what it moved. */
static void report(const struct full *f, size_t moved) {
    const struct selection *s = &f->sel;
    double used = s->used_words ? (double)s->used_words : 1;
    fprintf(stderr,
            "movgc: full old space %zuK, %.1f%% free (%.1f%% stranded); the first %zuK stay, "
            "%zu holes reused; moved %zuK\n",
            s->used_words >> 7, 100.0 * (double)(s->used_words - s->live_words) / used,
            100.0 * (double)s->stranded_words / used,
            f->bound >> 7, f->gaps.n, moved >> 10);
}

/* The young objects this collection did not reach stay in the nursery
 * until the next minor collection, unreachable; their slots may point at
 * old objects now freed, so they are cleared. */
static void clear_unreached_young(struct full *f) {
    movgc_heap *h = f->h;
    for (char *p = h->nursery.from; p < h->pub.alloc_ptr_;) {
        void *obj = p + MG_WORD;
        if (!bit_get(&f->nmark, (size_t)(p + MG_WORD - h->nursery.from) >> 3))
            memset(obj, 0, MG_WORD * movgc_nrefs(obj));
        p += mg_obj_size(obj);
    }
}

bool mg_compact_collect(movgc_heap *h, bool asked, bool young_stays,
                        struct compact_times *out, size_t *live) {
    mg_old_seal(h);
    struct full f = {.h = h, .base = h->old.base, .top = h->old.top, .asked = asked};
    f.nblocks = (size_t)(f.top - f.base) / 8 / 64 + 1;
    f.any_pinned = h->handles.npinned > 0;
    if (!tables_new(&f)) {
        if (h->im) {  /* the bitmap is still the marking's */
            f.live.w = NULL;
            mg_incmark_abandon(h);
        }
        tables_free(&f);
        mg_error(h, MOVGC_E_NOMEM, "full GC: no memory for its side tables");
        return false;
    }
    f.gaps.h = h;
    f.gaps.g = mg_old_take_gaps(h, &f.gaps.cap);
    f.mt = (struct mark_tables){f.base, f.top, f.live.w,
                                f.any_pinned ? f.pinned.w : NULL,
                                f.any_pinned ? f.pinend.w : NULL, f.nmark.w};
    uint64_t t0 = mg_now_ns();
    f.live_bytes = h->im ? mg_incmark_finish(h, &f.mt) : mg_mark_all(h, &f.mt);
    uint64_t t1 = mg_now_ns();
    select_regions(&f);
    char *new_top = f.new_top = plan(&f);
    uint64_t t2 = mg_now_ns();
    if (f.moving)
        update_outside(&f);
    update_tables(&f);
    uint64_t t3 = mg_now_ns();
    size_t moved = f.moving ? slide(&f) : 0;
    pinned_gaps(&f);
    uint64_t t4 = mg_now_ns();
    h->stats.bytes_compacted += moved;
    *out = (struct compact_times){t1 - t0, t2 - t1, t3 - t2, t4 - t3};
    if (young_stays)
        clear_unreached_young(&f);
    mg_old_reset(h, new_top, f.gaps.g, f.gaps.n, f.gaps.cap, f.gaps.waste);
    mg_los_sweep(h);
    if (h->cfg.flags & MOVGC_VERBOSE)
        report(&f, moved);
    tables_free(&f);
    *live = f.live_bytes;
    return true;
}

/* incmark.c -- the incremental marking's life: when it begins, how much
 * each slice scans, what the barrier and promotion add to it, and how it
 * ends (the final pause is the full collection of heap.c and compact.c,
 * marking through mg_incmark_finish).
 *
 * Pacing.  A marking begins when the old generation reaches the policy's
 * threshold, with about 'work' bytes to scan (the old generation then).
 * It should end within 'runway' bytes of allocation, so that the old
 * generation, which promotion keeps filling meanwhile, does not overshoot
 * the threshold by much, and what dies meanwhile (kept until the next
 * marking) stays little: the runway is an eighth of the work, and at least
 * one nursery, so each byte allocated pays for scanning at most eight
 * (measured against a quarter: resident memory on the large-body server
 * 2.03 × live instead of 2.35, on the frag server 1.79 instead of 1.88).
 * The allocation slow path (every nursery chunk, every large object) asks
 * for a slice when the scanning has fallen SLICE_MIN behind that line;
 * past the runway the line keeps rising at the same slope, so a marking
 * whose live data grew still ends.  A slice scans what it is behind, at
 * least SLICE_MIN and at most SLICE_MAX bytes, which bounds its pause. */
#include "incmark.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "heap.h"
#include "mark.h"
#include "vm.h"

#define SLICE_MIN ((size_t)128 << 10)
#define SLICE_MAX ((size_t)4 << 20)
#define WORK_PER_RUNWAY 8u

static bool get_bit(const uint64_t *b, size_t i) { return (b[i >> 6] >> (i & 63)) & 1; }

/* Word index of old object obj's header. */
static size_t word_of(const movgc_heap *h, const void *obj) {
    return (size_t)((const char *)obj - MG_WORD - h->old.base) >> 3;
}

bool mg_incmark_start(movgc_heap *h) {
    struct incmark *im = calloc(1, sizeof *im);
    if (!im)
        return false;
    size_t words = h->old.reserved / 8, page = mg_vm_page();
    im->live_map = ((words + 63) / 64 * 8 + page - 1) & ~(page - 1);
    im->live = mg_vm_map(im->live_map);  /* untouched pages cost nothing */
    if (!im->live) {
        free(im);
        return false;
    }
    /* the part over the old space in use will be written all over */
    mg_vm_populate(im->live, (size_t)(h->old.top - h->old.base) / 64);
    h->im = im;  /* before the scan: the roots' objects may be promoted later */
    im->cycle = mg_mark_begin(h, im->live, words);
    if (!im->cycle) {
        mg_vm_unmap(im->live, im->live_map);
        free(im);
        h->im = NULL;
        return false;
    }
    im->snap_top = h->old.top;
    im->work = mg_heap_old_bytes(h);
    im->runway = im->work / WORK_PER_RUNWAY;
    if (im->runway < h->nursery.size)
        im->runway = h->nursery.size;
    im->alloc_start = h->stats.bytes_allocated;
    im->begun_ns = mg_now_ns();
    h->pub.checked_ |= MG_CHECKED_MARKING;
    mg_handles_weak_slow(h, true);
    mg_policy_marking(h);
    h->stats.incremental_begun++;
    if (h->cfg.flags & MOVGC_VERBOSE)
        fprintf(stderr, "movgc: incremental mark begins: old+large %zuK, over %zuK "
                "of allocation\n", im->work >> 10, im->runway >> 10);
    return true;
}

/* Bytes the scanning should have reached by now: the old generation of
 * the start, at the pace of the runway.  (What enters the old generation
 * meanwhile is marked, not scanned: it adds nothing.) */
static size_t due(const movgc_heap *h, const struct incmark *im) {
    double spent = (double)(h->stats.bytes_allocated - im->alloc_start);
    return (size_t)(spent * (double)im->work / (double)im->runway);
}

void mg_incmark_tick(movgc_heap *h) {
    struct incmark *im = h->im;
    if (im->ready)
        return;
    size_t done = mg_mark_cycle_bytes(im->cycle), target = due(h, im);
    if (target >= done + SLICE_MIN)
        mg_incmark_slice(h, target - done < SLICE_MAX ? target - done : SLICE_MAX);
}

void mg_incmark_slice(movgc_heap *h, size_t budget) {
    struct incmark *im = h->im;
    uint64_t t0 = mg_now_ns();
    h->collecting = true;  /* nothing moves: MOVGC_PROTECT has nothing to do */
    im->ready = mg_mark_step(im->cycle, budget);
    h->collecting = false;
    uint64_t pause = mg_now_ns() - t0;
    im->slice_ns += pause;
    im->slices++;
    h->stats.total_pause_ns += pause;
    if (pause > h->stats.max_pause_ns)
        h->stats.max_pause_ns = pause;
    h->stats.mark_slices++;
    mg_pauses_record(h, "slice", pause);
    if (h->cfg.flags & MOVGC_VERIFY)
        mg_incmark_verify(h);
}

void mg_incmark_shade(movgc_heap *h, void *old, void *val) {
    mg_mark_shade(h->im->cycle, old);
    mg_mark_shade(h->im->cycle, val);
}

void mg_incmark_entered(movgc_heap *h, void *obj, size_t size) {
    struct incmark *im = h->im;
    if (mg_is_old(h, obj)) {
        mg_mark_entered(im->cycle, obj, size);
    } else {
        mg_los_of(obj)->marked = 1;
    }
    im->entered += size;
}

void mg_incmark_read(movgc_heap *h, void *obj) { mg_mark_shade(h->im->cycle, obj); }

static void end(movgc_heap *h) {
    free(h->im);
    h->im = NULL;
    h->pub.checked_ &= ~MG_CHECKED_MARKING;
    mg_handles_weak_slow(h, false);
}

void mg_incmark_abandon(movgc_heap *h) {
    struct incmark *im = h->im;
    if (!im)
        return;
    mg_mark_discard(im->cycle);
    mg_vm_unmap(im->live, im->live_map);
    mg_los_clear_marks(h);
    end(h);
}

uint64_t *mg_incmark_live(movgc_heap *h, size_t *map_bytes) {
    *map_bytes = h->im->live_map;
    return h->im->live;
}

size_t mg_incmark_finish(movgc_heap *h, const struct mark_tables *t) {
    struct incmark *im = h->im;
    size_t live = mg_mark_finish(h, im->cycle, t) + im->entered;
    h->stats.incremental_fulls++;
    h->marking_growth = im->entered;
    if (h->cfg.flags & MOVGC_VERBOSE)
        fprintf(stderr, "movgc: incremental mark ends: %zu slices, %.3f ms in them, "
                "%.3f ms since it began, %zuK entered the old generation meanwhile\n",
                im->slices, (double)im->slice_ns / 1e6,
                (double)(mg_now_ns() - im->begun_ns) / 1e6, im->entered >> 10);
    end(h);
    return live;
}

void mg_incmark_free(movgc_heap *h) {
    if (h->im) {
        mg_mark_discard(h->im->cycle);
        mg_vm_unmap(h->im->live, h->im->live_map);
        free(h->im);
        h->im = NULL;
    }
}

/* ============================================================= verifying */

/* The weak tricolour invariant, which the snapshot barrier keeps: every
 * unmarked old object that a black object (marked, not grey) points to
 * can be reached from a grey object through unmarked old objects, so the
 * slices still to come will mark it.  'seen' (a bitmap over the old space,
 * and 'reached' on old large objects, cleared after) is that set. */
struct check {
    movgc_heap *h;
    uint64_t *seen;
    void **stack, **grey;
    size_t n, cap, ngrey, grey_cap;
};

static bool old_or_large(movgc_heap *h, const void *obj) {
    return mg_is_old(h, obj) || (mg_in_los(h, obj) && !mg_los_of((void *)obj)->young);
}

static bool marked(movgc_heap *h, void *obj) {
    if (mg_is_old(h, obj))
        return get_bit(h->im->live, word_of(h, obj));
    return mg_los_of(obj)->marked != 0;
}

static void *more(struct check *c, void *arr, size_t *cap) {
    *cap = *cap ? 2 * *cap : 1024;
    void *p = realloc(arr, *cap * sizeof(void *));
    if (!p) {
        mg_error(c->h, MOVGC_E_CORRUPT, "MOVGC_VERIFY: no memory to check the marking");
        abort();
    }
    return p;
}

/* Meet unmarked old object obj, if not met yet. */
static void meet(struct check *c, void *obj) {
    if (mg_is_old(c->h, obj)) {
        size_t i = word_of(c->h, obj);
        if (get_bit(c->seen, i))
            return;
        c->seen[i >> 6] |= (uint64_t)1 << (i & 63);
    } else {
        if (mg_los_of(obj)->reached)
            return;
        mg_los_of(obj)->reached = 1;
    }
    if (c->n == c->cap)
        c->stack = more(c, c->stack, &c->cap);
    c->stack[c->n++] = obj;
}

static bool met(struct check *c, void *obj) {
    return mg_is_old(c->h, obj) ? get_bit(c->seen, word_of(c->h, obj))
                                : mg_los_of(obj)->reached != 0;
}

/* The unmarked old objects obj's slots point to. */
static void meet_slots(struct check *c, void *obj) {
    size_t n = movgc_nrefs(obj);
    for (size_t k = 0; k < n; k++) {
        void *v = mg_slots(obj)[k];
        if (v && old_or_large(c->h, v) && !marked(c->h, v))
            meet(c, v);
    }
}

static void add_grey(void *obj, void *ctx) {
    struct check *c = ctx;
    if (c->ngrey == c->grey_cap)
        c->grey = more(c, c->grey, &c->grey_cap);
    c->grey[c->ngrey++] = obj;
}

static int by_address(const void *a, const void *b) {
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return x < y ? -1 : x > y;
}

static bool is_grey(const struct check *c, void *obj) {
    return c->ngrey > 0 &&
           bsearch(&obj, c->grey, c->ngrey, sizeof *c->grey, by_address) != NULL;
}

/* A black object's references to unmarked old objects must have been met. */
static void check_black(struct check *c, void *obj) {
    if (is_grey(c, obj))
        return;
    size_t n = movgc_nrefs(obj);
    for (size_t k = 0; k < n; k++) {
        void *v = mg_slots(obj)[k];
        if (v && old_or_large(c->h, v) && !marked(c->h, v) && !met(c, v)) {
            mg_error(c->h, MOVGC_E_CORRUPT,
                     "MOVGC_VERIFY: incremental mark: marked object %p slot %zu holds "
                     "unmarked %p, which no grey object reaches (a store without "
                     "the barrier?)", obj, k, v);
            abort();
        }
    }
}

void mg_incmark_verify(movgc_heap *h) {
    struct check c = {.h = h};
    mg_old_seal(h);
    c.seen = calloc((size_t)(h->old.top - h->old.base) / 8 / 64 + 1, sizeof *c.seen);
    if (!c.seen)
        return;  /* no memory to verify with: skip rather than fail */
    mg_mark_grey_each(h->im->cycle, add_grey, &c);
    if (c.ngrey > 0)
        qsort(c.grey, c.ngrey, sizeof *c.grey, by_address);
    for (size_t i = 0; i < c.ngrey; i++)
        meet_slots(&c, c.grey[i]);
    while (c.n > 0)
        meet_slots(&c, c.stack[--c.n]);
    for (char *p = h->old.base; p < h->old.top; p += mg_hdr_size(*(uint64_t *)(void *)p)) {
        void *obj = p + MG_WORD;
        if (*mg_hdr(obj) & HDR_FILLER)
            continue;
        if (marked(h, obj))
            check_black(&c, obj);
        else if (p >= h->im->snap_top)
            mg_error(h, MOVGC_E_CORRUPT, "MOVGC_VERIFY: incremental mark: object %p "
                     "entered the old space while marking but is unmarked "
                     "[incmark.entered]", obj);
    }
    for (struct large *l = h->los.old.next; l != &h->los.old; l = l->next) {
        if (l->marked)
            check_black(&c, l + 1);
        l->reached = 0;
    }
    free(c.seen);
    free(c.stack);
    free(c.grey);
}

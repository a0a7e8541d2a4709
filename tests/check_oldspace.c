/* check_oldspace.c -- old space: promotion, the old-to-young write barrier,
 * defragmentation with memory returned to the OS, pinned objects inside a
 * compaction, and large objects (never copied, unmapped when dead). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static movgc_stats stats_of(movgc_heap *h)
{
    movgc_stats st;
    movgc_get_stats(h, &st, sizeof st);
    return st;
}

/* Make the rooted object *slot old: minor collections until it stops moving,
 * then a full collection.  Fails the test if it never settles. */
static void make_old(void **slot)
{
    void *prev = *slot;
    int still = 0;
    for (int i = 0; i < 20 && still < 3; i++) {
        tu_churn(50000);
        movgc_collect(H, MOVGC_MINOR);
        still = *slot == prev ? still + 1 : 0;
        prev = *slot;
    }
    ck_assert_msg(still >= 3, "object still moving after 20 minor collections");
    movgc_collect(H, MOVGC_FULL);
}

/* ==== promotion =========================================================== */

/* A survivor moves out of the nursery and, once promoted, stops moving on
 * minor collections; promotion is counted. */
START_TEST(test_oldspace_survivor_promoted)
{
    void *o = tu_alloc_filled(1, 1, 3000, 1);
    ROOT(o);
    uint64_t p0 = stats_of(H).bytes_promoted;
    void *first = o;
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_ne(o, first);
    make_old(&o);
    ck_assert_uint_ge(stats_of(H).bytes_promoted - p0, 3000);
    void *settled = o;
    for (int i = 0; i < 5; i++) {
        tu_churn(200000);
        movgc_collect(H, MOVGC_MINOR);
        ck_assert_ptr_eq(o, settled);
        ck_assert(tu_check_fill(o, 1));
    }
    movgc_pop_roots(H, 1);
}
END_TEST

/* ==== write barrier ======================================================= */

/* The young object is reachable only through a slot of an old object, written
 * with movgc_set: without the barrier a minor collection would not see it. */
START_TEST(test_oldspace_barrier_keeps_young_child)
{
    void *old = tu_alloc_filled(2, 2, 64, 2);
    ROOT(old);
    make_old(&old);
    void *young = tu_alloc_filled(3, 1, 500, 3);
    void *young_addr = young;
    movgc_set(H, old, 1, young);
    young = NULL;                           /* no other reference anywhere */
    for (int i = 0; i < 6; i++) {
        if (i > 0)
            tu_churn(300000);               /* overwrite the old nursery */
        movgc_collect(H, MOVGC_MINOR);
        void *c = movgc_get(old, 1);
        ck_assert_ptr_nonnull(c);
        if (i == 0)
            ck_assert_ptr_ne(c, young_addr);
        ck_assert_uint_eq(movgc_tag(c), 3);
        ck_assert_uint_eq(movgc_nbytes(c), 500);
        ck_assert(tu_check_fill(c, 3));
    }
    ck_assert(tu_check_fill(old, 2));
    movgc_pop_roots(H, 1);
}
END_TEST

/* Many old objects, each given a young chain old -> y1 -> y2 after promotion,
 * some slots overwritten again before the collection. */
START_TEST(test_oldspace_barrier_many_old_objects)
{
    size_t n = tu_scale(2000, 100);
    void *arr = movgc_alloc(H, 4, n, 0);
    ROOT(arr);
    for (size_t i = 0; i < n; i++)
        SET_NEW(arr, i, tu_alloc_filled(5, 2, 16, i));
    make_old(&arr);
    for (size_t i = 0; i < n; i++) {
        void *y1 = tu_alloc_filled(6, 1, 24, i + 100000);
        void *o = movgc_get(arr, i);
        movgc_set(H, o, 0, y1);
        void *y2 = tu_alloc_filled(7, 0, 40, i + 200000);
        movgc_set(H, movgc_get(movgc_get(arr, i), 0), 0, y2);
        if (i % 3 == 0) {                    /* overwrite: the last store wins */
            void *y3 = tu_alloc_filled(8, 0, 8, i + 300000);
            movgc_set(H, movgc_get(arr, i), 1, y3);
            y3 = tu_alloc_filled(9, 0, 8, i + 400000);
            movgc_set(H, movgc_get(arr, i), 1, y3);
        }
    }
    for (int round = 0; round < 4; round++) {
        tu_churn(200000);
        movgc_collect(H, round == 2 ? MOVGC_FULL : MOVGC_MINOR);
        for (size_t i = 0; i < n; i++) {
            void *o = movgc_get(arr, i);
            ck_assert(tu_check_fill(o, i));
            void *y1 = movgc_get(o, 0);
            ck_assert_uint_eq(movgc_tag(y1), 6);
            ck_assert(tu_check_fill(y1, i + 100000));
            ck_assert(tu_check_fill(movgc_get(y1, 0), i + 200000));
            void *y3 = movgc_get(o, 1);
            if (i % 3 == 0) {
                ck_assert_uint_eq(movgc_tag(y3), 9);
                ck_assert(tu_check_fill(y3, i + 400000));
            } else {
                ck_assert_ptr_null(y3);
            }
        }
    }
    movgc_pop_roots(H, 1);
}
END_TEST

/* Old objects held only by a handle or a global root get young children. */
static void *global_old;

START_TEST(test_oldspace_barrier_via_handle_and_global)
{
    movgc_handle hd = movgc_handle_new(H, tu_alloc_filled(10, 1, 8, 10));
    ck_assert_int_eq(movgc_root_add(H, &global_old), 0);
    global_old = tu_alloc_filled(11, 1, 8, 11);
    for (int i = 0; i < 4; i++) {
        tu_churn(200000);
        movgc_collect(H, MOVGC_MINOR);
    }
    movgc_collect(H, MOVGC_FULL);
    SET_NEW(movgc_handle_get(H, hd), 0, tu_alloc_filled(12, 0, 100, 12));
    SET_NEW(global_old, 0, tu_alloc_filled(13, 0, 100, 13));
    for (int i = 0; i < 4; i++) {
        tu_churn(200000);
        movgc_collect(H, MOVGC_MINOR);
        ck_assert(tu_check_fill(movgc_get(movgc_handle_get(H, hd), 0), 12));
        ck_assert(tu_check_fill(movgc_get(global_old, 0), 13));
    }
    movgc_root_remove(H, &global_old);
    movgc_handle_free(H, hd);
}
END_TEST

/* A large array (large-object space) filled with young objects after it aged. */
START_TEST(test_oldspace_barrier_large_array)
{
    uint64_t rng = tu_seed("test_oldspace_barrier_large_array");
    size_t n = 131072;                      /* 1 MiB of slots */
    void *arr = movgc_alloc(H, 14, n, 0);
    ck_assert_ptr_nonnull(arr);
    ROOT(arr);
    make_old(&arr);
    size_t stores = tu_scale(5000, 300);
    size_t *idx = malloc(stores * sizeof *idx);
    size_t *last = malloc(n * sizeof *last);  /* slot -> last store + 1, or 0 */
    memset(last, 0, n * sizeof *last);
    for (size_t k = 0; k < stores; k++) {
        idx[k] = tu_rand_below(&rng, n);
        last[idx[k]] = k + 1;
        SET_NEW(arr, idx[k], tu_alloc_filled(15, 0, 16, k));
    }
    for (int round = 0; round < 3; round++) {
        if (round > 0)
            tu_churn(300000);
        movgc_collect(H, MOVGC_MINOR);
        for (size_t i = 0; i < n; i++) {
            void *o = movgc_get(arr, i);
            if (last[i] == 0) {
                ck_assert_ptr_null(o);
            } else {
                ck_assert_ptr_nonnull(o);
                ck_assert(tu_check_fill(o, last[i] - 1));
            }
        }
    }
    free(idx);
    free(last);
    movgc_pop_roots(H, 1);
}
END_TEST

/* A large object is old from birth: young objects stored into it at once
 * must survive minor collections too. */
START_TEST(test_oldspace_barrier_fresh_large_object)
{
    size_t n = 20000;                       /* 160 KiB of slots: large */
    void *arr = movgc_alloc(H, 16, n, 0);
    ck_assert_ptr_nonnull(arr);
    ROOT(arr);
    size_t stores = tu_scale(2000, 200);
    for (size_t k = 0; k < stores; k++)
        SET_NEW(arr, (k * 7919) % n, tu_alloc_filled(17, 1, 24, k));
    for (int round = 0; round < 3; round++) {
        if (round > 0)
            tu_churn(300000);
        movgc_collect(H, MOVGC_MINOR);
        for (size_t k = 0; k < stores; k++) {
            void *o = movgc_get(arr, (k * 7919) % n);
            ck_assert_ptr_nonnull(o);
            ck_assert_uint_eq(movgc_tag(o), 17);
            ck_assert(tu_check_fill(o, k));
        }
    }
    movgc_pop_roots(H, 1);
}
END_TEST

/* ==== fragmentation ======================================================= */

static size_t frag_size(uint64_t seed, size_t i)
{
    uint64_t s = seed ^ (i * 0x9e3779b97f4a7c15ULL);
    uint64_t r = tu_rand(&s);
    unsigned pick = (unsigned)(r % 100);
    if (pick < 80)
        return 16 + (r >> 8) % 240;
    if (pick < 98)
        return 256 + (r >> 8) % 3840;
    return 8192 + (r >> 8) % 24576;
}

/* The fragmentation workload's objects: object i sits in slot i % CHUNK of
 * chunk i / CHUNK of 'spine'; every tenth survives and points to the
 * previous survivor. */
enum { CHUNK = 1024, MAXCHUNKS = 4096 };

struct frag {
    uint64_t seed;
    void *spine, *cur, *prev_kept;      /* roots */
    size_t n;                           /* objects made */
    size_t kept_bytes;                  /* slots + raw bytes of survivors */
};

/* Make object n; return its size in bytes, header included. */
static size_t frag_add(struct frag *f)
{
    if (f->n % CHUNK == 0) {
        ck_assert_uint_lt(f->n / CHUNK, MAXCHUNKS);
        f->cur = movgc_alloc(H, 21, CHUNK, 0);
        movgc_set(H, f->spine, f->n / CHUNK, f->cur);
    }
    size_t sz = frag_size(f->seed, f->n);
    void *o = movgc_alloc(H, 22, 1, sz);
    ck_assert_ptr_nonnull(o);
    tu_fill(o, f->n);
    movgc_set(H, f->cur, f->n % CHUNK, o);
    if (f->n % 10 == 0) {
        movgc_set(H, o, 0, f->prev_kept);
        f->prev_kept = o;
        f->kept_bytes += sz + 8;
    }
    f->n++;
    return sz + 16;
}

/* Objects [from, f->n) die, but every tenth. */
static void frag_kill(struct frag *f, size_t from)
{
    for (size_t i = from; i < f->n; i++)
        if (i % 10 != 0)
            movgc_set(H, movgc_get(f->spine, i / CHUNK), i % CHUNK, NULL);
}

/* Every survivor intact, in its slot, and chained to the previous one. */
static void frag_check(struct frag *f)
{
    void *expect_prev = NULL;
    for (size_t i = 0; i < f->n; i++) {
        void *o = movgc_get(movgc_get(f->spine, i / CHUNK), i % CHUNK);
        if (i % 10 != 0) {
            ck_assert_ptr_null(o);
            continue;
        }
        ck_assert_uint_eq(movgc_nbytes(o), frag_size(f->seed, i));
        ck_assert_msg(tu_check_fill(o, i), "survivor %zu corrupted", i);
        ck_assert_ptr_eq(movgc_get(o, 0), expect_prev);
        expect_prev = o;
    }
    ck_assert_ptr_eq(f->prev_kept, expect_prev);
}

/* Batches of mixed-size objects stay alive together (so they are promoted),
 * then nine in ten die in the old space; after a full collection heap_bytes
 * and the RSS this heap added are within 1.5 x live_bytes plus the nursery
 * (both semispaces), and the survivors are intact. */
START_TEST(test_oldspace_fragmentation_returns_memory)
{
    struct frag f = {.seed = tu_seed("test_oldspace_fragmentation_returns_memory")};
    size_t total = tu_scale(256u << 20, 3u << 20);
    size_t batch = tu_scale(16u << 20, 512u << 10);
    size_t nursery = 1u << 20;
    size_t rss0 = tu_rss_bytes();
    movgc_config c = tu_config();
    c.nursery_bytes = nursery;
    H = tu_heap_new(&c);
    ck_assert_ptr_nonnull(H);
    ROOT(f.spine);
    ROOT(f.cur);
    ROOT(f.prev_kept);
    f.spine = movgc_alloc(H, 20, MAXCHUNKS, 0);
    size_t done = 0;
    while (done < total) {
        size_t first = f.n, made = 0;
        while (made < batch && done + made < total)
            made += frag_add(&f);
        done += made;
        frag_kill(&f, first);
    }
    movgc_collect(H, MOVGC_FULL);
    movgc_stats st = stats_of(H);
    size_t rss = tu_rss_bytes();
    rss = rss > rss0 ? rss - rss0 : 0;       /* what this heap added */
    size_t bound = (size_t)(1.5 * (double)st.live_bytes) + 2 * nursery;
    fprintf(stderr, "fragmentation: %zu objects, %zu MiB allocated, live %zu KiB "
            "(kept objects %zu KiB), heap %zu KiB, RSS added %zu KiB, bound %zu KiB, "
            "RSS/live %.2f\n", f.n, done >> 20, st.live_bytes >> 10,
            f.kept_bytes >> 10, st.heap_bytes >> 10, rss >> 10, bound >> 10,
            (double)rss / (double)st.live_bytes);
    ck_assert_uint_ge(st.live_bytes, f.kept_bytes);
    ck_assert_uint_le(st.heap_bytes, bound);
    /* RSS also holds what is not heap: the runtime's malloc'd side tables
     * (more under MOVGC_VERIFY), stdio; allow 1 MiB for that.  Under
     * valgrind (tests/valgrind.sh sets MOVGC_VALGRIND) the process's RSS is
     * valgrind's own, shadow memory included, and says nothing of movgc;
     * ThreadSanitizer's shadow memory (several times what is touched) is
     * in it too, and so is AddressSanitizer's (an eighth of every address
     * range ever touched, never given back: the old space's holes, given
     * back to the OS, keep theirs).  heap_bytes is checked in every build,
     * RSS in the others. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MOVGC_TEST_ASAN 1
#endif
#endif
#if !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(MOVGC_TEST_ASAN)
    if (!getenv("MOVGC_VALGRIND"))
        ck_assert_uint_le(rss, bound + (1u << 20));
#endif
    frag_check(&f);
    movgc_pop_roots(H, 3);
}
END_TEST

/* ==== pinning inside a compaction ========================================= */

START_TEST(test_oldspace_pinned_stay_while_neighbours_slide)
{
    size_t n = tu_scale(6000, 300);
    void *arr = movgc_alloc(H, 30, n, 0);
    ROOT(arr);
    for (size_t i = 0; i < n; i++)
        SET_NEW(arr, i, tu_alloc_filled(31, 1, 40 + (i % 9) * 16, i));
    make_old(&arr);
    enum { EVERY = 50 };
    size_t npins = (n + EVERY - 1) / EVERY, p = 0;
    movgc_handle *hd = malloc(npins * sizeof *hd);
    void **at = malloc(npins * sizeof *at);
    for (size_t i = 0; i < n; i += EVERY, p++) {
        hd[p] = movgc_handle_new(H, movgc_get(arr, i));
        at[p] = movgc_pin(H, hd[p]);
        ck_assert_ptr_eq(at[p], movgc_get(arr, i));
    }
    uintptr_t *before = malloc(n * sizeof *before);
    for (size_t i = 0; i < n; i++)
        before[i] = (uintptr_t)movgc_get(arr, i);
    for (size_t i = 0; i < n; i++)           /* holes all around the pins */
        if (i % EVERY != 0 && i % 3 != 0)
            movgc_set(H, arr, i, NULL);
    for (int round = 0; round < 3; round++) {
        if (round == 1) {                    /* young data promoted into the gaps */
            for (size_t i = 0; i < n; i++)
                if (i % EVERY != 0 && i % 3 == 1)
                    SET_NEW(arr, i, tu_alloc_filled(32, 1, 24, i + n));
            for (int k = 0; k < 4; k++)
                movgc_collect(H, MOVGC_MINOR);
        }
        movgc_collect(H, MOVGC_FULL);
        size_t moved = 0;
        for (size_t i = 0, q = 0; i < n; i++) {
            void *o = movgc_get(arr, i);
            if (i % EVERY == 0) {
                ck_assert_ptr_eq(o, at[q]);
                ck_assert_ptr_eq(movgc_handle_get(H, hd[q]), at[q]);
                q++;
            }
            if (i % EVERY == 0 || i % 3 == 0) {
                ck_assert_uint_eq(movgc_tag(o), 31);
                ck_assert_msg(tu_check_fill(o, i), "object %zu corrupted", i);
                moved += (uintptr_t)o != before[i];
            } else if (round >= 1 && i % 3 == 1) {
                ck_assert_uint_eq(movgc_tag(o), 32);
                ck_assert(tu_check_fill(o, i + n));
            } else {
                ck_assert_ptr_null(o);
            }
        }
        if (round == 0)
            ck_assert_msg(moved > 0, "nothing slid around the pinned objects");
    }
    for (p = 0; p < npins; p++) {
        movgc_unpin(H, hd[p]);
        movgc_handle_free(H, hd[p]);
    }
    movgc_collect(H, MOVGC_FULL);
    for (size_t i = 0; i < n; i += EVERY)
        ck_assert(tu_check_fill(movgc_get(arr, i), i));
    ck_assert_uint_eq(tu_err.count, 0);
    free(hd);
    free(at);
    free(before);
    movgc_pop_roots(H, 1);
}
END_TEST

/* Minor collections (no full one) until no slot of arr changes for two of
 * them in a row: its objects are then promoted. */
static void promote_children(void **arr)
{
    size_t n = movgc_nrefs(*arr);
    uintptr_t *prev = calloc(n, sizeof *prev);
    int still = 0;
    for (int round = 0; round < 20 && still < 2; round++) {
        movgc_collect(H, MOVGC_MINOR);
        int same = 1;
        for (size_t i = 0; i < n; i++) {
            uintptr_t a = (uintptr_t)movgc_get(*arr, i);
            same &= a == prev[i];
            prev[i] = a;
        }
        still = same ? still + 1 : 0;
    }
    free(prev);
    ck_assert_msg(still >= 2, "objects still moving after 20 minor collections");
}

/* An old space of GAPS_N objects of 256 bytes, every GAPS_EVERY-th pinned
 * and the rest dead and compacted away: gaps of ~25 KB between the pins.
 * Returns the highest pinned address. */
enum { GAPS_N = 4000, GAPS_EVERY = 100, GAPS_PINS = GAPS_N / GAPS_EVERY };

static uintptr_t make_pinned_gaps(movgc_handle *hd)
{
    void *arr = movgc_alloc(H, 33, GAPS_N, 0);
    ROOT(arr);
    for (size_t i = 0; i < GAPS_N; i++)
        SET_NEW(arr, i, tu_alloc_filled(34, 0, 248, i));
    make_old(&arr);
    uintptr_t last_pin = 0;
    for (size_t p = 0; p < GAPS_PINS; p++) {
        hd[p] = movgc_handle_new(H, movgc_get(arr, p * GAPS_EVERY));
        uintptr_t a = (uintptr_t)movgc_pin(H, hd[p]);
        last_pin = a > last_pin ? a : last_pin;
    }
    movgc_pop_roots(H, 1);                  /* only the pinned ones live */
    movgc_collect(H, MOVGC_FULL);
    return last_pin;
}

/* Count fresh's objects below last_pin, checking contents (key i + base). */
static size_t count_below(void *fresh, uintptr_t last_pin, uint64_t base)
{
    size_t below = 0;
    for (size_t i = 0; i < movgc_nrefs(fresh); i++) {
        void *o = movgc_get(fresh, i);
        ck_assert(tu_check_fill(o, i + base));
        below += (uintptr_t)o < last_pin;
    }
    return below;
}

static void drop_pinned_gaps(movgc_handle *hd)
{
    for (size_t p = 0; p < GAPS_PINS; p++) {
        ck_assert(tu_check_fill(movgc_handle_get(H, hd[p]), p * GAPS_EVERY));
        movgc_unpin(H, hd[p]);
        movgc_handle_free(H, hd[p]);
    }
}

/* After a compaction around scattered pins, the old space has gaps below the
 * last pinned object; objects promoted later go into them rather than only
 * past the end.  Here one batch is promoted at once. */
START_TEST(test_oldspace_promotion_reuses_gaps_between_pins)
{
    movgc_handle hd[GAPS_PINS];
    uintptr_t last_pin = make_pinned_gaps(hd);
    size_t m = GAPS_N / 4;                   /* a quarter of the gap space */
    void *fresh = movgc_alloc(H, 35, m, 0);
    ROOT(fresh);
    for (size_t i = 0; i < m; i++)
        SET_NEW(fresh, i, tu_alloc_filled(36, 0, 248, i + GAPS_N));
    promote_children(&fresh);
    size_t below = count_below(fresh, last_pin, GAPS_N);
    fprintf(stderr, "one batch promoted into gaps between pins: %zu of %zu\n", below, m);
    ck_assert_msg(below >= m / 2, "only %zu of %zu promoted objects went into the "
                  "gaps below the last pinned object", below, m);
    drop_pinned_gaps(hd);
    movgc_pop_roots(H, 1);
}
END_TEST

/* The same, promoted one object per minor collection, as a program that keeps
 * a few objects from each nursery does: the gaps still fill. */
START_TEST(test_oldspace_gaps_fill_across_minor_collections)
{
    movgc_handle hd[GAPS_PINS];
    uintptr_t last_pin = make_pinned_gaps(hd);
    size_t m = GAPS_N / 4;
    void *fresh = movgc_alloc(H, 35, m, 0);
    ROOT(fresh);
    for (size_t i = 0; i < m; i++) {
        SET_NEW(fresh, i, tu_alloc_filled(36, 0, 248, i + GAPS_N));
        movgc_collect(H, MOVGC_MINOR);
        movgc_collect(H, MOVGC_MINOR);
    }
    promote_children(&fresh);
    size_t below = count_below(fresh, last_pin, GAPS_N);
    fprintf(stderr, "promoted one per minor into gaps between pins: %zu of %zu\n",
            below, m);
    ck_assert_msg(below >= m / 2, "only %zu of %zu objects promoted one per minor "
                  "collection went into the gaps below the last pinned object",
                  below, m);
    drop_pinned_gaps(hd);
    movgc_pop_roots(H, 1);
}
END_TEST

/* ==== large objects ======================================================= */

START_TEST(test_oldspace_large_objects_freed)
{
    size_t count = tu_scale(32, 6), size = 1u << 20;
    void *arr = movgc_alloc(H, 40, count, 0);
    ROOT(arr);
    movgc_collect(H, MOVGC_FULL);
    size_t rss0 = tu_rss_bytes(), heap0 = stats_of(H).heap_bytes;
    uintptr_t *addr = malloc(count * sizeof *addr);
    for (size_t i = 0; i < count; i++) {
        void *o = movgc_alloc(H, 41, 0, size);
        ck_assert_ptr_nonnull(o);
        tu_fill(o, i);
        movgc_set(H, arr, i, o);
    }
    for (size_t i = 0; i < count; i++)
        addr[i] = (uintptr_t)movgc_get(arr, i);
    for (int round = 0; round < 4; round++) {
        tu_churn(200000);
        movgc_collect(H, round % 2 ? MOVGC_FULL : MOVGC_MINOR);
        for (size_t i = 0; i < count; i++) {
            void *o = movgc_get(arr, i);
            ck_assert_msg((uintptr_t)o == addr[i], "large object %zu was copied", i);
            ck_assert(tu_check_fill(o, i));
        }
    }
    size_t rss1 = tu_rss_bytes(), heap1 = stats_of(H).heap_bytes;
    ck_assert_uint_ge(heap1, heap0 + count * size);
    for (size_t i = 0; i < count; i++)
        movgc_set(H, arr, i, NULL);
    movgc_collect(H, MOVGC_FULL);
    size_t rss2 = tu_rss_bytes(), heap2 = stats_of(H).heap_bytes;
    fprintf(stderr, "large objects: heap %zu -> %zu -> %zu KiB, RSS %zu -> %zu -> %zu KiB\n",
            heap0 >> 10, heap1 >> 10, heap2 >> 10, rss0 >> 10, rss1 >> 10, rss2 >> 10);
    ck_assert_uint_le(heap2, heap1 - count * size * 3 / 4);
    if (!getenv("MOVGC_VALGRIND"))  /* see the fragmentation test */
        ck_assert_uint_le(rss2, rss1 - count * size * 3 / 4);
    free(addr);
    movgc_pop_roots(H, 1);
}
END_TEST

static void fragmentation_setup(void)
{
    tu_errors_clear();
    H = NULL;                                /* the test makes its own heap */
}

static Suite *oldspace_suite(void)
{
    Suite *s = suite_create("oldspace");
    TCase *tc = tu_tcase("promotion");
    tcase_add_test(tc, test_oldspace_survivor_promoted);
    suite_add_tcase(s, tc);
    tc = tu_tcase("barrier");
    tcase_add_test(tc, test_oldspace_barrier_keeps_young_child);
    tcase_add_test(tc, test_oldspace_barrier_many_old_objects);
    tcase_add_test(tc, test_oldspace_barrier_via_handle_and_global);
    tcase_add_test(tc, test_oldspace_barrier_large_array);
    tcase_add_test(tc, test_oldspace_barrier_fresh_large_object);
    suite_add_tcase(s, tc);
    tc = tu_tcase_bare("compaction");
    tcase_add_checked_fixture(tc, fragmentation_setup, tu_teardown);
    tcase_add_test(tc, test_oldspace_fragmentation_returns_memory);
    suite_add_tcase(s, tc);
    tc = tu_tcase("pinning");
    tcase_add_test(tc, test_oldspace_pinned_stay_while_neighbours_slide);
    tcase_add_test(tc, test_oldspace_promotion_reuses_gaps_between_pins);
    tcase_add_test(tc, test_oldspace_gaps_fill_across_minor_collections);
    suite_add_tcase(s, tc);
    tc = tu_tcase("large");
    tcase_add_test(tc, test_oldspace_large_objects_freed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(oldspace_suite());
}

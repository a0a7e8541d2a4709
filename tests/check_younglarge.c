/* check_younglarge.c -- young large objects and the collection policy:
 * large objects die in minor collections, survivors move by remapping and
 * keep contents and identity, the write barrier keeps old-to-young-large
 * references, arena pages are reused, the heap limit holds, the adaptive
 * nursery follows survival, and a burst's end brings a full collection. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "movgc_testing.h"

#define BIG ((size_t)200 << 10)  /* large, and young when allocated */

static movgc_stats stats_of(movgc_heap *h)
{
    movgc_stats st;
    movgc_get_stats(h, &st, sizeof st);
    return st;
}

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* ==== lookup by address ================================================== */

/* Only the start of a live large object is one: every other address inside
 * it (page-aligned ones too, where another object's header could sit) and
 * the address of a freed one are refused with MOVGC_E_MISUSE.  Allocating
 * and hashing in turn keeps working with many objects alive. */
START_TEST(test_younglarge_lookup_by_address)
{
    size_t n = tu_scale(2000, 200);
    movgc_handle *keep = calloc(n, sizeof *keep);
    ck_assert_ptr_nonnull(keep);
    for (size_t i = 0; i < n; i++) {
        void *o = movgc_alloc(H, 7, 0, (size_t)40 << 10);
        ck_assert_ptr_nonnull(o);
        keep[i] = movgc_handle_new(H, o);
        tu_errors_clear();
        ck_assert_uint_ne(movgc_identity_hash(H, o), 0);
        ck_assert_uint_eq(tu_err.count, 0);
    }
    char *o = movgc_handle_get(H, keep[n / 2]);  /* large: never moves */
    for (size_t k = 8; k < ((size_t)40 << 10); k += 8) {
        tu_errors_clear();
        ck_assert_uint_eq(movgc_identity_hash(H, o + k), 0);
        ck_assert_uint_eq(tu_err.count, 1);
        ck_assert_int_eq(tu_err.last, MOVGC_E_MISUSE);
    }
    void *dead = movgc_handle_get(H, keep[0]);
    for (size_t i = 0; i < n; i++)
        movgc_handle_free(H, keep[i]);
    free(keep);
    movgc_collect(H, MOVGC_FULL);
    tu_errors_clear();
    ck_assert_uint_eq(movgc_identity_hash(H, dead), 0);
    ck_assert_int_eq(tu_err.last, MOVGC_E_MISUSE);
}
END_TEST

/* ==== dying young ========================================================= */

/* Large objects nothing keeps are freed by minor collections: no full
 * collection, and the heap stays far below what was allocated. */
START_TEST(test_younglarge_dead_freed_by_minor)
{
    size_t n = tu_scale(400, 40);
    movgc_stats st0 = stats_of(H);
    size_t most = 0;
    for (size_t i = 0; i < n; i++) {
        void *o = movgc_alloc(H, 7, 0, BIG);
        ck_assert_ptr_nonnull(o);
        ck_assert(movgc_testing_is_young_large(H, o));
        tu_fill(o, i);
        size_t held = stats_of(H).heap_bytes;
        if (held > most)
            most = held;
    }
    movgc_stats st1 = stats_of(H);
    ck_assert_uint_gt(st1.minor_collections, st0.minor_collections);
    if (!tu_stressed())
        ck_assert_uint_eq(st1.full_collections, st0.full_collections);
    fprintf(stderr, "dead young large: %zu x %zu KiB allocated, heap at most %zu KiB\n",
            n, BIG >> 10, most >> 10);
    ck_assert_uint_lt(most, n * BIG / 4);
}
END_TEST

/* The arena's pages are reused: allocating many dead large objects takes
 * far fewer page faults than one per page allocated. */
START_TEST(test_younglarge_pages_reused)
{
    size_t n = tu_scale(400, 40);
    for (size_t i = 0; i < 20; i++)       /* warm the arena */
        tu_fill(movgc_alloc(H, 7, 0, BIG), i);
    long f0 = minor_faults();
    for (size_t i = 0; i < n; i++)
        tu_fill(movgc_alloc(H, 7, 0, BIG), i);
    long faults = minor_faults() - f0;
    size_t pages = n * BIG / 4096;
    fprintf(stderr, "young large: %ld page faults for %zu pages allocated\n",
            faults, pages);
    if (!getenv("MOVGC_VALGRIND"))
        ck_assert_msg((size_t)faults < pages / 4, "%ld page faults for %zu pages",
                      faults, pages);
}
END_TEST

/* ==== surviving =========================================================== */

/* A rooted young large object survives minor collections with its bytes,
 * its identity hash and a weak handle's view of it, and becomes old where
 * it is: it never moves. */
START_TEST(test_younglarge_survivor_keeps_contents_and_identity)
{
    void *o = movgc_alloc(H, 9, 3, BIG);
    ROOT(o);
    ck_assert(movgc_testing_is_young_large(H, o));
    tu_fill(o, 42);
    uint64_t hash = movgc_identity_hash(H, o);
    movgc_handle weak = movgc_weak_new(H, o);
    void *first = o;
    for (int i = 0; i < 4; i++) {
        tu_churn(100000);
        movgc_collect(H, MOVGC_MINOR);
        ck_assert(tu_check_fill(o, 42));
        ck_assert_uint_eq(movgc_tag(o), 9);
        ck_assert_uint_eq(movgc_nrefs(o), 3);
        ck_assert_uint_eq(movgc_nbytes(o), BIG);
        ck_assert_uint_eq(movgc_identity_hash(H, o), hash);
        ck_assert_ptr_eq(movgc_handle_get(H, weak), o);
        ck_assert_ptr_eq(o, first);
    }
    ck_assert(!movgc_testing_is_young_large(H, o));
    movgc_collect(H, MOVGC_FULL);
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_eq(o, first);
    ck_assert_uint_eq(movgc_identity_hash(H, o), hash);
    ck_assert(tu_check_fill(o, 42));
    movgc_handle_free(H, weak);
    movgc_pop_roots(H, 1);
}
END_TEST

/* The only reference to a young large object is in an old object: the
 * barrier must record it or the minor collection frees the object. */
START_TEST(test_younglarge_kept_by_old_object)
{
    void *holder = movgc_alloc(H, 1, 4, 0);
    ROOT(holder);
    movgc_collect(H, MOVGC_FULL);        /* holder is old now */
    movgc_collect(H, MOVGC_FULL);
    for (size_t k = 0; k < 4; k++) {
        void *big = movgc_alloc(H, 8, 0, BIG);
        tu_fill(big, 100 + k);
        movgc_set(H, holder, k, big);
    }
    for (int i = 0; i < 3; i++) {
        tu_churn(300000);
        movgc_collect(H, MOVGC_MINOR);
        for (size_t k = 0; k < 4; k++) {
            void *big = movgc_get(holder, k);
            ck_assert_uint_eq(movgc_tag(big), 8);
            ck_assert(tu_check_fill(big, 100 + k));
        }
    }
    movgc_pop_roots(H, 1);
}
END_TEST

/* A young large array (carded) holds young objects; after it becomes old,
 * young objects stored into it are found through its cards. */
START_TEST(test_younglarge_array_of_young_objects)
{
    size_t n = 20000;                      /* 160 KiB of slots: large, carded */
    void *arr = movgc_alloc(H, 2, n, 0);
    ROOT(arr);
    ck_assert(movgc_testing_is_young_large(H, arr));
    for (size_t i = 0; i < n; i += 97)
        SET_NEW(arr, i, tu_alloc_filled(3, 0, 24, i));
    for (int round = 0; round < 4; round++) {
        movgc_collect(H, round == 2 ? MOVGC_FULL : MOVGC_MINOR);
        for (size_t i = 0; i < n; i++) {
            void *e = movgc_get(arr, i);
            if (i % 97) {
                ck_assert_ptr_null(e);
            } else {
                ck_assert_uint_eq(movgc_tag(e), 3);
                ck_assert(tu_check_fill(e, i));
            }
        }
        /* new young objects into the (by now possibly old) array */
        SET_NEW(arr, 1 + 97 * (size_t)round, tu_alloc_filled(4, 0, 16, 7000 + (size_t)round));
        movgc_collect(H, MOVGC_MINOR);
        void *e = movgc_get(arr, 1 + 97 * (size_t)round);
        ck_assert_uint_eq(movgc_tag(e), 4);
        ck_assert(tu_check_fill(e, 7000 + (size_t)round));
        movgc_set(H, arr, 1 + 97 * (size_t)round, NULL);
    }
    ck_assert(!movgc_testing_is_young_large(H, arr));
    movgc_pop_roots(H, 1);
}
END_TEST

/* ==== weak, finalizers, pins ============================================== */

static int finalized;
static uint64_t finalized_key;
static void on_final(movgc_heap *h, void *obj, void *ud)
{
    (void)h;
    (void)ud;
    finalized++;
    finalized_key = tu_check_fill(obj, 77) ? 77 : 0;
}

START_TEST(test_younglarge_weak_and_finalizer)
{
    void *a = movgc_alloc(H, 5, 0, BIG);
    tu_fill(a, 1);
    movgc_handle weak = movgc_weak_new(H, a);
    void *b = movgc_alloc(H, 5, 0, BIG);
    tu_fill(b, 77);
    movgc_set_finalizer(H, b, on_final, NULL);
    a = b = NULL;
    finalized = 0;
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_null(movgc_handle_get(H, weak));
    ck_assert_int_eq(finalized, 1);
    ck_assert_uint_eq(finalized_key, 77);
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    ck_assert_int_eq(finalized, 1);
    movgc_handle_free(H, weak);
}
END_TEST

/* A large object with a finalizer becomes old in place: its finalizer can
 * still be replaced and removed, and runs once when it dies old. */
START_TEST(test_younglarge_finalizer_after_promotion)
{
    void *o = movgc_alloc(H, 5, 0, BIG);
    ROOT(o);
    tu_fill(o, 77);
    movgc_set_finalizer(H, o, on_final, NULL);
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_MINOR);           /* old now, in place */
    ck_assert(!movgc_testing_is_young_large(H, o));
    movgc_set_finalizer(H, o, NULL, NULL);   /* removed */
    movgc_set_finalizer(H, o, on_final, NULL);
    movgc_collect(H, MOVGC_FULL);
    finalized = 0;
    o = NULL;
    movgc_collect(H, MOVGC_FULL);
    ck_assert_int_eq(finalized, 1);
    ck_assert_uint_eq(finalized_key, 77);
    movgc_pop_roots(H, 1);
}
END_TEST

/* Pinning a young large object makes it old first (in place); then it
 * stays put through every kind of collection. */
START_TEST(test_younglarge_pinned)
{
    void *o = movgc_alloc(H, 6, 2, BIG);
    tu_fill(o, 5);
    movgc_handle hd = movgc_handle_new(H, o);
    void *p = movgc_pin(H, hd);
    ck_assert_ptr_nonnull(p);
    ck_assert(!movgc_testing_is_young_large(H, p));
    for (int i = 0; i < 4; i++) {
        tu_churn(200000);
        movgc_collect(H, i % 2 ? MOVGC_FULL : MOVGC_MINOR);
        ck_assert_ptr_eq(movgc_handle_get(H, hd), p);
        ck_assert(tu_check_fill(p, 5));
    }
    movgc_unpin(H, hd);
    movgc_handle_free(H, hd);
}
END_TEST

/* ==== limits ============================================================== */

static void limited_setup(void)
{
    tu_errors_clear();
    movgc_config cfg = tu_config();
    cfg.heap_limit = (size_t)24 << 20;
    H = tu_heap_new(&cfg);
    ck_assert_ptr_nonnull(H);
}

/* Under a limit, dead large objects never cause NOMEM; kept ones do, with
 * the heap at or under the limit and what was kept intact. */
START_TEST(test_younglarge_limit)
{
    size_t limit = (size_t)24 << 20;
    for (size_t i = 0; i < tu_scale(300, 30); i++) {
        void *o = movgc_alloc(H, 7, 0, (size_t)1 << 20);
        ck_assert_ptr_nonnull(o);
        ck_assert_uint_le(stats_of(H).heap_bytes, limit);
    }
    void *list = NULL;
    ROOT(list);
    size_t kept = 0;
    for (;;) {
        void *o = movgc_alloc(H, 8, 1, (size_t)1 << 20);
        if (!o)
            break;
        tu_fill(o, kept);
        movgc_set(H, o, 0, list);
        list = o;
        kept++;
        ck_assert_uint_le(stats_of(H).heap_bytes, limit);
        ck_assert_uint_lt(kept, 64);
    }
    ck_assert_int_eq(movgc_last_error(H), MOVGC_E_NOMEM);
    ck_assert_uint_ge(kept, 8);
    size_t i = kept;
    for (void *o = list; o; o = movgc_get(o, 0))
        ck_assert(tu_check_fill(o, --i));
    ck_assert_uint_eq(i, 0);
    movgc_pop_roots(H, 1);
}
END_TEST

/* Freed large objects leave holes in the region; under a limit, new ones
 * that fit no hole still get room while the heap is under the limit. */
START_TEST(test_younglarge_limit_fragmented_region)
{
    void *keep = movgc_alloc(H, 1, 200, 0), *tmp = NULL;
    ROOT(keep);
    ROOT(tmp);
    tmp = movgc_alloc(H, 1, 100, 0);
    size_t n = tu_scale(50, 20);
    for (size_t i = 0; i < n; i++) {         /* big, small, big, small ... */
        SET_NEW(tmp, i, movgc_alloc(H, 2, 0, (size_t)200 << 10));
        SET_NEW(keep, i, tu_alloc_filled(3, 0, (size_t)33 << 10, i));
    }
    tmp = NULL;                              /* the big ones die: 200 KiB holes */
    movgc_collect(H, MOVGC_FULL);
    for (size_t i = 0; i < 44; i++) {        /* 300 KiB each fits no hole: 13 MiB */
        void *o = movgc_alloc(H, 4, 0, (size_t)300 << 10);
        ck_assert_msg(o != NULL, "NOMEM at object %zu with %zu KiB held of %zu", i,
                      (size_t)stats_of(H).heap_bytes >> 10, (size_t)24 << 10);
        movgc_set(H, keep, 100 + i, o);
    }
    for (size_t i = 0; i < n; i++)
        ck_assert(tu_check_fill(movgc_get(keep, i), i));
    movgc_pop_roots(H, 2);
}
END_TEST

/* ==== policy ============================================================== */

/* A heap whose minor pause goal is 'ms' (MOVGC_MINOR_PAUSE); the tests
 * of the survival rule give it a goal no minor collection reaches, so that
 * they do not depend on the machine's speed. */
static movgc_heap *heap_with_pause_goal(const char *ms, unsigned flags)
{
    setenv("MOVGC_MINOR_PAUSE", ms, 1);
    movgc_config c = tu_config();
    c.flags |= flags;
    movgc_heap *h = tu_heap_new(&c);
    unsetenv("MOVGC_MINOR_PAUSE");
    ck_assert_ptr_nonnull(h);
    return h;
}

/* The adaptive nursery grows past 4 MiB while much survives and live data
 * is large, and shrinks back once little survives. */
START_TEST(test_younglarge_nursery_follows_survival)
{
    if (tu_stressed())
        return;  /* stress collects at every allocation: no sizing to see */
    movgc_heap_free(H);
    H = heap_with_pause_goal("60000", 0);
    size_t start = movgc_testing_nursery_size(H);
    void *keep = movgc_alloc(H, 1, 200000, 0);
    ROOT(keep);
    /* 200000 kept objects of 216 bytes: about 43 MiB live, all surviving */
    for (size_t i = 0; i < 200000; i++)
        SET_NEW(keep, i, movgc_alloc(H, 2, 1, 200));
    size_t grown = movgc_testing_nursery_size(H);
    for (int i = 0; i < 3; i++) {
        for (size_t j = 0; j < 200000; j++)
            SET_NEW(keep, j, movgc_alloc(H, 2, 1, 200));
        if (movgc_testing_nursery_size(H) > grown)
            grown = movgc_testing_nursery_size(H);
    }
    fprintf(stderr, "nursery: %zu KiB at first, %zu KiB at most\n", start >> 10,
            grown >> 10);
    ck_assert_uint_gt(grown, (size_t)4 << 20);
    for (size_t j = 0; j < 200000; j++)
        movgc_set(H, keep, j, NULL);
    tu_churn((size_t)400 << 20);             /* nothing survives */
    fprintf(stderr, "nursery after a quiet spell: %zu KiB\n",
            movgc_testing_nursery_size(H) >> 10);
    ck_assert_uint_lt(movgc_testing_nursery_size(H), grown / 2);
    movgc_pop_roots(H, 1);
}
END_TEST

/* MOVGC_VERIFY's heap walks before and after each collection are not the
 * collection's pause: the nursery grows under it as without it (were the
 * walks counted, the pause goal would keep the nursery at its 4 MiB
 * floor, and VERIFY runs would test another nursery policy). */
START_TEST(test_younglarge_nursery_grows_under_verify)
{
    if (tu_stressed() || getenv("MOVGC_SMALL"))
        return;  /* stress: no sizing to see; valgrind: 43 MiB walked per minor */
    movgc_heap *h = heap_with_pause_goal("60000", MOVGC_VERIFY);
    void *keep = movgc_alloc(h, 1, 200000, 0);
    movgc_push_root(h, &keep);
    /* about 43 MiB live, all surviving: the live cap allows past 4 MiB */
    size_t grown = 0;
    for (int i = 0; i < 2; i++)
        for (size_t j = 0; j < 200000; j++) {
            void *o = movgc_alloc(h, 2, 1, 200);
            movgc_set(h, keep, j, o);
            if (movgc_testing_nursery_size(h) > grown)
                grown = movgc_testing_nursery_size(h);
        }
    fprintf(stderr, "nursery under MOVGC_VERIFY: %zu KiB at most\n", grown >> 10);
    ck_assert_uint_gt(grown, (size_t)4 << 20);
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
}
END_TEST

/* The same survival under a minor pause goal no collection can meet: the
 * nursery stays at the 4 MiB floor.  MOVGC_MINOR_PAUSE out of range is a
 * configuration error naming it. */
START_TEST(test_younglarge_nursery_bounded_by_pause_goal)
{
    if (tu_stressed())
        return;  /* stress collects at every allocation: no sizing to see */
    movgc_heap *h = heap_with_pause_goal("0.0001", 0);  /* 100 ns */
    size_t n = tu_scale(200000, 2000);
    void *keep = movgc_alloc(h, 1, n, 0);
    movgc_push_root(h, &keep);
    size_t grown = 0;
    for (int i = 0; i < 2; i++)
        for (size_t j = 0; j < n; j++) {
            void *o = movgc_alloc(h, 2, 1, 200);
            movgc_set(h, keep, j, o);
            if (movgc_testing_nursery_size(h) > grown)
                grown = movgc_testing_nursery_size(h);
        }
    movgc_stats st;
    movgc_get_stats(h, &st, sizeof st);
    ck_assert_uint_gt(st.minor_collections, 4);
    ck_assert_uint_le(grown, (size_t)4 << 20);
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
    const char *bad[] = {"0", "-1", "abc", "5ms", "60001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        tu_assert_env_refused("MOVGC_MINOR_PAUSE", bad[i]);
}
END_TEST

/* A burst: many requests in flight (young survivors) and a large cache
 * (old).  When it ends both die; a full collection must follow within a
 * few minor collections, not when the old space reaches its threshold. */
START_TEST(test_younglarge_burst_end_collects)
{
    if (tu_stressed())
        return;  /* stress does full collections of its own */
    movgc_heap_free(H);
    H = heap_with_pause_goal("60000", 0);  /* the nursery the burst grows */
    enum { INFLIGHT = 64, CACHE = 3000 };
    void *ring = movgc_alloc(H, 1, INFLIGHT, 0), *cache = NULL;
    ROOT(ring);
    ROOT(cache);
    cache = movgc_alloc(H, 1, CACHE, 0);
    /* the burst: each request is a 16 KiB document kept while in flight;
     * one in four goes into the cache */
    for (size_t r = 0; r < 12000; r++) {
        SET_NEW(ring, r % INFLIGHT, tu_alloc_filled(2, 0, 16000, r));
        if (r % 4 == 0)
            movgc_set(H, cache, (r / 4) % CACHE, movgc_get(ring, r % INFLIGHT));
    }
    movgc_collect(H, MOVGC_FULL);            /* the burst's last full collection */
    for (size_t r = 0; r < 2000; r++)        /* still in the burst */
        SET_NEW(ring, r % INFLIGHT, tu_alloc_filled(2, 0, 16000, r));
    movgc_stats st0 = stats_of(H);
    size_t burst_nursery = movgc_testing_nursery_size(H);
    /* the burst ends: cache and ring dropped, small requests from now on */
    for (size_t i = 0; i < CACHE; i++)
        movgc_set(H, cache, i, NULL);
    for (size_t i = 0; i < INFLIGHT; i++)
        movgc_set(H, ring, i, NULL);
    size_t minors = 0, began = 0;  /* minor collections until a marking began */
    for (size_t r = 0; minors < 12 && stats_of(H).full_collections == st0.full_collections;
         r++) {
        SET_NEW(ring, r % 2, tu_alloc_filled(2, 0, 1000, r));
        movgc_stats st = stats_of(H);
        minors = st.minor_collections - st0.minor_collections;
        if (!began && st.incremental_begun > st0.incremental_begun)
            began = minors;
    }
    movgc_stats st1 = stats_of(H);
    size_t nursery = movgc_testing_nursery_size(H);
    /* the freed tail goes back to the OS in steps after the pause, at the
     * next allocations' slow paths: all of it before the next minor
     * collection */
    for (size_t r = 0; r < 1000 && st1.heap_bytes >= st0.heap_bytes / 2 &&
                       st1.minor_collections == stats_of(H).minor_collections; r++) {
        SET_NEW(ring, r % 2, tu_alloc_filled(2, 0, 1000, r));
        st1.heap_bytes = stats_of(H).heap_bytes;
    }
    ck_assert_uint_eq(stats_of(H).minor_collections, st1.minor_collections);
    fprintf(stderr, "burst end: full collection after %zu minor collections, "
            "heap %zu -> %zu KiB, nursery %zu -> %zu KiB\n", minors,
            st0.heap_bytes >> 10, st1.heap_bytes >> 10, burst_nursery >> 10,
            nursery >> 10);
    ck_assert_uint_gt(st1.full_collections, st0.full_collections);
    /* nothing survives the first minor collection after the drop: a sharp
     * drop is acted on at once, by a full collection or by a marking whose
     * slices end before the next minor collection (there is little live) */
    if (began) {
        ck_assert_uint_eq(began, 1);
        ck_assert_uint_le(minors, 2);
    } else {
        ck_assert_uint_le(minors, 1);
    }
    ck_assert_uint_lt(st1.heap_bytes, st0.heap_bytes / 2);
    /* the nursery the burst grew is cut back at that full collection */
    ck_assert_uint_gt(burst_nursery, (size_t)4 << 20);
    ck_assert_uint_le(nursery, (size_t)4 << 20);
    movgc_pop_roots(H, 2);
}
END_TEST

/* MOVGC_NURSERY_MAX caps the adaptive nursery; a bad value is an error. */
START_TEST(test_younglarge_nursery_max_env)
{
    setenv("MOVGC_NURSERY_MAX", "2M", 1);
    movgc_config c0 = tu_config();
    movgc_heap *h = tu_heap_new(&c0);
    unsetenv("MOVGC_NURSERY_MAX");
    ck_assert_ptr_nonnull(h);
    size_t n = tu_scale(100000, 500);
    void *keep = movgc_alloc(h, 1, n, 0);
    movgc_push_root(h, &keep);
    for (size_t i = 0; i < n; i++) {
        void *o = movgc_alloc(h, 2, 0, 100);
        movgc_set(h, keep, i, o);
    }
    ck_assert_uint_le(movgc_testing_nursery_size(h), (size_t)2 << 20);
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
    tu_assert_env_refused("MOVGC_NURSERY_MAX", "lots");
}
END_TEST

static Suite *younglarge_suite(void)
{
    Suite *s = suite_create("younglarge");
    TCase *tc = tu_tcase("young large objects");
    tcase_add_test(tc, test_younglarge_lookup_by_address);
    tcase_add_test(tc, test_younglarge_dead_freed_by_minor);
    tcase_add_test(tc, test_younglarge_pages_reused);
    tcase_add_test(tc, test_younglarge_survivor_keeps_contents_and_identity);
    tcase_add_test(tc, test_younglarge_kept_by_old_object);
    tcase_add_test(tc, test_younglarge_array_of_young_objects);
    tcase_add_test(tc, test_younglarge_weak_and_finalizer);
    tcase_add_test(tc, test_younglarge_finalizer_after_promotion);
    tcase_add_test(tc, test_younglarge_pinned);
    suite_add_tcase(s, tc);
    TCase *lim = tu_tcase_bare("limit");
    tcase_add_checked_fixture(lim, limited_setup, tu_teardown);
    tcase_add_test(lim, test_younglarge_limit);
    tcase_add_test(lim, test_younglarge_limit_fragmented_region);
    suite_add_tcase(s, lim);
    TCase *pol = tu_tcase("policy");
    tcase_add_test(pol, test_younglarge_nursery_follows_survival);
    tcase_add_test(pol, test_younglarge_nursery_grows_under_verify);
    tcase_add_test(pol, test_younglarge_nursery_bounded_by_pause_goal);
    tcase_add_test(pol, test_younglarge_burst_end_collects);
    tcase_add_test(pol, test_younglarge_nursery_max_env);
    suite_add_tcase(s, pol);
    return s;
}

int main(void)
{
    return tu_run_suite(younglarge_suite());
}

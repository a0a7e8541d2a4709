/* check_weak.c -- weak handles, ephemerons, finalizers and identity hashes
 * (issue 4), each across minor and full collections that move objects. */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "movgc.h"

enum { T_BOX = 1, T_PAIR = 2, T_NODE = 3 };

static movgc_heap *h;

static void setup(void) { h = movgc_heap_new(NULL); }
static void teardown(void) { movgc_heap_free(h); }

static void *box(long v) {
    void *b = movgc_alloc(h, T_BOX, 0, sizeof(long));
    *(long *)movgc_data(b) = v;
    return b;
}

static long unbox(void *b) { return *(long *)movgc_data(b); }

/* Loop counts shrink under MOVGC_STRESS, which collects at every
 * allocation; what is asserted stays the same. */
static int scaled(int n) { return getenv("MOVGC_STRESS") ? n / 40 + 1 : n; }

/* Allocate garbage: minor collections happen whatever the config. */
static void churn(int n) {
    n = scaled(n);
    for (int i = 0; i < n; i++)
        movgc_alloc(h, T_NODE, 2, 64);
}

static int kinds[] = {MOVGC_MINOR, MOVGC_FULL};

/* ============================================================ weak handles */

START_TEST(test_weak_follows_live_object_across_moves) {
    void *obj = box(42);
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, obj);
    movgc_handle w = movgc_weak_new(h, obj);
    for (int i = 0; i < 6; i++) {
        void *before = obj;
        movgc_collect(h, kinds[i % 2]);
        ck_assert_ptr_eq(movgc_handle_get(h, w), obj);
        ck_assert_int_eq(unbox(movgc_handle_get(h, w)), 42);
        if (i == 0)
            ck_assert_ptr_ne(before, obj);  /* the first minor moved it */
    }
    movgc_handle_free(h, w);
    MOVGC_UNFRAME(h);
}
END_TEST

START_TEST(test_weak_cleared_when_young_object_dies) {
    movgc_handle w = movgc_weak_new(h, box(7));
    ck_assert_ptr_nonnull(movgc_handle_get(h, w));
    movgc_collect(h, MOVGC_MINOR);
    ck_assert_ptr_null(movgc_handle_get(h, w));
    ck_assert_int_eq(movgc_last_error(h), MOVGC_OK);  /* cleared is not stale */
    movgc_handle_free(h, w);
}
END_TEST

START_TEST(test_weak_cleared_when_old_object_dies_only_in_full) {
    void *obj = box(9);
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, obj);
    movgc_collect(h, MOVGC_FULL);  /* promote */
    movgc_handle w = movgc_weak_new(h, obj);
    obj = NULL;
    movgc_collect(h, MOVGC_MINOR);  /* an old object is not judged here */
    ck_assert_ptr_nonnull(movgc_handle_get(h, w));
    ck_assert_int_eq(unbox(movgc_handle_get(h, w)), 9);
    movgc_collect(h, MOVGC_FULL);
    ck_assert_ptr_null(movgc_handle_get(h, w));
    movgc_handle_free(h, w);
    MOVGC_UNFRAME(h);
}
END_TEST

START_TEST(test_weak_does_not_keep_alive_through_strong_handle_drop) {
    void *obj = box(5);
    movgc_handle s = movgc_handle_new(h, obj);
    movgc_handle w = movgc_weak_new(h, obj);
    movgc_collect(h, MOVGC_FULL);
    ck_assert_ptr_eq(movgc_handle_get(h, w), movgc_handle_get(h, s));
    movgc_handle_free(h, s);
    movgc_collect(h, MOVGC_FULL);
    ck_assert_ptr_null(movgc_handle_get(h, w));
    movgc_handle_free(h, w);
}
END_TEST

/* ============================================================= ephemerons */

START_TEST(test_ephemeron_value_lives_while_key_lives) {
    void *key = box(1);
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, key);
    movgc_handle e = movgc_ephemeron_new(h, key, box(100));
    for (int i = 0; i < 4; i++) {
        movgc_collect(h, kinds[i % 2]);
        churn(1000);
        ck_assert_ptr_eq(movgc_handle_get(h, e), key);
        ck_assert_int_eq(unbox(movgc_ephemeron_value(h, e)), 100);
    }
    key = NULL;
    movgc_collect(h, MOVGC_FULL);
    ck_assert_ptr_null(movgc_handle_get(h, e));
    ck_assert_ptr_null(movgc_ephemeron_value(h, e));
    movgc_handle_free(h, e);
    MOVGC_UNFRAME(h);
}
END_TEST

START_TEST(test_ephemeron_value_referencing_key_does_not_keep_it) {
    /* value -> key: a strong path from the value back to the key must not
     * keep the pair alive (the reason ephemerons exist). */
    void *key = box(2), *val = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, key);
    MOVGC_ROOT(h, val);
    val = movgc_alloc(h, T_PAIR, 1, 0);
    movgc_set(h, val, 0, key);
    movgc_handle e = movgc_ephemeron_new(h, key, val);
    key = val = NULL;
    movgc_collect(h, _i == 0 ? MOVGC_MINOR : MOVGC_FULL);
    ck_assert_ptr_null(movgc_handle_get(h, e));
    ck_assert_ptr_null(movgc_ephemeron_value(h, e));
    movgc_handle_free(h, e);
    MOVGC_UNFRAME(h);
}
END_TEST

START_TEST(test_ephemeron_chain) {
    /* k0 -> (e0) -> k1 -> (e1) -> k2 ... : with k0 rooted, every value
     * survives; without it, none does. */
    enum { N = 20 };
    movgc_handle e[N];
    void *k0 = box(0), *k = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, k0);
    MOVGC_ROOT(h, k);
    k = k0;
    for (int i = 0; i < N; i++) {
        void *next = box(i + 1);
        /* reverse order so one pass over the table is not enough */
        e[N - 1 - i] = movgc_ephemeron_new(h, k, next);
        k = next;
    }
    k = NULL;
    for (int round = 0; round < 2; round++) {
        movgc_collect(h, round == 0 ? MOVGC_MINOR : MOVGC_FULL);
        for (int i = 0; i < N; i++) {
            void *v = movgc_ephemeron_value(h, e[N - 1 - i]);
            ck_assert_ptr_nonnull(v);
            ck_assert_int_eq(unbox(v), i + 1);
        }
    }
    k0 = NULL;
    movgc_collect(h, MOVGC_FULL);
    for (int i = 0; i < N; i++) {
        ck_assert_ptr_null(movgc_handle_get(h, e[i]));
        ck_assert_ptr_null(movgc_ephemeron_value(h, e[i]));
        movgc_handle_free(h, e[i]);
    }
    MOVGC_UNFRAME(h);
}
END_TEST

START_TEST(test_ephemeron_cycle_through_values_dies) {
    /* a -> (ea) -> b, b -> (eb) -> a: each key reachable only from the
     * other's value: both die. */
    void *a = box(1), *b = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, a);
    MOVGC_ROOT(h, b);
    b = box(2);
    movgc_handle ea = movgc_ephemeron_new(h, a, b);
    movgc_handle eb = movgc_ephemeron_new(h, b, a);
    movgc_collect(h, MOVGC_FULL);
    ck_assert_int_eq(unbox(movgc_ephemeron_value(h, ea)), 2);
    a = b = NULL;
    movgc_collect(h, MOVGC_FULL);
    ck_assert_ptr_null(movgc_handle_get(h, ea));
    ck_assert_ptr_null(movgc_handle_get(h, eb));
    movgc_handle_free(h, ea);
    movgc_handle_free(h, eb);
    MOVGC_UNFRAME(h);
}
END_TEST

START_TEST(test_ephemeron_value_on_other_handle_is_misuse) {
    movgc_handle s = movgc_handle_new(h, box(1));
    movgc_ephemeron_value(h, s);  /* aborts: not an ephemeron */
}
END_TEST

/* ============================================================= finalizers */

static int finalized[64];
static long seen_value[64];
static movgc_handle resurrected;

static void record(movgc_heap *hh, void *obj, void *ud) {
    (void)hh;
    long i = (long)(intptr_t)ud;
    finalized[i]++;
    seen_value[i] = unbox(obj);
}

START_TEST(test_finalizer_runs_once_and_sees_bytes) {
    memset(finalized, 0, sizeof finalized);
    void *obj = box(1234);
    movgc_set_finalizer(h, obj, record, (void *)(intptr_t)3);
    obj = NULL;
    movgc_collect(h, _i == 0 ? MOVGC_MINOR : MOVGC_FULL);
    ck_assert_int_eq(finalized[3], 1);
    ck_assert_int_eq(seen_value[3], 1234);
    for (int i = 0; i < 4; i++)
        movgc_collect(h, kinds[i % 2]);
    ck_assert_int_eq(finalized[3], 1);
}
END_TEST

START_TEST(test_finalizer_not_run_while_reachable) {
    memset(finalized, 0, sizeof finalized);
    void *obj = box(8);
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, obj);
    movgc_set_finalizer(h, obj, record, (void *)(intptr_t)1);
    for (int i = 0; i < 6; i++) {
        movgc_collect(h, kinds[i % 2]);
        churn(500);
    }
    ck_assert_int_eq(finalized[1], 0);
    obj = NULL;
    movgc_collect(h, MOVGC_FULL);
    ck_assert_int_eq(finalized[1], 1);
    ck_assert_int_eq(seen_value[1], 8);
    MOVGC_UNFRAME(h);
}
END_TEST

START_TEST(test_finalizer_removed_does_not_run) {
    memset(finalized, 0, sizeof finalized);
    void *obj = box(8);
    movgc_set_finalizer(h, obj, record, (void *)(intptr_t)2);
    movgc_set_finalizer(h, obj, NULL, NULL);
    obj = NULL;
    movgc_collect(h, MOVGC_FULL);
    ck_assert_int_eq(finalized[2], 0);
}
END_TEST

static void allocating(movgc_heap *hh, void *obj, void *ud) {
    (void)ud;
    long v = unbox(obj);
    MOVGC_FRAME(hh);
    MOVGC_ROOT(hh, obj);
    int n = scaled(20000);  /* collects from inside */
    for (int i = 0; i < n; i++)
        movgc_alloc(hh, T_NODE, 1, 32);
    movgc_collect(hh, MOVGC_FULL);
    ck_assert_int_eq(unbox(obj), v);  /* rooted, so still readable */
    finalized[10]++;
    MOVGC_UNFRAME(hh);
}

START_TEST(test_finalizer_may_allocate_and_collect) {
    memset(finalized, 0, sizeof finalized);
    for (int i = 0; i < 10; i++)
        movgc_set_finalizer(h, box(i), allocating, NULL);
    movgc_collect(h, MOVGC_FULL);
    ck_assert_int_eq(finalized[10], 10);
}
END_TEST

static void resurrect(movgc_heap *hh, void *obj, void *ud) {
    (void)ud;
    finalized[20]++;
    resurrected = movgc_handle_new(hh, obj);
}

START_TEST(test_finalizer_resurrection_keeps_object_and_referents) {
    memset(finalized, 0, sizeof finalized);
    void *pair = movgc_alloc(h, T_PAIR, 1, 0);
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, pair);
    void *b = box(77);
    movgc_set(h, pair, 0, b);
    movgc_set_finalizer(h, pair, resurrect, NULL);
    pair = NULL;
    movgc_collect(h, MOVGC_FULL);
    ck_assert_int_eq(finalized[20], 1);
    for (int i = 0; i < 4; i++) {
        churn(2000);
        movgc_collect(h, kinds[i % 2]);
    }
    void *back = movgc_handle_get(h, resurrected);
    ck_assert_ptr_nonnull(back);
    ck_assert_int_eq(movgc_tag(back), T_PAIR);
    ck_assert_int_eq(unbox(movgc_get(back, 0)), 77);
    movgc_handle_free(h, resurrected);
    movgc_collect(h, MOVGC_FULL);
    ck_assert_int_eq(finalized[20], 1);  /* once, even after resurrection */
    MOVGC_UNFRAME(h);
}
END_TEST

static int order[8], norder;

static void ordered(movgc_heap *hh, void *obj, void *ud) {
    (void)hh;
    (void)obj;
    order[norder++] = (int)(intptr_t)ud;
}

START_TEST(test_finalizers_run_referrer_first) {
    /* a -> b, both finalizable and dead: a's finalizer runs first, and b is
     * still intact when it does. */
    norder = 0;
    void *a = movgc_alloc(h, T_PAIR, 1, 0), *b = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, a);
    MOVGC_ROOT(h, b);
    b = box(5);
    movgc_set(h, a, 0, b);
    movgc_set_finalizer(h, b, ordered, (void *)2);
    movgc_set_finalizer(h, a, ordered, (void *)1);
    a = b = NULL;
    /* minor collections find them if they are still young (not so under
     * MOVGC_STRESS, which promotes early): full ones always do */
    for (int i = 0; i < 6 && norder < 2; i++)
        movgc_collect(h, _i == 0 && i < 2 ? MOVGC_MINOR : MOVGC_FULL);
    ck_assert_int_eq(norder, 2);
    ck_assert_int_eq(order[0], 1);
    ck_assert_int_eq(order[1], 2);
    MOVGC_UNFRAME(h);
}
END_TEST

START_TEST(test_weak_cleared_before_finalizer_runs) {
    memset(finalized, 0, sizeof finalized);
    void *obj = box(3);
    movgc_handle w = movgc_weak_new(h, obj);
    movgc_set_finalizer(h, obj, record, (void *)(intptr_t)4);
    obj = NULL;
    movgc_collect(h, MOVGC_FULL);
    ck_assert_int_eq(finalized[4], 1);
    ck_assert_ptr_null(movgc_handle_get(h, w));
    movgc_handle_free(h, w);
}
END_TEST

START_TEST(test_heap_free_runs_no_finalizers) {
    memset(finalized, 0, sizeof finalized);
    movgc_heap *other = movgc_heap_new(NULL);
    void *obj = movgc_alloc(other, T_BOX, 0, sizeof(long));
    movgc_set_finalizer(other, obj, record, (void *)(intptr_t)5);
    movgc_heap_free(other);
    ck_assert_int_eq(finalized[5], 0);
}
END_TEST

/* ========================================================= identity hash */

START_TEST(test_identity_hash_stable_across_moves) {
    enum { N = 200 };
    void *arr = movgc_alloc(h, T_NODE, N, 0), *spacers = NULL;
    uint64_t hashes[N];
    uintptr_t addrs[N];
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, arr);
    MOVGC_ROOT(h, spacers);
    spacers = movgc_alloc(h, T_NODE, N, 0);
    for (int i = 0; i < N; i++) {
        void *sp = movgc_alloc(h, T_NODE, 0, 40);  /* garbage-to-be below */
        movgc_set(h, spacers, (size_t)i, sp);
        void *b = box(i);
        movgc_set(h, arr, (size_t)i, b);
    }
    for (int i = 0; i < N; i++) {
        hashes[i] = movgc_identity_hash(h, movgc_get(arr, (size_t)i));
        addrs[i] = (uintptr_t)movgc_get(arr, (size_t)i);
    }
    spacers = NULL;  /* now full collections slide the boxes down */
    for (int round = 0; round < 6; round++) {
        churn(3000);
        movgc_collect(h, kinds[round % 2]);
        for (int i = 0; i < N; i++) {
            ck_assert_int_eq(unbox(movgc_get(arr, (size_t)i)), i);
            ck_assert_uint_eq(movgc_identity_hash(h, movgc_get(arr, (size_t)i)),
                              hashes[i]);
        }
    }
    int moved = 0;
    for (int i = 0; i < N; i++)
        moved += (uintptr_t)movgc_get(arr, (size_t)i) != addrs[i];
    ck_assert_int_eq(moved, N);  /* the test proved something */
    MOVGC_UNFRAME(h);
}
END_TEST

START_TEST(test_identity_hash_distinct_and_spread) {
    const int N = getenv("MOVGC_STRESS") ? 1024 : 4096;
    void *arr = movgc_alloc(h, T_NODE, N, 0);
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, arr);
    for (int i = 0; i < N; i++)
        movgc_set(h, arr, (size_t)i, box(i));
    movgc_collect(h, MOVGC_FULL);
    /* Low bits index a table: the 64 buckets' counts must look uniform.
     * Chi-square with 63 degrees of freedom: a uniform hash exceeds 120
     * with probability about 1e-5 (the salt differs between runs, so this
     * bound, not a lucky seed, keeps the test from flaking). */
    int buckets[64] = {0};
    for (int i = 0; i < N; i++) {
        uint64_t x = movgc_identity_hash(h, movgc_get(arr, (size_t)i));
        buckets[x & 63]++;
        for (int j = 0; j < i && j < 64; j++)
            ck_assert_uint_ne(x, movgc_identity_hash(h, movgc_get(arr, (size_t)j)));
    }
    double expected = N / 64.0, chi2 = 0;
    for (int b = 0; b < 64; b++) {
        ck_assert_int_gt(buckets[b], 0);
        chi2 += (buckets[b] - expected) * (buckets[b] - expected) / expected;
    }
    ck_assert_msg(chi2 < 120, "identity hashes not uniform: chi-square %.1f", chi2);
    MOVGC_UNFRAME(h);
}
END_TEST

/* ===================================== worked example: a weak-keyed table */

/* A table keyed by object identity whose entries disappear with their keys:
 * buckets of ephemeron handles, chosen by the key's identity hash. */
struct wtable {
    movgc_handle *slots;  /* open addressing; id 0 empty */
    size_t cap;
};

static void wt_put(struct wtable *t, void *key, void *value) {
    uint64_t hash = movgc_identity_hash(h, key);
    for (size_t i = hash % t->cap;; i = (i + 1) % t->cap) {
        movgc_handle e = t->slots[i];
        if (e.id && movgc_handle_get(h, e) == NULL) {  /* key died: reuse */
            movgc_handle_free(h, e);
            t->slots[i].id = 0;
        }
        if (t->slots[i].id == 0) {
            t->slots[i] = movgc_ephemeron_new(h, key, value);
            return;
        }
    }
}

static void *wt_get(struct wtable *t, void *key) {
    uint64_t hash = movgc_identity_hash(h, key);
    for (size_t i = hash % t->cap, n = 0; n < t->cap; i = (i + 1) % t->cap, n++) {
        movgc_handle e = t->slots[i];
        if (e.id == 0)
            return NULL;
        if (movgc_handle_get(h, e) == key)
            return movgc_ephemeron_value(h, e);
    }
    return NULL;
}

static size_t wt_live(struct wtable *t) {
    size_t n = 0;
    for (size_t i = 0; i < t->cap; i++)
        n += t->slots[i].id && movgc_handle_get(h, t->slots[i]) != NULL;
    return n;
}

START_TEST(test_weak_keyed_table_drops_dead_keys) {
    enum { N = 300 };
    struct wtable t = {calloc(1024, sizeof(movgc_handle)), 1024};
    void *keys = movgc_alloc(h, T_NODE, N, 0);
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, keys);
    for (int i = 0; i < N; i++) {
        void *k = box(i);
        movgc_set(h, keys, (size_t)i, k);
        void *v = movgc_alloc(h, T_PAIR, 1, sizeof(long));
        *(long *)movgc_data(v) = 1000 + i;
        movgc_set(h, v, 0, movgc_get(keys, (size_t)i));  /* value -> key */
        wt_put(&t, movgc_get(keys, (size_t)i), v);
    }
    for (int round = 0; round < 4; round++) {
        churn(2000);
        movgc_collect(h, kinds[round % 2]);
    }
    for (int i = 0; i < N; i++) {
        void *v = wt_get(&t, movgc_get(keys, (size_t)i));
        ck_assert_ptr_nonnull(v);
        ck_assert_int_eq(*(long *)movgc_data(v), 1000 + i);
        ck_assert_ptr_eq(movgc_get(v, 0), movgc_get(keys, (size_t)i));
    }
    for (int i = 0; i < N; i += 2)  /* drop the even keys */
        movgc_set(h, keys, (size_t)i, NULL);
    movgc_collect(h, MOVGC_FULL);
    ck_assert_uint_eq(wt_live(&t), N / 2);
    for (int i = 1; i < N; i += 2)
        ck_assert_int_eq(*(long *)movgc_data(wt_get(&t, movgc_get(keys, (size_t)i))),
                         1000 + i);
    for (size_t i = 0; i < t.cap; i++)
        if (t.slots[i].id)
            movgc_handle_free(h, t.slots[i]);
    free(t.slots);
    MOVGC_UNFRAME(h);
}
END_TEST

/* ================================================ randomized mixture */

/* A random graph held by a root array; weak handles, ephemerons and
 * finalizers on random objects.  A model tracks which ids are reachable
 * (by a reachability pass over the real graph taken before each
 * collection) and checks every weak/ephemeron/finalizer outcome after. */
enum { RN = 400, RW = 64 };

static uint64_t rng;
static uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int fin_count[100000];

static void count_fin(movgc_heap *hh, void *obj, void *ud) {
    (void)hh;
    (void)ud;
    fin_count[unbox(obj) % 100000]++;
}

/* ids reachable from the root array, via slots (ids in raw bytes) */
static void reach(void *obj, char *seen) {
    if (!obj)
        return;
    long id = unbox(obj) % 100000;
    if (seen[id])
        return;
    seen[id] = 1;
    for (size_t i = 0; i < movgc_nrefs(obj); i++)
        reach(movgc_get(obj, i), seen);
}

START_TEST(test_random_weak_ephemeron_finalizer_mix) {
    const char *s = getenv("MOVGC_TEST_SEED");
    rng = s ? strtoull(s, NULL, 10) : 12345;
    printf("test_random_weak_ephemeron_finalizer_mix: seed %llu\n",
           (unsigned long long)rng);
    int rounds = getenv("MOVGC_STRESS") ? 15 : 60;
    memset(fin_count, 0, sizeof fin_count);
    static char seen[100000];
    void *roots = movgc_alloc(h, T_NODE, RN, 0), *o = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, roots);
    MOVGC_ROOT(h, o);
    movgc_handle weak[RW] = {{0}};
    long weak_id[RW];
    movgc_handle eph[RW] = {{0}};
    long eph_key[RW], eph_val[RW];
    char has_fin[100000] = {0};
    long next = 1;
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < 200; k++) {
            size_t i = rnd() % RN;
            o = movgc_alloc(h, T_BOX, rnd() % 3, sizeof(long));
            *(long *)movgc_data(o) = next;
            for (size_t j = 0; j < movgc_nrefs(o); j++)
                movgc_set(h, o, j, movgc_get(roots, rnd() % RN));
            if (rnd() % 4 == 0) {
                movgc_set_finalizer(h, o, count_fin, NULL);
                has_fin[next] = 1;
            }
            next++;
            movgc_set(h, roots, i, rnd() % 3 ? o : NULL);
        }
        for (int k = 0; k < 8; k++) {
            size_t w = rnd() % RW;
            void *target = movgc_get(roots, rnd() % RN);
            if (target && !weak[w].id) {
                weak[w] = movgc_weak_new(h, target);
                weak_id[w] = unbox(target);
            }
            size_t e = rnd() % RW;
            void *key = movgc_get(roots, rnd() % RN);
            void *val = movgc_get(roots, rnd() % RN);
            if (key && val && !eph[e].id) {
                eph[e] = movgc_ephemeron_new(h, key, val);
                eph_key[e] = unbox(key);
                eph_val[e] = unbox(val);
            }
        }
        /* what the collection must keep: reachable from roots; values of
         * ephemerons whose keys are kept, to a fixpoint */
        memset(seen, 0, (size_t)next);
        reach(roots, seen);
        for (int changed = 1; changed;) {
            changed = 0;
            for (int e = 0; e < RW; e++)
                if (eph[e].id && movgc_handle_get(h, eph[e]) && seen[eph_key[e]] &&
                    !seen[eph_val[e]]) {
                    reach(movgc_ephemeron_value(h, eph[e]), seen);
                    changed = 1;
                }
        }
        movgc_collect(h, rnd() % 3 ? MOVGC_MINOR : MOVGC_FULL);
        for (int w = 0; w < RW; w++) {
            if (!weak[w].id)
                continue;
            void *t = movgc_handle_get(h, weak[w]);
            if (seen[weak_id[w]]) {
                ck_assert_ptr_nonnull(t);
                ck_assert_int_eq(unbox(t), weak_id[w]);
            } else if (!t || rnd() % 2) {
                movgc_handle_free(h, weak[w]);
                weak[w].id = 0;
            }
        }
        for (int e = 0; e < RW; e++) {
            if (!eph[e].id)
                continue;
            void *k = movgc_handle_get(h, eph[e]);
            if (seen[eph_key[e]]) {
                ck_assert_ptr_nonnull(k);
                ck_assert_int_eq(unbox(k), eph_key[e]);
                ck_assert_int_eq(unbox(movgc_ephemeron_value(h, eph[e])), eph_val[e]);
            } else if (!k) {
                ck_assert_ptr_null(movgc_ephemeron_value(h, eph[e]));
                movgc_handle_free(h, eph[e]);
                eph[e].id = 0;
            }
        }
        for (long id = 1; id < next; id++) {
            ck_assert_int_le(fin_count[id], 1);       /* never twice */
            if (seen[id])
                ck_assert_int_eq(fin_count[id], 0);   /* never while reachable */
        }
    }
    /* Everything unreachable at the end is finalized, one level of a chain
     * of finalizable objects per full collection (the graph is acyclic:
     * slots only point at older objects). */
    for (size_t i = 0; i < RN; i++)
        movgc_set(h, roots, i, NULL);
    o = NULL;
    long total = -1, now = 0;
    for (int k = 0; k < 1000 && now != total; k++) {
        total = now;
        movgc_collect(h, MOVGC_FULL);
        now = 0;
        for (long id = 1; id < next; id++)
            now += fin_count[id];
    }
    for (long id = 1; id < next; id++)
        ck_assert_int_eq(fin_count[id], has_fin[id]);
    for (int w = 0; w < RW; w++) {
        if (weak[w].id) {
            ck_assert_ptr_null(movgc_handle_get(h, weak[w]));
            movgc_handle_free(h, weak[w]);
        }
        if (eph[w].id) {
            ck_assert_ptr_null(movgc_handle_get(h, eph[w]));
            movgc_handle_free(h, eph[w]);
        }
    }
    MOVGC_UNFRAME(h);
}
END_TEST

static Suite *weak_suite(void) {
    Suite *s = suite_create("weak");
    TCase *tc = tcase_create("weak handles");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_weak_follows_live_object_across_moves);
    tcase_add_test(tc, test_weak_cleared_when_young_object_dies);
    tcase_add_test(tc, test_weak_cleared_when_old_object_dies_only_in_full);
    tcase_add_test(tc, test_weak_does_not_keep_alive_through_strong_handle_drop);
    suite_add_tcase(s, tc);

    tc = tcase_create("ephemerons");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_ephemeron_value_lives_while_key_lives);
    tcase_add_loop_test(tc, test_ephemeron_value_referencing_key_does_not_keep_it, 0, 2);
    tcase_add_test(tc, test_ephemeron_chain);
    tcase_add_test(tc, test_ephemeron_cycle_through_values_dies);
    tcase_add_test(tc, test_weak_keyed_table_drops_dead_keys);
    suite_add_tcase(s, tc);

    tc = tcase_create("finalizers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_finalizer_runs_once_and_sees_bytes, 0, 2);
    tcase_add_test(tc, test_finalizer_not_run_while_reachable);
    tcase_add_test(tc, test_finalizer_removed_does_not_run);
    tcase_add_test(tc, test_finalizer_may_allocate_and_collect);
    tcase_add_test(tc, test_finalizer_resurrection_keeps_object_and_referents);
    tcase_add_loop_test(tc, test_finalizers_run_referrer_first, 0, 2);
    tcase_add_test(tc, test_weak_cleared_before_finalizer_runs);
    tcase_add_test(tc, test_heap_free_runs_no_finalizers);
    suite_add_tcase(s, tc);

    tc = tcase_create("identity");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_identity_hash_stable_across_moves);
    tcase_add_test(tc, test_identity_hash_distinct_and_spread);
    suite_add_tcase(s, tc);

    tc = tcase_create("random");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_random_weak_ephemeron_finalizer_mix);
    suite_add_tcase(s, tc);

    tc = tcase_create("misuse");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test_raise_signal(tc, test_ephemeron_value_on_other_handle_is_misuse, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(weak_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

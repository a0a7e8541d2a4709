/* check_final.c -- finalizer order and leaks with back pointers, finalizers
 * run on every exit of movgc_pin, the shadow-stack discipline around each
 * finalizer, long ephemeron chains, and stale nursery pointers met by a
 * full collection. */
#include "testutil.h"

#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

enum { T_BOX = 1, T_PAIR = 2, T_BIG = 3 };

static int ran[16];
static int order[16], norder;

static void record(movgc_heap *h, void *obj, void *ud)
{
    (void)h;
    (void)obj;
    int k = (int)(intptr_t)ud;
    ran[k]++;
    order[norder++] = k;
}

static void reset(void)
{
    memset(ran, 0, sizeof ran);
    norder = 0;
}

static movgc_stats stats(void)
{
    movgc_stats st;
    movgc_get_stats(H, &st, sizeof st);
    return st;
}

/* ==== 1: movgc_pin runs what its collection queued ======================= */

START_TEST(test_pin_null_after_its_collection_runs_finalizers)
{
    reset();
    void *obj = movgc_alloc(H, T_BOX, 0, 8);
    movgc_set_finalizer(H, obj, record, (void *)1);
    movgc_handle w = movgc_weak_new(H, obj);
    obj = NULL;
    /* young, so movgc_pin collects; only the weak handle held it */
    ck_assert_ptr_null(movgc_pin(H, w));
    ck_assert_int_eq(ran[1], 1);
    ck_assert_ptr_null(movgc_handle_get(H, w));
    ck_assert_int_eq(tu_err.count, 0);
    movgc_handle_free(H, w);
}
END_TEST

/* ==== 2: back pointers do not hold a finalizable object ================== */

/* P (finalizer) -> C -> P, C a 4 KiB child without a finalizer. */
static void *back_pointer_pair(int k)
{
    void *p = movgc_alloc(H, T_PAIR, 1, 0), *c = NULL;
    MOVGC_FRAME(H);
    MOVGC_ROOT(H, p);
    MOVGC_ROOT(H, c);
    c = movgc_alloc(H, T_BIG, 1, 4096);
    movgc_set(H, c, 0, p);
    movgc_set(H, p, 0, c);
    movgc_set_finalizer(H, p, record, (void *)(intptr_t)k);
    MOVGC_RETURN(H, p);
}

START_TEST(test_finalizer_back_pointer_cycle_is_finalized)
{
    reset();
    back_pointer_pair(1);
    movgc_collect(H, _i == 0 ? MOVGC_MINOR : MOVGC_FULL);
    movgc_collect(H, MOVGC_FULL);
    ck_assert_int_eq(ran[1], 1);
    ck_assert_uint_eq(stats().finalizers_held, 0);
}
END_TEST

static int pairs_ran;
static void count_pair(movgc_heap *h, void *obj, void *ud)
{
    (void)h;
    (void)ud;
    ck_assert_uint_eq(movgc_tag(movgc_get(obj, 0)), T_BIG);
    pairs_ran++;
}

START_TEST(test_finalizer_back_pointer_pairs_do_not_leak)
{
    size_t n = tu_scale(2000, 100);
    pairs_ran = 0;
    for (size_t i = 0; i < n; i++) {
        void *p = back_pointer_pair(0);
        movgc_set_finalizer(H, p, count_pair, NULL);
    }
    movgc_collect(H, MOVGC_FULL);  /* finalizes them */
    movgc_collect(H, MOVGC_FULL);  /* frees them */
    ck_assert_uint_eq(pairs_ran, n);
    movgc_stats st = stats();
    ck_assert_uint_eq(st.finalizers_held, 0);
    ck_assert_uint_lt(st.live_bytes, 64 * 1024);
}
END_TEST

START_TEST(test_finalizer_ordered_before_back_pointer_object)
{
    /* Q (finalizer) -> P (finalizer) -> C -> P: Q runs first, P in a later
     * collection, and P is intact when Q's finalizer runs. */
    reset();
    void *q = movgc_alloc(H, T_PAIR, 1, 0);
    MOVGC_FRAME(H);
    MOVGC_ROOT(H, q);
    void *p = back_pointer_pair(2);
    movgc_set(H, q, 0, p);
    movgc_set_finalizer(H, q, record, (void *)1);
    q = NULL;
    for (int i = 0; i < 6 && norder < 2; i++)
        movgc_collect(H, MOVGC_FULL);
    ck_assert_int_eq(norder, 2);
    ck_assert_int_eq(order[0], 1);
    ck_assert_int_eq(order[1], 2);
    MOVGC_UNFRAME(H);
}
END_TEST

START_TEST(test_finalizer_cycle_of_two_is_held_and_counted)
{
    /* P <-> Q, both finalizable: never finalized, counted as held. */
    reset();
    void *p = movgc_alloc(H, T_PAIR, 1, 0), *q = NULL;
    MOVGC_FRAME(H);
    MOVGC_ROOT(H, p);
    MOVGC_ROOT(H, q);
    q = movgc_alloc(H, T_PAIR, 1, 0);
    movgc_set(H, p, 0, q);
    movgc_set(H, q, 0, p);
    movgc_set_finalizer(H, p, record, (void *)1);
    movgc_set_finalizer(H, q, record, (void *)2);
    p = q = NULL;
    for (int i = 0; i < 3; i++)
        movgc_collect(H, MOVGC_FULL);
    ck_assert_int_eq(norder, 0);
    ck_assert_uint_eq(stats().finalizers_held, 2);
    MOVGC_UNFRAME(H);
}
END_TEST

/* ==== 3: long ephemeron chains ============================================ */

START_TEST(test_ephemeron_long_reverse_chain)
{
    /* k0 -> eph -> k1 -> eph -> ... -> k(n-1) -> eph -> tail, the
     * ephemerons made from the end back, so each table sweep in handle
     * order would settle one link.  Only k0 is rooted. */
    size_t n = tu_scale(40000, 2000);
    movgc_handle *e = malloc(n * sizeof *e);
    movgc_handle keys = movgc_handle_new(H, movgc_alloc(H, T_PAIR, n + 1, 0));
    for (size_t i = 0; i <= n; i++) {
        void *k = movgc_alloc(H, T_BOX, 0, 8);
        tu_set_u64(k, i);
        movgc_set(H, movgc_handle_get(H, keys), i, k);
    }
    for (size_t i = n; i-- > 0;) {
        void *arr = movgc_handle_get(H, keys);
        e[i] = movgc_ephemeron_new(H, movgc_get(arr, i), movgc_get(arr, i + 1));
    }
    void *k0 = movgc_get(movgc_handle_get(H, keys), 0);
    MOVGC_FRAME(H);
    MOVGC_ROOT(H, k0);
    movgc_handle_free(H, keys);
    for (int round = 0; round < 2; round++) {
        movgc_collect(H, round == 0 ? MOVGC_MINOR : MOVGC_FULL);
        ck_assert_ptr_eq(movgc_handle_get(H, e[0]), k0);
        for (size_t i = 0; i < n; i++) {
            void *v = movgc_ephemeron_value(H, e[i]);
            ck_assert_ptr_nonnull(v);
            ck_assert_uint_eq(tu_u64(v), i + 1);
            if (i + 1 < n)
                ck_assert_ptr_eq(movgc_handle_get(H, e[i + 1]), v);
        }
    }
    k0 = NULL;
    movgc_collect(H, MOVGC_FULL);
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_null(movgc_handle_get(H, e[i]));
        ck_assert_ptr_null(movgc_ephemeron_value(H, e[i]));
        movgc_handle_free(H, e[i]);
    }
    MOVGC_UNFRAME(H);
    free(e);
}
END_TEST

/* ==== 4: shadow stack and longjmp around finalizers ====================== */

static void leaves_a_root(movgc_heap *h, void *obj, void *ud)
{
    (void)ud;
    static void *slot;
    slot = obj;
    movgc_push_root(h, &slot);
}

static void finalizer_leaves_root_pushed(void *arg)
{
    (void)arg;
    movgc_heap *h = movgc_heap_new(NULL);
    movgc_set_finalizer(h, movgc_alloc(h, T_PAIR, 1, 8), leaves_a_root, NULL);
    movgc_collect(h, MOVGC_FULL);
}

START_TEST(test_finalizer_leaving_roots_pushed_aborts)
{
    struct tu_child c;
    tu_run_child(finalizer_leaves_root_pushed, NULL, &c);
    tu_assert_aborted(&c, "movgc: misuse of the API: a finalizer (object ");
    tu_assert_aborted(&c, "returned with the shadow stack at depth 1, called at "
                          "0: it left roots pushed (a skipped movgc_pop_roots?)");
}
END_TEST

START_TEST(test_finalizer_leaving_roots_pushed_is_restored)
{
    reset();
    void *a = NULL;
    movgc_push_root(H, &a);
    movgc_set_finalizer(H, movgc_alloc(H, T_PAIR, 1, 8), leaves_a_root, NULL);
    movgc_collect(H, MOVGC_FULL);
    ck_assert_uint_eq(tu_err.by_code[MOVGC_E_MISUSE], 1);
    ck_assert_ptr_nonnull(strstr(tu_err.msg, "left roots pushed"));
    ck_assert_uint_eq(movgc_roots_depth(H), 1);
    movgc_pop_roots(H, 1);
}
END_TEST

static jmp_buf escape;

static void jumps_out(movgc_heap *h, void *obj, void *ud)
{
    (void)obj;
    (void)ud;
    void *x = movgc_alloc(h, T_BOX, 0, 8);  /* a root of its own, then leave */
    movgc_push_root(h, &x);
    ran[1]++;
    longjmp(escape, 1);
}

START_TEST(test_finalizer_longjmp_does_not_stop_later_ones)
{
    reset();
    size_t depth = movgc_roots_depth(H);
    void *a = movgc_alloc(H, T_BOX, 0, 8), *b = NULL;
    ROOT(a);
    ROOT(b);
    b = movgc_alloc(H, T_BOX, 0, 8);
    movgc_set_finalizer(H, a, jumps_out, NULL);
    movgc_set_finalizer(H, b, record, (void *)2);
    if (setjmp(escape) == 0) {
        movgc_pop_roots(H, 2);  /* a's finalizer runs first, then b's */
        movgc_collect(H, MOVGC_FULL);
    }
    movgc_roots_restore(H, depth);
    ck_assert_int_eq(ran[1], 1);
    ck_assert_int_eq(ran[2], 0);
    movgc_collect(H, MOVGC_MINOR);  /* runs what is still pending */
    ck_assert_int_eq(ran[1], 1);
    ck_assert_int_eq(ran[2], 1);
    /* and later ones too */
    movgc_set_finalizer(H, movgc_alloc(H, T_BOX, 0, 8), record, (void *)3);
    movgc_collect(H, MOVGC_FULL);
    ck_assert_int_eq(ran[3], 1);
    ck_assert_int_eq(tu_err.count, 0);
}
END_TEST

/* ==== 5: a stale pointer into the empty semispace ======================== */

static void full_gc_meets_stale_young_pointer(void *arg)
{
    movgc_config c;
    memset(&c, 0, sizeof c);
    c.flags = *(unsigned *)arg;
    movgc_heap *h = movgc_heap_new(&c);
    void *keep = movgc_alloc(h, T_BOX, 0, 8);
    movgc_push_root(h, &keep);
    void *stale = movgc_alloc(h, T_BOX, 0, 8);  /* not rooted */
    movgc_collect(h, MOVGC_MINOR);  /* 'stale' now points into empty 'to' */
    movgc_push_root(h, &stale);
    movgc_collect(h, MOVGC_FULL);
}

START_TEST(test_full_gc_reports_stale_nursery_pointer)
{
    static unsigned flags[] = {0, MOVGC_VERIFY};
    struct tu_child c;
    tu_run_child(full_gc_meets_stale_young_pointer, &flags[_i], &c);
    tu_assert_aborted(&c, "movgc: heap corruption detected: ");
    const char *env = getenv("MOVGC_VERIFY");
    if (_i == 0 && !(env && strcmp(env, "1") == 0))  /* else verify stops first */
        tu_assert_aborted(&c, "points into the nursery but at no object");
}
END_TEST

static Suite *final_suite(void)
{
    Suite *s = suite_create("final");
    TCase *tc = tu_tcase("pin");
    tcase_add_test(tc, test_pin_null_after_its_collection_runs_finalizers);
    suite_add_tcase(s, tc);
    tc = tu_tcase("order");
    tcase_add_loop_test(tc, test_finalizer_back_pointer_cycle_is_finalized, 0, 2);
    tcase_add_test(tc, test_finalizer_back_pointer_pairs_do_not_leak);
    tcase_add_test(tc, test_finalizer_ordered_before_back_pointer_object);
    tcase_add_test(tc, test_finalizer_cycle_of_two_is_held_and_counted);
    suite_add_tcase(s, tc);
    tc = tu_tcase("ephemerons");
    tcase_add_test(tc, test_ephemeron_long_reverse_chain);
    suite_add_tcase(s, tc);
    tc = tu_tcase("discipline");
    tcase_add_test(tc, test_finalizer_leaving_roots_pushed_aborts);
    tcase_add_test(tc, test_finalizer_leaving_roots_pushed_is_restored);
    tcase_add_test(tc, test_finalizer_longjmp_does_not_stop_later_ones);
    suite_add_tcase(s, tc);
    tc = tu_tcase_bare("stale");
    tcase_add_loop_test(tc, test_full_gc_reports_stale_nursery_pointer, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(final_suite());
}

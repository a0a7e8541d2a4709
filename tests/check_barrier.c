/* check_barrier.c -- the write barrier and remembered set, including the
 * card tables of large objects: old-to-young references must survive minor
 * collections, whichever way the old object became old. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "movgc.h"

enum { T_BOX = 1, T_ARR = 2 };

static movgc_heap *h;
static void setup(void) { h = movgc_heap_new(NULL); }
static void teardown(void) { movgc_heap_free(h); }

static void *box(long v) {
    void *b = movgc_alloc(h, T_BOX, 0, sizeof(long));
    *(long *)movgc_data(b) = v;
    return b;
}

static long unbox(void *b) { return *(long *)movgc_data(b); }

static int stressed(void) { return getenv("MOVGC_STRESS") != NULL; }

/* Old array (promoted by a full collection, or large from the start) gets
 * young boxes in scattered slots; nothing else references them. */
static void store_young_into_old(size_t nslots, size_t every, int rounds) {
    void *arr = movgc_alloc(h, T_ARR, nslots, 0);
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, arr);
    movgc_collect(h, MOVGC_FULL);  /* small arrays: now old */
    for (int r = 0; r < rounds; r++) {
        for (size_t i = (size_t)r % every; i < nslots; i += every) {
            void *b = box((long)(i * 1000 + (size_t)r));
            movgc_set(h, arr, i, b);
        }
        movgc_collect(h, MOVGC_MINOR);
        movgc_collect(h, MOVGC_MINOR);
        for (size_t i = (size_t)r % every; i < nslots; i += every) {
            void *b = movgc_get(arr, i);
            ck_assert_ptr_nonnull(b);
            ck_assert_int_eq(movgc_tag(b), T_BOX);
            ck_assert_int_eq(unbox(b), (long)(i * 1000 + (size_t)r));
        }
    }
    movgc_collect(h, MOVGC_FULL);
    for (size_t i = 0; i < nslots; i++) {
        void *b = movgc_get(arr, i);
        if (b)
            ck_assert_int_eq(unbox(b) / 1000, (long)i);
    }
    MOVGC_UNFRAME(h);
}

START_TEST(test_barrier_small_old_object_keeps_young_referents) {
    store_young_into_old(8, 3, 6);
}
END_TEST

START_TEST(test_barrier_carded_large_array_keeps_young_referents) {
    /* 100000 slots: a large object with a card table */
    store_young_into_old(100000, stressed() ? 9973 : 997, stressed() ? 3 : 8);
}
END_TEST

START_TEST(test_barrier_card_boundaries) {
    /* slots on both sides of every card boundary, and the last slot */
    enum { N = 128 * 20 + 5 };
    void *arr = movgc_alloc(h, T_ARR, N, 0);
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, arr);
    for (size_t c = 1; c <= 20; c++) {
        movgc_set(h, arr, c * 128 - 1, box((long)(c * 128 - 1)));
        movgc_set(h, arr, c * 128, box((long)(c * 128)));
    }
    movgc_set(h, arr, N - 1, box(N - 1));
    for (int k = 0; k < 4; k++)
        movgc_collect(h, MOVGC_MINOR);
    for (size_t c = 1; c <= 20; c++) {
        ck_assert_int_eq(unbox(movgc_get(arr, c * 128 - 1)), (long)(c * 128 - 1));
        ck_assert_int_eq(unbox(movgc_get(arr, c * 128)), (long)(c * 128));
    }
    ck_assert_int_eq(unbox(movgc_get(arr, N - 1)), N - 1);
    MOVGC_UNFRAME(h);
}
END_TEST

START_TEST(test_barrier_chain_through_old_objects) {
    /* old a -> young b -> young c: c reachable only via the remembered a */
    void *a = movgc_alloc(h, T_ARR, 1, 0);
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, a);
    movgc_collect(h, MOVGC_FULL);
    void *b = movgc_alloc(h, T_ARR, 1, 0);
    movgc_set(h, a, 0, b);
    void *c = box(99);
    movgc_set(h, movgc_get(a, 0), 0, c);
    for (int k = 0; k < 5; k++)
        movgc_collect(h, MOVGC_MINOR);
    ck_assert_int_eq(unbox(movgc_get(movgc_get(a, 0), 0)), 99);
    MOVGC_UNFRAME(h);
}
END_TEST

START_TEST(test_barrier_overwritten_reference_is_forgotten) {
    /* after the young referent is replaced by NULL the old object leaves
     * the remembered set; the heap stays consistent (VERIFY checks) */
    void *a = movgc_alloc(h, T_ARR, 4, 0);
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, a);
    movgc_collect(h, MOVGC_FULL);
    movgc_set(h, a, 2, box(1));
    movgc_set(h, a, 2, NULL);
    movgc_collect(h, MOVGC_MINOR);
    movgc_set(h, a, 3, box(2));
    movgc_collect(h, MOVGC_MINOR);
    ck_assert_int_eq(unbox(movgc_get(a, 3)), 2);
    MOVGC_UNFRAME(h);
}
END_TEST

int main(void) {
    Suite *s = suite_create("barrier");
    TCase *tc = tcase_create("remembered set");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_barrier_small_old_object_keeps_young_referents);
    tcase_add_test(tc, test_barrier_carded_large_array_keeps_young_referents);
    tcase_add_test(tc, test_barrier_card_boundaries);
    tcase_add_test(tc, test_barrier_chain_through_old_objects);
    tcase_add_test(tc, test_barrier_overwritten_reference_is_forgotten);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

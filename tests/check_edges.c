/* check_edges.c -- objects at the edges of the spaces (0-byte objects whose
 * address is one past their header, at the very end of a semispace or of
 * the old space), and the cases a review of the runtime turned up. */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

#include "movgc.h"
#include "movgc_testing.h"

static movgc_heap *h;
static void setup(void) {
    movgc_config cfg = {.nursery_bytes = 64 << 10, .flags = MOVGC_VERIFY};
    h = movgc_heap_new(&cfg);
}
static void teardown(void) { movgc_heap_free(h); }

/* Fill the nursery with back-to-back 8-byte objects, all kept: one of them
 * ends each semispace exactly, so its address is the semispace's end. */
START_TEST(test_edges_empty_objects_fill_semispaces_exactly) {
    size_t n = getenv("MOVGC_STRESS") ? 3000 : 40000;
    void *arr = movgc_alloc(h, 1, n, 0);  /* large: never moves */
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, arr);
    for (size_t i = 0; i < n; i++) {
        void *e = movgc_alloc(h, (unsigned)(i % 60000) + 1, 0, 0);
        movgc_set(h, arr, i, e);
    }
    for (int k = 0; k < 4; k++) {
        movgc_collect(h, k == 3 ? MOVGC_FULL : MOVGC_MINOR);
        for (size_t i = 0; i < n; i++) {
            void *e = movgc_get(arr, i);
            ck_assert_uint_eq(movgc_tag(e), (unsigned)(i % 60000) + 1);
            ck_assert_uint_eq(movgc_nrefs(e), 0);
            ck_assert_uint_eq(movgc_nbytes(e), 0);
            if (i > 0)
                ck_assert_ptr_ne(e, movgc_get(arr, i - 1));
        }
    }
    MOVGC_UNFRAME(h);
}
END_TEST

/* The last object promoted, and so the last of the old space, is empty. */
START_TEST(test_edges_empty_object_ends_old_space) {
    void *list = NULL, *e = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, list);
    MOVGC_ROOT(h, e);
    for (int i = 0; i < 100; i++) {
        void *cell = movgc_alloc(h, 2, 2, 0);
        movgc_set(h, cell, 1, list);
        list = cell;
        e = movgc_alloc(h, 3, 0, 0);
        movgc_set(h, list, 0, e);
    }
    movgc_handle hd = movgc_handle_new(h, e);  /* last: also a root */
    for (int k = 0; k < 3; k++) {
        movgc_collect(h, MOVGC_FULL);
        int n = 0;
        for (void *c = list; c; c = movgc_get(c, 1), n++)
            ck_assert_uint_eq(movgc_tag(movgc_get(c, 0)), 3);
        ck_assert_int_eq(n, 100);
        ck_assert_ptr_eq(movgc_handle_get(h, hd), e);
        ck_assert_ptr_eq(movgc_get(list, 0), e);
    }
    movgc_handle_free(h, hd);
    MOVGC_UNFRAME(h);
}
END_TEST

/* Objects hashed one after another at the same nursery address (each is
 * promoted before the next is made) still get distinct hashes. */
START_TEST(test_edges_identity_hashes_distinct_at_reused_addresses) {
    enum { N = 16 };
    void *keep = movgc_alloc(h, 1, N, 0);  /* keep: every object alive */
    uint64_t hashes[N];
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, keep);
    movgc_collect(h, MOVGC_FULL);
    for (int i = 0; i < N; i++) {
        void *o = movgc_alloc(h, 2, 0, 8);
        movgc_set(h, keep, (size_t)i, o);
        hashes[i] = movgc_identity_hash(h, o);
        movgc_collect(h, MOVGC_FULL);  /* the nursery starts over */
    }
    for (int i = 0; i < N; i++) {
        ck_assert_uint_eq(movgc_identity_hash(h, movgc_get(keep, (size_t)i)), hashes[i]);
        for (int j = 0; j < i; j++)
            ck_assert_uint_ne(hashes[i], hashes[j]);
    }
    MOVGC_UNFRAME(h);
}
END_TEST

static int finalized;
static void count(movgc_heap *hh, void *obj, void *ud) {
    (void)hh;
    (void)obj;
    (void)ud;
    finalized++;
}

/* An object that references itself is still finalized. */
START_TEST(test_edges_self_referencing_object_is_finalized) {
    finalized = 0;
    void *o = movgc_alloc(h, 1, 2, 0);
    movgc_set(h, o, 0, o);
    movgc_set_finalizer(h, o, count, NULL);
    o = NULL;
    movgc_collect(h, _i == 0 ? MOVGC_MINOR : MOVGC_FULL);
    movgc_collect(h, MOVGC_FULL);
    ck_assert_int_eq(finalized, 1);
}
END_TEST

/* movgc_pin's collection runs the finalizers it found before returning. */
START_TEST(test_edges_pin_runs_finalizers_it_found) {
    finalized = 0;
    void *dead = movgc_alloc(h, 1, 0, 8);
    movgc_set_finalizer(h, dead, count, NULL);
    dead = NULL;
    movgc_handle hd = movgc_handle_new(h, movgc_alloc(h, 1, 0, 8));
    ck_assert_ptr_nonnull(movgc_pin(h, hd));  /* young: collects */
    ck_assert_int_eq(finalized, 1);
    movgc_unpin(h, hd);
    movgc_handle_free(h, hd);
}
END_TEST

/* A full collection that cannot map its side tables reports NOMEM, counts
 * no full collection, and leaves every object intact. */
START_TEST(test_edges_full_without_side_tables) {
    void *a = movgc_alloc(h, 1, 1, 8), *b = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, a);
    MOVGC_ROOT(h, b);
    b = movgc_alloc(h, 2, 0, 8);
    *(long *)movgc_data(b) = 42;
    movgc_set(h, a, 0, b);
    movgc_stats before, after;
    movgc_get_stats(h, &before, sizeof before);
    movgc_testing_fail_nth_mapping(1);  /* the first side table */
    movgc_collect(h, MOVGC_FULL);
    movgc_testing_fail_nth_mapping(0);
    movgc_get_stats(h, &after, sizeof after);
    ck_assert_int_eq(movgc_last_error(h), MOVGC_E_NOMEM);
    ck_assert_uint_eq(after.full_collections, before.full_collections);
    ck_assert_int_eq(*(long *)movgc_data(movgc_get(a, 0)), 42);
    movgc_collect(h, MOVGC_FULL);  /* and the next one works */
    movgc_get_stats(h, &after, sizeof after);
    ck_assert_uint_eq(after.full_collections, before.full_collections + 1);
    ck_assert_ptr_eq(movgc_get(a, 0), b);
    MOVGC_UNFRAME(h);
}
END_TEST

/* A malformed variable is an error even when the config sets the field. */
START_TEST(test_edges_malformed_env_with_field_set_aborts) {
    setenv("MOVGC_NURSERY", "lots", 1);
    movgc_config c = {.nursery_bytes = 1 << 20};
    movgc_heap_new(&c);  /* aborts naming MOVGC_NURSERY */
}
END_TEST

/* ==== the heap limit counts the collector's tables ======================= */

static int last_code;
static void note_error(movgc_heap *eh, int code, const char *msg, void *ud) {
    (void)eh, (void)msg, (void)ud;
    last_code = code;
}

static movgc_heap *limited_heap(void) {
    movgc_config cfg = {.heap_limit = 1 << 20, .on_error = note_error};
    last_code = MOVGC_OK;
    movgc_heap *lh = movgc_heap_new(&cfg);
    ck_assert_ptr_nonnull(lh);
    return lh;
}

static size_t heap_bytes(movgc_heap *lh) {
    movgc_stats st;
    movgc_get_stats(lh, &st, sizeof st);
    return st.heap_bytes;
}

/* Handles alone cannot take a 1 MiB heap past its limit. */
START_TEST(test_edges_limit_counts_handle_table) {
    movgc_heap *lh = limited_heap();
    size_t before = heap_bytes(lh), n = 0;
    while (n < (size_t)4 << 20 && movgc_handle_new(lh, NULL).id != 0)
        n++;
    ck_assert_uint_lt(n, (size_t)4 << 20);  /* it stopped */
    ck_assert_int_eq(last_code, MOVGC_E_NOMEM);
    ck_assert_uint_le(heap_bytes(lh), 1 << 20);
    ck_assert_uint_ge(heap_bytes(lh), before + n * 16);  /* counted */
    movgc_heap_free(lh);
}
END_TEST

/* The same for registered global roots. */
START_TEST(test_edges_limit_counts_global_roots) {
    movgc_heap *lh = limited_heap();
    size_t max = (size_t)1 << 20, n = 0;
    void **slots = calloc(max, sizeof *slots);
    ck_assert_ptr_nonnull(slots);
    while (n < max && movgc_root_add(lh, &slots[n]) == 0)
        n++;
    ck_assert_uint_lt(n, max);
    ck_assert_int_eq(last_code, MOVGC_E_NOMEM);
    ck_assert_uint_le(heap_bytes(lh), 1 << 20);
    movgc_heap_free(lh);
    free(slots);
}
END_TEST

int main(void) {
    Suite *s = suite_create("edges");
    TCase *tc = tcase_create("empty objects");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_edges_empty_objects_fill_semispaces_exactly);
    tcase_add_test(tc, test_edges_empty_object_ends_old_space);
    suite_add_tcase(s, tc);
    tc = tcase_create("review findings");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_edges_identity_hashes_distinct_at_reused_addresses);
    tcase_add_loop_test(tc, test_edges_self_referencing_object_is_finalized, 0, 2);
    tcase_add_test(tc, test_edges_pin_runs_finalizers_it_found);
    tcase_add_test(tc, test_edges_full_without_side_tables);
    tcase_add_test_raise_signal(tc, test_edges_malformed_env_with_field_set_aborts, SIGABRT);
    suite_add_tcase(s, tc);
    tc = tcase_create("heap limit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_edges_limit_counts_handle_table);
    tcase_add_test(tc, test_edges_limit_counts_global_roots);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_limits.c -- heap_limit: running out yields NULL and MOVGC_E_NOMEM after
 * a last collection, never a crash; the heap stays usable with its roots intact
 * and recovers once roots are dropped; growth factor drives full collections. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t limit_bytes(void)
{
    return tu_scale(16u << 20, 2u << 20);
}

/* Mostly small objects, every 16th a large one; bigger under MOVGC_STRESS so
 * that the number of (verified) collections stays modest. */
static size_t obj_size(size_t i)
{
    if (i % 16 == 15)
        return tu_scale(128 * 1024, 64 * 1024);
    return tu_scale(1000, 4000) + (i % 7) * 24;
}

static void limited_setup(void)
{
    movgc_config c = tu_config();
    c.heap_limit = limit_bytes();
    tu_errors_clear();
    H = tu_heap_new(&c);
    ck_assert_ptr_nonnull(H);
}

/* Fill a rooted list until allocation fails; return the object count. The
 * list head is *head (a root); object i holds pattern i and sits at depth
 * count-1-i. */
static size_t fill_until_nomem(void **head, size_t first)
{
    size_t limit = limit_bytes(), bytes = 0, i = first;
    unsigned nomem0 = tu_err.by_code[MOVGC_E_NOMEM];
    uint64_t fulls = 0;
    for (;; i++) {
        ck_assert_msg(bytes <= 2 * limit, "no NOMEM after %zu bytes live under a "
                      "%zu byte limit", bytes, limit);
        movgc_stats before;
        movgc_get_stats(H, &before, sizeof before);
        void *o = movgc_alloc(H, 1, 1, obj_size(i));
        if (!o) {
            movgc_stats after;
            movgc_get_stats(H, &after, sizeof after);
            fulls = after.full_collections - before.full_collections;
            break;
        }
        tu_fill(o, i);
        movgc_set(H, o, 0, *head);
        *head = o;
        bytes += obj_size(i) + 16;
        if (i % 64 == 0) {
            movgc_stats st;
            movgc_get_stats(H, &st, sizeof st);
            ck_assert_uint_le(st.heap_bytes, limit);
        }
    }
    ck_assert_msg(fulls >= 1, "NOMEM without a last full collection");
    ck_assert_uint_eq(tu_err.by_code[MOVGC_E_NOMEM], nomem0 + 1);
    ck_assert_int_eq(tu_err.last, MOVGC_E_NOMEM);
    ck_assert_int_eq(movgc_last_error(H), MOVGC_E_NOMEM);
    ck_assert_msg(bytes >= limit / 4, "only %zu bytes fit under a %zu byte limit",
                  bytes, limit);
    return i - first;
}

static void check_list(void *head, size_t first, size_t count)
{
    size_t i = first + count;
    for (void *o = head; o; o = movgc_get(o, 0)) {
        ck_assert_uint_gt(i, first);
        --i;
        ck_assert_uint_eq(movgc_nbytes(o), obj_size(i));
        ck_assert_msg(tu_check_fill(o, i), "object %zu corrupted", i);
    }
    ck_assert_uint_eq(i, first);
}

/* ==== limit =============================================================== */

START_TEST(test_limits_nomem_keeps_heap_usable)
{
    void *head = NULL;
    ROOT(head);
    size_t n = fill_until_nomem(&head, 0);
    check_list(head, 0, n);
    movgc_collect(H, MOVGC_FULL);
    check_list(head, 0, n);
    movgc_stats st;
    movgc_get_stats(H, &st, sizeof st);
    ck_assert_uint_le(st.heap_bytes, limit_bytes());
    /* drop the older half of the list: allocation works again */
    void *cut = head;
    for (size_t k = 1; k < n / 2; k++)
        cut = movgc_get(cut, 0);
    movgc_set(H, cut, 0, NULL);
    size_t kept = n / 2;
    void *more = NULL;                  /* live again: needs the freed memory */
    ROOT(more);
    for (size_t k = 0; k < n / 4; k++) {
        void *o = movgc_alloc(H, 2, 1, obj_size(k));
        ck_assert_msg(o != NULL, "allocation %zu failed after roots were dropped", k);
        movgc_set(H, o, 0, more);
        more = o;
    }
    check_list(head, n - kept, kept);
    ck_assert_uint_eq(tu_err.by_code[MOVGC_E_NOMEM], 1);
    movgc_pop_roots(H, 2);
}
END_TEST

/* Fill, drop everything, fill again: the memory comes back each time. */
START_TEST(test_limits_recovers_repeatedly)
{
    void *head = NULL;
    ROOT(head);
    size_t first = fill_until_nomem(&head, 0);
    for (int round = 0; round < 3; round++) {
        head = NULL;
        size_t n = fill_until_nomem(&head, 1000000);
        ck_assert_msg(n >= first / 2, "round %d: %zu objects fit, first time %zu",
                      round, n, first);
        check_list(head, 1000000, n);
    }
    ck_assert_uint_eq(tu_err.by_code[MOVGC_E_NOMEM], 4);
    movgc_pop_roots(H, 1);
}
END_TEST

START_TEST(test_limits_object_above_limit)
{
    void *keep = tu_alloc_filled(3, 0, 512, 3);
    ROOT(keep);
    ck_assert_ptr_null(movgc_alloc(H, 4, 0, 2 * limit_bytes()));
    ck_assert_int_eq(tu_err.last, MOVGC_E_NOMEM);
    ck_assert_ptr_null(movgc_alloc(H, 4, limit_bytes() / 8, 0));
    ck_assert_uint_eq(tu_err.by_code[MOVGC_E_NOMEM], 2);
    void *big = movgc_alloc(H, 5, 0, limit_bytes() / 8);
    ck_assert_ptr_nonnull(big);
    void *small = movgc_alloc(H, 6, 1, 8);
    ck_assert_ptr_nonnull(small);
    movgc_collect(H, MOVGC_FULL);
    ck_assert(tu_check_fill(keep, 3));
    ck_assert_uint_eq(tu_err.count, 2);
    movgc_pop_roots(H, 1);
}
END_TEST

/* Large objects only: they count against the limit like everything else. */
START_TEST(test_limits_large_objects_within_limit)
{
    void *head = NULL;
    ROOT(head);
    size_t size = 256 * 1024, n = 0;
    for (;; n++) {
        ck_assert_uint_le(n * size, 2 * limit_bytes());
        void *o = movgc_alloc(H, 7, 1, size);
        if (!o)
            break;
        tu_fill(o, n);
        movgc_set(H, o, 0, head);
        head = o;
        movgc_stats st;
        movgc_get_stats(H, &st, sizeof st);
        ck_assert_uint_le(st.heap_bytes, limit_bytes());
    }
    ck_assert_int_eq(tu_err.last, MOVGC_E_NOMEM);
    ck_assert_uint_ge(n * size, limit_bytes() / 4);
    size_t k = n;
    for (void *o = head; o; o = movgc_get(o, 0))
        ck_assert(tu_check_fill(o, --k));
    ck_assert_uint_eq(k, 0);
    head = NULL;                         /* all dead: room for as many again */
    for (size_t j = 0; j < n; j++) {
        void *o = movgc_alloc(H, 7, 1, size);
        ck_assert_msg(o != NULL, "large allocation %zu of %zu failed after the "
                      "others died", j, n);
        movgc_set(H, o, 0, head);
        head = o;
    }
    movgc_pop_roots(H, 1);
}
END_TEST

/* Without on_error, NOMEM is returned and recorded quietly: no abort. */
START_TEST(test_limits_nomem_quiet_without_on_error)
{
    movgc_config c;
    memset(&c, 0, sizeof c);
    c.heap_limit = limit_bytes();
    movgc_heap *h = movgc_heap_new(&c);
    ck_assert_ptr_nonnull(h);
    ck_assert_ptr_null(movgc_alloc(h, 1, 0, 4 * limit_bytes()));
    ck_assert_int_eq(movgc_last_error(h), MOVGC_E_NOMEM);
    ck_assert_ptr_nonnull(movgc_alloc(h, 1, 0, 64));
    movgc_heap_free(h);
}
END_TEST

START_TEST(test_limits_small_limit_shrinks_nursery)
{
    movgc_config c = tu_config();
    c.heap_limit = 512 * 1024;
    movgc_heap *h = tu_heap_new(&c);
    ck_assert_ptr_nonnull(h);
    movgc_stats st;
    movgc_get_stats(h, &st, sizeof st);
    ck_assert_uint_le(st.heap_bytes, c.heap_limit);
    void *head = NULL;
    movgc_push_root(h, &head);
    size_t n = 0;
    for (; n < 100000; n++) {
        void *o = movgc_alloc(h, 1, 1, 100);
        if (!o)
            break;
        movgc_set(h, o, 0, head);
        head = o;
    }
    ck_assert_uint_lt(n, 100000);
    ck_assert_uint_gt(n, 100);
    ck_assert_int_eq(tu_err.last, MOVGC_E_NOMEM);
    movgc_get_stats(h, &st, sizeof st);
    ck_assert_uint_le(st.heap_bytes, c.heap_limit);
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
}
END_TEST

/* ==== growth ============================================================== */

/* Objects that live a short while (a ring of recent ones) get promoted and then
 * die in the old space; a smaller growth factor means more full collections. */
/* Returns the full collections; *minors gets the minor ones. */
static uint64_t fulls_with_growth(double growth, size_t nursery, uint64_t *minors)
{
    enum { RING = 16384 };              /* live ~900 KiB */
    movgc_config c = tu_config();
    c.growth = growth;
    c.nursery_bytes = nursery;
    movgc_heap *h = tu_heap_new(&c);
    void *ring = movgc_alloc(h, 1, RING, 0);
    movgc_push_root(h, &ring);
    size_t n = 500000;
    for (size_t i = 0; i < n; i++) {
        void *o = movgc_alloc(h, 2, 0, 48);
        movgc_set(h, ring, i % RING, o);
    }
    movgc_stats st;
    movgc_get_stats(h, &st, sizeof st);
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
    if (minors)
        *minors = st.minor_collections;
    return st.full_collections;
}

/* Counts collections, which MOVGC_STRESS would swamp with its own: this test
 * runs without it (MOVGC_VERIFY, if set, stays on). */
START_TEST(test_limits_growth_controls_full_collections)
{
    unsetenv("MOVGC_STRESS");
    uint64_t tight = fulls_with_growth(1.25, 1u << 20, NULL);
    uint64_t loose = fulls_with_growth(8.0, 1u << 20, NULL);
    fprintf(stderr, "full collections: growth 1.25 -> %llu, 8.0 -> %llu\n",
            (unsigned long long)tight, (unsigned long long)loose);
    ck_assert_uint_gt(tight, loose);
    ck_assert_uint_gt(tight, 0);
}
END_TEST

/* The same workload with a nursery smaller than the short-lived live data:
 * each minor collection's survivors fill the semispace.  They belong in the
 * old space; a full collection is due only when the old space passes
 * live * growth, not at every minor one. */
START_TEST(test_limits_full_nursery_does_not_force_full)
{
    unsetenv("MOVGC_STRESS");
    uint64_t minors = 0, fulls = fulls_with_growth(8.0, 256u << 10, &minors);
    fprintf(stderr, "256 KiB nursery: %llu minor, %llu full collections\n",
            (unsigned long long)minors, (unsigned long long)fulls);
    ck_assert_uint_gt(minors, 20);
    ck_assert_msg(4 * fulls < minors, "%llu of %llu minor collections turned full",
                  (unsigned long long)fulls, (unsigned long long)minors);
}
END_TEST

static Suite *limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tu_tcase_bare("limit");
    tcase_add_checked_fixture(tc, limited_setup, tu_teardown);
    tcase_add_test(tc, test_limits_nomem_keeps_heap_usable);
    tcase_add_test(tc, test_limits_recovers_repeatedly);
    tcase_add_test(tc, test_limits_object_above_limit);
    tcase_add_test(tc, test_limits_large_objects_within_limit);
    suite_add_tcase(s, tc);
    tc = tu_tcase_bare("config");
    tcase_add_test(tc, test_limits_nomem_quiet_without_on_error);
    tcase_add_test(tc, test_limits_small_limit_shrinks_nursery);
    tcase_add_test(tc, test_limits_growth_controls_full_collections);
    tcase_add_test(tc, test_limits_full_nursery_does_not_force_full);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(limits_suite());
}

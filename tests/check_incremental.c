/* check_incremental.c -- incremental marking of the old generation: the
 * policy marks in slices and finishes in a short final pause; what the
 * program moves around while it marks (stores, weak reads, pins) survives
 * it; what was garbage when it began is freed; a collection the program
 * asks for marks anew; MOVGC_VERIFY catches a store that bypassed the
 * barrier; MOVGC_INCREMENTAL=0 turns it off.  Slices are driven through the
 * testing hooks so that each test knows what is marked when it stores. */
#include "testutil.h"

#include <stdbool.h>
#include <stdlib.h>

#include "movgc_testing.h"

static movgc_stats stats_of(void)
{
    movgc_stats st;
    movgc_get_stats(H, &st, sizeof st);
    return st;
}

/* A heap under MOVGC_VERIFY, which also checks the marking invariant after
 * every slice. */
static void verified_heap(void)
{
    movgc_config c = tu_config();
    c.flags |= MOVGC_VERIFY;
    movgc_heap_free(H);
    H = tu_heap_new(&c);
    ck_assert_ptr_nonnull(H);
}

/* An old array of n slots, each holding a filled object with key base+i. */
static void *old_array(size_t n, uint64_t base)
{
    void *a = movgc_alloc(H, 1, n, 0);
    ROOT(a);
    for (size_t i = 0; i < n; i++)
        SET_NEW(a, i, tu_alloc_filled(2, 1, 24, base + i));
    movgc_collect(H, MOVGC_FULL);  /* everything old */
    movgc_pop_roots(H, 1);
    return a;
}

/* n allocations of which each lives for RING more: long enough to be
 * promoted, so the old generation keeps growing to the policy's threshold
 * and dying there. */
enum { RING = 32768 };
static void churn_old(size_t n)
{
    void *ring = movgc_alloc(H, 1, RING, 0);
    ROOT(ring);
    for (size_t i = 0; i < n; i++)
        SET_NEW(ring, i % RING, tu_alloc_filled(3, 0, 64, i));
    movgc_pop_roots(H, 1);
}

START_TEST(test_incremental_policy_marks_in_slices)
{
    size_t n = tu_scale(20000, 2000);
    void *keep = old_array(n, 100);
    ROOT(keep);
    movgc_stats st0 = stats_of();
    /* churn in which a part survives long enough to be promoted, so the
     * old generation grows to the policy's threshold again and again */
    churn_old(tu_scale(600000, 20000));
    movgc_stats st = stats_of();
    ck_assert_uint_gt(st.incremental_begun, st0.incremental_begun);
    ck_assert_uint_gt(st.incremental_fulls, st0.incremental_fulls);
    ck_assert_uint_gt(st.mark_slices, st0.mark_slices);
    ck_assert_uint_gt(st.slice_pause_max_ns, 0);
    ck_assert_uint_le(st.slice_pause_p50_ns, st.slice_pause_max_ns);
    for (size_t i = 0; i < n; i++)
        ck_assert(tu_check_fill(movgc_get(keep, i), 100 + i));
    movgc_pop_roots(H, 1);
}
END_TEST

/* References moved from an object the marking has not scanned into ones
 * it has: the snapshot barrier keeps every one of them. */
START_TEST(test_incremental_moved_references_survive)
{
    verified_heap();
    size_t n = tu_scale(4000, 600);
    void *a = old_array(n, 1000);
    ROOT(a);
    void *b = old_array(n, 0);  /* its own children die below */
    ROOT(b);
    for (size_t i = 0; i < n; i++)
        movgc_set(H, b, i, NULL);
    movgc_collect(H, MOVGC_FULL);
    ck_assert_int_eq(movgc_testing_mark_begin(H), 1);
    /* b was rooted last: it is scanned first, then a little of a's part */
    for (size_t round = 0; round < 8; round++) {
        movgc_testing_mark_step(H, 4096);
        for (size_t i = round; i < n; i += 8) {
            movgc_set(H, b, i, movgc_get(a, i));
            movgc_set(H, a, i, NULL);
        }
    }
    movgc_testing_policy_full(H);
    ck_assert_int_eq(movgc_testing_marking(H), 0);
    tu_churn((size_t)8 << 20);  /* reuse whatever was freed */
    movgc_collect(H, MOVGC_FULL);
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_null(movgc_get(a, i));
        ck_assert(tu_check_fill(movgc_get(b, i), 1000 + i));
    }
    movgc_pop_roots(H, 2);
}
END_TEST

/* An old object, filled from 'key', that only weak handle w reaches when
 * a marking begins, and a rooted one-slot holder: made before the object
 * is made old (old too), or after (young).  The marking is run until no
 * slice has anything left, so an old holder is scanned and the object
 * unmarked when the test stores it. */
struct weak_case {
    movgc_handle w;
    void *holder;
    uint64_t key;
};

static void weak_case_begin(struct weak_case *c, uint64_t key, bool old_holder)
{
    verified_heap();
    c->key = key;
    c->holder = old_holder ? movgc_alloc(H, 1, 1, 0) : NULL;
    ROOT(c->holder);
    void *x = tu_alloc_filled(2, 0, 40, key);
    ROOT(x);
    movgc_collect(H, MOVGC_FULL);
    c->w = movgc_weak_new(H, x);
    movgc_pop_roots(H, 1);
    if (!old_holder)
        c->holder = movgc_alloc(H, 1, 1, 0);
    ck_assert_int_eq(movgc_testing_mark_begin(H), 1);
    while (!movgc_testing_mark_step(H, (size_t)1 << 20))
        ;
}

/* After the test stored the object into the holder: the final pause (the
 * holder promoted first if 'promote'), the freed memory reused, and the
 * object still the weak handle's, the holder's and intact. */
static void weak_case_check(struct weak_case *c, bool promote)
{
    for (int i = 0; promote && i < 4; i++)
        movgc_collect(H, MOVGC_MINOR);
    movgc_testing_policy_full(H);
    tu_churn((size_t)4 << 20);
    void *got = movgc_handle_get(H, c->w);
    ck_assert_ptr_nonnull(got);
    ck_assert_ptr_eq(got, movgc_get(c->holder, 0));
    ck_assert(tu_check_fill(got, c->key));
    movgc_handle_free(H, c->w);
    movgc_pop_roots(H, 1);
}

/* An object only a weak handle reaches when the marking begins, read
 * through it and stored into an object already scanned, is kept (the
 * barrier shades the new value too). */
START_TEST(test_incremental_weak_read_stored_is_kept)
{
    struct weak_case c;
    weak_case_begin(&c, 77, true);
    movgc_set(H, c.holder, 0, movgc_handle_get(H, c.w));
    weak_case_check(&c, false);
}
END_TEST

/* The same object stored into a young one instead (no barrier), which is
 * promoted, marked, before the final pause: the read itself marked it. */
START_TEST(test_incremental_weak_read_into_young_is_kept)
{
    struct weak_case c;
    weak_case_begin(&c, 78, false);
    movgc_set(H, c.holder, 0, movgc_handle_get(H, c.w));
    weak_case_check(&c, true);
}
END_TEST

/* The same through movgc_pin, which reads a weak handle too. */
START_TEST(test_incremental_pin_of_weak_is_kept)
{
    struct weak_case c;
    weak_case_begin(&c, 79, false);
    void *p = movgc_pin(H, c.w);
    ck_assert_ptr_nonnull(p);
    movgc_set(H, c.holder, 0, p);
    movgc_unpin(H, c.w);
    weak_case_check(&c, true);
}
END_TEST

/* What was reachable when the marking began survives its final pause even
 * if dropped since; what was garbage then does not; the next full
 * collection frees the rest. */
START_TEST(test_incremental_frees_the_snapshot_garbage)
{
    verified_heap();
    void *dead = tu_alloc_filled(2, 0, 40, 1);
    ROOT(dead);
    void *later = tu_alloc_filled(2, 0, 40, 2);
    ROOT(later);
    movgc_pop_roots(H, 2);
    ROOT(later);
    ROOT(dead);
    movgc_collect(H, MOVGC_FULL);
    movgc_handle wd = movgc_weak_new(H, dead), wl = movgc_weak_new(H, later);
    movgc_pop_roots(H, 1);  /* 'later' stays rooted into the marking */
    uint64_t fulls = stats_of().incremental_fulls;
    ck_assert_int_eq(movgc_testing_mark_begin(H), 1);
    movgc_pop_roots(H, 1);
    later = NULL;
    movgc_testing_policy_full(H);
    ck_assert_uint_eq(stats_of().incremental_fulls, fulls + 1);
    ck_assert_ptr_null(movgc_handle_get(H, wd));
    ck_assert_ptr_nonnull(movgc_handle_get(H, wl));
    ck_assert(tu_check_fill(movgc_handle_get(H, wl), 2));
    movgc_testing_policy_full(H);
    ck_assert_ptr_null(movgc_handle_get(H, wl));
    movgc_handle_free(H, wd);
    movgc_handle_free(H, wl);
}
END_TEST

/* movgc_collect during a marking gives it up and marks anew. */
START_TEST(test_incremental_asked_collection_marks_anew)
{
    void *x = tu_alloc_filled(2, 0, 40, 5);
    ROOT(x);
    movgc_collect(H, MOVGC_FULL);
    movgc_handle w = movgc_weak_new(H, x);
    uint64_t fulls = stats_of().incremental_fulls;
    ck_assert_int_eq(movgc_testing_mark_begin(H), 1);
    movgc_testing_mark_step(H, 1024);
    movgc_pop_roots(H, 1);
    x = NULL;
    movgc_collect(H, MOVGC_FULL);
    ck_assert_int_eq(movgc_testing_marking(H), 0);
    ck_assert_uint_eq(stats_of().incremental_fulls, fulls);
    ck_assert_ptr_null(movgc_handle_get(H, w));
    movgc_handle_free(H, w);
}
END_TEST

/* An object pinned while the marking runs does not move when its final
 * pause compacts; everything else keeps its contents. */
START_TEST(test_incremental_pin_during_marking_holds)
{
    verified_heap();
    size_t n = tu_scale(30000, 3000);
    void *a = old_array(n, 5000);
    ROOT(a);
    for (size_t i = 0; i < n; i++)  /* scattered survivors: stranded space */
        if (i % 4 != 0)
            movgc_set(H, a, i, NULL);
    ck_assert_int_eq(movgc_testing_mark_begin(H), 1);
    movgc_testing_mark_step(H, 4096);
    size_t k = (n / 2) & ~(size_t)3;
    movgc_handle hd = movgc_handle_new(H, movgc_get(a, k));
    void *at = movgc_pin(H, hd);
    ck_assert_ptr_nonnull(at);
    for (size_t i = 0; i < n; i += 8)  /* half the survivors die now */
        if (i != k)
            movgc_set(H, a, i, NULL);
    uint64_t moved = stats_of().bytes_compacted;
    while (!movgc_testing_mark_step(H, (size_t)1 << 20))
        ;
    movgc_testing_policy_full(H);  /* the final pause compacts around the pin */
    ck_assert_uint_gt(stats_of().bytes_compacted, moved);
    ck_assert_ptr_eq(movgc_handle_get(H, hd), at);
    movgc_testing_policy_full(H);  /* and one that frees what died since */
    ck_assert_ptr_eq(movgc_handle_get(H, hd), at);
    ck_assert_ptr_eq(movgc_get(a, k), at);
    ck_assert(tu_check_fill(at, 5000 + k));
    for (size_t i = 0; i < n; i++) {
        void *o = movgc_get(a, i);
        if (i % 4 == 0 && (i % 8 != 0 || i == k))
            ck_assert(tu_check_fill(o, 5000 + i));
        else
            ck_assert_ptr_null(o);
    }
    movgc_unpin(H, hd);
    movgc_handle_free(H, hd);
    movgc_pop_roots(H, 1);
}
END_TEST

/* A reference moved from an object the marking has not scanned into one it
 * has, both stores bypassing movgc_set: the next slice's check reports the
 * scanned object pointing at an unmarked one nothing grey reaches. */
static void bypass(void *arg)
{
    (void)arg;
    movgc_config c = tu_config();  /* errors print, then abort */
    c.on_error = NULL;
    c.flags |= MOVGC_VERIFY;
    movgc_heap_free(H);
    H = movgc_heap_new(&c);
    void *a = movgc_alloc(H, 1, 1, 0);
    ROOT(a);
    SET_NEW(a, 0, tu_alloc_filled(2, 0, 40, 9));
    void *b = movgc_alloc(H, 1, 1, 0);
    ROOT(b);  /* rooted last: scanned first */
    movgc_collect(H, MOVGC_FULL);
    movgc_testing_mark_begin(H);
    movgc_testing_mark_step(H, 1);  /* b only */
    ((void **)b)[0] = movgc_get(a, 0);  /* no barrier */
    ((void **)a)[0] = NULL;
    movgc_testing_mark_step(H, 1);
}

START_TEST(test_incremental_verify_catches_a_bypassed_store)
{
    struct tu_child c;
    tu_run_child(bypass, NULL, &c);
    tu_assert_aborted(&c, "incremental mark");
}
END_TEST

START_TEST(test_incremental_env_turns_it_off)
{
    setenv("MOVGC_INCREMENTAL", "0", 1);
    movgc_config c = tu_config();
    movgc_heap *h = movgc_heap_new(&c);
    unsetenv("MOVGC_INCREMENTAL");
    ck_assert_ptr_nonnull(h);
    movgc_heap_free(H);
    H = h;
    churn_old(tu_scale(600000, 20000));
    movgc_stats st = stats_of();
    ck_assert_uint_gt(st.full_collections, 0);
    ck_assert_uint_eq(st.incremental_begun, 0);
    ck_assert_uint_eq(st.mark_slices, 0);
    ck_assert_int_eq(movgc_testing_marking(H), 0);

    tu_assert_env_refused("MOVGC_INCREMENTAL", "2");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("incremental");
    TCase *tc = tu_tcase("policy");
    tcase_add_test(tc, test_incremental_policy_marks_in_slices);
    tcase_add_test(tc, test_incremental_env_turns_it_off);
    suite_add_tcase(s, tc);
    tc = tu_tcase("snapshot");
    tcase_add_test(tc, test_incremental_moved_references_survive);
    tcase_add_test(tc, test_incremental_weak_read_stored_is_kept);
    tcase_add_test(tc, test_incremental_weak_read_into_young_is_kept);
    tcase_add_test(tc, test_incremental_pin_of_weak_is_kept);
    tcase_add_test(tc, test_incremental_frees_the_snapshot_garbage);
    tcase_add_test(tc, test_incremental_asked_collection_marks_anew);
    tcase_add_test(tc, test_incremental_pin_during_marking_holds);
    tcase_add_test(tc, test_incremental_verify_catches_a_bypassed_store);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}

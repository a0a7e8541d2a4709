/* check_roots.c -- shadow stack (push, pop, depth, restore) and global roots:
 * rooted slots keep objects alive and are updated when they move; slots that
 * are no longer roots are left alone. */
#include "testutil.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* ==== shadow stack ======================================================== */

START_TEST(test_roots_depth_counts_push_and_pop)
{
    void *a = NULL, *b = NULL, *c = NULL;
    size_t d0 = movgc_roots_depth(H);
    ck_assert_uint_eq(d0, 0);
    ROOT(a);
    ck_assert_uint_eq(movgc_roots_depth(H), 1);
    ROOT(b);
    ROOT(c);
    ck_assert_uint_eq(movgc_roots_depth(H), 3);
    movgc_pop_roots(H, 2);
    ck_assert_uint_eq(movgc_roots_depth(H), 1);
    movgc_pop_roots(H, 0);
    ck_assert_uint_eq(movgc_roots_depth(H), 1);
    movgc_pop_roots(H, 1);
    ck_assert_uint_eq(movgc_roots_depth(H), 0);
}
END_TEST

START_TEST(test_roots_shadow_slot_follows_move)
{
    void *a = tu_alloc_filled(1, 0, 200, 1);
    void *null_slot = NULL;
    ROOT(a);
    ROOT(null_slot);
    void *before = a;
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_ne(a, before);        /* a young object is copied out */
    ck_assert_ptr_null(null_slot);
    ck_assert(tu_check_fill(a, 1));
    ck_assert_uint_eq(movgc_tag(a), 1);
    for (int i = 0; i < 5; i++) {
        tu_churn(100000);
        movgc_collect(H, i % 2 ? MOVGC_FULL : MOVGC_MINOR);
        ck_assert(tu_check_fill(a, 1));
        ck_assert_ptr_null(null_slot);
    }
    movgc_pop_roots(H, 2);
}
END_TEST

/* Two slots for one object, and one slot pushed twice: one copy, one address. */
START_TEST(test_roots_aliases_stay_identical)
{
    void *a = tu_alloc_filled(2, 1, 24, 2);
    void *alias = a;
    ROOT(a);
    ROOT(alias);
    ROOT(a);
    for (int i = 0; i < 4; i++) {
        movgc_collect(H, i == 2 ? MOVGC_FULL : MOVGC_MINOR);
        ck_assert_ptr_eq(a, alias);
        ck_assert(tu_check_fill(a, 2));
        tu_churn(50000);
    }
    movgc_pop_roots(H, 3);
    ck_assert_uint_eq(movgc_roots_depth(H), 0);
}
END_TEST

/* A slot popped off the stack is no longer updated: proves pop unroots. */
START_TEST(test_roots_popped_slot_not_updated)
{
    void *a = tu_alloc_filled(3, 0, 32, 3);
    void *held = a, *popped = a;
    ROOT(held);
    ROOT(popped);
    movgc_pop_roots(H, 1);
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_ne(held, popped);
    ck_assert(tu_check_fill(held, 3));
    movgc_pop_roots(H, 1);
}
END_TEST

START_TEST(test_roots_deep_stack)
{
    size_t n = tu_scale(100000, 3000);
    void **slots = calloc(n, sizeof *slots);
    ck_assert_ptr_nonnull(slots);
    for (size_t i = 0; i < n; i++) {
        ROOT(slots[i]);
        if (i % 3 == 2)
            slots[i] = slots[i - 1];     /* shared */
        else
            slots[i] = tu_alloc_filled((unsigned)(i % 1000), 0, 8 + i % 24, i);
    }
    ck_assert_uint_eq(movgc_roots_depth(H), n);
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    for (size_t i = 0; i < n; i++) {
        size_t k = i % 3 == 2 ? i - 1 : i;
        ck_assert_uint_eq(movgc_tag(slots[i]), k % 1000);
        ck_assert(tu_check_fill(slots[i], k));
        if (i % 3 == 2)
            ck_assert_ptr_eq(slots[i], slots[i - 1]);
    }
    movgc_roots_restore(H, 0);
    ck_assert_uint_eq(movgc_roots_depth(H), 0);
    free(slots);
}
END_TEST

START_TEST(test_roots_restore_pops_back)
{
    void *keep = tu_alloc_filled(4, 0, 16, 4);
    ROOT(keep);
    size_t saved = movgc_roots_depth(H);
    void *extra[50];
    for (int i = 0; i < 50; i++) {
        extra[i] = keep;
        ROOT(extra[i]);
    }
    ck_assert_uint_eq(movgc_roots_depth(H), saved + 50);
    movgc_roots_restore(H, saved);
    ck_assert_uint_eq(movgc_roots_depth(H), saved);
    movgc_roots_restore(H, saved);         /* restoring to the current depth */
    ck_assert_uint_eq(movgc_roots_depth(H), saved);
    movgc_collect(H, MOVGC_MINOR);
    for (int i = 0; i < 50; i++)
        ck_assert_ptr_ne(extra[i], keep);  /* no longer roots, not updated */
    ck_assert(tu_check_fill(keep, 4));
    movgc_pop_roots(H, 1);
}
END_TEST

static jmp_buf escape;
static volatile int escape_level = 20;  /* depth at which to longjmp */

static void deep_then_escape(int level)
{
    void *local = tu_alloc_filled(5, 0, 8, (uint64_t)level);
    ROOT(local);
    if (level == escape_level)
        longjmp(escape, 1);
    if (level < 1000)
        deep_then_escape(level + 1);
    movgc_pop_roots(H, 1);                 /* not reached */
}

START_TEST(test_roots_restore_after_longjmp)
{
    void *keep = tu_alloc_filled(6, 0, 40, 6);
    ROOT(keep);
    size_t saved = movgc_roots_depth(H);
    if (setjmp(escape) == 0) {
        deep_then_escape(0);
        ck_abort_msg("longjmp did not happen");
    }
    ck_assert_uint_eq(movgc_roots_depth(H), saved + 21);
    movgc_roots_restore(H, saved);
    ck_assert_uint_eq(movgc_roots_depth(H), saved);
    /* the dead frames' slots are gone: collecting must not touch them */
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    ck_assert(tu_check_fill(keep, 6));
    void *more = NULL;
    ROOT(more);
    more = tu_alloc_filled(7, 0, 8, 7);
    movgc_collect(H, MOVGC_MINOR);
    ck_assert(tu_check_fill(more, 7));
    movgc_pop_roots(H, 2);
}
END_TEST

/* ==== frame macros ======================================================== */

struct node { struct node *next; struct node *other; };  /* 2 slots */

/* Builds a list of n typed nodes under a frame; every allocation may move the
 * ones made before, which the frame's roots follow. */
static struct node *build_list(int n)
{
    struct node *head = NULL, *c = NULL;
    MOVGC_FRAME(H);
    MOVGC_ROOT(H, head);
    MOVGC_ROOT(H, c);
    for (int i = 0; i < n; i++) {
        c = movgc_alloc(H, 20, 2, 8);
        tu_set_u64(c, (uint64_t)i);
        movgc_set(H, c, 0, head);
        movgc_set(H, c, 1, c);
        head = c;
        if (i % 50 == 0)
            movgc_collect(H, MOVGC_MINOR);
    }
    MOVGC_RETURN(H, head);
}

static int count_list(struct node *head, int n)
{
    int k = 0;
    for (struct node *c = head; c; c = movgc_get(c, 0), k++) {
        if (tu_u64(c) != (uint64_t)(n - 1 - k) || movgc_get(c, 1) != c)
            return -1;
    }
    return k;
}

/* A frame closed with MOVGC_UNFRAME on a plain exit path. */
static void inner_frame(struct node *a)
{
    struct node *inner = NULL;
    size_t d0 = movgc_roots_depth(H);
    MOVGC_FRAME(H);
    MOVGC_ROOT(H, a);
    MOVGC_ROOT(H, inner);
    inner = movgc_alloc(H, 21, 2, 0);
    movgc_set(H, inner, 0, a);
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_eq(movgc_get(inner, 0), a);
    ck_assert_uint_eq(movgc_roots_depth(H), d0 + 2);
    MOVGC_UNFRAME(H);
}

START_TEST(test_roots_frame_macros)
{
    struct node *a = NULL, *b = NULL;
    MOVGC_FRAME(H);
    MOVGC_ROOT(H, a);
    size_t depth = movgc_roots_depth(H);
    a = build_list(300);
    ck_assert_uint_eq(movgc_roots_depth(H), depth);     /* RETURN popped */
    MOVGC_ROOT(H, b);
    b = build_list(200);
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    ck_assert_int_eq(count_list(a, 300), 300);
    ck_assert_int_eq(count_list(b, 200), 200);
    inner_frame(a);
    ck_assert_uint_eq(movgc_roots_depth(H), depth + 1);
    MOVGC_UNFRAME(H);
    ck_assert_uint_eq(movgc_roots_depth(H), 0);
}
END_TEST

/* ==== global roots ======================================================== */

static void *global_a, *global_b;

START_TEST(test_roots_global_keeps_and_updates)
{
    ck_assert_int_eq(movgc_root_add(H, &global_a), 0);
    global_a = tu_alloc_filled(8, 1, 48, 8);
    void *before = global_a;
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_ne(global_a, before);
    for (int i = 0; i < 6; i++) {
        tu_churn(100000);
        movgc_collect(H, i % 3 == 2 ? MOVGC_FULL : MOVGC_MINOR);
        ck_assert(tu_check_fill(global_a, 8));
        ck_assert_uint_eq(movgc_tag(global_a), 8);
    }
    movgc_root_remove(H, &global_a);
}
END_TEST

/* A slot that is NULL when registered is read at each collection, not at add. */
START_TEST(test_roots_global_added_while_null)
{
    global_b = NULL;
    ck_assert_int_eq(movgc_root_add(H, &global_b), 0);
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_null(global_b);
    global_b = tu_alloc_filled(9, 0, 100, 9);
    tu_churn(200000);
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    ck_assert(tu_check_fill(global_b, 9));
    movgc_root_remove(H, &global_b);
}
END_TEST

START_TEST(test_roots_global_removed_not_updated)
{
    void *held = tu_alloc_filled(10, 0, 16, 10);
    ROOT(held);
    global_a = held;
    ck_assert_int_eq(movgc_root_add(H, &global_a), 0);
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_eq(global_a, held);
    void *young = tu_alloc_filled(11, 0, 16, 11);
    global_a = young;
    movgc_root_remove(H, &global_a);
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_eq(global_a, young);     /* not a root any more: untouched */
    ck_assert(tu_check_fill(held, 10));
    movgc_pop_roots(H, 1);
}
END_TEST

START_TEST(test_roots_global_many_in_any_order)
{
    enum { N = 1000 };
    void **g = calloc(N, sizeof *g);         /* slots in malloc'd memory */
    ck_assert_ptr_nonnull(g);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(movgc_root_add(H, &g[i]), 0);
        g[i] = tu_alloc_filled(12, 1, 8, (uint64_t)i);
        if (i > 0)
            movgc_set(H, g[i], 0, g[i - 1]);
    }
    void *snap[N];
    movgc_collect(H, MOVGC_MINOR);
    for (int i = 0; i < N; i++)             /* remove every third, scattered */
        if (i % 3 == 1)
            movgc_root_remove(H, &g[(i * 7) % N]);
    for (int i = 0; i < N; i++)
        g[i] = tu_alloc_filled(13, 1, 8, (uint64_t)i + N);
    for (int i = 0; i < N; i++)             /* no allocation after this */
        snap[i] = g[i];
    movgc_collect(H, MOVGC_MINOR);
    int moved = 0;
    for (int i = 0; i < N; i++) {
        int removed = 0;
        for (int j = 1; j < N; j += 3)
            removed |= (j * 7) % N == i;
        if (removed) {
            ck_assert_ptr_eq(g[i], snap[i]);    /* never updated */
        } else {
            moved += g[i] != snap[i];
            ck_assert(tu_check_fill(g[i], (uint64_t)i + N));
        }
    }
    /* young ones moved (under MOVGC_STRESS only the newest are still young) */
    ck_assert_int_gt(moved, 0);
    for (int i = 0; i < N; i++)
        if (i % 3 != 1)
            movgc_root_remove(H, &g[(i * 7) % N]);
    free(g);
}
END_TEST

static Suite *roots_suite(void)
{
    Suite *s = suite_create("roots");
    TCase *tc = tu_tcase("shadow");
    tcase_add_test(tc, test_roots_depth_counts_push_and_pop);
    tcase_add_test(tc, test_roots_shadow_slot_follows_move);
    tcase_add_test(tc, test_roots_aliases_stay_identical);
    tcase_add_test(tc, test_roots_popped_slot_not_updated);
    tcase_add_test(tc, test_roots_deep_stack);
    tcase_add_test(tc, test_roots_restore_pops_back);
    tcase_add_test(tc, test_roots_restore_after_longjmp);
    tcase_add_test(tc, test_roots_frame_macros);
    suite_add_tcase(s, tc);
    tc = tu_tcase("global");
    tcase_add_test(tc, test_roots_global_keeps_and_updates);
    tcase_add_test(tc, test_roots_global_added_while_null);
    tcase_add_test(tc, test_roots_global_removed_not_updated);
    tcase_add_test(tc, test_roots_global_many_in_any_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(roots_suite());
}

/* check_misuse.c -- cheap misuse is always detected and stops with a message
 * (heaps without on_error); MOVGC_VERIFY adds slot-index and foreign-value
 * checks to movgc_set, and this program, built with MOVGC_CHECKED, checks
 * movgc_get's index on every heap; error codes have names and on_error gets
 * its arguments. */
#define MOVGC_CHECKED 1 /* the checked build of movgc.h's inline paths */
#include "testutil.h"

#include <limits.h>
#include <signal.h>
#include <string.h>

/* Each misuse runs in a child with a fresh heap without on_error. */
static movgc_heap *plain_heap(unsigned flags)
{
    movgc_config c;
    memset(&c, 0, sizeof c);
    c.flags = flags;
    movgc_heap *h = movgc_heap_new(&c);
    ck_assert_ptr_nonnull(h);
    return h;
}

static void pop_too_many(void *arg)
{
    (void)arg;
    movgc_heap *h = plain_heap(0);
    void *a = NULL;
    movgc_push_root(h, &a);
    movgc_pop_roots(h, 2);
}

static void pop_empty(void *arg)
{
    (void)arg;
    movgc_pop_roots(plain_heap(0), 1);
}

static void restore_above_depth(void *arg)
{
    (void)arg;
    movgc_heap *h = plain_heap(0);
    void *a = NULL;
    movgc_push_root(h, &a);
    movgc_roots_restore(h, 3);
}

static void unpin_unpinned(void *arg)
{
    (void)arg;
    movgc_heap *h = plain_heap(0);
    movgc_handle hd = movgc_handle_new(h, movgc_alloc(h, 1, 0, 8));
    movgc_unpin(h, hd);
}

static void unpin_after_balanced(void *arg)
{
    (void)arg;
    movgc_heap *h = plain_heap(0);
    movgc_handle hd = movgc_handle_new(h, movgc_alloc(h, 1, 0, 8));
    movgc_pin(h, hd);
    movgc_unpin(h, hd);
    movgc_unpin(h, hd);
}

static void tag_too_big(void *arg)
{
    movgc_alloc(plain_heap(0), *(unsigned *)arg, 0, 8);
}

static void verify_set_out_of_range(void *arg)
{
    (void)arg;
    movgc_heap *h = plain_heap(MOVGC_VERIFY);
    void *o = movgc_alloc(h, 1, 2, 8);
    movgc_set(h, o, 2, NULL);
}

static void verify_get_out_of_range(void *arg)
{
    (void)arg;
    movgc_heap *h = plain_heap(MOVGC_VERIFY);
    void *o = movgc_alloc(h, 1, 2, 8);
    void *volatile sink = movgc_get(o, 5);
    (void)sink;
}

/* The checked inline path needs no heap: a heap without MOVGC_VERIFY
 * is checked too. */
static void checked_get_out_of_range(void *arg)
{
    (void)arg;
    movgc_heap *h = plain_heap(0);
    void *o = movgc_alloc(h, 1, 0, 16);
    void *volatile sink = movgc_get(o, 0);
    (void)sink;
}

static void verify_set_foreign_object(void *arg)
{
    (void)arg;
    movgc_heap *h = plain_heap(MOVGC_VERIFY), *g = plain_heap(0);
    void *mine = movgc_alloc(h, 1, 1, 8);
    movgc_push_root(h, &mine);
    void *theirs = movgc_alloc(g, 1, 0, 8);
    movgc_set(h, mine, 0, theirs);
}

static void verify_set_non_object(void *arg)
{
    (void)arg;
    static char buf[64] __attribute__((aligned(16)));
    movgc_heap *h = plain_heap(MOVGC_VERIFY);
    void *o = movgc_alloc(h, 1, 1, 8);
    movgc_set(h, o, 0, buf + 8);
}

static void root_added_twice(void *arg)
{
    (void)arg;
    static void *slot;
    movgc_heap *h = plain_heap(0);
    movgc_root_add(h, &slot);
    movgc_root_add(h, &slot);
}

static void root_removed_unregistered(void *arg)
{
    (void)arg;
    static void *slot, *other;
    movgc_heap *h = plain_heap(0);
    movgc_root_add(h, &other);
    movgc_root_remove(h, &slot);
}

static void collect_bad_kind(void *arg)
{
    (void)arg;
    movgc_collect(plain_heap(0), 3);
}

static void handle_set_while_pinned(void *arg)
{
    (void)arg;
    movgc_heap *h = plain_heap(0);
    movgc_handle hd = movgc_handle_new(h, movgc_alloc(h, 1, 0, 8));
    movgc_pin(h, hd);
    movgc_handle_set(h, hd, NULL);
}

/* A function that returns early without popping what it pushed. */
static __attribute__((noinline)) void *leaks_a_root(movgc_heap *h, int early)
{
    void *obj = movgc_alloc(h, 1, 0, 8);
    movgc_push_root(h, &obj);
    if (early)
        return obj;  /* the bug: no movgc_pop_roots */
    movgc_pop_roots(h, 1);
    return obj;
}

static void verify_root_left_by_returned_function(void *arg)
{
    (void)arg;
    movgc_heap *h = plain_heap(MOVGC_VERIFY);
    for (int i = 0; i < 3; i++)
        leaks_a_root(h, i > 0);
    movgc_collect(h, MOVGC_MINOR);  /* no tail call: one frame address */
}

static void heap_freed_with_roots_pushed(void *arg)
{
    (void)arg;
    movgc_heap *h = plain_heap(MOVGC_VERIFY);
    leaks_a_root(h, 1);
    movgc_heap_free(h);
}

struct misuse { const char *what; void (*fn)(void *); };

static const struct misuse cases[] = {
    {"pop more roots than pushed", pop_too_many},
    {"pop from an empty shadow stack", pop_empty},
    {"restore above the current depth", restore_above_depth},
    {"unpin without pin", unpin_unpinned},
    {"unpin after pins are balanced", unpin_after_balanced},
    {"global root added twice", root_added_twice},
    {"global root removed without add", root_removed_unregistered},
    {"movgc_collect with an unknown kind", collect_bad_kind},
    {"movgc_handle_set on a pinned handle", handle_set_while_pinned},
    {"MOVGC_VERIFY: movgc_set index >= nrefs", verify_set_out_of_range},
    {"MOVGC_CHECKED, MOVGC_VERIFY: movgc_get index >= nrefs", verify_get_out_of_range},
    {"MOVGC_CHECKED: movgc_get index >= nrefs, 0 slots", checked_get_out_of_range},
    {"MOVGC_VERIFY: store an object of another heap", verify_set_foreign_object},
    {"MOVGC_VERIFY: store a non-object address", verify_set_non_object},
    {"MOVGC_VERIFY: roots left pushed by a returned function",
     verify_root_left_by_returned_function},
    {"MOVGC_VERIFY: movgc_heap_free with roots pushed", heap_freed_with_roots_pushed},
};
#define NCASES (int)(sizeof cases / sizeof cases[0])

START_TEST(test_misuse_aborts_with_message)
{
    struct tu_child c;
    tu_run_child(cases[_i].fn, NULL, &c);
    ck_assert_msg(c.signaled && c.sig == SIGABRT, "%s: not stopped (%s %d) %s",
                  cases[_i].what, c.signaled ? "signal" : "exit",
                  c.signaled ? c.sig : c.code, c.err);
    tu_assert_aborted(&c, NULL);
}
END_TEST

START_TEST(test_misuse_tag_above_65535_aborts)
{
    static unsigned tags[] = {65536, 0x12345, UINT_MAX};
    struct tu_child c;
    tu_run_child(tag_too_big, &tags[_i], &c);
    tu_assert_aborted(&c, NULL);
}
END_TEST

/* The exact messages of the rooting bugs. */
START_TEST(test_misuse_root_left_pushed_messages)
{
    struct tu_child c;
    tu_run_child(verify_root_left_by_returned_function, NULL, &c);
    tu_assert_aborted(&c, "movgc: misuse of the API: movgc_push_root: slot 0x");
    tu_assert_aborted(&c, " is already on the shadow stack (depth 0 of 1): a "
                          "function returned without popping the roots it "
                          "pushed (an early return skipping movgc_pop_roots or "
                          "MOVGC_UNFRAME?)\n");
    tu_run_child(heap_freed_with_roots_pushed, NULL, &c);
    tu_assert_aborted(&c, "movgc: misuse of the API: movgc_heap_free: 1 "
                          "shadow-stack root still pushed (the latest: slot 0x");
    tu_assert_aborted(&c, "): a function returned without popping its roots\n");
}
END_TEST

/* Balanced pushes of the same slot, and pushes past the first capacity,
 * are fine under MOVGC_VERIFY. */
START_TEST(test_verify_balanced_and_deep_pushes_pass)
{
    movgc_heap *h = plain_heap(MOVGC_VERIFY);
    for (int i = 0; i < 100; i++)
        leaks_a_root(h, 0);
    static void *slots[5000];
    for (int i = 0; i < 5000; i++)
        movgc_push_root(h, &slots[i]);
    movgc_collect(h, MOVGC_FULL);
    movgc_pop_roots(h, 5000);
    for (int i = 0; i < 5000; i++)
        movgc_push_root(h, &slots[i]);
    movgc_roots_restore(h, 0);
    movgc_heap_free(h);
}
END_TEST

/* The same misuse, seen through Check's own signal expectation. */
START_TEST(test_misuse_unbalanced_pop_raises)
{
    movgc_heap *h = plain_heap(0);
    movgc_pop_roots(h, 1);
}
END_TEST

START_TEST(test_misuse_restore_above_depth_raises)
{
    movgc_heap *h = plain_heap(0);
    movgc_roots_restore(h, 1);
}
END_TEST

/* The checked movgc_get reads every slot in range, big objects included. */
START_TEST(test_misuse_checked_get_in_range_reads)
{
    static const size_t shapes[] = {1, 3, 4095, 4096, 70000};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        size_t n = shapes[k];
        void *o = movgc_alloc(H, 1, n, 8);
        ck_assert_ptr_nonnull(o);
        movgc_push_root(H, &o);
        movgc_set(H, o, n - 1, o);
        if (n > 1)
            ck_assert_ptr_null(movgc_get(o, n - 2));
        ck_assert_ptr_eq(movgc_get(o, n - 1), o);
        movgc_pop_roots(H, 1);
    }
    ck_assert_uint_eq(tu_err.count, 0);
}
END_TEST

/* ==== error codes ========================================================= */

START_TEST(test_errors_strerror_names_every_code)
{
    static const int codes[] = {MOVGC_OK, MOVGC_E_NOMEM, MOVGC_E_STALE,
                                MOVGC_E_MISUSE, MOVGC_E_CORRUPT, MOVGC_E_CONFIG};
    enum { N = sizeof codes / sizeof codes[0] };
    for (int i = 0; i < N; i++) {
        const char *s = movgc_strerror(codes[i]);
        ck_assert_ptr_nonnull(s);
        ck_assert_uint_gt(strlen(s), 0);
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(s, movgc_strerror(codes[j]));
    }
    ck_assert_ptr_nonnull(movgc_strerror(999));
    ck_assert_ptr_nonnull(movgc_strerror(-1));
}
END_TEST

START_TEST(test_errors_on_error_gets_heap_and_ud)
{
    ck_assert_int_eq(movgc_last_error(H), MOVGC_OK);
    movgc_handle stale = movgc_handle_new(H, movgc_alloc(H, 1, 0, 8));
    movgc_handle_free(H, stale);
    ck_assert_ptr_null(movgc_handle_get(H, stale));
    ck_assert_uint_eq(tu_err.count, 1);
    ck_assert_uint_eq(tu_err.bad_args, 0);
    ck_assert_ptr_eq(tu_err.heap, H);
    ck_assert_int_eq(tu_err.last, MOVGC_E_STALE);
    ck_assert_uint_gt(strlen(tu_err.msg), 0);
    ck_assert_int_eq(movgc_last_error(H), MOVGC_E_STALE);
    ck_assert_ptr_null(movgc_alloc(H, 1, SIZE_MAX, 0));
    ck_assert_int_eq(movgc_last_error(H), MOVGC_E_NOMEM);
    ck_assert_ptr_eq(tu_err.heap, H);
}
END_TEST

static Suite *misuse_suite(void)
{
    Suite *s = suite_create("misuse");
    TCase *tc = tu_tcase_bare("misuse");
    tcase_add_loop_test(tc, test_misuse_aborts_with_message, 0, NCASES);
    tcase_add_loop_test(tc, test_misuse_tag_above_65535_aborts, 0, 3);
    tcase_add_test(tc, test_misuse_root_left_pushed_messages);
    tcase_add_test(tc, test_verify_balanced_and_deep_pushes_pass);
    tcase_add_test_raise_signal(tc, test_misuse_unbalanced_pop_raises, SIGABRT);
    tcase_add_test_raise_signal(tc, test_misuse_restore_above_depth_raises, SIGABRT);
    suite_add_tcase(s, tc);
    tc = tu_tcase("errors");
    tcase_add_test(tc, test_errors_strerror_names_every_code);
    tcase_add_test(tc, test_errors_on_error_gets_heap_and_ud);
    tcase_add_test(tc, test_misuse_checked_get_in_range_reads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(misuse_suite());
}

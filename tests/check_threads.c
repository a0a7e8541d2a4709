/* check_threads.c -- a heap belongs to one thread: calls from another are
 * misuse with a message, movgc_heap_adopt hands a heap over, and heaps of
 * different threads work side by side. */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

enum { T_BOX = 1, T_PAIR = 2 };

/* The id of a heap's first handle (generation 1, entry 0). */
/* The test's one handle, made on the owner thread before the others run
 * (each test runs in a child of its own, or sets it first). */
static movgc_handle the_handle;

static movgc_handle first_handle(void)
{
    return the_handle;
}

/* Run fn(h) on a new thread and wait for it. */
static void on_thread(void *(*fn)(void *), movgc_heap *h)
{
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, fn, h), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
}

static movgc_heap *plain_heap(unsigned flags)
{
    movgc_config c;
    memset(&c, 0, sizeof c);
    c.flags = flags;
    movgc_heap *h = movgc_heap_new(&c);
    ck_assert_ptr_nonnull(h);
    return h;
}

/* ==== foreign calls stop with a message ================================== */

static void *collect(void *h)
{
    movgc_collect(h, MOVGC_MINOR);
    return NULL;
}

static void *alloc_big(void *h)
{
    movgc_alloc(h, T_BOX, 0, 64 << 10);  /* above the inline path */
    return NULL;
}

static void *new_handle(void *h)
{
    movgc_handle_new(h, NULL);
    return NULL;
}

static void *push_root(void *h)
{
    static void *slot;
    movgc_push_root(h, &slot);
    return NULL;
}

static void *store(void *h)
{
    void *o = movgc_handle_get(h, first_handle());
    movgc_set(h, o, 0, NULL);
    return NULL;
}

struct foreign { const char *op; void *(*fn)(void *); unsigned flags; };

static const struct foreign calls[] = {
    {"movgc_collect", collect, 0},
    {"movgc_alloc", alloc_big, 0},
    {"movgc_handle_new", new_handle, 0},
    {"movgc_push_root", push_root, MOVGC_VERIFY},  /* inline otherwise */
    {"movgc_set", store, MOVGC_VERIFY},            /* inline otherwise */
};

static void foreign_call(void *arg)
{
    const struct foreign *f = arg;
    movgc_heap *h = plain_heap(f->flags);
    the_handle = movgc_handle_new(h, movgc_alloc(h, T_PAIR, 1, 0));
    ck_assert_uint_ne(the_handle.id, 0);
    on_thread(f->fn, h);
}

START_TEST(test_foreign_thread_call_aborts_with_message)
{
    struct tu_child c;
    char want[160];
    tu_run_child(foreign_call, (void *)&calls[_i], &c);
    snprintf(want, sizeof want, "movgc: misuse of the API: %s: heap 0x", calls[_i].op);
    tu_assert_aborted(&c, want);
    tu_assert_aborted(&c, " is used from a thread that does not own it (a heap "
                          "belongs to the thread that created it; hand it "
                          "over with movgc_heap_adopt)\n");
}
END_TEST

/* With on_error the foreign call reports and does nothing. */
START_TEST(test_foreign_thread_call_reports_through_on_error)
{
    on_thread(collect, H);
    ck_assert_uint_eq(tu_err.by_code[MOVGC_E_MISUSE], 1);
    ck_assert_int_eq(movgc_last_error(H), MOVGC_E_MISUSE);
    movgc_stats st;
    movgc_get_stats(H, &st, sizeof st);
    ck_assert_uint_eq(st.minor_collections, 0);
}
END_TEST

/* ==== hand-over ========================================================== */

static void *adopt_and_work(void *arg)
{
    movgc_heap *h = arg;
    movgc_heap_adopt(h);
    void *list = NULL;
    movgc_push_root(h, &list);
    for (int i = 0; i < 2000; i++) {
        void *cell = movgc_alloc(h, T_PAIR, 1, 8);
        movgc_set(h, cell, 0, list);
        list = cell;
    }
    movgc_collect(h, MOVGC_FULL);
    the_handle = movgc_handle_new(h, list);  /* keeps the list */
    movgc_pop_roots(h, 1);
    return NULL;
}

START_TEST(test_adopt_hands_heap_to_another_thread)
{
    movgc_heap *h = plain_heap(MOVGC_VERIFY);
    on_thread(adopt_and_work, h);
    movgc_heap_adopt(h);  /* and back, after the join */
    movgc_collect(h, MOVGC_FULL);
    int n = 0;
    for (void *p = movgc_handle_get(h, first_handle()); p; p = movgc_get(p, 0))
        n++;
    ck_assert_int_eq(n, 2000);
    movgc_heap_free(h);
}
END_TEST

/* Two threads, each with its own heap under MOVGC_VERIFY, at once. */
static void *own_heap(void *arg)
{
    (void)arg;
    movgc_heap *h = plain_heap(MOVGC_VERIFY);
    void *keep = NULL;
    movgc_push_root(h, &keep);
    for (int i = 0; i < (int)tu_scale(5000, 500); i++) {
        void *cell = movgc_alloc(h, T_PAIR, 1, 8);
        movgc_set(h, cell, 0, i % 100 ? keep : NULL);
        keep = cell;
    }
    movgc_collect(h, MOVGC_FULL);
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
    return NULL;
}

START_TEST(test_heaps_of_two_threads_side_by_side)
{
    pthread_t a, b;
    ck_assert_int_eq(pthread_create(&a, NULL, own_heap, NULL), 0);
    ck_assert_int_eq(pthread_create(&b, NULL, own_heap, NULL), 0);
    ck_assert_int_eq(pthread_join(a, NULL), 0);
    ck_assert_int_eq(pthread_join(b, NULL), 0);
}
END_TEST

static Suite *threads_suite(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tu_tcase_bare("foreign");
    tcase_add_loop_test(tc, test_foreign_thread_call_aborts_with_message, 0,
                        (int)(sizeof calls / sizeof calls[0]));
    tcase_add_test(tc, test_adopt_hands_heap_to_another_thread);
    tcase_add_test(tc, test_heaps_of_two_threads_side_by_side);
    suite_add_tcase(s, tc);
    tc = tu_tcase("on_error");
    tcase_add_test(tc, test_foreign_thread_call_reports_through_on_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(threads_suite());
}

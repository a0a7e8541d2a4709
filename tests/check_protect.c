/* check_protect.c -- MOVGC_PROTECT: a raw pointer kept across a collection
 * that moved its object faults on the evacuated memory, and the program
 * stops with a message naming the collection; other faults pass through. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_BOX = 1, T_ARR = 2 };

static movgc_heap *protected_heap(void)
{
    movgc_config c;
    memset(&c, 0, sizeof c);
    c.flags = MOVGC_PROTECT;
    movgc_heap *h = movgc_heap_new(&c);
    ck_assert_ptr_nonnull(h);
    return h;
}

/* movgc_data kept across a minor collection. */
static void data_kept_across_minor(void *arg)
{
    (void)arg;
    movgc_heap *h = protected_heap();
    void *obj = movgc_alloc(h, T_BOX, 0, 64);
    movgc_push_root(h, &obj);
    volatile char *data = movgc_data(obj);
    data[0] = 1;
    movgc_collect(h, MOVGC_MINOR);  /* obj moves; data does not follow */
    printf("%d\n", data[0]);
}

START_TEST(test_protect_data_kept_across_minor_collection)
{
    struct tu_child c;
    tu_run_child(data_kept_across_minor, NULL, &c);
    tu_assert_aborted(&c, "movgc: access to 0x");
    tu_assert_aborted(&c, ", in nursery memory that the minor collection ");
    tu_assert_aborted(&c, " evacuated: its object was moved (or died) there.  A "
                          "raw object pointer was kept across a call that may "
                          "collect (movgc_alloc, movgc_collect, movgc_pin...); "
                          "keep it in a root or a handle and read it again "
                          "after the call.\n");
    if (!tu_stressed())  /* else every allocation collected too */
        tu_assert_aborted(&c, "the minor collection 1 evacuated");
}
END_TEST

/* A movgc_pin pointer used after movgc_unpin, once compaction moved the
 * object down and freed the tail it was in. */
static void pinned_pointer_used_after_unpin(void *arg)
{
    (void)arg;
    movgc_heap *h = protected_heap();
    enum { N = 512 };
    movgc_handle arr = movgc_handle_new(h, movgc_alloc(h, T_ARR, N, 0));
    for (int i = 0; i < N; i++) {
        void *garbage = movgc_alloc(h, T_BOX, 0, 4096);
        movgc_set(h, movgc_handle_get(h, arr), (size_t)i, garbage);
    }
    movgc_collect(h, MOVGC_FULL);  /* 2 MiB of old objects */
    movgc_handle hd = movgc_handle_new(h, movgc_alloc(h, T_BOX, 0, 64));
    volatile char *p = movgc_pin(h, hd);  /* old, above the 2 MiB */
    p[0] = 7;
    movgc_unpin(h, hd);
    movgc_handle_free(h, arr);
    movgc_collect(h, MOVGC_FULL);  /* slides it to the bottom */
    ck_assert_int_eq(*(char *)movgc_handle_get(h, hd), 7);
    printf("%d\n", p[0]);
}

START_TEST(test_protect_pointer_used_after_unpin_and_compaction)
{
    struct tu_child c;
    tu_run_child(pinned_pointer_used_after_unpin, NULL, &c);
    tu_assert_aborted(&c, "movgc: access to 0x");
    tu_assert_aborted(&c, ", in old-space memory that the full collection ");
    tu_assert_aborted(&c, " freed: compaction moved the object that was there "
                          "(or it died).  A raw object pointer was kept across "
                          "a call that may collect, or used after "
                          "movgc_unpin.\n");
}
END_TEST

/* A fault outside every heap is not ours to explain. */
static void unrelated_fault(void *arg)
{
    (void)arg;
    movgc_heap *h = protected_heap();
    movgc_collect(h, MOVGC_MINOR);
    volatile uintptr_t addr = 16;  /* opaque to the compiler */
    printf("%d\n", *(volatile int *)addr);
}

START_TEST(test_protect_unrelated_fault_passes_through)
{
    struct tu_child c;
    tu_run_child(unrelated_fault, NULL, &c);
    ck_assert_msg(c.signaled ? c.sig == SIGSEGV : c.code != 0,
                  "expected the default fault, got %s %d", c.signaled ? "signal" : "exit",
                  c.signaled ? c.sig : c.code);
    ck_assert_ptr_null(strstr(c.err, "movgc: access"));
}
END_TEST

/* Rooted objects are still readable and writable across many collections. */
START_TEST(test_protect_rooted_objects_unaffected)
{
    movgc_heap *h = protected_heap();
    void *list = NULL;
    movgc_push_root(h, &list);
    for (int i = 0; i < (int)tu_scale(20000, 1000); i++) {
        void *cell = movgc_alloc(h, T_ARR, 1, 8);
        movgc_set(h, cell, 0, list);
        *(int *)movgc_data(cell) = i;
        list = cell;
        if (i % 5000 == 0)
            movgc_collect(h, MOVGC_FULL);
    }
    int n = (int)tu_scale(20000, 1000);
    for (void *p = list; p; p = movgc_get(p, 0))
        ck_assert_int_eq(*(int *)movgc_data(p), --n);
    ck_assert_int_eq(n, 0);
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
}
END_TEST

static Suite *protect_suite(void)
{
    Suite *s = suite_create("protect");
    TCase *tc = tu_tcase_bare("protect");
    tcase_add_test(tc, test_protect_data_kept_across_minor_collection);
    tcase_add_test(tc, test_protect_pointer_used_after_unpin_and_compaction);
    tcase_add_test(tc, test_protect_unrelated_fault_passes_through);
    tcase_add_test(tc, test_protect_rooted_objects_unaffected);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(protect_suite());
}

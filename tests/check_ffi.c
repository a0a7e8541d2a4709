/* check_ffi.c -- Check tests of movgc_ffi.h: foreign calls with pinned
 * heap arguments, callbacks that allocate and collect, and ffi errors. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "movgc_ffi.h"

/* {================================================================ helpers */

static struct {
    int code;       /* last code given to on_error */
    int count;      /* errors reported */
    char msg[512];  /* last message */
} seen;

static void on_error(movgc_heap *h, int code, const char *msg, void *ud)
{
    (void)h;
    (void)ud;
    seen.code = code;
    seen.count++;
    snprintf(seen.msg, sizeof seen.msg, "%s", msg);
}

static movgc_heap *heap_new(void)
{
    movgc_config cfg = {0};
    cfg.on_error = on_error;
    memset(&seen, 0, sizeof seen);
    movgc_heap *h = movgc_heap_new(&cfg);
    ck_assert_ptr_nonnull(h);
    return h;
}

/* A young object of nbytes raw bytes filled with 'fill'. */
static void *bytes_obj(movgc_heap *h, size_t nbytes, int fill)
{
    void *obj = movgc_alloc(h, 1, 0, nbytes);
    ck_assert_ptr_nonnull(obj);
    memset(movgc_data(obj), fill, nbytes);
    return obj;
}

/* Old garbage first, so that a full collection after it died slides every
 * later object down: a movable object moves. */
static movgc_handle old_garbage(movgc_heap *h)
{
    movgc_handle hd = movgc_handle_new(h, movgc_alloc(h, 9, 0, 4000));
    movgc_collect(h, MOVGC_FULL);
    return hd;
}

static int fills(const unsigned char *p, size_t n, int fill)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != fill)
            return 0;
    return 1;
}

/* }================================================================ helpers */

/* {========================================================= native callees */

static int add(int a, int b) { return a + b; }

/* What a native callee saw, for the test to inspect after the call. */
static struct {
    void *obj, *data;   /* pointers received */
    int calls;
} got;

static long take_obj_and_data(void *obj, unsigned char *data, long n)
{
    got.obj = obj;
    got.data = data;
    got.calls++;
    long sum = 0;
    for (long i = 0; i < n; i++)
        sum += data[i];
    return sum;
}

/* Holds pointers to both arguments across a callback into the host, then
 * checks that they neither moved nor changed.  Returns 1 when all is well. */
static int hold_across_callback(unsigned char *a_data, void *b_obj,
                                void (*cb)(void))
{
    unsigned char *a_before = a_data;
    void *b_before = b_obj;
    unsigned char a0 = a_data[0];
    cb();
    return a_data == a_before && b_obj == b_before && a_data[0] == a0 &&
           fills(a_data, 256, 0xA5) &&
           fills(movgc_data(b_obj), 128, 0x5A);
}

static int call_twice(int (*f)(int), int x) { return f(f(x)); }

/* }========================================================= native callees */

/* {=================================================================== core */

START_TEST(test_ffi_call_plain_values)
{
    movgc_heap *h = heap_new();
    ffi_cif cif;
    ffi_type *types[2] = {&ffi_type_sint, &ffi_type_sint};
    int a = 40, b = 2;
    void *avalue[2] = {&a, &b};
    ffi_arg r = 0;
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 2, &ffi_type_sint, types), MOVGC_OK);
    ck_assert_int_eq(movgc_ffi_call(h, &cif, FFI_FN(add), &r, avalue, NULL),
                     MOVGC_OK);
    ck_assert_int_eq((int)r, 42);
    ck_assert_int_eq(seen.count, 0);
    movgc_heap_free(h);
}
END_TEST

START_TEST(test_ffi_call_passes_object_and_data)
{
    movgc_heap *h = heap_new();
    void *obj = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, obj);
    obj = movgc_alloc(h, 3, 2, 10);
    memcpy(movgc_data(obj), "\1\2\3\4\5\6\7\10\11\12", 10);
    ffi_cif cif;
    ffi_type *types[3] = {&ffi_type_pointer, &ffi_type_pointer, &ffi_type_slong};
    long n = 10;
    void *avalue[3] = {&obj, &obj, &n};
    unsigned char pass[3] = {MOVGC_FFI_OBJ, MOVGC_FFI_DATA, MOVGC_FFI_VALUE};
    ffi_arg r = 0;
    memset(&got, 0, sizeof got);
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 3, &ffi_type_slong, types), MOVGC_OK);
    ck_assert_int_eq(movgc_ffi_call(h, &cif, FFI_FN(take_obj_and_data), &r,
                                    avalue, pass), MOVGC_OK);
    ck_assert_int_eq((long)r, 55);
    ck_assert_ptr_eq(got.obj, obj);
    ck_assert_ptr_eq(got.data, movgc_data(obj));
    ck_assert_uint_eq(movgc_nrefs(got.obj), 2);
    ck_assert_uint_eq(movgc_tag(got.obj), 3);
    MOVGC_UNFRAME(h);
    movgc_heap_free(h);
}
END_TEST

/* Pinning moves a young object out of the nursery: an unrooted slot gets
 * the new address back. */
START_TEST(test_ffi_call_writes_back_moved_young_object)
{
    movgc_heap *h = heap_new();
    void *obj = bytes_obj(h, 10, 7);
    movgc_handle watch = movgc_handle_new(h, obj);
    ffi_cif cif;
    ffi_type *types[3] = {&ffi_type_pointer, &ffi_type_pointer, &ffi_type_slong};
    long n = 10;
    void *avalue[3] = {&obj, &obj, &n};
    unsigned char pass[3] = {MOVGC_FFI_OBJ, MOVGC_FFI_DATA, MOVGC_FFI_VALUE};
    ffi_arg r = 0;
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 3, &ffi_type_slong, types), MOVGC_OK);
    ck_assert_int_eq(movgc_ffi_call(h, &cif, FFI_FN(take_obj_and_data), &r,
                                    avalue, pass), MOVGC_OK);
    ck_assert_int_eq((long)r, 70);
    ck_assert_ptr_eq(obj, movgc_handle_get(h, watch));
    ck_assert_ptr_eq(got.obj, obj);
    movgc_handle_free(h, watch);
    movgc_heap_free(h);
}
END_TEST

START_TEST(test_ffi_call_null_object_passed_as_null)
{
    movgc_heap *h = heap_new();
    void *obj = NULL;
    movgc_handle none = {0};
    ffi_cif cif;
    ffi_type *types[3] = {&ffi_type_pointer, &ffi_type_pointer, &ffi_type_slong};
    long n = 0;
    void *avalue[3] = {&obj, &none, &n};
    unsigned char pass[3] = {MOVGC_FFI_OBJ, MOVGC_FFI_HANDLE_DATA,
                             MOVGC_FFI_VALUE};
    ffi_arg r = 1;
    got.obj = got.data = (void *)&got;
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 3, &ffi_type_slong, types), MOVGC_OK);
    ck_assert_int_eq(movgc_ffi_call(h, &cif, FFI_FN(take_obj_and_data), &r,
                                    avalue, pass), MOVGC_OK);
    ck_assert_ptr_null(got.obj);
    ck_assert_ptr_null(got.data);
    ck_assert_int_eq((long)r, 0);
    movgc_heap_free(h);
}
END_TEST

START_TEST(test_ffi_call_handle_arguments)
{
    movgc_heap *h = heap_new();
    movgc_handle hd = movgc_handle_new(h, bytes_obj(h, 4, 1));
    ffi_cif cif;
    ffi_type *types[3] = {&ffi_type_pointer, &ffi_type_pointer, &ffi_type_slong};
    long n = 4;
    void *avalue[3] = {&hd, &hd, &n};
    unsigned char pass[3] = {MOVGC_FFI_HANDLE_OBJ, MOVGC_FFI_HANDLE_DATA,
                             MOVGC_FFI_VALUE};
    ffi_arg r = 0;
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 3, &ffi_type_slong, types), MOVGC_OK);
    ck_assert_int_eq(movgc_ffi_call(h, &cif, FFI_FN(take_obj_and_data), &r,
                                    avalue, pass), MOVGC_OK);
    ck_assert_int_eq((long)r, 4);
    ck_assert_ptr_eq(got.obj, movgc_handle_get(h, hd));
    ck_assert_ptr_eq(got.data, movgc_data(got.obj));
    movgc_handle_free(h, hd);
    movgc_heap_free(h);
}
END_TEST

/* }=================================================================== core */

/* {================================================================= moving */

/* The host side of hold_across_callback: allocate a lot, collect fully
 * and minorly, with the garbage under the arguments dead, so that every
 * movable object moves. */
static movgc_handle cb_garbage;
static int cb_calls;

static void collecting_host(movgc_heap *h, void *ret, void **args, void *ud)
{
    (void)ret;
    (void)args;
    (void)ud;
    cb_calls++;
    movgc_handle_set(h, cb_garbage, NULL);
    for (int i = 0; i < 1000; i++)
        ck_assert_ptr_nonnull(movgc_alloc(h, 2, 1, 100));
    movgc_collect(h, MOVGC_FULL);
    movgc_collect(h, MOVGC_MINOR);
    movgc_collect(h, MOVGC_FULL);
}

/* The test: a native function holds pointers to its arguments while
 * a callback makes the host collect; the arguments must not move. */
START_TEST(test_ffi_args_stay_put_while_callback_collects)
{
    movgc_heap *h = heap_new();
    void *a = NULL, *b = NULL, *bystander = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, a);
    MOVGC_ROOT(h, b);
    MOVGC_ROOT(h, bystander);
    cb_garbage = old_garbage(h);
    bystander = bytes_obj(h, 64, 3);
    movgc_collect(h, MOVGC_FULL);   /* old: garbage, bystander */
    a = bytes_obj(h, 256, 0xA5);
    b = bytes_obj(h, 128, 0x5A);
    movgc_collect(h, MOVGC_FULL);   /* old: garbage, bystander, a, b */

    ffi_cif cb_cif, cif;
    ffi_type *types[3] = {&ffi_type_pointer, &ffi_type_pointer, &ffi_type_pointer};
    void *code = NULL;
    ck_assert_int_eq(movgc_ffi_prep(h, &cb_cif, 0, &ffi_type_void, NULL), MOVGC_OK);
    movgc_ffi_callback *cb = movgc_ffi_callback_new(h, &cb_cif, collecting_host,
                                                    NULL, &code);
    ck_assert_ptr_nonnull(cb);
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 3, &ffi_type_sint, types), MOVGC_OK);
    void *avalue[3] = {&a, &b, &code};
    unsigned char pass[3] = {MOVGC_FFI_DATA, MOVGC_FFI_OBJ, MOVGC_FFI_VALUE};
    void *bystander_before = bystander;
    ffi_arg ok = 0;
    cb_calls = 0;
    ck_assert_int_eq(movgc_ffi_call(h, &cif, FFI_FN(hold_across_callback), &ok,
                                    avalue, pass), MOVGC_OK);
    ck_assert_int_eq(cb_calls, 1);
    ck_assert_msg(ok == 1, "an argument moved or changed during the callback");
    /* The same collections did move what was not pinned. */
    ck_assert_ptr_ne(bystander, bystander_before);
    ck_assert(fills(movgc_data(bystander), 64, 3));
    ck_assert_int_eq(seen.count, 0);
    movgc_ffi_callback_free(cb);
    movgc_handle_free(h, cb_garbage);
    MOVGC_UNFRAME(h);
    movgc_heap_free(h);
}
END_TEST

/* After the call, the arguments are unpinned: the next compaction moves
 * them over the garbage below them. */
START_TEST(test_ffi_args_unpinned_after_call)
{
    movgc_heap *h = heap_new();
    void *obj = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, obj);
    movgc_handle garbage = old_garbage(h);
    obj = bytes_obj(h, 32, 9);
    ffi_cif cif;
    ffi_type *types[3] = {&ffi_type_pointer, &ffi_type_pointer, &ffi_type_slong};
    long n = 32;
    void *avalue[3] = {&obj, &obj, &n};
    unsigned char pass[3] = {MOVGC_FFI_OBJ, MOVGC_FFI_DATA, MOVGC_FFI_VALUE};
    ffi_arg r = 0;
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 3, &ffi_type_slong, types), MOVGC_OK);
    ck_assert_int_eq(movgc_ffi_call(h, &cif, FFI_FN(take_obj_and_data), &r,
                                    avalue, pass), MOVGC_OK);
    void *during = got.obj;
    ck_assert_ptr_eq(obj, during);
    movgc_handle_free(h, garbage);
    movgc_collect(h, MOVGC_FULL);
    ck_assert_msg(obj != during, "argument still pinned after the call");
    ck_assert(fills(movgc_data(obj), 32, 9));
    MOVGC_UNFRAME(h);
    movgc_heap_free(h);
}
END_TEST

/* Callbacks: native code calls the host twice; the host allocates and
 * collects each time. */
static void incrementing_host(movgc_heap *h, void *ret, void **args, void *ud)
{
    int x = *(int *)args[0];
    int *calls = ud;
    void *tmp = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, tmp);
    tmp = movgc_alloc(h, 5, 0, 8);
    memcpy(movgc_data(tmp), &x, sizeof x);
    movgc_collect(h, MOVGC_FULL);
    memcpy(&x, movgc_data(tmp), sizeof x);
    *(ffi_arg *)ret = (ffi_arg)(x + 1);
    (*calls)++;
    MOVGC_UNFRAME(h);
}

START_TEST(test_ffi_callback_host_allocates)
{
    movgc_heap *h = heap_new();
    ffi_cif cb_cif, cif;
    ffi_type *cb_types[1] = {&ffi_type_sint};
    ffi_type *types[2] = {&ffi_type_pointer, &ffi_type_sint};
    void *code = NULL;
    int calls = 0, x = 40;
    ck_assert_int_eq(movgc_ffi_prep(h, &cb_cif, 1, &ffi_type_sint, cb_types), MOVGC_OK);
    movgc_ffi_callback *cb = movgc_ffi_callback_new(h, &cb_cif, incrementing_host,
                                                    &calls, &code);
    ck_assert_ptr_nonnull(cb);
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 2, &ffi_type_sint, types), MOVGC_OK);
    void *avalue[2] = {&code, &x};
    ffi_arg r = 0;
    ck_assert_int_eq(movgc_ffi_call(h, &cif, FFI_FN(call_twice), &r, avalue, NULL),
                     MOVGC_OK);
    ck_assert_int_eq((int)r, 42);
    ck_assert_int_eq(calls, 2);
    movgc_ffi_callback_free(cb);
    movgc_heap_free(h);
}
END_TEST

/* A callback that makes a nested foreign call with the same object: the
 * pins nest, and the object is movable once both calls returned. */
static void *nested_obj;

static void nesting_host(movgc_heap *h, void *ret, void **args, void *ud)
{
    (void)ret;
    (void)args;
    (void)ud;
    ffi_cif cif;
    ffi_type *types[3] = {&ffi_type_pointer, &ffi_type_pointer, &ffi_type_slong};
    long n = 16;
    void *avalue[3] = {&nested_obj, &nested_obj, &n};
    unsigned char pass[3] = {MOVGC_FFI_OBJ, MOVGC_FFI_DATA, MOVGC_FFI_VALUE};
    ffi_arg r = 0;
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 3, &ffi_type_slong, types), MOVGC_OK);
    ck_assert_int_eq(movgc_ffi_call(h, &cif, FFI_FN(take_obj_and_data), &r,
                                    avalue, pass), MOVGC_OK);
    movgc_collect(h, MOVGC_FULL);
}

START_TEST(test_ffi_nested_calls_nest_pins)
{
    movgc_heap *h = heap_new();
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, nested_obj);
    cb_garbage = old_garbage(h);
    nested_obj = bytes_obj(h, 256, 0xA5);
    void *b = bytes_obj(h, 128, 0x5A);
    MOVGC_ROOT(h, b);
    movgc_collect(h, MOVGC_FULL);
    movgc_handle_set(h, cb_garbage, NULL);
    ffi_cif cb_cif, cif;
    ffi_type *types[3] = {&ffi_type_pointer, &ffi_type_pointer, &ffi_type_pointer};
    void *code = NULL;
    ck_assert_int_eq(movgc_ffi_prep(h, &cb_cif, 0, &ffi_type_void, NULL), MOVGC_OK);
    movgc_ffi_callback *cb = movgc_ffi_callback_new(h, &cb_cif, nesting_host,
                                                    NULL, &code);
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 3, &ffi_type_sint, types), MOVGC_OK);
    void *avalue[3] = {&nested_obj, &b, &code};
    unsigned char pass[3] = {MOVGC_FFI_DATA, MOVGC_FFI_OBJ, MOVGC_FFI_VALUE};
    ffi_arg ok = 0;
    ck_assert_int_eq(movgc_ffi_call(h, &cif, FFI_FN(hold_across_callback), &ok,
                                    avalue, pass), MOVGC_OK);
    ck_assert_msg(ok == 1, "the outer call's arguments moved");
    void *before = nested_obj;
    movgc_collect(h, MOVGC_FULL);
    ck_assert_msg(nested_obj != before, "pinned after both calls returned");
    movgc_ffi_callback_free(cb);
    movgc_handle_free(h, cb_garbage);
    MOVGC_UNFRAME(h);
    movgc_heap_free(h);
}
END_TEST

/* A weak handle as an argument: the call holds its object strongly, so
 * it survives (and stays put through) the callback's collections, and dies
 * at the first collection after the call. */
START_TEST(test_ffi_weak_handle_argument_held_for_the_call)
{
    movgc_heap *h = heap_new();
    void *b = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, b);
    cb_garbage = old_garbage(h);
    movgc_handle strong = movgc_handle_new(h, bytes_obj(h, 256, 0xA5));
    movgc_handle weak = movgc_weak_new(h, movgc_handle_get(h, strong));
    b = bytes_obj(h, 128, 0x5A);
    ffi_cif cb_cif, cif;
    ffi_type *types[3] = {&ffi_type_pointer, &ffi_type_pointer, &ffi_type_pointer};
    void *code = NULL;
    ck_assert_int_eq(movgc_ffi_prep(h, &cb_cif, 0, &ffi_type_void, NULL), MOVGC_OK);
    movgc_ffi_callback *cb = movgc_ffi_callback_new(h, &cb_cif, collecting_host,
                                                    NULL, &code);
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 3, &ffi_type_sint, types), MOVGC_OK);
    void *avalue[3] = {&weak, &b, &code};
    unsigned char pass[3] = {MOVGC_FFI_HANDLE_DATA, MOVGC_FFI_OBJ, MOVGC_FFI_VALUE};
    ffi_arg ok = 0;
    movgc_handle_free(h, strong);  /* from here on only 'weak' holds it */
    ck_assert_int_eq(movgc_ffi_call(h, &cif, FFI_FN(hold_across_callback), &ok,
                                    avalue, pass), MOVGC_OK);
    ck_assert_msg(ok == 1, "a weakly held argument moved or died in the call");
    ck_assert_ptr_nonnull(movgc_handle_get(h, weak));
    movgc_collect(h, MOVGC_FULL);
    ck_assert_ptr_null(movgc_handle_get(h, weak));
    movgc_ffi_callback_free(cb);
    movgc_handle_free(h, weak);
    movgc_handle_free(h, cb_garbage);
    MOVGC_UNFRAME(h);
    movgc_heap_free(h);
}
END_TEST

/* }================================================================= moving */

/* {================================================================= misuse */

static void must_not_run(void) { ck_abort_msg("the callee ran despite an error"); }

START_TEST(test_ffi_bad_cif_reported)
{
    movgc_heap *h = heap_new();
    ffi_cif cif;
    memset(&cif, 0, sizeof cif);  /* never prepared */
    ck_assert_int_eq(movgc_ffi_call(h, &cif, must_not_run, NULL, NULL, NULL),
                     MOVGC_E_MISUSE);
    ck_assert_int_eq(seen.code, MOVGC_E_MISUSE);
    ck_assert_ptr_nonnull(strstr(seen.msg, "bad cif"));
    ck_assert_int_eq(movgc_last_error(h), MOVGC_E_MISUSE);
    ck_assert_int_eq(movgc_ffi_call(h, NULL, must_not_run, NULL, NULL, NULL),
                     MOVGC_E_MISUSE);
    ffi_type bad_struct = {0, 0, FFI_TYPE_STRUCT, NULL};  /* no elements */
    ffi_type *types[1] = {&bad_struct};
    seen.count = 0;
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 1, &ffi_type_void, types),
                     MOVGC_E_MISUSE);
    ck_assert_int_eq(seen.count, 1);
    ck_assert_ptr_nonnull(strstr(seen.msg, "bad cif"));
    void *code = NULL;
    memset(&cif, 0, sizeof cif);
    ck_assert_ptr_null(movgc_ffi_callback_new(h, &cif, incrementing_host, NULL,
                                              &code));
    ck_assert_int_eq(seen.count, 2);
    movgc_heap_free(h);
}
END_TEST

START_TEST(test_ffi_too_many_arguments_reported)
{
    movgc_heap *h = heap_new();
    enum { N = MOVGC_FFI_MAX_ARGS + 1 };
    ffi_type *types[N];
    for (int i = 0; i < N; i++)
        types[i] = &ffi_type_sint;
    ffi_cif cif;
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, N, &ffi_type_void, types),
                     MOVGC_E_MISUSE);
    ck_assert_ptr_nonnull(strstr(seen.msg, "too many arguments"));
    /* A cif prepared by libffi directly is checked by the call too. */
    ck_assert_int_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, N, &ffi_type_void, types),
                     FFI_OK);
    seen.count = 0;
    int zero = 0;
    void *avalue[N];
    for (int i = 0; i < N; i++)
        avalue[i] = &zero;
    ck_assert_int_eq(movgc_ffi_call(h, &cif, must_not_run, NULL, avalue, NULL),
                     MOVGC_E_MISUSE);
    ck_assert_int_eq(seen.count, 1);
    ck_assert_ptr_nonnull(strstr(seen.msg, "too many arguments"));
    movgc_heap_free(h);
}
END_TEST

START_TEST(test_ffi_non_heap_pointer_reported)
{
    movgc_heap *h = heap_new();
    static uint64_t not_an_object[4] = {0, 0, 0, 0};
    void *p = &not_an_object[1];
    ffi_cif cif;
    ffi_type *types[3] = {&ffi_type_pointer, &ffi_type_pointer, &ffi_type_slong};
    long n = 0;
    void *keep = bytes_obj(h, 8, 1);
    void *avalue[3] = {&keep, &p, &n};
    unsigned char pass[3] = {MOVGC_FFI_OBJ, MOVGC_FFI_DATA, MOVGC_FFI_VALUE};
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 3, &ffi_type_slong, types), MOVGC_OK);
    ck_assert_int_eq(movgc_ffi_call(h, &cif, must_not_run, NULL, avalue, pass),
                     MOVGC_E_MISUSE);
    ck_assert_int_eq(seen.code, MOVGC_E_MISUSE);
    ck_assert_ptr_nonnull(strstr(seen.msg, "argument 1"));
    ck_assert_ptr_nonnull(strstr(seen.msg, "not an object of this heap"));
    movgc_heap_free(h);
}
END_TEST

START_TEST(test_ffi_heap_argument_must_be_pointer_type)
{
    movgc_heap *h = heap_new();
    ffi_cif cif;
    ffi_type *types[1] = {&ffi_type_uint64};
    void *obj = bytes_obj(h, 8, 1);
    void *avalue[1] = {&obj};
    unsigned char pass[1] = {MOVGC_FFI_OBJ};
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 1, &ffi_type_void, types), MOVGC_OK);
    ck_assert_int_eq(movgc_ffi_call(h, &cif, must_not_run, NULL, avalue, pass),
                     MOVGC_E_MISUSE);
    ck_assert_ptr_nonnull(strstr(seen.msg, "not a pointer"));
    movgc_heap_free(h);
}
END_TEST

START_TEST(test_ffi_stale_handle_reported)
{
    movgc_heap *h = heap_new();
    movgc_handle hd = movgc_handle_new(h, bytes_obj(h, 8, 1));
    movgc_handle_free(h, hd);
    ffi_cif cif;
    ffi_type *types[1] = {&ffi_type_pointer};
    void *avalue[1] = {&hd};
    unsigned char pass[1] = {MOVGC_FFI_HANDLE_OBJ};
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 1, &ffi_type_void, types), MOVGC_OK);
    ck_assert_int_eq(movgc_ffi_call(h, &cif, must_not_run, NULL, avalue, pass),
                     MOVGC_E_STALE);
    ck_assert_int_eq(seen.code, MOVGC_E_STALE);
    ck_assert_ptr_nonnull(strstr(seen.msg, "argument 0"));
    movgc_heap_free(h);
}
END_TEST

static void leaky_host(movgc_heap *h, void *ret, void **args, void *ud)
{
    (void)ret;
    (void)args;
    movgc_push_root(h, (void **)ud);  /* never popped: misuse */
}

static void call_void(void (*f)(void)) { f(); }

START_TEST(test_ffi_callback_unbalanced_roots_reported)
{
    movgc_heap *h = heap_new();
    void *slot = NULL;
    size_t depth = movgc_roots_depth(h);
    ffi_cif cb_cif, cif;
    ffi_type *types[1] = {&ffi_type_pointer};
    void *code = NULL;
    ck_assert_int_eq(movgc_ffi_prep(h, &cb_cif, 0, &ffi_type_void, NULL), MOVGC_OK);
    movgc_ffi_callback *cb = movgc_ffi_callback_new(h, &cb_cif, leaky_host, &slot,
                                                    &code);
    ck_assert_int_eq(movgc_ffi_prep(h, &cif, 1, &ffi_type_void, types), MOVGC_OK);
    void *avalue[1] = {&code};
    ck_assert_int_eq(movgc_ffi_call(h, &cif, FFI_FN(call_void), NULL, avalue, NULL),
                     MOVGC_OK);
    ck_assert_int_eq(seen.code, MOVGC_E_MISUSE);
    ck_assert_ptr_nonnull(strstr(seen.msg, "shadow stack"));
    ck_assert_uint_eq(movgc_roots_depth(h), depth);
    movgc_ffi_callback_free(cb);
    movgc_heap_free(h);
}
END_TEST

/* Without on_error, ffi misuse stops the program like the heap's own. */
START_TEST(test_ffi_misuse_aborts_without_on_error)
{
    movgc_heap *h = movgc_heap_new(NULL);
    ffi_cif cif;
    memset(&cif, 0, sizeof cif);
    movgc_ffi_call(h, &cif, must_not_run, NULL, NULL, NULL);
}
END_TEST

/* }================================================================= misuse */

static Suite *ffi_suite(void)
{
    Suite *s = suite_create("ffi");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_ffi_call_plain_values);
    tcase_add_test(core, test_ffi_call_passes_object_and_data);
    tcase_add_test(core, test_ffi_call_writes_back_moved_young_object);
    tcase_add_test(core, test_ffi_call_null_object_passed_as_null);
    tcase_add_test(core, test_ffi_call_handle_arguments);
    suite_add_tcase(s, core);
    TCase *moving = tcase_create("moving");
    tcase_add_test(moving, test_ffi_args_stay_put_while_callback_collects);
    tcase_add_test(moving, test_ffi_args_unpinned_after_call);
    tcase_add_test(moving, test_ffi_callback_host_allocates);
    tcase_add_test(moving, test_ffi_nested_calls_nest_pins);
    tcase_add_test(moving, test_ffi_weak_handle_argument_held_for_the_call);
    suite_add_tcase(s, moving);
    TCase *misuse = tcase_create("misuse");
    tcase_add_test(misuse, test_ffi_bad_cif_reported);
    tcase_add_test(misuse, test_ffi_too_many_arguments_reported);
    tcase_add_test(misuse, test_ffi_non_heap_pointer_reported);
    tcase_add_test(misuse, test_ffi_heap_argument_must_be_pointer_type);
    tcase_add_test(misuse, test_ffi_stale_handle_reported);
    tcase_add_test(misuse, test_ffi_callback_unbalanced_roots_reported);
    tcase_add_test_raise_signal(misuse, test_ffi_misuse_aborts_without_on_error,
                                SIGABRT);
    suite_add_tcase(s, misuse);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ffi_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

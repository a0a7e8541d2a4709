#include <stdio.h>
#include <string.h>
#include "movgc_ffi.h"

/* Native code: gets a stable pointer to an object's bytes and a callback. */
static long weigh(const char *text, long n, long (*weight)(long))
{
    long sum = 0;
    for (long i = 0; i < n; i++)
        sum += weight(text[i]);   /* the host collects in here; text stays put */
    return sum;
}

/* Host callback: may allocate and collect. */
static void weight(movgc_heap *h, void *ret, void **args, void *ud)
{
    long c = *(long *)args[0];
    (void)ud;
    movgc_alloc(h, 0, 0, 64);
    movgc_collect(h, MOVGC_FULL);
    *(ffi_arg *)ret = (ffi_arg)(c && strchr("aeiou", (int)c) ? 10 : 1);
}

int main(void)
{
    movgc_heap *h = movgc_heap_new(NULL);
    void *text = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, text);
    text = movgc_alloc(h, 1, 0, 11);
    memcpy(movgc_data(text), "hello movgc", 11);

    ffi_cif cb_cif, cif;
    ffi_type *cb_args[1] = {&ffi_type_slong};
    ffi_type *args[3] = {&ffi_type_pointer, &ffi_type_slong, &ffi_type_pointer};
    void *code;
    movgc_ffi_prep(h, &cb_cif, 1, &ffi_type_slong, cb_args);
    movgc_ffi_callback *cb = movgc_ffi_callback_new(h, &cb_cif, weight, NULL, &code);
    movgc_ffi_prep(h, &cif, 3, &ffi_type_slong, args);

    long n = 11;
    void *avalue[3] = {&text, &n, &code};
    unsigned char pass[3] = {MOVGC_FFI_DATA, MOVGC_FFI_VALUE, MOVGC_FFI_VALUE};
    ffi_arg result;
    if (movgc_ffi_call(h, &cif, FFI_FN(weigh), &result, avalue, pass) != MOVGC_OK)
        return 1;
    printf("weight of \"%.11s\": %ld\n", (char *)movgc_data(text), (long)result);

    movgc_ffi_callback_free(cb);
    MOVGC_UNFRAME(h);
    movgc_heap_free(h);
    return 0;
}

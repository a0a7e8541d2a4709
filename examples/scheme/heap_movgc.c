/* heap_movgc.c -- gc.h on movgc: one heap for the whole interpreter; the
 * symbol table's weak references are movgc weak handles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gc.h"
#include "movgc_ffi.h"

movgc_heap *sx_heap;

void gc_init(void) {
    sx_heap = movgc_heap_new(NULL);
    if (!sx_heap) {
        fprintf(stderr, "scheme: cannot create the movgc heap\n");
        exit(1);
    }
}

/* A heap belongs to one thread: the interpreter's thread takes it over
 * from main, which created it. */
void gc_thread_begin(void) { movgc_heap_adopt(sx_heap); }
void gc_thread_end(void) {}

void gc_global(V *slot) {
    if (movgc_root_add(sx_heap, slot) != 0)
        sx_out_of_memory();
}

void gc_collect_full(void) { movgc_collect(sx_heap, MOVGC_FULL); }

uint64_t gc_collections(void) {
    movgc_stats st;
    movgc_get_stats(sx_heap, &st, sizeof st);
    return st.minor_collections + st.full_collections;
}

size_t gc_heap_bytes(void) {
    movgc_stats st;
    movgc_get_stats(sx_heap, &st, sizeof st);
    return st.heap_bytes;
}

const char *gc_name(void) { return "movgc"; }

/* movgc passes a void * to finalizers: carry fn in it (POSIX guarantees
 * that a function pointer fits). */
static void run_finalizer(movgc_heap *h, void *obj, void *ud) {
    void (*fn)(V);
    (void)h;
    memcpy(&fn, &ud, sizeof fn);
    fn(obj);
}

void gc_set_finalizer(V obj, void (*fn)(V)) {
    void *ud;
    _Static_assert(sizeof fn == sizeof ud, "function pointers fit in void *");
    memcpy(&ud, &fn, sizeof ud);
    movgc_set_finalizer(sx_heap, obj, run_finalizer, ud);
}

uint64_t gc_identity_hash(V obj) { return movgc_identity_hash(sx_heap, obj); }

/* SCHEME_STRONG_SYMBOLS: fall back to strong handles (symbols never die). */
gc_wref gc_wref_new(V obj) {
#ifdef SCHEME_STRONG_SYMBOLS
    movgc_handle hd = movgc_handle_new(sx_heap, obj);
#else
    movgc_handle hd = movgc_weak_new(sx_heap, obj);
#endif
    if (hd.id == 0)
        sx_out_of_memory();
    return hd.id;
}

V gc_wref_get(gc_wref w) {
    movgc_handle hd = {w};
    return movgc_handle_get(sx_heap, hd);
}

void gc_wref_free(gc_wref w) {
    movgc_handle hd = {w};
    movgc_handle_free(sx_heap, hd);
}

/* ---- foreign calls: movgc_ffi pins each GC_FFI_DATA argument for the
 * call and hands the callee movgc_data() of it. */
int gc_ffi_call(ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue,
                const unsigned char *pass) {
    unsigned char modes[MOVGC_FFI_MAX_ARGS];
    unsigned i;
    if (cif->nargs > MOVGC_FFI_MAX_ARGS)
        return -1;
    for (i = 0; i < cif->nargs; i++)
        modes[i] = pass[i] == GC_FFI_DATA ? MOVGC_FFI_DATA : MOVGC_FFI_VALUE;
    return movgc_ffi_call(sx_heap, cif, fn, rvalue, avalue, modes) == MOVGC_OK ? 0 : -1;
}

struct callback {
    movgc_ffi_callback *cb;
    gc_ffi_host_fn *fn;
    void *ud;
};

static void run_callback(movgc_heap *h, void *ret, void **args, void *ud) {
    struct callback *c = ud;
    (void)h;
    c->fn(ret, args, c->ud);
}

void *gc_ffi_callback_new(ffi_cif *cif, gc_ffi_host_fn *fn, void *ud, void **code) {
    struct callback *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->fn = fn;
    c->ud = ud;
    c->cb = movgc_ffi_callback_new(sx_heap, cif, run_callback, c, code);
    if (!c->cb) {
        free(c);
        return NULL;
    }
    return c;
}

void gc_ffi_callback_free(void *cb) {
    struct callback *c = cb;
    if (!c)
        return;
    movgc_ffi_callback_free(c->cb);
    free(c);
}

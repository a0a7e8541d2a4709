/* heap_boehm.c -- gc.h on Boehm GC, for comparison: the same objects with an
 * 8-byte header of our own; weak references are disappearing links. */
#include <stdlib.h>
#include <string.h>
#define GC_THREADS
#include <gc.h>
#include "gc.h"

void gc_init(void) {
    GC_INIT();
    /* We hold pointers 8 bytes into each object (past our header). */
    GC_register_displacement(8);
    GC_allow_register_threads();
}

/* Boehm scans only the stacks of threads it knows. */
void gc_thread_begin(void) {
    struct GC_stack_base sb;
    if (GC_get_stack_base(&sb) != GC_SUCCESS || GC_register_my_thread(&sb) == GC_UNIMPLEMENTED)
        abort();
}

void gc_thread_end(void) { GC_unregister_my_thread(); }

V gc_alloc(unsigned tag, size_t nrefs, size_t nbytes) {
    size_t size = 8 + 8 * nrefs + nbytes;
    uint64_t *base;
    if (nrefs > ((size_t)1 << 40) || nbytes > ((size_t)1 << 40))
        sx_out_of_memory();
    /* Objects without slots hold no pointers: Boehm need not scan them. */
    base = nrefs ? GC_MALLOC(size) : GC_MALLOC_ATOMIC(size);
    if (!base)
        sx_out_of_memory();
    if (!nrefs)
        memset(base, 0, size);
    base[0] = (uint64_t)tag | (uint64_t)nrefs << 16;
    return base + 1;
}

/* Static data is scanned by Boehm already. */
void gc_global(V *slot) { (void)slot; }

/* Finalizers run now, as movgc_collect runs them, not at some later
 * allocation. */
void gc_collect_full(void) {
    GC_gcollect();
    GC_invoke_finalizers();
}

static void run_finalizer(void *base, void *cd) {
    void (*fn)(V);
    memcpy(&fn, &cd, sizeof fn);
    fn((char *)base + 8);
}

void gc_set_finalizer(V obj, void (*fn)(V)) {
    void *cd;
    memcpy(&cd, &fn, sizeof cd);
    GC_REGISTER_FINALIZER((char *)obj - 8, run_finalizer, cd, NULL, NULL);
}

uint64_t gc_collections(void) { return GC_get_gc_no(); }

size_t gc_heap_bytes(void) { return GC_get_heap_size(); }

const char *gc_name(void) { return "boehm"; }

/* Boehm never moves an object, so its address is its identity. */
uint64_t gc_identity_hash(V obj) { return (uint64_t)(uintptr_t)obj; }

/* A weak reference is a malloc'd cell (not scanned by Boehm) holding the
 * hidden base address, registered as a link Boehm clears when it dies. */
gc_wref gc_wref_new(V obj) {
    GC_hidden_pointer *cell = malloc(sizeof *cell);
    void *base = (char *)obj - 8;
    if (!cell)
        sx_out_of_memory();
    *cell = GC_HIDE_POINTER(base);
    if (GC_general_register_disappearing_link((void **)cell, base) ==
        GC_NO_MEMORY)
        sx_out_of_memory();
    return (gc_wref)(uintptr_t)cell;
}

static void *reveal(void *cell) {
    GC_hidden_pointer h = *(GC_hidden_pointer *)cell;
    return h ? (char *)GC_REVEAL_POINTER(h) + 8 : NULL;
}

V gc_wref_get(gc_wref w) {
    return GC_call_with_alloc_lock(reveal, (void *)(uintptr_t)w);
}

void gc_wref_free(gc_wref w) {
    GC_hidden_pointer *cell = (void *)(uintptr_t)w;
    GC_unregister_disappearing_link((void **)cell);
    free(cell);
}

/* ---- foreign calls: Boehm never moves an object, so a GC_FFI_DATA
 * argument is simply its raw bytes' address; the slot (scanned with the
 * stack) keeps the object alive for the call. */
int gc_ffi_call(ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue,
                const unsigned char *pass) {
    void *data[32], *args[32];
    unsigned i;
    if (cif->nargs > 32)
        return -1;
    for (i = 0; i < cif->nargs; i++) {
        args[i] = avalue[i];
        if (pass[i] == GC_FFI_DATA) {
            V obj = *(V *)avalue[i];
            data[i] = obj ? gc_data(obj) : NULL;
            args[i] = &data[i];
        }
    }
    ffi_call(cif, fn, rvalue, args);
    return 0;
}

struct callback {
    ffi_closure *closure;
    gc_ffi_host_fn *fn;
    void *ud;
};

static void run_callback(ffi_cif *cif, void *ret, void **args, void *ud) {
    struct callback *c = ud;
    (void)cif;
    c->fn(ret, args, c->ud);
}

void *gc_ffi_callback_new(ffi_cif *cif, gc_ffi_host_fn *fn, void *ud, void **code) {
    struct callback *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->fn = fn;
    c->ud = ud;
    c->closure = ffi_closure_alloc(sizeof(ffi_closure), code);
    if (!c->closure || ffi_prep_closure_loc(c->closure, cif, run_callback, c, *code) != FFI_OK) {
        if (c->closure)
            ffi_closure_free(c->closure);
        free(c);
        return NULL;
    }
    return c;
}

void gc_ffi_callback_free(void *cb) {
    struct callback *c = cb;
    if (!c)
        return;
    ffi_closure_free(c->closure);
    free(c);
}

/* heap_movgc.c -- gc.h on movgc: one heap for the whole interpreter; the
 * symbol table's weak references are movgc weak handles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gc.h"

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

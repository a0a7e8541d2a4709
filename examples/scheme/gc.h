/* gc.h -- the interpreter's one view of its heap: movgc by default, Boehm GC
 * when compiled with -DSCHEME_BOEHM.  Both give the same object shape: a
 * 16-bit tag, reference slots, then raw bytes (docs/object-model.md). */
#ifndef SCHEME_GC_H
#define SCHEME_GC_H

#include <stddef.h>
#include <stdint.h>

/* A Scheme value: NULL (the empty list) or the address of a heap object.
 * Invariant [gc.slot]: every reference slot and every root holds one of
 * these, never a tagged immediate, so the precise collector can trace it. */
typedef void *V;

/* Weak reference to an object (symbol table entries). */
typedef uint64_t gc_wref;

void gc_init(void);                     /* in the main thread, first */
void gc_thread_begin(void);             /* in the interpreter's thread */
void gc_thread_end(void);               /* before that thread returns */
/* Raise the Scheme error "out of memory" (defined by the evaluator). */
_Noreturn void sx_out_of_memory(void);
/* Register a static slot as a root for the program's whole life. */
void gc_global(V *slot);
void gc_collect_full(void);            /* may collect, obviously */
uint64_t gc_collections(void);          /* collections so far, all kinds */
size_t gc_heap_bytes(void);             /* bytes the collector holds */
const char *gc_name(void);              /* "movgc" or "boehm" */
/* Call fn(obj) once after a collection found obj unreachable; fn must not
 * call back into Scheme.  Never collects. */
void gc_set_finalizer(V obj, void (*fn)(V obj));
gc_wref gc_wref_new(V obj);            /* never collects */
V gc_wref_get(gc_wref w);              /* NULL once obj died; never collects */
void gc_wref_free(gc_wref w);
/* A hash of obj's identity, the same for obj's whole life although a
 * moving collector changes its address (movgc_identity_hash; the address
 * itself on Boehm, which never moves).  obj != NULL.  Never collects. */
uint64_t gc_identity_hash(V obj);

/* ---- foreign calls (libffi) whose arguments may be heap objects:
 * movgc_ffi on movgc, plain libffi on Boehm (which never moves). */
#include <ffi.h>
enum { GC_FFI_VALUE, GC_FFI_DATA };
/* Call fn through cif.  pass[i] GC_FFI_VALUE: avalue[i] points to the
 * value; GC_FFI_DATA: avalue[i] points to a rooted V slot whose object's
 * raw bytes (gc_data) the callee gets, the object kept in place for the
 * whole call, callbacks and collections included; the slot holds its
 * current address afterwards.  Returns 0, or -1 when the call could not
 * be made.  May collect. */
int gc_ffi_call(ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue,
                const unsigned char *pass);
/* A C function pointer, in *code, that runs fn(ret, args, ud) when called
 * as cif describes (cif outlives the callback).  fn may collect and must
 * return normally with the shadow stack as it found it.  Returns the
 * callback to free, or NULL when out of closure memory.  Never collects. */
typedef void gc_ffi_host_fn(void *ret, void **args, void *ud);
void *gc_ffi_callback_new(ffi_cif *cif, gc_ffi_host_fn *fn, void *ud, void **code);
void gc_ffi_callback_free(void *cb);

/* gc_alloc(tag, nrefs, nbytes): all slots NULL, raw bytes zero.  May
 * collect.  Raises "out of memory" (longjmp) instead of returning NULL. */

#ifdef SCHEME_BOEHM
/* ---- Boehm GC: an 8-byte header of our own before slot 0 holds
 * tag | nrefs << 16; raw bytes follow the slots, as in movgc.  Roots are
 * found conservatively, so the frame macros expand to nothing. */
static inline uint64_t gc_header_(const void *o) { return ((const uint64_t *)o)[-1]; }
static inline unsigned gc_tag(V o) { return (unsigned)(gc_header_(o) & 0xFFFFu); }
static inline size_t gc_nrefs(V o) { return (size_t)(gc_header_(o) >> 16); }
static inline V gc_get(V o, size_t i) { return ((V *)o)[i]; }
static inline void gc_set(V o, size_t i, V v) { ((V *)o)[i] = v; }
V gc_alloc(unsigned tag, size_t nrefs, size_t nbytes);
static inline void gc_push(V *slot) { (void)slot; }
static inline size_t gc_depth(void) { return 0; }
static inline void gc_restore(size_t d) { (void)d; }
#define FRAME ((void)0)
#define ROOT(var) ((void)0)
#define UNFRAME ((void)0)
#define RETURN(val) return (val)
#else
/* ---- movgc: every C local holding a value is rooted on the shadow stack
 * through FRAME/ROOT, and popped by UNFRAME or RETURN on every exit. */
#include "movgc.h"
extern movgc_heap *sx_heap;
static inline V gc_alloc(unsigned tag, size_t nrefs, size_t nbytes) {
    V o = movgc_alloc(sx_heap, tag, nrefs, nbytes);
    if (!o)
        sx_out_of_memory();
    return o;
}
static inline unsigned gc_tag(V o) { return movgc_tag(o); }
static inline size_t gc_nrefs(V o) { return movgc_nrefs(o); }
static inline V gc_get(V o, size_t i) { return movgc_get(o, i); }
static inline void gc_set(V o, size_t i, V v) { movgc_set(sx_heap, o, i, v); }
static inline void gc_push(V *slot) { movgc_push_root(sx_heap, slot); }
static inline size_t gc_depth(void) { return movgc_roots_depth(sx_heap); }
static inline void gc_restore(size_t d) { movgc_roots_restore(sx_heap, d); }
#define FRAME MOVGC_FRAME(sx_heap)
#define ROOT(var) MOVGC_ROOT(sx_heap, var)
#define UNFRAME MOVGC_UNFRAME(sx_heap)
/* 'val' must be a plain variable: it is read after the frame is popped. */
#define RETURN(val) MOVGC_RETURN(sx_heap, val)
#endif

/* Raw bytes of an object with no reference slots start at the object. */
static inline void *gc_raw(V o) { return o; }
/* Raw bytes of any object: after its slots. */
static inline void *gc_data(V o) { return (char *)o + 8 * gc_nrefs(o); }

#endif

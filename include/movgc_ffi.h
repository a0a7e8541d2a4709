/* movgc_ffi.h -- foreign calls through libffi whose arguments may be heap
 * objects, libffi closures that run host callbacks, and out-of-line entry
 * points for bindings that cannot call movgc.h's inline functions. */
#ifndef MOVGC_FFI_H
#define MOVGC_FFI_H

#include <ffi.h>

#include "movgc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==================================================================== errors
 * Every movgc_ffi_* call that can fail returns an int: MOVGC_OK (0) on
 * success, or the movgc error code of the failure.  The failure is also
 * reported through h's error path, exactly like the heap's own errors: the
 * heap's on_error callback (movgc_config.on_error) receives the code and a
 * message naming the argument and the cause, and movgc_last_error(h) returns
 * the code afterwards.  Without on_error, MOVGC_E_MISUSE prints the message
 * to stderr and aborts, as the heap's own misuse does.  The ffi errors are:
 *   MOVGC_E_MISUSE  a bad cif (NULL, not prepared, bad ABI, NULL types), more
 *                   than MOVGC_FFI_MAX_ARGS arguments, an unknown passing
 *                   mode, a heap argument whose ffi type is not a pointer, or
 *                   a pointer that is not an object of h where a heap object
 *                   is declared;
 *   MOVGC_E_NOMEM   the handle table, a young object's move out of the
 *                   nursery, or libffi's closure memory failed;
 *   MOVGC_E_STALE   a freed handle passed as an argument. */

/* The most arguments a movgc_ffi_call or callback may have. */
#define MOVGC_FFI_MAX_ARGS 32

/* ============================================================ foreign calls */

/* How movgc_ffi_call passes argument i (one byte per argument). */
enum {
    MOVGC_FFI_VALUE = 0, /* avalue[i] points to the value: plain libffi */
    MOVGC_FFI_OBJ,       /* avalue[i] points to a void * slot holding NULL or
                            an object of h; the callee gets the object's
                            address */
    MOVGC_FFI_DATA,      /* as MOVGC_FFI_OBJ; the callee gets movgc_data() */
    MOVGC_FFI_HANDLE_OBJ,  /* avalue[i] points to a movgc_handle; the callee
                              gets the address of the handle's object */
    MOVGC_FFI_HANDLE_DATA  /* as MOVGC_FFI_HANDLE_OBJ; the callee gets
                              movgc_data() of the handle's object */
};

/* Prepare cif for nargs arguments of types atypes and a result of type
 * rtype with the default ABI, as ffi_prep_cif does, and check it against
 * MOVGC_FFI_MAX_ARGS.  atypes must outlive cif.  Returns MOVGC_OK, or
 * MOVGC_E_MISUSE (reported) for too many arguments or a type libffi
 * rejects.  Never collects. */
MOVGC_API int movgc_ffi_prep(movgc_heap *h, ffi_cif *cif, unsigned nargs,
                             ffi_type *rtype, ffi_type **atypes);

/* Call fn as described by cif (prepared by movgc_ffi_prep or ffi_prep_cif),
 * storing its result in rvalue as ffi_call does (at least sizeof(ffi_arg)
 * bytes for integral results).  pass[i] says how argument i is given (see
 * the enum above); pass NULL means every argument is MOVGC_FFI_VALUE.
 * Every heap argument is pinned before the call and unpinned after it, so
 * the callee may keep the pointers it got for the whole call, including
 * while it calls back into host code that allocates and collects; it must
 * not keep them after returning.  A NULL object or null handle is passed as
 * NULL.  After the call, each MOVGC_FFI_OBJ / MOVGC_FFI_DATA slot holds its
 * object's current address (pinning may have moved a young object), so an
 * unrooted slot is valid again until the next call that may collect.
 * The callee and its callbacks must return normally: unwinding (longjmp)
 * across this call leaves the arguments pinned.
 * Returns MOVGC_OK, or an error code (reported, see "errors"; fn is then
 * not called and nothing stays pinned).
 * May collect: pinning moves young objects out of the nursery, and the
 * callee may call back into code that collects. */
MOVGC_API int movgc_ffi_call(movgc_heap *h, ffi_cif *cif, void (*fn)(void),
                             void *rvalue, void **avalue,
                             const unsigned char *pass);

/* ================================================================ callbacks */

/* A host callback: args[i] points to argument i as libffi's closures give
 * it, ret to the result buffer to fill (as for ffi_closure).  It may
 * allocate and collect; it must leave the shadow stack as deep as it found
 * it. */
typedef void movgc_ffi_host_fn(movgc_heap *h, void *ret, void **args,
                               void *ud);

typedef struct movgc_ffi_callback movgc_ffi_callback;

/* Make a native function pointer that, when called as described by cif,
 * runs fn(h, ret, args, ud).  cif must be prepared and outlive the
 * callback.  Stores the callable address in *code_out and returns the
 * callback, or returns NULL with an error reported (MOVGC_E_MISUSE for a
 * bad cif or too many arguments, MOVGC_E_NOMEM when libffi has no closure
 * memory).  A callback that returns with the shadow stack deeper or
 * shallower than it found it is MOVGC_E_MISUSE, reported after the stack
 * was restored to its depth at entry.  Never collects (the callback, when
 * called, may). */
MOVGC_API movgc_ffi_callback *movgc_ffi_callback_new(movgc_heap *h,
                                                     ffi_cif *cif,
                                                     movgc_ffi_host_fn *fn,
                                                     void *ud,
                                                     void **code_out);

/* Free cb; its code address must not be called afterwards.  NULL is
 * ignored.  Never collects. */
MOVGC_API void movgc_ffi_callback_free(movgc_ffi_callback *cb);

/* ======================================================= out-of-line entries
 * Exported copies of movgc.h's static inline functions, for callers that
 * cannot use C inline functions (ctypes, Rust).  Each does exactly what its
 * namesake in movgc.h does; C programs should call the inline versions. */

/* movgc_alloc: a new object tagged tag (0..65535) with nrefs NULL slots and
 * nbytes zero bytes.  Returns NULL and reports MOVGC_E_NOMEM when the heap
 * limit cannot be met (MOVGC_E_MISUSE for a larger tag).  May collect. */
MOVGC_API void *movgc_ffi_alloc(movgc_heap *h, unsigned tag, size_t nrefs,
                                size_t nbytes);

/* movgc_nrefs: the number of reference slots of obj.  Never collects. */
MOVGC_API size_t movgc_ffi_nrefs(const void *obj);

/* movgc_nbytes: the number of raw bytes of obj.  Never collects. */
MOVGC_API size_t movgc_ffi_nbytes(const void *obj);

/* movgc_tag: the host's type tag of obj.  Never collects. */
MOVGC_API unsigned movgc_ffi_tag(const void *obj);

/* movgc_get: slot i of obj (i < movgc_nrefs(obj); checked only under
 * MOVGC_VERIFY, so callers check it).  Never collects. */
MOVGC_API void *movgc_ffi_get(const void *obj, size_t i);

/* movgc_set: store val (NULL or an object of h) in slot i of obj, with the
 * write barrier; i and val are checked only under MOVGC_VERIFY.
 * Never collects. */
MOVGC_API void movgc_ffi_set(movgc_heap *h, void *obj, size_t i, void *val);

/* movgc_data: the first raw byte of obj.  Never collects. */
MOVGC_API void *movgc_ffi_data(void *obj);

/* movgc_handle_get: hd's object at its current address; NULL for the null
 * handle, a cleared weak handle or a handle holding NULL, and NULL with
 * MOVGC_E_STALE reported for a freed or forged id.  Never collects. */
MOVGC_API void *movgc_ffi_handle_get(movgc_heap *h, movgc_handle hd);

#ifdef __cplusplus
}
#endif
#endif /* MOVGC_FFI_H */

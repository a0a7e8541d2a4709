/* ffi.c -- libffi calls with pinned heap-object arguments, closures that
 * run host callbacks, and out-of-line entries for bindings.  Heap work goes
 * through the public API only (handles, movgc_pin/movgc_unpin); errors go
 * through mg_error and pointers are vetted by mg_is_heap_object, the two
 * internal calls.  .sources: movgc_ffi.h */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "barrier.h"
#include "error.h"
#include "handles.h"
#include "movgc_ffi.h"

/* Invariants:
 * [ffi.pins]: while movgc_ffi_call runs the callee, every non-NULL heap
 *   argument is held by a handle of this call with exactly one pin of this
 *   call on it; when movgc_ffi_call returns, all of that call's pins and
 *   handles are gone, whatever the callee did (nested calls, collections).
 * [ffi.depth]: a callback returns with the shadow stack at the depth it had
 *   on entry. */

/* {====================================================== error reporting */

/* Report code with a formatted message through h's error path (see
 * movgc_ffi.h, "errors") and return code, so callers can write
 * `return fail(h, ...)`. */
static int fail(movgc_heap *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(movgc_heap *h, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mg_error(h, code, "%s", msg);
    return code;
}

/* }====================================================== error reporting */

/* {================================================================ checks */

/* Whether cif looks prepared: a valid ABI, at most MOVGC_FFI_MAX_ARGS
 * arguments, and laid-out (size > 0) types.  libffi gives ffi_type_void a
 * size of 1, so a zero size means a struct type that ffi_prep_cif never saw.
 * Reports and returns the error, or returns MOVGC_OK. */
static int check_cif(movgc_heap *h, const char *who, const ffi_cif *cif)
{
    unsigned i;
    if (cif == NULL)
        return fail(h, MOVGC_E_MISUSE, "%s: bad cif: NULL", who);
    if (!(cif->abi > FFI_FIRST_ABI && cif->abi < FFI_LAST_ABI))
        return fail(h, MOVGC_E_MISUSE,
                    "%s: bad cif: ABI %d is not valid (cif not prepared?)",
                    who, (int)cif->abi);
    if (cif->nargs > MOVGC_FFI_MAX_ARGS)
        return fail(h, MOVGC_E_MISUSE,
                    "%s: too many arguments: %u (at most %d)", who,
                    cif->nargs, MOVGC_FFI_MAX_ARGS);
    if (cif->rtype == NULL || cif->rtype->size == 0)
        return fail(h, MOVGC_E_MISUSE,
                    "%s: bad cif: result type missing or not laid out", who);
    if (cif->nargs > 0 && cif->arg_types == NULL)
        return fail(h, MOVGC_E_MISUSE, "%s: bad cif: no argument types",
                    who);
    for (i = 0; i < cif->nargs; i++)
        if (cif->arg_types[i] == NULL || cif->arg_types[i]->size == 0)
            return fail(h, MOVGC_E_MISUSE,
                        "%s: bad cif: type of argument %u missing or not "
                        "laid out", who, i);
    return MOVGC_OK;
}

/* Whether p may be passed where an object of h is declared: NULL, or
 * what the heap's cheap check takes for an object of h. */
static int is_object_of(movgc_heap *h, const void *p)
{
    return p == NULL || mg_is_heap_object(h, p);
}

/* Whether hd names a live entry of h's handle table: the test of
 * movgc_handle_get's inline path, made without reporting so that a stale
 * handle is told apart from one that holds NULL. */
static int handle_live(movgc_heap *h, movgc_handle hd)
{
    return mg_handles_live(h, hd);
}

/* }================================================================ checks */

/* {=============================================================== pinning */

/* One heap argument of a call, from taking its handle to releasing it. */
struct heaparg {
    movgc_handle hd;  /* handle holding the object during the call */
    int own;          /* 1: 'hd' was made by this call and is freed by it */
    int pinned;       /* 1: this call holds one pin on 'hd' */
};

static int is_heap_mode(unsigned char mode)
{
    return mode != MOVGC_FFI_VALUE;
}

static int passes_data(unsigned char mode)
{
    return mode == MOVGC_FFI_DATA || mode == MOVGC_FFI_HANDLE_DATA;
}

/* Check argument i's mode, ffi type and object, and hold its object in
 * 'a' with a strong handle of this call (never collects, so the other
 * arguments' raw pointers stay valid meanwhile; a user's handle is copied,
 * so a weak one cannot lose its object while pinned).  Reports and returns
 * an error, or returns MOVGC_OK. */
static int take_arg(movgc_heap *h, const ffi_cif *cif, unsigned i,
                    unsigned char mode, void *value, struct heaparg *a)
{
    void *obj;
    a->own = a->pinned = 0;
    a->hd.id = 0;
    if (mode > MOVGC_FFI_HANDLE_DATA)
        return fail(h, MOVGC_E_MISUSE,
                    "movgc_ffi_call: argument %u: unknown passing mode %u",
                    i, (unsigned)mode);
    if (cif->arg_types[i]->type != FFI_TYPE_POINTER)
        return fail(h, MOVGC_E_MISUSE,
                    "movgc_ffi_call: argument %u is declared a heap object "
                    "but its ffi type is not a pointer", i);
    if (value == NULL)
        return fail(h, MOVGC_E_MISUSE,
                    "movgc_ffi_call: argument %u: avalue[%u] is NULL", i, i);
    if (mode == MOVGC_FFI_HANDLE_OBJ || mode == MOVGC_FFI_HANDLE_DATA) {
        movgc_handle hd = *(const movgc_handle *)value;
        if (hd.id != 0 && !handle_live(h, hd))
            return fail(h, MOVGC_E_STALE,
                        "movgc_ffi_call: argument %u: handle %#llx is stale "
                        "or forged", i, (unsigned long long)hd.id);
        obj = movgc_handle_get(h, hd);
    } else {
        obj = *(void **)value;
        if (!is_object_of(h, obj))
            return fail(h, MOVGC_E_MISUSE,
                        "movgc_ffi_call: argument %u is declared a heap "
                        "object but %p is not an object of this heap", i,
                        obj);
    }
    if (obj == NULL)
        return MOVGC_OK; /* passed as NULL */
    a->hd = movgc_handle_new(h, obj);
    if (a->hd.id == 0)
        return MOVGC_E_NOMEM; /* movgc_handle_new reported it */
    a->own = 1;
    return MOVGC_OK;
}

/* Pin a's object and store what the callee gets in *out.  May collect
 * (a young object moves out of the nursery); the other arguments are held
 * by handles, so that is safe.  Returns MOVGC_OK or the error movgc_pin
 * reported. */
static int pin_arg(movgc_heap *h, unsigned char mode, struct heaparg *a,
                   void **out)
{
    void *obj;
    *out = NULL;
    if (!a->own)
        return MOVGC_OK;
    obj = movgc_pin(h, a->hd);
    if (obj == NULL) /* a strong handle of ours: movgc_pin reported why */
        return movgc_last_error(h) != MOVGC_OK ? movgc_last_error(h)
                                               : MOVGC_E_NOMEM;
    a->pinned = 1;
    *out = passes_data(mode) ? movgc_data(obj) : obj;
    return MOVGC_OK;
}

/* Drop what take_arg and pin_arg took, writing the object's current
 * address back into the caller's slot for the slot modes.  Never
 * collects. */
static void release_arg(movgc_heap *h, unsigned char mode, void *value,
                        struct heaparg *a)
{
    if (a->pinned)
        movgc_unpin(h, a->hd);
    if (a->own) {
        if (mode == MOVGC_FFI_OBJ || mode == MOVGC_FFI_DATA)
            *(void **)value = movgc_handle_get(h, a->hd);
        movgc_handle_free(h, a->hd);
    }
    a->pinned = a->own = 0;
}

/* }=============================================================== pinning */

/* {================================================================= calls */

MOVGC_API int movgc_ffi_prep(movgc_heap *h, ffi_cif *cif, unsigned nargs,
                             ffi_type *rtype, ffi_type **atypes)
{
    ffi_status st;
    if (cif == NULL)
        return fail(h, MOVGC_E_MISUSE, "movgc_ffi_prep: bad cif: NULL");
    if (nargs > MOVGC_FFI_MAX_ARGS)
        return fail(h, MOVGC_E_MISUSE,
                    "movgc_ffi_prep: too many arguments: %u (at most %d)",
                    nargs, MOVGC_FFI_MAX_ARGS);
    st = ffi_prep_cif(cif, FFI_DEFAULT_ABI, nargs, rtype, atypes);
    if (st != FFI_OK)
        return fail(h, MOVGC_E_MISUSE,
                    "movgc_ffi_prep: bad cif: libffi says %s",
                    st == FFI_BAD_TYPEDEF ? "bad type definition"
                    : st == FFI_BAD_ABI   ? "bad ABI"
                                          : "bad argument type");
    return MOVGC_OK;
}

/* Release arguments [0, n) of a call, last first. */
static void release_args(movgc_heap *h, unsigned n, void **avalue,
                         const unsigned char *pass, struct heaparg *args)
{
    while (n-- > 0)
        if (is_heap_mode(pass[n]))
            release_arg(h, pass[n], avalue[n], &args[n]);
}

/* Two passes keep the callee's pointers right: first every heap argument
 * is taken into a handle (never collects), then each is pinned (may
 * collect, moving the not yet pinned ones, whose handles follow them).
 * Establishes [ffi.pins] before ffi_call and ends it after. */
MOVGC_API int movgc_ffi_call(movgc_heap *h, ffi_cif *cif, void (*fn)(void),
                             void *rvalue, void **avalue,
                             const unsigned char *pass)
{
    struct heaparg args[MOVGC_FFI_MAX_ARGS];
    void *ptrs[MOVGC_FFI_MAX_ARGS];  /* what the callee gets, heap args */
    void *argv[MOVGC_FFI_MAX_ARGS];  /* libffi's avalue for the callee */
    unsigned i, taken = 0;
    int err;

    if ((err = check_cif(h, "movgc_ffi_call", cif)) != MOVGC_OK)
        return err;
    if (fn == NULL)
        return fail(h, MOVGC_E_MISUSE, "movgc_ffi_call: fn is NULL");
    if (cif->nargs > 0 && avalue == NULL)
        return fail(h, MOVGC_E_MISUSE, "movgc_ffi_call: avalue is NULL");
    if (pass == NULL) {
        ffi_call(cif, fn, rvalue, avalue);
        return MOVGC_OK;
    }
    for (; taken < cif->nargs; taken++) {
        argv[taken] = avalue[taken];
        if (!is_heap_mode(pass[taken]))
            continue;
        err = take_arg(h, cif, taken, pass[taken], avalue[taken],
                       &args[taken]);
        if (err != MOVGC_OK)
            goto out;
        argv[taken] = &ptrs[taken];
    }
    for (i = 0; i < cif->nargs; i++) {
        if (!is_heap_mode(pass[i]))
            continue;
        if ((err = pin_arg(h, pass[i], &args[i], &ptrs[i])) != MOVGC_OK)
            goto out;
    }
    ffi_call(cif, fn, rvalue, argv);
out:
    release_args(h, taken, avalue, pass, args);
    return err;
}

/* }================================================================= calls */

/* {============================================================= callbacks */

struct movgc_ffi_callback {
    ffi_closure *closure;    /* libffi's writable view of the trampoline */
    movgc_heap *h;           /* heap passed to 'fn' */
    movgc_ffi_host_fn *fn;   /* host callback */
    void *ud;                /* passed to 'fn' */
};

/* libffi's entry for every callback: run the host function and keep
 * [ffi.depth]. */
static void trampoline(ffi_cif *cif, void *ret, void **args, void *data)
{
    struct movgc_ffi_callback *cb = data;
    size_t depth = movgc_roots_depth(cb->h);
    (void)cif;
    cb->fn(cb->h, ret, args, cb->ud);
    size_t now = movgc_roots_depth(cb->h);
    if (now != depth) {
        if (now > depth)
            movgc_roots_restore(cb->h, depth);
        fail(cb->h, MOVGC_E_MISUSE,
             "movgc_ffi callback returned with the shadow stack at depth "
             "%zu, entered at %zu", now, depth);
    }
}

MOVGC_API movgc_ffi_callback *movgc_ffi_callback_new(movgc_heap *h,
                                                     ffi_cif *cif,
                                                     movgc_ffi_host_fn *fn,
                                                     void *ud,
                                                     void **code_out)
{
    struct movgc_ffi_callback *cb;
    void *code = NULL;
    if (check_cif(h, "movgc_ffi_callback_new", cif) != MOVGC_OK)
        return NULL;
    if (fn == NULL || code_out == NULL) {
        fail(h, MOVGC_E_MISUSE, "movgc_ffi_callback_new: %s is NULL",
             fn == NULL ? "fn" : "code_out");
        return NULL;
    }
    cb = malloc(sizeof *cb);
    if (cb != NULL)
        cb->closure = ffi_closure_alloc(sizeof(ffi_closure), &code);
    if (cb == NULL || cb->closure == NULL) {
        free(cb);
        fail(h, MOVGC_E_NOMEM, "movgc_ffi_callback_new: out of memory");
        return NULL;
    }
    cb->h = h;
    cb->fn = fn;
    cb->ud = ud;
    if (ffi_prep_closure_loc(cb->closure, cif, trampoline, cb, code)
        != FFI_OK) {
        ffi_closure_free(cb->closure);
        free(cb);
        fail(h, MOVGC_E_MISUSE,
             "movgc_ffi_callback_new: bad cif: libffi rejects it");
        return NULL;
    }
    *code_out = code;
    return cb;
}

MOVGC_API void movgc_ffi_callback_free(movgc_ffi_callback *cb)
{
    if (cb == NULL)
        return;
    ffi_closure_free(cb->closure);
    free(cb);
}

/* }============================================================= callbacks */

/* {==================================================== out-of-line entries */

MOVGC_API void *movgc_ffi_alloc(movgc_heap *h, unsigned tag, size_t nrefs,
                                size_t nbytes)
{
    return movgc_alloc(h, tag, nrefs, nbytes);
}

MOVGC_API size_t movgc_ffi_nrefs(const void *obj) { return movgc_nrefs(obj); }
MOVGC_API size_t movgc_ffi_nbytes(const void *obj) { return movgc_nbytes(obj); }
MOVGC_API unsigned movgc_ffi_tag(const void *obj) { return movgc_tag(obj); }
MOVGC_API void *movgc_ffi_data(void *obj) { return movgc_data(obj); }

MOVGC_API void *movgc_ffi_get(const void *obj, size_t i)
{
    return movgc_get(obj, i);
}

MOVGC_API void movgc_ffi_set(movgc_heap *h, void *obj, size_t i, void *val)
{
    movgc_set(h, obj, i, val);
}

MOVGC_API void *movgc_ffi_handle_get(movgc_heap *h, movgc_handle hd)
{
    return movgc_handle_get(h, hd);
}

/* }==================================================== out-of-line entries */

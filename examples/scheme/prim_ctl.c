/* prim_ctl.c -- control: multiple values, exceptions and error objects,
 * dynamic-wind, escaping continuations and guard's escape point.
 *
 * Several values are one T_VALUES object whose slots are the values; a
 * single value is itself, so code that ignores multiple values never sees
 * the object.
 *
 * Continuations are escape-only: call/cc opens an escape point (setjmp,
 * error.c) and the continuation object names it by id.  Calling it while
 * call/cc's extent is live unwinds (dynamic-wind 'after' thunks run) and
 * returns from call/cc; calling it after call/cc returned is an error,
 * since the C stack it would need is gone. */
#include "prims.h"

static V error_rtd;          /* the record type of error objects */

/* Error objects: records of error_rtd with fields message irritants
 * where (the form being applied, for messages; NULL if unknown). */
V sx_make_error(V msg, V irritants, V where) {
    V e;
    FRAME;
    ROOT(msg);
    ROOT(irritants);
    ROOT(where);
    e = gc_alloc(T_RECORD, 4, 0);
    gc_set(e, 0, error_rtd);
    gc_set(e, 1, msg);
    gc_set(e, 2, irritants);
    gc_set(e, 3, where);
    RETURN(e);
}

bool sx_is_error(V v) { return type_of(v) == T_RECORD && gc_get(v, 0) == error_rtd; }

V sx_values2(V a, V b) {
    V v;
    FRAME;
    ROOT(a);
    ROOT(b);
    v = gc_alloc(T_VALUES, 2, 0);
    gc_set(v, 0, a);
    gc_set(v, 1, b);
    RETURN(v);
}

static V p_values(int argc, V *argv) {
    V v;
    int i;
    if (argc == 1)
        return argv[0];
    v = gc_alloc(T_VALUES, (size_t)argc, 0);    /* argv is rooted */
    for (i = 0; i < argc; i++)
        gc_set(v, (size_t)i, argv[i]);
    return v;
}

V sx_values_to_list(V v) {
    V l = NULL;
    size_t i;
    if (type_of(v) != T_VALUES)
        return cons(v, NULL);
    FRAME;
    ROOT(v);
    ROOT(l);
    for (i = gc_nrefs(v); i-- > 0;)
        l = cons(gc_get(v, i), l);
    RETURN(l);
}

/* (call-with-values producer consumer) */
static V p_call_with_values(int argc, V *argv) {
    V v;
    (void)argc;
    v = sx_apply(argv[0], NULL);
    v = sx_values_to_list(v);
    return sx_apply(argv[1], v);
}

static void check_proc(V v, const char *who) {
    unsigned t = type_of(v);
    if (t != T_CLOS && t != T_PRIM && t != T_CONT)
        sx_type_error(who, "a procedure", v);
}

/* ---- exceptions */
static V p_raise(int argc, V *argv) { (void)argc; return sx_raise_obj(argv[0], false); }
static V p_raise_continuable(int argc, V *argv) { (void)argc; return sx_raise_obj(argv[0], true); }

static V p_with_exception_handler(int argc, V *argv) {
    V saved = sx_handlers, r;
    (void)argc;
    check_proc(argv[0], "with-exception-handler");
    check_proc(argv[1], "with-exception-handler");
    FRAME;
    ROOT(saved);
    r = cons(argv[0], sx_handlers);
    sx_handlers = r;
    r = sx_apply(argv[1], NULL);
    sx_handlers = saved;       /* an escape restores it in sx_recover */
    RETURN(r);
}

static V error_field(V e, size_t i, const char *who) {
    if (!sx_is_error(e))
        sx_type_error(who, "an error object", e);
    return gc_get(e, i);
}
static V p_error_object_p(int argc, V *argv) { (void)argc; return boolean(sx_is_error(argv[0])); }
static V p_error_object_message(int argc, V *argv) { (void)argc; return error_field(argv[0], 1, "error-object-message"); }
static V p_error_object_irritants(int argc, V *argv) { (void)argc; return error_field(argv[0], 2, "error-object-irritants"); }
/* The interpreter's own errors are told apart by their message. */
static bool message_starts(V e, const char *prefix) {
    V m;
    if (!sx_is_error(e) || type_of(m = gc_get(e, 1)) != T_STR)
        return false;
    return strncmp(str_ptr(m), prefix, strlen(prefix)) == 0;
}
static V p_file_error_p(int argc, V *argv) { (void)argc; return boolean(message_starts(argv[0], "cannot open file")); }
static V p_read_error_p(int argc, V *argv) { (void)argc; return boolean(message_starts(argv[0], "read: ")); }

/* (%guard thunk handler): run thunk; if it raises to this guard, come
 * back here (unwound) and return (handler obj).  guard's expansion. */
static V p_guard(int argc, V *argv) {
    struct sx_catch c;
    V r = NULL, marker = NULL;
    (void)argc;
    FRAME;
    ROOT(r);
    ROOT(marker);
    sx_catch_open(&c);
    marker = make_fix((int64_t)c.id);
    marker = cons(marker, sx_handlers);
    if (setjmp(c.jb) == 0) {
        sx_handlers = marker;
        r = sx_apply(argv[0], NULL);
        sx_catcher = c.prev;
        sx_handlers = c.handlers;
        RETURN(r);
    }
    sx_recover(&c);
    r = cons(sx_thrown, NULL);
    sx_thrown = NULL;
    r = sx_apply(argv[1], r);
    RETURN(r);
}

/* ---- dynamic-wind: only ever unwound (continuations escape only) */
static V p_dynamic_wind(int argc, V *argv) {
    V r = NULL;
    (void)argc;
    check_proc(argv[0], "dynamic-wind");
    check_proc(argv[1], "dynamic-wind");
    check_proc(argv[2], "dynamic-wind");
    FRAME;
    ROOT(r);
    sx_apply(argv[0], NULL);
    r = cons(argv[0], argv[2]);
    r = cons(r, sx_winders);
    sx_winders = r;
    r = sx_apply(argv[1], NULL);
    sx_winders = cdr(sx_winders);
    sx_apply(argv[2], NULL);
    RETURN(r);
}

/* ---- call/cc, escaping */
static V p_call_cc(int argc, V *argv) {
    struct sx_catch c;
    V k = NULL, r = NULL;
    (void)argc;
    check_proc(argv[0], "call/cc");
    FRAME;
    ROOT(k);
    ROOT(r);
    k = gc_alloc(T_CONT, 0, 8);
    r = cons(k, NULL);
    sx_catch_open(&c);
    memcpy(gc_raw(k), &c.id, 8);
    if (setjmp(c.jb) == 0) {
        r = sx_apply(argv[0], r);
        sx_catcher = c.prev;
        RETURN(r);
    }
    sx_recover(&c);
    r = sx_thrown;
    sx_thrown = NULL;
    RETURN(r);
}

/* Call continuation k with the list of values args. */
_Noreturn void sx_continue(V k, V args) {
    uint64_t id;
    V v = NULL;
    size_t i, n = (size_t)list_length(args);
    memcpy(&id, gc_raw(k), 8);
    if (n == 1) {
        v = car(args);
    } else {
        FRAME;
        ROOT(args);
        v = gc_alloc(T_VALUES, n, 0);
        for (i = 0; i < n; i++, args = cdr(args))
            gc_set(v, i, car(args));
        UNFRAME;
    }
    sx_throw(id, v, "continuation called after its call/cc returned "
                    "(only escaping continuations are supported)");
}

void prim_ctl_init(void) {
    V s = NULL;
    FRAME;
    ROOT(s);
    gc_global(&error_rtd);
    s = intern("error-object", 12);
    error_rtd = gc_alloc(T_RTD, 2, 0);
    gc_set(error_rtd, 0, s);
    def_prim("values", p_values, 0, VARIADIC, 0);
    def_prim("call-with-values", p_call_with_values, 2, 2, 0);
    def_prim("raise", p_raise, 1, 1, 0);
    def_prim("raise-continuable", p_raise_continuable, 1, 1, 0);
    def_prim("with-exception-handler", p_with_exception_handler, 2, 2, 0);
    def_prim("error-object?", p_error_object_p, 1, 1, PRIM_LEAF);
    def_prim("error-object-message", p_error_object_message, 1, 1, PRIM_LEAF);
    def_prim("error-object-irritants", p_error_object_irritants, 1, 1, PRIM_LEAF);
    def_prim("file-error?", p_file_error_p, 1, 1, PRIM_LEAF);
    def_prim("read-error?", p_read_error_p, 1, 1, PRIM_LEAF);
    def_prim("%guard", p_guard, 2, 2, 0);
    def_prim("dynamic-wind", p_dynamic_wind, 3, 3, 0);
    def_prim("call-with-current-continuation", p_call_cc, 1, 1, 0);
    def_prim("call/cc", p_call_cc, 1, 1, 0);
    UNFRAME;
}

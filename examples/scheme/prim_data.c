/* prim_data.c -- records (define-record-type's runtime), promises (delay,
 * delay-force, make-promise, force) and the arity test case-lambda
 * dispatches on.  The %-names are what compile.c's expansions call. */
#include "prims.h"
#include "code.h"

#define ARGC_UNUSED (void)argc

/* ---- records: a T_RTD (name field-names) and T_RECORD (rtd fields...) */
static V p_make_rtd(int argc, V *argv) {
    V t;
    ARGC_UNUSED;
    t = gc_alloc(T_RTD, 2, 0);          /* argv is rooted */
    gc_set(t, 0, argv[0]);
    gc_set(t, 1, argv[1]);
    return t;
}

static size_t rtd_nfields(V rtd) { return (size_t)list_length(gc_get(rtd, 1)); }

/* (%make-record rtd v ...): every field, in order. */
static V p_make_record(int argc, V *argv) {
    V r;
    int i;
    check_type(argv[0], T_RTD, "%make-record", "a record type");
    if ((size_t)argc - 1 != rtd_nfields(argv[0]))
        sx_error("record constructor: wrong number of fields for", gc_get(argv[0], 0));
    r = gc_alloc(T_RECORD, (size_t)argc, 0);
    for (i = 0; i < argc; i++)
        gc_set(r, (size_t)i, argv[i]);
    return r;
}

static V p_record_p(int argc, V *argv) {
    ARGC_UNUSED;
    return boolean(type_of(argv[0]) == T_RECORD && gc_get(argv[0], 0) == argv[1]);
}

/* (%record-ref r rtd i who) and (%record-set! r rtd i v who) */
static void check_record(V r, V rtd, V who) {
    if (type_of(r) != T_RECORD || gc_get(r, 0) != rtd) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s: expected a record of type %s, got",
                 str_ptr(sym_name(who)), str_ptr(sym_name(gc_get(rtd, 0))));
        sx_error(buf, r);
    }
}
static V p_record_ref(int argc, V *argv) {
    ARGC_UNUSED;
    check_record(argv[0], argv[1], argv[3]);
    return gc_get(argv[0], 1 + (size_t)fix_val(argv[2]));
}
static V p_record_set(int argc, V *argv) {
    ARGC_UNUSED;
    check_record(argv[0], argv[1], argv[4]);
    gc_set(argv[0], 1 + (size_t)fix_val(argv[2]), argv[3]);
    return sx_unspec;
}

/* ---- promises (R7RS 7.3's model): a promise holds a box shared with
 * the promises it was forced through, so forcing chains of delay-force
 * runs in constant space. */
static V make_promise(bool done, V v) {
    V box, p;
    FRAME;
    ROOT(v);
    box = cons(boolean(done), v);
    ROOT(box);
    p = gc_alloc(T_PROMISE, 1, 0);
    gc_set(p, 0, box);
    RETURN(p);
}

static V p_make_lazy(int argc, V *argv) { ARGC_UNUSED; return make_promise(false, argv[0]); }
static V p_make_promise(int argc, V *argv) {
    ARGC_UNUSED;
    return type_of(argv[0]) == T_PROMISE ? argv[0] : make_promise(true, argv[0]);
}
static V p_promise_p(int argc, V *argv) { ARGC_UNUSED; return boolean(type_of(argv[0]) == T_PROMISE); }

static V p_force(int argc, V *argv) {
    V p = argv[0], q = NULL, box;
    ARGC_UNUSED;
    if (type_of(p) != T_PROMISE)
        return p;
    FRAME;
    ROOT(p);
    ROOT(q);
    for (;;) {
        box = gc_get(p, 0);
        if (car(box) == sx_true)
            break;
        q = sx_apply(cdr(box), NULL);
        box = gc_get(p, 0);
        if (car(box) == sx_true)   /* forced meanwhile, by the thunk */
            break;
        if (type_of(q) != T_PROMISE)
            sx_error("force: delay-force body did not give a promise:", q);
        /* p takes over q's state; q shares p's box from now on */
        set_car(box, car(gc_get(q, 0)));
        set_cdr(box, cdr(gc_get(q, 0)));
        gc_set(q, 0, box);
    }
    q = cdr(gc_get(p, 0));
    RETURN(q);
}

/* (%arity-ok? f n): can procedure f take n arguments?  Primitives say
 * what they take; a continuation takes any number. */
static V p_arity_ok(int argc, V *argv) {
    int64_t n = fix_val(argv[1]);
    V lam;
    ARGC_UNUSED;
    switch (type_of(argv[0])) {
    case T_CLOS:
        lam = clos_code(argv[0]);
        return boolean(n >= code_raw(lam)[1] && (code_raw(lam)[2] || n == code_raw(lam)[1]));
    case T_PRIM:
        return boolean(n >= prim_raw(argv[0])->min && (prim_raw(argv[0])->max < 0 || n <= prim_raw(argv[0])->max));
    default:
        return boolean(type_of(argv[0]) == T_CONT);
    }
}

void prim_data_init(void) {
    def_prim("%make-rtd", p_make_rtd, 2, 2, 0);
    def_prim("%make-record", p_make_record, 1, VARIADIC, 0);
    def_prim("%record?", p_record_p, 2, 2, PRIM_LEAF);
    def_prim("%record-ref", p_record_ref, 4, 4, PRIM_LEAF);
    def_prim("%record-set!", p_record_set, 5, 5, PRIM_LEAF);
    def_prim("%make-lazy", p_make_lazy, 1, 1, 0);
    def_prim("make-promise", p_make_promise, 1, 1, 0);
    def_prim("promise?", p_promise_p, 1, 1, PRIM_LEAF);
    def_prim("force", p_force, 1, 1, 0);
    def_prim("%arity-ok?", p_arity_ok, 2, 2, PRIM_LEAF);
}

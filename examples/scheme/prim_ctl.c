/* prim_ctl.c -- control primitives: multiple values.  Several values are
 * one T_VALUES object whose slots are the values; a single value is
 * itself, so code that ignores multiple values never sees the object. */
#include "prims.h"

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

void prim_ctl_init(void) {
    def_prim("values", p_values, 0, VARIADIC, 0);
    def_prim("call-with-values", p_call_with_values, 2, 2, 0);
}

/* prim_vec.c -- vectors: one reference slot per element, written only
 * through gc_set (the write barrier). */
#include "prims.h"

#define ARGC_UNUSED (void)argc

V list_to_vector(V l) {
    int64_t i, n = list_length(l);
    V v;
    FRAME;
    ROOT(l);
    if (n < 0)
        sx_type_error("list->vector", "a proper list", l);
    v = make_vec((size_t)n, NULL);
    for (i = 0; i < n; i++, l = cdr(l))
        gc_set(v, (size_t)i, car(l));
    RETURN(v);
}

V vector_to_list(V v) {
    size_t i;
    V l = NULL;
    FRAME;
    ROOT(v);
    ROOT(l);
    for (i = vec_len(v); i > 0; i--)
        l = cons(gc_get(v, i - 1), l);
    RETURN(l);
}

static void check_vec(V v, const char *who) { check_type(v, T_VEC, who, "a vector"); }

static V p_vector_p(int argc, V *argv) { ARGC_UNUSED; return boolean(type_of(argv[0]) == T_VEC); }
static V p_make_vector(int argc, V *argv) {
    int64_t n = check_index(argv[0], 0, (int64_t)1 << 40, "make-vector");
    return make_vec((size_t)n, argc > 1 ? argv[1] : sx_false);
}
static V p_vector(int argc, V *argv) {
    V v = make_vec((size_t)argc, NULL);
    for (int i = 0; i < argc; i++)
        gc_set(v, (size_t)i, argv[i]);
    return v;
}
static V p_vector_length(int argc, V *argv) {
    ARGC_UNUSED;
    check_vec(argv[0], "vector-length");
    return make_fix((int64_t)vec_len(argv[0]));
}
static V p_vector_ref(int argc, V *argv) {
    ARGC_UNUSED;
    check_vec(argv[0], "vector-ref");
    return gc_get(argv[0], (size_t)check_index(argv[1], 0, (int64_t)vec_len(argv[0]) - 1, "vector-ref"));
}
static V p_vector_set(int argc, V *argv) {
    ARGC_UNUSED;
    check_vec(argv[0], "vector-set!");
    gc_set(argv[0], (size_t)check_index(argv[1], 0, (int64_t)vec_len(argv[0]) - 1, "vector-set!"), argv[2]);
    return sx_unspec;
}
static V p_vector_fill(int argc, V *argv) {
    ARGC_UNUSED;
    check_vec(argv[0], "vector-fill!");
    for (size_t i = 0; i < vec_len(argv[0]); i++)
        gc_set(argv[0], i, argv[1]);
    return sx_unspec;
}
static V p_vector_to_list(int argc, V *argv) {
    ARGC_UNUSED;
    check_vec(argv[0], "vector->list");
    return vector_to_list(argv[0]);
}
static V p_list_to_vector(int argc, V *argv) { ARGC_UNUSED; return list_to_vector(argv[0]); }

static V p_vector_copy(int argc, V *argv) {
    int64_t start, end, i;
    V v;
    check_vec(argv[0], "vector-copy");
    end = (int64_t)vec_len(argv[0]);
    start = argc > 1 ? check_index(argv[1], 0, end, "vector-copy") : 0;
    end = argc > 2 ? check_index(argv[2], start, end, "vector-copy") : end;
    v = make_vec((size_t)(end - start), NULL);
    for (i = start; i < end; i++)
        gc_set(v, (size_t)(i - start), gc_get(argv[0], (size_t)i));
    return v;
}

static V p_vector_append(int argc, V *argv) {
    size_t n = 0, at = 0, i;
    int k;
    V v;
    for (k = 0; k < argc; k++) {
        check_vec(argv[k], "vector-append");
        n += vec_len(argv[k]);
    }
    v = make_vec(n, NULL);
    for (k = 0; k < argc; k++)
        for (i = 0; i < vec_len(argv[k]); i++)
            gc_set(v, at++, gc_get(argv[k], i));
    return v;
}

/* (vector-map f v ...) and vector-for-each: index by index, calling back
 * into Scheme; the result vector is rooted across the calls. */
static V vector_walk(int argc, V *argv, bool collect, const char *who) {
    size_t n = SIZE_MAX, i;
    int k;
    V res = NULL, args = NULL, r = NULL;
    FRAME;
    ROOT(res);
    ROOT(args);
    ROOT(r);
    for (k = 1; k < argc; k++) {
        check_vec(argv[k], who);
        if (vec_len(argv[k]) < n)
            n = vec_len(argv[k]);
    }
    if (collect)
        res = make_vec(n, NULL);
    for (i = 0; i < n; i++) {
        args = NULL;
        for (k = argc - 1; k >= 1; k--)
            args = cons(gc_get(argv[k], i), args);
        r = sx_apply(argv[0], args);
        if (collect)
            gc_set(res, i, r);
    }
    r = collect ? res : sx_unspec;
    RETURN(r);
}
static V p_vector_map(int argc, V *argv) { return vector_walk(argc, argv, true, "vector-map"); }
static V p_vector_for_each(int argc, V *argv) { return vector_walk(argc, argv, false, "vector-for-each"); }

void prim_vec_init(void) {
    def_prim("vector?", p_vector_p, 1, 1, PRIM_LEAF);
    def_prim("make-vector", p_make_vector, 1, 2, PRIM_LEAF);
    def_prim("vector", p_vector, 0, VARIADIC, 0);
    def_prim("vector-length", p_vector_length, 1, 1, PRIM_LEAF);
    def_prim("vector-ref", p_vector_ref, 2, 2, PRIM_LEAF);
    def_prim("vector-set!", p_vector_set, 3, 3, PRIM_LEAF);
    def_prim("vector-fill!", p_vector_fill, 2, 2, 0);
    def_prim("vector->list", p_vector_to_list, 1, 1, 0);
    def_prim("list->vector", p_list_to_vector, 1, 1, 0);
    def_prim("vector-copy", p_vector_copy, 1, 3, 0);
    def_prim("vector-append", p_vector_append, 0, VARIADIC, 0);
    def_prim("vector-map", p_vector_map, 2, VARIADIC, 0);
    def_prim("vector-for-each", p_vector_for_each, 2, VARIADIC, 0);
}

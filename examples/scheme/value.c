/* value.c -- constructors for Scheme values and the constant objects held
 * in global roots (booleans, shared small fixnums and characters). */
#include "value.h"

V sx_false, sx_true, sx_unspec, sx_unbound, sx_eof;
V sx_smallints, sx_chars, sx_keep;
V sx_sym_quote, sx_sym_quasiquote, sx_sym_unquote, sx_sym_unquote_splicing,
    sx_sym_else, sx_sym_arrow, sx_sym_define;

static V *const globals[] = {
    &sx_false, &sx_true, &sx_unspec, &sx_unbound, &sx_eof, &sx_smallints,
    &sx_chars, &sx_keep, &sx_sym_quote, &sx_sym_quasiquote, &sx_sym_unquote,
    &sx_sym_unquote_splicing, &sx_sym_else, &sx_sym_arrow, &sx_sym_define,
};

/* Each constant is a distinct object, so eq? and the tests in value.h
 * compare addresses; the global roots keep those addresses current. */
void value_init(void) {
    size_t i;
    V v = NULL;
    FRAME;
    ROOT(v);
    for (i = 0; i < sizeof globals / sizeof *globals; i++)
        gc_global(globals[i]);
    sx_false = gc_alloc(T_BOOL, 0, 1);
    sx_true = gc_alloc(T_BOOL, 0, 1);
    *(char *)gc_raw(sx_true) = 1;
    sx_unspec = gc_alloc(T_UNSPEC, 0, 0);
    sx_unbound = gc_alloc(T_UNBOUND, 0, 0);
    sx_eof = gc_alloc(T_EOF, 0, 0);
    sx_smallints = gc_alloc(T_VEC, SMALL_MAX - SMALL_MIN + 1, 0); /* filled lazily */
    sx_chars = gc_alloc(T_VEC, 256, 0);
    for (i = 0; i < 256; i++) {
        v = gc_alloc(T_CHAR, 0, 4);
        *(uint32_t *)gc_raw(v) = (uint32_t)i;
        gc_set(sx_chars, i, v);
    }
    sx_sym_quote = intern("quote", 5);
    sx_sym_quasiquote = intern("quasiquote", 10);
    sx_sym_unquote = intern("unquote", 7);
    sx_sym_unquote_splicing = intern("unquote-splicing", 16);
    sx_sym_else = intern("else", 4);
    sx_sym_arrow = intern("=>", 2);
    sx_sym_define = intern("define", 6);
    UNFRAME;
}

V cons(V a, V d) {
    V p;
    FRAME;
    ROOT(a);
    ROOT(d);
    p = gc_alloc(T_PAIR, 2, 0);
    gc_set(p, 0, a);
    gc_set(p, 1, d);
    RETURN(p);
}

V list2(V a, V b) {
    FRAME;
    ROOT(a);
    b = cons(b, NULL);
    b = cons(a, b);
    RETURN(b);
}

int64_t list_length(V l) {
    int64_t n = 0;
    V slow = l;
    while (is_pair(l)) {
        l = cdr(l);
        n++;
        if (n & 1)
            continue;
        slow = cdr(slow); /* half speed: meets 'l' only on a cycle */
        if (slow == l && is_pair(l))
            return -1; /* circular */
    }
    return l ? -1 : n;
}

/* Small fixnums are shared: made on first use and kept in 'sx_smallints'
 * (few programs use them all; a small heap keeps MOVGC_VERIFY fast). */
V make_fix(int64_t n) {
    V v;
    bool small = n >= SMALL_MIN && n <= SMALL_MAX;
    if (small && (v = gc_get(sx_smallints, (size_t)(n - SMALL_MIN))))
        return v;
    v = gc_alloc(T_FIX, 0, 8);
    memcpy(gc_raw(v), &n, 8);
    if (small)
        gc_set(sx_smallints, (size_t)(n - SMALL_MIN), v);
    return v;
}

V make_flo(double d) {
    V v = gc_alloc(T_FLO, 0, 8);
    memcpy(gc_raw(v), &d, 8);
    return v;
}

/* p must not point into the heap: the allocation may move it.  With p
 * NULL the bytes are zero and the caller fills them in afterwards. */
V make_str(const char *p, size_t len) {
    int64_t n = (int64_t)len;
    V s = gc_alloc(T_STR, 0, 8 + len + 1);
    memcpy(gc_raw(s), &n, 8);
    if (p)
        memcpy(str_ptr(s), p, len);
    return s;
}

/* As make_str: p must be C memory, or NULL for zero bytes. */
V make_bytes(const void *p, size_t len) {
    V n, b;
    FRAME;
    n = make_fix((int64_t)len);
    ROOT(n);
    b = gc_alloc(T_BYTES, 1, len);
    gc_set(b, 0, n);
    if (p)
        memcpy(bytes_ptr(b), p, len);
    RETURN(b);
}

V make_char_code(unsigned c) {
    V v;
    if (c < 256)
        return make_char(c);
    v = gc_alloc(T_CHAR, 0, 4);
    *(uint32_t *)gc_raw(v) = (uint32_t)c;
    return v;
}

V make_vec(size_t n, V fill) {
    V v;
    size_t i;
    FRAME;
    ROOT(fill);
    v = gc_alloc(T_VEC, n, 0);
    if (fill)
        for (i = 0; i < n; i++)
            gc_set(v, i, fill);
    RETURN(v);
}

void def_prim(const char *name, prim_fn fn, int min, int max, int flags) {
    V s = NULL, p = NULL;
    struct prim_raw *r;
    FRAME;
    ROOT(s);
    ROOT(p);
    s = intern(name, strlen(name));
    p = gc_alloc(T_PRIM, 1, sizeof(struct prim_raw));
    gc_set(p, 0, sym_name(s));
    r = prim_raw(p);
    r->fn = fn;
    r->min = min;
    r->max = max;
    r->flags = flags;
    sym_set_value(s, p);
    sx_keep = cons(s, sx_keep);
    UNFRAME;
}

/* prim_list.c -- pairs, lists, symbols, booleans and equivalence.  Lists
 * are built front to back with a rooted head and tail. */
#include "prims.h"

#define ARGC_UNUSED (void)argc

static V p_cons(int argc, V *argv) { ARGC_UNUSED; return cons(argv[0], argv[1]); }
static V p_car(int argc, V *argv) { ARGC_UNUSED; check_type(argv[0], T_PAIR, "car", "a pair"); return car(argv[0]); }
static V p_cdr(int argc, V *argv) { ARGC_UNUSED; check_type(argv[0], T_PAIR, "cdr", "a pair"); return cdr(argv[0]); }
static V p_set_car(int argc, V *argv) {
    ARGC_UNUSED;
    check_type(argv[0], T_PAIR, "set-car!", "a pair");
    set_car(argv[0], argv[1]);   /* through the write barrier */
    return sx_unspec;
}
static V p_set_cdr(int argc, V *argv) {
    ARGC_UNUSED;
    check_type(argv[0], T_PAIR, "set-cdr!", "a pair");
    set_cdr(argv[0], argv[1]);
    return sx_unspec;
}

/* c[ad]+r: the path is read right to left, as in the name. */
static V cxr(V v, const char *name) {
    const char *p = name + strlen(name) - 2;
    for (; *p != 'c'; p--) {
        if (!is_pair(v))
            sx_type_error(name, "a pair", v);
        v = *p == 'a' ? car(v) : cdr(v);
    }
    return v;
}
#define CXR(fn, name) static V fn(int argc, V *argv) { ARGC_UNUSED; return cxr(argv[0], name); }
CXR(p_caar, "caar") CXR(p_cadr, "cadr") CXR(p_cdar, "cdar") CXR(p_cddr, "cddr")
CXR(p_caaar, "caaar") CXR(p_caadr, "caadr") CXR(p_cadar, "cadar") CXR(p_caddr, "caddr")
CXR(p_cdaar, "cdaar") CXR(p_cdadr, "cdadr") CXR(p_cddar, "cddar") CXR(p_cdddr, "cdddr")
CXR(p_cadddr, "cadddr") CXR(p_cddddr, "cddddr")
CXR(p_caaaar, "caaaar") CXR(p_caaadr, "caaadr") CXR(p_caadar, "caadar") CXR(p_caaddr, "caaddr")
CXR(p_cadaar, "cadaar") CXR(p_cadadr, "cadadr") CXR(p_caddar, "caddar") CXR(p_cdaaar, "cdaaar")
CXR(p_cdaadr, "cdaadr") CXR(p_cdadar, "cdadar") CXR(p_cdaddr, "cdaddr") CXR(p_cddaar, "cddaar")
CXR(p_cddadr, "cddadr") CXR(p_cdddar, "cdddar")

static V p_list(int argc, V *argv) {
    V l = NULL;
    FRAME;
    ROOT(l);
    while (argc-- > 0)
        l = cons(argv[argc], l);
    RETURN(l);
}

static V p_make_list(int argc, V *argv) {
    int64_t n = check_index(argv[0], 0, INT64_MAX, "make-list");
    V l = NULL, fill = argc > 1 ? argv[1] : sx_unspec;
    FRAME;
    ROOT(l);
    ROOT(fill);
    while (n-- > 0)
        l = cons(fill, l);
    RETURN(l);
}

static int64_t check_list(V l, const char *who) {
    int64_t n = list_length(l);
    if (n < 0)
        sx_type_error(who, "a proper list", l);
    return n;
}

static V p_length(int argc, V *argv) { ARGC_UNUSED; return make_fix(check_list(argv[0], "length")); }

/* A fresh copy of list l with 'last' as the final cdr. */
static V copy_onto(V l, V last) {
    V head = NULL, tail = NULL, c = NULL;
    FRAME;
    ROOT(l);
    ROOT(last);
    ROOT(head);
    ROOT(tail);
    ROOT(c);
    for (; is_pair(l); l = cdr(l)) {
        c = cons(car(l), NULL);
        if (head)
            set_cdr(tail, c);
        else
            head = c;
        tail = c;
    }
    if (head)
        set_cdr(tail, last);
    else
        head = last;
    RETURN(head);
}

static V p_append(int argc, V *argv) {
    V r = NULL;
    FRAME;
    ROOT(r);
    if (argc == 0) {
        UNFRAME;
        return NULL;
    }
    r = argv[argc - 1];
    for (argc -= 2; argc >= 0; argc--) {
        check_list(argv[argc], "append");
        r = copy_onto(argv[argc], r);
    }
    RETURN(r);
}

static V p_list_copy(int argc, V *argv) { ARGC_UNUSED; return copy_onto(argv[0], NULL); }

static V p_reverse(int argc, V *argv) {
    V r = NULL;
    FRAME;
    ROOT(r);
    ARGC_UNUSED;
    check_list(argv[0], "reverse");
    for (; argv[0]; argv[0] = cdr(argv[0]))
        r = cons(car(argv[0]), r);
    RETURN(r);
}

static V p_list_tail(int argc, V *argv) {
    int64_t k = check_index(argv[1], 0, INT64_MAX, "list-tail");
    V l = argv[0];
    ARGC_UNUSED;
    for (; k > 0; k--, l = cdr(l))
        if (!is_pair(l))
            sx_error("list-tail: list too short:", argv[0]);
    return l;
}

static V p_list_ref(int argc, V *argv) {
    V l = p_list_tail(argc, argv);
    if (!is_pair(l))
        sx_error("list-ref: list too short:", argv[0]);
    return car(l);
}

static V p_list_set(int argc, V *argv) {
    V l = p_list_tail(argc, argv);
    if (!is_pair(l))
        sx_error("list-set!: list too short:", argv[0]);
    set_car(l, argv[2]);
    return sx_unspec;
}

static V p_last_pair(int argc, V *argv) {
    V l = argv[0];
    ARGC_UNUSED;
    check_type(l, T_PAIR, "last-pair", "a pair");
    while (is_pair(cdr(l)))
        l = cdr(l);
    return l;
}

/* ---- member and assoc families.  With a user predicate, the walk calls
 * back into Scheme (may collect), so the list position lives in argv[1]. */
enum { EQ, EQV, EQUAL, PROC };

static bool same(int how, V a, V b, V proc) {
    V args = NULL, r;
    switch (how) {
    case EQ: return a == b;
    case EQV: return eqv(a, b);
    case EQUAL: return equal(a, b);
    default: break;
    }
    FRAME;
    ROOT(args);
    ROOT(proc);
    args = list2(a, b);
    r = sx_apply(proc, args);
    UNFRAME;
    return is_true(r);
}

static V member(int how, int argc, V *argv) {
    V proc = argc > 2 ? argv[2] : NULL;
    for (; is_pair(argv[1]); argv[1] = cdr(argv[1]))
        if (same(how, argv[0], car(argv[1]), proc))
            return argv[1];
    return sx_false;
}

static V assoc(int how, int argc, V *argv, const char *who) {
    V proc = argc > 2 ? argv[2] : NULL;
    for (; is_pair(argv[1]); argv[1] = cdr(argv[1])) {
        if (!is_pair(car(argv[1])))
            sx_type_error(who, "an association list", car(argv[1]));
        if (same(how, argv[0], car(car(argv[1])), proc))
            return car(argv[1]);
    }
    return sx_false;
}

static V p_memq(int argc, V *argv) { return member(EQ, argc, argv); }
static V p_memv(int argc, V *argv) { return member(EQV, argc, argv); }
static V p_member(int argc, V *argv) { return member(argc > 2 ? PROC : EQUAL, argc, argv); }
static V p_assq(int argc, V *argv) { return assoc(EQ, argc, argv, "assq"); }
static V p_assv(int argc, V *argv) { return assoc(EQV, argc, argv, "assv"); }
static V p_assoc(int argc, V *argv) { return assoc(argc > 2 ? PROC : EQUAL, argc, argv, "assoc"); }

/* ---- predicates and equivalence */
static V p_pair_p(int argc, V *argv) { ARGC_UNUSED; return boolean(is_pair(argv[0])); }
static V p_null_p(int argc, V *argv) { ARGC_UNUSED; return boolean(argv[0] == NULL); }
static V p_list_p(int argc, V *argv) { ARGC_UNUSED; return boolean(list_length(argv[0]) >= 0); }
static V p_symbol_p(int argc, V *argv) { ARGC_UNUSED; return boolean(is_sym(argv[0])); }
static V p_boolean_p(int argc, V *argv) { ARGC_UNUSED; return boolean(type_of(argv[0]) == T_BOOL); }
static V p_procedure_p(int argc, V *argv) {
    ARGC_UNUSED;
    return boolean(type_of(argv[0]) == T_CLOS || type_of(argv[0]) == T_PRIM || type_of(argv[0]) == T_CONT);
}
static V p_not(int argc, V *argv) { ARGC_UNUSED; return boolean(argv[0] == sx_false); }
static V p_eq_p(int argc, V *argv) { ARGC_UNUSED; return boolean(argv[0] == argv[1]); }
static V p_eqv_p(int argc, V *argv) { ARGC_UNUSED; return boolean(eqv(argv[0], argv[1])); }
static V p_equal_p(int argc, V *argv) { ARGC_UNUSED; return boolean(equal(argv[0], argv[1])); }
static V p_all_eq(int argc, V *argv, unsigned t, const char *who) {
    for (int i = 0; i < argc; i++)
        check_type(argv[i], t, who, t == T_SYM ? "a symbol" : "a boolean");
    for (int i = 1; i < argc; i++)
        if (argv[i] != argv[0])
            return sx_false;
    return sx_true;
}
static V p_symbol_eq(int argc, V *argv) { return p_all_eq(argc, argv, T_SYM, "symbol=?"); }
static V p_boolean_eq(int argc, V *argv) { return p_all_eq(argc, argv, T_BOOL, "boolean=?"); }

/* ---- symbols */
static V p_symbol_to_string(int argc, V *argv) {
    V s;
    ARGC_UNUSED;
    check_type(argv[0], T_SYM, "symbol->string", "a symbol");
    s = make_str(NULL, (size_t)str_len(sym_name(argv[0])));
    /* the allocation may have moved the symbol: read it again via argv */
    memcpy(str_ptr(s), str_ptr(sym_name(argv[0])), (size_t)str_len(s));
    return s;
}
static V p_string_to_symbol(int argc, V *argv) {
    ARGC_UNUSED;
    check_type(argv[0], T_STR, "string->symbol", "a string");
    return intern_str(argv[0]);
}
static V p_symbol_count(int argc, V *argv) {
    (void)argv;
    ARGC_UNUSED;
    return make_fix((int64_t)symtab_count());
}

void prim_list_init(void) {
    def_prim("cons", p_cons, 2, 2, PRIM_LEAF);
    def_prim("car", p_car, 1, 1, PRIM_LEAF);
    def_prim("cdr", p_cdr, 1, 1, PRIM_LEAF);
    def_prim("set-car!", p_set_car, 2, 2, PRIM_LEAF);
    def_prim("set-cdr!", p_set_cdr, 2, 2, PRIM_LEAF);
    def_prim("caar", p_caar, 1, 1, PRIM_LEAF);
    def_prim("cadr", p_cadr, 1, 1, PRIM_LEAF);
    def_prim("cdar", p_cdar, 1, 1, PRIM_LEAF);
    def_prim("cddr", p_cddr, 1, 1, PRIM_LEAF);
    def_prim("caaar", p_caaar, 1, 1, PRIM_LEAF);
    def_prim("caadr", p_caadr, 1, 1, PRIM_LEAF);
    def_prim("cadar", p_cadar, 1, 1, PRIM_LEAF);
    def_prim("caddr", p_caddr, 1, 1, PRIM_LEAF);
    def_prim("cdaar", p_cdaar, 1, 1, PRIM_LEAF);
    def_prim("cdadr", p_cdadr, 1, 1, PRIM_LEAF);
    def_prim("cddar", p_cddar, 1, 1, PRIM_LEAF);
    def_prim("cdddr", p_cdddr, 1, 1, PRIM_LEAF);
    def_prim("cadddr", p_cadddr, 1, 1, PRIM_LEAF);
    def_prim("caaaar", p_caaaar, 1, 1, PRIM_LEAF);
    def_prim("caaadr", p_caaadr, 1, 1, PRIM_LEAF);
    def_prim("caadar", p_caadar, 1, 1, PRIM_LEAF);
    def_prim("caaddr", p_caaddr, 1, 1, PRIM_LEAF);
    def_prim("cadaar", p_cadaar, 1, 1, PRIM_LEAF);
    def_prim("cadadr", p_cadadr, 1, 1, PRIM_LEAF);
    def_prim("caddar", p_caddar, 1, 1, PRIM_LEAF);
    def_prim("cdaaar", p_cdaaar, 1, 1, PRIM_LEAF);
    def_prim("cdaadr", p_cdaadr, 1, 1, PRIM_LEAF);
    def_prim("cdadar", p_cdadar, 1, 1, PRIM_LEAF);
    def_prim("cdaddr", p_cdaddr, 1, 1, PRIM_LEAF);
    def_prim("cddaar", p_cddaar, 1, 1, PRIM_LEAF);
    def_prim("cddadr", p_cddadr, 1, 1, PRIM_LEAF);
    def_prim("cdddar", p_cdddar, 1, 1, PRIM_LEAF);
    def_prim("cddddr", p_cddddr, 1, 1, PRIM_LEAF);
    def_prim("list", p_list, 0, VARIADIC, 0);
    def_prim("make-list", p_make_list, 1, 2, 0);
    def_prim("length", p_length, 1, 1, PRIM_LEAF);
    def_prim("append", p_append, 0, VARIADIC, 0);
    def_prim("list-copy", p_list_copy, 1, 1, 0);
    def_prim("reverse", p_reverse, 1, 1, 0);
    def_prim("list-tail", p_list_tail, 2, 2, PRIM_LEAF);
    def_prim("list-ref", p_list_ref, 2, 2, PRIM_LEAF);
    def_prim("list-set!", p_list_set, 3, 3, 0);
    def_prim("last-pair", p_last_pair, 1, 1, PRIM_LEAF);
    def_prim("memq", p_memq, 2, 2, PRIM_LEAF);
    def_prim("memv", p_memv, 2, 2, PRIM_LEAF);
    def_prim("member", p_member, 2, 3, 0);
    def_prim("assq", p_assq, 2, 2, PRIM_LEAF);
    def_prim("assv", p_assv, 2, 2, PRIM_LEAF);
    def_prim("assoc", p_assoc, 2, 3, 0);
    def_prim("pair?", p_pair_p, 1, 1, PRIM_LEAF);
    def_prim("null?", p_null_p, 1, 1, PRIM_LEAF);
    def_prim("list?", p_list_p, 1, 1, PRIM_LEAF);
    def_prim("symbol?", p_symbol_p, 1, 1, PRIM_LEAF);
    def_prim("boolean?", p_boolean_p, 1, 1, PRIM_LEAF);
    def_prim("procedure?", p_procedure_p, 1, 1, PRIM_LEAF);
    def_prim("not", p_not, 1, 1, PRIM_LEAF);
    def_prim("eq?", p_eq_p, 2, 2, PRIM_LEAF);
    def_prim("eqv?", p_eqv_p, 2, 2, PRIM_LEAF);
    def_prim("equal?", p_equal_p, 2, 2, PRIM_LEAF);
    def_prim("symbol=?", p_symbol_eq, 1, VARIADIC, PRIM_LEAF);
    def_prim("boolean=?", p_boolean_eq, 1, VARIADIC, PRIM_LEAF);
    def_prim("symbol->string", p_symbol_to_string, 1, 1, 0);
    def_prim("string->symbol", p_string_to_symbol, 1, 1, 0);
    def_prim("symbol-count", p_symbol_count, 0, 0, 0);
}

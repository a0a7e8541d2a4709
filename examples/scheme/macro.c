/* macro.c -- syntax-rules: matching a use against the patterns and
 * instantiating the template, with renaming for hygiene (macro.h).
 *
 * Bindings of pattern variables are an alist ((var depth . value) ...):
 * depth 0 holds the matched form itself, depth n > 0 a list of depth n-1
 * values, one per repetition of the ellipsis.  Everything is built with
 * rooted locals [compile.rooted]; the matcher itself never allocates
 * except through cons, and re-reads its operands after each call. */
#include "macro.h"
#include "eval.h"

static V sym_ellipsis, sym_underscore, sym_syntax_rules;

void macro_init(void) {
    gc_global(&sym_ellipsis);
    gc_global(&sym_underscore);
    gc_global(&sym_syntax_rules);
    sym_ellipsis = intern("...", 3);
    sym_underscore = intern("_", 1);
    sym_syntax_rules = intern("syntax-rules", 12);
    sx_keep = cons(sym_ellipsis, sx_keep);
    sx_keep = cons(sym_underscore, sx_keep);
    sx_keep = cons(sym_syntax_rules, sx_keep);
}

static _Noreturn void bad(V x) { sx_raise("bad syntax", NULL, 0, x); }

bool is_alias(V s) { return is_sym(s) && gc_nrefs(s) == ALIAS_SLOTS; }

V alias_root(V s) {
    while (is_alias(s))
        s = gc_get(s, 2);
    return s;
}

/* A fresh alias of sym, closed in the scope defenv. */
static V make_alias(V sym, V defenv) {
    V a;
    FRAME;
    ROOT(sym);
    ROOT(defenv);
    a = gc_alloc(T_SYM, ALIAS_SLOTS, 8);
    gc_set(a, 0, sym_name(sym));
    gc_set(a, 1, sx_unbound);
    gc_set(a, 2, sym);
    gc_set(a, 3, defenv);
    RETURN(a);
}

static bool has_alias(V d) {
    size_t i;
    stack_check(d);
    if (is_alias(d))
        return true;
    if (type_of(d) == T_VEC) {
        for (i = 0; i < vec_len(d); i++)
            if (has_alias(gc_get(d, i)))
                return true;
        return false;
    }
    for (; is_pair(d); d = cdr(d))
        if (has_alias(car(d)))
            return true;
    return is_alias(d);
}

/* A copy of d with every alias replaced by its root symbol. */
static V strip(V d) {
    V a = NULL, b = NULL;
    if (is_alias(d))
        return alias_root(d);
    if (type_of(d) == T_VEC) {
        FRAME;
        ROOT(a);
        a = vector_to_list(d);
        a = strip(a);
        a = list_to_vector(a);
        RETURN(a);
    }
    if (!is_pair(d))
        return d;
    FRAME;
    ROOT(d);
    ROOT(a);
    ROOT(b);
    a = strip(car(d));
    b = strip(cdr(d));
    a = cons(a, b);
    RETURN(a);
}

V syntax_strip(V d) { return has_alias(d) ? strip(d) : d; }

/* ------------------------------------------------------------ macros */

V macro_make(V spec, V defenv) {
    V m = NULL, lits, ell = sym_ellipsis, rules, r;
    FRAME;
    ROOT(spec);
    ROOT(defenv);
    ROOT(m);
    if (list_length(spec) < 2 || alias_root(car(spec)) != sym_syntax_rules)
        bad(spec);
    lits = car(cdr(spec));
    rules = cdr(cdr(spec));
    if (is_sym(lits)) {                       /* (syntax-rules ellipsis (lit ...) ...) */
        ell = lits;
        if (!is_pair(rules))
            bad(spec);
        lits = car(rules);
        rules = cdr(rules);
    }
    if (list_length(lits) < 0 || list_length(rules) < 0)
        bad(spec);
    for (r = rules; r; r = cdr(r))
        if (list_length(car(r)) != 2 || !is_pair(car(car(r))))
            bad(spec);
    m = gc_alloc(T_MACRO, 4, 0);
    /* re-read from spec: the allocation may have moved what it holds */
    lits = car(cdr(spec));
    rules = cdr(cdr(spec));
    ell = sym_ellipsis;
    if (is_sym(lits)) {
        ell = lits;
        lits = car(rules);
        rules = cdr(rules);
    }
    gc_set(m, 0, lits);
    gc_set(m, 1, rules);
    gc_set(m, 2, ell);
    gc_set(m, 3, defenv);
    RETURN(m);
}

static bool is_literal(V s, V lits) {
    for (; is_pair(lits); lits = cdr(lits))
        if (alias_root(car(lits)) == alias_root(s))
            return true;
    return false;
}

/* Number of pairs in l. */
static int64_t pairs(V l) {
    int64_t n = 0;
    for (; is_pair(l); l = cdr(l))
        n++;
    return n;
}

/* The pattern variables of pattern p, consed onto acc. */
static V pattern_vars(V p, V m, V acc) {
    FRAME;
    ROOT(p);
    ROOT(m);
    ROOT(acc);
    stack_check(p);
    if (is_sym(p)) {
        if (p != gc_get(m, 2) && alias_root(p) != sym_underscore && !is_literal(p, gc_get(m, 0)))
            acc = cons(p, acc);
    } else if (type_of(p) == T_VEC) {
        p = vector_to_list(p);
        acc = pattern_vars(p, m, acc);
    } else if (is_pair(p)) {
        acc = pattern_vars(car(p), m, acc);
        acc = pattern_vars(cdr(p), m, acc);
    }
    RETURN(acc);
}

static bool match(V p, V x, V m, V *b);

/* Match x against p (a pattern followed by the ellipsis, then tail):
 * each repetition's bindings become one element of the variables'
 * depth+1 sequences. */
static bool match_ellipsis(V p, V x, V m, V *b) {
    V vars = NULL, seqs = NULL, sub = NULL, t = NULL, u = NULL;
    int64_t n, avail;
    bool ok = true;
    FRAME;
    ROOT(p);
    ROOT(x);
    ROOT(m);
    ROOT(vars);
    ROOT(seqs);
    ROOT(sub);
    ROOT(t);
    ROOT(u);
    avail = pairs(x) - pairs(cdr(cdr(p)));
    if (avail < 0) {
        UNFRAME;
        return false;
    }
    vars = pattern_vars(car(p), m, NULL);
    for (n = 0; n < avail && ok; n++, x = cdr(x)) {
        sub = NULL;
        ok = match(car(p), car(x), m, &sub);
        seqs = cons(sub, seqs);              /* bindings per repetition, reversed */
    }
    if (!ok) {
        UNFRAME;
        return false;
    }
    for (; vars; vars = cdr(vars)) {         /* (var depth+1 . values) */
        V d = NULL;
        int64_t depth = 0;
        u = NULL;
        for (t = seqs; t; t = cdr(t)) {      /* reversed twice: in order */
            for (d = car(t); d && car(car(d)) != car(vars); d = cdr(d))
                ;
            depth = d ? fix_val(car(cdr(car(d)))) : 0;
            u = cons(d ? cdr(cdr(car(d))) : NULL, u);
        }
        t = make_fix(depth + 1);
        u = cons(t, u);
        u = cons(car(vars), u);
        *b = cons(u, *b);
    }
    ok = match(cdr(cdr(p)), x, m, b);
    UNFRAME;
    return ok;
}

/* Match form x against pattern p, adding to the alist *b (rooted). */
static bool match(V p, V x, V m, V *b) {
    V t = NULL;
    bool ok;
    stack_check(p);
    if (is_sym(p)) {
        if (is_literal(p, gc_get(m, 0)))
            return is_sym(x) && alias_root(x) == alias_root(p);
        if (alias_root(p) == sym_underscore)
            return true;
        FRAME;
        ROOT(t);
        t = make_fix(0);
        t = cons(t, x);
        t = cons(p, t);
        *b = cons(t, *b);
        UNFRAME;
        return true;
    }
    if (is_pair(p)) {
        if (is_pair(cdr(p)) && car(cdr(p)) == gc_get(m, 2))
            return match_ellipsis(p, x, m, b);
        if (!is_pair(x))
            return false;
        FRAME;
        ROOT(p);
        ROOT(x);
        ROOT(m);
        ok = match(car(p), car(x), m, b) && match(cdr(p), cdr(x), m, b);
        UNFRAME;
        return ok;
    }
    if (type_of(p) == T_VEC) {
        if (type_of(x) != T_VEC)
            return false;
        FRAME;
        ROOT(p);
        ROOT(x);
        ROOT(m);
        ROOT(t);
        t = vector_to_list(p);
        p = t;
        t = vector_to_list(x);
        ok = match(p, t, m, b);
        UNFRAME;
        return ok;
    }
    return equal(p, x);
}

/* The binding of var in alist b, or NULL. */
static V binding(V var, V b) {
    for (; b; b = cdr(b))
        if (car(car(b)) == var)
            return car(b);
    return NULL;
}

/* The variables of template t bound at depth > 0, consed onto acc. */
static V seq_vars(V t, V b, V acc) {
    V e;
    FRAME;
    ROOT(t);
    ROOT(b);
    ROOT(acc);
    if (is_sym(t)) {
        e = binding(t, b);
        if (e && fix_val(car(cdr(e))) > 0)
            acc = cons(e, acc);
    } else if (type_of(t) == T_VEC) {
        t = vector_to_list(t);
        acc = seq_vars(t, b, acc);
    } else if (is_pair(t)) {
        acc = seq_vars(car(t), b, acc);
        acc = seq_vars(cdr(t), b, acc);
    }
    RETURN(acc);
}

/* Instantiate template t with bindings b; renames: alist of the aliases
 * made so far in this expansion (one alias per symbol). */
static V instantiate(V t, V b, V m, V *renames, bool escaped);

static V instantiate_ellipsis(V t, V b, V m, V *renames) {
    V vars = NULL, out = NULL, nb = NULL, e = NULL, v = NULL, rest = NULL;
    int64_t n = -1, i;
    FRAME;
    ROOT(t);
    ROOT(b);
    ROOT(m);
    ROOT(vars);
    ROOT(out);
    ROOT(nb);
    ROOT(e);
    ROOT(v);
    ROOT(rest);
    vars = seq_vars(car(t), b, NULL);
    if (!vars)
        sx_raise("syntax-rules: no pattern variable before ... in", t, 1, NULL);
    for (e = vars; e; e = cdr(e)) {
        int64_t len = list_length(cdr(cdr(car(e))));
        if (n >= 0 && len != n)
            sx_raise("syntax-rules: ... over sequences of different lengths in", t, 1, NULL);
        n = len;
    }
    for (i = 0; i < n; i++) {
        nb = b;                              /* each var bound to its i-th value */
        for (e = vars; e; e = cdr(e)) {
            int64_t k;
            v = cdr(cdr(car(e)));
            for (k = 0; k < i; k++)
                v = cdr(v);
            v = car(v);
            v = cons(NULL, v);               /* (depth-1 . value) */
            {
                V d = make_fix(fix_val(car(cdr(car(e)))) - 1);
                set_car(v, d);               /* v re-read: rooted */
            }
            v = cons(car(car(e)), v);
            nb = cons(v, nb);
        }
        v = instantiate(car(t), nb, m, renames, false);
        out = cons(v, out);
    }
    rest = instantiate(cdr(cdr(t)), b, m, renames, false);
    for (; out; out = cdr(out))
        rest = cons(car(out), rest);
    RETURN(rest);
}

static V instantiate(V t, V b, V m, V *renames, bool escaped) {
    V e, r = NULL, a = NULL;
    stack_check(t);
    if (is_sym(t)) {
        e = binding(t, b);
        if (e) {
            if (fix_val(car(cdr(e))) != 0)
                sx_raise("syntax-rules: pattern variable used without ...:", t, 1, NULL);
            return cdr(cdr(e));
        }
        for (e = *renames; e; e = cdr(e))
            if (car(car(e)) == t)
                return cdr(car(e));
        FRAME;
        ROOT(t);
        ROOT(r);
        r = make_alias(t, gc_get(m, 3));
        r = cons(t, r);
        *renames = cons(r, *renames);
        r = cdr(r);
        RETURN(r);
    }
    if (type_of(t) == T_VEC) {
        FRAME;
        ROOT(r);
        r = vector_to_list(t);
        r = instantiate(r, b, m, renames, escaped);
        r = list_to_vector(r);
        RETURN(r);
    }
    if (!is_pair(t))
        return t;
    if (!escaped && car(t) == gc_get(m, 2) && is_pair(cdr(t)))   /* (... template) */
        return instantiate(car(cdr(t)), b, m, renames, true);
    if (!escaped && is_pair(cdr(t)) && car(cdr(t)) == gc_get(m, 2))
        return instantiate_ellipsis(t, b, m, renames);
    FRAME;
    ROOT(t);
    ROOT(b);
    ROOT(m);
    ROOT(r);
    ROOT(a);
    a = instantiate(car(t), b, m, renames, escaped);
    r = instantiate(cdr(t), b, m, renames, escaped);
    r = cons(a, r);
    RETURN(r);
}

V macro_expand(V m, V x) {
    V rules = NULL, b = NULL, renames = NULL, r = NULL;
    FRAME;
    ROOT(m);
    ROOT(x);
    ROOT(rules);
    ROOT(b);
    ROOT(renames);
    ROOT(r);
    for (rules = gc_get(m, 1); rules; rules = cdr(rules)) {
        b = NULL;
        /* the keyword position is not matched */
        if (match(cdr(car(car(rules))), cdr(x), m, &b)) {
            r = instantiate(car(cdr(car(rules))), b, m, &renames, false);
            RETURN(r);
        }
    }
    sx_raise("no syntax-rules pattern matches", x, 1, NULL);
}

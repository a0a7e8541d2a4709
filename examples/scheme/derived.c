/* derived.c -- derived syntax as source-to-source rewritings (derived.h).
 * The rewritings call primitives through the primitive objects
 * themselves, put in operator position as constants, so that a program
 * rebinding 'list' or 'call-with-values' does not change what
 * define-values means; temporaries are uninterned symbols (gensym), so
 * they capture none of the program's variables.
 *
 * Lists are built back to front with every partial result rooted
 * [compile.rooted]. */
#include <ctype.h>
#include <stdlib.h>
#include "derived.h"
#include "prims.h"
#include "read.h"
#include "eval.h"

static V prim_list, prim_cwv, prim_make_rtd, prim_make_record, prim_record_p,
    prim_record_ref, prim_record_set, prim_make_lazy, prim_make_promise;
static V sym_lambda, sym_begin, sym_define, sym_set, sym_let, sym_letstar_values,
    sym_case_lambda, sym_parameterize, sym_and, sym_or, sym_not, sym_library,
    sym_else;

static const char *const features[] = {"r7rs", "exact-closed", "ieee-float",
                                       "movgc", "movgc-scheme"};
/* (scheme NAME) libraries whose names this interpreter binds (most of
 * each: the README's coverage table says which names are missing). */
static const char *const libraries[] = {
    "base", "case-lambda", "char", "cxr", "eval", "file", "inexact",
    "lazy", "process-context", "read", "repl", "time", "write"};

static V sym(const char *s) { return intern(s, strlen(s)); }
static V prim(const char *s) { return sym_value(sym(s)); }

void derived_init(void) {
    static V *const roots[] = {
        &prim_list, &prim_cwv, &prim_make_rtd, &prim_make_record, &prim_record_p,
        &prim_record_ref, &prim_record_set, &prim_make_lazy, &prim_make_promise,
        &sym_lambda, &sym_begin, &sym_define, &sym_set, &sym_let,
        &sym_letstar_values, &sym_case_lambda, &sym_parameterize, &sym_and,
        &sym_or, &sym_not, &sym_library, &sym_else};
    size_t i;
    for (i = 0; i < sizeof roots / sizeof *roots; i++)
        gc_global(roots[i]);
    prim_list = prim("list");
    prim_cwv = prim("call-with-values");
    prim_make_rtd = prim("%make-rtd");
    prim_make_record = prim("%make-record");
    prim_record_p = prim("%record?");
    prim_record_ref = prim("%record-ref");
    prim_record_set = prim("%record-set!");
    prim_make_lazy = prim("%make-lazy");
    prim_make_promise = prim("make-promise");
    sym_lambda = sym("lambda");
    sym_begin = sym("begin");
    sym_define = sym("define");
    sym_set = sym("set!");
    sym_let = sym("let");
    sym_letstar_values = sym("let*-values");
    sym_case_lambda = sym("%case-lambda");
    sym_parameterize = sym("%parameterize");
    sym_and = sym("and");
    sym_or = sym("or");
    sym_not = sym("not");
    sym_library = sym("library");
    sym_else = sym("else");
    sx_keep = cons(sym_case_lambda, sx_keep);
    sx_keep = cons(sym_parameterize, sx_keep);
    sx_keep = cons(sym_library, sx_keep);
    sx_keep = cons(sym_not, sx_keep);
}

V gensym(void) {
    V s = NULL, name;
    FRAME;
    ROOT(s);
    name = make_str("tmp", 3);
    ROOT(name);
    s = gc_alloc(T_SYM, 2, 8);
    gc_set(s, 0, name);
    gc_set(s, 1, sx_unbound);
    RETURN(s);
}

static _Noreturn void bad(V x) { sx_raise("bad syntax", NULL, 0, x); }

static V nth(V x, int i) {
    V p = x;
    for (; i > 0 && is_pair(p); i--)
        p = cdr(p);
    if (!is_pair(p))
        bad(x);
    return car(p);
}

static V drop(V x, int i) {
    for (; i > 0; i--) {
        if (!is_pair(x))
            bad(x);
        x = cdr(x);
    }
    return x;
}

static V list3(V a, V b, V c) {
    FRAME;
    ROOT(a);
    ROOT(b);
    c = cons(c, NULL);
    c = cons(b, c);
    c = cons(a, c);
    RETURN(c);
}

/* (lambda formals . body) */
static V lambda(V formals, V body) {
    FRAME;
    ROOT(formals);
    body = cons(formals, body);
    body = cons(sym_lambda, body);
    RETURN(body);
}

/* (quote d) */
static V quoted(V d) { return list2(sx_sym_quote, d); }

/* The list l reversed onto tail. */
static V reverse_onto(V l, V tail) {
    FRAME;
    ROOT(l);
    ROOT(tail);
    for (; is_pair(l); l = cdr(l))
        tail = cons(car(l), tail);
    RETURN(tail);
}

/* ------------------------------------------------------------- records */

/* The index of sym in the list l, or -1. */
static int64_t index_of(V sym, V l) {
    int64_t i;
    for (i = 0; is_pair(l); l = cdr(l), i++)
        if (car(l) == sym || (is_pair(car(l)) && car(car(l)) == sym))
            return i;
    return -1;
}

/* (define-record-type name (ctor field ...) pred (field acc [mod]) ...) */
static V expand_record(V x) {
    V name = NULL, fields = NULL, specs = NULL, out = NULL, t = NULL, u = NULL,
      ctor = NULL, v = NULL, idx = NULL, body = NULL;
    int64_t i;
    FRAME;
    ROOT(idx);
    ROOT(body);
    ROOT(x);
    ROOT(name);
    ROOT(fields);
    ROOT(specs);
    ROOT(out);
    ROOT(t);
    ROOT(u);
    ROOT(ctor);
    ROOT(v);
    if (list_length(x) < 3)
        bad(x);
    name = nth(x, 1);
    if (!is_sym(name) || !is_sym(nth(x, 3)))
        bad(x);
    specs = drop(x, 4);
    for (t = specs; is_pair(t); t = cdr(t)) {   /* field names, reversed */
        u = car(t);
        if (list_length(u) < 2 || list_length(u) > 3 || !is_sym(car(u)) || !is_sym(nth(u, 1)))
            bad(x);
        fields = cons(car(u), fields);
    }
    fields = reverse_onto(fields, NULL);
    /* accessors and modifiers, into out (reversed) */
    for (i = 0, t = specs; is_pair(t); t = cdr(t), i++) {
        v = gensym();
        {   /* (%record-ref v name i 'acc) */
            idx = make_fix(i);
            body = quoted(nth(car(t), 1));
            body = list2(idx, body);
            body = cons(name, body);
            body = cons(v, body);
            body = cons(prim_record_ref, body);
            body = cons(body, NULL);
            u = cons(v, NULL);
            u = lambda(u, body);
            u = list3(sym_define, nth(car(t), 1), u);
            out = cons(u, out);
            if (list_length(car(t)) == 3) {     /* (%record-set! v name i w 'mod) */
                u = gensym();
                body = quoted(nth(car(t), 2));
                body = list2(u, body);
                body = cons(idx, body);
                body = cons(name, body);
                body = cons(v, body);
                body = cons(prim_record_set, body);
                body = cons(body, NULL);
                u = list2(v, u);
                u = lambda(u, body);
                u = list3(sym_define, nth(car(t), 2), u);
                out = cons(u, out);
            }
        }
    }
    /* the predicate: (define pred (lambda (v) (%record? v name))) */
    v = gensym();
    u = list3(prim_record_p, v, name);
    u = cons(u, NULL);
    t = cons(v, NULL);
    u = lambda(t, u);
    u = list3(sym_define, nth(x, 3), u);
    out = cons(u, out);
    /* the constructor: (define ctor (lambda (f ...) (%make-record name e ...))) */
    ctor = nth(x, 2);
    if (ctor != sx_false) {
        if (is_sym(ctor)) {                      /* bare name: every field */
            u = cons(ctor, fields);
            ctor = u;
        }
        if (list_length(ctor) < 1 || !is_sym(car(ctor)))
            bad(x);
        for (t = cdr(ctor); is_pair(t); t = cdr(t))
            if (index_of(car(t), fields) < 0)
                bad(x);
        u = NULL;
        for (t = fields; is_pair(t); t = cdr(t))
            u = cons(index_of(car(t), cdr(ctor)) >= 0 ? car(t) : sx_unspec, u);
        u = reverse_onto(u, NULL);
        u = cons(name, u);
        u = cons(prim_make_record, u);
        u = cons(u, NULL);
        u = lambda(cdr(ctor), u);
        u = list3(sym_define, car(ctor), u);
        out = cons(u, out);
    }
    /* the type: (define name (%make-rtd 'name 'fields)) */
    u = quoted(fields);
    t = quoted(name);
    u = list3(prim_make_rtd, t, u);
    u = list3(sym_define, name, u);
    out = cons(u, out);
    out = cons(sym_begin, out);
    RETURN(out);
}

/* --------------------------------------------------- the other forms */

/* (case-lambda (formals body ...) ...) is
 * (%case-lambda (lambda formals body ...) ...) */
static V expand_case_lambda(V x) {
    V out = NULL, t = NULL, u = NULL;
    FRAME;
    ROOT(x);
    ROOT(out);
    ROOT(t);
    ROOT(u);
    if (list_length(x) < 1)
        bad(x);
    for (t = cdr(x); is_pair(t); t = cdr(t)) {
        if (list_length(car(t)) < 2)
            bad(x);
        u = lambda(car(car(t)), cdr(car(t)));
        out = cons(u, out);
    }
    out = reverse_onto(out, NULL);
    out = cons(sym_case_lambda, out);
    RETURN(out);
}

/* (parameterize ((p v) ...) body ...) is
 * (%parameterize (list p ...) (list v ...) (lambda () body ...)) */
static V expand_parameterize(V x) {
    V ps = NULL, vs = NULL, t = NULL, u = NULL;
    FRAME;
    ROOT(x);
    ROOT(ps);
    ROOT(vs);
    ROOT(t);
    ROOT(u);
    if (list_length(x) < 3 || list_length(nth(x, 1)) < 0)
        bad(x);
    for (t = nth(x, 1); is_pair(t); t = cdr(t)) {
        if (list_length(car(t)) != 2)
            bad(x);
        ps = cons(car(car(t)), ps);
        vs = cons(nth(car(t), 1), vs);
    }
    ps = reverse_onto(ps, NULL);
    ps = cons(prim_list, ps);
    vs = reverse_onto(vs, NULL);
    vs = cons(prim_list, vs);
    u = lambda(NULL, drop(x, 2));
    u = list3(ps, vs, u);
    u = cons(sym_parameterize, u);
    RETURN(u);
}

/* (delay e) is (%make-lazy (lambda () (make-promise e)));
 * (delay-force e) is (%make-lazy (lambda () e)). */
static V expand_delay(V x, bool force) {
    V e = NULL;
    FRAME;
    ROOT(e);
    if (list_length(x) != 2)
        bad(x);
    e = nth(x, 1);
    if (!force)
        e = list2(prim_make_promise, e);
    e = cons(e, NULL);
    e = lambda(NULL, e);
    e = list2(prim_make_lazy, e);
    RETURN(e);
}

/* Is feature requirement r met? */
static bool feature_met(V r) {
    size_t i;
    V l;
    if (is_sym(r)) {
        for (i = 0; i < sizeof features / sizeof *features; i++)
            if (!strcmp(str_ptr(sym_name(r)), features[i]))
                return true;
        return false;
    }
    if (list_length(r) < 1)
        bad(r);
    if (car(r) == sym_and || car(r) == sym_or) {
        for (l = cdr(r); is_pair(l); l = cdr(l))
            if (feature_met(car(l)) != (car(r) == sym_and))
                return car(r) == sym_or;
        return car(r) == sym_and;
    }
    if (car(r) == sym_not && list_length(r) == 2)
        return !feature_met(nth(r, 1));
    if (car(r) == sym_library && list_length(r) == 2) {
        l = nth(r, 1);                   /* (scheme NAME) */
        if (list_length(l) != 2 || !is_sym(car(l)) || strcmp(str_ptr(sym_name(car(l))), "scheme") ||
            !is_sym(nth(l, 1)))
            return false;
        for (i = 0; i < sizeof libraries / sizeof *libraries; i++)
            if (!strcmp(str_ptr(sym_name(nth(l, 1))), libraries[i]))
                return true;
        return false;
    }
    bad(r);
}

/* (cond-expand (requirement body ...) ... [(else body ...)]) is the
 * (begin body ...) of the first clause met. */
static V expand_cond_expand(V x) {
    V t;
    if (list_length(x) < 1)
        bad(x);
    for (t = cdr(x); is_pair(t); t = cdr(t)) {
        if (list_length(car(t)) < 1)
            bad(x);
        if (car(car(t)) == sym_else || feature_met(car(car(t))))
            return cons(sym_begin, cdr(car(t)));
    }
    return cons(sym_begin, NULL);
}

/* A copy of formals (a b . c) with a gensym for each variable. */
static V mirror(V formals, V x) {
    V head = NULL, t = NULL;
    FRAME;
    ROOT(formals);
    ROOT(head);
    ROOT(t);
    for (; is_pair(formals); formals = cdr(formals)) {
        if (!is_sym(car(formals)))
            bad(x);
        t = gensym();
        head = cons(t, head);
    }
    if (formals && !is_sym(formals))
        bad(x);
    t = formals ? gensym() : NULL;
    head = reverse_onto(head, t);
    RETURN(head);
}

/* Prepend to acc the pairs (var tmp) of formals f and its mirror m. */
static V pair_up(V f, V m, V acc) {
    FRAME;
    ROOT(f);
    ROOT(m);
    ROOT(acc);
    V p = NULL;
    ROOT(p);
    for (; is_pair(f); f = cdr(f), m = cdr(m)) {
        p = list2(car(f), car(m));
        acc = cons(p, acc);
    }
    if (f) {
        p = list2(f, m);
        acc = cons(p, acc);
    }
    RETURN(acc);
}

/* (call-with-values (lambda () e) (lambda formals . body)) */
static V cwv(V e, V formals, V body) {
    FRAME;
    ROOT(e);
    ROOT(formals);
    ROOT(body);
    e = cons(e, NULL);
    e = lambda(NULL, e);
    body = lambda(formals, body);
    e = list3(prim_cwv, e, body);
    RETURN(e);
}

/* (let-values (((formals) e) ...) body ...): each e is evaluated
 * outside every binding (the temporaries are gensyms), then a let binds
 * the variables to the temporaries. */
static V expand_let_values(V x) {
    V bs = NULL, ms = NULL, pairs = NULL, out = NULL, m = NULL;
    FRAME;
    ROOT(x);
    ROOT(bs);
    ROOT(ms);
    ROOT(pairs);
    ROOT(out);
    ROOT(m);
    if (list_length(x) < 3 || list_length(nth(x, 1)) < 0)
        bad(x);
    for (bs = nth(x, 1); is_pair(bs); bs = cdr(bs)) {
        if (list_length(car(bs)) != 2)
            bad(x);
        m = mirror(car(car(bs)), x);
        ms = cons(m, ms);                       /* mirrors, reversed */
        pairs = pair_up(car(car(bs)), m, pairs);
    }
    pairs = reverse_onto(pairs, NULL);
    out = cons(pairs, drop(x, 2));
    out = cons(sym_let, out);                   /* (let ((v tmp) ...) body ...) */
    /* wrap innermost-first: the last binding's call is the innermost */
    bs = reverse_onto(nth(x, 1), NULL);
    for (; is_pair(bs); bs = cdr(bs), ms = cdr(ms)) {
        out = cons(out, NULL);
        out = cwv(nth(car(bs), 1), car(ms), out);
    }
    RETURN(out);
}

/* (let*-values () body ...) is (let () body ...); else
 * (call-with-values (lambda () e) (lambda formals (let*-values rest body ...))) */
static V expand_letstar_values(V x) {
    V t = NULL;
    FRAME;
    ROOT(x);
    ROOT(t);
    if (list_length(x) < 3 || list_length(nth(x, 1)) < 0)
        bad(x);
    if (!nth(x, 1)) {
        t = cons(sym_let, cdr(x));
        RETURN(t);
    }
    if (list_length(car(nth(x, 1))) != 2)
        bad(x);
    t = cons(cdr(nth(x, 1)), drop(x, 2));
    t = cons(sym_letstar_values, t);
    t = cons(t, NULL);
    t = cwv(nth(car(nth(x, 1)), 1), car(car(nth(x, 1))), t);
    RETURN(t);
}

/* (define-values formals e) is
 * (begin (define v) ... (call-with-values (lambda () e)
 *                         (lambda tmps (set! v tmp) ... #<unspecified>))) */
static V expand_define_values(V x) {
    V m = NULL, pairs = NULL, out = NULL, sets = NULL, t = NULL, s = NULL;
    FRAME;
    ROOT(s);
    ROOT(x);
    ROOT(m);
    ROOT(pairs);
    ROOT(out);
    ROOT(sets);
    ROOT(t);
    if (list_length(x) != 3)
        bad(x);
    m = mirror(nth(x, 1), x);
    pairs = pair_up(nth(x, 1), m, NULL);        /* ((v tmp) ...) */
    sets = cons(sx_unspec, NULL);
    for (t = pairs; is_pair(t); t = cdr(t)) {
        s = cons(sym_set, car(t));
        sets = cons(s, sets);
        s = list2(sym_define, car(car(t)));
        out = cons(s, out);
    }
    t = cwv(nth(x, 2), m, sets);
    t = cons(t, NULL);
    out = reverse_onto(out, t);
    out = cons(sym_begin, out);
    RETURN(out);
}

/* ---- include, include-ci, syntax-error */

/* d with every symbol's name in lower case (include-ci).  May collect. */
static V fold_case(V d) {
    V a = NULL, b = NULL;
    size_t i, n;
    char *name;
    stack_check(NULL);
    if (is_sym(d)) {
        n = (size_t)str_len(sym_name(d));
        name = malloc(n + 1);
        if (!name)
            sx_out_of_memory();
        for (i = 0; i < n; i++)
            name[i] = (char)tolower((unsigned char)str_ptr(sym_name(d))[i]);
        a = intern(name, n);    /* leaks name if this raises: rare, small */
        free(name);
        return a;
    }
    if (!is_pair(d) && type_of(d) != T_VEC)
        return d;
    FRAME;
    ROOT(d);
    ROOT(a);
    ROOT(b);
    if (is_pair(d)) {
        a = fold_case(car(d));
        b = fold_case(cdr(d));
        a = cons(a, b);
    } else {
        a = make_vec(vec_len(d), NULL);
        for (i = 0; i < vec_len(d); i++) {
            b = fold_case(gc_get(d, i));
            gc_set(a, i, b);
        }
    }
    RETURN(a);
}

/* The file named path: as given (relative to the working directory),
 * else beside the script being run. */
static FILE *open_include(const char *path) {
    char buf[4096];
    const char *slash;
    FILE *f = fopen(path, "r");
    if (f || path[0] == '/' || !sx_script || !(slash = strrchr(sx_script, '/')))
        return f;
    snprintf(buf, sizeof buf, "%.*s/%s", (int)(slash - sx_script), sx_script, path);
    return fopen(buf, "r");
}

/* The data of one file appended to the list at *head / *tail (rooted by
 * the caller).  A read error closes the file on its way out: a barrier
 * stops it, the file is closed, the exit resumes. */
static void include_file(V x, V path, bool ci, V *head, V *tail) {
    struct reader rd;
    struct sx_catch c;
    size_t depth = gc_depth();
    V d = NULL;
    FILE *in;
    if (type_of(path) != T_STR)
        bad(x);
    if (!(in = open_include(str_ptr(path))))
        sx_error("include: cannot open file", path);
    rd.in = in;
    rd.line = 1;
    rd.track = false;   /* the include form's own line locates these */
    sx_barrier_open(&c);
    if (setjmp(c.jb)) {
        sx_recover(&c);
        fclose(in);
        sx_barrier_resume(c.id, sx_thrown);
    }
    ROOT(d);
    while ((d = sx_read(&rd)) != sx_eof) {
        if (ci)
            d = fold_case(d);
        d = cons(d, NULL);
        if (*head)
            set_cdr(*tail, d);
        else
            *head = d;
        *tail = d;
    }
    sx_catcher = c.prev;
    gc_restore(depth);
    fclose(in);
}

/* (include "file" ...) => (begin datum ...) */
static V expand_include(V x, bool ci) {
    V head = NULL, tail = NULL, files = NULL;
    FRAME;
    ROOT(x);
    ROOT(head);
    ROOT(tail);
    ROOT(files);
    if (!is_pair(cdr(x)) || list_length(x) < 0)
        bad(x);
    for (files = cdr(x); is_pair(files); files = cdr(files))
        include_file(x, car(files), ci, &head, &tail);
    tail = intern("begin", 5);
    head = cons(tail, head);
    RETURN(head);
}

/* (syntax-error "message" form ...): an error when expanded. */
static _Noreturn void expand_syntax_error(V x) {
    if (!is_pair(cdr(x)) || type_of(car(cdr(x))) != T_STR || list_length(x) < 0)
        bad(x);
    sx_cur_expr = x;
    sx_raise_user(car(cdr(x)), cdr(cdr(x)));
}

V derived_expand(enum derived which, V x) {
    switch (which) {
    case D_RECORD: return expand_record(x);
    case D_CASE_LAMBDA: return expand_case_lambda(x);
    case D_PARAMETERIZE: return expand_parameterize(x);
    case D_DELAY: return expand_delay(x, false);
    case D_DELAY_FORCE: return expand_delay(x, true);
    case D_COND_EXPAND: return expand_cond_expand(x);
    case D_LET_VALUES: return expand_let_values(x);
    case D_LETSTAR_VALUES: return expand_letstar_values(x);
    case D_DEFINE_VALUES: return expand_define_values(x);
    case D_INCLUDE: return expand_include(x, false);
    case D_INCLUDE_CI: return expand_include(x, true);
    case D_SYNTAX_ERROR: expand_syntax_error(x);
    }
    bad(x);
}

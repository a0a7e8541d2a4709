/* compile.c -- the pre-analysis pass: an expression becomes a tree of code
 * objects (code.h) once, before it runs.  Special forms are recognised
 * here and never again; derived forms (let*, named let, do, when, unless,
 * cond, quasiquote) become core code; every variable becomes a lexical
 * address or a global symbol [code.lex].
 *
 * Compile-time scope 'cenv' is a list of frames, innermost first; each
 * frame is the list of its variables' symbols in slot order.  A body's
 * internal defines are found before the body is compiled and get slots
 * in its frame after the parameters, so that closures made in the body
 * see each other (letrec* semantics).
 *
 * [compile.rooted]: like the evaluator, every C local holding a value is
 * rooted (FRAME/ROOT) before the first call that may collect. */
#include "code.h"
#include "derived.h"
#include "macro.h"
#include "read.h"

enum {
    SF_NONE, SF_QUOTE, SF_QUASIQUOTE, SF_IF, SF_DEFINE, SF_SET, SF_LAMBDA,
    SF_LET, SF_LETSTAR, SF_LETREC, SF_BEGIN, SF_COND, SF_CASE, SF_AND, SF_OR,
    SF_WHEN, SF_UNLESS, SF_DO, SF_GUARD, SF_DEFINE_SYNTAX, SF_LET_SYNTAX,
    SF_LETREC_SYNTAX, SF_SYNTAX_RULES,
    /* derived forms expanded by derived.c */
    SF_DERIVED_FIRST, SF_RECORD = SF_DERIVED_FIRST, SF_CASE_LAMBDA,
    SF_PARAMETERIZE, SF_DELAY, SF_DELAY_FORCE, SF_COND_EXPAND,
    SF_LET_VALUES, SF_LETSTAR_VALUES, SF_DEFINE_VALUES, SF_INCLUDE,
    SF_INCLUDE_CI, SF_SYNTAX_ERROR, SF_DERIVED_LAST
};

static const struct { const char *name; unsigned form; } forms[] = {
    {"quote", SF_QUOTE}, {"quasiquote", SF_QUASIQUOTE}, {"if", SF_IF},
    {"define", SF_DEFINE}, {"set!", SF_SET}, {"lambda", SF_LAMBDA},
    {"let", SF_LET}, {"let*", SF_LETSTAR}, {"letrec", SF_LETREC},
    {"letrec*", SF_LETREC}, {"begin", SF_BEGIN}, {"cond", SF_COND},
    {"case", SF_CASE}, {"and", SF_AND}, {"or", SF_OR}, {"when", SF_WHEN},
    {"unless", SF_UNLESS}, {"do", SF_DO}, {"guard", SF_GUARD},
    {"define-syntax", SF_DEFINE_SYNTAX}, {"let-syntax", SF_LET_SYNTAX},
    {"letrec-syntax", SF_LETREC_SYNTAX}, {"syntax-rules", SF_SYNTAX_RULES},
    {"define-record-type", SF_RECORD}, {"case-lambda", SF_CASE_LAMBDA},
    {"parameterize", SF_PARAMETERIZE}, {"delay", SF_DELAY},
    {"delay-force", SF_DELAY_FORCE},
    {"cond-expand", SF_COND_EXPAND}, {"let-values", SF_LET_VALUES},
    {"let*-values", SF_LETSTAR_VALUES}, {"define-values", SF_DEFINE_VALUES},
    {"include", SF_INCLUDE}, {"include-ci", SF_INCLUDE_CI},
    {"syntax-error", SF_SYNTAX_ERROR},
};

/* Where a form may stand: at top level (define is global), first in a
 * body (define binds a slot of the body's frame), or in an expression. */
enum ctx { CTX_TOP, CTX_BODY, CTX_EXPR };

/* The procedures quasiquote's code calls (captured at init, so that a
 * program redefining 'cons' does not change what `(a ,b) means), the
 * symbols of the forms derived ones expand into, and the uninterned
 * symbol naming a do loop's procedure (no program can refer to it). */
static V prim_cons, prim_append, prim_list_to_vector, prim_guard, prim_raise, sym_do_loop;
static V sym_lambda, sym_letrec, sym_if, sym_begin, sym_let, sym_cond;

static V keyword(const char *name) { return intern(name, strlen(name)); }

void compile_init(void) {
    static V *const roots[] = {&prim_cons, &prim_append, &prim_list_to_vector, &prim_guard, &prim_raise,
                               &sym_do_loop, &sym_lambda, &sym_letrec, &sym_if,
                               &sym_begin, &sym_let, &sym_cond};
    size_t i;
    V s = NULL;
    FRAME;
    ROOT(s);
    for (i = 0; i < sizeof roots / sizeof *roots; i++)
        gc_global(roots[i]);
    for (i = 0; i < sizeof forms / sizeof *forms; i++) {
        s = keyword(forms[i].name);
        sym_raw(s)[1] = forms[i].form;
        sx_keep = cons(s, sx_keep);
    }
    prim_cons = sym_value(keyword("cons"));
    prim_append = sym_value(keyword("append"));
    prim_list_to_vector = sym_value(keyword("list->vector"));
    prim_guard = sym_value(keyword("%guard"));
    prim_raise = sym_value(keyword("raise"));
    sym_lambda = keyword("lambda");
    sym_letrec = keyword("letrec");
    sym_if = keyword("if");
    sym_begin = keyword("begin");
    sym_let = keyword("let");
    sym_cond = keyword("cond");
    s = make_str("do-loop", 7);
    sym_do_loop = gc_alloc(T_SYM, 2, 8);
    gc_set(sym_do_loop, 0, s);
    gc_set(sym_do_loop, 1, sx_unbound);
    derived_init();
    macro_init();
    UNFRAME;
}

/* ================================================================ helpers */

/* The source line of the form being compiled, from the reader's record
 * of the innermost list around it [read.lines]; 0 when unknown (eval'd
 * data, macro output outside any read list). */
static int32_t cur_line;

/* form located at the current line, when there is one.  May collect. */
static V located(V form) {
    return form && cur_line > 0 ? src_locate(form, cur_line, sx_src_file) : form;
}

static _Noreturn void bad_syntax(V form) { sx_raise("bad syntax", NULL, 0, located(form)); }

/* Element i of form, which must have one. */
static V nth(V form, int i) {
    V p = form;
    for (; i > 0 && is_pair(p); i--)
        p = cdr(p);
    if (!is_pair(p))
        bad_syntax(form);
    return car(p);
}

/* Tail of form after i elements. */
static V drop(V form, int i) {
    V p = form;
    for (; i > 0; i--) {
        if (!is_pair(p))
            bad_syntax(form);
        p = cdr(p);
    }
    return p;
}

/* Check a binding list ((var init) ...) and return its length. */
static int64_t bindings_length(V bs, V form) {
    int64_t n = list_length(bs);
    V b;
    if (n < 0)
        bad_syntax(form);
    for (; bs; bs = cdr(bs)) {
        b = car(bs);
        if (!is_pair(b) || !is_sym(car(b)) || (cdr(b) && (!is_pair(cdr(b)) || cdr(cdr(b)))))
            bad_syntax(form);
    }
    return n;
}

static V node(int op, V a, V b, V c, V src, int32_t i, int32_t j, int32_t k) {
    V n;
    FRAME;
    ROOT(a);
    ROOT(b);
    ROOT(c);
    ROOT(src);
    if (op == OP_CALL || op == OP_SETGLOBAL)
        src = located(src);   /* the nodes whose src error messages print */
    n = gc_alloc(T_CODE, CODE_SLOTS, 16);
    gc_set(n, 0, a);
    gc_set(n, 1, b);
    gc_set(n, 2, c);
    gc_set(n, 3, src);
    code_raw(n)[0] = op;
    code_raw(n)[1] = i;
    code_raw(n)[2] = j;
    code_raw(n)[3] = k;
    RETURN(n);
}

static V konst(V v) { return node(OP_CONST, v, NULL, NULL, NULL, 0, 0, 0); }

/* What a name means in scope cenv [macro.h]: a frame's entries are its
 * variables' symbols, in slot order, and (symbol . macro) pairs for the
 * macros it binds, which take no slot. */
enum { L_GLOBAL, L_LOCAL, L_MACRO };
struct meaning {
    int kind;
    int32_t depth, index;   /* L_LOCAL: the lexical address */
    V what;                 /* L_MACRO: the macro; L_GLOBAL: the symbol */
};

/* Never collects. */
static struct meaning lookup(V sym, V cenv) {
    struct meaning m = {L_GLOBAL, 0, 0, sym};
    int32_t d, i, off;
    V n, e, start = cenv, defenv;
    for (d = 0; cenv; cenv = cdr(cenv), d++)
        for (i = 0, n = car(cenv); n; n = cdr(n)) {
            e = car(n);
            if (is_pair(e)) {
                if (car(e) == sym) {
                    m.kind = L_MACRO;
                    m.what = cdr(e);
                    return m;
                }
                continue;
            }
            if (e == sym) {
                m.kind = L_LOCAL;
                m.depth = d;
                m.index = i;
                return m;
            }
            i++;
        }
    if (!is_alias(sym))
        return m;
    /* an inserted name: what its original meant where the macro was
     * defined, a scope enclosing this one (off frames out) */
    defenv = gc_get(sym, 3);
    for (off = 0, cenv = start; cenv && cenv != defenv; cenv = cdr(cenv))
        off++;
    if (cenv != defenv)
        defenv = NULL;
    m = lookup(gc_get(sym, 2), defenv);
    m.depth += off;
    return m;
}

static bool resolve(V sym, V cenv, int32_t *depth, int32_t *index) {
    struct meaning m = lookup(sym, cenv);
    *depth = m.depth;
    *index = m.index;
    return m.kind == L_LOCAL;
}

/* The macro head names in cenv, or NULL. */
static V macro_of(V head, V cenv) {
    struct meaning m;
    if (!is_sym(head))
        return NULL;
    m = lookup(head, cenv);
    if (m.kind == L_MACRO)
        return m.what;
    if (m.kind == L_GLOBAL && type_of(sym_value(m.what)) == T_MACRO)
        return sym_value(m.what);
    return NULL;
}

/* The special form sym names in cenv: none when it is a variable there. */
static unsigned form_of(V sym, V cenv) {
    struct meaning m;
    if (!is_sym(sym))
        return SF_NONE;
    m = lookup(sym, cenv);
    return m.kind == L_GLOBAL ? sym_form(m.what) : SF_NONE;
}

/* The global symbol a name outside every scope means. */
static V global_sym(V sym) { return alias_root(sym); }

static V comp(V x, V cenv, enum ctx ctx);

/* Code for each expression of the list xs, as a vector. */
static V comp_vec(V xs, V cenv, enum ctx ctx, V form) {
    int64_t i, n = list_length(xs);
    V v = NULL, t = NULL;
    if (n < 0)
        bad_syntax(form);
    FRAME;
    ROOT(xs);
    ROOT(cenv);
    ROOT(v);
    ROOT(t);
    v = make_vec((size_t)n, NULL);
    for (i = 0; i < n; i++, xs = cdr(xs)) {
        t = comp(car(xs), cenv, ctx);
        gc_set(v, (size_t)i, t);
    }
    RETURN(v);
}

/* Code for a sequence: unspecified when empty, the one expression's own
 * code when single. */
static V comp_seq(V xs, V cenv, enum ctx ctx, V form) {
    V v = comp_vec(xs, cenv, ctx, form);
    if (vec_len(v) == 0)
        return konst(sx_unspec);
    if (vec_len(v) == 1)
        return gc_get(v, 0);
    return node(OP_SEQ, v, NULL, NULL, NULL, 0, 0, 0);
}

/* The variable a define form binds. */
static V define_name(V x) {
    V u = nth(x, 1);
    if (is_pair(u))
        u = car(u);
    if (!is_sym(u))
        bad_syntax(x);
    return u;
}

/* Append to *tail (rooted by the caller, *head too) the names defined at
 * the top of body xs, looking into begin forms.  cenv: the body's scope
 * so far (a define shadowed by a local named 'define' is not one). */
static void scan_defines(V xs, V cenv, V *head, V *tail) {
    V x = NULL, c = NULL;
    FRAME;
    ROOT(xs);
    ROOT(cenv);
    ROOT(x);
    ROOT(c);
    for (; is_pair(xs); xs = cdr(xs)) {
        x = car(xs);
        if (!is_pair(x))
            continue;
        switch (form_of(car(x), cenv)) {
        case SF_DEFINE:
            c = cons(define_name(x), NULL);
            if (*head)
                set_cdr(*tail, c);
            else
                *head = c;
            *tail = c;
            break;
        case SF_BEGIN:
            scan_defines(cdr(x), cenv, head, tail);
            break;
        case SF_RECORD:
        case SF_DEFINE_VALUES:
        case SF_COND_EXPAND:    /* definitions in disguise */
        case SF_INCLUDE:
        case SF_INCLUDE_CI:
            x = derived_expand((enum derived)(form_of(car(x), cenv) - SF_DERIVED_FIRST), x);
            x = cons(x, NULL);
            scan_defines(x, cenv, head, tail);
            break;
        }
    }
    UNFRAME;
}

/* Code for body xs in a new frame whose first variables are the list
 * names (fresh: extended in place by the body's defines), inside cenv.
 * The frame size goes to *size. */
static V comp_body_in(V xs, V scope, V form, int32_t *size);

static V comp_body(V xs, V names, V cenv, V form, int32_t *size) {
    V scope;
    FRAME;
    ROOT(xs);
    ROOT(form);
    scope = cons(names, cenv);  /* scan in the new scope: params shadow */
    scope = comp_body_in(xs, scope, form, size);
    RETURN(scope);
}

/* Append the cell holding entry e to the list [*head .. *tail]. */
static void add_entry(V *head, V *tail, V e) {
    V c = cons(e, NULL);
    if (*head)
        set_cdr(*tail, c);
    else
        *head = c;
    *tail = c;
}

/* Body xs with each form that uses a macro replaced by its expansion
 * (once here, so that the defines scan_defines finds are the ones
 * compiled).  The macros of the body's own define-syntax forms are added
 * to scope first. */
static V expand_body(V xs, V scope) {
    V head = NULL, tail = NULL, x = NULL, m = NULL, names = NULL, ntail = NULL;
    FRAME;
    ROOT(xs);
    ROOT(scope);
    ROOT(head);
    ROOT(tail);
    ROOT(x);
    ROOT(m);
    ROOT(names);
    ROOT(ntail);
    for (names = car(scope), ntail = names; ntail && cdr(ntail); ntail = cdr(ntail))
        ;
    for (x = xs; is_pair(x); x = cdr(x))     /* (define-syntax name spec) */
        if (is_pair(car(x)) && form_of(car(car(x)), scope) == SF_DEFINE_SYNTAX) {
            if (list_length(car(x)) != 3 || !is_sym(nth(car(x), 1)))
                bad_syntax(car(x));
            m = macro_make(nth(car(x), 2), scope);
            m = cons(nth(car(x), 1), m);
            add_entry(&names, &ntail, m);
            set_car(scope, names);
        }
    for (; is_pair(xs); xs = cdr(xs)) {
        x = car(xs);
        while (is_pair(x) && (m = macro_of(car(x), scope)))
            x = macro_expand(m, x);
        add_entry(&head, &tail, x);
    }
    RETURN(head);
}

/* Code for body xs in the new scope (its first frame: fresh entries,
 * extended in place by the body's defines and macros).  The frame size
 * (entries that are variables) goes to *size. */
static V comp_body_in(V xs, V scope, V form, int32_t *size) {
    V names = NULL, tail = NULL, c;
    FRAME;
    ROOT(xs);
    ROOT(scope);
    ROOT(form);
    ROOT(names);
    ROOT(tail);
    xs = expand_body(xs, scope);
    for (names = car(scope), tail = names; tail && cdr(tail); tail = cdr(tail))
        ;
    scan_defines(xs, scope, &names, &tail);
    set_car(scope, names);
    for (*size = 0, tail = names; tail; tail = cdr(tail))
        *size += !is_pair(car(tail));
    c = comp_seq(xs, scope, CTX_BODY, form);
    RETURN(c);
}

/* (let-syntax ((name spec) ...) body ...) and letrec-syntax: a frame of
 * macros only (and the body's defines); letrec-syntax's macros are
 * closed in the new scope, so they may use each other and themselves. */
static V comp_let_syntax(V x, V cenv, bool rec) {
    V scope = NULL, names = NULL, tail = NULL, m = NULL, bs = NULL, r;
    int32_t size;
    FRAME;
    ROOT(x);
    ROOT(cenv);
    ROOT(scope);
    ROOT(names);
    ROOT(tail);
    ROOT(m);
    ROOT(bs);
    if (list_length(x) < 3 || list_length(nth(x, 1)) < 0)
        bad_syntax(x);
    scope = cons(NULL, cenv);
    for (bs = nth(x, 1); bs; bs = cdr(bs)) {
        if (list_length(car(bs)) != 2 || !is_sym(car(car(bs))))
            bad_syntax(x);
        m = macro_make(nth(car(bs), 1), rec ? scope : cenv);
        m = cons(car(car(bs)), m);
        add_entry(&names, &tail, m);
    }
    set_car(scope, names);
    m = comp_body_in(drop(x, 2), scope, x, &size);
    bs = make_vec(0, NULL);
    r = node(OP_LET, bs, m, NULL, x, 0, 0, size);
    RETURN(r);
}

/* ============================================================ the forms */

static V comp_ref(V sym, V cenv) {
    int32_t d, i;
    if (!resolve(sym, cenv, &d, &i))
        return node(OP_GLOBAL, global_sym(sym), NULL, NULL, NULL, 0, 0, 0);
    return node(d == 0 ? OP_LOCAL0 : d == 1 ? OP_LOCAL1 : OP_LOCAL, NULL, NULL, NULL, NULL, i, d, 0);
}

/* (lambda params body ...), named 'name' (or NULL). */
static V comp_lambda(V params, V body, V cenv, V name, V form) {
    V names = NULL, tail = NULL, c = NULL, p;
    int32_t nreq = 0, rest = 0, size;
    FRAME;
    ROOT(params);
    ROOT(body);
    ROOT(cenv);
    ROOT(name);
    ROOT(form);
    ROOT(names);
    ROOT(tail);
    ROOT(c);
    if (!is_pair(body) || list_length(body) < 0)
        bad_syntax(form);
    for (; is_pair(params); params = cdr(params), nreq++) {
        if (!is_sym(car(params)))
            bad_syntax(form);
        c = cons(car(params), NULL);
        if (names)
            set_cdr(tail, c);
        else
            names = c;
        tail = c;
    }
    if (params) {
        if (!is_sym(params))
            bad_syntax(form);
        c = cons(params, NULL);
        if (names)
            set_cdr(tail, c);
        else
            names = c;
        rest = 1;
    }
    c = comp_body(body, names, cenv, form, &size);
    p = node(OP_LAMBDA, c, name, NULL, form, nreq, rest, size);
    RETURN(p);
}

/* The names of a binding list, as a fresh list. */
static V binding_names(V bs) {
    V head = NULL, tail = NULL, c = NULL;
    FRAME;
    ROOT(bs);
    ROOT(head);
    ROOT(tail);
    ROOT(c);
    for (; bs; bs = cdr(bs)) {
        c = cons(car(car(bs)), NULL);
        if (head)
            set_cdr(tail, c);
        else
            head = c;
        tail = c;
    }
    RETURN(head);
}

/* The init expressions of a binding list (unspecified when absent). */
static V binding_inits(V bs) {
    V head = NULL, tail = NULL, c = NULL;
    FRAME;
    ROOT(bs);
    ROOT(head);
    ROOT(tail);
    ROOT(c);
    for (; bs; bs = cdr(bs)) {
        c = cdr(car(bs)) ? car(cdr(car(bs))) : sx_unspec;
        c = cons(c, NULL);
        if (head)
            set_cdr(tail, c);
        else
            head = c;
        tail = c;
    }
    RETURN(head);
}

/* let and letrec: op OP_LET evaluates the inits outside the new frame,
 * OP_LETREC inside it. */
static V comp_let(int op, V x, V cenv) {
    V bs, names = NULL, inits = NULL, body = NULL, r;
    int32_t size;
    FRAME;
    ROOT(x);
    ROOT(cenv);
    ROOT(names);
    ROOT(inits);
    ROOT(body);
    if (list_length(x) < 3)
        bad_syntax(x);
    bs = nth(x, 1);
    bindings_length(bs, x);
    names = binding_names(bs);
    inits = binding_inits(nth(x, 1));
    if (op == OP_LET)
        inits = comp_vec(inits, cenv, CTX_EXPR, x);
    body = comp_body(drop(x, 2), names, cenv, x, &size);
    if (op == OP_LETREC) { /* the inits see the new frame's variables */
        r = binding_names(nth(x, 1));
        r = cons(r, cenv);
        inits = comp_vec(inits, r, CTX_EXPR, x);
    }
    r = node(op, inits, body, NULL, x, 0, 0, size);
    RETURN(r);
}

/* (let name ((v i) ...) body ...) is
 * ((letrec ((name (lambda (v ...) body ...))) name) i ...). */
static V expand_named_let(V x) {
    V t = NULL, u = NULL;
    FRAME;
    ROOT(x);
    ROOT(t);
    ROOT(u);
    if (list_length(x) < 4)
        bad_syntax(x);
    bindings_length(nth(x, 2), x);
    t = binding_names(nth(x, 2));
    t = cons(t, drop(x, 3));
    t = cons(sym_lambda, t);         /* (lambda (v ...) body ...) */
    t = list2(nth(x, 1), t);
    t = cons(t, NULL);               /* ((name (lambda ...))) */
    u = cons(nth(x, 1), NULL);
    t = cons(t, u);
    t = cons(sym_letrec, t);         /* (letrec (...) name) */
    u = binding_inits(nth(x, 2));
    t = cons(t, u);
    RETURN(t);
}

/* (let* ((a 1) rest ...) body ...) is (let ((a 1)) (let* (rest ...) body ...)). */
static V expand_letstar(V x) {
    V t = NULL, u = NULL;
    FRAME;
    ROOT(x);
    ROOT(t);
    ROOT(u);
    if (list_length(x) < 3)
        bad_syntax(x);
    bindings_length(nth(x, 1), x);
    if (!nth(x, 1) || !cdr(nth(x, 1))) {    /* zero or one binding: a let */
        t = cons(sym_let, cdr(x));
        RETURN(t);
    }
    t = cons(cdr(nth(x, 1)), drop(x, 2));
    t = cons(car(x), t);                    /* (let* (rest ...) body ...) */
    t = cons(t, NULL);
    u = cons(car(nth(x, 1)), NULL);
    t = cons(u, t);
    t = cons(sym_let, t);
    RETURN(t);
}

/* (do ((var init step) ...) (test res ...) cmd ...) is
 * (letrec ((L (lambda (var ...) (if test (begin res ...)
 *                                   (begin cmd ... (L step ...))))))
 *   (L init ...))  with L the uninterned symbol sym_do_loop. */
static V expand_do(V x) {
    V bs = NULL, steps = NULL, t = NULL, u = NULL, c = NULL;
    FRAME;
    ROOT(x);
    ROOT(bs);
    ROOT(steps);
    ROOT(t);
    ROOT(u);
    ROOT(c);
    if (list_length(x) < 3 || !is_pair(nth(x, 2)))
        bad_syntax(x);
    for (bs = nth(x, 1); is_pair(bs); bs = cdr(bs)) {
        t = car(bs);
        if (list_length(t) < 2 || list_length(t) > 3 || !is_sym(car(t)))
            bad_syntax(x);
    }
    if (bs)
        bad_syntax(x);
    for (bs = nth(x, 1), t = NULL; bs; bs = cdr(bs)) { /* steps, in order */
        u = cdr(cdr(car(bs))) ? car(cdr(cdr(car(bs)))) : car(car(bs));
        c = cons(u, NULL);
        if (steps)
            set_cdr(t, c);
        else
            steps = c;
        t = c;
    }
    u = cons(sym_do_loop, steps);           /* (L step ...) */
    u = cons(u, NULL);
    if (list_length(drop(x, 3)) < 0)
        bad_syntax(x);
    for (bs = drop(x, 3), c = NULL, t = NULL; bs; bs = cdr(bs)) {
        steps = cons(car(bs), NULL);        /* cmd ..., in order */
        if (c)
            set_cdr(t, steps);
        else
            c = steps;
        t = steps;
    }
    if (c)
        set_cdr(t, u);
    else
        c = u;
    t = cons(sym_begin, c);                 /* (begin cmd ... (L step ...)) */
    t = cons(t, NULL);
    u = cons(sym_begin, cdr(nth(x, 2)));    /* (begin res ...) */
    t = cons(u, t);
    t = cons(car(nth(x, 2)), t);
    t = cons(sym_if, t);
    t = cons(t, NULL);
    u = binding_names(nth(x, 1));
    t = cons(u, t);
    t = cons(sym_lambda, t);
    t = list2(sym_do_loop, t);
    t = cons(t, NULL);                      /* ((L (lambda ...))) */
    u = binding_inits(nth(x, 1));
    u = cons(sym_do_loop, u);               /* (L init ...) */
    u = cons(u, NULL);
    t = cons(t, u);
    t = cons(sym_letrec, t);
    RETURN(t);
}

/* (guard (var clause ...) body ...) is
 * (%guard (lambda () body ...)
 *         (lambda (var) (cond clause ... (else (raise var)))))
 * with %guard and raise the primitives themselves (error.c, prim_ctl.c):
 * the body runs under a handler that escapes back to the guard, where
 * the clauses run; with no clause true the condition is raised again
 * from there (R7RS re-raises in the raise's dynamic environment; the two
 * differ only for raise-continuable's handlers). */
static V expand_guard(V x) {
    V spec = NULL, t = NULL, u = NULL, cl = NULL;
    bool has_else = false;
    FRAME;
    ROOT(x);
    ROOT(spec);
    ROOT(t);
    ROOT(u);
    ROOT(cl);
    if (list_length(x) < 3 || list_length(nth(x, 1)) < 1 || !is_sym(car(nth(x, 1))))
        bad_syntax(x);
    spec = nth(x, 1);
    for (cl = cdr(spec); is_pair(cl); cl = cdr(cl))
        if (is_pair(car(cl)) && alias_root(car(car(cl))) == sx_sym_else)
            has_else = true;
    t = NULL;
    if (!has_else) {                        /* ((else (raise var))) */
        t = list2(prim_raise, car(spec));
        t = list2(sx_sym_else, t);
        t = cons(t, NULL);
    }
    for (u = NULL, cl = cdr(spec); is_pair(cl); cl = cdr(cl))
        u = cons(car(cl), u);               /* clauses, reversed */
    for (; u; u = cdr(u))
        t = cons(car(u), t);
    t = cons(sym_cond, t);
    t = cons(t, NULL);
    u = cons(car(nth(x, 1)), NULL);
    t = cons(u, t);
    t = cons(sym_lambda, t);                /* (lambda (var) (cond ...)) */
    t = cons(t, NULL);
    u = cons(NULL, drop(x, 2));
    u = cons(sym_lambda, u);                /* (lambda () body ...) */
    t = cons(u, t);
    t = cons(prim_guard, t);
    RETURN(t);
}

/* cond clauses from xs on, as nested tests. */
static V comp_cond(V xs, V cenv, V form) {
    V cl = NULL, test = NULL, rest = NULL, r;
    FRAME;
    ROOT(xs);
    ROOT(cenv);
    ROOT(form);
    ROOT(cl);
    ROOT(test);
    ROOT(rest);
    if (!xs) {
        r = konst(sx_unspec);
        RETURN(r);
    }
    cl = car(xs);
    if (!is_pair(cl) || list_length(cl) < 0)
        bad_syntax(form);
    if (alias_root(car(cl)) == sx_sym_else) {
        if (cdr(xs))
            bad_syntax(form);
        r = comp_seq(cdr(cl), cenv, CTX_EXPR, form);
        RETURN(r);
    }
    if (!is_pair(cdr(xs)) && cdr(xs))
        bad_syntax(form);
    rest = comp_cond(cdr(xs), cenv, form);
    test = comp(car(cl), cenv, CTX_EXPR);
    cl = car(xs);
    if (!cdr(cl)) {                             /* (test): its value */
        r = make_vec(2, NULL);
        gc_set(r, 0, test);
        gc_set(r, 1, rest);
        r = node(OP_OR, r, NULL, NULL, NULL, 0, 0, 0);
    } else if (alias_root(nth(cl, 1)) == sx_sym_arrow) {    /* (test => receiver) */
        if (list_length(cl) != 3)
            bad_syntax(form);
        r = comp(nth(cl, 2), cenv, CTX_EXPR);
        r = node(OP_ARROW, test, r, rest, form, 0, 0, 0);
    } else {
        r = comp_seq(cdr(cl), cenv, CTX_EXPR, form);
        r = node(OP_IF, test, r, rest, NULL, 0, 0, 0);
    }
    RETURN(r);
}

/* (case key clause ...): each clause ((datum ...) body ...) or
 * (else body ...), with (... => receiver) for either. */
static V comp_case(V x, V cenv) {
    V key = NULL, cls = NULL, cl = NULL, data = NULL, t = NULL, xs;
    int64_t i, n;
    int32_t arrow;
    FRAME;
    ROOT(x);
    ROOT(cenv);
    ROOT(key);
    ROOT(cls);
    ROOT(cl);
    ROOT(data);
    ROOT(t);
    n = list_length(x) - 2;
    if (n < 0)
        bad_syntax(x);
    key = comp(nth(x, 1), cenv, CTX_EXPR);
    cls = make_vec((size_t)n, NULL);
    for (i = 0; i < n; i++) {
        xs = drop(x, 2 + (int)i);
        cl = car(xs);
        if (!is_pair(cl) || list_length(cl) < 2)
            bad_syntax(x);
        data = alias_root(car(cl)) == sx_sym_else ? sx_true : syntax_strip(car(cl));
        if (data != sx_true && list_length(data) < 0)
            bad_syntax(x);
        arrow = alias_root(nth(cl, 1)) == sx_sym_arrow;
        if (arrow) {
            if (list_length(cl) != 3)
                bad_syntax(x);
            t = comp(nth(cl, 2), cenv, CTX_EXPR);
        } else {
            t = comp_seq(cdr(cl), cenv, CTX_EXPR, x);
        }
        t = node(OP_CLAUSE, data, t, NULL, x, arrow, 0, 0);
        gc_set(cls, (size_t)i, t);
    }
    t = node(OP_CASE, key, cls, NULL, x, 0, 0, 0);
    RETURN(t);
}

/* ========================================================= quasiquote */

static V call2(V prim, V a, V b) {
    V v = NULL, op = NULL;
    FRAME;
    ROOT(a);
    ROOT(b);
    ROOT(v);
    ROOT(op);
    op = konst(prim);
    v = make_vec(b ? 2 : 1, NULL);
    gc_set(v, 0, a);
    if (b)
        gc_set(v, 1, b);
    v = node(OP_CALL, op, v, NULL, NULL, b ? 2 : 1, 0, 0);
    RETURN(v);
}

/* Does template t contain an unquote (at any depth)? */
static bool has_unquote(V t) {
    size_t i;
    stack_check(t);
    if (type_of(t) == T_VEC) {
        for (i = 0; i < vec_len(t); i++)
            if (has_unquote(gc_get(t, i)))
                return true;
        return false;
    }
    for (; is_pair(t); t = cdr(t))
        if (alias_root(car(t)) == sx_sym_unquote || alias_root(car(t)) == sx_sym_unquote_splicing ||
            has_unquote(car(t)))
            return true;
    return false;
}

static V qq(V t, V cenv, int depth);

/* `(wrap ,x) at depth: the code for (cons 'wrap (cons x-code '())). */
static V qq_wrap(V sym, V t, V cenv, int depth) {
    V c = NULL, s = NULL;
    FRAME;
    ROOT(sym);
    ROOT(c);
    ROOT(s);
    c = qq(nth(t, 1), cenv, depth);
    s = konst(NULL);
    c = call2(prim_cons, c, s);
    s = konst(sym);
    c = call2(prim_cons, s, c);
    RETURN(c);
}

/* The code building template t at quasiquote depth (1: outermost). */
static V qq(V t, V cenv, int depth) {
    V r = NULL, a = NULL, head;
    FRAME;
    ROOT(t);
    ROOT(cenv);
    ROOT(r);
    ROOT(a);
    stack_check(t);
    if (!has_unquote(t) || (!is_pair(t) && type_of(t) != T_VEC)) {
        r = syntax_strip(t);
        r = konst(r);
    } else if (type_of(t) == T_VEC) {
        r = vector_to_list(t);
        r = qq(r, cenv, depth);
        r = call2(prim_list_to_vector, r, NULL);
    } else if ((head = alias_root(car(t))) == sx_sym_unquote) {
        if (depth == 1)
            r = comp(nth(t, 1), cenv, CTX_EXPR);
        else
            r = qq_wrap(sx_sym_unquote, t, cenv, depth - 1);
    } else if (head == sx_sym_quasiquote) {
        r = qq_wrap(sx_sym_quasiquote, t, cenv, depth + 1);
    } else {
        /* (a . rest): rest first, then a consed or spliced onto it */
        r = qq(cdr(t), cenv, depth);
        a = car(t);
        if (is_pair(a) && alias_root(car(a)) == sx_sym_unquote_splicing && depth == 1) {
            a = comp(nth(a, 1), cenv, CTX_EXPR);
            r = call2(prim_append, a, r);
        } else {
            a = qq(a, cenv, depth);
            r = call2(prim_cons, a, r);
        }
    }
    RETURN(r);
}

/* ================================================================ calls */

static bool is_simple(V c) { return code_op(c) <= OP_GLOBAL; }

static V comp_call(V x, V cenv) {
    V f = NULL, args = NULL, r;
    size_t i;
    int32_t simple = 1;
    FRAME;
    ROOT(x);
    ROOT(cenv);
    ROOT(f);
    ROOT(args);
    if (list_length(x) < 0)
        bad_syntax(x);
    f = comp(car(x), cenv, CTX_EXPR);
    args = comp_vec(cdr(x), cenv, CTX_EXPR, x);
    for (i = 0; i < vec_len(args); i++)
        simple &= is_simple(gc_get(args, i));
    r = node(OP_CALL, f, args, NULL, x, (int32_t)vec_len(args), simple, 0);
    RETURN(r);
}

/* ============================================================= comp */

static V comp_define(V x, V cenv, enum ctx ctx) {
    V name = NULL, val = NULL, r;
    int32_t d, i;
    FRAME;
    ROOT(x);
    ROOT(cenv);
    ROOT(name);
    ROOT(val);
    if (ctx == CTX_EXPR || list_length(x) < 2)
        bad_syntax(x);
    name = define_name(x);
    if (is_pair(nth(x, 1))) {               /* (define (name . params) body ...) */
        val = comp_lambda(cdr(nth(x, 1)), drop(x, 2), cenv, name, x);
    } else {
        if (list_length(x) > 3)
            bad_syntax(x);
        val = list_length(x) == 3 ? comp(nth(x, 2), cenv, CTX_EXPR) : konst(sx_unspec);
        if (code_op(val) == OP_LAMBDA && !code_b(val))
            gc_set(val, 1, name);
    }
    if (ctx == CTX_TOP) {
        r = node(OP_DEFGLOBAL, val, global_sym(name), NULL, x, 0, 0, 0);
    } else {
        if (!resolve(name, cenv, &d, &i) || d != 0)
            bad_syntax(x);                  /* not found by scan_defines */
        r = node(OP_SETLOCAL, val, NULL, NULL, x, i, d, 0);
    }
    RETURN(r);
}

static V comp_set(V x, V cenv) {
    V val = NULL, r;
    int32_t d, i;
    FRAME;
    ROOT(x);
    ROOT(cenv);
    ROOT(val);
    if (list_length(x) != 3 || !is_sym(nth(x, 1)))
        bad_syntax(x);
    val = comp(nth(x, 2), cenv, CTX_EXPR);
    if (resolve(nth(x, 1), cenv, &d, &i))
        r = node(OP_SETLOCAL, val, NULL, NULL, x, i, d, 0);
    else
        r = node(OP_SETGLOBAL, val, global_sym(nth(x, 1)), NULL, x, 0, 0, 0);
    RETURN(r);
}

static V comp_if(V x, V cenv) {
    V a = NULL, b = NULL, c = NULL, r;
    int64_t n = list_length(x);
    FRAME;
    ROOT(x);
    ROOT(cenv);
    ROOT(a);
    ROOT(b);
    ROOT(c);
    if (n != 3 && n != 4)
        bad_syntax(x);
    a = comp(nth(x, 1), cenv, CTX_EXPR);
    b = comp(nth(x, 2), cenv, CTX_EXPR);
    c = n == 4 ? comp(nth(x, 3), cenv, CTX_EXPR) : konst(sx_unspec);
    r = node(OP_IF, a, b, c, NULL, 0, 0, 0);
    RETURN(r);
}

/* (when test body ...) and (unless test body ...) */
static V comp_when(V x, V cenv, bool when) {
    V a = NULL, b = NULL, r;
    FRAME;
    ROOT(x);
    ROOT(cenv);
    ROOT(a);
    ROOT(b);
    if (list_length(x) < 2)
        bad_syntax(x);
    a = comp(nth(x, 1), cenv, CTX_EXPR);
    b = comp_seq(drop(x, 2), cenv, CTX_EXPR, x);
    r = konst(sx_unspec);
    r = when ? node(OP_IF, a, b, r, NULL, 0, 0, 0) : node(OP_IF, a, r, b, NULL, 0, 0, 0);
    RETURN(r);
}

/* The line where list x starts, if the reader recorded it, else 0. */
static int32_t line_of(V x) {
    V l;
    for (l = sx_src_lines; l; l = cdr(l))
        if (car(car(l)) == x)
            return (int32_t)fix_val(cdr(car(l)));
    return 0;
}

static V comp_form(V x, V cenv, enum ctx ctx);

/* comp with cur_line set to x's line while x compiles. */
static V comp(V x, V cenv, enum ctx ctx) {
    int32_t saved = cur_line, line = is_pair(x) && sx_src_lines ? line_of(x) : 0;
    V r;
    if (line)
        cur_line = line;
    r = comp_form(x, cenv, ctx);
    cur_line = saved;
    return r;
}

static V comp_form(V x, V cenv, enum ctx ctx) {
    V r = NULL;
    FRAME;
    ROOT(x);
    ROOT(cenv);
    ROOT(r);
    stack_check(x);
    if (is_sym(x)) {
        r = comp_ref(x, cenv);
        RETURN(r);
    }
    if (!is_pair(x)) {
        r = konst(x);
        RETURN(r);
    }
    if ((r = macro_of(car(x), cenv))) {
        r = macro_expand(r, x);
        r = comp(r, cenv, ctx);
        RETURN(r);
    }
    switch (form_of(car(x), cenv)) {
    case SF_DEFINE_SYNTAX:      /* a body's are bound by expand_body */
        if (ctx == CTX_EXPR || list_length(x) != 3 || !is_sym(nth(x, 1)))
            bad_syntax(x);
        if (ctx == CTX_TOP) {
            r = macro_make(nth(x, 2), NULL);
            if (sym_value(global_sym(nth(x, 1))) == sx_unbound)
                sx_keep = cons(global_sym(nth(x, 1)), sx_keep);
            sym_set_value(global_sym(nth(x, 1)), r);
        }
        r = konst(sx_unspec);
        break;
    case SF_SYNTAX_RULES:      /* only as a transformer, in macro_make */
        bad_syntax(x);
    case SF_LET_SYNTAX:
    case SF_LETREC_SYNTAX:
        r = comp_let_syntax(x, cenv, form_of(car(x), cenv) == SF_LETREC_SYNTAX);
        break;
    case SF_QUOTE:
        if (list_length(x) != 2)
            bad_syntax(x);
        r = syntax_strip(nth(x, 1));
        r = konst(r);
        break;
    case SF_QUASIQUOTE:
        if (list_length(x) != 2)
            bad_syntax(x);
        r = qq(nth(x, 1), cenv, 1);
        break;
    case SF_IF: r = comp_if(x, cenv); break;
    case SF_DEFINE: r = comp_define(x, cenv, ctx); break;
    case SF_SET: r = comp_set(x, cenv); break;
    case SF_LAMBDA:
        if (list_length(x) < 3)
            bad_syntax(x);
        r = comp_lambda(nth(x, 1), drop(x, 2), cenv, NULL, x);
        break;
    case SF_LET:
        if (list_length(x) >= 2 && is_sym(nth(x, 1))) {
            r = expand_named_let(x);
            r = comp(r, cenv, CTX_EXPR);
        } else {
            r = comp_let(OP_LET, x, cenv);
        }
        break;
    case SF_LETSTAR:
        r = expand_letstar(x);
        r = comp(r, cenv, CTX_EXPR);
        break;
    case SF_LETREC: r = comp_let(OP_LETREC, x, cenv); break;
    case SF_BEGIN:
        r = comp_seq(cdr(x), cenv, ctx == CTX_EXPR ? CTX_EXPR : ctx, x);
        break;
    case SF_COND: r = comp_cond(cdr(x), cenv, x); break;
    case SF_CASE: r = comp_case(x, cenv); break;
    case SF_AND:
    case SF_OR:
        r = comp_vec(cdr(x), cenv, CTX_EXPR, x);
        r = node(form_of(car(x), cenv) == SF_AND ? OP_AND : OP_OR, r, NULL, NULL, x, 0, 0, 0);
        break;
    case SF_WHEN:
    case SF_UNLESS: r = comp_when(x, cenv, form_of(car(x), cenv) == SF_WHEN); break;
    case SF_DO:
        r = expand_do(x);
        r = comp(r, cenv, CTX_EXPR);
        break;
    case SF_GUARD:
        r = expand_guard(x);
        r = comp(r, cenv, CTX_EXPR);
        break;
    default:
        if (form_of(car(x), cenv) >= SF_DERIVED_FIRST && form_of(car(x), cenv) < SF_DERIVED_LAST) {
            r = derived_expand((enum derived)(form_of(car(x), cenv) - SF_DERIVED_FIRST), x);
            r = comp(r, cenv, ctx);
        } else {
            r = comp_call(x, cenv);
        }
        break;
    }
    RETURN(r);
}

/* cur_line is 0 again after an error unwound through comp. */
V compile_toplevel(V x) {
    cur_line = 0;
    return comp(x, NULL, CTX_TOP);
}

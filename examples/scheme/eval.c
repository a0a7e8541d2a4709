/* eval.c -- the evaluator: special forms, environments and procedure calls,
 * in one loop that turns every call in tail position into a jump. */
#include <alloca.h>
#include <stdlib.h>
#include "eval.h"
#include "print.h"
#include "integer.h"

/* Invariants:
 * [eval.rooted]: every C local below that holds a value is on the shadow
 *   stack (FRAME/ROOT) before the first call that may collect; values are
 *   re-read from rooted locals after each such call, never kept in
 *   temporaries across it ("gc_set(o, i, eval(...))" is forbidden: 'o'
 *   could be read before the collection).
 * [eval.tail]: a call in tail position reassigns 'x' and 'env' and loops,
 *   so loops written as tail calls run in constant C and shadow stack.
 * [eval.frame]: an environment frame is an object
 *   parent names extras v0 .. v(n-1): 'names' is a list whose first n
 *   elements name v0..v(n-1), each a symbol or a binding (sym init ...)
 *   whose car is the symbol, and whose tail after the pairs may be the
 *   symbol of a rest parameter; 'extras' is an alist of internal defines.
 *   The global environment is NULL: a symbol's value slot. */

enum {
    SF_NONE, SF_QUOTE, SF_QUASIQUOTE, SF_IF, SF_DEFINE, SF_SET, SF_LAMBDA,
    SF_LET, SF_LETSTAR, SF_LETREC, SF_BEGIN, SF_COND, SF_CASE, SF_AND, SF_OR,
    SF_WHEN, SF_UNLESS, SF_DO
};

static const struct { const char *name; unsigned form; } forms[] = {
    {"quote", SF_QUOTE}, {"quasiquote", SF_QUASIQUOTE}, {"if", SF_IF},
    {"define", SF_DEFINE}, {"set!", SF_SET}, {"lambda", SF_LAMBDA},
    {"let", SF_LET}, {"let*", SF_LETSTAR}, {"letrec", SF_LETREC},
    {"letrec*", SF_LETREC}, {"begin", SF_BEGIN}, {"cond", SF_COND},
    {"case", SF_CASE}, {"and", SF_AND}, {"or", SF_OR}, {"when", SF_WHEN},
    {"unless", SF_UNLESS}, {"do", SF_DO},
};

void eval_init(void) {
    size_t i;
    V s = NULL;
    FRAME;
    ROOT(s);
    gc_global(&sx_cur_expr);
    for (i = 0; i < sizeof forms / sizeof *forms; i++) {
        s = intern(forms[i].name, strlen(forms[i].name));
        sym_raw(s)[1] = forms[i].form;
        sx_keep = cons(s, sx_keep);
    }
    UNFRAME;
}

/* ================================================================ syntax */

static _Noreturn void bad_syntax(V form) { sx_raise("bad syntax", NULL, 0, form); }

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
        if (!is_pair(b) || !is_sym(car(b)) || !is_pair(cdr(b)))
            bad_syntax(form);
    }
    return n;
}

/* Append the fresh pair cell to the list [*head .. *tail].  Never
 * allocates, so the caller's roots stay valid. */
static void append_cell(V *head, V *tail, V cell) {
    if (*head)
        set_cdr(*tail, cell);
    else
        *head = cell;
    *tail = cell;
}

/* ========================================================= environments */

static V new_frame(V parent, V names, size_t n) {
    V fr;
    FRAME;
    ROOT(parent);
    ROOT(names);
    fr = gc_alloc(T_FRAME, 3 + n, 0);
    gc_set(fr, 0, parent);
    gc_set(fr, 1, names);
    RETURN(fr);
}

/* The object and slot holding sym's binding in frame fr, or NULL.
 * Never collects. */
static V frame_find(V fr, V sym, size_t *slot) {
    size_t i, n = gc_nrefs(fr) - 3;
    V names = gc_get(fr, 1), nm, e;
    for (i = 0; i < n; i++) {
        if (is_pair(names)) {
            nm = car(names);
            names = cdr(names);
            if (is_pair(nm))
                nm = car(nm);
        } else {
            nm = names; /* the rest parameter */
        }
        if (nm == sym) {
            *slot = 3 + i;
            return fr;
        }
    }
    for (e = gc_get(fr, 2); e; e = cdr(e))
        if (car(car(e)) == sym) {
            *slot = 1;
            return car(e);
        }
    return NULL;
}

/* Where sym is bound from env: an object and slot, or NULL for global. */
static V locate(V sym, V env, size_t *slot) {
    V o;
    for (; env; env = gc_get(env, 0))
        if ((o = frame_find(env, sym, slot)))
            return o;
    return NULL;
}

static V lookup(V sym, V env) {
    size_t slot;
    V o = locate(sym, env, &slot), v;
    if (o)
        return gc_get(o, slot);
    v = sym_value(sym);
    if (v == sx_unbound)
        sx_raise("unbound variable", sym, 1, NULL);
    return v;
}

static void assign(V sym, V val, V env, V form) {
    size_t slot;
    V o = locate(sym, env, &slot);
    if (o)
        gc_set(o, slot, val);
    else if (sym_value(sym) == sx_unbound)
        sx_raise("set!: unbound variable", sym, 1, form);
    else
        sym_set_value(sym, val);
}

/* Bind sym in env's innermost frame (or globally); a global bound for the
 * first time joins 'sx_keep' so the symbol table keeps it [symtab.weak]. */
static void define(V sym, V val, V env) {
    size_t slot;
    V o, cell = NULL;
    FRAME;
    ROOT(sym);
    ROOT(val);
    ROOT(env);
    ROOT(cell);
    if (!env) {
        if (sym_value(sym) == sx_unbound)
            sx_keep = cons(sym, sx_keep);
        sym_set_value(sym, val);
    } else if ((o = frame_find(env, sym, &slot))) {
        gc_set(o, slot, val);
    } else {
        cell = cons(sym, val);
        cell = cons(cell, gc_get(env, 2));
        gc_set(env, 2, cell);
    }
    UNFRAME;
}

/* ============================================================ applying */

static _Noreturn void arity_error(V f, V form) {
    sx_raise("wrong number of arguments to", f, 1, form);
}

/* Call primitive f on n values in argv (rooted by the caller). */
static V call_prim(V f, int n, V *argv, V form) {
    struct prim_raw *r = prim_raw(f);
    if (n < r->min || (r->max >= 0 && n > r->max))
        arity_error(f, form);
    sx_cur_expr = form;
    return r->fn(n, argv);
}

/* Apply primitive f to the values of the operand expressions ops.  The
 * argument vector is on the C stack (alloca), where Boehm's scan finds it
 * too; each of its slots is a shadow-stack root for movgc. */
static V call_prim_exprs(V f, V ops, V env, V form) {
    int64_t i, n = list_length(ops);
    if (n < 0 || n > 1000000)
        bad_syntax(form);
    {
        V *argv = alloca(sizeof(V) * (size_t)(n ? n : 1)), r;
        FRAME;
        ROOT(f);
        ROOT(ops);
        ROOT(env);
        ROOT(form);
        for (i = 0; i < n; i++) {
            argv[i] = NULL;
            ROOT(argv[i]);
        }
        for (i = 0; i < n; i++, ops = cdr(ops))
            argv[i] = eval(car(ops), env);
        r = call_prim(f, (int)n, argv, form);
        RETURN(r);
    }
}

static V call_prim_list(V f, V args, V form) {
    int64_t i, n = list_length(args);
    if (n < 0 || n > 1000000)
        sx_raise("apply: bad argument list", args, 1, form);
    {
        V *argv = alloca(sizeof(V) * (size_t)(n ? n : 1)), r;
        FRAME;
        for (i = 0; i < n; i++, args = cdr(args)) {
            argv[i] = car(args);
            ROOT(argv[i]);
        }
        r = call_prim(f, (int)n, argv, form);
        RETURN(r);
    }
}

/* The fast path for the commonest call, a leaf primitive on at most
 * LEAF_MAX variables or constants, such as (car p) or (+ i 1): evaluating
 * the operands cannot allocate and the primitive needs no rooted argv
 * (PRIM_LEAF), so nothing is pushed on the shadow stack.  Returns false,
 * having done nothing, when the call does not qualify. */
#define LEAF_MAX 4
static bool call_leaf(V f, V form, V env, V *out) {
    V argv[LEAF_MAX], ops, e;
    int n = 0;
    for (ops = cdr(form); is_pair(ops); ops = cdr(ops))
        if (n++ == LEAF_MAX || is_pair(car(ops)))
            return false;
    if (ops)
        return false;
    for (n = 0, ops = cdr(form); ops; ops = cdr(ops)) {
        e = car(ops);
        argv[n++] = is_sym(e) ? lookup(e, env) : e;
    }
    *out = call_prim(f, n, argv, form);
    return true;
}

/* A frame binding closure f's parameters to the values of ops in env. */
static V bind_exprs(V f, V ops, V env, V form) {
    int32_t nreq = clos_raw(f)[0], rest = clos_raw(f)[1], i;
    int64_t n = list_length(ops);
    V fr = NULL, t = NULL, head = NULL, tail = NULL;
    if (n < 0)
        bad_syntax(form);
    if (n < nreq || (!rest && n > nreq))
        arity_error(f, form);
    FRAME;
    ROOT(ops);
    ROOT(env);
    ROOT(fr);
    ROOT(t);
    ROOT(head);
    ROOT(tail);
    fr = new_frame(gc_get(f, 2), gc_get(f, 0), (size_t)(nreq + rest));
    for (i = 0; i < nreq; i++, ops = cdr(ops)) {
        t = eval(car(ops), env);
        gc_set(fr, 3 + (size_t)i, t);
    }
    for (; ops; ops = cdr(ops)) {
        t = eval(car(ops), env);
        t = cons(t, NULL);
        append_cell(&head, &tail, t);
    }
    if (rest)
        gc_set(fr, 3 + (size_t)nreq, head);
    RETURN(fr);
}

/* A frame binding closure f's parameters to the list of values args. */
static V bind_list(V f, V args, V form) {
    int32_t nreq = clos_raw(f)[0], rest = clos_raw(f)[1], i;
    int64_t n = list_length(args);
    V fr;
    if (n < 0)
        sx_raise("apply: bad argument list", args, 1, form);
    if (n < nreq || (!rest && n > nreq))
        arity_error(f, form);
    FRAME;
    ROOT(args);
    fr = new_frame(gc_get(f, 2), gc_get(f, 0), (size_t)(nreq + rest));
    for (i = 0; i < nreq; i++, args = cdr(args))
        gc_set(fr, 3 + (size_t)i, car(args));
    if (rest)
        gc_set(fr, 3 + (size_t)nreq, args); /* shares the caller's list */
    RETURN(fr);
}

/* (a b (c d)) -> (a b c d): the arguments of apply, spread. */
static V spread(V args, V form) {
    V head = NULL, tail = NULL, t = NULL;
    FRAME;
    ROOT(args);
    ROOT(head);
    ROOT(tail);
    ROOT(t);
    if (!is_pair(args))
        sx_raise("apply: no argument list", NULL, 0, form);
    for (; cdr(args); args = cdr(args)) {
        t = cons(car(args), NULL);
        append_cell(&head, &tail, t);
    }
    if (list_length(car(args)) < 0)
        sx_raise("apply: last argument is not a list", car(args), 1, form);
    if (head)
        set_cdr(tail, car(args));
    else
        head = car(args);
    RETURN(head);
}

/* The values of the expressions ops, as a fresh list. */
static V eval_list(V ops, V env) {
    V head = NULL, tail = NULL, t = NULL;
    FRAME;
    ROOT(ops);
    ROOT(env);
    ROOT(head);
    ROOT(tail);
    ROOT(t);
    for (; is_pair(ops); ops = cdr(ops)) {
        t = eval(car(ops), env);
        t = cons(t, NULL);
        append_cell(&head, &tail, t);
    }
    RETURN(head);
}

/* Evaluate a body and return its last value (not a tail call: for C). */
static V eval_body(V body, V env) {
    V r = sx_unspec;
    FRAME;
    ROOT(body);
    ROOT(env);
    ROOT(r);
    for (; is_pair(body); body = cdr(body))
        r = eval(car(body), env);
    RETURN(r);
}

V sx_apply(V f, V args) {
    V r = NULL;
    FRAME;
    ROOT(f);
    ROOT(args);
    ROOT(r);
    for (;;) {
        if (type_of(f) == T_CLOS) {
            r = bind_list(f, args, sx_cur_expr);
            r = eval_body(gc_get(f, 1), r);
        } else if (type_of(f) == T_PRIM && (prim_raw(f)->flags & PRIM_APPLY)) {
            r = spread(cdr(args), sx_cur_expr);
            f = car(args);
            args = r;
            continue;
        } else if (type_of(f) == T_PRIM) {
            r = call_prim_list(f, args, sx_cur_expr);
        } else {
            sx_error("not a procedure:", f);
        }
        RETURN(r);
    }
}

/* ========================================================= quasiquote */

static V qq(V t, V env, int depth);

/* Append a copy of the proper list l after *tail (head/tail rooted). */
static void qq_splice(V *head, V *tail, V l, V form) {
    V c = NULL;
    FRAME;
    ROOT(l);
    ROOT(c);
    if (list_length(l) < 0)
        sx_raise("unquote-splicing: not a list", l, 1, form);
    for (; l; l = cdr(l)) {
        c = cons(car(l), NULL);
        if (*head)
            set_cdr(*tail, c);
        else
            *head = c;
        *tail = c;
    }
    UNFRAME;
}

static V qq_list(V t, V env, int depth) {
    V head = NULL, tail = NULL, e = NULL, v = NULL;
    FRAME;
    ROOT(t);
    ROOT(env);
    ROOT(head);
    ROOT(tail);
    ROOT(e);
    ROOT(v);
    for (; is_pair(t); t = cdr(t)) {
        if (car(t) == sx_sym_unquote || car(t) == sx_sym_quasiquote)
            break; /* `(a . ,b) is (a unquote b): the tail is the form */
        e = car(t);
        if (is_pair(e) && car(e) == sx_sym_unquote_splicing && depth == 1) {
            v = eval(nth(e, 1), env);
            qq_splice(&head, &tail, v, e);
            continue;
        }
        v = qq(e, env, depth);
        v = cons(v, NULL);
        if (head)
            set_cdr(tail, v);
        else
            head = v;
        tail = v;
    }
    if (t) {
        v = qq(t, env, depth);
        if (head)
            set_cdr(tail, v);
        else
            head = v;
    }
    RETURN(head);
}

/* The value of template t at quasiquote nesting depth (1 = outermost). */
static V qq(V t, V env, int depth) {
    V r = NULL, head;
    FRAME;
    ROOT(t);
    ROOT(env);
    ROOT(r);
    stack_check(t);
    if (type_of(t) == T_VEC) {
        r = vector_to_list(t);
        r = qq_list(r, env, depth);
        r = list_to_vector(r);
    } else if (!is_pair(t)) {
        r = t;
    } else if ((head = car(t)) == sx_sym_unquote) {
        if (depth == 1) {
            r = eval(nth(t, 1), env);
        } else {
            r = qq(nth(t, 1), env, depth - 1);
            r = list2(sx_sym_unquote, r);
        }
    } else if (head == sx_sym_quasiquote) {
        r = qq(nth(t, 1), env, depth + 1);
        r = list2(sx_sym_quasiquote, r);
    } else {
        r = qq_list(t, env, depth);
    }
    RETURN(r);
}

/* ================================================================= eval */

/* (do ((var init step) ...) (test result ...) command ...): run the loop
 * and return the frame of the last iteration, in which the caller
 * evaluates the results (in tail position).  A fresh frame per iteration,
 * as closures may capture it. */
static V eval_do(V x, V env) {
    int64_t n, i;
    V t = NULL, u = NULL, a = NULL, b = NULL;
    FRAME;
    ROOT(x);
    ROOT(env);
    ROOT(t);
    ROOT(u);
    ROOT(a);
    ROOT(b);
    if (list_length(x) < 3 || !is_pair(nth(x, 2)))
        bad_syntax(x);
    u = nth(x, 1);
    n = bindings_length(u, x);
    t = new_frame(env, u, (size_t)n);
    for (i = 0; u; u = cdr(u), i++) {
        a = eval(car(cdr(car(u))), env);
        gc_set(t, 3 + (size_t)i, a);
    }
    for (;;) {
        a = eval(car(nth(x, 2)), t);
        if (is_true(a))
            break;
        for (u = drop(x, 3); is_pair(u); u = cdr(u))
            eval(car(u), t);
        b = new_frame(env, nth(x, 1), (size_t)n);
        for (i = 0, u = nth(x, 1); u; u = cdr(u), i++) {
            a = cdr(cdr(car(u)));
            a = is_pair(a) ? eval(car(a), t) : gc_get(t, 3 + (size_t)i);
            gc_set(b, 3 + (size_t)i, a);
        }
        t = b;
    }
    RETURN(t);
}

/* Evaluate x in env.  Special forms are recognised by their keyword's
 * symbol (keywords cannot be rebound).  Scratch locals f t u are rooted
 * [eval.rooted]; a and b are not, and so hold a value only between two
 * calls that may collect (a clause, a binding, a result about to be
 * stored).  Tail positions loop [eval.tail]. */
V eval(V x, V env) {
    V f = NULL, t = NULL, u = NULL, a, b;
    int64_t n, i;
    /* Variables and constants, most of what is evaluated, need no roots. */
    if (!is_pair(x))
        return is_sym(x) ? lookup(x, env) : x;
    FRAME;
    ROOT(x);
    ROOT(env);
    ROOT(f);
    ROOT(t);
    ROOT(u);
    stack_check(x);
    for (;;) {
        if (!is_pair(x)) {
            t = is_sym(x) ? lookup(x, env) : x;
            break;
        }
        f = car(x);
        switch (is_sym(f) ? sym_form(f) : SF_NONE) {
        case SF_NONE:
            break;
        case SF_QUOTE:
            if (list_length(x) != 2)
                bad_syntax(x);
            t = car(cdr(x));
            goto out;
        case SF_QUASIQUOTE:
            if (list_length(x) != 2)
                bad_syntax(x);
            t = qq(car(cdr(x)), env, 1);
            goto out;
        case SF_IF:
            n = list_length(x);
            if (n != 3 && n != 4)
                bad_syntax(x);
            t = eval(nth(x, 1), env);
            if (is_true(t))
                x = nth(x, 2);
            else if (n == 4)
                x = nth(x, 3);
            else {
                t = sx_unspec;
                goto out;
            }
            continue;
        case SF_DEFINE:
            if (list_length(x) < 2)
                bad_syntax(x);
            u = nth(x, 1);
            if (is_pair(u)) { /* (define (name . params) body ...) */
                if (!is_sym(car(u)) || !is_pair(drop(x, 2)))
                    bad_syntax(x);
                t = make_closure(cdr(u), drop(x, 2), env, car(u));
                u = car(u);
            } else {
                if (!is_sym(u) || list_length(x) > 3)
                    bad_syntax(x);
                t = list_length(x) == 3 ? eval(nth(x, 2), env) : sx_unspec;
                if (type_of(t) == T_CLOS && !gc_get(t, 3))
                    gc_set(t, 3, u);
            }
            define(u, t, env);
            t = sx_unspec;
            goto out;
        case SF_SET:
            if (list_length(x) != 3 || !is_sym(nth(x, 1)))
                bad_syntax(x);
            t = eval(nth(x, 2), env);
            assign(nth(x, 1), t, env, x);
            t = sx_unspec;
            goto out;
        case SF_LAMBDA:
            if (list_length(x) < 3)
                bad_syntax(x);
            t = make_closure(nth(x, 1), drop(x, 2), env, NULL);
            goto out;
        case SF_LET:
            if (list_length(x) < 3)
                bad_syntax(x);
            u = nth(x, 1);
            if (is_sym(u)) { /* named let: (let name bindings body ...) */
                if (list_length(x) < 4)
                    bad_syntax(x);
                u = nth(x, 2);
                n = bindings_length(u, x);
                t = new_frame(env, cdr(x), 1); /* binds name alone */
                f = make_closure(u, drop(x, 3), t, nth(x, 1));
                gc_set(t, 3, f);
                t = new_frame(t, u, (size_t)n);
            } else {
                n = bindings_length(u, x);
                t = new_frame(env, u, (size_t)n);
            }
            for (i = 0; u; u = cdr(u), i++) {
                a = eval(car(cdr(car(u))), env);
                gc_set(t, 3 + (size_t)i, a);
            }
            env = t;
            x = is_sym(nth(x, 1)) ? drop(x, 3) : drop(x, 2);
            goto body;
        case SF_LETSTAR:
            if (list_length(x) < 3)
                bad_syntax(x);
            u = nth(x, 1);
            bindings_length(u, x);
            if (!u)
                env = new_frame(env, NULL, 0);
            for (; u; u = cdr(u)) {
                f = eval(car(cdr(car(u))), env);
                env = new_frame(env, u, 1);
                gc_set(env, 3, f);
            }
            x = drop(x, 2);
            goto body;
        case SF_LETREC:
            if (list_length(x) < 3)
                bad_syntax(x);
            u = nth(x, 1);
            n = bindings_length(u, x);
            env = new_frame(env, u, (size_t)n);
            for (i = 0; u; u = cdr(u), i++) {
                a = eval(car(cdr(car(u))), env);
                gc_set(env, 3 + (size_t)i, a);
            }
            x = drop(x, 2);
            goto body;
        case SF_BEGIN:
            x = cdr(x);
            goto body;
        case SF_COND:
            for (u = cdr(x); is_pair(u); u = cdr(u)) {
                a = car(u);
                if (!is_pair(a))
                    bad_syntax(x);
                if (car(a) == sx_sym_else) {
                    x = cdr(a);
                    goto body;
                }
                t = eval(car(a), env);
                if (!is_true(t))
                    continue;
                a = car(u); /* again: the evaluation may have moved it */
                if (!cdr(a))
                    goto out;
                if (nth(a, 1) == sx_sym_arrow) {
                    f = eval(nth(a, 2), env);
                    u = cons(t, NULL);
                    goto apply_list;
                }
                x = cdr(a);
                goto body;
            }
            t = sx_unspec;
            goto out;
        case SF_CASE:
            t = eval(nth(x, 1), env);
            for (u = drop(x, 2); is_pair(u); u = cdr(u)) {
                a = car(u);
                if (!is_pair(a))
                    bad_syntax(x);
                if (car(a) == sx_sym_else) {
                    x = cdr(a);
                    goto body;
                }
                for (b = car(a); is_pair(b); b = cdr(b))
                    if (eqv(car(b), t)) {
                        x = cdr(a);
                        goto body;
                    }
            }
            t = sx_unspec;
            goto out;
        case SF_AND:
        case SF_OR:
            t = boolean(sym_form(f) == SF_AND);
            for (u = cdr(x); is_pair(u) && is_pair(cdr(u)); u = cdr(u)) {
                t = eval(car(u), env);
                if (is_true(t) != (sym_form(car(x)) == SF_AND))
                    goto out;
            }
            if (!is_pair(u))
                goto out;
            x = car(u);
            continue;
        case SF_WHEN:
        case SF_UNLESS:
            t = eval(nth(x, 1), env);
            if (is_true(t) != (sym_form(car(x)) == SF_WHEN)) {
                t = sx_unspec;
                goto out;
            }
            x = drop(x, 2);
            goto body;
        case SF_DO:
            env = eval_do(x, env);
            x = cdr(nth(x, 2));
            goto body;
        }
        /* A call: evaluate the operator, then apply. */
        f = eval(f, env);
        if (type_of(f) == T_CLOS) {
            env = bind_exprs(f, cdr(x), env, x);
            x = gc_get(f, 1);
            goto body;
        }
        if (type_of(f) != T_PRIM)
            sx_raise("not a procedure:", f, 1, x);
        if ((prim_raw(f)->flags & PRIM_LEAF) && call_leaf(f, x, env, &t))
            goto out;
        if (!(prim_raw(f)->flags & PRIM_APPLY)) {
            t = call_prim_exprs(f, cdr(x), env, x);
            goto out;
        }
        u = eval_list(cdr(x), env);
    apply_list: /* apply f to the list of values u, in tail position */
        for (;;) {
            if (type_of(f) == T_CLOS) {
                env = bind_list(f, u, x);
                x = gc_get(f, 1);
                goto body;
            }
            if (type_of(f) != T_PRIM)
                sx_raise("not a procedure:", f, 1, x);
            if (!(prim_raw(f)->flags & PRIM_APPLY)) {
                t = call_prim_list(f, u, x);
                goto out;
            }
            if (list_length(u) < 2)
                arity_error(f, x);
            f = car(u);
            u = spread(cdr(u), x);
        }
    body: /* x is a body (a list of expressions) to run in env */
        if (!is_pair(x)) {
            t = sx_unspec;
            goto out;
        }
        for (; is_pair(cdr(x)); x = cdr(x))
            eval(car(x), env);
        x = car(x);
    }
out:
    RETURN(t);
}

/* ========================================================= equivalence */

bool eqv(V a, V b) {
    if (a == b)
        return true;
    if (!a || !b || gc_tag(a) != gc_tag(b))
        return false;
    switch (gc_tag(a)) {
    case T_FIX: return fix_val(a) == fix_val(b);
    case T_FLO: return flo_val(a) == flo_val(b);
    case T_BIG: return int_cmp(a, b) == 0;
    case T_CHAR: return char_val(a) == char_val(b);
    case T_STR: return str_len(a) == 0 && str_len(b) == 0;
    default: return false;
    }
}

bool equal(V a, V b) {
    size_t i;
    stack_check(NULL);
    for (;;) {
        if (eqv(a, b))
            return true;
        if (!a || !b || gc_tag(a) != gc_tag(b))
            return false;
        switch (gc_tag(a)) {
        case T_PAIR:
            if (!equal(car(a), car(b)))
                return false;
            a = cdr(a);
            b = cdr(b);
            continue;
        case T_STR:
            return str_len(a) == str_len(b) &&
                   memcmp(str_ptr(a), str_ptr(b), (size_t)str_len(a)) == 0;
        case T_VEC:
            if (vec_len(a) != vec_len(b))
                return false;
            for (i = 0; i < vec_len(a); i++)
                if (!equal(gc_get(a, i), gc_get(b, i)))
                    return false;
            return true;
        default:
            return false;
        }
    }
}

/* eval.c -- the evaluator: runs the code objects compiled by compile.c,
 * in one loop that turns every call in tail position into a jump. */
#include <alloca.h>
#include <stdlib.h>
#include "code.h"
#include "rational.h"
#include "print.h"
#include "read.h"

/* Invariants:
 * [eval.rooted]: every C local below that holds a value is on the shadow
 *   stack (FRAME/ROOT) before the first call that may collect; values are
 *   re-read from rooted locals after each such call, never kept in
 *   temporaries across it ("gc_set(o, i, exec(...))" is forbidden: 'o'
 *   could be read before the collection).  Code objects move too: a
 *   node's operands are re-read through the rooted node 'c' each time.
 * [eval.tail]: a call in tail position reassigns 'c' and 'env' and loops,
 *   so loops written as tail calls run in constant C and shadow stack.
 * [eval.simple]: constants and variable references never allocate, so
 *   their values are read without any rooting; a call whose operands are
 *   all simple, to a PRIM_LEAF primitive, runs without touching the
 *   shadow stack at all. */

void eval_init(void) {
    gc_global(&sx_cur_expr);
    gc_global(&sx_src_lines);
    gc_global(&sx_src_file);
    gc_global(&sx_handlers);
    gc_global(&sx_winders);
    gc_global(&sx_thrown);
}

static _Noreturn void arity_error(V f, V form) {
    sx_raise("wrong number of arguments to", f, 1, form);
}

static V new_frame(V parent, int32_t size) {
    V fr;
    FRAME;
    ROOT(parent);
    fr = gc_alloc(T_FRAME, 1 + (size_t)size, 0);
    gc_set(fr, 0, parent);
    RETURN(fr);
}

static V make_closure(V lambda, V env) {
    V f;
    FRAME;
    ROOT(lambda);
    ROOT(env);
    f = gc_alloc(T_CLOS, 2, 0);
    gc_set(f, 0, lambda);
    gc_set(f, 1, env);
    RETURN(f);
}

static inline bool simple(V c) { return code_op(c) <= OP_GLOBAL; }

/* The frame 'depth' levels up from env. */
static inline V frame_up(V env, int32_t depth) {
    while (depth-- > 0)
        env = gc_get(env, 0);
    return env;
}

static _Noreturn __attribute__((noinline, cold)) void unbound(V sym) {
    sx_raise("unbound variable", sym, 1, NULL);
}

/* The value of a simple code object [eval.simple].  Never collects. */
static inline __attribute__((always_inline)) V simple_value(V c, V env) {
    V v;
    switch (code_op(c)) {
    case OP_CONST: return code_a(c);
    case OP_LOCAL0: return gc_get(env, 1 + (size_t)code_raw(c)[1]);
    case OP_LOCAL1: return gc_get(gc_get(env, 0), 1 + (size_t)code_raw(c)[1]);
    case OP_LOCAL: return gc_get(frame_up(env, code_raw(c)[2]), 1 + (size_t)code_raw(c)[1]);
    default:
        v = sym_value(code_a(c));
        if (v == sx_unbound)
            unbound(code_a(c));
        return v;
    }
}

/* Call primitive f on n values in argv. */
static inline V call_prim(V f, int n, V *argv, V form) {
    struct prim_raw *r = prim_raw(f);
    if (n < r->min || (r->max >= 0 && n > r->max))
        arity_error(f, form);
    sx_cur_expr = form;
    return r->fn(n, argv);
}

/* The fast path for the commonest call, a leaf primitive on at most
 * LEAF_MAX simple operands, such as (car p) or (+ i 1) [eval.simple]. */
#define LEAF_MAX 4
static inline bool leaf_call(V f, V c, V env, V *out) {
    V argv[LEAF_MAX], ops;
    int32_t i, n = code_raw(c)[1];
    if (!(prim_raw(f)->flags & PRIM_LEAF) || !code_raw(c)[2] || n > LEAF_MAX)
        return false;
    ops = code_b(c);
    for (i = 0; i < n; i++)
        argv[i] = simple_value(gc_get(ops, (size_t)i), env);
    *out = call_prim(f, n, argv, code_src(c));
    return true;
}

/* Code c run for its value, not in tail position: simple code and leaf
 * calls inline, anything else through exec. */
static inline V exec_arg(V c, V env) {
    V f, r;
    if (simple(c))
        return simple_value(c, env);
    if (code_op(c) == OP_CALL && simple(code_a(c))) {
        f = simple_value(code_a(c), env);
        if (type_of(f) == T_PRIM && leaf_call(f, c, env, &r))
            return r;
    }
    return exec(c, env);
}

/* Apply primitive f (not apply itself) to the operands of call c.  The
 * argument vector is on the C stack (alloca), where Boehm's scan finds
 * it too; each of its slots is a shadow-stack root for movgc. */
static V call_prim_code(V f, V c, V env) {
    int32_t i, n = code_raw(c)[1];
    V *argv, r;
    if (leaf_call(f, c, env, &r))
        return r;
    argv = alloca(sizeof(V) * (size_t)(n ? n : 1));
    FRAME;
    ROOT(f);
    ROOT(c);
    ROOT(env);
    for (i = 0; i < n; i++) {
        argv[i] = NULL;
        ROOT(argv[i]);
    }
    for (i = 0; i < n; i++)
        argv[i] = exec_arg(gc_get(code_b(c), (size_t)i), env);
    r = call_prim(f, (int)n, argv, code_src(c));
    RETURN(r);
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

/* Check closure f's arity against n arguments; its lambda's code. */
static V check_arity(V f, int64_t n, V form) {
    V lam = clos_code(f);
    int32_t nreq = code_raw(lam)[1], rest = code_raw(lam)[2];
    if (n < nreq || (!rest && n > nreq))
        arity_error(f, form);
    return lam;
}

/* A frame binding closure f's parameters to the values of call *cp's
 * operands, run in *envp.  cp and envp point to the caller's rooted
 * locals: they are re-read after each allocation. */
static V bind_code(V f, V *cp, V *envp) {
    V lam = check_arity(f, code_raw(*cp)[1], code_src(*cp));
    int32_t nreq = code_raw(lam)[1], rest = code_raw(lam)[2], i, n = code_raw(*cp)[1];
    V fr, t = NULL, head = NULL, tail = NULL;
    fr = new_frame(clos_env(f), code_raw(lam)[3]);
    if (!rest && code_raw(*cp)[2]) { /* simple operands: nothing to root */
        for (i = 0; i < nreq; i++)
            gc_set(fr, 1 + (size_t)i, simple_value(gc_get(code_b(*cp), (size_t)i), *envp));
        return fr;
    }
    FRAME;
    ROOT(fr);
    ROOT(t);
    for (i = 0; i < nreq; i++) {
        t = exec_arg(gc_get(code_b(*cp), (size_t)i), *envp);
        gc_set(fr, 1 + (size_t)i, t);
    }
    if (!rest)
        RETURN(fr);
    ROOT(head);
    ROOT(tail);
    for (; i < n; i++) {
        t = exec_arg(gc_get(code_b(*cp), (size_t)i), *envp);
        t = cons(t, NULL);
        if (head)
            set_cdr(tail, t);
        else
            head = t;
        tail = t;
    }
    if (rest)
        gc_set(fr, 1 + (size_t)nreq, head);
    RETURN(fr);
}

/* A frame binding closure f's parameters to the list of values args. */
static V bind_list(V f, V args, V form) {
    int64_t n = list_length(args);
    V lam, fr;
    int32_t nreq, rest, i;
    if (n < 0)
        sx_raise("apply: bad argument list", args, 1, form);
    lam = check_arity(f, n, form);
    nreq = code_raw(lam)[1];
    rest = code_raw(lam)[2];
    FRAME;
    ROOT(args);
    fr = new_frame(clos_env(f), code_raw(lam)[3]);
    for (i = 0; i < nreq; i++, args = cdr(args))
        gc_set(fr, 1 + (size_t)i, car(args));
    if (rest)
        gc_set(fr, 1 + (size_t)nreq, args); /* shares the caller's list */
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
        if (head)
            set_cdr(tail, t);
        else
            head = t;
        tail = t;
    }
    if (list_length(car(args)) < 0)
        sx_raise("apply: last argument is not a list", car(args), 1, form);
    if (head)
        set_cdr(tail, car(args));
    else
        head = car(args);
    RETURN(head);
}

/* The values of call c's operands, as a fresh list. */
static V operand_list(V c, V env) {
    V head = NULL, tail = NULL, t = NULL;
    int32_t i;
    FRAME;
    ROOT(c);
    ROOT(env);
    ROOT(head);
    ROOT(tail);
    ROOT(t);
    for (i = 0; i < code_raw(c)[1]; i++) {
        t = exec_arg(gc_get(code_b(c), (size_t)i), env);
        t = cons(t, NULL);
        if (head)
            set_cdr(tail, t);
        else
            head = t;
        tail = t;
    }
    RETURN(head);
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
            r = exec(code_a(clos_code(f)), r);
        } else if (type_of(f) == T_PRIM && (prim_raw(f)->flags & PRIM_APPLY)) {
            r = spread(cdr(args), sx_cur_expr);
            f = car(args);
            args = r;
            continue;
        } else if (type_of(f) == T_PRIM) {
            r = call_prim_list(f, args, sx_cur_expr);
        } else if (type_of(f) == T_CONT) {
            sx_continue(f, args);
        } else {
            sx_error("not a procedure:", f);
        }
        RETURN(r);
    }
}

/* Compile x for the global environment and run it. */
V eval(V x, V env) {
    V c;
    (void)env;
    c = compile_toplevel(x);
    return exec(c, NULL);
}

/* Does the list l hold a value eqv? to v? */
static bool memv(V v, V l) {
    for (; is_pair(l); l = cdr(l))
        if (eqv(car(l), v))
            return true;
    return false;
}

/* Run code c in env.  Scratch locals f and t are rooted [eval.rooted]. */
V exec(V c, V env) {
    V f = NULL, t = NULL, cl;
    size_t i, n;
    if (simple(c))
        return simple_value(c, env);
    FRAME;
    ROOT(c);
    ROOT(env);
    ROOT(f);
    ROOT(t);
    stack_check(code_src(c));
    for (;;) {
        switch (code_op(c)) {
        case OP_CONST:
        case OP_LOCAL0:
        case OP_LOCAL1:
        case OP_LOCAL:
        case OP_GLOBAL:
            t = simple_value(c, env);
            goto out;
        case OP_SETLOCAL:
            t = exec_arg(code_a(c), env);
            gc_set(frame_up(env, code_raw(c)[2]), 1 + (size_t)code_raw(c)[1], t);
            t = sx_unspec;
            goto out;
        case OP_SETGLOBAL:
            t = exec_arg(code_a(c), env);
            if (sym_value(code_b(c)) == sx_unbound)
                sx_raise("set!: unbound variable", code_b(c), 1, code_src(c));
            sym_set_value(code_b(c), t);
            t = sx_unspec;
            goto out;
        case OP_DEFGLOBAL:
            /* a global bound for the first time joins 'sx_keep' so the
             * symbol table keeps it [symtab.weak] */
            t = exec_arg(code_a(c), env);
            if (sym_value(code_b(c)) == sx_unbound)
                sx_keep = cons(code_b(c), sx_keep);
            sym_set_value(code_b(c), t);
            t = sx_unspec;
            goto out;
        case OP_IF:
            t = exec_arg(code_a(c), env);
            c = is_true(t) ? code_b(c) : code_c(c);
            continue;
        case OP_LAMBDA:
            t = make_closure(c, env);
            goto out;
        case OP_SEQ:
            n = vec_len(code_a(c));
            for (i = 0; i + 1 < n; i++)
                exec(gc_get(code_a(c), i), env);
            c = gc_get(code_a(c), n - 1);
            continue;
        case OP_LET:
            t = new_frame(env, code_raw(c)[3]);
            n = vec_len(code_a(c));
            for (i = 0; i < n; i++) {
                f = exec_arg(gc_get(code_a(c), i), env);
                gc_set(t, 1 + i, f);
            }
            env = t;
            c = code_b(c);
            continue;
        case OP_LETREC:
            env = new_frame(env, code_raw(c)[3]);
            n = vec_len(code_a(c));
            for (i = 0; i < n; i++) {
                f = exec_arg(gc_get(code_a(c), i), env);
                gc_set(env, 1 + i, f);
            }
            c = code_b(c);
            continue;
        case OP_AND:
        case OP_OR:
            n = vec_len(code_a(c));
            t = boolean(code_op(c) == OP_AND);
            if (n == 0)
                goto out;
            for (i = 0; i + 1 < n; i++) {
                t = exec_arg(gc_get(code_a(c), i), env);
                if (is_true(t) != (code_op(c) == OP_AND))
                    goto out;
            }
            c = gc_get(code_a(c), n - 1);
            continue;
        case OP_ARROW:
            t = exec_arg(code_a(c), env);
            if (!is_true(t)) {
                c = code_c(c);
                continue;
            }
            f = exec_arg(code_b(c), env);
            t = cons(t, NULL);
            goto apply_list;
        case OP_CASE:
            t = exec_arg(code_a(c), env);
            n = vec_len(code_b(c));
            for (i = 0, cl = NULL; i < n; i++) { /* never collects */
                cl = gc_get(code_b(c), i);
                if (code_a(cl) == sx_true || memv(t, code_a(cl)))
                    break;
            }
            if (i == n) {
                t = sx_unspec;
                goto out;
            }
            if (!code_raw(cl)[1]) {
                c = code_b(cl);
                continue;
            }
            f = exec_arg(code_b(cl), env);
            t = cons(t, NULL);
            goto apply_list;
        case OP_CALL:
            f = exec_arg(code_a(c), env);
            if (type_of(f) == T_CLOS) {
                env = bind_code(f, &c, &env);
                c = code_a(clos_code(f));
                continue;
            }
            if (type_of(f) != T_PRIM) {
                if (type_of(f) != T_CONT)
                    sx_raise("not a procedure:", f, 1, code_src(c));
                t = operand_list(c, env);
                sx_continue(f, t);
            }
            if (!(prim_raw(f)->flags & PRIM_APPLY)) {
                t = call_prim_code(f, c, env);
                goto out;
            }
            t = operand_list(c, env);
            goto apply_list;
        default:
            sx_raise("bad code object", c, 1, NULL);
        }
    apply_list: /* apply f to the list of values t, in tail position;
                 * c is the node applying, for messages */
        for (;;) {
            if (type_of(f) == T_CLOS) {
                env = bind_list(f, t, code_src(c));
                c = code_a(clos_code(f));
                break;
            }
            if (type_of(f) == T_CONT)
                sx_continue(f, t);
            if (type_of(f) != T_PRIM)
                sx_raise("not a procedure:", f, 1, code_src(c));
            if (!(prim_raw(f)->flags & PRIM_APPLY)) {
                t = call_prim_list(f, t, code_src(c));
                goto out;
            }
            if (list_length(t) < 2)
                arity_error(f, code_src(c));
            f = car(t);
            t = spread(cdr(t), code_src(c));
        }
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
    case T_RAT: return rat_eqv(a, b);
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
        case T_BYTES:
            return bytes_len(a) == bytes_len(b) &&
                   memcmp(bytes_ptr(a), bytes_ptr(b), (size_t)bytes_len(a)) == 0;
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

/* eval.h -- the evaluator, error raising and the C-stack guard. */
#ifndef SCHEME_EVAL_H
#define SCHEME_EVAL_H

#include <setjmp.h>
#include <stdio.h>
#include "value.h"

/* ---- errors and non-local exits (error.c) */
/* A place to return to with longjmp: an error catcher (the REPL, the file
 * runner) or an escape point (call/cc, guard).  [error.restore]: the
 * catcher saved the shadow-stack depth; after longjmp sx_recover pops
 * every root pushed since, so the heap's roots are exactly those of the
 * frames still alive, and restores the dynamic state saved with it. */
enum { CATCH_ERROR, CATCH_ESCAPE, CATCH_BARRIER };
struct sx_catch {
    jmp_buf jb;
    size_t roots;            /* shadow-stack depth at the catch point */
    struct sx_catch *prev;
    int kind;                /* CATCH_ERROR or CATCH_ESCAPE */
    uint64_t id;             /* escapes: named by continuations, guards;
                                barriers: the escape stopped, 0 an error */
    V handlers, winders;     /* dynamic state to restore (rooted if set) */
};
extern struct sx_catch *sx_catcher;
extern V sx_cur_expr;        /* the call being applied, for messages */
/* The exception handler stack: a list, innermost first, of procedures
 * and of guard markers (fixnum ids of CATCH_ESCAPE catches). */
extern V sx_handlers;
/* The dynamic-wind stack: a list of (before . after), innermost first. */
extern V sx_winders;
/* The value carried by a longjmp to an escape (raised object, values). */
extern V sx_thrown;

/* Print "Error: msg obj" and "  in: expr", then longjmp to the catcher.
 * obj or expr NULL: not printed (the empty list prints when has_obj). */
_Noreturn void sx_raise(const char *msg, V obj, int has_obj, V expr);
_Noreturn void sx_raise_user(V msg, V irritants);
_Noreturn void sx_error(const char *msg, V obj);      /* in sx_cur_expr */
_Noreturn void sx_error0(const char *msg);
_Noreturn void sx_type_error(const char *who, const char *what, V got);
/* The catcher's half: call right after setjmp returned nonzero.  May
 * collect (it runs the 'after' thunks of the dynamic-winds left). */
void sx_recover(struct sx_catch *c);
/* Open an escape point c (fields set here); its roots stay pushed until
 * the caller's frame closes. */
void sx_catch_open(struct sx_catch *c);
/* A barrier stops every longjmp that would leave it, errors and escapes
 * alike (a foreign callback must return to C normally).  Open it as
 * sx_catch_open does; after the longjmp landed in it and sx_recover ran,
 * c->id says what was stopped (sx_thrown holds an escape's value), and
 * sx_barrier_resume(c->id, value) continues that exit later, once the C
 * code is off the stack. */
void sx_barrier_open(struct sx_catch *c);
_Noreturn void sx_barrier_resume(uint64_t id, V val);
/* Raise obj to the current handlers: returns the handler's value when
 * continuable; else never returns.  May collect. */
V sx_raise_obj(V obj, bool continuable);
/* Jump to the escape point numbered id with sx_thrown = val; raises an
 * error if it is no longer on the stack. */
_Noreturn void sx_throw(uint64_t id, V val, const char *what);
/* Run the 'after' thunks of the dynamic-winds above 'to'. */
void sx_unwind_winders(V to);
/* Error objects (prim_ctl.c): message irritants where kind. */
V sx_make_error(V msg, V irritants, V where);
bool sx_is_error(V v);
/* Call continuation k with the list of values args (prim_ctl.c). */
_Noreturn void sx_continue(V k, V args);

/* ---- the C stack (main.c runs the interpreter on a big stack) */
extern char *sx_stack_base;  /* highest address of the interpreter's stack */
extern size_t sx_stack_limit;/* bytes of it we may use */
extern size_t sx_stack_hard; /* more, for printing the error itself */
static inline bool stack_used_over(size_t limit) {
    char probe;
    return (size_t)(sx_stack_base - &probe) > limit;
}
static inline void stack_check(V expr) {
    if (stack_used_over(sx_stack_limit))
        sx_raise("recursion too deep", NULL, 0, expr);
}

/* ---- eval.c */
void eval_init(void);
V eval(V x, V env);              /* env NULL: the global environment */
V sx_apply(V f, V args);         /* may collect; args a proper list */
bool eqv(V a, V b);
bool equal(V a, V b);

#endif

/* eval.h -- the evaluator, error raising and the C-stack guard. */
#ifndef SCHEME_EVAL_H
#define SCHEME_EVAL_H

#include <setjmp.h>
#include <stdio.h>
#include "value.h"

/* ---- errors (error.c) */
/* A place to return to on error.  [error.restore]: the catcher saved the
 * shadow-stack depth; after longjmp it pops every root pushed since, so
 * the heap's roots are exactly those of the frames still alive. */
struct sx_catch {
    jmp_buf jb;
    size_t roots;            /* shadow-stack depth at the catch point */
    struct sx_catch *prev;
};
extern struct sx_catch *sx_catcher;
extern V sx_cur_expr;        /* the call being applied, for messages */

/* Print "Error: msg obj" and "  in: expr", then longjmp to the catcher.
 * obj or expr NULL: not printed (the empty list prints when has_obj). */
_Noreturn void sx_raise(const char *msg, V obj, int has_obj, V expr);
_Noreturn void sx_raise_user(V msg, V irritants);
_Noreturn void sx_error(const char *msg, V obj);      /* in sx_cur_expr */
_Noreturn void sx_error0(const char *msg);
_Noreturn void sx_type_error(const char *who, const char *what, V got);
/* The catcher's half: call right after setjmp returned nonzero. */
void sx_recover(struct sx_catch *c);

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

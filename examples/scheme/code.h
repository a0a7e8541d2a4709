/* code.h -- compiled code: what compile.c makes of an expression and
 * eval.c runs.  A code object is a heap object like any other value:
 *   a b c src | int32 op, int32 i, int32 j, int32 k
 * Closures point to their lambda's code object, so compiled code moves
 * with the heap and dies with the last closure or caller that holds it.
 * The source form src is kept for error messages ("in: ...").
 *
 * Invariant [code.lex]: variables are resolved once, at compile time, to
 * a lexical address (depth, index): frame 'depth' levels up the chain,
 * slot 1 + index; a free variable is its symbol's global value slot.
 * Frames are T_FRAME objects: parent v0 .. v(n-1). */
#ifndef SCHEME_CODE_H
#define SCHEME_CODE_H

#include "eval.h"

enum {
    OP_CONST,    /* a: the value */
    OP_LOCAL0,   /* slot 1+i of the current frame */
    OP_LOCAL1,   /* slot 1+i of the parent frame */
    OP_LOCAL,    /* slot 1+i, j frames up */
    OP_GLOBAL,   /* a: the symbol */
    OP_SETLOCAL, /* a: value code; (j, i) the address */
    OP_SETGLOBAL,/* a: value code, b: the symbol */
    OP_DEFGLOBAL,/* a: value code, b: the symbol */
    OP_IF,       /* a: test, b: then, c: else */
    OP_LAMBDA,   /* a: body, b: name or NULL; i nreq, j rest?, k frame size */
    OP_SEQ,      /* a: vector of code, the last in tail position */
    OP_CALL,     /* a: operator, b: vector of operands; i argc, j simple? */
    OP_LET,      /* a: vector of inits (outer scope), b: body; k frame size */
    OP_LETREC,   /* a: vector of inits (inner scope), b: body; k frame size */
    OP_AND,      /* a: vector of code */
    OP_OR,       /* a: vector of code */
    OP_ARROW,    /* cond's (test => f): a test, b receiver, c else */
    OP_CASE,     /* a: key, b: vector of OP_CLAUSE */
    OP_CLAUSE,   /* a: datums (sx_true: else), b: body; i: b is a receiver */
    OP_FRAME     /* a: body, run in a fresh frame of k slots */
};

enum { CODE_SLOTS = 4 };
static inline int32_t *code_raw(V c) { return (int32_t *)((char *)c + 8 * CODE_SLOTS); }
static inline int32_t code_op(V c) { return code_raw(c)[0]; }
static inline V code_a(V c) { return gc_get(c, 0); }
static inline V code_b(V c) { return gc_get(c, 1); }
static inline V code_c(V c) { return gc_get(c, 2); }
static inline V code_src(V c) { return gc_get(c, 3); }

/* A closure: lambda-code env | */
static inline V clos_code(V f) { return gc_get(f, 0); }
static inline V clos_env(V f) { return gc_get(f, 1); }
static inline V clos_name(V f) { return code_b(clos_code(f)); }

/* The code for expression x at top level (global scope).  May collect;
 * raises "bad syntax" on a malformed form. */
V compile_toplevel(V x);
void compile_init(void);

/* Run code c in environment env (a frame, or NULL).  May collect. */
V exec(V c, V env);

#endif

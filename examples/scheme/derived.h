/* derived.h -- derived syntax rewritten into simpler forms before
 * compile.c compiles it: records, case-lambda, parameterize, delay,
 * delay-force, cond-expand, the multiple-value binding forms, include
 * and include-ci (a file's data as a begin), and syntax-error. */
#ifndef SCHEME_DERIVED_H
#define SCHEME_DERIVED_H

#include "value.h"

/* In the order of compile.c's SF_DERIVED_FIRST.. */
enum derived {
    D_RECORD, D_CASE_LAMBDA, D_PARAMETERIZE, D_DELAY, D_DELAY_FORCE,
    D_COND_EXPAND, D_LET_VALUES, D_LETSTAR_VALUES, D_DEFINE_VALUES,
    D_INCLUDE, D_INCLUDE_CI, D_SYNTAX_ERROR
};

/* The rewriting of form x (whose keyword is 'which').  Raises "bad
 * syntax" on a malformed form.  May collect. */
V derived_expand(enum derived which, V x);
/* Capture the primitives the rewritings call (after they are defined). */
void derived_init(void);
/* A fresh uninterned symbol: no program text can name it.  May collect. */
V gensym(void);

#endif

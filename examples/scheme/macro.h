/* macro.h -- syntax-rules macros and the renaming that makes them
 * hygienic.
 *
 * A macro is a T_MACRO object: literals rules ellipsis defenv, where
 * defenv is the compile-time scope (compile.c's cenv) it was defined in.
 * Expanding a use renames every symbol the template inserts (one that is
 * not a pattern variable) to an alias: an uninterned symbol with extra
 * slots  name unbound original defenv.  compile.c resolves an alias
 * first as itself (a binding the same expansion made with it: so
 * inserted binders never capture the user's variables), else as its
 * original symbol in defenv (so inserted free names mean what they meant
 * where the macro was written, whatever the use site binds). */
#ifndef SCHEME_MACRO_H
#define SCHEME_MACRO_H

#include "value.h"

enum { ALIAS_SLOTS = 4 };

void macro_init(void);
/* The macro of (syntax-rules ...) spec, closed in scope defenv.  Raises
 * "bad syntax".  May collect. */
V macro_make(V spec, V defenv);
/* The expansion of use x of macro m.  May collect. */
V macro_expand(V m, V x);
bool is_alias(V s);
/* The symbol an alias (of an alias ...) renames; s itself otherwise. */
V alias_root(V s);
/* Datum d without aliases (for quote).  May collect. */
V syntax_strip(V d);

#endif

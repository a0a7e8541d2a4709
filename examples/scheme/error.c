/* error.c -- raising Scheme errors: print the message and the offending
 * expression, then longjmp back to the REPL or the file runner. */
#include <stdlib.h>
#include "eval.h"
#include "print.h"

struct sx_catch *sx_catcher;
V sx_cur_expr;

/* Finish the message; without a catcher (none yet) exit. */
static _Noreturn void unwind(void) {
    fputc('\n', stderr);
    fflush(stderr);
    if (!sx_catcher)
        exit(70);
    longjmp(sx_catcher->jb, 1);
}

_Noreturn void sx_raise(const char *msg, V obj, int has_obj, V expr) {
    fflush(stdout);
    fprintf(stderr, "Error: %s", msg);
    if (has_obj) {
        fputc(' ', stderr);
        sx_print(stderr, obj, true);
    }
    if (expr) {
        fputs("\n  in: ", stderr);
        sx_print(stderr, expr, true);
    }
    unwind();
}

/* (error msg irritant ...): msg displayed, irritants written. */
_Noreturn void sx_raise_user(V msg, V irritants) {
    fflush(stdout);
    fputs("Error: ", stderr);
    sx_print(stderr, msg, false);
    for (; is_pair(irritants); irritants = cdr(irritants)) {
        fputc(' ', stderr);
        sx_print(stderr, car(irritants), true);
    }
    if (sx_cur_expr) {
        fputs("\n  in: ", stderr);
        sx_print(stderr, sx_cur_expr, true);
    }
    unwind();
}

_Noreturn void sx_error(const char *msg, V obj) { sx_raise(msg, obj, 1, sx_cur_expr); }

_Noreturn void sx_error0(const char *msg) { sx_raise(msg, NULL, 0, sx_cur_expr); }

_Noreturn void sx_type_error(const char *who, const char *what, V got) {
    char buf[160];
    snprintf(buf, sizeof buf, "%s: expected %s, got", who, what);
    sx_raise(buf, got, 1, sx_cur_expr);
}

_Noreturn void sx_out_of_memory(void) { sx_raise("out of memory", NULL, 0, sx_cur_expr); }

void sx_recover(struct sx_catch *c) {
    gc_restore(c->roots);
    sx_catcher = c;
}

/* error.c -- raising Scheme errors and exceptions.  An exception goes to
 * the innermost handler (with-exception-handler, guard); with none, its
 * message is printed and we longjmp back to the REPL or the file runner.
 * Every longjmp lands in sx_recover, which pops the shadow stack back to
 * the landing frame's depth [error.restore]: that is all a moving
 * collector needs to stay exact across a non-local exit. */
#include <stdlib.h>
#include "eval.h"
#include "print.h"
#include "read.h"

struct sx_catch *sx_catcher;
V sx_cur_expr, sx_handlers, sx_winders, sx_thrown;
static uint64_t last_id;
static int no_handlers;      /* raising "out of memory": print, unwind */

/* Longjmp to the nearest error catcher or barrier; without one (none
 * yet) exit. */
static _Noreturn void jump_to_catcher(void) {
    struct sx_catch *c = sx_catcher;
    while (c && c->kind == CATCH_ESCAPE)
        c = c->prev;
    if (!c)
        exit(70);
    if (c->kind == CATCH_BARRIER)
        c->id = 0;
    longjmp(c->jb, 1);
}

static _Noreturn void unwind(void) {
    fputc('\n', stderr);
    fflush(stderr);
    jump_to_catcher();
}

/* "in: expr", and for a located one "at: file:line" (the file's last
 * path component) or "at: line N". */
static void print_where(V expr) {
    V file;
    if (!expr)
        return;
    fputs("\n  in: ", stderr);
    sx_print(stderr, src_form(expr), true);
    if (type_of(expr) != T_SRC)
        return;
    file = gc_get(expr, 1);
    if (type_of(file) == T_STR) {
        const char *slash = strrchr(str_ptr(file), '/');
        fprintf(stderr, "\n  at: %s:%d", slash ? slash + 1 : str_ptr(file), *(int32_t *)gc_data(expr));
    } else {
        fprintf(stderr, "\n  at: line %d", *(int32_t *)gc_data(expr));
    }
}

/* Print an uncaught exception and unwind. */
static _Noreturn void uncaught(V obj) {
    V l;
    fflush(stdout);
    if (sx_is_error(obj)) {
        fputs("Error: ", stderr);
        sx_print(stderr, gc_get(obj, 1), false);
        for (l = gc_get(obj, 2); is_pair(l); l = cdr(l)) {
            fputc(' ', stderr);
            sx_print(stderr, car(l), true);
        }
        print_where(gc_get(obj, 3));
    } else {
        fputs("Error: uncaught exception: ", stderr);
        sx_print(stderr, obj, true);
    }
    unwind();
}

_Noreturn void sx_throw(uint64_t id, V val, const char *what) {
    struct sx_catch *c;
    for (c = sx_catcher; c; c = c->prev)
        if ((c->kind == CATCH_ESCAPE && c->id == id) || c->kind == CATCH_BARRIER) {
            if (c->kind == CATCH_BARRIER)
                c->id = id;
            sx_thrown = val;
            longjmp(c->jb, 1);
        }
    sx_raise(what, NULL, 0, sx_cur_expr);
}

void sx_barrier_open(struct sx_catch *c) {
    sx_catch_open(c);
    c->kind = CATCH_BARRIER;
    c->id = 0;
}

/* The message of a stopped error was printed when it was raised. */
_Noreturn void sx_barrier_resume(uint64_t id, V val) {
    if (id == 0)
        jump_to_catcher();
    sx_throw(id, val, "continuation no longer active");
}

V sx_raise_obj(V obj, bool continuable) {
    V h = NULL, saved = NULL;
    FRAME;
    ROOT(obj);
    ROOT(h);
    ROOT(saved);
    if (!sx_handlers || no_handlers)
        uncaught(obj);
    h = car(sx_handlers);
    if (type_of(h) == T_FIX)                /* a guard: escape to it */
        sx_throw((uint64_t)fix_val(h), obj, "guard no longer active");
    /* The handler runs with the outer handlers installed. */
    saved = sx_handlers;
    sx_handlers = cdr(sx_handlers);
    h = cons(obj, NULL);
    h = sx_apply(car(saved), h);
    if (continuable) {
        sx_handlers = saved;
        RETURN(h);
    }
    sx_raise("exception handler returned from non-continuable raise of", obj, 1, NULL);
}

_Noreturn void sx_raise(const char *msg, V obj, int has_obj, V expr) {
    V m = NULL, l = NULL;
    if (sx_handlers && !no_handlers) {
        /* no frame: we never return, the catcher pops these roots */
        ROOT(obj);
        ROOT(expr);
        ROOT(m);
        ROOT(l);
        m = make_str(msg, strlen(msg));
        if (has_obj)
            l = cons(obj, NULL);
        m = sx_make_error(m, l, expr);
        sx_raise_obj(m, false);
    }
    fflush(stdout);
    fprintf(stderr, "Error: %s", msg);
    if (has_obj) {
        fputc(' ', stderr);
        sx_print(stderr, obj, true);
    }
    print_where(expr);
    unwind();
}

/* (error msg irritant ...): msg displayed, irritants written. */
_Noreturn void sx_raise_user(V msg, V irritants) {
    V e;
    if (sx_handlers && !no_handlers) {
        e = sx_make_error(msg, irritants, sx_cur_expr);
        sx_raise_obj(e, false);
    }
    fflush(stdout);
    fputs("Error: ", stderr);
    sx_print(stderr, msg, false);
    for (; is_pair(irritants); irritants = cdr(irritants)) {
        fputc(' ', stderr);
        sx_print(stderr, car(irritants), true);
    }
    print_where(sx_cur_expr);
    unwind();
}

_Noreturn void sx_error(const char *msg, V obj) { sx_raise(msg, obj, 1, sx_cur_expr); }

_Noreturn void sx_error0(const char *msg) { sx_raise(msg, NULL, 0, sx_cur_expr); }

_Noreturn void sx_type_error(const char *who, const char *what, V got) {
    char buf[160];
    snprintf(buf, sizeof buf, "%s: expected %s, got", who, what);
    sx_raise(buf, got, 1, sx_cur_expr);
}

/* No handler runs: making the error object would need memory too. */
_Noreturn void sx_out_of_memory(void) {
    no_handlers = 1;
    sx_raise("out of memory", NULL, 0, sx_cur_expr);
}

void sx_unwind_winders(V to) {
    V w = NULL;
    FRAME;
    ROOT(to);
    ROOT(w);
    while (sx_winders && sx_winders != to) {
        w = car(sx_winders);
        sx_winders = cdr(sx_winders);
        sx_apply(cdr(w), NULL);
    }
    UNFRAME;
}

void sx_catch_open(struct sx_catch *c) {
    c->kind = CATCH_ESCAPE;
    c->id = ++last_id;
    c->prev = sx_catcher;
    c->handlers = sx_handlers;
    c->winders = sx_winders;
    gc_push(&c->handlers);
    gc_push(&c->winders);
    c->roots = gc_depth();
    sx_catcher = c;
}

void sx_recover(struct sx_catch *c) {
    gc_restore(c->roots);
    no_handlers = 0;
    sx_catcher = c->kind == CATCH_ERROR ? c : c->prev;
    sx_handlers = c->handlers;
    sx_unwind_winders(c->winders);
}

/* prim_sys.c -- control (apply, map, for-each, eval, error, exit), output,
 * loading files, and the collector's statistics. */
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>
#include <time.h>
#include "prims.h"
#include "print.h"
#include "read.h"

#define ARGC_UNUSED (void)argc

/* apply is handled by the evaluator (a call in tail position) and by
 * sx_apply; this body only serves a direct C call. */
static V p_apply(int argc, V *argv) {
    V args = NULL;
    int i;
    FRAME;
    ROOT(args);
    if (list_length(argv[argc - 1]) < 0)
        sx_type_error("apply", "a list", argv[argc - 1]);
    args = argv[argc - 1];
    for (i = argc - 2; i >= 1; i--)
        args = cons(argv[i], args);
    args = sx_apply(argv[0], args);
    RETURN(args);
}

/* (map f l ...) and for-each: stop at the shortest list.  The list
 * positions live in argv (roots) and advance there. */
static V map_walk(int argc, V *argv, bool collect) {
    V head = NULL, tail = NULL, args = NULL, r = NULL;
    int k;
    FRAME;
    ROOT(head);
    ROOT(tail);
    ROOT(args);
    ROOT(r);
    for (;;) {
        args = NULL;
        for (k = argc - 1; k >= 1; k--) {
            if (!is_pair(argv[k]))
                goto done;
            args = cons(car(argv[k]), args);
        }
        for (k = 1; k < argc; k++)
            argv[k] = cdr(argv[k]);
        r = sx_apply(argv[0], args);
        if (collect) {
            r = cons(r, NULL);
            if (head)
                set_cdr(tail, r);
            else
                head = r;
            tail = r;
        }
    }
done:
    r = collect ? head : sx_unspec;
    RETURN(r);
}
static V p_map(int argc, V *argv) { return map_walk(argc, argv, true); }
static V p_for_each(int argc, V *argv) { return map_walk(argc, argv, false); }

static V p_eval(int argc, V *argv) { ARGC_UNUSED; return eval(argv[0], NULL); }
static V p_environment(int argc, V *argv) { (void)argv; ARGC_UNUSED; return sx_unspec; }

static V p_error(int argc, V *argv) {
    V irritants = NULL;
    ROOT(irritants); /* no frame: we never return, the catcher pops it */
    while (argc-- > 1)
        irritants = cons(argv[argc], irritants);
    sx_raise_user(argv[0], irritants); /* the catcher pops our roots */
}

static V p_assert(int argc, V *argv) {
    ARGC_UNUSED;
    if (!is_true(argv[0]))
        sx_error0("assertion failed");
    return sx_unspec;
}

static V p_exit(int argc, V *argv) {
    int code = 0;
    if (argc > 0)
        code = argv[0] == sx_false ? 1 : type_of(argv[0]) == T_FIX ? (int)fix_val(argv[0]) : 0;
    fflush(stdout);
    exit(code);
}

/* ---- files */
int sx_load_stream(FILE *in, const char *name) {
    struct reader rd = {in, 1, name != NULL};
    V x = NULL, saved = sx_src_file;
    FRAME;
    ROOT(x);
    ROOT(saved);
    x = name ? make_str(name, strlen(name)) : sx_false;
    sx_src_file = x;
    for (;;) {
        x = sx_read(&rd);
        if (x == sx_eof)
            break;
        eval(x, NULL);
    }
    sx_src_file = saved;
    UNFRAME;
    return 0;
}

static V p_load(int argc, V *argv) {
    char path[4096];
    FILE *f;
    ARGC_UNUSED;
    check_type(argv[0], T_STR, "load", "a string");
    snprintf(path, sizeof path, "%s", str_ptr(argv[0]));
    if (!(f = fopen(path, "r")))
        sx_error("load: cannot open", argv[0]);
    sx_load_stream(f, path);   /* FIXME: leaks f when the file raises an error */
    fclose(f);
    return sx_unspec;
}

static V p_getenv(int argc, V *argv) {
    const char *v;
    ARGC_UNUSED;
    check_type(argv[0], T_STR, "get-environment-variable", "a string");
    v = getenv(str_ptr(argv[0]));
    return v ? make_str(v, strlen(v)) : sx_false;
}

/* ---- time */
static V p_current_jiffy(int argc, V *argv) {
    struct timespec ts;
    (void)argv;
    ARGC_UNUSED;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return make_fix((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}
static V p_jiffies_per_second(int argc, V *argv) { (void)argv; ARGC_UNUSED; return make_fix(1000000); }

/* ---- the collector */
static V p_collect_garbage(int argc, V *argv) { (void)argv; ARGC_UNUSED; gc_collect_full(); return sx_unspec; }
static V p_gc_collections(int argc, V *argv) { (void)argv; ARGC_UNUSED; return make_fix((int64_t)gc_collections()); }
static V p_gc_heap_bytes(int argc, V *argv) { (void)argv; ARGC_UNUSED; return make_fix((int64_t)gc_heap_bytes()); }
/* For the tail-call tests: both must stay constant in a loop. */
static V p_root_depth(int argc, V *argv) { (void)argv; ARGC_UNUSED; return make_fix((int64_t)gc_depth()); }
static V p_stack_bytes(int argc, V *argv) {
    char probe;
    (void)argv;
    ARGC_UNUSED;
    return make_fix((int64_t)(sx_stack_base - &probe));
}
static V p_gc_name(int argc, V *argv) { (void)argv; ARGC_UNUSED; return make_str(gc_name(), strlen(gc_name())); }

/* ---- more of (scheme process-context), (scheme file), (scheme time) */
extern char **environ;
const char *sx_script;      /* the file being run (main.c), or NULL */

static V p_command_line(int argc, V *argv) {
    V l = NULL, s = NULL;
    (void)argv;
    ARGC_UNUSED;
    FRAME;
    ROOT(l);
    ROOT(s);
    if (sx_script) {
        s = make_str(sx_script, strlen(sx_script));
        l = cons(s, NULL);
    }
    s = make_str("scheme", 6);
    l = cons(s, l);
    RETURN(l);
}

static V p_get_environment_variables(int argc, V *argv) {
    V l = NULL, k = NULL, v = NULL;
    char **e;
    const char *eq;
    (void)argv;
    ARGC_UNUSED;
    FRAME;
    ROOT(l);
    ROOT(k);
    ROOT(v);
    for (e = environ; *e; e++) {
        if (!(eq = strchr(*e, '=')))
            continue;
        k = make_str(*e, (size_t)(eq - *e));
        v = make_str(eq + 1, strlen(eq + 1));
        k = cons(k, v);
        l = cons(k, l);
    }
    RETURN(l);
}

static V p_current_second(int argc, V *argv) {
    struct timeval tv;
    (void)argv;
    ARGC_UNUSED;
    gettimeofday(&tv, NULL);
    return make_flo((double)tv.tv_sec + tv.tv_usec / 1e6);
}

static V p_file_exists_p(int argc, V *argv) {
    ARGC_UNUSED;
    check_type(argv[0], T_STR, "file-exists?", "a string");
    return boolean(access(str_ptr(argv[0]), F_OK) == 0);
}

static V p_delete_file(int argc, V *argv) {
    ARGC_UNUSED;
    check_type(argv[0], T_STR, "delete-file", "a string");
    if (unlink(str_ptr(argv[0])) != 0)
        sx_error("cannot open file (delete-file failed):", argv[0]);
    return sx_unspec;
}

void prim_sys_init(void) {
    def_prim("apply", p_apply, 2, VARIADIC, PRIM_APPLY);
    def_prim("map", p_map, 2, VARIADIC, 0);
    def_prim("for-each", p_for_each, 2, VARIADIC, 0);
    def_prim("eval", p_eval, 1, 2, 0);
    def_prim("interaction-environment", p_environment, 0, 0, 0);
    def_prim("environment", p_environment, 0, VARIADIC, 0); /* eval ignores it: one global environment */
    def_prim("error", p_error, 1, VARIADIC, 0);
    def_prim("assert", p_assert, 1, 1, 0);
    def_prim("exit", p_exit, 0, 1, 0);
    def_prim("emergency-exit", p_exit, 0, 1, 0);
    def_prim("command-line", p_command_line, 0, 0, 0);
    def_prim("get-environment-variables", p_get_environment_variables, 0, 0, 0);
    def_prim("current-second", p_current_second, 0, 0, 0);
    def_prim("file-exists?", p_file_exists_p, 1, 1, 0);
    def_prim("delete-file", p_delete_file, 1, 1, 0);
    def_prim("load", p_load, 1, 2, 0);
    def_prim("get-environment-variable", p_getenv, 1, 1, 0);
    def_prim("current-jiffy", p_current_jiffy, 0, 0, 0);
    def_prim("jiffies-per-second", p_jiffies_per_second, 0, 0, 0);
    def_prim("collect-garbage", p_collect_garbage, 0, 0, 0);
    def_prim("gc-collections", p_gc_collections, 0, 0, 0);
    def_prim("gc-heap-bytes", p_gc_heap_bytes, 0, 0, 0);
    def_prim("gc-name", p_gc_name, 0, 0, 0);
    def_prim("%root-depth", p_root_depth, 0, 0, 0);
    def_prim("%stack-bytes", p_stack_bytes, 0, 0, 0);
}

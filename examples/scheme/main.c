/* main.c -- the scheme program: a REPL without arguments, or run the file
 * given.  The interpreter runs on a thread with a big stack, so deep
 * non-tail recursion works; stack_check turns overflow into an error. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include "prims.h"
#include "print.h"
#include "read.h"
#include "code.h"

#define STACK_MB 512                        /* default; SCHEME_STACK_MB */
#define STACK_MARGIN ((size_t)16 << 20)   /* room for C code below eval */

char *sx_stack_base;
size_t sx_stack_limit, sx_stack_hard;

static size_t stack_bytes;
static const char *script;   /* file to run, or NULL for the REPL */
static int status;           /* exit status of the interpreter thread */

static void init(void) {
    value_init();
    eval_init();
    prim_num_init();
    prim_list_init();
    prim_text_init();
    prim_vec_init();
    prim_sys_init();
    prim_port_init();
    prim_ctl_init();
    prim_data_init();
    prim_bytes_init();
    prim_hash_init();
    foreign_init();
    compile_init();   /* after the primitives: captures some */
    prelude_load();
}

/* Read-eval-print until end of input.  After an error the catcher pops
 * the roots of the abandoned frames [error.restore] and we go on with the
 * same heap. */
static void repl(void) {
    static struct sx_catch c;
    struct reader rd = {stdin, 1, true};
    static volatile int reading;
    V x = NULL;
    FRAME;
    ROOT(x);
    c.roots = gc_depth();
    c.prev = NULL;
    c.kind = CATCH_ERROR;
    sx_catcher = &c;
    if (setjmp(c.jb)) {
        sx_recover(&c);
        if (reading)
            reader_skip_line(&rd);
    }
    for (;;) {
        fputs("> ", stdout);
        fflush(stdout);
        reading = 1;
        sx_src_file = sx_false;   /* errors say "at: line N" of the input */
        x = sx_read(&rd);
        reading = 0;
        if (x == sx_eof)
            break;
        sx_cur_expr = NULL;
        x = eval(x, NULL);
        if (x != sx_unspec) {
            sx_print(stdout, x, true);
            putchar('\n');
        }
    }
    putchar('\n');
    UNFRAME;
}

static int run_file(const char *path) {
    static struct sx_catch c;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "scheme: cannot open %s\n", path);
        return 2;
    }
    c.roots = gc_depth();
    c.prev = NULL;
    c.kind = CATCH_ERROR;
    sx_catcher = &c;
    if (setjmp(c.jb)) {
        sx_recover(&c);
        fclose(f);
        return 1;
    }
    sx_load_stream(f, path);
    fclose(f);
    return 0;
}

static void *interpreter(void *arg) {
    char base;
    (void)arg;
    sx_stack_base = &base;
    sx_stack_limit = stack_bytes - STACK_MARGIN;
    sx_stack_hard = stack_bytes - STACK_MARGIN / 2;
    gc_thread_begin();
    init();
    if (script)
        status = run_file(script);
    else
        repl();
    fflush(stdout);
    gc_thread_end();
    return NULL;
}

int main(int argc, char **argv) {
    pthread_attr_t attr;
    pthread_t t;
    if (argc > 2 || (argc == 2 && argv[1][0] == '-' && argv[1][1])) {
        fprintf(stderr, "usage: %s [file.scm]\n", argv[0]);
        return 2;
    }
    script = argc == 2 ? argv[1] : NULL;
    sx_script = script;
    stack_bytes = (size_t)STACK_MB << 20;
    if (getenv("SCHEME_STACK_MB")) {
        long mb = atol(getenv("SCHEME_STACK_MB"));
        if (mb < 32 || mb > 65536) {
            fprintf(stderr, "scheme: SCHEME_STACK_MB must be 32..65536\n");
            return 2;
        }
        stack_bytes = (size_t)mb << 20;
    }
    gc_init();
    if (pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, stack_bytes) ||
        pthread_create(&t, &attr, interpreter, NULL) || pthread_join(t, NULL)) {
        fprintf(stderr, "scheme: cannot start the interpreter thread\n");
        return 2;
    }
    return status;
}

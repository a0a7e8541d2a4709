/* prim_port.c -- ports: stdio streams owned by heap objects.  A port that
 * becomes unreachable without being closed is closed by its finalizer. */
#include <errno.h>
#include <stdlib.h>
#include "prims.h"
#include "print.h"
#include "read.h"

#define ARGC_UNUSED (void)argc

/* The raw bytes of a T_PORT object (no slots: nothing for the collector). */
struct port {
    FILE *f;             /* the stream; not ours to close when P_STD */
    uint32_t flags;      /* P_IN | P_OUT | P_CLOSED | P_STD */
    uint32_t pad;
    struct mem *mem;     /* a string port's buffer, or NULL */
};
/* A string port's bytes live in C memory, never in the heap: the stdio
 * stream keeps pointers to them, and heap objects move.  Every open one
 * is on the list 'mems' (C memory holding C memory: leak checkers see
 * it) until its port is closed or finalized. */
struct mem {
    char *buf;
    size_t size;
    FILE *f;
    struct mem *prev, *next;
};
static struct mem *mems;
enum { P_IN = 1, P_OUT = 2, P_CLOSED = 4, P_STD = 8 };

static V std_in, std_out, std_err;   /* global roots */
static int64_t open_files;  /* streams opened by ports, not yet closed */

static struct port *port_of(V p) { return gc_raw(p); }

static void close_port(struct port *pt) {
    if (pt->flags & (P_CLOSED | P_STD))
        return;
    fclose(pt->f);
    pt->flags |= P_CLOSED;
    if (pt->mem) {
        struct mem *m = pt->mem;
        if (m->prev)
            m->prev->next = m->next;
        else
            mems = m->next;
        if (m->next)
            m->next->prev = m->prev;
        free(m->buf);
        free(m);
        pt->mem = NULL;
    } else {
        open_files--;
    }
}

/* [port.final]: runs after a collection found the port unreachable; it
 * only closes the stream, never calls back into Scheme. */
static void finalize_port(V p) { close_port(port_of(p)); }

static V make_port(FILE *f, uint32_t flags) {
    V p = gc_alloc(T_PORT, 0, sizeof(struct port));
    port_of(p)->f = f;
    port_of(p)->flags = flags;
    port_of(p)->mem = NULL;
    return p;
}

/* ---- string ports: fmemopen over a C copy of the string, and
 * open_memstream; the finalizer frees the buffer with the stream. */
static V string_port(struct mem *m, FILE *f, uint32_t flags) {
    V p;
    if (!f) {
        free(m->buf);
        free(m);
        sx_out_of_memory();
    }
    m->f = f;
    m->prev = NULL;
    m->next = mems;
    if (mems)
        mems->prev = m;
    mems = m;
    p = make_port(f, flags);   /* FIXME: leaks m if this raises */
    port_of(p)->mem = m;
    gc_set_finalizer(p, finalize_port);
    return p;
}

static V p_open_input_string(int argc, V *argv) {
    struct mem *m = calloc(1, sizeof *m);
    size_t n;
    ARGC_UNUSED;
    check_type(argv[0], T_STR, "open-input-string", "a string");
    n = (size_t)str_len(argv[0]);
    if (!m || !(m->buf = malloc(n + 1))) {
        free(m);
        sx_out_of_memory();
    }
    memcpy(m->buf, str_ptr(argv[0]), n);  /* before the port's allocation */
    m->size = n;
    return string_port(m, n ? fmemopen(m->buf, n, "r") : fopen("/dev/null", "r"), P_IN);
}

static V p_open_output_string(int argc, V *argv) {
    struct mem *m = calloc(1, sizeof *m);
    (void)argv;
    ARGC_UNUSED;
    if (!m)
        sx_out_of_memory();
    return string_port(m, open_memstream(&m->buf, &m->size), P_OUT);
}

static V p_get_output_string(int argc, V *argv) {
    struct port *pt;
    ARGC_UNUSED;
    check_type(argv[0], T_PORT, "get-output-string", "a port");
    pt = port_of(argv[0]);
    if (!pt->mem || !(pt->flags & P_OUT) || (pt->flags & P_CLOSED))
        sx_type_error("get-output-string", "an open string output port", argv[0]);
    fflush(pt->f);
    return make_str(pt->mem->buf, pt->mem->size); /* C memory: safe */
}

/* Open argv[0] as a file.  When the process is out of file descriptors,
 * collect (finalizers close the ports nobody can use) and try once more. */
static V open_file(V *argv, const char *mode, uint32_t flags, const char *who) {
    char path[4096];
    FILE *f;
    V p;
    check_type(argv[0], T_STR, who, "a string");
    snprintf(path, sizeof path, "%s", str_ptr(argv[0]));
    f = fopen(path, mode);
    if (!f && (errno == EMFILE || errno == ENFILE)) {
        gc_collect_full();
        f = fopen(path, mode);
    }
    if (!f)
        sx_error("cannot open file", argv[0]);
    open_files++;
    p = make_port(f, flags);   /* FIXME: leaks f if this raises "out of memory" */
    gc_set_finalizer(p, finalize_port);
    return p;
}

static FILE *port_file(V p, uint32_t want, const char *who) {
    check_type(p, T_PORT, who, "a port");
    if (!(port_of(p)->flags & want))
        sx_type_error(who, want == P_IN ? "an input port" : "an output port", p);
    if (port_of(p)->flags & P_CLOSED)
        sx_error("port is closed:", p);
    return port_of(p)->f;
}

/* The optional port argument i: default stdin or stdout. */
static FILE *in_file(int argc, V *argv, int i, const char *who) {
    return argc > i ? port_file(argv[i], P_IN, who) : stdin;
}
static FILE *out_file(int argc, V *argv, int i, const char *who) {
    return argc > i ? port_file(argv[i], P_OUT, who) : stdout;
}

static V p_open_input_file(int argc, V *argv) { ARGC_UNUSED; return open_file(argv, "r", P_IN, "open-input-file"); }
static V p_open_output_file(int argc, V *argv) { ARGC_UNUSED; return open_file(argv, "w", P_OUT, "open-output-file"); }
static V p_close_port(int argc, V *argv) {
    ARGC_UNUSED;
    check_type(argv[0], T_PORT, "close-port", "a port");
    close_port(port_of(argv[0]));
    return sx_unspec;
}
static V p_port_p(int argc, V *argv) { ARGC_UNUSED; return boolean(type_of(argv[0]) == T_PORT); }
static V p_input_port_p(int argc, V *argv) {
    ARGC_UNUSED;
    return boolean(type_of(argv[0]) == T_PORT && (port_of(argv[0])->flags & P_IN));
}
static V p_output_port_p(int argc, V *argv) {
    ARGC_UNUSED;
    return boolean(type_of(argv[0]) == T_PORT && (port_of(argv[0])->flags & P_OUT));
}
static V p_current_input_port(int argc, V *argv) { (void)argv; ARGC_UNUSED; return std_in; }
static V p_current_output_port(int argc, V *argv) { (void)argv; ARGC_UNUSED; return std_out; }
static V p_current_error_port(int argc, V *argv) { (void)argv; ARGC_UNUSED; return std_err; }
static V p_port_open_p(V p, uint32_t dir) {
    check_type(p, T_PORT, "port-open?", "a port");
    return boolean((port_of(p)->flags & dir) && !(port_of(p)->flags & P_CLOSED));
}
static V p_input_port_open_p(int argc, V *argv) { ARGC_UNUSED; return p_port_open_p(argv[0], P_IN); }
static V p_output_port_open_p(int argc, V *argv) { ARGC_UNUSED; return p_port_open_p(argv[0], P_OUT); }
static V p_textual_port_p(int argc, V *argv) { ARGC_UNUSED; return boolean(type_of(argv[0]) == T_PORT); }
static V p_binary_port_p(int argc, V *argv) { ARGC_UNUSED; (void)argv; return sx_false; }
static V p_open_files(int argc, V *argv) { (void)argv; ARGC_UNUSED; return make_fix(open_files); }

/* (call-with-input-file path proc), call-with-output-file: the port is
 * closed when proc returns (an error leaves it to the finalizer). */
static V call_with_file(V *argv, const char *mode, uint32_t flags, const char *who) {
    V port = NULL, r = NULL;
    FRAME;
    ROOT(port);
    ROOT(r);
    port = open_file(argv, mode, flags, who);
    r = cons(port, NULL);
    r = sx_apply(argv[1], r);
    close_port(port_of(port));
    RETURN(r);
}
static V p_call_with_input_file(int argc, V *argv) { ARGC_UNUSED; return call_with_file(argv, "r", P_IN, "call-with-input-file"); }
static V p_call_with_output_file(int argc, V *argv) { ARGC_UNUSED; return call_with_file(argv, "w", P_OUT, "call-with-output-file"); }

/* ---- input */
static V p_read_char(int argc, V *argv) {
    int c = getc(in_file(argc, argv, 0, "read-char"));
    return c == EOF ? sx_eof : make_char((unsigned)c);
}
static V p_peek_char(int argc, V *argv) {
    FILE *f = in_file(argc, argv, 0, "peek-char");
    int c = getc(f);
    if (c == EOF)
        return sx_eof;
    ungetc(c, f);
    return make_char((unsigned)c);
}
static V p_read_line(int argc, V *argv) {
    FILE *f = in_file(argc, argv, 0, "read-line");
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n = getline(&buf, &cap, f);
    V s;
    if (n < 0) {
        free(buf);
        return sx_eof;
    }
    if (n > 0 && buf[n - 1] == '\n')
        n--;
    s = make_str(buf, (size_t)n);   /* FIXME: leaks buf on "out of memory" */
    free(buf);
    return s;
}
static V p_read(int argc, V *argv) {
    struct reader rd;
    rd.in = in_file(argc, argv, 0, "read");
    rd.line = 1;
    return sx_read(&rd);
}
static V p_char_ready(int argc, V *argv) { (void)in_file(argc, argv, 0, "char-ready?"); return sx_true; }
static V p_eof_object(int argc, V *argv) { (void)argv; ARGC_UNUSED; return sx_eof; }
static V p_eof_object_p(int argc, V *argv) { ARGC_UNUSED; return boolean(argv[0] == sx_eof); }

/* ---- output (printing never allocates, so the stream stays valid) */
static V p_display(int argc, V *argv) { sx_print(out_file(argc, argv, 1, "display"), argv[0], false); return sx_unspec; }
static V p_write(int argc, V *argv) { sx_print(out_file(argc, argv, 1, "write"), argv[0], true); return sx_unspec; }
static V p_newline(int argc, V *argv) { putc('\n', out_file(argc, argv, 0, "newline")); return sx_unspec; }
static V p_write_char(int argc, V *argv) {
    check_type(argv[0], T_CHAR, "write-char", "a character");
    putc((int)char_val(argv[0]), out_file(argc, argv, 1, "write-char"));
    return sx_unspec;
}
static V p_write_string(int argc, V *argv) {
    check_type(argv[0], T_STR, "write-string", "a string");
    sx_print(out_file(argc, argv, 1, "write-string"), argv[0], false);
    return sx_unspec;
}
static V p_flush(int argc, V *argv) { fflush(out_file(argc, argv, 0, "flush-output-port")); return sx_unspec; }

void prim_port_init(void) {
    gc_global(&std_in);
    gc_global(&std_out);
    std_in = make_port(stdin, P_IN | P_STD);
    std_out = make_port(stdout, P_OUT | P_STD);
    gc_global(&std_err);
    std_err = make_port(stderr, P_OUT | P_STD);
    def_prim("open-input-string", p_open_input_string, 1, 1, 0);
    def_prim("open-output-string", p_open_output_string, 0, 0, 0);
    def_prim("get-output-string", p_get_output_string, 1, 1, 0);
    def_prim("current-error-port", p_current_error_port, 0, 0, 0);
    def_prim("input-port-open?", p_input_port_open_p, 1, 1, 0);
    def_prim("output-port-open?", p_output_port_open_p, 1, 1, 0);
    def_prim("textual-port?", p_textual_port_p, 1, 1, 0);
    def_prim("binary-port?", p_binary_port_p, 1, 1, 0);
    def_prim("write-simple", p_write, 1, 2, 0);
    def_prim("write-shared", p_write, 1, 2, 0);
    def_prim("open-input-file", p_open_input_file, 1, 1, 0);
    def_prim("open-output-file", p_open_output_file, 1, 1, 0);
    def_prim("close-port", p_close_port, 1, 1, 0);
    def_prim("close-input-port", p_close_port, 1, 1, 0);
    def_prim("close-output-port", p_close_port, 1, 1, 0);
    def_prim("port?", p_port_p, 1, 1, 0);
    def_prim("input-port?", p_input_port_p, 1, 1, 0);
    def_prim("output-port?", p_output_port_p, 1, 1, 0);
    def_prim("current-input-port", p_current_input_port, 0, 0, 0);
    def_prim("current-output-port", p_current_output_port, 0, 0, 0);
    def_prim("call-with-input-file", p_call_with_input_file, 2, 2, 0);
    def_prim("call-with-output-file", p_call_with_output_file, 2, 2, 0);
    def_prim("%open-files", p_open_files, 0, 0, 0);
    def_prim("read-char", p_read_char, 0, 1, 0);
    def_prim("peek-char", p_peek_char, 0, 1, 0);
    def_prim("read-line", p_read_line, 0, 1, 0);
    def_prim("read", p_read, 0, 1, 0);
    def_prim("char-ready?", p_char_ready, 0, 1, 0);
    def_prim("eof-object", p_eof_object, 0, 0, 0);
    def_prim("eof-object?", p_eof_object_p, 1, 1, 0);
    def_prim("display", p_display, 1, 2, 0);
    def_prim("write", p_write, 1, 2, 0);
    def_prim("newline", p_newline, 0, 1, 0);
    def_prim("write-char", p_write_char, 1, 2, 0);
    def_prim("write-string", p_write_string, 1, 2, 0);
    def_prim("flush-output-port", p_flush, 0, 1, 0);
}

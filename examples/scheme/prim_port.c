/* prim_port.c -- ports: stdio streams owned by heap objects.  A port that
 * becomes unreachable without being closed is closed by its finalizer.
 * A port is textual or binary (P_BIN): characters go through the first,
 * bytes through the second; the standard ports, stdio's own, take both. */
#include <errno.h>
#include <stdlib.h>
#include "prims.h"
#include "print.h"
#include "read.h"

#define ARGC_UNUSED (void)argc

/* The raw bytes of a T_PORT object (no slots: nothing for the collector). */
struct port {
    FILE *f;             /* the stream; not ours to close when P_STD */
    uint32_t flags;      /* P_IN | P_OUT | P_CLOSED | P_STD | P_BIN */
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
enum { P_IN = 1, P_OUT = 2, P_CLOSED = 4, P_STD = 8, P_BIN = 16 };

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
    if (!pt->mem || (pt->flags & (P_OUT | P_BIN)) != P_OUT || (pt->flags & P_CLOSED))
        sx_type_error("get-output-string", "an open string output port", argv[0]);
    fflush(pt->f);
    return make_str(pt->mem->buf, pt->mem->size); /* C memory: safe */
}

/* ---- bytevector ports: the same C buffers as string ports, binary. */
static V p_open_input_bytevector(int argc, V *argv) {
    struct mem *m = calloc(1, sizeof *m);
    size_t n;
    ARGC_UNUSED;
    check_type(argv[0], T_BYTES, "open-input-bytevector", "a bytevector");
    n = (size_t)bytes_len(argv[0]);
    if (!m || !(m->buf = malloc(n + 1))) {
        free(m);
        sx_out_of_memory();
    }
    memcpy(m->buf, bytes_ptr(argv[0]), n);  /* before the port's allocation */
    m->size = n;
    return string_port(m, n ? fmemopen(m->buf, n, "r") : fopen("/dev/null", "r"), P_IN | P_BIN);
}

static V p_open_output_bytevector(int argc, V *argv) {
    struct mem *m = calloc(1, sizeof *m);
    (void)argv;
    ARGC_UNUSED;
    if (!m)
        sx_out_of_memory();
    return string_port(m, open_memstream(&m->buf, &m->size), P_OUT | P_BIN);
}

static V p_get_output_bytevector(int argc, V *argv) {
    struct port *pt;
    ARGC_UNUSED;
    check_type(argv[0], T_PORT, "get-output-bytevector", "a port");
    pt = port_of(argv[0]);
    if (!pt->mem || (pt->flags & (P_OUT | P_BIN)) != (P_OUT | P_BIN) || (pt->flags & P_CLOSED))
        sx_type_error("get-output-bytevector", "an open bytevector output port", argv[0]);
    fflush(pt->f);
    return make_bytes(pt->mem->buf, pt->mem->size); /* C memory: safe */
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

/* The stream of port p, open in direction 'want' (P_IN or P_OUT), and
 * binary when 'want' has P_BIN, textual otherwise (standard ports are
 * both). */
static FILE *port_file(V p, uint32_t want, const char *who) {
    uint32_t dir = want & (P_IN | P_OUT), flags;
    check_type(p, T_PORT, who, "a port");
    flags = port_of(p)->flags;
    if (!(flags & dir))
        sx_type_error(who, dir == P_IN ? "an input port" : "an output port", p);
    if (!(flags & P_STD) && (flags & P_BIN) != (want & P_BIN))
        sx_type_error(who, want & P_BIN ? "a binary port" : "a textual port", p);
    if (flags & P_CLOSED)
        sx_error("port is closed:", p);
    return port_of(p)->f;
}

/* The optional port argument i: default the current input or output
 * port (which with-input-from-file and with-output-to-file rebind). */
static FILE *in_file(int argc, V *argv, int i, const char *who) {
    return port_file(argc > i ? argv[i] : std_in, P_IN, who);
}
static FILE *out_file(int argc, V *argv, int i, const char *who) {
    return port_file(argc > i ? argv[i] : std_out, P_OUT, who);
}
static FILE *bin_in_file(int argc, V *argv, int i, const char *who) {
    return port_file(argc > i ? argv[i] : std_in, P_IN | P_BIN, who);
}
static FILE *bin_out_file(int argc, V *argv, int i, const char *who) {
    return port_file(argc > i ? argv[i] : std_out, P_OUT | P_BIN, who);
}

static V p_open_input_file(int argc, V *argv) { ARGC_UNUSED; return open_file(argv, "r", P_IN, "open-input-file"); }
static V p_open_output_file(int argc, V *argv) { ARGC_UNUSED; return open_file(argv, "w", P_OUT, "open-output-file"); }
static V p_open_binary_input_file(int argc, V *argv) { ARGC_UNUSED; return open_file(argv, "rb", P_IN | P_BIN, "open-binary-input-file"); }
static V p_open_binary_output_file(int argc, V *argv) { ARGC_UNUSED; return open_file(argv, "wb", P_OUT | P_BIN, "open-binary-output-file"); }
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
static V p_textual_port_p(int argc, V *argv) {
    ARGC_UNUSED;
    return boolean(type_of(argv[0]) == T_PORT && !(port_of(argv[0])->flags & P_BIN));
}
static V p_binary_port_p(int argc, V *argv) {
    ARGC_UNUSED;
    return boolean(type_of(argv[0]) == T_PORT && (port_of(argv[0])->flags & P_BIN));
}
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
/* (read-string k [port]): up to k characters (bytes), or eof. */
static V p_read_string(int argc, V *argv) {
    int64_t k = check_index(argv[0], 0, (int64_t)1 << 40, "read-string");
    FILE *f = in_file(argc, argv, 1, "read-string");
    char *buf = malloc(k ? (size_t)k : 1);
    size_t n;
    V s;
    if (!buf)
        sx_out_of_memory();
    n = fread(buf, 1, (size_t)k, f);
    if (n == 0 && k > 0) {
        free(buf);
        return sx_eof;
    }
    s = make_str(buf, n);   /* FIXME: leaks buf on "out of memory", as read-line */
    free(buf);
    return s;
}

/* (%set-current-input-port! p) and the output one: install p as the
 * default port, return the one it replaces (with-input-from-file). */
static V set_current(V *cur, V p, uint32_t dir, const char *who) {
    V old = *cur;
    check_type(p, T_PORT, who, "a port");
    if (!(port_of(p)->flags & dir))
        sx_type_error(who, dir == P_IN ? "an input port" : "an output port", p);
    *cur = p;
    return old;
}
static V p_set_current_input(int argc, V *argv) { ARGC_UNUSED; return set_current(&std_in, argv[0], P_IN, "%set-current-input-port!"); }
static V p_set_current_output(int argc, V *argv) { ARGC_UNUSED; return set_current(&std_out, argv[0], P_OUT, "%set-current-output-port!"); }

static V p_read(int argc, V *argv) {
    struct reader rd;
    rd.in = in_file(argc, argv, 0, "read");
    rd.line = 1;
    rd.track = false;
    return sx_read(&rd);
}
static V p_char_ready(int argc, V *argv) { (void)in_file(argc, argv, 0, "char-ready?"); return sx_true; }
static V p_eof_object(int argc, V *argv) { (void)argv; ARGC_UNUSED; return sx_eof; }
static V p_eof_object_p(int argc, V *argv) { ARGC_UNUSED; return boolean(argv[0] == sx_eof); }

/* ---- binary input and output.  read-bytevector! and write-bytevector
 * hand stdio a pointer into the bytevector itself: fread and fwrite
 * never allocate on the heap, so nothing moves it meanwhile [bytes.view]. */
static V p_read_u8(int argc, V *argv) {
    int c = getc(bin_in_file(argc, argv, 0, "read-u8"));
    return c == EOF ? sx_eof : make_fix(c);
}
static V p_peek_u8(int argc, V *argv) {
    FILE *f = bin_in_file(argc, argv, 0, "peek-u8");
    int c = getc(f);
    if (c == EOF)
        return sx_eof;
    ungetc(c, f);
    return make_fix(c);
}
static V p_u8_ready(int argc, V *argv) { (void)bin_in_file(argc, argv, 0, "u8-ready?"); return sx_true; }

/* (read-bytevector k [port]): up to k bytes, read straight into a fresh
 * bytevector of k, then copied into one of the length read if short. */
static V p_read_bytevector(int argc, V *argv) {
    int64_t k = check_index(argv[0], 0, (int64_t)1 << 40, "read-bytevector");
    FILE *f = bin_in_file(argc, argv, 1, "read-bytevector");
    size_t n;
    V b = NULL, part;
    FRAME;
    ROOT(b);
    b = make_bytes(NULL, (size_t)k);
    n = fread(bytes_ptr(b), 1, (size_t)k, f);
    if (n == 0 && k > 0) {
        UNFRAME;
        return sx_eof;
    }
    if (n < (size_t)k) {
        part = make_bytes(NULL, n);
        memcpy(bytes_ptr(part), bytes_ptr(b), n);
        b = part;
    }
    RETURN(b);
}

/* (read-bytevector! bv [port [start [end]]]): the count read, or eof. */
static V p_read_bytevector_x(int argc, V *argv) {
    FILE *f;
    int64_t start, end;
    size_t n;
    check_type(argv[0], T_BYTES, "read-bytevector!", "a bytevector");
    f = bin_in_file(argc, argv, 1, "read-bytevector!");
    start = argc > 2 ? check_index(argv[2], 0, bytes_len(argv[0]), "read-bytevector!") : 0;
    end = argc > 3 ? check_index(argv[3], start, bytes_len(argv[0]), "read-bytevector!") : bytes_len(argv[0]);
    n = fread(bytes_ptr(argv[0]) + start, 1, (size_t)(end - start), f);
    if (n == 0 && end > start)
        return sx_eof;
    return make_fix((int64_t)n);
}

static V p_write_u8(int argc, V *argv) {
    if (type_of(argv[0]) != T_FIX || fix_val(argv[0]) < 0 || fix_val(argv[0]) > 255)
        sx_type_error("write-u8", "a byte (an exact integer 0..255)", argv[0]);
    putc((int)fix_val(argv[0]), bin_out_file(argc, argv, 1, "write-u8"));
    return sx_unspec;
}

static V p_write_bytevector(int argc, V *argv) {
    FILE *f;
    int64_t start, end;
    check_type(argv[0], T_BYTES, "write-bytevector", "a bytevector");
    f = bin_out_file(argc, argv, 1, "write-bytevector");
    start = argc > 2 ? check_index(argv[2], 0, bytes_len(argv[0]), "write-bytevector") : 0;
    end = argc > 3 ? check_index(argv[3], start, bytes_len(argv[0]), "write-bytevector") : bytes_len(argv[0]);
    fwrite(bytes_ptr(argv[0]) + start, 1, (size_t)(end - start), f);
    return sx_unspec;
}

/* ---- output (printing never allocates, so the stream stays valid) */
static V p_display(int argc, V *argv) { sx_print(out_file(argc, argv, 1, "display"), argv[0], false); return sx_unspec; }
static V p_write(int argc, V *argv) { sx_print(out_file(argc, argv, 1, "write"), argv[0], true); return sx_unspec; }
static V p_newline(int argc, V *argv) { putc('\n', out_file(argc, argv, 0, "newline")); return sx_unspec; }
static V p_write_char(int argc, V *argv) {
    char u[4];
    FILE *f;
    check_type(argv[0], T_CHAR, "write-char", "a character");
    f = out_file(argc, argv, 1, "write-char");
    if (char_val(argv[0]) < 256)    /* a byte, as in strings */
        putc((int)char_val(argv[0]), f);
    else
        fwrite(u, 1, utf8_put(char_val(argv[0]), u), f);
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
    def_prim("read-string", p_read_string, 1, 2, 0);
    def_prim("%set-current-input-port!", p_set_current_input, 1, 1, 0);
    def_prim("%set-current-output-port!", p_set_current_output, 1, 1, 0);
    def_prim("char-ready?", p_char_ready, 0, 1, 0);
    def_prim("eof-object", p_eof_object, 0, 0, 0);
    def_prim("eof-object?", p_eof_object_p, 1, 1, 0);
    def_prim("display", p_display, 1, 2, 0);
    def_prim("write", p_write, 1, 2, 0);
    def_prim("newline", p_newline, 0, 1, 0);
    def_prim("write-char", p_write_char, 1, 2, 0);
    def_prim("write-string", p_write_string, 1, 2, 0);
    def_prim("flush-output-port", p_flush, 0, 1, 0);
    def_prim("open-input-bytevector", p_open_input_bytevector, 1, 1, 0);
    def_prim("open-output-bytevector", p_open_output_bytevector, 0, 0, 0);
    def_prim("get-output-bytevector", p_get_output_bytevector, 1, 1, 0);
    def_prim("open-binary-input-file", p_open_binary_input_file, 1, 1, 0);
    def_prim("open-binary-output-file", p_open_binary_output_file, 1, 1, 0);
    def_prim("read-u8", p_read_u8, 0, 1, 0);
    def_prim("peek-u8", p_peek_u8, 0, 1, 0);
    def_prim("u8-ready?", p_u8_ready, 0, 1, 0);
    def_prim("read-bytevector", p_read_bytevector, 1, 2, 0);
    def_prim("read-bytevector!", p_read_bytevector_x, 1, 4, 0);
    def_prim("write-u8", p_write_u8, 1, 2, 0);
    def_prim("write-bytevector", p_write_bytevector, 1, 4, 0);
}

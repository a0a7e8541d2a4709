/* value.h -- Scheme values as heap objects: tags, layouts, constructors and
 * accessors.  Every value is NULL (the empty list) or an object [gc.slot]. */
#ifndef SCHEME_VALUE_H
#define SCHEME_VALUE_H

#include <stdbool.h>
#include <string.h>
#include "gc.h"

/* Object tags and layouts ("slots | raw bytes"). */
enum {
    T_NIL = 0,   /* the empty list: NULL, never an object */
    T_PAIR,      /* car cdr | */
    T_FIX,       /* | int64 */
    T_FLO,       /* | double */
    T_BOOL,      /* | (the two objects in sx_false/sx_true) */
    T_CHAR,      /* | uint32 code point (0..255 preallocated and shared) */
    T_STR,       /* | int64 length, bytes, NUL */
    T_SYM,       /* name(string) global-value | uint32 hash, uint32 form */
    T_VEC,       /* elements... | */
    T_CLOS,      /* code env | (code.h) */
    T_PRIM,      /* name(string) | fn, int32 min, int32 max, int32 flags */
    T_FRAME,     /* parent values... | (code.h) */
    T_UNSPEC,    /* | the unspecified value */
    T_UNBOUND,   /* | marks a global variable without a value */
    T_EOF,       /* | the end-of-file object */
    T_PORT,      /* | struct port (prim_port.c) */
    T_BIG,       /* | uint32 negative, uint32 n, limbs (integer.h) */
    T_VALUES,    /* values... | (multiple values, prim_ctl.c) */
    T_CODE,      /* a b c src | int32 op i j k (code.h) */
    T_RTD,       /* name field-names | (a record type) */
    T_RECORD,    /* rtd fields... | */
    T_CONT,      /* | uint64 id of its escape point (prim_ctl.c) */
    T_PROMISE,   /* box | box: (done? . value-or-thunk) (prim_data.c) */
    T_MACRO,     /* literals rules ellipsis defenv | (macro.h) */
    T_BYTES,     /* length(fixnum) | bytes (a bytevector, prim_bytes.c) */
    T_RAT,       /* | a ratio of exact integers (rational.h) */
    T_FOREIGN,   /* name arg-types ret-type | C function pointer (foreign.c) */
    T_SRC,       /* form file | int32 line: a located source form (read.h) */
    T_HTAB       /* buckets | int64 count, int64 flags (prim_hash.c) */
};

/* Global roots: constants, shared small numbers and characters. */
extern V sx_false, sx_true, sx_unspec, sx_unbound, sx_eof;
extern V sx_smallints;   /* vector of the fixnums SMALL_MIN..SMALL_MAX, or NULL */
extern V sx_chars;       /* vector of the 256 characters */
extern V sx_keep;        /* list of symbols kept alive: keywords, globals */
extern V sx_sym_quote, sx_sym_quasiquote, sx_sym_unquote,
    sx_sym_unquote_splicing, sx_sym_else, sx_sym_arrow, sx_sym_define;
#define SMALL_MIN (-128)
#define SMALL_MAX 1023

void value_init(void);

static inline unsigned type_of(V v) { return v ? gc_tag(v) : T_NIL; }
static inline bool is_pair(V v) { return v && gc_tag(v) == T_PAIR; }
static inline bool is_sym(V v) { return v && gc_tag(v) == T_SYM; }
static inline bool is_true(V v) { return v != sx_false; }
static inline V boolean(bool b) { return b ? sx_true : sx_false; }

/* ---- pairs */
static inline V car(V p) { return gc_get(p, 0); }
static inline V cdr(V p) { return gc_get(p, 1); }
static inline void set_car(V p, V v) { gc_set(p, 0, v); }
static inline void set_cdr(V p, V v) { gc_set(p, 1, v); }
V cons(V a, V d);                                /* may collect */

/* ---- numbers */
static inline int64_t fix_val(V v) { int64_t n; memcpy(&n, gc_raw(v), 8); return n; }
static inline double flo_val(V v) { double d; memcpy(&d, gc_raw(v), 8); return d; }
V make_fix(int64_t n);                           /* may collect */
V make_flo(double d);                            /* may collect */

/* ---- characters */
static inline unsigned char_val(V v) { return *(uint32_t *)gc_raw(v); }
/* The shared character c, c < 256: never collects. */
static inline V make_char(unsigned c) { return gc_get(sx_chars, c & 255); }
/* Any code point c <= 0x10FFFF: a fresh object above 255, so may collect. */
V make_char_code(unsigned c);
/* Strings are byte strings: string-ref sees the bytes of a UTF-8 text as
 * characters 0..255, and only those fit in a string. */
#define CHAR_MAX_CODE 0x10FFFFu
/* The UTF-8 bytes of code point c into out; returns their count (1..4). */
static inline size_t utf8_put(unsigned c, char out[4]) {
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | c >> 12);
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | c >> 18);
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* ---- strings: length, then bytes with a NUL after them */
static inline int64_t str_len(V s) { return fix_val(s); }
static inline char *str_ptr(V s) { return (char *)gc_raw(s) + 8; }
V make_str(const char *p, size_t len);           /* may collect; p may be NULL */

/* ---- bytevectors: raw bytes the collector moves but never scans.  The
 * length is in the one slot, so the raw bytes are the bytes themselves:
 * movgc_data() of a bytevector is what C gets (foreign.c).  A pointer
 * from bytes_ptr is good only until the next allocation. */
static inline int64_t bytes_len(V b) { return fix_val(gc_get(b, 0)); }
static inline uint8_t *bytes_ptr(V b) { return (uint8_t *)gc_data(b); }
V make_bytes(const void *p, size_t len);          /* may collect; p may be NULL */

/* ---- symbols */
static inline V sym_name(V s) { return gc_get(s, 0); }
static inline V sym_value(V s) { return gc_get(s, 1); }
static inline void sym_set_value(V s, V v) { gc_set(s, 1, v); }
static inline uint32_t *sym_raw(V s) { return (uint32_t *)((char *)s + 16); }
static inline unsigned sym_form(V s) { return sym_raw(s)[1]; }
V intern(const char *name, size_t len);          /* may collect */
V intern_str(V str);                              /* may collect */
size_t symtab_count(void);                        /* live entries */

/* ---- vectors */
static inline size_t vec_len(V v) { return gc_nrefs(v); }
V make_vec(size_t n, V fill);                    /* may collect */
V list_to_vector(V l);                           /* may collect (prim_vec.c) */
V vector_to_list(V v);                           /* may collect (prim_vec.c) */

/* ---- closures and primitives */
typedef V (*prim_fn)(int argc, V *argv);
/* PRIM_LEAF: reads its arguments only before its one allocation (if
 * any) and never calls back into Scheme, so argv need not be rooted. */
enum { PRIM_APPLY = 1, PRIM_LEAF = 2 };
struct prim_raw { prim_fn fn; int32_t min, max, flags; };
static inline struct prim_raw *prim_raw(V p) { return (struct prim_raw *)((char *)p + 8); }
void def_prim(const char *name, prim_fn fn, int min, int max, int flags);

/* ---- lists */
V list2(V a, V b);                               /* may collect */
int64_t list_length(V l);                        /* -1 unless a proper list */

#endif

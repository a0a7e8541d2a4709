/* read.h -- the reader: external representations to values. */
#ifndef SCHEME_READ_H
#define SCHEME_READ_H

#include <stdio.h>
#include "value.h"

struct reader {
    FILE *in;
    int line;            /* current line, for messages */
    bool track;          /* record where each list starts (sx_src_lines) */
};

/* [read.lines] Where the lists of the last datum a tracking reader read
 * start: a list of (list . line), innermost last read first, at most
 * SRC_LINES_MAX of them, and the file they came from (a string, or #f).
 * The compiler reads them (compile.c) to give each code object its
 * source line; the next tracked read starts them afresh.  Global roots. */
extern V sx_src_lines, sx_src_file;
enum { SRC_LINES_MAX = 4096 };
/* Form x located at line of file (a T_SRC), for error messages.  May
 * collect. */
V src_locate(V x, int32_t line, V file);
/* The form of a T_SRC, or x itself. */
static inline V src_form(V x) { return type_of(x) == T_SRC ? gc_get(x, 0) : x; }

/* The next datum, or sx_eof at the end of input.  May collect.  Raises a
 * Scheme error on malformed input. */
V sx_read(struct reader *r);
/* Skip the rest of the current line (after a read error in the REPL). */
void reader_skip_line(struct reader *r);
/* The number written in s[0..len) in radix, or NULL if it is not one.
 * s is C memory.  May collect. */
V parse_number(const char *s, size_t len, int radix);
/* The same after any radix (#x #b #o #d) and exactness (#e #i) prefixes;
 * #e with a decimal point or exponent reads the decimal exactly. */
V parse_prefixed(const char *s, size_t len, int radix);

#endif

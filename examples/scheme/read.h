/* read.h -- the reader: external representations to values. */
#ifndef SCHEME_READ_H
#define SCHEME_READ_H

#include <stdio.h>
#include "value.h"

struct reader {
    FILE *in;
    int line;            /* current line, for messages */
};

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

/* print.c -- display and write.  Never allocates: safe to call with
 * unrooted values, including from the error path. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include "print.h"
#include "eval.h"
#include "rational.h"
#include "code.h"

static const struct { unsigned code; const char *name; } char_names[] = {
    {' ', "space"}, {'\n', "newline"}, {'\t', "tab"}, {'\r', "return"},
    {0, "null"}, {7, "alarm"}, {8, "backspace"}, {127, "delete"}, {27, "escape"},
};

/* ---- shortest round-trip digits [print.shortest]
 * For x > 0 finite, the decimal with the fewest significant digits that
 * strtod reads back as x, and of those the nearest to x.  For each p
 * from 1 up, let c be x correctly rounded to p digits (printf's %.*e),
 * and c-, c+ its neighbours among p-digit decimals.  If some p-digit
 * decimal y reads back as x, y lies in x's rounding interval I, which
 * is convex and contains x; c is the p-digit decimal nearest to x, so
 * either c is between x and y (and then in I too), or y is on the other
 * side of x, where the p-digit decimal nearest to x is c's neighbour
 * there, which lies between x and y and so is in I.  Trying c, then
 * c- and c+, with strtod (correctly rounded in glibc) therefore finds a
 * p-digit decimal whenever one exists, c first when c is one: the search
 * stops at the least p.  (Printing each p with %.*g and stopping at the
 * first that reads back, as before, misses the neighbours: 2^-1017
 * printed in 17 digits where 16 suffice.) */

/* Read back the decimal m * 10^e (m < 10^17). */
static double decimal_value(int64_t m, int e) {
    char buf[48];
    snprintf(buf, sizeof buf, "%llde%d", (long long)m, e);
    return strtod(buf, NULL);
}

/* x > 0 finite: its shortest digits into digits[24] (no trailing zeros,
 * NUL ended, at most 17), and the exponent of the first digit into *point. */
static void shortest_digits(double x, char *digits, int *point) {
    char buf[40];
    int p, e, k;
    int64_t m, pow10 = 1, cand[3];
    for (p = 1; p <= 17; p++, pow10 *= 10) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, x);   /* d.ddde[+-]XX */
        m = 0;
        for (k = 0; buf[k] != 'e'; k++)
            if (buf[k] != '.')
                m = m * 10 + (buf[k] - '0');
        e = atoi(buf + k + 1);
        cand[0] = m;
        cand[1] = m - 1;
        cand[2] = m + 1;
        for (k = 0; k < 3; k++) {
            int64_t c = cand[k];
            int ce = e;
            if (c < pow10) {                 /* below 10^(p-1): one digit less */
                c = pow10 * 10 - 1;
                ce--;
            } else if (c >= pow10 * 10) {    /* carried to 10^p */
                c = pow10;
                ce++;
            }
            if (decimal_value(c, ce - (p - 1)) == x) {
                snprintf(digits, 24, "%lld", (long long)c);
                *point = ce;
                for (e = (int)strlen(digits); e > 1 && digits[e - 1] == '0'; e--)
                    digits[e - 1] = 0;
                return;
            }
        }
    }
    abort();   /* unreachable: 17 significant digits always read back */
}

static void format_flonum(char *buf, size_t size, double d) {
    char digits[24];
    int point, n, k;
    size_t at = 0;
    if (isnan(d)) {
        snprintf(buf, size, "+nan.0");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, size, d > 0 ? "+inf.0" : "-inf.0");
        return;
    }
    /* Integral values below 1e21 print in full, with ".0". */
    if (d == floor(d) && fabs(d) < 1e21) {
        snprintf(buf, size, "%.1f", d);
        return;
    }
    shortest_digits(fabs(d), digits, &point);
    n = (int)strlen(digits);
    if (d < 0)
        buf[at++] = '-';
    if (point < -4 || point >= n) {            /* d.ddde[-]x, as %g would */
        at += (size_t)snprintf(buf + at, size - at, "%c%s%s", digits[0], n > 1 ? "." : "", digits + 1);
        snprintf(buf + at, size - at, "e%d", point);
    } else if (point < 0) {                    /* 0.000ddd */
        buf[at++] = '0';
        buf[at++] = '.';
        for (k = -1; k > point; k--)
            buf[at++] = '0';
        snprintf(buf + at, size - at, "%s", digits);
    } else {                                   /* ddd.ddd */
        snprintf(buf + at, size - at, "%.*s.%s", point + 1, digits, digits + point + 1);
    }
}

void format_number(char *buf, size_t size, V num) {
    if (type_of(num) == T_FIX)
        snprintf(buf, size, "%lld", (long long)fix_val(num));
    else
        format_flonum(buf, size, flo_val(num));
}

/* write's form of a string's bytes, or of a |symbol|'s name: the
 * delimiter and backslash escaped, control bytes as \xHH; escapes, bytes
 * 128 and above as they are (a UTF-8 text stays readable). */
static void print_escaped(FILE *out, const char *p, int64_t n, char delim) {
    int64_t i;
    unsigned char c;
    fputc(delim, out);
    for (i = 0; i < n; i++) {
        c = (unsigned char)p[i];
        if (c == (unsigned char)delim || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c == '\r')
            fputs("\\r", out);
        else if (c == 7)
            fputs("\\a", out);
        else if (c == 8)
            fputs("\\b", out);
        else if (c < 32 || c == 127)
            fprintf(out, "\\x%x;", c);
        else
            fputc(c, out);
    }
    fputc(delim, out);
}

static void print_string(FILE *out, V s, bool write) {
    if (write)
        print_escaped(out, str_ptr(s), str_len(s), '"');
    else
        fwrite(str_ptr(s), 1, (size_t)str_len(s), out);
}

/* Whether a symbol named p[0..n) needs |bars| to read back as itself:
 * empty, ".", a delimiter or control byte inside, '#' first, or a start
 * that reads as a number (a digit, or a sign or '.' and then a digit or
 * '.'; the signed infinities and NaNs). */
static bool needs_bars(const char *p, int64_t n) {
    int64_t i;
    if (n == 0 || (n == 1 && p[0] == '.') || p[0] == '#')
        return true;
    for (i = 0; i < n; i++)
        if ((unsigned char)p[i] <= 32 || strchr("()\"';`,|", p[i]) || p[i] == 127)
            return true;
    if (isdigit((unsigned char)p[0]))
        return true;
    if (n > 1 && strchr("+-.", p[0]) && (isdigit((unsigned char)p[1]) || p[1] == '.'))
        return p[0] != '.' || p[1] != '.';     /* "..." is an identifier */
    return n == 6 && strchr("+-", p[0]) && (!strcmp(p + 1, "inf.0") || !strcmp(p + 1, "nan.0"));
}

static void print_symbol(FILE *out, V s, bool write) {
    V name = sym_name(s);
    if (write && needs_bars(str_ptr(name), str_len(name)))
        print_escaped(out, str_ptr(name), str_len(name), '|');
    else
        print_string(out, name, false);
}

static void print_char(FILE *out, unsigned c, bool write) {
    size_t i;
    char u[4];
    if (!write) {
        if (c < 256)
            fputc((int)c, out);   /* a byte, as in strings */
        else
            fwrite(u, 1, utf8_put(c, u), out);
        return;
    }
    for (i = 0; i < sizeof char_names / sizeof *char_names; i++)
        if (char_names[i].code == c) {
            fprintf(out, "#\\%s", char_names[i].name);
            return;
        }
    if (c < 32 || (c > 126 && c < 256))
        fprintf(out, "#\\x%x", c);
    else {
        fputs("#\\", out);
        fwrite(u, 1, utf8_put(c, u), out);
    }
}

static void print_list(FILE *out, V v, bool write) {
    fputc('(', out);
    for (;;) {
        sx_print(out, car(v), write);
        v = cdr(v);
        if (!v)
            break;
        if (!is_pair(v)) {
            fputs(" . ", out);
            sx_print(out, v, write);
            break;
        }
        fputc(' ', out);
    }
    fputc(')', out);
}

static void print_name(FILE *out, const char *what, V name) {
    fprintf(out, "#<%s", what);
    if (name) {
        fputc(' ', out);
        sx_print(out, is_sym(name) ? sym_name(name) : name, false);
    }
    fputc('>', out);
}

void sx_print(FILE *out, V v, bool write) {
    char buf[64];
    size_t i;
    if (stack_used_over(sx_stack_hard)) {
        fputs("...", out); /* too deep even for an error message */
        return;
    }
    switch (type_of(v)) {
    case T_NIL: fputs("()", out); break;
    case T_PAIR: print_list(out, v, write); break;
    case T_FIX:
    case T_FLO:
        format_number(buf, sizeof buf, v);
        fputs(buf, out);
        break;
    case T_BIG: {
        char *s = int_to_cstr(v, 10); /* C memory: printing never allocates */
        fputs(s ? s : "#<bignum: out of memory>", out);
        free(s);
        break;
    }
    case T_RAT: {
        char *s = rat_to_cstr(v, 10);
        fputs(s ? s : "#<rational: out of memory>", out);
        free(s);
        break;
    }
    case T_BOOL: fputs(v == sx_true ? "#t" : "#f", out); break;
    case T_CHAR: print_char(out, char_val(v), write); break;
    case T_STR: print_string(out, v, write); break;
    case T_SYM: print_symbol(out, v, write); break;
    case T_VEC:
        fputs("#(", out);
        for (i = 0; i < vec_len(v); i++) {
            if (i)
                fputc(' ', out);
            sx_print(out, gc_get(v, i), write);
        }
        fputc(')', out);
        break;
    case T_BYTES:
        fputs("#u8(", out);
        for (i = 0; i < (size_t)bytes_len(v); i++)
            fprintf(out, i ? " %u" : "%u", bytes_ptr(v)[i]);
        fputc(')', out);
        break;
    case T_CLOS: print_name(out, "procedure", clos_name(v)); break;
    case T_CODE: fputs("#<code>", out); break;
    case T_CONT: fputs("#<continuation>", out); break;
    case T_PROMISE: fputs("#<promise>", out); break;
    case T_MACRO: fputs("#<macro>", out); break;
    case T_SRC: sx_print(out, gc_get(v, 0), write); break;
    case T_FOREIGN: print_name(out, "foreign-procedure", gc_get(v, 0)); break;
    case T_RTD: print_name(out, "record-type", gc_get(v, 0)); break;
    case T_RECORD:
        if (sx_is_error(v)) {
            fputs("#<error ", out);
            sx_print(out, gc_get(v, 1), true);
            fputc('>', out);
        } else {
            print_name(out, "record", gc_get(gc_get(v, 0), 0));
        }
        break;
    case T_PRIM: print_name(out, "primitive", gc_get(v, 0)); break;
    case T_FRAME: fputs("#<environment>", out); break;
    case T_UNSPEC: fputs("#<unspecified>", out); break;
    case T_EOF: fputs("#<eof>", out); break;
    case T_PORT: fputs("#<port>", out); break;
    case T_HTAB: fputs("#<hashtable>", out); break;
    case T_VALUES:
        fputs("#<values", out);
        for (i = 0; i < gc_nrefs(v); i++) {
            fputc(' ', out);
            sx_print(out, gc_get(v, i), write);
        }
        fputc('>', out);
        break;
    default: fprintf(out, "#<object %u>", type_of(v)); break;
    }
}

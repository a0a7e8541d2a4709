/* print.c -- display and write.  Never allocates: safe to call with
 * unrooted values, including from the error path. */
#include <math.h>
#include <stdlib.h>
#include "print.h"
#include "eval.h"
#include "integer.h"
#include "code.h"

static const struct { unsigned code; const char *name; } char_names[] = {
    {' ', "space"}, {'\n', "newline"}, {'\t', "tab"}, {'\r', "return"},
    {0, "null"}, {7, "alarm"}, {8, "backspace"}, {127, "delete"}, {27, "escape"},
};

/* "1e+21" -> "1e21", "1e-07" -> "1e-7": Scheme's usual exponent form. */
static void tidy_exponent(char *buf) {
    char *e = strchr(buf, 'e'), *d;
    if (!e)
        return;
    d = e + 1;
    if (*d == '+')
        memmove(d, d + 1, strlen(d));
    else if (*d == '-')
        d++;
    while (d[0] == '0' && d[1])
        memmove(d, d + 1, strlen(d));
}

static void format_flonum(char *buf, size_t size, double d) {
    int prec;
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
    /* Else the shortest precision that reads back as the same double. */
    for (prec = 1; prec < 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    snprintf(buf, size, "%.*g", prec, d);
    tidy_exponent(buf);
}

void format_number(char *buf, size_t size, V num) {
    if (type_of(num) == T_FIX)
        snprintf(buf, size, "%lld", (long long)fix_val(num));
    else
        format_flonum(buf, size, flo_val(num));
}

static void print_string(FILE *out, V s, bool write) {
    const char *p = str_ptr(s);
    int64_t i, n = str_len(s);
    if (!write) {
        fwrite(p, 1, (size_t)n, out);
        return;
    }
    fputc('"', out);
    for (i = 0; i < n; i++) {
        switch (p[i]) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default: fputc(p[i], out);
        }
    }
    fputc('"', out);
}

static void print_char(FILE *out, unsigned c, bool write) {
    size_t i;
    if (!write) {
        fputc((int)c, out);
        return;
    }
    for (i = 0; i < sizeof char_names / sizeof *char_names; i++)
        if (char_names[i].code == c) {
            fprintf(out, "#\\%s", char_names[i].name);
            return;
        }
    if (c < 32 || c > 126)
        fprintf(out, "#\\x%x", c);
    else
        fprintf(out, "#\\%c", (int)c);
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
    case T_BOOL: fputs(v == sx_true ? "#t" : "#f", out); break;
    case T_CHAR: print_char(out, char_val(v), write); break;
    case T_STR: print_string(out, v, write); break;
    case T_SYM: print_string(out, sym_name(v), false); break;
    case T_VEC:
        fputs("#(", out);
        for (i = 0; i < vec_len(v); i++) {
            if (i)
                fputc(' ', out);
            sx_print(out, gc_get(v, i), write);
        }
        fputc(')', out);
        break;
    case T_CLOS: print_name(out, "procedure", clos_name(v)); break;
    case T_CODE: fputs("#<code>", out); break;
    case T_CONT: fputs("#<continuation>", out); break;
    case T_PROMISE: fputs("#<promise>", out); break;
    case T_MACRO: fputs("#<macro>", out); break;
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

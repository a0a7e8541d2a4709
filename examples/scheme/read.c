/* read.c -- the reader: a recursive-descent parser over a stdio stream.
 * Atoms are gathered in a C buffer first, so no heap address is held
 * while allocating; lists are built head-first with rooted head and tail. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "read.h"
#include "eval.h"
#include "rational.h"

V sx_src_lines, sx_src_file;
static int src_count;    /* entries in sx_src_lines */
static char *tok;        /* token buffer, grown as needed */
static size_t tokcap;

static void tok_put(size_t i, int c) {
    if (i + 1 >= tokcap) {
        tokcap = tokcap ? tokcap * 2 : 256;
        tok = realloc(tok, tokcap);
        if (!tok)
            sx_out_of_memory();
    }
    tok[i] = (char)c;
}

static _Noreturn void read_error(struct reader *r, const char *msg) {
    char buf[160];
    snprintf(buf, sizeof buf, "read: %s (line %d)", msg, r->line);
    sx_raise(buf, NULL, 0, NULL);
}

static int next(struct reader *r) {
    int c = getc(r->in);
    if (c == '\n')
        r->line++;
    return c;
}

static void back(struct reader *r, int c) {
    if (c == '\n')
        r->line--;
    if (c != EOF)
        ungetc(c, r->in);
}

static bool delimiter(int c) {
    return c == EOF || isspace(c) || c == '(' || c == ')' || c == '"' || c == ';' ||
           c == '|';
}

void reader_skip_line(struct reader *r) {
    int c;
    while ((c = next(r)) != EOF && c != '\n')
        ;
}

static V read_datum(struct reader *r, int c);

static void skip_block_comment(struct reader *r) {
    int c, depth = 1, prev = 0;
    while (depth > 0) {
        if ((c = next(r)) == EOF)
            read_error(r, "unterminated #| comment");
        if (prev == '|' && c == '#')
            depth--, c = 0;
        else if (prev == '#' && c == '|')
            depth++, c = 0;
        prev = c;
    }
}

/* The first significant character, past blanks and comments. */
static int skip_space(struct reader *r) {
    int c;
    for (;;) {
        c = next(r);
        if (c == ';') {
            while ((c = next(r)) != EOF && c != '\n')
                ;
        } else if (c == '#') {
            c = next(r);
            if (c == '|') {
                skip_block_comment(r);
                continue;
            }
            if (c == ';') { /* datum comment: read one datum, drop it */
                read_datum(r, skip_space(r));
                continue;
            }
            back(r, c);
            return '#';
        } else if (c == EOF || !isspace(c)) {
            return c;
        }
    }
}

/* Read characters up to a delimiter into 'tok' from index n on; returns
 * the length. */
static size_t read_token(struct reader *r, int c, size_t n) {
    while (!delimiter(c)) {
        tok_put(n++, c);
        c = next(r);
    }
    back(r, c);
    tok_put(n, 0);
    return n;
}

V parse_number(const char *s, size_t len, int radix) {
    char buf[128], *end;
    double d;
    V v;
    if ((v = int_parse(s, len, radix)) || (v = rat_parse(s, len, radix)))
        return v;
    if (len == 0 || len >= sizeof buf)
        return NULL;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (len == 6 && (buf[0] == '+' || buf[0] == '-') &&
        (!strcmp(buf + 1, "inf.0") || !strcmp(buf + 1, "nan.0"))) {
        d = buf[1] == 'i' ? INFINITY : NAN;
        return make_flo(buf[0] == '-' ? -d : d);
    }
    if (radix == 10 && !isdigit((unsigned char)buf[0]) &&
        !(len > 1 && strchr("+-.", buf[0])))
        return NULL;
    if (radix != 10)
        return NULL;
    d = strtod(buf, &end);
    if (*end != 0 || !strpbrk(buf, "0123456789") || strpbrk(buf, "xXpPnN"))
        return NULL;
    return make_flo(d);
}

V parse_prefixed(const char *s, size_t len, int radix) {
    int exact = -1;        /* -1: as written, 1: #e, 0: #i */
    V v;
    while (len > 2 && s[0] == '#') {
        switch (s[1]) {
        case 'x': case 'X': radix = 16; break;
        case 'b': case 'B': radix = 2; break;
        case 'o': case 'O': radix = 8; break;
        case 'd': case 'D': radix = 10; break;
        case 'e': case 'E': exact = 1; break;
        case 'i': case 'I': exact = 0; break;
        default: return NULL;
        }
        s += 2;
        len -= 2;
    }
    if (exact == 1 && radix == 10 && (v = rat_parse_decimal(s, len)))
        return v;
    v = parse_number(s, len, radix);
    if (!v || exact < 0 || (exact == 1) == is_exact(v))
        return v;
    if (exact == 0)
        return make_flo(type_of(v) == T_RAT ? rat_to_double(v) : int_to_double(v));
    return isfinite(flo_val(v)) ? rat_from_double(flo_val(v)) : NULL;
}

static const struct { const char *name; int code; } char_names[] = {
    {"space", ' '}, {"newline", '\n'}, {"tab", '\t'}, {"return", '\r'},
    {"null", 0}, {"nul", 0}, {"alarm", 7}, {"backspace", 8}, {"delete", 127},
    {"escape", 27}, {"linefeed", '\n'},
};

/* The code point of the one UTF-8 sequence s[0..n), or -1. */
static long utf8_one(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t len = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC0 ? 2 : 1;
    long c = len == 1 ? u[0] : u[0] & (0x3F >> (len - 1));
    size_t i;
    if (n != len || (len == 1 && u[0] >= 0x80))
        return -1;
    for (i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return -1;
        c = c << 6 | (u[i] & 0x3F);
    }
    return c;
}

/* A character code from hex digits s (all of it), or -1 if it is not
 * one: past 0x10FFFF or a surrogate. */
static long hex_code(const char *s) {
    char *end;
    long code;
    if (!isxdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    code = strtol(s, &end, 16);
    if (*end || errno || code > (long)CHAR_MAX_CODE || (code >= 0xD800 && code <= 0xDFFF))
        return -1;
    return code;
}

/* #\a, #\space, #\x3bb, or #\ and one character written in UTF-8. */
static V read_char(struct reader *r) {
    int c = next(r);
    size_t n, i;
    long code;
    if (c == EOF)
        read_error(r, "end of input in a character");
    tok_put(0, c);
    n = read_token(r, next(r), 1);
    if (n == 1)
        return make_char((unsigned char)tok[0]);
    for (i = 0; i < sizeof char_names / sizeof *char_names; i++)
        if (!strcmp(tok, char_names[i].name))
            return make_char((unsigned)char_names[i].code);
    if (tok[0] == 'x' && (code = hex_code(tok + 1)) >= 0)
        return make_char_code((unsigned)code);
    if ((code = utf8_one(tok, n)) >= 0)
        return make_char_code((unsigned)code);
    read_error(r, "unknown character name");
}

/* The escape after a backslash in a string or |symbol| (R7RS: \a \b \t
 * \n \r \" \\ \| and \x<hex>;), its bytes appended to tok at *n; a
 * code point past 127 goes in as its UTF-8 bytes.  Returns false for a
 * line continuation in a string (\ blanks newline blanks), which it
 * skips. */
static bool read_escape(struct reader *r, size_t *n, bool string) {
    char hex[16], u[4];
    size_t k = 0, i, len;
    long code;
    int c = next(r);
    switch (c) {
    case 'a': tok_put((*n)++, 7); return true;
    case 'b': tok_put((*n)++, 8); return true;
    case 't': tok_put((*n)++, '\t'); return true;
    case 'n': tok_put((*n)++, '\n'); return true;
    case 'r': tok_put((*n)++, '\r'); return true;
    case '"': case '\\': case '|': tok_put((*n)++, c); return true;
    case 'x': case 'X':
        while ((c = next(r)) != ';') {
            if (c == EOF || k + 1 >= sizeof hex)
                read_error(r, "bad \\x escape (\\x<hex digits>; expected)");
            hex[k++] = (char)c;
        }
        hex[k] = 0;
        if ((code = hex_code(hex)) < 0 || code == 0)
            read_error(r, "bad \\x escape (\\x<hex digits>; expected)");
        len = utf8_put((unsigned)code, u);
        for (i = 0; i < len; i++)
            tok_put((*n)++, u[i]);
        return true;
    default: break;
    }
    if (string && (c == ' ' || c == '\t' || c == '\n')) {
        while (c == ' ' || c == '\t')
            c = next(r);
        if (c != '\n')
            read_error(r, "bad line continuation in a string");
        while ((c = next(r)) == ' ' || c == '\t')
            ;
        back(r, c);
        return false;
    }
    read_error(r, c == EOF ? "end of input in an escape" : "unknown escape after a backslash");
}

/* A string or a |symbol|: bytes up to the closing delimiter, with escapes
 * (a NUL is refused: strings end with one for C). */
static size_t read_delimited(struct reader *r, int delim) {
    size_t n = 0;
    int c;
    for (;;) {
        c = next(r);
        if (c == EOF)
            read_error(r, delim == '"' ? "end of input in a string" : "end of input in a |symbol|");
        if (c == delim)
            break;
        if (c == '\\')
            read_escape(r, &n, delim == '"');
        else
            tok_put(n++, c);
    }
    tok_put(n, 0);
    return n;
}

static V read_string(struct reader *r) {
    size_t n = read_delimited(r, '"');
    return make_str(tok, n);
}

V src_locate(V x, int32_t line, V file) {
    V loc;
    FRAME;
    ROOT(x);
    ROOT(file);
    loc = gc_alloc(T_SRC, 2, sizeof(int32_t));
    gc_set(loc, 0, x);
    gc_set(loc, 1, file);
    *(int32_t *)gc_data(loc) = line;
    RETURN(loc);
}

/* The rest of a list after its '(' (or a vector's after "#("). */
static V read_list(struct reader *r, bool vector) {
    V head = NULL, tail = NULL, item = NULL;
    int c, line = r->line;
    FRAME;
    ROOT(head);
    ROOT(tail);
    ROOT(item);
    for (;;) {
        c = skip_space(r);
        if (c == EOF)
            read_error(r, "end of input in a list");
        if (c == ')')
            break;
        if (c == '.' && !vector) {
            int d = next(r);
            back(r, d);
            if (delimiter(d)) {
                if (!head)
                    read_error(r, "bad dotted list");
                item = read_datum(r, skip_space(r));
                set_cdr(tail, item);
                if (skip_space(r) != ')')
                    read_error(r, "bad dotted list");
                break;
            }
        }
        item = read_datum(r, c);
        item = cons(item, NULL);
        if (head)
            set_cdr(tail, item);
        else
            head = item;
        tail = item;
    }
    if (!vector && r->track && head && src_count < SRC_LINES_MAX) {
        item = make_fix(line);
        item = cons(head, item);
        sx_src_lines = cons(item, sx_src_lines);
        src_count++;
    }
    if (vector) {
        int64_t i, n = list_length(head);
        item = make_vec((size_t)n, NULL);
        for (i = 0, tail = head; i < n; i++, tail = cdr(tail))
            gc_set(item, (size_t)i, car(tail));
        head = item;
    }
    RETURN(head);
}

/* #u8( ... ): exact integers 0..255, gathered in C memory first. */
static V read_bytevector(struct reader *r) {
    uint8_t *buf = NULL, *nb;
    size_t n = 0, cap = 0;
    V item, b;
    int c;
    for (;;) {
        c = skip_space(r);
        if (c == ')')
            break;
        if (c == EOF || c == '(' || c == '#' || c == '"') {
            free(buf);
            read_error(r, c == EOF ? "end of input in a bytevector" : "bad byte in #u8(...)");
        }
        item = read_datum(r, c);   /* a number or a symbol: no reader state */
        if (type_of(item) != T_FIX || fix_val(item) < 0 || fix_val(item) > 255) {
            free(buf);
            read_error(r, "bad byte in #u8(...)");
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            if (!(nb = realloc(buf, cap))) {
                free(buf);
                sx_out_of_memory();
            }
            buf = nb;
        }
        buf[n++] = (uint8_t)fix_val(item);
    }
    b = make_bytes(NULL, n);
    if (n)
        memcpy(bytes_ptr(b), buf, n);
    free(buf);
    return b;
}

static V read_quoted(struct reader *r, V *sym) {
    V d = read_datum(r, skip_space(r));
    return list2(*sym, d);   /* *sym is a global root: read it after */
}

static V read_hash(struct reader *r) {
    int c = next(r);
    size_t n;
    V v;
    switch (c) {
    case '(': return read_list(r, true);
    case '\\': return read_char(r);
    default: break;
    }
    tok_put(0, '#');
    n = read_token(r, c, 1);
    if (!strcmp(tok, "#u8")) {
        if ((c = next(r)) == '(')
            return read_bytevector(r);
        back(r, c);
    }
    if (!strcmp(tok, "#t") || !strcmp(tok, "#true"))
        return sx_true;
    if (!strcmp(tok, "#f") || !strcmp(tok, "#false"))
        return sx_false;
    if (n > 2 && strchr("xXbBoOdDeEiI", tok[1]) && (v = parse_prefixed(tok, n, 10)))
        return v;
    read_error(r, "bad # syntax");
}

/* The datum starting with character c. */
static V read_datum(struct reader *r, int c) {
    size_t n;
    V v;
    stack_check(NULL);
    switch (c) {
    case EOF: return sx_eof;
    case '(': return read_list(r, false);
    case ')': read_error(r, "unexpected ')'");
    case '"': return read_string(r);
    case '|':
        n = read_delimited(r, '|');
        return intern(tok, n);
    case '\'': return read_quoted(r, &sx_sym_quote);
    case '`': return read_quoted(r, &sx_sym_quasiquote);
    case ',':
        c = next(r);
        if (c == '@')
            return read_quoted(r, &sx_sym_unquote_splicing);
        back(r, c);
        return read_quoted(r, &sx_sym_unquote);
    case '#': return read_hash(r);
    default:
        n = read_token(r, c, 0);
        if ((v = parse_number(tok, n, 10)))
            return v;
        return intern(tok, n);
    }
}

V sx_read(struct reader *r) {
    if (r->track) {
        sx_src_lines = NULL;
        src_count = 0;
    }
    return read_datum(r, skip_space(r));
}

/* prim_text.c -- characters (any code point; 0..255 shared) and strings
 * (mutable, fixed length, bytes: a string holds only characters 0..255,
 * so a UTF-8 text is seen byte by byte).  Character classes and case are
 * the C locale's for 0..255; characters above are their own case.  A string's bytes move with it: every copy allocates the new
 * string first, then copies from the source re-read through argv. */
#include <ctype.h>
#include <stdlib.h>
#include "prims.h"

#define ARGC_UNUSED (void)argc

static unsigned check_char(V v, const char *who) {
    check_type(v, T_CHAR, who, "a character");
    return char_val(v);
}
/* A character that fits in a byte string. */
static unsigned check_str_char(V v, const char *who) {
    unsigned c = check_char(v, who);
    if (c > 255)
        sx_type_error(who, "a character 0..255 (strings hold bytes)", v);
    return c;
}
static void check_str(V v, const char *who) { check_type(v, T_STR, who, "a string"); }

/* ---- characters */
static V p_char_p(int argc, V *argv) { ARGC_UNUSED; return boolean(type_of(argv[0]) == T_CHAR); }
static V p_char_to_integer(int argc, V *argv) { ARGC_UNUSED; return make_fix(check_char(argv[0], "char->integer")); }
static V p_integer_to_char(int argc, V *argv) {
    ARGC_UNUSED;
    int64_t c = check_index(argv[0], 0, CHAR_MAX_CODE, "integer->char");
    if (c >= 0xD800 && c <= 0xDFFF)
        sx_error("integer->char: a surrogate is not a character:", argv[0]);
    return make_char_code((unsigned)c);
}

static V char_compare(int argc, V *argv, const char *who, int lo, int hi, bool ci) {
    int i, a, b, c;
    for (i = 0; i < argc; i++)
        check_char(argv[i], who);
    for (i = 0; i + 1 < argc; i++) {
        a = (int)char_val(argv[i]);
        b = (int)char_val(argv[i + 1]);
        if (ci && a < 256 && b < 256) {
            a = tolower(a);
            b = tolower(b);
        }
        c = a < b ? -1 : a > b;
        if (c < lo || c > hi)
            return sx_false;
    }
    return sx_true;
}
static V p_char_eq(int argc, V *argv) { return char_compare(argc, argv, "char=?", 0, 0, false); }
static V p_char_lt(int argc, V *argv) { return char_compare(argc, argv, "char<?", -1, -1, false); }
static V p_char_gt(int argc, V *argv) { return char_compare(argc, argv, "char>?", 1, 1, false); }
static V p_char_le(int argc, V *argv) { return char_compare(argc, argv, "char<=?", -1, 0, false); }
static V p_char_ge(int argc, V *argv) { return char_compare(argc, argv, "char>=?", 0, 1, false); }
static V p_char_ci_eq(int argc, V *argv) { return char_compare(argc, argv, "char-ci=?", 0, 0, true); }

#define CHAR_PRED(fn, name, test) \
    static V fn(int argc, V *argv) { unsigned c = check_char(argv[0], name); ARGC_UNUSED; return boolean(c < 256 && test((int)c)); }
CHAR_PRED(p_char_alphabetic, "char-alphabetic?", isalpha)
CHAR_PRED(p_char_numeric, "char-numeric?", isdigit)
CHAR_PRED(p_char_whitespace, "char-whitespace?", isspace)
CHAR_PRED(p_char_upper, "char-upper-case?", isupper)
CHAR_PRED(p_char_lower, "char-lower-case?", islower)
static V p_char_upcase(int argc, V *argv) {
    unsigned c = check_char(argv[0], "char-upcase");
    ARGC_UNUSED;
    return c < 256 ? make_char((unsigned)toupper((int)c)) : argv[0];
}
static V p_char_downcase(int argc, V *argv) {
    unsigned c = check_char(argv[0], "char-downcase");
    ARGC_UNUSED;
    return c < 256 ? make_char((unsigned)tolower((int)c)) : argv[0];
}
static V p_digit_value(int argc, V *argv) {
    unsigned c = check_char(argv[0], "digit-value");
    ARGC_UNUSED;
    return c < 256 && isdigit((int)c) ? make_fix(c - '0') : sx_false;
}

/* ---- strings */
static V p_string_p(int argc, V *argv) { ARGC_UNUSED; return boolean(type_of(argv[0]) == T_STR); }

static V p_make_string(int argc, V *argv) {
    int64_t n = check_index(argv[0], 0, INT64_MAX / 2, "make-string");
    unsigned c = argc > 1 ? check_str_char(argv[1], "make-string") : ' ';
    V s = make_str(NULL, (size_t)n);
    memset(str_ptr(s), (int)c, (size_t)n);
    return s;
}

static V p_string(int argc, V *argv) {
    int i;
    V s;
    for (i = 0; i < argc; i++)
        check_str_char(argv[i], "string");
    s = make_str(NULL, (size_t)argc);
    for (i = 0; i < argc; i++)
        str_ptr(s)[i] = (char)char_val(argv[i]);
    return s;
}

static V p_string_length(int argc, V *argv) {
    ARGC_UNUSED;
    check_str(argv[0], "string-length");
    return make_fix(str_len(argv[0]));
}

static V p_string_ref(int argc, V *argv) {
    int64_t k;
    ARGC_UNUSED;
    check_str(argv[0], "string-ref");
    k = check_index(argv[1], 0, str_len(argv[0]) - 1, "string-ref");
    return make_char((unsigned char)str_ptr(argv[0])[k]);
}

static V p_string_set(int argc, V *argv) {
    int64_t k;
    ARGC_UNUSED;
    check_str(argv[0], "string-set!");
    k = check_index(argv[1], 0, str_len(argv[0]) - 1, "string-set!");
    str_ptr(argv[0])[k] = (char)check_str_char(argv[2], "string-set!");
    return sx_unspec;
}

/* Copy of argv[0][start, end) with the optional bounds in argv[i0..]. */
static V substring(int argc, V *argv, int i0, const char *who) {
    int64_t start, end;
    V s;
    check_str(argv[0], who);
    end = str_len(argv[0]);
    start = argc > i0 ? check_index(argv[i0], 0, end, who) : 0;
    end = argc > i0 + 1 ? check_index(argv[i0 + 1], start, end, who) : end;
    s = make_str(NULL, (size_t)(end - start));
    memcpy(str_ptr(s), str_ptr(argv[0]) + start, (size_t)(end - start));
    return s;
}
static V p_substring(int argc, V *argv) { return substring(argc, argv, 1, "substring"); }
static V p_string_copy(int argc, V *argv) { return substring(argc, argv, 1, "string-copy"); }

static V p_string_append(int argc, V *argv) {
    int64_t n = 0, at = 0;
    int i;
    V s;
    for (i = 0; i < argc; i++) {
        check_str(argv[i], "string-append");
        n += str_len(argv[i]);
    }
    s = make_str(NULL, (size_t)n);
    for (i = 0; i < argc; i++) {
        memcpy(str_ptr(s) + at, str_ptr(argv[i]), (size_t)str_len(argv[i]));
        at += str_len(argv[i]);
    }
    return s;
}

static V p_string_to_list(int argc, V *argv) {
    V l = NULL, s;
    int64_t i;
    FRAME;
    ROOT(l);
    s = substring(argc, argv, 1, "string->list");
    argv[0] = s;   /* argv slots are roots: keep the copy there */
    for (i = str_len(argv[0]); i > 0; i--)
        l = cons(make_char((unsigned char)str_ptr(argv[0])[i - 1]), l);
    RETURN(l);
}

static V p_list_to_string(int argc, V *argv) {
    int64_t i, n = list_length(argv[0]);
    V s, l;
    ARGC_UNUSED;
    if (n < 0)
        sx_type_error("list->string", "a list", argv[0]);
    for (l = argv[0]; l; l = cdr(l))
        check_str_char(car(l), "list->string");
    s = make_str(NULL, (size_t)n);
    for (i = 0, l = argv[0]; i < n; i++, l = cdr(l))
        str_ptr(s)[i] = (char)char_val(car(l));
    return s;
}

static V p_string_fill(int argc, V *argv) {
    ARGC_UNUSED;
    check_str(argv[0], "string-fill!");
    memset(str_ptr(argv[0]), (int)check_str_char(argv[1], "string-fill!"), (size_t)str_len(argv[0]));
    return sx_unspec;
}

static V string_case(V *argv, int (*fn)(int), const char *who) {
    V s;
    int64_t i;
    check_str(argv[0], who);
    s = make_str(NULL, (size_t)str_len(argv[0]));
    for (i = 0; i < str_len(s); i++)
        str_ptr(s)[i] = (char)fn((unsigned char)str_ptr(argv[0])[i]);
    return s;
}
static V p_string_upcase(int argc, V *argv) { ARGC_UNUSED; return string_case(argv, toupper, "string-upcase"); }
static V p_string_downcase(int argc, V *argv) { ARGC_UNUSED; return string_case(argv, tolower, "string-downcase"); }

static int str_cmp(V a, V b, bool ci) {
    int64_t i, n = str_len(a) < str_len(b) ? str_len(a) : str_len(b);
    for (i = 0; i < n; i++) {
        int x = (unsigned char)str_ptr(a)[i], y = (unsigned char)str_ptr(b)[i];
        if (ci) {
            x = tolower(x);
            y = tolower(y);
        }
        if (x != y)
            return x < y ? -1 : 1;
    }
    return str_len(a) < str_len(b) ? -1 : str_len(a) > str_len(b);
}

static V string_compare(int argc, V *argv, const char *who, int lo, int hi, bool ci) {
    int i, c;
    for (i = 0; i < argc; i++)
        check_str(argv[i], who);
    for (i = 0; i + 1 < argc; i++) {
        c = str_cmp(argv[i], argv[i + 1], ci);
        if (c < lo || c > hi)
            return sx_false;
    }
    return sx_true;
}
static V p_string_eq(int argc, V *argv) { return string_compare(argc, argv, "string=?", 0, 0, false); }
static V p_string_lt(int argc, V *argv) { return string_compare(argc, argv, "string<?", -1, -1, false); }
static V p_string_gt(int argc, V *argv) { return string_compare(argc, argv, "string>?", 1, 1, false); }
static V p_string_le(int argc, V *argv) { return string_compare(argc, argv, "string<=?", -1, 0, false); }
static V p_string_ge(int argc, V *argv) { return string_compare(argc, argv, "string>=?", 0, 1, false); }
static V p_string_ci_eq(int argc, V *argv) { return string_compare(argc, argv, "string-ci=?", 0, 0, true); }

void prim_text_init(void) {
    def_prim("char?", p_char_p, 1, 1, PRIM_LEAF);
    def_prim("char->integer", p_char_to_integer, 1, 1, PRIM_LEAF);
    def_prim("integer->char", p_integer_to_char, 1, 1, PRIM_LEAF);
    def_prim("char=?", p_char_eq, 1, VARIADIC, PRIM_LEAF);
    def_prim("char<?", p_char_lt, 1, VARIADIC, PRIM_LEAF);
    def_prim("char>?", p_char_gt, 1, VARIADIC, PRIM_LEAF);
    def_prim("char<=?", p_char_le, 1, VARIADIC, PRIM_LEAF);
    def_prim("char>=?", p_char_ge, 1, VARIADIC, PRIM_LEAF);
    def_prim("char-ci=?", p_char_ci_eq, 1, VARIADIC, PRIM_LEAF);
    def_prim("char-alphabetic?", p_char_alphabetic, 1, 1, PRIM_LEAF);
    def_prim("char-numeric?", p_char_numeric, 1, 1, PRIM_LEAF);
    def_prim("char-whitespace?", p_char_whitespace, 1, 1, PRIM_LEAF);
    def_prim("char-upper-case?", p_char_upper, 1, 1, PRIM_LEAF);
    def_prim("char-lower-case?", p_char_lower, 1, 1, PRIM_LEAF);
    def_prim("char-upcase", p_char_upcase, 1, 1, PRIM_LEAF);
    def_prim("char-downcase", p_char_downcase, 1, 1, PRIM_LEAF);
    def_prim("digit-value", p_digit_value, 1, 1, PRIM_LEAF);
    def_prim("string?", p_string_p, 1, 1, PRIM_LEAF);
    def_prim("make-string", p_make_string, 1, 2, 0);
    def_prim("string", p_string, 0, VARIADIC, 0);
    def_prim("string-length", p_string_length, 1, 1, PRIM_LEAF);
    def_prim("string-ref", p_string_ref, 2, 2, PRIM_LEAF);
    def_prim("string-set!", p_string_set, 3, 3, PRIM_LEAF);
    def_prim("substring", p_substring, 2, 3, 0);
    def_prim("string-copy", p_string_copy, 1, 3, 0);
    def_prim("string-append", p_string_append, 0, VARIADIC, 0);
    def_prim("string->list", p_string_to_list, 1, 3, 0);
    def_prim("list->string", p_list_to_string, 1, 1, 0);
    def_prim("string-fill!", p_string_fill, 2, 2, 0);
    def_prim("string-upcase", p_string_upcase, 1, 1, 0);
    def_prim("string-downcase", p_string_downcase, 1, 1, 0);
    def_prim("string=?", p_string_eq, 1, VARIADIC, PRIM_LEAF);
    def_prim("string<?", p_string_lt, 1, VARIADIC, PRIM_LEAF);
    def_prim("string>?", p_string_gt, 1, VARIADIC, PRIM_LEAF);
    def_prim("string<=?", p_string_le, 1, VARIADIC, PRIM_LEAF);
    def_prim("string>=?", p_string_ge, 1, VARIADIC, PRIM_LEAF);
    def_prim("string-ci=?", p_string_ci_eq, 1, VARIADIC, PRIM_LEAF);
}

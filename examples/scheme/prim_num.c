/* prim_num.c -- numbers: exact fixnums (int64, overflowing into flonums)
 * and flonums.  Arithmetic works on C scalars and allocates the result
 * once at the end, so it holds no heap value across a collection. */
#include <math.h>
#include <stdlib.h>
#include "prims.h"
#include "print.h"
#include "read.h"

int64_t check_index(V v, int64_t lo, int64_t hi, const char *who) {
    if (type_of(v) != T_FIX)
        sx_type_error(who, "an exact integer", v);
    if (fix_val(v) < lo || fix_val(v) > hi)
        sx_error("index out of range:", v);
    return fix_val(v);
}

/* ---- + - * : exact while every argument is and no result overflows */
enum { ADD, SUB, MUL };

static V arith(int op, int argc, V *argv, const char *who) {
    int64_t acc = op == MUL ? 1 : 0, x;
    double d = op == MUL ? 1 : 0, y;
    bool exact = true, ovf = false;
    int i;
    for (i = 0; i < argc; i++) {
        check_num(argv[i], who);
        exact &= type_of(argv[i]) == T_FIX;
    }
    /* (- x) is 0 - x; (- x y ...) starts from x. */
    for (i = 0; exact && !ovf && i < argc; i++) {
        x = fix_val(argv[i]);
        if (op == SUB && i == 0 && argc > 1)
            acc = x;
        else
            ovf = op == ADD   ? __builtin_add_overflow(acc, x, &acc)
                  : op == MUL ? __builtin_mul_overflow(acc, x, &acc)
                              : __builtin_sub_overflow(acc, x, &acc);
    }
    if (exact && !ovf)
        return make_fix(acc);
    for (i = 0; i < argc; i++) {
        y = num_d(argv[i]);
        if (op == SUB && i == 0 && argc > 1)
            d = y;
        else
            d = op == ADD ? d + y : op == MUL ? d * y : d - y;
    }
    return make_flo(d);
}

static V p_add(int argc, V *argv) { return arith(ADD, argc, argv, "+"); }
static V p_sub(int argc, V *argv) { return arith(SUB, argc, argv, "-"); }
static V p_mul(int argc, V *argv) { return arith(MUL, argc, argv, "*"); }

static V p_div(int argc, V *argv) {
    int i;
    double d;
    int64_t q;
    for (i = 0; i < argc; i++)
        check_num(argv[i], "/");
    if (argc == 1) {
        if (type_of(argv[0]) == T_FIX && (fix_val(argv[0]) == 1 || fix_val(argv[0]) == -1))
            return argv[0];
        if (num_d(argv[0]) == 0 && type_of(argv[0]) == T_FIX)
            sx_error0("/: division by zero");
        return make_flo(1 / num_d(argv[0]));
    }
    /* Exact when every division is exact and without remainder. */
    q = 0;
    if (type_of(argv[0]) == T_FIX) {
        q = fix_val(argv[0]);
        for (i = 1; i < argc; i++) {
            if (type_of(argv[i]) != T_FIX)
                break;
            if (fix_val(argv[i]) == 0)
                sx_error0("/: division by zero");
            if (q % fix_val(argv[i]) != 0 || (q == INT64_MIN && fix_val(argv[i]) == -1))
                break;
            q /= fix_val(argv[i]);
        }
        if (i == argc)
            return make_fix(q);
    }
    d = num_d(argv[0]);
    for (i = 1; i < argc; i++) {
        if (type_of(argv[i]) == T_FIX && fix_val(argv[i]) == 0 && type_of(argv[0]) == T_FIX)
            sx_error0("/: division by zero");
        d /= num_d(argv[i]);
    }
    return make_flo(d);
}

/* ---- comparisons, chained */
static int cmp(V a, V b) {
    if (type_of(a) == T_FIX && type_of(b) == T_FIX)
        return fix_val(a) < fix_val(b) ? -1 : fix_val(a) > fix_val(b);
    double x = num_d(a), y = num_d(b);
    return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2; /* 2: unordered (NaN) */
}

static V compare(int argc, V *argv, const char *who, int want_lo, int want_hi) {
    int i, c;
    for (i = 0; i < argc; i++)
        check_num(argv[i], who);
    for (i = 0; i + 1 < argc; i++) {
        c = cmp(argv[i], argv[i + 1]);
        if (c == 2 || c < want_lo || c > want_hi)
            return sx_false;
    }
    return sx_true;
}

static V p_eq(int argc, V *argv) { return compare(argc, argv, "=", 0, 0); }
static V p_lt(int argc, V *argv) { return compare(argc, argv, "<", -1, -1); }
static V p_gt(int argc, V *argv) { return compare(argc, argv, ">", 1, 1); }
static V p_le(int argc, V *argv) { return compare(argc, argv, "<=", -1, 0); }
static V p_ge(int argc, V *argv) { return compare(argc, argv, ">=", 0, 1); }

static V p_min_max(int argc, V *argv, const char *who, int sign) {
    int i, best = 0;
    bool inexact = false;
    for (i = 0; i < argc; i++) {
        check_num(argv[i], who);
        inexact |= type_of(argv[i]) == T_FLO;
        if (cmp(argv[i], argv[best]) == sign)
            best = i;
    }
    return inexact && type_of(argv[best]) == T_FIX ? make_flo(num_d(argv[best])) : argv[best];
}
static V p_min(int argc, V *argv) { return p_min_max(argc, argv, "min", -1); }
static V p_max(int argc, V *argv) { return p_min_max(argc, argv, "max", 1); }

/* ---- integer division */
static bool integral(V v) {
    return type_of(v) == T_FIX || (type_of(v) == T_FLO && flo_val(v) == floor(flo_val(v)));
}

enum { QUO, REM, MOD };
static V intdiv(int op, V a, V b, const char *who) {
    int64_t x, y, r;
    double dx, dy, dr;
    if (!integral(a))
        sx_type_error(who, "an integer", a);
    if (!integral(b))
        sx_type_error(who, "an integer", b);
    if (type_of(a) == T_FIX && type_of(b) == T_FIX) {
        x = fix_val(a);
        y = fix_val(b);
        if (y == 0)
            sx_error0("division by zero");
        if (y == -1)
            return op == QUO ? (x == INT64_MIN ? make_flo(-(double)x) : make_fix(-x)) : make_fix(0);
        if (op == QUO)
            return make_fix(x / y);
        r = x % y;
        if (op == MOD && r != 0 && (r < 0) != (y < 0))
            r += y;
        return make_fix(r);
    }
    dx = num_d(a);
    dy = num_d(b);
    if (dy == 0)
        sx_error0("division by zero");
    if (op == QUO)
        return make_flo(trunc(dx / dy));
    dr = fmod(dx, dy);
    if (op == MOD && dr != 0 && (dr < 0) != (dy < 0))
        dr += dy;
    return make_flo(dr);
}
static V p_quotient(int argc, V *argv) { (void)argc; return intdiv(QUO, argv[0], argv[1], "quotient"); }
static V p_remainder(int argc, V *argv) { (void)argc; return intdiv(REM, argv[0], argv[1], "remainder"); }
static V p_modulo(int argc, V *argv) { (void)argc; return intdiv(MOD, argv[0], argv[1], "modulo"); }

static int64_t gcd64(int64_t a, int64_t b) {
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}
static V p_gcd(int argc, V *argv) {
    int64_t g = 0;
    for (int i = 0; i < argc; i++)
        g = gcd64(g, check_index(argv[i], -INT64_MAX, INT64_MAX, "gcd"));
    return make_fix(g);
}
static V p_lcm(int argc, V *argv) {
    int64_t l = 1, x;
    for (int i = 0; i < argc; i++) {
        x = check_index(argv[i], -INT64_MAX, INT64_MAX, "lcm");
        if (x == 0)
            return make_fix(0);
        x = x < 0 ? -x : x;
        l = l / gcd64(l, x) * x;
    }
    return make_fix(l);
}

static V p_abs(int argc, V *argv) {
    (void)argc;
    check_num(argv[0], "abs");
    if (type_of(argv[0]) == T_FIX)
        return fix_val(argv[0]) >= 0 ? argv[0]
               : fix_val(argv[0]) == INT64_MIN ? make_flo(-(double)INT64_MIN) : make_fix(-fix_val(argv[0]));
    return make_flo(fabs(flo_val(argv[0])));
}

static V p_expt(int argc, V *argv) {
    int64_t b, e, r = 1;
    (void)argc;
    check_num(argv[0], "expt");
    check_num(argv[1], "expt");
    if (type_of(argv[0]) == T_FIX && type_of(argv[1]) == T_FIX && fix_val(argv[1]) >= 0) {
        b = fix_val(argv[0]);
        for (e = fix_val(argv[1]); e > 0; e--)
            if (__builtin_mul_overflow(r, b, &r))
                return make_flo(pow((double)b, (double)fix_val(argv[1])));
        return make_fix(r);
    }
    return make_flo(pow(num_d(argv[0]), num_d(argv[1])));
}

static V p_sqrt(int argc, V *argv) {
    double d;
    int64_t r;
    (void)argc;
    check_num(argv[0], "sqrt");
    d = sqrt(num_d(argv[0]));
    if (type_of(argv[0]) == T_FIX && fix_val(argv[0]) >= 0) {
        r = (int64_t)d;
        while (r * r > fix_val(argv[0]))
            r--;
        while ((r + 1) * (r + 1) <= fix_val(argv[0]))
            r++;
        if (r * r == fix_val(argv[0]))
            return make_fix(r);
    }
    return make_flo(d);
}

static V p_square(int argc, V *argv) {
    V av[2];
    (void)argc;
    av[0] = av[1] = argv[0];   /* no allocation before arith reads them */
    return arith(MUL, 2, av, "square");
}

static V p_exact(int argc, V *argv) {
    double d;
    (void)argc;
    check_num(argv[0], "exact");
    if (type_of(argv[0]) == T_FIX)
        return argv[0];
    d = flo_val(argv[0]);
    if (d != floor(d) || fabs(d) >= 9.2e18)
        sx_error("exact: no exact representation for", argv[0]);
    return make_fix((int64_t)d);
}

static V p_inexact(int argc, V *argv) {
    (void)argc;
    check_num(argv[0], "inexact");
    return type_of(argv[0]) == T_FLO ? argv[0] : make_flo((double)fix_val(argv[0]));
}

/* floor ceiling round truncate: exact stays exact. */
static V rounding(V v, double (*fn)(double), const char *who) {
    check_num(v, who);
    return type_of(v) == T_FIX ? v : make_flo(fn(flo_val(v)));
}
static V p_floor(int argc, V *argv) { (void)argc; return rounding(argv[0], floor, "floor"); }
static V p_ceiling(int argc, V *argv) { (void)argc; return rounding(argv[0], ceil, "ceiling"); }
static V p_round(int argc, V *argv) { (void)argc; return rounding(argv[0], rint, "round"); }
static V p_truncate(int argc, V *argv) { (void)argc; return rounding(argv[0], trunc, "truncate"); }

static V math1(V v, double (*fn)(double), const char *who) {
    check_num(v, who);
    return make_flo(fn(num_d(v)));
}
static V p_exp(int argc, V *argv) { (void)argc; return math1(argv[0], exp, "exp"); }
static V p_log(int argc, V *argv) { (void)argc; return math1(argv[0], log, "log"); }
static V p_sin(int argc, V *argv) { (void)argc; return math1(argv[0], sin, "sin"); }
static V p_cos(int argc, V *argv) { (void)argc; return math1(argv[0], cos, "cos"); }
static V p_tan(int argc, V *argv) { (void)argc; return math1(argv[0], tan, "tan"); }
static V p_asin(int argc, V *argv) { (void)argc; return math1(argv[0], asin, "asin"); }
static V p_acos(int argc, V *argv) { (void)argc; return math1(argv[0], acos, "acos"); }
static V p_atan(int argc, V *argv) {
    if (argc == 1)
        return math1(argv[0], atan, "atan");
    check_num(argv[0], "atan");
    check_num(argv[1], "atan");
    return make_flo(atan2(num_d(argv[0]), num_d(argv[1])));
}

/* ---- predicates */
static V p_number_p(int argc, V *argv) { (void)argc; return boolean(is_num(argv[0])); }
static V p_integer_p(int argc, V *argv) { (void)argc; return boolean(integral(argv[0]) && !(type_of(argv[0]) == T_FLO && isinf(flo_val(argv[0])))); }
static V p_exact_p(int argc, V *argv) { (void)argc; check_num(argv[0], "exact?"); return boolean(type_of(argv[0]) == T_FIX); }
static V p_inexact_p(int argc, V *argv) { (void)argc; check_num(argv[0], "inexact?"); return boolean(type_of(argv[0]) == T_FLO); }
static V p_exact_integer_p(int argc, V *argv) { (void)argc; return boolean(type_of(argv[0]) == T_FIX); }
static V p_nan_p(int argc, V *argv) { (void)argc; check_num(argv[0], "nan?"); return boolean(isnan(num_d(argv[0]))); }
static V p_zero_p(int argc, V *argv) { (void)argc; check_num(argv[0], "zero?"); return boolean(num_d(argv[0]) == 0); }
static V p_positive_p(int argc, V *argv) { (void)argc; check_num(argv[0], "positive?"); return boolean(num_d(argv[0]) > 0); }
static V p_negative_p(int argc, V *argv) { (void)argc; check_num(argv[0], "negative?"); return boolean(num_d(argv[0]) < 0); }
static V parity(V v, int want, const char *who) {
    if (!integral(v))
        sx_type_error(who, "an integer", v);
    if (type_of(v) == T_FIX)
        return boolean((fix_val(v) & 1) == want);
    return boolean((fmod(fabs(flo_val(v)), 2) == 1) == want);
}
static V p_odd_p(int argc, V *argv) { (void)argc; return parity(argv[0], 1, "odd?"); }
static V p_even_p(int argc, V *argv) { (void)argc; return parity(argv[0], 0, "even?"); }

/* ---- conversion */
static V p_number_to_string(int argc, V *argv) {
    char buf[80], *p = buf + sizeof buf - 1;
    int64_t radix = argc > 1 ? check_index(argv[1], 2, 36, "number->string") : 10;
    uint64_t u;
    bool neg;
    check_num(argv[0], "number->string");
    if (radix == 10 || type_of(argv[0]) != T_FIX) {
        format_number(buf, sizeof buf, argv[0]);
        return make_str(buf, strlen(buf));
    }
    neg = fix_val(argv[0]) < 0;
    u = neg ? -(uint64_t)fix_val(argv[0]) : (uint64_t)fix_val(argv[0]);
    *p = 0;
    do {
        *--p = "0123456789abcdefghijklmnopqrstuvwxyz"[u % (uint64_t)radix];
        u /= (uint64_t)radix;
    } while (u);
    if (neg)
        *--p = '-';
    return make_str(p, strlen(p));
}

static V p_string_to_number(int argc, V *argv) {
    int64_t radix = argc > 1 ? check_index(argv[1], 2, 36, "string->number") : 10;
    char buf[128], *p = buf;
    size_t len;
    V v;
    check_type(argv[0], T_STR, "string->number", "a string");
    len = (size_t)str_len(argv[0]);
    if (len >= sizeof buf)
        return sx_false;
    memcpy(buf, str_ptr(argv[0]), len);
    if (len > 2 && buf[0] == '#' && strchr("xXbBoOdD", buf[1])) { /* radix prefix */
        radix = strchr("xX", buf[1]) ? 16 : strchr("bB", buf[1]) ? 2 : strchr("oO", buf[1]) ? 8 : 10;
        p += 2;
        len -= 2;
    }
    v = parse_number(p, len, (int)radix);
    return v ? v : sx_false;
}

void prim_num_init(void) {
    def_prim("+", p_add, 0, VARIADIC, PRIM_LEAF);
    def_prim("-", p_sub, 1, VARIADIC, PRIM_LEAF);
    def_prim("*", p_mul, 0, VARIADIC, PRIM_LEAF);
    def_prim("/", p_div, 1, VARIADIC, PRIM_LEAF);
    def_prim("=", p_eq, 1, VARIADIC, PRIM_LEAF);
    def_prim("<", p_lt, 1, VARIADIC, PRIM_LEAF);
    def_prim(">", p_gt, 1, VARIADIC, PRIM_LEAF);
    def_prim("<=", p_le, 1, VARIADIC, PRIM_LEAF);
    def_prim(">=", p_ge, 1, VARIADIC, PRIM_LEAF);
    def_prim("min", p_min, 1, VARIADIC, PRIM_LEAF);
    def_prim("max", p_max, 1, VARIADIC, PRIM_LEAF);
    def_prim("quotient", p_quotient, 2, 2, PRIM_LEAF);
    def_prim("remainder", p_remainder, 2, 2, PRIM_LEAF);
    def_prim("modulo", p_modulo, 2, 2, PRIM_LEAF);
    def_prim("truncate-quotient", p_quotient, 2, 2, PRIM_LEAF);
    def_prim("truncate-remainder", p_remainder, 2, 2, PRIM_LEAF);
    def_prim("floor-remainder", p_modulo, 2, 2, PRIM_LEAF);
    def_prim("gcd", p_gcd, 0, VARIADIC, PRIM_LEAF);
    def_prim("lcm", p_lcm, 0, VARIADIC, PRIM_LEAF);
    def_prim("abs", p_abs, 1, 1, PRIM_LEAF);
    def_prim("expt", p_expt, 2, 2, PRIM_LEAF);
    def_prim("sqrt", p_sqrt, 1, 1, PRIM_LEAF);
    def_prim("square", p_square, 1, 1, PRIM_LEAF);
    def_prim("exact", p_exact, 1, 1, PRIM_LEAF);
    def_prim("inexact->exact", p_exact, 1, 1, PRIM_LEAF);
    def_prim("inexact", p_inexact, 1, 1, PRIM_LEAF);
    def_prim("exact->inexact", p_inexact, 1, 1, PRIM_LEAF);
    def_prim("floor", p_floor, 1, 1, PRIM_LEAF);
    def_prim("ceiling", p_ceiling, 1, 1, PRIM_LEAF);
    def_prim("round", p_round, 1, 1, PRIM_LEAF);
    def_prim("truncate", p_truncate, 1, 1, PRIM_LEAF);
    def_prim("exp", p_exp, 1, 1, PRIM_LEAF);
    def_prim("log", p_log, 1, 1, PRIM_LEAF);
    def_prim("sin", p_sin, 1, 1, PRIM_LEAF);
    def_prim("cos", p_cos, 1, 1, PRIM_LEAF);
    def_prim("tan", p_tan, 1, 1, PRIM_LEAF);
    def_prim("asin", p_asin, 1, 1, PRIM_LEAF);
    def_prim("acos", p_acos, 1, 1, PRIM_LEAF);
    def_prim("atan", p_atan, 1, 2, PRIM_LEAF);
    def_prim("number?", p_number_p, 1, 1, PRIM_LEAF);
    def_prim("complex?", p_number_p, 1, 1, PRIM_LEAF);
    def_prim("real?", p_number_p, 1, 1, PRIM_LEAF);
    def_prim("rational?", p_integer_p, 1, 1, PRIM_LEAF);
    def_prim("integer?", p_integer_p, 1, 1, PRIM_LEAF);
    def_prim("exact?", p_exact_p, 1, 1, PRIM_LEAF);
    def_prim("inexact?", p_inexact_p, 1, 1, PRIM_LEAF);
    def_prim("exact-integer?", p_exact_integer_p, 1, 1, PRIM_LEAF);
    def_prim("nan?", p_nan_p, 1, 1, PRIM_LEAF);
    def_prim("zero?", p_zero_p, 1, 1, PRIM_LEAF);
    def_prim("positive?", p_positive_p, 1, 1, PRIM_LEAF);
    def_prim("negative?", p_negative_p, 1, 1, PRIM_LEAF);
    def_prim("odd?", p_odd_p, 1, 1, PRIM_LEAF);
    def_prim("even?", p_even_p, 1, 1, PRIM_LEAF);
    def_prim("number->string", p_number_to_string, 1, 2, PRIM_LEAF);
    def_prim("string->number", p_string_to_number, 1, 2, PRIM_LEAF);
}

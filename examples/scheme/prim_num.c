/* prim_num.c -- numbers: exact integers of any size (integer.h), exact
 * rationals (rational.h) and flonums.  The fixnum fast paths work on C scalars and allocate the
 * result once at the end; the general paths root every operand and
 * partial result across each allocation. */
#include <alloca.h>
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

/* A copy of a primitive's arguments for it to root: PRIM_LEAF calls
 * pass an unrooted argv, other calls a rooted one, and a slot must not
 * be pushed on the shadow stack twice (a moving collection would update
 * it twice).  alloca'd in the caller's frame: a macro. */
#define own_args(argc, argv) \
    ((V *)memcpy(alloca(sizeof(V) * (size_t)((argc) ? (argc) : 1)), (argv), sizeof(V) * (size_t)(argc)))

/* ---- generic binary operations: flonum if either operand is one */
static bool any_flo(V a, V b) { return type_of(a) == T_FLO || type_of(b) == T_FLO; }
enum { ADD, SUB, MUL };
static V op2(int op, V a, V b) {
    if (any_flo(a, b)) {
        double x = num_d(a), y = num_d(b);
        return make_flo(op == ADD ? x + y : op == SUB ? x - y : x * y);
    }
    if (type_of(a) == T_RAT || type_of(b) == T_RAT)
        return op == ADD ? rat_add(a, b) : op == SUB ? rat_sub(a, b) : rat_mul(a, b);
    return op == ADD ? int_add(a, b) : op == SUB ? int_sub(a, b) : int_mul(a, b);
}

/* ---- + - * : a fixnum fast path that allocates once; else a fold that
 * roots its arguments (argv of a PRIM_LEAF call is not rooted by the
 * caller) and the accumulator across each step's allocation. */
static V arith(int op, int argc, V *argv, const char *who) {
    int64_t acc = op == MUL ? 1 : 0, x;
    bool fixes = true, ovf = false;
    V r = NULL;
    int i;
    if (argc == 2 && type_of(argv[0]) == T_FIX && type_of(argv[1]) == T_FIX) {
        int64_t a = fix_val(argv[0]), b = fix_val(argv[1]), s;
        if (!(op == ADD   ? __builtin_add_overflow(a, b, &s)
              : op == MUL ? __builtin_mul_overflow(a, b, &s)
                          : __builtin_sub_overflow(a, b, &s)))
            return make_fix(s);
    }
    for (i = 0; i < argc; i++) {
        check_num(argv[i], who);
        fixes &= type_of(argv[i]) == T_FIX;
    }
    /* (- x) is 0 - x; (- x y ...) starts from x. */
    for (i = 0; fixes && !ovf && i < argc; i++) {
        x = fix_val(argv[i]);
        if (op == SUB && i == 0 && argc > 1)
            acc = x;
        else
            ovf = op == ADD   ? __builtin_add_overflow(acc, x, &acc)
                  : op == MUL ? __builtin_mul_overflow(acc, x, &acc)
                              : __builtin_sub_overflow(acc, x, &acc);
    }
    if (fixes && !ovf)
        return make_fix(acc);
    argv = own_args(argc, argv);
    FRAME;
    for (i = 0; i < argc; i++)
        ROOT(argv[i]);
    ROOT(r);
    if (op == SUB && argc == 1) {
        r = make_fix(0);
        r = op2(SUB, r, argv[0]);
    } else {
        r = argv[0];
        for (i = 1; i < argc; i++)
            r = op2(op, r, argv[i]);
    }
    RETURN(r);
}

static V p_add(int argc, V *argv) { return arith(ADD, argc, argv, "+"); }
static V p_sub(int argc, V *argv) { return arith(SUB, argc, argv, "-"); }
static V p_mul(int argc, V *argv) { return arith(MUL, argc, argv, "*"); }

/* Exact operands give an exact quotient (an integer or a rational);
 * any inexact one makes the whole quotient a flonum. */
static V p_div(int argc, V *argv) {
    V q = NULL;
    double d;
    int i;
    bool exact = true;
    for (i = 0; i < argc; i++) {
        check_num(argv[i], "/");
        exact &= is_exact(argv[i]);
    }
    if (!exact) {
        d = argc == 1 ? 1 / num_d(argv[0]) : num_d(argv[0]);
        for (i = 1; i < argc; i++)
            d /= num_d(argv[i]);
        return make_flo(d);
    }
    argv = own_args(argc, argv);
    FRAME;
    for (i = 0; i < argc; i++)
        ROOT(argv[i]);
    ROOT(q);
    if (argc == 1) {
        q = make_fix(1);
        q = rat_div(q, argv[0]);
        RETURN(q);
    }
    q = argv[0];
    for (i = 1; i < argc; i++) {
        if (type_of(q) == T_FIX && type_of(argv[i]) == T_FIX && fix_val(argv[i]) != 0 &&
            fix_val(argv[i]) != -1 && fix_val(q) % fix_val(argv[i]) == 0)
            q = make_fix(fix_val(q) / fix_val(argv[i]));   /* exact fixnum quotient */
        else
            q = rat_div(q, argv[i]);
    }
    RETURN(q);
}

/* ---- comparisons, chained */
static int cmp(V a, V b) {
    if (!any_flo(a, b))
        return type_of(a) == T_RAT || type_of(b) == T_RAT ? rat_cmp(a, b) : int_cmp(a, b);
    double x = num_d(a), y = num_d(b);
    return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2; /* 2: unordered (NaN) */
}

static V compare(int argc, V *argv, const char *who, int want_lo, int want_hi) {
    int i, c;
    if (argc == 2 && type_of(argv[0]) == T_FIX && type_of(argv[1]) == T_FIX) {
        int64_t a = fix_val(argv[0]), b = fix_val(argv[1]);
        c = a < b ? -1 : a > b;
        return boolean(c >= want_lo && c <= want_hi);
    }
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
    return inexact && type_of(argv[best]) != T_FLO ? make_flo(num_d(argv[best])) : argv[best];
}
static V p_min(int argc, V *argv) { return p_min_max(argc, argv, "min", -1); }
static V p_max(int argc, V *argv) { return p_min_max(argc, argv, "max", 1); }

/* ---- integer division */
static bool integral(V v) {
    return is_exint(v) || (type_of(v) == T_FLO && flo_val(v) == floor(flo_val(v)));
}

/* Quotient *q and remainder *r (both rooted by the caller) of a by b,
 * truncating (floor false) or flooring. */
static void divide(V a, V b, bool flr, V *q, V *r, const char *who) {
    double dx, dy, dq, dr;
    if (!integral(a))
        sx_type_error(who, "an integer", a);
    if (!integral(b))
        sx_type_error(who, "an integer", b);
    if (is_exint(a) && is_exint(b)) {
        FRAME;
        ROOT(a);
        ROOT(b);
        int_divrem(a, b, q, r);
        if (flr && int_sign(*r) != 0 && int_sign(*r) != int_sign(b)) {
            V one = make_fix(1);  /* read by int_sub before it allocates */
            *r = int_add(*r, b);
            *q = int_sub(*q, one);
        }
        UNFRAME;
        return;
    }
    dx = num_d(a);
    dy = num_d(b);
    if (dy == 0)
        sx_error0("division by zero");
    dq = trunc(dx / dy);
    dr = fmod(dx, dy);
    if (flr && dr != 0 && (dr < 0) != (dy < 0)) {
        dr += dy;
        dq -= 1;
    }
    *q = make_flo(dq);
    *r = make_flo(dr);
}

enum { QUO, REM, MOD, FQUO };
static V intdiv(int op, V a, V b, const char *who) {
    V q = NULL, r = NULL;
    FRAME;
    ROOT(q);
    ROOT(r);
    divide(a, b, op == MOD || op == FQUO, &q, &r, who);
    if (op == REM || op == MOD)
        q = r;
    RETURN(q);
}
static V p_quotient(int argc, V *argv) { (void)argc; return intdiv(QUO, argv[0], argv[1], "quotient"); }
static V p_remainder(int argc, V *argv) { (void)argc; return intdiv(REM, argv[0], argv[1], "remainder"); }
static V p_modulo(int argc, V *argv) { (void)argc; return intdiv(MOD, argv[0], argv[1], "modulo"); }
static V p_floor_quotient(int argc, V *argv) { (void)argc; return intdiv(FQUO, argv[0], argv[1], "floor-quotient"); }

/* floor/ and truncate/: both results as multiple values. */
static V divide2(V a, V b, bool flr, const char *who) {
    V q = NULL, r = NULL;
    FRAME;
    ROOT(q);
    ROOT(r);
    divide(a, b, flr, &q, &r, who);
    q = sx_values2(q, r);
    RETURN(q);
}
static V p_floor_div(int argc, V *argv) { (void)argc; return divide2(argv[0], argv[1], true, "floor/"); }
static V p_truncate_div(int argc, V *argv) { (void)argc; return divide2(argv[0], argv[1], false, "truncate/"); }

static void check_exint(V v, const char *who) {
    if (!is_exint(v))
        sx_type_error(who, "an exact integer", v);
}

static V p_gcd(int argc, V *argv) {
    V g = NULL;
    int i;
    argv = own_args(argc, argv);
    FRAME;
    ROOT(g);
    for (i = 0; i < argc; i++) {
        check_exint(argv[i], "gcd");
        ROOT(argv[i]);
    }
    g = make_fix(0);
    for (i = 0; i < argc; i++)
        g = int_gcd(g, argv[i]);
    RETURN(g);
}

static V p_lcm(int argc, V *argv) {
    V l = NULL, g = NULL, x = NULL;
    int i;
    argv = own_args(argc, argv);
    FRAME;
    ROOT(l);
    ROOT(g);
    ROOT(x);
    for (i = 0; i < argc; i++) {
        check_exint(argv[i], "lcm");
        ROOT(argv[i]);
    }
    l = make_fix(1);
    for (i = 0; i < argc; i++) {
        x = int_abs(argv[i]);
        if (int_sign(x) == 0) {
            l = x;
            break;
        }
        g = int_gcd(l, x);
        int_divrem(l, g, &l, NULL);
        l = int_mul(l, x);
    }
    RETURN(l);
}

static V p_abs(int argc, V *argv) {
    (void)argc;
    check_num(argv[0], "abs");
    if (is_exint(argv[0]))
        return int_abs(argv[0]);
    if (type_of(argv[0]) == T_RAT)
        return rat_sign(argv[0]) > 0 ? argv[0] : rat_neg(argv[0]);
    return make_flo(fabs(flo_val(argv[0])));
}

/* base^e for exact base and exact e >= 0: square and multiply. */
static V int_expt(V base, uint64_t e) {
    V r = NULL;
    FRAME;
    ROOT(base);
    ROOT(r);
    r = make_fix(1);
    while (e) {
        if (e & 1)
            r = int_mul(r, base);
        e >>= 1;
        if (e)
            base = int_mul(base, base);
    }
    RETURN(r);
}

/* An exact base to an exact integer power, possibly negative: the
 * numerator and denominator raised separately (n/d in lowest terms stays
 * so), swapped for a negative power. */
static V rat_expt(V b, V e) {
    V n = NULL, d = NULL, t;
    int64_t k;
    if (type_of(e) != T_FIX || fix_val(e) > (int64_t)1 << 32 || fix_val(e) < -((int64_t)1 << 32))
        sx_error("expt: exponent too large:", e);
    k = fix_val(e);
    if (k < 0 && is_exint(b) && int_sign(b) == 0)
        sx_error0("expt: division by zero");
    FRAME;
    ROOT(b);
    ROOT(n);
    ROOT(d);
    rat_split(b, &n, &d);
    if (k < 0) {
        t = n;
        n = d;
        d = t;
        k = -k;
    }
    n = int_expt(n, (uint64_t)k);
    d = int_expt(d, (uint64_t)k);
    n = rat_make(n, d);
    RETURN(n);
}

static V p_expt(int argc, V *argv) {
    V b = argv[0], e = argv[1];
    (void)argc;
    check_num(b, "expt");
    check_num(e, "expt");
    if (is_exint(b) && is_exint(e) && int_sign(e) >= 0) {
        if (type_of(b) == T_FIX && fix_val(b) >= -1 && fix_val(b) <= 1)
            return fix_val(b) == -1 && int_odd(e) ? b
                   : fix_val(b) == 0 && int_sign(e) > 0 ? b : make_fix(1);
        if (type_of(e) != T_FIX || fix_val(e) > (int64_t)1 << 32)
            sx_error("expt: exponent too large:", e);
        return int_expt(b, (uint64_t)fix_val(e));
    }
    if (is_exact(b) && is_exint(e))
        return rat_expt(b, e);
    return make_flo(pow(num_d(b), num_d(e)));
}

/* The integer square root s of n >= 0 (s*s <= n < (s+1)^2) by Newton's
 * iteration from a power of two above it. */
static V int_isqrt(V n) {
    struct ival iv;
    size_t bits;
    limb *p;
    V x = NULL, y = NULL, two;
    if (type_of(n) == T_FIX) {
        int64_t v = fix_val(n), r = (int64_t)sqrt((double)v);
        while (r > 0 && (r > INT64_MAX / r || r * r > v))
            r--;
        while ((r + 1) <= INT64_MAX / (r + 1) && (r + 1) * (r + 1) <= v)
            r++;
        return make_fix(r);
    }
    FRAME;
    ROOT(n);
    ROOT(x);
    ROOT(y);
    int_view(n, &iv);
    bits = (iv.n - 1) * 32 + (32 - (size_t)__builtin_clz(iv.d[iv.n - 1]));
    bits = bits / 2 + 1;                  /* 2^bits > sqrt(n) */
    p = calloc(bits / 32 + 1, sizeof *p);
    if (!p)
        sx_out_of_memory();
    p[bits / 32] = (limb)1 << (bits % 32);
    x = int_make(false, p, bits / 32 + 1);
    free(p);
    for (;;) {
        int_divrem(n, x, &y, NULL);        /* y = (x + n/x) / 2 */
        y = int_add(y, x);
        two = make_fix(2);              /* read before int_divrem allocates */
        int_divrem(y, two, &y, NULL);
        if (int_cmp(y, x) >= 0)
            break;
        x = y;
    }
    RETURN(x);
}

static V p_exact_integer_sqrt(int argc, V *argv) {
    V s = NULL, r = NULL, n = argv[0];
    (void)argc;
    check_exint(n, "exact-integer-sqrt");
    if (int_sign(n) < 0)
        sx_error("exact-integer-sqrt: negative argument:", n);
    FRAME;
    ROOT(n);
    ROOT(s);
    ROOT(r);
    s = int_isqrt(n);
    r = int_mul(s, s);
    r = int_sub(n, r);
    s = sx_values2(s, r);
    RETURN(s);
}

/* sqrt of a positive rational: exact when its numerator and denominator
 * are both squares (in lowest terms, so exactly then). */
static V rat_sqrt(V x) {
    V n = NULL, d = NULL, s = NULL, t = NULL;
    FRAME;
    ROOT(x);
    ROOT(n);
    ROOT(d);
    ROOT(s);
    ROOT(t);
    rat_split(x, &n, &d);
    s = int_isqrt(n);
    t = int_mul(s, s);
    if (int_cmp(t, n) == 0) {
        n = s;
        s = int_isqrt(d);
        t = int_mul(s, s);
        if (int_cmp(t, d) == 0) {
            s = rat_make(n, s);
            RETURN(s);
        }
    }
    s = make_flo(sqrt(rat_to_double(x)));
    RETURN(s);
}

static V p_sqrt(int argc, V *argv) {
    V s = NULL, n = argv[0], sq = NULL;
    (void)argc;
    check_num(n, "sqrt");
    if (is_exint(n) && int_sign(n) >= 0) {
        FRAME;
        ROOT(n);
        ROOT(s);
        ROOT(sq);
        s = int_isqrt(n);
        sq = int_mul(s, s);
        if (int_cmp(sq, n) != 0)
            s = make_flo(sqrt(num_d(n)));
        RETURN(s);
    }
    if (type_of(n) == T_RAT && rat_sign(n) > 0)
        return rat_sqrt(n);
    return make_flo(sqrt(num_d(n)));
}

static V p_square(int argc, V *argv) {
    V av[2];
    (void)argc;
    av[0] = av[1] = argv[0];   /* arith roots them before it allocates */
    return arith(MUL, 2, av, "square");
}

static V p_exact(int argc, V *argv) {
    double d;
    (void)argc;
    check_num(argv[0], "exact");
    if (is_exact(argv[0]))
        return argv[0];
    d = flo_val(argv[0]);
    if (!isfinite(d))
        sx_error("exact: no exact representation for", argv[0]);
    return rat_from_double(d);
}

static V p_inexact(int argc, V *argv) {
    (void)argc;
    check_num(argv[0], "inexact");
    return type_of(argv[0]) == T_FLO ? argv[0] : make_flo(num_d(argv[0]));
}

/* numerator/denominator: integers are their own numerator over 1; a
 * flonum x is n / 2^k with k the least making x * 2^k integral. */
static V fraction_part(V v, bool num, const char *who) {
    double d, den = 1;
    check_num(v, who);
    if (is_exint(v))
        return num ? v : make_fix(1);
    if (type_of(v) == T_RAT) {
        V n = NULL, dn = NULL;
        FRAME;
        ROOT(n);
        ROOT(dn);
        rat_split(v, &n, &dn);
        if (!num)
            n = dn;
        RETURN(n);
    }
    d = flo_val(v);
    if (!isfinite(d))
        sx_type_error(who, "a rational number", v);
    while (d != floor(d)) {
        d *= 2;
        den *= 2;
    }
    return make_flo(num ? d : den);
}
static V p_numerator(int argc, V *argv) { (void)argc; return fraction_part(argv[0], true, "numerator"); }
static V p_denominator(int argc, V *argv) { (void)argc; return fraction_part(argv[0], false, "denominator"); }

/* floor ceiling round truncate: exact stays exact. */
static V rounding(V v, double (*fn)(double), int mode, const char *who) {
    check_num(v, who);
    if (type_of(v) == T_FLO)
        return make_flo(fn(flo_val(v)));
    return rat_round(v, mode);
}
static V p_floor(int argc, V *argv) { (void)argc; return rounding(argv[0], floor, RND_FLOOR, "floor"); }
static V p_ceiling(int argc, V *argv) { (void)argc; return rounding(argv[0], ceil, RND_CEIL, "ceiling"); }
static V p_round(int argc, V *argv) { (void)argc; return rounding(argv[0], rint, RND_ROUND, "round"); }
static V p_truncate(int argc, V *argv) { (void)argc; return rounding(argv[0], trunc, RND_TRUNC, "truncate"); }

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
static V p_integer_p(int argc, V *argv) { (void)argc; return boolean(is_num(argv[0]) && integral(argv[0]) && !(type_of(argv[0]) == T_FLO && isinf(flo_val(argv[0])))); }
static V p_rational_p(int argc, V *argv) { (void)argc; return boolean(is_exact(argv[0]) || (type_of(argv[0]) == T_FLO && isfinite(flo_val(argv[0])))); }
static V p_exact_p(int argc, V *argv) { (void)argc; check_num(argv[0], "exact?"); return boolean(is_exact(argv[0])); }
static V p_inexact_p(int argc, V *argv) { (void)argc; check_num(argv[0], "inexact?"); return boolean(type_of(argv[0]) == T_FLO); }
static V p_exact_integer_p(int argc, V *argv) { (void)argc; return boolean(is_exint(argv[0])); }
static V p_nan_p(int argc, V *argv) { (void)argc; check_num(argv[0], "nan?"); return boolean(type_of(argv[0]) == T_FLO && isnan(flo_val(argv[0]))); }
static V p_finite_p(int argc, V *argv) { (void)argc; check_num(argv[0], "finite?"); return boolean(type_of(argv[0]) != T_FLO || isfinite(flo_val(argv[0]))); }
static V p_infinite_p(int argc, V *argv) { (void)argc; check_num(argv[0], "infinite?"); return boolean(type_of(argv[0]) == T_FLO && isinf(flo_val(argv[0]))); }
static int sign_of(V v, const char *who) {
    check_num(v, who);
    if (is_exint(v))
        return int_sign(v);
    if (type_of(v) == T_RAT)
        return rat_sign(v);
    return flo_val(v) > 0 ? 1 : flo_val(v) < 0 ? -1 : 0; /* NaN: 0 */
}
static V p_zero_p(int argc, V *argv) { (void)argc; return boolean(sign_of(argv[0], "zero?") == 0 && !(type_of(argv[0]) == T_FLO && isnan(flo_val(argv[0])))); }
static V p_positive_p(int argc, V *argv) { (void)argc; return boolean(sign_of(argv[0], "positive?") > 0); }
static V p_negative_p(int argc, V *argv) { (void)argc; return boolean(sign_of(argv[0], "negative?") < 0); }
static V parity(V v, int want, const char *who) {
    if (!is_num(v) || !integral(v))
        sx_type_error(who, "an integer", v);
    if (is_exint(v))
        return boolean(int_odd(v) == want);
    return boolean((fmod(fabs(flo_val(v)), 2) == 1) == want);
}
static V p_odd_p(int argc, V *argv) { (void)argc; return parity(argv[0], 1, "odd?"); }
static V p_even_p(int argc, V *argv) { (void)argc; return parity(argv[0], 0, "even?"); }

/* ---- conversion */
static V p_number_to_string(int argc, V *argv) {
    char buf[80], *s;
    int64_t radix = argc > 1 ? check_index(argv[1], 2, 36, "number->string") : 10;
    V r;
    check_num(argv[0], "number->string");
    if (type_of(argv[0]) == T_FLO) {
        format_number(buf, sizeof buf, argv[0]);
        return make_str(buf, strlen(buf));
    }
    s = type_of(argv[0]) == T_RAT ? rat_to_cstr(argv[0], (int)radix)
                                  : int_to_cstr(argv[0], (int)radix); /* C memory */
    if (!s)
        sx_out_of_memory();
    r = make_str(s, strlen(s));
    free(s);
    return r;
}

static V p_string_to_number(int argc, V *argv) {
    int64_t radix = argc > 1 ? check_index(argv[1], 2, 36, "string->number") : 10;
    char *buf, *p;
    size_t len;
    V v;
    check_type(argv[0], T_STR, "string->number", "a string");
    len = (size_t)str_len(argv[0]);
    buf = malloc(len + 1);                   /* the string may move */
    if (!buf)
        sx_out_of_memory();
    memcpy(buf, str_ptr(argv[0]), len);
    buf[len] = 0;
    p = buf;
    v = parse_prefixed(p, len, (int)radix);
    free(buf);
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
    def_prim("floor-quotient", p_floor_quotient, 2, 2, PRIM_LEAF);
    def_prim("floor/", p_floor_div, 2, 2, PRIM_LEAF);
    def_prim("truncate/", p_truncate_div, 2, 2, PRIM_LEAF);
    def_prim("exact-integer-sqrt", p_exact_integer_sqrt, 1, 1, PRIM_LEAF);
    def_prim("numerator", p_numerator, 1, 1, PRIM_LEAF);
    def_prim("denominator", p_denominator, 1, 1, PRIM_LEAF);
    def_prim("finite?", p_finite_p, 1, 1, PRIM_LEAF);
    def_prim("infinite?", p_infinite_p, 1, 1, PRIM_LEAF);
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
    def_prim("rational?", p_rational_p, 1, 1, PRIM_LEAF);
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

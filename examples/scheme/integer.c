/* integer.c -- exact integers of any size on the moving heap (integer.h).
 * Each operation views its operands [int.view], computes the result's
 * magnitude in malloc'd scratch, and only then allocates the result, so
 * no heap pointer is held across a collection. */
#include <math.h>
#include <stdlib.h>
#include "integer.h"
#include "eval.h"

struct big_hdr { uint32_t neg, n; };

static limb *big_limbs(V v) { return (limb *)((char *)gc_raw(v) + sizeof(struct big_hdr)); }

void int_view(V v, struct ival *iv) {
    if (type_of(v) == T_FIX) {
        int64_t x = fix_val(v);
        uint64_t u = x < 0 ? -(uint64_t)x : (uint64_t)x;
        iv->neg = x < 0;
        iv->buf[0] = (limb)u;
        iv->buf[1] = (limb)(u >> 32);
        iv->d = iv->buf;
        iv->n = mag_norm(iv->buf, 2);
    } else {
        struct big_hdr *h = gc_raw(v);
        iv->neg = h->neg != 0;
        iv->n = h->n;
        iv->d = big_limbs(v);
    }
}

/* Scratch for n limbs (at least one); raises "out of memory". */
static limb *scratch(size_t n) {
    limb *p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        sx_out_of_memory();
    return p;
}

V int_make(bool neg, const limb *d, size_t n) {
    struct big_hdr *h;
    V v;
    n = mag_norm(d, n);
    if (n <= 2) {
        uint64_t u = n == 0 ? 0 : n == 1 ? d[0] : (uint64_t)d[1] << 32 | d[0];
        if (u <= (uint64_t)INT64_MAX)
            return make_fix(neg ? -(int64_t)u : (int64_t)u);
        if (neg && u == (uint64_t)1 << 63)
            return make_fix(INT64_MIN);
    }
    v = gc_alloc(T_BIG, 0, sizeof *h + n * sizeof(limb));
    h = gc_raw(v);
    h->neg = neg;
    h->n = (uint32_t)n;
    memcpy(big_limbs(v), d, n * sizeof(limb));
    return v;
}

/* Make the result from scratch r and free it. */
static V make_free(bool neg, limb *r, size_t n) {
    V v;
    /* int_make may raise "out of memory" and leak r: rare, and bounded. */
    v = int_make(neg && n > 0, r, n);
    free(r);
    return v;
}

/* a + (-1)^flip b */
static V addsub(V a, V b, bool flip) {
    struct ival x, y;
    limb *r;
    size_t n;
    int c;
    int_view(a, &x);
    int_view(b, &y);
    y.neg ^= flip;
    r = scratch((x.n > y.n ? x.n : y.n) + 1);
    if (x.neg == y.neg)
        return make_free(x.neg, r, mag_add(x.d, x.n, y.d, y.n, r));
    c = mag_cmp(x.d, x.n, y.d, y.n);
    if (c >= 0)
        n = mag_sub(x.d, x.n, y.d, y.n, r);
    else
        n = mag_sub(y.d, y.n, x.d, x.n, r);
    return make_free(c >= 0 ? x.neg : y.neg, r, n);
}

V int_add(V a, V b) {
    int64_t s;
    if (type_of(a) == T_FIX && type_of(b) == T_FIX && !__builtin_add_overflow(fix_val(a), fix_val(b), &s))
        return make_fix(s);
    return addsub(a, b, false);
}

V int_sub(V a, V b) {
    int64_t s;
    if (type_of(a) == T_FIX && type_of(b) == T_FIX && !__builtin_sub_overflow(fix_val(a), fix_val(b), &s))
        return make_fix(s);
    return addsub(a, b, true);
}

V int_neg(V a) {
    V z = NULL;
    FRAME;
    ROOT(a);
    ROOT(z);
    z = make_fix(0);
    z = int_sub(z, a);
    RETURN(z);
}

V int_mul(V a, V b) {
    struct ival x, y;
    int64_t s;
    limb *r;
    if (type_of(a) == T_FIX && type_of(b) == T_FIX && !__builtin_mul_overflow(fix_val(a), fix_val(b), &s))
        return make_fix(s);
    int_view(a, &x);
    int_view(b, &y);
    r = scratch(x.n + y.n);
    return make_free(x.neg != y.neg, r, mag_mul(x.d, x.n, y.d, y.n, r));
}

void int_divrem(V a, V b, V *q, V *r) {
    struct ival x, y;
    limb *qd, *rd;
    size_t qn, rn;
    bool qneg, rneg;
    if (type_of(a) == T_FIX && type_of(b) == T_FIX && fix_val(b) != 0 &&
        !(fix_val(a) == INT64_MIN && fix_val(b) == -1)) {
        int64_t qq = fix_val(a) / fix_val(b), rr = fix_val(a) % fix_val(b);
        if (q)
            *q = make_fix(qq);
        if (r)
            *r = make_fix(rr);
        return;
    }
    int_view(a, &x);
    int_view(b, &y);
    if (y.n == 0)
        sx_error0("division by zero");
    qneg = x.neg != y.neg;
    rneg = x.neg;
    if (mag_cmp(x.d, x.n, y.d, y.n) < 0) { /* |a| < |b|: q = 0, r = a */
        if (r)
            *r = a;
        if (q)
            *q = make_fix(0);
        return;
    }
    qd = scratch(x.n - y.n + 1);
    rd = scratch(y.n);
    if (mag_divmod(x.d, x.n, y.d, y.n, qd, &qn, rd, &rn) != 0) {
        free(qd);
        free(rd);
        sx_out_of_memory();
    }
    if (q)
        *q = make_free(qneg, qd, qn);
    else
        free(qd);
    if (r)
        *r = make_free(rneg, rd, rn);
    else
        free(rd);
}

int int_cmp(V a, V b) {
    struct ival x, y;
    int c;
    if (type_of(a) == T_FIX && type_of(b) == T_FIX)
        return fix_val(a) < fix_val(b) ? -1 : fix_val(a) > fix_val(b);
    int_view(a, &x);
    int_view(b, &y);
    if (x.neg != y.neg)
        return x.neg ? -1 : 1;
    c = mag_cmp(x.d, x.n, y.d, y.n);
    return x.neg ? -c : c;
}

int int_sign(V a) {
    if (type_of(a) == T_FIX)
        return fix_val(a) < 0 ? -1 : fix_val(a) > 0;
    return ((struct big_hdr *)gc_raw(a))->neg ? -1 : 1;
}

V int_abs(V a) { return int_sign(a) < 0 ? int_neg(a) : a; }

/* Euclid on exact integers of any size. */
V int_gcd(V a, V b) {
    V r = NULL;
    FRAME;
    ROOT(a);
    ROOT(b);
    ROOT(r);
    a = int_abs(a);
    b = int_abs(b);
    while (int_sign(b) != 0) {
        int_divrem(a, b, NULL, &r);
        a = b;
        b = r;
    }
    RETURN(a);
}

bool int_odd(V a) {
    if (type_of(a) == T_FIX)
        return fix_val(a) & 1;
    return big_limbs(a)[0] & 1;
}

/* Correct rounding for free: strtod rounds the exact decimal expansion. */
double int_to_double(V a) {
    char *s;
    double d;
    if (type_of(a) == T_FIX)
        return (double)fix_val(a);
    s = int_to_cstr(a, 10);
    if (!s)
        sx_out_of_memory();
    d = strtod(s, NULL);
    free(s);
    return d;
}

V int_from_double(double d) {
    int e;
    double m;
    uint64_t mant;
    size_t n, shift, i;
    limb *r;
    if (fabs(d) < 9.2e18)
        return make_fix((int64_t)d);
    m = frexp(fabs(d), &e);                 /* |d| = m * 2^e, 0.5 <= m < 1 */
    mant = (uint64_t)ldexp(m, 53);          /* exact: 53 bits */
    shift = (size_t)(e - 53);               /* e > 63 here */
    n = shift / 32 + 3;
    r = scratch(n);
    memset(r, 0, n * sizeof *r);
    i = shift / 32;
    shift %= 32;
    {
        unsigned __int128 w = (unsigned __int128)mant << shift;
        r[i] = (limb)w;
        r[i + 1] = (limb)(w >> 32);
        r[i + 2] = (limb)(w >> 64);
    }
    return make_free(d < 0, r, n);
}

char *int_to_cstr(V a, int radix) {
    struct ival x;
    char *digits, *s;
    int_view(a, &x);
    digits = mag_to_digits(x.d, x.n, radix);
    if (!digits || !x.neg)
        return digits;
    s = malloc(strlen(digits) + 2);
    if (s) {
        s[0] = '-';
        strcpy(s + 1, digits);
    }
    free(digits);
    return s;
}

static int digit_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

V int_parse(const char *s, size_t len, int radix) {
    bool neg = false;
    size_t i = 0, n = 0;
    limb *r;
    int dv;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return NULL;
    for (size_t j = i; j < len; j++)
        if (digit_value(s[j]) >= radix)
            return NULL;
    r = scratch(len * 6 / 32 + 2); /* radix <= 36 < 2^6: 6 bits a digit */
    for (; i < len; i++) {
        uint64_t c;
        dv = digit_value(s[i]);
        c = (uint64_t)dv;
        for (size_t k = 0; k < n; k++) {
            c += (uint64_t)r[k] * (uint64_t)radix;
            r[k] = (limb)c;
            c >>= 32;
        }
        if (c)
            r[n++] = (limb)c;
    }
    return make_free(neg, r, n);
}

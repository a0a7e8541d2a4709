/* rational.c -- exact rationals on the moving heap (rational.h).  The
 * arithmetic splits each operand into integers, computes with the
 * integer operations, and normalises once with rat_make; only the
 * conversions to double and to text read the limbs in place. */
#include <alloca.h>
#include <math.h>
#include <stdlib.h>
#include "rational.h"
#include "eval.h"

struct rat_hdr { uint32_t neg, nn, nd, pad; };

static struct rat_hdr *hdr(V x) { return gc_raw(x); }
static limb *num_limbs(V x) { return (limb *)((char *)gc_raw(x) + sizeof(struct rat_hdr)); }
static limb *den_limbs(V x) { return num_limbs(x) + hdr(x)->nn; }

static bool is_one(V v) { return type_of(v) == T_FIX && fix_val(v) == 1; }

/* The T_RAT n/d of integers already in lowest terms, d >= 2.  The views
 * are taken again after the allocation: it may have moved n and d. */
static V pack(V n, V d) {
    struct ival a, b;
    V r;
    FRAME;
    ROOT(n);
    ROOT(d);
    int_view(n, &a);
    int_view(d, &b);
    r = gc_alloc(T_RAT, 0, sizeof(struct rat_hdr) + (a.n + b.n) * sizeof(limb));
    int_view(n, &a);
    int_view(d, &b);
    hdr(r)->neg = a.neg;
    hdr(r)->nn = (uint32_t)a.n;
    hdr(r)->nd = (uint32_t)b.n;
    memcpy(num_limbs(r), a.d, a.n * sizeof(limb));
    memcpy(den_limbs(r), b.d, b.n * sizeof(limb));
    RETURN(r);
}

V rat_make(V n, V d) {
    V g = NULL;
    FRAME;
    ROOT(n);
    ROOT(d);
    ROOT(g);
    if (int_sign(d) == 0)
        sx_error0("/: division by zero");
    if (int_sign(d) < 0) {
        n = int_neg(n);
        d = int_neg(d);
    }
    g = int_gcd(n, d);
    if (!is_one(g)) {
        int_divrem(n, g, &n, NULL);
        int_divrem(d, g, &d, NULL);
    }
    g = is_one(d) ? n : pack(n, d);
    RETURN(g);
}

/* The integer -1^neg * (limbs [off, off + len) of rational x), x rooted. */
static V part(V *x, bool neg, bool den) {
    size_t len = den ? hdr(*x)->nd : hdr(*x)->nn;
    limb *copy = len <= 1024 ? alloca(len * sizeof(limb)) : malloc(len * sizeof(limb));
    V v;
    if (!copy)
        sx_out_of_memory();
    memcpy(copy, den ? den_limbs(*x) : num_limbs(*x), len * sizeof(limb));
    v = int_make(neg, copy, len);   /* a big copy leaks if this raises: rare */
    if (len > 1024)
        free(copy);
    return v;
}

void rat_split(V x, V *n, V *d) {
    FRAME;
    ROOT(x);
    if (type_of(x) != T_RAT) {
        *n = x;
        *d = make_fix(1);
    } else {
        *n = part(&x, hdr(x)->neg != 0, false);
        *d = part(&x, false, true);
    }
    UNFRAME;
}

/* a/b op c/d over the four integers. */
enum { R_ADD, R_SUB, R_MUL, R_DIV };
static V arith(int op, V x, V y) {
    V a = NULL, b = NULL, c = NULL, d = NULL, t = NULL;
    FRAME;
    ROOT(x);
    ROOT(y);
    ROOT(a);
    ROOT(b);
    ROOT(c);
    ROOT(d);
    ROOT(t);
    rat_split(x, &a, &b);
    rat_split(y, &c, &d);
    switch (op) {
    case R_ADD:
    case R_SUB:                       /* (ad +- cb) / bd */
        t = int_mul(a, d);
        c = int_mul(c, b);
        t = op == R_ADD ? int_add(t, c) : int_sub(t, c);
        d = int_mul(b, d);
        break;
    case R_MUL:                       /* ac / bd */
        t = int_mul(a, c);
        d = int_mul(b, d);
        break;
    default:                          /* ad / bc */
        if (int_sign(c) == 0)
            sx_error0("/: division by zero");
        t = int_mul(a, d);
        d = int_mul(b, c);
        break;
    }
    t = rat_make(t, d);
    RETURN(t);
}
V rat_add(V a, V b) { return arith(R_ADD, a, b); }
V rat_sub(V a, V b) { return arith(R_SUB, a, b); }
V rat_mul(V a, V b) { return arith(R_MUL, a, b); }
V rat_div(V a, V b) { return arith(R_DIV, a, b); }

/* A read-only view of an exact number's numerator and denominator
 * limbs (an integer's denominator is 1), valid until the next allocation. */
struct rview {
    bool neg;
    size_t nn, nd;
    const limb *n, *d;
    struct ival iv;
    limb one;
};
static void rview(V x, struct rview *v) {
    if (type_of(x) == T_RAT) {
        v->neg = hdr(x)->neg != 0;
        v->nn = hdr(x)->nn;
        v->nd = hdr(x)->nd;
        v->n = num_limbs(x);
        v->d = den_limbs(x);
        return;
    }
    int_view(x, &v->iv);
    v->neg = v->iv.neg;
    v->nn = v->iv.n;
    v->n = v->iv.d;
    v->one = 1;
    v->d = &v->one;
    v->nd = 1;
}

/* a/b ? c/d by the signs, then |a|d ? |c|b in C scratch: no heap
 * allocation, so callers need not root their operands. */
int rat_cmp(V x, V y) {
    struct rview a, b;
    int sa, sb, c;
    limb *l, *r;
    size_t ln, rn;
    rview(x, &a);
    rview(y, &b);
    sa = a.nn == 0 ? 0 : a.neg ? -1 : 1;
    sb = b.nn == 0 ? 0 : b.neg ? -1 : 1;
    if (sa != sb || sa == 0)
        return sa < sb ? -1 : sa > sb;
    l = malloc((a.nn + b.nd) * sizeof(limb));
    r = malloc((b.nn + a.nd) * sizeof(limb));
    if (!l || !r) {
        free(l);
        free(r);
        sx_out_of_memory();
    }
    ln = mag_mul(a.n, a.nn, b.d, b.nd, l);
    rn = mag_mul(b.n, b.nn, a.d, a.nd, r);
    c = mag_cmp(l, ln, r, rn);
    free(l);
    free(r);
    return sa < 0 ? -c : c;
}

V rat_neg(V x) {
    V r;
    size_t size = sizeof(struct rat_hdr) + (hdr(x)->nn + hdr(x)->nd) * sizeof(limb);
    FRAME;
    ROOT(x);
    r = gc_alloc(T_RAT, 0, size);
    memcpy(gc_raw(r), gc_raw(x), size);
    hdr(r)->neg = !hdr(x)->neg;
    RETURN(r);
}

int rat_sign(V x) { return hdr(x)->neg ? -1 : 1; }

bool rat_eqv(V a, V b) {
    struct rat_hdr *x = hdr(a), *y = hdr(b);
    return x->neg == y->neg && x->nn == y->nn && x->nd == y->nd &&
           memcmp(num_limbs(a), num_limbs(b), (x->nn + x->nd) * sizeof(limb)) == 0;
}

uint64_t rat_hash(V x) {
    struct rat_hdr *h = hdr(x);
    const limb *d = num_limbs(x);
    uint64_t k = 0xcbf29ce484222325u ^ h->neg;
    for (size_t i = 0; i < (size_t)h->nn + h->nd; i++)
        k = (k ^ d[i]) * 0x100000001b3u;
    return k ^ ((uint64_t)h->nn << 32);
}

/* ---- to and from doubles */

static size_t bit_length(const limb *a, size_t n) {
    return n ? (n - 1) * 32 + (32 - (size_t)__builtin_clz(a[n - 1])) : 0;
}

/* r = a << k (C memory; r has room for an + k/32 + 1 limbs); its length. */
static size_t shift_left(const limb *a, size_t an, size_t k, limb *r) {
    size_t w = k / 32, b = k % 32, i;
    memset(r, 0, (an + w + 1) * sizeof(limb));
    for (i = 0; i < an; i++) {
        uint64_t v = (uint64_t)a[i] << b;
        r[i + w] |= (limb)v;
        r[i + w + 1] |= (limb)(v >> 32);
    }
    return mag_norm(r, an + w + 1);
}

/* q = floor(n 2^k / d) with 66..67 bits (k may be negative: d is shifted
 * instead), a sticky bit for the remainder, then one rounding by the
 * hardware: the top 64 bits with the sticky bit or'ed into the last
 * round to nearest-even exactly as the infinite quotient would. */
double rat_to_double(V x) {
    const limb *n = num_limbs(x), *d = den_limbs(x);
    size_t nn = hdr(x)->nn, nd = hdr(x)->nd, an, bn, qn, rn, qbits, i;
    long k = 66 + (long)bit_length(d, nd) - (long)bit_length(n, nn);
    limb *a, *b, *q, *r;
    uint64_t top;
    bool sticky = false;
    double v;
    a = malloc((nn + (k > 0 ? (size_t)k / 32 : 0) + 2) * sizeof(limb));
    b = malloc((nd + (k < 0 ? (size_t)-k / 32 : 0) + 2) * sizeof(limb));
    if (!a || !b) {
        free(a);
        free(b);
        sx_out_of_memory();
    }
    an = shift_left(n, nn, k > 0 ? (size_t)k : 0, a);
    bn = shift_left(d, nd, k < 0 ? (size_t)-k : 0, b);
    q = malloc((an + 1) * sizeof(limb));
    r = malloc((bn + 1) * sizeof(limb));
    if (!q || !r || mag_divmod(a, an, b, bn, q, &qn, r, &rn) < 0) {
        free(a), free(b), free(q), free(r);
        sx_out_of_memory();
    }
    sticky = rn > 0;
    qbits = bit_length(q, qn);                 /* 66 or 67: qn is 3 */
    {
        unsigned __int128 w = 0;
        for (i = qn; i-- > 0;)
            w = w << 32 | q[i];
        top = (uint64_t)(w >> (qbits - 64));
        sticky |= (w & (((unsigned __int128)1 << (qbits - 64)) - 1)) != 0;
    }
    v = ldexp((double)(top | sticky), (int)(qbits - 64) - (int)k);
    free(a), free(b), free(q), free(r);
    return hdr(x)->neg ? -v : v;
}

V rat_from_double(double d) {
    int e;
    double m;
    int64_t mant;
    size_t shift;
    limb *p;
    V n = NULL, den = NULL;
    if (d == floor(d))
        return int_from_double(d);
    m = frexp(d, &e);                       /* d = m 2^e, 0.5 <= |m| < 1 */
    mant = (int64_t)ldexp(m, 53);           /* exact: d = mant 2^(e-53) */
    shift = (size_t)(53 - e);               /* > 0: d is not integral */
    FRAME;
    ROOT(n);
    ROOT(den);
    n = make_fix(mant);
    p = calloc(shift / 32 + 1, sizeof *p);
    if (!p)
        sx_out_of_memory();
    p[shift / 32] = (limb)1 << (shift % 32);
    den = int_make(false, p, shift / 32 + 1);  /* leaks p if this raises: rare */
    free(p);
    n = rat_make(n, den);
    RETURN(n);
}

V rat_round(V x, int mode) {
    V n = NULL, d = NULL, q = NULL, r = NULL, t = NULL;
    int c, rs;
    if (type_of(x) != T_RAT)
        return x;
    FRAME;
    ROOT(x);
    ROOT(n);
    ROOT(d);
    ROOT(q);
    ROOT(r);
    ROOT(t);
    rat_split(x, &n, &d);
    int_divrem(n, d, &q, &r);               /* truncated; r != 0 */
    rs = int_sign(r);
    if (mode == RND_ROUND) {
        t = int_abs(r);
        t = int_add(t, t);
        c = int_cmp(t, d);                  /* 2|r| ? d */
        if (c > 0 || (c == 0 && int_odd(q)))
            mode = rs < 0 ? RND_FLOOR : RND_CEIL;
        else
            mode = RND_TRUNC;
    }
    if (mode == RND_FLOOR && rs < 0) {
        t = make_fix(1);
        q = int_sub(q, t);
    } else if (mode == RND_CEIL && rs > 0) {
        t = make_fix(1);
        q = int_add(q, t);
    }
    RETURN(q);
}

/* ---- text */

char *rat_to_cstr(V x, int radix) {
    char *n = mag_to_digits(num_limbs(x), hdr(x)->nn, radix);
    char *d = mag_to_digits(den_limbs(x), hdr(x)->nd, radix);
    char *s = n && d ? malloc(strlen(n) + strlen(d) + 3) : NULL;
    if (s)
        sprintf(s, "%s%s/%s", hdr(x)->neg ? "-" : "", n, d);
    free(n);
    free(d);
    return s;
}

V rat_parse(const char *s, size_t len, int radix) {
    const char *slash = memchr(s, '/', len);
    V n = NULL, d = NULL;
    size_t i = (size_t)(slash - s);
    if (!slash || i == 0 || i + 1 == len || s[i + 1] == '+' || s[i + 1] == '-')
        return NULL;
    FRAME;
    ROOT(n);
    ROOT(d);
    n = int_parse(s, i, radix);
    d = n ? int_parse(s + i + 1, len - i - 1, radix) : NULL;
    if (!n || !d || int_sign(d) == 0)
        n = NULL;
    else
        n = rat_make(n, d);
    RETURN(n);
}

V rat_parse_decimal(const char *s, size_t len) {
    char *digits = alloca(len + 1);
    size_t i = 0, nd = 0, frac = 0;
    long exp10 = 0;
    bool point = false, any = false;
    V m = NULL, p = NULL, ten = NULL;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        digits[nd++] = s[i++];
    for (; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            digits[nd++] = s[i];
            frac += point;
            any = true;
        } else if (s[i] == '.' && !point) {
            point = true;
        } else {
            break;
        }
    }
    if (!any)
        return NULL;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        char *end, buf[24];
        if (len - i - 1 == 0 || len - i - 1 >= sizeof buf)
            return NULL;
        memcpy(buf, s + i + 1, len - i - 1);
        buf[len - i - 1] = 0;
        exp10 = strtol(buf, &end, 10);
        if (*end || labs(exp10) > 100000)
            return NULL;
        i = len;
    }
    if (i != len)
        return NULL;
    exp10 -= (long)frac;
    FRAME;
    ROOT(m);
    ROOT(p);
    ROOT(ten);
    m = int_parse(digits, nd, 10);
    p = make_fix(1);
    ten = make_fix(10);
    for (unsigned long j = (unsigned long)labs(exp10); j; j >>= 1) { /* 10^|exp10| */
        if (j & 1)
            p = int_mul(p, ten);
        if (j > 1)
            ten = int_mul(ten, ten);
    }
    m = exp10 >= 0 ? int_mul(m, p) : rat_make(m, p);
    RETURN(m);
}

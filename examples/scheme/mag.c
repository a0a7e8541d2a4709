/* mag.c -- unsigned multi-limb arithmetic (mag.h): schoolbook addition,
 * subtraction and multiplication, and Knuth's algorithm D for division. */
#include <stdlib.h>
#include <string.h>
#include "mag.h"

size_t mag_norm(const limb *a, size_t n) {
    while (n > 0 && a[n - 1] == 0)
        n--;
    return n;
}

int mag_cmp(const limb *a, size_t an, const limb *b, size_t bn) {
    if (an != bn)
        return an < bn ? -1 : 1;
    while (an-- > 0)
        if (a[an] != b[an])
            return a[an] < b[an] ? -1 : 1;
    return 0;
}

size_t mag_add(const limb *a, size_t an, const limb *b, size_t bn, limb *r) {
    size_t i, n = an > bn ? an : bn;
    uint64_t c = 0;
    for (i = 0; i < n; i++) {
        c += (uint64_t)(i < an ? a[i] : 0) + (i < bn ? b[i] : 0);
        r[i] = (limb)c;
        c >>= 32;
    }
    r[n] = (limb)c;
    return mag_norm(r, n + 1);
}

size_t mag_sub(const limb *a, size_t an, const limb *b, size_t bn, limb *r) {
    size_t i;
    int64_t c = 0;
    for (i = 0; i < an; i++) {
        c += (int64_t)a[i] - (i < bn ? (int64_t)b[i] : 0);
        r[i] = (limb)c;
        c = c < 0 ? -1 : 0;
    }
    return mag_norm(r, an);
}

size_t mag_mul(const limb *a, size_t an, const limb *b, size_t bn, limb *r) {
    size_t i, j;
    uint64_t c;
    memset(r, 0, (an + bn) * sizeof *r);
    for (i = 0; i < an; i++) {
        c = 0;
        for (j = 0; j < bn; j++) {
            c += (uint64_t)a[i] * b[j] + r[i + j];
            r[i + j] = (limb)c;
            c >>= 32;
        }
        r[i + bn] = (limb)c;
    }
    return mag_norm(r, an + bn);
}

limb mag_divsmall(const limb *a, size_t an, limb d, limb *q) {
    uint64_t rem = 0;
    while (an-- > 0) {
        rem = rem << 32 | a[an];
        q[an] = (limb)(rem / d);
        rem %= d;
    }
    return (limb)rem;
}

/* Knuth, TAOCP vol. 2, 4.3.1, algorithm D, on normalised copies u and v
 * shifted left so that v's top bit is set. */
int mag_divmod(const limb *a, size_t an, const limb *b, size_t bn,
               limb *q, size_t *qn, limb *r, size_t *rn) {
    limb *u, *v;
    size_t i, j, m = an - bn;
    int s;
    if (bn == 1) {
        r[0] = mag_divsmall(a, an, b[0], q);
        *qn = mag_norm(q, an);
        *rn = mag_norm(r, 1);
        return 0;
    }
    u = malloc((an + 1 + bn) * sizeof *u);
    if (!u)
        return -1;
    v = u + an + 1;
    s = __builtin_clz(b[bn - 1]);
    for (i = bn - 1; i > 0; i--)
        v[i] = b[i] << s | (s ? (limb)((uint64_t)b[i - 1] >> (32 - s)) : 0);
    v[0] = b[0] << s;
    u[an] = s ? (limb)((uint64_t)a[an - 1] >> (32 - s)) : 0;
    for (i = an - 1; i > 0; i--)
        u[i] = a[i] << s | (s ? (limb)((uint64_t)a[i - 1] >> (32 - s)) : 0);
    u[0] = a[0] << s;
    for (j = m + 1; j-- > 0;) {
        uint64_t num = (uint64_t)u[j + bn] << 32 | u[j + bn - 1];
        uint64_t qhat = num / v[bn - 1], rhat = num % v[bn - 1];
        int64_t borrow, t;
        uint64_t p;
        while (qhat >> 32 || qhat * v[bn - 2] > (rhat << 32 | u[j + bn - 2])) {
            qhat--;
            rhat += v[bn - 1];
            if (rhat >> 32)
                break;
        }
        /* u[j .. j+bn] -= qhat * v */
        borrow = 0;
        for (i = 0; i < bn; i++) {
            p = qhat * v[i];
            t = (int64_t)u[i + j] - borrow - (int64_t)(p & 0xFFFFFFFFu);
            u[i + j] = (limb)t;
            borrow = (int64_t)(p >> 32) - (t >> 32);
        }
        t = (int64_t)u[j + bn] - borrow;
        u[j + bn] = (limb)t;
        if (t < 0) { /* qhat was one too big: add v back */
            uint64_t c = 0;
            qhat--;
            for (i = 0; i < bn; i++) {
                c += (uint64_t)u[i + j] + v[i];
                u[i + j] = (limb)c;
                c >>= 32;
            }
            u[j + bn] += (limb)c;
        }
        q[j] = (limb)qhat;
    }
    for (i = 0; i < bn; i++)
        r[i] = u[i] >> s | (s ? (limb)((uint64_t)u[i + 1] << (32 - s)) : 0);
    free(u);
    *qn = mag_norm(q, m + 1);
    *rn = mag_norm(r, bn);
    return 0;
}

char *mag_to_digits(const limb *a, size_t an, int radix) {
    /* Peel off chunks of k digits at a time: radix^k fits in a limb. */
    limb chunk = (limb)radix, rem, *t;
    int k = 1, i;
    size_t cap = an * 32 + 2, len = 0, n = an;
    char *buf = malloc(cap), tmp;
    while ((uint64_t)chunk * (limb)radix <= 0xFFFFFFFFu) {
        chunk *= (limb)radix;
        k++;
    }
    t = malloc((an ? an : 1) * sizeof *t);
    if (!buf || !t) {
        free(buf);
        free(t);
        return NULL;
    }
    memcpy(t, a, an * sizeof *t);
    do {
        rem = mag_divsmall(t, n, chunk, t);
        n = mag_norm(t, n);
        for (i = 0; i < k && (n > 0 || rem > 0 || i == 0); i++) {
            buf[len++] = "0123456789abcdefghijklmnopqrstuvwxyz"[rem % (limb)radix];
            rem /= (limb)radix;
        }
    } while (n > 0);
    free(t);
    for (size_t lo = 0, hi = len - 1; lo < hi; lo++, hi--) {
        tmp = buf[lo];
        buf[lo] = buf[hi];
        buf[hi] = tmp;
    }
    buf[len] = 0;
    return buf;
}

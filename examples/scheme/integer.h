/* integer.h -- exact integers of any size: fixnums (T_FIX, int64) and
 * bignums (T_BIG), one value, one representation: a value that fits in an
 * int64 is always a fixnum [int.canon], so eqv? on exact integers is
 * "same tag and same bits".
 *
 * A bignum is a raw-byte object with no reference slots:
 *   | uint32 negative, uint32 n, limb d[n] |   (mag.h, normalised, n >= 2)
 * The collector moves it like any other object, so a pointer to its limbs
 * is good only until the next allocation [int.view]: every operation
 * below reads its operands completely into C memory or into the result's
 * scratch before it allocates the result, and so needs no roots. */
#ifndef SCHEME_INTEGER_H
#define SCHEME_INTEGER_H

#include "value.h"
#include "mag.h"

static inline bool is_exint(V v) { unsigned t = type_of(v); return t == T_FIX || t == T_BIG; }

/* A read-only view of an exact integer's sign and magnitude; valid until
 * the next allocation [int.view]. */
struct ival {
    bool neg;
    size_t n;
    const limb *d;
    limb buf[2];
};
void int_view(V v, struct ival *iv);

/* The exact integer -1^neg * d[0..n): a fixnum when it fits.  d must be
 * C memory (not in the heap).  May collect. */
V int_make(bool neg, const limb *d, size_t n);

/* All may collect; none keeps a heap pointer across its allocation. */
V int_add(V a, V b);
V int_sub(V a, V b);
V int_mul(V a, V b);
V int_neg(V a);
/* Truncating quotient and remainder of a by b (b != 0): either may be
 * NULL when not wanted.  *q and *r are rooted by the caller. */
void int_divrem(V a, V b, V *q, V *r);
int int_cmp(V a, V b);
int int_sign(V a);
bool int_odd(V a);
/* |a|, and the greatest common divisor (>= 0) of a and b. */
V int_abs(V a);
V int_gcd(V a, V b);
/* The nearest double (correctly rounded). */
double int_to_double(V a);
/* The exact integer equal to the integral double d (finite). */
V int_from_double(double d);
/* A fresh malloc'd string of a's digits in radix, or NULL. */
char *int_to_cstr(V a, int radix);
/* Digits [+-]d+ in radix (C memory), or NULL if that is not all of s. */
V int_parse(const char *s, size_t len, int radix);

#endif

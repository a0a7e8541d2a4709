/* rational.h -- exact non-integral rationals (T_RAT): a raw-byte object
 * holding two magnitudes, the natural showcase of variable-size raw data
 * on a moving heap:
 *   | uint32 negative, uint32 nn, uint32 nd, uint32 0, limb n[nn], limb d[nd] |
 * [rat.canon]: n/d in lowest terms, d >= 2, n != 0; an exact number that
 * is an integer is always a fixnum or bignum, never a T_RAT.  So eqv? on
 * two rationals compares their bytes.  As with bignums [int.view], the
 * limbs are read into C memory or into integers before an allocation. */
#ifndef SCHEME_RATIONAL_H
#define SCHEME_RATIONAL_H

#include "integer.h"

static inline bool is_exact(V v) { unsigned t = type_of(v); return t == T_FIX || t == T_BIG || t == T_RAT; }

/* n/d in lowest terms: an integer when d divides n.  n, d exact integers;
 * d == 0 raises "division by zero".  May collect. */
V rat_make(V n, V d);
/* The numerator and denominator of exact x into *n and *d, which the
 * caller roots.  May collect. */
void rat_split(V x, V *n, V *d);
/* Exact arithmetic on integers and rationals: may collect. */
V rat_add(V a, V b);
V rat_sub(V a, V b);
V rat_mul(V a, V b);
V rat_div(V a, V b);          /* b != 0, else "division by zero" */
/* -1, 0, 1 as a < b, a = b, a > b, both exact.  Never collects. */
int rat_cmp(V a, V b);
/* -x for a T_RAT x.  May collect. */
V rat_neg(V x);
/* The sign of a T_RAT.  Never collects. */
int rat_sign(V x);
/* bytes equal: eqv? of two T_RATs.  Never collects. */
bool rat_eqv(V a, V b);
/* A hash of x's value: eqv? rationals hash alike.  Never collects. */
uint64_t rat_hash(V x);
/* The double nearest to x (a T_RAT), correctly rounded outside the
 * subnormal range.  Never allocates on the heap (so never collects). */
double rat_to_double(V x);
/* The exact value of the finite double d: an integer or a T_RAT.  May
 * collect. */
V rat_from_double(double d);
/* floor, ceiling, truncate or round (to even) of exact x.  May collect. */
enum { RND_FLOOR, RND_CEIL, RND_TRUNC, RND_ROUND };
V rat_round(V x, int mode);
/* "n/d" in radix (a fresh malloc'd string), NULL when out of memory.
 * Never allocates on the heap. */
char *rat_to_cstr(V x, int radix);
/* [+-]digits/digits in radix: the exact value, or NULL if s is not one
 * (or d is zero).  s is C memory.  May collect. */
V rat_parse(const char *s, size_t len, int radix);
/* [+-]digits[.digits][e[+-]digits] read exactly (#e1.1 is 11/10), or
 * NULL.  May collect. */
V rat_parse_decimal(const char *s, size_t len);

#endif

/* mag.h -- unsigned multi-limb arithmetic on C arrays: the magnitudes of
 * exact integers.  A magnitude is n little-endian 32-bit limbs; n == 0 is
 * zero; a normalised one has no high zero limb.  Nothing here touches the
 * heap, so the functions may be given pointers into heap objects as long
 * as no allocation happens while they run (see integer.c). */
#ifndef SCHEME_MAG_H
#define SCHEME_MAG_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t limb;

/* n without its high zero limbs. */
size_t mag_norm(const limb *a, size_t n);
/* -1, 0, 1 as a < b, a == b, a > b (both normalised). */
int mag_cmp(const limb *a, size_t an, const limb *b, size_t bn);
/* r = a + b; r has room for max(an, bn) + 1 limbs.  Returns r's length. */
size_t mag_add(const limb *a, size_t an, const limb *b, size_t bn, limb *r);
/* r = a - b, a >= b; r has room for an limbs.  Returns r's length. */
size_t mag_sub(const limb *a, size_t an, const limb *b, size_t bn, limb *r);
/* r = a * b; r has room for an + bn limbs.  Returns r's length. */
size_t mag_mul(const limb *a, size_t an, const limb *b, size_t bn, limb *r);
/* q = a / d, in place allowed (q == a); returns a % d.  d != 0. */
limb mag_divsmall(const limb *a, size_t an, limb d, limb *q);
/* q = a / b, r = a % b (b normalised, bn > 0, an >= bn): q has room for
 * an - bn + 1 limbs, r for bn.  Lengths in *qn, *rn.  Returns 0, or -1
 * when out of scratch memory. */
int mag_divmod(const limb *a, size_t an, const limb *b, size_t bn,
               limb *q, size_t *qn, limb *r, size_t *rn);
/* Digits of a in radix 2..36 into buf (a fresh malloc'd string, the
 * caller frees), most significant first; NULL when out of memory. */
char *mag_to_digits(const limb *a, size_t an, int radix);

#endif

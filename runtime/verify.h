/* verify.h -- the heap verifier behind MOVGC_VERIFY. */
#ifndef MG_VERIFY_H
#define MG_VERIFY_H

#include "movgc.h"

/* Check the whole heap and every root; the first broken reference stops the
 * program with MOVGC_E_CORRUPT saying what and where.  'when' names the
 * moment ("before minor", ...). */
void mg_verify(movgc_heap *h, const char *when);

#endif

/* tables.h -- the collector's own long-lived tables (handles, roots,
 * finalizers, identity hashes, remembered set), counted in 'held' so that
 * the heap limit covers them too. */
#ifndef MG_TABLES_H
#define MG_TABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "movgc.h"

/* realloc *p from old_bytes to new_bytes and count the difference in
 * h->held.  may_fail: refuse (false, *p unchanged) growth past the heap
 * limit; the caller reports MOVGC_E_NOMEM.  Without it the table grows
 * anyway: for tables whose callers cannot fail without losing an object.
 * False too when malloc fails. */
bool mg_tables_resize(movgc_heap *h, void **p, size_t old_bytes,
                      size_t new_bytes, bool may_fail);
/* Count delta bytes of a table that cannot fail, allocated by the caller,
 * in held and soft_tables [heap.soft]. */
void mg_tables_soft(movgc_heap *h, size_t old_bytes, size_t new_bytes);

#endif

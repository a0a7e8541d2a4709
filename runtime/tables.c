/* tables.c -- growth of the collector's long-lived tables, counted in
 * 'held' [heap.held].  Freeing the heap frees them without counting. */
#include "tables.h"

#include <stdlib.h>

#include "heap.h"

bool mg_tables_resize(movgc_heap *h, void **p, size_t old_bytes,
                      size_t new_bytes, bool may_fail) {
    if (new_bytes > old_bytes && may_fail &&
        !mg_heap_may_take(h, new_bytes - old_bytes))
        return false;
    void *q = realloc(*p, new_bytes);
    if (!q && new_bytes)
        return false;
    *p = q;
    if (may_fail)
        h->held += new_bytes - old_bytes;  /* modulo: also when shrinking */
    else
        mg_tables_soft(h, old_bytes, new_bytes);
    return true;
}

void mg_tables_soft(movgc_heap *h, size_t old_bytes, size_t new_bytes) {
    h->held += new_bytes - old_bytes;
    h->soft_tables += new_bytes - old_bytes;
}

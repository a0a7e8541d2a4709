/* roots.h -- shadow stack and global root slots. */
#ifndef MG_ROOTS_H
#define MG_ROOTS_H

#include <stdbool.h>
#include <stddef.h>

#include "movgc.h"

/* Registered global slots: an open-addressing set of slot addresses. */
struct globals {
    void ***table;  /* cap entries: NULL empty, TOMB removed, else a slot */
    size_t cap;     /* power of two, or 0 */
    size_t count;   /* slots registered */
    size_t used;    /* slots plus tombstones */
};

typedef void mg_slot_fn(movgc_heap *h, void **slot, void *ctx);

bool mg_roots_init(movgc_heap *h);
void mg_roots_free(movgc_heap *h);
/* Call fn on every shadow-stack and global slot. */
void mg_roots_visit(movgc_heap *h, mg_slot_fn *fn, void *ctx);

#endif

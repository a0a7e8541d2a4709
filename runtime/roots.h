/* roots.h -- shadow stack and global root slots. */
#ifndef MG_ROOTS_H
#define MG_ROOTS_H

#include <stdbool.h>
#include <stddef.h>

#include "addrmap.h"
#include "movgc.h"

/* Registered global slots: an open-addressing set of slot addresses. */
struct globals {
    void ***table;  /* cap entries: NULL empty, TOMB removed, else a slot */
    size_t cap;     /* power of two, or 0 */
    size_t count;   /* slots registered */
    size_t used;    /* slots plus tombstones */
};

/* MOVGC_VERIFY's shadow-stack checks.  The public roots_cap_ stays 0 so
 * that every push takes the slow path; 'cap' is the real capacity. */
struct rootcheck {
    bool on;             /* MOVGC_VERIFY */
    size_t cap;          /* entries allocated in roots_ */
    struct addrmap at;   /* slot -> index of its latest push */
};

typedef void mg_slot_fn(movgc_heap *h, void **slot, void *ctx);

/* checked: MOVGC_VERIFY, which makes pushing a slot that is already on
 * the shadow stack MOVGC_E_MISUSE. */
bool mg_roots_init(movgc_heap *h, bool checked);
/* Under MOVGC_VERIFY, MOVGC_E_MISUSE when roots are still pushed
 * (movgc_heap_free). */
void mg_roots_check_empty(movgc_heap *h);
void mg_roots_free(movgc_heap *h);
/* Call fn on every shadow-stack and global slot. */
void mg_roots_visit(movgc_heap *h, mg_slot_fn *fn, void *ctx);

#endif

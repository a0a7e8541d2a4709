/* barrier.h -- the write barrier's remembered set of old objects. */
#ifndef MG_BARRIER_H
#define MG_BARRIER_H

#include <stddef.h>

#include "movgc.h"

/* Old (or large) objects that may hold references into the nursery. */
struct remset {
    void **objs;  /* each has HDR_REMEMBERED set [barrier.remembered] */
    size_t n, cap;
};

/* Enter an old object (HDR_REMEMBERED set) or a carded large object
 * ('remembered' set) in the set. */
void mg_remset_add(movgc_heap *h, void *obj);
void mg_remset_free(movgc_heap *h);

/* Is p the address of an object of h, as far as a cheap check can tell?
 * (young and old: within the used part and a sane header; large: a mapping
 * of h.)  Used by the checked paths and the verifier. */
int mg_is_heap_object(movgc_heap *h, const void *p);

#endif

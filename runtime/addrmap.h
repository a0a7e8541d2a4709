/* addrmap.h -- a map from object addresses to 32-bit values, and a stack
 * of object addresses: the transient tables of weak and finalizer
 * processing, which walk the part of the heap nothing has reached yet. */
#ifndef MG_ADDRMAP_H
#define MG_ADDRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movgc.h"

struct addrmap {
    struct addrent { void *key; uint32_t val; } *e;  /* key NULL: empty */
    size_t cap, n;  /* cap a power of two or 0; load at most 1/2 */
};

struct objstack {
    void **v;
    size_t n, cap;
};

/* The value stored for key, or NULL if none.  Valid until the next put. */
uint32_t *mg_addrmap_find(const struct addrmap *m, const void *key);
/* Store val for key (replacing any).  Running out of memory in the middle
 * of a collection is fatal (MOVGC_E_CORRUPT, as for every work list). */
void mg_addrmap_put(movgc_heap *h, struct addrmap *m, void *key, uint32_t val);
void mg_addrmap_free(struct addrmap *m);

void mg_objstack_push(movgc_heap *h, struct objstack *s, void *obj);
void mg_objstack_free(struct objstack *s);

#endif

/* identity.h -- identity hashes that survive moves, kept off to the side. */
#ifndef MG_IDENTITY_H
#define MG_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "movgc.h"

struct idtab {
    struct identry { void *key; uint64_t hash; } *e;  /* key NULL: empty */
    size_t cap, n;  /* cap a power of two or 0; load below 1/2 */
};

struct identity {
    struct idtab young;  /* objects in the nursery */
    struct idtab old;    /* old and large objects */
    uint64_t salt;       /* per heap, so hashes differ between heaps */
    uint64_t counter;    /* hashes handed out so far */
};

void mg_identity_free(movgc_heap *h);
/* After a minor collection: rekey survivors, drop the dead, move promoted
 * ones to 'old'.  fwd returns the new address or NULL if dead. */
void mg_identity_young(movgc_heap *h, void *(*fwd)(void *obj, void *ctx), void *ctx);
/* After a full collection's marking, before objects move: the same for
 * 'old' with the compaction's forwarding. */
void mg_identity_old(movgc_heap *h, void *(*fwd)(void *obj, void *ctx), void *ctx);

#endif

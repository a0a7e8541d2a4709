/* protect.h -- MOVGC_PROTECT (and MOVGC_VERIFY): memory a collection
 * evacuated is made inaccessible until it is reused, and a fault handler
 * names the collection when a stale raw pointer touches it. */
#ifndef MG_PROTECT_H
#define MG_PROTECT_H

#include <stdbool.h>
#include <stdint.h>

#include "movgc.h"

struct protect {
    bool on;
    char *young_lo, *young_hi;  /* the protected (evacuated) semispace */
    char *old_hi;               /* old space top before the last full
                                   collection: [old.end, old_hi) was freed */
    const char *kind;           /* collection under way: "minor", "full" */
    uint64_t number;            /* its number among collections of its kind */
    const char *young_kind, *old_kind;  /* which ones evacuated them */
    uint64_t young_number, old_number;
};

/* At heap creation: turn protection on and install the fault handler (once
 * per process) and an alternate signal stack (once per thread). */
void mg_protect_init(movgc_heap *h);
/* At heap free: forget h. */
void mg_protect_free(movgc_heap *h);
/* At the start of a collection: make the evacuated semispace usable. */
void mg_protect_begin(movgc_heap *h, const char *kind);
/* At the end: protect the semispace just evacuated, and after a full
 * collection release the old space's free tail (inaccessible). */
void mg_protect_end(movgc_heap *h);
/* A thread that adopts a heap gets an alternate signal stack too. */
void mg_protect_thread(movgc_heap *h);

#endif

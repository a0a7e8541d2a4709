/* nursery.h -- the semispace nursery: bump allocation, Cheney copying. */
#ifndef MG_NURSERY_H
#define MG_NURSERY_H

#include <stdbool.h>
#include <stddef.h>

#include "movgc.h"

struct nursery {
    char *base;      /* mapping of both semispaces, 2 * semi bytes */
    size_t semi;     /* bytes mapped for one semispace: the most it can use */
    size_t size;     /* bytes of each semispace in use, <= semi [nursery.size] */
    bool adaptive;   /* size follows survival (the default nursery) */
    char *from;      /* the semispace allocated into */
    char *to;        /* the other one: empty between collections */
    char *zeroed;    /* bytes from alloc_ptr_ up to here are zero */
    char *counted;   /* bytes below this are in stats.bytes_allocated */
    unsigned promote_age; /* survive this many minor GCs to be promoted */
    size_t los_bytes;     /* the large-object region follows 'to' */
};

/* Reserve two semispaces of semi bytes, using 'size' bytes of each, and
 * after them the large-object region (largeobj.h) of los_bytes, or less
 * down to los_min when address space is short; an adaptive nursery's size
 * follows survival up to semi. */
bool mg_nursery_init(movgc_heap *h, size_t semi, size_t size, bool adaptive,
                     unsigned promote_age, size_t los_bytes, size_t los_min);
void mg_nursery_free(movgc_heap *h);
/* Make size bytes at alloc_ptr_ usable (zeroed); false when the semispace
 * is full.  In stress mode alloc_limit_ stays at alloc_ptr_. */
bool mg_nursery_refill(movgc_heap *h, size_t size);
/* Add the bytes bump-allocated since the last call to bytes_allocated. */
void mg_nursery_count(movgc_heap *h);
/* Use size bytes of each semispace from now on (page-rounded, at most
 * semi, at least what 'from' holds); pages given up go back to the OS.
 * Growing stays under the heap limit.  Returns the size in force. */
size_t mg_nursery_resize(movgc_heap *h, size_t size);
/* Minor collection: copy every nursery object reachable from the roots, the
 * handles and the remembered set; objects old enough (all of them when
 * tenure_all) go to the old space, where there is room.  Returns the bytes
 * copied within the nursery (promoted bytes go to stats). */
size_t mg_nursery_collect(movgc_heap *h, bool tenure_all);

#endif

/* largeobj.h -- the large-object space: one mapping per object, never moved. */
#ifndef MG_LARGEOBJ_H
#define MG_LARGEOBJ_H

#include <stdbool.h>
#include <stddef.h>

#include "movgc.h"

/* Objects of at least this many bytes (header included) are large.  Where
 * the costs cross (bench/large): a 60000-byte object costs 2.5 us (none
 * kept) to 8 us (a quarter kept) in the nursery, a 70000-byte one 12 to
 * 17 us in its own mapping; with the threshold at 256 KiB a 128000-byte
 * one with a quarter kept costs 47 us in the nursery, 23 us outside. */
#define MG_LARGE_MIN ((size_t)64 << 10)

/* Large objects with more slots than this get a card table: the write
 * barrier marks the card of each slot made to point into the nursery, and a
 * minor collection scans only the marked cards, not the whole object. */
#define MG_CARD_SLOTS 128u

/* Placed at the start of each mapping; the object's header ends the
 * prefix, so the object is 8-byte aligned. */
struct large {
    struct large *next, *prev;  /* ring through 'los.ring' */
    size_t map_bytes;           /* length of the mapping */
    size_t marked;              /* nonzero: reached by the current full GC */
    uint8_t *cards;             /* one byte per MG_CARD_SLOTS slots, or NULL */
    size_t remembered;          /* carded object is in the remembered set */
    uint64_t nrefs, nbytes;     /* sizes for big headers (object.h) */
    uint64_t header;            /* the object header word */
};

struct los {
    struct large ring;  /* sentinel of the ring of all large objects */
    size_t bytes;       /* bytes mapped, also counted in heap 'held' */
    size_t count;
    /* Address-sorted index, built lazily for lookups (verify, checked set). */
    struct large **index;
    size_t nindex;
    bool index_valid;
};

void mg_los_init(struct los *los);
void mg_los_free(movgc_heap *h);
/* A new large object with zeroed slots and bytes, or NULL: no memory under
 * the limit or from the OS (nothing reported: the caller decides). */
void *mg_los_alloc(movgc_heap *h, unsigned tag, size_t nrefs, size_t nbytes);
static inline struct large *mg_los_of(void *obj) {
    return (struct large *)((char *)obj - sizeof(struct large));
}
/* The large object containing address p as its object pointer, or NULL. */
struct large *mg_los_find(movgc_heap *h, const void *p);
/* After a full collection's mark: unmap every unmarked object, clear marks. */
size_t mg_los_sweep(movgc_heap *h);

#endif

/* largeobj.h -- the large-object space.  Young large objects live in an
 * arena beside the nursery; old ones each in a mapping of its own, reused
 * through a cache.  Neither kind is ever copied byte by byte: a survivor
 * moves by having its pages remapped. */
#ifndef MG_LARGEOBJ_H
#define MG_LARGEOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movgc.h"

/* Objects of at least this many bytes (header included) are large.  Where
 * the costs cross (bench/large, bench/compare bodies): see largeobj.c. */
#define MG_LARGE_MIN ((size_t)32 << 10)

/* Large objects above this size are old from the start: remapping them
 * once would be cheap, but one alone would blow the young budget. */
#define MG_LARGE_YOUNG_MAX ((size_t)16 << 20)

/* Large objects with more slots than this get a card table: the write
 * barrier marks the card of each slot made to point into the nursery, and a
 * minor collection scans only the marked cards, not the whole object. */
#define MG_CARD_SLOTS 128u

/* Placed at the start of each large object's pages; the object's header
 * ends the prefix, so the object is 8-byte aligned. */
struct large {
    struct large *next, *prev;  /* ring through 'los.ring' or 'los.young' */
    size_t map_bytes;           /* length of its pages */
    size_t marked;              /* nonzero: reached by the current full GC */
    uint8_t *cards;             /* one byte per MG_CARD_SLOTS slots, or NULL */
    size_t remembered;          /* carded object is in the remembered set */
    uint64_t saved_header;      /* the header while 'header' forwards */
    uint64_t nrefs, nbytes;     /* sizes for big headers (object.h) */
    uint64_t header;            /* the object header word */
};

/* The young arena: two halves at the end of the nursery's mapping, so the
 * inline barrier's one range test covers young large objects too. */
struct arena {
    char *half[2];       /* each half_bytes long */
    size_t half_bytes;
    unsigned cur;        /* the half allocated into */
    char *ptr;           /* bump pointer in half[cur] */
    char *dirty[2];      /* [half[i], dirty[i]) may hold nonzero bytes */
    size_t allocated;    /* bytes allocated since the last minor GC */
    size_t budget;       /* a minor GC is due when allocated passes it */
    size_t peak[2];      /* bytes used by each half, last two cycles */
};

struct cached {
    void *map;           /* a free mapping of an old large object */
    size_t bytes;
    uint64_t full;       /* full collections count when it was freed */
};

struct los {
    struct large ring;   /* sentinel of the ring of old large objects */
    struct large young;  /* sentinel of the ring of young ones */
    size_t bytes;        /* bytes mapped for old ones, also in heap 'held' */
    size_t count;
    size_t young_bytes, young_count;
    struct arena arena;
    struct los_move *moves; /* survivors of the minor GC under way */
    size_t nmoves, moves_cap;
    char *to_ptr;        /* its bump pointer in the other half */
    struct cached *cache;  /* free mappings kept for reuse */
    size_t ncache, cache_cap, cache_bytes;
    /* Address-sorted index of both rings, built lazily for lookups
     * (verify, checked set). */
    struct large **index;
    size_t nindex;
    bool index_valid;
};

void mg_los_init(struct los *los);
void mg_los_free(movgc_heap *h);
/* Give the arena [base, base + 2 * half_bytes), part of the nursery's
 * mapping. */
void mg_los_arena_init(movgc_heap *h, char *base, size_t half_bytes);
/* A new young large object, zeroed, or NULL: the young budget is spent
 * or the arena is full (a minor collection makes room), or the limit. */
void *mg_los_alloc_young(movgc_heap *h, unsigned tag, size_t nrefs, size_t nbytes);
/* A new old large object with zeroed slots and bytes, or NULL: no memory
 * under the limit or from the OS (nothing reported: the caller decides). */
void *mg_los_alloc(movgc_heap *h, unsigned tag, size_t nrefs, size_t nbytes);
static inline struct large *mg_los_of(void *obj) {
    return (struct large *)((char *)obj - sizeof(struct large));
}
/* The large object containing address p as its object pointer, or NULL. */
struct large *mg_los_find(movgc_heap *h, const void *p);
/* Give back to the OS every cached mapping and every arena page that holds
 * no object (an explicit full collection's promise). */
void mg_los_release(movgc_heap *h);
/* After a full collection's mark: free every unmarked object, clear marks;
 * their mappings are cached for reuse and unmapped when unused for a
 * couple of full collections. */
size_t mg_los_sweep(movgc_heap *h);

/* ----------------------------------------- the minor collection's side */

/* Is p (an object address) in the arena half being evacuated? */
static inline bool mg_los_in_from(const struct arena *a, const void *p) {
    return (uintptr_t)p - sizeof(uint64_t) - (uintptr_t)a->half[a->cur] <
           (uintptr_t)(a->ptr - a->half[a->cur]);
}
/* Where young large object l goes: the other half (when to_old is false
 * and it has room) or a mapping of its own.  Returns the new object
 * address and sets *old.  The pages move later, in mg_los_finish_minor. */
void *mg_los_destination(movgc_heap *h, struct large *l, bool to_old, bool *old);
/* After a minor collection decided every survivor: move the survivors'
 * pages, drop the dead, flip the halves.  'promoted' receives each
 * survivor that became old (at its new address), for the caller to
 * remember. */
void mg_los_finish_minor(movgc_heap *h, void (*promoted)(movgc_heap *, void *));

#endif

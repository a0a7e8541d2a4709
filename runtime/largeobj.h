/* largeobj.h -- the large-object space: one reserved region beside the
 * nursery, allocated by whole pages; a large object is born young, dies in
 * the minor collection that finds it unreached, and becomes old in place:
 * it is never copied and never moves. */
#ifndef MG_LARGEOBJ_H
#define MG_LARGEOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movgc.h"

/* Objects of at least this many bytes (header included) are large.  Where
 * the costs cross (bench/large): see largeobj.c. */
#define MG_LARGE_MIN ((size_t)32 << 10)

/* Large objects with more slots than this get a card table: the write
 * barrier marks the card of each slot made to point into the nursery, and a
 * minor collection scans only the marked cards, not the whole object. */
#define MG_CARD_SLOTS 128u

/* Placed at the start of each large object's pages; the object's header
 * ends the prefix, so the object is 8-byte aligned. */
struct large {
    struct large *next, *prev;  /* ring through 'los.old' or 'los.young' */
    size_t map_bytes;           /* length of its pages */
    size_t marked;              /* nonzero: reached by the current full GC */
    uint8_t *cards;             /* one byte per MG_CARD_SLOTS slots, or NULL */
    size_t remembered;          /* carded old object is in the remembered set */
    uint32_t young;             /* allocated since it last survived promotion */
    uint32_t reached;           /* young: reached by the current minor GC */
    uint64_t nrefs, nbytes;     /* sizes for big headers (object.h) */
    uint64_t header;            /* the object header word */
};

/* A run of free pages in the region. */
struct span {
    char *lo;
    size_t bytes;
    uint64_t since;  /* collection count when it was freed */
    bool clean;      /* its pages were given back: they read as zero */
};

struct los {
    struct large old, young;  /* ring sentinels */
    size_t bytes;        /* bytes of old large objects */
    size_t young_bytes;  /* bytes of young ones */
    size_t count, young_count;
    size_t budget;       /* young bytes that make a minor GC due */
    size_t allocated;    /* large bytes allocated since the last minor GC */
    size_t promoted;     /* bytes the last minor GC made old in place */
    /* the region: [base, top) has been handed out at least once and is
     * committed up to 'end'; 'free' lists its free spans in address order */
    char *base, *top, *end;
    size_t reserved;
    struct span *free;
    size_t nfree, free_cap;
    size_t dirty_free;   /* bytes of free spans not given back (in 'held') */
    /* [los.starts] bit i is set iff page i of [base, top) starts a large
     * object (on either ring): lookups by address in constant time. */
    uint64_t *starts;
    size_t starts_words;
};

void mg_los_init(struct los *los);
void mg_los_free(movgc_heap *h);
/* Give the region [base, base + bytes), reserved (inaccessible). */
void mg_los_region_init(movgc_heap *h, char *base, size_t bytes);
/* A new young large object, zeroed, or NULL: no room under the limit or
 * in the region (nothing reported: the caller decides). */
void *mg_los_alloc(movgc_heap *h, unsigned tag, size_t nrefs, size_t nbytes);
static inline struct large *mg_los_of(void *obj) {
    return (struct large *)((char *)obj - sizeof(struct large));
}
/* The large object containing address p as its object pointer, or NULL. */
struct large *mg_los_find(movgc_heap *h, const void *p);
/* After a full collection's mark: free every unmarked object, clear marks. */
size_t mg_los_sweep(movgc_heap *h);
/* Clear every mark (an incremental marking given up). */
void mg_los_clear_marks(movgc_heap *h);
/* After a minor collection marked 'reached' on the young ones it reached:
 * free the others; survivors age, and those old enough (all when
 * tenure_all) become old in place and are passed to 'promoted'. */
void mg_los_minor(movgc_heap *h, bool tenure_all,
                  void (*promoted)(movgc_heap *, void *));
/* Give back to the OS the free pages unused for a couple of collections;
 * all of them when 'all' (an explicit full collection's promise, or the
 * heap limit). */
void mg_los_release(movgc_heap *h, bool all);

#endif

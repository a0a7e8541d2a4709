/* handles.h -- the handle table: strong and weak handles, pin counts. */
#ifndef MG_HANDLES_H
#define MG_HANDLES_H

#include <stdbool.h>
#include <stdint.h>

#include "movgc.h"
#include "roots.h"

/* Side arrays parallel to pub.handles_ (the part the inline get reads). */
struct handles {
    uint16_t *gen;       /* generation of the next id handed out per entry */
    uint32_t *pins;      /* pin count of entries in use */
    void **values;       /* ephemeron values (NULL for other kinds) */
    uint8_t *kind;       /* KIND_FREE, KIND_STRONG or KIND_WEAK */
    uint32_t cap;        /* entries allocated in every array */
    uint32_t free_head;  /* index + 1 of the first free entry, 0: none */
    uint32_t *next_free; /* free list links (index + 1) */
    uint32_t npinned;    /* entries with pins > 0 */
    uint32_t gen_floor;  /* first gen of entries made anew after a shrink */
};

/* Which slots mg_handles_visit visits. */
enum {
    MG_H_STRONG = 1,  /* objects of strong handles: roots */
    MG_H_WEAK = 2,    /* objects of weak handles and ephemeron keys */
    MG_H_VALUES = 4,  /* ephemeron values */
};

struct mg_gc_ops;

void mg_handles_free(movgc_heap *h);
/* Whether hd names a handle in use (movgc_handle_get's test, silent). */
bool mg_handles_live(const movgc_heap *h, movgc_handle hd);
/* Visit the non-NULL slots of the kinds in 'which'. */
void mg_handles_visit(movgc_heap *h, unsigned which, mg_slot_fn *fn, void *ctx);
/* During a collection, after the closure from the roots: keep the value of
 * every ephemeron whose key survives, until nothing more survives; then
 * clear the ephemerons (key and value) and weak handles whose objects did
 * not survive, and point the rest at the survivors' addresses. */
void mg_handles_weak(movgc_heap *h, const struct mg_gc_ops *ops);
/* Drop the free entries above the highest one in use and give the arrays'
 * memory back when a quarter or less is left (after a full collection). */
void mg_handles_shrink(movgc_heap *h);
/* Make reads of weak handles and ephemerons go out of line (on), or not:
 * while an incremental marking runs [handles.slow]. */
void mg_handles_weak_slow(movgc_heap *h, bool on);
/* Call fn(h, obj, ctx) on each object held by a pinned handle. */
void mg_handles_each_pinned(movgc_heap *h,
                            void (*fn)(movgc_heap *h, void *obj, void *ctx),
                            void *ctx);

#endif

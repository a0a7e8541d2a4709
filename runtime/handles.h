/* handles.h -- the handle table: strong and weak handles, pin counts. */
#ifndef MG_HANDLES_H
#define MG_HANDLES_H

#include <stdbool.h>
#include <stdint.h>

#include "movgc.h"
#include "roots.h"

/* Side arrays parallel to pub.handles_ (the part the inline get reads). */
struct handles {
    uint32_t *gen;       /* generation of the next id handed out per entry */
    uint32_t *pins;      /* pin count of entries in use */
    uint8_t *kind;       /* KIND_FREE, KIND_STRONG or KIND_WEAK */
    uint32_t cap;        /* entries allocated in every array */
    uint32_t free_head;  /* index + 1 of the first free entry, 0: none */
    uint32_t *next_free; /* free list links (index + 1) */
    uint32_t npinned;    /* entries with pins > 0 */
};

void mg_handles_free(movgc_heap *h);
/* Visit the object slot of every strong handle (weak: every weak handle). */
void mg_handles_visit(movgc_heap *h, bool weak, mg_slot_fn *fn, void *ctx);
/* Call fn(h, obj, ctx) on each object held by a pinned handle. */
void mg_handles_each_pinned(movgc_heap *h,
                            void (*fn)(movgc_heap *h, void *obj, void *ctx),
                            void *ctx);

#endif

/* mark.h -- the full collection's marking: the transitive closure from the
 * roots, pins, ephemerons and finalizers, on the collector thread and the
 * heap's marker threads (MOVGC_GC_THREADS).  Design: mark.c. */
#ifndef MG_MARK_H
#define MG_MARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movgc.h"

/* The side tables marking fills, made by compact.c: bitmaps of one bit
 * per 8-byte word, zero before marking. */
struct mark_tables {
    char *base, *top;     /* the old space being collected: [base, top) */
    uint64_t *live;       /* every word of every marked movable old object */
    uint64_t *pinned;     /* first word of each pinned old object; NULL when
                             nothing is pinned */
    uint64_t *pinend;     /* the word just past each pinned object */
    uint64_t *nmark;      /* nursery: the object word of each marked one */
};

/* Mark everything reachable: pinned objects (their old ones through
 * 'pinned', not 'live'), the roots, strong handles and pending
 * finalizers; then ephemerons and weak handles are settled
 * (mg_handles_weak) and unreachable finalizable objects kept for their
 * finalizers (mg_final_select).  Marks the young and old large objects
 * reached.  Returns the live bytes.  May start the heap's marker threads
 * (the first time, when MOVGC_GC_THREADS > 1); runs on the collector
 * thread, which takes part. */
size_t mg_mark_all(movgc_heap *h, const struct mark_tables *t);

/* After mg_mark_all: was obj (an object of the heap) reached? */
bool mg_mark_reached(movgc_heap *h, const struct mark_tables *t, void *obj);

/* Incremental marking [mark.snapshot] (incmark.c drives it). */
struct mark_cycle;

/* Begin marking the heap as it is now, after a minor collection: the
 * roots, pins and young objects are scanned; old objects are marked in
 * 'live', a zeroed bitmap over the old space's first 'words' words (its
 * whole reservation).  NULL when there is no memory for it. */
struct mark_cycle *mg_mark_begin(movgc_heap *h, uint64_t *live, size_t words);
/* Scan about 'budget' bytes of marked objects; true when none is left to
 * scan (until the barrier shades another). */
bool mg_mark_step(struct mark_cycle *c, size_t budget);
/* Mark old object obj, of size bytes, without scanning it: it entered the
 * old generation during the marking [incmark.entered]. */
void mg_mark_entered(struct mark_cycle *c, void *obj, size_t size);
/* The write barrier's part: mark obj (NULL, young: nothing to do). */
void mg_mark_shade(struct mark_cycle *c, void *obj);
/* Bytes of the objects scanned so far. */
size_t mg_mark_cycle_bytes(const struct mark_cycle *c);
/* fn on each object marked and not yet scanned (MOVGC_VERIFY). */
void mg_mark_grey_each(struct mark_cycle *c, void (*fn)(void *obj, void *ctx),
                       void *ctx);
/* Drop c (an abandoned marking; its bitmap is the caller's). */
void mg_mark_discard(struct mark_cycle *c);
/* The final pause: finish c, whose 'live' bitmap t->live is, then mark as
 * mg_mark_all does from the roots, the remembered set's young references
 * and the pins (over t's other tables, made now), and settle ephemerons,
 * weak handles and finalizers.  Frees c.  Returns the bytes scanned by
 * the whole marking; objects marked as they entered the old generation
 * are not among them. */
size_t mg_mark_finish(movgc_heap *h, struct mark_cycle *c, const struct mark_tables *t);

/* Run job(arg, i) on each worker i of the heap's marker threads, the
 * calling thread as worker 0, and return when every one has; the number of
 * workers.  Without marker threads (or in a forked child) the caller alone
 * runs job(arg, 0).  A job must not call the public API. */
unsigned mg_markers_run(movgc_heap *h, void (*job)(void *arg, unsigned worker), void *arg);

/* Stop and join the heap's marker threads, if any (movgc_heap_free). */
void mg_mark_free(movgc_heap *h);

#endif

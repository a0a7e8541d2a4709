/* incmark.h -- incremental marking of the old generation: when a full
 * collection is due because the old generation grew, its marking runs in
 * slices paced by allocation, and only the final pause stops the program
 * for long (mark.c [mark.snapshot] says what a slice marks).
 * [incmark.checked] while a marking runs, pub.checked_ has
 *   MG_CHECKED_MARKING, so every movgc_set into an object outside the
 *   nursery takes the out-of-line barrier, which shades the old and the
 *   new value when the object is old (mg_incmark_shade).  Stores into
 *   young objects need nothing: the young objects of the snapshot were
 *   scanned when it was taken, and the final pause traces the young
 *   objects again from the roots and the remembered set.
 * [incmark.entered] every object that enters the old generation while a
 *   marking runs (promoted, or a large object made old) is marked as it
 *   enters and not scanned: it was young when the snapshot was taken
 *   (whose references were scanned then) or allocated since, so what it
 *   references was reachable at the snapshot (and is marked by it), or
 *   entered since (marked so), or was read from a weak handle.
 * [incmark.weak] every read of a weak handle or an ephemeron while a
 *   marking runs (movgc_handle_get, movgc_ephemeron_value, movgc_pin)
 *   marks what it reads (handles.c [handles.slow]): the
 *   program may store it into a young object, which takes stores without
 *   the barrier and may then enter the old generation marked. */
#ifndef MG_INCMARK_H
#define MG_INCMARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movgc.h"

struct mark_tables;

/* Bits of pub.checked_. */
#define MG_CHECKED_VERIFY MOVGC_CHECKED_VERIFY_ /* MOVGC_VERIFY: checked paths */
#define MG_CHECKED_MARKING 2u  /* [incmark.checked] */

struct incmark {
    struct mark_cycle *cycle;
    uint64_t *live;          /* marks over the whole reservation */
    size_t live_map;         /* bytes of its mapping */
    char *snap_top;          /* old.top when the marking began */
    size_t entered;          /* [incmark.entered] bytes marked so */
    size_t work;             /* old bytes when it began: what to scan, about */
    size_t runway;           /* allocation to spread the scanning over */
    uint64_t alloc_start;    /* stats.bytes_allocated when it began */
    uint64_t begun_ns;       /* when it began */
    uint64_t slice_ns;       /* time in slices so far */
    size_t slices;
    bool ready;              /* a slice found nothing left to scan: the final
                                pause is due, and scans what the barrier
                                and promotion added since */
};

/* Begin an incremental marking, right after a minor collection; false
 * (nothing begun) when there is no memory for its tables. */
bool mg_incmark_start(movgc_heap *h);
/* From the allocation slow path: a slice, if allocation since the last
 * one has earned it. */
void mg_incmark_tick(movgc_heap *h);
/* One slice scanning about 'budget' bytes. */
void mg_incmark_slice(movgc_heap *h, size_t budget);
/* Give up the marking (a full collection that marks anew follows). */
void mg_incmark_abandon(movgc_heap *h);
/* The write barrier while marking: old and new value of a store. */
void mg_incmark_shade(movgc_heap *h, void *old, void *val);
/* [incmark.entered]: obj, of size bytes, was promoted or made old. */
void mg_incmark_entered(movgc_heap *h, void *obj, size_t size);
/* [incmark.weak]: obj (NULL allowed) was read from a weak handle. */
void mg_incmark_read(movgc_heap *h, void *obj);
/* The final pause's marking over tables t, whose 'live' is the marking's
 * bitmap (mg_incmark_live): see mg_mark_finish.  Ends the marking; the
 * bitmap is then the caller's to unmap.  Returns the live bytes. */
size_t mg_incmark_finish(movgc_heap *h, const struct mark_tables *t);
/* The bitmap and its mapping's size, for the final pause's tables. */
uint64_t *mg_incmark_live(movgc_heap *h, size_t *map_bytes);
/* Under MOVGC_VERIFY, after each slice: the weak tricolour invariant. */
void mg_incmark_verify(movgc_heap *h);
void mg_incmark_free(movgc_heap *h);

#endif

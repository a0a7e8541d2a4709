/* oldspace.h -- the old space: bump allocation into compacted memory. */
#ifndef MG_OLDSPACE_H
#define MG_OLDSPACE_H

#include <stdbool.h>
#include <stddef.h>

#include "movgc.h"

struct gap {
    char *lo, *hi;     /* free bytes left before a pinned or kept object */
    size_t discarded;  /* bytes of its pages given back to the OS */
};

struct oldspace {
    char *base;       /* start of the reservation */
    size_t reserved;  /* bytes reserved */
    char *end;        /* [base, end) is committed */
    char *top;        /* [base, top) holds objects and fillers back to back */
    char *ptr, *limit;/* current bump range: a gap below top, or [top, end) */
    bool in_gap;      /* the bump range is a gap, not the tail */
    struct gap *gaps; /* gaps left by the last compaction, address order */
    size_t ngaps, next_gap;
    size_t gap_cap;   /* entries allocated at 'gaps' */
    size_t gap_bytes; /* free bytes in gaps not yet reused */
    size_t discarded; /* [old.discard] page bytes given back in gaps ahead */
    size_t waste;     /* bytes of fillers below top outside the gaps ahead:
                         holes too small to list, gaps promotion passed */
    char *release_end;/* [old.release] NULL, or [end, release_end) is still
                         committed and held, given back in steps */
};

/* Reserve up to 'reserve' bytes of address space, at least min_reserve. */
bool mg_old_init(movgc_heap *h, size_t reserve, size_t min_reserve);
void mg_old_free(movgc_heap *h);
/* size bytes (header included) of old space, or NULL when the limit or the
 * OS refuses: nothing is reported, the caller decides. */
char *mg_old_alloc(movgc_heap *h, size_t size);
/* Take size bytes from the bump range, which has room for them. */
static inline char *mg_old_take(struct oldspace *o, size_t size) {
    char *p = o->ptr;
    o->ptr += size;
    if (o->in_gap)
        o->gap_bytes -= size;
    else
        o->top = o->ptr;  /* [old.tail] */
    return p;
}

/* Make [base, top) walkable: write a filler over the unused rest of the gap
 * being allocated into (allocation continues there afterwards). */
void mg_old_seal(movgc_heap *h);
/* Bytes of old space in use (objects; fillers between them excluded, as
 * far as the last full collection saw them). */
size_t mg_old_used(const movgc_heap *h);
/* Give back what lies committed beyond top plus slack, now (and what an
 * earlier mg_old_trim_later left to give back). */
void mg_old_trim(movgc_heap *h, size_t slack);
/* The same, but the pages go back in steps of mg_old_release_step, after
 * the pause: giving back a burst's hundreds of MiB takes the kernel tens of
 * milliseconds.  Until then they count as held, and the old space takes
 * them back first when it grows. */
void mg_old_trim_later(movgc_heap *h, size_t slack);
/* Give back one step of what mg_old_trim_later left; true while some is
 * left. */
bool mg_old_release_step(movgc_heap *h);
/* The gap list's array, emptied, for the full collection to refill (one
 * array serves every collection); *cap gets its length.  Allocation must
 * not enter the old space until mg_old_reset. */
struct gap *mg_old_take_gaps(movgc_heap *h, size_t *cap);
/* After a compaction: the new top, the gaps (ngaps of an array of cap;
 * ownership passes), whose 'discarded' pages no longer count as held, and
 * the bytes of the holes left as fillers, which do not count as used. */
void mg_old_reset(movgc_heap *h, char *top, struct gap *gaps, size_t ngaps,
                  size_t cap, size_t waste);
/* Give back the pages wholly inside [lo, hi) (past its first word), and
 * fill it with fillers if the old space is kept walkable; returns the bytes
 * given back. */
size_t mg_old_discard_hole(const movgc_heap *h, char *lo, char *hi);
/* Give back the pages of the gaps not yet entered that lie beyond the
 * first 'reach' bytes of them (0: all), in the order promotion enters
 * them: promotion is expected to fill about 'reach' bytes before the next
 * full collection. [old.discard] */
void mg_old_release_gaps(movgc_heap *h, size_t reach);

#endif

/* oldspace.c -- the old space: one reserved range, committed from the bottom
 * as it grows, filled by bump allocation: first into the gaps the last
 * compaction left before pinned objects, then at the top.
 * [old.walk] under MOVGC_VERIFY, whose checks walk it, [base, top) is a
 *   sequence of objects and fillers, except for [ptr, limit) while in_gap,
 *   which mg_old_seal fills.  Nothing else walks the old space (collections
 *   find objects by their mark bits), so otherwise the holes a full
 *   collection leaves keep whatever they held: writing a filler into each
 *   costs a cache miss per hole, about 10 ms of a pause at a burst's size.
 * [old.tail] when !in_gap: ptr == top, and limit == end, or limit == top
 *   while gaps lie ahead (the next allocation enters the first of them).
 * [old.overflow] an object bigger than OVERFLOW_MIN that does not fit what
 *   is left of the current gap goes to the top instead, and the gap stays
 *   in use: gaps are mostly holes left in place by the last full
 *   collection, and one big object must not make promotion abandon them.
 * [old.discard] 'held' leaves out the 'discarded' pages of the gaps not yet
 *   entered (given back to the OS after a full collection); entering a gap
 *   takes its pages back under the heap limit, or skips the gap.
 * [old.release] while release_end is set, [end, release_end) is committed,
 *   counted in 'held', and given back from its top down, a step at a time;
 *   growing takes it back from the bottom up before committing more.
 *
 * Which gaps give their pages back: promotion enters them in address order
 * and fills, before the next full collection, about as many bytes as the
 * policy lets the old generation grow.  Giving back the pages of those
 * gaps would only cost two system calls each (the discard, and the
 * populate when promotion enters it), a TLB shootdown on every core the
 * process runs on, and the faults and zeroing of every page: so they stay,
 * and only the gaps beyond that reach go back (mg_old_release_gaps). */
#include "oldspace.h"

#include <stdlib.h>

#include "heap.h"
#include "vm.h"

#define GROW_MIN ((size_t)1 << 20)  /* committed and faulted in at once */
#define OVERFLOW_MIN ((size_t)256)
#define RELEASE_STEP ((size_t)16 << 20)  /* about a millisecond of kernel work */

bool mg_old_init(movgc_heap *h, size_t reserve, size_t min_reserve) {
    struct oldspace *o = &h->old;
    size_t page = mg_vm_page();
    reserve = (reserve + page - 1) & ~(page - 1);
    /* Address space may be scarce (valgrind, ulimit -v): halve until the
     * OS agrees, but not below what the caller needs. */
    while (!(o->base = mg_vm_reserve(reserve)) && reserve / 2 >= min_reserve)
        reserve = (reserve / 2 + page - 1) & ~(page - 1);
    if (!o->base)
        return false;
    o->reserved = reserve;
    o->end = o->top = o->ptr = o->limit = o->base;
    return true;
}

void mg_old_free(movgc_heap *h) {
    struct oldspace *o = &h->old;
    if (o->base)
        mg_vm_unmap(o->base, o->reserved);
    free(o->gaps);
}

/* Take back up to want bytes of the range waiting to be given back
 * [old.release]; the bytes taken. */
static size_t take_back(struct oldspace *o, size_t want) {
    if (!o->release_end)
        return 0;
    size_t left = (size_t)(o->release_end - o->end);
    size_t take = want < left ? want : left;
    o->end += take;
    if (o->end == o->release_end)
        o->release_end = NULL;
    return take;
}

/* Commit more so that at least need bytes lie free above top. */
static bool grow(movgc_heap *h, size_t need) {
    struct oldspace *o = &h->old;
    size_t page = mg_vm_page();
    if (o->release_end) {
        size_t want = ((need > GROW_MIN ? need : GROW_MIN) + page - 1) & ~(page - 1);
        size_t took = take_back(o, want);
        if (took >= need)
            return true;
        need -= took;
    }
    size_t want = need > GROW_MIN ? need : GROW_MIN;
    size_t used = (size_t)(o->end - o->base);
    want = (want + page - 1) & ~(page - 1);
    size_t room = o->reserved - used;
    size_t min = (need + page - 1) & ~(page - 1);
    if (min > room)
        return false;
    if (want > room)
        want = room;
    if (!mg_heap_may_take(h, want))
        want = min;
    if (!mg_heap_may_take(h, want) || !mg_vm_commit(o->end, want))
        return false;
    mg_vm_populate(o->end, want);  /* promotion writes all of it soon */
    o->end += want;
    h->held += want;
    return true;
}

/* The filler is only for walkers: allocation goes on bumping into the gap
 * over it, and the next walk seals again. */
void mg_old_seal(movgc_heap *h) {
    struct oldspace *o = &h->old;
    if (o->in_gap && o->ptr < o->limit)
        mg_fill(o->ptr, (size_t)(o->limit - o->ptr));
}

/* Give back the pages wholly inside [lo, hi), past its first filler
 * header, and leave the range as fillers (a filler header every
 * MG_FILLER_MAX bytes faults its page back in).  Returns the bytes given
 * back. */
size_t mg_old_discard_hole(const movgc_heap *h, char *lo, char *hi) {
    size_t bytes = (size_t)(hi - lo), given = 0, page = mg_vm_page();
    uintptr_t a = ((uintptr_t)lo + MG_WORD + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t b = (uintptr_t)hi & ~(uintptr_t)(page - 1);
    if (a < b) {
        given = (size_t)(b - a);
        mg_vm_discard((void *)a, given);
    }
    if (!mg_old_walkable(h))
        return given;
    mg_fill(lo, bytes);
    for (size_t at = MG_FILLER_MAX; at < bytes && given > 0; at += MG_FILLER_MAX)
        given -= given >= page ? page : given;
    return given;
}

/* Put what is left of the gap being filled back at the head of the gaps
 * ahead, so that its pages may go back too; the next allocation enters
 * the first gap ahead again. */
static void leave_gap(struct oldspace *o) {
    o->in_gap = false;
    if (o->ptr < o->limit) {
        struct gap *g = &o->gaps[--o->next_gap];  /* the one entered */
        g->lo = o->ptr;
        g->discarded = 0;
        mg_fill(o->ptr, (size_t)(o->limit - o->ptr));
    }
    o->ptr = o->top;
    o->limit = o->end;
}

void mg_old_release_gaps(movgc_heap *h, size_t reach) {
    struct oldspace *o = &h->old;
    if (o->in_gap)
        leave_gap(o);
    size_t ahead = 0;  /* gap bytes before gap i, from the next one on */
    for (size_t i = o->next_gap; i < o->ngaps; i++) {
        struct gap *g = &o->gaps[i];
        size_t bytes = (size_t)(g->hi - g->lo);
        if (ahead >= reach && !g->discarded) {
            g->discarded = mg_old_discard_hole(h, g->lo, g->hi);
            o->discarded += g->discarded;
            h->held -= g->discarded;
        }
        ahead += bytes;
    }
    if (o->next_gap < o->ngaps)  /* [old.tail]: reuse them before the top */
        o->limit = o->top;
}

/* Move the bump range to the next gap that can take size, else the tail;
 * what the current gap has left becomes filler for good. */
static void next_range(movgc_heap *h, size_t size) {
    struct oldspace *o = &h->old;
    if (o->in_gap && o->ptr < o->limit) {
        mg_fill(o->ptr, (size_t)(o->limit - o->ptr));
        o->gap_bytes -= (size_t)(o->limit - o->ptr);
        o->waste += (size_t)(o->limit - o->ptr);
        o->ptr = o->limit;
    }
    while (o->next_gap < o->ngaps) {
        struct gap *g = &o->gaps[o->next_gap++];
        bool room = (size_t)(g->hi - g->lo) >= size;
        if (room && g->discarded) {  /* [old.discard] */
            room = mg_heap_may_take(h, g->discarded);
            if (room) {
                h->held += g->discarded;
                o->discarded -= g->discarded;
                mg_vm_populate(g->lo, (size_t)(g->hi - g->lo));  /* see grow */
            }
        }
        if (room) {
            o->ptr = g->lo;
            o->limit = g->hi;
            o->in_gap = true;
            return;
        }
        o->gap_bytes -= (size_t)(g->hi - g->lo);  /* too small: left as filler */
        o->waste += (size_t)(g->hi - g->lo);
    }
    o->in_gap = false;
    o->ptr = o->top;
    o->limit = o->end;
}

/* size bytes at the top while the bump range stays in a gap. [old.overflow] */
static char *overflow(movgc_heap *h, size_t size) {
    struct oldspace *o = &h->old;
    if ((size_t)(o->end - o->top) < size &&
        !grow(h, size - (size_t)(o->end - o->top)))
        return NULL;
    char *p = o->top;
    o->top += size;
    return p;
}

char *mg_old_alloc(movgc_heap *h, size_t size) {
    struct oldspace *o = &h->old;
    if ((size_t)(o->limit - o->ptr) < size) {
        if (!o->in_gap && o->limit == o->top && o->next_gap < o->ngaps) {
            next_range(h, 1);  /* [old.tail]: the gaps ahead come first */
            if ((size_t)(o->limit - o->ptr) >= size)
                return mg_old_take(o, size);
        }
        if (o->in_gap && size > OVERFLOW_MIN)
            return overflow(h, size);
        if (o->in_gap || o->next_gap < o->ngaps)
            next_range(h, size);
        if ((size_t)(o->limit - o->ptr) < size) {
            if (o->in_gap)
                return NULL;  /* unreachable: next_range ends in the tail */
            if (!grow(h, size - (size_t)(o->limit - o->ptr)))
                return NULL;
            o->limit = o->end;
        }
    }
    return mg_old_take(o, size);
}

size_t mg_old_used(const movgc_heap *h) {
    const struct oldspace *o = &h->old;
    return (size_t)(o->top - o->base) - o->gap_bytes - o->waste;
}

/* Lower end to top plus slack (whole pages); the range it leaves, with
 * what was already waiting, waits to be given back [old.release]. */
static void lower_end(movgc_heap *h, size_t slack) {
    struct oldspace *o = &h->old;
    size_t page = mg_vm_page();
    uintptr_t keep = ((uintptr_t)o->top + slack + page - 1) & ~(uintptr_t)(page - 1);
    char *keep_end = (char *)keep;
    if (keep_end > o->base + o->reserved)
        keep_end = o->base + o->reserved;
    if (keep_end >= o->end)
        return;
    if (!o->release_end)
        o->release_end = o->end;
    o->end = keep_end;
    if (!o->in_gap && o->limit != o->top)  /* [old.tail] */
        o->limit = o->end;
}

bool mg_old_release_step(movgc_heap *h) {
    struct oldspace *o = &h->old;
    if (!o->release_end)
        return false;
    size_t left = (size_t)(o->release_end - o->end);
    size_t bytes = left < RELEASE_STEP ? left : RELEASE_STEP;
    o->release_end -= bytes;
    mg_vm_decommit(o->release_end, bytes);
    h->held -= bytes;
    if (o->release_end == o->end)
        o->release_end = NULL;
    return o->release_end != NULL;
}

void mg_old_trim_later(movgc_heap *h, size_t slack) { lower_end(h, slack); }

void mg_old_trim(movgc_heap *h, size_t slack) {
    struct oldspace *o = &h->old;
    lower_end(h, slack);
    if (!o->release_end)
        return;
    size_t bytes = (size_t)(o->release_end - o->end);
    mg_vm_decommit(o->end, bytes);
    h->held -= bytes;
    o->release_end = NULL;
}

struct gap *mg_old_take_gaps(movgc_heap *h, size_t *cap) {
    struct oldspace *o = &h->old;
    struct gap *g = o->gaps;
    *cap = o->gap_cap;
    o->gaps = NULL;
    o->gap_cap = o->ngaps = o->next_gap = 0;
    return g;
}

/* The pages of the old gaps not entered count as held again (some now
 * hold objects), then those of the new gaps do not. [old.discard] */
void mg_old_reset(movgc_heap *h, char *top, struct gap *gaps, size_t ngaps,
                  size_t cap, size_t waste) {
    struct oldspace *o = &h->old;
    o->waste = waste;
    h->held += o->discarded;
    free(o->gaps);
    o->gaps = gaps;
    o->gap_cap = cap;
    o->ngaps = ngaps;
    o->next_gap = 0;
    o->gap_bytes = 0;
    o->discarded = 0;
    for (size_t i = 0; i < ngaps; i++) {
        o->gap_bytes += (size_t)(gaps[i].hi - gaps[i].lo);
        o->discarded += gaps[i].discarded;
    }
    h->held -= o->discarded;
    o->top = top;
    o->in_gap = false;
    o->ptr = top;
    o->limit = o->end;
    if (ngaps > 0)  /* reuse the gaps before growing the top */
        next_range(h, 1);
}

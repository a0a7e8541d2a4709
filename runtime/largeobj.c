/* largeobj.c -- large objects: whole pages of one reserved region beside
 * the nursery.  A large object is born young: the minor collection that
 * finds it unreached frees it, one that reaches it ages it, and once old
 * enough it becomes old where it is.  Nothing here ever copies or moves.
 *
 * Why: a mapping per object costs a page fault per page, an munmap and a
 * TLB shootdown, and an object that dies young (a request body, parsed and
 * dropped) would wait for a full collection to be freed.  Here it costs a
 * memset of pages already resident, and the minor collection frees it with
 * the rest of the young generation.  Free pages are reused first-fit and
 * given back to the OS only once they stayed free for RELEASE_AGE
 * collections.
 *
 * The barrier (movgc.h) sees the whole region as "young" by address, so a
 * store of a young large object into an old object is recorded; a young
 * large object itself carries HDR_REMEMBERED so that stores into it are
 * not (it is scanned whole if it survives).  Old ones lose the bit and are
 * remembered like any old object, by card where they have many slots.
 *
 * MG_LARGE_MIN, 32 KiB: below it an object is copied at each survival in
 * the nursery; above it, it costs whole pages and a memset.  Measured with
 * bench/large, see the README's results.
 *
 * [los.ring] every large object is on exactly one ring: 'young' iff its
 *   'young' flag is set; 'bytes' and 'young_bytes' sum their map_bytes.
 * [los.young] a young large object has HDR_REMEMBERED and is not in the
 *   remembered set.
 * [los.span] free spans are disjoint, page-aligned, within [base, top),
 *   sorted by address; adjacent spans differ in 'clean'.
 * [los.held] 'held' counts [base, top) less the clean free spans. */
#include "largeobj.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "heap.h"
#include "tables.h"
#include "vm.h"

#define RELEASE_AGE 4                 /* collections a free span is kept */
#define COMMIT_STEP ((size_t)4 << 20) /* region committed in steps */

/* =================================================================== rings */

static void ring_init(struct large *r) { r->next = r->prev = r; }

void mg_los_init(struct los *los) {
    ring_init(&los->old);
    ring_init(&los->young);
}

static void ring_insert(struct large *ring, struct large *l) {
    l->next = ring->next;
    l->prev = ring;
    l->next->prev = l;
    ring->next = l;
}

static void ring_remove(struct large *l) {
    l->prev->next = l->next;
    l->next->prev = l->prev;
}

/* Page number of l in the region, for [los.starts]. */
static size_t page_of(const struct los *los, const struct large *l) {
    return (size_t)((const char *)l - los->base) / mg_vm_page();
}

static void link_large(struct los *los, struct large *l) {
    ring_insert(l->young ? &los->young : &los->old, l);
    *(l->young ? &los->young_bytes : &los->bytes) += l->map_bytes;
    (*(l->young ? &los->young_count : &los->count))++;
    size_t i = page_of(los, l);
    los->starts[i / 64] |= (uint64_t)1 << (i % 64);
}

static void unlink_large(struct los *los, struct large *l) {
    ring_remove(l);
    *(l->young ? &los->young_bytes : &los->bytes) -= l->map_bytes;
    (*(l->young ? &los->young_count : &los->count))--;
    size_t i = page_of(los, l);
    los->starts[i / 64] &= ~((uint64_t)1 << (i % 64));
}

void mg_los_free(movgc_heap *h) {
    free(h->los.free);
    free(h->los.starts);
    /* the region lies in the nursery's reservation */
}

/* Make [los.starts] cover the pages of [base, top): false under the heap
 * limit or without memory (the table is counted in 'held'). */
static bool starts_cover(movgc_heap *h, const char *top) {
    struct los *los = &h->los;
    size_t pages = (size_t)(top - los->base) / mg_vm_page();
    size_t need = (pages + 63) / 64;
    if (need <= los->starts_words)
        return true;
    size_t words = los->starts_words * 2 > need ? los->starts_words * 2 : need;
    void *p = los->starts;
    if (!mg_tables_resize(h, &p, los->starts_words * sizeof *los->starts,
                          words * sizeof *los->starts, true))
        return false;
    los->starts = p;
    memset(los->starts + los->starts_words, 0,
           (words - los->starts_words) * sizeof *los->starts);
    los->starts_words = words;
    return true;
}

void mg_los_region_init(movgc_heap *h, char *base, size_t bytes) {
    struct los *los = &h->los;
    los->base = los->top = los->end = base;
    los->reserved = bytes;
}

/* =================================================================== spans */

static uint64_t clock_now(const movgc_heap *h) {
    return h->stats.minor_collections + h->stats.full_collections;
}

/* Index of the first span at or after address p. */
static size_t span_search(const struct los *los, const char *p) {
    size_t lo = 0, hi = los->nfree;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (los->free[mid].lo < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void span_remove(struct los *los, size_t i) {
    memmove(&los->free[i], &los->free[i + 1], (los->nfree - i - 1) * sizeof *los->free);
    los->nfree--;
}

/* Add [p, p + bytes) as a dirty free span, merged with dirty neighbours.
 * Aborts if the span list cannot grow: losing pages would leak them, and
 * this runs inside collections, which cannot fail. */
static void span_add(movgc_heap *h, char *p, size_t bytes) {
    struct los *los = &h->los;
    size_t i = span_search(los, p);
    los->dirty_free += bytes;
    struct span *prev = i > 0 ? &los->free[i - 1] : NULL;
    struct span *next = i < los->nfree ? &los->free[i] : NULL;
    bool join_prev = prev && !prev->clean && prev->lo + prev->bytes == p;
    bool join_next = next && !next->clean && p + bytes == next->lo;
    uint64_t now = clock_now(h);
    if (join_prev && join_next) {
        prev->bytes += bytes + next->bytes;
        prev->since = now;
        span_remove(los, i);
        return;
    }
    if (join_prev || join_next) {
        struct span *s = join_prev ? prev : next;
        if (join_next)
            s->lo = p;
        s->bytes += bytes;
        s->since = now;
        return;
    }
    if (los->nfree == los->free_cap) {
        size_t cap = los->free_cap ? los->free_cap * 2 : 64;
        struct span *v = realloc(los->free, cap * sizeof *v);
        if (!v) {
            mg_error(h, MOVGC_E_CORRUPT, "large-object space: no memory for its free list");
            abort();
        }
        los->free = v;
        los->free_cap = cap;
    }
    memmove(&los->free[i + 1], &los->free[i], (los->nfree - i) * sizeof *los->free);
    los->free[i] = (struct span){p, bytes, now, false};
    los->nfree++;
}

/* Take 'bytes' from span i (first fit), keeping the rest free; sets
 * *dirty when the pages may hold old data.  NULL under the limit. */
static char *span_take(movgc_heap *h, size_t i, size_t bytes, bool *dirty) {
    struct los *los = &h->los;
    struct span *s = &los->free[i];
    if (s->clean && !mg_heap_may_take(h, bytes))
        return NULL;
    char *p = s->lo;
    *dirty = !s->clean;
    if (s->clean)
        h->held += bytes;
    else
        los->dirty_free -= bytes;
    s->lo += bytes;
    s->bytes -= bytes;
    if (s->bytes == 0)
        span_remove(los, i);
    return p;
}

void mg_los_release(movgc_heap *h, bool all) {
    struct los *los = &h->los;
    uint64_t now = clock_now(h);
    for (size_t i = 0; i < los->nfree; i++) {
        struct span *s = &los->free[i];
        if (s->clean || (!all && s->since + RELEASE_AGE > now))
            continue;
        mg_vm_discard(s->lo, s->bytes);
        s->clean = true;
        h->held -= s->bytes;
        los->dirty_free -= s->bytes;
    }
    /* [los.span]: merge clean neighbours */
    size_t k = 0;
    for (size_t i = 0; i < los->nfree; i++) {
        struct span *s = &los->free[i];
        if (k > 0 && los->free[k - 1].clean == s->clean &&
            los->free[k - 1].lo + los->free[k - 1].bytes == s->lo) {
            los->free[k - 1].bytes += s->bytes;
            continue;
        }
        los->free[k++] = *s;
    }
    los->nfree = k;
}

/* ============================================================== allocation */

/* Pages for an object of these sizes, and its number of cards; 0 when it
 * cannot be represented. */
static size_t pages_for(size_t nrefs, size_t nbytes, size_t *ncards) {
    size_t page = mg_vm_page();
    size_t body = mg_size_of(nrefs, nbytes) - MG_WORD;
    *ncards = nrefs > MG_CARD_SLOTS ? (nrefs + MG_CARD_SLOTS - 1) / MG_CARD_SLOTS : 0;
    if (body > SIZE_MAX - sizeof(struct large) - *ncards - page)
        return 0;
    return (sizeof(struct large) + body + *ncards + page - 1) & ~(page - 1);
}

/* 'bytes' of never-used region above top, committed; NULL under the limit
 * or past the reservation. */
static char *take_top(movgc_heap *h, size_t bytes) {
    struct los *los = &h->los;
    if (bytes > (size_t)(los->base + los->reserved - los->top) ||
        !mg_heap_may_take(h, bytes))
        return NULL;
    if (bytes > (size_t)(los->end - los->top)) {
        size_t want = bytes > COMMIT_STEP ? bytes : COMMIT_STEP;
        size_t room = (size_t)(los->base + los->reserved - los->end);
        size_t need = bytes - (size_t)(los->end - los->top);
        if (want > room)
            want = room;
        if (want < need || !mg_vm_commit(los->end, want))
            return NULL;
        los->end += want;
    }
    if (!starts_cover(h, los->top + bytes))
        return NULL;
    char *p = los->top;
    los->top += bytes;
    h->held += bytes;
    return p;
}

static char *take_pages(movgc_heap *h, size_t bytes, bool *dirty) {
    struct los *los = &h->los;
    for (size_t i = 0; i < los->nfree; i++)
        if (los->free[i].bytes >= bytes) {
            char *p = span_take(h, i, bytes, dirty);
            if (p)
                return p;
        }
    *dirty = false;
    return take_top(h, bytes);
}

void *mg_los_alloc(movgc_heap *h, unsigned tag, size_t nrefs, size_t nbytes) {
    size_t ncards, map_bytes = pages_for(nrefs, nbytes, &ncards);
    if (!map_bytes)
        return NULL;
    bool dirty;
    char *p = take_pages(h, map_bytes, &dirty);
    if (!p) {  /* the limit: give back every free page, then look again */
        mg_los_release(h, true);
        p = take_pages(h, map_bytes, &dirty);
    }
    if (!p)
        return NULL;
    if (dirty)
        memset(p, 0, map_bytes);
    struct large *l = (struct large *)(void *)p;
    size_t body = mg_size_of(nrefs, nbytes) - MG_WORD;
    l->map_bytes = map_bytes;
    l->cards = ncards ? (uint8_t *)(l + 1) + body : NULL;  /* after the object */
    l->young = 1;
    l->nrefs = nrefs;
    l->nbytes = nbytes;
    l->header = mg_hdr_make(tag, nrefs, nbytes) | HDR_REMEMBERED;  /* [los.young] */
    link_large(&h->los, l);
    h->los.allocated += map_bytes;
    return l + 1;
}

/* ================================================================= freeing */

static void free_large(movgc_heap *h, struct large *l) {
    unlink_large(&h->los, l);
    span_add(h, (char *)l, l->map_bytes);
}

void mg_los_minor(movgc_heap *h, bool tenure_all,
                  void (*promoted)(movgc_heap *, void *)) {
    struct los *los = &h->los;
    unsigned promote_age = h->nursery.promote_age;
    los->promoted = 0;
    for (struct large *l = los->young.next, *next; l != &los->young; l = next) {
        next = l->next;
        if (!l->reached) {
            free_large(h, l);
            continue;
        }
        l->reached = 0;
        unsigned age = mg_hdr_age(l->header);
        if (age < HDR_AGE_MAX)
            age++;
        l->header = mg_hdr_with_age(l->header, age);
        if (!tenure_all && age < promote_age)
            continue;
        unlink_large(los, l);
        l->young = 0;
        l->header &= ~(uint64_t)HDR_REMEMBERED;
        link_large(los, l);
        h->stats.bytes_promoted += l->map_bytes;
        los->promoted += l->map_bytes;
        if (h->im)
            mg_incmark_entered(h, l + 1, l->map_bytes);
        promoted(h, l + 1);
    }
    los->allocated = 0;
    mg_los_release(h, false);
}

void mg_los_clear_marks(movgc_heap *h) {
    struct los *los = &h->los;
    struct large *rings[2] = {&los->old, &los->young};
    for (int r = 0; r < 2; r++)
        for (struct large *l = rings[r]->next; l != rings[r]; l = l->next)
            l->marked = 0;
}

size_t mg_los_sweep(movgc_heap *h) {
    struct los *los = &h->los;
    size_t freed = 0;
    struct large *rings[2] = {&los->old, &los->young};
    for (int r = 0; r < 2; r++)
        for (struct large *l = rings[r]->next, *next; l != rings[r]; l = next) {
            next = l->next;
            if (l->marked) {
                l->marked = 0;
                continue;
            }
            freed += l->map_bytes;
            free_large(h, l);
        }
    return freed;
}

/* ================================================================== lookup */

struct large *mg_los_find(movgc_heap *h, const void *p) {
    struct los *los = &h->los;
    if ((uintptr_t)p - (uintptr_t)los->base >= (uintptr_t)(los->top - los->base))
        return NULL;
    const struct large *l = (const struct large *)p - 1;  /* [los.starts] */
    if ((const char *)l < los->base || ((uintptr_t)l - (uintptr_t)los->base) % mg_vm_page())
        return NULL;
    size_t i = page_of(los, l);
    if (!(los->starts[i / 64] >> (i % 64) & 1))
        return NULL;
    return (struct large *)(uintptr_t)l;
}

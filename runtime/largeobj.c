/* largeobj.c -- large objects: young ones bump-allocated in the arena
 * beside the nursery and freed by the minor collection that finds them
 * dead; old ones in mappings of their own, freed by the full collection
 * that finds them dead into a cache that later allocations reuse.
 *
 * Why an arena: a fresh mapping per object costs a page fault per page, an
 * munmap and a TLB shootdown, and an object that dies young (a request
 * body, parsed and dropped) would wait for a full collection to be freed.
 * In the arena it costs a memset of pages already resident, and the minor
 * collection frees it with the rest of the young generation.  Survivors
 * move to the other half, or to a mapping of their own once old enough,
 * by remapping their pages (mg_vm_move), never by copying them.
 *
 * The threshold MG_LARGE_MIN: below it, an object is copied by the nursery
 * at each survival; above it, it costs whole pages.  Measured with
 * bench/large (cost per object by size, none or a quarter kept) and the
 * bodies workload: see docs in README's results.
 *
 * [los.ring] every old large object is on 'ring' exactly once, every young
 *   one on 'young'; 'bytes' and 'young_bytes' are the sums of their
 *   map_bytes.
 * [los.arena] young large objects lie in [half[cur], ptr), back to back;
 *   between collections the other half is empty.
 * [los.cache] cached mappings are counted in 'held', not in 'bytes'. */
#include "largeobj.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "heap.h"
#include "vm.h"

#define CACHE_MAX 64          /* cached mappings, at most */
#define CACHE_AGE 2           /* full collections a mapping may stay unused */

static void ring_init(struct large *r) { r->next = r->prev = r; }

void mg_los_init(struct los *los) {
    ring_init(&los->ring);
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

static void link_old(struct los *los, struct large *l) {
    ring_insert(&los->ring, l);
    los->bytes += l->map_bytes;
    los->count++;
    los->index_valid = false;
}

static void unlink_old(struct los *los, struct large *l) {
    ring_remove(l);
    los->bytes -= l->map_bytes;
    los->count--;
    los->index_valid = false;
}

static void link_young(struct los *los, struct large *l) {
    ring_insert(&los->young, l);
    los->young_bytes += l->map_bytes;
    los->young_count++;
    los->index_valid = false;
}

static void unlink_young(struct los *los, struct large *l) {
    ring_remove(l);
    los->young_bytes -= l->map_bytes;
    los->young_count--;
    los->index_valid = false;
}

void mg_los_free(movgc_heap *h) {
    struct los *los = &h->los;
    while (los->ring.next != &los->ring) {
        struct large *l = los->ring.next;
        unlink_old(los, l);
        mg_vm_unmap(l, l->map_bytes);
    }
    for (size_t i = 0; i < los->ncache; i++)
        mg_vm_unmap(los->cache[i].map, los->cache[i].bytes);
    free(los->cache);
    free(los->moves);
    free(los->index);
    /* young ones live in the nursery's mapping */
}

/* Bytes of pages for an object of these sizes, and its number of cards;
 * 0 when it cannot be represented. */
static size_t pages_for(size_t nrefs, size_t nbytes, size_t *ncards) {
    size_t page = mg_vm_page();
    size_t body = mg_size_of(nrefs, nbytes) - MG_WORD;
    *ncards = nrefs > MG_CARD_SLOTS ? (nrefs + MG_CARD_SLOTS - 1) / MG_CARD_SLOTS : 0;
    if (body > SIZE_MAX - sizeof(struct large) - *ncards - page)
        return 0;
    return (sizeof(struct large) + body + *ncards + page - 1) & ~(page - 1);
}

/* Lay out a new object in zeroed pages at l. */
static void *init_large(struct large *l, size_t map_bytes, unsigned tag,
                        size_t nrefs, size_t nbytes, size_t ncards) {
    size_t body = mg_size_of(nrefs, nbytes) - MG_WORD;
    l->map_bytes = map_bytes;
    l->marked = 0;
    l->cards = ncards ? (uint8_t *)(l + 1) + body : NULL;  /* after the object */
    l->remembered = 0;
    l->saved_header = 0;
    l->nrefs = nrefs;
    l->nbytes = nbytes;
    l->header = mg_hdr_make(tag, nrefs, nbytes);
    return l + 1;
}

/* ================================================================ cache */

/* A cached mapping of at least bytes (at most a quarter more, the rest
 * unmapped), taken out of the cache, or NULL.  Its pages still hold the
 * dead object's data. */
static void *cache_take(movgc_heap *h, size_t bytes) {
    struct los *los = &h->los;
    for (size_t i = los->ncache; i-- > 0;) {
        size_t have = los->cache[i].bytes;
        if (have < bytes || have - bytes > bytes / 4)
            continue;
        char *map = los->cache[i].map;
        los->cache[i] = los->cache[--los->ncache];
        los->cache_bytes -= have;
        if (have > bytes) {
            mg_vm_unmap(map + bytes, have - bytes);
            h->held -= have - bytes;
        }
        return map;
    }
    return NULL;
}

enum trim { TRIM_AGED, TRIM_FOR_LIMIT, TRIM_ALL };

/* Unmap cached mappings: those unused for CACHE_AGE full collections,
 * or until the heap may take 'want' more bytes, or all. */
static void cache_trim(movgc_heap *h, enum trim how, size_t want) {
    struct los *los = &h->los;
    uint64_t now = h->stats.full_collections;
    for (size_t i = los->ncache; i-- > 0;) {
        bool drop = how == TRIM_ALL ||
                    (how == TRIM_AGED && los->cache[i].full + CACHE_AGE <= now) ||
                    (how == TRIM_FOR_LIMIT && !mg_heap_may_take(h, want));
        if (!drop)
            continue;
        mg_vm_unmap(los->cache[i].map, los->cache[i].bytes);
        h->held -= los->cache[i].bytes;
        los->cache_bytes -= los->cache[i].bytes;
        los->cache[i] = los->cache[--los->ncache];
    }
}

/* Keep the mapping of dead old object l for reuse, or unmap it. */
static void cache_put(movgc_heap *h, struct large *l) {
    struct los *los = &h->los;
    if (los->ncache == los->cache_cap && los->ncache < CACHE_MAX) {
        size_t cap = los->cache_cap ? los->cache_cap * 2 : 8;
        struct cached *c = realloc(los->cache, cap * sizeof *c);
        if (c) {
            los->cache = c;
            los->cache_cap = cap;
        }
    }
    if (los->ncache == los->cache_cap) {
        size_t bytes = l->map_bytes;
        mg_vm_unmap(l, bytes);
        h->held -= bytes;
        return;
    }
    los->cache[los->ncache++] =
        (struct cached){l, l->map_bytes, h->stats.full_collections};
    los->cache_bytes += l->map_bytes;
}

/* Give back every arena page that holds no object: all of the other
 * half (empty between collections), and the current one above 'ptr'. */
static void arena_release_free(movgc_heap *h) {
    struct arena *a = &h->los.arena;
    unsigned other = a->cur ^ 1;
    size_t page = mg_vm_page();
    char *keep[2];
    keep[a->cur] = a->half[a->cur] +
                   (((size_t)(a->ptr - a->half[a->cur]) + page - 1) & ~(page - 1));
    keep[other] = a->half[other];
    for (unsigned i = 0; i < 2; i++)
        if (keep[i] < a->dirty[i]) {
            mg_vm_release(keep[i], (size_t)(a->dirty[i] - keep[i]));
            h->held -= (size_t)(a->dirty[i] - keep[i]);
            a->dirty[i] = keep[i];
        }
}

/* A read-write mapping of bytes for an old object: cached (dirty) or
 * fresh (zero), accounted in 'held'; NULL under the limit or when the OS
 * refuses.  *dirty says which. */
static void *old_pages(movgc_heap *h, size_t bytes, bool *dirty) {
    void *map = cache_take(h, bytes);
    if (map) {
        *dirty = true;  /* still counted in 'held' */
        return map;
    }
    if (!mg_heap_may_take(h, bytes) && !h->collecting)
        arena_release_free(h);  /* not during a minor GC: 'other' fills */
    if (!mg_heap_may_take(h, bytes))
        cache_trim(h, TRIM_FOR_LIMIT, bytes);
    if (!mg_heap_may_take(h, bytes))
        return NULL;
    map = mg_vm_map(bytes);
    if (!map)
        return NULL;
    h->held += bytes;
    *dirty = false;
    return map;
}

void *mg_los_alloc(movgc_heap *h, unsigned tag, size_t nrefs, size_t nbytes) {
    size_t ncards, map_bytes = pages_for(nrefs, nbytes, &ncards);
    bool dirty;
    struct large *l = map_bytes ? old_pages(h, map_bytes, &dirty) : NULL;
    if (!l)
        return NULL;
    if (dirty)
        memset(l, 0, map_bytes);
    void *obj = init_large(l, map_bytes, tag, nrefs, nbytes, ncards);
    link_old(&h->los, l);
    return obj;
}

/* ================================================================ arena */

void mg_los_arena_init(movgc_heap *h, char *base, size_t half_bytes) {
    struct arena *a = &h->los.arena;
    a->half[0] = a->dirty[0] = a->ptr = base;
    a->half[1] = a->dirty[1] = base + half_bytes;
    a->half_bytes = half_bytes;
    a->cur = 0;
}

/* May the arena grow half i's touched part to 'end'?  Under the limit,
 * first give back cached mappings, then the arena's free pages. */
static bool arena_may_reach(movgc_heap *h, unsigned i, char *end) {
    struct arena *a = &h->los.arena;
    if (end <= a->dirty[i] || mg_heap_may_take(h, (size_t)(end - a->dirty[i])))
        return true;
    cache_trim(h, TRIM_FOR_LIMIT, (size_t)(end - a->dirty[i]));
    if (mg_heap_may_take(h, (size_t)(end - a->dirty[i])))
        return true;
    arena_release_free(h);  /* keeps [half[cur], ptr) */
    return end <= a->dirty[i] || mg_heap_may_take(h, (size_t)(end - a->dirty[i]));
}

/* Make [p, p + bytes) of half i (p at or above its bump pointer) usable
 * and zero. */
static bool arena_prepare(movgc_heap *h, unsigned i, char *p, size_t bytes) {
    struct arena *a = &h->los.arena;
    char *end = p + bytes;
    if (!arena_may_reach(h, i, end))
        return false;
    if (end > a->dirty[i]) {
        h->held += (size_t)(end - a->dirty[i]);
        if (p < a->dirty[i])
            memset(p, 0, (size_t)(a->dirty[i] - p));
        a->dirty[i] = end;   /* beyond the old mark: never touched, zero */
    } else {
        memset(p, 0, bytes);
    }
    return true;
}

void *mg_los_alloc_young(movgc_heap *h, unsigned tag, size_t nrefs, size_t nbytes) {
    struct arena *a = &h->los.arena;
    size_t ncards, map_bytes = pages_for(nrefs, nbytes, &ncards);
    if (!map_bytes || a->allocated >= a->budget ||
        map_bytes > (size_t)(a->half[a->cur] + a->half_bytes - a->ptr) ||
        !arena_prepare(h, a->cur, a->ptr, map_bytes))
        return NULL;
    struct large *l = (struct large *)(void *)a->ptr;
    a->ptr += map_bytes;
    a->allocated += map_bytes;
    void *obj = init_large(l, map_bytes, tag, nrefs, nbytes, ncards);
    link_young(&h->los, l);
    return obj;
}

/* ======================================== survivors of a minor collection */

struct los_move {
    struct large *from, *to;
    bool old;
};

static void moves_push(movgc_heap *h, struct los_move m) {
    struct los *los = &h->los;
    if (los->nmoves == los->moves_cap) {
        size_t cap = los->moves_cap ? los->moves_cap * 2 : 64;
        struct los_move *v = realloc(los->moves, cap * sizeof *v);
        if (!v) {
            mg_error(h, MOVGC_E_CORRUPT, "minor GC: out of memory for its work list");
            abort();
        }
        los->moves = v;
        los->moves_cap = cap;
    }
    los->moves[los->nmoves++] = m;
}

void *mg_los_destination(movgc_heap *h, struct large *l, bool to_old, bool *old) {
    struct arena *a = &h->los.arena;
    struct los *los = &h->los;
    unsigned other = a->cur ^ 1;
    if (los->nmoves == 0)
        los->to_ptr = a->half[other];
    struct large *to = NULL;
    bool dirty;
    if (to_old)
        to = old_pages(h, l->map_bytes, &dirty);
    *old = to != NULL;
    if (!to) {
        /* The other half can take everything this one holds [los.arena];
         * its pages are replaced by the move, so none is zeroed. */
        to = (struct large *)(void *)los->to_ptr;
        los->to_ptr += l->map_bytes;
        if (los->to_ptr > a->dirty[other]) {
            h->held += (size_t)(los->to_ptr - a->dirty[other]);
            a->dirty[other] = los->to_ptr;
        }
    }
    moves_push(h, (struct los_move){l, to, *old});
    return to + 1;
}

/* Lazy return of the evacuated half's pages: keep what the busier of the
 * last two cycles used, give back the rest; all of it when the heap is
 * over its limit (the half's pages and those moved to the other half were
 * both counted). */
static void arena_trim(movgc_heap *h, unsigned i, size_t used) {
    struct arena *a = &h->los.arena;
    size_t keep = a->peak[0] > a->peak[1] ? a->peak[0] : a->peak[1];
    a->peak[1] = a->peak[0];
    a->peak[0] = used;
    if (used > keep)
        keep = used;
    if (h->cfg.heap_limit && h->held > h->cfg.heap_limit)
        keep = 0;
    size_t page = mg_vm_page();
    char *from = a->half[i] + ((keep + page - 1) & ~(page - 1));
    if (from < a->dirty[i]) {
        mg_vm_release(from, (size_t)(a->dirty[i] - from));
        h->held -= (size_t)(a->dirty[i] - from);
        a->dirty[i] = from;
    }
}

void mg_los_finish_minor(movgc_heap *h, void (*promoted)(movgc_heap *, void *)) {
    struct los *los = &h->los;
    struct arena *a = &los->arena;
    size_t used = (size_t)(a->ptr - a->half[a->cur]);
    /* Everything still on 'young' at its old address either moves or died. */
    while (los->young.next != &los->young)
        unlink_young(los, los->young.next);
    for (size_t i = 0; i < los->nmoves; i++) {
        struct los_move m = los->moves[i];
        size_t bytes = m.from->map_bytes;
        uint64_t hdr = m.from->saved_header;
        mg_vm_move(m.to, m.from, bytes);
        struct large *l = m.to;
        l->header = hdr;
        l->saved_header = 0;
        if (l->cards)
            l->cards = (uint8_t *)(l + 1) + (mg_size_of(movgc_nrefs(l + 1),
                                                        movgc_nbytes(l + 1)) - MG_WORD);
        if (m.old) {
            link_old(los, l);
            h->stats.bytes_promoted += bytes;
            promoted(h, l + 1);
        } else {
            link_young(los, l);
        }
    }
    arena_trim(h, a->cur, used);
    a->cur ^= 1;
    a->ptr = los->nmoves ? los->to_ptr : a->half[a->cur];
    a->allocated = 0;
    los->nmoves = 0;
}

void mg_los_release(movgc_heap *h) {
    cache_trim(h, TRIM_ALL, 0);
    arena_release_free(h);
}

/* ================================================================ lookup */

static int by_address(const void *a, const void *b) {
    const struct large *x = *(struct large *const *)a;
    const struct large *y = *(struct large *const *)b;
    return x < y ? -1 : x > y;
}

static bool build_index(struct los *los) {
    struct large **index =
        realloc(los->index, (los->count + los->young_count + 1) * sizeof *index);
    if (!index)
        return false;
    los->index = index;
    los->nindex = 0;
    for (struct large *l = los->ring.next; l != &los->ring; l = l->next)
        index[los->nindex++] = l;
    for (struct large *l = los->young.next; l != &los->young; l = l->next)
        index[los->nindex++] = l;
    qsort(index, los->nindex, sizeof *index, by_address);
    los->index_valid = true;
    return true;
}

static struct large *find_in(struct large *ring, const void *p) {
    for (struct large *l = ring->next; l != ring; l = l->next)
        if ((const void *)(l + 1) == p)
            return l;
    return NULL;
}

struct large *mg_los_find(movgc_heap *h, const void *p) {
    struct los *los = &h->los;
    if (!los->index_valid && !build_index(los)) {
        struct large *l = find_in(&los->ring, p);
        return l ? l : find_in(&los->young, p);
    }
    size_t lo = 0, hi = los->nindex;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const void *obj = los->index[mid] + 1;
        if (obj == p)
            return los->index[mid];
        if ((const char *)obj < (const char *)p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ================================================================ sweep */

size_t mg_los_sweep(movgc_heap *h) {
    struct los *los = &h->los;
    size_t freed = 0;
    cache_trim(h, TRIM_AGED, 0);
    for (struct large *l = los->ring.next, *next; l != &los->ring; l = next) {
        next = l->next;
        if (l->marked) {
            l->marked = 0;
            continue;
        }
        unlink_old(los, l);
        freed += l->map_bytes;
        cache_put(h, l);
    }
    /* Dead young ones: their arena pages are reused after the next flip. */
    for (struct large *l = los->young.next, *next; l != &los->young; l = next) {
        next = l->next;
        if (l->marked)
            l->marked = 0;
        else
            unlink_young(los, l);
    }
    return freed;
}

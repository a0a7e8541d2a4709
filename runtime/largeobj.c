/* largeobj.c -- large objects: each in its own mapping, never copied, and
 * unmapped by the full collection that finds it dead.
 * [los.ring] every large object of the heap is on the ring exactly once;
 *   'los.bytes' is the sum of their map_bytes. */
#include "largeobj.h"

#include <stdlib.h>

#include "heap.h"
#include "vm.h"

void mg_los_init(struct los *los) {
    los->ring.next = los->ring.prev = &los->ring;
}

static void unlink_large(struct los *los, struct large *l) {
    l->prev->next = l->next;
    l->next->prev = l->prev;
    los->bytes -= l->map_bytes;
    los->count--;
    los->index_valid = false;
}

void mg_los_free(movgc_heap *h) {
    struct los *los = &h->los;
    while (los->ring.next != &los->ring) {
        struct large *l = los->ring.next;
        unlink_large(los, l);
        mg_vm_unmap(l, l->map_bytes);
    }
    free(los->index);
}

void *mg_los_alloc(movgc_heap *h, unsigned tag, size_t nrefs, size_t nbytes) {
    size_t page = mg_vm_page();
    size_t body = mg_size_of(nrefs, nbytes) - MG_WORD;
    size_t ncards = nrefs > MG_CARD_SLOTS ? (nrefs + MG_CARD_SLOTS - 1) / MG_CARD_SLOTS : 0;
    if (body > SIZE_MAX - sizeof(struct large) - ncards - page)
        return NULL;
    size_t map_bytes = (sizeof(struct large) + body + ncards + page - 1) & ~(page - 1);
    if (!mg_heap_may_take(h, map_bytes))
        return NULL;
    struct large *l = mg_vm_map(map_bytes);
    if (!l)
        return NULL;
    struct los *los = &h->los;
    l->map_bytes = map_bytes;
    l->marked = 0;
    l->cards = ncards ? (uint8_t *)(l + 1) + body : NULL;  /* after the object */
    l->remembered = 0;
    l->nrefs = nrefs;
    l->nbytes = nbytes;
    l->header = mg_hdr_make(tag, nrefs, nbytes);
    l->next = los->ring.next;
    l->prev = &los->ring;
    l->next->prev = l;
    los->ring.next = l;
    los->bytes += map_bytes;
    los->count++;
    los->index_valid = false;
    h->held += map_bytes;
    return l + 1;
}

static int by_address(const void *a, const void *b) {
    const struct large *x = *(struct large *const *)a;
    const struct large *y = *(struct large *const *)b;
    return x < y ? -1 : x > y;
}

static bool build_index(struct los *los) {
    struct large **index = realloc(los->index, (los->count + 1) * sizeof *index);
    if (!index)
        return false;
    los->index = index;
    los->nindex = 0;
    for (struct large *l = los->ring.next; l != &los->ring; l = l->next)
        index[los->nindex++] = l;
    qsort(index, los->nindex, sizeof *index, by_address);
    los->index_valid = true;
    return true;
}

struct large *mg_los_find(movgc_heap *h, const void *p) {
    struct los *los = &h->los;
    if (!los->index_valid && !build_index(los)) {
        for (struct large *l = los->ring.next; l != &los->ring; l = l->next)
            if ((const void *)(l + 1) == p)
                return l;
        return NULL;
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

size_t mg_los_sweep(movgc_heap *h) {
    struct los *los = &h->los;
    size_t freed = 0;
    struct large *l = los->ring.next;
    while (l != &los->ring) {
        struct large *next = l->next;
        if (l->marked) {
            l->marked = 0;
        } else {
            unlink_large(los, l);
            h->held -= l->map_bytes;
            freed += l->map_bytes;
            mg_vm_unmap(l, l->map_bytes);
        }
        l = next;
    }
    return freed;
}

/* identity.c -- movgc_identity_hash.  An object that was never hashed costs
 * nothing.  The first call takes the next value of a per-heap counter,
 * mixed (a bijection, so no two objects of a heap share a hash) with a
 * per-heap salt, and records it in a side table keyed by address; the
 * collectors rekey the entries of objects they move.  (Deriving it from the
 * address would collide: the nursery hands out the same addresses again
 * after every collection.)
 * Keeping the hash out of the object keeps the header at 8 bytes and lets
 * compaction slide objects without growing them.
 * [identity.flag] HDR_HASHED is set exactly on the keys of 'young'/'old',
 *   and a key is in 'young' iff it is young, except for a large object
 *   promoted in place by the last minor collection, which the next
 *   collection (minor or full) moves to 'old'. */
#include "identity.h"

#include <stdlib.h>

#include "error.h"
#include "heap.h"
#include "tables.h"

static uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static struct identry *slot_for(struct idtab *t, const void *key) {
    size_t mask = t->cap - 1;
    for (size_t i = (size_t)mix((uint64_t)(uintptr_t)key) & mask;; i = (i + 1) & mask)
        if (t->e[i].key == key || t->e[i].key == NULL)
            return &t->e[i];
}

static bool reserve(movgc_heap *h, struct idtab *t, size_t n) {
    if ((n + 1) * 2 <= t->cap)
        return true;
    size_t cap = t->cap ? t->cap : 64;
    while ((n + 1) * 2 > cap)
        cap *= 2;
    struct identry *old = t->e;
    size_t oldcap = t->cap;
    t->e = calloc(cap, sizeof *t->e);
    if (!t->e) {
        t->e = old;
        return false;
    }
    t->cap = cap;
    mg_tables_soft(h, oldcap * sizeof *t->e, cap * sizeof *t->e);
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].key)
            *slot_for(t, old[i].key) = old[i];
    free(old);
    return true;
}

static void insert(movgc_heap *h, struct idtab *t, void *key, uint64_t hash) {
    if (!reserve(h, t, t->n + 1)) {
        mg_error(h, MOVGC_E_CORRUPT, "identity hash table cannot grow");
        abort();
    }
    struct identry *e = slot_for(t, key);
    if (!e->key)
        t->n++;
    e->key = key;
    e->hash = hash;
}

void mg_identity_free(movgc_heap *h) {
    free(h->ids.young.e);
    free(h->ids.old.e);
}

uint64_t movgc_identity_hash(movgc_heap *h, void *obj) {
    if (!mg_owner_ok(h, "movgc_identity_hash"))
        return 0;
    if (!obj || !mg_is_heap_object(h, obj)) {
        mg_error(h, MOVGC_E_MISUSE,
                 "movgc_identity_hash: %p is not an object of this heap", obj);
        return 0;
    }
    struct idtab *t = mg_is_young(h, obj) ? &h->ids.young : &h->ids.old;
    if (*mg_hdr(obj) & HDR_HASHED) {
        /* A large object promoted by the last minor collection is still
         * keyed in 'young' until the next one rekeys it. */
        struct identry *e = t->cap ? slot_for(t, obj) : NULL;
        if (!e || e->key != obj)
            e = slot_for(t == &h->ids.young ? &h->ids.old : &h->ids.young, obj);
        return e->hash;
    }
    uint64_t hash = mix(++h->ids.counter ^ h->ids.salt);
    insert(h, t, obj, hash);
    *mg_hdr(obj) |= HDR_HASHED;
    return hash;
}

/* Rebuild 'from' through fwd; entries landing outside the nursery go to
 * 'old' when 'young_src'. */
static void rekey(movgc_heap *h, struct idtab *from, bool young_src,
                  void *(*fwd)(void *obj, void *ctx), void *ctx) {
    struct idtab rebuilt = {0};
    struct identry *e = from->e;
    size_t cap = from->cap;
    for (size_t i = 0; i < cap; i++) {
        if (!e[i].key)
            continue;
        void *now = fwd(e[i].key, ctx);
        if (!now)
            continue;
        if (young_src && !mg_is_young(h, now))
            insert(h, &h->ids.old, now, e[i].hash);
        else
            insert(h, &rebuilt, now, e[i].hash);
    }
    free(e);
    mg_tables_soft(h, cap * sizeof *e, 0);
    *from = rebuilt;
}

void mg_identity_young(movgc_heap *h, void *(*fwd)(void *obj, void *ctx), void *ctx) {
    if (h->ids.young.n)
        rekey(h, &h->ids.young, true, fwd, ctx);
}

void mg_identity_old(movgc_heap *h, void *(*fwd)(void *obj, void *ctx), void *ctx) {
    if (h->ids.old.n)
        rekey(h, &h->ids.old, false, fwd, ctx);
}

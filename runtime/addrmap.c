/* addrmap.c -- open-addressing map from addresses to 32-bit values, and a
 * growable stack of addresses, for tables that live during one collection.
 * [addrmap.load] n * 2 <= cap, so every probe sequence ends at an empty
 *   entry. */
#include "addrmap.h"

#include <stdlib.h>

#include "error.h"

/* A full 64-bit mix (splitmix64's finalizer): object addresses differ in
 * their middle bits, which a single multiply leaves out of the low ones. */
static size_t hash(const void *key, size_t mask) {
    uint64_t x = (uint64_t)(uintptr_t)key;
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return (size_t)x & mask;
}

static struct addrent *entry(const struct addrmap *m, const void *key) {
    size_t mask = m->cap - 1;
    for (size_t i = hash(key, mask);; i = (i + 1) & mask)
        if (m->e[i].key == key || m->e[i].key == NULL)
            return &m->e[i];
}

uint32_t *mg_addrmap_find(const struct addrmap *m, const void *key) {
    if (m->n == 0)
        return NULL;
    struct addrent *e = entry(m, key);
    return e->key ? &e->val : NULL;
}

static void no_memory(movgc_heap *h) {
    mg_error(h, MOVGC_E_CORRUPT, "collector: out of memory for a work table");
    abort();
}

static void grow(movgc_heap *h, struct addrmap *m) {
    size_t cap = m->cap ? m->cap * 2 : 256;
    struct addrent *old = m->e;
    size_t oldcap = m->cap;
    m->e = calloc(cap, sizeof *m->e);
    if (!m->e)
        no_memory(h);
    m->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].key)
            *entry(m, old[i].key) = old[i];
    free(old);
}

void mg_addrmap_put(movgc_heap *h, struct addrmap *m, void *key, uint32_t val) {
    if ((m->n + 1) * 2 > m->cap)  /* [addrmap.load] */
        grow(h, m);
    struct addrent *e = entry(m, key);
    if (!e->key) {
        e->key = key;
        m->n++;
    }
    e->val = val;
}

void mg_addrmap_free(struct addrmap *m) {
    free(m->e);
    *m = (struct addrmap){0};
}

void mg_objstack_push(movgc_heap *h, struct objstack *s, void *obj) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        void **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            no_memory(h);
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = obj;
}

void mg_objstack_free(struct objstack *s) {
    free(s->v);
    *s = (struct objstack){0};
}

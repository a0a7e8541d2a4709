/* roots.c -- the shadow stack (a LIFO of slot addresses pushed by C code) and
 * the global roots (slots anywhere in C memory, registered until removed).
 * [roots.depth] 0 <= roots_top_ <= roots_cap_; entries below roots_top_ are
 *   slots the collector reads and updates. */
#include "roots.h"

#include <stdint.h>
#include <stdlib.h>

#include "error.h"
#include "heap.h"

#define STACK_INITIAL 256
#define TOMB ((void **)(uintptr_t)1)

bool mg_roots_init(movgc_heap *h) {
    h->pub.roots_ = malloc(STACK_INITIAL * sizeof *h->pub.roots_);
    h->pub.roots_cap_ = h->pub.roots_ ? STACK_INITIAL : 0;
    return h->pub.roots_ != NULL;
}

void mg_roots_free(movgc_heap *h) {
    free(h->pub.roots_);
    free(h->globals.table);
}

void movgc_push_root_(movgc_heap *h, void **slot) {
    struct movgc_heap_pub_ *p = &h->pub;
    if (p->roots_top_ == p->roots_cap_) {
        size_t cap = p->roots_cap_ * 2;
        void ***grown = realloc(p->roots_, cap * sizeof *grown);
        if (!grown) {
            /* No way to report through a void call that the caller can
             * check before using the slot: stop loudly. */
            mg_error(h, MOVGC_E_MISUSE, "shadow stack cannot grow past %zu slots",
                     p->roots_cap_);
            abort();
        }
        p->roots_ = grown;
        p->roots_cap_ = cap;
    }
    p->roots_[p->roots_top_++] = slot;
}

void movgc_pop_roots_(movgc_heap *h, size_t n) {
    mg_error(h, MOVGC_E_MISUSE, "movgc_pop_roots(%zu) with only %zu roots pushed",
             n, h->pub.roots_top_);
}

void movgc_roots_restore(movgc_heap *h, size_t depth) {
    if (depth > h->pub.roots_top_) {
        mg_error(h, MOVGC_E_MISUSE,
                 "movgc_roots_restore(%zu) above the current depth %zu", depth,
                 h->pub.roots_top_);
        return;
    }
    h->pub.roots_top_ = depth;
}

/* ============================================================ global roots */

static size_t slot_hash(void **slot, size_t cap) {
    uint64_t x = (uint64_t)(uintptr_t)slot;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

/* The entry holding slot, or the first free one on its probe path. */
static void ***find(struct globals *g, void **slot, bool for_insert) {
    void ***tomb = NULL;
    for (size_t i = slot_hash(slot, g->cap);; i = (i + 1) & (g->cap - 1)) {
        void ***e = &g->table[i];
        if (*e == slot)
            return e;
        if (*e == TOMB && !tomb)
            tomb = e;
        if (*e == NULL)
            return for_insert && tomb ? tomb : e;
    }
}

static bool rehash(struct globals *g, size_t cap) {
    void ***old = g->table;
    size_t oldcap = g->cap;
    g->table = calloc(cap, sizeof *g->table);
    if (!g->table) {
        g->table = old;
        return false;
    }
    g->cap = cap;
    g->used = g->count;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i] && old[i] != TOMB)
            *find(g, old[i], true) = old[i];
    free(old);
    return true;
}

int movgc_root_add(movgc_heap *h, void **slot) {
    struct globals *g = &h->globals;
    if (!slot) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_root_add: slot is NULL");
        return MOVGC_E_MISUSE;
    }
    /* Keep the load (tombstones included) under 1/2. */
    if ((g->used + 1) * 2 > g->cap &&
        !rehash(g, g->cap == 0 ? 16
                   : (g->count + 1) * 4 > g->cap ? g->cap * 2 : g->cap)) {
        mg_error(h, MOVGC_E_NOMEM, "global root table cannot grow");
        return MOVGC_E_NOMEM;
    }
    void ***e = find(g, slot, true);
    if (*e == slot) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_root_add: slot %p added twice",
                 (void *)slot);
        return MOVGC_E_MISUSE;
    }
    if (*e == NULL)
        g->used++;
    *e = slot;
    g->count++;
    return 0;
}

void movgc_root_remove(movgc_heap *h, void **slot) {
    struct globals *g = &h->globals;
    void ***e = g->cap && slot ? find(g, slot, false) : NULL;
    if (!e || *e != slot) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_root_remove: slot %p is not a root",
                 (void *)slot);
        return;
    }
    *e = TOMB;
    g->count--;
}

void mg_roots_visit(movgc_heap *h, mg_slot_fn *fn, void *ctx) {
    for (size_t i = 0; i < h->pub.roots_top_; i++)
        fn(h, h->pub.roots_[i], ctx);
    struct globals *g = &h->globals;
    for (size_t i = 0; i < g->cap; i++)
        if (g->table[i] && g->table[i] != TOMB)
            fn(h, g->table[i], ctx);
}

/* roots.c -- the shadow stack (a LIFO of slot addresses pushed by C code) and
 * the global roots (slots anywhere in C memory, registered until removed).
 * [roots.depth] 0 <= roots_top_ <= cap (roots_cap_, or check.cap when
 *   checked); entries below roots_top_ are slots the collector reads and
 *   updates.
 * [roots.at] checked: for every slot on the stack, check.at holds the index
 *   of its latest push.  A slot pushed again while still on the stack is
 *   found there, since nothing above its index was popped in between (else
 *   it would be gone); a popped slot's entry fails the check
 *   roots_[index] == slot or index < roots_top_.  Pops need not tell it. */
#include "roots.h"

#include <stdint.h>
#include <stdlib.h>

#include "error.h"
#include "heap.h"
#include "tables.h"

#define STACK_INITIAL 256
#define TOMB ((void **)(uintptr_t)1)

bool mg_roots_init(movgc_heap *h, bool checked) {
    h->pub.roots_ = malloc(STACK_INITIAL * sizeof *h->pub.roots_);
    if (!h->pub.roots_)
        return false;
    mg_tables_soft(h, 0, STACK_INITIAL * sizeof *h->pub.roots_);
    if (checked) {
        h->rootcheck.on = true;
        h->rootcheck.cap = STACK_INITIAL;
    } else {
        h->pub.roots_cap_ = STACK_INITIAL;
    }
    return true;
}

void mg_roots_free(movgc_heap *h) {
    free(h->pub.roots_);
    free(h->globals.table);
    mg_addrmap_free(&h->rootcheck.at);
}

void mg_roots_check_empty(movgc_heap *h) {
    size_t top = h->pub.roots_top_;
    if (top == 0 || !h->rootcheck.on)
        return;
    mg_error(h, MOVGC_E_MISUSE,
             "movgc_heap_free: %zu shadow-stack root%s still pushed (the "
             "latest: slot %p): a function returned without popping its roots",
             top, top == 1 ? "" : "s", (void *)h->pub.roots_[top - 1]);
}

/* Report slot if it is on the stack already, then index it. [roots.at] */
static void check_push(movgc_heap *h, void **slot) {
    struct rootcheck *c = &h->rootcheck;
    size_t top = h->pub.roots_top_;
    uint32_t *at = mg_addrmap_find(&c->at, slot);
    if (at && *at < top && h->pub.roots_[*at] == slot)
        mg_error(h, MOVGC_E_MISUSE,
                 "movgc_push_root: slot %p is already on the shadow stack (depth "
                 "%u of %zu): a function returned without popping the roots it "
                 "pushed (an early return skipping movgc_pop_roots or "
                 "MOVGC_UNFRAME?)", (void *)slot, (unsigned)*at, top);
    if (c->at.n > 2 * top + 1024) {  /* drop the entries of popped slots */
        mg_addrmap_free(&c->at);
        for (size_t i = 0; i < top; i++)
            mg_addrmap_put(h, &c->at, h->pub.roots_[i], (uint32_t)i);
    }
    mg_addrmap_put(h, &c->at, slot, (uint32_t)top);
}

void movgc_push_root_(movgc_heap *h, void **slot) {
    struct movgc_heap_pub_ *p = &h->pub;
    mg_owner_ok(h, "movgc_push_root");
    size_t *capp = h->rootcheck.on ? &h->rootcheck.cap : &p->roots_cap_;
    if (p->roots_top_ == *capp) {
        size_t cap = *capp * 2;
        void *grown = p->roots_;
        if (cap > UINT32_MAX ||
            !mg_tables_resize(h, &grown, *capp * sizeof *p->roots_,
                              cap * sizeof *p->roots_, false)) {
            /* No way to report through a void call that the caller can
             * check before using the slot: stop loudly. */
            mg_error(h, MOVGC_E_MISUSE, "shadow stack cannot grow past %zu slots",
                     *capp);
            abort();
        }
        p->roots_ = grown;
        *capp = cap;
    }
    if (h->rootcheck.on)
        check_push(h, slot);
    p->roots_[p->roots_top_++] = slot;
}

void movgc_pop_roots_(movgc_heap *h, size_t n) {
    if (!mg_owner_ok(h, "movgc_pop_roots"))
        return;
    mg_error(h, MOVGC_E_MISUSE, "movgc_pop_roots(%zu) with only %zu roots pushed",
             n, h->pub.roots_top_);
}

void movgc_roots_restore(movgc_heap *h, size_t depth) {
    mg_owner_ok(h, "movgc_roots_restore");
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

static bool rehash(movgc_heap *h, struct globals *g, size_t cap) {
    void ***old = g->table;
    size_t oldcap = g->cap;
    if (cap > oldcap && !mg_heap_may_take(h, (cap - oldcap) * sizeof *g->table))
        return false;  /* the heap limit counts this table too */
    g->table = calloc(cap, sizeof *g->table);
    if (!g->table) {
        g->table = old;
        return false;
    }
    h->held += (cap - oldcap) * sizeof *g->table;  /* [heap.held] */
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
    if (!mg_owner_ok(h, "movgc_root_add"))
        return MOVGC_E_MISUSE;
    if (!slot) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_root_add: slot is NULL");
        return MOVGC_E_MISUSE;
    }
    /* Keep the load (tombstones included) under 1/2. */
    if ((g->used + 1) * 2 > g->cap &&
        !rehash(h, g, g->cap == 0 ? 16
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
    if (!mg_owner_ok(h, "movgc_root_remove"))
        return;
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

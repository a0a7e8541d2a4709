/* finalize.c -- finalizers run once, after a collection found their object
 * unreachable, outside the collector.
 * Order: an object reachable from a *different* unreachable finalizable
 * object is not finalized in the same collection; it waits until that one's
 * finalizer has run and a later collection finds it unreachable again.  So
 * a finalizer always sees what its object references still unfinalized.
 * Paths back to the object itself (P -> C -> P, C without a finalizer; or
 * P -> P) do not count.  A cycle through two or more finalizable objects is
 * never finalized (each reaches the other); the last full collection's
 * count of such held-back objects is stats.finalizers_held.
 * Finalizers run in the order the collections queued them (within one
 * collection: nursery objects first, then old ones).
 * [final.flag] HDR_FINAL is set exactly on objects in 'young' or 'old'.
 * [final.pending] objects in pending[head..n) are roots until taken.
 * [final.running] while a finalizer runs, running_depth - 1 is the index
 *   of &current on the shadow stack; a finalizer left by longjmp is over
 *   once the shadow stack was restored below that slot. */
#include "finalize.h"

#include <stdlib.h>
#include <string.h>

#include "addrmap.h"
#include "error.h"
#include "heap.h"
#include "tables.h"

static void push(movgc_heap *h, struct final_list *l, struct final f) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        void *v = l->v;
        if (!mg_tables_resize(h, &v, l->cap * sizeof *l->v, cap * sizeof *l->v,
                              false)) {
            mg_error(h, MOVGC_E_CORRUPT, "finalizer table cannot grow");
            abort();
        }
        l->v = v;  /* counted in held by mg_tables_resize */
        l->cap = cap;
    }
    l->v[l->n++] = f;
}

void mg_final_free(movgc_heap *h) {
    free(h->finals.young.v);
    free(h->finals.old.v);
    free(h->finals.pending.v);
}

static struct final *find(struct final_list *l, void *obj) {
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].obj == obj)
            return &l->v[i];
    return NULL;
}

void movgc_set_finalizer(movgc_heap *h, void *obj, mg_final_fn *fn, void *ud) {
    if (!mg_owner_ok(h, "movgc_set_finalizer"))
        return;
    if (!obj || !mg_is_heap_object(h, obj)) {
        mg_error(h, MOVGC_E_MISUSE,
                 "movgc_set_finalizer: %p is not an object of this heap", obj);
        return;
    }
    struct final_list *l = mg_is_young(h, obj) ? &h->finals.young : &h->finals.old;
    if (*mg_hdr(obj) & HDR_FINAL) {
        struct final *f = find(l, obj);
        if (fn) {
            f->fn = fn;
            f->ud = ud;
        } else {
            *f = l->v[--l->n];
            *mg_hdr(obj) &= ~(uint64_t)HDR_FINAL;
        }
        return;
    }
    if (!fn)
        return;
    push(h, l, (struct final){obj, fn, ud});
    *mg_hdr(obj) |= HDR_FINAL;
}

/* Split 'l' into the entries whose objects survive (kept, updated) and the
 * candidates, returned in 'cand'. */
static void split(struct final_list *l, struct final_list *cand,
                  const struct mg_gc_ops *ops, movgc_heap *h) {
    size_t kept = 0;
    for (size_t i = 0; i < l->n; i++) {
        void *now = ops->survivor(l->v[i].obj, ops->ctx);
        if (now) {
            l->v[i].obj = now;
            l->v[kept++] = l->v[i];
        } else {
            push(h, cand, l->v[i]);
        }
    }
    l->n = kept;
}

/* ============================================== who reaches a candidate */

/* Over the objects nothing has reached yet, label each with the candidate
 * whose children reach it, or MANY when the children of two or more
 * candidates do.  Labels only rise (none, one candidate, MANY), so each
 * object is scanned at most twice: linear in what the candidates reach.
 * [final.label] after label(): a candidate waits iff its label is neither
 * absent nor its own index. */
#define MANY UINT32_MAX

struct labels {
    movgc_heap *h;
    const struct mg_gc_ops *ops;
    struct addrmap map;
    struct objstack work;
};

static void join(struct labels *L, void *obj, uint32_t label) {
    uint32_t *cur = mg_addrmap_find(&L->map, obj);
    if (!cur)
        mg_addrmap_put(L->h, &L->map, obj, label);
    else if (*cur != label && *cur != MANY)
        *cur = MANY;
    else
        return;
    mg_objstack_push(L->h, &L->work, obj);
}

/* Join label into every unreached object obj references. */
static void spread(struct labels *L, void *obj, uint32_t label) {
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    for (size_t i = 0; i < n; i++)
        if (slots[i] && !L->ops->survivor(slots[i], L->ops->ctx))
            join(L, slots[i], label);
}

static void label(struct labels *L, const struct final_list *cand) {
    for (size_t i = 0; i < cand->n; i++)
        spread(L, cand->v[i].obj, (uint32_t)i);
    while (L->work.n > 0) {
        void *obj = L->work.v[--L->work.n];
        spread(L, obj, *mg_addrmap_find(&L->map, obj));
    }
}

/* Is candidate i reached from another candidate?  [final.label] */
static bool waits(const struct labels *L, const struct final_list *cand, size_t i) {
    const uint32_t *lab = mg_addrmap_find(&L->map, cand->v[i].obj);
    return lab && *lab != (uint32_t)i;
}

void mg_final_select(movgc_heap *h, bool young_only, const struct mg_gc_ops *ops) {
    struct finalizers *F = &h->finals;
    struct final_list cand = {0};
    split(&F->young, &cand, ops, h);
    if (!young_only)
        split(&F->old, &cand, ops, h);
    size_t held = 0;
    if (cand.n > 0) {
        if (cand.n >= MANY) {
            mg_error(h, MOVGC_E_CORRUPT, "collector: too many finalizable objects");
            abort();
        }
        struct labels L = {.h = h, .ops = ops};
        label(&L, &cand);
        /* Every candidate stays alive either way: a waiting one for the
         * finalizer that reaches it, a ready one for its own. */
        for (size_t i = 0; i < cand.n; i++) {
            struct final f = cand.v[i];
            bool wait = waits(&L, &cand, i);
            f.obj = ops->keep(f.obj, ops->ctx);
            if (wait) {
                held++;
                push(h, mg_is_young(h, f.obj) ? &F->young : &F->old, f);
            } else {
                *mg_hdr(f.obj) &= ~(uint64_t)HDR_FINAL;
                push(h, &F->pending, f);
            }
        }
        mg_addrmap_free(&L.map);
        mg_objstack_free(&L.work);
        ops->drain(ops->ctx);
    }
    free(cand.v);
    if (!young_only)
        h->stats.finalizers_held = held;
    mg_final_settle(h);
}

/* Survivors promoted out of the nursery, or large objects made old in
 * place, change lists. [final.flag] */
void mg_final_settle(movgc_heap *h) {
    struct finalizers *F = &h->finals;
    size_t kept = 0;
    for (size_t i = 0; i < F->young.n; i++) {
        if (mg_is_young(h, F->young.v[i].obj))
            F->young.v[kept++] = F->young.v[i];
        else
            push(h, &F->old, F->young.v[i]);
    }
    F->young.n = kept;
}

void mg_final_visit(movgc_heap *h, bool pending_only, mg_slot_fn *fn, void *ctx) {
    struct finalizers *F = &h->finals;
    for (size_t i = F->head; i < F->pending.n; i++)
        fn(h, &F->pending.v[i].obj, ctx);
    if (pending_only)
        return;
    for (size_t i = 0; i < F->young.n; i++)
        fn(h, &F->young.v[i].obj, ctx);
    for (size_t i = 0; i < F->old.n; i++)
        fn(h, &F->old.v[i].obj, ctx);
}

/* ================================================================ running */

/* Is one of our finalizer calls still on the C stack?  [final.running] */
static bool running(const movgc_heap *h) {
    const struct finalizers *F = &h->finals;
    size_t d = F->running_depth;
    return d != 0 && h->pub.roots_top_ >= d &&
           h->pub.roots_[d - 1] == (void **)&F->current;
}

/* Call one finalizer with its object rooted in F->current, and check that
 * it leaves the shadow stack as it found it, as a callback must. */
static void call(movgc_heap *h, struct final f) {
    struct finalizers *F = &h->finals;
    size_t depth = movgc_roots_depth(h);
    F->current = f.obj;
    movgc_push_root(h, &F->current);
    F->running_depth = depth + 1;
    h->stats.finalizers_run++;
    f.fn(h, F->current, f.ud);
    F->running_depth = 0;
    size_t now = movgc_roots_depth(h);
    void *obj = F->current;
    F->current = NULL;
    if (now == depth + 1) {
        movgc_pop_roots(h, 1);
        return;
    }
    if (now > depth)
        movgc_roots_restore(h, depth);
    mg_error(h, MOVGC_E_MISUSE,
             "a finalizer (object %p, tag %u) returned with the shadow stack at "
             "depth %zu, called at %zu: it %s", obj, movgc_tag(obj),
             now > depth ? now - 1 : now, depth,
             now > depth ? "left roots pushed (a skipped movgc_pop_roots?)"
                         : "popped roots it did not push");
}

void mg_final_run(movgc_heap *h) {
    struct finalizers *F = &h->finals;
    if (running(h))
        return;
    F->running_depth = 0;  /* a call left by longjmp is over */
    /* FIFO; pending entries are roots until taken, the one being run is
     * rooted through F->current. */
    while (F->head < F->pending.n) {
        call(h, F->pending.v[F->head++]);
        if (F->head == F->pending.n) {
            F->head = F->pending.n = 0;
        } else if (F->head >= 1024) {
            memmove(F->pending.v, F->pending.v + F->head,
                    (F->pending.n - F->head) * sizeof *F->pending.v);
            F->pending.n -= F->head;
            F->head = 0;
        }
    }
}

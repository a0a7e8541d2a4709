/* finalize.c -- finalizers run once, after a collection found their object
 * unreachable, outside the collector.
 * Order: an object reachable from another unreachable finalizable object is
 * not finalized in the same collection; it waits until that one's finalizer
 * has run and a later collection finds it unreachable again.  So a finalizer
 * always sees what its object references still unfinalized.  A cycle of
 * finalizable objects is therefore never finalized (as in bdwgc's default
 * mode), except that an object's references to itself do not count.
 * Finalizers run in the order the collections queued them (within one
 * collection: nursery objects first, then old ones).
 * [final.flag] HDR_FINAL is set exactly on objects in 'young' or 'old'.
 * [final.pending] objects in 'pending' are roots until their finalizer ran. */
#include "finalize.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "heap.h"

static void push(movgc_heap *h, struct final_list *l, struct final f) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct final *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            mg_error(h, MOVGC_E_CORRUPT, "finalizer table cannot grow");
            abort();
        }
        l->v = v;
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

void mg_final_select(movgc_heap *h, bool young_only, const struct mg_gc_ops *ops) {
    struct finalizers *F = &h->finals;
    struct final_list cand = {0};
    split(&F->young, &cand, ops, h);
    if (!young_only)
        split(&F->old, &cand, ops, h);
    if (cand.n > 0) {
        for (size_t i = 0; i < cand.n; i++)
            ops->keep_children(cand.v[i].obj, ops->ctx);
        ops->drain(ops->ctx);
        for (size_t i = 0; i < cand.n; i++) {
            struct final f = cand.v[i];
            void *now = ops->survivor(f.obj, ops->ctx);
            if (now) {  /* reached from another candidate: wait */
                f.obj = now;
                push(h, mg_is_young(h, now) ? &F->young : &F->old, f);
                continue;
            }
            f.obj = ops->keep(f.obj, ops->ctx);
            *mg_hdr(f.obj) &= ~(uint64_t)HDR_FINAL;
            push(h, &F->pending, f);
        }
        ops->drain(ops->ctx);
    }
    free(cand.v);
    /* Survivors promoted out of the nursery change lists. [final.flag] */
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
    for (size_t i = 0; i < F->pending.n; i++)
        fn(h, &F->pending.v[i].obj, ctx);
    if (pending_only)
        return;
    for (size_t i = 0; i < F->young.n; i++)
        fn(h, &F->young.v[i].obj, ctx);
    for (size_t i = 0; i < F->old.n; i++)
        fn(h, &F->old.v[i].obj, ctx);
}

void mg_final_run(movgc_heap *h) {
    struct finalizers *F = &h->finals;
    if (F->running)
        return;
    F->running = true;
    /* FIFO; the entry stays in 'pending' (a root) during its call, so the
     * object is readable even if the finalizer collects. */
    size_t done = 0;
    while (done < F->pending.n) {
        struct final f = F->pending.v[done];
        f.fn(h, f.obj, f.ud);
        done++;
        if (done == F->pending.n || done > 1024) {
            memmove(F->pending.v, F->pending.v + done,
                    (F->pending.n - done) * sizeof *F->pending.v);
            F->pending.n -= done;
            done = 0;
        }
    }
    F->running = false;
}

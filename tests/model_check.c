/* model_check.c -- what is checked after every call that collected: the
 * finalizers that ran, weak handles and ephemerons, against reachability in
 * the model; then a walk comparing the whole reachable heap with the model.
 * Exact after a full collection; after minor ones only what a generational
 * collector must guarantee (old objects are judged by full collections). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_world.h"
#include "movgc_testing.h"

/* ================================================== reachability in the model */

/* Everything strongly reachable: roots, then ephemeron values whose keys
 * are reached, to a fixpoint.  Set MARK_R with stamp s. */
static void mark_roots(struct world *w, uint32_t s) {
    struct graph *g = &w->g;
    for (size_t i = 0; i < w->depth; i++)
        graph_mark_add(g, MARK_R, s, w->stk_node[i]);
    for (int i = 0; i < W_GLOBALS; i++)
        if (w->glob_reg[i])
            graph_mark_add(g, MARK_R, s, w->glob_node[i]);
    for (int i = 0; i < W_RESUR; i++)
        graph_mark_add(g, MARK_R, s, w->resur_node[i]);
    for (int i = 0; i < W_HANDLES; i++)
        if (w->hs[i].used)
            graph_mark_add(g, MARK_R, s, w->hs[i].node);
    for (bool more = true; more;) {
        more = false;
        for (int i = 0; i < W_EPHS; i++) {
            struct weak *e = &w->es[i];
            if (e->used && !e->cleared && e->value != NONE &&
                graph_marked(g, MARK_R, s, e->node) &&
                !graph_marked(g, MARK_R, s, e->value)) {
                graph_mark_add(g, MARK_R, s, e->value);
                more = true;
            }
        }
    }
}

/* A finalizable node the roots do not reach: a candidate. */
static bool candidate(struct world *w, uint32_t sR, uint32_t i) {
    const struct mnode *m = &w->g.v[i];
    return m->id && m->fin != FIN_NONE && !graph_marked(&w->g, MARK_R, sR, i);
}

/* ================================================================== the walk */

/* Where a pointer was found, formatted only when a check fails. */
struct where {
    const char *what;   /* "slot", "shadow-stack slot", ... */
    size_t i;           /* its index */
    uint64_t parent;    /* id of the object holding the slot, or 0 */
    char buf[96];
};

static const char *where_str(struct where *wh) {
    if (wh->parent)
        snprintf(wh->buf, sizeof wh->buf, "%s %zu of node %llx", wh->what, wh->i,
                 (unsigned long long)wh->parent);
    else
        snprintf(wh->buf, sizeof wh->buf, "%s %zu", wh->what, wh->i);
    return wh->buf;
}

static size_t amap_slot(struct world *w, void *p) {
    size_t mask = w->amap_cap - 1;
    size_t i = (size_t)(((uintptr_t)p >> 3) * 0x9e3779b97f4a7c15ULL) & mask;
    while (w->amap[i] && w->amap[i] != p)
        i = (i + 1) & mask;
    return i;
}

static void amap_reset(struct world *w) {
    size_t want = 64;
    while (want < 2 * ((size_t)w->g.live + 16))
        want *= 2;
    if (want > w->amap_cap) {
        free(w->amap);
        free(w->amap_node);
        w->amap = malloc(want * sizeof *w->amap);
        w->amap_node = malloc(want * sizeof *w->amap_node);
        if (!w->amap || !w->amap_node)
            abort();
        w->amap_cap = want;
    }
    memset(w->amap, 0, w->amap_cap * sizeof *w->amap);
}

/* Compare the header and bytes of p with node n; false on mismatch. */
static bool same_object(struct world *w, void *p, uint32_t n, struct where *wh) {
    struct mnode *m = &w->g.v[n];
    if ((uintptr_t)p & 7) {
        world_fail(w, "%s: object %p is not 8-byte aligned", where_str(wh), p);
        return false;
    }
    if (movgc_nrefs(p) != m->nrefs || movgc_nbytes(p) != m->nbytes ||
        movgc_tag(p) != m->tag) {
        world_fail(w, "%s: object %p has shape %zu/%zu tag %u, model node %llx "
                   "has %zu/%zu tag %u", where_str(wh), p, movgc_nrefs(p), movgc_nbytes(p),
                   movgc_tag(p), (unsigned long long)m->id, m->nrefs, m->nbytes,
                   m->tag);
        return false;
    }
    const uint8_t *data = movgc_data(p);
    if (m->has_id && memcmp(data, &m->id, 8) != 0) {
        uint64_t got;
        memcpy(&got, data, 8);
        world_fail(w, "%s: expected node %llx, found object %p with id %llx",
                   where_str(wh), (unsigned long long)m->id, p,
                   (unsigned long long)got);
        return false;
    }
    if (memcmp(data, m->bytes, m->nbytes) != 0) {
        size_t k = 0;
        while (data[k] == m->bytes[k])
            k++;
        world_fail(w, "%s: node %llx raw byte %zu is %#x, model says %#x", where_str(wh),
                   (unsigned long long)m->id, k, data[k], m->bytes[k]);
        return false;
    }
    if (m->hashed && movgc_identity_hash(w->h, p) != m->hash) {
        world_fail(w, "%s: node %llx identity hash changed", where_str(wh),
                   (unsigned long long)m->id);
        return false;
    }
    return true;
}

/* Visit p, which the model says is node n; new nodes are pushed on the
 * graph's work stack for their slots to be visited. */
static void visit(struct world *w, void *p, uint32_t n, struct where *wh) {
    if (w->failed)
        return;
    if (n == NONE) {
        if (p)
            world_fail(w, "%s: expected NULL, found %p", where_str(wh), p);
        return;
    }
    struct mnode *m = &w->g.v[n];
    if (!p) {
        world_fail(w, "%s: expected node %llx, found NULL", where_str(wh),
                   (unsigned long long)m->id);
        return;
    }
    if (m->dead) {
        world_fail(w, "%s: reaches node %llx, which a collection freed", where_str(wh),
                   (unsigned long long)m->id);
        return;
    }
    if (m->addr_epoch == w->epoch) {
        if (m->addr != p)
            world_fail(w, "%s: node %llx found at %p and at %p (shared structure "
                       "split)", where_str(wh), (unsigned long long)m->id, m->addr, p);
        return;
    }
    size_t s = amap_slot(w, p);
    if (w->amap[s]) {
        world_fail(w, "%s: nodes %llx and %llx both at %p (objects merged)", where_str(wh),
                   (unsigned long long)w->g.v[w->amap_node[s]].id,
                   (unsigned long long)m->id, p);
        return;
    }
    if (!same_object(w, p, n, wh))
        return;
    w->amap[s] = p;
    w->amap_node[s] = n;
    m->addr = p;
    m->addr_epoch = w->epoch;
    world_acc_add(w, n);
    struct graph *g = &w->g;
    if (g->nwork == g->cap_work) {
        g->cap_work = g->cap_work ? g->cap_work * 2 : 256;
        g->work = realloc(g->work, g->cap_work * sizeof *g->work);
        if (!g->work)
            abort();
    }
    g->work[g->nwork++] = n;
}

static void drain(struct world *w) {
    struct graph *g = &w->g;
    struct where wh = {"slot", 0, 0, ""};
    while (g->nwork && !w->failed) {
        uint32_t n = g->work[--g->nwork];
        void *p = g->v[n].addr;
        wh.parent = g->v[n].id;
        for (size_t k = 0; k < g->v[n].nrefs && !w->failed; k++) {
            wh.i = k;
            visit(w, movgc_get(p, k), g->v[n].refs[k], &wh);
        }
    }
    g->nwork = 0;
}

/* Walk the heap from every root and every uncleared weak target, comparing
 * it with the model; makes the addresses of this epoch current. */
void world_walk(struct world *w) {
    struct where wh = {"", 0, 0, ""};
    amap_reset(w);
    w->g.nwork = 0;
    for (size_t i = 0; i < w->depth; i++) {
        wh.what = "shadow-stack slot";
        wh.i = (size_t)i;
        visit(w, w->stk[i], w->stk_node[i], &wh);
        drain(w);
    }
    for (int i = 0; i < W_GLOBALS; i++) {
        if (!w->glob_reg[i])
            continue;
        wh.what = "global slot";
        wh.i = (size_t)i;
        visit(w, w->glob[i], w->glob_node[i], &wh);
        drain(w);
    }
    for (int i = 0; i < W_RESUR; i++) {
        wh.what = "resurrection slot";
        wh.i = (size_t)i;
        visit(w, w->resur[i], w->resur_node[i], &wh);
        drain(w);
    }
    for (int i = 0; i < W_HANDLES; i++) {
        struct strong *s = &w->hs[i];
        if (!s->used)
            continue;
        void *p = movgc_handle_get(w->h, s->hd);
        if (s->pins && p != s->pin_addr) {
            world_fail(w, "strong handle %d: pinned object moved from %p to %p",
                       i, s->pin_addr, p);
            return;
        }
        wh.what = "strong handle";
        wh.i = (size_t)i;
        visit(w, p, s->node, &wh);
        drain(w);
    }
    for (int i = 0; i < W_WEAKS; i++) {
        struct weak *e = &w->ws[i];
        if (!e->used || e->cleared)
            continue;
        wh.what = "weak handle";
        wh.i = (size_t)i;
        visit(w, movgc_handle_get(w->h, e->hd), e->node, &wh);
        world_weak_read(w, e->node, true);
        drain(w);
    }
    for (int i = 0; i < W_EPHS; i++) {
        struct weak *e = &w->es[i];
        if (!e->used || e->cleared)
            continue;
        wh.what = "ephemeron key";
        wh.i = (size_t)i;
        visit(w, movgc_handle_get(w->h, e->hd), e->node, &wh);
        drain(w);
        wh.what = "ephemeron value";
        visit(w, movgc_ephemeron_value(w->h, e->hd), e->value, &wh);
        world_weak_read(w, e->node, true);
        world_weak_read(w, e->value, true);
        drain(w);
    }
}

/* ======================================================= after a collection */

/* Candidates that the references of a *different* candidate reach: they
 * wait for that one's finalizer.  Paths back to the candidate itself do
 * not count.  Quadratic, and plain: it is the oracle. */
static bool *held_back(struct world *w, uint32_t sR) {
    struct graph *g = &w->g;
    bool *held = calloc(g->n ? g->n : 1, sizeof *held);
    if (!held) {
        world_fail(w, "model: out of memory");
        return NULL;
    }
    for (uint32_t c = 0; c < g->n; c++) {
        if (!candidate(w, sR, c))
            continue;
        uint32_t s = graph_mark_begin(g);
        for (size_t k = 0; k < g->v[c].nrefs; k++)
            graph_mark_add(g, MARK_K, s, g->v[c].refs[k]);
        for (uint32_t n = 0; n < g->n; n++)
            if (n != c && candidate(w, sR, n) && graph_marked(g, MARK_K, s, n))
                held[n] = true;
    }
    return held;
}

/* The finalizers that ran in this call: each on a registered, unreachable
 * object that is not held back, once. */
static void check_finalized(struct world *w, uint32_t sR, const bool *held) {
    struct graph *g = &w->g;
    for (size_t i = 0; i < w->nflog && !w->failed; i++) {
        uint32_t n = w->flog[i].node;
        if (n == NONE) {
            world_fail(w, "a finalizer ran on an object the model does not know");
            return;
        }
        struct mnode *m = &g->v[n];
        if (m->fin == FIN_NONE)
            world_fail(w, "finalizer of node %llx ran twice or was never set",
                       (unsigned long long)m->id);
        else if (graph_marked(g, MARK_R, sR, n))
            world_fail(w, "finalizer of node %llx ran while it was reachable",
                       (unsigned long long)m->id);
        else if (held[n])
            world_fail(w, "finalizer of node %llx ran while another finalizable "
                       "unreachable object reached it", (unsigned long long)m->id);
        m->fin = FIN_NONE;
        if (w->flog[i].slot >= 0)
            w->resur_node[w->flog[i].slot] = n;
        w->finalized++;
    }
}

/* One weak handle or ephemeron key after the collection: p is what the
 * handle gives now.  sX marks what finalization keeps alive. */
static void check_weak(struct world *w, struct weak *e, void *p, bool full,
                       bool multi, uint32_t sR, uint32_t sX, const char *what,
                       int i) {
    struct graph *g = &w->g;
    uint32_t n = e->node;
    if (!p) {
        if (graph_marked(g, MARK_R, sR, n))
            world_fail(w, "%s %d cleared while node %llx is reachable", what, i,
                       (unsigned long long)g->v[n].id);
        if (!graph_marked(g, MARK_X, sX, n))
            g->v[n].dead = true;
        e->cleared = true;
        e->node = e->value = NONE;
        return;
    }
    if (full && g->v[n].snap_dead && !graph_marked(g, MARK_R, sR, n) &&
        !(multi && graph_marked(g, MARK_X, sX, n)))
        world_fail(w, "%s %d still holds unreachable node %llx after a full "
                   "collection", what, i, (unsigned long long)g->v[n].id);
}

static void check_handles(struct world *w, bool full, bool multi, uint32_t sR,
                          uint32_t sX) {
    for (int i = 0; i < W_WEAKS; i++) {
        struct weak *e = &w->ws[i];
        if (e->used && !e->cleared && e->node != NONE)
            check_weak(w, e, movgc_handle_get(w->h, e->hd), full, multi, sR, sX,
                       "weak handle", i);
    }
    for (int i = 0; i < W_EPHS; i++) {
        struct weak *e = &w->es[i];
        if (!e->used || e->cleared || e->node == NONE)
            continue;
        void *key = movgc_handle_get(w->h, e->hd);
        void *value = movgc_ephemeron_value(w->h, e->hd);
        if (!key && value)
            world_fail(w, "ephemeron %d: key cleared but value %p kept", i, value);
        check_weak(w, e, key, full, multi, sR, sX, "ephemeron", i);
    }
}

/* The full collections of this call free every unreachable node (stop the
 * world), or those unreachable when the marking began (incremental): flag
 * the nodes they must free, as 'snap_dead'. */
static void flag_collectable(struct world *w, uint32_t sR, bool incremental) {
    struct graph *g = &w->g;
    if (!incremental)
        for (uint32_t i = 0; i < g->n; i++)
            g->v[i].snap_dead = g->v[i].id && !graph_marked(g, MARK_R, sR, i);
}

/* An incremental marking began in this call, from the heap as it was
 * before the call: what was unreachable then, its full collection frees. */
static void flag_snapshot(struct world *w, uint32_t sR) {
    struct graph *g = &w->g;
    for (uint32_t i = 0; i < g->n; i++)
        g->v[i].snap_dead = g->v[i].id && !graph_marked(g, MARK_R, sR, i);
}

void world_weak_read(struct world *w, uint32_t n, bool later) {
    if (n == NONE || !movgc_testing_marking(w->h))
        return;
    if (!later) {
        world_revived(w, n);
        return;
    }
    if (w->nreads == w->cap_reads) {
        w->cap_reads = w->cap_reads ? 2 * w->cap_reads : 64;
        w->reads = realloc(w->reads, w->cap_reads * sizeof *w->reads);
        if (!w->reads)
            abort();
    }
    w->reads[w->nreads++] = n;
}

void world_revived(struct world *w, uint32_t n) {
    struct graph *g = &w->g;
    uint32_t *stack = malloc((g->n + 1) * sizeof *stack);
    bool *seen = calloc(g->n + 1, 1);
    if (!stack || !seen) {
        world_fail(w, "no memory for the model");
        free(stack);
        free(seen);
        return;
    }
    size_t sp = 0;
    stack[sp++] = n;
    seen[n] = true;
    while (sp > 0) {
        struct mnode *m = &g->v[stack[--sp]];
        m->snap_dead = false;
        for (size_t k = 0; k < m->nrefs; k++)
            if (m->refs[k] != NONE && !seen[m->refs[k]]) {
                seen[m->refs[k]] = true;
                stack[sp++] = m->refs[k];
            }
    }
    free(stack);
    free(seen);
}

/* After a full collection: forget the nodes the heap certainly freed, i.e.
 * everything outside roots, finalization and uncleared handles. */
static void prune(struct world *w, uint32_t sR) {
    struct graph *g = &w->g;
    uint32_t s = graph_mark_begin(g);
    for (uint32_t i = 0; i < g->n; i++)
        if (graph_marked(g, MARK_R, sR, i) || candidate(w, sR, i))
            graph_mark_add(g, MARK_K, s, i);
    for (int i = 0; i < W_RESUR; i++)
        graph_mark_add(g, MARK_K, s, w->resur_node[i]);
    for (int i = 0; i < W_WEAKS; i++)
        if (w->ws[i].used && !w->ws[i].cleared)
            graph_mark_add(g, MARK_K, s, w->ws[i].node);
    for (int i = 0; i < W_EPHS; i++)
        if (w->es[i].used && !w->es[i].cleared) {
            graph_mark_add(g, MARK_K, s, w->es[i].node);
            graph_mark_add(g, MARK_K, s, w->es[i].value);
        }
    for (uint32_t i = 0; i < g->n; i++)
        if (g->v[i].id && !graph_marked(g, MARK_K, s, i))
            graph_remove(g, i);
}

/* Call after every call that may collect.  The model graph is still as it
 * was before the call; finalizers that ran are in w->flog. */
void world_after_call(struct world *w) {
    movgc_stats st;
    movgc_get_stats(w->h, &st, sizeof st);
    uint64_t dminor = st.minor_collections - w->seen_minor;
    uint64_t dfull = st.full_collections - w->seen_full;
    uint64_t dbegun = st.incremental_begun - w->seen_begun;
    uint64_t dinc = st.incremental_fulls - w->seen_incfull;
    w->seen_minor = st.minor_collections;
    w->seen_full = st.full_collections;
    w->seen_begun = st.incremental_begun;
    w->seen_incfull = st.incremental_fulls;
    if (dminor + dfull == 0) {
        if (w->nflog)
            world_fail(w, "%zu finalizers ran without a collection", w->nflog);
        w->nflog = 0;
        return;
    }
    w->minor_seen += dminor;
    w->full_seen += dfull;
    w->checks++;
    w->epoch++;
    w->nacc = 0;
    bool full = dfull > 0, multi = dminor + dfull > 1;
    struct graph *g = &w->g;
    uint32_t sR = graph_mark_begin(g), sX = graph_mark_begin(g);
    mark_roots(w, sR);
    for (uint32_t i = 0; i < g->n; i++)
        if (candidate(w, sR, i))
            graph_mark_add(g, MARK_X, sX, i);
    /* a full collection that ended an incremental marking also makes it
     * ended: a stop-the-world one in the same call frees everything */
    if (full)
        flag_collectable(w, sR, dinc > 0 && dinc >= dfull);
    bool *held = held_back(w, sR);
    if (!held)
        return;
    check_finalized(w, sR, held);
    if (full)
        for (uint32_t i = 0; i < g->n && !w->failed; i++)
            if (candidate(w, sR, i) && !held[i] && g->v[i].snap_dead)
                world_fail(w, "node %llx unreachable after a full collection but "
                           "its finalizer did not run",
                           (unsigned long long)g->v[i].id);
    free(held);
    check_handles(w, full, multi, sR, sX);
    world_walk(w);
    if (dbegun > 0) {
        flag_snapshot(w, sR);
        /* objects whose finalizers ran in this call were roots until then,
         * maybe when the marking began */
        for (size_t i = 0; i < w->nflog; i++)
            if (w->flog[i].node != NONE && g->v[w->flog[i].node].id)
                world_revived(w, w->flog[i].node);
    }
    w->nflog = 0;
    for (size_t i = 0; i < w->nreads; i++)  /* after flag_snapshot */
        if (g->v[w->reads[i]].id)
            world_revived(w, w->reads[i]);
    w->nreads = 0;
    if (full && !w->failed)
        prune(w, sR);
}

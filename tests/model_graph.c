/* model_graph.c -- the model object graph: node storage, ids and marking.
 * [graph.id] a node in use has id (serial << 32) | index with serial >= 1,
 *   so an id names one node for the whole run, even after its index is
 *   reused. */
#include "model_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "model: out of memory\n");
        abort();
    }
    return p;
}

void graph_init(struct graph *g) { memset(g, 0, sizeof *g); }

void graph_free(struct graph *g) {
    for (uint32_t i = 0; i < g->n; i++) {
        free(g->v[i].refs);
        free(g->v[i].bytes);
    }
    free(g->v);
    free(g->free_ix);
    free(g->work);
    memset(g, 0, sizeof *g);
}

uint32_t graph_new(struct graph *g, unsigned tag, size_t nrefs, size_t nbytes) {
    uint32_t i;
    if (g->nfree) {
        i = g->free_ix[--g->nfree];
    } else {
        if (g->n == g->cap) {
            g->cap = g->cap ? g->cap * 2 : 256;
            g->v = xrealloc(g->v, g->cap * sizeof *g->v);
        }
        i = g->n++;
    }
    struct mnode *m = &g->v[i];
    memset(m, 0, sizeof *m);
    m->id = ((uint64_t)++g->serial << 32) | i;  /* [graph.id] */
    m->tag = tag;
    m->nrefs = nrefs;
    m->nbytes = nbytes;
    m->refs = xrealloc(NULL, nrefs * sizeof *m->refs);
    for (size_t k = 0; k < nrefs; k++)
        m->refs[k] = NONE;
    m->bytes = calloc(nbytes ? nbytes : 1, 1);
    if (!m->bytes)
        abort();
    m->has_id = nbytes >= 8;
    g->live++;
    return i;
}

void graph_remove(struct graph *g, uint32_t i) {
    struct mnode *m = &g->v[i];
    free(m->refs);
    free(m->bytes);
    memset(m, 0, sizeof *m);
    if (g->nfree == g->cap_free) {
        g->cap_free = g->cap_free ? g->cap_free * 2 : 256;
        g->free_ix = xrealloc(g->free_ix, g->cap_free * sizeof *g->free_ix);
    }
    g->free_ix[g->nfree++] = i;
    g->live--;
}

uint32_t graph_find(const struct graph *g, uint64_t id) {
    uint32_t i = (uint32_t)id;
    if (i < g->n && id >> 32 != 0 && g->v[i].id == id)
        return i;
    return NONE;
}

uint32_t graph_mark_begin(struct graph *g) { return ++g->stamp; }

static void push_work(struct graph *g, uint32_t i) {
    if (g->nwork == g->cap_work) {
        g->cap_work = g->cap_work ? g->cap_work * 2 : 256;
        g->work = xrealloc(g->work, g->cap_work * sizeof *g->work);
    }
    g->work[g->nwork++] = i;
}

void graph_mark_add(struct graph *g, int which, uint32_t stamp, uint32_t i) {
    if (i == NONE || g->v[i].stamp[which] == stamp)
        return;
    g->v[i].stamp[which] = stamp;
    push_work(g, i);
    while (g->nwork) {
        struct mnode *m = &g->v[g->work[--g->nwork]];
        for (size_t k = 0; k < m->nrefs; k++) {
            uint32_t r = m->refs[k];
            if (r != NONE && g->v[r].stamp[which] != stamp) {
                g->v[r].stamp[which] = stamp;
                push_work(g, r);
            }
        }
    }
}

/* model_graph.h -- the plain C model of a movgc object graph used by the
 * model-based random test and the fuzz harness: nodes, ids, and marking. */
#ifndef MODEL_GRAPH_H
#define MODEL_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NONE UINT32_MAX /* no node: a NULL reference */

/* Finalizer registered on a node. */
enum { FIN_NONE, FIN_LOG, FIN_RESURRECT };

/* One model object.  A node with has_id carries its id in raw bytes 0..7,
 * so the test finds its node from the real object; the others are known by
 * the path that reaches them. */
struct mnode {
    uint64_t id;         /* (serial << 32) | index; 0 on a free node */
    unsigned tag;        /* the host tag given at allocation */
    size_t nrefs;        /* reference slots */
    size_t nbytes;       /* raw bytes */
    uint32_t *refs;      /* nrefs node indices or NONE */
    uint8_t *bytes;      /* nbytes expected raw bytes */
    bool has_id;         /* nbytes >= 8: bytes 0..7 hold 'id' */
    bool hashed;         /* 'hash' was returned by movgc_identity_hash */
    bool dead;           /* a collection freed it (a handle to it cleared) */
    bool snap_dead;      /* unreachable when the incremental marking under
                            way began: its full collection frees it */
    uint8_t fin;         /* FIN_*: registered finalizer not yet run */
    uint64_t hash;       /* identity hash, when 'hashed' */
    uint32_t stamp[3];   /* marking stamps, one per mark set */
    void *addr;          /* its address, valid when addr_epoch is current */
    uint32_t addr_epoch;
};

struct graph {
    struct mnode *v;     /* nodes, free ones have id 0 */
    uint32_t n, cap;     /* nodes used (free included) / allocated */
    uint32_t *free_ix;   /* free indices */
    uint32_t nfree, cap_free;
    uint32_t live;       /* nodes in use */
    uint32_t serial;     /* id serial counter */
    uint32_t stamp;      /* current marking stamp */
    uint32_t *work;      /* marking stack */
    size_t nwork, cap_work;
};

/* A mark set: which of a node's three stamps it uses. */
enum { MARK_R, MARK_K, MARK_X };

void graph_init(struct graph *g);
void graph_free(struct graph *g);

/* A new node with zeroed refs and bytes; returns its index. */
uint32_t graph_new(struct graph *g, unsigned tag, size_t nrefs, size_t nbytes);
void graph_remove(struct graph *g, uint32_t i);

/* The node whose id is id, or NONE. */
uint32_t graph_find(const struct graph *g, uint64_t id);

static inline struct mnode *graph_node(struct graph *g, uint32_t i) {
    return &g->v[i];
}

/* Marking: graph_mark_begin starts a new empty set 'which'; graph_mark_add
 * adds a node and everything it reaches. */
uint32_t graph_mark_begin(struct graph *g);
void graph_mark_add(struct graph *g, int which, uint32_t stamp, uint32_t i);
static inline bool graph_marked(const struct graph *g, int which,
                                uint32_t stamp, uint32_t i) {
    return i != NONE && g->v[i].stamp[which] == stamp;
}

#endif

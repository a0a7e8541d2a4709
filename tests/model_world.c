/* model_world.c -- the operation interpreter: each op is applied to the real
 * heap and to the model graph; calls that may collect are followed by
 * world_after_call (model_check.c). */
#include "model_world.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[OP_COUNT] = {
    "alloc", "set", "write", "push", "pop", "restore", "global_set",
    "global_toggle", "handle", "handle_get", "handle_free", "pin", "unpin",
    "weak", "weak_get", "weak_free", "eph_new", "eph_get", "eph_free",
    "final_set", "final_clear", "resur_drop", "hash", "minor", "full", "stale",
};

const char *op_name(int kind) {
    return kind >= 0 && kind < OP_COUNT ? names[kind] : "?";
}

static unsigned current_kind = OP_COUNT;

void world_fail(struct world *w, const char *fmt, ...) {
    if (!w->failed) {
        va_list ap;
        fprintf(stderr, "model: FAIL at op %llu (%s): ",
                (unsigned long long)w->op_index, op_name((int)current_kind));
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    w->failed = true;
    if (w->abort_on_fail)
        abort();
}

void world_acc_add(struct world *w, uint32_t node) {
    if (w->nacc == w->cap_acc) {
        w->cap_acc = w->cap_acc ? w->cap_acc * 2 : 256;
        w->acc = realloc(w->acc, w->cap_acc * sizeof *w->acc);
        if (!w->acc)
            abort();
    }
    w->acc[w->nacc++] = node;
}

/* ================================================== callbacks from the heap */

static void on_error(movgc_heap *h, int code, const char *msg, void *ud) {
    struct world *w = ud;
    (void)h;
    w->last_err = code;
    if (code == MOVGC_E_STALE || (code == MOVGC_E_NOMEM && w->expect_nomem))
        return;
    world_fail(w, "movgc reported %s: %s", movgc_strerror(code), msg);
}

static void finalized(struct world *w, void *obj, bool resurrect) {
    uint32_t n = NONE;
    if (movgc_nbytes(obj) >= 8) {
        uint64_t id;
        memcpy(&id, movgc_data(obj), 8);
        n = graph_find(&w->g, id);
    }
    int slot = -1;
    for (int i = 0; resurrect && i < W_RESUR && slot < 0; i++)
        if (!w->resur[i] && w->resur_node[i] == NONE) {
            w->resur[i] = obj;
            slot = i;
        }
    if (w->nflog == w->cap_flog) {
        w->cap_flog = w->cap_flog ? w->cap_flog * 2 : 64;
        w->flog = realloc(w->flog, w->cap_flog * sizeof *w->flog);
        if (!w->flog)
            abort();
    }
    w->flog[w->nflog++] = (struct flog_entry){n, slot};
}

static void fin_log(movgc_heap *h, void *obj, void *ud) {
    (void)h;
    finalized(ud, obj, false);
}

static void fin_resurrect(movgc_heap *h, void *obj, void *ud) {
    (void)h;
    finalized(ud, obj, true);
}

/* ============================================================ life of a world */

bool world_init(struct world *w, const movgc_config *cfg, bool abort_on_fail) {
    memset(w, 0, sizeof *w);
    graph_init(&w->g);
    w->abort_on_fail = abort_on_fail;
    movgc_config c = {0};
    if (cfg)
        c = *cfg;
    c.on_error = on_error;
    c.ud = w;
    w->expect_nomem = c.heap_limit != 0 || getenv("MOVGC_HEAP_LIMIT");
    for (int i = 0; i < W_STACK; i++)
        w->stk_node[i] = NONE;
    for (int i = 0; i < W_GLOBALS; i++)
        w->glob_node[i] = NONE;
    for (int i = 0; i < W_RESUR; i++)
        w->resur_node[i] = NONE;
    w->h = movgc_heap_new(&c);
    if (!w->h)
        return false;
    w->base = movgc_roots_depth(w->h);
    for (int i = 0; i < W_RESUR; i++)
        if (movgc_root_add(w->h, &w->resur[i]) != 0)
            world_fail(w, "movgc_root_add failed");
    movgc_stats st;
    movgc_get_stats(w->h, &st, sizeof st);
    w->seen_minor = st.minor_collections;
    w->seen_full = st.full_collections;
    w->seen_begun = st.incremental_begun;
    w->seen_incfull = st.incremental_fulls;
    w->epoch = 1;
    return !w->failed;
}

bool world_finish(struct world *w) {
    if (!w->failed) {
        current_kind = OP_FULL;
        movgc_collect(w->h, MOVGC_FULL);
        world_after_call(w);
    }
    movgc_roots_restore(w->h, 0);  /* movgc_heap_free wants no roots left */
    movgc_heap_free(w->h);
    graph_free(&w->g);
    free(w->acc);
    free(w->flog);
    free(w->reads);
    free(w->amap);
    free(w->amap_node);
    return !w->failed;
}

/* ============================================================ choosing nodes */

/* A node whose address is current, or NONE when there is none. */
static uint32_t pick(struct world *w, uint32_t x) {
    uint32_t n = w->nacc ? w->acc[x % w->nacc] : NONE;
    if (n != NONE && w->g.v[n].snap_dead)
        world_revived(w, n);  /* got back through a weak handle */
    return n;
}

/* NULL one time in eight, else a current node. */
static uint32_t pick_or_null(struct world *w, uint32_t x) {
    return x % 8 == 0 ? NONE : pick(w, x / 8);
}

static void *addr(struct world *w, uint32_t n) {
    if (n == NONE)
        return NULL;
    if (w->g.v[n].addr_epoch != w->epoch)
        world_fail(w, "internal: node %u used without a current address", n);
    return w->g.v[n].addr;
}

/* p, returned by the heap, must be node n at its current address. */
static void expect(struct world *w, void *p, uint32_t n, const char *what) {
    void *want = addr(w, n);
    if (p != want)
        world_fail(w, "%s: got %p, model says %p (node %llx)", what, p, want,
                   n == NONE ? 0ULL : (unsigned long long)w->g.v[n].id);
}

static void push_root(struct world *w, uint32_t n) {
    if (w->depth == W_STACK)
        return;
    w->stk[w->depth] = addr(w, n);
    w->stk_node[w->depth] = n;
    movgc_push_root(w->h, &w->stk[w->depth]);
    w->depth++;
}

static void add_stale(struct world *w, movgc_handle hd) {
    w->stale[w->nstale < W_STALE ? w->nstale++ : hd.id % W_STALE] = hd.id;
}

/* ============================================================== allocation */

struct shape {
    size_t nrefs, nbytes;
};

static struct shape shape_of(struct world *w, uint32_t a, uint32_t b) {
    unsigned cls = a % 1000;
    if (cls == 999 && w->big_ok)    /* escaped sizes in the header */
        return (struct shape){b % 8, 0xFFFFFu + b % 4096};
    if (cls < 550)
        return (struct shape){b % 5, 8 + (b >> 3) % 48};
    if (cls < 670) {                /* too small for an id, even empty */
        struct shape s = {b % 3, (b >> 2) % 8};
        if (w->no_empty && s.nrefs == 0 && s.nbytes == 0)
            s.nbytes = 1;
        return s;
    }
    if (cls < 820)
        return (struct shape){5 + b % 36, 8 + (b >> 6) % 300};
    if (cls < 960)                  /* past the inline path's limits */
        return (struct shape){b % 100, 300 + (b >> 7) % 5000};
    return (struct shape){b % 3000, (16 << 10) + (b >> 5) % (70 << 10)};
}

/* Check a fresh object, then give it its id and a pattern. */
static uint32_t adopt(struct world *w, void *p, unsigned tag, struct shape s) {
    if (movgc_nrefs(p) != s.nrefs || movgc_nbytes(p) != s.nbytes ||
        movgc_tag(p) != tag) {
        world_fail(w, "new object has shape %zu/%zu tag %u, asked %zu/%zu tag %u",
                   movgc_nrefs(p), movgc_nbytes(p), movgc_tag(p), s.nrefs, s.nbytes,
                   tag);
        return NONE;
    }
    for (size_t k = 0; k < s.nrefs; k++)
        if (movgc_get(p, k)) {
            world_fail(w, "new object's slot %zu is not NULL", k);
            return NONE;
        }
    uint8_t *data = movgc_data(p);
    for (size_t k = 0; k < s.nbytes; k++)
        if (data[k]) {
            world_fail(w, "new object's raw byte %zu is not zero", k);
            return NONE;
        }
    uint32_t n = graph_new(&w->g, tag, s.nrefs, s.nbytes);
    struct mnode *m = &w->g.v[n];
    for (size_t k = 0; k < s.nbytes; k++)
        m->bytes[k] = (uint8_t)(m->id * 131 + k * 7);
    if (m->has_id)
        memcpy(m->bytes, &m->id, 8);
    memcpy(data, m->bytes, s.nbytes);
    m->addr = p;
    m->addr_epoch = w->epoch;
    world_acc_add(w, n);
    if (w->trace)
        fprintf(stderr, "  node %llx at %p: %zu/%zu tag %u\n",
                (unsigned long long)m->id, p, s.nrefs, s.nbytes, tag);
    return n;
}

static void set_slot(struct world *w, uint32_t src, uint32_t i, uint32_t val) {
    struct mnode *m = &w->g.v[src];
    if (m->nrefs == 0)
        return;
    i %= (uint32_t)(m->nrefs > UINT32_MAX ? UINT32_MAX : m->nrefs);
    movgc_set(w->h, addr(w, src), i, addr(w, val));
    w->g.v[src].refs[i] = val;
    if (w->trace)
        fprintf(stderr, "  node %llx slot %u := node %llx (%p)\n",
                (unsigned long long)m->id, i,
                val == NONE ? 0ULL : (unsigned long long)w->g.v[val].id,
                addr(w, val));
}

static void op_alloc(struct world *w, const struct op *op) {
    struct shape s = shape_of(w, op->a, op->b);
    unsigned tag = (op->c >> 3) & 0xFFFFu;
    void *p = movgc_alloc(w->h, tag, s.nrefs, s.nbytes);
    world_after_call(w);
    if (w->failed)
        return;
    if (!p) {
        if (!w->expect_nomem)
            world_fail(w, "movgc_alloc(%zu, %zu) returned NULL", s.nrefs, s.nbytes);
        return;
    }
    uint32_t n = adopt(w, p, tag, s);
    if (n == NONE)
        return;
    uint32_t c = op->c >> 8;
    switch (op->c % 6) {
    case 0:
    case 1:
        push_root(w, n);
        break;
    case 2: {
        int g = (int)(c % W_GLOBALS);
        if (w->glob_reg[g]) {
            w->glob[g] = p;
            w->glob_node[g] = n;
        }
        break;
    }
    case 3:
        set_slot(w, pick(w, c), c / 7, n);
        break;
    case 4:
        for (int i = 0; i < W_HANDLES; i++)
            if (!w->hs[i].used) {
                w->hs[i] = (struct strong){movgc_handle_new(w->h, p), n, 0, NULL, true};
                break;
            }
        break;
    default:
        break;  /* garbage */
    }
}

/* ================================================================ mutation */

static void op_write(struct world *w, const struct op *op) {
    uint32_t n = pick(w, op->a);
    if (n == NONE || w->g.v[n].nbytes <= 8)
        return;
    struct mnode *m = &w->g.v[n];
    size_t off = 8 + op->b % (m->nbytes - 8);
    size_t len = 1 + op->c % 16;
    if (len > m->nbytes - off)
        len = m->nbytes - off;
    uint8_t *data = movgc_data(addr(w, n));
    for (size_t k = 0; k < len; k++)
        data[off + k] = m->bytes[off + k] = (uint8_t)(op->c + k * 13);
}

/* =================================================================== roots */

static void op_stack(struct world *w, const struct op *op) {
    size_t k;
    switch (op->kind) {
    case OP_PUSH:
        push_root(w, pick_or_null(w, op->a));
        break;
    case OP_POP:
        k = 1 + op->a % 3;
        if (k > w->depth)
            k = w->depth;
        movgc_pop_roots(w->h, k);
        w->depth -= k;
        break;
    default:
        k = op->a % (w->depth + 1);
        movgc_roots_restore(w->h, w->base + k);
        w->depth = k;
        break;
    }
    for (size_t i = w->depth; i < W_STACK; i++) {
        w->stk[i] = NULL;
        w->stk_node[i] = NONE;
    }
    if (movgc_roots_depth(w->h) != w->base + w->depth)
        world_fail(w, "shadow-stack depth %zu, model says %zu",
                   movgc_roots_depth(w->h), w->base + w->depth);
}

static void op_global(struct world *w, const struct op *op) {
    int i = (int)(op->a % W_GLOBALS);
    if (op->kind == OP_GLOBAL_SET) {
        uint32_t n = pick_or_null(w, op->b);
        w->glob[i] = addr(w, n);
        w->glob_node[i] = w->glob_reg[i] ? n : NONE;
    } else if (w->glob_reg[i]) {
        movgc_root_remove(w->h, &w->glob[i]);
        w->glob_reg[i] = false;
        w->glob_node[i] = NONE;
    } else {
        w->glob[i] = NULL;
        if (movgc_root_add(w->h, &w->glob[i]) != 0)
            world_fail(w, "movgc_root_add failed");
        w->glob_reg[i] = true;
        w->glob_node[i] = NONE;
    }
}

/* ================================================================= handles */

static void op_strong(struct world *w, const struct op *op) {
    struct strong *s = &w->hs[op->a % W_HANDLES];
    switch (op->kind) {
    case OP_HANDLE: {
        uint32_t n = pick_or_null(w, op->b);
        if (!s->used) {
            *s = (struct strong){movgc_handle_new(w->h, addr(w, n)), n, 0, NULL, true};
            if (s->hd.id == 0)
                world_fail(w, "movgc_handle_new returned the null handle");
        } else if (s->pins == 0) {
            movgc_handle_set(w->h, s->hd, addr(w, n));
            s->node = n;
        }
        break;
    }
    case OP_HANDLE_GET:
        if (s->used)
            expect(w, movgc_handle_get(w->h, s->hd), s->node, "movgc_handle_get");
        break;
    case OP_HANDLE_FREE:
        if (s->used) {
            movgc_handle_free(w->h, s->hd);
            add_stale(w, s->hd);
            s->used = false;
        }
        break;
    default: /* OP_UNPIN */
        if (s->used && s->pins) {
            movgc_unpin(w->h, s->hd);
            s->pins--;
        }
        break;
    }
}

/* movgc_pin may run a minor collection whose finalizers wait for the next
 * collecting call; one more minor collection makes them run, and shows the
 * pinned object stays put. */
static void op_pin(struct world *w, const struct op *op) {
    struct strong *s = &w->hs[op->a % W_HANDLES];
    if (!s->used)
        return;
    movgc_stats before, after;
    movgc_get_stats(w->h, &before, sizeof before);
    void *p = movgc_pin(w->h, s->hd);
    if (p && s->node == NONE)
        world_fail(w, "movgc_pin of a NULL handle returned %p", p);
    if (!p && s->node != NONE && !w->expect_nomem)
        world_fail(w, "movgc_pin returned NULL");
    if (p && s->pins && p != s->pin_addr)
        world_fail(w, "movgc_pin of a pinned object moved it");
    if (p) {
        s->pins++;
        s->pin_addr = p;
    }
    movgc_get_stats(w->h, &after, sizeof after);
    if (after.minor_collections + after.full_collections !=
        before.minor_collections + before.full_collections)
        movgc_collect(w->h, MOVGC_MINOR);
    else if (p)
        expect(w, p, s->node, "movgc_pin");
    world_after_call(w);
}

static void op_weak(struct world *w, const struct op *op) {
    int i = (int)(op->a % W_WEAKS);
    struct weak *e = &w->ws[i];
    switch (op->kind) {
    case OP_WEAK: {
        uint32_t n = pick_or_null(w, op->b);
        if (!e->used) {
            e->hd = movgc_weak_new(w->h, addr(w, n));
            if (e->hd.id == 0)
                world_fail(w, "movgc_weak_new returned the null handle");
        } else {
            movgc_handle_set(w->h, e->hd, addr(w, n));
        }
        *e = (struct weak){e->hd, n, NONE, true, false};
        break;
    }
    case OP_WEAK_GET:
        if (e->used) {
            void *p = movgc_handle_get(w->h, e->hd);
            expect(w, p, e->node, "weak movgc_handle_get");
            world_weak_read(w, e->node, false);
            if (p && op->b % 2) {
                push_root(w, e->node);  /* a weak target made strong again */
                world_revived(w, e->node);
            }
        }
        break;
    default:
        if (e->used) {
            movgc_handle_free(w->h, e->hd);
            add_stale(w, e->hd);
            e->used = false;
        }
        break;
    }
}

static void op_eph(struct world *w, const struct op *op) {
    struct weak *e = &w->es[op->a % W_EPHS];
    switch (op->kind) {
    case OP_EPH_NEW:
        if (!e->used) {
            uint32_t k = pick_or_null(w, op->b), v = pick_or_null(w, op->c);
            if (k == NONE)
                v = NONE;  /* a NULL key drops the value at once */
            e->hd = movgc_ephemeron_new(w->h, addr(w, k), addr(w, v));
            if (e->hd.id == 0)
                world_fail(w, "movgc_ephemeron_new returned the null handle");
            *e = (struct weak){e->hd, k, v, true, false};
        }
        break;
    case OP_EPH_GET:
        if (e->used) {
            expect(w, movgc_handle_get(w->h, e->hd), e->node, "ephemeron key");
            expect(w, movgc_ephemeron_value(w->h, e->hd), e->value,
                   "movgc_ephemeron_value");
            world_weak_read(w, e->node, false);
            world_weak_read(w, e->value, false);
            if (op->b % 3 == 1 && e->node != NONE) {
                push_root(w, e->node);
                world_revived(w, e->node);
            }
            if (op->b % 3 == 2 && e->value != NONE) {
                push_root(w, e->value);
                world_revived(w, e->value);
            }
        }
        break;
    default:
        if (e->used) {
            movgc_handle_free(w->h, e->hd);
            add_stale(w, e->hd);
            e->used = false;
        }
        break;
    }
}

/* A freed or forged id: every call reports MOVGC_E_STALE and does nothing. */
static void op_stale(struct world *w, const struct op *op) {
    movgc_handle hd;
    if (op->b % 2 == 0 && w->nstale)
        hd.id = w->stale[op->a % w->nstale];
    else
        hd.id = ((uint64_t)(op->c | 1) << 32) | (1 + op->a % 4096);
    for (int i = 0; i < W_HANDLES; i++)
        if (w->hs[i].used && w->hs[i].hd.id == hd.id)
            return;
    for (int i = 0; i < W_WEAKS; i++)
        if (w->ws[i].used && w->ws[i].hd.id == hd.id)
            return;
    for (int i = 0; i < W_EPHS; i++)
        if (w->es[i].used && w->es[i].hd.id == hd.id)
            return;
    void *p = NULL;
    switch (op->b / 2 % 6) {
    case 0: p = movgc_handle_get(w->h, hd); break;
    case 1: movgc_handle_set(w->h, hd, NULL); break;
    case 2: movgc_handle_free(w->h, hd); break;
    case 3: p = movgc_pin(w->h, hd); break;
    case 4: movgc_unpin(w->h, hd); break;
    default: p = movgc_ephemeron_value(w->h, hd); break;
    }
    if (p)
        world_fail(w, "stale handle %#llx gave %p", (unsigned long long)hd.id, p);
    if (w->last_err != MOVGC_E_STALE)
        world_fail(w, "stale handle %#llx not reported (error %d)",
                   (unsigned long long)hd.id, w->last_err);
    w->last_err = 0;
}

/* ================================================= finalizers and identity */

static void op_final(struct world *w, const struct op *op) {
    uint32_t n = pick(w, op->a);
    if (op->kind == OP_RESUR_DROP) {
        int i = (int)(op->a % W_RESUR);
        w->resur[i] = NULL;
        w->resur_node[i] = NONE;
        return;
    }
    if (n == NONE)
        return;
    if (op->kind == OP_FINAL_CLEAR) {
        movgc_set_finalizer(w->h, addr(w, n), NULL, NULL);
        w->g.v[n].fin = FIN_NONE;
    } else if (w->g.v[n].has_id) {
        bool res = op->b % 2;
        movgc_set_finalizer(w->h, addr(w, n), res ? fin_resurrect : fin_log, w);
        w->g.v[n].fin = res ? FIN_RESURRECT : FIN_LOG;
    }
}

static void op_hash(struct world *w, const struct op *op) {
    uint32_t n = pick(w, op->a);
    if (n == NONE)
        return;
    struct mnode *m = &w->g.v[n];
    uint64_t hash = movgc_identity_hash(w->h, addr(w, n));
    if (m->hashed && hash != m->hash)
        world_fail(w, "identity hash of node %llx changed",
                   (unsigned long long)m->id);
    m->hashed = true;
    m->hash = hash;
}

/* ================================================================ dispatch */

bool world_exec(struct world *w, const struct op *op) {
    if (w->failed)
        return false;
    w->op_index++;
    current_kind = op->kind % OP_COUNT;
    w->last_err = 0;
    switch (op->kind % OP_COUNT) {
    case OP_ALLOC: op_alloc(w, op); break;
    case OP_SET: {
        uint32_t src = pick(w, op->a);
        if (src != NONE)
            set_slot(w, src, op->b, pick_or_null(w, op->c));
        break;
    }
    case OP_WRITE: op_write(w, op); break;
    case OP_PUSH: case OP_POP: case OP_RESTORE: op_stack(w, op); break;
    case OP_GLOBAL_SET: case OP_GLOBAL_TOGGLE: op_global(w, op); break;
    case OP_HANDLE: case OP_HANDLE_GET: case OP_HANDLE_FREE: case OP_UNPIN:
        op_strong(w, op);
        break;
    case OP_PIN: op_pin(w, op); break;
    case OP_WEAK: case OP_WEAK_GET: case OP_WEAK_FREE: op_weak(w, op); break;
    case OP_EPH_NEW: case OP_EPH_GET: case OP_EPH_FREE: op_eph(w, op); break;
    case OP_FINAL_SET: case OP_FINAL_CLEAR: case OP_RESUR_DROP:
        op_final(w, op);
        break;
    case OP_HASH: op_hash(w, op); break;
    case OP_MINOR: case OP_FULL:
        movgc_collect(w->h, op->kind % OP_COUNT == OP_MINOR ? MOVGC_MINOR : MOVGC_FULL);
        world_after_call(w);
        break;
    default: op_stale(w, op); break;
    }
    if (w->last_err && !(w->last_err == MOVGC_E_NOMEM && w->expect_nomem))
        world_fail(w, "unexpected error %s", movgc_strerror(w->last_err));
    return !w->failed;
}

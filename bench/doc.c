/* doc.c -- JSON-like document generator and verifier (see doc.h).
 * Sizes are skewed: most strings are short, a few are kilobytes long; most
 * containers are small, a few arrays are long.  Everything a document holds
 * is derived from the rng, so each backend builds the same documents. */
#include <string.h>
#include "bk.h"
#include "doc.h"

int doc_max_depth = 4;
int doc_min_array = 0;

struct gen {
    bench_rng *rng;
    uint64_t sum;      /* checksum of the nodes built so far, in build order */
    size_t bytes;      /* their bk_objsize total */
};

/* A length with a heavy tail: 2^e scale with e geometric (P = 1/2). */
static size_t skewed(bench_rng *rng, size_t unit, unsigned emax) {
    unsigned e = (unsigned)__builtin_ctzll(bench_rand(rng) | (1ull << emax));
    return 1 + (size_t)bench_below(rng, unit << e);
}

static void fill_words(void *p, size_t n, uint64_t seed) {
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(seed >> (8 * (i & 7))) + (unsigned char)i;
}

/* Checksum of raw bytes as the verifier computes it. */
static uint64_t sum_bytes(uint64_t h, const unsigned char *b, size_t n) {
    uint64_t acc = n;
    for (size_t i = 0; i < n; i++)
        acc = acc * 31 + b[i];
    return bench_mix(h, acc);
}

static void *gen_string(struct gen *g, size_t len) {
    void *s = bk_alloc(T_STR, 0, len);
    fill_words(bk_data(s), len, bench_rand(g->rng));
    g->sum = sum_bytes(bench_mix(g->sum, T_STR), bk_data(s), len);
    g->bytes += bk_objsize(0, len);
    return s;
}

static void *gen_number(struct gen *g) {
    void *n = bk_alloc(T_NUM, 0, 8);
    uint64_t v = bench_rand(g->rng);
    memcpy(bk_data(n), &v, 8);
    g->sum = bench_mix(bench_mix(g->sum, T_NUM), v);
    g->bytes += bk_objsize(0, 8);
    return n;
}

static void *gen_value(struct gen *g, int depth);

/* A container: an object (key, value pairs) or an array.  The container is
 * allocated first and filled as the parser reads on, so it is rooted
 * [bk.root] while its children are built. */
static void *gen_container(struct gen *g, int depth, int is_obj) {
    size_t n = is_obj ? 1 + bench_below(g->rng, 8)
                      : (bench_below(g->rng, 40) ? bench_below(g->rng, 12)
                                                 : 16 + bench_below(g->rng, 200));
    if (!is_obj && n < (size_t)doc_min_array)
        n = (size_t)doc_min_array;
    size_t nrefs = is_obj ? 2 * n : n;
    void *c = bk_alloc(is_obj ? T_OBJ : T_ARR, nrefs, 0);
    BK_ROOT(c);
    g->sum = bench_mix(bench_mix(g->sum, is_obj ? T_OBJ : T_ARR), nrefs);
    g->bytes += bk_objsize(nrefs, 0);
    for (size_t i = 0; i < nrefs; i++) {
        void *v = is_obj && !(i & 1) ? gen_string(g, 2 + bench_below(g->rng, 14))
                                     : gen_value(g, depth + 1);
        bk_set(c, i, v);
    }
    BK_UNROOT(1);
    return c;
}

static void *gen_value(struct gen *g, int depth) {
    unsigned r = (unsigned)bench_below(g->rng, 100);
    unsigned pc = depth >= doc_max_depth ? 0 : depth < 2 ? 45 : 25;  /* % containers */
    if (r < pc)
        return gen_container(g, depth, r < pc / 2);
    if (r < pc + (100 - pc) / 2)
        return gen_string(g, skewed(g->rng, 16, 9));
    return gen_number(g);
}

void *doc_parse(bench_rng *rng) {
    struct gen g = {rng, 0, 0};
    void *body = NULL, *tree = NULL, *env = NULL;
    size_t blen = 256 + skewed(rng, 1024, 5);
    BK_ROOT(body);
    BK_ROOT(tree);
    body = bk_alloc(T_BODY, 0, blen);              /* the request as received */
    memset(bk_data(body), 'x', blen);
    tree = gen_container(&g, 0, 1);
    env = bk_alloc(T_DOC, 1, 16);
    bk_set(env, 0, tree);
    g.bytes += bk_objsize(1, 16);
    memcpy(bk_data(env), &g.sum, 8);
    memcpy((char *)bk_data(env) + 8, &g.bytes, 8);
    bk_drop_tree(body);                            /* request parsed: body freed */
    BK_UNROOT(2);
    return env;
}

size_t doc_bytes(void *env) {
    uint64_t b;
    memcpy(&b, (char *)bk_data(env) + 8, 8);
    return (size_t)b;
}

/* Recompute in the generator's order: a node's own record, then its slots
 * in order (depth-first, pre-order). */
static uint64_t walk(void *n, uint64_t h, size_t *bytes) {
    unsigned tag = bk_tag(n);
    size_t nrefs = bk_nrefs(n), nbytes = bk_nbytes(n);
    *bytes += bk_objsize(nrefs, nbytes);
    if (tag == T_STR)
        return sum_bytes(bench_mix(h, T_STR), bk_data(n), nbytes);
    if (tag == T_NUM) {
        uint64_t v;
        memcpy(&v, bk_data(n), 8);
        return bench_mix(bench_mix(h, T_NUM), v);
    }
    h = bench_mix(bench_mix(h, tag), nrefs);
    for (size_t i = 0; i < nrefs; i++)
        h = walk(bk_get(n, i), h, bytes);
    return h;
}

uint64_t doc_verify(void *env, int *ok) {
    uint64_t want;
    size_t bytes = bk_objsize(1, 16);
    memcpy(&want, bk_data(env), 8);
    uint64_t got = walk(bk_get(env, 0), 0, &bytes);
    if (got != want || bytes != doc_bytes(env) || bk_tag(env) != T_DOC)
        *ok = 0;
    return got;
}

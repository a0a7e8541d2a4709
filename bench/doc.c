/* doc.c -- JSON-like document generator and verifier (see doc.h).
 * Sizes are skewed: most strings are short, a few are kilobytes long; most
 * containers are small, a few arrays are long.  Everything a document holds
 * is derived from the rng, so each backend builds the same documents. */
#include <stdlib.h>
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

/* The same by 8-byte words (the bodies' strings: large documents, whose
 * checks would otherwise cost more than the work they check). */
static uint64_t sum_words(uint64_t h, const unsigned char *b, size_t n) {
    uint64_t acc = n, v;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&v, b + i, 8);
        acc = (acc ^ v) * 0x9E3779B97F4A7C15u;
    }
    v = 0;
    memcpy(&v, b + i, n - i);
    return bench_mix(h, (acc ^ v) * 0x9E3779B97F4A7C15u);
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

/* ------------------------------------------------------- large bodies */

void (*doc_poll)(void);

/* The body the parser reads: string contents and numbers are copied from it
 * at a cursor that wraps around (the tree's size is set by the caller's
 * proportion, not by how much text a real encoding would spend). */
struct body_src {
    void *body;        /* rooted by doc_parse_body: it survives collections */
    size_t len, pos;
};

static void body_read(struct body_src *b, void *dst, size_t n) {
    unsigned char *d = dst;
    const unsigned char *src = bk_data(b->body);  /* re-read: the body may move */
    while (n) {
        size_t k = b->len - b->pos < n ? b->len - b->pos : n;
        memcpy(d, src + b->pos, k);
        d += k, n -= k;
        b->pos = (b->pos + k) % b->len;
    }
}

/* The network: bytes the kernel would copy into a receive buffer, made
 * once from a fixed seed (outside the heap under test: the same for every
 * backend). */
enum { NET_BYTES = 1 << 21 };
static unsigned char *net;

static const unsigned char *net_bytes(void) {
    if (!net) {
        bench_rng r = {0x6E6574};
        net = malloc(NET_BYTES);
        if (!net)
            abort();
        for (size_t i = 0; i < NET_BYTES; i += 8) {
            uint64_t w = bench_rand(&r);
            memcpy(net + i, &w, 8);
        }
    }
    return net;
}

/* The request as received: every byte of the body written, in recv-sized
 * chunks, from the network at a random offset. */
static void body_receive(void *body, size_t len, bench_rng *rng) {
    const unsigned char *src = net_bytes();
    unsigned char *d = bk_data(body);
    for (size_t i = 0; i < len; i += 16384) {
        size_t k = len - i < 16384 ? len - i : 16384;
        size_t off = (size_t)bench_below(rng, NET_BYTES - 16384);
        memcpy(d + i, src + off, k);
    }
}

static void *read_string(struct gen *g, struct body_src *b, size_t len) {
    void *s = bk_alloc(T_BSTR, 0, len);
    body_read(b, bk_data(s), len);
    g->sum = sum_words(bench_mix(g->sum, T_BSTR), bk_data(s), len);
    g->bytes += bk_objsize(0, len);
    return s;
}

static void *read_number(struct gen *g, struct body_src *b) {
    void *n = bk_alloc(T_NUM, 0, 8);
    uint64_t v;
    body_read(b, &v, 8);
    memcpy(bk_data(n), &v, 8);
    g->sum = bench_mix(bench_mix(g->sum, T_NUM), v);
    g->bytes += bk_objsize(0, 8);
    return n;
}

static void *read_value(struct gen *g, struct body_src *b, int depth);

/* As gen_container, with leaves read from the body. */
static void *read_container(struct gen *g, struct body_src *b, int depth, int is_obj) {
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
        void *v = is_obj && !(i & 1) ? read_string(g, b, 2 + bench_below(g->rng, 14))
                                     : read_value(g, b, depth + 1);
        bk_set(c, i, v);
    }
    BK_UNROOT(1);
    return c;
}

static void *read_value(struct gen *g, struct body_src *b, int depth) {
    unsigned r = (unsigned)bench_below(g->rng, 100);
    unsigned pc = depth >= doc_max_depth ? 0 : depth < 2 ? 45 : 25;  /* % containers */
    if (r < pc)
        return read_container(g, b, depth, r < pc / 2);
    if (r < pc + (100 - pc) / 2)
        return read_string(g, b, skewed(g->rng, 16, 9));
    return read_number(g, b);
}

/* A new record list of n slots holding the first min(n, its length) of
 * a's; a itself is freed (bk_free: the parser's realloc). */
static void *array_copy(void *a, size_t n) {
    BK_ROOT(a);
    void *c = bk_alloc(T_RECS, n, 0);
    size_t m = bk_nrefs(a) < n ? bk_nrefs(a) : n;
    for (size_t i = 0; i < m; i++)
        bk_set(c, i, bk_get(a, i));
    BK_UNROOT(1);
    bk_free(a);
    return c;
}

void *doc_parse_body(bench_rng *rng, size_t blen, size_t tree_bytes) {
    struct gen g = {rng, 0, 0};
    struct body_src b = {NULL, blen ? blen : 1, 0};
    void *arr = NULL, *rec = NULL, *env = NULL;
    size_t n = 0;
    BK_ROOT(b.body);
    BK_ROOT(arr);
    BK_ROOT(rec);
    b.body = bk_alloc(T_BODY, 0, b.len);
    body_receive(b.body, b.len, rng);
    arr = bk_alloc(T_RECS, 16, 0);                 /* the top-level array, growing */
    while (g.bytes + bk_objsize(n, 0) + bk_objsize(1, 16) < tree_bytes) {
        rec = read_container(&g, &b, 1, 1);
        if (n == bk_nrefs(arr))
            arr = array_copy(arr, 2 * n);          /* doubled; the old one freed */
        bk_set(arr, n++, rec);
        if (doc_poll)
            doc_poll();
    }
    rec = NULL;
    if (n != bk_nrefs(arr))
        arr = array_copy(arr, n);                  /* trimmed to its length */
    /* the list's own record comes last (its length is known only now) */
    uint64_t sum = bench_mix(bench_mix(g.sum, T_RECS), n);
    size_t bytes = g.bytes + bk_objsize(n, 0) + bk_objsize(1, 16);
    env = bk_alloc(T_DOC, 1, 16);
    bk_set(env, 0, arr);
    memcpy(bk_data(env), &sum, 8);
    memcpy((char *)bk_data(env) + 8, &bytes, 8);
    bk_drop_tree(b.body);                          /* parsed: the body is freed */
    BK_UNROOT(3);
    return env;
}

size_t doc_bytes(void *env) {
    uint64_t b;
    memcpy(&b, (char *)bk_data(env) + 8, 8);
    return (size_t)b;
}

/* Recompute in the generator's order: a node's own record, then its slots
 * in order (depth-first, pre-order); a record list's own record comes after
 * its slots (a parser learns its length at the end). */
static uint64_t walk(void *n, uint64_t h, size_t *bytes) {
    unsigned tag = bk_tag(n);
    size_t nrefs = bk_nrefs(n), nbytes = bk_nbytes(n);
    *bytes += bk_objsize(nrefs, nbytes);
    if (tag == T_STR)
        return sum_bytes(bench_mix(h, T_STR), bk_data(n), nbytes);
    if (tag == T_BSTR)
        return sum_words(bench_mix(h, T_BSTR), bk_data(n), nbytes);
    if (tag == T_NUM) {
        uint64_t v;
        memcpy(&v, bk_data(n), 8);
        return bench_mix(bench_mix(h, T_NUM), v);
    }
    if (tag != T_RECS)
        h = bench_mix(bench_mix(h, tag), nrefs);
    for (size_t i = 0; i < nrefs; i++)
        h = walk(bk_get(n, i), h, bytes);
    return tag == T_RECS ? bench_mix(bench_mix(h, tag), nrefs) : h;
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

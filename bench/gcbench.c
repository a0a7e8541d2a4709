/* gcbench.c -- the classic Ellis/Kovac/Boehm GCBench structure: a stretch
 * tree, a long-lived tree and array, then many short-lived trees of depths
 * min..max built top-down (Populate) and bottom-up (MakeTree).
 * Trees are verified by walking a sample of them and the long-lived data. */
#include <string.h>
#include "bk.h"
#include "bench.h"

enum { T_NODE = 1, T_ARRAY = 2 };

static bench_param params[] = {
    /*  name            tiny    small   demo    full */
    {"stretch",      {6,      14,     18,     18}, 0},
    {"longlived",    {5,      12,     16,     16}, 0},
    {"array",        {1000,   100000, 500000, 500000}, 0},
    {"mindepth",     {2,      4,      4,      4}, 0},
    {"maxdepth",     {6,      12,     16,     16}, 0},
    {NULL, {0, 0, 0, 0}, 0},
};

static uint64_t sum = 0;     /* checksum of every verified tree */
static int ok = 1;

static size_t tree_nodes(int depth) { return ((size_t)1 << (depth + 1)) - 1; }

static void *new_node(int depth) {
    void *n = bk_alloc(T_NODE, 2, 8);
    int32_t *d = bk_data(n);
    d[0] = depth;       /* 'i' of the original, here the node's depth */
    d[1] = 0;
    return n;
}

/* Give n children down to depth 0, top-down: n is rooted while its
 * children are allocated [bk.root]. */
static void populate(int depth, void *n) {
    if (depth <= 0)
        return;
    BK_ROOT(n);
    depth--;
    void *c = new_node(depth);
    bk_set(n, 0, c);
    c = new_node(depth);
    bk_set(n, 1, c);
    populate(depth, bk_get(n, 0));
    populate(depth, bk_get(n, 1));
    BK_UNROOT(1);
}

/* A tree of the given depth, bottom-up. */
static void *make_tree(int depth) {
    void *l = NULL, *r = NULL;
    if (depth <= 0)
        return new_node(0);
    BK_ROOT(l);
    BK_ROOT(r);
    l = make_tree(depth - 1);
    r = make_tree(depth - 1);
    void *n = new_node(depth);
    bk_set(n, 0, l);
    bk_set(n, 1, r);
    BK_UNROOT(2);
    return n;
}

/* Count nodes and check every node's depth field and shape. */
static size_t walk(void *n, int depth) {
    const int32_t *d = bk_data(n);
    if (d[0] != depth || bk_tag(n) != T_NODE) {
        ok = 0;
        return 0;
    }
    void *l = bk_get(n, 0), *r = bk_get(n, 1);
    if (depth == 0)
        return (l || r) ? (ok = 0) : 1;
    if (!l || !r) {
        ok = 0;
        return 0;
    }
    return 1 + walk(l, depth - 1) + walk(r, depth - 1);
}

static void check_tree(void *t, int depth) {
    size_t n = walk(t, depth);
    if (n != tree_nodes(depth))
        ok = 0;
    sum = bench_mix(sum, n);
}

/* One depth: NumIters trees each way; the first and last of each kind are
 * verified (walking them all would double the benchmark's memory traffic). */
static void time_construction(int depth, long stretch) {
    long iters = (long)(2 * tree_nodes((int)stretch) / tree_nodes(depth));
    void *t = NULL;
    BK_ROOT(t);
    for (long i = 0; i < iters; i++) {
        t = new_node(depth);
        populate(depth, t);
        if (i == 0 || i == iters - 1)
            check_tree(t, depth);
        bk_drop_tree(t);
        t = NULL;
    }
    for (long i = 0; i < iters; i++) {
        t = make_tree(depth);
        if (i == 0 || i == iters - 1)
            check_tree(t, depth);
        bk_drop_tree(t);
        t = NULL;
    }
    BK_UNROOT(1);
}

int main(int argc, char **argv) {
    bench_args(argc, argv, params, NULL);
    long stretch = bench_get(params, "stretch"), longlived = bench_get(params, "longlived");
    long asize = bench_get(params, "array");
    long mind = bench_get(params, "mindepth"), maxd = bench_get(params, "maxdepth");
    void *tmp = NULL, *tree = NULL, *arr = NULL;
    size_t node = bk_objsize(2, 8);
    bk_init();
    BK_ROOT(tmp);
    BK_ROOT(tree);
    BK_ROOT(arr);
    uint64_t t0 = bench_now_ns();

    tmp = make_tree((int)stretch);                 /* stretch the heap */
    check_tree(tmp, (int)stretch);
    bk_drop_tree(tmp);
    tmp = NULL;

    tree = new_node((int)longlived);
    populate((int)longlived, tree);
    arr = bk_alloc(T_ARRAY, 0, 8 * (size_t)asize);
    double *a = bk_data(arr);
    memset(a, 0, 8 * (size_t)asize);
    for (long i = 1; i < asize / 2; i++)
        a[i] = 1.0 / (double)i;

    for (long d = mind; d <= maxd; d += 2) {
        time_construction((int)d, stretch);
        check_tree(tree, (int)longlived);          /* still intact, wherever it is */
    }
    a = bk_data(arr);
    for (long i = 1; i < asize / 2; i += 97) {
        if (a[i] != 1.0 / (double)i)
            ok = 0;
        sum = bench_mix(sum, (uint64_t)(a[i] * 1e9));
    }
    double secs = (double)(bench_now_ns() - t0) / 1e9;

    size_t live_final = tree_nodes((int)longlived) * node + bk_objsize(0, 8 * (size_t)asize);
    size_t live_peak = tree_nodes((int)stretch) * node;
    size_t during = live_final + tree_nodes((int)maxd) * node;
    if (during > live_peak)
        live_peak = during;
    int rc = bench_result("gcbench", ok, sum, secs, live_final, live_peak, "");
    bk_drop_tree(tree);
    bk_free(arr);
    BK_UNROOT(3);
    bk_fini();
    return rc;
}

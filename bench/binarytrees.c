/* binarytrees.c -- the Benchmarks Game binary-trees structure, single
 * threaded: a stretch tree of depth max+1, a long-lived tree of depth max,
 * and 2^(max-d+min) short-lived trees of each depth d = min, min+2, ..., max.
 * Every tree is checked (its node count), as the original requires. */
#include "bk.h"
#include "bench.h"

enum { T_NODE = 1 };

static bench_param params[] = {
    /*  name        tiny  small  demo  full */
    {"depth",     {6,    16,    18,   20}, 0},
    {NULL, {0, 0, 0, 0}, 0},
};

/* A tree of the given depth, bottom-up; children rooted [bk.root]. */
static void *make(int depth) {
    void *l = NULL, *r = NULL;
    if (depth == 0)
        return bk_alloc(T_NODE, 2, 0);
    BK_ROOT(l);
    BK_ROOT(r);
    l = make(depth - 1);
    r = make(depth - 1);
    void *n = bk_alloc(T_NODE, 2, 0);
    bk_set(n, 0, l);
    bk_set(n, 1, r);
    BK_UNROOT(2);
    return n;
}

static long check(void *n) {
    void *l = bk_get(n, 0);
    return l ? 1 + check(l) + check(bk_get(n, 1)) : 1;
}

int main(int argc, char **argv) {
    bench_args(argc, argv, params, NULL);
    int min = 4, max = (int)bench_get(params, "depth");
    if (max < min + 2)
        max = min + 2;
    void *t = NULL, *longlived = NULL;
    int ok = 1;
    uint64_t sum = 0;
    bk_init();
    BK_ROOT(t);
    BK_ROOT(longlived);
    uint64_t t0 = bench_now_ns();

    t = make(max + 1);
    long c = check(t);
    ok &= c == (2L << (max + 1)) - 1;
    sum = bench_mix(sum, (uint64_t)c);
    bk_drop_tree(t);
    t = NULL;

    longlived = make(max);
    for (int d = min; d <= max; d += 2) {
        long iters = 1L << (max - d + min), total = 0;
        for (long i = 0; i < iters; i++) {
            t = make(d);
            total += check(t);
            bk_drop_tree(t);
            t = NULL;
        }
        ok &= total == iters * ((2L << d) - 1);
        sum = bench_mix(sum, (uint64_t)total);
    }
    c = check(longlived);
    ok &= c == (2L << max) - 1;
    sum = bench_mix(sum, (uint64_t)c);
    double secs = (double)(bench_now_ns() - t0) / 1e9;

    size_t node = bk_objsize(2, 0);
    size_t live_final = (size_t)((2L << max) - 1) * node;
    size_t live_peak = (size_t)((2L << (max + 1)) - 1) * node;
    int rc = bench_result("binarytrees", ok, sum, secs, live_final, live_peak, "");
    bk_drop_tree(longlived);
    BK_UNROOT(2);
    bk_fini();
    return rc;
}

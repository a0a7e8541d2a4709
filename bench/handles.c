/* handles.c -- pointer chasing through handles against raw pointers.
 * Nodes form one random cycle; each node's raw bytes hold the index of the
 * next.  The raw loop loads node = ptrs[next], the handle loop node =
 * bk_handle_get(hds[next]): the difference is the handle dereference.
 * Done for a cache-resident cycle and for a large one.  The two loops take
 * turns in ROUNDS rounds and are timed by the thread's CPU clock, so that
 * on a shared machine the ratio does not depend on which loop the
 * scheduler happened to interrupt. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "bk.h"
#include "bench.h"

enum { T_NODE = 1, T_TABLE = 2 };

static bench_param params[] = {
    /*  name      tiny   small     demo      full */
    {"small",   {64,    1024,     1024,     1024}, 0},
    {"large",   {1000,  1 << 20,  1 << 20,  1 << 20}, 0},
    {"steps",   {20000, 20000000, 20000000, 100000000}, 0},
    {NULL, {0, 0, 0, 0}, 0},
};

static int ok = 1;

enum { ROUNDS = 8 };

static uint64_t cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t chase_raw(void **ptrs, long steps) {
    uint64_t idx = 0, sum = 0;
    for (long s = 0; s < steps; s++) {
        idx = *(uint64_t *)bk_data(ptrs[idx]);
        sum += idx;
    }
    return sum;
}

static uint64_t chase_handles(bk_handle *hds, long steps) {
    uint64_t idx = 0, sum = 0;
    for (long s = 0; s < steps; s++) {
        idx = *(uint64_t *)bk_data(bk_handle_get(hds[idx]));
        sum += idx;
    }
    return sum;
}

/* Build a random cycle of n nodes, chase it both ways; returns the ratio
 * handle time / raw time and adds both sums to *sum. */
static double run(size_t n, long steps, bench_rng *rng, uint64_t *sum, double *raw_ns,
                  double *hd_ns) {
    void *table = NULL;
    size_t *perm = malloc(n * sizeof *perm);
    void **ptrs = malloc(n * sizeof *ptrs);
    bk_handle *hds = malloc(n * sizeof *hds);
    if (!perm || !ptrs || !hds || n < 2) {
        fprintf(stderr, "handles: need at least 2 nodes and memory for them\n");
        exit(1);
    }
    BK_ROOT(table);
    table = bk_alloc(T_TABLE, n, 0);          /* keeps the nodes alive */
    for (size_t i = 0; i < n; i++) {
        void *o = bk_alloc(T_NODE, 0, 8);
        bk_set(table, i, o);
        perm[i] = i;
    }
    for (size_t i = n - 1; i > 0; i--) {      /* Fisher-Yates */
        size_t j = bench_below(rng, i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; i++)            /* node perm[i] -> perm[i+1] */
        *(uint64_t *)bk_data(bk_get(table, perm[i])) = perm[(i + 1) % n];
    bk_collect_full();                        /* settle: nothing moves below */
    for (size_t i = 0; i < n; i++)
        hds[i] = bk_handle_new(bk_get(table, i));
    for (size_t i = 0; i < n; i++)            /* raw pointers: valid, no allocation follows */
        ptrs[i] = bk_get(table, i);

    uint64_t a = 0, b = 0, raw = 0, hd = 0;
    long chunk = steps / ROUNDS > 0 ? steps / ROUNDS : 1;
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t t0 = cpu_ns();
        a += chase_raw(ptrs, chunk);
        uint64_t t1 = cpu_ns();
        b += chase_handles(hds, chunk);
        uint64_t t2 = cpu_ns();
        raw += t1 - t0;
        hd += t2 - t1;
    }
    if (a != b)
        ok = 0;
    *sum = bench_mix(bench_mix(*sum, a), b);
    for (size_t i = 0; i < n; i++)
        bk_handle_free(hds[i]);
    for (size_t i = 0; i < n; i++)
        bk_free(bk_get(table, i));
    bk_free(table);
    BK_UNROOT(1);
    free(perm), free(ptrs), free(hds);
    *raw_ns = (double)raw / (double)(chunk * ROUNDS);
    *hd_ns = (double)hd / (double)(chunk * ROUNDS);
    return *hd_ns / *raw_ns;
}

int main(int argc, char **argv) {
    bench_args(argc, argv, params, NULL);
    long steps = bench_get(params, "steps");
    bench_rng rng = {42};
    uint64_t sum = 0;
    double rs, hs, rl, hl;
    char extra[256];
    bk_init();
    uint64_t t0 = bench_now_ns();
    double small = run((size_t)bench_get(params, "small"), steps, &rng, &sum, &rs, &hs);
    double large = run((size_t)bench_get(params, "large"), steps / 10, &rng, &sum, &rl, &hl);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    snprintf(extra, sizeof extra,
             "raw_small_ns=%.3f handle_small_ns=%.3f ratio_small=%.3f "
             "raw_large_ns=%.3f handle_large_ns=%.3f ratio_large=%.3f",
             rs, hs, small, rl, hl, large);
    int rc = bench_result("handles", ok, sum, secs, 0, 0, extra);
    bk_fini();
    return rc;
}

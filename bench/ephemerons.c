/* ephemerons.c -- the cost of settling ephemerons in one collection: a
 * chain k0 -> e0 -> k1 -> e1 -> ... of N ephemerons (each value is the next
 * key), made in reverse order so that a sweep over the table in handle
 * order settles one link per sweep, and a weak-keyed table of N live keys.
 * Prints the time of one full and one minor collection for each.
 *     bench/ephemerons [N, default 40000]
 * movgc only. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "movgc.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double timed_collect(movgc_heap *h, int kind) {
    double t0 = now();
    movgc_collect(h, kind);
    return (now() - t0) * 1e3;
}

/* The keys in an array object held by a handle; ephemerons i: key i,
 * value key i+1 (chain) or a fresh box (table). */
static void run(size_t n, int chain) {
    movgc_heap *h = movgc_heap_new(NULL);
    movgc_handle *e = malloc(n * sizeof *e);
    movgc_handle keys = movgc_handle_new(h, movgc_alloc(h, 1, n + 1, 0));
    for (size_t i = 0; i <= n; i++) {
        void *k = movgc_alloc(h, 2, 0, 8);
        movgc_set(h, movgc_handle_get(h, keys), i, k);
    }
    for (size_t i = n; i-- > 0;) {
        void *arr = movgc_handle_get(h, keys);
        void *value = chain ? movgc_get(arr, i + 1) : NULL;
        if (!chain) {
            value = movgc_alloc(h, 3, 0, 8);
            arr = movgc_handle_get(h, keys);
        }
        e[i] = movgc_ephemeron_new(h, movgc_get(arr, i), value);
    }
    movgc_handle root = movgc_handle_new(h, movgc_get(movgc_handle_get(h, keys), 0));
    if (chain)
        movgc_handle_free(h, keys);  /* only k0 stays rooted */
    double minor = timed_collect(h, MOVGC_MINOR);
    double full = timed_collect(h, MOVGC_FULL);
    void *v = movgc_ephemeron_value(h, e[n - 1]);
    printf("%s of %zu ephemerons: minor %.2f ms, full %.2f ms (last value %s)\n",
           chain ? "reverse chain" : "weak-keyed table", n, minor, full,
           v ? "kept" : "LOST");
    movgc_handle_free(h, root);
    free(e);
    movgc_heap_free(h);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 40000;
    if (n < 1) {
        fprintf(stderr, "usage: ephemerons [N >= 1]\n");
        return 2;
    }
    run((size_t)n, 1);
    run((size_t)n, 0);
    return 0;
}

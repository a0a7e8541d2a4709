/* marking.c -- full-collection marking throughput by graph shape: MiB of
 * live data per second of full collection, with nothing to move, so the
 * collection is almost all marking.  Run it with MOVGC_GC_THREADS=1, 2, ...
 * to see what marker threads bring.  Shapes (all old before timing):
 *   tree   a complete binary tree of 24-byte nodes (work to share);
 *   wide   arrays of 4096 slots holding 48-byte leaves;
 *   list   one linked list of 24-byte cells (nothing to share).
 *     bench/marking [MiB of live data, default 128] [repetitions, default 5]
 *                   [shape, default all three]
 * Prints each shape's median. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "movgc.h"

enum { CHUNK = 4096 };

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A tree of the given depth; its root is returned (rooted by the caller
 * through *out as it is built). */
static void *tree(movgc_heap *h, int depth) {
    void *n = movgc_alloc(h, 1, 2, 0);
    if (depth == 0)
        return n;
    movgc_push_root(h, &n);
    void *l = tree(h, depth - 1);
    movgc_set(h, n, 0, l);
    void *r = tree(h, depth - 1);
    movgc_set(h, n, 1, r);
    movgc_pop_roots(h, 1);
    return n;
}

static void *wide(movgc_heap *h, size_t leaves) {
    size_t n = (leaves + CHUNK - 1) / CHUNK;
    void *top = movgc_alloc(h, 2, n, 0), *c = NULL;
    movgc_push_root(h, &top);
    movgc_push_root(h, &c);
    for (size_t i = 0; i < n; i++) {
        c = movgc_alloc(h, 2, CHUNK, 0);
        movgc_set(h, top, i, c);
        for (size_t k = 0; k < CHUNK && i * CHUNK + k < leaves; k++)
            movgc_set(h, c, k, movgc_alloc(h, 3, 1, 32));
    }
    movgc_pop_roots(h, 2);
    return top;
}

static void *list(movgc_heap *h, size_t cells) {
    void *head = NULL;
    movgc_push_root(h, &head);
    for (size_t i = 0; i < cells; i++) {
        void *c = movgc_alloc(h, 4, 2, 0);
        movgc_set(h, c, 0, head);
        head = c;
    }
    movgc_pop_roots(h, 1);
    return head;
}

/* Median seconds of a full collection over reps, of a heap holding the
 * shape, and its live MiB. */
static double shape(const char *name, long mib, int reps, double *live) {
    movgc_heap *h = movgc_heap_new(NULL);
    void *root = NULL;
    movgc_push_root(h, &root);
    size_t bytes = (size_t)mib << 20;
    if (name[0] == 't') {
        int depth = 1;
        while (((size_t)24 << (depth + 1)) <= bytes)
            depth++;
        root = tree(h, depth - 1);
    } else if (name[0] == 'w') {
        root = wide(h, bytes / 56);
    } else {
        root = list(h, bytes / 24);
    }
    movgc_collect(h, MOVGC_FULL);  /* everything old */
    movgc_collect(h, MOVGC_FULL);
    double t[64];
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        movgc_collect(h, MOVGC_FULL);
        t[r] = now() - t0;
    }
    movgc_stats st;
    movgc_get_stats(h, &st, sizeof st);
    *live = (double)st.live_bytes / 1048576.0;
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
    qsort(t, (size_t)reps, sizeof t[0], by_value);
    return t[reps / 2];
}

int main(int argc, char **argv) {
    long mib = argc > 1 ? atol(argv[1]) : 128;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (mib < 1 || reps < 1 || reps > 64) {
        fprintf(stderr, "usage: marking [MiB 1..] [repetitions 1..64]\n");
        return 2;
    }
    const char *threads = getenv("MOVGC_GC_THREADS");
    static const char *const shapes[] = {"tree", "wide", "list"};
    for (int s = 0; s < 3; s++) {
        if (argc > 3 && strcmp(argv[3], shapes[s]) != 0)
            continue;
        double live, t = shape(shapes[s], mib, reps, &live);
        printf("%s: %.1f MiB live, full collection %.1f ms (median of %d): "
               "%.0f MiB/s, MOVGC_GC_THREADS=%s\n", shapes[s], live, t * 1e3, reps,
               live / t, threads ? threads : "(default)");
    }
    return 0;
}

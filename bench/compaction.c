/* compaction.c -- full-collection throughput: MiB of live data per second.
 * Builds an old space of 64-byte objects (two slots, 40 bytes) in 32 KiB
 * chunk arrays, kills every other one so live and dead objects interleave,
 * and times the full collection that compacts them.  movgc only: the
 * other backends do not compact.
 *     bench/compaction [MiB allocated, default 256] [repetitions, default 5]
 * Prints each repetition and the median. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "movgc.h"

enum { CHUNK = 4096 };  /* slots per chunk array */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One heap: build, kill every other object, time the compaction. */
static double one_run(long mib, double *live_mib) {
    movgc_heap *h = movgc_heap_new(NULL);
    long kept = mib * 1024 * 1024 / 64 / 2;
    size_t nchunks = (size_t)(kept + CHUNK - 1) / CHUNK;
    void *chunks = movgc_alloc(h, 1, nchunks, 0), *c = NULL;
    movgc_push_root(h, &chunks);
    movgc_push_root(h, &c);
    for (size_t i = 0; i < nchunks; i++) {
        c = movgc_alloc(h, 2, CHUNK, 0);
        movgc_set(h, chunks, i, c);
    }
    for (long i = 0; i < 2 * kept; i++) {
        void *o = movgc_alloc(h, 3, 2, 40);
        ((long *)movgc_data(o))[0] = i;
        if (i % 2 == 0)
            movgc_set(h, movgc_get(chunks, (size_t)(i / 2 / CHUNK)),
                      (size_t)(i / 2 % CHUNK), o);
    }
    movgc_collect(h, MOVGC_FULL);  /* everything old, allocation order */
    for (long i = 0; i < kept; i += 2)
        movgc_set(h, movgc_get(chunks, (size_t)(i / CHUNK)), (size_t)(i % CHUNK), NULL);
    double t0 = now();
    movgc_collect(h, MOVGC_FULL);
    double t = now() - t0;
    movgc_stats st;
    movgc_get_stats(h, &st, sizeof st);
    *live_mib = (double)st.live_bytes / 1048576.0;
    for (long i = 1; i < kept; i += 2) {  /* the survivors are intact */
        void *o = movgc_get(movgc_get(chunks, (size_t)(i / CHUNK)), (size_t)(i % CHUNK));
        if (((long *)movgc_data(o))[0] != 2 * i) {
            fprintf(stderr, "compaction: object %ld corrupted\n", i);
            exit(1);
        }
    }
    movgc_pop_roots(h, 2);
    movgc_heap_free(h);
    return t;
}

int main(int argc, char **argv) {
    long mib = argc > 1 ? atol(argv[1]) : 256;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    double rate[64], live = 0;
    if (mib < 1 || reps < 1 || reps > 64) {
        fprintf(stderr, "usage: compaction [MiB 1..] [repetitions 1..64]\n");
        return 2;
    }
    for (int r = 0; r < reps; r++) {
        double t = one_run(mib, &live);
        rate[r] = live / t;
        printf("run %d: %.1f MiB live compacted in %.1f ms: %.0f MiB/s\n", r + 1,
               live, t * 1e3, rate[r]);
    }
    qsort(rate, (size_t)reps, sizeof rate[0], by_value);
    printf("median: %.0f MiB/s of live data\n", rate[reps / 2]);
    return 0;
}

/* large.c -- what an object of a given size costs where it is placed: in
 * the nursery (below MG_LARGE_MIN, 64 KiB) or in the large-object space
 * (one mapping each).  Allocates objects of SIZE raw bytes, touches their
 * last byte, and keeps KEEP of every 16 alive in a ring of 64 for a while.
 *     bench/large SIZE [COUNT, default 20000] [KEEP 0..16, default 4]
 * movgc only.  The large-object threshold was set where the two costs
 * cross: see the note on issue 3. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "movgc.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: large SIZE [COUNT] [KEEP]\n");
        return 2;
    }
    size_t size = (size_t)atol(argv[1]);
    long n = argc > 2 ? atol(argv[2]) : 20000;
    int keep = argc > 3 ? atoi(argv[3]) : 4;
    if (size < 1 || n < 1 || keep < 0 || keep > 16) {
        fprintf(stderr, "large: SIZE >= 1, COUNT >= 1, KEEP 0..16\n");
        return 2;
    }
    movgc_heap *h = movgc_heap_new(NULL);
    void *ring = movgc_alloc(h, 1, 64, 0);
    movgc_root_add(h, &ring);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        void *o = movgc_alloc(h, 2, 0, size);
        ((char *)movgc_data(o))[size - 1] = 1;
        if (i % 16 < keep)
            movgc_set(h, ring, (size_t)(i % 64), o);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double t = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%zu bytes, %d of 16 kept: %.2f us per object\n", size, keep, t / (double)n * 1e6);
    movgc_root_remove(h, &ring);
    movgc_heap_free(h);
    return 0;
}

/* alloc.c -- a tight loop of small short-lived objects: allocate, write,
 * read back, drop (malloc frees at once).  Reports ns per allocation; run
 * it under valgrind (bench/compare --instr) for instructions per object.
 * -p bump=1 runs the same loop over a bare bump pointer, the reference the
 * target in docs/results.md is stated against. */
#include <stdlib.h>
#include "bk.h"
#include "bench.h"

enum { T_SMALL = 1 };

static bench_param params[] = {
    /*  name     tiny   small      demo       full */
    {"n",      {5000,  20000000, 50000000, 200000000}, 0},
    {"bump",   {0,     0,        0,        0}, 0},
    {NULL, {0, 0, 0, 0}, 0},
};

/* The reference allocator: bump through a 1 MiB buffer, wrap around. */
static char bump_buf[1 << 20];
static char *bump_ptr = bump_buf;

static inline void *bump_alloc(size_t nrefs, size_t nbytes) {
    size_t size = 8 + 8 * nrefs + nbytes;
    if ((size_t)(bump_buf + sizeof bump_buf - bump_ptr) < size)
        bump_ptr = bump_buf;
    uint64_t *p = (uint64_t *)(void *)bump_ptr;
    bump_ptr += size;
    p[0] = (uint64_t)T_SMALL | nrefs << 16 | (uint64_t)nbytes << 40;
    p[1] = 0;
    return p + 1;
}

/* An object with one slot and 8 raw bytes: 24 bytes in the object model. */
static uint64_t loop_backend(long n) {
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) {
        void *o = bk_alloc(T_SMALL, 1, 8);
        uint64_t *d = bk_data(o);
        *d = (uint64_t)i;
        sum += *d + (bk_get(o, 0) != NULL);
        bk_free(o);
    }
    return sum;
}

static uint64_t loop_bump(long n) {
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) {
        void *o = bump_alloc(1, 8);
        uint64_t *d = (uint64_t *)((char *)o + 8);
        *d = (uint64_t)i;
        sum += *d + (((void **)o)[0] != NULL);
        __asm__ volatile("" ::: "memory");    /* keep the stores */
    }
    return sum;
}

int main(int argc, char **argv) {
    bench_args(argc, argv, params, NULL);
    long n = bench_get(params, "n");
    int bump = bench_get(params, "bump") != 0;
    char extra[128];
    bk_init();
    uint64_t t0 = bench_now_ns();
    uint64_t sum = bump ? loop_bump(n) : loop_backend(n);
    uint64_t ns = bench_now_ns() - t0;
    /* sum of 0..n-1: every iteration's object was written and read back */
    int ok = sum == (uint64_t)n * (uint64_t)(n - 1) / 2;
    snprintf(extra, sizeof extra, "n=%ld bump=%d ns_per_alloc=%.3f", n, bump,
             (double)ns / (double)n);
    int rc = bench_result("alloc", ok, sum, (double)ns / 1e9, 0, 0, extra);
    bk_fini();
    return rc;
}

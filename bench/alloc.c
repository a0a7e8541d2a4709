/* alloc.c -- a tight loop of small short-lived objects: allocate, write,
 * read back, drop (malloc frees at once).  Reports ns per allocation; run
 * it under valgrind (bench/compare --instr) for instructions per object.
 * -p bump=1 runs the same loop over a bare bump pointer, the reference the
 * target in docs/results.md is stated against.  -p size=40 allocates
 * 40-byte objects (two slots, 16 raw bytes) instead of 24-byte ones (one
 * slot, 8 bytes); each shape is a loop of its own with constant sizes, as a
 * program's allocation sites mostly are. */
#include <stdio.h>
#include <stdlib.h>
#include "bk.h"
#include "bench.h"

enum { T_SMALL = 1 };

static bench_param params[] = {
    /*  name     tiny   small      demo       full */
    {"n",      {5000,  20000000, 50000000, 200000000}, 0},
    {"bump",   {0,     0,        0,        0}, 0},
    {"size",   {24,    24,       24,       24}, 0},
    {NULL, {0, 0, 0, 0}, 0},
};

/* The reference allocator: bump through a 1 MiB buffer, wrap around. */
static char bump_buf[1 << 20];
static char *bump_ptr = bump_buf;

/* A header and NULL slots, as every backend's objects have; the raw bytes
 * are left to the loop, which writes the ones it reads. */
static inline void *bump_alloc(size_t nrefs, size_t nbytes) {
    size_t size = 8 + 8 * nrefs + nbytes;
    if ((size_t)(bump_buf + sizeof bump_buf - bump_ptr) < size)
        bump_ptr = bump_buf;
    uint64_t *p = (uint64_t *)(void *)bump_ptr;
    bump_ptr += size;
    p[0] = (uint64_t)T_SMALL | nrefs << 16 | (uint64_t)nbytes << 40;
    for (size_t k = 1; k <= nrefs; k++)
        p[k] = 0;
    return p + 1;
}

/* Objects of nrefs slots and nbytes raw bytes: inlined where they are
 * constants. */
__attribute__((always_inline))
static inline uint64_t loop_backend(long n, size_t nrefs, size_t nbytes) {
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) {
        void *o = bk_alloc(T_SMALL, nrefs, nbytes);
        uint64_t *d = bk_data(o);
        *d = (uint64_t)i;
        sum += *d + (bk_get(o, 0) != NULL);
        bk_free(o);
    }
    return sum;
}

__attribute__((always_inline))
static inline uint64_t loop_bump(long n, size_t nrefs, size_t nbytes) {
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) {
        void *o = bump_alloc(nrefs, nbytes);
        uint64_t *d = (uint64_t *)((char *)o + 8 * nrefs);
        *d = (uint64_t)i;
        sum += *d + (((void **)o)[0] != NULL);
        __asm__ volatile("" ::: "memory");    /* keep the stores */
    }
    return sum;
}

/* 24 bytes: one slot and 8 raw bytes; 40: two slots and 16 raw bytes.
 * One function per loop, so that each is compiled as a program's own
 * allocation loop would be. */
__attribute__((noinline)) static uint64_t backend24(long n) { return loop_backend(n, 1, 8); }
__attribute__((noinline)) static uint64_t backend40(long n) { return loop_backend(n, 2, 16); }
__attribute__((noinline)) static uint64_t bump24(long n) { return loop_bump(n, 1, 8); }
__attribute__((noinline)) static uint64_t bump40(long n) { return loop_bump(n, 2, 16); }

static uint64_t loop(long n, int bump, long size) {
    if (size == 40)
        return bump ? bump40(n) : backend40(n);
    return bump ? bump24(n) : backend24(n);
}

int main(int argc, char **argv) {
    bench_args(argc, argv, params, NULL);
    long n = bench_get(params, "n");
    int bump = bench_get(params, "bump") != 0;
    long size = bench_get(params, "size");
    char extra[128];
    if (size != 24 && size != 40) {
        fprintf(stderr, "alloc: size is 24 or 40\n");
        return 2;
    }
    bk_init();
    uint64_t t0 = bench_now_ns();
    uint64_t sum = loop(n, bump, size);
    uint64_t ns = bench_now_ns() - t0;
    /* sum of 0..n-1: every iteration's object was written and read back */
    int ok = sum == (uint64_t)n * (uint64_t)(n - 1) / 2;
    snprintf(extra, sizeof extra, "n=%ld bump=%d size=%ld ns_per_alloc=%.3f", n,
             bump, size, (double)ns / (double)n);
    int rc = bench_result("alloc", ok, sum, (double)ns / 1e9, 0, 0, extra);
    bk_fini();
    return rc;
}

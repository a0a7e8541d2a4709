/* bench.h -- what every workload shares: clock, RSS from /proc, a seeded
 * random generator, checksums, size presets and the RESULT line. */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ clock */
uint64_t bench_now_ns(void);

/* ---------------------------------------------------------------- memory */
/* Resident set of the process now and its high-water mark, in bytes
 * (VmRSS and VmHWM of /proc/self/status). */
void bench_rss(size_t *cur, size_t *peak);

/* ---------------------------------------------------------------- random */
typedef struct { uint64_t s; } bench_rng;

static inline uint64_t bench_rand(bench_rng *r) {   /* splitmix64 */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static inline uint64_t bench_below(bench_rng *r, uint64_t n) {
    return n ? bench_rand(r) % n : 0;
}

/* Fold v into checksum h (order-sensitive). */
static inline uint64_t bench_mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15u + (h << 6) + (h >> 2);
    return h * 0xFF51AFD7ED558CCDu;
}

/* ---------------------------------------------------------- distributions */
/* A growing sample of durations (ns) or other counts. */
typedef struct bench_dist { uint64_t *v; size_t n, cap; } bench_dist;

void bench_dist_push(bench_dist *d, uint64_t x);

/* Append "NAME_n=.. NAME_p50_ms=.. NAME_p99_ms=.. NAME_max_ms=.. " (nearest
 * rank, values taken as ns; all 0 when empty) to out; returns the length
 * written, as snprintf.  Sorts d. */
int bench_dist_describe(char *out, size_t n, const char *name, bench_dist *d);

/* The upper median (v[n/2] once sorted), 0 if empty.  Sorts d. */
uint64_t bench_dist_median(bench_dist *d);

void bench_dist_free(bench_dist *d);

/* The backend's collection pauses, by kind (bk_pause). */
typedef struct bench_pauses { bench_dist minor, full, slice; } bench_pauses;

/* Move the pauses the backend recorded since the last call into p. */
void bench_pauses_take(bench_pauses *p);

/* bench_dist_describe of the three kinds, as "minor_..", "full_..",
 * "slice_..". */
int bench_pauses_describe(char *out, size_t n, bench_pauses *p);

void bench_pauses_free(bench_pauses *p);

/* ---------------------------------------------------------------- params */
enum { BENCH_TINY, BENCH_SMALL, BENCH_DEMO, BENCH_FULL, BENCH_NPRESETS };

/* A named integer parameter with one value per preset; 'val' is the one in
 * force after bench_args. */
typedef struct bench_param {
    const char *name;
    long preset[BENCH_NPRESETS];
    long val;
} bench_param;

/* Parse: -s tiny|small|demo|full (default full), -p name=value (repeatable),
 * -o path (stored in *out_path when out_path is non-NULL).  Exits with a
 * usage message on anything else.  The params array ends with a NULL name. */
void bench_args(int argc, char **argv, bench_param *params, const char **out_path);

/* Value of the parameter called name (must exist). */
long bench_get(const bench_param *params, const char *name);

/* ---------------------------------------------------------------- result */
/* Take the RSS figures of the RESULT line now (before a workload's final
 * clean-up), instead of at bench_result. */
void bench_rss_freeze(void);

/* Print the one RESULT line bench/compare reads:
 *   RESULT workload=W backend=B ok=0|1 checksum=X time_s=T cpu_s=C peak_rss=P
 *          final_rss=F live_final=L live_peak=LP minflt=M majflt=J
 *          <extra> <backend facts>
 * time_s is the workload's own wall-clock measure; cpu_s the process's
 * user + system time so far (steadier on a busy machine); minflt and majflt
 * the process's page faults so far (getrusage: minor ones, without I/O,
 * count every first touch of a fresh page, so they show how often the
 * allocator maps new memory or has it zeroed again).
 * RSS is read at this call unless bench_rss_freeze was called.  Returns the exit status for main: 0 if ok. */
int bench_result(const char *workload, int ok, uint64_t checksum, double time_s,
                 size_t live_final, size_t live_peak, const char *extra);

#endif /* BENCH_H */

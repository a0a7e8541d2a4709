/* bench.c -- shared workload plumbing: clock, /proc RSS, parameters,
 * and the RESULT line (see bench.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "bk.h"
#include "bench.h"

uint64_t bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_rss(size_t *cur, size_t *peak) {
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    *cur = *peak = 0;
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        unsigned long kb;
        if (sscanf(line, "VmRSS: %lu kB", &kb) == 1)
            *cur = (size_t)kb * 1024;
        else if (sscanf(line, "VmHWM: %lu kB", &kb) == 1)
            *peak = (size_t)kb * 1024;
    }
    fclose(f);
}

void bench_dist_push(bench_dist *d, uint64_t x) {
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 1024;
        d->v = realloc(d->v, d->cap * sizeof *d->v);
        if (!d->v)
            abort();
    }
    d->v[d->n++] = x;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void dist_sort(bench_dist *d) {
    if (d->n)
        qsort(d->v, d->n, sizeof *d->v, cmp_u64);
}

/* The q-quantile (nearest rank) of a sorted d, in ms; 0 if empty. */
static double quantile_ms(const bench_dist *d, double q) {
    if (!d->n)
        return 0;
    size_t i = (size_t)(q * (double)(d->n - 1) + 0.5);
    return (double)d->v[i] / 1e6;
}

int bench_dist_describe(char *out, size_t n, const char *name, bench_dist *d) {
    dist_sort(d);
    return snprintf(out, n, "%s_n=%zu %s_p50_ms=%.3f %s_p99_ms=%.3f %s_max_ms=%.3f ",
                    name, d->n, name, quantile_ms(d, 0.5), name, quantile_ms(d, 0.99),
                    name, quantile_ms(d, 1.0));
}

uint64_t bench_dist_median(bench_dist *d) {
    dist_sort(d);
    return d->n ? d->v[d->n / 2] : 0;
}

void bench_dist_free(bench_dist *d) {
    free(d->v);
    *d = (bench_dist){0};
}

void bench_pauses_take(bench_pauses *p) {
    bk_pause got[64];
    size_t k;
    do {
        k = bk_pauses_take(got, 64);
        for (size_t j = 0; j < k; j++)
            bench_dist_push(got[j].full == BK_SLICE ? &p->slice
                            : got[j].full ? &p->full : &p->minor, got[j].ns);
    } while (k == 64);
}

int bench_pauses_describe(char *out, size_t n, bench_pauses *p) {
    int len = bench_dist_describe(out, n, "minor", &p->minor);
    len += bench_dist_describe(out + len, n - (size_t)len, "full", &p->full);
    return len + bench_dist_describe(out + len, n - (size_t)len, "slice", &p->slice);
}

void bench_pauses_free(bench_pauses *p) {
    bench_dist_free(&p->minor);
    bench_dist_free(&p->full);
    bench_dist_free(&p->slice);
}

static const char *const preset_names[BENCH_NPRESETS] = {"tiny", "small", "demo", "full"};

static void usage(const char *prog, const bench_param *params) {
    fprintf(stderr, "usage: %s [-s tiny|small|demo|full] [-p name=value]... [-o path]\n"
                    "parameters (tiny/small/demo/full):\n", prog);
    for (const bench_param *p = params; p->name; p++)
        fprintf(stderr, "  %-12s %ld/%ld/%ld/%ld\n", p->name, p->preset[0],
                p->preset[1], p->preset[2], p->preset[3]);
    exit(2);
}

static bench_param *find(bench_param *params, const char *name, size_t len) {
    for (bench_param *p = params; p->name; p++)
        if (strlen(p->name) == len && !strncmp(p->name, name, len))
            return p;
    return NULL;
}

void bench_args(int argc, char **argv, bench_param *params, const char **out_path) {
    int preset = BENCH_FULL;
    for (int i = 1; i < argc; i++) {               /* first pass: the preset */
        if (!strcmp(argv[i], "-s") && i + 1 < argc) {
            preset = -1;
            for (int k = 0; k < BENCH_NPRESETS; k++)
                if (!strcmp(argv[i + 1], preset_names[k]))
                    preset = k;
            if (preset < 0)
                usage(argv[0], params);
        }
    }
    for (bench_param *p = params; p->name; p++)
        p->val = p->preset[preset];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-s") && v) {
            i++;
        } else if (!strcmp(a, "-p") && v && strchr(v, '=')) {
            const char *eq = strchr(v, '=');
            bench_param *p = find(params, v, (size_t)(eq - v));
            char *end;
            if (!p)
                usage(argv[0], params);
            p->val = strtol(eq + 1, &end, 10);
            if (*end || end == eq + 1)
                usage(argv[0], params);
            i++;
        } else if (!strcmp(a, "-o") && v && out_path) {
            *out_path = v;
            i++;
        } else {
            usage(argv[0], params);
        }
    }
}

long bench_get(const bench_param *params, const char *name) {
    for (const bench_param *p = params; p->name; p++)
        if (!strcmp(p->name, name))
            return p->val;
    fprintf(stderr, "bench: no parameter %s\n", name);
    abort();
}

static size_t frozen_cur, frozen_peak;    /* bench_rss_freeze; 0: not frozen */

void bench_rss_freeze(void) { bench_rss(&frozen_cur, &frozen_peak); }

int bench_result(const char *workload, int ok, uint64_t checksum, double time_s,
                 size_t live_final, size_t live_peak, const char *extra) {
    size_t cur, peak;
    char facts[512];
    bench_rss(&cur, &peak);
    if (frozen_peak)
        cur = frozen_cur, peak = frozen_peak;
    bk_describe(facts, sizeof facts);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    printf("RESULT workload=%s backend=%s ok=%d checksum=%016llx time_s=%.6f cpu_s=%.6f "
           "peak_rss=%zu final_rss=%zu live_final=%zu live_peak=%zu minflt=%ld majflt=%ld %s %s\n",
           workload, bk_backend(), ok, (unsigned long long)checksum, time_s, cpu,
           peak, cur, live_final, live_peak, ru.ru_minflt, ru.ru_majflt,
           extra ? extra : "", facts);
    fflush(stdout);
    return ok ? 0 : 1;
}

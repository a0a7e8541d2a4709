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
           "peak_rss=%zu final_rss=%zu live_final=%zu live_peak=%zu %s %s\n",
           workload, bk_backend(), ok, (unsigned long long)checksum, time_s, cpu,
           peak, cur, live_final, live_peak, extra ? extra : "", facts);
    fflush(stdout);
    return ok ? 0 : 1;
}

/* frag.c -- the fragmentation story.  A simulated server (server.h) runs
 * four phases: warm-up; a burst in which it holds about 'burst' times more
 * documents (more requests in flight, a bigger cache); the burst's end
 * (capacities drop back, random survivors stay); a long steady state.
 * RSS and the server's own live bytes are sampled into a CSV (-o path).
 * No explicit collection is requested unless -p idlegc=1, which asks for
 * one full collection when the burst ends (as a server going idle might). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "bk.h"
#include "bench.h"
#include "doc.h"
#include "server.h"

static bench_param params[] = {
    /*  name       tiny   small   demo    full */
    {"inflight", {2,     200,    500,    1600}, 0},
    {"cache",    {4,     1500,   4000,   11000}, 0},
    {"burst",    {4,     8,      8,      8}, 0},
    {"warm",     {10,    10000,  24000,  60000}, 0},
    {"hold",     {5,     4000,   10000,  20000}, 0},
    {"steady",   {30,    30000,  150000, 200000}, 0},
    {"pcache",   {25,    25,     25,     25}, 0},
    {"sample",   {2,     250,    250,    1000}, 0},
    {"depth",    {2,     4,      4,      4}, 0},
    {"idlegc",   {0,     0,      0,      0}, 0},
    {"seed",     {1,     1,      1,      1}, 0},
    {"minarray", {0,     0,      0,      0}, 0},
    {NULL, {0, 0, 0, 0}, 0},
};

enum { WARM, BURST, AFTER, STEADY };
static const char *const phase_names[] = {"warm", "burst", "after", "steady"};

struct sample {
    uint64_t request, ns;
    size_t rss, live;
    int phase;
};

static struct sample *samples;
static size_t nsamples, samples_cap;
static uint64_t t0;
static long page;
static bench_pauses pauses;   /* collection pauses, taken after each request */

static size_t rss_now(void) {                 /* resident pages, /proc/self/statm */
    unsigned long size, res;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%lu %lu", &size, &res) != 2)
        res = 0;
    if (f)
        fclose(f);
    return (size_t)res * (size_t)page;
}

static void sample(const struct server *s, int phase) {
    if (nsamples == samples_cap) {
        samples_cap = samples_cap ? 2 * samples_cap : 1024;
        samples = realloc(samples, samples_cap * sizeof *samples);
        if (!samples)
            abort();
    }
    samples[nsamples++] = (struct sample){s->requests, bench_now_ns() - t0,
                                          rss_now(), s->live, phase};
}

static void run(struct server *s, long n, long every, int phase) {
    for (long i = 0; i < n; i++) {
        server_request(s);
        bench_pauses_take(&pauses);
        if (s->requests % (uint64_t)every == 0)
            sample(s, phase);
    }
}

static void write_csv(const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fprintf(f, "backend,request,time_s,rss_bytes,live_bytes,phase\n");
    for (size_t i = 0; i < nsamples; i++)
        fprintf(f, "%s,%llu,%.4f,%zu,%zu,%s\n", bk_backend(),
                (unsigned long long)samples[i].request, (double)samples[i].ns / 1e9,
                samples[i].rss, samples[i].live, phase_names[samples[i].phase]);
    fclose(f);
}

int main(int argc, char **argv) {
    const char *csv = NULL;
    struct server s;
    bench_args(argc, argv, params, &csv);
    size_t m0 = (size_t)bench_get(params, "inflight"), c0 = (size_t)bench_get(params, "cache");
    size_t b = (size_t)bench_get(params, "burst");
    long every = bench_get(params, "sample");
    page = sysconf(_SC_PAGESIZE);
    doc_max_depth = (int)bench_get(params, "depth");
    doc_min_array = (int)bench_get(params, "minarray");
    bk_init();
    t0 = bench_now_ns();
    server_init(&s, m0 * b, c0 * b, (unsigned)bench_get(params, "pcache"),
                (uint64_t)bench_get(params, "seed"));
    server_resize(&s, m0, c0);
    run(&s, bench_get(params, "warm"), every, WARM);

    server_resize(&s, m0 * b, c0 * b);        /* burst: fill up, then hold */
    while (s.cache_count < s.cache_cap || s.ring_count < s.ring_cap)
        run(&s, 1, every, BURST);
    run(&s, bench_get(params, "hold"), every, BURST);
    sample(&s, BURST);
    size_t burst_live = s.live;

    server_resize(&s, m0, c0);                /* the burst ends */
    if (bench_get(params, "idlegc"))
        bk_collect_full();
    sample(&s, AFTER);
    run(&s, bench_get(params, "steady"), every, STEADY);
    sample(&s, STEADY);
    double secs = (double)(bench_now_ns() - t0) / 1e9;

    /* steady-state figures: mean and last RSS / live over its samples */
    double sum_ratio = 0;
    size_t nsteady = 0, steady_max_rss = 0;
    for (size_t i = 0; i < nsamples; i++)
        if (samples[i].phase == STEADY && samples[i].live) {
            sum_ratio += (double)samples[i].rss / (double)samples[i].live;
            nsteady++;
            if (samples[i].rss > steady_max_rss)
                steady_max_rss = samples[i].rss;
        }
    size_t live_final = s.live, live_peak = s.live_peak;
    size_t rss_cur, rss_peak;
    bench_rss(&rss_cur, &rss_peak);
    bench_rss_freeze();
    char extra[1024];
    int len = snprintf(extra, sizeof extra,
             "requests=%llu burst_live=%zu rss_live_end=%.3f rss_live_steady=%.3f "
             "steady_max_rss=%zu peak_rss_over_peak_live=%.3f samples=%zu ",
             (unsigned long long)s.requests, burst_live,
             (double)rss_cur / (double)live_final, nsteady ? sum_ratio / (double)nsteady : 0,
             steady_max_rss, (double)rss_peak / (double)live_peak, nsamples);
    bench_pauses_describe(extra + len, sizeof extra - (size_t)len, &pauses);
    bench_pauses_free(&pauses);
    if (csv)
        write_csv(csv);
    server_finish(&s);                         /* verifies what is still held */
    free(samples);
    int rc = bench_result("frag", s.ok, s.sum, secs, live_final, live_peak, extra);
    bk_fini();
    return rc;
}

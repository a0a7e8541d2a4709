/* bodies.c -- a server whose requests carry large bodies (the JSON-service
 * case).  Each request receives a body of log-uniform size between bodymin
 * and bodymax KiB (every byte written, as from the network), parses it into
 * a JSON-like tree of about treepct % of the body's bytes (doc_parse_body:
 * strings and numbers copied out of the body), then drops the body.  The
 * tree is kept while the request is in flight (a ring) and, with
 * probability pcache %, afterwards in a bounded cache (random replacement)
 * -- the simulated server of frag (server.h), with the same four phases:
 * warm-up; a burst of 'burst' times more requests in flight and a cache
 * 'burst' times larger, filled then held; the burst's end; a long steady
 * state.  Every tree is verified when it leaves the server.
 *
 * Reports, besides the RESULT line's CPU, RSS and page faults: RSS/live at
 * the end and averaged over the steady state (sampled every 'sample'
 * requests), peak RSS / peak live, where live counts the trees held plus,
 * during a parse, the body and the tree being built; and the collection
 * pauses (minor and full, p50/p99/max) as the backend reports them. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "bk.h"
#include "bench.h"
#include "doc.h"
#include "server.h"

static bench_param params[] = {
    /*  name       tiny   small   demo    full */
    {"inflight", {2,     8,      16,     24}, 0},
    {"cache",    {3,     24,     64,     96}, 0},
    {"burst",    {2,     4,      4,      4}, 0},
    {"warm",     {6,     200,    800,    2000}, 0},
    {"hold",     {4,     200,    600,    1500}, 0},
    {"steady",   {10,    1000,   4000,   12000}, 0},
    {"pcache",   {25,    25,     25,     25}, 0},
    {"bodymin",  {16,    16,     16,     16}, 0},     /* KiB */
    {"bodymax",  {64,    1024,   1024,   1024}, 0},   /* KiB */
    {"treepct",  {100,   100,    100,    100}, 0},    /* tree bytes, % of the body's */
    {"sample",   {2,     10,     20,     25}, 0},
    {"depth",    {2,     4,      4,      4}, 0},
    {"seed",     {1,     1,      1,      1}, 0},
    {NULL, {0, 0, 0, 0}, 0},
};

enum { WARM, BURST, AFTER, STEADY };

static struct {
    size_t body_min, body_max;          /* bytes */
    unsigned tree_pct;
    uint64_t body_bytes;                /* received in all */
    long page;
    double steady_ratio_sum;            /* RSS/live over the steady samples */
    size_t steady_n, steady_max_rss;
    bench_pauses pauses;                /* collection pauses, ns */
} w;

/* 2^(j/16) in Q16, j = 0..16: steps of the log-uniform draw. */
static const uint32_t exp2_q16[17] = {
    65536, 68438, 71468, 74632, 77936, 81386, 84990, 88752, 92682,
    96785, 101070, 105545, 110218, 115098, 120194, 125515, 131072};

/* A size log-uniform in [lo, lo * 2^k), 2^k the largest power of two
 * <= hi / lo (at least 2): an octave and a sixteenth of it are drawn, then
 * a point uniform within that sixteenth (integer only, so every backend
 * draws the same sizes). */
static size_t log_uniform(bench_rng *r, size_t lo, size_t hi) {
    unsigned octaves = 1;
    while ((lo << (octaves + 1)) <= hi)
        octaves++;
    unsigned step = (unsigned)bench_below(r, 16 * (uint64_t)octaves);
    uint64_t base = (uint64_t)lo << (step / 16);
    uint64_t a = base * exp2_q16[step % 16] >> 16;
    uint64_t b = base * exp2_q16[step % 16 + 1] >> 16;
    return (size_t)(a + bench_below(r, b - a));
}

static void take_pauses(void) { bench_pauses_take(&w.pauses); }

/* server.parse: one request's body, received, parsed and dropped.  The
 * body and the tree are both live at the parse's end: counted in the peak. */
static void *parse(struct server *s) {
    size_t blen = log_uniform(&s->rng, w.body_min, w.body_max);
    void *env = doc_parse_body(&s->rng, blen, blen * w.tree_pct / 100);
    size_t during = s->live + bk_objsize(0, blen) + doc_bytes(env);
    if (during > s->live_peak)
        s->live_peak = during;
    w.body_bytes += blen;
    take_pauses();
    return env;
}

static size_t rss_now(void) {                 /* resident pages, /proc/self/statm */
    unsigned long size, res;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%lu %lu", &size, &res) != 2)
        res = 0;
    if (f)
        fclose(f);
    return (size_t)res * (size_t)w.page;
}

static void run(struct server *s, long n, long every, int phase) {
    for (long i = 0; i < n; i++) {
        server_request(s);
        if (phase == STEADY && s->requests % (uint64_t)every == 0) {
            size_t rss = rss_now();
            w.steady_ratio_sum += (double)rss / (double)s->live;
            w.steady_n++;
            if (rss > w.steady_max_rss)
                w.steady_max_rss = rss;
        }
    }
}

int main(int argc, char **argv) {
    struct server s;
    bench_args(argc, argv, params, NULL);
    size_t m0 = (size_t)bench_get(params, "inflight"), c0 = (size_t)bench_get(params, "cache");
    size_t b = (size_t)bench_get(params, "burst");
    long every = bench_get(params, "sample");
    w.body_min = (size_t)bench_get(params, "bodymin") * 1024;
    w.body_max = (size_t)bench_get(params, "bodymax") * 1024;
    w.tree_pct = (unsigned)bench_get(params, "treepct");
    w.page = sysconf(_SC_PAGESIZE);
    if (!m0 || !c0 || !b || every < 1 || !w.body_min || w.body_max < w.body_min) {
        fprintf(stderr, "bodies: need inflight, cache, burst, sample >= 1 and "
                        "0 < bodymin <= bodymax\n");
        return 2;
    }
    doc_max_depth = (int)bench_get(params, "depth");
    doc_poll = take_pauses;
    bk_init();
    uint64_t t0 = bench_now_ns();
    server_init(&s, m0 * b, c0 * b, (unsigned)bench_get(params, "pcache"),
                (uint64_t)bench_get(params, "seed"));
    s.parse = parse;
    server_resize(&s, m0, c0);
    run(&s, bench_get(params, "warm"), every, WARM);

    server_resize(&s, m0 * b, c0 * b);        /* burst: fill up, then hold */
    while (s.cache_count < s.cache_cap || s.ring_count < s.ring_cap)
        run(&s, 1, every, BURST);
    run(&s, bench_get(params, "hold"), every, BURST);
    size_t burst_live = s.live;

    server_resize(&s, m0, c0);                /* the burst ends */
    run(&s, bench_get(params, "steady"), every, STEADY);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    take_pauses();

    size_t live_final = s.live, live_peak = s.live_peak;
    size_t rss_cur, rss_peak;
    bench_rss(&rss_cur, &rss_peak);
    bench_rss_freeze();
    char extra[1024];
    int len = snprintf(extra, sizeof extra,
             "requests=%llu body_mib=%.1f burst_live=%zu rss_live_end=%.3f "
             "rss_live_steady=%.3f steady_max_rss=%zu peak_rss_over_peak_live=%.3f ",
             (unsigned long long)s.requests, (double)w.body_bytes / 1048576.0, burst_live,
             (double)rss_cur / (double)live_final,
             w.steady_n ? w.steady_ratio_sum / (double)w.steady_n : 0,
             w.steady_max_rss, (double)rss_peak / (double)live_peak);
    bench_pauses_describe(extra + len, sizeof extra - (size_t)len, &w.pauses);
    server_finish(&s);                         /* verifies what is still held */
    doc_poll = NULL;
    bench_pauses_free(&w.pauses);
    int rc = bench_result("bodies", s.ok, s.sum, secs, live_final, live_peak, extra);
    bk_fini();
    return rc;
}

/* pauses.c -- pause times of a server-like workload: the simulated server
 * (server.h) at steady state with a cache big enough to need full
 * collections.  Reports the distribution of collection pauses (minor and
 * full, as the backend reports them: movgc from its stats, Boehm from its
 * collection events; malloc has none) and of request latencies. */
#include <stdlib.h>
#include "bk.h"
#include "bench.h"
#include "doc.h"
#include "server.h"

static bench_param params[] = {
    /*  name       tiny   small   demo    full */
    {"inflight", {2,     300,    300,    600}, 0},
    {"cache",    {4,     2500,   2500,   5000}, 0},
    {"requests", {60,    60000,  60000,  200000}, 0},
    {"pcache",   {25,    25,     25,     25}, 0},
    {"depth",    {2,     4,      4,      4}, 0},
    {"minarray", {0,     0,      0,      0}, 0},
    {NULL, {0, 0, 0, 0}, 0},
};

int main(int argc, char **argv) {
    struct server s;
    bench_dist minor = {0}, full = {0}, slice = {0}, req = {0}, rate = {0};
    bk_pause p[64];
    bench_args(argc, argv, params, NULL);
    size_t m0 = (size_t)bench_get(params, "inflight"), c0 = (size_t)bench_get(params, "cache");
    long n = bench_get(params, "requests");
    doc_max_depth = (int)bench_get(params, "depth");
    doc_min_array = (int)bench_get(params, "minarray");
    bk_init();
    server_init(&s, m0, c0, (unsigned)bench_get(params, "pcache"), 7);
    for (long i = 0; i < n / 4; i++)          /* warm up: fill the cache */
        server_request(&s);
    bk_pauses_take(p, 64);
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        uint64_t a = bench_now_ns();
        server_request(&s);
        bench_dist_push(&req, bench_now_ns() - a);
        size_t k = bk_pauses_take(p, 64);
        for (size_t j = 0; j < k; j++) {
            if (p[j].full == BK_SLICE) {
                bench_dist_push(&slice, p[j].ns);
                continue;
            }
            bench_dist_push(p[j].full ? &full : &minor, p[j].ns);
            if (p[j].full && p[j].live && p[j].ns)   /* live bytes per second, in MiB/s */
                bench_dist_push(&rate, (uint64_t)((double)p[j].live /
                                                  ((double)p[j].ns / 1e9) / 1048576.0));
        }
    }
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    bench_rss_freeze();
    size_t live_final = s.live, live_peak = s.live_peak;
    char extra[1024];
    int len = bench_dist_describe(extra, sizeof extra, "minor", &minor);
    len += bench_dist_describe(extra + len, sizeof extra - (size_t)len, "full", &full);
    len += bench_dist_describe(extra + len, sizeof extra - (size_t)len, "slice", &slice);
    len += bench_dist_describe(extra + len, sizeof extra - (size_t)len, "request", &req);
    snprintf(extra + len, sizeof extra - (size_t)len, "full_mib_per_s=%llu",
             (unsigned long long)bench_dist_median(&rate));
    server_finish(&s);
    bench_dist_free(&minor), bench_dist_free(&full), bench_dist_free(&slice);
    bench_dist_free(&req), bench_dist_free(&rate);
    int rc = bench_result("pauses", s.ok, s.sum, secs, live_final, live_peak, extra);
    bk_fini();
    return rc;
}

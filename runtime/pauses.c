/* pauses.c -- pause-time distributions per collection kind: a fixed
 * log-linear histogram each, so recording costs a few instructions and no
 * memory however long the program runs, and percentiles come out within
 * one bucket (6.25%) of the exact ones.
 * [pauses.stats] the percentiles in h->stats are filled from the
 *   histograms when the program reads them (movgc_get_stats) after a new
 *   pause, not at every pause: an incremental marking records tens of
 *   thousands of slices. */
#include "pauses.h"

#include <stdio.h>
#include <string.h>

#include "heap.h"

static size_t bucket_of(uint64_t ns) {
    if (ns < MG_PAUSE_SUB)
        return (size_t)ns;
    unsigned e = 63u - (unsigned)__builtin_clzll(ns);  /* >= 4 */
    size_t b = MG_PAUSE_SUB * (e - 3) + (size_t)((ns >> (e - 4)) & (MG_PAUSE_SUB - 1));
    return b < MG_PAUSE_BUCKETS ? b : MG_PAUSE_BUCKETS - 1;
}

/* The largest value that falls in bucket b. */
static uint64_t bucket_top(size_t b) {
    if (b < MG_PAUSE_SUB)
        return b;
    unsigned e = (unsigned)(b / MG_PAUSE_SUB) + 3;
    uint64_t mant = MG_PAUSE_SUB + b % MG_PAUSE_SUB;
    return ((mant + 1) << (e - 4)) - 1;
}

void mg_pauses_add(struct pause_hist *d, uint64_t ns) {
    d->count[bucket_of(ns)]++;
    d->n++;
    if (ns > d->max)
        d->max = ns;
}

uint64_t mg_pauses_quantile(const struct pause_hist *d, double q) {
    if (d->n == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)d->n);
    if ((double)rank < q * (double)d->n)
        rank++;  /* ceil */
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (size_t b = 0; b < MG_PAUSE_BUCKETS; b++) {
        seen += d->count[b];
        if (seen >= rank) {
            /* the last bucket also holds everything above its range */
            uint64_t top = b + 1 < MG_PAUSE_BUCKETS ? bucket_top(b) : d->max;
            return top < d->max ? top : d->max;
        }
    }
    return d->max;
}

void mg_pauses_record(movgc_heap *h, const char *kind, uint64_t ns) {
    struct pause_hist *d = strcmp(kind, "full") == 0    ? &h->pauses.full
                           : strcmp(kind, "slice") == 0 ? &h->pauses.slice
                                                        : &h->pauses.minor;
    mg_pauses_add(d, ns);
    h->pauses.changed = true;
}

static void fill(const struct pause_hist *d, uint64_t *p50, uint64_t *p99, uint64_t *max) {
    *p50 = mg_pauses_quantile(d, 0.5);
    *p99 = mg_pauses_quantile(d, 0.99);
    *max = d->max;
}

void mg_pauses_stats(movgc_heap *h) {
    movgc_stats *s = &h->stats;
    if (!h->pauses.changed)
        return;
    h->pauses.changed = false;
    fill(&h->pauses.minor, &s->minor_pause_p50_ns, &s->minor_pause_p99_ns,
         &s->minor_pause_max_ns);
    fill(&h->pauses.full, &s->full_pause_p50_ns, &s->full_pause_p99_ns,
         &s->full_pause_max_ns);
    fill(&h->pauses.slice, &s->slice_pause_p50_ns, &s->slice_pause_p99_ns,
         &s->slice_pause_max_ns);
}

static void report_kind(const char *kind, const struct pause_hist *d) {
    fprintf(stderr, "movgc: %s pauses: %llu, p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
            kind, (unsigned long long)d->n, (double)mg_pauses_quantile(d, 0.5) / 1e6,
            (double)mg_pauses_quantile(d, 0.99) / 1e6, (double)d->max / 1e6);
}

void mg_pauses_report(movgc_heap *h) {
    if (!(h->cfg.flags & MOVGC_VERBOSE))
        return;
    report_kind("minor", &h->pauses.minor);
    report_kind("full", &h->pauses.full);
    if (h->pauses.slice.n)
        report_kind("mark slice", &h->pauses.slice);
}

/* pauses.h -- pause-time distributions per collection kind, for
 * movgc_stats' percentiles and MOVGC_VERBOSE. */
#ifndef MG_PAUSES_H
#define MG_PAUSES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movgc.h"

/* Log-linear buckets: exact below 16 ns, then 16 per power of two, so a
 * bucket is at most 1/16 wider than its lower bound (6.25%). */
#define MG_PAUSE_SUB 16u
#define MG_PAUSE_BUCKETS (MG_PAUSE_SUB * 45u)  /* up to 2^48 ns, 3 days */

struct pause_hist {
    uint32_t count[MG_PAUSE_BUCKETS];  /* pauses per bucket */
    uint64_t n;                        /* pauses recorded */
    uint64_t max;                      /* the longest, exact, ns */
};

struct pauses {
    struct pause_hist minor, full, slice;
    bool changed;  /* a pause was recorded since the stats were filled */
};

/* Record one pause of ns nanoseconds.  Never collects. */
void mg_pauses_add(struct pause_hist *d, uint64_t ns);
/* The q-quantile (0 < q <= 1) by nearest rank, as the upper bound of its
 * bucket but never above the exact maximum; 0 when nothing is recorded. */
uint64_t mg_pauses_quantile(const struct pause_hist *d, double q);

/* Record a pause of the collection kind ("minor", "full", or "slice" of
 * an incremental marking). */
void mg_pauses_record(movgc_heap *h, const char *kind, uint64_t ns);
/* Fill the percentiles and maxima in h's stats [pauses.stats]. */
void mg_pauses_stats(movgc_heap *h);
/* Under MOVGC_VERBOSE, one line per kind with the percentiles. */
void mg_pauses_report(movgc_heap *h);

#endif

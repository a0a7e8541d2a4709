/* bk_movgc.c -- movgc backend: the process's heap, and pause records taken
 * from movgc_get_stats deltas (one record per call that saw collections). */
#include "bk.h"

movgc_heap *bk_h;
static movgc_stats seen;      /* stats at the last bk_pauses_take */

const char *bk_backend(void) { return "movgc"; }

void bk_init(void) {
    bk_h = movgc_heap_new(NULL);
    if (!bk_h) {
        fprintf(stderr, "bench: movgc_heap_new failed\n");
        exit(1);
    }
    movgc_get_stats(bk_h, &seen, sizeof seen);
}

void bk_fini(void) {
    movgc_heap_free(bk_h);
    bk_h = NULL;
}

void bk_describe(char *buf, size_t n) {
    movgc_stats s;
    movgc_get_stats(bk_h, &s, sizeof s);
    snprintf(buf, n,
             "minor=%llu full=%llu promoted=%llu compacted=%llu gc_live=%zu "
             "heap_bytes=%zu pause_total_ns=%llu pause_max_ns=%llu",
             (unsigned long long)s.minor_collections,
             (unsigned long long)s.full_collections,
             (unsigned long long)s.bytes_promoted,
             (unsigned long long)s.bytes_compacted, s.live_bytes, s.heap_bytes,
             (unsigned long long)s.total_pause_ns,
             (unsigned long long)s.max_pause_ns);
}

/* Called after each allocation by the pauses workload, so a record is
 * normally one collection; if several happened since the last call they
 * form one record (full if any was full). */
size_t bk_pauses_take(bk_pause *out, size_t max) {
    movgc_stats s;
    movgc_get_stats(bk_h, &s, sizeof s);
    if (s.minor_collections == seen.minor_collections &&
        s.full_collections == seen.full_collections && s.mark_slices == seen.mark_slices)
        return 0;
    size_t n = 0;
    if (max) {
        out[0].full = s.full_collections != seen.full_collections ? 1
                      : s.minor_collections != seen.minor_collections ? 0
                                                                       : BK_SLICE;
        out[0].ns = s.total_pause_ns - seen.total_pause_ns;
        out[0].live = out[0].full ? s.live_bytes : 0;
        n = 1;
    }
    seen = s;
    return n;
}

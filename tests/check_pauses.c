/* check_pauses.c -- pause percentiles: the histogram's quantiles against
 * exact ones, the appended movgc_stats fields, a caller built against the
 * older, shorter struct, and the MOVGC_VERBOSE summary. */
#include "testutil.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pauses.h"

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The exact nearest-rank quantile of sorted v[0..n). */
static uint64_t exact(const uint64_t *v, size_t n, double q)
{
    size_t rank = (size_t)(q * (double)n);
    if ((double)rank < q * (double)n)
        rank++;
    return v[(rank ? rank : 1) - 1];
}

/* Random pauses over six orders of magnitude: every quantile is within one
 * bucket (6.25%) above the exact one, never below, and the max is exact. */
START_TEST(test_pauses_quantiles_within_a_bucket)
{
    uint64_t seed = tu_seed("test_pauses_quantiles_within_a_bucket");
    enum { N = 5000 };
    static struct pause_hist d;
    static uint64_t v[N];
    memset(&d, 0, sizeof d);
    for (size_t i = 0; i < N; i++) {
        uint64_t mag = 1000u;
        for (size_t k = tu_rand_below(&seed, 6); k > 0; k--)
            mag *= 10;
        v[i] = mag + tu_rand_below(&seed, (size_t)mag * 9);
        mg_pauses_add(&d, v[i]);
    }
    qsort(v, N, sizeof *v, by_value);
    const double qs[] = {0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0};
    for (size_t k = 0; k < sizeof qs / sizeof *qs; k++) {
        uint64_t want = exact(v, N, qs[k]), got = mg_pauses_quantile(&d, qs[k]);
        ck_assert_msg(got >= want && (double)got <= (double)want * 1.0625,
                      "q %.3f: histogram %llu, exact %llu", qs[k],
                      (unsigned long long)got, (unsigned long long)want);
    }
    ck_assert_uint_eq(d.max, v[N - 1]);
    ck_assert_uint_eq(mg_pauses_quantile(&d, 1.0), v[N - 1]);
    ck_assert_uint_eq(d.n, N);
}
END_TEST

/* Edge values: nothing recorded gives 0; one pause is every quantile;
 * tiny values are exact; a huge one lands in the last bucket, reported as
 * the exact maximum. */
START_TEST(test_pauses_edges)
{
    static struct pause_hist d;
    memset(&d, 0, sizeof d);
    ck_assert_uint_eq(mg_pauses_quantile(&d, 0.5), 0);
    mg_pauses_add(&d, 123456789);
    ck_assert_uint_eq(mg_pauses_quantile(&d, 0.5), 123456789);
    ck_assert_uint_eq(mg_pauses_quantile(&d, 0.99), 123456789);
    memset(&d, 0, sizeof d);
    for (uint64_t ns = 0; ns < 16; ns++)
        mg_pauses_add(&d, ns);
    ck_assert_uint_eq(mg_pauses_quantile(&d, 0.5), 7);
    mg_pauses_add(&d, UINT64_MAX / 2);
    ck_assert_uint_eq(mg_pauses_quantile(&d, 1.0), UINT64_MAX / 2);
}
END_TEST

/* The stats fields: zero before any collection of a kind, then ordered
 * p50 <= p99 <= max, the larger max being max_pause_ns. */
START_TEST(test_pauses_stats_fields)
{
    movgc_stats s;
    movgc_get_stats(H, &s, sizeof s);
    ck_assert_uint_eq(s.minor_pause_max_ns, 0);
    ck_assert_uint_eq(s.full_pause_p50_ns, 0);
    void *keep = tu_alloc_filled(1, 0, 64, 1);
    ROOT(keep);
    for (int i = 0; i < 20; i++) {
        tu_churn(100000);
        movgc_collect(H, MOVGC_MINOR);
    }
    movgc_get_stats(H, &s, sizeof s);
    ck_assert_uint_gt(s.minor_pause_max_ns, 0);
    if (s.full_collections == 0) {  /* MOVGC_STRESS collects fully too */
        ck_assert_uint_eq(s.full_pause_max_ns, 0);
        ck_assert_uint_eq(s.full_pause_p99_ns, 0);
    }
    for (int i = 0; i < 3; i++)
        movgc_collect(H, MOVGC_FULL);
    movgc_get_stats(H, &s, sizeof s);
    ck_assert_uint_gt(s.minor_pause_p50_ns, 0);
    ck_assert_uint_le(s.minor_pause_p50_ns, s.minor_pause_p99_ns);
    ck_assert_uint_le(s.minor_pause_p99_ns, s.minor_pause_max_ns);
    ck_assert_uint_gt(s.full_pause_p50_ns, 0);
    ck_assert_uint_le(s.full_pause_p50_ns, s.full_pause_p99_ns);
    ck_assert_uint_le(s.full_pause_p99_ns, s.full_pause_max_ns);
    uint64_t larger = s.minor_pause_max_ns > s.full_pause_max_ns ? s.minor_pause_max_ns
                                                                 : s.full_pause_max_ns;
    ck_assert_uint_eq(larger, s.max_pause_ns);
    ck_assert(tu_check_fill(keep, 1));
    movgc_pop_roots(H, 1);
}
END_TEST

/* A caller built against the struct before the percentiles passes its
 * smaller size: it gets its fields and nothing is written past them. */
START_TEST(test_pauses_older_struct_size)
{
    movgc_collect(H, MOVGC_FULL);
    size_t old_size = offsetof(movgc_stats, minor_pause_p50_ns);
    unsigned char buf[sizeof(movgc_stats) + 16];
    memset(buf, 0xA5, sizeof buf);
    movgc_get_stats(H, (movgc_stats *)(void *)buf, old_size);
    for (size_t i = old_size; i < sizeof buf; i++)
        ck_assert_uint_eq(buf[i], 0xA5);
    movgc_stats s;
    memcpy(&s, buf, old_size);
    ck_assert_uint_eq(s.full_collections, 1);
}
END_TEST

static void verbose_heap(void *arg)
{
    (void)arg;
    movgc_config c = tu_config();
    c.flags |= MOVGC_VERBOSE;
    movgc_heap *h = movgc_heap_new(&c);
    movgc_collect(h, MOVGC_MINOR);
    movgc_collect(h, MOVGC_FULL);
    movgc_heap_free(h);
    exit(0);
}

/* MOVGC_VERBOSE: freeing the heap prints one line per kind. */
START_TEST(test_pauses_verbose_summary)
{
    struct tu_child c;
    tu_run_child(verbose_heap, NULL, &c);
    ck_assert(c.exited && c.code == 0);
    ck_assert_msg(strstr(c.err, "movgc: minor pauses: 1, p50 ") != NULL, "%s", c.err);
    ck_assert_msg(strstr(c.err, "movgc: full pauses: 1, p50 ") != NULL, "%s", c.err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pauses");
    TCase *tc = tu_tcase_bare("histogram");
    tcase_add_test(tc, test_pauses_quantiles_within_a_bucket);
    tcase_add_test(tc, test_pauses_edges);
    suite_add_tcase(s, tc);
    tc = tu_tcase("stats");
    tcase_add_test(tc, test_pauses_stats_fields);
    tcase_add_test(tc, test_pauses_older_struct_size);
    tcase_add_test(tc, test_pauses_verbose_summary);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}

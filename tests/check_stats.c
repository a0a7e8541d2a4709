/* check_stats.c -- every movgc_stats field moves as documented, and
 * movgc_get_stats with a shorter size fills only that prefix. */
#include "testutil.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static movgc_stats stats(void)
{
    movgc_stats st;
    movgc_get_stats(H, &st, sizeof st);
    return st;
}

START_TEST(test_stats_collections_counted)
{
    movgc_stats s0 = stats();
    ck_assert_uint_eq(s0.minor_collections, 0);
    ck_assert_uint_eq(s0.full_collections, 0);
    movgc_collect(H, MOVGC_MINOR);
    movgc_stats s1 = stats();
    ck_assert_uint_eq(s1.minor_collections, 1);
    movgc_collect(H, MOVGC_FULL);
    movgc_stats s2 = stats();
    ck_assert_uint_eq(s2.full_collections, s1.full_collections + 1);
    for (int i = 0; i < 5; i++)
        movgc_collect(H, MOVGC_MINOR);
    movgc_stats s3 = stats();
    ck_assert_uint_eq(s3.minor_collections, s2.minor_collections + 5);
    ck_assert_uint_eq(s3.full_collections, s2.full_collections);
}
END_TEST

START_TEST(test_stats_bytes_allocated_counts_requests)
{
    static const size_t shapes[][2] = {{0, 0}, {1, 0}, {0, 1}, {3, 17}, {10, 100},
                                       {0, 4000}, {64, 0}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        size_t req = 8 * shapes[i][0] + shapes[i][1];
        uint64_t b0 = stats().bytes_allocated;
        ck_assert_ptr_nonnull(movgc_alloc(H, 1, shapes[i][0], shapes[i][1]));
        uint64_t d = stats().bytes_allocated - b0;
        ck_assert_msg(d >= req && d <= req + 32, "alloc(%zu, %zu) counted %llu bytes",
                      shapes[i][0], shapes[i][1], (unsigned long long)d);
    }
    uint64_t b0 = stats().bytes_allocated;
    ck_assert_ptr_nonnull(movgc_alloc(H, 1, 0, 2 << 20));
    ck_assert_uint_ge(stats().bytes_allocated - b0, 2 << 20);
    b0 = stats().bytes_allocated;
    for (int i = 0; i < 1000; i++)
        movgc_alloc(H, 1, 1, 24);
    ck_assert_uint_ge(stats().bytes_allocated - b0, 1000 * 32);
    ck_assert_uint_le(stats().bytes_allocated - b0, 1000 * 64);
}
END_TEST

START_TEST(test_stats_bytes_promoted_counts_survivors)
{
    /* garbage is not promoted */
    uint64_t p0 = stats().bytes_promoted;
    tu_churn(tu_scale(4 << 20, 100000));
    for (int i = 0; i < 4; i++)
        movgc_collect(H, MOVGC_MINOR);
    ck_assert_uint_lt(stats().bytes_promoted - p0, 16384);
    /* one survivor is, once */
    void *o = tu_alloc_filled(1, 0, 5000, 1);
    ROOT(o);
    p0 = stats().bytes_promoted;
    int minors = 0;
    while (stats().bytes_promoted - p0 < 5000 && minors < 16) {
        movgc_collect(H, MOVGC_MINOR);
        minors++;
    }
    fprintf(stderr, "promoted after %d minor collections\n", minors);
    uint64_t p1 = stats().bytes_promoted;
    ck_assert_uint_ge(p1 - p0, 5000);
    ck_assert_uint_le(p1 - p0, 5000 + 64);
    for (int i = 0; i < 4; i++)
        movgc_collect(H, MOVGC_MINOR);
    ck_assert_uint_eq(stats().bytes_promoted, p1);
    ck_assert(tu_check_fill(o, 1));
    movgc_pop_roots(H, 1);
}
END_TEST

/* Old objects with holes punched between them: a full collection moves some. */
START_TEST(test_stats_bytes_compacted_counts_moves)
{
    size_t n = tu_scale(4000, 300);
    void *arr = movgc_alloc(H, 2, n, 0);
    ROOT(arr);
    for (size_t i = 0; i < n; i++)
        SET_NEW(arr, i, tu_alloc_filled(3, 0, 200, i));
    movgc_collect(H, MOVGC_FULL);
    movgc_collect(H, MOVGC_FULL);
    for (size_t i = 0; i < n; i += 2)
        movgc_set(H, arr, i, NULL);
    uint64_t c0 = stats().bytes_compacted;
    movgc_collect(H, MOVGC_FULL);
    uint64_t moved = stats().bytes_compacted - c0;
    ck_assert_uint_ge(moved, 200);                    /* at least one object */
    ck_assert_uint_le(moved, (n / 2) * (200 + 64) + 8 * n + 64);
    for (size_t i = 1; i < n; i += 2)
        ck_assert(tu_check_fill(movgc_get(arr, i), i));
    movgc_pop_roots(H, 1);
}
END_TEST

START_TEST(test_stats_live_bytes_after_full)
{
    size_t n = tu_scale(2000, 200), sz = 300;
    void *arr = movgc_alloc(H, 2, n, 0);
    ROOT(arr);
    for (size_t i = 0; i < n; i++)
        SET_NEW(arr, i, movgc_alloc(H, 3, 0, sz));
    tu_churn(tu_scale(2 << 20, 50000));
    movgc_collect(H, MOVGC_FULL);
    size_t want = n * sz + 8 * n;
    size_t live = stats().live_bytes;
    ck_assert_msg(live >= want && live <= want + 32 * (n + 1) + 4096,
                  "live_bytes %zu for %zu bytes of objects", live, want);
    for (size_t i = 0; i < n; i += 2)
        movgc_set(H, arr, i, NULL);
    movgc_collect(H, MOVGC_FULL);
    size_t live2 = stats().live_bytes;
    size_t want2 = (n / 2) * sz + 8 * n;
    ck_assert_msg(live2 >= want2 && live2 <= want2 + 32 * (n + 1) + 4096,
                  "live_bytes %zu after dropping half, want about %zu", live2, want2);
    movgc_pop_roots(H, 1);
}
END_TEST

START_TEST(test_stats_heap_bytes_follow_live_data)
{
    size_t total = tu_scale(32u << 20, 4u << 20);
    size_t h0 = stats().heap_bytes;
    ck_assert_uint_gt(h0, 0);
    void *head = NULL;
    ROOT(head);
    for (size_t done = 0; done < total; done += 4096) {
        void *o = movgc_alloc(H, 1, 1, 4096 - 16);
        movgc_set(H, o, 0, head);
        head = o;
    }
    movgc_collect(H, MOVGC_FULL);
    size_t peak = stats().heap_bytes;
    ck_assert_uint_ge(peak, total);
    head = NULL;
    movgc_collect(H, MOVGC_FULL);
    size_t after = stats().heap_bytes;
    fprintf(stderr, "heap_bytes: empty %zu, %zu live %zu, dropped %zu\n", h0, total,
            peak, after);
    ck_assert_uint_le(after, peak - total / 2);
    movgc_pop_roots(H, 1);
}
END_TEST

START_TEST(test_stats_pauses_consistent)
{
    movgc_stats s0 = stats();
    ck_assert_uint_eq(s0.total_pause_ns, 0);
    ck_assert_uint_eq(s0.max_pause_ns, 0);
    void *keep = NULL;
    ROOT(keep);
    keep = movgc_alloc(H, 1, 0, 100000);
    for (int i = 0; i < 10; i++) {
        tu_churn(100000);
        movgc_collect(H, i % 3 ? MOVGC_MINOR : MOVGC_FULL);
    }
    movgc_stats s = stats();
    uint64_t n = s.minor_collections + s.full_collections;
    ck_assert_uint_gt(s.total_pause_ns, 0);
    ck_assert_uint_gt(s.max_pause_ns, 0);
    ck_assert_uint_le(s.max_pause_ns, s.total_pause_ns);
    ck_assert_uint_le(s.total_pause_ns, n * s.max_pause_ns);
    movgc_collect(H, MOVGC_FULL);
    movgc_stats t = stats();
    ck_assert_uint_ge(t.total_pause_ns, s.total_pause_ns);
    ck_assert_uint_ge(t.max_pause_ns, s.max_pause_ns);
    movgc_pop_roots(H, 1);
}
END_TEST

/* Only the first 'size' bytes are written, so older, shorter structs work. */
START_TEST(test_stats_short_size_fills_prefix)
{
    static const size_t sizes[] = {
        0, sizeof(uint64_t), offsetof(movgc_stats, bytes_allocated),
        offsetof(movgc_stats, bytes_promoted), offsetof(movgc_stats, live_bytes),
        offsetof(movgc_stats, heap_bytes), offsetof(movgc_stats, total_pause_ns),
        sizeof(movgc_stats) - 1,
    };
    movgc_alloc(H, 1, 0, 64);
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    movgc_stats full;
    memset(&full, 0, sizeof full);
    movgc_get_stats(H, &full, sizeof full);
    ck_assert_uint_gt(full.minor_collections, 0);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        unsigned char buf[sizeof(movgc_stats) + 16];
        memset(buf, 0xAB, sizeof buf);
        movgc_get_stats(H, (movgc_stats *)(void *)buf, sizes[k]);
        ck_assert_msg(memcmp(buf, &full, sizes[k]) == 0, "prefix %zu differs", sizes[k]);
        for (size_t i = sizes[k]; i < sizeof buf; i++)
            ck_assert_msg(buf[i] == 0xAB, "size %zu: byte %zu written", sizes[k], i);
    }
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tu_tcase("stats");
    tcase_add_test(tc, test_stats_collections_counted);
    tcase_add_test(tc, test_stats_bytes_allocated_counts_requests);
    tcase_add_test(tc, test_stats_bytes_promoted_counts_survivors);
    tcase_add_test(tc, test_stats_bytes_compacted_counts_moves);
    tcase_add_test(tc, test_stats_live_bytes_after_full);
    tcase_add_test(tc, test_stats_heap_bytes_follow_live_data);
    tcase_add_test(tc, test_stats_pauses_consistent);
    tcase_add_test(tc, test_stats_short_size_fills_prefix);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(stats_suite());
}

/* check_env.c -- environment overrides read at movgc_heap_new: well-formed
 * values take effect, malformed ones stop with a message naming the variable.
 * Each test sets its own MOVGC_* environment (in its own process), so the
 * stress/verify settings of the surrounding run do not apply here. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const vars[] = {
    "MOVGC_NURSERY", "MOVGC_HEAP_LIMIT", "MOVGC_GROWTH",
    "MOVGC_STRESS", "MOVGC_VERIFY", "MOVGC_VERBOSE",
};

static void env_clear(void)
{
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

struct setting { const char *name, *value; };

static movgc_stats stats_of(movgc_heap *h)
{
    movgc_stats st;
    movgc_get_stats(h, &st, sizeof st);
    return st;
}

/* ==== accepted values ===================================================== */

static const struct setting good[] = {
    {"MOVGC_NURSERY", "65536"}, {"MOVGC_NURSERY", "64K"}, {"MOVGC_NURSERY", "1M"},
    {"MOVGC_HEAP_LIMIT", "64M"}, {"MOVGC_HEAP_LIMIT", "1G"},
    {"MOVGC_HEAP_LIMIT", "100000000"}, {"MOVGC_GROWTH", "2"},
    {"MOVGC_GROWTH", "1.5"}, {"MOVGC_STRESS", "0"}, {"MOVGC_STRESS", "1"},
    {"MOVGC_VERIFY", "0"}, {"MOVGC_VERIFY", "1"}, {"MOVGC_VERBOSE", "0"},
};

static void make_heap_and_use(void *arg)
{
    const struct setting *s = arg;
    env_clear();
    setenv(s->name, s->value, 1);
    movgc_heap *h = movgc_heap_new(NULL);
    if (!h)
        _exit(3);
    void *o = movgc_alloc(h, 1, 1, 16);
    movgc_push_root(h, &o);
    movgc_collect(h, MOVGC_MINOR);
    movgc_collect(h, MOVGC_FULL);
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
}

START_TEST(test_env_good_values_accepted)
{
    struct tu_child c;
    tu_run_child(make_heap_and_use, (void *)&good[_i], &c);
    ck_assert_msg(c.exited && c.code == 0, "%s=%s: %s %d, stderr: %s",
                  good[_i].name, good[_i].value, c.exited ? "exit" : "signal",
                  c.exited ? c.code : c.sig, c.err);
    ck_assert_msg(c.err[0] == '\0', "%s=%s printed: %s", good[_i].name,
                  good[_i].value, c.err);
}
END_TEST

/* Allocate 'total' bytes of garbage; return the minor collections it took. */
static uint64_t minors_for_garbage(movgc_heap *h, size_t total)
{
    uint64_t m0 = stats_of(h).minor_collections;
    for (size_t done = 0; done < total; done += 64 + 8)
        ck_assert_ptr_nonnull(movgc_alloc(h, 1, 0, 64));
    return stats_of(h).minor_collections - m0;
}

START_TEST(test_env_nursery_takes_effect)
{
    env_clear();
    setenv("MOVGC_NURSERY", "64K", 1);
    movgc_heap *small = movgc_heap_new(NULL);
    setenv("MOVGC_NURSERY", "16M", 1);
    movgc_heap *big = movgc_heap_new(NULL);
    uint64_t ns = minors_for_garbage(small, 4 << 20);
    uint64_t nb = minors_for_garbage(big, 4 << 20);
    fprintf(stderr, "4 MiB of garbage: %llu minors at 64K, %llu at 16M\n",
            (unsigned long long)ns, (unsigned long long)nb);
    ck_assert_uint_ge(ns, 16);          /* about 64 with a 64 KiB semispace */
    ck_assert_uint_le(nb, 1);
    movgc_heap_free(small);
    movgc_heap_free(big);
}
END_TEST

START_TEST(test_env_heap_limit_takes_effect)
{
    env_clear();
    setenv("MOVGC_HEAP_LIMIT", "4M", 1);
    movgc_heap *h = movgc_heap_new(NULL);
    void *head = NULL;
    movgc_push_root(h, &head);
    size_t live = 0;
    for (;;) {
        void *o = movgc_alloc(h, 1, 1, 1000);
        if (!o)
            break;
        movgc_set(h, o, 0, head);
        head = o;
        live += 1008;
        ck_assert_uint_le(live, 8 << 20);
    }
    ck_assert_int_eq(movgc_last_error(h), MOVGC_E_NOMEM);
    ck_assert_uint_le(stats_of(h).heap_bytes, 4 << 20);
    ck_assert_uint_ge(live, 1 << 20);
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
}
END_TEST

START_TEST(test_env_stress_takes_effect)
{
    env_clear();
    setenv("MOVGC_STRESS", "1", 1);
    movgc_heap *st = movgc_heap_new(NULL);
    setenv("MOVGC_STRESS", "0", 1);
    movgc_heap *calm = movgc_heap_new(NULL);
    for (int i = 0; i < 100; i++) {
        movgc_alloc(st, 1, 0, 8);
        movgc_alloc(calm, 1, 0, 8);
    }
    movgc_stats s1 = stats_of(st), s0 = stats_of(calm);
    ck_assert_uint_ge(s1.minor_collections + s1.full_collections, 100);
    ck_assert_uint_eq(s0.minor_collections + s0.full_collections, 0);
    movgc_heap_free(st);
    movgc_heap_free(calm);
}
END_TEST

static void collect_three_times(void *arg)
{
    env_clear();
    setenv("MOVGC_VERBOSE", (const char *)arg, 1);
    movgc_heap *h = movgc_heap_new(NULL);
    movgc_alloc(h, 1, 0, 8);
    movgc_collect(h, MOVGC_MINOR);
    movgc_collect(h, MOVGC_FULL);
    movgc_collect(h, MOVGC_MINOR);
    movgc_heap_free(h);
}

START_TEST(test_env_verbose_logs_each_collection)
{
    struct tu_child c;
    tu_run_child(collect_three_times, "1", &c);
    ck_assert(c.exited && c.code == 0);
    ck_assert_msg(c.lines >= 3, "%zu lines for 3 collections: %s", c.lines, c.err);
    tu_run_child(collect_three_times, "0", &c);
    ck_assert(c.exited && c.code == 0);
    ck_assert_msg(c.lines == 0, "MOVGC_VERBOSE=0 printed: %s", c.err);
}
END_TEST

static char not_in_heap[64] __attribute__((aligned(16)));

/* A slot written behind the barrier's back with a non-heap address. */
static void corrupt_then_collect(void *arg)
{
    (void)arg;
    env_clear();
    setenv("MOVGC_VERIFY", "1", 1);
    movgc_heap *h = movgc_heap_new(NULL);
    void *o = movgc_alloc(h, 1, 2, 8);
    movgc_push_root(h, &o);
    movgc_collect(h, MOVGC_MINOR);
    ((void **)o)[1] = not_in_heap + 8;
    movgc_collect(h, MOVGC_MINOR);
    movgc_collect(h, MOVGC_FULL);
}

START_TEST(test_env_verify_reports_broken_reference)
{
    struct tu_child c;
    tu_run_child(corrupt_then_collect, NULL, &c);
    tu_assert_aborted(&c, NULL);
}
END_TEST

/* A young object stored into an old one behind the barrier's back. */
static void bypass_barrier_then_collect(void *arg)
{
    (void)arg;
    env_clear();
    setenv("MOVGC_VERIFY", "1", 1);
    movgc_heap *h = movgc_heap_new(NULL);
    void *old = movgc_alloc(h, 1, 1, 8);
    movgc_push_root(h, &old);
    for (int i = 0; i < 4; i++)
        movgc_collect(h, MOVGC_MINOR);
    movgc_collect(h, MOVGC_FULL);
    void *young = movgc_alloc(h, 2, 0, 8);
    ((void **)old)[0] = young;
    movgc_collect(h, MOVGC_MINOR);
}

START_TEST(test_env_verify_reports_barrier_bypass)
{
    struct tu_child c;
    tu_run_child(bypass_barrier_then_collect, NULL, &c);
    tu_assert_aborted(&c, NULL);
}
END_TEST

/* Short-lived data promoted and dying in the old space: MOVGC_GROWTH sets how
 * far the old space grows before a full collection. */
static uint64_t fulls_with_env_growth(const char *growth)
{
    env_clear();
    setenv("MOVGC_GROWTH", growth, 1);
    setenv("MOVGC_NURSERY", "1M", 1);
    movgc_heap *h = movgc_heap_new(NULL);
    enum { RING = 16384 };
    void *ring = movgc_alloc(h, 1, RING, 0);
    movgc_push_root(h, &ring);
    for (size_t i = 0; i < 500000; i++) {
        void *o = movgc_alloc(h, 2, 0, 48);
        movgc_set(h, ring, i % RING, o);
    }
    uint64_t fulls = stats_of(h).full_collections;
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
    return fulls;
}

START_TEST(test_env_growth_takes_effect)
{
    uint64_t tight = fulls_with_env_growth("1.25"), loose = fulls_with_env_growth("8");
    fprintf(stderr, "MOVGC_GROWTH: 1.25 -> %llu full collections, 8 -> %llu\n",
            (unsigned long long)tight, (unsigned long long)loose);
    ck_assert_uint_gt(tight, loose);
}
END_TEST

/* ==== malformed values ==================================================== */

static const struct setting bad[] = {
    {"MOVGC_NURSERY", "12Q"}, {"MOVGC_NURSERY", "abc"}, {"MOVGC_NURSERY", "-1"},
    {"MOVGC_NURSERY", "K"}, {"MOVGC_NURSERY", "64K7"},
    {"MOVGC_HEAP_LIMIT", "1X"}, {"MOVGC_HEAP_LIMIT", "99999999999999999999999"},
    {"MOVGC_HEAP_LIMIT", "20000000000G"},
    {"MOVGC_GROWTH", "abc"}, {"MOVGC_GROWTH", "2x"}, {"MOVGC_GROWTH", "-1"},
    {"MOVGC_STRESS", "2"}, {"MOVGC_STRESS", "yes"}, {"MOVGC_STRESS", "1x"},
    {"MOVGC_VERIFY", "2"}, {"MOVGC_VERIFY", "true"},
    {"MOVGC_VERBOSE", "x"}, {"MOVGC_VERBOSE", "-1"},
};
#define NBAD (int)(sizeof bad / sizeof bad[0])

static void make_heap_default(void *arg)
{
    const struct setting *s = arg;
    env_clear();
    setenv(s->name, s->value, 1);
    movgc_heap *h = movgc_heap_new(NULL);
    fprintf(stderr, "heap_new returned %p\n", (void *)h);
}

START_TEST(test_env_malformed_aborts_naming_variable)
{
    struct tu_child c;
    tu_run_child(make_heap_default, (void *)&bad[_i], &c);
    ck_assert_msg(c.signaled, "%s=%s accepted: %s", bad[_i].name, bad[_i].value, c.err);
    tu_assert_aborted(&c, bad[_i].name);
}
END_TEST

static void make_heap_on_error(void *arg)
{
    const struct setting *s = arg;
    env_clear();
    setenv(s->name, s->value, 1);
    tu_errors_clear();
    movgc_heap *h = tu_heap_new(NULL);
    fprintf(stderr, "heap=%s errors=%u config=%u msg=%s\n", h ? "yes" : "no",
            tu_err.count, tu_err.by_code[MOVGC_E_CONFIG], tu_err.msg);
}

/* With on_error the library may report instead of aborting, but never use a
 * silent default: either it aborts naming the variable, or heap_new returns
 * NULL after reporting MOVGC_E_CONFIG with a message naming it. */
START_TEST(test_env_malformed_never_silent_with_on_error)
{
    struct tu_child c;
    tu_run_child(make_heap_on_error, (void *)&bad[_i], &c);
    if (c.signaled) {
        tu_assert_aborted(&c, bad[_i].name);
        return;
    }
    ck_assert_msg(strstr(c.err, "heap=no errors=1 config=1") != NULL,
                  "%s=%s: %s", bad[_i].name, bad[_i].value, c.err);
    ck_assert_msg(strstr(strstr(c.err, "msg="), bad[_i].name) != NULL,
                  "message does not name %s: %s", bad[_i].name, c.err);
}
END_TEST

static Suite *env_suite(void)
{
    Suite *s = suite_create("env");
    TCase *tc = tu_tcase_bare("accepted");
    tcase_add_loop_test(tc, test_env_good_values_accepted, 0,
                        (int)(sizeof good / sizeof good[0]));
    tcase_add_test(tc, test_env_nursery_takes_effect);
    tcase_add_test(tc, test_env_heap_limit_takes_effect);
    tcase_add_test(tc, test_env_stress_takes_effect);
    tcase_add_test(tc, test_env_verbose_logs_each_collection);
    tcase_add_test(tc, test_env_verify_reports_broken_reference);
    tcase_add_test(tc, test_env_verify_reports_barrier_bypass);
    tcase_add_test(tc, test_env_growth_takes_effect);
    suite_add_tcase(s, tc);
    tc = tu_tcase_bare("malformed");
    tcase_add_loop_test(tc, test_env_malformed_aborts_naming_variable, 0, NBAD);
    tcase_add_loop_test(tc, test_env_malformed_never_silent_with_on_error, 0, NBAD);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(env_suite());
}

/* check_objects.c -- object model: shapes, zeroed contents, tags, slots, raw
 * bytes, size overflow, and heaps as independent units. */
#include "testutil.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

struct shape { unsigned tag; size_t nrefs, nbytes; };

static const struct shape shapes[] = {
    {0, 0, 0}, {1, 1, 0}, {2, 0, 1}, {3, 3, 17}, {4, 0, 7}, {5, 1, 8},
    {65535, 100, 1000}, {42, 0, 4096}, {9, 2000, 0}, {10, 0, 70000},
    {11, 16, 1 << 20},
    /* around the inline allocation path's limits and the large-object size */
    {17, 4095, 0}, {18, 4096, 0}, {19, 0, 4095}, {20, 0, 4096},
    {21, 0, 65536 - 16}, {22, 0, 65536 - 8}, {23, 0, 65536}, {24, 8191, 8},
    /* sizes around the header's 20-bit fields (bigger ones are stored apart) */
    {12, 0, 0xFFFFE}, {13, 0, 0xFFFFF}, {14, 3, 0x100001},
    {15, 0x100000, 0}, {16, 0x100001, 5},
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

static void check_shape(void *o, const struct shape *s)
{
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq((uintptr_t)o % 8, 0);
    ck_assert_uint_eq(movgc_tag(o), s->tag);
    ck_assert_uint_eq(movgc_nrefs(o), s->nrefs);
    ck_assert_uint_eq(movgc_nbytes(o), s->nbytes);
    ck_assert_ptr_eq(movgc_data(o), (char *)o + 8 * s->nrefs);
}

static void check_zeroed(void *o)
{
    for (size_t i = 0; i < movgc_nrefs(o); i++)
        ck_assert_ptr_null(movgc_get(o, i));
    unsigned char *p = movgc_data(o);
    for (size_t i = 0; i < movgc_nbytes(o); i++)
        ck_assert_msg(p[i] == 0, "byte %zu of a new object is %u", i, p[i]);
}

/* ==== core ================================================================ */

START_TEST(test_objects_shapes_report_sizes)
{
    void *objs[NSHAPES];
    for (size_t i = 0; i < NSHAPES; i++) {
        objs[i] = movgc_alloc(H, shapes[i].tag, shapes[i].nrefs, shapes[i].nbytes);
        check_shape(objs[i], &shapes[i]);
        check_zeroed(objs[i]);
        ROOT(objs[i]);
    }
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    for (size_t i = 0; i < NSHAPES; i++) {
        check_shape(objs[i], &shapes[i]);
        check_zeroed(objs[i]);
    }
    movgc_pop_roots(H, NSHAPES);
    ck_assert_uint_eq(tu_err.count, 0);
}
END_TEST

/* Memory given back by collections is reused; new objects must still be zero. */
START_TEST(test_objects_new_are_zeroed_after_reuse)
{
    void *keep = NULL;
    ROOT(keep);
    for (int round = 0; round < 6; round++) {
        /* dirty objects that survive into the old space and then die */
        keep = movgc_alloc(H, 1, 64, 0);
        for (size_t i = 0; i < 64; i++) {
            void *o = movgc_alloc(H, 2, 2, 100 + i);
            memset(movgc_data(o), 0xFF, movgc_nbytes(o));
            movgc_set(H, o, 0, keep);
            movgc_set(H, o, 1, o);
            movgc_set(H, keep, i, o);
        }
        movgc_collect(H, MOVGC_MINOR);
        movgc_collect(H, MOVGC_MINOR);
        keep = NULL;
        tu_churn(256 * 1024);
        movgc_collect(H, round % 2 ? MOVGC_FULL : MOVGC_MINOR);
        for (size_t i = 0; i < 200; i++) {
            void *o = movgc_alloc(H, 3, i % 5, i);
            check_zeroed(o);
            memset(movgc_data(o), 0xEE, i);
        }
        void *big = movgc_alloc(H, 4, 3, 300000);
        check_zeroed(big);
        memset(movgc_data(big), 0xDD, 300000);
    }
    movgc_pop_roots(H, 1);
}
END_TEST

START_TEST(test_objects_zero_size_are_distinct)
{
    enum { N = 200 };
    void *o[N];
    for (int i = 0; i < N; i++) {
        o[i] = movgc_alloc(H, (unsigned)i, 0, 0);
        ck_assert_ptr_nonnull(o[i]);
        ROOT(o[i]);
    }
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            ck_assert_uint_eq(movgc_tag(o[i]), (unsigned)i);
            ck_assert_uint_eq(movgc_nrefs(o[i]), 0);
            ck_assert_uint_eq(movgc_nbytes(o[i]), 0);
            for (int j = 0; j < i; j++)
                ck_assert_ptr_ne(o[i], o[j]);
        }
        movgc_collect(H, round == 1 ? MOVGC_FULL : MOVGC_MINOR);
    }
    movgc_pop_roots(H, N);
}
END_TEST

/* A 0-slot 0-byte object ends exactly where the next one would start: as
 * the newest object of the nursery, and as the newest of the old space. */
START_TEST(test_objects_zero_size_newest)
{
    void *keep = tu_alloc_filled(1, 1, 24, 1), *z = NULL;
    ROOT(keep);
    ROOT(z);
    z = movgc_alloc(H, 77, 0, 0);               /* last allocation */
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_uint_eq(movgc_tag(z), 77);
    movgc_collect(H, MOVGC_FULL);               /* z is the newest promoted */
    ck_assert_uint_eq(movgc_tag(z), 77);
    movgc_set(H, keep, 0, z);
    z = movgc_alloc(H, 78, 0, 0);
    movgc_collect(H, MOVGC_FULL);
    ck_assert_uint_eq(movgc_tag(z), 78);
    ck_assert_uint_eq(movgc_tag(movgc_get(keep, 0)), 77);
    ck_assert_ptr_ne(z, movgc_get(keep, 0));
    ck_assert(tu_check_fill(keep, 1));
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    ck_assert_uint_eq(movgc_tag(z), 78);
    ck_assert_uint_eq(movgc_tag(movgc_get(keep, 0)), 77);
    movgc_pop_roots(H, 2);
}
END_TEST

START_TEST(test_objects_tags_round_trip)
{
    static const unsigned tags[] = {0, 1, 255, 256, 4097, 32768, 65534, 65535};
    enum { N = sizeof tags / sizeof tags[0] };
    void *o[N];
    for (int i = 0; i < N; i++) {
        o[i] = movgc_alloc(H, tags[i], (size_t)i % 3, (size_t)i * 5);
        ROOT(o[i]);
    }
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    for (int i = 0; i < N; i++) {
        ck_assert_uint_eq(movgc_tag(o[i]), tags[i]);
        ck_assert_uint_eq(movgc_nrefs(o[i]), (size_t)i % 3);
        ck_assert_uint_eq(movgc_nbytes(o[i]), (size_t)i * 5);
    }
    movgc_pop_roots(H, N);
}
END_TEST

START_TEST(test_objects_slots_round_trip)
{
    void *a = movgc_alloc(H, 1, 4, 8), *b = NULL;
    ROOT(a);
    ROOT(b);
    b = movgc_alloc(H, 2, 0, 8);
    tu_set_u64(b, 0xB0B);
    movgc_set(H, a, 0, a);          /* self reference */
    movgc_set(H, a, 1, b);
    movgc_set(H, a, 3, b);
    ck_assert_ptr_eq(movgc_get(a, 0), a);
    ck_assert_ptr_eq(movgc_get(a, 1), b);
    ck_assert_ptr_null(movgc_get(a, 2));
    movgc_set(H, a, 3, NULL);
    ck_assert_ptr_null(movgc_get(a, 3));
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_eq(movgc_get(a, 0), a);
    ck_assert_ptr_eq(movgc_get(a, 1), b);
    ck_assert_ptr_null(movgc_get(a, 2));
    ck_assert_ptr_null(movgc_get(a, 3));
    ck_assert_uint_eq(tu_u64(b), 0xB0B);
    movgc_pop_roots(H, 2);
}
END_TEST

/* The collector never looks into raw bytes: an address stored there is not
 * updated, and bytes that look like pointers do not keep anything alive or
 * confuse the collector. */
START_TEST(test_objects_raw_bytes_untouched)
{
    void *a = movgc_alloc(H, 1, 0, 64), *b = NULL;
    ROOT(a);
    ROOT(b);
    b = movgc_alloc(H, 2, 1, 16);
    uintptr_t addr_b = (uintptr_t)b, addr_a = (uintptr_t)a;
    memcpy(movgc_data(a), &addr_b, sizeof addr_b);
    memcpy((char *)movgc_data(a) + 8, &addr_a, sizeof addr_a);
    memset((char *)movgc_data(a) + 16, 0xFF, 48);
    memcpy(movgc_data(b), &addr_a, sizeof addr_a);
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    uintptr_t got;
    memcpy(&got, movgc_data(a), sizeof got);
    ck_assert_uint_eq(got, addr_b);
    memcpy(&got, (char *)movgc_data(a) + 8, sizeof got);
    ck_assert_uint_eq(got, addr_a);
    memcpy(&got, movgc_data(b), sizeof got);
    ck_assert_uint_eq(got, addr_a);
    for (int i = 16; i < 64; i++)
        ck_assert_uint_eq(((unsigned char *)movgc_data(a))[i], 0xFF);
    movgc_pop_roots(H, 2);
}
END_TEST

/* ==== sizes =============================================================== */

static void expect_nomem(size_t nrefs, size_t nbytes)
{
    unsigned before = tu_err.by_code[MOVGC_E_NOMEM];
    void *o = movgc_alloc(H, 1, nrefs, nbytes);
    ck_assert_msg(o == NULL, "alloc(%zu refs, %zu bytes) did not fail", nrefs, nbytes);
    ck_assert_uint_eq(tu_err.by_code[MOVGC_E_NOMEM], before + 1);
    ck_assert_int_eq(tu_err.last, MOVGC_E_NOMEM);
    ck_assert_int_eq(movgc_last_error(H), MOVGC_E_NOMEM);
}

START_TEST(test_objects_size_overflow_reports_nomem)
{
    void *keep = tu_alloc_filled(5, 1, 40, 5);
    ROOT(keep);
    expect_nomem(SIZE_MAX / 8 + 1, 0);
    expect_nomem(SIZE_MAX, 0);
    expect_nomem(SIZE_MAX, SIZE_MAX);
    expect_nomem(0, SIZE_MAX);
    expect_nomem(0, SIZE_MAX - 7);
    expect_nomem(1, SIZE_MAX - 4);
    expect_nomem(SIZE_MAX / 16, SIZE_MAX / 2 + 16);
    /* the heap is still usable and the rooted object is intact */
    void *o = movgc_alloc(H, 6, 2, 24);
    ck_assert_ptr_nonnull(o);
    movgc_set(H, keep, 0, o);
    movgc_collect(H, MOVGC_FULL);
    ck_assert(tu_check_fill(keep, 5));
    ck_assert_uint_eq(movgc_tag(movgc_get(keep, 0)), 6);
    movgc_pop_roots(H, 1);
}
END_TEST

START_TEST(test_objects_huge_request_reports_nomem)
{
    expect_nomem(0, (size_t)1 << 50);
    expect_nomem((size_t)1 << 47, 0);
    void *o = movgc_alloc(H, 1, 1, 1);
    ck_assert_ptr_nonnull(o);
}
END_TEST

/* ==== heaps =============================================================== */

START_TEST(test_objects_heap_null_config)
{
    movgc_heap *h = movgc_heap_new(NULL);
    ck_assert_ptr_nonnull(h);
    void *o = movgc_alloc(h, 3, 1, 3);
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(movgc_tag(o), 3);
    movgc_collect(h, MOVGC_FULL);
    ck_assert_int_eq(movgc_last_error(h), MOVGC_OK);
    movgc_heap_free(h);
}
END_TEST

/* Collecting one heap neither moves nor frees the objects of another. */
START_TEST(test_objects_heaps_independent)
{
    movgc_heap *g = tu_heap_new(NULL);
    ck_assert_ptr_nonnull(g);
    void *a = movgc_alloc(g, 1, 1, 64);
    movgc_push_root(g, &a);
    tu_fill(a, 77);
    void *b = tu_alloc_filled(2, 1, 64, 78);
    ROOT(b);
    void *a_before = a;
    for (int i = 0; i < 3; i++) {
        movgc_collect(H, MOVGC_MINOR);
        movgc_collect(H, MOVGC_FULL);
        tu_churn(64 * 1024);
    }
    ck_assert_ptr_eq(a, a_before);
    ck_assert(tu_check_fill(a, 77));
    ck_assert(tu_check_fill(b, 78));
    void *b_before = b;
    movgc_collect(g, MOVGC_MINOR);
    ck_assert_ptr_ne(a, a_before);   /* a young object moves on its own heap */
    ck_assert_ptr_eq(b, b_before);
    ck_assert(tu_check_fill(a, 77));
    movgc_pop_roots(g, 1);
    movgc_heap_free(g);
    ck_assert(tu_check_fill(b, 78));
    movgc_pop_roots(H, 1);
}
END_TEST

struct worker { unsigned seed; size_t n; int ok; };

/* Builds a rooted list on its own heap with collections in between. */
static void *worker_run(void *arg)
{
    struct worker *w = arg;
    movgc_heap *h = movgc_heap_new(NULL);
    void *list = NULL;
    movgc_push_root(h, &list);
    for (size_t i = 0; i < w->n; i++) {
        void *c = movgc_alloc(h, w->seed, 1, 16);
        uint64_t v = w->seed * 1000003ULL + i;
        memcpy(movgc_data(c), &v, 8);
        movgc_set(h, c, 0, list);
        list = c;
        if (i % 997 == 0)
            movgc_collect(h, i % 3 ? MOVGC_MINOR : MOVGC_FULL);
    }
    movgc_collect(h, MOVGC_FULL);
    w->ok = 1;
    size_t i = w->n;
    for (void *c = list; c; c = movgc_get(c, 0)) {
        uint64_t v;
        memcpy(&v, movgc_data(c), 8);
        if (i == 0 || v != w->seed * 1000003ULL + --i || movgc_tag(c) != w->seed)
            w->ok = 0;
    }
    if (i != 0)
        w->ok = 0;
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
    return NULL;
}

START_TEST(test_objects_heaps_in_threads)
{
    struct worker w[2] = {{11, 0, 0}, {22, 0, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        w[i].n = tu_scale(100000, 2000);
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
        ck_assert_msg(w[i].ok, "worker %d saw a broken list", i);
    }
}
END_TEST

/* movgc_heap_free gives the memory back. */
START_TEST(test_objects_heap_free_releases_memory)
{
    size_t total = tu_scale(96u << 20, 8u << 20);
    movgc_heap *warm = movgc_heap_new(NULL);
    movgc_heap_free(warm);
    size_t rss0 = tu_rss_bytes();
    movgc_heap *h = movgc_heap_new(NULL);
    void *chunk = NULL;
    movgc_push_root(h, &chunk);
    for (size_t done = 0; done < total; done += 1024 * 1024) {
        void *c = movgc_alloc(h, 1, 1, 1024 * 1024 - 16);
        ck_assert_ptr_nonnull(c);
        memset(movgc_data(c), 1, movgc_nbytes(c));
        movgc_set(h, c, 0, chunk);
        chunk = c;
    }
    size_t rss_full = tu_rss_bytes();
    ck_assert_uint_ge(rss_full, rss0 + total / 2);  /* we did use memory */
    movgc_pop_roots(h, 1);
    movgc_heap_free(h);
    size_t rss1 = tu_rss_bytes();
    ck_assert_msg(rss1 < rss0 + total / 4,
                  "RSS before %zu, full %zu, after heap_free %zu", rss0, rss_full, rss1);
}
END_TEST

static Suite *objects_suite(void)
{
    Suite *s = suite_create("objects");
    TCase *tc = tu_tcase("core");
    tcase_add_test(tc, test_objects_shapes_report_sizes);
    tcase_add_test(tc, test_objects_new_are_zeroed_after_reuse);
    tcase_add_test(tc, test_objects_zero_size_are_distinct);
    tcase_add_test(tc, test_objects_zero_size_newest);
    tcase_add_test(tc, test_objects_tags_round_trip);
    tcase_add_test(tc, test_objects_slots_round_trip);
    tcase_add_test(tc, test_objects_raw_bytes_untouched);
    suite_add_tcase(s, tc);
    tc = tu_tcase("sizes");
    tcase_add_test(tc, test_objects_size_overflow_reports_nomem);
    tcase_add_test(tc, test_objects_huge_request_reports_nomem);
    suite_add_tcase(s, tc);
    tc = tu_tcase("heaps");
    tcase_add_test(tc, test_objects_heap_null_config);
    tcase_add_test(tc, test_objects_heaps_independent);
    tcase_add_test(tc, test_objects_heaps_in_threads);
    tcase_add_test(tc, test_objects_heap_free_releases_memory);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(objects_suite());
}

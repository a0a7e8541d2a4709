/* check_faults.c -- fault injection: the nth OS mapping call fails, for
 * every n over a workload (heap creation, old-space growth, large objects,
 * the full collection's side tables); each failure must become
 * MOVGC_E_NOMEM, the heap stay consistent (MOVGC_VERIFY) and usable, and
 * every rooted object stay intact. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "movgc.h"
#include "movgc_testing.h"

enum { T_NODE = 1, T_BIG = 2, T_BLOCK = 3, T_VEC = 4 };

/* ============================================================ error capture */

static int nomem_seen;           /* MOVGC_E_NOMEM reports since reset */
static char last_msg[256];
static char sites[16][128];      /* distinct NOMEM messages seen, shortened */
static int nsites;

static void on_error(movgc_heap *h, int code, const char *msg, void *ud) {
    (void)h;
    (void)ud;
    ck_assert_msg(code == MOVGC_E_NOMEM, "unexpected error %s: %s",
                  movgc_strerror(code), msg);
    nomem_seen++;
    snprintf(last_msg, sizeof last_msg, "%s", msg);
    char key[128];
    snprintf(key, sizeof key, "%.40s", msg);  /* drop the sizes in the text */
    for (int i = 0; i < nsites; i++)
        if (!strcmp(sites[i], key))
            return;
    if (nsites < 16)
        snprintf(sites[nsites++], sizeof sites[0], "%s", key);
}

/* Loop counts shrink under MOVGC_STRESS, which collects at every
 * allocation (each collection maps side tables: many more points), and
 * under MOVGC_SMALL (tests/valgrind.sh), which also walks n in strides. */
static int scaled(int n) {
    return getenv("MOVGC_STRESS") || getenv("MOVGC_SMALL") ? n / 8 + 1 : n;
}

static unsigned long stride(void) { return getenv("MOVGC_SMALL") ? 5 : 1; }

static movgc_config config(void) {
    movgc_config c = {0};
    c.nursery_bytes = 512 << 10;
    c.flags = MOVGC_VERIFY;
    c.on_error = on_error;
    return c;
}

/* ================================================================ workload */

/* Everything the workload keeps, all rooted as globals. */
struct data {
    void *list;          /* NODE chain, value i at depth i from the end */
    void *big[3];        /* large objects: 2 refs, 100 KiB pattern */
    void *vec;           /* VEC of BLOCKs, grows the old space */
    movgc_handle pinned; /* strong handle on a list node, pinned */
    void *pin_addr;      /* where movgc_pin put it */
    int nlist, nvec;     /* progress, for the checks */
};

static struct data D;

/* An allocation that may fail once by injection: a NULL must come with
 * MOVGC_E_NOMEM; the retry (injection is spent) must succeed. */
static void *alloc(movgc_heap *h, unsigned tag, size_t nrefs, size_t nbytes) {
    int before = nomem_seen;
    void *p = movgc_alloc(h, tag, nrefs, nbytes);
    if (p)
        return p;
    ck_assert_int_gt(nomem_seen, before);
    ck_assert_int_eq(movgc_last_error(h), MOVGC_E_NOMEM);
    p = movgc_alloc(h, tag, nrefs, nbytes);
    ck_assert_msg(p != NULL, "allocation failed again after the injected failure");
    return p;
}

static void check_data(movgc_heap *h) {
    void *n = D.list;
    for (int i = D.nlist - 1; i >= 0; i--) {
        ck_assert_ptr_nonnull(n);
        ck_assert_uint_eq(movgc_tag(n), T_NODE);
        ck_assert_int_eq(*(int *)movgc_data(n), i);
        n = movgc_get(n, 0);
    }
    ck_assert_ptr_null(n);
    for (int b = 0; b < 3; b++) {
        if (!D.big[b])
            continue;
        unsigned char *p = movgc_data(D.big[b]);
        ck_assert_uint_eq(movgc_nbytes(D.big[b]), 100 << 10);
        for (size_t k = 0; k < (100 << 10); k += 97)
            ck_assert_uint_eq(p[k], (unsigned char)(k + b));
        ck_assert_ptr_eq(movgc_get(D.big[b], 0), D.list);
    }
    for (int i = 0; i < D.nvec; i++) {
        void *blk = movgc_get(D.vec, (size_t)i);
        ck_assert_uint_eq(movgc_tag(blk), T_BLOCK);
        ck_assert_int_eq(((int *)movgc_data(blk))[999], i);
    }
    if (D.pin_addr)
        ck_assert_ptr_eq(movgc_handle_get(h, D.pinned), D.pin_addr);
}

static void add_roots(movgc_heap *h) {
    memset(&D, 0, sizeof D);
    ck_assert_int_eq(movgc_root_add(h, &D.list), 0);
    for (int b = 0; b < 3; b++)
        ck_assert_int_eq(movgc_root_add(h, &D.big[b]), 0);
    ck_assert_int_eq(movgc_root_add(h, &D.vec), 0);
}

/* Collect; a full collection whose side tables cannot be mapped reports
 * MOVGC_E_NOMEM and must leave the heap as it was. */
static void collect(movgc_heap *h, int kind) {
    movgc_collect(h, kind);
    check_data(h);
}

static void workload(movgc_heap *h) {
    int nlist = scaled(300), nvec = scaled(400);
    for (int i = 0; i < nlist; i++) {  /* minors, promotion: old growth */
        void *n = alloc(h, T_NODE, 1, sizeof(int));
        *(int *)movgc_data(n) = i;
        movgc_set(h, n, 0, D.list);
        D.list = n;
        D.nlist++;
    }
    check_data(h);
    for (int b = 0; b < 3; b++) {      /* large objects: one mapping each */
        void *big = alloc(h, T_BIG, 2, 100 << 10);
        unsigned char *p = movgc_data(big);
        for (size_t k = 0; k < (100 << 10); k++)
            p[k] = (unsigned char)(k + b);
        movgc_set(h, big, 0, D.list);
        D.big[b] = big;
    }
    check_data(h);
    D.pinned = movgc_handle_new(h, D.list);  /* pinned: more side tables */
    ck_assert_uint_ne(D.pinned.id, 0);
    D.pin_addr = movgc_pin(h, D.pinned);
    if (!D.pin_addr) {
        ck_assert_int_eq(movgc_last_error(h), MOVGC_E_NOMEM);
        D.pin_addr = movgc_pin(h, D.pinned);
        ck_assert_ptr_nonnull(D.pin_addr);
    }
    collect(h, MOVGC_FULL);
    D.vec = alloc(h, T_VEC, (size_t)nvec, 0);
    for (int i = 0; i < nvec; i++) {   /* 4 KB blocks: the old space grows */
        void *blk = alloc(h, T_BLOCK, 0, 4000);
        ((int *)movgc_data(blk))[999] = i;
        movgc_set(h, D.vec, (size_t)i, blk);
        D.nvec++;
    }
    check_data(h);
    collect(h, MOVGC_MINOR);
    D.big[1] = NULL;                   /* a large object to free */
    collect(h, MOVGC_FULL);
    movgc_unpin(h, D.pinned);
    D.pin_addr = NULL;
    collect(h, MOVGC_FULL);
}

/* ================================================================== tests */

/* Each of the first mapping calls of movgc_heap_new fails in turn: the heap
 * is NULL with MOVGC_E_NOMEM reported, or the failure was absorbed (the
 * old-space reservation retries smaller) and the heap works. */
START_TEST(test_faults_heap_new_fails_cleanly) {
    int points = 0;
    for (unsigned long n = 1; n <= 8; n++) {
        nomem_seen = 0;
        movgc_config c = config();
        movgc_testing_fail_nth_mapping(n);
        movgc_heap *h = movgc_heap_new(&c);
        movgc_testing_fail_nth_mapping(0);
        if (!h) {
            ck_assert_int_gt(nomem_seen, 0);
            points++;
            continue;
        }
        ck_assert_int_eq(nomem_seen, 0);
        add_roots(h);
        workload(h);
        check_data(h);
        movgc_handle_free(h, D.pinned);
        movgc_heap_free(h);
    }
    printf("check_faults: heap creation failed cleanly at %d mapping points\n",
           points);
    fflush(stdout);
    ck_assert_int_ge(points, 1);  /* at least the nursery */
}
END_TEST

/* The workload with the nth mapping call failing (0: none); its final
 * statistics in out.  Returns the NOMEM reports seen. */
static int run_workload(unsigned long n, movgc_stats *out) {
    nomem_seen = 0;
    movgc_config c = config();
    movgc_heap *h = movgc_heap_new(&c);
    ck_assert_ptr_nonnull(h);
    add_roots(h);
    movgc_testing_fail_nth_mapping(n);
    workload(h);
    movgc_testing_fail_nth_mapping(0);
    check_data(h);
    movgc_get_stats(h, out, sizeof *out);
    movgc_handle_free(h, D.pinned);
    movgc_heap_free(h);
    return nomem_seen;
}

static bool same_run(const movgc_stats *a, const movgc_stats *b) {
    return a->minor_collections == b->minor_collections &&
           a->full_collections == b->full_collections &&
           a->bytes_promoted == b->bytes_promoted &&
           a->bytes_compacted == b->bytes_compacted &&
           a->heap_bytes == b->heap_bytes;
}

/* n walks over every mapping call of the workload.  A failure either is
 * reported as MOVGC_E_NOMEM, or is absorbed (a minor collection that cannot
 * grow the old space keeps survivors in the nursery) and shows only in the
 * statistics; the walk ends when 25 n in a row change nothing. */
START_TEST(test_faults_every_mapping_in_workload_is_nomem) {
    movgc_stats base, st;
    ck_assert_int_eq(run_workload(0, &base), 0);
    printf("check_faults: workload: %llu minor, %llu full collections\n",
           (unsigned long long)base.minor_collections,
           (unsigned long long)base.full_collections);
    int reported = 0, absorbed = 0, quiet = 0;
    unsigned long n;
    for (n = 1; quiet < (stride() > 1 ? 5 : 25); n += stride()) {
        ck_assert_uint_lt(n, 3000);
        if (run_workload(n, &st)) {
            reported++;
            quiet = 0;
        } else if (!same_run(&st, &base)) {
            absorbed++;
            quiet = 0;
        } else {
            quiet++;
        }
    }
    printf("check_faults: %lu mapping calls tried: %d failures reported as "
           "NOMEM, %d absorbed; sites:\n", n - 1, reported, absorbed);
    for (int i = 0; i < nsites; i++)
        printf("  %s\n", sites[i]);
    fflush(stdout);
    ck_assert_int_ge(reported, stride() > 1 ? 1 : 4);
    int tables = 0;
    for (int i = 0; i < nsites; i++)
        tables += strstr(sites[i], "side tables") != NULL;
    ck_assert_msg(tables, "no failure of the full collection's side tables seen");
}
END_TEST

static Suite *faults_suite(void) {
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("nomem");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_faults_heap_new_fails_cleanly);
    tcase_add_test(tc, test_faults_every_mapping_in_workload_is_nomem);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(faults_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

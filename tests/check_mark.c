/* check_mark.c -- full-collection marking, alone and on marker threads
 * (MOVGC_GC_THREADS): every test runs with 1, 2 and 4 threads.  Graphs
 * with work to share (deep and wide trees, shared leaves) and without
 * (one long list), pins, ephemeron chains, finalizers and weak handles;
 * each forces full collections between allocation and use and checks
 * contents, identity, and the live bytes the marking counted (an object
 * scanned twice or missed shows there).  Also: the variable's parsing, a
 * heap handed to another thread, and a forked child. */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const THREADS[] = {"1", "2", "4"};
enum { NTHREADS = sizeof THREADS / sizeof THREADS[0] };

/* A fresh verified heap marking with 'threads' threads (the variable is
 * set only while the heap is made). */
static void heap_with(const char *threads)
{
    const char *was = getenv("MOVGC_GC_THREADS");
    char *saved = was ? strdup(was) : NULL;
    setenv("MOVGC_GC_THREADS", threads, 1);
    movgc_config c = tu_config();
    c.flags |= MOVGC_VERIFY;
    movgc_heap_free(H);
    H = tu_heap_new(&c);
    if (saved) {
        setenv("MOVGC_GC_THREADS", saved, 1);
        free(saved);
    } else {
        unsetenv("MOVGC_GC_THREADS");
    }
    ck_assert_ptr_nonnull(H);
}

static size_t live_bytes(void)
{
    movgc_stats st;
    movgc_get_stats(H, &st, sizeof st);
    return st.live_bytes;
}

/* Full collections with garbage between them: everything old, then
 * collected again with holes around it. */
static void full_collections(void)
{
    movgc_collect(H, MOVGC_FULL);
    tu_churn(256 << 10);
    movgc_collect(H, MOVGC_FULL);
    movgc_collect(H, MOVGC_FULL);
}

/* ========================================================= sliding */

/* Node k of a list: slot 0 the next node, then a payload of 16 to 1000
 * bytes filled from k. */
static void *list_node(size_t k, void *next)
{
    movgc_push_root(H, &next);
    void *n = tu_alloc_filled(3, 1, 16 + (k * 7919) % 985, k);
    movgc_set(H, n, 0, next);
    movgc_pop_roots(H, 1);
    return n;
}

/* A list over many slide chunks (1 MiB of old space each) of which two
 * nodes in three die, every 101st pinned: a compacting full collection
 * slides every chunk far below itself on every worker, and each node keeps
 * its contents and order, each pinned node its address. */
START_TEST(test_mark_parallel_slide_keeps_contents)
{
    /* under stress or valgrind (MOVGC_SMALL) about 2 MiB slide */
    size_t n = getenv("MOVGC_SMALL") ? 10000 : tu_scale(60000, 10000);
    for (int t = 0; t < NTHREADS; t++) {
        heap_with(THREADS[t]);
        void *head = NULL;
        ROOT(head);
        for (size_t k = n; k-- > 0;)
            head = list_node(k, head);
        movgc_collect(H, MOVGC_FULL);  /* all old, in list order */
        movgc_handle *pins = calloc(n, sizeof *pins);
        void **at = calloc(n, sizeof *at);
        ck_assert_ptr_nonnull(pins);
        ck_assert_ptr_nonnull(at);
        void *p = head;
        for (size_t k = 0; p;) {
            if (k % 303 == 0) {
                pins[k] = movgc_handle_new(H, p);
                at[k] = movgc_pin(H, pins[k]);
            }
            if (k + 3 < n) {  /* the next two die */
                void *q = movgc_get(movgc_get(movgc_get(p, 0), 0), 0);
                movgc_set(H, p, 0, q);
                p = q;
                k += 3;
            } else {
                p = movgc_get(p, 0);
                k++;
            }
        }
        movgc_stats st0, st1;
        movgc_get_stats(H, &st0, sizeof st0);
        movgc_collect(H, MOVGC_FULL);
        movgc_get_stats(H, &st1, sizeof st1);
        ck_assert_uint_gt(st1.bytes_compacted - st0.bytes_compacted, (size_t)1 << 20);
        size_t k = 0;
        for (p = head; p; p = movgc_get(p, 0), k += k + 3 < n ? 3 : 1) {
            ck_assert_msg(tu_check_fill(p, k), "node %zu", k);
            if (at[k])
                ck_assert_ptr_eq(p, at[k]);
        }
        ck_assert_uint_ge(k, n - 3);
        for (k = 0; k < n; k++)
            if (at[k]) {
                movgc_unpin(H, pins[k]);
                movgc_handle_free(H, pins[k]);
            }
        free(pins);
        free(at);
        movgc_pop_roots(H, 1);
    }
}
END_TEST

/* ============================================================ trees */

enum { NODE_BYTES = 8 + 2 * 8 + 8 };  /* header, two slots, the id */

/* A complete binary tree: node k has id k, children 2k and 2k+1. */
static void *tree_new(int depth, uint64_t k)
{
    void *n = movgc_alloc(H, 1, 2, 8);
    tu_set_u64(n, k);
    if (depth == 0)
        return n;
    ROOT(n);
    SET_NEW(n, 0, tree_new(depth - 1, 2 * k));
    SET_NEW(n, 1, tree_new(depth - 1, 2 * k + 1));
    movgc_pop_roots(H, 1);
    return n;
}

/* Nodes of the intact tree under n, which must be node k; 0 if any is
 * wrong. */
static size_t tree_check(void *n, int depth, uint64_t k)
{
    if (!n || movgc_tag(n) != 1 || movgc_nrefs(n) != 2 || tu_u64(n) != k)
        return 0;
    if (depth == 0)
        return movgc_get(n, 0) || movgc_get(n, 1) ? 0 : 1;
    size_t l = tree_check(movgc_get(n, 0), depth - 1, 2 * k);
    size_t r = tree_check(movgc_get(n, 1), depth - 1, 2 * k + 1);
    return l && r ? 1 + l + r : 0;
}

START_TEST(test_mark_deep_tree_intact)
{
    int depth = (int)tu_scale(15, 9);
    size_t nodes = ((size_t)2 << depth) - 1;
    for (int t = 0; t < NTHREADS; t++) {
        heap_with(THREADS[t]);
        void *root = tree_new(depth, 1);
        ROOT(root);
        full_collections();
        ck_assert_uint_eq(tree_check(root, depth, 1), nodes);
        ck_assert_uint_eq(live_bytes(), nodes * NODE_BYTES);
        /* the left half dies */
        movgc_set(H, root, 0, NULL);
        movgc_collect(H, MOVGC_FULL);
        ck_assert_uint_eq(live_bytes(), (nodes / 2 + 1) * NODE_BYTES);
        ck_assert_uint_eq(tree_check(movgc_get(root, 1), depth - 1, 3), nodes / 2);
        movgc_pop_roots(H, 1);
    }
}
END_TEST

/* =========================================================== wide */

enum { WIDE = 1024 };

/* Chunks of WIDE slots whose leaves are shared: slot j of every chunk
 * holds leaf j; each leaf also points to the next (a ring).  Many
 * references race for each leaf: each is still counted once. */
START_TEST(test_mark_wide_shared_leaves_counted_once)
{
    size_t chunks = tu_scale(64, 4);
    for (int t = 0; t < NTHREADS; t++) {
        heap_with(THREADS[t]);
        void *top = movgc_alloc(H, 2, chunks + 1, 0), *leaves = NULL;
        ROOT(top);
        SET_NEW(top, chunks, movgc_alloc(H, 2, WIDE, 0));
        for (size_t j = 0; j < WIDE; j++)
            SET_NEW(movgc_get(top, chunks), j, tu_alloc_filled(3, 1, 40, j));
        leaves = movgc_get(top, chunks);
        for (size_t j = 0; j < WIDE; j++)
            movgc_set(H, movgc_get(leaves, j), 0, movgc_get(leaves, (j + 1) % WIDE));
        for (size_t c = 0; c < chunks; c++) {
            SET_NEW(top, c, movgc_alloc(H, 2, WIDE, 0));
            leaves = movgc_get(top, chunks);
            for (size_t j = 0; j < WIDE; j++)
                movgc_set(H, movgc_get(top, c), j, movgc_get(leaves, j));
        }
        leaves = NULL;
        full_collections();
        size_t chunk_bytes = 8 + 8 * WIDE, leaf_bytes = 8 + 8 + 40;
        ck_assert_uint_eq(live_bytes(), 8 + 8 * (chunks + 1) +
                                            (chunks + 1) * chunk_bytes +
                                            WIDE * leaf_bytes);
        leaves = movgc_get(top, chunks);
        for (size_t c = 0; c < chunks; c++)
            for (size_t j = 0; j < WIDE; j++)
                ck_assert_ptr_eq(movgc_get(movgc_get(top, c), j), movgc_get(leaves, j));
        for (size_t j = 0; j < WIDE; j++) {
            void *l = movgc_get(leaves, j);
            ck_assert_msg(tu_check_fill(l, j), "leaf %zu corrupted", j);
            ck_assert_ptr_eq(movgc_get(l, 0), movgc_get(leaves, (j + 1) % WIDE));
        }
        movgc_pop_roots(H, 1);
    }
}
END_TEST

/* =========================================================== list */

/* One long list: nothing to share, every object found one after another. */
START_TEST(test_mark_long_list_intact)
{
    size_t n = tu_scale(200000, 3000);
    for (int t = 0; t < NTHREADS; t++) {
        heap_with(THREADS[t]);
        void *head = NULL;
        ROOT(head);
        for (size_t i = 0; i < n; i++) {
            void *c = movgc_alloc(H, 4, 1, 8);
            tu_set_u64(c, i);
            movgc_set(H, c, 0, head);
            head = c;
        }
        full_collections();
        ck_assert_uint_eq(live_bytes(), n * 24);
        size_t i = n;
        for (void *c = head; c; c = movgc_get(c, 0)) {
            ck_assert_uint_gt(i, 0);
            ck_assert_uint_eq(tu_u64(c), --i);
        }
        ck_assert_uint_eq(i, 0);
        movgc_pop_roots(H, 1);
    }
}
END_TEST

/* =========================================================== pins */

/* Every seventh node of a tree pinned: pinned nodes keep their addresses,
 * the others may move around them, and every node is counted once. */
START_TEST(test_mark_many_pins_kept)
{
    int depth = (int)tu_scale(12, 7);
    size_t nodes = ((size_t)2 << depth) - 1;
    for (int t = 0; t < NTHREADS; t++) {
        heap_with(THREADS[t]);
        void *root = tree_new(depth, 1);
        ROOT(root);
        movgc_collect(H, MOVGC_FULL);
        /* breadth-first: node k at index k - 1 */
        void **all = malloc(nodes * sizeof *all);
        movgc_handle *pins = calloc(nodes, sizeof *pins);
        void **at = calloc(nodes, sizeof *at);
        ck_assert_ptr_nonnull(all);
        all[0] = root;
        for (size_t k = 1; 2 * k + 1 <= nodes; k++) {
            all[2 * k - 1] = movgc_get(all[k - 1], 0);
            all[2 * k] = movgc_get(all[k - 1], 1);
        }
        for (size_t k = 0; k < nodes; k += 7) {
            pins[k] = movgc_handle_new(H, all[k]);
            at[k] = movgc_pin(H, pins[k]);
            ck_assert_ptr_eq(at[k], all[k]);
        }
        free(all);
        /* garbage between, then the right half dies: things move */
        tu_churn(128 << 10);
        full_collections();
        ck_assert_uint_eq(tree_check(root, depth, 1), nodes);
        ck_assert_uint_eq(live_bytes(), nodes * NODE_BYTES);
        for (size_t k = 0; k < nodes; k += 7) {
            ck_assert_ptr_eq(movgc_handle_get(H, pins[k]), at[k]);
            ck_assert_uint_eq(tu_u64(at[k]), k + 1);
        }
        for (size_t k = 0; k < nodes; k += 7) {
            movgc_unpin(H, pins[k]);
            movgc_handle_free(H, pins[k]);
        }
        free(pins);
        free(at);
        movgc_collect(H, MOVGC_FULL);
        ck_assert_uint_eq(tree_check(root, depth, 1), nodes);
        movgc_pop_roots(H, 1);
    }
}
END_TEST

/* ====================================================== ephemerons */

/* A chain of ephemerons created in scrambled order: e_i's key is k_i, its
 * value v_i holds k_{i+1} and a small tree.  Rooting k_0 keeps the whole
 * chain (the closure runs once per link found); dropping it clears all. */
START_TEST(test_mark_ephemeron_chain)
{
    size_t n = tu_scale(2000, 60);
    int depth = 3;
    for (int t = 0; t < NTHREADS; t++) {
        heap_with(THREADS[t]);
        void *keys = movgc_alloc(H, 2, n + 1, 0), *first = NULL;
        ROOT(keys);
        ROOT(first);
        for (size_t i = 0; i <= n; i++)
            SET_NEW(keys, i, tu_alloc_filled(5, 0, 16, i));
        movgc_handle *eph = calloc(n, sizeof *eph);
        for (size_t s = 0; s < n; s++) {
            size_t i = (s * 7919) % n;  /* n is not a multiple of 7919 */
            void *v = movgc_alloc(H, 6, 2, 0);
            ROOT(v);
            movgc_set(H, v, 0, movgc_get(keys, i + 1));
            SET_NEW(v, 1, tree_new(depth, i + 1));
            eph[i] = movgc_ephemeron_new(H, movgc_get(keys, i), v);
            movgc_pop_roots(H, 1);
        }
        first = movgc_get(keys, 0);
        keys = NULL;  /* only k_0 is rooted now */
        full_collections();
        size_t tree_nodes = ((size_t)2 << depth) - 1;
        ck_assert_uint_eq(live_bytes(), (n + 1) * (8 + 16) +
                                            n * (8 + 16 + tree_nodes * NODE_BYTES));
        void *k = first;
        for (size_t i = 0; i < n; i++) {
            ck_assert_ptr_eq(movgc_handle_get(H, eph[i]), k);
            ck_assert_msg(tu_check_fill(k, i), "key %zu corrupted", i);
            void *v = movgc_ephemeron_value(H, eph[i]);
            ck_assert_ptr_nonnull(v);
            ck_assert_uint_eq(tree_check(movgc_get(v, 1), depth, i + 1), tree_nodes);
            k = movgc_get(v, 0);
        }
        ck_assert_msg(tu_check_fill(k, n), "last key corrupted");
        first = NULL;
        movgc_collect(H, MOVGC_FULL);
        for (size_t i = 0; i < n; i++) {
            ck_assert_ptr_null(movgc_handle_get(H, eph[i]));
            ck_assert_ptr_null(movgc_ephemeron_value(H, eph[i]));
            movgc_handle_free(H, eph[i]);
        }
        free(eph);
        movgc_pop_roots(H, 2);
    }
}
END_TEST

/* ====================================================== finalizers */

static size_t fin_runs, fin_bad;
static const int FIN_DEPTH = 6;

/* Each finalized object holds its number and a tree: the finalizer sees
 * the whole tree, kept alive by marking for it. */
static void fin_check(movgc_heap *h, void *obj, void *ud)
{
    (void)h;
    (void)ud;
    fin_runs++;
    uint64_t k = tu_u64(obj);
    if (tree_check(movgc_get(obj, 0), FIN_DEPTH, k) != ((size_t)2 << FIN_DEPTH) - 1)
        fin_bad++;
}

START_TEST(test_mark_finalizers_see_their_graphs)
{
    size_t n = tu_scale(300, 20);
    for (int t = 0; t < NTHREADS; t++) {
        heap_with(THREADS[t]);
        fin_runs = fin_bad = 0;
        void *all = movgc_alloc(H, 2, n, 0);
        ROOT(all);
        for (size_t i = 0; i < n; i++) {
            void *o = movgc_alloc(H, 8, 1, 8);
            ROOT(o);
            tu_set_u64(o, i + 1);
            SET_NEW(o, 0, tree_new(FIN_DEPTH, i + 1));
            movgc_set_finalizer(H, o, fin_check, NULL);
            movgc_set(H, all, i, o);
            movgc_pop_roots(H, 1);
        }
        full_collections();
        ck_assert_uint_eq(fin_runs, 0);
        all = NULL;
        movgc_collect(H, MOVGC_FULL);  /* runs the finalizers on return */
        ck_assert_uint_eq(fin_runs, n);
        ck_assert_uint_eq(fin_bad, 0);
        movgc_collect(H, MOVGC_FULL);
        ck_assert_uint_eq(live_bytes(), 0);
        movgc_pop_roots(H, 1);
    }
}
END_TEST

/* ===================================================== weak handles */

START_TEST(test_mark_weak_handles_follow_reachability)
{
    int depth = (int)tu_scale(11, 6);
    size_t nodes = ((size_t)2 << depth) - 1;
    for (int t = 0; t < NTHREADS; t++) {
        heap_with(THREADS[t]);
        void *root = tree_new(depth, 1);
        ROOT(root);
        movgc_handle *weak = malloc(nodes * sizeof *weak);
        void **all = malloc(nodes * sizeof *all);
        all[0] = root;
        for (size_t k = 1; 2 * k + 1 <= nodes; k++) {
            all[2 * k - 1] = movgc_get(all[k - 1], 0);
            all[2 * k] = movgc_get(all[k - 1], 1);
        }
        for (size_t k = 0; k < nodes; k++)
            weak[k] = movgc_weak_new(H, all[k]);
        free(all);
        movgc_set(H, root, 1, NULL);  /* node 3's subtree dies */
        full_collections();
        ck_assert_uint_eq(tree_check(movgc_get(root, 0), depth - 1, 2), nodes / 2);
        for (size_t k = 1; k <= nodes; k++) {
            void *o = movgc_handle_get(H, weak[k - 1]);
            /* node k is under node 3 iff its top two bits are 11 */
            size_t top = k;
            while (top > 3)
                top /= 2;
            if (top == 3) {
                ck_assert_ptr_null(o);
            } else {
                ck_assert_ptr_nonnull(o);
                ck_assert_uint_eq(tu_u64(o), k);
            }
        }
        ck_assert_ptr_eq(movgc_handle_get(H, weak[0]), root);
        ck_assert_ptr_eq(movgc_handle_get(H, weak[1]), movgc_get(root, 0));
        for (size_t k = 0; k < nodes; k++)
            movgc_handle_free(H, weak[k]);
        free(weak);
        movgc_pop_roots(H, 1);
    }
}
END_TEST

/* ======================================================== settings */

static movgc_heap *heap_env(const char *value)
{
    setenv("MOVGC_GC_THREADS", value, 1);
    tu_errors_clear();
    movgc_heap *h = tu_heap_new(NULL);
    unsetenv("MOVGC_GC_THREADS");
    return h;
}

START_TEST(test_mark_threads_variable_checked)
{
    static const char *const bad[] = {"0", "65", "-1", "two", "2x", "", " 2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        movgc_heap *h = heap_env(bad[i]);
        ck_assert_msg(h == NULL, "MOVGC_GC_THREADS='%s' accepted", bad[i]);
        ck_assert_int_eq(tu_err.last, MOVGC_E_CONFIG);
        ck_assert_msg(strstr(tu_err.msg, "MOVGC_GC_THREADS") != NULL, "%s", tu_err.msg);
    }
    static const char *const good[] = {"1", "3", "64"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        movgc_heap *h = heap_env(good[i]);
        ck_assert_msg(h != NULL, "MOVGC_GC_THREADS='%s' refused", good[i]);
        movgc_heap_free(h);
    }
}
END_TEST

/* =============================================== threads and fork */

struct handover {
    movgc_heap *h;
    size_t checked;
};

/* Another thread adopts a heap whose marker threads started on the first
 * thread, collects, checks, and frees it (joining them). */
static void *adopt_and_free(void *arg)
{
    struct handover *ho = arg;
    movgc_heap_adopt(ho->h);
    movgc_heap *saved = H;
    H = ho->h;
    void *root = tree_new(10, 1);
    ROOT(root);
    full_collections();
    ho->checked = tree_check(root, 10, 1);
    movgc_pop_roots(H, 1);
    movgc_heap_free(H);
    H = saved;
    return NULL;
}

START_TEST(test_mark_heap_handed_to_another_thread)
{
    heap_with("2");
    void *root = tree_new(8, 1);
    ROOT(root);
    movgc_collect(H, MOVGC_FULL);  /* the marker threads start here */
    ck_assert_uint_eq(tree_check(root, 8, 1), 511);
    movgc_pop_roots(H, 1);
    struct handover ho = {H, 0};
    H = NULL;
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, adopt_and_free, &ho), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_uint_eq(ho.checked, 2047);
}
END_TEST

static __attribute__((unused)) void collect_in_child(void *arg)
{
    (void)arg;
    void *root = tree_new(10, 1);
    ROOT(root);
    full_collections();
    size_t n = tree_check(root, 10, 1);
    movgc_pop_roots(H, 1);
    movgc_heap_free(H);
    _exit(n == 2047 ? 0 : 1);
}

/* A child forked after the marker threads started has none: it must
 * start its own, not wait for its parent's. */
#ifndef __SANITIZE_THREAD__
START_TEST(test_mark_forked_child_collects)
{
    heap_with("2");
    movgc_collect(H, MOVGC_FULL);
    struct tu_child c;
    tu_run_child(collect_in_child, NULL, &c);
    ck_assert_msg(c.exited && c.code == 0, "child: exited %d code %d signal %d: %s",
                  c.exited, c.code, c.sig, c.err);
    movgc_collect(H, MOVGC_FULL);  /* the parent's threads still work */
}
END_TEST
#endif

/* Heaps come and go, each with its own marker threads. */
START_TEST(test_mark_heaps_come_and_go)
{
    for (int i = 0; i < 20; i++) {
        heap_with(THREADS[i % NTHREADS]);
        void *root = tree_new(6, 1);
        ROOT(root);
        movgc_collect(H, MOVGC_FULL);
        ck_assert_uint_eq(tree_check(root, 6, 1), 127);
        movgc_pop_roots(H, 1);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mark");
    TCase *tc = tu_tcase("graphs");
    tcase_add_test(tc, test_mark_deep_tree_intact);
    tcase_add_test(tc, test_mark_wide_shared_leaves_counted_once);
    tcase_add_test(tc, test_mark_long_list_intact);
    tcase_add_test(tc, test_mark_many_pins_kept);
    tcase_add_test(tc, test_mark_parallel_slide_keeps_contents);
    suite_add_tcase(s, tc);
    tc = tu_tcase("weak");
    tcase_add_test(tc, test_mark_ephemeron_chain);
    tcase_add_test(tc, test_mark_finalizers_see_their_graphs);
    tcase_add_test(tc, test_mark_weak_handles_follow_reachability);
    suite_add_tcase(s, tc);
    tc = tu_tcase("threads");
    tcase_add_test(tc, test_mark_threads_variable_checked);
    tcase_add_test(tc, test_mark_heap_handed_to_another_thread);
#ifndef __SANITIZE_THREAD__  /* ThreadSanitizer cannot start threads after fork */
    tcase_add_test(tc, test_mark_forked_child_collects);
#endif
    tcase_add_test(tc, test_mark_heaps_come_and_go);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}

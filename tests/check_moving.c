/* check_moving.c -- collections between allocation and use: contents and graph
 * identity survive (shared substructure, cycles, long lists, trees, random
 * graphs checked against a model) while objects really move. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static const int kinds[] = {MOVGC_MINOR, MOVGC_FULL};

/* ==== basics ============================================================== */

START_TEST(test_moving_young_object_moves_keeps_contents)
{
    void *a = tu_alloc_filled(1, 2, 333, 1);
    ROOT(a);
    void *before = a;
    movgc_collect(H, kinds[_i]);
    ck_assert_ptr_ne(a, before);
    ck_assert(tu_check_fill(a, 1));
    ck_assert_uint_eq(movgc_tag(a), 1);
    ck_assert_uint_eq(movgc_nrefs(a), 2);
    ck_assert_uint_eq(movgc_nbytes(a), 333);
    movgc_pop_roots(H, 1);
}
END_TEST

START_TEST(test_moving_shared_substructure_stays_shared)
{
    void *a = NULL, *b = NULL, *d = NULL;
    ROOT(a);
    ROOT(b);
    ROOT(d);
    a = tu_alloc_filled(1, 1, 8, 1);
    b = tu_alloc_filled(2, 1, 8, 2);
    void *c = tu_alloc_filled(3, 0, 40, 3);
    movgc_set(H, a, 0, c);
    movgc_set(H, b, 0, c);
    /* diamond d -> e, f -> g */
    d = tu_alloc_filled(4, 2, 8, 4);
    void *e = tu_alloc_filled(5, 1, 8, 5);
    movgc_set(H, d, 0, e);
    void *f = tu_alloc_filled(6, 1, 8, 6);
    movgc_set(H, d, 1, f);
    void *g = tu_alloc_filled(7, 0, 8, 7);
    movgc_set(H, movgc_get(d, 0), 0, g);
    movgc_set(H, movgc_get(d, 1), 0, g);
    for (int round = 0; round < 4; round++) {
        tu_churn(64 * 1024);
        movgc_collect(H, round % 2 ? MOVGC_FULL : MOVGC_MINOR);
        ck_assert_ptr_nonnull(movgc_get(a, 0));
        ck_assert_ptr_eq(movgc_get(a, 0), movgc_get(b, 0));
        ck_assert(tu_check_fill(movgc_get(a, 0), 3));
        void *ee = movgc_get(d, 0), *ff = movgc_get(d, 1);
        ck_assert(tu_check_fill(ee, 5) && tu_check_fill(ff, 6));
        ck_assert_ptr_eq(movgc_get(ee, 0), movgc_get(ff, 0));
        ck_assert(tu_check_fill(movgc_get(ee, 0), 7));
    }
    movgc_pop_roots(H, 3);
}
END_TEST

/* Build a ring of n nodes; node i holds i; return node 0. */
static void *make_ring(size_t n)
{
    void *first = NULL, *last = NULL;
    ROOT(first);
    ROOT(last);
    for (size_t i = 0; i < n; i++) {
        void *c = movgc_alloc(H, 9, 1, 8);
        tu_set_u64(c, i);
        if (last)
            movgc_set(H, last, 0, c);
        else
            first = c;
        last = c;
    }
    movgc_set(H, last, 0, first);
    void *r = first;
    movgc_pop_roots(H, 2);
    return r;
}

static void check_ring(void *first, size_t n)
{
    void *c = first;
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(tu_u64(c), i);
        ck_assert_uint_eq(movgc_tag(c), 9);
        c = movgc_get(c, 0);
    }
    ck_assert_ptr_eq(c, first);
}

START_TEST(test_moving_cycles_stay_cycles)
{
    void *self = movgc_alloc(H, 8, 2, 0), *pair = NULL, *ring = NULL;
    ROOT(self);
    ROOT(pair);
    ROOT(ring);
    movgc_set(H, self, 0, self);
    movgc_set(H, self, 1, self);
    pair = make_ring(2);
    size_t n = tu_scale(5000, 300);
    ring = make_ring(n);
    for (int round = 0; round < 4; round++) {
        movgc_collect(H, round % 2 ? MOVGC_FULL : MOVGC_MINOR);
        ck_assert_ptr_eq(movgc_get(self, 0), self);
        ck_assert_ptr_eq(movgc_get(self, 1), self);
        check_ring(pair, 2);
        check_ring(ring, n);
        tu_churn(100000);
    }
    movgc_pop_roots(H, 3);
}
END_TEST

/* Long lists: no recursion in copying or marking may overflow the C stack. */
START_TEST(test_moving_long_list)
{
    size_t n = tu_scale(400000, 2000);
    void *head = NULL;
    ROOT(head);
    for (size_t i = 0; i < n; i++) {
        void *c = movgc_alloc(H, 10, 1, 8);
        ck_assert_ptr_nonnull(c);
        tu_set_u64(c, i);
        movgc_set(H, c, 0, head);
        head = c;
    }
    for (int round = 0; round < 3; round++) {
        movgc_collect(H, round == 1 ? MOVGC_FULL : MOVGC_MINOR);
        size_t i = n;
        for (void *c = head; c; c = movgc_get(c, 0)) {
            ck_assert_uint_gt(i, 0);
            ck_assert_uint_eq(tu_u64(c), --i);
        }
        ck_assert_uint_eq(i, 0);
    }
    movgc_pop_roots(H, 1);
}
END_TEST

/* Complete binary tree in heap order: node k has children 2k and 2k+1. */
static void *make_tree(uint64_t k, int depth)
{
    void *node = movgc_alloc(H, 11, 2, 8 + (k % 5) * 8);
    ROOT(node);
    tu_fill(node, k);
    if (depth > 0) {
        void *l = make_tree(2 * k, depth - 1);
        movgc_set(H, node, 0, l);
        void *r = make_tree(2 * k + 1, depth - 1);
        movgc_set(H, node, 1, r);
    }
    movgc_pop_roots(H, 1);
    return node;
}

static size_t check_tree(void *node, uint64_t k, int depth)
{
    ck_assert_uint_eq(movgc_nbytes(node), 8 + (k % 5) * 8);
    ck_assert(tu_check_fill(node, k));
    if (depth == 0) {
        ck_assert_ptr_null(movgc_get(node, 0));
        ck_assert_ptr_null(movgc_get(node, 1));
        return 1;
    }
    return 1 + check_tree(movgc_get(node, 0), 2 * k, depth - 1)
             + check_tree(movgc_get(node, 1), 2 * k + 1, depth - 1);
}

START_TEST(test_moving_trees)
{
    int depth = (int)tu_scale(16, 7);
    void *t = NULL;
    ROOT(t);
    t = make_tree(1, depth);
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_uint_eq(check_tree(t, 1, depth), ((size_t)1 << (depth + 1)) - 1);
    /* replace the left subtree, so the old one becomes garbage in old space */
    void *l = make_tree(2, depth - 1);
    movgc_set(H, t, 0, l);
    tu_churn(100000);
    movgc_collect(H, MOVGC_FULL);
    ck_assert_uint_eq(check_tree(t, 1, depth), ((size_t)1 << (depth + 1)) - 1);
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_uint_eq(check_tree(t, 1, depth), ((size_t)1 << (depth + 1)) - 1);
    movgc_pop_roots(H, 1);
}
END_TEST

/* ==== compaction moves old objects ======================================== */

START_TEST(test_moving_full_compaction_slides_survivors)
{
    size_t n = tu_scale(20000, 400);
    void *arr = movgc_alloc(H, 12, n, 0);
    ROOT(arr);
    for (size_t i = 0; i < n; i++) {
        void *o = tu_alloc_filled(13, 0, 16 + (i % 7) * 8, i);
        movgc_set(H, arr, i, o);
    }
    movgc_collect(H, MOVGC_FULL);          /* everything old and compact */
    movgc_collect(H, MOVGC_FULL);
    uintptr_t *addr = malloc(n * sizeof *addr);
    for (size_t i = 0; i < n; i++)
        addr[i] = (uintptr_t)movgc_get(arr, i);
    for (size_t i = 0; i < n; i += 2)      /* punch holes everywhere */
        movgc_set(H, arr, i, NULL);
    movgc_collect(H, MOVGC_FULL);
    size_t moved = 0;
    for (size_t i = 1; i < n; i += 2) {
        void *o = movgc_get(arr, i);
        ck_assert(tu_check_fill(o, i));
        moved += (uintptr_t)o != addr[i];
    }
    ck_assert_msg(moved > 0, "no survivor moved in a full collection after %zu "
                  "holes were punched", n / 2);
    free(addr);
    movgc_pop_roots(H, 1);
}
END_TEST

/* Every kind of root follows an old object that a full collection slides
 * down over dead neighbours: shadow-stack slots, global roots, handles. */
enum { SLIDE_N = 600 };
static void *slide_global[SLIDE_N / 3];

START_TEST(test_moving_roots_follow_compaction)
{
    void *arr = movgc_alloc(H, 18, SLIDE_N, 0);
    ROOT(arr);
    for (size_t i = 0; i < SLIDE_N; i++)
        SET_NEW(arr, i, tu_alloc_filled(19, 0, 24 + (i % 4) * 8, i));
    movgc_collect(H, MOVGC_FULL);           /* all old, in allocation order */
    void *stack[SLIDE_N / 3];
    movgc_handle hd[SLIDE_N / 3];
    uintptr_t before[SLIDE_N];
    for (size_t k = 0; k < SLIDE_N / 3; k++) {
        size_t i = 3 * k + 1;               /* held by root kind k % 3 */
        stack[k] = slide_global[k] = NULL;
        ROOT(stack[k]);
        ck_assert_int_eq(movgc_root_add(H, &slide_global[k]), 0);
        switch (k % 3) {
        case 0: stack[k] = movgc_get(arr, i); hd[k].id = 0; break;
        case 1: slide_global[k] = movgc_get(arr, i); hd[k].id = 0; break;
        default: hd[k] = movgc_handle_new(H, movgc_get(arr, i)); break;
        }
    }
    for (size_t i = 0; i < SLIDE_N; i++)
        before[i] = (uintptr_t)movgc_get(arr, i);
    arr = NULL;                             /* everything else is garbage */
    movgc_collect(H, MOVGC_FULL);
    int moved[3] = {0, 0, 0};
    for (size_t k = 0; k < SLIDE_N / 3; k++) {
        size_t i = 3 * k + 1;
        void *o = k % 3 == 0 ? stack[k] : k % 3 == 1 ? slide_global[k]
                                                     : movgc_handle_get(H, hd[k]);
        ck_assert_ptr_nonnull(o);
        ck_assert_uint_eq(movgc_tag(o), 19);
        ck_assert_msg(tu_check_fill(o, i), "object %zu (root kind %zu) corrupted", i, k % 3);
        moved[k % 3] += (uintptr_t)o != before[i];
    }
    ck_assert_msg(moved[0] > 0 && moved[1] > 0 && moved[2] > 0,
                  "moved by compaction: %d via stack, %d via globals, %d via handles",
                  moved[0], moved[1], moved[2]);
    for (size_t k = 0; k < SLIDE_N / 3; k++) {
        movgc_root_remove(H, &slide_global[k]);
        if (k % 3 == 2)
            movgc_handle_free(H, hd[k]);
    }
    movgc_roots_restore(H, 0);
}
END_TEST

START_TEST(test_moving_identity_hash_stable)
{
    enum { N = 300 };
    void *arr = movgc_alloc(H, 14, N, 0);
    ROOT(arr);
    uint64_t hash[N];
    for (int i = 0; i < N; i++) {
        void *o = movgc_alloc(H, 15, 0, 8);
        movgc_set(H, arr, (size_t)i, o);
        hash[i] = movgc_identity_hash(H, movgc_get(arr, (size_t)i));
    }
    int distinct = 0;
    for (int i = 1; i < N; i++)
        distinct += hash[i] != hash[0];
    ck_assert_int_gt(distinct, N / 2);
    for (int round = 0; round < 5; round++) {
        movgc_collect(H, round % 2 ? MOVGC_FULL : MOVGC_MINOR);
        for (int i = 0; i < N; i++)
            if (movgc_get(arr, (size_t)i))
                ck_assert_uint_eq(movgc_identity_hash(H, movgc_get(arr, (size_t)i)),
                                  hash[i]);
        if (round == 1)                    /* holes, so the next full one slides */
            for (int i = 0; i < N; i += 3)
                movgc_set(H, arr, (size_t)i, NULL);
        tu_churn(50000);
    }
    movgc_pop_roots(H, 1);
}
END_TEST

/* ==== random graphs against a model ====================================== */

enum { K = 3 };                            /* slots per node */

struct model {
    size_t nodes, maxid, nextid;
    int32_t *edges;                        /* edges[id*K+j]: target id or -1 */
    int32_t *table;                        /* table[i]: id in root slot i or -1 */
    uintptr_t *seen;                       /* verify: address found for id */
};

static int32_t id_of(void *o)
{
    return (int32_t)tu_u64(o);
}

/* Node raw bytes: the id in the first 8, then a pattern of the id. */
static void node_fill(void *o, int32_t id)
{
    unsigned char *p = movgc_data(o);
    tu_set_u64(o, (uint64_t)id);
    for (size_t i = 8; i < movgc_nbytes(o); i++)
        p[i] = (unsigned char)(id * 7 + (int32_t)i);
}

static int node_bytes_ok(void *o, int32_t id)
{
    unsigned char *p = movgc_data(o);
    for (size_t i = 8; i < movgc_nbytes(o); i++)
        if (p[i] != (unsigned char)(id * 7 + (int32_t)i))
            return 0;
    return 1;
}

/* Walk everything reachable from the table: every node's id, bytes and
 * edges match the model, and a node reached twice is at one address. */
static void model_verify(struct model *m, void *table)
{
    size_t cap = m->nodes + K * m->maxid + 1;
    void **stack = malloc(cap * sizeof *stack);
    size_t sp = 0;
    memset(m->seen, 0, m->maxid * sizeof *m->seen);
    for (size_t i = 0; i < m->nodes; i++) {
        void *o = movgc_get(table, i);
        if (m->table[i] < 0) {
            ck_assert_ptr_null(o);
            continue;
        }
        ck_assert_ptr_nonnull(o);
        ck_assert_int_eq(id_of(o), m->table[i]);
        stack[sp++] = o;
    }
    while (sp > 0) {
        void *o = stack[--sp];
        int32_t id = id_of(o);
        ck_assert(id >= 0 && (size_t)id < m->nextid);
        if (m->seen[id]) {
            ck_assert_msg(m->seen[id] == (uintptr_t)o, "node %d reached at two addresses", id);
            continue;
        }
        m->seen[id] = (uintptr_t)o;
        ck_assert_uint_eq(movgc_tag(o), 16);
        ck_assert(node_bytes_ok(o, id));
        for (size_t j = 0; j < K; j++) {
            void *c = movgc_get(o, j);
            int32_t want = m->edges[(size_t)id * K + j];
            if (want < 0) {
                ck_assert_ptr_null(c);
            } else {
                ck_assert_ptr_nonnull(c);
                ck_assert_int_eq(id_of(c), want);
                ck_assert(sp < cap);
                stack[sp++] = c;
            }
        }
    }
    free(stack);
}

START_TEST(test_moving_random_graph_matches_model)
{
    uint64_t rng = tu_seed("test_moving_random_graph_matches_model");
    struct model m = {0};
    size_t steps = tu_scale(40000, 1500);
    m.nodes = tu_scale(1000, 100);
    m.maxid = steps + 1;
    m.edges = malloc(m.maxid * K * sizeof *m.edges);
    m.table = malloc(m.nodes * sizeof *m.table);
    m.seen = malloc(m.maxid * sizeof *m.seen);
    for (size_t i = 0; i < m.nodes; i++)
        m.table[i] = -1;
    void *table = movgc_alloc(H, 17, m.nodes, 0);
    ROOT(table);
    for (size_t s = 0; s < steps; s++) {
        unsigned op = (unsigned)tu_rand_below(&rng, 100);
        size_t a = tu_rand_below(&rng, m.nodes), b = tu_rand_below(&rng, m.nodes);
        if (op < 40 || m.table[a] < 0) {            /* new node into slot a */
            int32_t id = (int32_t)m.nextid++;
            void *o = movgc_alloc(H, 16, K, 8 + 16 + tu_rand_below(&rng, 40));
            ck_assert_ptr_nonnull(o);
            node_fill(o, id);
            for (size_t j = 0; j < K; j++)
                m.edges[(size_t)id * K + j] = -1;
            movgc_set(H, table, a, o);
            m.table[a] = id;
        } else if (op < 85) {                       /* edge a.j -> b or NULL */
            size_t j = tu_rand_below(&rng, K);
            void *src = movgc_get(table, a), *dst = movgc_get(table, b);
            if (op < 50 || m.table[b] < 0)
                dst = NULL;
            else if (op < 65 && movgc_get(dst, 0))  /* reach deeper */
                dst = movgc_get(dst, 0);
            movgc_set(H, src, j, dst);
            m.edges[(size_t)m.table[a] * K + j] = dst ? id_of(dst) : -1;
        } else if (op < 95) {                       /* drop a root */
            movgc_set(H, table, a, NULL);
            m.table[a] = -1;
        } else if (op < 99) {
            movgc_collect(H, MOVGC_MINOR);
        } else {
            movgc_collect(H, MOVGC_FULL);
        }
        if (s % 1000 == 999 || op >= 95)
            model_verify(&m, table);
    }
    movgc_collect(H, MOVGC_FULL);
    model_verify(&m, table);
    movgc_pop_roots(H, 1);
    free(m.edges);
    free(m.table);
    free(m.seen);
}
END_TEST

static Suite *moving_suite(void)
{
    Suite *s = suite_create("moving");
    TCase *tc = tu_tcase("moving");
    tcase_add_loop_test(tc, test_moving_young_object_moves_keeps_contents, 0, 2);
    tcase_add_test(tc, test_moving_shared_substructure_stays_shared);
    tcase_add_test(tc, test_moving_cycles_stay_cycles);
    tcase_add_test(tc, test_moving_long_list);
    tcase_add_test(tc, test_moving_trees);
    tcase_add_test(tc, test_moving_full_compaction_slides_survivors);
    tcase_add_test(tc, test_moving_roots_follow_compaction);
    tcase_add_test(tc, test_moving_identity_hash_stable);
    suite_add_tcase(s, tc);
    tc = tu_tcase("random");
    tcase_add_test(tc, test_moving_random_graph_matches_model);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(moving_suite());
}

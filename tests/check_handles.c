/* check_handles.c -- handles: new/get/set/free, stale and forged ids reported
 * as MOVGC_E_STALE without reading arbitrary memory, pinning (nested) keeps an
 * object's address across collections while everything else moves. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned stale_count(void)
{
    return tu_err.by_code[MOVGC_E_STALE];
}

/* ==== core ================================================================ */

START_TEST(test_handles_get_follows_move)
{
    void *o = tu_alloc_filled(1, 1, 100, 1);
    void *before = o;
    movgc_handle hd = movgc_handle_new(H, o);
    ck_assert_uint_ne(hd.id, 0);
    ck_assert_ptr_eq(movgc_handle_get(H, hd), o);
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_ne(movgc_handle_get(H, hd), before);
    for (int i = 0; i < 6; i++) {
        tu_churn(100000);
        movgc_collect(H, i % 2 ? MOVGC_FULL : MOVGC_MINOR);
        o = movgc_handle_get(H, hd);
        ck_assert_ptr_nonnull(o);
        ck_assert(tu_check_fill(o, 1));
    }
    movgc_handle_free(H, hd);
    ck_assert_uint_eq(tu_err.count, 0);
}
END_TEST

START_TEST(test_handles_set_retargets)
{
    movgc_handle hd = movgc_handle_new(H, tu_alloc_filled(2, 0, 16, 2));
    movgc_collect(H, MOVGC_MINOR);
    void *n = tu_alloc_filled(3, 0, 24, 3);
    movgc_handle_set(H, hd, n);
    ck_assert_ptr_eq(movgc_handle_get(H, hd), n);
    tu_churn(100000);
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    void *got = movgc_handle_get(H, hd);
    ck_assert_uint_eq(movgc_tag(got), 3);
    ck_assert(tu_check_fill(got, 3));
    movgc_handle_free(H, hd);
    ck_assert_uint_eq(tu_err.count, 0);
}
END_TEST

START_TEST(test_handles_many_distinct)
{
    size_t n = tu_scale(50000, 1500);
    movgc_handle *hd = malloc(n * sizeof *hd);
    for (size_t i = 0; i < n; i++) {
        hd[i] = movgc_handle_new(H, tu_alloc_filled(4, 0, 8, i));
        ck_assert_uint_ne(hd[i].id, 0);
        if (i > 0)
            ck_assert_uint_ne(hd[i].id, hd[i - 1].id);
    }
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    for (size_t i = 0; i < n; i++)
        ck_assert(tu_check_fill(movgc_handle_get(H, hd[i]), i));
    for (size_t i = 0; i < n; i++)
        movgc_handle_free(H, hd[i]);
    ck_assert_uint_eq(tu_err.count, 0);
    free(hd);
}
END_TEST

START_TEST(test_handles_null_id_gets_null)
{
    movgc_handle null = {0};
    ck_assert_ptr_null(movgc_handle_get(H, null));
}
END_TEST

/* A handle may hold NULL; that is not an error, and it can be set later. */
START_TEST(test_handles_holding_null)
{
    movgc_handle hd = movgc_handle_new(H, NULL);
    ck_assert_uint_ne(hd.id, 0);
    ck_assert_ptr_null(movgc_handle_get(H, hd));
    movgc_collect(H, MOVGC_FULL);
    ck_assert_ptr_null(movgc_handle_get(H, hd));
    movgc_handle_set(H, hd, tu_alloc_filled(3, 0, 8, 3));
    movgc_collect(H, MOVGC_MINOR);
    ck_assert(tu_check_fill(movgc_handle_get(H, hd), 3));
    movgc_handle_set(H, hd, NULL);
    ck_assert_ptr_null(movgc_handle_get(H, hd));
    movgc_handle_free(H, hd);
    ck_assert_uint_eq(tu_err.count, 0);
}
END_TEST

/* ==== stale and forged ids ================================================ */

START_TEST(test_handles_stale_use_reported)
{
    void *o = tu_alloc_filled(5, 0, 8, 5);
    movgc_handle hd = movgc_handle_new(H, o);
    movgc_handle_free(H, hd);
    ck_assert_uint_eq(tu_err.count, 0);
    ck_assert_ptr_null(movgc_handle_get(H, hd));
    ck_assert_uint_eq(stale_count(), 1);
    ck_assert_int_eq(tu_err.last, MOVGC_E_STALE);
    ck_assert_int_eq(movgc_last_error(H), MOVGC_E_STALE);
    void *n = tu_alloc_filled(6, 0, 8, 6);
    movgc_handle_set(H, hd, n);
    ck_assert_uint_eq(stale_count(), 2);
    ck_assert_ptr_null(movgc_pin(H, hd));
    ck_assert_uint_eq(stale_count(), 3);
    movgc_handle_free(H, hd);                 /* double free */
    ck_assert_uint_eq(stale_count(), 4);
    ck_assert_uint_eq(tu_err.count, 4);
    /* a new handle is fine, the old id still stale */
    movgc_handle h2 = movgc_handle_new(H, tu_alloc_filled(7, 0, 8, 7));
    ck_assert_uint_ne(h2.id, hd.id);
    ck_assert(tu_check_fill(movgc_handle_get(H, h2), 7));
    ck_assert_ptr_null(movgc_handle_get(H, hd));
    ck_assert_uint_eq(stale_count(), 5);
}
END_TEST

/* Free ids are recycled internally; no freed id may ever reach a later handle. */
START_TEST(test_handles_freed_ids_never_confused)
{
    size_t rounds = tu_scale(5000, 300);
    movgc_handle *dead = malloc(rounds * sizeof *dead);
    movgc_handle live[8];
    for (int i = 0; i < 8; i++)
        live[i] = movgc_handle_new(H, tu_alloc_filled(8, 0, 8, (uint64_t)i));
    for (size_t r = 0; r < rounds; r++) {
        dead[r] = movgc_handle_new(H, tu_alloc_filled(9, 0, 8, r));
        movgc_handle_free(H, dead[r]);
        if (r % 500 == 0)
            movgc_collect(H, MOVGC_MINOR);
    }
    ck_assert_uint_eq(tu_err.count, 0);
    movgc_handle fresh = movgc_handle_new(H, tu_alloc_filled(10, 0, 8, 10));
    for (size_t r = 0; r < rounds; r++) {
        ck_assert_uint_ne(dead[r].id, fresh.id);
        for (int i = 0; i < 8; i++)
            ck_assert_uint_ne(dead[r].id, live[i].id);
        ck_assert_ptr_null(movgc_handle_get(H, dead[r]));
    }
    ck_assert_uint_eq(stale_count(), rounds);
    for (int i = 0; i < 8; i++)
        ck_assert(tu_check_fill(movgc_handle_get(H, live[i]), (uint64_t)i));
    ck_assert(tu_check_fill(movgc_handle_get(H, fresh), 10));
    free(dead);
}
END_TEST

static int is_live(const movgc_handle *live, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (live[i].id == id)
            return 1;
    return 0;
}

/* Random and near-miss ids: get returns NULL and reports, set/free/pin report
 * and change nothing; the live handles are untouched afterwards. */
START_TEST(test_handles_forged_ids_reported)
{
    enum { NLIVE = 64 };
    uint64_t rng = tu_seed("test_handles_forged_ids_reported");
    movgc_handle live[NLIVE];
    for (int i = 0; i < NLIVE; i++)
        live[i] = movgc_handle_new(H, tu_alloc_filled(11, 0, 16, (uint64_t)i));
    movgc_handle_free(H, movgc_handle_new(H, tu_alloc_filled(12, 0, 8, 0)));
    void *decoy = tu_alloc_filled(13, 0, 8, 13);
    movgc_handle dh = movgc_handle_new(H, decoy);   /* keeps decoy alive */
    size_t probes = tu_scale(200000, 5000), expected = 0;
    for (size_t p = 0; p < probes; p++) {
        uint64_t id;
        switch (p % 4) {
        case 0: id = tu_rand(&rng); break;
        case 1: id = tu_rand(&rng) & 0xffffffffu; break;          /* small */
        case 2: id = live[p % NLIVE].id ^ ((uint64_t)1 << (p / 4 % 64)); break;
        default: id = live[p % NLIVE].id + (p / 4 % 1024) + 1; break;
        }
        if (id == 0 || id == dh.id || is_live(live, NLIVE, id))
            continue;
        movgc_handle f = {id};
        ck_assert_ptr_null(movgc_handle_get(H, f));
        expected++;
        if (p % 16 == 3) {
            movgc_handle_set(H, f, movgc_handle_get(H, dh));
            movgc_handle_free(H, f);
            expected += 2;
        }
        if (p % 64 == 5) {
            ck_assert_ptr_null(movgc_pin(H, f));
            expected++;
        }
    }
    fprintf(stderr, "forged ids: %zu stale reports\n", expected);
    ck_assert_uint_eq(stale_count(), expected);
    ck_assert_uint_eq(tu_err.count, expected);
    movgc_collect(H, MOVGC_FULL);
    for (int i = 0; i < NLIVE; i++) {
        void *o = movgc_handle_get(H, live[i]);
        ck_assert_uint_eq(movgc_tag(o), 11);
        ck_assert(tu_check_fill(o, (uint64_t)i));
    }
    ck_assert_uint_eq(tu_err.count, expected);
}
END_TEST

/* ==== pinning ============================================================= */

START_TEST(test_handles_pin_keeps_address)
{
    void *other = NULL;
    ROOT(other);
    movgc_handle hd = movgc_handle_new(H, tu_alloc_filled(14, 2, 200, 14));
    void *p = movgc_pin(H, hd);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_eq(movgc_handle_get(H, hd), p);
    ck_assert(tu_check_fill(p, 14));
    int rounds = (int)tu_scale(60, 12);
    for (int i = 0; i < rounds; i++) {
        other = tu_alloc_filled(15, 0, 64, (uint64_t)i);   /* moves each time */
        tu_churn(tu_scale(200000, 20000));
        movgc_collect(H, i % 3 == 2 ? MOVGC_FULL : MOVGC_MINOR);
        ck_assert_ptr_eq(movgc_handle_get(H, hd), p);
        ck_assert(tu_check_fill(p, 14));
        ck_assert(tu_check_fill(other, (uint64_t)i));
    }
    movgc_unpin(H, hd);
    movgc_collect(H, MOVGC_FULL);
    ck_assert(tu_check_fill(movgc_handle_get(H, hd), 14));
    movgc_handle_free(H, hd);
    movgc_pop_roots(H, 1);
    ck_assert_uint_eq(tu_err.count, 0);
}
END_TEST

START_TEST(test_handles_nested_pins)
{
    movgc_handle hd = movgc_handle_new(H, tu_alloc_filled(16, 0, 40, 16));
    void *p1 = movgc_pin(H, hd);
    void *p2 = movgc_pin(H, hd);
    ck_assert_ptr_eq(p1, p2);
    movgc_unpin(H, hd);                        /* still pinned once */
    for (int i = 0; i < 6; i++) {
        tu_churn(100000);
        movgc_collect(H, i % 2 ? MOVGC_FULL : MOVGC_MINOR);
        ck_assert_ptr_eq(movgc_handle_get(H, hd), p1);
    }
    void *p3 = movgc_pin(H, hd);
    ck_assert_ptr_eq(p3, p1);
    movgc_unpin(H, hd);
    movgc_unpin(H, hd);
    movgc_collect(H, MOVGC_FULL);
    ck_assert(tu_check_fill(movgc_handle_get(H, hd), 16));
    ck_assert_uint_eq(tu_err.count, 0);
}
END_TEST

/* A pinned object's own slots are still roots and are updated. */
START_TEST(test_handles_pinned_object_slots_updated)
{
    movgc_handle hd = movgc_handle_new(H, tu_alloc_filled(17, 4, 8, 17));
    void *p = movgc_pin(H, hd);
    for (size_t j = 0; j < 4; j++) {
        void *c = tu_alloc_filled(18, 0, 32, j);   /* young, only held by p */
        movgc_set(H, p, j, c);
    }
    for (int i = 0; i < 5; i++) {
        tu_churn(100000);
        movgc_collect(H, i == 3 ? MOVGC_FULL : MOVGC_MINOR);
        ck_assert_ptr_eq(movgc_handle_get(H, hd), p);
        for (size_t j = 0; j < 4; j++)
            ck_assert(tu_check_fill(movgc_get(p, j), j));
    }
    movgc_unpin(H, hd);
}
END_TEST

/* Pinning is also seen by a rooted local: the slot and the pin agree. */
START_TEST(test_handles_pin_updates_roots)
{
    void *o = tu_alloc_filled(19, 0, 16, 19);
    ROOT(o);
    movgc_handle hd = movgc_handle_new(H, o);
    void *p = movgc_pin(H, hd);
    ck_assert_ptr_eq(o, p);                   /* pin may have moved it */
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_eq(o, p);
    movgc_unpin(H, hd);
    movgc_pop_roots(H, 1);
}
END_TEST

/* Random handle traffic against a model: new, set, free, pin, unpin, and
 * collections.  A pinned handle's object keeps the address its first pin
 * returned; every live handle yields its object with its contents; freed
 * ids stay stale. */
struct hmodel {
    movgc_handle hd;
    uint64_t key;                       /* contents of its object, 0 = NULL */
    unsigned pins;
    void *at;                           /* address while pinned */
};

static void hmodel_check(struct hmodel *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i].hd.id == 0)
            continue;
        void *o = movgc_handle_get(H, m[i].hd);
        if (m[i].key == 0) {
            ck_assert_ptr_null(o);
            continue;
        }
        ck_assert_msg(o != NULL, "handle %zu lost its object", i);
        ck_assert_msg(tu_check_fill(o, m[i].key), "handle %zu: contents changed", i);
        if (m[i].pins)
            ck_assert_msg(o == m[i].at, "handle %zu moved while pinned", i);
    }
}

struct htraffic {
    struct hmodel m[64];
    uint64_t next_key;                  /* contents key of the next object */
    movgc_handle dead[256];             /* freed ids (the first 256) */
    size_t ndead;
};

static void *hmodel_object(struct hmodel *e, struct htraffic *t, unsigned tag)
{
    e->key = t->next_key++;
    return tu_alloc_filled(tag, tag % 2, 8 + e->key % 100, e->key);
}

/* One handle operation on e chosen by op (0..69), mirrored in the model. */
static void hmodel_apply(struct htraffic *t, struct hmodel *e, unsigned op)
{
    if (e->hd.id == 0) {                                   /* new */
        void *o = op < 10 ? (e->key = 0, NULL) : hmodel_object(e, t, 20);
        e->hd = movgc_handle_new(H, o);
        ck_assert_uint_ne(e->hd.id, 0);
        e->pins = 0;
    } else if (op < 25) {                                  /* pin */
        void *p = movgc_pin(H, e->hd);
        if (e->key == 0) {
            ck_assert_ptr_null(p);
            return;
        }
        ck_assert_ptr_nonnull(p);
        if (e->pins++ == 0)
            e->at = p;
        ck_assert_ptr_eq(p, e->at);
    } else if (op < 45) {                                  /* unpin */
        if (e->pins) {
            movgc_unpin(H, e->hd);
            e->pins--;
        }
    } else if (op < 60) {                                  /* set */
        if (e->pins == 0)
            movgc_handle_set(H, e->hd, hmodel_object(e, t, 21));
    } else {                                               /* free */
        movgc_handle_free(H, e->hd);
        if (t->ndead < sizeof t->dead / sizeof t->dead[0])
            t->dead[t->ndead++] = e->hd;
        e->hd.id = 0;
        e->pins = 0;
    }
}

START_TEST(test_handles_random_traffic_matches_model)
{
    enum { N = sizeof ((struct htraffic *)0)->m / sizeof (struct hmodel) };
    uint64_t rng = tu_seed("test_handles_random_traffic_matches_model");
    static struct htraffic t;
    memset(&t, 0, sizeof t);
    t.next_key = 1;
    size_t steps = tu_scale(20000, 1500);
    for (size_t s = 0; s < steps; s++) {
        struct hmodel *e = &t.m[tu_rand_below(&rng, N)];
        unsigned op = (unsigned)tu_rand_below(&rng, 100);
        if (op < 70 || e->hd.id == 0)
            hmodel_apply(&t, e, op);
        else if (op < 92)
            tu_churn(2000);
        else
            movgc_collect(H, op < 98 ? MOVGC_MINOR : MOVGC_FULL);
        if (s % 200 == 0 || op >= 92)
            hmodel_check(t.m, N);
    }
    movgc_collect(H, MOVGC_FULL);
    hmodel_check(t.m, N);
    ck_assert_uint_eq(tu_err.count, 0);
    for (size_t i = 0; i < t.ndead; i++)
        ck_assert_ptr_null(movgc_handle_get(H, t.dead[i]));
    ck_assert_uint_eq(stale_count(), t.ndead);
}
END_TEST

static void unpin_unpinned(void *arg)
{
    (void)arg;
    movgc_heap *h = movgc_heap_new(NULL);
    movgc_handle hd = movgc_handle_new(h, movgc_alloc(h, 1, 0, 8));
    movgc_unpin(h, hd);
}

START_TEST(test_handles_unpin_without_pin_aborts)
{
    struct tu_child c;
    tu_run_child(unpin_unpinned, NULL, &c);
    tu_assert_aborted(&c, NULL);
}
END_TEST

START_TEST(test_handles_unpin_too_often_raises)
{
    movgc_heap *h = movgc_heap_new(NULL);
    movgc_handle hd = movgc_handle_new(h, movgc_alloc(h, 1, 0, 8));
    movgc_pin(h, hd);
    movgc_pin(h, hd);
    movgc_unpin(h, hd);
    movgc_unpin(h, hd);
    movgc_unpin(h, hd);                        /* third: SIGABRT */
}
END_TEST

static Suite *handles_suite(void)
{
    Suite *s = suite_create("handles");
    TCase *tc = tu_tcase("core");
    tcase_add_test(tc, test_handles_get_follows_move);
    tcase_add_test(tc, test_handles_set_retargets);
    tcase_add_test(tc, test_handles_many_distinct);
    tcase_add_test(tc, test_handles_null_id_gets_null);
    tcase_add_test(tc, test_handles_holding_null);
    suite_add_tcase(s, tc);
    tc = tu_tcase("stale");
    tcase_add_test(tc, test_handles_stale_use_reported);
    tcase_add_test(tc, test_handles_freed_ids_never_confused);
    tcase_add_test(tc, test_handles_forged_ids_reported);
    suite_add_tcase(s, tc);
    tc = tu_tcase("pinning");
    tcase_add_test(tc, test_handles_pin_keeps_address);
    tcase_add_test(tc, test_handles_nested_pins);
    tcase_add_test(tc, test_handles_pinned_object_slots_updated);
    tcase_add_test(tc, test_handles_pin_updates_roots);
    tcase_add_test(tc, test_handles_random_traffic_matches_model);
    suite_add_tcase(s, tc);
    tc = tu_tcase_bare("misuse");
    tcase_add_test(tc, test_handles_unpin_without_pin_aborts);
    tcase_add_test_raise_signal(tc, test_handles_unpin_too_often_raises, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(handles_suite());
}

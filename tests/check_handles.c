/* check_handles.c -- handles: new/get/set/free, stale and forged ids reported
 * as MOVGC_E_STALE without reading arbitrary memory (random ids, ids one
 * field away from real ones, generation wraparound), pinning (nested) keeps
 * an object's address across collections while everything else moves. */
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

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* One entry made and freed more times than its generation counter can
 * count (16 bits): the entry is retired, never reused with a wrapped
 * generation, so every id ever handed out is distinct and stays stale;
 * the live handles keep working throughout. */
START_TEST(test_handles_generation_wraparound_never_reuses_ids)
{
    enum { ROUNDS = 3 * 65536 + 100 };
    uint64_t *ids = malloc(ROUNDS * sizeof *ids);
    ck_assert_ptr_nonnull(ids);
    movgc_handle keep = movgc_handle_new(H, tu_alloc_filled(30, 0, 8, 30));
    for (size_t r = 0; r < ROUNDS; r++) {
        movgc_handle hd = movgc_handle_new(H, r % 3 ? movgc_handle_get(H, keep) : NULL);
        ck_assert_uint_ne(hd.id, 0);
        ids[r] = hd.id;
        movgc_handle_free(H, hd);
        if (r % 65536 == 65535) {
            movgc_collect(H, MOVGC_MINOR);
            ck_assert(tu_check_fill(movgc_handle_get(H, keep), 30));
        }
    }
    ck_assert_uint_eq(tu_err.count, 0);
    qsort(ids, ROUNDS, sizeof *ids, cmp_u64);
    for (size_t r = 1; r < ROUNDS; r++)
        ck_assert_msg(ids[r] != ids[r - 1], "id %#llx handed out twice",
                      (unsigned long long)ids[r]);
    ck_assert(ids[0] != keep.id && ids[ROUNDS - 1] != keep.id);
    /* every one of them is stale, through each call that takes an id */
    for (size_t r = 0; r < ROUNDS; r += 97) {
        movgc_handle old = {ids[r]};
        ck_assert_ptr_null(movgc_handle_get(H, old));
    }
    unsigned gets = (ROUNDS + 96) / 97;
    ck_assert_uint_eq(stale_count(), gets);
    movgc_handle first = {ids[0]}, last = {ids[ROUNDS - 1]};
    movgc_handle_free(H, first);
    movgc_handle_set(H, last, NULL);
    ck_assert_ptr_null(movgc_pin(H, last));
    ck_assert_uint_eq(stale_count(), gets + 3);
    ck_assert(tu_check_fill(movgc_handle_get(H, keep), 30));
    free(ids);
}
END_TEST

/* Ids one step from real ones: each field of a live id changed in turn
 * (generation 0, one up, one down, the top value, bits above the index),
 * live generations with neighbouring indices, index 0 and indices past
 * the table, the next id a freed entry would get, small integers and
 * object addresses passed as ids.  Every one is reported stale, whether
 * the entry it lands on is free, in use, or holds NULL (which a matching
 * id would read quietly). */
START_TEST(test_handles_forged_plausible_ids_reported)
{
    enum { NLIVE = 8 };
    movgc_handle live[NLIVE];
    for (int i = 0; i < NLIVE; i++)
        live[i] = movgc_handle_new(H, i % 4 == 3 ? NULL
                                                 : tu_alloc_filled(31, 0, 8, (uint64_t)i));
    movgc_handle weak = movgc_weak_new(H, tu_alloc_filled(32, 0, 8, 32));
    movgc_collect(H, MOVGC_FULL);                /* clears the weak handle */
    ck_assert_ptr_null(movgc_handle_get(H, weak));
    movgc_handle freed = movgc_handle_new(H, NULL);
    movgc_handle_free(H, freed);
    ck_assert_uint_eq(tu_err.count, 0);
    uint64_t forged[512];
    size_t n = 0;
    const uint64_t G = (uint64_t)0xFFFF << 48, I = 0xFFFFFFFFu;
    movgc_handle all[NLIVE + 1];
    memcpy(all, live, sizeof live);
    all[NLIVE] = weak;
    for (int i = 0; i <= NLIVE; i++) {
        uint64_t id = all[i].id, gen = id >> 48;
        forged[n++] = id & ~G;                                    /* gen 0 */
        forged[n++] = (id & ~G) | (((gen + 1) & 0xFFFF) << 48);
        forged[n++] = (id & ~G) | (((gen - 1) & 0xFFFF) << 48);
        forged[n++] = id | G;
        for (int b = 32; b < 48; b += 5)                          /* padding */
            forged[n++] = id | (uint64_t)1 << b;
        forged[n++] = (id & ~I) | ((id + 1) & I);                 /* neighbours */
        forged[n++] = (id & ~I) | ((id - 1) & I);
        forged[n++] = id & ~I;                                    /* index 0 */
        forged[n++] = (id & ~I) | I;
        forged[n++] = (id & ~I) | ((id + 1000) & I);              /* past the end */
        forged[n++] = (uint64_t)(uintptr_t)movgc_handle_get(H, all[i]);
    }
    forged[n++] = freed.id;                                       /* the freed id */
    forged[n++] = (freed.id & ~G) | (((freed.id >> 48) + 1) << 48); /* its successor */
    for (uint64_t k = 1; k <= 64; k++)                            /* small integers */
        forged[n++] = k;
    size_t expected = 0;
    for (size_t k = 0; k < n; k++) {
        movgc_handle f = {forged[k]};
        if (f.id == 0 || (f.id == weak.id) || is_live(live, NLIVE, f.id))
            continue;
        ck_assert_msg(movgc_handle_get(H, f) == NULL, "forged id %#llx read an object",
                      (unsigned long long)f.id);
        expected++;
        ck_assert_msg(stale_count() == expected, "forged id %#llx not reported",
                      (unsigned long long)f.id);
    }
    ck_assert_uint_gt(expected, 150);
    ck_assert_uint_eq(tu_err.count, expected);
    for (int i = 0; i < NLIVE; i++) {
        void *o = movgc_handle_get(H, live[i]);
        if (i % 4 == 3)
            ck_assert_ptr_null(o);
        else
            ck_assert(tu_check_fill(o, (uint64_t)i));
    }
    ck_assert_uint_eq(tu_err.count, expected);
}
END_TEST

/* A handle holds object addresses only: an unaligned pointer, or one
 * above the addresses a heap's mappings have, is refused as misuse. */
START_TEST(test_handles_non_object_address_refused)
{
    static const uintptr_t bad[] = {0x1003, 0x10004, (uintptr_t)1 << 48,
                                    ~(uintptr_t)7};
    movgc_handle ok = movgc_handle_new(H, tu_alloc_filled(33, 0, 8, 33));
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        movgc_handle hd = movgc_handle_new(H, (void *)bad[k]);
        ck_assert_uint_eq(hd.id, 0);
        ck_assert_int_eq(tu_err.last, MOVGC_E_MISUSE);
        movgc_handle_set(H, ok, (void *)bad[k]);
        ck_assert_int_eq(tu_err.last, MOVGC_E_MISUSE);
        ck_assert(tu_check_fill(movgc_handle_get(H, ok), 33));
    }
    ck_assert_uint_eq(tu_err.by_code[MOVGC_E_MISUSE], 8);
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

/* Pinning a young object promotes the young generation at once: a program
 * that pins one more often than it fills the nursery has no other minor
 * collection, yet its old space, fed by what each pin promotes and then
 * dies, still gets full collections and stays near its live size (about
 * 100 KiB live here, and 120 MiB promoted). */
START_TEST(test_handles_frequent_pins_still_collect_old)
{
    size_t rounds = getenv("MOVGC_SMALL") ? 300 : tu_scale(1200, 20);
    void *ring = movgc_alloc(H, 1, 1000, 0);
    ROOT(ring);
    movgc_stats st0;
    movgc_get_stats(H, &st0, sizeof st0);
    for (size_t r = 0; r < rounds; r++) {
        for (size_t i = 0; i < 1000; i++)
            SET_NEW(ring, i, tu_alloc_filled(2, 0, 100, r * 1000 + i));
        movgc_handle hd = movgc_handle_new(H, movgc_get(ring, r % 1000));
        void *at = movgc_pin(H, hd);
        ck_assert_ptr_eq(at, movgc_get(ring, r % 1000));
        movgc_unpin(H, hd);
        movgc_handle_free(H, hd);
    }
    movgc_stats st;
    movgc_get_stats(H, &st, sizeof st);
    ck_assert_uint_gt(st.full_collections, st0.full_collections);
    ck_assert_uint_lt(st.heap_bytes, (size_t)48 << 20);
    for (size_t i = 0; i < 1000; i++)
        ck_assert(tu_check_fill(movgc_get(ring, i), (rounds - 1) * 1000 + i));
    movgc_pop_roots(H, 1);
}
END_TEST

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
    tcase_add_test(tc, test_handles_generation_wraparound_never_reuses_ids);
    tcase_add_test(tc, test_handles_forged_plausible_ids_reported);
    tcase_add_test(tc, test_handles_non_object_address_refused);
    suite_add_tcase(s, tc);
    tc = tu_tcase("pinning");
    tcase_add_test(tc, test_handles_pin_keeps_address);
    tcase_add_test(tc, test_handles_nested_pins);
    tcase_add_test(tc, test_handles_pinned_object_slots_updated);
    tcase_add_test(tc, test_handles_pin_updates_roots);
    tcase_add_test(tc, test_handles_frequent_pins_still_collect_old);
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

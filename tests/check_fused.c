/* check_fused.c -- the fused entry points for bindings (movgc.h "entry points
 * for bindings"): each against the inline API it stands for, across moving
 * collections, and every misuse reported once with the call changing
 * nothing. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static movgc_handle hd(uint64_t id) { return (movgc_handle){id}; }

static void *obj_of(uint64_t id) { return movgc_handle_get(H, hd(id)); }

START_TEST(alloc_handle_shape_and_zeroed)
{
    uint64_t id = movgc_alloc_handle(H, 77, 3, 21);
    ck_assert_uint_ne(id, 0);
    movgc_shape s = {0};
    ck_assert_int_eq(movgc_handle_shape(H, id, &s), MOVGC_OK);
    ck_assert_uint_eq(s.tag, 77);
    ck_assert_uint_eq(s.nrefs, 3);
    ck_assert_uint_eq(s.nbytes, 21);
    for (size_t i = 0; i < 3; i++)
        ck_assert_uint_eq(movgc_handle_slot(H, id, i), 0);
    unsigned char buf[21];
    memset(buf, 0xAA, sizeof buf);
    ck_assert_int_eq(movgc_handle_read(H, id, 0, buf, sizeof buf), MOVGC_OK);
    for (size_t i = 0; i < sizeof buf; i++)
        ck_assert_uint_eq(buf[i], 0);
    ck_assert_uint_eq(tu_err.count, 0);
    movgc_handle_free(H, hd(id));
}
END_TEST

START_TEST(bytes_in_and_out_across_moves)
{
    static const char text[] = "the quick brown fox jumps over it";
    uint64_t id = movgc_alloc_bytes_handle(H, 5, text, sizeof text);
    ck_assert_uint_ne(id, 0);
    void *before = obj_of(id);
    movgc_collect(H, MOVGC_MINOR);
    ck_assert_ptr_ne(obj_of(id), before);   /* it moved out of the nursery */
    char out[sizeof text];
    ck_assert_int_eq(movgc_handle_read(H, id, 0, out, sizeof out), MOVGC_OK);
    ck_assert_str_eq(out, text);
    ck_assert_int_eq(movgc_handle_write(H, id, 4, "QUICK", 5), MOVGC_OK);
    tu_churn(1 << 20);
    movgc_collect(H, MOVGC_FULL);
    ck_assert_int_eq(movgc_handle_read(H, id, 0, out, sizeof out), MOVGC_OK);
    ck_assert_str_eq(out, "the QUICK brown fox jumps over it");
    ck_assert_int_eq(memcmp(movgc_data(obj_of(id)), out, sizeof out), 0);
    ck_assert_int_eq(movgc_handle_read(H, id, 10, out, 5), MOVGC_OK);
    ck_assert_int_eq(memcmp(out, "brown", 5), 0);
    /* zero-length copies at the very end are fine */
    ck_assert_int_eq(movgc_handle_read(H, id, sizeof text, out, 0), MOVGC_OK);
    ck_assert_uint_eq(tu_err.count, 0);
    movgc_handle_free(H, hd(id));
}
END_TEST

/* A list built through the fused calls only, checked after collections
 * moved every node: contents, order and identity. */
START_TEST(slots_link_objects_that_move)
{
    enum { N = 300 };
    uint64_t head = 0, ids[N];
    for (size_t k = 0; k < N; k++) {
        uint64_t node = movgc_alloc_handle(H, 1, 2, 8);
        ck_assert_uint_ne(node, 0);
        uint64_t key = k * 7919;
        ck_assert_int_eq(movgc_handle_write(H, node, 0, &key, 8), MOVGC_OK);
        ck_assert_int_eq(movgc_handle_set_slot(H, node, 0, head), MOVGC_OK);
        ck_assert_int_eq(movgc_handle_set_slot(H, node, 1, node), MOVGC_OK);
        if (head)
            movgc_handle_free(H, hd(head));
        head = node;
        ids[k] = movgc_handle_dup(H, node);
        if (k % 64 == 0)
            movgc_collect(H, k % 128 ? MOVGC_MINOR : MOVGC_FULL);
    }
    tu_churn(1 << 20);
    movgc_collect(H, MOVGC_FULL);
    uint64_t cur = movgc_handle_dup(H, head);
    for (size_t k = N; k-- > 0;) {
        ck_assert_uint_ne(cur, 0);
        ck_assert_int_eq(movgc_handle_same(H, cur, ids[k]), 1);
        uint64_t self = movgc_handle_slot(H, cur, 1);
        ck_assert_int_eq(movgc_handle_same(H, self, cur), 1);
        ck_assert_uint_eq(movgc_handle_hash(H, self),
                          movgc_identity_hash(H, obj_of(ids[k])));
        uint64_t key = 0;
        ck_assert_int_eq(movgc_handle_read(H, cur, 0, &key, 8), MOVGC_OK);
        ck_assert_uint_eq(key, k * 7919);
        uint64_t next = movgc_handle_slot(H, cur, 0);
        movgc_handle_free(H, hd(self));
        movgc_handle_free(H, hd(cur));
        cur = next;
    }
    ck_assert_uint_eq(cur, 0);
    ck_assert_int_eq(movgc_handle_same(H, ids[0], ids[1]), 0);
    movgc_handles_free(H, ids, N);
    movgc_handle_free(H, hd(head));
    ck_assert_uint_eq(tu_err.count, 0);
}
END_TEST

/* An old object pointing at a young one through movgc_handle_set_slot: the
 * barrier must record it, or the minor collection loses the young one. */
START_TEST(set_slot_has_the_write_barrier)
{
    uint64_t old = movgc_alloc_handle(H, 1, 1, 0);
    movgc_collect(H, MOVGC_FULL);                     /* old is old now */
    uint64_t young = movgc_alloc_bytes_handle(H, 2, "young!!", 8);
    ck_assert_int_eq(movgc_handle_set_slot(H, old, 0, young), MOVGC_OK);
    movgc_handle_free(H, hd(young));                  /* only the slot holds it */
    tu_churn(1 << 20);
    movgc_collect(H, MOVGC_MINOR);
    uint64_t got = movgc_handle_slot(H, old, 0);
    char buf[8];
    ck_assert_int_eq(movgc_handle_read(H, got, 0, buf, 8), MOVGC_OK);
    ck_assert_str_eq(buf, "young!!");
    ck_assert_int_eq(movgc_handle_set_slot(H, old, 0, 0), MOVGC_OK);
    ck_assert_ptr_null(movgc_get(obj_of(old), 0));
    ck_assert_uint_eq(tu_err.count, 0);
}
END_TEST

START_TEST(weak_and_ephemeron_through_ids)
{
    uint64_t key = movgc_alloc_handle(H, 1, 0, 8);
    uint64_t val = movgc_alloc_handle(H, 2, 0, 8);
    movgc_handle w = movgc_weak_new(H, obj_of(key));
    movgc_handle e = movgc_ephemeron_new(H, obj_of(key), obj_of(val));
    movgc_handle_free(H, hd(val));
    movgc_collect(H, MOVGC_FULL);
    uint64_t k2 = movgc_handle_dup(H, w.id), v2 = movgc_handle_value(H, e.id);
    ck_assert_int_eq(movgc_handle_same(H, k2, key), 1);
    movgc_shape s;
    ck_assert_int_eq(movgc_handle_shape(H, v2, &s), MOVGC_OK);
    ck_assert_uint_eq(s.tag, 2);
    uint64_t drop[] = {key, k2, v2};
    movgc_handles_free(H, drop, 3);
    movgc_collect(H, MOVGC_FULL);
    ck_assert_uint_eq(movgc_handle_dup(H, w.id), 0);  /* cleared, quietly */
    ck_assert_uint_eq(movgc_handle_value(H, e.id), 0);
    ck_assert_uint_eq(tu_err.count, 0);
    /* the weak handle now holds nothing: naming it as an object is misuse */
    ck_assert_int_eq(movgc_handle_shape(H, w.id, &s), MOVGC_E_MISUSE);
    ck_assert_uint_eq(tu_err.count, 1);
    ck_assert_ptr_nonnull(strstr(tu_err.msg, "holds no object"));
}
END_TEST

START_TEST(misuse_is_reported_once_and_changes_nothing)
{
    uint64_t id = movgc_alloc_handle(H, 1, 2, 4);
    uint64_t other = movgc_alloc_handle(H, 1, 0, 0);
    ck_assert_int_eq(movgc_handle_set_slot(H, id, 0, other), MOVGC_OK);
    char buf[8] = "abcdefg";

    tu_errors_clear();
    ck_assert_uint_eq(movgc_handle_slot(H, id, 2), 0);
    ck_assert_uint_eq(tu_err.count, 1);
    ck_assert_int_eq(tu_err.last, MOVGC_E_MISUSE);
    ck_assert_ptr_nonnull(strstr(tu_err.msg, "slot 2 of an object with 2 slots"));

    tu_errors_clear();
    ck_assert_int_eq(movgc_handle_set_slot(H, id, SIZE_MAX, 0), MOVGC_E_MISUSE);
    ck_assert_uint_eq(tu_err.count, 1);

    tu_errors_clear();   /* off + n overflows: still refused */
    ck_assert_int_eq(movgc_handle_write(H, id, 2, buf, SIZE_MAX), MOVGC_E_MISUSE);
    ck_assert_int_eq(movgc_handle_read(H, id, 0, buf, 5), MOVGC_E_MISUSE);
    ck_assert_int_eq(movgc_handle_read(H, id, 5, buf, 0), MOVGC_E_MISUSE);
    ck_assert_uint_eq(tu_err.count, 3);

    tu_errors_clear();
    ck_assert_uint_eq(movgc_alloc_handle(H, 65536, 0, 0), 0);
    ck_assert_uint_eq(tu_err.count, 1);
    ck_assert_int_eq(tu_err.last, MOVGC_E_MISUSE);

    tu_errors_clear();
    ck_assert_uint_eq(movgc_handle_slot(H, 0, 0), 0);
    ck_assert_int_eq(tu_err.last, MOVGC_E_MISUSE);
    ck_assert_uint_eq(tu_err.count, 1);

    /* a stale id: MOVGC_E_STALE once, and a stale value is not stored */
    uint64_t dead = movgc_alloc_handle(H, 1, 0, 0);
    movgc_handle_free(H, hd(dead));
    tu_errors_clear();
    ck_assert_int_eq(movgc_handle_set_slot(H, id, 0, dead), MOVGC_E_STALE);
    ck_assert_uint_eq(tu_err.count, 1);
    ck_assert_ptr_eq(movgc_get(obj_of(id), 0), obj_of(other));
    ck_assert_int_eq(movgc_handle_read(H, dead, 0, buf, 0), MOVGC_E_STALE);
    ck_assert_uint_eq(tu_err.count, 2);
    uint64_t two[] = {other, dead};
    movgc_handles_free(H, two, 2);
    ck_assert_uint_eq(tu_err.count, 3);
    ck_assert_int_eq(tu_err.last, MOVGC_E_STALE);
    ck_assert_int_eq(movgc_last_error(H), MOVGC_E_STALE);
    movgc_handle_free(H, hd(id));
}
END_TEST

/* The fused calls leave the last error alone when they succeed. */
START_TEST(success_keeps_last_error)
{
    movgc_handle_free(H, hd(12345));                /* stale: reported */
    ck_assert_int_eq(movgc_last_error(H), MOVGC_E_STALE);
    uint64_t id = movgc_alloc_handle(H, 1, 1, 0);
    movgc_shape s;
    ck_assert_int_eq(movgc_handle_shape(H, id, &s), MOVGC_OK);
    ck_assert_int_eq(movgc_last_error(H), MOVGC_E_STALE);
    movgc_handle_free(H, hd(id));
}
END_TEST

START_TEST(alloc_handle_reports_nomem)
{
    movgc_config cfg = tu_config();
    cfg.heap_limit = 8u << 20;
    movgc_heap *h = tu_heap_new(&cfg);
    tu_errors_clear();
    ck_assert_uint_eq(movgc_alloc_handle(h, 1, 0, 64u << 20), 0);
    ck_assert_uint_eq(movgc_alloc_bytes_handle(h, 1, "", SIZE_MAX / 2), 0);
    ck_assert_int_eq(tu_err.last, MOVGC_E_NOMEM);
    ck_assert_uint_eq(tu_err.count, 2);
    movgc_heap_free(h);
}
END_TEST

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A full collection gives back the table of handles freed in bulk, and the
 * ids handed out afterwards are still never ones handed out before. */
START_TEST(handle_table_shrinks_and_ids_stay_unique)
{
    enum { ROUNDS = 4, MANY = 1 << 20 };
    size_t total = 0, per = 4096;
    uint64_t *seen = malloc(sizeof *seen * (ROUNDS * per + 8));
    ck_assert_ptr_nonnull(seen);
    uint64_t keep = movgc_alloc_handle(H, 1, 0, 8);
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t *ids = seen + total;
        for (size_t k = 0; k < per; k++)
            ids[k] = movgc_handle_dup(H, keep);
        total += per;
        movgc_handles_free(H, ids, per);
        movgc_collect(H, MOVGC_FULL);
    }
    qsort(seen, total, sizeof *seen, cmp_u64);
    for (size_t k = 1; k < total; k++)
        ck_assert_msg(seen[k] != seen[k - 1], "id %#llx handed out twice",
                      (unsigned long long)seen[k]);
    free(seen);

    /* a million handles, freed: the table's memory comes back */
    uint64_t *ids = malloc(sizeof *ids * MANY);
    ck_assert_ptr_nonnull(ids);
    movgc_collect(H, MOVGC_FULL);
    size_t before = tu_rss_bytes();
    for (size_t k = 0; k < MANY; k++)
        ids[k] = movgc_handle_dup(H, keep);
    size_t grown = tu_rss_bytes();
    ck_assert_uint_gt(grown, before + (16u << 20));   /* >= 16 bytes each */
    movgc_handles_free(H, ids, MANY);
    free(ids);
    movgc_collect(H, MOVGC_FULL);
    size_t after = tu_rss_bytes();
    ck_assert_msg(grown - after > (grown - before) / 2,
                  "RSS %zu -> %zu -> %zu: the handle table kept its memory",
                  before, grown, after);
    /* still working, and keep survived every shrink */
    movgc_shape s;
    ck_assert_int_eq(movgc_handle_shape(H, keep, &s), MOVGC_OK);
    ck_assert_uint_eq(s.nbytes, 8);
    ck_assert_uint_eq(tu_err.count, 0);
}
END_TEST

static Suite *fused_suite(void)
{
    Suite *s = suite_create("fused");
    TCase *tc = tu_tcase("fused");
    tcase_add_test(tc, alloc_handle_shape_and_zeroed);
    tcase_add_test(tc, bytes_in_and_out_across_moves);
    tcase_add_test(tc, slots_link_objects_that_move);
    tcase_add_test(tc, set_slot_has_the_write_barrier);
    tcase_add_test(tc, weak_and_ephemeron_through_ids);
    tcase_add_test(tc, misuse_is_reported_once_and_changes_nothing);
    tcase_add_test(tc, success_keeps_last_error);
    tcase_add_test(tc, alloc_handle_reports_nomem);
    tcase_add_test(tc, handle_table_shrinks_and_ids_stay_unique);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(fused_suite());
}

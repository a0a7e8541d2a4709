/* check_compact.c -- the full collection moves only what is worth moving:
 * a barely fragmented old space stays in place and its holes are reused by
 * promotion; sparse regions and a fragmented tail slide, with pins, identity
 * hashes and every kind of root kept right.  The heaps here run under
 * MOVGC_VERIFY, which walks the old space (fillers included) after every
 * collection. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "movgc_testing.h"

enum { CHUNK = 1024 };  /* slots per chunk of the spine */

/* n objects of the old space, reached through a spine of chunks. */
struct pop {
    void *spine;
    size_t n;
};

static movgc_stats stats_of(void)
{
    movgc_stats st;
    movgc_get_stats(H, &st, sizeof st);
    return st;
}

static void *pop_get(struct pop *p, size_t i)
{
    return movgc_get(movgc_get(p->spine, i / CHUNK), i % CHUNK);
}

static void pop_set(struct pop *p, size_t i, void *o)
{
    movgc_set(H, movgc_get(p->spine, i / CHUNK), i % CHUNK, o);
}

/* Raw bytes of object i: 8 to 200, so holes come in every size. */
static size_t pop_bytes(size_t i)
{
    return 8 * (1 + (i * 7919) % 25);
}

/* A verified heap, and n objects made old and compact, in index order
 * (full collections along the way tenure them in batches, and one at n/2
 * parts the two halves), by the time it returns. */
static void pop_build(struct pop *p, size_t n)
{
    movgc_config c = tu_config();
    c.flags |= MOVGC_VERIFY;
    movgc_heap_free(H);
    H = tu_heap_new(&c);
    ck_assert_ptr_nonnull(H);
    p->n = n;
    p->spine = movgc_alloc(H, 1, (n + CHUNK - 1) / CHUNK, 0);
    ROOT(p->spine);
    for (size_t k = 0; k < (n + CHUNK - 1) / CHUNK; k++)
        SET_NEW(p->spine, k, movgc_alloc(H, 2, CHUNK, 0));
    for (size_t i = 0; i < n; i++) {
        pop_set(p, i, tu_alloc_filled(3, 0, pop_bytes(i), i));
        if ((i + 1) % 8192 == 0 || i + 1 == n / 2)
            movgc_collect(H, MOVGC_FULL);
    }
    movgc_collect(H, MOVGC_FULL);
    movgc_collect(H, MOVGC_FULL);
}

static void pop_check(struct pop *p, int (*dead)(size_t))
{
    for (size_t i = 0; i < p->n; i++) {
        void *o = pop_get(p, i);
        if (dead(i)) {
            ck_assert_ptr_null(o);
            continue;
        }
        ck_assert_uint_eq(movgc_nbytes(o), pop_bytes(i));
        ck_assert_msg(tu_check_fill(o, i), "object %zu corrupted", i);
    }
}

/* Runs of 12 objects die, one run in 24: holes of ~1.3 KiB, ~4% dead. */
static int dead_runs(size_t i) { return i % 288 < 12; }
/* Seven in eight die. */
static int dead_most(size_t i) { return i % 8 != 0; }

/* A barely fragmented old space: a full collection moves nothing (every
 * survivor keeps its address, nothing is counted as compacted), and the
 * holes it leaves are where the next promoted objects go. */
START_TEST(test_compact_dense_space_stays_in_place)
{
    struct pop p;
    size_t n = tu_scale(60000, 6000);
    pop_build(&p, n);
    uintptr_t *addr = malloc(n * sizeof *addr);
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        addr[i] = (uintptr_t)pop_get(&p, i);
        lo = addr[i] < lo ? addr[i] : lo;
        hi = addr[i] > hi ? addr[i] : hi;
        if (dead_runs(i))
            pop_set(&p, i, NULL);
    }
    uint64_t compacted = stats_of().bytes_compacted;
    movgc_collect(H, MOVGC_FULL);
    ck_assert_uint_eq(stats_of().bytes_compacted, compacted);
    for (size_t i = 0; i < n; i++)
        if (!dead_runs(i))
            ck_assert_msg((uintptr_t)pop_get(&p, i) == addr[i],
                          "object %zu moved in a barely fragmented space", i);
    pop_check(&p, dead_runs);
    /* Promote a big object first, then small ones: the big one must not
     * make promotion give up the holes. */
    void *fresh = movgc_alloc(H, 4, 400, 0);
    ROOT(fresh);
    SET_NEW(fresh, 0, tu_alloc_filled(5, 0, 3000, 99));
    for (size_t k = 1; k < 400; k++)
        SET_NEW(fresh, k, tu_alloc_filled(5, 0, 40, k));
    movgc_collect(H, MOVGC_FULL);
    size_t inside = 0;
    for (size_t k = 1; k < 400; k++) {
        uintptr_t a = (uintptr_t)movgc_get(fresh, k);
        inside += a > lo && a < hi;
        ck_assert(tu_check_fill(movgc_get(fresh, k), k));
    }
    ck_assert(tu_check_fill(movgc_get(fresh, 0), 99));
    ck_assert_msg(inside >= 300, "only %zu of 399 promoted objects went into holes",
                  inside);
    pop_check(&p, dead_runs);
    free(addr);
    movgc_pop_roots(H, 2);
}
END_TEST

/* The tests of pages given back assume pages of 4 KiB: with bigger ones,
 * the holes they make hold no whole page. */
static int small_pages(void)
{
    if (sysconf(_SC_PAGESIZE) == 4096)
        return 1;
    fprintf(stderr, "skipped: pages of %ld bytes\n", sysconf(_SC_PAGESIZE));
    return 0;
}

/* Pages wholly inside the gap [lo, lo + bytes), past its filler header,
 * and how many of them are resident. */
static size_t gap_pages(void *lo, size_t bytes, size_t *resident)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = ((uintptr_t)lo + 8 + page - 1) & ~(page - 1);
    uintptr_t b = ((uintptr_t)lo + bytes) & ~(page - 1);
    size_t n = a < b ? (size_t)(b - a) / page : 0;
    unsigned char vec[64];
    ck_assert_uint_le(n, sizeof vec);
    *resident = 0;
    if (n == 0)
        return 0;
    ck_assert_int_eq(mincore((void *)a, n * page, vec), 0);
    for (size_t i = 0; i < n; i++)
        *resident += vec[i] & 1;
    return n;
}

static int dead_quarter(size_t i) { return i % 4 == 1; }

/* After a full collection that moves nothing, the gaps promotion will fill
 * before the next one keep their pages (giving them back would only cost
 * a discard, a populate and a fault per page); the pages of the gaps
 * beyond that reach go back to the OS; and a full collection the program
 * asks for gives back every gap's pages. */
START_TEST(test_compact_gaps_keep_the_pages_promotion_fills)
{
    if (!small_pages())
        return;
    movgc_config c = tu_config();
    c.growth = 1.05;                 /* reach: about 5% of the old space */
    c.nursery_bytes = 256 << 10;
    movgc_heap_free(H);
    H = tu_heap_new(&c);
    ck_assert_ptr_nonnull(H);
    /* big objects: the pages their holes end in (stranded space) are under
     * 5% of the space, so movgc_collect does not compact either */
    size_t n = tu_scale(1024, 512), bytes = 28 << 10;
    void *arr = movgc_alloc(H, 1, n, 0);
    ROOT(arr);
    for (size_t i = 0; i < n; i++)
        SET_NEW(arr, i, tu_alloc_filled(3, 0, bytes, i));
    movgc_collect(H, MOVGC_FULL);
    uintptr_t *addr = malloc(n * sizeof *addr);
    for (size_t i = 0; i < n; i++) {
        addr[i] = (uintptr_t)movgc_get(arr, i);
        if (dead_quarter(i))
            movgc_set(H, arr, i, NULL);
    }
    uint64_t compacted = stats_of().bytes_compacted;
    movgc_testing_policy_full(H);
    ck_assert_uint_eq(stats_of().bytes_compacted, compacted);
    size_t reach = movgc_testing_full_reach(H), gaps = movgc_testing_gaps_ahead(H);
    ck_assert_uint_ge(gaps, n / 8);  /* n / 4 holes, some side by side */
    size_t ahead = 0, kept = 0, given = 0;
    for (size_t g = 0; g < gaps; g++) {
        void *lo;
        size_t len, discarded, resident;
        ck_assert(movgc_testing_gap(H, g, &lo, &len, &discarded));
        size_t pages = gap_pages(lo, len, &resident);
        ck_assert_uint_ge(pages, 2);
        if (ahead < reach) {
            ck_assert_msg(discarded == 0 && resident == pages,
                          "gap %zu, %zu bytes into the %zu promotion will fill, gave "
                          "back %zu bytes (%zu of %zu pages resident)", g, ahead,
                          reach, discarded, resident, pages);
            kept++;
        } else {
            ck_assert_msg(discarded > 0 && resident == 0,
                          "gap %zu, past the %zu bytes promotion will fill, kept its "
                          "pages (%zu of %zu resident)", g, reach, resident, pages);
            given++;
        }
        ahead += len;
    }
    ck_assert_msg(kept > 0 && given > 0, "kept %zu gaps, gave back %zu (reach %zu)",
                  kept, given, reach);
    size_t held = stats_of().heap_bytes;
    movgc_collect(H, MOVGC_FULL);
    gaps = movgc_testing_gaps_ahead(H);
    ck_assert_uint_ge(gaps, n / 8);  /* n / 4 holes, some side by side */
    for (size_t g = 0; g < gaps; g++) {
        void *lo;
        size_t len, discarded, resident;
        ck_assert(movgc_testing_gap(H, g, &lo, &len, &discarded));
        gap_pages(lo, len, &resident);
        ck_assert_msg(discarded > 0 && resident == 0, "gap %zu kept its pages after "
                      "movgc_collect(MOVGC_FULL)", g);
    }
    ck_assert_uint_lt(stats_of().heap_bytes, held);
    ck_assert(!movgc_testing_gap(H, gaps, &(void *){0}, &(size_t){0}, &(size_t){0}));
    for (size_t i = 0; i < n; i++) {
        void *o = movgc_get(arr, i);
        if (dead_quarter(i)) {
            ck_assert_ptr_null(o);
            continue;
        }
        ck_assert_msg((uintptr_t)o == addr[i], "object %zu moved", i);
        ck_assert_msg(tu_check_fill(o, i), "object %zu corrupted", i);
    }
    free(addr);
    movgc_pop_roots(H, 1);
}
END_TEST

/* A verified heap, and in the rooted *arr an array of n old objects of
 * 'bytes' raw bytes each (object i filled from key i), in index order:
 * each MiB of them is made old by a full collection before the next is
 * allocated. */
static void old_array(void **arr, size_t n, size_t bytes)
{
    movgc_config c = tu_config();
    c.flags |= MOVGC_VERIFY;
    movgc_heap_free(H);
    H = tu_heap_new(&c);
    ck_assert_ptr_nonnull(H);
    *arr = movgc_alloc(H, 1, n, 0);
    movgc_push_root(H, arr);
    for (size_t i = 0; i < n; i++) {
        SET_NEW(*arr, i, tu_alloc_filled(3, 0, bytes, i));
        if ((i + 1) % ((1u << 20) / bytes + 1) == 0)
            movgc_collect(H, MOVGC_FULL);
    }
    movgc_collect(H, MOVGC_FULL);
}

/* Drop the objects 'dead' names from the rooted array *arr, collect
 * fully (as the policy would, or as the program asks); did any survivor
 * move?  Checks every survivor's contents. */
static int survivors_moved(void **arr, int (*dead)(size_t), int asked)
{
    size_t n = movgc_nrefs(*arr);
    uintptr_t *addr = malloc(n * sizeof *addr);
    for (size_t i = 0; i < n; i++) {
        addr[i] = (uintptr_t)movgc_get(*arr, i);
        if (dead(i))
            movgc_set(H, *arr, i, NULL);
    }
    if (asked)
        movgc_collect(H, MOVGC_FULL);
    else
        movgc_testing_policy_full(H);
    int moved = 0;
    for (size_t i = 0; i < n; i++) {
        void *o = movgc_get(*arr, i);
        if (dead(i)) {
            ck_assert_ptr_null(o);
            continue;
        }
        moved |= (uintptr_t)o != addr[i];
        ck_assert_msg(tu_check_fill(o, i), "object %zu corrupted", i);
    }
    free(addr);
    return moved;
}

static int dead_three_in_four(size_t i) { return i % 4 != 0; }

/* Bytes resident in the whole pages of [lo, hi). */
static size_t resident_bytes(uintptr_t lo, uintptr_t hi)
{
    uintptr_t page = 4096, a = (lo + page - 1) & ~(page - 1), b = hi & ~(page - 1);
    if (a >= b)
        return 0;
    size_t n = (size_t)(b - a) / page, r = 0;
    unsigned char *vec = malloc(n);
    ck_assert_int_eq(mincore((void *)a, n * page, vec), 0);
    for (size_t i = 0; i < n; i++)
        r += vec[i] & 1;
    free(vec);
    return r * page;
}

/* Objects below 'low_cut' (by their addresses when the test began). */
static uintptr_t *low_addr, low_cut;
static int dead_low(size_t i) { return low_addr[i] < low_cut; }

static int cmp_addr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return (x > y) - (x < y);
}

/* The lowest three quarters of the old space die: one big hole, the first
 * gap, which promotion enters at once.  After movgc_collect(MOVGC_FULL)
 * its pages are given back all the same, and promotion still fills it. */
START_TEST(test_compact_first_gap_given_back)
{
    if (!small_pages())
        return;
    void *arr;
    size_t n = tu_scale(1024, 256), bytes = 12 << 10;
    old_array(&arr, n, bytes);
    low_addr = malloc(n * sizeof *low_addr);
    uintptr_t *sorted = malloc(n * sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = low_addr[i] = (uintptr_t)movgc_get(arr, i);
    qsort(sorted, n, sizeof *sorted, cmp_addr);
    low_cut = sorted[3 * n / 4];
    uintptr_t lo = sorted[0], hi = sorted[3 * n / 4 - 1] + bytes;
    free(sorted);
    size_t dead_resident = 0;
    for (size_t i = 0; i < n; i++)
        if (dead_low(i))
            dead_resident += resident_bytes(low_addr[i], low_addr[i] + bytes);
    ck_assert_uint_gt(dead_resident, (size_t)n / 2 * 8192);  /* 2 of 3 pages */
    ck_assert_msg(!survivors_moved(&arr, dead_low, 1),
                  "survivors moved although the free space was in whole pages");
    dead_resident = 0;
    for (size_t i = 0; i < n; i++)
        if (dead_low(i))
            dead_resident += resident_bytes(low_addr[i], low_addr[i] + bytes);
    ck_assert_msg(dead_resident < (size_t)n * bytes / 64, "%zu bytes of the dead "
                  "objects' pages still resident after movgc_collect(MOVGC_FULL)",
                  dead_resident);
    free(low_addr);
    /* promotion enters the gap again, and what it puts there reads back */
    void *fresh = movgc_alloc(H, 4, 64, 0);
    ROOT(fresh);
    for (size_t k = 0; k < 64; k++)
        SET_NEW(fresh, k, tu_alloc_filled(5, 0, 200, k));
    movgc_collect(H, MOVGC_FULL);
    size_t inside = 0;
    for (size_t k = 0; k < 64; k++) {
        uintptr_t a = (uintptr_t)movgc_get(fresh, k);
        inside += a >= lo && a < hi;
        ck_assert(tu_check_fill(movgc_get(fresh, k), k));
    }
    ck_assert_uint_ge(inside, 32);
    movgc_pop_roots(H, 2);
}
END_TEST

/* Three in four 12 KiB objects die: three quarters of the old space is
 * free, but in whole pages, which go back to the OS without moving
 * anything.  Nothing moves, and once the program asks for its memory the
 * heap shrinks. */
START_TEST(test_compact_whole_free_pages_do_not_move)
{
    if (!small_pages())
        return;
    void *arr;
    size_t n = tu_scale(1024, 256);
    old_array(&arr, n, 12 << 10);
    size_t held = stats_of().heap_bytes;
    uint64_t compacted = stats_of().bytes_compacted;
    ck_assert_msg(!survivors_moved(&arr, dead_three_in_four, 0),
                  "survivors moved although the free space was in whole pages");
    ck_assert_uint_eq(stats_of().bytes_compacted, compacted);
    movgc_collect(H, MOVGC_FULL);
    size_t freed = n / 4 * 3 * (12 << 10), now = stats_of().heap_bytes;
    ck_assert_msg(now < held && held - now >= freed / 2 + freed / 4,
                  "heap %zu -> %zu bytes after %zu bytes died in whole pages",
                  held, now, freed);
    movgc_pop_roots(H, 1);
}
END_TEST

/* One in four 400-byte objects dies, scattered: a quarter of the space
 * is free, in holes promotion could reuse, but every page keeps live data
 * and its free part stays resident.  That is worth a compaction. */
START_TEST(test_compact_stranded_free_space_slides)
{
    void *arr;
    old_array(&arr, tu_scale(16384, 4096), 400);
    uint64_t compacted = stats_of().bytes_compacted;
    ck_assert_msg(survivors_moved(&arr, dead_quarter, 0),
                  "a quarter of every page free, and nothing moved");
    ck_assert_uint_gt(stats_of().bytes_compacted, compacted);
    movgc_pop_roots(H, 1);
}
END_TEST

static int dead_one_in_ten(size_t i) { return i % 10 == 3; }

/* One in ten 400-byte objects dies, scattered: a tenth of every page is
 * stranded.  The policy lives with that; a program that asks for its
 * memory back gets a compaction. */
START_TEST(test_compact_asked_collection_compacts_sooner)
{
    void *arr;
    old_array(&arr, tu_scale(16384, 4096), 400);
    uint64_t compacted = stats_of().bytes_compacted;
    ck_assert_msg(!survivors_moved(&arr, dead_one_in_ten, 0),
                  "the policy compacted a tenth of stranded space");
    ck_assert_uint_eq(stats_of().bytes_compacted, compacted);
    ck_assert_msg(survivors_moved(&arr, dead_one_in_ten, 1),
                  "movgc_collect left a tenth of every page stranded");
    ck_assert_uint_gt(stats_of().bytes_compacted, compacted);
    movgc_pop_roots(H, 1);
}
END_TEST

/* A sparse old space slides: survivors move down, their contents and the
 * roots that hold them follow, and the heap gives memory back. */
START_TEST(test_compact_sparse_space_slides)
{
    struct pop p;
    size_t n = tu_scale(60000, 6000);
    pop_build(&p, n);
    uintptr_t *addr = malloc(n * sizeof *addr);
    for (size_t i = 0; i < n; i++) {
        addr[i] = (uintptr_t)pop_get(&p, i);
        if (dead_most(i))
            pop_set(&p, i, NULL);
    }
    void *held = pop_get(&p, n / 2 / 8 * 8);  /* a survivor, also on the stack */
    ROOT(held);
    movgc_stats before = stats_of();
    movgc_collect(H, MOVGC_FULL);
    movgc_stats after = stats_of();
    size_t moved = 0;
    for (size_t i = 0; i < n; i += 8)
        moved += (uintptr_t)pop_get(&p, i) != addr[i];
    ck_assert_msg(moved > n / 8 / 2, "only %zu of %zu survivors slid", moved, n / 8);
    ck_assert_uint_gt(after.bytes_compacted, before.bytes_compacted);
    ck_assert_uint_lt(after.heap_bytes, before.heap_bytes);
    ck_assert_ptr_eq(held, pop_get(&p, n / 2 / 8 * 8));
    pop_check(&p, dead_most);
    free(addr);
    movgc_pop_roots(H, 2);
}
END_TEST

/* Half dense, half sparse: the dense half stays, the sparse half slides;
 * a pinned object among the sparse stays; identity hashes hold on both
 * sides; weak handles to the dead are cleared. */
static size_t half;
static int dead_upper(size_t i) { return i >= half && i % 16 != 0; }

START_TEST(test_compact_dense_kept_sparse_slid)
{
    struct pop p;
    size_t n = tu_scale(80000, 8000);
    half = n / 2;
    pop_build(&p, n);
    size_t pin_i = half + 16 * 7, kept_i = 5, slid_i = n - 16;
    movgc_handle pin = movgc_handle_new(H, pop_get(&p, pin_i));
    movgc_handle weak = movgc_weak_new(H, pop_get(&p, half + 1));
    void *pinned = movgc_pin(H, pin);
    uint64_t hash_kept = movgc_identity_hash(H, pop_get(&p, kept_i));
    uint64_t hash_slid = movgc_identity_hash(H, pop_get(&p, slid_i));
    uintptr_t *addr = malloc(n * sizeof *addr);
    for (size_t i = 0; i < n; i++) {
        addr[i] = (uintptr_t)pop_get(&p, i);
        if (dead_upper(i))
            pop_set(&p, i, NULL);
    }
    movgc_collect(H, MOVGC_FULL);
    size_t lower_moved = 0, upper_moved = 0;
    for (size_t i = 0; i < half; i++)
        lower_moved += (uintptr_t)pop_get(&p, i) != addr[i];
    for (size_t i = half; i < n; i += 16)
        upper_moved += (uintptr_t)pop_get(&p, i) != addr[i];
    ck_assert_msg(lower_moved < half / 50, "%zu of %zu dense objects moved",
                  lower_moved, half);
    ck_assert_msg(upper_moved > 0, "no sparse survivor moved");
    ck_assert_ptr_eq(pop_get(&p, pin_i), pinned);
    ck_assert_ptr_eq(movgc_handle_get(H, pin), pinned);
    ck_assert_ptr_null(movgc_handle_get(H, weak));
    ck_assert_uint_eq(movgc_identity_hash(H, pop_get(&p, kept_i)), hash_kept);
    ck_assert_uint_eq(movgc_identity_hash(H, pop_get(&p, slid_i)), hash_slid);
    pop_check(&p, dead_upper);
    movgc_unpin(H, pin);
    movgc_handle_free(H, pin);
    movgc_handle_free(H, weak);
    free(addr);
    movgc_pop_roots(H, 1);
}
END_TEST

/* Old objects that pointed into the nursery (so sat in the remembered set)
 * die in a space that stays in place; new objects promoted into their holes
 * and young objects stored into survivors are all kept right. */
START_TEST(test_compact_remembered_dead_in_kept_space)
{
    struct pop p;
    size_t n = tu_scale(30000, 3000);
    pop_build(&p, n);
    void *keep = movgc_alloc(H, 6, 64, 0);
    ROOT(keep);
    for (size_t i = 0; i < n; i += 97) {  /* old objects with young children */
        void *o = movgc_alloc(H, 7, 1, 16);
        void *y = tu_alloc_filled(8, 0, 24, i);
        movgc_set(H, o, 0, y);
        pop_set(&p, i, o);
    }
    movgc_collect(H, MOVGC_FULL);          /* the holders become old */
    for (size_t i = 0; i < n; i += 97) {
        void *y = tu_alloc_filled(8, 0, 24, i + 1);
        movgc_set(H, pop_get(&p, i), 0, y); /* old -> young: remembered */
    }
    for (size_t i = 0; i < n; i++)
        if (dead_runs(i) || i % 97 == 0)
            pop_set(&p, i, NULL);
    movgc_collect(H, MOVGC_FULL);
    for (size_t k = 0; k < 64; k++)
        SET_NEW(keep, k, tu_alloc_filled(9, 0, 48, k));
    for (int r = 0; r < 3; r++)
        movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_FULL);
    for (size_t k = 0; k < 64; k++)
        ck_assert(tu_check_fill(movgc_get(keep, k), k));
    for (size_t i = 0; i < n; i++) {
        void *o = pop_get(&p, i);
        if (dead_runs(i) || i % 97 == 0)
            ck_assert_ptr_null(o);
        else
            ck_assert(tu_check_fill(o, i));
    }
    movgc_pop_roots(H, 2);
}
END_TEST

/* A collection the policy runs (not asked for, no limit, no MOVGC_VERIFY)
 * gives the freed tail back after its pause, a step at each allocation's
 * slow path, while promotion takes pages back from the bottom of what is
 * still waiting; the holes it leaves are not filled.  Objects on both
 * sides keep their contents.  Under MOVGC_VERIFY in the environment the
 * tail goes back at once. */
START_TEST(test_compact_tail_given_back_after_the_pause)
{
    enum { OLD = 6000, BYTES = 6000, YOUNG = 4000 };
    movgc_config c = tu_config();
    movgc_heap_free(H);
    H = tu_heap_new(&c);
    ck_assert_ptr_nonnull(H);
    int verify = getenv("MOVGC_VERIFY") && getenv("MOVGC_VERIFY")[0] == '1';
    void *old = movgc_alloc(H, 1, OLD, 0), *young = NULL;
    ROOT(old);
    ROOT(young);
    for (size_t i = 0; i < OLD; i++)
        SET_NEW(old, i, tu_alloc_filled(2, 0, BYTES, i));
    movgc_collect(H, MOVGC_FULL);
    movgc_stats st0 = stats_of();
    for (size_t i = 0; i < OLD; i++)  /* one in sixteen stays */
        if (i % 16)
            movgc_set(H, old, i, NULL);
    movgc_testing_policy_full(H);
    movgc_stats st1 = stats_of();
    if (verify)
        ck_assert_uint_lt(st1.heap_bytes, st0.heap_bytes / 2);
    else  /* still held: it goes back after the pause */
        ck_assert_uint_gt(st1.heap_bytes, st0.heap_bytes / 2);
    /* young survivors promoted while the tail waits take pages back */
    young = movgc_alloc(H, 1, YOUNG, 0);
    for (size_t k = 0; k < YOUNG; k++)
        SET_NEW(young, k, tu_alloc_filled(3, 0, 1000, OLD + k));
    movgc_collect(H, MOVGC_MINOR);
    movgc_collect(H, MOVGC_MINOR);
    for (size_t k = 0; k < 2000 && stats_of().heap_bytes >= st0.heap_bytes / 2; k++)
        tu_alloc_filled(4, 0, 4000, k);
    ck_assert_uint_lt(stats_of().heap_bytes, st0.heap_bytes / 2);
    movgc_collect(H, MOVGC_FULL);
    for (size_t i = 0; i < OLD; i++) {
        void *o = movgc_get(old, i);
        if (i % 16)
            ck_assert_ptr_null(o);
        else
            ck_assert(tu_check_fill(o, i));
    }
    for (size_t k = 0; k < YOUNG; k++)
        ck_assert(tu_check_fill(movgc_get(young, k), OLD + k));
    movgc_pop_roots(H, 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compact");
    TCase *tc = tu_tcase("in place");
    tcase_add_test(tc, test_compact_dense_space_stays_in_place);
    tcase_add_test(tc, test_compact_remembered_dead_in_kept_space);
    tcase_add_test(tc, test_compact_gaps_keep_the_pages_promotion_fills);
    tcase_add_test(tc, test_compact_whole_free_pages_do_not_move);
    tcase_add_test(tc, test_compact_first_gap_given_back);
    suite_add_tcase(s, tc);
    tc = tu_tcase("moving");
    tcase_add_test(tc, test_compact_sparse_space_slides);
    tcase_add_test(tc, test_compact_stranded_free_space_slides);
    tcase_add_test(tc, test_compact_asked_collection_compacts_sooner);
    tcase_add_test(tc, test_compact_dense_kept_sparse_slid);
    tcase_add_test(tc, test_compact_tail_given_back_after_the_pause);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}

/* moving.c -- watch objects move under the host's feet while roots and
 * handles keep every reference right.  Built as examples/moving; run by
 * `./quickstart demo` until the benchmark demo exists. */
#include <movgc.h>
#include <stdio.h>
#include <string.h>

enum { T_CELL = 1, T_JUNK = 2 };

/* A cell: slot 0 = next cell, raw bytes = a long value. */
static void *cons(movgc_heap *h, long value, void *next) {
    void *cell = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, next);
    cell = movgc_alloc(h, T_CELL, 1, sizeof(long));
    *(long *)movgc_data(cell) = value;
    movgc_set(h, cell, 0, next);  /* next was updated if the alloc moved it */
    MOVGC_RETURN(h, cell);
}

static long sum(void *list) {
    long s = 0;
    for (void *c = list; c; c = movgc_get(c, 0))
        s += *(long *)movgc_data(c);
    return s;
}

static void churn(movgc_heap *h, int n) {
    for (int i = 0; i < n; i++)
        memset(movgc_data(movgc_alloc(h, T_JUNK, 0, 48)), i, 48);
}

int main(void) {
    movgc_heap *h = movgc_heap_new(NULL);
    if (!h)
        return 1;
    void *list = NULL;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, list);

    for (long i = 1; i <= 1000; i++) {
        list = cons(h, i, list);
        churn(h, 50);  /* garbage between the cells: fragmentation */
    }
    printf("built a 1000-cell list in the nursery at %p, sum %ld\n", list, sum(list));

    void *before = list;
    movgc_collect(h, MOVGC_MINOR);
    printf("minor collection: the head moved %p -> %p (copied%s), sum %ld\n",
           before, list, list != before ? "" : "? no", sum(list));

    movgc_handle hd = movgc_handle_new(h, list);
    movgc_collect(h, MOVGC_FULL);
    printf("full collection: promoted to the old space; handle says %p, root says %p\n",
           movgc_handle_get(h, hd), list);

    void *pinned = movgc_pin(h, hd);
    churn(h, 200000);
    movgc_collect(h, MOVGC_FULL);
    printf("pinned at %p; after 200000 allocations and a full collection it is at %p\n",
           pinned, movgc_handle_get(h, hd));
    movgc_unpin(h, hd);
    movgc_handle_free(h, hd);

    uint64_t id = movgc_identity_hash(h, list);
    churn(h, 100000);
    movgc_collect(h, MOVGC_FULL);
    printf("identity hash %016llx before moves, %016llx after\n",
           (unsigned long long)id, (unsigned long long)movgc_identity_hash(h, list));

    movgc_stats st;
    movgc_get_stats(h, &st, sizeof st);
    printf("stats: %llu minor + %llu full collections, %llu KiB allocated, "
           "%llu KiB promoted, %llu KiB compacted, %zu KiB live, %zu KiB held, "
           "max pause %.3f ms\n",
           (unsigned long long)st.minor_collections,
           (unsigned long long)st.full_collections,
           (unsigned long long)(st.bytes_allocated >> 10),
           (unsigned long long)(st.bytes_promoted >> 10),
           (unsigned long long)(st.bytes_compacted >> 10), st.live_bytes >> 10,
           st.heap_bytes >> 10, (double)st.max_pause_ns / 1e6);
    long s = sum(list);
    MOVGC_UNFRAME(h);
    movgc_heap_free(h);
    printf("sum is still %ld: %s\n", s, s == 500500 ? "correct" : "WRONG");
    return s == 500500 ? 0 : 1;
}

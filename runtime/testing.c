/* testing.c -- test-only hooks exported for movgc's own test programs. */
#include "movgc_testing.h"

#include "heap.h"
#include "vm.h"

void movgc_testing_fail_nth_mapping(unsigned long n) { mg_vm_fail_nth(n); }

size_t movgc_testing_nursery_size(movgc_heap *h) { return h->nursery.size; }

int movgc_testing_is_young_large(movgc_heap *h, const void *obj) {
    return mg_is_young(h, obj) && !mg_in_nursery(h, obj);
}

void movgc_testing_policy_full(movgc_heap *h) {
    mg_heap_full(h);
    mg_final_run(h);
}

size_t movgc_testing_full_reach(movgc_heap *h) { return mg_heap_gap_reach(h); }

size_t movgc_testing_gaps_ahead(movgc_heap *h) {
    return h->old.ngaps - h->old.next_gap;
}

int movgc_testing_gap(movgc_heap *h, size_t i, void **lo, size_t *bytes,
                      size_t *discarded) {
    if (i >= movgc_testing_gaps_ahead(h))
        return 0;
    const struct gap *g = &h->old.gaps[h->old.next_gap + i];
    *lo = g->lo;
    *bytes = (size_t)(g->hi - g->lo);
    *discarded = g->discarded;
    return 1;
}

int movgc_testing_mark_begin(movgc_heap *h) {
    if (h->im)
        return 0;
    mg_heap_minor(h, false);
    return mg_incmark_start(h);
}

int movgc_testing_mark_step(movgc_heap *h, size_t bytes) {
    if (!h->im)
        return 0;
    mg_incmark_slice(h, bytes);
    return h->im->ready;
}

int movgc_testing_marking(movgc_heap *h) { return h->im != NULL; }

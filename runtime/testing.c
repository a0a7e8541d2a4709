/* testing.c -- test-only hooks exported for movgc's own test programs. */
#include "movgc_testing.h"

#include "heap.h"
#include "vm.h"

void movgc_testing_fail_nth_mapping(unsigned long n) { mg_vm_fail_nth(n); }

size_t movgc_testing_nursery_size(movgc_heap *h) { return h->nursery.size; }

int movgc_testing_is_young_large(movgc_heap *h, const void *obj) {
    return mg_is_young(h, obj) && !mg_in_nursery(h, obj);
}

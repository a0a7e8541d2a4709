/* testing.c -- test-only hooks exported for movgc's own test programs. */
#include "movgc_testing.h"

#include "vm.h"

void movgc_testing_fail_nth_mapping(unsigned long n) { mg_vm_fail_nth(n); }

/* vm.h -- the collector's only door to the OS's virtual memory.
 * Every mapping call goes through here so tests can make the Nth one fail. */
#ifndef MG_VM_H
#define MG_VM_H

#include <stdbool.h>
#include <stddef.h>

size_t mg_vm_page(void);
/* Reserve address space, inaccessible and uncommitted.  NULL on failure. */
void *mg_vm_reserve(size_t bytes);
/* Make part of a reservation usable (zero-filled).  false on failure. */
bool mg_vm_commit(void *addr, size_t bytes);
/* Give the pages back to the OS and make them inaccessible again. */
void mg_vm_decommit(void *addr, size_t bytes);
/* Give the pages of a committed range back to the OS but keep it usable:
 * it reads as zero until written again. */
void mg_vm_discard(void *addr, size_t bytes);
/* Fault in the pages of a committed range (rounded out to whole pages)
 * that is about to be written, in one call: a trap per page costs several
 * times more, most of all in a virtual machine.  A hint only: where the OS
 * cannot do it, the pages are faulted in on first write as before. */
void mg_vm_populate(void *addr, size_t bytes);
/* A fresh read-write zeroed mapping.  NULL on failure. */
void *mg_vm_map(size_t bytes);
/* The same with its pages faulted in at once: for tables that will be
 * written all over soon, where a fault per page costs more than zeroing. */
void *mg_vm_map_filled(size_t bytes);
void mg_vm_unmap(void *addr, size_t bytes);

/* Test hook: the nth mapping call from now fails (0: none fail).
 * Declared for the tests in movgc_testing.h. */
void mg_vm_fail_nth(unsigned long n);

#endif

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
/* A fresh read-write zeroed mapping.  NULL on failure. */
void *mg_vm_map(size_t bytes);
void mg_vm_unmap(void *addr, size_t bytes);
/* Move the pages of [src, src+bytes) to dst, an existing read-write mapping
 * of at least that size, without copying them; src stays mapped and reads
 * as zero.  Falls back to a copy (and clearing src) where the OS cannot
 * move pages.  Never fails. */
void mg_vm_move(void *dst, void *src, size_t bytes);
/* Drop the pages of a read-write range: it stays usable and reads as zero. */
void mg_vm_release(void *addr, size_t bytes);

/* Test hook: the nth mapping call from now fails (0: none fail).
 * Declared for the tests in movgc_testing.h. */
void mg_vm_fail_nth(unsigned long n);

#endif

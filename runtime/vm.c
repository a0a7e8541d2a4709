/* vm.c -- mmap, mprotect and madvise for the collector, with fault injection.
 * Failures of reserve/commit/map are reported to the caller, which turns them
 * into MOVGC_E_NOMEM; decommit and unmap cannot fail in a way we can use. */
#include "vm.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned long fail_countdown;  /* 0: off; 1: the next call fails */

void mg_vm_fail_nth(unsigned long n) { fail_countdown = n; }

/* true when fault injection says this mapping call must fail */
static bool injected_failure(void) {
    if (fail_countdown == 0)
        return false;
    return --fail_countdown == 0;
}

/* Heaps on different threads may ask first at the same time: the cache is
 * atomic (each stores the same value). */
size_t mg_vm_page(void) {
    static size_t page;
    size_t p = __atomic_load_n(&page, __ATOMIC_RELAXED);
    if (p == 0) {
        p = (size_t)sysconf(_SC_PAGESIZE);
        __atomic_store_n(&page, p, __ATOMIC_RELAXED);
    }
    return p;
}

void *mg_vm_reserve(size_t bytes) {
    if (injected_failure())
        return NULL;
    void *p = mmap(NULL, bytes, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

bool mg_vm_commit(void *addr, size_t bytes) {
    if (injected_failure())
        return false;
    return mprotect(addr, bytes, PROT_READ | PROT_WRITE) == 0;
}

void mg_vm_decommit(void *addr, size_t bytes) {
    /* Replacing the range drops its pages at once and leaves it PROT_NONE,
     * so a stale pointer into released memory faults instead of reading. */
    mmap(addr, bytes, PROT_NONE,
         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

void *mg_vm_map(size_t bytes) {
    if (injected_failure())
        return NULL;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *mg_vm_map_filled(size_t bytes) {
    if (injected_failure())
        return NULL;
#ifdef MAP_POPULATE
    int populate = MAP_POPULATE;
#else
    int populate = 0;
#endif
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | populate, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void mg_vm_unmap(void *addr, size_t bytes) { munmap(addr, bytes); }

void mg_vm_discard(void *addr, size_t bytes) {
    /* Private anonymous memory reads as zero after this, and is faulted in
     * again on the next write. */
    madvise(addr, bytes, MADV_DONTNEED);
}

void mg_vm_populate(void *addr, size_t bytes) {
#ifdef MADV_POPULATE_WRITE
    /* Kernels before 5.14 refuse it (EINVAL): one cheap call per use. */
    uintptr_t page = mg_vm_page();
    uintptr_t lo = (uintptr_t)addr & ~(page - 1);
    uintptr_t hi = ((uintptr_t)addr + bytes + page - 1) & ~(page - 1);
    if (lo < hi)
        madvise((void *)lo, (size_t)(hi - lo), MADV_POPULATE_WRITE);
#else
    (void)addr, (void)bytes;
#endif
}

/* protect.c -- catching raw pointers used after their object moved.
 * Under MOVGC_PROTECT=1 (or MOVGC_VERIFY) the semispace a minor collection
 * evacuated is mprotect'ed PROT_NONE until the next collection copies into
 * it, and a full collection releases the old space's whole free tail (the
 * pages are decommitted, PROT_NONE) instead of keeping slack.  A SIGSEGV
 * handler, on an alternate stack, looks the faulting address up in the
 * heaps it knows and prints what was touched and which collection moved
 * it, then aborts; other faults go to the previous handler.
 * Cost: two mprotect calls per collection (each splits or merges a
 * mapping and flushes the TLB for the semispace: tens of microseconds for
 * a 4 MiB nursery), and after a full collection every promotion past the
 * top commits pages again (a system call per MiB).  Objects that
 * compaction slides over the old address are not caught: only memory
 * nothing uses yet is protected.
 * [protect.range] while on, [young_lo, young_hi) is the evacuated
 *   semispace's used part, page aligned, and inaccessible; empty during a
 *   collection. */
#include "protect.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "heap.h"
#include "vm.h"

#define MAX_HEAPS 64
#define ALT_STACK ((size_t)64 << 10)

static _Atomic(movgc_heap *) heaps[MAX_HEAPS];
static atomic_flag installed = ATOMIC_FLAG_INIT;
static struct sigaction previous;
static _Thread_local bool has_alt_stack;

/* ======================================================== fault handler */

/* write(2) only: nothing else is safe in a signal handler. */
static void put(const char *s) {
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

static void put_num(uint64_t v, unsigned base) {
    char buf[24], *p = buf + sizeof buf;
    *--p = '\0';
    do {
        *--p = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (base == 16)
        put("0x");
    put(p);
}

static void report(const char *addr, const char *where, const char *kind,
                   uint64_t number, const char *what) {
    put("movgc: access to ");
    put_num((uintptr_t)addr, 16);
    put(where);
    put(kind);
    put(" collection ");
    put_num(number, 10);
    put(what);
    abort();
}

static void check_heap(movgc_heap *h, const char *addr) {
    struct protect *p = &h->protect;
    if (addr >= p->young_lo && addr < p->young_hi)
        report(addr, ", in nursery memory that the ", p->young_kind,
               p->young_number,
               " evacuated: its object was moved (or died) there.  A raw "
               "object pointer was kept across a call that may collect "
               "(movgc_alloc, movgc_collect, movgc_pin...); keep it in a root "
               "or a handle and read it again after the call.\n");
    if (addr >= h->old.end && addr < p->old_hi)
        report(addr, ", in old-space memory that the ", p->old_kind,
               p->old_number,
               " freed: compaction moved the object that was there (or it "
               "died).  A raw object pointer was kept across a call that may "
               "collect, or used after movgc_unpin.\n");
}

static void on_fault(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    const char *addr = si->si_addr;
    for (int i = 0; i < MAX_HEAPS; i++) {
        movgc_heap *h = atomic_load_explicit(&heaps[i], memory_order_acquire);
        if (h)
            check_heap(h, addr);
    }
    /* Not ours: the previous handler gets the fault when it recurs. */
    sigaction(sig, &previous, NULL);
}

static void install_handler(void) {
    if (atomic_flag_test_and_set(&installed))
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &previous);
}

/* A stack overflow must still print: give the thread an alternate stack
 * unless it has one. */
static void install_alt_stack(void) {
    stack_t cur;
    if (has_alt_stack || sigaltstack(NULL, &cur) != 0)
        return;
    has_alt_stack = true;
    if (!(cur.ss_flags & SS_DISABLE))
        return;
    void *mem = mg_vm_map(ALT_STACK);  /* kept for the thread's life */
    if (!mem)
        return;
    stack_t ss = {.ss_sp = mem, .ss_size = ALT_STACK, .ss_flags = 0};
    sigaltstack(&ss, NULL);
}

/* ============================================================ the heaps */

void mg_protect_init(movgc_heap *h) {
    if (!(h->cfg.flags & (MOVGC_PROTECT | MOVGC_VERIFY)))
        return;
    h->protect.on = true;
    install_handler();
    install_alt_stack();
    for (int i = 0; i < MAX_HEAPS; i++) {
        movgc_heap *none = NULL;
        if (atomic_compare_exchange_strong(&heaps[i], &none, h))
            return;
    }
    /* more heaps than slots: protected all the same, reported as a plain
     * fault */
}

void mg_protect_thread(movgc_heap *h) {
    if (h->protect.on)
        install_alt_stack();
}

static void open_young(movgc_heap *h) {
    struct protect *p = &h->protect;
    if (p->young_hi > p->young_lo)
        mprotect(p->young_lo, (size_t)(p->young_hi - p->young_lo),
                 PROT_READ | PROT_WRITE);
    p->young_lo = p->young_hi = NULL;
}

void mg_protect_free(movgc_heap *h) {
    if (!h->protect.on)
        return;
    open_young(h);
    for (int i = 0; i < MAX_HEAPS; i++) {
        movgc_heap *me = h;
        if (atomic_compare_exchange_strong(&heaps[i], &me, NULL))
            return;
    }
}

void mg_protect_begin(movgc_heap *h, const char *kind) {
    struct protect *p = &h->protect;
    if (!p->on)
        return;
    open_young(h);
    p->kind = kind;
    bool full = strcmp(kind, "full") == 0;
    p->number = (full ? h->stats.full_collections : h->stats.minor_collections) + 1;
    if (full) {
        if (h->old.top > p->old_hi)
            p->old_hi = h->old.top;
    }
}

void mg_protect_end(movgc_heap *h) {
    struct protect *p = &h->protect;
    if (!p->on)
        return;
    struct nursery *n = &h->nursery;
    size_t page = mg_vm_page();
    /* [protect.range]: 'to' is empty now [nursery.empty] */
    p->young_lo = n->to;
    p->young_hi = n->to + ((n->size + page - 1) & ~(page - 1));
    if (mprotect(p->young_lo, (size_t)(p->young_hi - p->young_lo), PROT_NONE) != 0)
        p->young_lo = p->young_hi = NULL;
    p->young_kind = p->kind;
    p->young_number = p->number;
    if (strcmp(p->kind, "full") == 0) {
        mg_old_trim(h, 0);  /* the free tail becomes inaccessible */
        p->old_kind = p->kind;
        p->old_number = p->number;
    }
}

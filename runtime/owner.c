/* owner.c -- thread ownership of heaps: a heap is used by one thread at a
 * time, the one that created it or last adopted it; any other thread's call
 * is MOVGC_E_MISUSE.  The token is compared with a relaxed load: the owner
 * reads what it stored itself, and a hand-over is ordered by the program
 * (movgc_heap_adopt documents that), so only a racing misuse can read a
 * stale token, and then it still differs from the caller's. */
#include "owner.h"

#include "error.h"
#include "heap.h"

_Thread_local char mg_owner_token;

void mg_owner_init(movgc_heap *h) {
    atomic_store_explicit(&h->owner, mg_owner_self(), memory_order_relaxed);
}

bool mg_owner_fail(movgc_heap *h, const char *op) {
    mg_error(h, MOVGC_E_MISUSE,
             "%s: heap %p is used from a thread that does not own it (a heap "
             "belongs to the thread that created it; hand it over with "
             "movgc_heap_adopt)", op, (void *)h);
    return false;
}

void movgc_heap_adopt(movgc_heap *h) {
    atomic_store_explicit(&h->owner, mg_owner_self(), memory_order_release);
    mg_protect_thread(h);
}

/* owner.h -- the one thread that may use a heap, checked on the slow paths.
 * [owner.one] h->owner is the token of the thread that created h or last
 *   called movgc_heap_adopt on it; every entry point that is not an inline
 *   fast path compares it with the calling thread's token. */
#ifndef MG_OWNER_H
#define MG_OWNER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "movgc.h"

/* A thread's token: the address of a thread-local byte, distinct between
 * the threads alive at any moment. */
extern _Thread_local char mg_owner_token;

static inline uintptr_t mg_owner_self(void) { return (uintptr_t)&mg_owner_token; }

/* Make the calling thread h's owner. */
void mg_owner_init(movgc_heap *h);
/* Report MOVGC_E_MISUSE naming 'op'; false (when on_error returns). */
bool mg_owner_fail(movgc_heap *h, const char *op);

#endif

/* bk.h -- the backend interface every benchmark workload is written against.
 * One workload source is compiled once per backend: BK_MOVGC, BK_BOEHM or
 * BK_MALLOC (glibc, jemalloc or mimalloc, chosen at run time by LD_PRELOAD).
 *
 * Object model, the same for every backend (movgc's, docs/object-model.md):
 * an 8-byte header, then nrefs reference slots, then nbytes raw bytes.  The
 * object pointer is the address of slot 0.  Slots of a new object are NULL; raw
 * bytes are unspecified (workloads write every byte they later read).
 *
 * The rules a workload follows so that one source is right on every backend:
 *  [bk.root]  a pointer kept across a call that may allocate lives in a
 *             rooted local (BK_ROOT) or in a slot of a rooted object; after
 *             the call it is re-read from there (movgc moves objects).
 *  [bk.set]   reference slots are written only with bk_set (write barrier).
 *  [bk.drop]  when the program is done with a tree it calls bk_drop_tree:
 *             malloc frees it (as a real program must), collectors do nothing.
 */
#ifndef BK_H
#define BK_H

#include <stddef.h>
#include <stdint.h>

/* Bytes an object of this shape takes in the object model, header included:
 * what workloads count as live data (the same figure on every backend). */
static inline size_t bk_objsize(size_t nrefs, size_t nbytes) {
    return 8 + 8 * nrefs + ((nbytes + 7) & ~(size_t)7);
}

/* Pause record of one collection, for the pauses workload. */
typedef struct bk_pause {
    int full;          /* 1 full / major, 0 minor, BK_SLICE: a slice of an
                          incremental marking (movgc) with no collection */
    uint64_t ns;       /* pause length */
    uint64_t live;     /* full: live bytes it found (0 if unknown) */
} bk_pause;
#define BK_SLICE 2

#if defined(BK_MOVGC)
#include "bk_movgc.h"
#elif defined(BK_BOEHM)
#include "bk_boehm.h"
#elif defined(BK_MALLOC)
#include "bk_malloc.h"
#else
#error "define one of BK_MOVGC, BK_BOEHM, BK_MALLOC"
#endif

/* Every backend header defines:
 *   const char *bk_backend(void)           name: movgc, boehm, glibc, ...
 *   void  bk_init(void), bk_fini(void)
 *   void *bk_alloc(unsigned tag, size_t nrefs, size_t nbytes)   may collect
 *   void *bk_get(void *obj, size_t i)
 *   void  bk_set(void *obj, size_t i, void *val)
 *   void *bk_data(void *obj)
 *   size_t bk_nrefs(void *obj), bk_nbytes(void *obj); unsigned bk_tag(void *obj)
 *   void  bk_drop_tree(void *obj)          [bk.drop]
 *   BK_ROOT(var), BK_UNROOT(n)             shadow-stack rooting of void * locals
 *   bk_handle, bk_handle_new/get/free      an indirection that survives moves
 *   void  bk_collect_full(void)            an explicit full collection
 *   size_t bk_pauses_take(bk_pause *out, size_t max)   collections since last call
 *   void  bk_describe(char *buf, size_t n) backend facts for the RESULT line
 */
#endif /* BK_H */

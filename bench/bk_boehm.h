/* bk_boehm.h -- backend: Boehm GC, GC_MALLOC for objects with slots and
 * GC_MALLOC_ATOMIC for those without.  Objects carry the bk_hdr.h header. */
#ifndef BK_BOEHM_H
#define BK_BOEHM_H

#include <gc.h>
#include "bk_hdr.h"

const char *bk_backend(void);
void bk_init(void);
void bk_fini(void);
void bk_describe(char *buf, size_t n);
size_t bk_pauses_take(bk_pause *out, size_t max);

static inline void *bk_alloc(unsigned tag, size_t nrefs, size_t nbytes) {
    size_t size = 8 + 8 * nrefs + nbytes;
    /* GC_MALLOC clears the object, so the slots start NULL. */
    uint64_t *p = (uint64_t *)(nrefs ? GC_MALLOC(size) : GC_MALLOC_ATOMIC(size));
    if (!p) {
        fprintf(stderr, "bench: out of memory\n");
        abort();
    }
    p[0] = bk_hdr_make(tag, nrefs, nbytes);
    return p + 1;
}

static inline void bk_free(void *obj) { (void)obj; }
static inline void bk_drop_tree(void *obj) { (void)obj; }
static inline void bk_collect_full(void) { GC_gcollect(); }

#endif /* BK_BOEHM_H */

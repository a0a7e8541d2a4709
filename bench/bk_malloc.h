/* bk_malloc.h -- backend: malloc/free of the process (glibc, or jemalloc or
 * mimalloc through LD_PRELOAD).  Objects carry the bk_hdr.h header. */
#ifndef BK_MALLOC_H
#define BK_MALLOC_H

#include <stdlib.h>
#include <string.h>
#include "bk_hdr.h"

const char *bk_backend(void);
void bk_init(void);
void bk_fini(void);
void bk_describe(char *buf, size_t n);
void bk_drop_tree(void *obj);

static inline void *bk_alloc(unsigned tag, size_t nrefs, size_t nbytes) {
    uint64_t *p = (uint64_t *)malloc(8 + 8 * nrefs + nbytes);
    if (!p) {
        fprintf(stderr, "bench: out of memory\n");
        abort();
    }
    p[0] = bk_hdr_make(tag, nrefs, nbytes);
    memset(p + 1, 0, 8 * nrefs);       /* slots NULL; raw bytes left as they are */
    return p + 1;
}

/* Free one object (not what it points to). */
static inline void bk_free(void *obj) { free((uint64_t *)obj - 1); }

static inline void bk_collect_full(void) {}

static inline size_t bk_pauses_take(bk_pause *out, size_t max) {
    (void)out, (void)max;
    return 0;
}

#endif /* BK_MALLOC_H */

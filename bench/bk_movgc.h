/* bk_movgc.h -- backend: movgc, through its public API only (movgc.h).
 * One heap per process, created by bk_init with the environment's settings
 * (MOVGC_NURSERY, MOVGC_STRESS, ...). */
#ifndef BK_MOVGC_H
#define BK_MOVGC_H

#include <stdio.h>
#include <stdlib.h>
#include "movgc.h"

extern movgc_heap *bk_h;

const char *bk_backend(void);
void bk_init(void);
void bk_fini(void);
void bk_describe(char *buf, size_t n);
size_t bk_pauses_take(bk_pause *out, size_t max);

static inline void *bk_alloc(unsigned tag, size_t nrefs, size_t nbytes) {
    void *obj = movgc_alloc(bk_h, tag, nrefs, nbytes);
    if (!obj) {
        fprintf(stderr, "bench: movgc_alloc failed: %s\n",
                movgc_strerror(movgc_last_error(bk_h)));
        abort();
    }
    return obj;
}

static inline void bk_free(void *obj) { (void)obj; }
static inline void bk_drop_tree(void *obj) { (void)obj; }
static inline void *bk_get(void *obj, size_t i) { return movgc_get(obj, i); }
static inline void bk_set(void *obj, size_t i, void *val) { movgc_set(bk_h, obj, i, val); }
static inline void *bk_data(void *obj) { return movgc_data(obj); }
static inline size_t bk_nrefs(void *obj) { return movgc_nrefs(obj); }
static inline size_t bk_nbytes(void *obj) { return movgc_nbytes(obj); }
static inline unsigned bk_tag(void *obj) { return movgc_tag(obj); }
static inline void bk_collect_full(void) { movgc_collect(bk_h, MOVGC_FULL); }

#define BK_ROOT(var) movgc_push_root(bk_h, (void **)(void *)&(var))
#define BK_UNROOT(n) movgc_pop_roots(bk_h, (n))

typedef movgc_handle bk_handle;
static inline bk_handle bk_handle_new(void *obj) { return movgc_handle_new(bk_h, obj); }
static inline void *bk_handle_get(bk_handle hd) { return movgc_handle_get(bk_h, hd); }
static inline void bk_handle_free(bk_handle hd) { movgc_handle_free(bk_h, hd); }

#endif /* BK_MOVGC_H */

/* bk_hdr.h -- the 8-byte object header the malloc and Boehm backends put
 * before slot 0, so that they carry the same object model as movgc.
 * Layout: bits 0..15 tag, 16..39 nrefs, 40..63 nbytes (each < 2^24). */
#ifndef BK_HDR_H
#define BK_HDR_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BK_HDR_FIELD_MAX ((size_t)1 << 24)

static inline uint64_t bk_hdr_make(unsigned tag, size_t nrefs, size_t nbytes) {
    if (nrefs >= BK_HDR_FIELD_MAX || nbytes >= BK_HDR_FIELD_MAX || tag > 0xFFFFu) {
        fprintf(stderr, "bench: object shape too large for the header\n");
        abort();
    }
    return (uint64_t)tag | (uint64_t)nrefs << 16 | (uint64_t)nbytes << 40;
}

static inline uint64_t bk_hdr(const void *obj) {
    return ((const uint64_t *)obj)[-1];
}

static inline size_t bk_nrefs(void *obj) {
    return (size_t)(bk_hdr(obj) >> 16) & (BK_HDR_FIELD_MAX - 1);
}

static inline size_t bk_nbytes(void *obj) { return (size_t)(bk_hdr(obj) >> 40); }

static inline unsigned bk_tag(void *obj) { return (unsigned)(bk_hdr(obj) & 0xFFFFu); }

static inline void *bk_get(void *obj, size_t i) { return ((void **)obj)[i]; }

static inline void bk_set(void *obj, size_t i, void *val) { ((void **)obj)[i] = val; }

static inline void *bk_data(void *obj) { return (char *)obj + 8 * bk_nrefs(obj); }

/* Non-moving backends need no rooting: the collector (Boehm) scans the C
 * stack conservatively, and malloc never frees behind the program's back. */
#define BK_ROOT(var) ((void)0)
#define BK_UNROOT(n) ((void)0)

/* Handles: an index into a table of raw pointers (a master-pointer table),
 * the cheapest indirection a non-moving heap would use.  The table memory
 * comes from the backend ('bk_htab_grow'). */
typedef struct { uint32_t i; } bk_handle;
extern void **bk_htab;
extern uint32_t bk_htab_len, bk_htab_cap, bk_htab_free;
void bk_htab_grow(void);

static inline bk_handle bk_handle_new(void *obj) {
    bk_handle hd;
    if (bk_htab_free) {                 /* free list threaded through the table */
        hd.i = bk_htab_free;
        bk_htab_free = (uint32_t)(uintptr_t)bk_htab[hd.i];
    } else {
        if (bk_htab_len + 1 >= bk_htab_cap)
            bk_htab_grow();
        hd.i = ++bk_htab_len;           /* index 0 stays the null handle */
    }
    bk_htab[hd.i] = obj;
    return hd;
}

static inline void *bk_handle_get(bk_handle hd) { return bk_htab[hd.i]; }

static inline void bk_handle_free(bk_handle hd) {
    bk_htab[hd.i] = (void *)(uintptr_t)bk_htab_free;
    bk_htab_free = hd.i;
}

#endif /* BK_HDR_H */

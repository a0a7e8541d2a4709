/* object.h -- the object header and sizes, shared by every collector module.
 * Layout of the header word: see "internals of the inline paths" in movgc.h. */
#ifndef MG_OBJECT_H
#define MG_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movgc.h"

/* Collector flags in bits 0..7 of the header. */
#define HDR_FWD 0x1u         /* nursery forwarding word: rest is the new obj */
#define HDR_REMEMBERED MOVGC_HDR_REMEMBERED_ /* old obj is in the remset */
#define HDR_HASHED 0x4u      /* has an identity-hash table entry */
#define HDR_FINAL 0x8u       /* has a finalizer registered */
#define HDR_FILLER 0x10u     /* free gap in the old space, not an object */
#define HDR_AGE_SHIFT 5      /* bits 5..7: minor collections survived */
#define HDR_AGE_MAX 7u
#define HDR_FLAGS_MASK 0xFFu

#define MG_WORD 8u
#define MG_BIG_PREFIX 16u    /* nrefs and nbytes words before a big header */

static inline uint64_t *mg_hdr(void *obj) { return (uint64_t *)obj - 1; }

static inline size_t mg_align8(size_t n) { return (n + 7) & ~(size_t)7; }

/* A header for a new object; sizes that do not fit the fields are escaped
 * and the caller stores them in the prefix (mg_obj_set_big). */
static inline uint64_t mg_hdr_make(unsigned tag, size_t nrefs, size_t nbytes) {
    if (nrefs >= MOVGC_HDR_BIG_ || nbytes >= MOVGC_HDR_BIG_)
        nrefs = nbytes = MOVGC_HDR_BIG_;
    return ((uint64_t)tag << MOVGC_HDR_TAG_SHIFT_) |
           ((uint64_t)nrefs << MOVGC_HDR_NREFS_SHIFT_) |
           ((uint64_t)nbytes << MOVGC_HDR_NBYTES_SHIFT_);
}

static inline bool mg_hdr_is_big(uint64_t hdr) {
    return ((hdr >> MOVGC_HDR_NREFS_SHIFT_) & MOVGC_HDR_FIELD_MAX_) ==
           MOVGC_HDR_BIG_;
}

static inline unsigned mg_hdr_age(uint64_t hdr) {
    return (unsigned)(hdr >> HDR_AGE_SHIFT) & HDR_AGE_MAX;
}

static inline uint64_t mg_hdr_with_age(uint64_t hdr, unsigned age) {
    return (hdr & ~((uint64_t)HDR_AGE_MAX << HDR_AGE_SHIFT)) |
           ((uint64_t)age << HDR_AGE_SHIFT);
}

/* Bytes of an object with these sizes, header included, big prefix not. */
static inline size_t mg_size_of(size_t nrefs, size_t nbytes) {
    return MG_WORD + MG_WORD * nrefs + mg_align8(nbytes);
}

/* Size of a small (non-big) object or filler from its header alone. */
static inline size_t mg_hdr_size(uint64_t hdr) {
    size_t nrefs = (size_t)(hdr >> MOVGC_HDR_NREFS_SHIFT_) & MOVGC_HDR_FIELD_MAX_;
    size_t nbytes = (size_t)(hdr >> MOVGC_HDR_NBYTES_SHIFT_);
    return mg_size_of(nrefs, nbytes);
}

static inline size_t mg_obj_size(const void *obj) {
    return mg_size_of(movgc_nrefs(obj), movgc_nbytes(obj));
}

static inline void **mg_slots(void *obj) { return (void **)obj; }

/* Largest filler one header can describe. */
#define MG_FILLER_MAX (MG_WORD + (size_t)(MOVGC_HDR_BIG_ - 1) / 8 * 8)

/* Turn [start, start+bytes) into fillers so a linear walk steps over it. */
static inline void mg_fill(char *start, size_t bytes) {
    while (bytes > 0) {
        size_t n = bytes < MG_FILLER_MAX ? bytes : MG_FILLER_MAX;
        *(uint64_t *)(void *)start =
            HDR_FILLER | ((uint64_t)(n - MG_WORD) << MOVGC_HDR_NBYTES_SHIFT_);
        start += n;
        bytes -= n;
    }
}

#endif

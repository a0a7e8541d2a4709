/* fused.c -- entry points for bindings that pay for every foreign call
 * (ctypes, cffi): each does in one call what takes a C program several
 * inline ones, and names objects by handle id only, so that the caller
 * never holds a raw address between two calls.
 * [fused.report] every failure is reported through mg_error exactly once,
 *   and the call then changes nothing. */
#include <string.h>

#include "error.h"
#include "handles.h"
#include "heap.h"

/* The object of handle id, or NULL after reporting why there is none:
 * a stale or forged id (MOVGC_E_STALE, reported by movgc_handle_get), the
 * null id, or a handle that holds no object (MOVGC_E_MISUSE). */
static void *target(movgc_heap *h, uint64_t id, const char *op) {
    if (id == 0) {
        mg_error(h, MOVGC_E_MISUSE, "%s: null handle", op);
        return NULL;
    }
    int saved = h->last_error;
    h->last_error = MOVGC_OK;
    void *obj = movgc_handle_get(h, (movgc_handle){id});
    if (obj) {
        h->last_error = saved;
        return obj;
    }
    if (h->last_error == MOVGC_OK) {  /* not stale: holds NULL */
        mg_error(h, MOVGC_E_MISUSE,
                 "%s: handle %#llx holds no object (set to NULL, or a "
                 "cleared weak handle)", op, (unsigned long long)id);
    }
    return NULL;
}

/* Slot index i of obj, checked. */
static bool slot_ok(movgc_heap *h, const void *obj, size_t i, const char *op) {
    size_t n = movgc_nrefs(obj);
    if (i < n)
        return true;
    mg_error(h, MOVGC_E_MISUSE, "%s: slot %zu of an object with %zu slots", op,
             i, n);
    return false;
}

/* Byte range [off, off + n) of obj, checked without overflow. */
static bool range_ok(movgc_heap *h, const void *obj, size_t off, size_t n,
                     const char *op) {
    size_t size = movgc_nbytes(obj);
    if (off <= size && n <= size - off)
        return true;
    mg_error(h, MOVGC_E_MISUSE,
             "%s: bytes [%zu, %zu + %zu) of an object with %zu bytes", op, off,
             off, n, size);
    return false;
}

/* A new strong handle's id for obj (not NULL), or 0 after the table failed
 * to grow (movgc_handle_new reported it). */
static uint64_t new_id(movgc_heap *h, void *obj) {
    return movgc_handle_new(h, obj).id;
}

uint64_t movgc_alloc_handle(movgc_heap *h, unsigned tag, size_t nrefs,
                            size_t nbytes) {
    void *obj = movgc_alloc(h, tag, nrefs, nbytes);
    return obj ? new_id(h, obj) : 0;
}

uint64_t movgc_alloc_bytes_handle(movgc_heap *h, unsigned tag,
                                  const void *data, size_t n) {
    void *obj = movgc_alloc(h, tag, 0, n);
    if (!obj)
        return 0;
    if (n)
        memcpy(movgc_data(obj), data, n);
    return new_id(h, obj);
}

uint64_t movgc_handle_slot(movgc_heap *h, uint64_t id, size_t i) {
    void *obj = target(h, id, "movgc_handle_slot");
    if (!obj || !slot_ok(h, obj, i, "movgc_handle_slot"))
        return 0;
    void *val = ((void **)obj)[i];
    return val ? new_id(h, val) : 0;
}

int movgc_handle_set_slot(movgc_heap *h, uint64_t id, size_t i, uint64_t val) {
    void *obj = target(h, id, "movgc_handle_set_slot");
    if (!obj || !slot_ok(h, obj, i, "movgc_handle_set_slot"))
        return h->last_error;
    void *v = NULL;
    if (val && !(v = target(h, val, "movgc_handle_set_slot")))
        return h->last_error;
    movgc_set(h, obj, i, v);
    return MOVGC_OK;
}

int movgc_handle_read(movgc_heap *h, uint64_t id, size_t off, void *buf,
                      size_t n) {
    void *obj = target(h, id, "movgc_handle_read");
    if (!obj || !range_ok(h, obj, off, n, "movgc_handle_read"))
        return h->last_error;
    if (n)
        memcpy(buf, (char *)movgc_data(obj) + off, n);
    return MOVGC_OK;
}

int movgc_handle_write(movgc_heap *h, uint64_t id, size_t off,
                       const void *buf, size_t n) {
    void *obj = target(h, id, "movgc_handle_write");
    if (!obj || !range_ok(h, obj, off, n, "movgc_handle_write"))
        return h->last_error;
    if (n)
        memcpy((char *)movgc_data(obj) + off, buf, n);
    return MOVGC_OK;
}

int movgc_handle_shape(movgc_heap *h, uint64_t id, movgc_shape *out) {
    void *obj = target(h, id, "movgc_handle_shape");
    if (!obj)
        return h->last_error;
    out->tag = movgc_tag(obj);
    out->nrefs = movgc_nrefs(obj);
    out->nbytes = movgc_nbytes(obj);
    return MOVGC_OK;
}

uint64_t movgc_handle_dup(movgc_heap *h, uint64_t id) {
    void *obj = movgc_handle_get(h, (movgc_handle){id});
    return obj ? new_id(h, obj) : 0;
}

uint64_t movgc_handle_value(movgc_heap *h, uint64_t id) {
    void *val = movgc_ephemeron_value(h, (movgc_handle){id});
    return val ? new_id(h, val) : 0;
}

int movgc_handle_same(movgc_heap *h, uint64_t a, uint64_t b) {
    return movgc_handle_get(h, (movgc_handle){a}) ==
           movgc_handle_get(h, (movgc_handle){b});
}

void movgc_handles_free(movgc_heap *h, const uint64_t *ids, size_t n) {
    for (size_t k = 0; k < n; k++)
        movgc_handle_free(h, (movgc_handle){ids[k]});
}

uint64_t movgc_handle_hash(movgc_heap *h, uint64_t id) {
    void *obj = target(h, id, "movgc_handle_hash");
    return obj ? movgc_identity_hash(h, obj) : 0;
}

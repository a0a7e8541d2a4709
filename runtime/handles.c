/* handles.c -- handles: a table of object slots that the collector treats as
 * roots (strong) or clears (weak), named by ids that are never reused.
 * [handles.id] an entry in use has id_ = (gen << 32) | (index + 1) with
 *   gen >= 1; a free entry has id_ = 0 and obj_ = NULL, so a freed or forged
 *   id never matches in movgc_handle_get's single compare.
 * [handles.gen] gen only grows; an entry whose gen would wrap is retired
 *   (never freed for reuse), so no id is ever handed out twice.
 * [handles.pin] pins > 0 only on entries in use holding an old or large
 *   object; the collector moves no such object.
 * [handles.shrink] entries above the highest in use may be dropped; every
 *   gen they handed out is below gen_floor, where entries made anew start. */
#include "handles.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "finalize.h"
#include "heap.h"

enum { KIND_FREE, KIND_STRONG, KIND_WEAK, KIND_EPHEMERON };

#define PIN_MAX UINT32_MAX

void mg_handles_free(movgc_heap *h) {
    struct handles *t = &h->handles;
    free(h->pub.handles_);
    free(t->gen);
    free(t->pins);
    free(t->values);
    free(t->kind);
    free(t->next_free);
}

/* Resize the array at *arr to cap elements of size bytes; on failure it
 * stays as it was (merely larger than the table's cap, if it grew). */
static bool resize(void **arr, uint32_t cap, size_t size) {
    void *p = realloc(*arr, (size_t)cap * size);
    if (p)
        *arr = p;
    return p != NULL;
}

static bool grow(movgc_heap *h) {
    struct handles *t = &h->handles;
    if (t->cap == UINT32_MAX - 1)
        return false;
    uint32_t cap = t->cap ? (t->cap > UINT32_MAX / 2 ? UINT32_MAX - 1 : t->cap * 2)
                          : 64;
    void *e = h->pub.handles_, *gen = t->gen, *pins = t->pins, *values = t->values,
         *kind = t->kind, *next = t->next_free;
    bool ok = resize(&e, cap, sizeof *h->pub.handles_);
    ok &= resize(&gen, cap, sizeof *t->gen);
    ok &= resize(&pins, cap, sizeof *t->pins);
    ok &= resize(&values, cap, sizeof *t->values);
    ok &= resize(&kind, cap, sizeof *t->kind);
    ok &= resize(&next, cap, sizeof *t->next_free);
    h->pub.handles_ = e;
    t->gen = gen;
    t->pins = pins;
    t->values = values;
    t->kind = kind;
    t->next_free = next;
    if (ok)
        t->cap = cap;
    return ok;
}

/* A fresh entry index, or UINT32_MAX when the table cannot grow. */
static uint32_t take_entry(movgc_heap *h) {
    struct handles *t = &h->handles;
    if (t->free_head) {
        uint32_t i = t->free_head - 1;
        t->free_head = t->next_free[i];
        return i;
    }
    if (h->pub.nhandles_ == t->cap && !grow(h))
        return UINT32_MAX;
    uint32_t i = h->pub.nhandles_++;
    t->gen[i] = t->gen_floor > 1 ? t->gen_floor : 1;  /* [handles.shrink] */
    return i;
}

static movgc_handle make(movgc_heap *h, void *obj, void *value, uint8_t kind) {
    uint32_t i = take_entry(h);
    if (i == UINT32_MAX) {
        mg_error(h, MOVGC_E_NOMEM, "handle table cannot grow");
        return (movgc_handle){0};
    }
    struct handles *t = &h->handles;
    uint64_t id = ((uint64_t)t->gen[i] << 32) | (i + 1u);
    h->pub.handles_[i] = (struct movgc_hentry_){.obj_ = obj, .id_ = id};
    t->pins[i] = 0;
    t->values[i] = value;
    t->kind[i] = kind;
    return (movgc_handle){id};
}

movgc_handle movgc_handle_new(movgc_heap *h, void *obj) {
    return make(h, obj, NULL, KIND_STRONG);
}

movgc_handle movgc_weak_new(movgc_heap *h, void *obj) {
    return make(h, obj, NULL, KIND_WEAK);
}

movgc_handle movgc_ephemeron_new(movgc_heap *h, void *key, void *value) {
    if (!key)
        value = NULL;  /* a dead key from the start */
    return make(h, key, value, KIND_EPHEMERON);
}

/* The entry index of a live id, or UINT32_MAX after reporting it stale.
 * Reads only inside the table whatever the id: [handles.id]. */
static uint32_t lookup(movgc_heap *h, movgc_handle hd, const char *op) {
    uint32_t index = (uint32_t)hd.id;
    if (index - 1u < h->pub.nhandles_ && h->pub.handles_[index - 1u].id_ == hd.id)
        return index - 1u;
    if (hd.id == 0)
        mg_error(h, MOVGC_E_STALE, "%s: null handle", op);
    else
        mg_error(h, MOVGC_E_STALE, "%s: handle %#llx is stale or forged", op,
                 (unsigned long long)hd.id);
    return UINT32_MAX;
}

void *movgc_handle_get_(movgc_heap *h, movgc_handle hd) {
    /* The inline path found no match: only the null handle is quiet. */
    if (hd.id != 0)
        lookup(h, hd, "movgc_handle_get");
    return NULL;
}

void *movgc_ephemeron_value(movgc_heap *h, movgc_handle hd) {
    uint32_t i = lookup(h, hd, "movgc_ephemeron_value");
    if (i == UINT32_MAX)
        return NULL;
    if (h->handles.kind[i] != KIND_EPHEMERON) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_ephemeron_value: not an ephemeron");
        return NULL;
    }
    return h->handles.values[i];
}

void movgc_handle_set(movgc_heap *h, movgc_handle hd, void *obj) {
    uint32_t i = lookup(h, hd, "movgc_handle_set");
    if (i == UINT32_MAX)
        return;
    if (h->handles.pins[i]) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_handle_set on a pinned handle");
        return;
    }
    h->pub.handles_[i].obj_ = obj;
    if (!obj)
        h->handles.values[i] = NULL;  /* an ephemeron's value goes with its key */
}

void movgc_handle_free(movgc_heap *h, movgc_handle hd) {
    uint32_t i = lookup(h, hd, "movgc_handle_free");
    if (i == UINT32_MAX)
        return;
    struct handles *t = &h->handles;
    if (t->pins[i])
        t->npinned--;
    h->pub.handles_[i] = (struct movgc_hentry_){0};
    t->values[i] = NULL;
    t->kind[i] = KIND_FREE;
    t->pins[i] = 0;
    if (t->gen[i] == UINT32_MAX)
        return;  /* [handles.gen] retired */
    t->gen[i]++;
    t->next_free[i] = t->free_head;
    t->free_head = i + 1;
}

void *movgc_pin(movgc_heap *h, movgc_handle hd) {
    uint32_t i = lookup(h, hd, "movgc_pin");
    if (i == UINT32_MAX)
        return NULL;
    struct handles *t = &h->handles;
    if (t->pins[i] == PIN_MAX) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_pin: pin count overflow");
        return NULL;
    }
    void *obj = h->pub.handles_[i].obj_;
    if (!obj)
        return NULL;
    if (mg_is_young(h, obj)) {
        mg_heap_minor(h, true);  /* moves it out of the nursery if it can */
        obj = h->pub.handles_[i].obj_;
        if (!obj)
            return NULL;  /* a weak handle whose object died */
        if (mg_is_young(h, obj)) {
            mg_error(h, MOVGC_E_NOMEM,
                     "movgc_pin: no old-space room to move the object to");
            return NULL;
        }
    }
    if (t->pins[i]++ == 0)
        t->npinned++;
    mg_final_run(h);  /* those the collection above found; obj is pinned */
    return obj;
}

void movgc_unpin(movgc_heap *h, movgc_handle hd) {
    uint32_t i = lookup(h, hd, "movgc_unpin");
    if (i == UINT32_MAX)
        return;
    struct handles *t = &h->handles;
    if (t->pins[i] == 0) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_unpin without movgc_pin");
        return;
    }
    if (--t->pins[i] == 0)
        t->npinned--;
}

void mg_handles_visit(movgc_heap *h, unsigned which, mg_slot_fn *fn, void *ctx) {
    struct handles *t = &h->handles;
    for (uint32_t i = 0; i < h->pub.nhandles_; i++) {
        uint8_t kind = t->kind[i];
        void **obj = &h->pub.handles_[i].obj_;
        if (kind == KIND_STRONG ? (which & MG_H_STRONG)
                                : kind != KIND_FREE && (which & MG_H_WEAK)) {
            if (*obj)
                fn(h, obj, ctx);
        }
        if (kind == KIND_EPHEMERON && (which & MG_H_VALUES) && t->values[i])
            fn(h, &t->values[i], ctx);
    }
}

/* Keep values of ephemerons with surviving keys until a fixpoint: a kept
 * value may make another ephemeron's key survive. */
static void ephemeron_fixpoint(movgc_heap *h, const struct mg_gc_ops *ops) {
    struct handles *t = &h->handles;
    bool more = true;
    while (more) {
        more = false;
        for (uint32_t i = 0; i < h->pub.nhandles_; i++) {
            void *value = t->values[i];
            if (t->kind[i] != KIND_EPHEMERON || !value || !h->pub.handles_[i].obj_ ||
                !ops->survivor(h->pub.handles_[i].obj_, ops->ctx) ||
                ops->survivor(value, ops->ctx))
                continue;
            ops->keep(value, ops->ctx);
            more = true;
        }
        if (more)
            ops->drain(ops->ctx);
    }
}

void mg_handles_weak(movgc_heap *h, const struct mg_gc_ops *ops) {
    struct handles *t = &h->handles;
    ephemeron_fixpoint(h, ops);
    for (uint32_t i = 0; i < h->pub.nhandles_; i++) {
        uint8_t kind = t->kind[i];
        if (kind != KIND_WEAK && kind != KIND_EPHEMERON)
            continue;
        void **obj = &h->pub.handles_[i].obj_;
        if (*obj)
            *obj = ops->survivor(*obj, ops->ctx);
        if (kind == KIND_EPHEMERON)
            t->values[i] = *obj && t->values[i]
                               ? ops->survivor(t->values[i], ops->ctx) : NULL;
    }
}

void mg_handles_each_pinned(movgc_heap *h,
                            void (*fn)(movgc_heap *h, void *obj, void *ctx),
                            void *ctx) {
    struct handles *t = &h->handles;
    if (t->npinned == 0)
        return;
    for (uint32_t i = 0; i < h->pub.nhandles_; i++)
        if (t->pins[i] && h->pub.handles_[i].obj_)
            fn(h, h->pub.handles_[i].obj_, ctx);
}

/* [handles.shrink]  Entries whose gen is UINT32_MAX stop the scan: such an
 * entry may be retired, and a floor of UINT32_MAX could hand its last id out
 * again. */
void mg_handles_shrink(movgc_heap *h) {
    struct handles *t = &h->handles;
    uint32_t n = h->pub.nhandles_;
    while (n > 0 && t->kind[n - 1] == KIND_FREE && t->gen[n - 1] != UINT32_MAX) {
        if (t->gen[n - 1] > t->gen_floor)
            t->gen_floor = t->gen[n - 1];
        n--;
    }
    if (n == h->pub.nhandles_)
        return;
    h->pub.nhandles_ = n;
    for (uint32_t *link = &t->free_head; *link;) {  /* unlink dropped ones */
        uint32_t i = *link - 1;
        if (i >= n)
            *link = t->next_free[i];
        else
            link = &t->next_free[i];
    }
    uint32_t cap = 64;
    while (cap < 2 * (uint64_t)n)
        cap *= 2;
    if (t->cap <= 64 || n > t->cap / 4 || cap >= t->cap)
        return;
    /* Shrinking keeps every array at least cap long, moved or not. */
    void *e = h->pub.handles_, *gen = t->gen, *pins = t->pins, *values = t->values,
         *kind = t->kind, *next = t->next_free;
    resize(&e, cap, sizeof *h->pub.handles_);
    resize(&gen, cap, sizeof *t->gen);
    resize(&pins, cap, sizeof *t->pins);
    resize(&values, cap, sizeof *t->values);
    resize(&kind, cap, sizeof *t->kind);
    resize(&next, cap, sizeof *t->next_free);
    h->pub.handles_ = e;
    t->gen = gen;
    t->pins = pins;
    t->values = values;
    t->kind = kind;
    t->next_free = next;
    t->cap = cap;
}

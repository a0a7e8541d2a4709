/* handles.c -- handles: a table of object slots that the collector treats as
 * roots (strong) or clears (weak), named by ids that are never reused.
 * [handles.word] the table holds one word per entry, laid out as movgc.h
 *   describes ("Handle table"): an entry in use is (gen << 48) | obj and
 *   its id (gen << 48) | index, gen >= 1; a free entry, and entry 0, hold
 *   MOVGC_HFREE_.  Only entry_obj, entry_set, entry_use and entry_clear
 *   read or write words; the rest of the file sees objects.
 * [handles.id] so a freed or forged id never passes movgc_handle_get's
 *   test, and one id names one entry in use at most.
 * [handles.gen] gen[i] (16 bits, the id's top bits) only grows; an entry
 *   whose gen would wrap is retired (never freed for reuse), so no id is
 *   ever handed out twice.  A retired entry costs its 27 bytes (word and
 *   side arrays) once per 65535 handles made in it.
 * [handles.addr] objects are 8-byte aligned and below 2^48, as every
 *   address of the heap's own mappings is (checked where objects enter).
 * [handles.pin] pins > 0 only on entries in use holding an old or large
 *   object; the collector moves no such object.
 * [handles.shrink] entries above the highest in use may be dropped; every
 *   gen they handed out is below gen_floor, where entries made anew start. */
#include "handles.h"

#include <stdlib.h>
#include <string.h>

#include "addrmap.h"
#include "error.h"
#include "finalize.h"
#include "heap.h"
#include "tables.h"

enum { KIND_FREE, KIND_STRONG, KIND_WEAK, KIND_EPHEMERON };

#define PIN_MAX UINT32_MAX
#define GEN_MAX 0xFFFFu
#define ADDR_MASK MOVGC_HADDR_MASK_ /* the object bits of a word */

/* ====================================================== entry words */

static inline void *entry_obj(const movgc_heap *h, uint32_t i) {
    return (void *)(uintptr_t)(h->pub.handles_[i] & ADDR_MASK);
}

/* Point entry i, in use, at obj (keeping its generation). */
static inline void entry_set(movgc_heap *h, uint32_t i, void *obj) {
    uint64_t *w = &h->pub.handles_[i];
    *w = (*w & ~ADDR_MASK) | (uint64_t)(uintptr_t)obj;
}

/* Put entry i in use for obj with generation gen; returns its id. */
static inline uint64_t entry_use(movgc_heap *h, uint32_t i, uint16_t gen, void *obj) {
    uint64_t g = (uint64_t)gen << MOVGC_HGEN_SHIFT_;
    h->pub.handles_[i] = g | (uint64_t)(uintptr_t)obj;
    return g | i;
}

static inline void entry_clear(movgc_heap *h, uint32_t i) {
    h->pub.handles_[i] = MOVGC_HFREE_;
}

/* Whether id names an entry in use: movgc_handle_get's test, but for
 * MOVGC_HSLOW_. */
static inline bool entry_live(const movgc_heap *h, uint64_t id) {
    uint32_t index = (uint32_t)id;
    return index < h->pub.nhandles_ && !(id & MOVGC_HPAD_) &&
           !((h->pub.handles_[index] ^ (id ^ index)) & MOVGC_HCHECK_ & ~MOVGC_HSLOW_);
}

/* [handles.slow] while an incremental marking runs, the entries of weak
 *   handles and ephemerons have MOVGC_HSLOW_, so that every read of one
 *   comes here and shades the object read [incmark.weak]; movgc_pin and
 *   movgc_ephemeron_value, which read entries themselves, shade too. */
static bool is_weak(uint8_t kind) { return kind == KIND_WEAK || kind == KIND_EPHEMERON; }

void mg_handles_weak_slow(movgc_heap *h, bool on) {
    for (uint32_t i = 1; i < h->pub.nhandles_; i++)
        if (is_weak(h->handles.kind[i])) {
            if (on)
                h->pub.handles_[i] |= MOVGC_HSLOW_;
            else
                h->pub.handles_[i] &= ~MOVGC_HSLOW_;
        }
}

/* Whether obj can be held: NULL or an address of the form [handles.addr]. */
static bool holdable(movgc_heap *h, void *obj, const char *op) {
    if (((uintptr_t)obj & ~ADDR_MASK) == 0)
        return true;
    mg_error(h, MOVGC_E_MISUSE, "%s: %p is not an object address", op, obj);
    return false;
}

/* ====================================================== the table */

void mg_handles_free(movgc_heap *h) {
    struct handles *t = &h->handles;
    free(h->pub.handles_);
    free(t->gen);
    free(t->pins);
    free(t->values);
    free(t->kind);
    free(t->next_free);
}

/* Resize the array at *arr from the table's cap to cap elements of size
 * bytes, counted in held; on failure it stays as it was (merely larger
 * than the table's cap, if it grew). */
static bool resize(movgc_heap *h, void **arr, uint32_t cap, size_t size) {
    return mg_tables_resize(h, arr, (size_t)h->handles.cap * size,
                            (size_t)cap * size, true);
}

/* Bytes per entry over all the parallel arrays. */
static size_t entry_bytes(const movgc_heap *h) {
    const struct handles *t = &h->handles;
    return sizeof *h->pub.handles_ + sizeof *t->gen + sizeof *t->pins +
           sizeof *t->values + sizeof *t->kind + sizeof *t->next_free;
}

static bool grow(movgc_heap *h) {
    struct handles *t = &h->handles;
    if (t->cap == UINT32_MAX - 1)
        return false;
    uint32_t cap = t->cap ? (t->cap > UINT32_MAX / 2 ? UINT32_MAX - 1 : t->cap * 2)
                          : 64;
    if (!mg_heap_may_take(h, (size_t)(cap - t->cap) * entry_bytes(h)))
        return false;  /* the heap limit counts this table too */
    void *e = h->pub.handles_, *gen = t->gen, *pins = t->pins, *values = t->values,
         *kind = t->kind, *next = t->next_free;
    bool ok = resize(h, &e, cap, sizeof *h->pub.handles_);
    ok &= resize(h, &gen, cap, sizeof *t->gen);
    ok &= resize(h, &pins, cap, sizeof *t->pins);
    ok &= resize(h, &values, cap, sizeof *t->values);
    ok &= resize(h, &kind, cap, sizeof *t->kind);
    ok &= resize(h, &next, cap, sizeof *t->next_free);
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

/* A fresh entry index, or UINT32_MAX when the table cannot grow.  The
 * first growth sets up entry 0, never handed out, so that id 0 and every
 * id with index 0 fail movgc_handle_get's test. */
static uint32_t take_entry(movgc_heap *h) {
    struct handles *t = &h->handles;
    if (t->free_head) {
        uint32_t i = t->free_head - 1;
        t->free_head = t->next_free[i];
        return i;
    }
    if (h->pub.nhandles_ == t->cap && !grow(h))
        return UINT32_MAX;
    if (h->pub.nhandles_ == 0) {
        entry_clear(h, 0);
        t->kind[0] = KIND_FREE;
        t->pins[0] = 0;
        t->values[0] = NULL;
        t->gen[0] = GEN_MAX;  /* as if retired */
        h->pub.nhandles_ = 1;
    }
    uint32_t i = h->pub.nhandles_++;
    t->gen[i] = t->gen_floor > 1 ? t->gen_floor : 1;  /* [handles.shrink] */
    return i;
}

static movgc_handle make(movgc_heap *h, void *obj, void *value, uint8_t kind) {
    if (!mg_owner_ok(h, "movgc_handle_new") || !holdable(h, obj, "movgc_handle_new"))
        return (movgc_handle){0};
    uint32_t i = take_entry(h);
    if (i == UINT32_MAX) {
        mg_error(h, MOVGC_E_NOMEM,
                 "handle table cannot grow (heap limit or malloc refused)");
        return (movgc_handle){0};
    }
    struct handles *t = &h->handles;
    uint64_t id = entry_use(h, i, t->gen[i], obj);
    t->pins[i] = 0;
    t->values[i] = value;
    t->kind[i] = kind;
    if (h->im && is_weak(kind))  /* [handles.slow] */
        h->pub.handles_[i] |= MOVGC_HSLOW_;
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
    if (!mg_owner_ok(h, op))
        return UINT32_MAX;
    if (entry_live(h, hd.id))
        return (uint32_t)hd.id;
    if (hd.id == 0)
        mg_error(h, MOVGC_E_STALE, "%s: null handle", op);
    else
        mg_error(h, MOVGC_E_STALE, "%s: handle %#llx is stale or forged", op,
                 (unsigned long long)hd.id);
    return UINT32_MAX;
}

bool mg_handles_live(const movgc_heap *h, movgc_handle hd) {
    return entry_live(h, hd.id);
}

void *movgc_handle_get_(movgc_heap *h, movgc_handle hd) {
    /* The inline path found no match: a weak handle while marking
     * [handles.slow], or a bad id; only the null handle is quiet. */
    if (!mg_owner_ok(h, "movgc_handle_get"))
        return NULL;
    if (hd.id != 0 && entry_live(h, hd.id)) {
        void *obj = entry_obj(h, (uint32_t)hd.id);
        if (h->im)
            mg_incmark_read(h, obj);
        return obj;
    }
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
    if (h->im)
        mg_incmark_read(h, h->handles.values[i]);  /* [handles.slow] */
    return h->handles.values[i];
}

void movgc_handle_set(movgc_heap *h, movgc_handle hd, void *obj) {
    uint32_t i = lookup(h, hd, "movgc_handle_set");
    if (i == UINT32_MAX || !holdable(h, obj, "movgc_handle_set"))
        return;
    if (h->handles.pins[i]) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_handle_set on a pinned handle");
        return;
    }
    entry_set(h, i, obj);
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
    entry_clear(h, i);
    t->values[i] = NULL;
    t->kind[i] = KIND_FREE;
    t->pins[i] = 0;
    if (t->gen[i] == GEN_MAX)
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
    void *obj = entry_obj(h, i);
    if (obj && mg_is_young(h, obj)) {
        mg_heap_minor_forced(h);  /* moves it out of the nursery if it can */
        obj = entry_obj(h, i);  /* NULL: a weak handle whose object died */
        if (obj && mg_is_young(h, obj)) {
            mg_error(h, MOVGC_E_NOMEM,
                     "movgc_pin: no old-space room to move the object to");
            obj = NULL;
        }
    }
    if (obj && t->pins[i]++ == 0)
        t->npinned++;
    if (obj && h->im)  /* a weak handle's object read: [handles.slow] */
        mg_incmark_read(h, obj);
    mg_final_run(h);  /* those the collection above found, even on failure */
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

/* The object of an entry goes to fn in a slot of its own, written back
 * to the entry if fn changed it: fn uses its slot at once, keeps none
 * (as every mg_slot_fn does). */
void mg_handles_visit(movgc_heap *h, unsigned which, mg_slot_fn *fn, void *ctx) {
    struct handles *t = &h->handles;
    for (uint32_t i = 0; i < h->pub.nhandles_; i++) {
        uint8_t kind = t->kind[i];
        if (kind == KIND_STRONG ? (which & MG_H_STRONG)
                                : kind != KIND_FREE && (which & MG_H_WEAK)) {
            void *obj = entry_obj(h, i), *slot = obj;
            if (obj) {
                fn(h, &slot, ctx);
                if (slot != obj)
                    entry_set(h, i, slot);
            }
        }
        if (kind == KIND_EPHEMERON && (which & MG_H_VALUES) && t->values[i])
            fn(h, &t->values[i], ctx);
    }
}

/* ============================================================ ephemerons */

/* Keeping ephemeron values.  Sweeping the table until nothing changes is
 * quadratic in the length of a chain (one key per sweep when the handles
 * are in reverse order).  Instead each ephemeron whose key nothing reached
 * waits in a list on its key, and a walk over the objects nothing else
 * reached, starting from the values to keep, meets each such object once:
 * meeting a waiting key releases its list's values into the walk.
 * [eph.walk] objects the walk meets are exactly the unreached objects that
 *   the values it keeps reach, so keeping those values and draining makes
 *   them survive.  Linear in the ephemerons plus what their values reach. */
struct ephwalk {
    movgc_heap *h;
    const struct mg_gc_ops *ops;
    struct addrmap waiting;  /* key -> 1 + first ephemeron waiting; 0: met */
    uint32_t *next;          /* per entry: 1 + next ephemeron on its key */
    struct addrmap seen;     /* objects the walk met */
    struct objstack todo;    /* objects to meet */
    struct objstack keep;    /* values to keep */
};

static bool reached(const struct ephwalk *w, void *obj) {
    return w->ops->survivor(obj, w->ops->ctx) != NULL;
}

/* Ephemeron i's key is reached or was met: keep its value. */
static void release(struct ephwalk *w, uint32_t i) {
    void *value = w->h->handles.values[i];
    if (value && !reached(w, value)) {
        mg_objstack_push(w->h, &w->keep, value);
        mg_objstack_push(w->h, &w->todo, value);
    }
}

static void wait_on_key(struct ephwalk *w, uint32_t i, void *key) {
    if (!w->next) {
        w->next = calloc(w->h->pub.nhandles_, sizeof *w->next);
        if (!w->next) {
            mg_error(w->h, MOVGC_E_CORRUPT, "collector: out of memory for a work table");
            abort();
        }
    }
    uint32_t *head = mg_addrmap_find(&w->waiting, key);
    w->next[i] = head ? *head : 0;
    mg_addrmap_put(w->h, &w->waiting, key, i + 1);
}

static void meet(struct ephwalk *w, void *obj) {
    if (mg_addrmap_find(&w->seen, obj))
        return;
    mg_addrmap_put(w->h, &w->seen, obj, 1);
    uint32_t *head = mg_addrmap_find(&w->waiting, obj);
    if (head) {
        for (uint32_t e = *head; e; e = w->next[e - 1])
            release(w, e - 1);  /* touches no map: head stays valid */
        *head = 0;
    }
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    for (size_t i = 0; i < n; i++)
        if (slots[i] && !reached(w, slots[i]))
            mg_objstack_push(w->h, &w->todo, slots[i]);
}

static void ephemeron_closure(movgc_heap *h, const struct mg_gc_ops *ops) {
    struct handles *t = &h->handles;
    struct ephwalk w = {.h = h, .ops = ops};
    for (uint32_t i = 0; i < h->pub.nhandles_; i++) {
        void *key = entry_obj(h, i);
        if (t->kind[i] != KIND_EPHEMERON || !key || !t->values[i])
            continue;
        if (reached(&w, key))
            release(&w, i);
        else
            wait_on_key(&w, i, key);
    }
    if (w.waiting.n > 0)  /* else no value can release a key: skip the walk */
        while (w.todo.n > 0)
            meet(&w, w.todo.v[--w.todo.n]);
    for (size_t i = 0; i < w.keep.n; i++)
        ops->keep(w.keep.v[i], ops->ctx);
    if (w.keep.n > 0)
        ops->drain(ops->ctx);
    mg_addrmap_free(&w.waiting);
    mg_addrmap_free(&w.seen);
    mg_objstack_free(&w.todo);
    mg_objstack_free(&w.keep);
    free(w.next);
}

void mg_handles_weak(movgc_heap *h, const struct mg_gc_ops *ops) {
    struct handles *t = &h->handles;
    ephemeron_closure(h, ops);
    for (uint32_t i = 0; i < h->pub.nhandles_; i++) {
        uint8_t kind = t->kind[i];
        if (kind != KIND_WEAK && kind != KIND_EPHEMERON)
            continue;
        void *obj = entry_obj(h, i);
        if (obj)
            entry_set(h, i, obj = ops->survivor(obj, ops->ctx));
        if (kind == KIND_EPHEMERON)
            t->values[i] = obj && t->values[i]
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
        if (t->pins[i] && entry_obj(h, i))
            fn(h, entry_obj(h, i), ctx);
}

/* [handles.shrink]  Entries whose gen is GEN_MAX stop the scan: such an
 * entry may be retired, and a floor of GEN_MAX could hand its last id out
 * again. */
void mg_handles_shrink(movgc_heap *h) {
    struct handles *t = &h->handles;
    uint32_t n = h->pub.nhandles_;
    while (n > 0 && t->kind[n - 1] == KIND_FREE && t->gen[n - 1] != GEN_MAX) {
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
    resize(h, &e, cap, sizeof *h->pub.handles_);
    resize(h, &gen, cap, sizeof *t->gen);
    resize(h, &pins, cap, sizeof *t->pins);
    resize(h, &values, cap, sizeof *t->values);
    resize(h, &kind, cap, sizeof *t->kind);
    resize(h, &next, cap, sizeof *t->next_free);
    h->pub.handles_ = e;
    t->gen = gen;
    t->pins = pins;
    t->values = values;
    t->kind = kind;
    t->next_free = next;
    t->cap = cap;
}

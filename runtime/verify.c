/* verify.c -- MOVGC_VERIFY: walk the whole heap and every root, and stop at
 * the first broken reference with a message that says what and where.
 * Checks: headers sane; spaces walk exactly to their ends; every slot NULL
 * or the start of a live object of this heap; every old object holding a
 * nursery reference is remembered [barrier.remembered]; roots, handles and
 * finalizer entries name live objects; pinned handles hold no young object. */
#include "verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "heap.h"

struct starts {
    uint64_t *bits;  /* one bit per word of a space: an object starts here */
    char *lo;
    size_t words;
};

struct verify {
    movgc_heap *h;
    const char *when;
    struct starts young, old;
    size_t remembered;  /* objects seen with HDR_REMEMBERED */
};

static _Noreturn __attribute__((format(printf, 2, 3))) void
fail(struct verify *v, const char *fmt, ...) {
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    v->h->cfg.on_error = NULL;  /* corruption is never survivable */
    mg_error(v->h, MOVGC_E_CORRUPT, "verify %s: %s", v->when, what);
    abort();
}

static bool starts_new(struct starts *s, char *lo, char *hi) {
    s->lo = lo;
    s->words = (size_t)(hi - lo) / 8 + 1;
    s->bits = calloc(s->words / 64 + 1, 8);
    return s->bits != NULL;
}

static void starts_add(struct starts *s, const void *obj) {
    size_t w = (size_t)((const char *)obj - s->lo) / 8;
    s->bits[w / 64] |= (uint64_t)1 << (w % 64);
}

static bool starts_has(const struct starts *s, const void *obj) {
    size_t w = (size_t)((const char *)obj - s->lo) / 8;
    return w < s->words && ((s->bits[w / 64] >> (w % 64)) & 1);
}

static bool valid(struct verify *v, const void *p) {
    movgc_heap *h = v->h;
    if ((uintptr_t)p & 7)
        return false;
    if (mg_in_nursery(h, p))
        return starts_has(&v->young, p);
    if (mg_is_old(h, p))
        return starts_has(&v->old, p);
    return mg_los_find(h, p) != NULL;
}

static void check_header(struct verify *v, void *obj, bool filler_ok) {
    uint64_t hdr = *mg_hdr(obj);
    if (hdr & HDR_FWD)
        fail(v, "object %p has a forwarding header", obj);
    if ((hdr & HDR_FILLER) && !filler_ok)
        fail(v, "object %p is marked as a filler", obj);
}

/* Walk [lo, hi) of objects back to back, recording starts. */
static void walk(struct verify *v, struct starts *s, char *lo, char *hi,
                 bool fillers) {
    char *p = lo;
    while (p < hi) {
        void *obj = p + MG_WORD;
        check_header(v, obj, fillers);
        if (mg_hdr_is_big(*mg_hdr(obj)))
            fail(v, "object %p outside the large space has big sizes", obj);
        starts_add(s, obj);
        p += mg_hdr_size(*mg_hdr(obj));
    }
    if (p != hi)
        fail(v, "walk from %p overran the end %p by %zu bytes", (void *)lo,
             (void *)hi, (size_t)(p - hi));
}

/* A carded large object: each nursery reference's card is marked. */
static void check_cards(struct verify *v, void *obj, struct large *l) {
    if (*mg_hdr(obj) & HDR_REMEMBERED)
        fail(v, "carded large object %p has the remembered header bit", obj);
    if (l->remembered)
        v->remembered++;
    void **slots = mg_slots(obj);
    for (size_t i = 0; i < movgc_nrefs(obj); i++)
        if (mg_is_young(v->h, slots[i]) &&
            (!l->remembered || !l->cards[i / MG_CARD_SLOTS]))
            fail(v, "large object %p (tag %u) slot %zu points into the nursery "
                    "but its card is not marked (a store bypassed movgc_set?)",
                 obj, movgc_tag(obj), i);
}

static void check_slots(struct verify *v, void *obj) {
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    bool young_ref = false;
    for (size_t i = 0; i < n; i++) {
        if (!slots[i])
            continue;
        if (!valid(v, slots[i]))
            fail(v, "object %p (tag %u) slot %zu holds %p, not a live object",
                 obj, movgc_tag(obj), i, slots[i]);
        young_ref |= mg_is_young(v->h, slots[i]);
    }
    bool remembered = *mg_hdr(obj) & HDR_REMEMBERED;
    if (mg_in_nursery(v->h, obj)) {
        if (remembered)
            fail(v, "young object %p is flagged remembered", obj);
        return;
    }
    if (mg_is_young(v->h, obj))  /* young large: flagged, never in the set */
        return;
    struct large *l = mg_is_old(v->h, obj) ? NULL : mg_los_of(obj);
    if (l && l->cards) {
        check_cards(v, obj, l);
        return;
    }
    if (remembered)
        v->remembered++;
    if (young_ref && !remembered)
        fail(v, "old object %p (tag %u) points into the nursery but is not "
                "remembered (a store bypassed movgc_set?)", obj, movgc_tag(obj));
}

static void check_space(struct verify *v, char *lo, char *hi) {
    for (char *p = lo; p < hi; p += mg_hdr_size(*(uint64_t *)(void *)p)) {
        void *obj = p + MG_WORD;
        if (!(*mg_hdr(obj) & HDR_FILLER))
            check_slots(v, obj);
    }
}

static void check_root(movgc_heap *h, void **slot, void *ctx) {
    (void)h;
    struct verify *v = ctx;
    if (*slot && !valid(v, *slot))
        fail(v, "root slot %p holds %p, not a live object", (void *)slot, *slot);
}

static void check_pinned(movgc_heap *h, void *obj, void *ctx) {
    if (mg_is_young(h, obj))
        fail(ctx, "pinned object %p is in the nursery", obj);
}

void mg_verify(movgc_heap *h, const char *when) {
    struct verify v = {.h = h, .when = when};
    mg_old_seal(h);
    if (!starts_new(&v.young, h->nursery.from, h->nursery.from + h->nursery.semi) ||
        !starts_new(&v.old, h->old.base, h->old.top)) {
        free(v.young.bits);
        return;  /* no memory to verify with: skip rather than fail */
    }
    walk(&v, &v.young, h->nursery.from, h->pub.alloc_ptr_, false);
    walk(&v, &v.old, h->old.base, h->old.top, true);
    check_space(&v, h->nursery.from, h->pub.alloc_ptr_);
    check_space(&v, h->old.base, h->old.top);
    for (struct large *l = h->los.old.next; l != &h->los.old; l = l->next) {
        check_header(&v, l + 1, false);
        if (l->young)
            fail(&v, "large object %p on the old ring is flagged young", (void *)(l + 1));
        check_slots(&v, l + 1);
    }
    for (struct large *l = h->los.young.next; l != &h->los.young; l = l->next) {
        check_header(&v, l + 1, false);
        if (!l->young || !(l->header & HDR_REMEMBERED))
            fail(&v, "young large object %p is not flagged young and remembered "
                     "[los.young]", (void *)(l + 1));
        check_slots(&v, l + 1);
    }
    if (v.remembered != h->remset.n)
        fail(&v, "remembered set has %zu entries but %zu objects are flagged",
             h->remset.n, v.remembered);
    for (size_t i = 0; i < h->remset.n; i++)
        if (!valid(&v, h->remset.objs[i]))
            fail(&v, "remembered entry %zu (%p) is not a live object", i,
                 h->remset.objs[i]);
    mg_roots_visit(h, check_root, &v);
    mg_handles_visit(h, MG_H_STRONG | MG_H_WEAK | MG_H_VALUES, check_root, &v);
    mg_final_visit(h, false, check_root, &v);
    mg_handles_each_pinned(h, check_pinned, &v);
    free(v.young.bits);
    free(v.old.bits);
}

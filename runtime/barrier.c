/* barrier.c -- the write barrier's slow path and the remembered set.
 * The set holds objects, not slots: an old object is entered once, the first
 * time it is made to point into the nursery, and a minor collection scans
 * all its slots.  That keeps the inline barrier to two range checks and a
 * header bit, and the set free of duplicates.  Scanning whole objects is
 * wrong for big arrays (a hash table's buckets get one young entry and
 * every minor collection would rescan megabytes), so large objects with
 * many slots carry a card table instead (largeobj.h): they never get the
 * header bit, every nursery store into them comes here, marks the slot's
 * card, and minor collections scan marked cards only.
 * [barrier.remembered] HDR_REMEMBERED is set exactly on the uncarded
 *   objects of 'remset.objs', 'remembered' on the carded ones; every old or
 *   large object holding a nursery reference is among them, and for a
 *   carded one the slot's card is marked (verify.c checks this). */
#include "barrier.h"

#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "heap.h"
#include "tables.h"

void mg_remset_add(movgc_heap *h, void *obj) {
    struct remset *r = &h->remset;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        void **objs = realloc(r->objs, cap * sizeof *objs);
        if (!objs) {
            /* movgc_set cannot fail, and a lost entry would corrupt. */
            mg_error(h, MOVGC_E_CORRUPT, "remembered set cannot grow");
            abort();
        }
        mg_tables_soft(h, r->cap * sizeof *objs, cap * sizeof *objs);
        r->objs = objs;
        r->cap = cap;
    }
    if (!mg_is_old(h, obj) && mg_los_of(obj)->cards)
        mg_los_of(obj)->remembered = 1;
    else
        *mg_hdr(obj) |= HDR_REMEMBERED;
    r->objs[r->n++] = obj;
}

void mg_remset_free(movgc_heap *h) { free(h->remset.objs); }

int mg_is_heap_object(movgc_heap *h, const void *p) {
    if ((uintptr_t)p & 7)
        return 0;
    if (mg_in_nursery(h, p))
        return (const char *)p > h->nursery.from &&
               (const char *)p <= h->pub.alloc_ptr_ &&
               !(movgc_header_(p) & (HDR_FWD | HDR_FILLER));
    if (mg_is_old(h, p))
        return (const char *)p > h->old.base && (const char *)p <= h->old.top &&
               !(movgc_header_(p) & HDR_FILLER);
    return mg_los_find(h, p) != NULL;
}

/* Reached from movgc_set: always under MOVGC_VERIFY, for every object
 * outside the nursery while an incremental marking runs [incmark.checked]
 * (and then it stores); otherwise only when an old object not yet
 * remembered got a nursery reference. */
void movgc_barrier_(movgc_heap *h, void *obj, size_t i, void *val) {
    mg_owner_ok(h, "movgc_set");  /* the store cannot fail: report only */
    if (h->pub.checked_ & MG_CHECKED_VERIFY) {
        if (!mg_is_heap_object(h, obj)) {
            mg_error(h, MOVGC_E_MISUSE, "movgc_set: %p is not an object of this heap",
                     obj);
            return;
        }
        if (i >= movgc_nrefs(obj)) {
            mg_error(h, MOVGC_E_MISUSE,
                     "movgc_set: slot %zu of an object with %zu slots", i,
                     movgc_nrefs(obj));
            return;
        }
        if (val && !mg_is_heap_object(h, val)) {
            mg_error(h, MOVGC_E_MISUSE,
                     "movgc_set: value %p is not NULL or an object of this heap",
                     val);
            return;
        }
    }
    if (h->pub.checked_) {
        if (h->im && !mg_is_young(h, obj))  /* [incmark.checked] */
            mg_incmark_shade(h, mg_slots(obj)[i], val);
        mg_slots(obj)[i] = val;
    }
    if (!mg_is_young(h, val) || mg_is_young(h, obj))
        return;
    if (!mg_is_old(h, obj) && mg_los_of(obj)->cards) {
        struct large *l = mg_los_of(obj);
        l->cards[i / MG_CARD_SLOTS] = 1;
        if (!l->remembered)
            mg_remset_add(h, obj);
    } else if (!(*mg_hdr(obj) & HDR_REMEMBERED)) {
        mg_remset_add(h, obj);
    }
}

/* Called by movgc_get in a MOVGC_CHECKED build (of the program, not of the
 * library), which has no heap to consult: a bad index aborts on any heap. */
void movgc_check_index_(const void *obj, size_t i) {
    if (i >= movgc_nrefs(obj)) {
        /* movgc_get has no heap to report through. */
        fprintf(stderr, "movgc: %s: movgc_get: slot %zu of an object with %zu slots\n",
                movgc_strerror(MOVGC_E_MISUSE), i, movgc_nrefs(obj));
        abort();
    }
}

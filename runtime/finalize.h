/* finalize.h -- finalizers: registration, selection by the collectors, and
 * running them outside the collector. */
#ifndef MG_FINALIZE_H
#define MG_FINALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "movgc.h"
#include "roots.h"

typedef void mg_final_fn(movgc_heap *h, void *obj, void *ud);

struct final {
    void *obj;
    mg_final_fn *fn;
    void *ud;
};

struct final_list {
    struct final *v;
    size_t n, cap;
};

struct finalizers {
    struct final_list young;    /* registered, object in the nursery */
    struct final_list old;      /* registered, object old or large */
    struct final_list pending;  /* found dead; [head, n) not yet run: roots */
    size_t head;                /* next pending entry to run */
    void *current;              /* object of the finalizer being run: a
                                   shadow-stack slot during the call */
    size_t running_depth;       /* shadow-stack depth with that slot, or 0 */
};

/* What a collection lends finalizer selection, in its own terms. */
struct mg_gc_ops {
    /* obj's address if it survives so far, NULL if nothing reached it yet */
    void *(*survivor)(void *obj, void *ctx);
    /* make everything obj references survive, not obj itself (finalizer
     * selection no longer needs it: it walks what nothing reached itself) */
    void (*keep_children)(void *obj, void *ctx);
    /* make obj survive; returns its address */
    void *(*keep)(void *obj, void *ctx);
    /* finish the transitive closure of what was kept */
    void (*drain)(void *ctx);
    void *ctx;
};

void mg_final_free(movgc_heap *h);
/* During a collection, after the closure from the roots: move registered
 * objects that nothing reached, and that no other such object reaches, to
 * 'pending'; keep them, the others nothing reached, and all they reach
 * alive.  Linear in what they reach.  young_only: the nursery's list alone
 * (a minor collection). */
void mg_final_select(movgc_heap *h, bool young_only, const struct mg_gc_ops *ops);
/* Visit the object slot of every entry of every list (pending ones are
 * roots; the others are updated like weak slots). */
void mg_final_visit(movgc_heap *h, bool pending_only, mg_slot_fn *fn, void *ctx);
/* Run pending finalizers, unless one is running further up the stack.  A
 * finalizer must leave the shadow stack as it found it (MOVGC_E_MISUSE,
 * then restored); one left by longjmp is over once the shadow stack was
 * restored below its entry depth. */
void mg_final_run(movgc_heap *h);

/* Move entries whose objects are no longer young (promoted, or large
 * objects made old in place) from 'young' to 'old'. [final.flag] */
void mg_final_settle(movgc_heap *h);

#endif

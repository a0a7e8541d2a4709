/* policy.h -- when the old space is collected and how large the young
 * generation is: the decisions, kept apart from the mechanisms. */
#ifndef MG_POLICY_H
#define MG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movgc.h"

struct settings;

struct policy {
    bool growth_fixed;       /* cfg.growth overrides the adaptive rule */
    bool adaptive;           /* the nursery's size follows survival */
    size_t nursery_start;    /* an adaptive nursery's first and least size */
    /* MemBalancer's inputs, smoothed over full-collection cycles */
    double promote_rate;     /* bytes entering the old generation per
                                second of mutator time */
    double collect_speed;    /* live bytes per second of full collection */
    uint64_t cycle_start;    /* when the last full collection ended (ns) */
    uint64_t cycle_pauses;   /* pause time since then (ns) */
    uint64_t promoted_at_full; /* stats.bytes_promoted then */
    /* evidence of death: the young generation's survival drops */
    double survival;         /* bytes surviving a minor collection, smoothed */
    double survival_at_full; /* its value at the last full collection */
    double survival_at_mark; /* its value when the last incremental marking
                                began */
    bool death_armed;        /* at most one death trigger per cycle */
    unsigned low_streak;     /* minor collections in a row far below it */
    unsigned quiet;          /* minor collections in a row with little survival */
    size_t laid_out;         /* old + large bytes after the last full one */
};

void mg_policy_init(movgc_heap *h, const struct settings *s);

/* Why a full collection is due. */
enum full_why {
    MG_FULL_NOT,    /* it is not */
    MG_FULL_GROWN,  /* the old generation reached the threshold: it may
                       mark incrementally */
    MG_FULL_DEATH,  /* survival fell: most of it is dead, collect now */
};

/* After a minor collection that took pause_ns, in which 'small' bytes of
 * nursery objects and 'survived' bytes in all (large objects too)
 * survived: resize the young generation; say whether a full collection is
 * due. */
enum full_why mg_policy_after_minor(movgc_heap *h, size_t small, size_t survived,
                           uint64_t pause_ns);

/* After a full collection that found 'live' bytes and took pause_ns (its
 * incremental marking's slices included; 'incremental': it ended one): set
 * the next full collection's threshold. */
void mg_policy_after_full(movgc_heap *h, size_t live, uint64_t pause_ns,
                          bool incremental);
/* An incremental marking begins. */
void mg_policy_marking(movgc_heap *h);

#endif

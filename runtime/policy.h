/* policy.h -- when the old space is collected and how large the young
 * generation is: the decisions, kept apart from the mechanisms. */
#ifndef MG_POLICY_H
#define MG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movgc.h"

struct settings;

/* A fraction measured at each minor collection, and the reference a drop
 * is judged against. */
struct death_signal {
    double avg;              /* smoothed */
    double at_full;          /* avg at the last full collection */
    double at_mark;          /* avg when the last incremental marking began */
    unsigned low;            /* minor collections in a row far below at_full */
};

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
    struct death_signal survival; /* bytes surviving a minor collection, per
                                     byte of young generation */
    struct death_signal tenure;   /* bytes kept young by one minor collection
                                     that survive the next one too, per byte */
    uint64_t allocated_at_minor; /* stats.bytes_allocated at the last one */
    size_t kept, kept_small; /* bytes it kept young, all and nursery ones */
    bool death_armed;        /* at most one death trigger per cycle */
    unsigned quiet;          /* minor collections in a row with little survival */
    double minor_ns_per_byte; /* minor pause per byte of nursery, smoothed */
    double minor_pause_goal; /* ns (MOVGC_MINOR_PAUSE) */
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

/* What a minor collection did. */
struct minor_outcome {
    size_t copied;          /* nursery bytes kept young */
    size_t promoted;        /* nursery bytes promoted */
    size_t large_kept;      /* young large bytes kept young */
    size_t large_promoted;  /* young large bytes made old */
    uint64_t pause_ns;
};

/* After a minor collection: resize the young generation; say whether a
 * full collection is due. */
enum full_why mg_policy_after_minor(movgc_heap *h, const struct minor_outcome *m);

/* A collection the policy does not judge (forced, asked for, or a full
 * one's evacuation of the nursery) left kept_small nursery bytes young,
 * kept in all: the next minor collection's survival is measured from
 * here. */
void mg_policy_young_reset(movgc_heap *h, size_t kept_small, size_t kept);

/* After a full collection that found 'live' bytes and took pause_ns (its
 * incremental marking's slices included; 'incremental': it ended one): set
 * the next full collection's threshold. */
void mg_policy_after_full(movgc_heap *h, size_t live, uint64_t pause_ns,
                          bool incremental);
/* An incremental marking begins. */
void mg_policy_marking(movgc_heap *h);

#endif

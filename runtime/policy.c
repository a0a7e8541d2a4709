/* policy.c -- when the old space is collected and how large the young
 * generation is.
 *
 * The full-collection threshold follows MemBalancer (Kirisame et al.,
 * "Optimal heap limits for reducing browser memory use", 2022): for live
 * bytes L, a rate g at which bytes enter the old generation and a speed s
 * at which a full collection gets through live bytes, the extra memory
 * that balances collection time against heap size is proportional to
 * sqrt(L * g / s).  A heap that promotes fast relative to how fast it is
 * collected gets more room; a large, quiet heap gets relatively little, so
 * a burst's peak stays close to its live data.  MOVGC_GROWTH (or
 * movgc_config.growth) replaces the rule by a fixed factor.
 *
 * Only what enters the old generation counts towards the threshold:
 * promoted survivors and large objects that became or were allocated old.
 * Young churn, small or large, is the minor collection's business.
 *
 * Evidence of death: two fractions are measured at each minor collection.
 * 'Survival': of the young generation's bytes (allocated since the last
 * minor collection, or kept young by it), how many survived.  'Tenure': of
 * the nursery bytes the last one kept young, how many survived again (a
 * request's data that outlives one minor collection outlives the next
 * during a burst, when requests stay in flight longer and the cache keeps
 * what they made, and mostly not after it).  When either falls below half
 * of its value, smoothed, around the last full collection two samples in
 * a row (or survival below a quarter once), the program's working set
 * shrank (a burst ended) and the old data it held is likely dead too: a
 * full collection is due then rather than at the threshold, at most once
 * per full-collection cycle.  A sharp drop is acted on at the first minor
 * collection after it: at a burst's size minor collections are far apart,
 * and until the full collection the heap holds the whole burst.  The
 * reference is smoothed, the samples compared with it are not, so the
 * trigger does not lag the drop.  Fractions, not bytes: the nursery's size
 * changes with pauses and survival, and the bytes surviving with it.
 *
 * The adaptive nursery doubles when more than an eighth of it survives (a
 * nursery too small gives objects no time to die) up to a cap that grows
 * with live data (an eighth of it, at least 4 MiB, at most
 * MOVGC_NURSERY_MAX), and halves after four collections in a row in which
 * less than a thirty-second survived, or at once to a cap that fell: at
 * the full collection that measured the fall (the nursery is empty then),
 * or at the next minor collection.
 *
 * The cap also keeps minor pauses near a goal (MOVGC_MINOR_PAUSE, 6 ms by
 * default): a minor
 * collection's pause grows with the bytes that survive it, and at a given
 * survival rate with the nursery's size, so the pause per nursery byte,
 * smoothed, says how large a nursery the goal allows.  The nursery grows
 * only within that size, and shrinks to it once pauses run past
 * PAUSE_SHRINK times the goal: a burst whose data survives keeps its minor
 * pauses short at the price of more, smaller collections (the same bytes
 * are copied).  Never below NURSERY_CAP_MIN. */
#include "policy.h"

#include <math.h>
#include <stdio.h>

#include "env.h"
#include "heap.h"

#define MIN_THRESHOLD ((size_t)4 << 20)  /* old + large bytes */
#define HEADROOM_REF ((double)(16 << 20)) /* MemBalancer's constant (bytes) */
#define SMOOTH 0.5                          /* weight of the newest sample */
#define NURSERY_CAP_MIN ((size_t)4 << 20)
#define LARGE_BUDGET_MIN ((size_t)1 << 20) /* young large bytes per minor GC */
#define PAUSE_SHRINK 1.5
#define TENURE_MIN (1.0 / 16)
#define SURVIVAL_FLOOR 0.125
#define TENURE_FLOOR 0.5
#define TENURE_BYTES ((size_t)256 << 10)

static double smooth(double avg, double sample) {
    return avg == 0 ? sample : (1 - SMOOTH) * avg + SMOOTH * sample;
}

/* Young large bytes allowed between minor collections: the nursery's
 * worth, at least LARGE_BUDGET_MIN. */
static void set_large_budget(movgc_heap *h) {
    size_t size = h->nursery.size;
    h->los.budget = size > LARGE_BUDGET_MIN ? size : LARGE_BUDGET_MIN;
}

void mg_policy_init(movgc_heap *h, const struct settings *s) {
    struct policy *p = &h->policy;
    p->growth_fixed = s->growth_fixed;
    p->adaptive = h->nursery.adaptive;
    p->nursery_start = h->nursery.size;
    p->minor_pause_goal = s->minor_pause_ns;
    p->cycle_start = mg_now_ns();
    h->full_threshold = MIN_THRESHOLD;
    set_large_budget(h);
}


/* ======================================================== young sizing */

/* The adaptive nursery's cap now: an eighth of live data (both
 * semispaces and the young large budget then add under half of it), at
 * least NURSERY_CAP_MIN, at most the semispace mapped (MOVGC_NURSERY_MAX,
 * an eighth of the heap limit). */
static size_t nursery_cap(const movgc_heap *h) {
    size_t cap = h->stats.live_bytes / 8;
    if (cap < NURSERY_CAP_MIN)
        cap = NURSERY_CAP_MIN;
    if (cap > h->nursery.semi)
        cap = h->nursery.semi;
    return cap;
}

/* The nursery size whose minor pause would take 'goal' ns, as measured. */
static double size_for_pause(const struct policy *p, double goal) {
    return p->minor_ns_per_byte > 0 ? goal / p->minor_ns_per_byte : HUGE_VAL;
}

/* The adaptive nursery's cap, bounded by the pause goal; shrinking to the
 * goal waits until pauses run PAUSE_SHRINK times over it. */
static size_t nursery_bound(const movgc_heap *h, size_t size) {
    size_t cap = nursery_cap(h);
    double goal = size_for_pause(&h->policy, h->policy.minor_pause_goal);
    if (goal >= (double)cap)
        return cap;
    size_t bound = goal > (double)NURSERY_CAP_MIN ? (size_t)goal : NURSERY_CAP_MIN;
    if ((double)size > goal && (double)size <= PAUSE_SHRINK * goal)
        bound = size;  /* a little over: neither grow nor shrink */
    return bound < cap ? bound : cap;
}

static void size_young(movgc_heap *h, size_t survived) {
    struct policy *p = &h->policy;
    struct nursery *n = &h->nursery;
    if (p->adaptive) {
        size_t cap = nursery_bound(h, n->size);
        if (n->size > cap) {  /* live data shrank */
            mg_nursery_resize(h, cap);
            p->quiet = 0;
        } else if (survived > n->size / 8 && n->size < cap) {
            mg_nursery_resize(h, n->size * 2 < cap ? n->size * 2 : cap);
            p->quiet = 0;
        } else if (survived < n->size / 32 && n->size > p->nursery_start) {
            if (++p->quiet >= 4) {
                mg_nursery_resize(h, n->size / 2 > p->nursery_start ? n->size / 2
                                                                    : p->nursery_start);
                p->quiet = 0;
            }
        } else {
            p->quiet = 0;
        }
    }
    set_large_budget(h);
}

/* ========================================================= full trigger */

/* A new sample of sig; whether it is evidence of death: below half of its
 * reference two samples in a row, or (if 'sharp') below a quarter once.  A
 * reference under 'floor' says too little survived to tell a drop from
 * noise (and the old generation was fed little). */
static bool signal_sample(struct death_signal *sig, double x, double floor, bool sharp) {
    sig->avg = smooth(sig->avg, x);
    if (sig->at_full < floor || !(x < sig->at_full / 2)) {
        sig->low = 0;
        return false;
    }
    return ++sig->low >= 2 || (sharp && x < sig->at_full / 4);
}

/* The reference for the cycle a full collection begins: what survived when
 * the heap was marked, at an incremental marking's start rather than at its
 * final pause, by which a burst may have ended.  A run of low samples goes
 * on: the program did not change with the collection. */
static void signal_full(struct death_signal *sig, bool incremental) {
    sig->at_full = incremental && sig->at_mark > sig->avg ? sig->at_mark : sig->avg;
}

/* Feed both signals; true on evidence of death from either.  Survival is
 * the fraction of the young generation's bytes (allocated since the last
 * minor collection, or kept young by it) that survived this one.  Tenure,
 * the fraction of the nursery bytes kept young last time that survive
 * again, is sampled only when those were at least TENURE_MIN of the
 * nursery and TENURE_BYTES (a handful of objects says nothing), and counts
 * only a drop that lasts: a program that builds a structure over a few
 * minor collections and drops it (binary-trees) shows single drops all
 * the time, a burst's end a run of them. */
static bool death_evidence(movgc_heap *h, const struct minor_outcome *m) {
    struct policy *p = &h->policy;
    uint64_t allocated = h->stats.bytes_allocated - p->allocated_at_minor;
    double exposed = (double)allocated + (double)p->kept;
    size_t survived = m->copied + m->promoted + m->large_kept + m->large_promoted;
    bool dead = false;
    if (exposed > 0)
        dead |= signal_sample(&p->survival, (double)survived / exposed, SURVIVAL_FLOOR,
                              true);
    if ((double)p->kept_small >= TENURE_MIN * (double)h->nursery.size &&
        p->kept_small >= TENURE_BYTES) {
        /* what the to-space could not hold is promoted too: at most 1 */
        double t = (double)m->promoted / (double)p->kept_small;
        dead |= signal_sample(&p->tenure, t < 1 ? t : 1, TENURE_FLOOR, false);
    }
    mg_policy_young_reset(h, m->copied, m->copied + m->large_kept);
    return dead && p->death_armed;
}

void mg_policy_young_reset(movgc_heap *h, size_t kept_small, size_t kept) {
    struct policy *p = &h->policy;
    p->allocated_at_minor = h->stats.bytes_allocated;
    p->kept = kept;
    p->kept_small = kept_small;
}

enum full_why mg_policy_after_minor(movgc_heap *h, const struct minor_outcome *m) {
    struct policy *p = &h->policy;
    p->cycle_pauses += m->pause_ns;
    p->minor_ns_per_byte = smooth(p->minor_ns_per_byte,
                                  (double)m->pause_ns / (double)h->nursery.size);
    /* large survivors are not copied: no reason to grow */
    size_young(h, m->copied + m->promoted);
    if (death_evidence(h, m)) {
        p->death_armed = false;
        if (h->cfg.flags & MOVGC_VERBOSE)
            fprintf(stderr, "movgc: evidence of death: survival %.3f (%.3f at the last "
                    "full collection), tenure %.3f (%.3f)\n", p->survival.avg,
                    p->survival.at_full, p->tenure.avg, p->tenure.at_full);
        return MG_FULL_DEATH;
    }
    /* An incremental marking begins early by what entered the old
     * generation during the last one, at most half the way from the
     * laid-out old bytes to the threshold, so that it ends near it. */
    size_t early = 0;
    if (h->incremental && h->full_threshold > p->laid_out) {
        early = (h->full_threshold - p->laid_out) / 2;
        if (early > h->marking_growth)
            early = h->marking_growth;
    }
    if (mg_heap_old_bytes(h) + early > h->full_threshold)
        return MG_FULL_GROWN;
    return MG_FULL_NOT;
}

/* MemBalancer's threshold for live bytes, from the smoothed rates. */
static double balanced(const struct policy *p, double live) {
    if (p->promote_rate <= 0 || p->collect_speed <= 0)
        return live * 1.25;  /* no measurement yet */
    double extra = sqrt(live * HEADROOM_REF * p->promote_rate / p->collect_speed);
    return live + (extra < live / 2 ? extra : live / 2);  /* growth at most 1.5 */
}

void mg_policy_marking(movgc_heap *h) {
    struct policy *p = &h->policy;
    p->survival.at_mark = p->survival.avg;
    p->tenure.at_mark = p->tenure.avg;
}

void mg_policy_after_full(movgc_heap *h, size_t live, uint64_t pause_ns,
                          bool incremental) {
    struct policy *p = &h->policy;
    uint64_t now = mg_now_ns();
    uint64_t span = now - p->cycle_start;
    uint64_t pauses = p->cycle_pauses + pause_ns;
    double mutator_s = span > pauses ? (double)(span - pauses) / 1e9 : 0;
    uint64_t entered = h->stats.bytes_promoted;
    if (mutator_s > 0 && entered > p->promoted_at_full)
        p->promote_rate = smooth(p->promote_rate,
                                 (double)(entered - p->promoted_at_full) / mutator_s);
    p->promoted_at_full = entered;
    if (pause_ns > 0 && live > 0)
        p->collect_speed = smooth(p->collect_speed, (double)live / ((double)pause_ns / 1e9));
    p->cycle_start = now;
    p->cycle_pauses = 0;
    /* what survived when the heap was marked: at an incremental marking's
     * start, not at its final pause, by which a burst may have ended */
    signal_full(&p->survival, incremental);
    signal_full(&p->tenure, incremental);
    p->death_armed = true;

    if (p->adaptive && h->nursery.size > nursery_cap(h)) {  /* live data fell */
        mg_nursery_resize(h, nursery_cap(h));
        set_large_budget(h);
        p->quiet = 0;
    }
    size_t old = mg_heap_old_bytes(h);  /* live old + large, as laid out */
    p->laid_out = old;
    double target = p->growth_fixed ? (double)old * h->cfg.growth
                                    : balanced(p, (double)old);
    /* At least two nurseries of promotion: a full collection then marks at
     * most old / (2 * size) bytes per byte promoted. */
    size_t floor = old + 2 * h->nursery.size;
    if (floor < MIN_THRESHOLD)
        floor = MIN_THRESHOLD;
    h->full_threshold = target > (double)floor ? (size_t)target : floor;
}

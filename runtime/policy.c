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
 * Evidence of death: when the bytes surviving a minor collection (kept
 * young or promoted) fall below a quarter of what survived, smoothed,
 * around the last full collection, or below half two collections in a
 * row, the program's working set shrank (a burst ended) and the old data
 * it held is likely dead too: a full collection is due then rather than at
 * the threshold, at most once per full-collection cycle.  A sharp drop is
 * acted on at the first minor collection after it: at a burst's size the
 * nursery is large and minor collections far apart, and until the full
 * collection the heap holds the whole burst.  The reference is smoothed,
 * the samples compared with it are not, so the trigger does not lag the
 * drop.
 *
 * The adaptive nursery doubles when more than an eighth of it survives (a
 * nursery too small gives objects no time to die) up to a cap that grows
 * with live data (an eighth of it, at least 4 MiB, at most
 * MOVGC_NURSERY_MAX), and halves after four collections in a row in which
 * less than a thirty-second survived, or at once to a cap that fell: at
 * the full collection that measured the fall (the nursery is empty then),
 * or at the next minor collection. */
#include "policy.h"

#include <math.h>

#include "env.h"
#include "heap.h"

#define MIN_THRESHOLD ((size_t)4 << 20)  /* old + large bytes */
#define HEADROOM_REF ((double)(16 << 20)) /* MemBalancer's constant (bytes) */
#define SMOOTH 0.5                          /* weight of the newest sample */
#define NURSERY_CAP_MIN ((size_t)4 << 20)
#define LARGE_BUDGET_MIN ((size_t)1 << 20) /* young large bytes per minor GC */

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

static void size_young(movgc_heap *h, size_t survived) {
    struct policy *p = &h->policy;
    struct nursery *n = &h->nursery;
    if (p->adaptive) {
        size_t cap = nursery_cap(h);
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

enum full_why mg_policy_after_minor(movgc_heap *h, size_t small, size_t survived,
                                   uint64_t pause_ns) {
    struct policy *p = &h->policy;
    p->cycle_pauses += pause_ns;
    p->survival = smooth(p->survival, (double)survived);
    size_young(h, small);  /* large survivors are not copied: no reason to grow */
    if (p->death_armed && (double)survived < p->survival_at_full / 2) {
        if (++p->low_streak >= 2 || (double)survived < p->survival_at_full / 4) {
            p->death_armed = false;
            return MG_FULL_DEATH;
        }
    } else {
        p->low_streak = 0;
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

void mg_policy_marking(movgc_heap *h) { h->policy.survival_at_mark = h->policy.survival; }

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
    p->survival_at_full = incremental && p->survival_at_mark > p->survival
                              ? p->survival_at_mark : p->survival;
    p->death_armed = true;
    p->low_streak = 0;

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

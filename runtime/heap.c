/* heap.c -- the heap's life, the allocation slow path, and the collection
 * policy: when a minor collection is not enough, when to collect the old
 * space, and how the heap limit turns into MOVGC_E_NOMEM.
 * [heap.retry] an allocation that fails is retried once after a full
 *   collection before NULL is returned. */
#include "heap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compact.h"
#include "env.h"
#include "error.h"
#include "mark.h"
#include "verify.h"
#include "vm.h"

#define MIN_SEMI ((size_t)64 << 10)
#define ADAPTIVE_START ((size_t)1 << 20) /* default nursery's first size */
#define LOS_RESERVE ((size_t)64 << 30)   /* large objects, address space only */
#define DEFAULT_RESERVE ((size_t)64 << 30) /* old space, address space only */
#define MIN_RESERVE ((size_t)256 << 20)
#define STRESS_FULL_EVERY 64u
#define STRESS_SLICE ((size_t)1 << 10) /* bytes scanned per stress slice */
#define MAX_OBJECT ((size_t)1 << 46)  /* above any mapping the OS grants */

uint64_t mg_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ========================================================== heap's life */

/* The semispace size the limit leaves room for: the nursery may take at
 * most a quarter of the limit, so the old space keeps room to promote.
 * An adaptive nursery maps its cap and uses part of it. */
static size_t semi_for(const struct settings *s) {
    const movgc_config *c = &s->cfg;
    size_t semi = s->nursery_default ? s->nursery_max : c->nursery_bytes;
    if (c->heap_limit && semi > c->heap_limit / 8)
        semi = c->heap_limit / 8;
    return semi < MIN_SEMI ? MIN_SEMI : semi;
}

movgc_heap *movgc_heap_new(const movgc_config *cfg) {
    struct settings s;
    if (!mg_env_settings(cfg, &s))
        return NULL;
    if (s.cfg.heap_limit && s.cfg.heap_limit < 8 * MIN_SEMI) {
        mg_error_cfg(cfg, MOVGC_E_CONFIG,
                     "heap_limit %zu is below the smallest heap (%zu bytes)",
                     s.cfg.heap_limit, 8 * MIN_SEMI);
        return NULL;
    }
    movgc_heap *h = calloc(1, sizeof *h);
    if (!h) {
        mg_error_cfg(cfg, MOVGC_E_NOMEM, "no memory for the heap");
        return NULL;
    }
    h->cfg = s.cfg;
    h->gc_threads = s.gc_threads;
    h->incremental = s.incremental;
    mg_owner_init(h);
    mg_los_init(&h->los);
    size_t limit = h->cfg.heap_limit;
    size_t semi = semi_for(&s);
    size_t first = s.nursery_default && semi > ADAPTIVE_START ? ADAPTIVE_START : semi;
    if (!mg_roots_init(h, h->cfg.flags & MOVGC_VERIFY) ||
        !mg_nursery_init(h, semi, first, s.nursery_default, s.promote_age,
                         LOS_RESERVE, limit ? limit : MIN_RESERVE) ||
        !mg_old_init(h, limit ? limit : DEFAULT_RESERVE, limit ? limit : MIN_RESERVE)) {
        mg_error(h, MOVGC_E_NOMEM, "the OS refused the heap's initial memory");
        movgc_heap_free(h);
        return NULL;
    }
    h->ids.salt = (uint64_t)(uintptr_t)h * 0x9e3779b97f4a7c15ULL;
    mg_policy_init(h, &s);
    if (h->cfg.flags & MOVGC_VERIFY)
        h->pub.checked_ = MG_CHECKED_VERIFY;
    mg_nursery_refill(h, 0);
    mg_protect_init(h);
    return h;
}

void movgc_heap_free(movgc_heap *h) {
    if (!h || !mg_owner_ok(h, "movgc_heap_free"))
        return;
    mg_roots_check_empty(h);
    mg_protect_free(h);
    mg_pauses_report(h);
    mg_incmark_free(h);
    mg_mark_free(h);
    mg_los_free(h);
    mg_old_free(h);
    mg_nursery_free(h);
    mg_roots_free(h);
    mg_handles_free(h);
    mg_remset_free(h);
    mg_final_free(h);
    mg_identity_free(h);
    free(h);
}

/* ============================================================ collection */

size_t mg_heap_old_bytes(const movgc_heap *h) {
    return mg_old_used(h) + h->los.bytes;
}

/* How far promotion will fill the old space before the next full
 * collection ends: to the threshold, and on through an incremental
 * marking by what entered during the last one (at most as much again). */
size_t mg_heap_gap_reach(const movgc_heap *h) {
    size_t old = mg_heap_old_bytes(h);
    size_t reach = h->full_threshold > old ? h->full_threshold - old : 0;
    return reach + (h->marking_growth < reach ? h->marking_growth : reach);
}

static void begin(movgc_heap *h, const char *kind) {
    mg_owner_ok(h, kind);  /* the entry points checked already: report only */
    mg_protect_begin(h, kind);
    h->collecting = true;
    if (h->cfg.flags & MOVGC_VERIFY) {
        char when[32];
        snprintf(when, sizeof when, "before %s", kind);
        mg_verify(h, when);
    }
}

/* Account the pause; under MOVGC_VERBOSE print the collection's one line,
 * ending with 'detail'. */
static uint64_t end(movgc_heap *h, const char *kind, uint64_t t0, size_t before,
                    uint64_t moved0, const char *detail) {
    uint64_t pause = mg_now_ns() - t0;
    h->stats.total_pause_ns += pause;
    if (pause > h->stats.max_pause_ns)
        h->stats.max_pause_ns = pause;
    mg_protect_end(h);
    mg_pauses_record(h, kind, pause);
    h->stats.heap_bytes = h->held;
    if (h->cfg.flags & MOVGC_VERIFY) {
        char when[32];
        snprintf(when, sizeof when, "after %s", kind);
        mg_verify(h, when);
    }
    if (h->cfg.flags & MOVGC_VERBOSE) {
        uint64_t moved = h->stats.bytes_promoted + h->stats.bytes_compacted - moved0;
        fprintf(stderr,
                "movgc: %s %.3f ms, heap %zuK -> %zuK, old+large %zuK, "
                "promoted+compacted %lluK%s\n",
                kind, (double)pause / 1e6, before >> 10, h->held >> 10,
                mg_heap_old_bytes(h) >> 10, (unsigned long long)(moved >> 10), detail);
    }
    h->collecting = false;
    return pause;
}

static uint64_t moved_so_far(const movgc_heap *h) {
    return h->stats.bytes_promoted + h->stats.bytes_compacted;
}

/* Evacuate the young generation (nursery and young large objects); with
 * 'policy', let the policy resize it and decide on a full collection. */
static void minor(movgc_heap *h, bool tenure_all, bool policy) {
    uint64_t t0 = mg_now_ns(), m0 = moved_so_far(h);
    uint64_t promoted0 = h->stats.bytes_promoted;
    size_t before = h->held;
    begin(h, "minor");
    t0 = mg_now_ns();  /* MOVGC_VERIFY's walk is no part of the pause */
    size_t copied = mg_nursery_collect(h, tenure_all);
    h->stats.minor_collections++;
    size_t promoted = (size_t)(h->stats.bytes_promoted - promoted0);
    struct minor_outcome out = {copied, promoted - h->los.promoted, h->los.young_bytes,
                                h->los.promoted, 0};
    char detail[192];
    snprintf(detail, sizeof detail,
             ", survivors kept young %zuK (large %zuK), large made old %zuK, nursery %zuK",
             (copied + h->los.young_bytes) >> 10, h->los.young_bytes >> 10,
             h->los.promoted >> 10, h->nursery.size >> 10);
    out.pause_ns = end(h, "minor", t0, before, m0, detail);
    enum full_why why = MG_FULL_NOT;
    if (policy)
        why = mg_policy_after_minor(h, &out);
    else  /* not a sample, but the next one is measured from here */
        mg_policy_young_reset(h, out.copied, out.copied + out.large_kept);
    if (why != MG_FULL_NOT) {
        h->full_due = true;
        h->full_urgent |= why == MG_FULL_DEATH;
    }
}

void mg_heap_minor(movgc_heap *h, bool tenure_all) { minor(h, tenure_all, false); }

/* Mark and compact everything, then move the nursery's survivors out,
 * unless a minor collection just did ('after_minor': the survivors stay
 * young); 'asked': by the program (movgc_collect).  An incremental marking under
 * way is finished in this pause, unless the program asked: then it marks
 * anew, so that what died since the marking began goes too. */
static void full(movgc_heap *h, bool asked, bool after_minor) {
    if (asked)
        mg_incmark_abandon(h);
    uint64_t t0 = mg_now_ns(), m0 = moved_so_far(h);
    uint64_t slices = h->im ? h->im->slice_ns : 0;
    bool incremental = h->im != NULL;
    size_t before = h->held;
    begin(h, "full");
    t0 = mg_now_ns();  /* MOVGC_VERIFY's walk is no part of the pause */
    mg_nursery_count(h);
    struct compact_times ct;
    size_t live;
    if (!mg_compact_collect(h, asked, after_minor, &ct, &live)) {
        /* no memory to mark with: empty the nursery at least */
        mg_nursery_collect(h, true);
        h->stats.minor_collections++;
        end(h, "minor", t0, before, m0,
            ", in place of a full collection that had no memory for its tables");
        return;
    }
    uint64_t t1 = mg_now_ns();
    if (!after_minor) {
        mg_nursery_collect(h, true);
        mg_policy_young_reset(h, 0, 0);
    }
    h->stats.live_bytes = live;
    h->stats.full_collections++;
    h->full_due = h->full_urgent = false;
    /* The free tail beyond a little slack goes back to the OS: after the
     * pause, unless it is wanted now (the program asked; a heap limit
     * counts it; MOVGC_PROTECT or MOVGC_VERIFY wants it inaccessible). */
    size_t old = mg_heap_old_bytes(h);
    if (asked || h->cfg.heap_limit || (h->cfg.flags & (MOVGC_PROTECT | MOVGC_VERIFY)))
        mg_old_trim(h, old / 8);
    else
        mg_old_trim_later(h, old / 8);
    mg_handles_shrink(h);
    char detail[160];
    snprintf(detail, sizeof detail,
             ", live %zuK (mark %.3f, plan %.3f, update %.3f, slide %.3f, "
             "nursery %.3f ms)", live >> 10, (double)ct.mark_ns / 1e6,
             (double)ct.plan_ns / 1e6, (double)ct.update_ns / 1e6,
             (double)ct.slide_ns / 1e6, (double)(mg_now_ns() - t1) / 1e6);
    mg_policy_after_full(h, live, mg_now_ns() - t0 + slices, incremental);
    /* the gaps promotion will not reach before the next one go back now;
     * asked for: all of them */
    mg_old_release_gaps(h, asked ? 0 : mg_heap_gap_reach(h));
    end(h, "full", t0, before, m0, detail);
    if (h->cfg.flags & MOVGC_VERBOSE)
        fprintf(stderr, "movgc: next full collection at %zuK (promotion %.1f MiB/s, "
                "collection %.1f MiB/s)\n", h->full_threshold >> 10,
                h->policy.promote_rate / 1048576.0, h->policy.collect_speed / 1048576.0);
}

void mg_heap_full(movgc_heap *h) { full(h, false, false); }

/* After a minor collection, a full one if the policy says so: an
 * incremental marking begins when the old generation grew to its
 * threshold, and its final pause comes after the minor collection that
 * follows its last slice (the nursery then holds only survivors), as a
 * pause of its own at the next allocation slow path: the two together
 * would be one long pause for the program, and the nursery has filled
 * only a chunk more by then.  When survival fell (most of the old
 * generation is likely dead) a marking begins at once, and one under way
 * is begun anew, so that what died since it began goes too; with so
 * little live its slices end soon. */
static void after_minor(movgc_heap *h) {
    if (h->im && h->full_urgent)
        mg_incmark_abandon(h);
    if (h->im) {
        h->final_next = h->im->ready;
        return;
    }
    if (!h->full_due)
        return;
    if (!h->incremental || !mg_incmark_start(h)) {
        full(h, false, true);
        return;
    }
    h->full_urgent = false;  /* the marking that answers it has begun */
}

static void collect_for_allocation(movgc_heap *h) {
    minor(h, false, true);
    after_minor(h);
}

/* After a minor collection that movgc_pin forced, the same, with the
 * threshold alone deciding (a forced minor collection says nothing of
 * survival).  A program that pins young objects faster than it fills the
 * nursery has no other minor collections, and without this its old space
 * would grow without a full collection. */
void mg_heap_minor_forced(movgc_heap *h) {
    minor(h, true, false);
    if (!h->im && mg_heap_old_bytes(h) > h->full_threshold)
        h->full_due = true;
    after_minor(h);
}

void movgc_collect(movgc_heap *h, int kind) {
    if (!mg_owner_ok(h, "movgc_collect"))
        return;
    if (kind != MOVGC_MINOR && kind != MOVGC_FULL) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_collect: kind %d is not MOVGC_MINOR or MOVGC_FULL",
                 kind);
        return;
    }
    if (h->collecting) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_collect called during a collection");
        return;
    }
    if (kind == MOVGC_MINOR) {
        mg_heap_minor(h, false);
    } else {
        full(h, true, false);
        /* asked for: return now what the policy would keep a while */
        mg_los_release(h, true);
        h->stats.heap_bytes = h->held;
    }
    mg_final_run(h);
}

/* ============================================================ allocation */

/* Header and sizes for an object placed at raw (header word). */
static void *init_object(char *raw, unsigned tag, size_t nrefs, size_t nbytes) {
    *(uint64_t *)(void *)raw = mg_hdr_make(tag, nrefs, nbytes);
    return raw + MG_WORD;
}

/* A full collection for an allocation that found no room: the pages of
 * every gap go back too, as the heap limit may need them. */
static void full_for_room(movgc_heap *h) {
    mg_incmark_abandon(h);  /* what died since it began is needed now */
    mg_heap_full(h);
    mg_old_release_gaps(h, 0);
}

/* A large object is young: it spends the young generation's budget for
 * large objects, and when that is spent a minor collection (not a full
 * one) is due. */
static void *alloc_large(movgc_heap *h, unsigned tag, size_t nrefs, size_t nbytes) {
    if (h->los.allocated >= h->los.budget)
        collect_for_allocation(h);
    void *obj = mg_los_alloc(h, tag, nrefs, nbytes);
    if (!obj) {  /* [heap.retry], after the young garbage went */
        collect_for_allocation(h);
        obj = mg_los_alloc(h, tag, nrefs, nbytes);
        if (!obj) {
            full_for_room(h);
            obj = mg_los_alloc(h, tag, nrefs, nbytes);
        }
    }
    if (obj)
        h->stats.bytes_allocated += mg_size_of(nrefs, nbytes);
    return obj;
}

static void *alloc_young(movgc_heap *h, unsigned tag, size_t nrefs, size_t nbytes,
                         size_t size) {
    if (!mg_nursery_refill(h, size)) {
        collect_for_allocation(h);
        if (!mg_nursery_refill(h, size)) {
            /* survivors fill the nursery: promote them all */
            mg_heap_minor(h, true);
            if (!mg_nursery_refill(h, size)) {  /* [heap.retry] */
                full_for_room(h);
                if (!mg_nursery_refill(h, size))
                    return NULL;
            }
        }
    }
    char *raw = h->pub.alloc_ptr_;
    h->pub.alloc_ptr_ += size;
    if (h->cfg.flags & MOVGC_STRESS)
        h->pub.alloc_limit_ = h->pub.alloc_ptr_;
    return init_object(raw, tag, nrefs, nbytes);
}

/* MOVGC_STRESS: a minor collection at every allocation, and a full one
 * every STRESS_FULL_EVERY; every other full collection is incremental,
 * its slices small and one per allocation, so that minor collections,
 * stores and promotion all happen while it marks. */
static void stress(movgc_heap *h) {
    unsigned tick = ++h->stress_tick % (2 * STRESS_FULL_EVERY);
    if (h->im) {
        mg_heap_minor(h, false);
        if (h->im->ready)
            full(h, false, true);
        else
            mg_incmark_slice(h, STRESS_SLICE);
    } else if (tick == 0) {
        mg_heap_full(h);
    } else {
        mg_heap_minor(h, false);
        if (tick == STRESS_FULL_EVERY && h->incremental)
            mg_incmark_start(h);
    }
}

void *movgc_alloc_(movgc_heap *h, unsigned tag, size_t nrefs, size_t nbytes) {
    if (tag > 0xFFFFu) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_alloc: tag %u is above 65535", tag);
        return NULL;
    }
    if (!mg_owner_ok(h, "movgc_alloc"))
        return NULL;
    if (h->collecting) {
        mg_error(h, MOVGC_E_MISUSE, "movgc_alloc called during a collection");
        return NULL;
    }
    if (nbytes > MAX_OBJECT || nrefs > (MAX_OBJECT - nbytes) / MG_WORD ||
        (h->cfg.heap_limit && mg_size_of(nrefs, nbytes) > h->cfg.heap_limit)) {
        /* no collection could make room: say so without collecting */
        mg_error(h, MOVGC_E_NOMEM,
                 "movgc_alloc: %zu slots and %zu bytes can never fit", nrefs, nbytes);
        return NULL;
    }
    mg_nursery_count(h);
    if (h->final_next) {
        h->final_next = false;
        if (h->im && h->im->ready)
            full(h, false, true);
    }
    if (h->cfg.flags & MOVGC_STRESS)
        stress(h);
    else if (h->im)
        mg_incmark_tick(h);
    if (h->old.release_end)
        mg_old_release_step(h);
    size_t size = mg_size_of(nrefs, nbytes);
    void *obj;
    if (size >= MG_LARGE_MIN || size > h->nursery.size / 4)
        obj = alloc_large(h, tag, nrefs, nbytes);
    else
        obj = alloc_young(h, tag, nrefs, nbytes, size);
    if (!obj)
        mg_error(h, MOVGC_E_NOMEM,
                 "movgc_alloc: %zu slots and %zu bytes do not fit under the heap limit",
                 nrefs, nbytes);
    if (h->finals.pending.n) {  /* a finalizer may collect: keep obj rooted */
        movgc_push_root(h, &obj);
        mg_final_run(h);
        movgc_pop_roots(h, 1);
    }
    return obj;
}

/* ================================================================= stats */

void movgc_get_stats(movgc_heap *h, movgc_stats *out, size_t size) {
    mg_nursery_count(h);
    mg_pauses_stats(h);
    h->stats.heap_bytes = h->held;
    if (size > sizeof h->stats)
        size = sizeof h->stats;
    memcpy(out, &h->stats, size);
}

/* mark.c -- the full collection's marking, alone or with marker threads.
 *
 * Mark bits live in compact.c's side tables (mark.h); large objects carry
 * their own 'marked' word.  Each participant (a "worker": the collector
 * thread is worker 0, the heap's marker threads the others) has its own
 * mark stack.  A worker with more than one object to scan while another
 * waits for work moves the oldest half of its stack (the roots of the
 * biggest unexplored subgraphs), at most SHARE_MAX entries, to the shared
 * stack; a worker out of work takes from there.  Marking is split into
 * rounds: the closure after the roots, and each drain that ephemeron and
 * finalizer processing asks for; the entries a round starts from are
 * pushed by the collector thread alone, between rounds.
 *
 * Bitmap words cover 64 heap words, so objects marked by different workers
 * share them: a worker that may run beside another updates them with
 * atomic read-modify-writes ("shared" mode).  Those are full barriers on
 * x86 and cost as much as the rest of marking a small object, so a worker
 * that is the only one with work (every other waits, nothing is shared: a
 * long list, the end of a round) switches to plain updates ("solo" mode)
 * until it shares again.  With MOVGC_GC_THREADS=1 no thread is started and
 * marking is solo throughout.
 *
 * A stack entry is an object address, tagged CLAIMED when its mark bit is
 * set already.  Solo, mark() sets the bit of the header word as it pushes
 * (reading nothing of the object, which is first touched when scanned,
 * after a prefetch).  Shared, mark() pushes the object untagged and scan()
 * claims it with one atomic update covering the header's bit and the
 * body's bits in that word.
 *
 * Invariants:
 * [mark.once] an object is scanned exactly once per collection: by the
 *   worker that set its mark bit (its header word's 'live' bit, its
 *   'nmark' bit, or its 'marked' word), or, for a pinned old object, by
 *   the worker that took the one entry mark_pinned pushed.
 * [mark.grey] during a round, every object pushed and not yet scanned is
 *   on a worker's stack, in its prefetch ring, or on the shared stack.
 * [mark.end] a round ends when every worker waits for work and the shared
 *   stack is empty: by [mark.grey] nothing is left unscanned, and only a
 *   worker with work could push more.  The collector returns from a round
 *   only after every marker thread has left it, so between rounds the
 *   tables are the collector's alone (the mutex orders every worker's
 *   writes before its reads).
 * [mark.solo] a worker updates the tables with plain stores only while
 *   every other worker of the round waits for work and the shared stack is
 *   empty; the others stay waiting until it shares, under the mutex.
 * [mark.fork] a child process forked from the owner thread has no marker
 *   threads: it leaves the parent's pool alone (its memory is dropped,
 *   nothing is joined) and starts its own at its next full collection.
 *   Between collections every marker thread waits for a round and holds
 *   nothing a child could need: pool_new returns only once each thread
 *   has started (a thread's start-up allocates, and an allocator without
 *   fork handlers would leave its lock taken in the child), and a thread
 *   allocates nothing after it leaves a round.
 * [mark.api] marker threads never call the public API, never report an
 *   error (a bad reference is recorded and reported by the collector) and
 *   block every signal. */
#include "mark.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "heap.h"

#define SHARE_MAX ((size_t)256)    /* entries moved to the shared stack at once */
#define STACK_FIRST ((size_t)4096) /* first size of a mark stack */
#define THREAD_STACK ((size_t)256 << 10)
#define AHEAD 8u                   /* objects prefetched ahead of scanning */
#define SOLO_EVERY 64u             /* objects scanned between checks for solo */
#define CLAIMED ((uintptr_t)1)     /* tag of an entry whose mark bit is set */

struct marking;

struct worker {
    struct marking *mk;      /* the collection this worker marks for */
    struct markers *pool;    /* its pool, for a marker thread */
    uintptr_t *stack;        /* entries to scan: [lo, sp) */
    size_t lo, sp, cap;
    uintptr_t ring[AHEAD];   /* prefetched entries: 'count' from 'head' */
    unsigned head, count;
    unsigned tick;           /* objects scanned, modulo SOLO_EVERY */
    size_t live_bytes;       /* bytes of the objects it scanned */
    size_t stop;             /* run() returns once live_bytes reaches it */
    size_t scanned;          /* objects it scanned, for MOVGC_VERBOSE */
    size_t shared;           /* entries it gave to the shared stack */
    uint64_t cpu_ns;         /* its CPU time in this collection's drains */
    void *stale;             /* a reference into the nursery's free part */
    unsigned seen;           /* last round joined (marker threads) */
    pthread_t thread;
} __attribute__((aligned(64)));

/* The heap's marker threads and what they share.  Everything below 'lock'
 * is guarded by it; 'idle' and 'nshared' are also read without it, to
 * decide whether to share and whether to go solo [mark.solo]: they are
 * stored with release order and read with acquire. */
struct markers {
    unsigned n;              /* workers: the collector and n - 1 threads */
    pid_t pid;               /* the process that started them [mark.fork] */
    pthread_mutex_t lock;
    pthread_cond_t start;    /* a round began, or 'quit' */
    pthread_cond_t work;     /* shared work arrived, or the round ended */
    pthread_cond_t left;     /* the last marker thread left the round, or
                                started [mark.fork] */
    unsigned round;          /* rounds begun */
    bool quit;
    struct marking *mk;      /* the current collection */
    void (*job)(void *arg, unsigned worker); /* instead of marking, this
                                round runs job(arg, i) on every worker */
    void *job_arg;
    unsigned idle;           /* workers waiting for work in this round */
    bool done;               /* [mark.end] the round is over */
    unsigned finished;       /* marker threads that left the round */
    unsigned started;        /* marker threads running [mark.fork] */
    uintptr_t *shared;       /* the shared stack: [0, nshared) */
    size_t nshared, cap;
    struct worker w[];       /* w[0] is the collector's */
};

/* One collection's marking. */
struct marking {
    movgc_heap *h;
    const struct mark_tables *t;
    uintptr_t old_words;     /* words of [base, top) */
    char *nfrom;             /* the nursery's objects: [nfrom, nfrom + nbytes) */
    uintptr_t nbytes;
    struct markers *pool;    /* NULL: marking alone */
    struct worker *w;        /* workers (pool->w, or one of our own) */
    unsigned n;
    bool young_later;        /* incremental: young objects are left to the
                                final pause [mark.snapshot] */
};

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* ============================================================ the bits */

/* Set 'mask' in *word; was any of it set before?  'par': other workers
 * may update the word at the same time. */
ALWAYS_INLINE uint64_t or_word(uint64_t *word, uint64_t mask, bool par) {
    if (par)
        return __atomic_fetch_or(word, mask, __ATOMIC_RELAXED);
    uint64_t old = *word;
    *word = old | mask;
    return old;
}

ALWAYS_INLINE uint64_t load_word(const uint64_t *word, bool par) {
    return par ? __atomic_load_n(word, __ATOMIC_RELAXED) : *word;
}

static inline bool bit_get(const uint64_t *b, size_t i) {
    return (b[i >> 6] >> (i & 63)) & 1;
}

/* Set bits [lo, hi) of b.  Words wholly inside belong to one object and
 * are stored; the two ends may share their word with other objects. */
ALWAYS_INLINE void bits_set(uint64_t *b, size_t lo, size_t hi, bool par) {
    while (lo < hi) {
        size_t k = lo & 63, n = 64 - k;
        if (n > hi - lo)
            n = hi - lo;
        if (n == 64 && par)
            __atomic_store_n(&b[lo >> 6], ~(uint64_t)0, __ATOMIC_RELAXED);
        else
            or_word(&b[lo >> 6], n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1) << k,
                    par);
        lo += n;
    }
}

/* Set the 'live' bits of the old object at word i, 'words' long, unless
 * its header's bit was set already: then false [mark.once].  The bits in
 * the header's word go in one update. */
ALWAYS_INLINE bool claim_old(uint64_t *live, size_t i, size_t words, bool par) {
    size_t end = i + words, first_end = (i | 63) + 1;
    uint64_t m = ~(uint64_t)0 << (i & 63);
    if (end < first_end)
        m &= ((uint64_t)1 << (end & 63)) - 1;
    if (or_word(&live[i >> 6], m, par) & ((uint64_t)1 << (i & 63)))
        return false;
    if (end > first_end)
        bits_set(live, first_end, end, par);
    return true;
}

/* ======================================================== mark stacks */

static void grow(struct worker *w) {
    if (w->cap > 0 && w->lo >= w->cap / 2) {  /* half was shared from the bottom */
        memmove(w->stack, w->stack + w->lo, (w->sp - w->lo) * sizeof *w->stack);
        w->sp -= w->lo;
        w->lo = 0;
        return;
    }
    size_t cap = w->cap ? w->cap * 2 : STACK_FIRST;
    uintptr_t *s = realloc(w->stack, cap * sizeof *s);
    if (!s) {  /* [mark.api]: no callback from here */
        fputs("movgc: heap corruption detected: full GC: no memory for a mark stack\n",
              stderr);
        abort();
    }
    w->stack = s;
    w->cap = cap;
}

static inline void push(struct worker *w, uintptr_t e) {
    if (w->sp == w->cap)
        grow(w);
    w->stack[w->sp++] = e;
}

static inline bool has_work(const struct worker *w) { return w->sp > w->lo; }

/* ============================================================== marking */

/* Push obj to be scanned unless it is marked already; solo, mark it too. */
ALWAYS_INLINE void mark(struct worker *w, void *obj, bool par) {
    const struct marking *mk = w->mk;
    const struct mark_tables *t = mk->t;
    uintptr_t at = (uintptr_t)obj - MG_WORD - (uintptr_t)t->base;
    uintptr_t e = (uintptr_t)obj;
    if (at / 8 < mk->old_words) {
        uintptr_t i = at / 8;
        uint64_t bit = (uint64_t)1 << (i & 63), *word = &t->live[i >> 6];
        if ((load_word(word, par) & bit) || (t->pinned && bit_get(t->pinned, i)))
            return;
        if (!par) {
            *word |= bit;
            e |= CLAIMED;
        }
    } else if ((uintptr_t)obj - MG_WORD - (uintptr_t)mk->nfrom < mk->nbytes) {
        uintptr_t i = (uintptr_t)((char *)obj - mk->nfrom) >> 3;
        uint64_t bit = (uint64_t)1 << (i & 63), *word = &t->nmark[i >> 6];
        if (load_word(word, par) & bit)
            return;
        if (!par) {
            *word |= bit;
            e |= CLAIMED;
        }
    } else if (mg_in_nursery(mk->h, obj)) {
        /* the empty semispace, or past the allocated part: no object */
        if (!mk->young_later && !w->stale)
            w->stale = obj;
        return;
    } else {
        struct large *l = mg_los_of(obj);
        if (mk->young_later && l->young)
            return;
        size_t *m = &l->marked;
        if (par ? __atomic_load_n(m, __ATOMIC_RELAXED) : *m)
            return;
        if (!par) {
            *m = 1;
            e |= CLAIMED;
        }
    }
    push(w, e);
}

/* Claim entry e's object if need be [mark.once], account it, complete its
 * 'live' bits [compact.live], mark its slots. */
ALWAYS_INLINE void scan(struct worker *w, uintptr_t e, bool par) {
    const struct marking *mk = w->mk;
    const struct mark_tables *t = mk->t;
    void *obj = (void *)(e & ~CLAIMED);
    bool claimed = e & CLAIMED;
    uintptr_t i = ((uintptr_t)obj - MG_WORD - (uintptr_t)t->base) / 8;
    uint64_t hdr = *mg_hdr(obj);
    if (i < mk->old_words) {
        size_t words = mg_hdr_size(hdr) / 8;
        if (!(t->pinned && bit_get(t->pinned, i))) {  /* pinned: pushed once */
            if (claimed)
                bits_set(t->live, i + 1, i + words, par);
            else if (!claim_old(t->live, i, words, par))
                return;
            w->live_bytes += words * 8;
        }
    } else if ((uintptr_t)obj - MG_WORD - (uintptr_t)mk->nfrom < mk->nbytes) {
        if (!claimed) {
            uintptr_t n = (uintptr_t)((char *)obj - mk->nfrom) >> 3;
            uint64_t bit = (uint64_t)1 << (n & 63);
            if (or_word(&t->nmark[n >> 6], bit, par) & bit)
                return;
        }
        w->live_bytes += mg_hdr_size(hdr);
    } else {
        struct large *l = mg_los_of(obj);
        if (!claimed) {
            size_t was = par ? __atomic_exchange_n(&l->marked, 1, __ATOMIC_RELAXED)
                             : l->marked;
            if (was)
                return;
            l->marked = 1;
        }
        w->live_bytes += l->map_bytes;
    }
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    for (size_t k = 0; k < n; k++)
        if (slots[k])
            mark(w, slots[k], par);
    w->scanned++;
}

/* From the collector thread, between rounds or alone: solo [mark.solo]. */
static void mark_one(struct marking *mk, void *obj) { mark(&mk->w[0], obj, false); }

/* ======================================================= work sharing */

/* Move the oldest half of w's stack, at most SHARE_MAX entries, to the
 * shared stack, and wake the waiting workers. */
static void share(struct markers *p, struct worker *w) {
    size_t k = (w->sp - w->lo) / 2;
    if (k > SHARE_MAX)
        k = SHARE_MAX;
    pthread_mutex_lock(&p->lock);
    if (p->nshared + k > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : STACK_FIRST;
        while (cap < p->nshared + k)
            cap *= 2;
        uintptr_t *s = realloc(p->shared, cap * sizeof *s);
        if (!s) {
            fputs("movgc: heap corruption detected: full GC: no memory for the "
                  "shared mark stack\n", stderr);
            abort();
        }
        p->shared = s;
        p->cap = cap;
    }
    memcpy(p->shared + p->nshared, w->stack + w->lo, k * sizeof *w->stack);
    __atomic_store_n(&p->nshared, p->nshared + k, __ATOMIC_RELEASE);
    w->lo += k;
    w->shared += k;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
}

/* Does a worker wait for work that w could give? */
static inline bool wanted(struct markers *p, const struct worker *w) {
    return w->sp - w->lo >= 2 && __atomic_load_n(&p->idle, __ATOMIC_ACQUIRE) > 0 &&
           __atomic_load_n(&p->nshared, __ATOMIC_ACQUIRE) == 0;
}

/* May the calling worker, which has work, go solo [mark.solo]?  'nshared'
 * is read first: a worker taking the last shared entries counts itself out
 * of 'idle' before it empties the shared stack. */
static inline bool alone(struct markers *p) {
    return __atomic_load_n(&p->nshared, __ATOMIC_ACQUIRE) == 0 &&
           __atomic_load_n(&p->idle, __ATOMIC_ACQUIRE) == p->n - 1;
}

/* w is out of work: take some from the shared stack, waiting for it if
 * need be.  false: the round is over [mark.end]. */
static bool take(struct markers *p, struct worker *w) {
    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (p->nshared > 0) {
            size_t k = (p->nshared + 1) / 2;
            if (k > SHARE_MAX)
                k = SHARE_MAX;
            size_t from = p->nshared - k;
            w->lo = w->sp = 0;  /* w has no work */
            while (w->cap < k)
                grow(w);
            memcpy(w->stack, p->shared + from, k * sizeof *w->stack);
            w->sp = k;
            __atomic_store_n(&p->nshared, from, __ATOMIC_RELEASE);
            pthread_mutex_unlock(&p->lock);
            return true;
        }
        if (p->done)
            break;
        __atomic_store_n(&p->idle, p->idle + 1, __ATOMIC_RELEASE);
        if (p->idle == p->n) {  /* [mark.end] */
            p->done = true;
            pthread_cond_broadcast(&p->work);
            break;
        }
        pthread_cond_wait(&p->work, &p->lock);
        __atomic_store_n(&p->idle, p->idle - 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&p->lock);
    return false;
}

/* ============================================================ draining */

/* Scan w's entries; true when it has none left, false when it should
 * change mode: shared to solo [mark.solo], or solo to shared after it
 * shared.  Entries pass through a small FIFO on their way from the stack
 * to scan(), prefetched as they enter it, so that their headers and slots
 * are in cache by the time they are read. */
ALWAYS_INLINE bool run(struct worker *w, bool par) {
    struct markers *p = w->mk->pool;
    unsigned head = w->head, count = w->count;  /* in registers meanwhile */
    bool empty = false;
    for (;;) {
        while (count < AHEAD && has_work(w)) {
            uintptr_t e = w->stack[--w->sp];
            __builtin_prefetch(mg_hdr((void *)(e & ~CLAIMED)), 1);
            w->ring[(head + count++) % AHEAD] = e;
        }
        if (count == 0) {
            empty = true;
            break;
        }
        uintptr_t e = w->ring[head];
        head = (head + 1) % AHEAD;
        count--;
        scan(w, e, par);
        if (w->live_bytes >= w->stop)
            break;  /* an incremental slice's budget is spent */
        if (!p)
            continue;
        if (wanted(p, w)) {
            share(p, w);
            if (!par)
                break;
        } else if (par && ++w->tick % SOLO_EVERY == 0 && alone(p)) {
            break;
        }
    }
    w->head = head;
    w->count = count;
    return empty;
}

static bool run_solo(struct worker *w) { return run(w, false); }
static bool run_shared(struct worker *w) { return run(w, true); }

/* CPU time of the calling thread, for MOVGC_VERBOSE: what a worker would
 * take on a core of its own, whatever else the machine runs. */
static uint64_t thread_cpu_ns(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Scan until the round is over [mark.end]. */
static void drain_round(struct worker *w) {
    struct markers *p = w->mk->pool;
    uint64_t t0 = thread_cpu_ns();
    for (;;) {
        bool empty = alone(p) ? run_solo(w) : run_shared(w);
        if (empty && !take(p, w))
            break;
    }
    w->lo = w->sp = 0;
    w->cpu_ns += thread_cpu_ns() - t0;
}

/* The marker threads' loop: wait for a round, drain, say so. */
static void *marker_main(void *arg) {
    struct worker *w = arg;
    struct markers *p = w->pool;
    pthread_mutex_lock(&p->lock);
    p->started++;
    pthread_cond_signal(&p->left);
    for (;;) {
        while (p->round == w->seen && !p->quit)
            pthread_cond_wait(&p->start, &p->lock);
        if (p->quit)
            break;
        w->seen = p->round;
        w->mk = p->mk;
        void (*job)(void *, unsigned) = p->job;
        void *job_arg = p->job_arg;
        pthread_mutex_unlock(&p->lock);
        if (job)
            job(job_arg, (unsigned)(w - p->w));
        else
            drain_round(w);
        pthread_mutex_lock(&p->lock);
        if (++p->finished == p->n - 1)
            pthread_cond_signal(&p->left);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Wait until every marker thread has left the round. */
static void round_wait(struct markers *p) {
    pthread_mutex_lock(&p->lock);
    while (p->finished < p->n - 1)
        pthread_cond_wait(&p->left, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

unsigned mg_markers_run(movgc_heap *h, void (*job)(void *arg, unsigned worker), void *arg) {
    struct markers *p = h->markers;
    if (!p || p->pid != getpid()) {  /* [mark.fork]: the next marking restarts them */
        job(arg, 0);
        return 1;
    }
    pthread_mutex_lock(&p->lock);
    p->job = job;
    p->job_arg = arg;
    p->round++;
    p->finished = 0;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);
    job(arg, 0);
    round_wait(p);
    return p->n;
}

/* One round over everything the collector pushed [mark.end]. */
static void round_all(struct marking *mk) {
    struct markers *p = mk->pool;
    pthread_mutex_lock(&p->lock);
    p->mk = mk;
    p->job = NULL;
    p->round++;
    p->finished = 0;
    p->done = false;
    __atomic_store_n(&p->idle, 0, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);
    drain_round(&mk->w[0]);
    round_wait(p);
}

/* The closure of what was pushed; then report the bad references met. */
static void drain(struct marking *mk) {
    struct worker *w0 = &mk->w[0];
    if (mk->pool) {
        if (has_work(w0))
            round_all(mk);
    } else {
        uint64_t t0 = thread_cpu_ns();
        run_solo(w0);
        w0->lo = w0->sp = 0;
        w0->cpu_ns += thread_cpu_ns() - t0;
    }
    for (unsigned i = 0; i < mk->n; i++) {
        void *bad = mk->w[i].stale;
        mk->w[i].stale = NULL;
        if (bad)
            mg_error(mk->h, MOVGC_E_CORRUPT,
                     "full GC: reference %p points into the nursery but at no "
                     "object (a stale pointer kept across a collection?)", bad);
    }
}

/* ========================================================== the threads */

static void pool_free(struct markers *p) {
    if (p->pid != getpid()) {  /* [mark.fork] */
        free(p->shared);
        free(p);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->quit = true;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 1; i < p->n; i++)
        pthread_join(p->w[i].thread, NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->start);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->left);
    free(p->shared);
    for (unsigned i = 0; i < p->n; i++)
        free(p->w[i].stack);
    free(p);
}

/* Start want - 1 marker threads; with fewer (the OS refused some), run
 * with those.  NULL: none could start (marking stays serial). */
static struct markers *pool_new(unsigned want) {
    /* Workers are cache-line aligned so that no two share a line; malloc
     * alone would not align them (and their hot fields would ping-pong
     * between the cores). */
    size_t bytes = (sizeof(struct markers) + want * sizeof(struct worker) + 63) &
                   ~(size_t)63;
    struct markers *p = aligned_alloc(64, bytes);
    if (!p)
        return NULL;
    memset(p, 0, bytes);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->left, NULL);
    p->n = 1;
    p->pid = getpid();
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, THREAD_STACK);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);  /* [mark.api]: inherited */
    for (unsigned i = 1; i < want; i++) {
        struct worker *w = &p->w[i];
        w->pool = p;
        if (pthread_create(&w->thread, &attr, marker_main, w) != 0)
            break;
        p->n = i + 1;  /* no round runs yet: n is read by the threads later */
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    pthread_mutex_lock(&p->lock);  /* [mark.fork] */
    while (p->started < p->n - 1)
        pthread_cond_wait(&p->left, &p->lock);
    pthread_mutex_unlock(&p->lock);
    if (p->n == 1) {
        pool_free(p);
        return NULL;
    }
    return p;
}

void mg_mark_free(movgc_heap *h) {
    if (h->markers)
        pool_free(h->markers);
    h->markers = NULL;
}

/* ============================================================== phases */

static void mark_root(movgc_heap *h, void **slot, void *ctx) {
    (void)h;
    if (*slot)
        mark_one(ctx, *slot);
}

/* Record the pinned old object of 'size' bytes at word i. */
static void pin_bits(const struct mark_tables *t, size_t i, size_t size) {
    size_t e = i + size / 8;
    t->pinned[i >> 6] |= (uint64_t)1 << (i & 63);
    t->pinend[e >> 6] |= (uint64_t)1 << (e & 63);
}

/* Pinned old objects are marked first, through 'pinned' rather than
 * 'live', so that sliding leaves them where they are. */
static void mark_pinned(movgc_heap *h, void *obj, void *ctx) {
    struct marking *mk = ctx;
    const struct mark_tables *t = mk->t;
    if (!mg_is_old(h, obj)) {
        mark_one(mk, obj);
        return;
    }
    size_t i = (size_t)((char *)mg_hdr(obj) - t->base) >> 3;
    if (bit_get(t->pinned, i))
        return;
    size_t size = mg_obj_size(obj);
    pin_bits(t, i, size);
    mk->w[0].live_bytes += size;
    push(&mk->w[0], (uintptr_t)obj | CLAIMED);
}

bool mg_mark_reached(movgc_heap *h, const struct mark_tables *t, void *obj) {
    uintptr_t i = ((uintptr_t)obj - MG_WORD - (uintptr_t)t->base) / 8;
    if (i < (uintptr_t)(t->top - t->base) / 8)
        return bit_get(t->live, i) || (t->pinned && bit_get(t->pinned, i));
    if (mg_in_nursery(h, obj))
        return bit_get(t->nmark, (size_t)((char *)obj - h->nursery.from) >> 3);
    return mg_los_of(obj)->marked != 0;
}

/* Weak and finalizer processing in marking terms: objects do not move yet. */
static void *fin_survivor(void *obj, void *ctx) {
    struct marking *mk = ctx;
    return mg_mark_reached(mk->h, mk->t, obj) ? obj : NULL;
}
static void fin_keep_children(void *obj, void *ctx) {
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    for (size_t i = 0; i < n; i++)
        if (slots[i] && slots[i] != obj)  /* a self reference does not delay it */
            mark_one(ctx, slots[i]);
}
static void *fin_keep(void *obj, void *ctx) {
    mark_one(ctx, obj);
    return obj;
}
static void fin_drain(void *ctx) { drain(ctx); }

/* Under MOVGC_VERBOSE: how the work was spread, and each thread's CPU
 * time in the drains. */
static void report(const struct marking *mk) {
    char line[512];
    size_t len = (size_t)snprintf(line, sizeof line, "movgc: mark on %u thread%s, "
                                  "objects scanned", mk->n, mk->n > 1 ? "s" : "");
    size_t shared = 0;
    for (unsigned i = 0; i < mk->n && len < sizeof line; i++) {
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%zu",
                                i ? " / " : " ", mk->w[i].scanned);
        shared += mk->w[i].shared;
    }
    if (len < sizeof line)
        len += (size_t)snprintf(line + len, sizeof line - len,
                                "; %zu shared; CPU ms", shared);
    for (unsigned i = 0; i < mk->n && len < sizeof line; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%.3f",
                                i ? " / " : " ", (double)mk->w[i].cpu_ns / 1e6);
    fprintf(stderr, "%s\n", line);
}

/* Set up mk over tables t for a stop-the-world marking, starting the
 * marker threads if need be; 'alone' is worker 0 when there are none. */
static void setup(movgc_heap *h, const struct mark_tables *t, struct marking *mk,
                  struct worker *alone) {
    if (h->markers && h->markers->pid != getpid())  /* [mark.fork] */
        mg_mark_free(h);
    if (!h->markers && h->gc_threads > 1) {
        h->markers = pool_new(h->gc_threads);
        if (!h->markers)  /* no thread would start: mark alone from now on */
            h->gc_threads = 1;
    }
    *mk = (struct marking){
        .h = h, .t = t, .old_words = (uintptr_t)(t->top - t->base) / 8,
        .nfrom = h->nursery.from,
        .nbytes = (uintptr_t)(h->pub.alloc_ptr_ - h->nursery.from),
        .pool = h->markers,
        .w = h->markers ? h->markers->w : alone,
        .n = h->markers ? h->markers->n : 1,
    };
    for (unsigned i = 0; i < mk->n; i++) {
        struct worker *w = &mk->w[i];
        w->mk = mk;
        w->live_bytes = w->scanned = w->shared = 0;
        w->head = w->count = w->tick = 0;
        w->cpu_ns = 0;
        w->stop = SIZE_MAX;
    }
}

/* The roots a full collection starts from, pins apart. */
static void mark_roots(movgc_heap *h, struct marking *mk) {
    mg_roots_visit(h, mark_root, mk);
    mg_handles_visit(h, MG_H_STRONG, mark_root, mk);
    mg_final_visit(h, true, mark_root, mk);
}

/* The closure of what mk's workers hold, then ephemerons, weak handles and
 * finalizers; returns the bytes the workers scanned. */
static size_t finish(movgc_heap *h, struct marking *mk) {
    drain(mk);
    /* Ephemerons, then weak handles are cleared, then finalizers resurrect. */
    struct mg_gc_ops ops = {fin_survivor, fin_keep_children, fin_keep, fin_drain, mk};
    mg_handles_weak(h, &ops);
    mg_final_select(h, false, &ops);
    if (h->cfg.flags & MOVGC_VERBOSE)
        report(mk);
    size_t live = 0;
    for (unsigned i = 0; i < mk->n; i++) {
        struct worker *w = &mk->w[i];
        live += w->live_bytes;
        free(w->stack);  /* [mark.end]: the threads are between rounds */
        w->stack = NULL;
        w->cap = w->lo = w->sp = 0;
        w->mk = NULL;
    }
    return live;
}

size_t mg_mark_all(movgc_heap *h, const struct mark_tables *t) {
    struct worker alone = {0};
    struct marking mk;
    setup(h, t, &mk, &alone);
    mg_handles_each_pinned(h, mark_pinned, &mk);
    mark_roots(h, &mk);
    return finish(h, &mk);
}

/* ==================================================== incremental marking */

/* [mark.snapshot] An incremental marking marks, in slices on the owner
 * thread, what the heap held when it began: its roots and the young
 * objects of that moment are scanned at once (every young object: after a
 * minor collection they are few), and old objects are marked through the
 * 'live' bitmap of the whole reservation, as the stop-the-world marking
 * does; references to young objects are not followed.  The write barrier
 * shades the old and the new value of every store into an old object
 * meanwhile (mg_mark_shade), objects entering the old generation are
 * marked as they enter, and reads of weak handles mark what they read
 * (incmark.h), so at the end every old object reachable at the start is
 * marked (Yuasa's snapshot), and so is every object the program made
 * reachable from an old object since.  The final pause (mg_mark_finish) then marks from
 * the roots and the remembered set again, following young objects this
 * time, and settles pins, ephemerons, weak handles and finalizers as the
 * stop-the-world marking does. */
struct mark_cycle {
    struct worker w;          /* first: its alignment */
    struct marking mk;
    struct mark_tables t;
};

/* Every slot of obj, as seen from the snapshot. */
static void mark_slots(struct marking *mk, void *obj) {
    size_t n = movgc_nrefs(obj);
    void **slots = mg_slots(obj);
    for (size_t k = 0; k < n; k++)
        if (slots[k])
            mark_one(mk, slots[k]);
}

static void mark_held(movgc_heap *h, void *obj, void *ctx) {
    (void)h;
    mark_one(ctx, obj);
}

struct mark_cycle *mg_mark_begin(movgc_heap *h, uint64_t *live, size_t words) {
    struct mark_cycle *c = aligned_alloc(64, sizeof *c);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    c->t = (struct mark_tables){h->old.base, h->old.base + 8 * words, live, NULL, NULL,
                                NULL};
    c->mk = (struct marking){.h = h, .t = &c->t, .old_words = words, .w = &c->w,
                             .n = 1, .young_later = true};
    c->w.mk = &c->mk;
    c->w.stop = 0;
    struct marking *mk = &c->mk;
    mg_handles_each_pinned(h, mark_held, mk);
    mark_roots(h, mk);
    for (char *p = h->nursery.from; p < h->pub.alloc_ptr_;) {
        void *obj = p + MG_WORD;
        mark_slots(mk, obj);
        p += mg_obj_size(obj);
    }
    for (struct large *l = h->los.young.next; l != &h->los.young; l = l->next)
        mark_slots(mk, l + 1);
    return c;
}

bool mg_mark_step(struct mark_cycle *c, size_t budget) {
    struct worker *w = &c->w;
    uint64_t t0 = thread_cpu_ns();
    w->stop = w->live_bytes + budget;
    bool empty = run_solo(w);
    if (empty)
        w->lo = w->sp = 0;
    w->cpu_ns += thread_cpu_ns() - t0;
    return empty;
}

void mg_mark_entered(struct mark_cycle *c, void *obj, size_t size) {
    size_t i = (size_t)((char *)obj - MG_WORD - c->t.base) >> 3;
    bits_set(c->t.live, i, i + size / 8, false);
}

void mg_mark_shade(struct mark_cycle *c, void *obj) {
    if (obj)
        mark(&c->w, obj, false);
}

size_t mg_mark_cycle_bytes(const struct mark_cycle *c) { return c->w.live_bytes; }

void mg_mark_grey_each(struct mark_cycle *c, void (*fn)(void *obj, void *ctx),
                       void *ctx) {
    struct worker *w = &c->w;
    for (size_t i = w->lo; i < w->sp; i++)
        fn((void *)(w->stack[i] & ~CLAIMED), ctx);
    for (unsigned k = 0; k < w->count; k++)
        fn((void *)(w->ring[(w->head + k) % AHEAD] & ~CLAIMED), ctx);
}

void mg_mark_discard(struct mark_cycle *c) {
    if (!c)
        return;
    free(c->w.stack);
    free(c);
}

/* Clear bits [lo, hi) of b. */
static void bits_clear(uint64_t *b, size_t lo, size_t hi) {
    for (; lo < hi && (lo & 63); lo++)
        b[lo >> 6] &= ~((uint64_t)1 << (lo & 63));
    for (; lo + 64 <= hi; lo += 64)
        b[lo >> 6] = 0;
    for (; lo < hi; lo++)
        b[lo >> 6] &= ~((uint64_t)1 << (lo & 63));
}

/* A pinned object at the final pause: one the slices marked moves from
 * 'live' to 'pinned' (it was scanned and counted); any other is marked as
 * the stop-the-world marking marks it. */
static void settle_pinned(movgc_heap *h, void *obj, void *ctx) {
    const struct mark_tables *t = ((struct marking *)ctx)->t;
    size_t i = (size_t)((char *)mg_hdr(obj) - t->base) >> 3;
    if (!mg_is_old(h, obj) || bit_get(t->pinned, i) || !bit_get(t->live, i)) {
        mark_pinned(h, obj, ctx);
        return;
    }
    size_t size = mg_obj_size(obj);
    bits_clear(t->live, i, i + size / 8);
    pin_bits(t, i, size);
}

/* The old objects the slices scanned did not follow their references to
 * young objects; those that hold any are in the remembered set. */
static void mark_remembered_young(movgc_heap *h, struct marking *mk) {
    for (size_t i = 0; i < h->remset.n; i++) {
        void *obj = h->remset.objs[i];
        if (!mg_mark_reached(h, mk->t, obj))
            continue;  /* if marked later, its scan follows them */
        size_t n = movgc_nrefs(obj);
        void **slots = mg_slots(obj);
        for (size_t k = 0; k < n; k++)
            if (slots[k] && mg_is_young(h, slots[k]))
                mark_one(mk, slots[k]);
    }
}

size_t mg_mark_finish(movgc_heap *h, struct mark_cycle *c, const struct mark_tables *t) {
    c->w.stop = SIZE_MAX;
    uint64_t t0 = thread_cpu_ns();
    run_solo(&c->w);  /* the rest of the snapshot */
    c->w.cpu_ns += thread_cpu_ns() - t0;
    size_t before = c->w.live_bytes;
    if (h->cfg.flags & MOVGC_VERBOSE)
        fprintf(stderr, "movgc: incremental mark scanned %zuK in %.3f ms of CPU\n",
                before >> 10, (double)c->w.cpu_ns / 1e6);
    mg_mark_discard(c);
    struct worker alone = {0};
    struct marking mk;
    setup(h, t, &mk, &alone);
    if (t->pinned)
        mg_handles_each_pinned(h, settle_pinned, &mk);
    mark_roots(h, &mk);
    mark_remembered_young(h, &mk);
    return before + finish(h, &mk);
}

/* bk_boehm.c -- Boehm GC backend: start-up, handle table, and pause
 * timing through the collector's own collection events. */
#include <time.h>
#include "bk.h"

/* Declared by gc.h only under GC_THREADS, which would also redirect
 * pthread_create; Debian's libgc exports it either way. */
extern int GC_get_parallel(void);

void **bk_htab;
uint32_t bk_htab_len, bk_htab_cap, bk_htab_free;

#define NPAUSE 4096
static bk_pause pauses[NPAUSE];   /* collections not yet taken */
static size_t npauses;
static uint64_t started;          /* ns at GC_EVENT_START, 0 outside one */

static uint64_t now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Boehm's collections stop the world from start to end (no incremental
 * mode is enabled), so that span is the pause. */
static void on_event(GC_EventType ev) {
    if (ev == GC_EVENT_START)
        started = now();
    else if (ev == GC_EVENT_END && started) {
        if (npauses < NPAUSE)
            pauses[npauses++] = (bk_pause){1, now() - started, 0};
        started = 0;
    }
}

const char *bk_backend(void) { return "boehm"; }

void bk_init(void) {
    GC_INIT();
    GC_set_on_collection_event(on_event);
}

void bk_fini(void) {}

void bk_describe(char *buf, size_t n) {
    unsigned v = GC_get_version();
    snprintf(buf, n, "gc_version=%u.%u.%u markers=%d collections=%lu",
             v >> 16, (v >> 8) & 0xFF, v & 0xFF, GC_get_parallel() + 1,
             (unsigned long)GC_get_gc_no());
}

size_t bk_pauses_take(bk_pause *out, size_t max) {
    size_t n = npauses < max ? npauses : max;
    for (size_t i = 0; i < n; i++)
        out[i] = pauses[i];
    npauses = 0;
    return n;
}

/* The table is scanned by the collector (it holds the handles' objects)
 * but never collected itself. */
void bk_htab_grow(void) {
    uint32_t cap = bk_htab_cap ? 2 * bk_htab_cap : 1024;
    void **t = GC_MALLOC_UNCOLLECTABLE(cap * sizeof *t);
    if (!t)
        abort();
    for (uint32_t i = 0; i < bk_htab_cap; i++)
        t[i] = bk_htab[i];
    if (bk_htab)
        GC_FREE(bk_htab);
    bk_htab = t;
    bk_htab_cap = cap;
}

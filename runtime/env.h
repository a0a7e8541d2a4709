/* env.h -- the configuration a heap starts with: the caller's movgc_config;
 * where it leaves a field 0, the MOVGC_* environment variable; then defaults.
 * A flag variable set to 1 adds its flag to the caller's. */
#ifndef MG_ENV_H
#define MG_ENV_H

#include <stdbool.h>

#include "movgc.h"

struct settings {
    movgc_config cfg;       /* nursery_bytes, heap_limit, growth, flags final */
    unsigned promote_age;   /* minor collections survived before promotion */
    bool nursery_default;   /* neither the caller nor MOVGC_NURSERY sized it */
    size_t nursery_max;     /* MOVGC_NURSERY_MAX: cap of the adaptive nursery */
    bool growth_fixed;      /* the caller or MOVGC_GROWTH set the growth */
    unsigned gc_threads;    /* MOVGC_GC_THREADS: threads marking a full GC */
    bool incremental;       /* MOVGC_INCREMENTAL: mark in slices (default) */
    double minor_pause_ns;  /* MOVGC_MINOR_PAUSE: the adaptive nursery's
                               pause goal */
};

/* Fill *out from cfg (may be NULL) and the environment.  false after a
 * MOVGC_E_CONFIG error naming the variable or field was reported. */
bool mg_env_settings(const movgc_config *cfg, struct settings *out);

#endif

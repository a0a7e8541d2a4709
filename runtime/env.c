/* env.c -- defaults, the caller's config and the MOVGC_* variables.
 * A malformed value is an error naming the variable, never a silent default. */
#include "env.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

#define DEFAULT_NURSERY ((size_t)4 << 20)  /* a semispace, when not adaptive */
#define DEFAULT_NURSERY_MAX ((size_t)64 << 20)
#define MIN_NURSERY_MAX ((size_t)64 << 10)
#define DEFAULT_GROWTH 1.25  /* reported in cfg; the policy adapts it */
#define DEFAULT_PROMOTE_AGE 2u
#define DEFAULT_GC_THREADS_MAX 8u  /* the default: online cores, at most this */
#define GC_THREADS_MAX 64u
#define DEFAULT_MINOR_PAUSE_MS 6.0
#define MINOR_PAUSE_MAX_MS 60000.0

/* "123", "64K", "4M", "1G" (case-insensitive suffix) -> bytes. */
static bool parse_size(const char *s, size_t *out) {
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return false;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (*end != '\0' || v > (SIZE_MAX >> shift))
        return false;
    *out = (size_t)v << shift;
    return true;
}

/* The variables replace defaults only: a field the caller set wins, but a
 * malformed value is an error either way. */
static bool env_size(const movgc_config *cfg, const char *name, size_t *out) {
    const char *s = getenv(name);
    size_t v;
    if (!s)
        return true;
    if (parse_size(s, &v)) {
        if (*out == 0)
            *out = v;
        return true;
    }
    mg_error_cfg(cfg, MOVGC_E_CONFIG,
                 "%s='%s' is not a size (digits with optional K, M or G)",
                 name, s);
    return false;
}

static bool env_flag(const movgc_config *cfg, const char *name,
                     unsigned bit, unsigned *flags) {
    const char *s = getenv(name);
    if (!s)
        return true;
    if (strcmp(s, "0") == 0 || strcmp(s, "1") == 0) {
        if (s[0] == '1')
            *flags |= bit;
        return true;
    }
    mg_error_cfg(cfg, MOVGC_E_CONFIG, "%s='%s' must be 0 or 1", name, s);
    return false;
}

/* A whole string that is a decimal number; false for anything else. */
static bool parse_number(const char *s, double *out) {
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return !errno && end != s && *end == '\0';
}

static bool env_growth(const movgc_config *cfg, double *out) {
    const char *s = getenv("MOVGC_GROWTH");
    if (!s)
        return true;
    double g;
    if (!parse_number(s, &g) || !(g >= 1.0 && g <= 100.0)) {
        mg_error_cfg(cfg, MOVGC_E_CONFIG,
                     "MOVGC_GROWTH='%s' must be a number from 1 to 100", s);
        return false;
    }
    if (*out == 0)
        *out = g;
    return true;
}

/* MOVGC_MINOR_PAUSE: milliseconds, above 0 and at most a minute. */
static bool env_minor_pause(const movgc_config *cfg, double *ns) {
    const char *s = getenv("MOVGC_MINOR_PAUSE");
    *ns = DEFAULT_MINOR_PAUSE_MS * 1e6;
    if (!s)
        return true;
    double ms;
    if (!parse_number(s, &ms) || !(ms > 0 && ms <= MINOR_PAUSE_MAX_MS)) {
        mg_error_cfg(cfg, MOVGC_E_CONFIG,
                     "MOVGC_MINOR_PAUSE='%s' must be a number of milliseconds above 0 "
                     "and at most %g", s, MINOR_PAUSE_MAX_MS);
        return false;
    }
    *ns = ms * 1e6;
    return true;
}

static bool env_promote_age(const movgc_config *cfg, unsigned *out) {
    const char *s = getenv("MOVGC_PROMOTE_AGE");
    if (!s)
        return true;
    if (s[0] >= '1' && s[0] <= '7' && s[1] == '\0') {
        *out = (unsigned)(s[0] - '0');
        return true;
    }
    mg_error_cfg(cfg, MOVGC_E_CONFIG,
                 "MOVGC_PROMOTE_AGE='%s' must be a number from 1 to 7", s);
    return false;
}

/* MOVGC_GC_THREADS: 1 to GC_THREADS_MAX; by default the online cores,
 * at most DEFAULT_GC_THREADS_MAX. */
static bool env_gc_threads(const movgc_config *cfg, unsigned *out) {
    const char *s = getenv("MOVGC_GC_THREADS");
    if (!s) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        *out = n < 1 ? 1u : n > (long)DEFAULT_GC_THREADS_MAX ? DEFAULT_GC_THREADS_MAX
                                                             : (unsigned)n;
        return true;
    }
    char *end;
    errno = 0;
    unsigned long n = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || errno || *end != '\0' || n < 1 || n > GC_THREADS_MAX) {
        mg_error_cfg(cfg, MOVGC_E_CONFIG,
                     "MOVGC_GC_THREADS='%s' must be a number from 1 to %u", s,
                     GC_THREADS_MAX);
        return false;
    }
    *out = (unsigned)n;
    return true;
}

static bool check_config(const movgc_config *cfg) {
    if (cfg->growth != 0 && !(cfg->growth >= 1.0 && cfg->growth <= 100.0)) {
        mg_error_cfg(cfg, MOVGC_E_CONFIG,
                     "movgc_config.growth=%g must be 0 or from 1 to 100",
                     cfg->growth);
        return false;
    }
    if (cfg->flags &
        ~(unsigned)(MOVGC_STRESS | MOVGC_VERIFY | MOVGC_VERBOSE | MOVGC_PROTECT)) {
        mg_error_cfg(cfg, MOVGC_E_CONFIG, "movgc_config.flags=%#x has unknown bits",
                     cfg->flags);
        return false;
    }
    return true;
}

bool mg_env_settings(const movgc_config *cfg, struct settings *out) {
    memset(out, 0, sizeof *out);
    if (cfg)
        out->cfg = *cfg;
    if (!check_config(&out->cfg))
        return false;
    out->promote_age = DEFAULT_PROMOTE_AGE;
    movgc_config *c = &out->cfg;
    unsigned incremental = getenv("MOVGC_INCREMENTAL") ? 0u : 1u;
    if (!env_size(cfg, "MOVGC_NURSERY", &c->nursery_bytes) ||
        !env_size(cfg, "MOVGC_HEAP_LIMIT", &c->heap_limit) ||
        !env_growth(cfg, &c->growth) ||
        !env_flag(cfg, "MOVGC_STRESS", MOVGC_STRESS, &c->flags) ||
        !env_flag(cfg, "MOVGC_VERIFY", MOVGC_VERIFY, &c->flags) ||
        !env_flag(cfg, "MOVGC_VERBOSE", MOVGC_VERBOSE, &c->flags) ||
        !env_flag(cfg, "MOVGC_PROTECT", MOVGC_PROTECT, &c->flags) ||
        !env_flag(cfg, "MOVGC_INCREMENTAL", 1u, &incremental) ||
        !env_promote_age(cfg, &out->promote_age) ||
        !env_minor_pause(cfg, &out->minor_pause_ns) ||
        !env_gc_threads(cfg, &out->gc_threads))
        return false;
    if (!env_size(cfg, "MOVGC_NURSERY_MAX", &out->nursery_max))
        return false;
    if (out->nursery_max == 0)
        out->nursery_max = DEFAULT_NURSERY_MAX;
    if (out->nursery_max < MIN_NURSERY_MAX) {
        mg_error_cfg(cfg, MOVGC_E_CONFIG, "MOVGC_NURSERY_MAX=%zu is below %zu bytes",
                     out->nursery_max, MIN_NURSERY_MAX);
        return false;
    }
    if (c->nursery_bytes == 0) {
        c->nursery_bytes = DEFAULT_NURSERY;
        out->nursery_default = true;
    }
    out->incremental = incremental != 0;
    out->growth_fixed = c->growth != 0;
    if (c->growth == 0)
        c->growth = DEFAULT_GROWTH;
    return true;
}

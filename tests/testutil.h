/* testutil.h -- shared fixture for the movgc Check tests: a heap per test whose
 * on_error records codes, seeded randomness, stress scaling, and a way to run a
 * piece of code in a child process and capture how it ended and what it printed. */
#ifndef MOVGC_TESTUTIL_H
#define MOVGC_TESTUTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1                   /* setenv, fork, pipe, clock_gettime */
#endif

#include <stddef.h>
#include <stdint.h>
#include <check.h>
#include "movgc.h"

/* Check records a "mark point" (a write to its message pipe) for every
 * assertion that passes; the contents checks here make millions of them.
 * Passing assertions cost nothing with this definition; failures report as
 * before.  (A crash is then located at the test's start: rerun it with
 * CK_FORK=no under a debugger.) */
#undef ck_assert_msg
#define ck_assert_msg(expr, ...)                                             \
    ((expr) ? (void)0                                                        \
            : _ck_assert_failed(__FILE__, __LINE__, "Assertion '" #expr      \
                                "' failed", ##__VA_ARGS__))

/* ---- the per-test heap ---------------------------------------------------- */
extern movgc_heap *H;               /* created by tu_setup, freed by tu_teardown */

struct tu_errors {
    unsigned count;                 /* on_error calls since the last tu_errors_clear */
    int last;                       /* code of the last call, MOVGC_OK if none */
    unsigned by_code[8];            /* calls per code (codes 0..7) */
    unsigned bad_args;              /* calls whose heap or ud did not match */
    char msg[256];                  /* message of the last call */
    movgc_heap *heap;               /* heap passed to the last call */
};
extern struct tu_errors tu_err;

void tu_on_error(movgc_heap *h, int code, const char *msg, void *ud);
movgc_config tu_config(void);       /* all defaults, on_error = tu_on_error */
movgc_heap *tu_heap_new(const movgc_config *cfg); /* installs tu_err as ud */
void tu_errors_clear(void);
void tu_setup(void);                /* H = heap with default config */
void tu_teardown(void);

/* A TCase with the fixture and a timeout generous enough for sanitizer and
 * stress builds (the tests themselves take well under a second normally). */
TCase *tu_tcase(const char *name);
TCase *tu_tcase_bare(const char *name); /* no fixture */
int tu_run_suite(Suite *s);             /* runs it, returns the exit status */

/* ---- environment ---------------------------------------------------------- */
int tu_stressed(void);              /* MOVGC_STRESS=1 in the environment */
size_t tu_scale(size_t normal, size_t stressed);

/* ---- randomness: seed printed, MOVGC_TEST_SEED replays -------------------- */
uint64_t tu_seed(const char *test);
uint64_t tu_rand(uint64_t *state);
size_t tu_rand_below(uint64_t *state, size_t n);

/* ---- contents ------------------------------------------------------------- */
void tu_fill(void *obj, uint64_t key);      /* raw bytes from key */
int tu_check_fill(void *obj, uint64_t key); /* 1 if they still match */
void *tu_alloc_filled(unsigned tag, size_t nrefs, size_t nbytes, uint64_t key);
void tu_churn(size_t bytes);                /* garbage allocation, dirty bytes */
/* With the variable 'name' set to 'value', movgc_heap_new refuses: NULL,
 * MOVGC_E_CONFIG, a message naming the variable.  Unsets it after. */
void tu_assert_env_refused(const char *name, const char *value);
uint64_t tu_u64(void *obj);                 /* first 8 raw bytes */
void tu_set_u64(void *obj, uint64_t v);

/* ---- process -------------------------------------------------------------- */
size_t tu_rss_bytes(void);
struct tu_child {
    int exited, code;               /* normal exit and its status */
    int signaled, sig;              /* killed by a signal and which */
    size_t lines;                   /* newline count of everything on stderr */
    char err[8192];                 /* start of stderr, NUL-terminated */
};
/* Run fn(arg) in a forked child whose stderr is captured. */
void tu_run_child(void (*fn)(void *), void *arg, struct tu_child *out);
/* Assert that the child died of SIGABRT after printing something containing
 * 'want' (may be NULL: any non-empty message). */
void tu_assert_aborted(const struct tu_child *c, const char *want);

#define ROOT(p) movgc_push_root(H, (void **)&(p))

/* Store a freshly allocated value into slot i of obj.  The allocation must
 * happen before obj is read (it may move obj), and C leaves the evaluation
 * order of function arguments open, hence the temporary. */
#define SET_NEW(obj, i, expr) \
    do { void *new_ = (expr); movgc_set(H, (obj), (i), new_); } while (0)

#endif

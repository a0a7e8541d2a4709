/* testutil.c -- shared fixture for the movgc Check tests (see testutil.h). */
#include "testutil.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

movgc_heap *H;
struct tu_errors tu_err;

/* ==== heap fixture ======================================================== */

void tu_on_error(movgc_heap *h, int code, const char *msg, void *ud)
{
    tu_err.heap = h;
    if (ud != &tu_err)
        tu_err.bad_args++;
    tu_err.count++;
    tu_err.last = code;
    if (code >= 0 && code < 8)
        tu_err.by_code[code]++;
    snprintf(tu_err.msg, sizeof tu_err.msg, "%s", msg ? msg : "(null)");
}

movgc_config tu_config(void)
{
    movgc_config c;
    memset(&c, 0, sizeof c);
    /* Under MOVGC_STRESS every allocation collects anyway, so the nursery
     * only ever holds the last few objects; a small one keeps the per-
     * collection work of MOVGC_VERIFY (which fills the idle semispace)
     * small. */
    if (tu_stressed())
        c.nursery_bytes = 128 * 1024;
    c.on_error = tu_on_error;
    c.ud = &tu_err;
    return c;
}

movgc_heap *tu_heap_new(const movgc_config *cfg)
{
    movgc_config c = cfg ? *cfg : tu_config();
    c.on_error = tu_on_error;
    c.ud = &tu_err;
    return movgc_heap_new(&c);
}

void tu_errors_clear(void)
{
    memset(&tu_err, 0, sizeof tu_err);
}

void tu_setup(void)
{
    tu_errors_clear();
    H = tu_heap_new(NULL);
    ck_assert_ptr_nonnull(H);
}

void tu_teardown(void)
{
    ck_assert_uint_eq(tu_err.bad_args, 0);
    movgc_heap_free(H);
    H = NULL;
}

TCase *tu_tcase_bare(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 120);
    return tc;
}

TCase *tu_tcase(const char *name)
{
    TCase *tc = tu_tcase_bare(name);
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    return tc;
}

int tu_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ==== environment and randomness ========================================== */

int tu_stressed(void)
{
    const char *s = getenv("MOVGC_STRESS");
    return s && strcmp(s, "1") == 0;
}

size_t tu_scale(size_t normal, size_t stressed)
{
    return tu_stressed() ? stressed : normal;
}

uint64_t tu_seed(const char *test)
{
    const char *s = getenv("MOVGC_TEST_SEED");
    uint64_t seed;
    if (s && *s) {
        seed = strtoull(s, NULL, 0);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
    }
    fprintf(stderr, "%s: seed %" PRIu64 " (replay with MOVGC_TEST_SEED=%" PRIu64 ")\n",
            test, seed, seed);
    return seed;
}

uint64_t tu_rand(uint64_t *state)  /* splitmix64 */
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

size_t tu_rand_below(uint64_t *state, size_t n)
{
    return n ? (size_t)(tu_rand(state) % n) : 0;
}

/* ==== contents ============================================================ */

static unsigned char pattern(uint64_t key, size_t i)
{
    uint64_t x = key * 0x9e3779b97f4a7c15ULL + i * 0x2545f4914f6cdd1dULL;
    return (unsigned char)(x >> 56 ^ x >> 17 ^ i);
}

void tu_fill(void *obj, uint64_t key)
{
    unsigned char *p = movgc_data(obj);
    size_t n = movgc_nbytes(obj);
    for (size_t i = 0; i < n; i++)
        p[i] = pattern(key, i);
}

int tu_check_fill(void *obj, uint64_t key)
{
    unsigned char *p = movgc_data(obj);
    size_t n = movgc_nbytes(obj);
    for (size_t i = 0; i < n; i++)
        if (p[i] != pattern(key, i))
            return 0;
    return 1;
}

void *tu_alloc_filled(unsigned tag, size_t nrefs, size_t nbytes, uint64_t key)
{
    void *o = movgc_alloc(H, tag, nrefs, nbytes);
    ck_assert_ptr_nonnull(o);
    tu_fill(o, key);
    return o;
}

void tu_assert_env_refused(const char *name, const char *value)
{
    setenv(name, value, 1);
    movgc_config cfg = tu_config();
    tu_errors_clear();
    movgc_heap *h = movgc_heap_new(&cfg);
    unsetenv(name);
    ck_assert_msg(h == NULL, "%s='%s' was accepted", name, value);
    ck_assert_int_eq(tu_err.last, MOVGC_E_CONFIG);
    ck_assert_msg(strstr(tu_err.msg, name) != NULL, "%s", tu_err.msg);
}

/* Allocate about 'bytes' of unreachable objects and dirty them, so that memory
 * freed by a collection is reused and any stale pointer reads garbage. */
void tu_churn(size_t bytes)
{
    size_t done = 0;
    if (tu_stressed())      /* every allocation collects: the nursery turns over */
        bytes = bytes / 16 + 1024;
    for (unsigned i = 0; done < bytes; i++) {
        size_t nb = 8 + (i * 37) % 200;
        void *o = movgc_alloc(H, 7, 0, nb);
        if (!o)
            break;
        memset(movgc_data(o), 0xA5, nb);
        done += nb + 8;
    }
}

uint64_t tu_u64(void *obj)
{
    uint64_t v;
    memcpy(&v, movgc_data(obj), sizeof v);
    return v;
}

void tu_set_u64(void *obj, uint64_t v)
{
    memcpy(movgc_data(obj), &v, sizeof v);
}

/* ==== process ============================================================= */

#if defined(__SANITIZE_ADDRESS__)           /* gcc */
#define TU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)        /* clang */
#define TU_ASAN 1
#endif
#endif
#ifdef TU_ASAN
/* ASan keeps freed malloc memory in a quarantine (256 MiB by default), so the
 * runtime's transient side tables would stay resident and count as heap. */
void __sanitizer_purge_allocator(void);
#define purge_allocator() __sanitizer_purge_allocator()
#else
#define purge_allocator() ((void)0)
#endif

size_t tu_rss_bytes(void)
{
    purge_allocator();
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%lu %lu", &size, &resident), 2);
    fclose(f);
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

void tu_run_child(void (*fn)(void *), void *arg, struct tu_child *out)
{
    int fd[2];
    memset(out, 0, sizeof *out);
    ck_assert_int_eq(pipe(fd), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        close(fd[1]);
        fn(arg);
        fflush(stderr);
        _exit(0);
    }
    close(fd[1]);
    size_t used = 0;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd[0], buf, sizeof buf)) != 0) {
        if (n < 0)
            continue;               /* EINTR */
        for (ssize_t i = 0; i < n; i++)
            out->lines += buf[i] == '\n';
        size_t take = (size_t)n;
        if (take > sizeof out->err - 1 - used)
            take = sizeof out->err - 1 - used;
        memcpy(out->err + used, buf, take);
        used += take;
    }
    out->err[used] = '\0';
    close(fd[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    out->exited = WIFEXITED(status);
    out->code = out->exited ? WEXITSTATUS(status) : 0;
    out->signaled = WIFSIGNALED(status);
    out->sig = out->signaled ? WTERMSIG(status) : 0;
}

void tu_assert_aborted(const struct tu_child *c, const char *want)
{
    ck_assert_msg(c->signaled && c->sig == SIGABRT,
                  "expected SIGABRT, got %s %d; stderr: %s",
                  c->signaled ? "signal" : "exit", c->signaled ? c->sig : c->code, c->err);
    ck_assert_msg(c->err[0] != '\0', "aborted without a message");
    if (want)
        ck_assert_msg(strstr(c->err, want) != NULL,
                      "message does not name '%s': %s", want, c->err);
}

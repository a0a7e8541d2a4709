/* model.c -- model-based random test: long random op sequences run against
 * a real heap and a plain C model of its graph (model_world.c), compared
 * after every collection.  Usage: model [--seed N] [--ops M] [--runs R]
 * [--config K] [--minutes T]; prints each run's seed to replay it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_world.h"

static uint64_t rng_state;

static uint64_t next_random(void) {  /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Relative weights of the ops; pops win when the stack is nearly full. */
static const unsigned weights[OP_COUNT] = {
    [OP_ALLOC] = 300, [OP_SET] = 120, [OP_WRITE] = 30, [OP_PUSH] = 60,
    [OP_POP] = 60, [OP_RESTORE] = 6, [OP_GLOBAL_SET] = 30,
    [OP_GLOBAL_TOGGLE] = 10, [OP_HANDLE] = 30, [OP_HANDLE_GET] = 20,
    [OP_HANDLE_FREE] = 20, [OP_PIN] = 15, [OP_UNPIN] = 15, [OP_WEAK] = 30,
    [OP_WEAK_GET] = 30, [OP_WEAK_FREE] = 10, [OP_EPH_NEW] = 20,
    [OP_EPH_GET] = 20, [OP_EPH_FREE] = 10, [OP_FINAL_SET] = 20,
    [OP_FINAL_CLEAR] = 5, [OP_RESUR_DROP] = 10, [OP_HASH] = 20,
    [OP_MINOR] = 10, [OP_FULL] = 3, [OP_STALE] = 10,
};

static struct op random_op(const struct world *w) {
    unsigned total = 0;
    for (int k = 0; k < OP_COUNT; k++)
        total += weights[k];
    unsigned x = (unsigned)(next_random() % total);
    int kind = 0;
    while (x >= weights[kind])
        x -= weights[kind++];
    if (kind == OP_PUSH && w->depth > W_STACK - 40)
        kind = OP_POP;
    uint64_t r = next_random();
    return (struct op){(uint8_t)kind, (uint32_t)r, (uint32_t)(r >> 32),
                       (uint32_t)next_random()};
}

/* Heap configurations the runs cycle through. */
static movgc_config config_of(int k) {
    movgc_config c = {0};
    switch (k % 4) {
    case 0: c.nursery_bytes = 64 << 10; break;
    case 1: c.nursery_bytes = 64 << 10; c.flags = MOVGC_VERIFY; break;
    case 2: c.nursery_bytes = 256 << 10; c.growth = 1.1; break;
    default: c.nursery_bytes = 128 << 10; c.heap_limit = 96 << 20; break;
    }
    return c;
}

static uint64_t total_ops, total_checks, total_minor, total_full, total_final;

/* One run: ops random ops from seed under config k. */
static bool run(uint64_t seed, uint64_t ops, int k) {
    printf("model: run config %d seed %llu ops %llu\n", k % 4,
           (unsigned long long)seed, (unsigned long long)ops);
    fflush(stdout);
    rng_state = seed;
    struct world *w = malloc(sizeof *w);
    movgc_config cfg = config_of(k);
    if (!w || !world_init(w, &cfg, false)) {
        printf("model: cannot create the heap\n");
        free(w);
        return false;
    }
    w->big_ok = true;
    bool trace = getenv("MODEL_TRACE") != NULL;
    w->trace = trace;
    w->no_empty = getenv("MODEL_NO_EMPTY") != NULL;
    for (uint64_t i = 0; i < ops; i++) {
        struct op op = random_op(w);
        if (trace)
            fprintf(stderr, "op %llu: %s %u %u %u\n", (unsigned long long)i + 1,
                    op_name(op.kind), op.a, op.b, op.c);
        if (!world_exec(w, &op))
            break;
    }
    uint64_t done = w->op_index;
    total_ops += done;
    total_checks += w->checks;
    bool ok = world_finish(w);
    total_minor += w->minor_seen;
    total_full += w->full_seen;
    total_final += w->finalized;
    if (!ok)
        printf("model: FAILED: replay with: model --seed %llu --ops %llu --config %d\n",
               (unsigned long long)seed, (unsigned long long)done, k % 4);
    free(w);
    return ok;
}

static uint64_t fresh_seed(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rng_state ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL + (uint64_t)ts.tv_sec;
    return next_random();
}

int main(int argc, char **argv) {
    /* Fewer ops where each costs more: MOVGC_STRESS collects at every
     * allocation, MOVGC_SMALL is set by tests/valgrind.sh. */
    uint64_t seed = 20261125, ops = 10000;
    if (getenv("MOVGC_STRESS"))
        ops = 1500;
    if (getenv("MOVGC_SMALL"))
        ops = 400;
    int runs = 4, config = -1;
    double minutes = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[i + 1], NULL, 0);
        else if (!strcmp(argv[i], "--ops"))
            ops = strtoull(argv[i + 1], NULL, 0);
        else if (!strcmp(argv[i], "--runs"))
            runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--config"))
            config = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--minutes"))
            minutes = atof(argv[i + 1]);
        else {
            fprintf(stderr, "usage: model [--seed N] [--ops M] [--runs R] "
                            "[--config K] [--minutes T]\n");
            return 2;
        }
    }
    unsigned passed = 0, failed = 0;
    time_t end = time(NULL) + (time_t)(minutes * 60);
    for (int r = 0; minutes > 0 ? time(NULL) < end : r < runs; r++) {
        uint64_t s = minutes > 0 ? fresh_seed() : seed + (uint64_t)r;
        if (run(s, ops, config >= 0 ? config : r))
            passed++;
        else
            failed++;
    }
    printf("model: %llu ops, %llu checked collections (%llu minor, %llu full), "
           "%llu finalizers\n",
           (unsigned long long)total_ops, (unsigned long long)total_checks,
           (unsigned long long)total_minor, (unsigned long long)total_full,
           (unsigned long long)total_final);
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}

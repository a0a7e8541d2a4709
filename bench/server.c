/* server.c -- the simulated server of frag and pauses (see server.h). */
#include "bk.h"
#include "doc.h"
#include "server.h"

static void drop(struct server *s, void *env) {
    s->live -= doc_bytes(env);
    bk_drop_tree(env);
}

static void cache_evict(struct server *s, size_t i) {
    void *env = bk_get(s->cache, i);
    s->sum = bench_mix(s->sum, doc_verify(env, &s->ok));
    drop(s, env);
    bk_set(s->cache, i, NULL);
}

/* The request in ring slot i is complete: verify, then cache or drop. */
static void complete(struct server *s, size_t i) {
    void *env = bk_get(s->ring, i);
    bk_set(s->ring, i, NULL);
    s->sum = bench_mix(s->sum, doc_verify(env, &s->ok));
    if (bench_below(&s->rng, 100) >= s->pcache) {
        drop(s, env);
        return;
    }
    if (s->cache_count < s->cache_cap) {
        bk_set(s->cache, s->cache_count++, env);
        return;
    }
    size_t j = bench_below(&s->rng, s->cache_count);
    /* env is held only in this local now, but nothing below allocates */
    void *old = bk_get(s->cache, j);
    s->sum = bench_mix(s->sum, doc_verify(old, &s->ok));
    drop(s, old);
    bk_set(s->cache, j, env);
}

static void ring_pop_oldest(struct server *s) {
    complete(s, s->ring_head);
    s->ring_head = (s->ring_head + 1) % s->ring_max;
    s->ring_count--;
}

void server_init(struct server *s, size_t ring_max, size_t cache_max,
                 unsigned pcache, uint64_t seed) {
    *s = (struct server){0};
    s->ring_max = s->ring_cap = ring_max;
    s->cache_max = s->cache_cap = cache_max;
    s->pcache = pcache;
    s->rng.s = seed;
    s->ok = 1;
    BK_ROOT(s->ring);
    BK_ROOT(s->cache);
    s->ring = bk_alloc(T_TABLE, ring_max, 0);
    s->cache = bk_alloc(T_TABLE, cache_max, 0);
    s->live = s->live_peak = bk_objsize(ring_max, 0) + bk_objsize(cache_max, 0);
}

void server_request(struct server *s) {
    if (s->ring_count >= s->ring_cap)
        ring_pop_oldest(s);
    void *env = s->parse ? s->parse(s) : doc_parse(&s->rng);
    bk_set(s->ring, (s->ring_head + s->ring_count) % s->ring_max, env);
    s->ring_count++;
    s->live += doc_bytes(env);
    if (s->live > s->live_peak)
        s->live_peak = s->live;
    s->requests++;
}

void server_resize(struct server *s, size_t ring_cap, size_t cache_cap) {
    s->ring_cap = ring_cap;
    s->cache_cap = cache_cap;
    while (s->ring_count > ring_cap)
        ring_pop_oldest(s);
    while (s->cache_count > cache_cap) {       /* random victims: survivors scatter */
        size_t i = bench_below(&s->rng, s->cache_count);
        cache_evict(s, i);
        bk_set(s->cache, i, bk_get(s->cache, s->cache_count - 1));
        bk_set(s->cache, --s->cache_count, NULL);
    }
}

void server_finish(struct server *s) {
    while (s->ring_count)
        ring_pop_oldest(s);                    /* may cache: cache_cap is in force */
    while (s->cache_count)
        cache_evict(s, --s->cache_count);
    bk_free(s->ring);
    bk_free(s->cache);
    s->ring = s->cache = NULL;
    BK_UNROOT(2);
}

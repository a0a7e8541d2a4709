/* server.h -- a simulated server for frag and pauses: each request parses a
 * JSON-like document (doc.h) and keeps it while in flight (a ring of the
 * most recent requests); a completed request's document is verified and
 * then, with probability pcache %, kept in a bounded cache (replacing a
 * random entry) or dropped.  Lifetimes thus interleave: short (ring),
 * long (cache), and very long (cache entries that are never replaced). */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>
#include <stdint.h>
#include "bench.h"

struct server {
    void *ring, *cache;         /* tables (bk objects), rooted while the server runs */
    size_t ring_max, cache_max; /* table sizes: the largest capacities ever used */
    size_t ring_cap, cache_cap; /* capacities in force */
    size_t ring_head, ring_count, cache_count;
    unsigned pcache;            /* % of completed documents that go to the cache */
    bench_rng rng;              /* decides everything: same run on every backend */
    size_t live, live_peak;     /* bytes of documents held (doc_bytes) */
    uint64_t requests, sum;     /* requests served; checksum of verified documents */
    int ok;                     /* 0 once a document failed verification */
    /* Parses one request into a document envelope (doc.h; may collect);
     * NULL: doc_parse(&rng).  Set after server_init. */
    void *(*parse)(struct server *s);
    void *parse_arg;            /* for parse */
};

/* Allocate the tables and root them (shadow stack, [bk.root]); the caller
 * must not pop them before server_finish. */
void server_init(struct server *s, size_t ring_max, size_t cache_max,
                 unsigned pcache, uint64_t seed);

/* Serve one request.  May collect. */
void server_request(struct server *s);

/* Change the capacities (at most the maxima); shrinking completes the
 * oldest in-flight requests, then evicts random cache entries. */
void server_resize(struct server *s, size_t ring_cap, size_t cache_cap);

/* Verify and drop everything held, unroot the tables. */
void server_finish(struct server *s);

#endif /* SERVER_H */

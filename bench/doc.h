/* doc.h -- JSON-like documents for the server workloads (frag, pauses):
 * generic trees of objects, arrays, strings and numbers of skewed random
 * sizes, built node by node as a parser would, each wrapped in an envelope
 * that records its expected checksum so that any later walk can verify it. */
#ifndef DOC_H
#define DOC_H

#include <stddef.h>
#include <stdint.h>
#include "bench.h"

enum { T_OBJ = 1, T_ARR, T_STR, T_NUM, T_DOC, T_BODY, T_TABLE, T_RECS, T_BSTR };

/* Parse a request: allocate a request body of skewed size, then a document
 * drawn from rng, then drop the body.  Returns the envelope (T_DOC: slot 0
 * the tree; raw bytes: expected checksum, bytes of the whole document).
 * May collect; the result is unrooted. */
void *doc_parse(bench_rng *rng);

/* Deepest nesting of containers (default 4); small values make small
 * documents, for smoke tests. */
extern int doc_max_depth;

/* Fewest elements of an array (default 0: empty arrays occur, as in JSON). */
extern int doc_min_array;

/* Parse a large request body (the bodies workload): allocate a body of blen
 * bytes and write all of it (as received from the network), then parse it
 * into a document whose tree is a growing array of records (T_RECS,
 * doubled as it fills, trimmed at the end: the old arrays freed),
 * each record a JSON-like object as doc_parse makes, with its strings
 * (T_BSTR: checksummed by words) and numbers copied from the body.  Records are added until the document
 * holds about tree_bytes (bk_objsize) bytes.  The body stays rooted and
 * is read throughout the parse, then dropped.  Calls doc_poll (if set)
 * after each record.  Returns the envelope, as doc_parse.  May collect. */
void *doc_parse_body(bench_rng *rng, size_t blen, size_t tree_bytes);

/* Called by doc_parse_body after each record (NULL: nothing): lets a
 * workload take collection records often (bk_pauses_take). */
extern void (*doc_poll)(void);

/* Bytes of the document in the object model (bk_objsize), envelope
 * included: the live data it accounts for. */
size_t doc_bytes(void *env);

/* Walk the tree, recompute its checksum and compare with the envelope's.
 * Returns the checksum, and sets *ok to 0 on a mismatch.  Never allocates. */
uint64_t doc_verify(void *env, int *ok);

#endif /* DOC_H */

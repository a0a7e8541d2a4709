/* doc.h -- JSON-like documents for the server workloads (frag, pauses):
 * generic trees of objects, arrays, strings and numbers of skewed random
 * sizes, built node by node as a parser would, each wrapped in an envelope
 * that records its expected checksum so that any later walk can verify it. */
#ifndef DOC_H
#define DOC_H

#include <stddef.h>
#include <stdint.h>
#include "bench.h"

enum { T_OBJ = 1, T_ARR, T_STR, T_NUM, T_DOC, T_BODY, T_TABLE };

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

/* Bytes of the document in the object model (bk_objsize), envelope
 * included: the live data it accounts for. */
size_t doc_bytes(void *env);

/* Walk the tree, recompute its checksum and compare with the envelope's.
 * Returns the checksum, and sets *ok to 0 on a mismatch.  Never allocates. */
uint64_t doc_verify(void *env, int *ok);

#endif /* DOC_H */

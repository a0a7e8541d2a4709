/* compact.h -- full collection: mark everything, slide the old space. */
#ifndef MG_COMPACT_H
#define MG_COMPACT_H

#include <stddef.h>

#include "movgc.h"

/* Mark from all roots, clear weak handles, select finalizers, slide live
 * old objects down around pinned ones, update every reference, unmap dead
 * large objects and give the old space's free tail back.  The nursery is
 * not evacuated here (heap.c does that next).  Returns the live bytes. */
size_t mg_compact_collect(movgc_heap *h);

#endif

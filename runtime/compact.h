/* compact.h -- full collection: mark everything, slide the old space. */
#ifndef MG_COMPACT_H
#define MG_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movgc.h"

/* Where a full collection spent its time, for MOVGC_VERBOSE. */
struct compact_times {
    uint64_t mark_ns, plan_ns, update_ns, slide_ns;
};

/* Mark from all roots, clear weak handles, select finalizers, slide live
 * old objects down around pinned ones, update every reference, unmap dead
 * large objects and give the old space's free tail back.  The nursery is
 * not evacuated here: heap.c does that next, unless a minor collection
 * just did ('young_stays'), when every young object is a survivor and the
 * few this collection found unreachable (reached only from dead old
 * objects) have their slots cleared.  'asked': the program asked
 * for this collection, and it compacts at less fragmentation (see
 * "selection" in compact.c).  Sets *live to the live bytes; false
 * (MOVGC_E_NOMEM reported, nothing done) when the side tables cannot be
 * mapped. */
bool mg_compact_collect(movgc_heap *h, bool asked, bool young_stays,
                        struct compact_times *out, size_t *live);

#endif

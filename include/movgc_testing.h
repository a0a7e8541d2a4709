/* movgc_testing.h -- hooks for movgc's own tests; not installed, not API. */
#ifndef MOVGC_TESTING_H
#define MOVGC_TESTING_H

#include "movgc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Make the nth OS mapping call from now fail (reserve, commit or map),
 * process-wide; 0 turns injection off.  Never collects. */
MOVGC_API void movgc_testing_fail_nth_mapping(unsigned long n);

#ifdef __cplusplus
}
#endif
#endif

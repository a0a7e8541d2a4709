/* error.h -- reporting errors through on_error, or to stderr and abort. */
#ifndef MG_ERROR_H
#define MG_ERROR_H

#include "movgc.h"

/* Record code on h and report it.  Without on_error, MOVGC_E_NOMEM and
 * MOVGC_E_STALE are recorded quietly; MISUSE, CORRUPT and CONFIG print one
 * line and abort.  Returns when it did not abort: the caller then leaves the
 * heap as it was. */
void mg_error(movgc_heap *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same without a heap (bad configuration before the heap exists):
 * on_error from cfg if given, else print and abort. */
void mg_error_cfg(const movgc_config *cfg, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

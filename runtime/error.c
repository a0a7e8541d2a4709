/* error.c -- one error scheme (docs/reference.md, "Errors"): record, call
 * on_error, or print one line naming the cause and abort for the fatal
 * kinds. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "heap.h"

static const char *const messages[] = {
    [MOVGC_OK] = "no error",
    [MOVGC_E_NOMEM] = "out of memory: heap limit or OS refused",
    [MOVGC_E_STALE] = "stale or forged handle",
    [MOVGC_E_MISUSE] = "misuse of the API",
    [MOVGC_E_CORRUPT] = "heap corruption detected",
    [MOVGC_E_CONFIG] = "bad configuration",
};

const char *movgc_strerror(int code) {
    if (code < 0 || code >= (int)(sizeof messages / sizeof messages[0]))
        return "unknown movgc error code";
    return messages[code];
}

static int fatal(int code) {
    return code == MOVGC_E_MISUSE || code == MOVGC_E_CORRUPT ||
           code == MOVGC_E_CONFIG;
}

static void report(movgc_heap *h, void (*on_error)(movgc_heap *, int,
                                                   const char *, void *),
                   void *ud, int code, const char *fmt, va_list ap) {
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (on_error) {
        on_error(h, code, msg, ud);
        return;
    }
    if (fatal(code)) {
        fprintf(stderr, "movgc: %s: %s\n", movgc_strerror(code), msg);
        abort();
    }
}

void mg_error(movgc_heap *h, int code, const char *fmt, ...) {
    va_list ap;
    h->last_error = code;
    va_start(ap, fmt);
    report(h, h->cfg.on_error, h->cfg.ud, code, fmt, ap);
    va_end(ap);
}

void mg_error_cfg(const movgc_config *cfg, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    report(NULL, cfg ? cfg->on_error : NULL, cfg ? cfg->ud : NULL, code, fmt,
           ap);
    va_end(ap);
}

int movgc_last_error(movgc_heap *h) { return h->last_error; }

/* prelude.c -- the parts of the standard library written in Scheme,
 * compiled and run at startup: parameter objects and case-lambda's
 * dispatcher (compile.c expands parameterize and case-lambda into calls
 * of %parameterize and %case-lambda). */
#include <stdio.h>
#include <stdlib.h>
#include "prims.h"

static const char prelude[] =
    /* A unique object: the key to a parameter's converter and setter. */
    "(define %param-key (string-copy \"parameter\"))\n"
    "(define (make-parameter value . conv)\n"
    "  (let ((converter (if (pair? conv) (car conv) (lambda (x) x))))\n"
    "    (set! value (converter value))\n"
    "    (lambda args\n"
    "      (cond ((null? args) value)\n"
    "            ((and (eq? (car args) %param-key) (null? (cdr args))) converter)\n"
    "            ((eq? (car args) %param-key) (set! value (cadr args)))\n"
    "            (else (error \"parameter called with arguments:\" args))))))\n"
    /* Continuations only escape, so dynamic-wind's after always runs
     * once on the way out and before never runs again. */
    "(define (%parameterize params vals body)\n"
    "  (let ((new (map (lambda (p v) ((p %param-key) v)) params vals)))\n"
    "    (define (swap!)\n"
    "      (set! new (map (lambda (p v) (let ((old (p))) (p %param-key v) old)) params new)))\n"
    "    (dynamic-wind swap! body swap!)))\n"
    "(define (%case-lambda . procs)\n"
    "  (lambda args\n"
    "    (let ((n (length args)))\n"
    "      (let loop ((ps procs))\n"
    "        (cond ((null? ps) (error \"case-lambda: no clause takes\" n 'arguments))\n"
    "              ((%arity-ok? (car ps) n) (apply (car ps) args))\n"
    "              (else (loop (cdr ps))))))))\n";

void prelude_load(void) {
    FILE *in = fmemopen((void *)prelude, sizeof prelude - 1, "r");
    if (!in) {
        perror("scheme: prelude");
        exit(1);
    }
    sx_load_stream(in);
    fclose(in);
}

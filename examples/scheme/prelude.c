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
    "              (else (loop (cdr ps))))))))\n"
    /* Text procedures defined by the list procedures they stand for. */
    "(define (string-map f s . ss)\n"
    "  (list->string (apply map f (string->list s) (map string->list ss))))\n"
    "(define (string-for-each f s . ss)\n"
    "  (apply for-each f (string->list s) (map string->list ss)))\n"
    "(define (string->vector s . range) (list->vector (apply string->list s range)))\n"
    "(define (vector->string v . range) (list->string (vector->list (apply vector-copy v range))))\n"
    "(define (string-copy! to at from . range)\n"
    "  (let ((s (apply string-copy from range)))\n"
    "    (if (< (string-length to) (+ at (string-length s)))\n"
    "        (error \"string-copy!: no room in\" to))\n"
    "    (do ((i 0 (+ i 1))) ((= i (string-length s)))\n"
    "      (string-set! to (+ at i) (string-ref s i)))))\n"
    "(define (vector-copy! to at from . range)\n"
    "  (let ((v (apply vector-copy from range)))\n"
    "    (if (< (vector-length to) (+ at (vector-length v)))\n"
    "        (error \"vector-copy!: no room in\" to))\n"
    "    (do ((i 0 (+ i 1))) ((= i (vector-length v)))\n"
    "      (vector-set! to (+ at i) (vector-ref v i)))))\n"
    /* Case folding is downcasing (the C locale's, characters 0..255). */
    "(define (char-foldcase c) (char-downcase c))\n"
    "(define (string-foldcase s) (string-downcase s))\n"
    "(define (char-ci<? . cs) (apply char<? (map char-foldcase cs)))\n"
    "(define (char-ci>? . cs) (apply char>? (map char-foldcase cs)))\n"
    "(define (char-ci<=? . cs) (apply char<=? (map char-foldcase cs)))\n"
    "(define (char-ci>=? . cs) (apply char>=? (map char-foldcase cs)))\n"
    "(define (string-ci<? . ss) (apply string<? (map string-foldcase ss)))\n"
    "(define (string-ci>? . ss) (apply string>? (map string-foldcase ss)))\n"
    "(define (string-ci<=? . ss) (apply string<=? (map string-foldcase ss)))\n"
    "(define (string-ci>=? . ss) (apply string>=? (map string-foldcase ss)))\n"
    /* Ports closed when proc or thunk returns; the current port is
     * rebound for the thunk's dynamic extent.  Continuations only
     * escape, so the thunk's port is closed on every way out. */
    "(define (call-with-port port proc)\n"
    "  (call-with-values (lambda () (proc port))\n"
    "    (lambda vals (close-port port) (apply values vals))))\n"
    "(define (%with-port port install thunk)\n"
    "  (let ((old #f))\n"
    "    (dynamic-wind (lambda () (set! old (install port)))\n"
    "                  thunk\n"
    "                  (lambda () (install old) (close-port port)))))\n"
    "(define (with-input-from-file path thunk)\n"
    "  (%with-port (open-input-file path) %set-current-input-port! thunk))\n"
    "(define (with-output-to-file path thunk)\n"
    "  (%with-port (open-output-file path) %set-current-output-port! thunk))\n"
    /* (foreign-procedure "name" (type ...) ret): foreign.c */
    "(define-syntax foreign-procedure\n"
    "  (syntax-rules ()\n"
    "    ((_ name (arg ...) ret)\n"
    "     (let ((f (%foreign-procedure name '(arg ...) 'ret)))\n"
    "       (lambda args (apply %foreign-call f args))))))\n"
    "(define (features) (list 'r7rs 'exact-closed 'ratios 'ieee-float 'movgc 'movgc-scheme))\n"
    /* The simplest rational within y of x: the continued-fraction walk
     * of the interval [x - y, x + y], in exact arithmetic; inexact if
     * either argument is. */
    "(define (rationalize x y)\n"
    "  (define (simplest lo hi)\n"
    "    (cond ((positive? lo) (simplest+ lo hi))\n"
    "          ((negative? hi) (- (simplest+ (- hi) (- lo))))\n"
    "          (else 0)))\n"
    "  (define (simplest+ lo hi)\n"
    "    (let ((fl (floor lo)))\n"
    "      (cond ((= fl lo) fl)\n"
    "            ((< fl (floor hi)) (+ fl 1))\n"
    "            (else (+ fl (/ (simplest+ (/ (- hi fl)) (/ (- lo fl)))))))))\n"
    "  (cond ((or (nan? x) (nan? y)) (+ x y))\n"
    "        ((infinite? y) (if (infinite? x) +nan.0 0.0))\n"
    "        ((infinite? x) x)\n"
    "        (else\n"
    "         (let* ((ex (exact x)) (ey (abs (exact y)))\n"
    "                (r (simplest (- ex ey) (+ ex ey))))\n"
    "           (if (and (exact? x) (exact? y)) r (inexact r))))))\n"
    /* (scheme complex) on the real numbers, the only ones there are. */
    "(define (real-part x) (if (number? x) x (error \"real-part: not a number\" x)))\n"
    "(define (imag-part x) (if (number? x) 0 (error \"imag-part: not a number\" x)))\n"
    "(define (magnitude x) (abs x))\n"
    "(define (angle x) (if (negative? x) (acos -1) 0))\n"
    "(define (make-rectangular a b)\n"
    "  (if (and (exact? b) (zero? b)) a (error \"make-rectangular: no complex numbers\" a b)))\n"
    "(define (make-polar m a)\n"
    "  (if (and (exact? a) (zero? a)) m (error \"make-polar: no complex numbers\" m a)))\n";

void prelude_load(void) {
    FILE *in = fmemopen((void *)prelude, sizeof prelude - 1, "r");
    if (!in) {
        perror("scheme: prelude");
        exit(1);
    }
    sx_load_stream(in, NULL);
    fclose(in);
}

; flonums.scm -- write prints the shortest decimal that reads back as the
; same double, and the nearest such when several have that length.  The
; powers of two below are the ones where printing with %.{1..17}g and
; stopping at the first that reads back gives 17 digits, not the 16 that
; suffice (expected digits from Python's repr, which is shortest too).
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))
(define (round-trips? x) (eqv? x (string->number (number->string x))))
(for-each (lambda (e) (write (expt 2.0 e)) (newline))
          '(-1017 -1007 -957 -921 -808 -791 -788 -778 -705 -695 -662 -652 -549 -509 -496 -489 -383 -366 -296 -140 -97 -77 -44 -24 89 122 132 172 182 275 305 345 378 398 405 481 534 544 554 574 594 710 803 863 896 976))
(show 0.1 0.2 (+ 0.1 0.2) 0.3 (/ 1.0 3) (/ 2.0 3) 100.5 123.456 -0.0 0.0 -2.5)
(show 1e-5 1.5e-5 0.0001 0.001234 1e21 1.2345e22 1e100 -1e-100 1e23 9007199254740993.0)
(show 5e-324 1e-323 2.2250738585072014e-308 2.225073858507201e-308 1.7976931348623157e308)
(show (exact->inexact 1/3) (sqrt 2) (exp 1) (acos -1) (* 4 (atan 1)))
(show +inf.0 -inf.0 (- +inf.0 +inf.0))
; every double printed reads back as itself: a walk over exponents and
; mantissas, each value made after a forced collection
(define (walk x n ok)
  (if (= n 0) ok (walk (* x -1.2345678901234567) (- n 1) (and ok (round-trips? x) (round-trips? (/ x))))))
(collect-garbage)
(show (walk 1.0000000000000002 (if (get-environment-variable "SCHEME_SMALL") 300 3000) #t))
(show (number->string 0.1) (number->string 1e-7) (string->number "1e-7") (string->number ".5e1"))

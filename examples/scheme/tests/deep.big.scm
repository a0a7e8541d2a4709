; deep.big.scm -- very deep non-tail recursion, then running out of stack:
; the error is reported, not a crash.  Too slow for the stress run.
(define (count-up n) (if (= n 0) 0 (+ 1 (count-up (- n 1)))))
(display (count-up 300000)) (newline)
(define (forever n) (+ 1 (forever n)))
(forever 0)
(display "not reached") (newline)

; included by ../io.scm (include): definitions and an expression
(define included-value 42)
(define (included-twice x) (* 2 x))

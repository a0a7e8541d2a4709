; fib.scm -- call-heavy: doubly recursive Fibonacci, small fixnums only.
(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
(display (fib 30)) (newline)

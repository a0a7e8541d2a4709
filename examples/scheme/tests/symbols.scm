; symbols.scm -- interned symbols: identity, and the table does not keep
; symbols alive that nothing uses, while bound and referenced ones stay.
(define small? (get-environment-variable "SCHEME_SMALL"))
(define k (if small? 100 30000))
(display (list (eq? 'abc (string->symbol "abc")) (eq? (string->symbol "x1") (string->symbol (string #\x #\1)))))
(newline)
(collect-garbage)
(define before (symbol-count))
(define kept (let loop ((i 0) (acc '())) (if (= i 10) acc (loop (+ i 1) (cons (string->symbol (string-append "kept-" (number->string i))) acc)))))
(eval (list 'define (string->symbol "dynamic-global") 42))
(let loop ((i 0)) (when (< i k) (string->symbol (string-append "garbage-" (number->string i))) (loop (+ i 1))))
(display (> (symbol-count) (+ before 10))) (newline)
(collect-garbage)
(collect-garbage)
; the dropped symbols are gone (allow a few kept by conservative scanning)
(display (< (symbol-count) (+ before 10 1 (quotient k 10)))) (newline)
; the kept ones are still the interned ones
(display (eq? (car kept) (string->symbol "kept-9"))) (newline)
(display (eval (string->symbol "dynamic-global"))) (newline)

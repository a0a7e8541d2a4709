; strings.scm -- short strings and symbols made and dropped in bulk.
(define (digits n) (string->list (number->string n)))
(define count 0)
(do ((i 0 (+ i 1))) ((= i 200000))
  (let* ((s (string-append "key-" (number->string i) "-" (number->string (* i i))))
         (u (string-upcase s))
         (sym (string->symbol (substring u 0 (min 8 (string-length u))))))
    (set! count (+ count (string-length u) (length (digits i)) (string-length (symbol->string sym))))))
(display count) (newline)

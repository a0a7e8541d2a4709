; churn-window.scm -- a sliding window of live structures of varied sizes
; (vectors, strings, lists) replaced at random: a fragmentation workload.
; Peak live data is a few MB; the total allocated is far more.
(define seed 7)
(define (rand n) (set! seed (modulo (+ (* seed 1103515245) 12345) 2147483648)) (modulo seed n))
(define window (make-vector 2000 #f))
(define (make-item k)
  (case (modulo k 3)
    ((0) (make-vector (+ 1 (rand 200)) k))
    ((1) (make-string (+ 1 (rand 2000)) #\x))
    (else (let loop ((i (rand 100)) (acc '())) (if (= i 0) acc (loop (- i 1) (cons i acc)))))))
(define (size x) (cond ((vector? x) (vector-length x)) ((string? x) (string-length x)) ((list? x) (length x)) (else 0)))
(define total 0)
(do ((i 0 (+ i 1))) ((= i 150000))
  (let ((slot (rand 2000)))
    (vector-set! window slot (make-item i))))
(do ((i 0 (+ i 1))) ((= i 2000)) (set! total (+ total (size (vector-ref window i)))))
(display (> total 0)) (newline)

; binary-trees.scm -- the benchmarks-game workload: many short-lived trees
; of growing depth beside one long-lived tree.
(define (make d) (if (= d 0) (cons '() '()) (cons (make (- d 1)) (make (- d 1)))))
(define (check t) (if (null? (car t)) 1 (+ 1 (check (car t)) (check (cdr t)))))
(define max-depth 14)
(define long-lived (make max-depth))
(do ((d 4 (+ d 2))) ((> d max-depth))
  (let ((iters (expt 2 (+ (- max-depth d) 4))))
    (do ((i 0 (+ i 1)) (sum 0 (+ sum (check (make d))))) ((= i iters)
      (display iters) (display " trees of depth ") (display d)
      (display " check: ") (display sum) (newline)))))
(display "long lived tree check: ") (display (check long-lived)) (newline)

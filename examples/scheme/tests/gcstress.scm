; gcstress.scm -- build and drop large structures so that many collections
; happen; long-lived data must survive them intact, including old objects
; updated to point at young ones (the write barrier).
(define small? (get-environment-variable "SCHEME_SMALL"))
(define rounds (if small? 3 40))
(define depth (if small? 4 14))
(define (make-tree d) (if (= d 0) (cons '() '()) (cons (make-tree (- d 1)) (make-tree (- d 1)))))
(define (check-tree t) (if (null? (car t)) 1 (+ 1 (check-tree (car t)) (check-tree (cdr t)))))
(define start (gc-collections))
; a long-lived tree and vector, made old by a full collection
(define keep (make-tree depth))
(define table (make-vector 1000 #f))
(collect-garbage)
(define ok #t)
(do ((r 0 (+ r 1))) ((= r rounds))
  ; garbage: a tree, a long list, strings
  (set! ok (and ok (= (check-tree (make-tree depth)) (- (expt 2 (+ depth 1)) 1))))
  (let loop ((i 0) (l '())) (if (< i (if small? 50 20000)) (loop (+ i 1) (cons (number->string i) l))))
  ; old -> young stores: fresh lists into the old vector and old tree
  (vector-set! table (modulo r 1000) (list r (* r r) (make-string 3 #\z)))
  (set-car! keep (cons (car keep) (list 'round r))))
(display ok) (newline)
; every stored list still intact after all those collections
(define (table-ok i) (or (= i rounds)
                         (and (equal? (vector-ref table i) (list i (* i i) "zzz")) (table-ok (+ i 1)))))
(display (table-ok 0)) (newline)
; unwind the chain of set-car!s back to the original tree
(define (unwind t k) (if (= k 0) t (begin (if (not (equal? (cdr t) (list 'round (- k 1)))) (set! ok #f)) (unwind (car t) (- k 1)))))
(define orig (unwind (car keep) rounds))
(display (and ok (= (check-tree (cons orig (cdr keep))) (- (expt 2 (+ depth 1)) 1)))) (newline)
; the collector did run, many times (far fewer in the small run)
(display (> (- (gc-collections) start) (if small? 0 10))) (newline)

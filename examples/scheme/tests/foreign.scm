; foreign.scm -- foreign-procedure: C functions through libffi (movgc_ffi
; on movgc).  A bytevector argument is passed in place: qsort sorts it
; while its Scheme comparator allocates and forces full collections, so
; under movgc the bytevector must stay pinned for the whole call.  Errors
; and escapes out of a callback resume after the C function returned.
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))
(define c-strlen (foreign-procedure "strlen" (string) size_t))
(define c-abs (foreign-procedure "abs" (int) int))
(define c-labs (foreign-procedure "labs" (long) long))
(define c-pow (foreign-procedure "pow" (double double) double))
(define c-floorf (foreign-procedure "floorf" (float) float))
(define c-atoi (foreign-procedure "atoi" (string) int))
(define c-getenv (foreign-procedure "getenv" (string) string))
(define c-strchr (foreign-procedure "strchr" (string int) string))
(define c-memset (foreign-procedure "memset" (bytevector int size_t) pointer))
(define c-memcmp (foreign-procedure "memcmp" (bytevector bytevector size_t) int))
(define c-qsort
  (foreign-procedure "qsort" (bytevector size_t size_t (callback int ((* u8) (* u8)))) void))
(show (c-strlen "hello") (c-strlen "") (c-abs -42) (c-labs -12345678901) (c-pow 2 10)
      (c-floorf 2.75) (c-atoi "-17") (c-getenv "NO_SUCH_VARIABLE_HERE") (c-strchr "hello" 108)
      (c-strchr "hello" 122))
(define b (make-bytevector 8 1))
(collect-garbage)
(show (number? (c-memset b 7 4)) b (c-memcmp #u8(1 2 3) #u8(1 2 4) 3) (c-memcmp b b 8))

; qsort on a bytevector with a comparator that allocates and collects
(define n (if (get-environment-variable "SCHEME_SMALL") 40 400))
(define bv (make-bytevector n 0))
(do ((i 0 (+ i 1))) ((= i n)) (bytevector-u8-set! bv i (modulo (* i 37) 251)))
(define calls 0)
(define junk '())
(c-qsort bv n 1
         (lambda (x y)
           (set! calls (+ calls 1))
           (set! junk (cons (make-vector 10 x) junk))
           (if (= 0 (modulo calls 25)) (collect-garbage))
           (- x y)))
(define (sorted? v)
  (let loop ((i 1)) (or (>= i (bytevector-length v))
                        (and (<= (bytevector-u8-ref v (- i 1)) (bytevector-u8-ref v i)) (loop (+ i 1))))))
(show (sorted? bv) (> calls n) (= calls (length junk)) (bytevector-u8-ref bv 0))
; descending, by a comparator that is a closure over a flag
(define (by-order desc) (lambda (x y) (if desc (- y x) (- x y))))
(define small (bytevector 5 3 9 1 7 2 8))
(c-qsort small 7 1 (by-order #t))
(show small)

; errors and escapes out of a callback, then the program goes on with
; the shadow stack as deep as before
(define depth (%root-depth))
; (which two bytes qsort compares first is the C library's business)
(show (guard (e ((error-object? e)
                 (list 'caught (error-object-message e) (map integer? (error-object-irritants e)))))
        (c-qsort small 7 1 (lambda (x y) (error "boom" x y)))))
(show (call/cc (lambda (k) (c-qsort small 7 1 (lambda (x y) (k 'escaped))) 'returned)))
(show (guard (e ((error-object? e) (error-object-message e)))
        (c-qsort small 7 1 (lambda (x y) 'not-a-number))))
(show (with-exception-handler
        (lambda (e) 0)
        (lambda () (c-qsort small 7 1 (lambda (x y) (raise-continuable 'oops))) 'handled)))
(define depth-after (%root-depth))
(show small (= depth depth-after))

; misuse: clear errors
(define (try thunk)
  (guard (e ((error-object? e) (show (error-object-message e) (error-object-irritants e))))
    (show (thunk))))
(try (lambda () (foreign-procedure "no_such_c_function_xyz" () int)))
(try (lambda () (foreign-procedure "abs" (quaternion) int)))
(try (lambda () (foreign-procedure "abs" (int) bytevector)))
(try (lambda () (c-abs 1 2)))
(try (lambda () (c-abs "one")))
(try (lambda () (c-abs 1/2)))
(try (lambda () (c-abs (expt 2 40))))
(try (lambda () (c-strlen 'sym)))
(try (lambda () (c-memset "str" 0 1)))
(try (lambda () (c-qsort small 7 1 42)))

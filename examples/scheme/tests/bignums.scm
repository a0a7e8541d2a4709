; bignums.scm -- exact integers never overflow: results checked against an
; independent implementation (Python's integers).  Under MOVGC_STRESS
; every allocation collects, so each bignum moves between being made and
; being read.
(define (show . xs) (for-each (lambda (x) (display x) (display " ")) xs) (newline))
(define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))
(show (remainder (expt 7 40) 1000000007))
(show (fact 50))
(show (expt 2 100) (expt -3 41) (expt 10 30))
; around the fixnum boundary, both ways
(show (+ 9223372036854775807 1) (- -9223372036854775808 1) (- (- (expt 2 63))))
(show (- (+ 9223372036854775807 1) 1) (exact-integer? (- (expt 2 63) 1)) (* -1 -9223372036854775808))
(show (quotient (fact 30) (fact 28)) (remainder (fact 30) 1000003) (modulo (- (fact 25)) 1000003))
(show (quotient (- (expt 10 20)) 7) (remainder (- (expt 10 20)) 7) (modulo (- (expt 10 20)) 7) (modulo (expt 10 20) -7))
(show (quotient (expt 10 40) (expt 10 21)) (remainder (expt 10 40) (+ (expt 10 21) 7)))
(show (quotient (expt 2 200) (- (expt 2 100) 1)) (remainder (expt 2 200) (- (expt 2 100) 1)))
(show (* 99999999999 99999999999 99999999999) (* (expt 2 64) (- (expt 2 64))))
(show (- (expt 2 128) (expt 2 128)) (+ (expt 2 128) (- (expt 2 128))) (exact? (expt 2 128)))
; comparison and equivalence
(show (= (expt 2 64) (* (expt 2 32) (expt 2 32))) (eqv? (expt 2 64) (expt 2 64)) (equal? (list (expt 3 50)) (list (expt 3 50))))
(show (< (- (expt 2 64)) -1 0 (expt 2 64) (expt 2 65)) (> (expt 2 64) (expt 2 63)) (max 1 (expt 2 70)) (min (- (expt 2 70)) 0))
(show (zero? (- (expt 2 70) (expt 2 70))) (positive? (expt 2 70)) (negative? (- (expt 2 70))) (odd? (+ (expt 2 70) 1)) (even? (expt 2 70)))
; conversions
(show (exact->inexact (fact 25)) (inexact (expt 2 100)) (exact 1e30) (exact -1e19) (exact (inexact (expt 2 80))))
(show (number->string (expt 2 70) 16) (number->string (- (expt 3 45)) 2) (number->string (fact 22) 36))
(show (string->number "123456789012345678901234567890") (string->number "-ffffffffffffffffffff" 16) (string->number "#b1000000000000000000000000000000000000000000000000000000000000000000"))
(show 170141183460469231731687303715884105727 -170141183460469231731687303715884105728)
; square roots, gcd, lcm, abs, integer division with two values
(call-with-values (lambda () (exact-integer-sqrt (expt 10 41))) show)
(call-with-values (lambda () (exact-integer-sqrt 17)) show)
(show (sqrt (expt 10 40)) (sqrt 16) (exact-integer? (sqrt (expt 7 60))))
(show (gcd (expt 2 80) (expt 6 40)) (gcd (fact 40) (expt 3 30)) (lcm (expt 2 70) 3) (gcd) (lcm))
(show (abs (- (expt 2 64))) (abs -9223372036854775808) (square (expt 10 12)))
(call-with-values (lambda () (floor/ (- (expt 10 20)) 7)) show)
(call-with-values (lambda () (truncate/ (- (expt 10 20)) 7)) show)
(call-with-values (lambda () (floor/ 7 -2)) show)
(show (floor-quotient -7 2) (floor-remainder -7 2) (numerator 6) (denominator 6) (numerator 0.75) (denominator 0.75))
; a long computation: the digits of 1000! sum to 10539 and number 2568
; (400! under SCHEME_SMALL, the stress runs: 3402 and 869; both from
; Python's math.factorial)
(define (digit-sum n) (if (= n 0) 0 (+ (remainder n 10) (digit-sum (quotient n 10)))))
(define big-n (if (get-environment-variable "SCHEME_SMALL") 400 1000))
(show (equal? (list (digit-sum (fact big-n)) (string-length (number->string (fact big-n))))
              (if (= big-n 1000) '(10539 2568) '(3402 869))))
; exactness of mixed arithmetic
(show (+ (expt 2 70) 0.5) (* (expt 2 70) 1.0) (/ (expt 2 70) (expt 2 68)) (/ (expt 10 20) 4))

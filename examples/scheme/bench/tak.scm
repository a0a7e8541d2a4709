; tak.scm -- call-heavy: the Takeuchi function, three arguments per call.
(define (tak x y z) (if (not (< y x)) z (tak (tak (- x 1) y z) (tak (- y 1) z x) (tak (- z 1) x y))))
(display (tak 24 16 8)) (newline)

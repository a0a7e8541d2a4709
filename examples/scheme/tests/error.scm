; error.scm -- an error in a file stops it with status 1 after the message.
(display "before") (newline)
(define (check x) (if (< x 0) (error "negative value:" x) x))
(display (check 5)) (newline)
(check -3)
(display "not reached") (newline)

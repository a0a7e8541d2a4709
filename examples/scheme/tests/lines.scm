; lines.scm -- errors name the file and line of the innermost list around
; the failing expression, also for code loaded from another file and
; called from here (the error below is in include/lines-load.scm:4).
(load "include/lines-load.scm")
(define (call-it)
  (loaded-fails 5))
(display "calling") (newline)
(call-it)
(display "not reached") (newline)

; loaded by ../lines.scm: the error below is reported at this file's line 4
(define (loaded-fails x)
  (let ((y (list x)))
    (vector-ref y 0)))

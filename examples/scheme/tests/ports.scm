; ports.scm -- file ports; ports dropped without being closed are closed by
; their finalizers.  run-tests allows 128 open files, so the loop below
; only gets through when opening collects and finalizers close the ports.
(define small? (get-environment-variable "SCHEME_SMALL"))
(define path (string-append (get-environment-variable "SCHEME_TMPDIR") "/ports.txt"))
(call-with-output-file path
  (lambda (out)
    (display "first line" out) (newline out)
    (write '(a "b" #\c 4.5) out) (newline out)
    (write-string "last" out)))
(call-with-input-file path
  (lambda (in)
    (write (list (read-line in) (peek-char in) (read in) (read-char in) (read-line in) (eof-object? (read-char in)))))
  )
(newline)
(define p (open-input-file path))
(display (list (port? p) (input-port? p) (output-port? p) (read-line p)))
(close-port p)
(newline)
(define n (if small? 200 3000))
(let loop ((i 0))
  (when (< i n)
    (let ((q (open-input-file path)))
      (if (not (equal? (read-line q) "first line")) (display "bad read")))
    (loop (+ i 1))))
(collect-garbage)
(collect-garbage)
(display (< (%open-files) 10)) (newline)

; io.scm -- include, include-ci, syntax-error, with-input-from-file,
; with-output-to-file, call-with-port, read-string.
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))
(include "include/defs.scm")
(show included-value (included-twice 4))
(include-ci "include/FOLD.scm")
(show mixedcase)
(define (f) (include "include/defs.scm") (included-twice included-value))
(show (f))
(define-syntax must-be-pair
  (syntax-rules () ((_ (a . b)) 'ok) ((_ x) (syntax-error "not a pair:" x))))
(show (must-be-pair (1 2)))
(show (guard (e ((error-object? e) (list (error-object-message e) (error-object-irritants e))))
        (eval '(must-be-pair 5))))
(show (guard (e ((error-object? e) (error-object-message e))) (eval '(include "include/no-such-file.scm"))))
(show (guard (e ((error-object? e) (error-object-message e))) (eval '(include "include/bad.scm"))))
(show (%open-files))

(define path (string-append (get-environment-variable "SCHEME_TMPDIR") "/io.txt"))
(show (call-with-values
        (lambda () (with-output-to-file path
                     (lambda () (display "to file") (newline) (write '(1 "two")) (values 'a 'b))))
        list))
(show (with-input-from-file path
        (lambda () (list (read-line) (read) (read-string 3 (current-input-port))))))
(show (eq? (current-output-port) (current-output-port)))
; an escape out of the thunk restores the current port
(define saved (current-input-port))
(show (call/cc (lambda (k) (with-input-from-file path (lambda () (k (read-line)))))))
(show (eq? saved (current-input-port)) (%open-files))
(show (call-with-port (open-input-string "abcdef") (lambda (p) (read-string 4 p))))
(define p (open-input-string "xyz"))
(call-with-port p (lambda (q) (read-char q)))
(show (input-port-open? p))
(define q (open-input-string "hello world"))
(show (read-string 5 q) (read-string 0 q) (read-string 100 q) (eof-object? (read-string 2 q)))
(show (guard (e ((error-object? e) (error-object-message e))) (read-string -1 (open-input-string ""))))

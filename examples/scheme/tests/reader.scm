; reader.scm -- R7RS lexical syntax: string escapes, |symbols|, characters
; by hex code and in UTF-8, #u8 bytevectors; write's output reads back.
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))
(define (write->string x) (let ((o (open-output-string))) (write x o) (get-output-string o)))
(define (round-trip x) (read (open-input-string (write->string x))))

; string escapes
(show "a\x41;b" "\x7e;" "tab\there" "\a\b" "q\"q" "back\\slash" "bar\|bar")
(show (string->list "\x41;\t\n\r\\"))
(show (map char->integer (string->list "\a\b\t\n\r")))
(show "line one \
       continued" "two \   
   lines")
(show (string->utf8 "\x3bb;") (string->utf8 "\x1F600;") (string-length "\x3bb;"))
(display "\x3bb;x\x1F600;") (newline)
(show (write->string "ctl\x1;\x7f;") (equal? (round-trip "ctl\x1;\x7f;z") "ctl\x1;\x7f;z"))

; |symbols|
(show '|a b| '|| '|x\|y| '|1| '|#foo| '|a\x41;b| '|.| 'abc '... '+ '- '-> '<=?)
(show (symbol->string '|hello world|) (string->symbol "with space")
      (string->symbol "12") (string->symbol "") (string->symbol "+5"))
(show (eq? '|abc| 'abc) (eq? '|a b| (string->symbol "a b")))
(display '|a b|) (newline)
(show (map (lambda (s) (eq? s (round-trip s)))
           (list '|a b| '|| '|1| '|x\|y| '|(| '|;| (string->symbol "tab\there") '.5a 'ok)))

; characters
(show #\x41 #\x3bb #\λ #\x1F600 #\xe9 #\x7f #\x0 #\space #\x #\alarm)
(show (char->integer #\x3bb) (char->integer #\λ) (integer->char 955)
      (eqv? #\x3bb (integer->char 955)) (char=? #\λ #\x3bb) (char<? #\a #\λ))
(show (char-upcase #\λ) (char-alphabetic? #\a) (char-alphabetic? #\λ) (digit-value #\λ))
(collect-garbage)
(define big-chars (map integer->char '(256 955 8364 65533 128512)))
(collect-garbage)
(show big-chars (map char->integer big-chars))
(show (map (lambda (c) (eqv? c (round-trip c))) (list #\x3bb #\a #\space #\x1 #\xe9 #\x1F600)))
(write-char #\x3bb) (write-char #\x20AC) (newline)

; bytevectors and vectors
(show '#u8(1 2 255) (round-trip (bytevector 0 1 2)) '#(1 "two" #\3 |four five|))

; misuse: clear read errors
(define (try s)
  (guard (e ((error-object? e) (show (error-object-message e))))
    (show (read (open-input-string s)))))
(try "\"\\x41\"")
(try "\"\\xD800;\"")
(try "\"\\x110000;\"")
(try "\"\\q\"")
(try "#\\xD800")
(try "#\\nosuchname")
(try "|open")
(try "#u8(1 2 256)")
(try "#u8(1 2")
(try "\"abc")
(guard (e ((error-object? e) (show (error-object-message e) (error-object-irritants e))))
  (string #\a #\x3bb))
(guard (e ((error-object? e) (show (error-object-message e))))
  (integer->char #xD800))

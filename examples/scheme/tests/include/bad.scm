(define fine 1)
(define broken (1 2

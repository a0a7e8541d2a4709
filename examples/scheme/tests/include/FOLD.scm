; included by ../io.scm (include-ci): the symbols fold to lower case
(define MixedCase '(HeLLo "StRing Kept" #(VeC)))

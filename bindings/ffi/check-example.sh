#!/bin/sh
# check-example.sh -- run the FFI example of docs/reference.md and compare
# its output with example.expected, the output the document shows.
here=$(cd "$(dirname "$0")" && pwd)
out=bindings/ffi/example.actual
if ./bindings/ffi/example >"$out" && cmp -s "$out" "$here/example.expected"; then
    echo "example output matches"; echo "1 passed, 0 failed"; exit 0
fi
echo "example output differs:"; cat "$out"; echo "0 passed, 1 failed"; exit 1

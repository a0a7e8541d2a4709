#!/bin/sh
# header-check.sh -- include/movgc.h compiles cleanly as C11, C17 and C++
# (every warning an error), and its inline paths link in a C++ program.
set -u
top=${MOVGC_SRCDIR:-$(dirname "$0")/..}
build=${MOVGC_BUILDDIR:-.}
cc=${CC:-cc}
cxx=${CXX:-c++}
passed=0 failed=0
check() {
    name=$1
    shift
    if "$@" >header-check.err 2>&1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $name"
        cat header-check.err
    fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" header-check.err' EXIT
cat >"$tmp/use.c" <<'C'
#include <movgc.h>
int main(void) {
    movgc_heap *h = movgc_heap_new(0);
    void *a = 0;
    MOVGC_FRAME(h);
    MOVGC_ROOT(h, a);
    a = movgc_alloc(h, 1, 1, 8);
    movgc_set(h, a, 0, a);
    int ok = movgc_get(a, 0) == a && movgc_nrefs(a) == 1 && movgc_nbytes(a) == 8;
    MOVGC_UNFRAME(h);
    movgc_heap_free(h);
    return ok ? 0 : 1;
}
C
cp "$tmp/use.c" "$tmp/use.cc"
for std in c11 c17; do
    check "C $std" "$cc" -std=$std -Wall -Wextra -Wpedantic -Werror -fsyntax-only \
        -x c "$top/include/movgc.h"
done
check "C++" "$cxx" -std=c++11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only \
    -x c++ "$top/include/movgc.h"
check "C checked" "$cc" -std=c11 -DMOVGC_CHECKED -Wall -Wextra -Wpedantic -Werror \
    -fsyntax-only -x c "$top/include/movgc.h"
check "C++ checked" "$cxx" -std=c++11 -DMOVGC_CHECKED -Wall -Wextra -Wpedantic -Werror \
    -fsyntax-only -x c++ "$top/include/movgc.h"
# CFLAGS/LDFLAGS carry the sanitizer options of a sanitizer build.
check "C++ program" sh -c "'$cxx' ${CFLAGS:-} -Wall -Wextra -Werror -I'$top/include' \
    '$tmp/use.cc' '$build/runtime/.libs/libmovgc.a' ${LDFLAGS:-} -o '$tmp/use' && '$tmp/use'"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

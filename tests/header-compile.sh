#!/bin/sh
# header-compile.sh -- include/movgc.h compiles cleanly as C11 and as C++ (with
# its inline fast paths used), so C and C++ hosts can embed it.
set -u
srcdir=${MOVGC_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${MOVGC_BUILDDIR:-$(pwd)}
. "$builddir/tests/buildenv.sh" || exit 99
passed=0
failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/movgc-header.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT

cat > "$work/use.c" <<'SRC'
#include "movgc.h"
int use_header(movgc_heap *h);
int use_header(movgc_heap *h)
{
    void *o = movgc_alloc(h, 1, 2, 8);
    movgc_push_root(h, &o);
    movgc_set(h, o, 0, o);
    int same = movgc_get(o, 0) == o && movgc_nrefs(o) == 2 && movgc_tag(o) == 1;
    movgc_pop_roots(h, 1);
    movgc_collect(h, MOVGC_MINOR);
    return same && movgc_data(o) != 0 && movgc_nbytes(o) == 8;
}
SRC
cp "$work/use.c" "$work/use.cc"

check() {
    name=$1
    shift
    if "$@" > "$work/log" 2>&1; then
        passed=$((passed + 1)); echo "PASS: $name"
    else
        cat "$work/log"
        failed=$((failed + 1)); echo "FAIL: $name"
    fi
}
check "movgc.h as C11 (-pedantic -Werror)" \
    $CC -std=c11 -pedantic -Wall -Wextra -Werror -I"$srcdir/include" -c "$work/use.c" -o "$work/c.o"
cxx=${CXX:-g++}
if command -v "$cxx" > /dev/null 2>&1; then
    check "movgc.h as C++11 (-Werror)" \
        "$cxx" -std=c++11 -Wall -Wextra -Werror -I"$srcdir/include" -c "$work/use.cc" -o "$work/cc.o"
    check "C++ object uses C linkage" sh -c "nm '$work/cc.o' | grep -q ' U movgc_' && ! nm '$work/cc.o' | grep -q ' U _Z.*movgc'"
else
    echo "SKIP: no C++ compiler"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

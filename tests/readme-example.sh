#!/bin/sh
# readme-example.sh -- extract the C program between <!-- example:begin --> and
# <!-- example:end --> in README.md, build it against the built library, run it.
set -u
srcdir=${MOVGC_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${MOVGC_BUILDDIR:-$(pwd)}
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "PASS: $1"; }
bad() { failed=$((failed + 1)); echo "FAIL: $1"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

. "$builddir/tests/buildenv.sh" || { bad "no $builddir/tests/buildenv.sh"; finish; }
work=$(mktemp -d "${TMPDIR:-/tmp}/movgc-readme.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT

readme="$srcdir/README.md"
blocks=$(grep -c '^<!-- example:begin -->' "$readme" 2>/dev/null || true)
awk '
    /^<!-- example:begin -->/ { inside = 1; next }
    /^<!-- example:end -->/   { inside = 0; code = 0; next }
    inside && /^```c[ \t]*$/  { code = 1; next }
    inside && code && /^```/  { code = 0; next }
    inside && code            { print }
' "$readme" > "$work/example.c" 2>/dev/null
if [ ! -f "$readme" ]; then
    bad "README.md not found at $readme"
    finish
elif [ "${blocks:-0}" -ne 1 ] || [ ! -s "$work/example.c" ]; then
    bad "README.md must hold exactly one \`\`\`c block between the lines" \
        "'<!-- example:begin -->' and '<!-- example:end -->' (found $blocks markers)"
    finish
fi
ok "README.md example extracted ($(wc -l < "$work/example.c") lines)"

if $LIBTOOL --mode=link --quiet $CC $CPPFLAGS -I"$srcdir/include" $CFLAGS \
        -Wall -Wextra -Werror -o "$work/example" "$work/example.c" \
        "$builddir/runtime/libmovgc.la" $LDFLAGS > "$work/cc.log" 2>&1; then
    ok "README.md example compiles without warnings"
else
    cat "$work/cc.log"
    bad "README.md example does not compile cleanly"
    finish
fi

# The example makes 200000 allocations over a few MiB of live data: under
# MOVGC_STRESS (+ MOVGC_VERIFY) that is 200000 verified collections, many
# minutes.  It runs with the library's defaults; the Check programs carry the
# stress coverage.
if env -u MOVGC_STRESS -u MOVGC_VERIFY "$work/example" > "$work/run.log" 2>&1; then
    ok "README.md example exits with status 0"
else
    status=$?
    cat "$work/run.log"
    bad "README.md example exited with status $status"
fi
finish

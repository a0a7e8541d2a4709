#!/bin/sh
# doc-examples.sh -- every complete C program in README.md and docs/*.md is
# built against the build tree and run, so the manual cannot rot.
#
# An example is marked in the Markdown source like this:
#     <!-- example:begin [nostress] -->
#     ```c
#     ...a complete program: it has main() and exits 0 when all went right...
#     ```
#     ```output
#     ...optional: exactly what the program prints on stdout...
#     ```
#     <!-- example:end -->
# 'nostress' runs it without MOVGC_STRESS/MOVGC_VERIFY (for programs that
# allocate too much to collect at every allocation).  A ```c block holding
# "main(" outside the markers is an error: complete programs are checked.
# Every example compiles with -Wall -Wextra -Werror, links libmovgc (and
# libffi, for movgc_ffi.h) and must exit 0 and print its output block.
set -u
srcdir=${MOVGC_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${MOVGC_BUILDDIR:-$(pwd)}
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "PASS: $1"; }
bad() { failed=$((failed + 1)); echo "FAIL: $1"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

. "$builddir/tests/buildenv.sh" || { bad "no $builddir/tests/buildenv.sh"; finish; }
work=$(mktemp -d "${TMPDIR:-/tmp}/movgc-docex.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT

# Split one Markdown file into $work/<n>.c (+ <n>.out, <n>.opts); print one
# line per example "n line", or "ERROR line message" for a malformed one.
extract() {
    awk -v dir="$work" -v prefix="$2" '
    function fail(msg) { print "ERROR " NR " " msg; bad = 1 }
    /^<!-- example:begin/ {
        if (inside) fail("example:begin inside an example")
        inside = 1; n++; id = prefix "_" n; start = NR; nc = 0; fence = ""
        opts = $0; sub(/^<!-- example:begin */, "", opts); sub(/ *-->.*$/, "", opts)
        print opts > (dir "/" id ".opts"); close(dir "/" id ".opts")
        next
    }
    /^<!-- example:end -->/ {
        if (!inside) fail("example:end without example:begin")
        else if (nc != 1) fail("example must hold exactly one ```c block (found " nc ")")
        else print id " " start
        inside = 0; fence = ""; next
    }
    fence == "" && /^```/ {
        fence = $0; sub(/^```[ \t]*/, "", fence); if (fence == "") fence = "plain"
        body = ""; if (fence == "c") nc++
        next
    }
    fence != "" && /^```[ \t]*$/ {
        if (inside && fence == "c") { printf "%s", body > (dir "/" id ".c"); close(dir "/" id ".c") }
        else if (inside && fence == "output") { printf "%s", body > (dir "/" id ".out"); close(dir "/" id ".out") }
        else if (!inside && fence == "c" && body ~ /(^|[ \t\n])main\(/)
            fail("a complete C program outside <!-- example:begin/end --> markers")
        fence = ""; next
    }
    fence != "" { body = body $0 "\n" }
    END { if (inside) fail("example:begin at line " start " has no example:end") }
    ' "$1"
}

run_example() {  # file id line
    name="$1:$3"
    id=$2
    opts=$(cat "$work/$id.opts")
    if $LIBTOOL --mode=link --quiet $CC $CPPFLAGS -I"$srcdir/include" $CFLAGS \
            $FFI_CFLAGS -Wall -Wextra -Werror -o "$work/$id" "$work/$id.c" \
            "$builddir/runtime/libmovgc.la" $FFI_LIBS $LDFLAGS \
            > "$work/$id.cc" 2>&1; then
        ok "$name compiles without warnings"
    else
        cat "$work/$id.cc"
        bad "$name does not compile cleanly"
        return
    fi
    case " $opts " in
    *" nostress "*) set -- env -u MOVGC_STRESS -u MOVGC_VERIFY "$work/$id" ;;
    *) set -- "$work/$id" ;;
    esac
    if "$@" > "$work/$id.run" 2> "$work/$id.err"; then
        ok "$name exits with status 0"
    else
        status=$?
        cat "$work/$id.run" "$work/$id.err"
        bad "$name exited with status $status"
        return
    fi
    if [ -f "$work/$id.out" ]; then
        if cmp -s "$work/$id.out" "$work/$id.run"; then
            ok "$name prints its output block"
        else
            diff "$work/$id.out" "$work/$id.run"
            bad "$name output differs from the block shown"
        fi
    fi
}

[ -f "$srcdir/README.md" ] || { bad "README.md not found in $srcdir"; finish; }
total=0
files=0
for md in "$srcdir/README.md" "$srcdir"/docs/*.md; do
    [ -f "$md" ] || continue
    rel=${md#"$srcdir"/}
    files=$((files + 1))
    extract "$md" "$files" > "$work/list" || { bad "$rel: awk failed"; continue; }
    while read -r id line rest; do
        if [ "$id" = ERROR ]; then
            bad "$rel:$line: $rest"
        else
            total=$((total + 1))
            run_example "$rel" "$id" "$line"
        fi
    done < "$work/list"
done
# The README's example is the one users copy first: it must be there.
grep -q '^<!-- example:begin' "$srcdir/README.md" ||
    bad "README.md holds no <!-- example:begin --> program"
[ "$total" -gt 0 ] && ok "$total examples found"
finish

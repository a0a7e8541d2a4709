#!/bin/sh
# check-rust.sh -- `cargo test --offline` the Rust binding against the
# freshly built library, then run its README example; cargo's target dir
# goes into the build tree.  Exit 77 (skipped) without cargo.
here=$(cd "$(dirname "$0")" && pwd)
cargo=${MOVGC_CARGO-cargo}
if [ -z "$cargo" ]; then
    echo "SKIP: configure found no cargo: the Rust binding was not tested"
    exit 77
fi
MOVGC_BUILDDIR=${MOVGC_BUILDDIR:-$(pwd)}
lib=$MOVGC_BUILDDIR/runtime/.libs/libmovgc.so
if [ ! -f "$lib" ]; then
    echo "SKIP: $lib not built (is the shared library disabled?)"; exit 77
fi
CARGO_TARGET_DIR=$MOVGC_BUILDDIR/bindings/rust/target
LD_LIBRARY_PATH=$MOVGC_BUILDDIR/runtime/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export MOVGC_BUILDDIR CARGO_TARGET_DIR LD_LIBRARY_PATH
. "$here/../sanitizer-env.sh"
if [ -n "$MOVGC_ASAN_PRELOAD" ]; then
    # Preload the ASan runtime into the programs cargo runs (tests and the
    # example, through cargo's runner), not into cargo, rustc or rustdoc.
    # The doc tests link libmovgc but only compile (compile_fail, no_run).
    triple=$(rustc -vV 2>/dev/null | sed -n 's/^host: //p' | tr 'a-z-' 'A-Z_')
    eval "CARGO_TARGET_${triple:-X86_64_UNKNOWN_LINUX_GNU}_RUNNER=\"env LD_PRELOAD=$MOVGC_ASAN_PRELOAD\""
    eval "export CARGO_TARGET_${triple:-X86_64_UNKNOWN_LINUX_GNU}_RUNNER"
fi

log=$CARGO_TARGET_DIR/check-rust.log
mkdir -p "$CARGO_TARGET_DIR"
"$cargo" test --offline --manifest-path "$here/Cargo.toml" >"$log" 2>&1
status=$?
cat "$log"

# The README example must print what the README shows.
example=$CARGO_TARGET_DIR/readme.actual
if "$cargo" run --offline --quiet --manifest-path "$here/Cargo.toml" \
       --example readme >"$example" && cmp -s "$example" "$here/examples/readme.expected"
then
    echo "example readme: ok"; ex_pass=1; ex_fail=0
else
    echo "example readme: FAILED; output:"; cat "$example"; ex_pass=0; ex_fail=1
fi

# Sum cargo's "test result: ok. N passed; M failed; ..." lines.
set -- $(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$log")
passed=$(($1 + ex_pass)) failed=$(($2 + ex_fail))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1  # cargo failed before running tests (build error)
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]

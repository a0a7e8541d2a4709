#!/bin/sh
# check-install.sh -- `pip install` the Python binding into a fresh venv
# (offline: the package builds with its in-tree backend and needs nothing
# from an index), then run the binding's tests against the installed copy,
# from outside the source tree, finding the library through the build tree
# ($MOVGC_BUILDDIR) as an installed package would, and the C extension
# that pip install built (when the Python has headers).  77 = skipped.
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON3:-python3}
builddir=${MOVGC_BUILDDIR:-$(pwd)}
lib=$builddir/runtime/.libs/libmovgc.so
if ! command -v "$python" >/dev/null 2>&1; then
    echo "SKIP: no python3 found (configure PYTHON3=...)"; exit 77
fi
if [ ! -f "$lib" ]; then
    echo "SKIP: $lib not built (is the shared library disabled?)"; exit 77
fi
work=$builddir/bindings/python/install-check
rm -rf "$work"
mkdir -p "$work"
if ! "$python" -m venv "$work/venv" >"$work/venv.log" 2>&1; then
    cat "$work/venv.log"
    echo "SKIP: $python -m venv failed (Debian: apt-get install python3-venv)"
    exit 77
fi
vpy=$work/venv/bin/python
# The C extension is built by pip install when this Python has headers;
# then it must build (MOVGC_BUILD_EXT=1) and the tests must load it.
if "$vpy" -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"],
                                         "Python.h")))'; then
    ext=1
else
    ext=0
    echo "NOTE: $python has no headers (Debian: python3-dev): the package"
    echo "installs without its C extension"
fi
MOVGC_BUILD_EXT=$ext PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 "$vpy" -m pip install -q "$here" ||
    { echo "FAIL: pip install"; exit 1; }

# The tests, copied away from the package's source so that only the
# installed package can be imported.
mkdir -p "$work/run"
cp -R "$here/tests" "$here/run_tests.py" "$here/example.py" \
    "$here/example.expected" "$here/pyproject.toml" "$work/run/"
unset MOVGC_LIBRARY
MOVGC_BUILDDIR=$builddir
export MOVGC_BUILDDIR
. "$here/../sanitizer-env.sh"
if [ -n "$MOVGC_ASAN_PRELOAD" ]; then
    LD_PRELOAD=$MOVGC_ASAN_PRELOAD${LD_PRELOAD:+:$LD_PRELOAD}
    export LD_PRELOAD
fi
cd "$work/run" || exit 1
MOVGC_PYTHON_EXT=$ext
export MOVGC_PYTHON_EXT
"$vpy" -B -c '
import sys, movgc
where = movgc.__file__
assert "site-packages" in where, "imported %s, not the installed copy" % where
assert movgc.library_path().startswith(sys.argv[1]), movgc.library_path()
if sys.argv[2] == "1":
    assert "site-packages" in movgc.extension, movgc.extension
print("installed movgc %s at %s, library %s, extension %s"
      % (movgc.__version__, where, movgc.library_path(), movgc.extension))
' "$builddir" "$ext" || { echo "FAIL: the installed package"; exit 1; }
exec "$vpy" -B run_tests.py

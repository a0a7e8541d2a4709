#!/bin/sh
# check-readme.sh -- README.md quotes the binding examples (and outputs) that
# the tests run, verbatim.
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON3:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
    echo "SKIP: no python3 to compare the README with the examples"; exit 77
fi
exec "$python" - "$here" <<'PY'
import os, sys
here = sys.argv[1]
with open(os.path.join(here, "..", "README.md")) as f:
    readme = f.read()
quoted = ["ffi/example.c", "ffi/example.expected", "python/example.py",
          "python/example.expected",
          "rust/examples/readme.rs", "rust/examples/readme.expected"]
failed = 0
for name in quoted:
    with open(os.path.join(here, name)) as f:
        ok = f.read() in readme
    print("%s: %s" % (name, "quoted" if ok else "NOT quoted verbatim"))
    failed += not ok
print("%d passed, %d failed" % (len(quoted) - failed, failed))
sys.exit(1 if failed else 0)
PY

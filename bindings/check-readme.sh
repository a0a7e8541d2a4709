#!/bin/sh
# check-readme.sh -- the documents quote the binding examples (and outputs)
# that the tests run, verbatim: the FFI example in docs/reference.md, each
# binding's in its own README.md.
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON3:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
    echo "SKIP: no python3 to compare the documents with the examples"; exit 77
fi
exec "$python" - "$here" <<'PY'
import os, sys
here = sys.argv[1]
quoted = [("../docs/reference.md", ["ffi/example.c", "ffi/example.expected"]),
          ("python/README.md", ["python/example.py", "python/example.expected"]),
          ("rust/README.md", ["rust/examples/readme.rs",
                              "rust/examples/readme.expected"])]
passed = failed = 0
for doc, names in quoted:
    try:
        with open(os.path.join(here, doc)) as f:
            text = f.read()
    except OSError as e:
        print("%s: cannot read (%s)" % (doc, e))
        failed += len(names)
        continue
    for name in names:
        with open(os.path.join(here, name)) as f:
            ok = f.read() in text
        print("%s: %s in %s" % (name, "quoted" if ok else "NOT quoted verbatim",
                                os.path.normpath(os.path.join("bindings", doc))))
        passed += ok
        failed += not ok
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY

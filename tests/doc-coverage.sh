#!/bin/sh
# doc-coverage.sh -- the manual covers the whole public API: every function,
# type, enum constant and macro that movgc.h and movgc_ffi.h declare for
# users (names without a leading or trailing underscore, include guards and
# MOVGC_BUILDING aside) is named in docs/reference.md, every function and
# macro also in the movgc(3) man page, and every exported function's entry in
# the reference says whether it collects.
srcdir=${MOVGC_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
python=${PYTHON3:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
    echo "SKIP: no python3"; exit 77
fi
exec "$python" - "$srcdir" <<'PY'
import os, re, sys

top = sys.argv[1]
def read(rel):
    with open(os.path.join(top, rel)) as f:
        return f.read()

PRIVATE = {"MOVGC_H", "MOVGC_FFI_H", "MOVGC_BUILDING", "MOVGC_API"}
def public_names(header):
    text = read(header)
    # the public part ends where the header's internals begin
    cut = text.find("internals of the inline paths")
    if cut >= 0:
        text = text[:cut]
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    funcs = set(re.findall(r"\b(movgc_\w+)\s*\(", text))
    macros = set(re.findall(r"#define\s+(MOVGC_\w+)", text))
    consts = set(re.findall(r"\b(MOVGC_[A-Z_0-9]+)\s*(?:=[^,}]*)?[,}]", text))
    types = set(re.findall(r"\b(movgc_\w+)\s*;", text)) | \
        set(re.findall(r"typedef\s+(?:struct\s+)?(movgc_\w+)", text))
    names = {n for n in funcs | macros | consts | types
             if not n.endswith("_") and n not in PRIVATE}
    return names, {n for n in funcs | macros if n in names}

ref = read("docs/reference.md")
man = read("docs/movgc.3").replace("\\-", "-").replace("\\f", "")
passed = failed = 0
def check(ok, msg):
    global passed, failed
    passed += ok
    failed += not ok
    if not ok:
        print("FAIL: " + msg)

for header in ("include/movgc.h", "include/movgc_ffi.h"):
    names, callables = public_names(header)
    for n in sorted(names):
        check(re.search(r"\b%s\b" % n, ref) is not None,
              "%s: %s is not in docs/reference.md" % (header, n))
    for n in sorted(callables):
        check(re.search(r"\b%s\b" % n, man) is not None,
              "%s: %s is not in docs/movgc.3" % (header, n))
    print("%s: %d public names" % (header, len(names)))

# Each function's own entry (### heading or table row naming it) must say
# "collect" ("May collect." / "Never collects.").
entries = re.split(r"^(?=### )", ref, flags=re.M)
for header in ("include/movgc.h", "include/movgc_ffi.h"):
    text = re.sub(r"/\*.*?\*/", "", read(header), flags=re.S)
    for n in sorted(set(re.findall(r"MOVGC_API[^;]*?\b(movgc_[a-z]\w*[a-z0-9])\s*\(", text)) |
                    set(re.findall(r"static inline[^;{]*?\b(movgc_[a-z]\w*[a-z0-9])\s*\(", text))):
        pat = re.compile(r"\b%s\b" % n)
        said = [e for e in entries if e.startswith("### ") and
                pat.search(e.splitlines()[0]) and re.search(r"[Cc]ollects?\b", e)]
        rows = [l for l in ref.splitlines() if l.startswith("|") and
                pat.search(l) and re.search(r"[Cc]ollects?\b", l)]
        check(bool(said or rows),
              "docs/reference.md: no entry for %s saying whether it collects" % n)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY

#!/bin/sh
# check-readme.sh -- the bindings' READMEs quote the examples the tests run
# and their outputs verbatim, and their commands work: every ```sh block of
# bindings/python/README.md and bindings/rust/README.md runs (from the top
# of a scratch tree whose bindings/ and _build/ are this checkout's and this
# build's), and when a ```text block follows it, prints exactly that.  The
# FFI example is quoted by the top-level README (or a docs/ page).
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON3:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
    echo "SKIP: no python3 to compare the READMEs with the examples"; exit 77
fi
lib=${MOVGC_BUILDDIR:-.}/runtime/.libs/libmovgc.so
. "$here/sanitizer-env.sh"
MOVGC_README_RUN=yes
if [ -n "$MOVGC_ASAN_PRELOAD" ] || [ ! -f "$lib" ]; then
    MOVGC_README_RUN=   # python3 and cargo are not ASan programs
fi
export MOVGC_README_RUN
exec "$python" - "$here" "$(cd "${MOVGC_BUILDDIR:-.}" && pwd)" <<'PY'
import glob, os, re, shutil, subprocess, sys, tempfile
here, builddir = sys.argv[1], sys.argv[2]
top = os.path.dirname(here)
failed = passed = 0


def report(name, ok, detail=""):
    global failed, passed
    print("%s: %s%s" % (name, "ok" if ok else "FAILED", detail))
    if ok:
        passed += 1
    else:
        failed += 1


def read(path):
    with open(path) as f:
        return f.read()


# Quotes: each file's whole text appears in its README.
quotes = {"python/README.md": ["python/example.py", "python/example.expected"],
          "rust/README.md": ["rust/examples/readme.rs",
                             "rust/examples/readme.expected",
                             "rust/dependent/expected.txt"]}
for readme, files in quotes.items():
    text = read(os.path.join(here, readme))
    for name in files:
        report("%s quotes %s" % (readme, name),
               read(os.path.join(here, name)) in text)
pages = [os.path.join(top, "README.md")] + glob.glob(os.path.join(top, "docs", "*.md"))
for name in ("ffi/example.c", "ffi/example.expected"):
    want = read(os.path.join(here, name))
    report("README.md or docs/ quotes %s" % name,
           any(want in read(p) for p in pages if os.path.exists(p)))

# Commands: ```sh blocks, each with the ```text block after it, if any.
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)
run = os.environ.get("MOVGC_README_RUN")
scratch = tempfile.mkdtemp(prefix="movgc-readme-")
os.symlink(here, os.path.join(scratch, "bindings"))
os.symlink(builddir, os.path.join(scratch, "_build"))
env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
           PIP_NO_CACHE_DIR="1", PYTHONDONTWRITEBYTECODE="1",
           CARGO_TARGET_DIR=os.path.join(builddir, "bindings", "readme-target"))
env.pop("MOVGC_LIBRARY", None)
if os.path.realpath(builddir) == os.path.realpath(os.path.join(top, "_build")):
    env.pop("MOVGC_BUILDDIR", None)   # the README's layout: its defaults
try:
    for readme in quotes:
        blocks = FENCE.findall(read(os.path.join(here, readme)))
        for k, (lang, body) in enumerate(blocks):
            if lang != "sh":
                continue
            name = "%s command %r" % (readme, body.strip().splitlines()[0])
            if not run:
                print("%s: not run (sanitizer build or no shared library)" % name)
                continue
            if "cargo" in body and not os.environ.get("MOVGC_CARGO"):
                print("%s: not run (configure found no cargo)" % name)
                continue
            if "cargo" in body:
                env["PATH"] = os.path.dirname(os.environ["MOVGC_CARGO"]) + os.pathsep + os.environ["PATH"]
            proc = subprocess.run(["sh", "-ec", body], cwd=scratch, env=env,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT,
                                  universal_newlines=True)
            want = None
            if k + 1 < len(blocks) and blocks[k + 1][0] == "text":
                want = blocks[k + 1][1]
            ok = proc.returncode == 0 and (want is None or proc.stdout == want)
            report(name, ok, "" if ok else " (exit %d); output:\n%s"
                   % (proc.returncode, proc.stdout))
finally:
    shutil.rmtree(scratch, ignore_errors=True)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY

#!/bin/sh
# self-contained.sh -- the repository documents itself: no file refers to a
# document outside it, and every link between its documents resolves.
#  1. no file names the design notes the code was first written against
#     (a ../shared/ path, API.md, DESIGN.md, STYLE.md): docs/ is the manual;
#  2. every relative link or image of a Markdown file, and every docs/*.md
#     path named anywhere, exists in the tree (in a dist tarball too, so
#     EXTRA_DIST must carry them);
#  3. every #anchor of a link between Markdown files names a heading (as
#     GitHub makes anchors) or an explicit <a id> of the target.
srcdir=${MOVGC_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
python=${PYTHON3:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
    echo "SKIP: no python3"; exit 77
fi
exec "$python" - "$srcdir" <<'PY'
import os, re, subprocess, sys

top = os.path.realpath(sys.argv[1])
me = os.path.join("tests", "self-contained.sh")
SKIP_DIRS = {".git", "autom4te.cache", "_build", "_inst", "target", "out",
             "__pycache__", "m4"}

def tree_files():
    try:
        out = subprocess.run(["git", "-C", top, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], check=True,
                             capture_output=True).stdout.decode()
        files = [f for f in out.split("\0") if f]
        if files:
            return [f for f in files if os.path.isfile(os.path.join(top, f))]
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []  # a dist tarball: no git
    for d, dirs, names in os.walk(top):
        dirs[:] = [x for x in dirs if x not in SKIP_DIRS and
                   not x.startswith("_build")]
        files += [os.path.relpath(os.path.join(d, n), top) for n in names]
    return files

def text_of(rel):
    with open(os.path.join(top, rel), "rb") as f:
        data = f.read()
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", "replace")

OUTSIDE = re.compile(r"\.\./shared\b|\bshared/(?:API|DESIGN|STYLE)\b|"
                     r"\b(?:API|DESIGN|STYLE)\.md\b")
DOCPATH = re.compile(r"\bdocs/[A-Za-z0-9_.-]+\.md\b")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```[ \t]*$", re.S | re.M)

def slug(heading):
    s = re.sub(r"[`*]|<[^>]*>", "", heading.strip()).lower()
    s = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")

def anchors(text):
    text = FENCE.sub("", text)
    found, seen = set(), {}
    for m in re.finditer(r"^#{1,6}[ \t]+(.*?)[ \t#]*$", text, re.M):
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else "%s-%d" % (base, n))
    found.update(re.findall(r"<a (?:id|name)=\"([^\"]+)\"", text))
    return found

passed = failed = 0
def result(ok, msg):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + msg)

files = tree_files()
texts = {}
for rel in files:
    t = text_of(rel)
    if t is not None:
        texts[rel] = t

bad = [(rel, n + 1, line.strip()) for rel, t in texts.items() if rel != me
       for n, line in enumerate(t.splitlines()) if OUTSIDE.search(line)]
for rel, n, line in bad:
    print("%s:%d: refers to a document outside the repository: %s" % (rel, n, line))
result(not bad, "references to documents outside the repository")
if not bad:
    print("PASS: %d files name no document outside the repository" % len(texts))

for rel, t in sorted(texts.items()):
    if rel == me:
        continue
    for n, line in enumerate(t.splitlines()):
        for p in DOCPATH.findall(line):
            result(os.path.isfile(os.path.join(top, p)),
                   "%s:%d: names %s, which is not in the tree" % (rel, n + 1, p))

nlinks = 0
cache = {}
for rel, t in sorted(texts.items()):
    if not rel.endswith(".md"):
        continue
    body = FENCE.sub("", t)
    body = re.sub(r"`[^`\n]*`", "", body)
    for target in LINK.findall(body):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue  # http:, https:, mailto:
        nlinks += 1
        path, _, frag = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(rel), path)) if path else rel
        full = os.path.realpath(os.path.join(top, dest))
        inside = full == top or full.startswith(top + os.sep)
        if not inside or not os.path.exists(full):
            result(False, "%s: link %s: %s" % (rel, target,
                   "leaves the repository" if not inside else "no such file"))
            continue
        if frag and dest.endswith(".md"):
            if dest not in cache:
                cache[dest] = anchors(texts.get(dest) or text_of(dest) or "")
            result(frag in cache[dest], "%s: link %s: no heading or <a id> "
                   "'%s' in %s" % (rel, target, frag, dest))
        else:
            result(True, "")
print("checked %d relative links of the Markdown files" % nlinks)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY

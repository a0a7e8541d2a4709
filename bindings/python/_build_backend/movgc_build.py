"""movgc_build.py -- a PEP 517 build backend for the movgc package: a
wheel (and an sdist) of the movgc package directory, its metadata taken
from pyproject.toml's [project] table, with the optional C extension
movgc._fast compiled for the Python running the build.  It needs no other
package, so the binding installs without a network (no setuptools or wheel
to fetch); the extension needs a C compiler and Python's headers (Debian:
python3-dev).  Without them the wheel is pure Python (the ctypes path);
MOVGC_BUILD_EXT=1 makes that an error instead, MOVGC_BUILD_EXT=0 skips the
extension.

Also a command for the in-tree build (make):
    python3 movgc_build.py build-ext OUTDIR
compiles the extension into OUTDIR/_fast<EXT_SUFFIX> (exit 77 when this
Python has no headers).

Only the [project] keys used by this package's pyproject.toml are read:
name, version, description, requires-python, readme."""
import base64
import hashlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "movgc"
PURE_TAG = "py3-none-any"
EXT_SOURCE = os.path.join(HERE, PACKAGE, "_fast.c")
# The checkout's public header, to check the extension's prototypes.
MOVGC_INCLUDE = os.path.join(os.path.dirname(os.path.dirname(HERE)),
                             "include")
WARNINGS = ["-Wall", "-Wextra", "-Wshadow", "-Wstrict-prototypes",
            "-Wmissing-prototypes", "-Wpointer-arith", "-Wformat=2", "-Wvla"]


class NoHeaders(Exception):
    """This Python cannot build extensions: no Python.h, or too old."""


def ext_filename():
    return "_fast" + sysconfig.get_config_var("EXT_SUFFIX")


def build_ext(outdir):
    """Compile _fast.c into outdir; its path.  Raises NoHeaders, or
    RuntimeError when the compiler fails."""
    include = sysconfig.get_paths()["include"]
    if sys.implementation.name != "cpython" or sys.version_info < (3, 9):
        raise NoHeaders("the extension needs CPython 3.9 or later")
    if not os.path.exists(os.path.join(include, "Python.h")):
        raise NoHeaders("no %s/Python.h (Debian: apt-get install "
                        "python3-dev)" % include)
    cc = shlex.split(os.environ.get("CC") or
                     sysconfig.get_config_var("CC") or "cc")
    flags = ["-O2", "-g", "-fPIC", "-shared", "-I" + include] + WARNINGS
    if os.path.exists(os.path.join(MOVGC_INCLUDE, "movgc.h")):
        flags += ["-DMOVGC_CHECK_PROTOTYPES", "-I" + MOVGC_INCLUDE]
    # $CFLAGS and $LDFLAGS come last, as with setuptools: the in-tree
    # build passes configure's (the sanitizers' flags, say).
    extra = shlex.split(os.environ.get("CFLAGS", "")) + \
        shlex.split(os.environ.get("LDFLAGS", ""))
    out = os.path.join(outdir, ext_filename())
    cmd = cc + flags + extra + [EXT_SOURCE, "-o", out]
    done = subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    if done.returncode != 0 or done.stdout.strip():
        raise RuntimeError("%s\n%s" % (" ".join(cmd), done.stdout))
    return out


def _wheel_tag():
    ver = "%d%d" % sys.version_info[:2]
    plat = re.sub(r"[-.]", "_", sysconfig.get_platform())
    return "cp%s-cp%s%s-%s" % (ver, ver, sys.abiflags, plat)


def _extension_file(tmp):
    """(archive name, bytes) of the compiled extension, or None."""
    mode = os.environ.get("MOVGC_BUILD_EXT", "")
    if mode == "0":
        return None
    try:
        path = build_ext(tmp)
    except (NoHeaders, RuntimeError, OSError) as exc:
        if mode == "1":
            raise
        sys.stderr.write("movgc: building the C extension failed, the "
                         "package uses ctypes alone: %s\n" % exc)
        return None
    with open(path, "rb") as f:
        return PACKAGE + "/" + ext_filename(), f.read()


def _project():
    """The [project] table's simple string values."""
    with open(os.path.join(HERE, "pyproject.toml")) as f:
        text = f.read()
    table = re.search(r"^\[project\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    if table is None:
        raise RuntimeError("pyproject.toml has no [project] table")
    values = dict(re.findall(r'^([\w-]+)\s*=\s*"([^"]*)"', table.group(1),
                             re.M))
    for key in ("name", "version"):
        if key not in values:
            raise RuntimeError("pyproject.toml: [project] lacks %s" % key)
    return values


def _metadata(project):
    lines = ["Metadata-Version: 2.1", "Name: %s" % project["name"],
             "Version: %s" % project["version"]]
    if "description" in project:
        lines.append("Summary: %s" % project["description"])
    if "requires-python" in project:
        lines.append("Requires-Python: %s" % project["requires-python"])
    body = ""
    readme = project.get("readme")
    if readme and os.path.exists(os.path.join(HERE, readme)):
        lines.append("Description-Content-Type: text/markdown")
        with open(os.path.join(HERE, readme)) as f:
            body = "\n" + f.read()
    return ("\n".join(lines) + "\n" + body).encode()


def _package_files():
    """(path in the archive, path on disk) of the package, sorted."""
    top = os.path.join(HERE, PACKAGE)
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".py", ".typed")):
                path = os.path.join(dirpath, name)
                out.append((os.path.relpath(path, HERE).replace(os.sep, "/"),
                            path))
    return out


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
    return "%s,sha256=%s,%d" % (name, digest.rstrip(b"=").decode(), len(data))


def _dist_info(project):
    return "%s-%s.dist-info" % (project["name"], project["version"])


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    project = _project()
    info = os.path.join(metadata_directory, _dist_info(project))
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "wb") as f:
        f.write(_metadata(project))
    return _dist_info(project)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    info = _dist_info(project)
    files = [(arc, open(path, "rb").read()) for arc, path in _package_files()]
    tmp = tempfile.mkdtemp()
    try:
        ext = _extension_file(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tag = PURE_TAG if ext is None else _wheel_tag()
    if ext is not None:
        files.append(ext)
    name = "%s-%s-%s.whl" % (project["name"], project["version"], tag)
    files.append((info + "/METADATA", _metadata(project)))
    files.append((info + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: "
                                    "movgc_build\nRoot-Is-Purelib: %s\n"
                                    "Tag: %s\n" % (str(ext is None).lower(),
                                                   tag)).encode()))
    record = [_record_line(arc, data) for arc, data in files]
    record.append(info + "/RECORD,,")
    files.append((info + "/RECORD", ("\n".join(record) + "\n").encode()))
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w",
                         zipfile.ZIP_DEFLATED) as whl:
        for arc, data in files:
            zinfo = zipfile.ZipInfo(arc, date_time=(1980, 1, 1, 0, 0, 0))
            zinfo.external_attr = 0o644 << 16
            whl.writestr(zinfo, data, zipfile.ZIP_DEFLATED)
    return name


def build_sdist(sdist_directory, config_settings=None):
    project = _project()
    base = "%s-%s" % (project["name"], project["version"])
    extra = ["pyproject.toml", "README.md", "_build_backend/movgc_build.py",
             "movgc/_fast.c"]
    paths = [p for _, p in _package_files()]
    paths += [os.path.join(HERE, p) for p in extra
              if os.path.exists(os.path.join(HERE, p))]
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz",
                      format=tarfile.PAX_FORMAT) as tar:
        for path in paths:
            arc = base + "/" + os.path.relpath(path, HERE).replace(os.sep, "/")
            tar.add(path, arcname=arc, recursive=False)
        pkg_info = io.BytesIO(_metadata(project))
        tinfo = tarfile.TarInfo(base + "/PKG-INFO")
        tinfo.size = len(pkg_info.getvalue())
        tar.addfile(tinfo, pkg_info)
    return name


def main(argv):
    if len(argv) != 2 or argv[0] != "build-ext":
        sys.exit("usage: movgc_build.py build-ext OUTDIR")
    os.makedirs(argv[1], exist_ok=True)
    try:
        print("movgc: built %s" % build_ext(argv[1]))
    except NoHeaders as exc:
        print("movgc: C extension not built: %s" % exc)
        return 77
    except RuntimeError as exc:
        sys.stderr.write("movgc: building the C extension failed:\n%s\n"
                         % exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

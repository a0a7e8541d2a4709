"""movgc_build.py -- a PEP 517 build backend for this pure-Python package:
a wheel (and an sdist) of the movgc package directory, its metadata taken
from pyproject.toml's [project] table.  It needs no other package, so the
binding installs without a network (no setuptools or wheel to fetch).

Only the [project] keys used by this package's pyproject.toml are read:
name, version, description, requires-python, readme."""
import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "movgc"
TAG = "py3-none-any"


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
    name = "%s-%s-%s.whl" % (project["name"], project["version"], TAG)
    info = _dist_info(project)
    files = [(arc, open(path, "rb").read()) for arc, path in _package_files()]
    files.append((info + "/METADATA", _metadata(project)))
    files.append((info + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: "
                                    "movgc_build\nRoot-Is-Purelib: true\n"
                                    "Tag: %s\n" % TAG).encode()))
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
    extra = ["pyproject.toml", "README.md", "_build_backend/movgc_build.py"]
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

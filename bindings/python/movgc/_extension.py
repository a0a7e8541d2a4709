"""_extension.py -- find the binding's optional C extension, movgc._fast
(the hot operations made directly on libmovgc; see _fast.c).

Looked for in the package itself (where `pip install` builds it), then in
a build tree: $MOVGC_BUILDDIR/bindings/python/movgc, else the _build of the
checkout this package sits in (where `make` builds it).
$MOVGC_PYTHON_EXT chooses: 0 never (the ctypes path alone), 1 required
(ImportError when it cannot be loaded), unset or empty: when found."""
import importlib
import importlib.machinery
import importlib.util
import os
import sys
from types import ModuleType
from typing import Optional

from . import _capi

API = 1   # the _fast.API this package was written for


def _in_build_tree() -> Optional[ModuleType]:
    builddir = os.environ.get("MOVGC_BUILDDIR") or _capi._source_build_tree()
    if not builddir:
        return None
    where = os.path.join(builddir, "bindings", "python", "movgc")
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(where, "_fast" + suffix)
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location("movgc._fast", path)
            assert spec is not None and spec.loader is not None
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            sys.modules["movgc._fast"] = mod
            return mod
    return None


def _find() -> Optional[ModuleType]:
    name = __package__ + "._fast"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return _in_build_tree()


def load() -> Optional[ModuleType]:
    """The extension module, or None for the ctypes path."""
    mode = os.environ.get("MOVGC_PYTHON_EXT", "")
    if mode == "0":
        return None
    if mode not in ("", "1"):
        raise ImportError("MOVGC_PYTHON_EXT=%s: use 0, 1 or nothing" % mode)
    try:
        mod = _find()
        if mod is not None and getattr(mod, "API", None) != API:
            raise ImportError("%s has API %r, this package wants %d"
                              % (mod.__file__, getattr(mod, "API", None), API))
    except ImportError:
        if mode == "1":
            raise
        return None
    if mod is None and mode == "1":
        raise ImportError("MOVGC_PYTHON_EXT=1 but movgc._fast was not found "
                          "(in the package or a build tree)")
    return mod

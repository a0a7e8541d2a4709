"""_capi.py -- find libmovgc, load it with ctypes and declare its functions.

The library is looked for, in this order:
  1. $MOVGC_LIBRARY, the path of the shared object;
  2. a build tree: $MOVGC_BUILDDIR/runtime/.libs/libmovgc.so, else the
     _build directory of the source tree this package sits in;
  3. an installed movgc: the libdir pkg-config gives for movgc.pc, then
     the dynamic linker's standard search path.

The library is loaded as a PyDLL: the GIL stays held inside every call, and
no Python code runs inside the library except its own callbacks (on_error,
finalizers).  That alone does not serialise a heap's calls (another thread
may run during a callback, or between two calls): heap.py holds a lock of
the heap's around them, and hands the heap over with movgc_heap_adopt.
"""
import ctypes
import ctypes.util
import os
import subprocess
from typing import List, Optional

c_size = ctypes.c_size_t
c_ptr = ctypes.c_void_p
c_u64 = ctypes.c_uint64
c_int = ctypes.c_int

MOVGC_STRESS, MOVGC_VERIFY, MOVGC_VERBOSE = 1, 2, 4
MOVGC_MINOR, MOVGC_FULL = 1, 2
(MOVGC_OK, MOVGC_E_NOMEM, MOVGC_E_STALE, MOVGC_E_MISUSE, MOVGC_E_CORRUPT,
 MOVGC_E_CONFIG) = range(6)

SIZE_MAX = (1 << (8 * ctypes.sizeof(c_size))) - 1
TAG_MAX = 0xFFFF


class Handle(ctypes.Structure):
    """movgc_handle: a 64-bit id, 0 for the null handle."""
    _fields_ = [("id", c_u64)]


class Shape(ctypes.Structure):
    """movgc_shape."""
    _fields_ = [("tag", ctypes.c_uint), ("nrefs", c_size), ("nbytes", c_size)]


ON_ERROR = ctypes.CFUNCTYPE(None, c_ptr, c_int, ctypes.c_char_p, c_ptr)
FINALIZER = ctypes.CFUNCTYPE(None, c_ptr, c_ptr, c_ptr)


class Config(ctypes.Structure):
    """movgc_config."""
    _fields_ = [("nursery_bytes", c_size), ("heap_limit", c_size),
                ("growth", ctypes.c_double), ("flags", ctypes.c_uint),
                ("on_error", ON_ERROR), ("ud", c_ptr)]


class Stats(ctypes.Structure):
    """movgc_stats, in the order of movgc.h (new fields only at the end)."""
    _fields_ = [("minor_collections", c_u64),
                ("full_collections", c_u64),
                ("bytes_allocated", c_u64),
                ("bytes_promoted", c_u64),
                ("bytes_compacted", c_u64),
                ("live_bytes", c_size), ("heap_bytes", c_size),
                ("total_pause_ns", c_u64),
                ("max_pause_ns", c_u64)]


_SONAMES = ("libmovgc.so.1", "libmovgc.so")


def _source_build_tree() -> Optional[str]:
    """The _build directory of the source tree holding this package, if
    the package is used from bindings/python of a movgc checkout."""
    here = os.path.dirname(os.path.realpath(__file__))
    top = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    if os.path.isfile(os.path.join(top, "include", "movgc.h")):
        return os.path.join(top, "_build")
    return None


def _pkg_config_libdir() -> Optional[str]:
    try:
        out = subprocess.run(["pkg-config", "--variable=libdir", "movgc"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             universal_newlines=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    libdir = out.stdout.strip()
    return libdir if out.returncode == 0 and libdir else None


def library_path() -> str:
    """The path (or linker name) of the libmovgc shared object to load;
    raises ImportError naming every place looked in."""
    tried: List[str] = []
    explicit = os.environ.get("MOVGC_LIBRARY")
    if explicit:
        if os.path.exists(explicit):
            return explicit
        raise ImportError("libmovgc not found: $MOVGC_LIBRARY names %s, "
                          "which does not exist" % explicit)
    tried.append("$MOVGC_LIBRARY (not set)")
    builddir = os.environ.get("MOVGC_BUILDDIR") or _source_build_tree()
    if builddir:
        path = os.path.join(builddir, "runtime", ".libs", "libmovgc.so")
        if os.path.exists(path):
            return path
        tried.append("the build tree: %s" % path)
    else:
        tried.append("a build tree ($MOVGC_BUILDDIR not set)")
    libdir = _pkg_config_libdir()
    if libdir:
        for name in _SONAMES:
            path = os.path.join(libdir, name)
            if os.path.exists(path):
                return path
        tried.append("pkg-config's libdir for movgc: %s" % libdir)
    else:
        tried.append("pkg-config (no movgc.pc found)")
    found = ctypes.util.find_library("movgc")
    if found:
        return found
    tried.append("the dynamic linker's search path")
    raise ImportError("libmovgc not found; looked at " + "; ".join(tried) +
                      ".  Set MOVGC_LIBRARY to the shared object, "
                      "MOVGC_BUILDDIR to a build tree, or install movgc "
                      "(make install) where pkg-config or the linker finds "
                      "it.")


# name: (result type, argument types).  movgc_ffi_* are the exported copies
# of movgc.h's inline functions (movgc_ffi.h); the others are movgc.h's,
# ids as plain 64-bit integers ("entry points for bindings").
_PROTOTYPES = {
    "movgc_heap_new": (c_ptr, [ctypes.POINTER(Config)]),
    "movgc_heap_free": (None, [c_ptr]),
    "movgc_heap_adopt": (None, [c_ptr]),
    "movgc_ffi_handle_get": (c_ptr, [c_ptr, Handle]),
    "movgc_handle_set": (None, [c_ptr, Handle, c_ptr]),
    "movgc_pin": (c_ptr, [c_ptr, Handle]),
    "movgc_ffi_nbytes": (c_size, [c_ptr]),
    "movgc_ffi_data": (c_ptr, [c_ptr]),
    "movgc_weak_new": (Handle, [c_ptr, c_ptr]),
    "movgc_ephemeron_new": (Handle, [c_ptr, c_ptr, c_ptr]),
    "movgc_set_finalizer": (None, [c_ptr, c_ptr, FINALIZER, c_ptr]),
    "movgc_handle_new": (Handle, [c_ptr, c_ptr]),
    "movgc_collect": (None, [c_ptr, c_int]),
    "movgc_get_stats": (None, [c_ptr, ctypes.POINTER(Stats), c_size]),
    "movgc_strerror": (ctypes.c_char_p, [c_int]),
    "movgc_alloc_handle": (c_u64, [c_ptr, ctypes.c_uint, c_size, c_size]),
    "movgc_alloc_bytes_handle": (c_u64, [c_ptr, ctypes.c_uint,
                                         ctypes.c_char_p, c_size]),
    "movgc_handle_slot": (c_u64, [c_ptr, c_u64, c_size]),
    "movgc_handle_set_slot": (c_int, [c_ptr, c_u64, c_size, c_u64]),
    "movgc_handle_read": (c_int, [c_ptr, c_u64, c_size, c_ptr, c_size]),
    "movgc_handle_write": (c_int, [c_ptr, c_u64, c_size, ctypes.c_char_p,
                                   c_size]),
    "movgc_handle_shape": (c_int, [c_ptr, c_u64, ctypes.POINTER(Shape)]),
    "movgc_handle_dup": (c_u64, [c_ptr, c_u64]),
    "movgc_handle_value": (c_u64, [c_ptr, c_u64]),
    "movgc_handle_same": (c_int, [c_ptr, c_u64, c_u64]),
    "movgc_handle_hash": (c_u64, [c_ptr, c_u64]),
    "movgc_handles_free": (None, [c_ptr, ctypes.POINTER(c_u64), c_size]),
}


def load() -> ctypes.PyDLL:
    path = library_path()
    lib = ctypes.PyDLL(path)
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise ImportError("%s lacks %s: a libmovgc older than this "
                              "binding" % (path, name)) from None
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


lib = load()

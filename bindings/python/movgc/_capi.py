"""_capi.py -- load libmovgc with ctypes and declare the C functions used.

The library is found, in this order, at $MOVGC_LIBRARY, at
$MOVGC_BUILDDIR/runtime/.libs/libmovgc.so (a build tree, as `make check`
sets it), or wherever the dynamic linker finds libmovgc.
"""
import ctypes
import ctypes.util
import os

c_size = ctypes.c_size_t
c_ptr = ctypes.c_void_p

MOVGC_STRESS, MOVGC_VERIFY, MOVGC_VERBOSE = 1, 2, 4
MOVGC_MINOR, MOVGC_FULL = 1, 2
(MOVGC_OK, MOVGC_E_NOMEM, MOVGC_E_STALE, MOVGC_E_MISUSE, MOVGC_E_CORRUPT,
 MOVGC_E_CONFIG) = range(6)


class Handle(ctypes.Structure):
    """movgc_handle: a 64-bit id, 0 for the null handle."""
    _fields_ = [("id", ctypes.c_uint64)]


ON_ERROR = ctypes.CFUNCTYPE(None, c_ptr, ctypes.c_int, ctypes.c_char_p, c_ptr)
FINALIZER = ctypes.CFUNCTYPE(None, c_ptr, c_ptr, c_ptr)


class Config(ctypes.Structure):
    """movgc_config."""
    _fields_ = [("nursery_bytes", c_size), ("heap_limit", c_size),
                ("growth", ctypes.c_double), ("flags", ctypes.c_uint),
                ("on_error", ON_ERROR), ("ud", c_ptr)]


class Stats(ctypes.Structure):
    """movgc_stats, in the order of movgc.h (new fields only at the end)."""
    _fields_ = [("minor_collections", ctypes.c_uint64),
                ("full_collections", ctypes.c_uint64),
                ("bytes_allocated", ctypes.c_uint64),
                ("bytes_promoted", ctypes.c_uint64),
                ("bytes_compacted", ctypes.c_uint64),
                ("live_bytes", c_size), ("heap_bytes", c_size),
                ("total_pause_ns", ctypes.c_uint64),
                ("max_pause_ns", ctypes.c_uint64)]


def library_path():
    """The path of the libmovgc shared object to load."""
    explicit = os.environ.get("MOVGC_LIBRARY")
    if explicit:
        return explicit
    builddir = os.environ.get("MOVGC_BUILDDIR")
    if builddir:
        return os.path.join(builddir, "runtime", ".libs", "libmovgc.so")
    found = ctypes.util.find_library("movgc")
    if found is None:
        raise ImportError("libmovgc not found: set MOVGC_BUILDDIR to a build "
                          "tree or MOVGC_LIBRARY to the shared object")
    return found


# name: (result type, argument types).  movgc_ffi_* are the exported copies
# of movgc.h's inline functions (see movgc_ffi.h).
_PROTOTYPES = {
    "movgc_heap_new": (c_ptr, [ctypes.POINTER(Config)]),
    "movgc_heap_free": (None, [c_ptr]),
    "movgc_ffi_alloc": (c_ptr, [c_ptr, ctypes.c_uint, c_size, c_size]),
    "movgc_ffi_nrefs": (c_size, [c_ptr]),
    "movgc_ffi_nbytes": (c_size, [c_ptr]),
    "movgc_ffi_tag": (ctypes.c_uint, [c_ptr]),
    "movgc_ffi_get": (c_ptr, [c_ptr, c_size]),
    "movgc_ffi_set": (None, [c_ptr, c_ptr, c_size, c_ptr]),
    "movgc_ffi_data": (c_ptr, [c_ptr]),
    "movgc_ffi_handle_get": (c_ptr, [c_ptr, Handle]),
    "movgc_handle_new": (Handle, [c_ptr, c_ptr]),
    "movgc_handle_set": (None, [c_ptr, Handle, c_ptr]),
    "movgc_handle_free": (None, [c_ptr, Handle]),
    "movgc_pin": (c_ptr, [c_ptr, Handle]),
    "movgc_unpin": (None, [c_ptr, Handle]),
    "movgc_identity_hash": (ctypes.c_uint64, [c_ptr, c_ptr]),
    "movgc_collect": (None, [c_ptr, ctypes.c_int]),
    "movgc_get_stats": (None, [c_ptr, ctypes.POINTER(Stats), c_size]),
    "movgc_last_error": (ctypes.c_int, [c_ptr]),
    "movgc_strerror": (ctypes.c_char_p, [ctypes.c_int]),
}

# Weak handles and finalizers may be missing from an early library.
_OPTIONAL = {
    "movgc_weak_new": (Handle, [c_ptr, c_ptr]),
    "movgc_set_finalizer": (None, [c_ptr, c_ptr, FINALIZER, c_ptr]),
}


def _declare(lib, table, required):
    for name, (restype, argtypes) in table.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            if required:
                raise ImportError("%s lacks %s" % (lib._name, name))
            continue
        fn.restype = restype
        fn.argtypes = argtypes


def load():
    lib = ctypes.CDLL(library_path())
    _declare(lib, _PROTOTYPES, True)
    _declare(lib, _OPTIONAL, False)
    return lib


lib = load()

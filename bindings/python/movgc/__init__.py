"""movgc -- Python binding for the movgc moving, compacting heap: ctypes,
with the hot operations in an optional C extension (`movgc.extension` is
its path, None when the ctypes path alone is used).

    import movgc
    with movgc.Heap() as heap:
        pair = heap.alloc(nrefs=2)
        pair[0] = heap.alloc_bytes(b"hello")
        heap.collect()                     # objects move; wrappers follow
        print(pair[0].read())              # a copy of the raw bytes
        with pair[0].pinned() as view:     # the raw bytes in place
            view[0:1] = b"H"
"""
from ._capi import (MOVGC_E_CONFIG, MOVGC_E_CORRUPT, MOVGC_E_MISUSE,
                    MOVGC_E_NOMEM, MOVGC_E_STALE, MOVGC_OK, library_path)
from .errors import (ConfigError, CorruptError, HeapClosedError, MisuseError,
                     MovgcError, NoMemoryError, NotPinnedError,
                     StaleHandleError)
from .heap import Ephemeron, Heap, Obj, Weak
from .heap import _fast

extension = _fast.__file__ if _fast is not None else None

__version__ = "0.1.0"

__all__ = [
    "Heap", "Obj", "Weak", "Ephemeron", "MovgcError", "NoMemoryError",
    "StaleHandleError", "MisuseError", "CorruptError", "ConfigError",
    "NotPinnedError", "HeapClosedError", "library_path", "MOVGC_OK",
    "MOVGC_E_NOMEM", "MOVGC_E_STALE", "MOVGC_E_MISUSE", "MOVGC_E_CORRUPT",
    "MOVGC_E_CONFIG", "__version__", "extension",
]

"""errors.py -- movgc error codes as Python exceptions."""
from . import _capi


class MovgcError(Exception):
    """An error reported by movgc; `code` is the MOVGC_E_* code and the
    message is the one the library (or the binding) gave."""

    code = None

    def __init__(self, message, code=None):
        super().__init__(message)
        if code is not None:
            self.code = code


class NoMemoryError(MovgcError, MemoryError):
    """MOVGC_E_NOMEM: the heap limit cannot be met."""
    code = _capi.MOVGC_E_NOMEM


class StaleHandleError(MovgcError):
    """MOVGC_E_STALE: a freed handle was used."""
    code = _capi.MOVGC_E_STALE


class MisuseError(MovgcError):
    """MOVGC_E_MISUSE: the API was used against its contract."""
    code = _capi.MOVGC_E_MISUSE


class CorruptError(MovgcError):
    """MOVGC_E_CORRUPT: the heap verifier found a broken reference."""
    code = _capi.MOVGC_E_CORRUPT


class ConfigError(MovgcError):
    """MOVGC_E_CONFIG: a bad configuration or MOVGC_* variable."""
    code = _capi.MOVGC_E_CONFIG


class NotPinnedError(MisuseError):
    """Raw bytes were asked for outside `with obj.pinned():`."""


class HeapClosedError(MisuseError):
    """The heap was closed (freed) and cannot be used any more."""


_BY_CODE = {cls.code: cls for cls in (NoMemoryError, StaleHandleError,
                                     MisuseError, CorruptError, ConfigError)}


def from_code(code, message):
    """The exception for a movgc error code and message."""
    return _BY_CODE.get(code, MovgcError)(message, code)

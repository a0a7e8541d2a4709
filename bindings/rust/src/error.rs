//! error.rs -- movgc errors as a Rust error type.
use std::fmt;

/// The kind of a movgc error (the `MOVGC_E_*` codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `MOVGC_E_NOMEM`: the heap limit cannot be met.
    NoMemory,
    /// `MOVGC_E_STALE`: a freed handle was used.
    Stale,
    /// `MOVGC_E_MISUSE`: the API was used against its contract.
    Misuse,
    /// `MOVGC_E_CORRUPT`: the verifier found a broken reference.
    Corrupt,
    /// `MOVGC_E_CONFIG`: a bad configuration or `MOVGC_*` variable.
    Config,
    /// A code this crate does not know.
    Other(i32),
}

impl ErrorKind {
    pub(crate) fn from_code(code: i32) -> ErrorKind {
        match code {
            1 => ErrorKind::NoMemory,
            2 => ErrorKind::Stale,
            3 => ErrorKind::Misuse,
            4 => ErrorKind::Corrupt,
            5 => ErrorKind::Config,
            other => ErrorKind::Other(other),
        }
    }
}

/// An error reported by movgc, with the library's message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    /// A misuse this crate caught before calling the library.
    pub(crate) fn misuse(message: String) -> Error {
        Error {
            kind: ErrorKind::Misuse,
            message,
        }
    }

    pub(crate) fn no_handle() -> Error {
        Error {
            kind: ErrorKind::NoMemory,
            message: "movgc_handle_new: the handle table cannot grow".into(),
        }
    }

    /// Whether the library said the feature is not implemented (weak
    /// handles and finalizers may land late).
    pub fn is_unimplemented(&self) -> bool {
        let msg = self.message.to_lowercase();
        msg.contains("not implemented") || msg.contains("unimplemented")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "movgc: {:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

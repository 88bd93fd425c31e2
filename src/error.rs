//! Error and problem types shared by every decoder.
//!
//! `Error` means "no report for this part at all"; `Problem` is a finding attached to a
//! report that still carries everything else that could be decoded (a damaged table, a
//! repaired magic, a field that did not validate). Every error names what was being read
//! and where in the file, so a user can find the spot in a 100 MB binary.

use serde::{Deserialize, Serialize};

/// Library result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a structure could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The structure runs past the end of the data that holds it.
    #[error("{what} at offset {offset:#x}: needs {need} bytes, only {have} available")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// File (or table-relative, as `what` says) offset of the read.
        offset: u64,
        /// Bytes needed.
        need: u64,
        /// Bytes available from `offset`.
        have: u64,
    },
    /// A field holds a value the format does not allow.
    #[error("{what} at offset {offset:#x}: expected {expected}, found {found:#x}")]
    BadValue {
        /// What was being read.
        what: &'static str,
        /// Offset of the field.
        offset: u64,
        /// What the format allows.
        expected: &'static str,
        /// What the file holds.
        found: u64,
    },
    /// A count from the file is above what the file could hold or above a named limit.
    #[error("{what}: count {count} exceeds the limit {limit}")]
    TooMany {
        /// What was counted.
        what: &'static str,
        /// The count found.
        count: u64,
        /// The limit it broke.
        limit: u64,
    },
    /// A virtual address does not map to file data.
    #[error("{what}: address {vaddr:#x} is not backed by file data in any segment")]
    Unmapped {
        /// What the address was supposed to hold.
        what: &'static str,
        /// The address.
        vaddr: u64,
    },
    /// The file is not a Go binary, or the Go structure is absent.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The file is in a format goelf does not read.
    #[error("unrecognised file format: {0}")]
    UnknownFormat(&'static str),
    /// Something valid that goelf does not support (yet).
    #[error("unsupported {what}: {found}")]
    Unsupported {
        /// What is unsupported.
        what: &'static str,
        /// What was found.
        found: String,
    },
    /// The file is damaged, or is not what the command needs, as the message says (built from
    /// the problems found: a truncated file, a Go binary without a pclntab).
    #[error("{0}")]
    Damaged(String),
    /// The container parser (`object`) rejected the file.
    #[error("malformed {format}: {error}")]
    Container {
        /// ELF, PE or Mach-O (or the part of it, such as "DWARF section").
        format: &'static str,
        /// object's error, as it is.
        error: object::read::Error,
    },
    /// Container data `object` would reject too, found by goelf's own checks (a damaged
    /// zlib stream, …); reported like [`Error::Container`].
    #[error("malformed {format}: {message}")]
    Malformed {
        /// The part of the container.
        format: &'static str,
        /// What is wrong.
        message: &'static str,
    },
}

impl Error {
    /// A short stable code for the error kind, used in JSON problem lists.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Truncated { .. } => "truncated",
            Error::BadValue { .. } => "bad_value",
            Error::TooMany { .. } => "too_many",
            Error::Unmapped { .. } => "unmapped",
            Error::NotFound(_) => "not_found",
            Error::Damaged(_) => "damaged",
            Error::UnknownFormat(_) => "unknown_format",
            Error::Unsupported { .. } => "unsupported",
            Error::Container { .. } | Error::Malformed { .. } => "container",
        }
    }

    /// Build a container error from `object`'s error.
    pub fn container(format: &'static str, error: object::read::Error) -> Self {
        Error::Container { format, error }
    }
}

/// How bad a [`Problem`] or a broken loader check is; ordered so that the worst is the
/// greatest. In JSON: `"error"`, `"warning"` or `"note"`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Information about how the report was made (a repair, a fallback), or a hardening
    /// finding.
    Note,
    /// Something is wrong or unusual, but the report is complete; for a loader check, only
    /// the specification (or another kernel/glibc version, or another way of starting the
    /// file) is broken: this system loads it.
    #[default]
    Warning,
    /// The file cannot be loaded as its headers describe it (bytes past the end of the
    /// file, a table out of range, a damaged Go structure), or the system refuses it: the
    /// file's report is a failure (`ok: false`, exit status 1), with everything that could
    /// still be read.
    Error,
}

impl Severity {
    /// The severity goelf gives a problem code: `*.truncated` (data past the end of what
    /// holds it) and `file.truncated` / `go.damaged` are errors, `*.repaired` a note, the
    /// rest warnings.
    pub fn for_code(code: &str) -> Severity {
        if code.ends_with(".truncated") || code == "go.damaged" {
            Severity::Error
        } else if code.ends_with(".repaired") {
            Severity::Note
        } else {
            Severity::Warning
        }
    }

    /// `error`, `warning`, `note`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A finding about a file that still got a report: damage, a repair, a check that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Stable machine-readable code, e.g. `pclntab.truncated`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// File offset the problem is about, when there is one.
    pub offset: Option<u64>,
    /// How bad it is ([`Severity::for_code`] of the code unless set otherwise). Added in
    /// schema version 1 (#11); reports read back without it get `warning`.
    #[serde(default)]
    pub severity: Severity,
}

impl Problem {
    /// A problem with a code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Problem::at(code, message, None)
    }

    /// A problem with a code, message and file offset; its severity follows the code.
    pub fn at(code: impl Into<String>, message: impl Into<String>, offset: Option<u64>) -> Self {
        let code = code.into();
        Problem {
            severity: Severity::for_code(&code),
            code,
            message: message.into(),
            offset,
        }
    }

    /// True when the problem is an [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// A problem from a decoding error in the named part (`part.kind` becomes the code).
    pub fn from_error(part: &str, err: &Error) -> Self {
        let offset = match err {
            Error::Truncated { offset, .. } | Error::BadValue { offset, .. } => Some(*offset),
            _ => None,
        };
        Problem::at(
            format!("{part}.{}", err.code()),
            format!("{part}: {err}"),
            offset,
        )
    }
}

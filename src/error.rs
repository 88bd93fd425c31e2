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
    /// The container parser (`object`) rejected the file.
    #[error("malformed {format}: {message}")]
    Container {
        /// ELF, PE or Mach-O.
        format: &'static str,
        /// object's message.
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
            Error::UnknownFormat(_) => "unknown_format",
            Error::Unsupported { .. } => "unsupported",
            Error::Container { .. } => "container",
        }
    }

    /// Build a container error from `object`'s error.
    pub fn container(format: &'static str, err: object::read::Error) -> Self {
        // object's error is a &'static str wrapped in a tuple struct; Display gives it back.
        Error::Container {
            format,
            message: object_message(err),
        }
    }
}

fn object_message(err: object::read::Error) -> &'static str {
    // object::read::Error only exposes its message through Display; keep a static copy of
    // the common ones so that Error stays `Clone + Eq` without allocating.
    let text = err.to_string();
    KNOWN_OBJECT_MESSAGES
        .iter()
        .find(|m| **m == text)
        .copied()
        .unwrap_or("invalid container structure")
}

const KNOWN_OBJECT_MESSAGES: &[&str] = &[
    "Invalid ELF header size or alignment",
    "Unsupported ELF header",
    "Invalid ELF program header entry size",
    "Invalid ELF program header size or alignment",
    "Invalid ELF section header entry size",
    "Invalid ELF section header offset/size/alignment",
    "Invalid ELF section header offset or size",
    "Invalid ELF e_shstrndx",
    "Missing ELF e_shstrndx",
    "Invalid ELF shstrtab size",
    "Missing ELF section headers for e_phnum overflow",
    "Invalid ELF extended e_shnum",
    "Invalid ELF section size or offset",
    "Invalid ELF symbol table data",
    "Invalid ELF dynamic table data",
    "Invalid PE DOS header size or alignment",
    "Invalid PE magic",
    "Invalid Mach-O header size or alignment",
    "Unknown file magic",
];

/// A finding about a file that still got a report: damage, a repair, a check that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Stable machine-readable code, e.g. `pclntab.truncated`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// File offset the problem is about, when there is one.
    pub offset: Option<u64>,
}

impl Problem {
    /// A problem with a code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            code: code.into(),
            message: message.into(),
            offset: None,
        }
    }

    /// A problem from a decoding error in the named part (`part.kind` becomes the code).
    pub fn from_error(part: &str, err: &Error) -> Self {
        let offset = match err {
            Error::Truncated { offset, .. } | Error::BadValue { offset, .. } => Some(*offset),
            _ => None,
        };
        Problem {
            code: format!("{part}.{}", err.code()),
            message: format!("{part}: {err}"),
            offset,
        }
    }
}

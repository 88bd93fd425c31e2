//! The JSON envelope every goelf command prints.
//!
//! ```json
//! {"schema_version": 1, "tool": "goelf", "version": "0.1.0", "command": "inspect",
//!  "files": [{"path": "bin/app", "ok": true, "error": null, ...}]}
//! ```
//!
//! The contract: `schema_version` changes only when a key is renamed, removed or retyped;
//! keys are added freely within a version, so consumers must ignore keys they do not know.
//! Every key of a file entry is always present (`null` when absent, never omitted). Numbers
//! (addresses, offsets, sizes, counts) are JSON integers. `files` is in argument order.

use serde::{Deserialize, Serialize};

/// The schema version of every command's JSON.
pub const SCHEMA_VERSION: u32 = 1;

/// The detail of a container check: its failures joined, or `pass` when there are none.
pub(crate) fn check_detail(failures: &[String], pass: String) -> String {
    if failures.is_empty() {
        pass
    } else {
        failures.join("; ")
    }
}

/// The envelope around per-file reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Always `goelf`.
    pub tool: String,
    /// goelf's version.
    pub version: String,
    /// The command that produced it (`inspect`, `funcs`, `init-order`, `reloc-cost`).
    pub command: String,
    /// One entry per input file, in argument order.
    pub files: Vec<T>,
}

impl<T> Envelope<T> {
    /// An envelope for `command` around `files`.
    pub fn new(command: &str, files: Vec<T>) -> Self {
        Envelope {
            schema_version: SCHEMA_VERSION,
            tool: "goelf".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            command: command.into(),
            files,
        }
    }
}

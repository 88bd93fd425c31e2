//! goelf: a readelf that understands Go.
//!
//! The library decodes what the Go toolchain puts into an executable — ELF/PE/Mach-O
//! containers, the pclntab, `.go.buildinfo`, `moduledata`, init tasks, dynamic relocations —
//! from untrusted bytes, and returns plain data types that serialize to goelf's stable JSON.
//! Nothing here prints or exits; the `goelf` binary is a thin front over these functions.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let data = std::fs::read("testdata/example/hello")?;
//! let report = goelf::inspect::inspect_bytes("hello", &data, &Default::default());
//! println!("{}", serde_json::to_string_pretty(&report)?);
//! # Ok(())
//! # }
//! ```
//!
//! The `reloc-cost` command is [`reloc_cost`]: the report of several files, side by side.
//!
//! Every read of file data goes through [`bytes::Reader`] or [`image::Image`], which check
//! bounds and report the offset of what failed; counts from the file are bounded by
//! [`limits`]. The crate forbids `unsafe`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod analysis;
pub mod bytes;
pub mod code;
pub mod elf;
pub mod error;
pub mod funcs;
pub mod go;
pub mod image;
pub mod init_order;
pub mod inspect;
pub mod limits;
pub mod reloc;
pub mod report;
pub mod symbolize;

pub use error::{Error, Problem, Result};
pub use funcs::{funcs, FuncsOptions, FuncsReport};
pub use init_order::init_order;
pub use reloc::reloc_cost;

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
//! Each command is one function returning the report its `--json` prints:
//! [`inspect::inspect_bytes`], [`funcs()`], [`init_order()`], [`reloc_cost`] (several files,
//! side by side) and [`startup::startup`]. Below them, [`go::GoBinary`] is the one Go session
//! per file (build info, version, pclntab, moduledata; each decoded lazily and once) over an
//! [`image::Image`] (one typed ELF parse, [`elf::ElfFile`], or PE/Mach-O through `object`);
//! [`symbolize`] resolves addresses to functions. `docs/FORMATS.md` in the repository describes the Go formats read.
//!
//! Every read of file data goes through the crate's byte reader or [`image::Image`], which
//! check bounds and report the offset of what failed; counts from the file are bounded by
//! [`limits`]. The crate forbids `unsafe`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub(crate) mod analysis;
pub(crate) mod bytes;
pub mod check;
pub(crate) mod code;
pub mod diff;
pub mod elf;
pub mod error;
pub mod funcs;
pub mod go;
pub mod image;
pub mod init_order;
pub mod inspect;
pub mod limits;
pub mod macho;
pub mod pe;
pub mod reloc;
pub mod report;
pub mod sbom;
pub mod size;
pub mod startup;
pub mod symbolize;

pub use error::{Error, Problem, Result};

/// Decoder internals that goelf's own fuzz targets and tests exercise directly. Not part of the
/// API: anything here may change in any release.
#[doc(hidden)]
pub mod internals {
    pub use crate::analysis::init_order::graph::infer_constraints;
    pub use crate::elf::names::{dt_flags, dt_flags_1};
    pub use crate::go::inittask::{layout_of, read_task_list, InitTaskEra, InitTaskLayout};
    pub use crate::go::layout::{MdField, MODULEDATA_LAYOUTS};
}
pub use funcs::{funcs, FuncsOptions, FuncsReport};
pub use init_order::init_order;
pub use reloc::reloc_cost;

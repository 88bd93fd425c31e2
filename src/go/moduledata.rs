//! `runtime.moduledata`: the runtime's per-module table of text/data bounds, types, typelinks,
//! itablinks, init tasks and more, with its field layout per Go version.
//!
//! Sources: `src/runtime/symtab.go` (`moduledata`), `src/cmd/link/internal/ld/symtab.go`
//! (writer), FORMATS.md §2.
//!
//! API CONTRACT (other modules code against these; keep them):
//! - `Moduledata::find(image, &pclntab, version_hint, problems) -> Result<Moduledata>`:
//!   via `runtime.firstmoduledata`, the `.go.module` section (1.26+), or a pointer scan.
//! - `Moduledata::info() -> ModuledataInfo` (serializable, `go.moduledata` in JSON).
//! - `Moduledata::inittasks() -> Option<(u64, u64)>`: (address, count) of the inittasks slice
//!   (Go 1.21+), `None` when the layout has no such field.
//! - `Moduledata::text() -> u64`, `Moduledata::etext() -> u64`.

use serde::{Deserialize, Serialize};

use super::pclntab::Pclntab;
use super::version::GoVersion;
use crate::error::{Error, Problem, Result};
use crate::image::Image;

/// Summary reported by `goelf inspect` (`go.moduledata` in JSON). A field the Go version's
/// layout lacks is `null`, never a guess.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuledataInfo {
    /// Address of the structure.
    pub address: u64,
    /// How it was found: `symbol`, `section` or `scan`.
    pub found_by: String,
    /// Which layout decoded it (e.g. `go1.21-1.22`).
    pub layout: String,
    /// `text`.
    pub text: u64,
    /// `etext`.
    pub etext: u64,
    /// `types`.
    pub types: Option<u64>,
    /// `etypes`.
    pub etypes: Option<u64>,
    /// Length of `typelinks` (absent from Go 1.27).
    pub typelinks: Option<u64>,
    /// Length of `itablinks` (absent from Go 1.27).
    pub itablinks: Option<u64>,
    /// Length of `inittasks` (Go 1.21+).
    pub inittasks: Option<u64>,
    /// `hasmain`.
    pub hasmain: Option<bool>,
}

/// A located and decoded moduledata.
#[derive(Debug, Clone)]
pub struct Moduledata {
    info: ModuledataInfo,
    inittasks: Option<(u64, u64)>,
}

impl Moduledata {
    /// Locate and decode the first moduledata.
    pub fn find(
        _image: &Image<'_>,
        _pclntab: &Pclntab<'_>,
        _version: Option<GoVersion>,
        _problems: &mut Vec<Problem>,
    ) -> Result<Moduledata> {
        Err(Error::NotFound("moduledata"))
    }

    /// The serializable summary.
    pub fn info(&self) -> ModuledataInfo {
        self.info.clone()
    }

    /// (address, count) of the inittasks slice, Go 1.21+.
    pub fn inittasks(&self) -> Option<(u64, u64)> {
        self.inittasks
    }

    /// `text`.
    pub fn text(&self) -> u64 {
        self.info.text
    }

    /// `etext`.
    pub fn etext(&self) -> u64 {
        self.info.etext
    }
}

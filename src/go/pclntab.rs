//! The pclntab (Go's function/file/line table): header, functab, `_func` records, names,
//! file tables and pc-value tables, for every era: magic 0xfffffffb (Go 1.2–1.15),
//! 0xfffffffa (1.16–1.17), 0xfffffff0 (1.18–1.19), 0xfffffff1 (1.20+).
//!
//! Sources: `src/runtime/symtab.go` (`pcHeader`, `functab`, `pcvalue`, `funcfile`),
//! `src/runtime/runtime2.go` (`_func`), `src/internal/abi/symtab.go` (magics),
//! `src/debug/gosym/pclntab.go`, `src/cmd/link/internal/ld/pcln.go`. FORMATS.md §1.
//!
//! API CONTRACT (other modules code against these signatures; keep them):
//! - `Pclntab::find(image, problems) -> Result<Pclntab>`: by section, symbol, or magic scan.
//! - `Pclntab::info() -> PclntabInfo` (serializable header summary for `inspect`).
//! - `Pclntab::set_text_start(text)`: the text base when the header has none (1.26+).
//! - `Pclntab::nfunc()`, `Pclntab::func(i) -> Result<Func>`, `Pclntab::funcs()`.
//! - `Pclntab::find_func(pc) -> Option<usize>` (index of the function containing pc).
//! - `Pclntab::file_line(&Func, pc) -> Result<(String, u32)>`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Problem, Result};
use crate::image::Image;

/// pclntab era, selected by the magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Era {
    /// 0xfffffffb: Go 1.2–1.15.
    Go12,
    /// 0xfffffffa: Go 1.16–1.17.
    Go116,
    /// 0xfffffff0: Go 1.18–1.19.
    Go118,
    /// 0xfffffff1: Go 1.20 and later.
    Go120,
}

/// Header summary reported by `goelf inspect` (`go.pclntab` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PclntabInfo {
    /// Magic as found, e.g. `0xfffffff1`.
    pub magic: String,
    /// Go versions of the era (`go1.20+`, `go1.18-go1.19`, …).
    pub era: String,
    /// Virtual address of the table, when mapped.
    pub address: Option<u64>,
    /// File offset of the table.
    pub offset: u64,
    /// Size in bytes (to the end of the section or the last byte used).
    pub size: u64,
    /// Pointer size (header byte 7).
    pub ptr_size: u8,
    /// PC quantum (header byte 6).
    pub quantum: u8,
    /// Number of functions.
    pub nfunc: u64,
    /// Number of file names (`null` before 1.16, where the file table holds a count).
    pub nfiles: Option<u64>,
    /// Text base: pcHeader textStart (1.18–1.25), or the base in use (see `text_start_source`).
    pub text_start: Option<u64>,
    /// How the table was found: `section`, `symbol` or `scan`.
    pub found_by: String,
    /// What was repaired to read it (e.g. an altered magic), if anything.
    pub repaired: Option<String>,
}

/// One function of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Func<'a> {
    /// Index in the functab.
    pub index: usize,
    /// Entry address.
    pub entry: u64,
    /// End address (the next function's entry, or the table's end PC).
    pub end: u64,
    /// Symbol name bytes, e.g. `net/http.(*Server).Serve`.
    pub name: &'a [u8],
    /// Offset of the `_func` record inside the table.
    pub func_offset: u64,
}

/// A decoded pclntab, borrowing the file.
#[derive(Debug)]
pub struct Pclntab<'a> {
    _image: std::marker::PhantomData<&'a ()>,
}

impl<'a> Pclntab<'a> {
    /// Locate and validate the table.
    pub fn find(_image: &Image<'a>, _problems: &mut Vec<Problem>) -> Result<Pclntab<'a>> {
        Err(Error::NotFound("pclntab"))
    }

    /// The serializable header summary. (Stub: `find` never succeeds yet.)
    pub fn info(&self) -> PclntabInfo {
        PclntabInfo {
            magic: String::new(),
            era: String::new(),
            address: None,
            offset: 0,
            size: 0,
            ptr_size: 0,
            quantum: 0,
            nfunc: 0,
            nfiles: None,
            text_start: None,
            found_by: String::new(),
            repaired: None,
        }
    }

    /// Set the text base when the header has none (Go 1.26+). (Stub.)
    pub fn set_text_start(&mut self, _text: u64) {}
}

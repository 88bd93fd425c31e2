//! The ELF layer of `goelf inspect`: the file header, program headers and the loader's own
//! validity checks, section headers, the dynamic section, init/fini arrays and a hardening
//! summary. Values are the raw fields, named and spelled as `readelf -hlSdW` prints them, so
//! that tests can compare them with binutils field by field.
//!
//! Sources: the ELF gABI; Linux `fs/binfmt_elf.c` (`load_elf_binary`, `elf_read_implies_exec`)
//! and glibc `elf/dl-load.c` / `elf/rtld.c` for the loader checks; binutils `readelf.c` for the
//! spellings and the section-to-segment rule.

mod checks;
mod dynamic;
mod headers;
mod init_array;
pub mod names;
mod notes;

use serde::{Deserialize, Serialize};

use crate::bytes::Endian;
use crate::error::{Error, Problem, Result};
use crate::image::Image;

pub use checks::LoaderCheck;
pub use dynamic::{DynamicEntry, DynamicSummary};
pub use headers::{ElfHeader, ProgramHeader, SectionHeader};
pub use init_array::InitEntry;
pub use notes::Note;

/// Everything `goelf inspect` reports about an ELF file's container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElfReport {
    /// The file header.
    pub header: ElfHeader,
    /// Every program header, in file order, with the sections each maps.
    pub program_headers: Vec<ProgramHeader>,
    /// The PT_INTERP path, when there is one.
    pub interp: Option<String>,
    /// Every section header, in file order (index 0 included, as readelf lists it).
    pub sections: Vec<SectionHeader>,
    /// Constructors and destructors: `.preinit_array`, DT_INIT, `.init_array`,
    /// `.fini_array`, DT_FINI, in that order.
    pub init_array: Vec<InitEntry>,
    /// The dynamic section.
    pub dynamic: DynamicSummary,
    /// Notes (build ids and friends).
    pub notes: Vec<Note>,
    /// A checksec-like summary.
    pub hardening: Hardening,
    /// The loader's validity checks, each with its verdict.
    pub loader_checks: Vec<LoaderCheck>,
}

/// Hardening summary, stated for a Go binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hardening {
    /// Position-independent executable (ET_DYN with an interpreter or DF_1_PIE).
    pub pie: bool,
    /// Non-executable stack: PT_GNU_STACK present without PF_X.
    pub nx: bool,
    /// `none`, `partial` (PT_GNU_RELRO) or `full` (PT_GNU_RELRO and BIND_NOW).
    pub relro: String,
    /// No PT_INTERP: nothing is loaded before the program.
    #[serde(rename = "static")]
    pub is_static: bool,
    /// The requested interpreter.
    pub interp: Option<String>,
    /// No `.symtab`.
    pub stripped: bool,
    /// DWARF sections present (`.debug_*` or `.zdebug_*`).
    pub dwarf: bool,
    /// GNU build id (hex) from the NT_GNU_BUILD_ID note.
    pub build_id: Option<String>,
    /// Go build id from the `.note.go.buildid` note.
    pub go_build_id: Option<String>,
    /// Some segment is both writable and executable.
    pub wx_segment: bool,
}

/// Parse the ELF container of `data`. Damage past the file header gives a partial report
/// with problems; only an unreadable header is an error.
pub fn analyze(
    data: &[u8],
    image: Option<&Image<'_>>,
    problems: &mut Vec<Problem>,
) -> Result<ElfReport> {
    let raw = headers::read(data, problems)?;
    let endian = raw.header.endian;
    let ptr_size: u8 = if raw.header.class == "ELF64" { 8 } else { 4 };
    let reader = crate::bytes::Reader::new(data, 0, endian, ptr_size);
    let interp = headers::interp(&raw, reader);
    let dynamic = dynamic::read(&raw, reader, problems);
    let notes = notes::read(&raw, reader);
    let init_array = init_array::read(&raw, &dynamic, reader, image, problems);
    let hardening = hardening(&raw, &dynamic, &notes, interp.clone());
    let loader_checks = checks::loader_checks(&raw, data.len() as u64, reader);
    Ok(ElfReport {
        header: raw.header,
        program_headers: raw.program_headers,
        interp,
        sections: raw.sections,
        init_array,
        dynamic,
        notes,
        hardening,
        loader_checks,
    })
}

fn hardening(
    raw: &headers::Raw,
    dynamic: &DynamicSummary,
    notes: &[Note],
    interp: Option<String>,
) -> Hardening {
    let has = |t: &str| raw.program_headers.iter().any(|p| p.r#type == t);
    let stack = raw.program_headers.iter().find(|p| p.r#type == "GNU_STACK");
    let relro = if !has("GNU_RELRO") {
        "none"
    } else if dynamic.bind_now {
        "full"
    } else {
        "partial"
    };
    let pie = raw.header.r#type == "DYN"
        && (interp.is_some() || dynamic.flags_1.iter().any(|f| f == "PIE"));
    let symtab = raw
        .sections
        .iter()
        .any(|s| s.r#type == "SYMTAB" && s.size > 0);
    let dwarf = raw
        .sections
        .iter()
        .any(|s| s.name.starts_with(".debug_") || s.name.starts_with(".zdebug_"));
    let note = |owner: &str, t: u32| {
        notes
            .iter()
            .find(|n| n.owner == owner && n.r#type == t)
            .map(|n| n.desc_hex.clone())
    };
    Hardening {
        pie,
        nx: stack.is_some_and(|s| !s.flags.contains('E')),
        relro: relro.into(),
        is_static: interp.is_none(),
        interp,
        stripped: !symtab,
        dwarf,
        build_id: note("GNU", 3),
        go_build_id: notes
            .iter()
            .find(|n| n.owner == "Go" && n.r#type == 4)
            .map(|n| n.desc_text.clone()),
        wx_segment: raw
            .program_headers
            .iter()
            .any(|p| p.r#type == "LOAD" && p.flags.contains('W') && p.flags.contains('E')),
    }
}

/// Map a virtual address to a file offset through the PT_LOAD segments.
pub(crate) fn vaddr_to_offset(phdrs: &[ProgramHeader], vaddr: u64) -> Option<u64> {
    phdrs
        .iter()
        .filter(|p| p.r#type == "LOAD")
        .find(|p| vaddr >= p.vaddr && vaddr - p.vaddr < p.filesz)
        .and_then(|p| p.offset.checked_add(vaddr - p.vaddr))
}

pub(crate) fn endian_of(data: u8) -> Result<Endian> {
    match data {
        1 => Ok(Endian::Little),
        2 => Ok(Endian::Big),
        d => Err(Error::BadValue {
            what: "ELF data encoding (e_ident[EI_DATA])",
            offset: 5,
            expected: "1 (little-endian) or 2 (big-endian)",
            found: u64::from(d),
        }),
    }
}

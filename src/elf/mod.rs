//! The ELF layer of `goelf inspect`: the file header, program headers and the loader's own
//! validity checks, section headers, the dynamic section, init/fini arrays and a hardening
//! summary. The file is parsed once ([`file::ElfFile`], `object`'s Pod records, raw values);
//! the report gives the raw fields and, beside them, readelf's spellings (`readelf -hlSdW`,
//! made only when the report is built, by `elf::names`), so that tests can compare them with
//! binutils field by field. Dynamic relocations are decoded here too ([`relocations`]), once
//! per file, for `.init_array` and the `reloc-cost` model.
//!
//! Sources: the ELF gABI; Linux `fs/binfmt_elf.c` (`load_elf_binary`, `elf_read_implies_exec`)
//! and glibc `elf/dl-load.c` / `elf/rtld.c` for the loader checks; binutils `readelf.c` for the
//! spellings and the section-to-segment rule.

mod checks;
mod dynamic;
pub mod file;
mod headers;
mod init_array;
pub(crate) mod names;
mod notes;
pub mod relocations;

use object::elf::{
    DF_1_PIE, ET_DYN, NT_GNU_BUILD_ID, NT_GO_BUILD_ID, PF_X, PT_GNU_RELRO, PT_GNU_STACK, PT_LOAD,
    SHT_SYMTAB,
};
use serde::{Deserialize, Serialize};

use crate::error::{Problem, Result};
use crate::image::Image;

pub use checks::{CheckId, Enforcer, LoaderCheck, Outcome, Role, Severity, StartVerdict, RULES};
pub use dynamic::{DynamicEntry, DynamicSummary};
pub use file::ElfFile;
pub use headers::{ElfHeader, ProgramHeader, SectionHeader};
pub use init_array::{InitEntry, InitKind};
pub use notes::Note;
pub use relocations::{DynReloc, RelocTable, Relocations, TableInfo};

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
    /// The loader checks, in the order the kernel applies them, each with who enforces it and
    /// what happens when it is broken (docs/FORMATS.md §8).
    pub loader_checks: Vec<LoaderCheck>,
    /// Will it start, and if not, who refuses it and how: the first check the system meets
    /// that stops it.
    pub start: StartVerdict,
}

/// Hardening summary, stated for a Go binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hardening {
    /// Position-independent executable (ET_DYN with an interpreter or DF_1_PIE).
    pub pie: bool,
    /// Non-executable stack: PT_GNU_STACK present without PF_X.
    pub nx: bool,
    /// `none`, `partial` (PT_GNU_RELRO) or `full` (PT_GNU_RELRO and BIND_NOW).
    pub relro: Relro,
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

/// RELRO as `goelf inspect` states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relro {
    /// No PT_GNU_RELRO.
    None,
    /// PT_GNU_RELRO without BIND_NOW.
    Partial,
    /// PT_GNU_RELRO and BIND_NOW.
    Full,
}

impl Relro {
    /// The name as in JSON: `none`, `partial`, `full`.
    pub fn name(self) -> &'static str {
        match self {
            Relro::None => "none",
            Relro::Partial => "partial",
            Relro::Full => "full",
        }
    }
}

impl std::fmt::Display for Relro {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Parse the ELF container of `data`. Damage past the file header gives a partial report
/// with problems; only an unreadable header is an error. With an `image` of the same bytes,
/// its parsed ELF file is used (one parse per file) and its symbols name the init entries.
pub fn analyze(
    data: &[u8],
    image: Option<&Image<'_>>,
    problems: &mut Vec<Problem>,
) -> Result<ElfReport> {
    let parsed;
    let file = match image.and_then(|i| i.elf()) {
        Some(f) => f,
        None => {
            parsed = ElfFile::parse(data)?;
            &parsed
        }
    };
    Ok(analyze_file(file, image, false, problems).0)
}

/// [`analyze`] over a parsed file. With `want_relocs`, the dynamic relocations are decoded
/// (their problems appended after the report's) and returned; otherwise they are decoded
/// only when `.init_array` resolution needs them, and their problems are not kept.
pub(crate) fn analyze_file(
    file: &ElfFile<'_>,
    image: Option<&Image<'_>>,
    want_relocs: bool,
    problems: &mut Vec<Problem>,
) -> (ElfReport, Option<Relocations>) {
    problems.extend(file.problems().iter().cloned());
    let header = ElfHeader::new(file);
    let (program_headers, sections) = headers::report_tables(file, problems);
    let interp = headers::interp(file);
    let dynamic = dynamic::read(file, problems);
    let notes = notes::read(file);
    let mut reloc_problems = Vec::new();
    // Relocations may write the init/fini array slots of an ET_DYN file.
    let init_needs_relocs =
        file.header().e_type == ET_DYN && init_array::has_arrays(file, &dynamic);
    let relocs = if want_relocs || init_needs_relocs {
        Some(relocations::read(file, &dynamic, &mut reloc_problems))
    } else {
        None
    };
    let init_relocs = relocs.as_ref().filter(|_| init_needs_relocs);
    let init_array = init_array::read(file, &dynamic, init_relocs, image, problems);
    let hardening = hardening(file, &sections, &dynamic, &notes, interp.clone());
    let (loader_checks, start) = checks::loader_checks(file, &dynamic, true);
    if want_relocs {
        problems.append(&mut reloc_problems);
    }
    let report = ElfReport {
        header,
        program_headers,
        interp,
        sections,
        init_array,
        dynamic,
        notes,
        hardening,
        loader_checks,
        start,
    };
    (report, relocs.filter(|_| want_relocs))
}

/// Position-independent executable: ET_DYN with an interpreter or DF_1_PIE.
pub(crate) fn is_pie(file: &ElfFile<'_>, dynamic: &DynamicSummary, interp: bool) -> bool {
    file.header().e_type == ET_DYN
        && (interp
            || object::elf::DynamicFlags1(dynamic.get(object::elf::DT_FLAGS_1).unwrap_or(0))
                .contains(DF_1_PIE))
}

fn hardening(
    file: &ElfFile<'_>,
    sections: &[SectionHeader],
    dynamic: &DynamicSummary,
    notes: &[Note],
    interp: Option<String>,
) -> Hardening {
    let relro = if file.segment(PT_GNU_RELRO).is_none() {
        Relro::None
    } else if dynamic.bind_now {
        Relro::Full
    } else {
        Relro::Partial
    };
    let symtab = file
        .sections()
        .iter()
        .any(|s| s.sh_type == SHT_SYMTAB && s.size > 0);
    let dwarf = sections
        .iter()
        .any(|s| s.name.starts_with(".debug_") || s.name.starts_with(".zdebug_"));
    let note = |owner: &[u8], t: object::elf::NoteType| {
        notes
            .iter()
            .find(|n| n.owner.as_bytes() == owner && n.r#type == t.0)
    };
    Hardening {
        pie: is_pie(file, dynamic, interp.is_some()),
        nx: file
            .segment(PT_GNU_STACK)
            .is_some_and(|s| !s.p_flags.contains(PF_X)),
        relro,
        is_static: interp.is_none(),
        interp,
        stripped: !symtab,
        dwarf,
        build_id: note(object::elf::ELF_NOTE_GNU, NT_GNU_BUILD_ID).map(|n| n.desc_hex.clone()),
        go_build_id: note(object::elf::ELF_NOTE_GO, NT_GO_BUILD_ID).map(|n| n.desc_text.clone()),
        wx_segment: file.segments_of(PT_LOAD).any(|p| p.is_wx()),
    }
}

impl ElfReport {
    /// Why the file fails, when a loader check is an error: "will not start: …" for a program
    /// the system refuses, "ld.so refuses it: …" for a library, "damaged: …" for headers that
    /// claim bytes the file does not have. `None` when no check is an error.
    pub fn loader_failure(&self) -> Option<String> {
        self.loader_checks
            .iter()
            .find(|c| c.severity == Some(Severity::Error))?;
        let s = &self.start;
        let reason = s.reason.as_deref().unwrap_or("a loader check failed");
        let check = s.check.map(|c| format!(" [{c}]")).unwrap_or_default();
        Some(match (s.role, s.refused_by) {
            (Role::Program, Some(by)) => format!(
                "this binary will not start: {} ({}) because {reason}{check}",
                refused_by_words(by),
                s.outcome.describe()
            ),
            (Role::SharedLibrary, Some(_)) => format!(
                "ld.so will not load this library: {} because {reason}{check}",
                s.outcome.describe()
            ),
            _ => format!("damaged: {reason}{check}"),
        })
    }
}

/// "refused by the kernel", "killed in ld.so", …
pub fn refused_by_words(by: Enforcer) -> &'static str {
    match by {
        Enforcer::Kernel => "the kernel refuses it",
        Enforcer::LdSo => "ld.so refuses it",
        Enforcer::Spec | Enforcer::Hardening => "it is refused",
    }
}

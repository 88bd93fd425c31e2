//! `goelf inspect`: one report per file with the container (ELF header, program headers,
//! loader checks, sections, init arrays, dynamic section, hardening) and the Go metadata.

use serde::{Deserialize, Serialize};

use crate::elf::ElfReport;
use crate::error::Problem;
use crate::go::{GoBinary, GoReport};
use crate::image::{detect_format, Image};

/// Options for [`inspect_bytes`].
#[derive(Debug, Clone, Default)]
pub struct InspectOptions {
    /// Skip the Go metadata (container only).
    pub no_go: bool,
    /// Walk every DWARF compile unit (counts, all producers) instead of stopping at the
    /// first Go producer of a zlib-compressed `.debug_info` (`goelf inspect --dwarf`).
    pub dwarf_full: bool,
}

/// The report for one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InspectFile {
    /// The path as given.
    pub path: String,
    /// False when the file could not be analysed at all.
    pub ok: bool,
    /// Why it could not, when `ok` is false.
    pub error: Option<String>,
    /// Findings about a file that still got a report (damage, repairs).
    pub problems: Vec<Problem>,
    /// `elf`, `pe`, `macho`, or null when unrecognised.
    pub format: Option<String>,
    /// Architecture short name (`x86_64`, `aarch64`, `i386`, `arm`, …).
    pub arch: Option<String>,
    /// The ELF container, for ELF files.
    pub elf: Option<ElfReport>,
    /// The Go metadata, `null` for a file with no Go in it.
    pub go: Option<GoReport>,
}

impl InspectFile {
    /// A report for a file that could not be read or analysed.
    pub fn failed(path: &str, error: impl std::fmt::Display) -> Self {
        InspectFile {
            path: path.into(),
            ok: false,
            error: Some(error.to_string()),
            problems: Vec::new(),
            format: None,
            arch: None,
            elf: None,
            go: None,
        }
    }
}

/// Inspect the bytes of one file.
pub fn inspect_bytes(path: &str, data: &[u8], opts: &InspectOptions) -> InspectFile {
    let Some(format) = detect_format(data) else {
        let what = if data.is_empty() {
            "empty file"
        } else if data.len() < 4 {
            "file too short to be an executable"
        } else {
            "not an ELF, PE or Mach-O file"
        };
        return InspectFile::failed(path, what);
    };
    let mut problems = Vec::new();
    let image = Image::parse(data);
    let elf = if format == crate::image::Format::Elf {
        match crate::elf::analyze(data, image.as_ref().ok(), &mut problems) {
            Ok(r) => Some(r),
            Err(e) => return InspectFile::failed(path, format!("ELF: {e}")),
        }
    } else {
        None
    };
    let image = match image {
        Ok(i) => i,
        Err(e) => {
            if elf.is_some() {
                problems.push(Problem::from_error("image", &e));
                return InspectFile {
                    path: path.into(),
                    ok: true,
                    error: None,
                    problems,
                    format: Some(format.name().into()),
                    arch: elf.as_ref().map(|e| e.header.machine.clone()),
                    elf,
                    go: None,
                };
            }
            return InspectFile::failed(path, e);
        }
    };
    problems.extend(image.problems.iter().cloned());
    let arch = image.arch().name;
    let go = if opts.no_go {
        None
    } else {
        let mode = if opts.dwarf_full {
            crate::go::dwarf::DwarfMode::Full
        } else {
            crate::go::dwarf::DwarfMode::Quick
        };
        crate::go::report(&GoBinary::with_dwarf_mode(image, mode), &mut problems)
    };
    InspectFile {
        path: path.into(),
        ok: true,
        error: None,
        problems,
        format: Some(format.name().into()),
        arch: Some(arch.into()),
        elf,
        go,
    }
}

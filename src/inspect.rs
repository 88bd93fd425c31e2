//! `goelf inspect`: one report per file with the container (ELF header, program headers,
//! loader checks, sections, init arrays, dynamic section, hardening) and the Go metadata.

use serde::{Deserialize, Serialize};

use crate::elf::ElfReport;
use crate::error::{Error, Problem};
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
    /// Why it could not, when `ok` is false (in JSON: its message).
    pub error: Option<InspectError>,
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
    /// The PE container, for PE files (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pe: Option<crate::pe::PeReport>,
    /// The Mach-O container (every slice of a universal binary), for Mach-O files (absent
    /// otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macho: Option<crate::macho::MachoReport>,
}

impl InspectFile {
    /// A report for a file that could not be read or analysed.
    pub fn failed(path: &str, error: InspectError) -> Self {
        InspectFile {
            path: path.into(),
            ok: false,
            error: Some(error),
            problems: Vec::new(),
            format: None,
            arch: None,
            elf: None,
            go: None,
            pe: None,
            macho: None,
        }
    }
}

/// Why a file has no `inspect` report. Serialised as its message (the JSON `error` string);
/// [`InspectError::code`] gives the stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InspectError {
    /// The file could not be opened or read (the message of the I/O error).
    Open(String),
    /// Not an ELF, PE or Mach-O file (empty, too short, unknown magic): what it is.
    UnknownFormat(&'static str),
    /// The ELF headers could not be read.
    Elf(Error),
    /// The container could not be parsed.
    Container(Error),
    /// Only the message is known (a report read back from JSON).
    Other(String),
}

impl InspectError {
    /// A stable code: `open`, `unknown_format`, the decoding error's code, `other`.
    pub fn code(&self) -> &'static str {
        match self {
            InspectError::Open(_) => "open",
            InspectError::UnknownFormat(_) => "unknown_format",
            InspectError::Elf(e) | InspectError::Container(e) => e.code(),
            InspectError::Other(_) => "other",
        }
    }
}

impl std::fmt::Display for InspectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InspectError::Open(m) | InspectError::Other(m) => f.write_str(m),
            InspectError::UnknownFormat(what) => f.write_str(what),
            InspectError::Elf(e) => write!(f, "ELF: {e}"),
            InspectError::Container(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for InspectError {}

impl Serialize for InspectError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for InspectError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(InspectError::Other)
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
        return InspectFile::failed(path, InspectError::UnknownFormat(what));
    };
    let mut problems = Vec::new();
    let image = Image::parse(data);
    let elf = if format == crate::image::Format::Elf {
        match crate::elf::analyze(data, image.as_ref().ok(), &mut problems) {
            Ok(r) => Some(r),
            Err(e) => return InspectFile::failed(path, InspectError::Elf(e)),
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
                    pe: None,
                    macho: None,
                };
            }
            return InspectFile::failed(path, InspectError::Container(e));
        }
    };
    problems.extend(image.problems.iter().cloned());
    let arch = image.arch().name();
    let pe = crate::pe::analyze(&image, &mut problems);
    let macho = if format == crate::image::Format::Macho {
        crate::macho::analyze(data, &mut problems)
    } else {
        None
    };
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
        pe,
        macho,
    }
}

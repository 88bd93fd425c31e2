//! Loader checks on a PE image, each with a verdict and the reason, from the rules the PE
//! format states for images (Microsoft, "PE Format": "Optional Header Windows-Specific
//! Fields" for the alignments and sizes, "Section Table" for section placement) and what
//! the Windows loader needs to map an image (entry in executable code, directories inside
//! the image). See docs/FORMATS.md §9.2.

use serde::{Deserialize, Serialize};

use object::pe;

use super::headers::{DataDirectory, OptionalHeader, PeSection};

/// The PE loader checks, by their stable names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeCheckId {
    /// `FileAlignment` is a power of two from 512 to 64 KiB (or equals a `SectionAlignment`
    /// below the page size).
    FileAlignment,
    /// `SectionAlignment` is a power of two and at least `FileAlignment`.
    SectionAlignment,
    /// `SizeOfImage` is a multiple of `SectionAlignment`; `SizeOfHeaders` a multiple of
    /// `FileAlignment` that covers the section table.
    Sizes,
    /// Sections ascend in memory, aligned to `SectionAlignment`, without overlap, inside
    /// `SizeOfImage`.
    SectionLayout,
    /// Every section's raw data is aligned to `FileAlignment` and lies inside the file.
    SectionsInFile,
    /// The entry point lies in an executable section (or is 0 in a DLL).
    Entry,
    /// Every data directory lies inside the image (the certificate table inside the file).
    DataDirectories,
    /// No section is both writable and executable.
    WXorX,
}

impl PeCheckId {
    /// The stable name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            PeCheckId::FileAlignment => "file_alignment",
            PeCheckId::SectionAlignment => "section_alignment",
            PeCheckId::Sizes => "sizes",
            PeCheckId::SectionLayout => "section_layout",
            PeCheckId::SectionsInFile => "sections_in_file",
            PeCheckId::Entry => "entry",
            PeCheckId::DataDirectories => "data_directories",
            PeCheckId::WXorX => "w_xor_x",
        }
    }
}

impl std::fmt::Display for PeCheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One check and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeCheck {
    /// Stable name of the check.
    pub check: PeCheckId,
    /// Passed.
    pub ok: bool,
    /// What was checked, or what failed.
    pub detail: String,
}

fn check(id: PeCheckId, failures: Vec<String>, pass: String) -> PeCheck {
    PeCheck {
        check: id,
        ok: failures.is_empty(),
        detail: crate::report::check_detail(&failures, pass),
    }
}

const PAGE: u32 = 4096;
/// Failures listed per check at most (a hostile file may have thousands).
const MAX_LISTED: usize = 8;

fn align_up(v: u64, a: u64) -> u64 {
    if a <= 1 {
        v
    } else {
        v.div_ceil(a).saturating_mul(a)
    }
}

/// Run every check.
pub(super) fn run(
    opt: &OptionalHeader,
    is_dll: bool,
    headers_end: u64,
    sections: &[PeSection],
    dirs: &[DataDirectory],
    file_len: u64,
) -> Vec<PeCheck> {
    let fa = opt.file_alignment;
    let sa = opt.section_alignment;
    let mut out = Vec::new();

    let mut f = Vec::new();
    if !fa.is_power_of_two() {
        f.push(format!("FileAlignment {fa:#x} is not a power of two"));
    } else if sa < PAGE {
        if fa != sa {
            f.push(format!(
                "SectionAlignment {sa:#x} is below the page size, so FileAlignment ({fa:#x}) must equal it"
            ));
        }
    } else if !(512..=65536).contains(&fa) {
        f.push(format!("FileAlignment {fa:#x} is outside 0x200..=0x10000"));
    }
    out.push(check(
        PeCheckId::FileAlignment,
        f,
        format!("FileAlignment {fa:#x}: a power of two in 0x200..=0x10000"),
    ));

    let mut f = Vec::new();
    if !sa.is_power_of_two() {
        f.push(format!("SectionAlignment {sa:#x} is not a power of two"));
    }
    if sa < fa {
        f.push(format!(
            "SectionAlignment {sa:#x} is below FileAlignment {fa:#x}"
        ));
    }
    out.push(check(
        PeCheckId::SectionAlignment,
        f,
        format!("SectionAlignment {sa:#x}: a power of two, at least FileAlignment"),
    ));

    let mut f = Vec::new();
    if sa != 0 && opt.size_of_image % sa != 0 {
        f.push(format!(
            "SizeOfImage {:#x} is not a multiple of SectionAlignment {sa:#x}",
            opt.size_of_image
        ));
    }
    if fa != 0 && opt.size_of_headers % fa != 0 {
        f.push(format!(
            "SizeOfHeaders {:#x} is not a multiple of FileAlignment {fa:#x}",
            opt.size_of_headers
        ));
    }
    if u64::from(opt.size_of_headers) < headers_end {
        f.push(format!(
            "SizeOfHeaders {:#x} does not cover the headers and section table (end {headers_end:#x})",
            opt.size_of_headers
        ));
    }
    out.push(check(
        PeCheckId::Sizes,
        f,
        format!(
            "SizeOfImage {:#x} and SizeOfHeaders {:#x} aligned; headers end at {headers_end:#x}",
            opt.size_of_image, opt.size_of_headers
        ),
    ));

    let mut f = Vec::new();
    let mut prev_end = align_up(u64::from(opt.size_of_headers), u64::from(sa));
    for s in sections {
        let va = u64::from(s.virtual_address);
        if sa != 0 && va % u64::from(sa) != 0 {
            f.push(format!(
                "section {} ({}) at RVA {va:#x} is not aligned to {sa:#x}",
                s.number, s.name
            ));
        }
        if va < prev_end {
            f.push(format!(
                "section {} ({}) at RVA {va:#x} overlaps what precedes it (ends at {prev_end:#x})",
                s.number, s.name
            ));
        }
        let size = u64::from(if s.virtual_size == 0 {
            s.size_of_raw_data
        } else {
            s.virtual_size
        });
        let end = align_up(va.saturating_add(size), u64::from(sa));
        if end > u64::from(opt.size_of_image) {
            f.push(format!(
                "section {} ({}) ends at {end:#x}, past SizeOfImage {:#x}",
                s.number, s.name, opt.size_of_image
            ));
        }
        prev_end = prev_end.max(end);
    }
    f.truncate(MAX_LISTED);
    out.push(check(
        PeCheckId::SectionLayout,
        f,
        format!(
            "{} sections ascend from SizeOfHeaders, aligned to {sa:#x}, inside SizeOfImage",
            sections.len()
        ),
    ));

    let mut f = Vec::new();
    for s in sections.iter().filter(|s| s.size_of_raw_data != 0) {
        let off = u64::from(s.pointer_to_raw_data);
        if fa != 0 && off % u64::from(fa) != 0 {
            f.push(format!(
                "section {} ({}) raw data at {off:#x} is not aligned to FileAlignment {fa:#x}",
                s.number, s.name
            ));
        }
        let end = off + u64::from(s.size_of_raw_data);
        if end > file_len {
            f.push(format!(
                "section {} ({}) raw data {off:#x}..{end:#x} runs past the end of the file ({file_len:#x})",
                s.number, s.name
            ));
        }
    }
    f.truncate(MAX_LISTED);
    out.push(check(
        PeCheckId::SectionsInFile,
        f,
        "every section's raw data is aligned and inside the file".into(),
    ));

    let entry = opt.address_of_entry_point;
    let exec = |s: &&PeSection| {
        let c = pe::SectionFlags(s.characteristics);
        c.contains(pe::IMAGE_SCN_MEM_EXECUTE) || c.contains(pe::IMAGE_SCN_CNT_CODE)
    };
    let inside = |s: &PeSection, rva: u32| {
        let size = s.virtual_size.max(s.size_of_raw_data);
        rva >= s.virtual_address && rva - s.virtual_address < size
    };
    let (f, pass) = if entry == 0 {
        if is_dll {
            (
                Vec::new(),
                "no entry point (a DLL may have none)".to_string(),
            )
        } else {
            (
                vec!["AddressOfEntryPoint is 0 in an executable".to_string()],
                String::new(),
            )
        }
    } else {
        match sections.iter().find(|s| inside(s, entry)) {
            Some(s) if exec(&s) => (
                Vec::new(),
                format!("entry {entry:#x} in executable section {}", s.name),
            ),
            Some(s) => (
                vec![format!(
                    "entry {entry:#x} lies in section {} ({}), which is not executable",
                    s.number, s.name
                )],
                String::new(),
            ),
            None => (
                vec![format!("entry {entry:#x} lies in no section")],
                String::new(),
            ),
        }
    };
    out.push(check(PeCheckId::Entry, f, pass));

    let mut f = Vec::new();
    if opt.number_of_rva_and_sizes > 16 {
        f.push(format!(
            "NumberOfRvaAndSizes {} is above 16",
            opt.number_of_rva_and_sizes
        ));
    }
    let mut n = 0;
    for d in dirs
        .iter()
        .filter(|d| d.virtual_address != 0 && d.size != 0)
    {
        n += 1;
        let start = u64::from(d.virtual_address);
        let end = start + u64::from(d.size);
        if d.index == pe::IMAGE_DIRECTORY_ENTRY_SECURITY {
            if end > file_len {
                f.push(format!(
                    "{} at file offset {start:#x}..{end:#x} runs past the end of the file",
                    d.name
                ));
            }
            continue;
        }
        if end > u64::from(opt.size_of_image) {
            f.push(format!(
                "{} at RVA {start:#x}..{end:#x} runs past SizeOfImage {:#x}",
                d.name, opt.size_of_image
            ));
        } else if start >= u64::from(opt.size_of_headers)
            && !sections.iter().any(|s| inside(s, d.virtual_address))
        {
            f.push(format!("{} at RVA {start:#x} lies in no section", d.name));
        }
    }
    f.truncate(MAX_LISTED);
    out.push(check(
        PeCheckId::DataDirectories,
        f,
        format!("{n} data directories inside the image"),
    ));

    let f: Vec<String> = sections
        .iter()
        .filter(|s| {
            let c = pe::SectionFlags(s.characteristics);
            c.contains(pe::IMAGE_SCN_MEM_WRITE) && c.contains(pe::IMAGE_SCN_MEM_EXECUTE)
        })
        .take(MAX_LISTED)
        .map(|s| {
            format!(
                "section {} ({}) is writable and executable",
                s.number, s.name
            )
        })
        .collect();
    out.push(check(
        PeCheckId::WXorX,
        f,
        "no section is both writable and executable".into(),
    ));
    out
}

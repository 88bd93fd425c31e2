//! The PE layer of `goelf inspect` (PE32 and PE32+): COFF and optional headers, data
//! directories, sections, imports, exports, TLS directory and callbacks, debug directory
//! (CodeView PDB path), Authenticode certificate table, the overlay after the image, base
//! relocations, loader checks and a hardening summary. Everything is read through `object`'s
//! typed PE records (`object::pe`, `object::read::pe::PeFile`) from the parse the
//! [`Image`](crate::image::Image) already holds; raw values are kept, with the winnt.h names
//! beside them, so that tests compare each field with `llvm-readobj`.
//!
//! Sources: Microsoft, "PE Format" (the specification); LLVM `llvm-readobj`'s COFFDumper
//! for the field list. Format notes: docs/FORMATS.md §9.

pub mod base_relocs;
mod checks;
pub mod directories;
mod headers;

use object::pe;
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader, PeFile};
use object::LittleEndian as LE;
use serde::{Deserialize, Serialize};

use crate::error::Problem;
use crate::image::Image;

pub use base_relocs::{BaseRelocType, BaseRelocations};
pub use checks::{PeCheck, PeCheckId};
pub use directories::{
    Certificate, CertificateTable, DebugEntry, Export, Exports, ImportDll, ImportSymbol, PdbInfo,
    TlsDirectory,
};
pub use headers::{CoffHeader, DataDirectory, OptionalHeader, PeSection};

/// Everything `goelf inspect` reports about a PE file's container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeReport {
    /// `PE32+` (64-bit optional header) or `PE32`.
    pub kind: String,
    /// File offset of the `PE\0\0` signature (`e_lfanew`).
    pub nt_headers_offset: u32,
    /// The COFF file header.
    pub coff_header: CoffHeader,
    /// The optional header.
    pub optional_header: OptionalHeader,
    /// The data directories, as many as `NumberOfRvaAndSizes` says (at most 16).
    pub data_directories: Vec<DataDirectory>,
    /// The section table.
    pub sections: Vec<PeSection>,
    /// Imported DLLs and functions.
    pub imports: Vec<ImportDll>,
    /// The export directory (DLLs).
    pub exports: Option<Exports>,
    /// The TLS directory and its callbacks.
    pub tls: Option<TlsDirectory>,
    /// The debug directory.
    pub debug: Vec<DebugEntry>,
    /// The Authenticode certificate table.
    pub certificates: Option<CertificateTable>,
    /// Bytes after everything the image and its tables use.
    pub overlay: Option<Overlay>,
    /// The base relocation table.
    pub base_relocations: BaseRelocations,
    /// A checksec-like summary.
    pub hardening: PeHardening,
    /// The loader's validity checks, each with its verdict.
    pub loader_checks: Vec<PeCheck>,
}

/// Data appended after the image (installers, packed payloads, droppers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overlay {
    /// File offset where it starts: the end of the last of the headers, the sections' raw
    /// data, the COFF symbol and string tables and the certificate table.
    pub offset: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// Hardening summary of a PE image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeHardening {
    /// `IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE`: the image asks to be relocated (ASLR).
    pub dynamic_base: bool,
    /// `IMAGE_FILE_RELOCS_STRIPPED`: no base relocations, so the image cannot move.
    pub relocs_stripped: bool,
    /// The base relocation table holds entries.
    pub base_relocations: bool,
    /// ASLR in effect: DYNAMIC_BASE, relocations not stripped and present.
    pub aslr: bool,
    /// `IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA` (64-bit ASLR; meaningful for PE32+).
    pub high_entropy_va: bool,
    /// `IMAGE_DLLCHARACTERISTICS_NX_COMPAT` (DEP).
    pub nx_compat: bool,
    /// `IMAGE_DLLCHARACTERISTICS_GUARD_CF` (Control Flow Guard).
    pub guard_cf: bool,
    /// `IMAGE_DLLCHARACTERISTICS_FORCE_INTEGRITY` (signature checked at load).
    pub force_integrity: bool,
    /// `IMAGE_DLLCHARACTERISTICS_NO_SEH`.
    pub no_seh: bool,
    /// An Authenticode certificate table is present.
    pub signed: bool,
    /// No COFF symbol table.
    pub stripped: bool,
    /// DWARF sections present (`.debug_*` or `.zdebug_*`).
    pub dwarf: bool,
    /// Some section is both writable and executable.
    pub wx_section: bool,
    /// TLS callbacks run before the entry point.
    pub tls_callbacks: usize,
}

/// The PE report of `image`, when it is a PE file (`None` otherwise).
pub fn analyze(image: &Image<'_>, problems: &mut Vec<Problem>) -> Option<PeReport> {
    match image.object_file()? {
        object::File::Pe32(f) => Some(analyze_file(f, problems)),
        object::File::Pe64(f) => Some(analyze_file(f, problems)),
        _ => None,
    }
}

fn analyze_file<Pe: ImageNtHeaders>(
    file: &PeFile<'_, Pe>,
    problems: &mut Vec<Problem>,
) -> PeReport {
    let nt = file.nt_headers();
    let fh = nt.file_header();
    let opt = nt.optional_header();
    let coff_header = headers::coff_header(fh);
    let optional_header = headers::optional_header(opt);
    let data_directories = headers::data_directories(file);
    let sections = headers::sections(file);
    let imports = directories::imports(file, problems);
    let exports = directories::exports(file, problems);
    let tls = directories::tls(file, problems);
    let debug = directories::debug(file, problems);
    let certificates = directories::certificates(file, problems);
    let base_relocations = base_relocs::read(file, problems);
    let data_len = file.data().len() as u64;

    let nt_off = file.dos_header().nt_headers_offset();
    let headers_end = u64::from(nt_off)
        + 4
        + std::mem::size_of::<pe::ImageFileHeader>() as u64
        + u64::from(fh.size_of_optional_header.get(LE))
        + 40 * u64::from(fh.number_of_sections.get(LE));
    let overlay = overlay(
        &coff_header,
        &optional_header,
        &sections,
        certificates.as_ref(),
        file,
        data_len,
    );
    let is_dll = fh.characteristics.get(LE).contains(pe::IMAGE_FILE_DLL);
    let loader_checks = checks::run(
        &optional_header,
        is_dll,
        headers_end,
        &sections,
        &data_directories,
        data_len,
    );
    let dll = opt.dll_characteristics();
    let relocs_stripped = fh
        .characteristics
        .get(LE)
        .contains(pe::IMAGE_FILE_RELOCS_STRIPPED);
    let dynamic_base = dll.contains(pe::IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE);
    let has_relocs = base_relocations.entries > 0;
    let hardening = PeHardening {
        dynamic_base,
        relocs_stripped,
        base_relocations: has_relocs,
        aslr: dynamic_base && !relocs_stripped && has_relocs,
        high_entropy_va: dll.contains(pe::IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA),
        nx_compat: dll.contains(pe::IMAGE_DLLCHARACTERISTICS_NX_COMPAT),
        guard_cf: dll.contains(pe::IMAGE_DLLCHARACTERISTICS_GUARD_CF),
        force_integrity: dll.contains(pe::IMAGE_DLLCHARACTERISTICS_FORCE_INTEGRITY),
        no_seh: dll.contains(pe::IMAGE_DLLCHARACTERISTICS_NO_SEH),
        signed: certificates.as_ref().is_some_and(|c| c.size > 0),
        stripped: coff_header.pointer_to_symbol_table == 0 || coff_header.number_of_symbols == 0,
        dwarf: sections
            .iter()
            .any(|s| s.name.starts_with(".debug_") || s.name.starts_with(".zdebug_")),
        wx_section: sections.iter().any(|s| {
            let c = pe::SectionFlags(s.characteristics);
            c.contains(pe::IMAGE_SCN_MEM_WRITE) && c.contains(pe::IMAGE_SCN_MEM_EXECUTE)
        }),
        tls_callbacks: tls.as_ref().map_or(0, |t| t.callbacks.len()),
    };
    PeReport {
        kind: if nt.is_type_64() { "PE32+" } else { "PE32" }.into(),
        nt_headers_offset: nt_off,
        coff_header,
        optional_header,
        data_directories,
        sections,
        imports,
        exports,
        tls,
        debug,
        certificates,
        overlay,
        base_relocations,
        hardening,
        loader_checks,
    }
}

/// The overlay: what follows the furthest byte that the headers, the sections' raw data,
/// the COFF symbol table with its string table, and the certificate table use.
fn overlay<Pe: ImageNtHeaders>(
    coff: &CoffHeader,
    opt: &OptionalHeader,
    sections: &[PeSection],
    certs: Option<&CertificateTable>,
    file: &PeFile<'_, Pe>,
    data_len: u64,
) -> Option<Overlay> {
    let mut end = u64::from(opt.size_of_headers);
    for s in sections.iter().filter(|s| s.size_of_raw_data != 0) {
        end = end.max(u64::from(s.pointer_to_raw_data) + u64::from(s.size_of_raw_data));
    }
    if coff.pointer_to_symbol_table != 0 {
        let syms = u64::from(coff.pointer_to_symbol_table)
            + u64::from(coff.number_of_symbols) * pe::IMAGE_SIZEOF_SYMBOL as u64;
        // The string table follows the symbols; its first u32 is its size.
        let strings = file
            .data()
            .get(syms as usize..)
            .and_then(|b| b.get(..4))
            .and_then(|b| b.try_into().ok())
            .map_or(0, |b: [u8; 4]| u64::from(u32::from_le_bytes(b)));
        end = end.max(syms + strings);
    }
    if let Some(c) = certs.filter(|c| c.in_file) {
        end = end.max(u64::from(c.offset) + u64::from(c.size));
    }
    (end < data_len).then(|| Overlay {
        offset: end,
        size: data_len - end,
    })
}

//! The report form of the ELF file header, program headers and section headers (gABI "ELF
//! Header", "Program Header", "Sections"): the raw fields of [`super::file::ElfFile`] plus
//! readelf's spellings, made here and nowhere else, and the section-to-segment mapping
//! computed by binutils' `ELF_SECTION_IN_SEGMENT_STRICT` rule (`include/elf/internal.h`).

use serde::{Deserialize, Serialize};

use object::elf::{
    ProgramType, PT_DYNAMIC, PT_GNU_EH_FRAME, PT_GNU_RELRO, PT_GNU_SFRAME, PT_GNU_STACK, PT_INTERP,
    PT_LOAD, PT_NOTE, PT_PHDR, PT_TLS, SHF_ALLOC, SHF_TLS, SHT_NOBITS,
};

use super::file::{ElfFile, RawSection, RawSegment};
use super::names;
use crate::bytes::Endian;
use crate::error::Problem;
use crate::limits;

/// The ELF file header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElfHeader {
    /// `ELF32` or `ELF64`.
    pub class: String,
    /// Byte order.
    #[serde(rename = "data")]
    pub endian: Endian,
    /// `e_ident[EI_OSABI]`.
    pub osabi: u8,
    /// `e_ident[EI_ABIVERSION]`.
    pub abi_version: u8,
    /// `EXEC`, `DYN`, `REL`, `CORE`, … as readelf's first word.
    #[serde(rename = "type")]
    pub r#type: String,
    /// Raw `e_type`.
    pub type_code: u16,
    /// Short machine name (`x86_64`, `aarch64`, `i386`, `arm`, …).
    pub machine: String,
    /// Raw `e_machine`.
    pub machine_code: u16,
    /// `e_version`.
    pub version: u32,
    /// Entry point address.
    pub entry: u64,
    /// Start of the program header table (file offset).
    pub phoff: u64,
    /// Start of the section header table (file offset).
    pub shoff: u64,
    /// `e_flags`.
    pub flags: u32,
    /// `e_ehsize`.
    pub ehsize: u16,
    /// `e_phentsize`.
    pub phentsize: u16,
    /// Number of program headers (extended numbering resolved).
    pub phnum: u32,
    /// `e_shentsize`.
    pub shentsize: u16,
    /// Number of section headers (extended numbering resolved).
    pub shnum: u32,
    /// Section header string table index (extended numbering resolved).
    pub shstrndx: u32,
}

/// One program header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramHeader {
    /// Index in the table.
    pub index: u32,
    /// Type as readelf prints it (`LOAD`, `GNU_STACK`, `LOOS+0x5041580`, …).
    #[serde(rename = "type")]
    pub r#type: String,
    /// Raw `p_type`.
    pub type_code: u32,
    /// `p_offset`.
    pub offset: u64,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_paddr`.
    pub paddr: u64,
    /// `p_filesz`.
    pub filesz: u64,
    /// `p_memsz`.
    pub memsz: u64,
    /// `p_flags` as readelf prints it: `R E`, `RW `, …
    pub flags: String,
    /// Raw `p_flags`.
    pub flags_code: u32,
    /// `p_align`.
    pub align: u64,
    /// Names of the sections this segment holds (readelf's section-to-segment mapping).
    pub sections: Vec<String>,
}

/// One section header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionHeader {
    /// Index in the table.
    pub index: u32,
    /// Name from the section header string table.
    pub name: String,
    /// Type as readelf prints it (`PROGBITS`, `NOBITS`, …).
    #[serde(rename = "type")]
    pub r#type: String,
    /// Raw `sh_type`.
    pub type_code: u32,
    /// `sh_addr`.
    pub address: u64,
    /// `sh_offset`.
    pub offset: u64,
    /// `sh_size`.
    pub size: u64,
    /// `sh_entsize`.
    pub entsize: u64,
    /// `sh_flags` as readelf's `Flg` column (`WA`, `AX`, …).
    pub flags: String,
    /// Raw `sh_flags`.
    pub flags_code: u64,
    /// `sh_link`.
    pub link: u32,
    /// `sh_info`.
    pub info: u32,
    /// `sh_addralign`.
    pub align: u64,
}

impl ElfHeader {
    /// The report form of a file's header.
    pub(super) fn new(file: &ElfFile<'_>) -> Self {
        let h = file.header();
        ElfHeader {
            class: file.class().name().into(),
            endian: file.endian(),
            osabi: h.osabi,
            abi_version: h.abi_version,
            r#type: names::file_type(h.e_type.0),
            type_code: h.e_type.0,
            machine: crate::image::Arch::from_elf_machine(h.e_machine)
                .name()
                .into(),
            machine_code: h.e_machine.0,
            version: h.e_version,
            entry: h.e_entry,
            phoff: h.e_phoff,
            shoff: h.e_shoff,
            flags: h.e_flags,
            ehsize: h.e_ehsize,
            phentsize: h.e_phentsize,
            phnum: h.phnum,
            shentsize: h.e_shentsize,
            shnum: h.shnum,
            shstrndx: h.shstrndx,
        }
    }
}

/// The report form of every program header (with its sections) and every section header.
pub(super) fn report_tables(
    file: &ElfFile<'_>,
    problems: &mut Vec<Problem>,
) -> (Vec<ProgramHeader>, Vec<SectionHeader>) {
    let machine = file.header().e_machine.0;
    let mapping = map_sections(file.segments(), file.sections(), problems);
    let program_headers = file
        .segments()
        .iter()
        .zip(mapping.into_iter().chain(std::iter::repeat_with(Vec::new)))
        .map(|(p, sections)| ProgramHeader {
            index: p.index,
            r#type: names::segment_type(p.p_type.0, machine),
            type_code: p.p_type.0,
            offset: p.offset,
            vaddr: p.vaddr,
            paddr: p.paddr,
            filesz: p.filesz,
            memsz: p.memsz,
            flags: names::segment_flags(p.p_flags.0),
            flags_code: p.p_flags.0,
            align: p.align,
            sections,
        })
        .collect();
    let sections = file
        .sections()
        .iter()
        .map(|s| SectionHeader {
            index: s.index,
            name: s.name.display(),
            r#type: names::section_type(s.sh_type.0, machine),
            type_code: s.sh_type.0,
            address: s.address,
            offset: s.offset,
            size: s.size,
            entsize: s.entsize,
            flags: names::section_flags(s.sh_flags.0, machine),
            flags_code: s.sh_flags.0,
            link: s.link,
            info: s.info,
            align: s.align,
        })
        .collect();
    (program_headers, sections)
}

/// The `PT_GNU_*` range binutils treats like PT_LOAD for the SHF_ALLOC rule
/// (`PT_GNU_MBIND_LO..=PT_GNU_MBIND_HI`).
const PT_GNU_MBIND_LO: u32 = 0x6474_e555;
const PT_GNU_MBIND_HI: u32 = PT_GNU_MBIND_LO + 0xff;

/// binutils `ELF_SECTION_IN_SEGMENT_STRICT` (include/elf/internal.h), minus the
/// `ELF_TBSS_SPECIAL` sections readelf skips. Arithmetic is modular as in C.
fn section_in_segment(s: &RawSection<'_>, p: &RawSegment) -> bool {
    let tls = s.sh_flags.contains(SHF_TLS);
    let alloc = s.sh_flags.contains(SHF_ALLOC);
    let nobits = s.sh_type == SHT_NOBITS;
    let pt = p.p_type;
    let is = |t: ProgramType| pt == t;
    if tls && nobits && !is(PT_TLS) {
        return false; // ELF_TBSS_SPECIAL
    }
    let type_ok = (tls && (is(PT_TLS) || is(PT_GNU_RELRO) || is(PT_LOAD)))
        || (!tls && !is(PT_TLS) && !is(PT_PHDR));
    let alloc_ok = alloc
        || !([
            PT_LOAD,
            PT_DYNAMIC,
            PT_GNU_EH_FRAME,
            PT_GNU_STACK,
            PT_GNU_RELRO,
            PT_GNU_SFRAME,
        ]
        .contains(&pt)
            || (PT_GNU_MBIND_LO..=PT_GNU_MBIND_HI).contains(&pt.0));
    let size = if !tls || !nobits || is(PT_TLS) {
        s.size
    } else {
        0
    };
    let file_ok = nobits
        || (s.offset >= p.offset
            && s.offset.wrapping_sub(p.offset) <= p.filesz.wrapping_sub(1)
            && s.offset.wrapping_sub(p.offset).wrapping_add(size) <= p.filesz);
    let vma_ok = !alloc
        || (s.address >= p.vaddr
            && s.address.wrapping_sub(p.vaddr) <= p.memsz.wrapping_sub(1)
            && s.address.wrapping_sub(p.vaddr).wrapping_add(size) <= p.memsz);
    let empty_ok = !(is(PT_DYNAMIC) || is(PT_NOTE))
        || s.size != 0
        || p.memsz == 0
        || ((nobits || (s.offset > p.offset && s.offset.wrapping_sub(p.offset) < p.filesz))
            && (!alloc || (s.address > p.vaddr && s.address.wrapping_sub(p.vaddr) < p.memsz)));
    type_ok && alloc_ok && file_ok && vma_ok && empty_ok
}

/// Each segment's section names. The mapping has a pair per (segment, section), so a file
/// of program and section headers alone could ask for billions of entries: at most
/// [`limits::MAX_SECTION_MAPPING`] pairs are looked at (the segments after that get none).
fn map_sections(
    phdrs: &[RawSegment],
    sections: &[RawSection<'_>],
    problems: &mut Vec<Problem>,
) -> Vec<Vec<String>> {
    let mut left = limits::MAX_SECTION_MAPPING;
    let total = phdrs.len();
    let mut out = Vec::with_capacity(total);
    for p in phdrs {
        let n = sections.len().saturating_sub(1);
        if n > left {
            problems.push(Problem::new(
                "elf.section_mapping",
                format!(
                    "{} program headers x {} sections: the section-to-segment mapping stops \
                     after {} pairs (segment {} on)",
                    total,
                    n,
                    limits::MAX_SECTION_MAPPING,
                    p.index
                ),
            ));
            return out;
        }
        left -= n;
        out.push(
            sections
                .iter()
                .skip(1)
                .filter(|s| section_in_segment(s, p))
                .map(|s| s.name.display())
                .collect(),
        );
    }
    out
}

/// The PT_INTERP string, without its NUL.
pub(super) fn interp(file: &ElfFile<'_>) -> Option<String> {
    let p = file.segment(PT_INTERP)?;
    let bytes = file
        .reader()
        .bytes_at("PT_INTERP", p.offset, p.filesz)
        .ok()?;
    let s = bytes.split(|&b| b == 0).next().unwrap_or_default();
    Some(String::from_utf8_lossy(s).into_owned())
}

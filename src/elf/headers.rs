//! ELF file header, program header table and section header table (gABI "ELF Header",
//! "Program Header", "Sections"), read field by field from a per-class offset table, with the
//! section-to-segment mapping computed by binutils' `ELF_SECTION_IN_SEGMENT_STRICT` rule.

use serde::{Deserialize, Serialize};

use super::names;
use crate::bytes::{Endian, Reader};
use crate::error::{Error, Problem, Result};
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

pub(super) struct Raw {
    pub header: ElfHeader,
    pub program_headers: Vec<ProgramHeader>,
    pub sections: Vec<SectionHeader>,
}

/// Field offsets of one ELF class: (offset, size) of each field, from the gABI structs.
struct ClassLayout {
    entry: (u64, u8),
    phoff: (u64, u8),
    shoff: (u64, u8),
    flags: u64,
    ehsize: u64,
    phentsize: u64,
    phnum: u64,
    shentsize: u64,
    shnum: u64,
    shstrndx: u64,
    ph_size: u64,
    // p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align
    ph: [(u64, u8); 8],
    sh_size: u64,
    // sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize
    sh: [(u64, u8); 10],
}

const ELF32: ClassLayout = ClassLayout {
    entry: (24, 4),
    phoff: (28, 4),
    shoff: (32, 4),
    flags: 36,
    ehsize: 40,
    phentsize: 42,
    phnum: 44,
    shentsize: 46,
    shnum: 48,
    shstrndx: 50,
    ph_size: 32,
    ph: [
        (0, 4),
        (24, 4),
        (4, 4),
        (8, 4),
        (12, 4),
        (16, 4),
        (20, 4),
        (28, 4),
    ],
    sh_size: 40,
    sh: [
        (0, 4),
        (4, 4),
        (8, 4),
        (12, 4),
        (16, 4),
        (20, 4),
        (24, 4),
        (28, 4),
        (32, 4),
        (36, 4),
    ],
};

const ELF64: ClassLayout = ClassLayout {
    entry: (24, 8),
    phoff: (32, 8),
    shoff: (40, 8),
    flags: 48,
    ehsize: 52,
    phentsize: 54,
    phnum: 56,
    shentsize: 58,
    shnum: 60,
    shstrndx: 62,
    ph_size: 56,
    ph: [
        (0, 4),
        (4, 4),
        (8, 8),
        (16, 8),
        (24, 8),
        (32, 8),
        (40, 8),
        (48, 8),
    ],
    sh_size: 64,
    sh: [
        (0, 4),
        (4, 4),
        (8, 8),
        (16, 8),
        (24, 8),
        (32, 8),
        (40, 4),
        (44, 4),
        (48, 8),
        (56, 8),
    ],
};

fn field(r: &Reader<'_>, what: &'static str, base: u64, (off, size): (u64, u8)) -> Result<u64> {
    let at = base.saturating_add(off);
    match size {
        4 => r.u32_at(what, at).map(u64::from),
        8 => r.u64_at(what, at),
        _ => r.u16_at(what, at).map(u64::from),
    }
}

pub(super) fn read(data: &[u8], problems: &mut Vec<Problem>) -> Result<Raw> {
    let ident = Reader::new(data, 0, Endian::Little, 8);
    let magic = ident.bytes_at("ELF identification", 0, 16)?;
    if magic.get(..4) != Some(b"\x7fELF".as_slice()) {
        return Err(Error::UnknownFormat("no ELF magic"));
    }
    let class = ident.u8_at("ELF class", 4)?;
    let (layout, class_name) = match class {
        1 => (&ELF32, "ELF32"),
        2 => (&ELF64, "ELF64"),
        c => {
            return Err(Error::BadValue {
                what: "ELF class (e_ident[EI_CLASS])",
                offset: 4,
                expected: "1 (ELF32) or 2 (ELF64)",
                found: u64::from(c),
            })
        }
    };
    let endian = super::endian_of(ident.u8_at("ELF data encoding", 5)?)?;
    let r = Reader::new(data, 0, endian, if class == 2 { 8 } else { 4 });
    let ehdr_size = if class == 2 { 64 } else { 52 };
    r.bytes_at("ELF file header", 0, ehdr_size)?;
    let e_type = r.u16_at("e_type", 16)?;
    let e_machine = r.u16_at("e_machine", 18)?;
    let e_phnum = r.u16_at("e_phnum", layout.phnum)?;
    let e_shnum = r.u16_at("e_shnum", layout.shnum)?;
    let e_shstrndx = r.u16_at("e_shstrndx", layout.shstrndx)?;
    let shoff = field(&r, "e_shoff", 0, layout.shoff)?;
    let shentsize = r.u16_at("e_shentsize", layout.shentsize)?;
    // Extended numbering (gABI): the real counts live in section 0.
    let section0 = |f: usize| -> Option<u64> {
        if shoff == 0 || u64::from(shentsize) != layout.sh_size {
            return None;
        }
        field(&r, "section header 0", shoff, layout.sh[f]).ok()
    };
    let phnum = if e_phnum == 0xffff {
        section0(7).map_or(u32::from(e_phnum), |v| v as u32)
    } else {
        u32::from(e_phnum)
    };
    let shnum = if e_shnum == 0 && shoff != 0 {
        section0(5).and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
    } else {
        u32::from(e_shnum)
    };
    let shstrndx = if e_shstrndx == 0xffff {
        section0(6).map_or(u32::from(e_shstrndx), |v| v as u32)
    } else {
        u32::from(e_shstrndx)
    };
    let header = ElfHeader {
        class: class_name.into(),
        endian,
        osabi: r.u8_at("EI_OSABI", 7)?,
        abi_version: r.u8_at("EI_ABIVERSION", 8)?,
        r#type: names::file_type(e_type),
        type_code: e_type,
        machine: crate::image::elf_machine_name(e_machine).into(),
        machine_code: e_machine,
        version: r.u32_at("e_version", 20)?,
        entry: field(&r, "e_entry", 0, layout.entry)?,
        phoff: field(&r, "e_phoff", 0, layout.phoff)?,
        shoff,
        flags: r.u32_at("e_flags", layout.flags)?,
        ehsize: r.u16_at("e_ehsize", layout.ehsize)?,
        phentsize: r.u16_at("e_phentsize", layout.phentsize)?,
        phnum,
        shentsize,
        shnum,
        shstrndx,
    };
    let program_headers = read_phdrs(&r, layout, &header, problems);
    let mut sections = read_shdrs(&r, layout, &header, problems);
    let mut program_headers = program_headers;
    map_sections(&mut program_headers, &mut sections, problems);
    Ok(Raw {
        header,
        program_headers,
        sections,
    })
}

/// How many table entries of `entsize` at `off` fit in the file; a problem if not all.
fn entries_that_fit(
    r: &Reader<'_>,
    part: &str,
    off: u64,
    count: u64,
    entsize: u64,
    limit: usize,
    problems: &mut Vec<Problem>,
) -> u64 {
    let fit = (r.len() as u64).saturating_sub(off) / entsize.max(1);
    let mut n = count.min(fit);
    if n < count {
        problems.push(Problem {
            code: format!("{part}.truncated"),
            message: format!(
                "{part}: table at offset {off:#x} declares {count} entries but the file holds only {n}"
            ),
            offset: Some(off),
        });
    }
    if n > limit as u64 {
        problems.push(Problem::new(
            format!("{part}.too_many"),
            format!("{part}: {n} entries, only the first {limit} are read"),
        ));
        n = limit as u64;
    }
    n
}

fn read_phdrs(
    r: &Reader<'_>,
    layout: &ClassLayout,
    h: &ElfHeader,
    problems: &mut Vec<Problem>,
) -> Vec<ProgramHeader> {
    if h.phoff == 0 || h.phnum == 0 {
        return Vec::new();
    }
    if u64::from(h.phentsize) != layout.ph_size {
        problems.push(Problem::new(
            "elf.program_headers.entsize",
            format!(
                "e_phentsize is {} but {} program headers are {} bytes",
                h.phentsize, h.class, layout.ph_size
            ),
        ));
        return Vec::new();
    }
    let n = entries_that_fit(
        r,
        "elf.program_headers",
        h.phoff,
        u64::from(h.phnum),
        layout.ph_size,
        limits::MAX_PROGRAM_HEADERS,
        problems,
    );
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        let base = h.phoff.saturating_add(i * layout.ph_size);
        let get = |f: usize| field(r, "program header", base, layout.ph[f]).unwrap_or(0);
        let p_type = get(0) as u32;
        let p_flags = get(1) as u32;
        out.push(ProgramHeader {
            index: i as u32,
            r#type: names::segment_type(p_type, h.machine_code),
            type_code: p_type,
            offset: get(2),
            vaddr: get(3),
            paddr: get(4),
            filesz: get(5),
            memsz: get(6),
            flags: names::segment_flags(p_flags),
            flags_code: p_flags,
            align: get(7),
            sections: Vec::new(),
        });
    }
    out
}

fn read_shdrs(
    r: &Reader<'_>,
    layout: &ClassLayout,
    h: &ElfHeader,
    problems: &mut Vec<Problem>,
) -> Vec<SectionHeader> {
    if h.shoff == 0 || h.shnum == 0 {
        return Vec::new();
    }
    if u64::from(h.shentsize) != layout.sh_size {
        problems.push(Problem::new(
            "elf.sections.entsize",
            format!(
                "e_shentsize is {} but {} section headers are {} bytes",
                h.shentsize, h.class, layout.sh_size
            ),
        ));
        return Vec::new();
    }
    let n = entries_that_fit(
        r,
        "elf.sections",
        h.shoff,
        u64::from(h.shnum),
        layout.sh_size,
        limits::MAX_SECTIONS,
        problems,
    );
    let mut raw = Vec::with_capacity(n as usize);
    for i in 0..n {
        let base = h.shoff.saturating_add(i * layout.sh_size);
        let mut v = [0u64; 10];
        for (slot, f) in v.iter_mut().zip(layout.sh.iter()) {
            *slot = field(r, "section header", base, *f).unwrap_or(0);
        }
        raw.push(v);
    }
    // The section name string table.
    let strtab = raw.get(h.shstrndx as usize).and_then(|s| {
        if s[1] == 8 {
            None // NOBITS
        } else {
            r.sub("section name string table", s[4], s[5]).ok()
        }
    });
    if strtab.is_none() && h.shstrndx != 0 {
        problems.push(Problem::new(
            "elf.sections.names",
            format!(
                "section name string table (index {}) is missing or outside the file",
                h.shstrndx
            ),
        ));
    }
    let mut bad_names = 0u32;
    let out = raw
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let name = match strtab {
                Some(t) => match t.cstr_at("section name", v[0], limits::MAX_STRING) {
                    Ok(b) => String::from_utf8_lossy(b).into_owned(),
                    Err(_) => {
                        bad_names += 1;
                        "<corrupt>".into()
                    }
                },
                None => String::new(),
            };
            SectionHeader {
                index: i as u32,
                name,
                r#type: names::section_type(v[1] as u32, h.machine_code),
                type_code: v[1] as u32,
                address: v[3],
                offset: v[4],
                size: v[5],
                entsize: v[9],
                flags: names::section_flags(v[2], h.machine_code),
                flags_code: v[2],
                link: v[6] as u32,
                info: v[7] as u32,
                align: v[8],
            }
        })
        .collect();
    if bad_names > 0 {
        problems.push(Problem::new(
            "elf.sections.names",
            format!("{bad_names} section names point outside the string table"),
        ));
    }
    out
}

const SHF_ALLOC: u64 = 0x2;
const SHF_TLS: u64 = 0x400;
const SHT_NOBITS: u32 = 8;

/// binutils `ELF_SECTION_IN_SEGMENT_STRICT` (include/elf/internal.h), minus the
/// `ELF_TBSS_SPECIAL` sections readelf skips. Arithmetic is modular as in C.
fn section_in_segment(s: &SectionHeader, p: &ProgramHeader) -> bool {
    let tls = s.flags_code & SHF_TLS != 0;
    let alloc = s.flags_code & SHF_ALLOC != 0;
    let nobits = s.type_code == SHT_NOBITS;
    let pt = p.r#type.as_str();
    if tls && nobits && pt != "TLS" {
        return false; // ELF_TBSS_SPECIAL
    }
    let type_ok = (tls && matches!(pt, "TLS" | "GNU_RELRO" | "LOAD"))
        || (!tls && pt != "TLS" && pt != "PHDR");
    let alloc_ok = alloc
        || !(matches!(
            pt,
            "LOAD" | "DYNAMIC" | "GNU_EH_FRAME" | "GNU_STACK" | "GNU_RELRO" | "GNU_SFRAME"
        ) || (0x6474_e555..=0x6474_e654).contains(&p.type_code));
    let size = if !tls || !nobits || pt == "TLS" {
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
    let empty_ok = !matches!(pt, "DYNAMIC" | "NOTE")
        || s.size != 0
        || p.memsz == 0
        || ((nobits || (s.offset > p.offset && s.offset.wrapping_sub(p.offset) < p.filesz))
            && (!alloc || (s.address > p.vaddr && s.address.wrapping_sub(p.vaddr) < p.memsz)));
    type_ok && alloc_ok && file_ok && vma_ok && empty_ok
}

/// Fill each segment's section list. The mapping has a pair per (segment, section), so a
/// file of program and section headers alone could ask for billions of entries: at most
/// [`limits::MAX_SECTION_MAPPING`] pairs are looked at.
fn map_sections(
    phdrs: &mut [ProgramHeader],
    sections: &mut [SectionHeader],
    problems: &mut Vec<Problem>,
) {
    let mut left = limits::MAX_SECTION_MAPPING;
    let total = phdrs.len();
    for p in phdrs.iter_mut() {
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
            return;
        }
        left -= n;
        p.sections = sections
            .iter()
            .skip(1)
            .filter(|s| section_in_segment(s, p))
            .map(|s| s.name.clone())
            .collect();
    }
}

/// The PT_INTERP string, without its NUL.
pub(super) fn interp(raw: &Raw, r: Reader<'_>) -> Option<String> {
    let p = raw.program_headers.iter().find(|p| p.r#type == "INTERP")?;
    let bytes = r.bytes_at("PT_INTERP", p.offset, p.filesz).ok()?;
    let s = bytes.split(|&b| b == 0).next().unwrap_or_default();
    Some(String::from_utf8_lossy(s).into_owned())
}

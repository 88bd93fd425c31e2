//! ELF adapter for [`Image`]: PT_LOAD segments, section headers and symbol tables, read with
//! `object`'s low-level ELF API so that a damaged section table still leaves segments.

use object::elf::{FileHeader32, FileHeader64};
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader, SectionTable, Sym};
use object::Endianness;

use super::{Arch, Format, Image, Section, Segment, Symbol, SymbolKind, SymbolSource};
use crate::bytes::Endian;
use crate::error::{Error, Problem, Result};
use crate::limits;

pub(super) enum ElfSymbols<'a> {
    None,
    Elf32(
        Endianness,
        &'a [u8],
        SectionTable<'a, FileHeader32<Endianness>>,
    ),
    Elf64(
        Endianness,
        &'a [u8],
        SectionTable<'a, FileHeader64<Endianness>>,
    ),
}

impl<'a> ElfSymbols<'a> {
    pub(super) fn collect(&self) -> Vec<Symbol<'a>> {
        match self {
            ElfSymbols::None => Vec::new(),
            ElfSymbols::Elf32(e, d, t) => collect_symbols::<FileHeader32<Endianness>>(*e, d, t),
            ElfSymbols::Elf64(e, d, t) => collect_symbols::<FileHeader64<Endianness>>(*e, d, t),
        }
    }
}

fn collect_symbols<'a, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &'a [u8],
    table: &SectionTable<'a, Elf>,
) -> Vec<Symbol<'a>> {
    let mut out = Vec::new();
    for (sh_type, dynamic) in [
        (object::elf::SHT_SYMTAB, false),
        (object::elf::SHT_DYNSYM, true),
    ] {
        let Ok(symtab) = table.symbols(endian, data, sh_type) else {
            continue;
        };
        for sym in symtab.iter() {
            if sym.is_undefined(endian) {
                continue;
            }
            let Ok(name) = symtab.symbol_name(endian, sym) else {
                continue;
            };
            if name.is_empty() {
                continue;
            }
            let kind = match sym.st_type() {
                object::elf::STT_FUNC => SymbolKind::Text,
                object::elf::STT_OBJECT | object::elf::STT_TLS => SymbolKind::Data,
                _ => SymbolKind::Other,
            };
            out.push(Symbol {
                name,
                vaddr: sym.st_value(endian).into(),
                size: sym.st_size(endian).into(),
                kind,
                dynamic,
            });
        }
    }
    out
}

/// Short architecture name for an ELF `e_machine`.
pub fn machine_name(machine: u16) -> &'static str {
    use object::elf::*;
    match Machine(machine) {
        EM_X86_64 => "x86_64",
        EM_386 => "i386",
        EM_AARCH64 => "aarch64",
        EM_ARM => "arm",
        EM_MIPS => "mips",
        EM_PPC64 => "ppc64",
        EM_PPC => "ppc",
        EM_S390 => "s390x",
        EM_RISCV => "riscv64",
        EM_LOONGARCH => "loong64",
        EM_SPARCV9 => "sparc64",
        _ => "unknown",
    }
}

pub(super) fn parse(data: &[u8]) -> Result<Image<'_>> {
    match data.get(4) {
        Some(1) => parse_generic::<FileHeader32<Endianness>>(data),
        Some(2) => parse_generic::<FileHeader64<Endianness>>(data),
        Some(&c) => Err(Error::BadValue {
            what: "ELF class (e_ident[EI_CLASS])",
            offset: 4,
            expected: "1 (ELF32) or 2 (ELF64)",
            found: u64::from(c),
        }),
        None => Err(Error::Truncated {
            what: "ELF identification",
            offset: 0,
            need: 16,
            have: data.len() as u64,
        }),
    }
}

trait WrapSymbols<'a>: FileHeader<Endian = Endianness> + Sized {
    fn wrap(endian: Endianness, data: &'a [u8], t: SectionTable<'a, Self>) -> ElfSymbols<'a>;
}
impl<'a> WrapSymbols<'a> for FileHeader32<Endianness> {
    fn wrap(e: Endianness, d: &'a [u8], t: SectionTable<'a, Self>) -> ElfSymbols<'a> {
        ElfSymbols::Elf32(e, d, t)
    }
}
impl<'a> WrapSymbols<'a> for FileHeader64<Endianness> {
    fn wrap(e: Endianness, d: &'a [u8], t: SectionTable<'a, Self>) -> ElfSymbols<'a> {
        ElfSymbols::Elf64(e, d, t)
    }
}

fn parse_generic<'a, Elf: WrapSymbols<'a>>(data: &'a [u8]) -> Result<Image<'a>> {
    let header = Elf::parse(data).map_err(|e| Error::container("ELF", e))?;
    let endian = header.endian().map_err(|e| Error::container("ELF", e))?;
    let mut problems = Vec::new();
    let phdrs = match header.program_headers(endian, data) {
        Ok(p) => p,
        Err(e) => {
            problems.push(Problem::from_error(
                "elf.program_headers",
                &Error::container("ELF", e),
            ));
            &[]
        }
    };
    let mut segments = Vec::new();
    for ph in phdrs.iter().take(limits::MAX_PROGRAM_HEADERS) {
        if ph.p_type(endian) != object::elf::PT_LOAD {
            continue;
        }
        let flags = ph.p_flags(endian).0;
        segments.push(Segment {
            vaddr: ph.p_vaddr(endian).into(),
            memsz: ph.p_memsz(endian).into(),
            offset: ph.p_offset(endian).into(),
            filesz: clamp_filesz(ph.p_offset(endian).into(), ph.p_filesz(endian).into(), data),
            read: flags & object::elf::PF_R.0 != 0,
            write: flags & object::elf::PF_W.0 != 0,
            exec: flags & object::elf::PF_X.0 != 0,
        });
    }
    let (sections, symbols) = match header.sections(endian, data) {
        Ok(table) => {
            let mut sections = Vec::new();
            for sh in table.iter().take(limits::MAX_SECTIONS) {
                let name = table.section_name(endian, sh).unwrap_or_default();
                let flags: u64 = sh.sh_flags(endian).0;
                let nobits = sh.sh_type(endian) == object::elf::SHT_NOBITS;
                let file_range = if nobits {
                    None
                } else {
                    let off: u64 = sh.sh_offset(endian).into();
                    let size: u64 = sh.sh_size(endian).into();
                    Some((off, clamp_filesz(off, size, data)))
                };
                sections.push(Section {
                    name,
                    segment: None,
                    vaddr: sh.sh_addr(endian).into(),
                    size: sh.sh_size(endian).into(),
                    file_range,
                    alloc: flags & object::elf::SHF_ALLOC.0 != 0,
                    write: flags & object::elf::SHF_WRITE.0 != 0,
                    exec: flags & object::elf::SHF_EXECINSTR.0 != 0,
                });
            }
            (sections, Elf::wrap(endian, data, table))
        }
        Err(e) => {
            problems.push(Problem::from_error(
                "elf.sections",
                &Error::container("ELF", e),
            ));
            (Vec::new(), ElfSymbols::None)
        }
    };
    let ptr_size = if header.is_type_64() { 8 } else { 4 };
    let arch = Arch {
        name: machine_name(header.e_machine(endian).0),
        ptr_size,
        endian: if endian == Endianness::Big {
            Endian::Big
        } else {
            Endian::Little
        },
    };
    Ok(Image {
        data,
        format: Format::Elf,
        arch,
        image_base: 0,
        segments,
        sections,
        symbols: Default::default(),
        symbol_source: SymbolSource::Elf(symbols),
        problems,
    })
}

/// The part of `[off, off+size)` that lies inside the file.
fn clamp_filesz(off: u64, size: u64, data: &[u8]) -> u64 {
    let len = data.len() as u64;
    if off >= len {
        0
    } else {
        size.min(len - off)
    }
}

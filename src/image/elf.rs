//! ELF adapter for [`Image`]: PT_LOAD segments, section headers and symbol tables, from the
//! one parsed [`ElfFile`] of the file (the image keeps it, so the ELF report reuses it).
//! The tables are `object`'s strict view (`object::read::elf::FileHeader::program_headers`
//! and `sections`), so that a damaged section table still leaves the segments usable and
//! object's own rules decide what the Go decoders see.

use object::elf::{FileHeader32, FileHeader64};
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader, SectionTable, Sym};
use object::Endianness;

use super::{Arch, Format, Image, Section, Segment, Symbol, SymbolKind, SymbolSource, Target};
use crate::elf::file::{ElfFile, Strict, StrictView};
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
        self.collect_matching(&|_, _, _| true)
    }

    /// The symbols `keep(address, size, kind)` accepts, in table order; names are read only
    /// for those.
    pub(super) fn collect_matching(
        &self,
        keep: &impl Fn(u64, u64, SymbolKind) -> bool,
    ) -> Vec<Symbol<'a>> {
        match self {
            ElfSymbols::None => Vec::new(),
            ElfSymbols::Elf32(e, d, t) => {
                collect_symbols::<FileHeader32<Endianness>>(*e, d, t, keep)
            }
            ElfSymbols::Elf64(e, d, t) => {
                collect_symbols::<FileHeader64<Endianness>>(*e, d, t, keep)
            }
        }
    }
}

fn collect_symbols<'a, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &'a [u8],
    table: &SectionTable<'a, Elf>,
    keep: &impl Fn(u64, u64, SymbolKind) -> bool,
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
            let kind = match sym.st_type() {
                object::elf::STT_FUNC => SymbolKind::Text,
                object::elf::STT_OBJECT | object::elf::STT_TLS => SymbolKind::Data,
                _ => SymbolKind::Other,
            };
            let vaddr: u64 = sym.st_value(endian).into();
            let size: u64 = sym.st_size(endian).into();
            if !keep(vaddr, size, kind) {
                continue;
            }
            let Ok(name) = symtab.symbol_name(endian, sym) else {
                continue;
            };
            if name.is_empty() {
                continue;
            }
            out.push(Symbol {
                name,
                vaddr,
                size,
                kind,
                dynamic,
            });
        }
    }
    out
}

/// Parse an ELF image: one [`ElfFile`] parse, kept in the image.
pub(super) fn parse(data: &[u8]) -> Result<Image<'_>> {
    let file = match ElfFile::parse(data) {
        Ok(f) => f,
        Err(e) => return Err(header_error(data).unwrap_or(e)),
    };
    let strict = match file.strict() {
        Ok(s) => s,
        Err(e) => return Err(Error::container("ELF", e)),
    };
    let mut problems = Vec::new();
    let (segments, sections, symbols) = match strict {
        Strict::Elf32(v) => tables(data, v, &mut problems),
        Strict::Elf64(v) => tables(data, v, &mut problems),
    };
    let target = Target {
        arch: Arch::from_elf_machine(file.header().e_machine),
        ptr_size: file.class().word_size(),
        endian: file.endian(),
    };
    Ok(Image {
        data,
        file: data,
        format: Format::Elf,
        arch: target,
        image_base: 0,
        segments,
        sections,
        symbols: Default::default(),
        symbol_source: SymbolSource::Elf(symbols),
        problems,
        elf: Some(Box::new(file)),
        object: None,
    })
}

/// Why the file header is unreadable, as the image reports it: the class byte, or
/// `object`'s reason.
fn header_error(data: &[u8]) -> Option<Error> {
    match data.get(4) {
        Some(1) => FileHeader32::<Endianness>::parse(data)
            .err()
            .map(|e| Error::container("ELF", e)),
        Some(2) => FileHeader64::<Endianness>::parse(data)
            .err()
            .map(|e| Error::container("ELF", e)),
        Some(&c) => Some(Error::BadValue {
            what: "ELF class (e_ident[EI_CLASS])",
            offset: 4,
            expected: "1 (ELF32) or 2 (ELF64)",
            found: u64::from(c),
        }),
        None => Some(Error::Truncated {
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

type Tables<'a> = (Vec<Segment>, Vec<Section<'a>>, ElfSymbols<'a>);

fn tables<'a, Elf: WrapSymbols<'a>>(
    data: &'a [u8],
    view: &StrictView<'a, Elf>,
    problems: &mut Vec<Problem>,
) -> Tables<'a> {
    let endian = view.endian;
    let phdrs = match view.program_headers {
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
        let flags = ph.p_flags(endian);
        segments.push(Segment {
            vaddr: ph.p_vaddr(endian).into(),
            memsz: ph.p_memsz(endian).into(),
            offset: ph.p_offset(endian).into(),
            filesz: clamp_filesz(ph.p_offset(endian).into(), ph.p_filesz(endian).into(), data),
            read: flags.contains(object::elf::PF_R),
            write: flags.contains(object::elf::PF_W),
            exec: flags.contains(object::elf::PF_X),
        });
    }
    let (sections, symbols) = match &view.sections {
        Ok(table) => {
            let mut sections = Vec::new();
            for sh in table.iter().take(limits::MAX_SECTIONS) {
                let name = table.section_name(endian, sh).unwrap_or_default();
                let flags = sh.sh_flags(endian);
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
                    alloc: flags.contains(object::elf::SHF_ALLOC),
                    write: flags.contains(object::elf::SHF_WRITE),
                    exec: flags.contains(object::elf::SHF_EXECINSTR),
                    compressed: flags.contains(object::elf::SHF_COMPRESSED),
                });
            }
            (sections, Elf::wrap(endian, data, *table))
        }
        Err(e) => {
            problems.push(Problem::from_error(
                "elf.sections",
                &Error::container("ELF", *e),
            ));
            (Vec::new(), ElfSymbols::None)
        }
    };
    (segments, sections, symbols)
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

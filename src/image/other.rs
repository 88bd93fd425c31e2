//! PE and Mach-O adapters for [`Image`], over `object`'s unified reader.

use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol, SectionKind};

use super::{Arch, Format, Image, Section, Segment, Symbol, SymbolKind, SymbolSource, Target};
use crate::bytes::Endian;
use crate::error::{Error, Problem, Result};
use crate::limits;

fn arch_of(file: &object::File<'_>) -> Target {
    use object::Architecture as A;
    let arch = match file.architecture() {
        A::X86_64 => Arch::X86_64,
        A::I386 => Arch::I386,
        A::Aarch64 => Arch::Aarch64,
        A::Arm => Arch::Arm,
        A::PowerPc64 => Arch::Ppc64,
        A::Riscv64 => Arch::Riscv64,
        _ => Arch::Unknown,
    };
    Target {
        arch,
        ptr_size: if file.is_64() { 8 } else { 4 },
        endian: if file.is_little_endian() {
            Endian::Little
        } else {
            Endian::Big
        },
    }
}

fn build<'a>(data: &'a [u8], file: object::File<'a>, format: Format) -> Image<'a> {
    let arch = arch_of(&file);
    let mut segments = Vec::new();
    for seg in file.segments().take(limits::MAX_SECTIONS) {
        let (offset, filesz) = seg.file_range();
        let (read, write, exec) = match seg.flags() {
            object::SegmentFlags::MachO { initprot, .. } => (
                initprot.0 & 1 != 0,
                initprot.0 & 2 != 0,
                initprot.0 & 4 != 0,
            ),
            object::SegmentFlags::Coff { characteristics } => {
                let c = characteristics.0;
                (
                    c & object::pe::IMAGE_SCN_MEM_READ.0 != 0,
                    c & object::pe::IMAGE_SCN_MEM_WRITE.0 != 0,
                    c & object::pe::IMAGE_SCN_MEM_EXECUTE.0 != 0,
                )
            }
            _ => (true, false, false),
        };
        let len = data.len() as u64;
        let filesz = if offset >= len {
            0
        } else {
            filesz.min(len - offset)
        };
        segments.push(Segment {
            vaddr: seg.address(),
            memsz: seg.size().max(filesz),
            offset,
            filesz,
            read,
            write,
            exec,
        });
    }
    let mut sections = Vec::new();
    for sec in file.sections().take(limits::MAX_SECTIONS) {
        let name = sec.name_bytes().unwrap_or_default();
        let segment = sec
            .segment_name_bytes()
            .ok()
            .flatten()
            .map(|s| String::from_utf8_lossy(s).into_owned());
        let kind = sec.kind();
        let (write, exec) = match sec.flags() {
            object::SectionFlags::Coff { characteristics } => (
                characteristics.0 & object::pe::IMAGE_SCN_MEM_WRITE.0 != 0,
                characteristics.0 & object::pe::IMAGE_SCN_MEM_EXECUTE.0 != 0,
            ),
            _ => (
                matches!(
                    kind,
                    SectionKind::Data | SectionKind::UninitializedData | SectionKind::Tls
                ),
                kind == SectionKind::Text,
            ),
        };
        sections.push(Section {
            name,
            segment,
            vaddr: sec.address(),
            size: sec.size(),
            file_range: sec.file_range(),
            alloc: true,
            write,
            exec,
            compressed: false,
        });
    }
    let mut symbols = Vec::new();
    for sym in file.symbols().chain(file.dynamic_symbols()) {
        if sym.is_undefined() {
            continue;
        }
        let Ok(name) = sym.name_bytes() else { continue };
        if name.is_empty() {
            continue;
        }
        let kind = match sym.kind() {
            object::SymbolKind::Text => SymbolKind::Text,
            object::SymbolKind::Data | object::SymbolKind::Tls => SymbolKind::Data,
            _ => SymbolKind::Other,
        };
        // Mach-O prefixes C-level names with an underscore; Go symbols keep their names
        // after that prefix (`_runtime.text`). Strip one leading underscore so lookups by Go
        // name work in every container.
        let name = if format == Format::Macho {
            name.strip_prefix(b"_").unwrap_or(name)
        } else {
            name
        };
        symbols.push(Symbol {
            name,
            vaddr: sym.address(),
            size: sym.size(),
            kind,
            dynamic: false,
        });
    }
    Image {
        data,
        file: data,
        format,
        arch,
        image_base: file.relative_address_base(),
        segments,
        sections,
        symbols: Default::default(),
        symbol_source: SymbolSource::Object(symbols),
        problems: Vec::new(),
        elf: None,
        object: Some(Box::new(file)),
    }
}

/// object's error on `data`, or, when the headers describe bytes past its end, that the
/// file is truncated (and then object's error).
fn parse_error(data: &[u8], format: &'static str, e: object::read::Error) -> Error {
    let e = Error::container(format, e);
    match super::extent::past_end(data) {
        Some(truncated) => Error::Damaged(format!("{truncated}; so: {e}")),
        None => e,
    }
}

pub(super) fn parse_pe(data: &[u8]) -> Result<Image<'_>> {
    let file = object::File::parse(data).map_err(|e| parse_error(data, "PE", e))?;
    if !matches!(file, object::File::Pe32(_) | object::File::Pe64(_)) {
        return Err(Error::UnknownFormat("MZ header without a PE image"));
    }
    Ok(build(data, file, Format::Pe))
}

pub(super) fn parse_macho(data: &[u8]) -> Result<Image<'_>> {
    if matches!(
        data.get(..4),
        Some([0xca, 0xfe, 0xba, 0xbe] | [0xbe, 0xba, 0xfe, 0xca])
    ) {
        // A universal binary: analyse its first slice and say so.
        let fat = object::read::macho::MachOFatFile32::parse(data)
            .map_err(|e| parse_error(data, "Mach-O universal", e))?;
        let arch = fat
            .arches()
            .first()
            .ok_or(Error::NotFound("slices in Mach-O universal binary"))?;
        let slice = object::read::macho::FatArch::data(arch, data)
            .map_err(|e| parse_error(data, "Mach-O universal", e))?;
        let file = object::File::parse(slice).map_err(|e| parse_error(data, "Mach-O", e))?;
        let mut image = build(slice, file, Format::Macho);
        image.file = data;
        image.problems.push(Problem::new(
            "macho.universal",
            format!(
                "universal binary with {} slices; analysed the first (its offsets are relative to that slice)",
                fat.arches().len()
            ),
        ));
        return Ok(image);
    }
    let file = object::File::parse(data).map_err(|e| parse_error(data, "Mach-O", e))?;
    Ok(build(data, file, Format::Macho))
}

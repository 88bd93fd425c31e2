//! DWARF facts about a Go binary: how many compile units it has (the Go linker writes one per
//! package), their producer strings (`Go cmd/compile go1.22.10; regabi`), the compiler flags
//! recorded there (`-N`, `-l`, `-race`, …) and the Go version they name.
//!
//! Sources: `src/cmd/link/internal/ld/dwarf.go` (the linker builds each compile unit's
//! `DW_AT_producer` as `"Go cmd/compile " + buildcfg.Version`, then `"; "` and the flags),
//! `src/cmd/compile/internal/dwarfgen/dwarf.go` (`RecordFlags`: non-default `-B -N -l -msan
//! -race -asan -shared -dynlink …`, plus `regabi`). Go 1.11+ (the producer flags exist since
//! 1.10).
//!
//! Only what is cheap is read: the unit headers and each unit's first DIE, from
//! `.debug_info` and `.debug_abbrev` (plus the string sections when a producer is stored by
//! reference). Compressed sections are handled: ELF `SHF_COMPRESSED` and `.zdebug_*`,
//! Mach-O `__zdebug_*` (through `object`) and PE `.zdebug_*` (decompressed here, since
//! `object` leaves PE sections as they are).

use std::borrow::Cow;

use object::{Object, ObjectSection};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Problem, Result};
use crate::image::{Format, Image};
use crate::limits;

/// What the DWARF of a binary says (`go.dwarf` in JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DwarfInfo {
    /// Compile units in `.debug_info`.
    pub compile_units: u64,
    /// Compile units whose producer is the Go compiler (one per Go package).
    pub go_compile_units: u64,
    /// The Go compiler's producer string seen in most units (first seen wins a tie).
    pub producer: Option<String>,
    /// Every distinct producer string, in the order first seen (at most
    /// `limits::MAX_DWARF_PRODUCERS`; C units of cgo binaries show up here too).
    pub producers: Vec<String>,
    /// Distinct compiler flags recorded after `;` in Go producers, sorted (`-N`, `-l`, `regabi`, …).
    pub flags: Vec<String>,
    /// Some package was compiled with `-N` (optimisations disabled).
    pub optimizations_disabled: bool,
    /// Some package was compiled with `-l` (inlining disabled).
    pub inlining_disabled: bool,
    /// The Go version named by `producer`.
    pub go_version: Option<String>,
    /// `.debug_info` was stored compressed.
    pub compressed: bool,
}

/// Sections read here.
fn wanted(id: gimli::SectionId) -> bool {
    matches!(
        id,
        gimli::SectionId::DebugInfo
            | gimli::SectionId::DebugAbbrev
            | gimli::SectionId::DebugStr
            | gimli::SectionId::DebugLineStr
            | gimli::SectionId::DebugStrOffsets
    )
}

/// Decode the DWARF summary; `Ok(None)` when the binary has no `.debug_info`.
pub fn analyze(image: &Image<'_>, problems: &mut Vec<Problem>) -> Option<DwarfInfo> {
    match read(image) {
        Ok(info) => info,
        Err(e) => {
            problems.push(Problem::from_error("dwarf", &e));
            None
        }
    }
}

fn read(image: &Image<'_>) -> Result<Option<DwarfInfo>> {
    let file = match object::File::parse(image.data()) {
        Ok(f) => f,
        // The container is already reported elsewhere; without it there is no DWARF to read.
        Err(_) => return Ok(None),
    };
    let format = image.format();
    // A presence check only: decompressing `.debug_info` here and again below would double
    // the cost of the largest section.
    let has_info = [
        ".debug_info",
        ".zdebug_info",
        "__debug_info",
        "__zdebug_info",
    ]
    .iter()
    .any(|n| file.section_by_name(n).is_some());
    if !has_info {
        return Ok(None);
    }
    let compressed = is_compressed(&file, format);
    let sections = gimli::DwarfSections::load(|id| -> Result<Cow<'_, [u8]>> {
        if !wanted(id) {
            return Ok(Cow::Borrowed(&[]));
        }
        Ok(section_data(&file, format, id.name())?.unwrap_or(Cow::Borrowed(&[])))
    })?;
    let endian = if file.is_little_endian() {
        gimli::RunTimeEndian::Little
    } else {
        gimli::RunTimeEndian::Big
    };
    let dwarf = sections.borrow(|s| gimli::EndianSlice::new(s, endian));
    Ok(Some(summarise(&dwarf, compressed)))
}

fn summarise(
    dwarf: &gimli::Dwarf<gimli::EndianSlice<'_, gimli::RunTimeEndian>>,
    compressed: bool,
) -> DwarfInfo {
    let mut info = DwarfInfo {
        compressed,
        ..DwarfInfo::default()
    };
    // (producer, count) of Go producers, in first-seen order.
    let mut go_producers: Vec<(String, u64)> = Vec::new();
    let mut flags = std::collections::BTreeSet::new();
    let mut units = dwarf.units();
    for _ in 0..limits::MAX_DWARF_UNITS {
        let Ok(Some(header)) = units.next() else {
            break;
        };
        info.compile_units += 1;
        let Some(producer) = first_die_producer(dwarf, &header) else {
            continue;
        };
        if crate::go::version::from_producer(&producer).is_some() {
            info.go_compile_units += 1;
            if let Some((_, extra)) = producer.split_once(';') {
                for f in extra.split_whitespace() {
                    if flags.len() < limits::MAX_DWARF_PRODUCERS {
                        flags.insert(f.to_string());
                    }
                }
            }
            let room = go_producers.len() < limits::MAX_DWARF_PRODUCERS;
            match go_producers.iter_mut().find(|(p, _)| *p == producer) {
                Some((_, n)) => *n += 1,
                None if room => go_producers.push((producer.clone(), 1)),
                None => {}
            }
        }
        if info.producers.len() < limits::MAX_DWARF_PRODUCERS && !info.producers.contains(&producer)
        {
            info.producers.push(producer);
        }
    }
    let mut best: Option<&(String, u64)> = None;
    for p in &go_producers {
        if best.is_none_or(|b| p.1 > b.1) {
            best = Some(p);
        }
    }
    info.producer = best.map(|(p, _)| p.clone());
    info.go_version = info
        .producer
        .as_deref()
        .and_then(crate::go::version::from_producer);
    info.optimizations_disabled = flags.contains("-N");
    info.inlining_disabled = flags.contains("-l");
    info.flags = flags.into_iter().collect();
    info
}

/// `DW_AT_producer` of a unit's first DIE, when it is a string.
fn first_die_producer<R: gimli::Reader>(
    dwarf: &gimli::Dwarf<R>,
    header: &gimli::UnitHeader<R>,
) -> Option<String> {
    let abbrevs = dwarf.abbreviations(header).ok()?;
    let mut cursor = header.entries(&abbrevs);
    let die = cursor.next_dfs().ok()??;
    let value = die.attr_value(gimli::DW_AT_producer)?;
    let s = match value {
        gimli::AttributeValue::String(r) => r,
        gimli::AttributeValue::DebugStrRef(off) => dwarf.debug_str.get_str(off).ok()?,
        gimli::AttributeValue::DebugLineStrRef(off) => dwarf.debug_line_str.get_str(off).ok()?,
        _ => return None,
    };
    let bytes = s.to_slice().ok()?;
    let bytes = bytes.get(..bytes.len().min(limits::MAX_STRING))?;
    Some(String::from_utf8_lossy(bytes).into_owned())
}

/// The bytes of a DWARF section by its ELF name (`.debug_info`), decompressed.
pub(crate) fn section_data<'d>(
    file: &object::File<'d>,
    format: Format,
    name: &str,
) -> Result<Option<Cow<'d, [u8]>>> {
    if format == Format::Pe {
        // Go's PE writer compresses DWARF into `.zdebug_*` sections with a "ZLIB" header
        // and a big-endian u64 size, which object does not undo for PE.
        if let Some(z) = name
            .strip_prefix(".debug_")
            .and_then(|s| file.section_by_name(&format!(".zdebug_{s}")))
        {
            let data = z.data().map_err(|e| Error::container("PE", e))?;
            return zlib_zdebug(data).map(Some);
        }
    }
    let Some(section) = file.section_by_name(name) else {
        return Ok(None);
    };
    let compressed = section
        .compressed_data()
        .map_err(|e| Error::container("DWARF section", e))?;
    check_uncompressed_size(&compressed)?;
    compressed
        .decompress()
        .map(Some)
        .map_err(|e| Error::container("DWARF section", e))
}

/// Decompress a `.zdebug_*` payload: `"ZLIB"`, big-endian u64 size, zlib stream.
fn zlib_zdebug(data: &[u8]) -> Result<Cow<'_, [u8]>> {
    let r = crate::bytes::Reader::new(data, 0, crate::bytes::Endian::Big, 8);
    if r.bytes_at("zdebug magic", 0, 4)? != b"ZLIB" {
        // Not compressed after all: the bytes are the section.
        return Ok(Cow::Borrowed(data));
    }
    let size = r.u64_at("zdebug size", 4)?;
    let payload = r.tail("zdebug data", 12)?.data();
    let compressed = object::read::CompressedData {
        format: object::read::CompressionFormat::Zlib,
        data: payload,
        uncompressed_size: size,
    };
    check_uncompressed_size(&compressed)?;
    compressed
        .decompress()
        .map_err(|e| Error::container("PE .zdebug section", e))
}

/// The decompressed size is a count from the file, and `object` reserves it before it
/// decompresses: bound it by what the compressed bytes could expand to (DEFLATE at most
/// 1032:1, zstd at most one 128 KiB RLE block per 4 bytes) as well as by
/// [`limits::MAX_DWARF_SECTION`].
fn check_uncompressed_size(c: &object::read::CompressedData<'_>) -> Result<()> {
    use object::read::CompressionFormat;
    let ratio = match c.format {
        CompressionFormat::Zlib => limits::MAX_DEFLATE_RATIO,
        CompressionFormat::Zstandard => limits::MAX_ZSTD_RATIO,
        _ => 1,
    };
    let limit = (c.data.len() as u64)
        .saturating_mul(ratio)
        .saturating_add(64)
        .min(limits::MAX_DWARF_SECTION);
    if c.uncompressed_size > limit {
        return Err(Error::TooMany {
            what: "decompressed DWARF section bytes",
            count: c.uncompressed_size,
            limit,
        });
    }
    Ok(())
}

fn is_compressed(file: &object::File<'_>, format: Format) -> bool {
    if format == Format::Pe {
        return file.section_by_name(".zdebug_info").is_some();
    }
    file.section_by_name(".debug_info")
        .and_then(|s| s.compressed_data().ok())
        .is_some_and(|c| c.format != object::read::CompressionFormat::None)
}

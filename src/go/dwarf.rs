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
//! reference). Inflating a zlib `.debug_info` is most of the cost (12 MB for an 86 MB
//! binary), so by default ([`DwarfMode::Quick`]) only a prefix is inflated, in steps, until
//! the first Go producer (C units of external links come first); [`DwarfMode::Full`] walks
//! every unit. Compressed sections are handled: ELF `SHF_COMPRESSED` and `.zdebug_*`,
//! Mach-O `__zdebug_*` (through `object`) and PE `.zdebug_*` (decompressed here, since
//! `object` leaves PE sections as they are).

use std::borrow::Cow;

use object::{Object, ObjectSection};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Problem, Result};
use crate::image::{Format, Image};
use crate::limits;

/// What the DWARF of a binary says (`go.dwarf` in JSON).
///
/// By default ([`DwarfMode::Quick`]) a zlib-compressed `.debug_info` is inflated only until
/// the first Go producer turns up (at most [`limits::MAX_DWARF_QUICK_PREFIX`] bytes); then
/// `compile_units` and `go_compile_units` are null, `units_counted` is false, and
/// `producers`, `flags`, `optimizations_disabled` and `inlining_disabled` describe the units
/// read. [`DwarfMode::Full`] (and an uncompressed or zstd-compressed section) walks every unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DwarfInfo {
    /// Compile units in `.debug_info`; null unless `units_counted`.
    pub compile_units: Option<u64>,
    /// Compile units whose producer is the Go compiler (one per Go package); null unless
    /// `units_counted`.
    pub go_compile_units: Option<u64>,
    /// Every unit header of `.debug_info` was walked, to its end, so the counts are complete.
    pub units_counted: bool,
    /// The Go compiler's producer string seen in most units read (first seen wins a tie).
    pub producer: Option<String>,
    /// Every distinct producer string of the units read, in the order first seen (at most
    /// `limits::MAX_DWARF_PRODUCERS`; C units of cgo binaries show up here too).
    pub producers: Vec<String>,
    /// Distinct compiler flags recorded after `;` in Go producers, sorted (`-N`, `-l`, `regabi`, …).
    pub flags: Vec<String>,
    /// Some package read was compiled with `-N` (optimisations disabled).
    pub optimizations_disabled: bool,
    /// Some package read was compiled with `-l` (inlining disabled).
    pub inlining_disabled: bool,
    /// The Go version named by `producer`.
    pub go_version: Option<String>,
    /// `.debug_info` was stored compressed.
    pub compressed: bool,
}

/// How much of `.debug_info` [`analyze_with`] reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DwarfMode {
    /// Stop inflating a zlib-compressed `.debug_info` at the first Go producer (the
    /// default of `goelf inspect`); uncompressed and zstd sections are still walked whole.
    #[default]
    Quick,
    /// Walk every compile unit (`goelf inspect --dwarf`).
    Full,
}

/// Decode the DWARF summary in [`DwarfMode::Quick`]; `None` when the binary has no
/// `.debug_info`.
pub fn analyze(image: &Image<'_>, problems: &mut Vec<Problem>) -> Option<DwarfInfo> {
    analyze_with(image, DwarfMode::Quick, problems)
}

/// Decode the DWARF summary, reading as much of `.debug_info` as `mode` says; `None` when
/// the binary has no `.debug_info`.
pub fn analyze_with(
    image: &Image<'_>,
    mode: DwarfMode,
    problems: &mut Vec<Problem>,
) -> Option<DwarfInfo> {
    match read(image, mode) {
        Ok(info) => info,
        Err(e) => {
            problems.push(Problem::from_error("dwarf", &e));
            None
        }
    }
}

/// The sections a unit's first DIE may refer to.
struct Refs<R> {
    abbrev: gimli::DebugAbbrev<R>,
    str: gimli::DebugStr<R>,
    line_str: gimli::DebugLineStr<R>,
}

fn read(image: &Image<'_>, mode: DwarfMode) -> Result<Option<DwarfInfo>> {
    use object::read::CompressionFormat;
    let Some(info) = compressed_section(image, ".debug_info")? else {
        return Ok(None);
    };
    check_uncompressed_size(&info)?;
    let compressed = info.format != CompressionFormat::None;
    let load = |name: &str| -> Result<Cow<'_, [u8]>> {
        Ok(section_data(image, name)?.unwrap_or(Cow::Borrowed(&[])))
    };
    let (abbrev, strs, line_strs) = (
        load(".debug_abbrev")?,
        load(".debug_str")?,
        load(".debug_line_str")?,
    );
    let endian = gimli_endian(image);
    let refs = Refs {
        abbrev: gimli::DebugAbbrev::new(&abbrev, endian),
        str: gimli::DebugStr::new(&strs, endian),
        line_str: gimli::DebugLineStr::new(&line_strs, endian),
    };
    let mut tally = Tally::default();
    let counted = if mode == DwarfMode::Quick && info.format == CompressionFormat::Zlib {
        quick_zlib(info.data, info.uncompressed_size, &refs, endian, &mut tally)?
    } else {
        let data = info
            .decompress()
            .map_err(|e| Error::container("DWARF section", e))?;
        let mut walker = Walker::default();
        walker.walk(&data, true, &refs, endian, &mut tally) == Walk::End
    };
    Ok(Some(tally.finish(counted, compressed)))
}

/// Inflate a zlib `.debug_info` in [`limits::DWARF_QUICK_STEP`] steps, walking the units
/// that fit after each, until a Go producer is seen, the stream ends or
/// [`limits::MAX_DWARF_QUICK_PREFIX`] bytes are out. True when every unit was walked.
fn quick_zlib(
    data: &[u8],
    claimed: u64,
    refs: &Refs<gimli::EndianSlice<'_, gimli::RunTimeEndian>>,
    endian: gimli::RunTimeEndian,
    tally: &mut Tally,
) -> Result<bool> {
    let cap = usize::try_from(claimed)
        .unwrap_or(usize::MAX)
        .min(limits::MAX_DWARF_QUICK_PREFIX);
    let mut z = flate2::Decompress::new(true);
    let mut buf: Vec<u8> = Vec::new();
    let mut walker = Walker::default();
    // Each round adds output or stops, and the output is capped: at most cap/step+1 rounds.
    loop {
        let want = buf.len().saturating_add(limits::DWARF_QUICK_STEP).min(cap);
        buf.reserve_exact(want.saturating_sub(buf.len()));
        let before = buf.len();
        let consumed = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or(&[]);
        let status = z
            .decompress_vec(input, &mut buf, flate2::FlushDecompress::None)
            .map_err(|_| Error::Malformed {
                format: "DWARF section",
                message: "zlib stream is damaged",
            })?;
        let ended = status == flate2::Status::StreamEnd;
        match walker.walk(&buf, ended, refs, endian, tally) {
            Walk::End => return Ok(true),
            Walk::Stop => return Ok(false),
            Walk::More => {}
        }
        if tally.go_units > 0 || ended || buf.len() >= cap || buf.len() == before {
            return Ok(false);
        }
    }
}

/// How a walk over (a prefix of) `.debug_info` ended.
#[derive(Debug, PartialEq, Eq)]
enum Walk {
    /// Every unit was walked, to the end of the complete section.
    End,
    /// The next unit does not fit in the bytes so far.
    More,
    /// Damaged data or the unit limit: no point reading more.
    Stop,
}

/// Walks units of a growing `.debug_info` prefix, resuming where the last walk stopped.
#[derive(Default)]
struct Walker {
    /// Offset of the next unit to read.
    next: usize,
    /// The abbreviation table of the last unit, by its offset (Go units share one).
    abbrevs: Option<(usize, gimli::Abbreviations)>,
    /// Offset of a unit whose first DIE was already read from a cut copy.
    peeked: Option<usize>,
}

impl Walker {
    /// Walk the units of `info` from where the last call stopped. `complete` says `info` is
    /// the whole section (else a unit that does not fit is read again once more bytes are in).
    fn walk<'b>(
        &mut self,
        info: &'b [u8],
        complete: bool,
        refs: &Refs<gimli::EndianSlice<'b, gimli::RunTimeEndian>>,
        endian: gimli::RunTimeEndian,
        tally: &mut Tally,
    ) -> Walk {
        let debug_info = gimli::DebugInfo::new(info, endian);
        loop {
            if self.next >= info.len() {
                return if complete { Walk::End } else { Walk::More };
            }
            if tally.units >= limits::MAX_DWARF_UNITS as u64 {
                return Walk::Stop;
            }
            let header = match debug_info.header_from_offset(gimli::DebugInfoOffset(self.next)) {
                Ok(h) => h,
                Err(_) if complete => return Walk::Stop,
                Err(_) => {
                    self.peek(info, refs, endian, tally);
                    return Walk::More;
                }
            };
            let len = header.length_including_self();
            let producer = self.producer(refs, &header);
            tally.add(producer);
            match self.next.checked_add(len) {
                Some(n) if len > 0 => self.next = n,
                _ => return Walk::Stop,
            }
        }
    }

    /// The first DIE of a unit that is cut short by the end of the prefix, read from a copy
    /// whose unit length is set to the bytes there are: counted when it is Go (the quick
    /// summary stops there), else read again once the unit fits.
    fn peek<'b>(
        &mut self,
        info: &'b [u8],
        refs: &Refs<gimli::EndianSlice<'b, gimli::RunTimeEndian>>,
        endian: gimli::RunTimeEndian,
        tally: &mut Tally,
    ) {
        if self.peeked == Some(self.next) {
            return;
        }
        let Some(rest) = info.get(self.next..) else {
            return;
        };
        // Only the 32-bit DWARF format (all Go writes); a 64-bit unit waits until it fits.
        let Some(avail) = rest
            .len()
            .checked_sub(4)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n < 0xffff_fff0)
        else {
            return;
        };
        self.peeked = Some(self.next);
        let mut copy = rest.to_vec();
        let len = match endian {
            gimli::RunTimeEndian::Little => avail.to_le_bytes(),
            gimli::RunTimeEndian::Big => avail.to_be_bytes(),
        };
        if let Some(head) = copy.get_mut(..4) {
            head.copy_from_slice(&len);
        }
        let copy_info = gimli::DebugInfo::new(&copy, endian);
        let Ok(header) = copy_info.header_from_offset(gimli::DebugInfoOffset(0)) else {
            return;
        };
        let refs = Refs {
            abbrev: refs.abbrev,
            str: refs.str,
            line_str: refs.line_str,
        };
        let producer = self.producer(&refs, &header);
        if producer
            .as_deref()
            .and_then(crate::go::version::from_producer)
            .is_some()
        {
            tally.add(producer);
        }
    }

    /// `DW_AT_producer` of a unit's first DIE, when it is a string.
    fn producer<'b>(
        &mut self,
        refs: &Refs<gimli::EndianSlice<'b, gimli::RunTimeEndian>>,
        header: &gimli::UnitHeader<gimli::EndianSlice<'b, gimli::RunTimeEndian>>,
    ) -> Option<String> {
        let off = header.debug_abbrev_offset().0;
        if self.abbrevs.as_ref().is_none_or(|(o, _)| *o != off) {
            self.abbrevs = Some((off, header.abbreviations(&refs.abbrev).ok()?));
        }
        let (_, abbrevs) = self.abbrevs.as_ref()?;
        let mut cursor = header.entries(abbrevs);
        let die = cursor.next_dfs().ok()??;
        let value = die.attr_value(gimli::DW_AT_producer)?;
        let s = match value {
            gimli::AttributeValue::String(r) => r,
            gimli::AttributeValue::DebugStrRef(off) => refs.str.get_str(off).ok()?,
            gimli::AttributeValue::DebugLineStrRef(off) => refs.line_str.get_str(off).ok()?,
            _ => return None,
        };
        let bytes = s.slice();
        let bytes = bytes.get(..bytes.len().min(limits::MAX_STRING))?;
        Some(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// Producers and counts of the units read so far.
#[derive(Default)]
struct Tally {
    units: u64,
    go_units: u64,
    /// (producer, count) of Go producers, in first-seen order.
    go_producers: Vec<(String, u64)>,
    producers: Vec<String>,
    flags: std::collections::BTreeSet<String>,
}

impl Tally {
    fn add(&mut self, producer: Option<String>) {
        self.units += 1;
        let Some(producer) = producer else {
            return;
        };
        if crate::go::version::from_producer(&producer).is_some() {
            self.go_units += 1;
            if let Some((_, extra)) = producer.split_once(';') {
                for f in extra.split_whitespace() {
                    if self.flags.len() < limits::MAX_DWARF_PRODUCERS {
                        self.flags.insert(f.to_string());
                    }
                }
            }
            let room = self.go_producers.len() < limits::MAX_DWARF_PRODUCERS;
            match self.go_producers.iter_mut().find(|(p, _)| *p == producer) {
                Some((_, n)) => *n += 1,
                None if room => self.go_producers.push((producer.clone(), 1)),
                None => {}
            }
        }
        if self.producers.len() < limits::MAX_DWARF_PRODUCERS && !self.producers.contains(&producer)
        {
            self.producers.push(producer);
        }
    }

    fn finish(self, counted: bool, compressed: bool) -> DwarfInfo {
        let mut best: Option<&(String, u64)> = None;
        for p in &self.go_producers {
            if best.is_none_or(|b| p.1 > b.1) {
                best = Some(p);
            }
        }
        let producer = best.map(|(p, _)| p.clone());
        let go_version = producer
            .as_deref()
            .and_then(crate::go::version::from_producer);
        DwarfInfo {
            compile_units: counted.then_some(self.units),
            go_compile_units: counted.then_some(self.go_units),
            units_counted: counted,
            producer,
            producers: self.producers,
            optimizations_disabled: self.flags.contains("-N"),
            inlining_disabled: self.flags.contains("-l"),
            flags: self.flags.into_iter().collect(),
            go_version,
            compressed,
        }
    }
}

/// The image's byte order, as gimli takes it.
pub(crate) fn gimli_endian(image: &Image<'_>) -> gimli::RunTimeEndian {
    match image.arch().endian {
        crate::bytes::Endian::Little => gimli::RunTimeEndian::Little,
        crate::bytes::Endian::Big => gimli::RunTimeEndian::Big,
    }
}

/// A section by its ELF name (`.debug_info`) as stored: its bytes and how they are
/// compressed (`CompressionFormat::None` when they are not). ELF sections come from the
/// image's parsed ELF file; PE and Mach-O ones from the image's `object` parse. PE
/// `.zdebug_*` sections (`"ZLIB"`, big-endian u64 size, zlib stream) are recognised here,
/// since `object` leaves PE sections as they are. `None` also when the container could not
/// be read (that is reported elsewhere).
fn compressed_section<'d>(
    image: &Image<'d>,
    name: &str,
) -> Result<Option<object::read::CompressedData<'d>>> {
    if let Some(elf) = image.elf() {
        return elf.compressed_section(name);
    }
    let Some(file) = image.object_file() else {
        return Ok(None);
    };
    if image.format() == Format::Pe {
        if let Some(z) = name
            .strip_prefix(".debug_")
            .and_then(|s| file.section_by_name(&format!(".zdebug_{s}")))
        {
            let data = z.data().map_err(|e| Error::container("PE", e))?;
            return zdebug(data).map(Some);
        }
    }
    let Some(section) = file.section_by_name(name) else {
        return Ok(None);
    };
    section
        .compressed_data()
        .map(Some)
        .map_err(|e| Error::container("DWARF section", e))
}

/// The bytes of a DWARF section by its ELF name (`.debug_info`), decompressed.
pub(crate) fn section_data<'d>(image: &Image<'d>, name: &str) -> Result<Option<Cow<'d, [u8]>>> {
    let Some(compressed) = compressed_section(image, name)? else {
        return Ok(None);
    };
    check_uncompressed_size(&compressed)?;
    compressed
        .decompress()
        .map(Some)
        .map_err(|e| Error::container("DWARF section", e))
}

/// A `.zdebug_*` payload: `"ZLIB"`, big-endian u64 size, zlib stream.
fn zdebug(data: &[u8]) -> Result<object::read::CompressedData<'_>> {
    let r = crate::bytes::Reader::new(data, 0, crate::bytes::Endian::Big, 8);
    if r.bytes_at("zdebug magic", 0, 4)? != b"ZLIB" {
        // Not compressed after all: the bytes are the section.
        return Ok(object::read::CompressedData::none(data));
    }
    let size = r.u64_at("zdebug size", 4)?;
    let payload = r.tail("zdebug data", 12)?.data();
    Ok(object::read::CompressedData {
        format: object::read::CompressionFormat::Zlib,
        data: payload,
        uncompressed_size: size,
    })
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

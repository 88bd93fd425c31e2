//! `LC_DYLD_CHAINED_FIXUPS`: the `dyld_chained_fixups_header` in `__LINKEDIT`, its
//! `dyld_chained_starts_in_image` (one `dyld_chained_starts_in_segment` per segment with
//! fixups: page size, pointer format, the first fixup of each page) and the chains
//! themselves, which live in the segments' data: each pointer-sized slot holds either a
//! rebase target or an import ordinal, plus the distance to the next slot of the chain
//! (0 ends it). Read through `object`'s `DyldChainedFixups` and
//! `DyldChainedSegment::fixups`; each chain only moves forward, and at most
//! [`crate::limits::MAX_FIXUPS`] fixups per slice are read, so a hostile chain can neither
//! loop nor run long. Apple `<mach-o/fixup-chains.h>`; dyld `MachOLoaded::walkChain`.
//! Notes: docs/FORMATS.md §10.5.

use object::macho::{self, LinkeditDataCommand};
use object::read::macho::Fixup as ChainFixup;
use object::{Endian, Endianness};

use super::fixups::{FixupKind, Sink};
use crate::error::Problem;

/// Walk every chain of `cmd` (in `data`, the slice) into `sink`. `text_vmaddr` is the
/// `__TEXT` segment's address (the base of the `DYLD_CHAINED_PTR_64` targets).
pub(crate) fn read(
    cmd: &LinkeditDataCommand<Endianness>,
    e: Endianness,
    data: &[u8],
    text_vmaddr: u64,
    sink: &mut Sink<'_, '_>,
    problems: &mut Vec<Problem>,
) {
    let p = |m: String| Problem::new("macho.chained_fixups", m);
    sink.counts.table_bytes = u64::from(cmd.datasize.get(e));
    let fixups = match cmd.chained_fixups(e, data) {
        Ok(f) => f,
        Err(err) => {
            problems.push(p(format!("chained fixups header: {err}")));
            return;
        }
    };
    sink.counts.chained_imports = Some(u64::from(fixups.header().imports_count.get(e)));
    let mut segments = match fixups.segments(e) {
        Ok(s) => s,
        Err(err) => {
            problems.push(p(format!("chained starts: {err}")));
            return;
        }
    };
    let mut pages = 0u64;
    let mut formats: Vec<String> = Vec::new();
    loop {
        let seg = match segments.next() {
            Ok(Some(s)) => s,
            Ok(None) => break,
            Err(err) => {
                problems.push(p(format!("chained starts: {err}")));
                break;
            }
        };
        let index = seg.index();
        let h = seg.header();
        let format = h.pointer_format.get(e);
        let name = format.name().unwrap_or("DYLD_CHAINED_PTR_?");
        if !formats.iter().any(|f| f == name) {
            formats.push(name.to_string());
        }
        let width: u8 = match format {
            macho::DYLD_CHAINED_PTR_32
            | macho::DYLD_CHAINED_PTR_32_CACHE
            | macho::DYLD_CHAINED_PTR_32_FIRMWARE => 4,
            _ => 8,
        };
        let page_count = usize::from(h.page_count.get(e));
        // page_start[] are the first `page_count` entries after the header.
        let starts = segment_page_starts(data, cmd, e, index);
        pages += starts
            .map(|s| {
                s.iter()
                    .take(page_count)
                    .filter(|&&v| v != macho::DYLD_CHAINED_PTR_START_NONE)
                    .count() as u64
            })
            .unwrap_or(0);
        let Some(bytes) = sink.segs.get(index as usize).map(|s| s.data) else {
            problems.push(p(format!(
                "chained starts name segment {index}, which does not exist"
            )));
            continue;
        };
        let mut it = seg.fixups(e, text_vmaddr, bytes);
        loop {
            match it.next() {
                Ok(Some((off, f))) => {
                    let kind = match f {
                        ChainFixup::Bind(_) => FixupKind::Bind,
                        _ => FixupKind::Rebase,
                    };
                    if !sink.push(kind, index, off, width, name) {
                        sink.counts.chained_pages = Some(pages);
                        sink.counts.pointer_formats = formats;
                        return;
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    problems.push(p(format!("segment {index} chain: {err}")));
                    break;
                }
            }
        }
    }
    sink.counts.chained_pages = Some(pages);
    sink.counts.pointer_formats = formats;
}

/// The `page_start[]` array of segment `index` (object keeps it private), read again from
/// the blob: header → `starts_offset` → `seg_info_offset[index]` → starts-in-segment.
fn segment_page_starts(
    data: &[u8],
    cmd: &LinkeditDataCommand<Endianness>,
    e: Endianness,
    index: u32,
) -> Option<Vec<u16>> {
    let off = usize::try_from(cmd.dataoff.get(e)).ok()?;
    let size = usize::try_from(cmd.datasize.get(e)).ok()?;
    let blob = data.get(off..)?.get(..size)?;
    let u32_at = |o: usize| -> Option<u32> {
        let b: [u8; 4] = blob.get(o..o.checked_add(4)?)?.try_into().ok()?;
        Some(e.read_u32(b))
    };
    let u16_at = |o: usize| -> Option<u16> {
        let b: [u8; 2] = blob.get(o..o.checked_add(2)?)?.try_into().ok()?;
        Some(e.read_u16(b))
    };
    // dyld_chained_fixups_header: fixups_version, starts_offset, ...
    let starts = usize::try_from(u32_at(4)?).ok()?;
    let seg_info = usize::try_from(u32_at(
        starts
            .checked_add(4)?
            .checked_add(4usize.checked_mul(index as usize)?)?,
    )?)
    .ok()?;
    let seg = starts.checked_add(seg_info)?;
    // dyld_chained_starts_in_segment: size u32, page_size u16, pointer_format u16,
    // segment_offset u64, max_valid_pointer u32, page_count u16, page_start[page_count].
    let count = usize::from(u16_at(seg.checked_add(20)?)?);
    (0..count)
        .map(|i| u16_at(seg.checked_add(22)?.checked_add(i * 2)?))
        .collect()
}

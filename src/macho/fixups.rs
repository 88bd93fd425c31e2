//! The fixups dyld applies when it maps a Mach-O image: rebases (add the slide: the image is
//! not at its preferred address, always the case with ASLR) and binds (look a symbol up in a
//! dylib and store its address), from whichever of the two encodings the image uses:
//! `LC_DYLD_INFO(_ONLY)` opcode streams ([`super::dyld_info`]) or `LC_DYLD_CHAINED_FIXUPS`
//! chains ([`super::chained_fixups`]). This module holds the record both decoders produce
//! and the per-slice driver (thin and universal files). Apple dyld
//! `MachOAnalyzer::forEachRebase`/`forEachBind`/`forEachChainedFixupTarget`; notes:
//! docs/FORMATS.md §10.5.

use object::macho;
use object::read::macho::{
    FatArch, LoadCommandVariant, MachHeader, MachOFatFile32, MachOFatFile64, MachOFile, Segment,
};
use serde::{Deserialize, Serialize};

use crate::error::Problem;
use crate::limits;

/// What dyld does at one location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixupKind {
    /// Add the slide (no lookup).
    Rebase,
    /// Bind to a symbol at launch.
    Bind,
    /// Bind to a symbol at the first call (`lazy_bind` opcodes).
    LazyBind,
    /// Weak-definition coalescing (`weak_bind` opcodes).
    WeakBind,
}

/// One fixup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixup {
    /// What dyld does.
    pub kind: FixupKind,
    /// Index of the segment written (load-command order, as the opcodes count them).
    pub segment_index: u32,
    /// Offset inside that segment.
    pub segment_offset: u64,
    /// The virtual address written: the segment's `vmaddr` plus the offset.
    pub address: u64,
    /// Bytes written (the pointer size; 4 for a 32-bit chained format).
    pub width: u8,
    /// `REBASE_TYPE_*` / `BIND_TYPE_*` name (opcodes) or `DYLD_CHAINED_PTR_*` (chains).
    pub type_name: &'static str,
}

/// Counts of one slice's fixups, as the decoders read them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachoFixups {
    /// The load command they come from: `LC_DYLD_INFO_ONLY`, `LC_DYLD_INFO`,
    /// `LC_DYLD_CHAINED_FIXUPS`, or `none`.
    pub source: String,
    /// Rebases.
    pub rebases: u64,
    /// Binds done at launch (opcode `bind` stream, or chained binds).
    pub binds: u64,
    /// Lazy binds (opcode `lazy_bind` stream; done at the first call).
    pub lazy_binds: u64,
    /// Weak binds (opcode `weak_bind` stream).
    pub weak_binds: u64,
    /// Bytes of fixup information dyld reads: the opcode streams' sizes, or the chained
    /// fixups blob's `datasize`.
    pub table_bytes: u64,
    /// `LC_DYLD_CHAINED_FIXUPS`: `imports_count` of its header.
    pub chained_imports: Option<u64>,
    /// `LC_DYLD_CHAINED_FIXUPS`: the pointer formats of its segments (`DYLD_CHAINED_PTR_64`).
    pub pointer_formats: Vec<String>,
    /// `LC_DYLD_CHAINED_FIXUPS`: pages (of each segment's `page_size`) with a chain start.
    pub chained_pages: Option<u64>,
    /// Fixups naming a segment that does not exist or an offset outside it (dyld refuses
    /// such an image); not passed on.
    pub outside_segment: u64,
}

impl MachoFixups {
    /// Every fixup counted.
    pub fn total(&self) -> u64 {
        self.rebases + self.binds + self.lazy_binds + self.weak_binds
    }
}

/// One slice's fixups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SliceFixups {
    /// File offset of the slice (0 for a thin file).
    pub offset: u64,
    /// `cputype` name (`CPU_TYPE_ARM64`).
    pub cputype_name: String,
    /// The counts.
    pub fixups: MachoFixups,
}

/// A segment as the fixups address it.
#[derive(Debug, Clone)]
pub(crate) struct Seg<'data> {
    pub vmaddr: u64,
    pub vmsize: u64,
    /// The segment's bytes in the file (chains are read from here).
    pub data: &'data [u8],
}

/// Bounds every fixup against its segment and counts it; the decoders call this.
pub(crate) struct Sink<'a, 's> {
    pub segs: &'a [Seg<'s>],
    pub counts: &'a mut MachoFixups,
    pub each: &'a mut dyn FnMut(&Fixup),
    /// Fixups seen (counted or not), for the cap.
    pub seen: u64,
}

impl Sink<'_, '_> {
    /// Count one fixup; `false` when the cap is reached (the caller stops).
    pub fn push(
        &mut self,
        kind: FixupKind,
        segment_index: u32,
        segment_offset: u64,
        width: u8,
        type_name: &'static str,
    ) -> bool {
        self.seen += 1;
        if self.seen > limits::MAX_FIXUPS {
            return false;
        }
        let seg = self.segs.get(segment_index as usize);
        let inside = seg.is_some_and(|s| {
            segment_offset
                .checked_add(u64::from(width))
                .is_some_and(|end| end <= s.vmsize)
        });
        let Some(seg) = seg.filter(|_| inside) else {
            self.counts.outside_segment += 1;
            return true;
        };
        match kind {
            FixupKind::Rebase => self.counts.rebases += 1,
            FixupKind::Bind => self.counts.binds += 1,
            FixupKind::LazyBind => self.counts.lazy_binds += 1,
            FixupKind::WeakBind => self.counts.weak_binds += 1,
        }
        (self.each)(&Fixup {
            kind,
            segment_index,
            segment_offset,
            address: seg.vmaddr.wrapping_add(segment_offset),
            width,
            type_name,
        });
        true
    }
}

/// The fixups of every slice of `data` (a thin or universal Mach-O file), calling `each`
/// with the slice's index and every fixup inside its segment, in stream or chain order.
/// At most [`limits::MAX_FIXUPS`] fixups per slice are read; damage becomes a problem.
/// `None` when `data` is not a Mach-O file object can read.
pub fn visit(
    data: &[u8],
    problems: &mut Vec<Problem>,
    each: &mut dyn FnMut(usize, &Fixup),
) -> Option<Vec<SliceFixups>> {
    let magic = data.get(..4)?;
    let mut slices: Vec<(u64, &[u8])> = Vec::new();
    if magic == [0xca, 0xfe, 0xba, 0xbe] || magic == [0xca, 0xfe, 0xba, 0xbf] {
        let arches: Vec<(u64, u64)> = if magic[3] == 0xbe {
            let f = MachOFatFile32::parse(data).ok()?;
            f.arches()
                .iter()
                .map(|a| (a.offset().into(), a.size().into()))
                .collect()
        } else {
            let f = MachOFatFile64::parse(data).ok()?;
            f.arches().iter().map(|a| (a.offset(), a.size())).collect()
        };
        for (off, size) in arches.into_iter().take(limits::MAX_FAT_ARCHES) {
            let bytes = usize::try_from(off)
                .ok()
                .and_then(|o| data.get(o..))
                .and_then(|b| b.get(..usize::try_from(size).ok()?));
            match bytes {
                Some(b) => slices.push((off, b)),
                None => problems.push(Problem::new(
                    "macho.fixups",
                    format!("slice at {off:#x} ({size} bytes) is outside the file"),
                )),
            }
        }
    } else {
        slices.push((0, data));
    }
    let mut out = Vec::new();
    for (i, (off, bytes)) in slices.into_iter().enumerate() {
        let mut f = |x: &Fixup| each(i, x);
        let r = match bytes.get(..4) {
            Some([0xfe, 0xed, 0xfa, 0xcf] | [0xcf, 0xfa, 0xed, 0xfe]) => {
                MachOFile::<macho::MachHeader64<object::Endianness>, _>::parse(bytes)
                    .ok()
                    .map(|m| slice(&m, off, problems, &mut f))
            }
            Some([0xfe, 0xed, 0xfa, 0xce] | [0xce, 0xfa, 0xed, 0xfe]) => {
                MachOFile::<macho::MachHeader32<object::Endianness>, _>::parse(bytes)
                    .ok()
                    .map(|m| slice(&m, off, problems, &mut f))
            }
            _ => None,
        };
        match r {
            Some(s) => out.push(s),
            None => problems.push(Problem::new(
                "macho.fixups",
                format!("slice at {off:#x} is not a readable Mach-O image"),
            )),
        }
    }
    Some(out)
}

fn slice<'data, Mach: MachHeader<Endian = object::Endianness>>(
    file: &MachOFile<'data, Mach, &'data [u8]>,
    offset: u64,
    problems: &mut Vec<Problem>,
    each: &mut dyn FnMut(&Fixup),
) -> SliceFixups {
    let e = file.endian();
    let data = file.data();
    let cputype = file.macho_header().cputype(e);
    let mut segs = Vec::new();
    let mut text_vmaddr = None;
    let mut dyld_info = None;
    let mut chained = None;
    if let Ok(mut cmds) = file.macho_load_commands() {
        while let Ok(Some(c)) = cmds.next() {
            if let Ok(Some((seg, _))) = Mach::Segment::from_command(c) {
                if segs.len() >= limits::MAX_SECTIONS {
                    continue;
                }
                let vmaddr: u64 = seg.vmaddr(e).into();
                if seg.name().starts_with(b"__TEXT\0") || seg.name() == b"__TEXT" {
                    text_vmaddr.get_or_insert(vmaddr);
                }
                let (fo, fs): (u64, u64) = (seg.fileoff(e).into(), seg.filesize(e).into());
                let bytes = usize::try_from(fo)
                    .ok()
                    .and_then(|o| data.get(o..))
                    .and_then(|b| b.get(..usize::try_from(fs).ok()?))
                    .unwrap_or(&[]);
                segs.push(Seg {
                    vmaddr,
                    vmsize: seg.vmsize(e).into(),
                    data: bytes,
                });
                continue;
            }
            match c.variant() {
                Ok(LoadCommandVariant::DyldInfo(d)) if dyld_info.is_none() => {
                    dyld_info = Some((c.cmd(), d));
                }
                Ok(LoadCommandVariant::LinkeditData(l))
                    if c.cmd() == macho::LC_DYLD_CHAINED_FIXUPS && chained.is_none() =>
                {
                    chained = Some(l);
                }
                _ => {}
            }
        }
    }
    let mut counts = MachoFixups {
        source: "none".into(),
        ..Default::default()
    };
    let mut sink = Sink {
        segs: &segs,
        counts: &mut counts,
        each,
        seen: 0,
    };
    // dyld prefers chained fixups when both are present (an image has one or the other).
    if let Some(l) = chained {
        sink.counts.source = "LC_DYLD_CHAINED_FIXUPS".into();
        super::chained_fixups::read(l, e, data, text_vmaddr.unwrap_or(0), &mut sink, problems);
    } else if let Some((cmd, d)) = dyld_info {
        sink.counts.source = cmd.name().unwrap_or("LC_DYLD_INFO").into();
        super::dyld_info::read(d, e, data, Mach::pointer_size(), &mut sink, problems);
    }
    if sink.seen > limits::MAX_FIXUPS {
        problems.push(Problem::new(
            "macho.fixups",
            format!(
                "more than {} fixups; the rest are not read",
                limits::MAX_FIXUPS
            ),
        ));
    }
    if counts.outside_segment > 0 {
        problems.push(Problem::new(
            "macho.fixups",
            format!(
                "{} fixups name a segment that does not exist or an offset outside it (dyld \
                 refuses the image); not counted",
                counts.outside_segment
            ),
        ));
    }
    SliceFixups {
        offset,
        cputype_name: cputype
            .name()
            .map_or_else(|| format!("{:#x}", cputype.0), str::to_string),
        fixups: counts,
    }
}

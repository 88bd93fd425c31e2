//! dyld's validity checks on one Mach-O image, each with a verdict and the reason, after
//! dyld's `MachOAnalyzer::validSegments`, `validMain` and `validEmbeddedPaths` (segments
//! inside the file, page-aligned, not overlapping, sections inside their segment,
//! `__PAGEZERO` for executables, entry in executable code). Page size: 16 KiB on arm64,
//! 4 KiB elsewhere. See docs/FORMATS.md §10.

use serde::{Deserialize, Serialize};

use object::macho;

use super::{Entry, MachHeaderInfo, MachoSegment};

/// The Mach-O loader checks, by their stable names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MachoCheckId {
    /// Every segment's file range lies inside the image.
    SegmentsInFile,
    /// `vmaddr` and `fileoff` are multiples of the page size.
    SegmentAlignment,
    /// No two segments overlap in memory or in the file.
    SegmentOverlap,
    /// `filesize <= vmsize` for every segment.
    FilesizeLeVmsize,
    /// Every section lies inside its segment.
    SectionsInSegment,
    /// An executable has a `__PAGEZERO` at 0 with no access.
    Pagezero,
    /// The entry lies in an executable segment.
    Entry,
    /// No segment is writable and executable.
    WXorX,
}

impl MachoCheckId {
    /// The stable name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            MachoCheckId::SegmentsInFile => "segments_in_file",
            MachoCheckId::SegmentAlignment => "segment_alignment",
            MachoCheckId::SegmentOverlap => "segment_overlap",
            MachoCheckId::FilesizeLeVmsize => "filesize_le_vmsize",
            MachoCheckId::SectionsInSegment => "sections_in_segment",
            MachoCheckId::Pagezero => "pagezero",
            MachoCheckId::Entry => "entry",
            MachoCheckId::WXorX => "w_xor_x",
        }
    }
}

impl std::fmt::Display for MachoCheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One check and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachoCheck {
    /// Stable name of the check.
    pub check: MachoCheckId,
    /// Passed.
    pub ok: bool,
    /// What was checked, or what failed.
    pub detail: String,
}

const MAX_LISTED: usize = 8;

fn check(id: MachoCheckId, mut failures: Vec<String>, pass: String) -> MachoCheck {
    failures.truncate(MAX_LISTED);
    MachoCheck {
        check: id,
        ok: failures.is_empty(),
        detail: crate::report::check_detail(&failures, pass),
    }
}

pub(super) fn run(
    h: &MachHeaderInfo,
    segs: &[MachoSegment],
    entry: Option<&Entry>,
    size: u64,
) -> Vec<MachoCheck> {
    let page: u64 = if macho::CpuType(h.cputype) == macho::CPU_TYPE_ARM64 {
        16384
    } else {
        4096
    };
    let mut out = Vec::new();
    let f = segs
        .iter()
        .filter(|s| s.fileoff.saturating_add(s.filesize) > size)
        .map(|s| {
            format!(
                "{} file range {:#x}+{:#x} runs past the image ({size:#x} bytes)",
                s.name, s.fileoff, s.filesize
            )
        })
        .collect();
    out.push(check(
        MachoCheckId::SegmentsInFile,
        f,
        format!("{} segments inside the image", segs.len()),
    ));

    let f = segs
        .iter()
        .filter(|s| s.vmaddr % page != 0 || (s.filesize != 0 && s.fileoff % page != 0))
        .map(|s| {
            format!(
                "{} vmaddr {:#x} / fileoff {:#x} not aligned to {page:#x}",
                s.name, s.vmaddr, s.fileoff
            )
        })
        .collect();
    out.push(check(
        MachoCheckId::SegmentAlignment,
        f,
        format!("vmaddr and fileoff aligned to the {page:#x}-byte page"),
    ));

    let mut f = Vec::new();
    for (i, a) in segs.iter().enumerate() {
        for b in segs.iter().skip(i + 1) {
            let vm = a.vmsize != 0
                && b.vmsize != 0
                && a.vmaddr < b.vmaddr.saturating_add(b.vmsize)
                && b.vmaddr < a.vmaddr.saturating_add(a.vmsize);
            let file = a.filesize != 0
                && b.filesize != 0
                && a.fileoff < b.fileoff.saturating_add(b.filesize)
                && b.fileoff < a.fileoff.saturating_add(a.filesize);
            if vm || file {
                f.push(format!(
                    "{} and {} overlap in {}",
                    a.name,
                    b.name,
                    if vm { "memory" } else { "the file" }
                ));
            }
            if f.len() >= MAX_LISTED {
                break;
            }
        }
    }
    out.push(check(
        MachoCheckId::SegmentOverlap,
        f,
        "no two segments overlap".into(),
    ));

    let f = segs
        .iter()
        .filter(|s| s.vmsize != 0 && s.filesize > s.vmsize)
        .map(|s| {
            format!(
                "{} filesize {:#x} > vmsize {:#x}",
                s.name, s.filesize, s.vmsize
            )
        })
        .collect();
    out.push(check(
        MachoCheckId::FilesizeLeVmsize,
        f,
        "filesize <= vmsize for every mapped segment (vmsize 0: not mapped)".into(),
    ));

    let mut f = Vec::new();
    // A segment of vmsize 0 is not mapped (Go's __DWARF: file data only).
    for s in segs.iter().filter(|s| s.vmsize != 0) {
        for x in &s.sections {
            if x.addr < s.vmaddr
                || x.addr.saturating_add(x.size) > s.vmaddr.saturating_add(s.vmsize)
            {
                f.push(format!(
                    "{},{} {:#x}+{:#x} lies outside {} {:#x}+{:#x}",
                    x.segment, x.name, x.addr, x.size, s.name, s.vmaddr, s.vmsize
                ));
            }
        }
    }
    out.push(check(
        MachoCheckId::SectionsInSegment,
        f,
        "every section lies inside its mapped segment".into(),
    ));

    let exec = macho::FileType(h.filetype) == macho::MH_EXECUTE;
    let pz = segs.iter().find(|s| s.name == "__PAGEZERO");
    let (f, pass) = match (exec, pz) {
        (false, _) => (
            Vec::new(),
            "not an executable: no __PAGEZERO needed".to_string(),
        ),
        (true, None) => (
            vec!["executable without __PAGEZERO".to_string()],
            String::new(),
        ),
        (true, Some(p))
            if p.vmaddr != 0 || p.initprot != 0 || p.maxprot != 0 || p.filesize != 0 =>
        {
            (
                vec![format!(
                    "__PAGEZERO at {:#x} with initprot {:#x} maxprot {:#x} filesize {:#x}",
                    p.vmaddr, p.initprot, p.maxprot, p.filesize
                )],
                String::new(),
            )
        }
        (true, Some(p)) => (
            Vec::new(),
            format!("__PAGEZERO maps {:#x} bytes at 0 with no access", p.vmsize),
        ),
    };
    out.push(check(MachoCheckId::Pagezero, f, pass));

    let (f, pass) = match entry.and_then(|e| e.address.map(|a| (e, a))) {
        None => (
            if exec {
                vec!["executable without a readable entry (LC_MAIN / LC_UNIXTHREAD)".to_string()]
            } else {
                Vec::new()
            },
            "no entry (not an executable)".to_string(),
        ),
        Some((e, a)) => match segs
            .iter()
            .find(|s| a >= s.vmaddr && a - s.vmaddr < s.filesize.min(s.vmsize))
        {
            Some(s) if s.initprot & 4 != 0 => (
                Vec::new(),
                format!(
                    "{} entry {a:#x} in executable segment {}",
                    e.command, s.name
                ),
            ),
            Some(s) => (
                vec![format!("entry {a:#x} in non-executable segment {}", s.name)],
                String::new(),
            ),
            None => (
                vec![format!("entry {a:#x} is in no segment's file data")],
                String::new(),
            ),
        },
    };
    out.push(check(MachoCheckId::Entry, f, pass));

    let f = segs
        .iter()
        .filter(|s| s.initprot & 6 == 6)
        .map(|s| {
            format!(
                "{} initprot {:#x} is writable and executable",
                s.name, s.initprot
            )
        })
        .collect();
    out.push(check(
        MachoCheckId::WXorX,
        f,
        "no segment is both writable and executable".into(),
    ));
    out
}

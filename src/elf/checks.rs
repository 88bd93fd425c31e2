//! The loader's own validity checks on program headers, each with a verdict and the reason,
//! as Linux `fs/binfmt_elf.c` (`load_elf_binary`, `elf_map`) and glibc `elf/dl-load.c`
//! (`_dl_map_object_from_fd`: "ELF load command alignment not page-aligned", "ELF load
//! command address/offset not properly aligned") and `elf/rtld.c` apply them. The page size
//! is taken as 4096, the smallest any supported Go target uses.

use serde::{Deserialize, Serialize};

use object::elf::{PF_X, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR};

use super::file::{ElfFile, RawSegment};
use super::names;

/// The loader checks, by their stable names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    /// PT_LOAD `p_align` is a power of two of at least the page size.
    LoadAlignment,
    /// `p_vaddr ≡ p_offset (mod p_align)` for every PT_LOAD.
    LoadCongruence,
    /// PT_LOAD segments ascend and do not overlap.
    LoadOrder,
    /// `p_filesz <= p_memsz` for every PT_LOAD.
    FileszLeMemsz,
    /// Every segment's file bytes lie inside the file.
    InFile,
    /// One PT_INTERP, NUL-terminated, inside a PT_LOAD.
    Interp,
    /// PT_PHDR matches the header and is mapped.
    Phdr,
    /// No segment is writable and executable.
    WXorX,
    /// PT_GNU_STACK present and not executable.
    GnuStack,
}

impl CheckId {
    /// The stable name, as in JSON (`load_alignment`, …, `gnu_stack`).
    pub fn name(self) -> &'static str {
        match self {
            CheckId::LoadAlignment => "load_alignment",
            CheckId::LoadCongruence => "load_congruence",
            CheckId::LoadOrder => "load_order",
            CheckId::FileszLeMemsz => "filesz_le_memsz",
            CheckId::InFile => "in_file",
            CheckId::Interp => "interp",
            CheckId::Phdr => "phdr",
            CheckId::WXorX => "w_xor_x",
            CheckId::GnuStack => "gnu_stack",
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One check and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoaderCheck {
    /// Stable name of the check.
    pub check: CheckId,
    /// Passed.
    pub ok: bool,
    /// Why: what was checked, or what failed.
    pub detail: String,
}

const PAGE: u64 = 4096;

fn check(name: CheckId, failures: Vec<String>, pass: String) -> LoaderCheck {
    LoaderCheck {
        check: name,
        ok: failures.is_empty(),
        detail: if failures.is_empty() {
            pass
        } else {
            failures.join("; ")
        },
    }
}

/// Run every check over the program headers.
pub(super) fn loader_checks(file: &ElfFile<'_>) -> Vec<LoaderCheck> {
    let file_size = file.data().len() as u64;
    let r = file.reader();
    let machine = file.header().e_machine.0;
    let type_name = |p: &RawSegment| names::segment_type(p.p_type.0, machine);
    let ph = file.segments();
    let loads: Vec<_> = file.segments_of(PT_LOAD).collect();
    let mut out = Vec::new();

    let mut f = Vec::new();
    for p in &loads {
        if !p.align.is_power_of_two() || p.align < PAGE {
            f.push(format!(
                "segment {}: p_align {:#x} is not a power of two of at least the page size {PAGE:#x}",
                p.index, p.align
            ));
        }
    }
    out.push(check(
        CheckId::LoadAlignment,
        f,
        format!(
            "{} PT_LOAD segments aligned to a power of two >= {PAGE:#x}",
            loads.len()
        ),
    ));

    let mut f = Vec::new();
    for p in &loads {
        if p.align.is_power_of_two() && p.vaddr % p.align != p.offset % p.align {
            f.push(format!(
                "segment {}: p_vaddr {:#x} and p_offset {:#x} differ modulo p_align {:#x}",
                p.index, p.vaddr, p.offset, p.align
            ));
        } else if p.vaddr.wrapping_sub(p.offset) % PAGE != 0 {
            f.push(format!(
                "segment {}: p_vaddr {:#x} and p_offset {:#x} differ modulo the page size",
                p.index, p.vaddr, p.offset
            ));
        }
    }
    out.push(check(
        CheckId::LoadCongruence,
        f,
        "p_vaddr ≡ p_offset (mod p_align) for every PT_LOAD".into(),
    ));

    let mut f = Vec::new();
    for w in loads.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b.vaddr < a.vaddr {
            f.push(format!(
                "segment {} (vaddr {:#x}) comes after segment {} (vaddr {:#x})",
                b.index, b.vaddr, a.index, a.vaddr
            ));
        } else if a.vaddr.saturating_add(a.memsz) > b.vaddr {
            f.push(format!(
                "segment {} [{:#x}, {:#x}) overlaps segment {} at {:#x}",
                a.index,
                a.vaddr,
                a.vaddr.saturating_add(a.memsz),
                b.index,
                b.vaddr
            ));
        }
    }
    out.push(check(
        CheckId::LoadOrder,
        f,
        "PT_LOAD segments in ascending p_vaddr order, not overlapping".into(),
    ));

    let f = ph
        .iter()
        .filter(|p| p.filesz > p.memsz && p.p_type == PT_LOAD)
        .map(|p| {
            format!(
                "segment {}: p_filesz {:#x} > p_memsz {:#x}",
                p.index, p.filesz, p.memsz
            )
        })
        .collect();
    out.push(check(
        CheckId::FileszLeMemsz,
        f,
        "p_filesz <= p_memsz for every PT_LOAD".into(),
    ));

    let f = ph
        .iter()
        .filter(|p| p.filesz > 0 && p.offset.checked_add(p.filesz).is_none_or(|end| end > file_size))
        .map(|p| {
            format!(
                "segment {} ({}): [{:#x}, +{:#x}) runs past the end of the file ({file_size:#x} bytes)",
                p.index, type_name(p), p.offset, p.filesz
            )
        })
        .collect();
    out.push(check(
        CheckId::InFile,
        f,
        format!("every segment's file bytes lie inside the file ({file_size} bytes)"),
    ));

    let interps: Vec<_> = file.segments_of(PT_INTERP).collect();
    let mut f = Vec::new();
    if interps.len() > 1 {
        f.push(format!(
            "{} PT_INTERP headers; the kernel accepts one",
            interps.len()
        ));
    }
    if let Some(i) = interps.first() {
        let covered = loads.iter().any(|l| {
            i.offset >= l.offset
                && i.offset.saturating_add(i.filesz) <= l.offset.saturating_add(l.filesz)
        });
        if !covered {
            f.push(format!(
                "PT_INTERP [{:#x}, +{:#x}) is not inside any PT_LOAD",
                i.offset, i.filesz
            ));
        }
        let ends_nul = i
            .filesz
            .checked_sub(1)
            .and_then(|last| r.u8_at("PT_INTERP", i.offset.saturating_add(last)).ok())
            == Some(0);
        if !ends_nul {
            f.push("PT_INTERP string is not NUL-terminated inside its segment".into());
        }
        if i.filesz < 2 || i.filesz > 4096 {
            f.push(format!(
                "PT_INTERP size {} outside 2..=4096 (PATH_MAX)",
                i.filesz
            ));
        }
    }
    out.push(check(
        CheckId::Interp,
        f,
        if interps.is_empty() {
            "no PT_INTERP (static)".into()
        } else {
            "one PT_INTERP, NUL-terminated, inside a PT_LOAD".into()
        },
    ));

    let phdrs: Vec<_> = file.segments_of(PT_PHDR).collect();
    let mut f = Vec::new();
    if phdrs.len() > 1 {
        f.push(format!("{} PT_PHDR headers", phdrs.len()));
    }
    if let Some(p) = phdrs.first() {
        let first_load = ph.iter().position(|x| x.p_type == PT_LOAD);
        if first_load.is_some_and(|l| (p.index as usize) > l) {
            f.push("PT_PHDR follows a PT_LOAD (gABI: it must precede every loadable entry)".into());
        }
        let h = file.header();
        let table = u64::from(h.e_phentsize) * u64::from(h.phnum);
        if p.offset != h.e_phoff {
            f.push(format!(
                "PT_PHDR p_offset {:#x} != e_phoff {:#x}",
                p.offset, h.e_phoff
            ));
        }
        if p.filesz != table {
            f.push(format!(
                "PT_PHDR p_filesz {:#x} != e_phnum * e_phentsize {table:#x}",
                p.filesz
            ));
        }
        let mapped = loads.iter().any(|l| {
            p.vaddr >= l.vaddr && p.vaddr.saturating_add(p.memsz) <= l.vaddr.saturating_add(l.memsz)
        });
        if !mapped {
            f.push(format!(
                "PT_PHDR at {:#x} is not inside any PT_LOAD",
                p.vaddr
            ));
        }
    }
    out.push(check(
        CheckId::Phdr,
        f,
        if phdrs.is_empty() {
            "no PT_PHDR".into()
        } else {
            "PT_PHDR matches e_phoff/e_phnum and lies inside a PT_LOAD".into()
        },
    ));

    let f = ph
        .iter()
        .filter(|p| p.is_wx())
        .map(|p| {
            format!(
                "segment {} ({}) is writable and executable",
                p.index,
                type_name(p)
            )
        })
        .collect();
    out.push(check(
        CheckId::WXorX,
        f,
        "no segment is both writable and executable".into(),
    ));

    let f = match file.segment(PT_GNU_STACK) {
        None => vec!["no PT_GNU_STACK: the kernel may make the stack executable (READ_IMPLIES_EXEC on some architectures)".into()],
        Some(s) if s.p_flags.contains(PF_X) => vec![format!(
            "PT_GNU_STACK has flags {:?}: executable stack",
            names::segment_flags(s.p_flags.0).trim_end()
        )],
        _ => Vec::new(),
    };
    out.push(check(
        CheckId::GnuStack,
        f,
        "PT_GNU_STACK present and not executable".into(),
    ));
    out
}

//! Whether the file holds every byte its ELF headers describe: the program header table,
//! the section header table, every segment's file bytes (`p_offset + p_filesz`) and every
//! section that has file bytes (not `SHT_NOBITS`/`SHT_NULL`). A file shorter than that was
//! cut (a truncated download, `head -c`), and the loader would fail on it or map garbage;
//! see docs/FORMATS.md §1 (the ELF headers).

use object::elf::{SHT_NOBITS, SHT_NULL};

use crate::error::{Problem, Severity};

use super::file::ElfFile;

/// A [`Severity::Error`] problem `file.truncated` when the file is shorter than what its
/// headers describe, naming the first things that lie past the end.
pub fn truncation(file: &ElfFile<'_>) -> Option<Problem> {
    let len = file.data().len() as u64;
    let h = file.header();
    let mut past: Vec<String> = Vec::new();
    let mut need = 0u64;
    let mut note = |what: String, off: u64, size: u64| {
        let end = off.saturating_add(size);
        if size > 0 && end > len {
            need = need.max(end);
            past.push(what);
        }
    };
    note(
        "the program header table".into(),
        h.e_phoff,
        u64::from(h.phnum).saturating_mul(u64::from(h.e_phentsize)),
    );
    note(
        "the section header table".into(),
        h.e_shoff,
        u64::from(h.shnum).saturating_mul(u64::from(h.e_shentsize)),
    );
    let machine = h.e_machine.0;
    for s in file.segments() {
        let name = super::names::segment_type(s.p_type.0, machine);
        note(format!("segment {} ({name})", s.index), s.offset, s.filesz);
    }
    let mut sections = 0usize;
    let mut first_section = None;
    for s in file.sections() {
        if s.sh_type == SHT_NOBITS || s.sh_type == SHT_NULL {
            continue;
        }
        let end = s.offset.saturating_add(s.size);
        if s.size > 0 && end > len {
            need = need.max(end);
            sections += 1;
            first_section.get_or_insert((s.index, s.name.display()));
        }
    }
    if past.is_empty() && sections == 0 {
        return None;
    }
    if let Some((index, name)) = first_section {
        let name = if name.is_empty() {
            String::new()
        } else {
            format!(" [{name}]")
        };
        past.push(if sections == 1 {
            format!("section {index}{name}")
        } else {
            format!("{sections} sections, the first section {index}{name}")
        });
    }
    let shown: Vec<&str> = past.iter().take(4).map(String::as_str).collect();
    let more = past.len().saturating_sub(shown.len());
    let mut p = Problem::at(
        "file.truncated",
        format!(
            "the file is truncated: it has {len} bytes, its headers describe {need}; \
             past the end: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            }
        ),
        Some(len),
    );
    p.severity = Severity::Error;
    Some(p)
}

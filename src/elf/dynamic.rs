//! The dynamic section (gABI "Dynamic Section"): every entry up to and including the first
//! DT_NULL, as the loader reads it from PT_DYNAMIC (or, with no PT_DYNAMIC, from the
//! SHT_DYNAMIC section), and a summary of what matters for loading.

use serde::{Deserialize, Serialize};

use object::elf::{
    DynamicTag, DF_1_NOW, DF_BIND_NOW, DF_TEXTREL, DT_BIND_NOW, DT_FLAGS, DT_FLAGS_1, DT_NEEDED,
    DT_RELACOUNT, DT_RELCOUNT, DT_RELR, DT_RPATH, DT_RUNPATH, DT_SONAME, DT_STRSZ, DT_STRTAB,
    DT_TEXTREL, PT_DYNAMIC, PT_GNU_RELRO, SHT_DYNAMIC,
};

use super::file::ElfFile;
use super::names;
use crate::error::Problem;
use crate::limits;

/// One dynamic entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DynamicEntry {
    /// Tag as readelf prints it inside parentheses (`NEEDED`, `FLAGS_1`, …).
    pub tag: String,
    /// Raw `d_tag`.
    pub tag_code: u64,
    /// Raw `d_val`/`d_ptr`.
    pub value: u64,
    /// The string a string-valued entry names (NEEDED, SONAME, RPATH, RUNPATH).
    pub text: Option<String>,
}

/// The dynamic section and what it says about loading.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DynamicSummary {
    /// A dynamic section exists.
    pub present: bool,
    /// File offset of the entries read.
    pub offset: Option<u64>,
    /// Every entry, up to and including the first DT_NULL.
    pub entries: Vec<DynamicEntry>,
    /// DT_NEEDED libraries, in order.
    pub needed: Vec<String>,
    /// DT_SONAME.
    pub soname: Option<String>,
    /// DT_RPATH.
    pub rpath: Option<String>,
    /// DT_RUNPATH.
    pub runpath: Option<String>,
    /// DT_FLAGS bit names.
    pub flags: Vec<String>,
    /// DT_FLAGS_1 bit names.
    pub flags_1: Vec<String>,
    /// Symbols are bound at load time: DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW.
    pub bind_now: bool,
    /// A PT_GNU_RELRO segment exists.
    pub relro: bool,
    /// DT_RELR (packed relative relocations) is present.
    pub relr: bool,
    /// DT_RELACOUNT / DT_RELCOUNT, when present: the loader's fast path for relative relocations.
    pub relative_count: Option<u64>,
    /// DT_TEXTREL or DF_TEXTREL: text relocations.
    pub textrel: bool,
}

impl DynamicSummary {
    /// The value of the first entry with this tag.
    pub fn get(&self, tag: DynamicTag) -> Option<u64> {
        let code = tag_code(tag);
        self.entries
            .iter()
            .find(|e| e.tag_code == code)
            .map(|e| e.value)
    }
}

/// `d_tag` as the raw number the report keeps.
pub(crate) fn tag_code(tag: DynamicTag) -> u64 {
    tag.0 as u64
}

pub(super) fn read(file: &ElfFile<'_>, problems: &mut Vec<Problem>) -> DynamicSummary {
    let word = u64::from(file.class().word_size());
    let relro = file.segment(PT_GNU_RELRO).is_some();
    let (offset, size) = match file.segment(PT_DYNAMIC) {
        Some(p) => (p.offset, p.filesz),
        None => match file.sections().iter().find(|s| s.sh_type == SHT_DYNAMIC) {
            Some(s) => (s.offset, s.size),
            None => {
                return DynamicSummary {
                    relro,
                    ..Default::default()
                }
            }
        },
    };
    let mut s = DynamicSummary {
        present: true,
        offset: Some(offset),
        relro,
        ..Default::default()
    };
    let count = (size / (2 * word)).min(limits::MAX_DYNAMIC as u64);
    let machine = file.header().e_machine.0;
    let entries = match file.dynamic_entries(offset, count) {
        Ok(e) => e,
        Err((e, i)) => {
            let at = offset.saturating_add(i * 2 * word);
            problems.push(Problem::at(
                "elf.dynamic.truncated",
                format!("dynamic entry {i} at offset {at:#x} runs past the end of the file"),
                Some(at),
            ));
            e
        }
    };
    s.entries = entries
        .into_iter()
        .map(|(tag, value)| DynamicEntry {
            tag: names::dynamic_tag(tag, machine),
            tag_code: tag,
            value,
            text: None,
        })
        .collect();
    // Strings: DT_STRTAB is an address; map it through PT_LOAD, bound by DT_STRSZ.
    let r = file.reader();
    let strtab = s.get(DT_STRTAB).and_then(|addr| {
        let off = file.vaddr_to_offset(addr)?;
        let len = s.get(DT_STRSZ).unwrap_or(0);
        r.sub("dynamic string table", off, len)
            .or_else(|_| r.tail("dynamic string table", off))
            .ok()
    });
    let string_tags = [DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH].map(tag_code);
    for e in s.entries.iter_mut() {
        if string_tags.contains(&e.tag_code) {
            e.text = strtab.and_then(|t| {
                t.cstr_at("dynamic string", e.value, limits::MAX_STRING)
                    .ok()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
            });
        }
    }
    let text_of = |tag: DynamicTag| {
        let code = tag_code(tag);
        s.entries
            .iter()
            .find(|e| e.tag_code == code)
            .and_then(|e| e.text.clone())
    };
    let needed = tag_code(DT_NEEDED);
    s.needed = s
        .entries
        .iter()
        .filter(|e| e.tag_code == needed)
        .map(|e| {
            e.text
                .clone()
                .unwrap_or_else(|| format!("<string at {:#x}>", e.value))
        })
        .collect();
    s.soname = text_of(DT_SONAME);
    s.rpath = text_of(DT_RPATH);
    s.runpath = text_of(DT_RUNPATH);
    let flags = object::elf::DynamicFlags(s.get(DT_FLAGS).unwrap_or(0));
    let flags_1 = object::elf::DynamicFlags1(s.get(DT_FLAGS_1).unwrap_or(0));
    s.flags = names::dt_flags(flags.0);
    s.flags_1 = names::dt_flags_1(flags_1.0);
    s.bind_now =
        s.get(DT_BIND_NOW).is_some() || flags.contains(DF_BIND_NOW) || flags_1.contains(DF_1_NOW);
    s.relr = s.get(DT_RELR).is_some();
    s.relative_count = s.get(DT_RELACOUNT).or_else(|| s.get(DT_RELCOUNT));
    s.textrel = s.get(DT_TEXTREL).is_some() || flags.contains(DF_TEXTREL);
    s
}

//! The dynamic section (gABI "Dynamic Section"): every entry up to and including the first
//! DT_NULL, as the loader reads it from PT_DYNAMIC (or, with no PT_DYNAMIC, from the
//! SHT_DYNAMIC section), and a summary of what matters for loading.

use serde::{Deserialize, Serialize};

use super::headers::Raw;
use super::names;
use crate::bytes::Reader;
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
    pub fn get(&self, tag: u64) -> Option<u64> {
        self.entries
            .iter()
            .find(|e| e.tag_code == tag)
            .map(|e| e.value)
    }
}

pub(super) fn read(raw: &Raw, r: Reader<'_>, problems: &mut Vec<Problem>) -> DynamicSummary {
    let word = u64::from(r.ptr_size());
    let (offset, size) = match raw.program_headers.iter().find(|p| p.r#type == "DYNAMIC") {
        Some(p) => (p.offset, p.filesz),
        None => match raw.sections.iter().find(|s| s.r#type == "DYNAMIC") {
            Some(s) => (s.offset, s.size),
            None => {
                return DynamicSummary {
                    relro: raw.program_headers.iter().any(|p| p.r#type == "GNU_RELRO"),
                    ..Default::default()
                }
            }
        },
    };
    let mut s = DynamicSummary {
        present: true,
        offset: Some(offset),
        relro: raw.program_headers.iter().any(|p| p.r#type == "GNU_RELRO"),
        ..Default::default()
    };
    let count = (size / (2 * word)).min(limits::MAX_DYNAMIC as u64);
    let machine = raw.header.machine_code;
    for i in 0..count {
        let at = offset.saturating_add(i * 2 * word);
        let (Ok(tag), Ok(value)) = (
            r.uptr_at("dynamic entry tag", at),
            r.uptr_at("dynamic entry value", at.saturating_add(word)),
        ) else {
            problems.push(Problem {
                code: "elf.dynamic.truncated".into(),
                message: format!(
                    "dynamic entry {i} at offset {at:#x} runs past the end of the file"
                ),
                offset: Some(at),
            });
            break;
        };
        s.entries.push(DynamicEntry {
            tag: names::dynamic_tag(tag, machine),
            tag_code: tag,
            value,
            text: None,
        });
        if tag == 0 {
            break;
        }
    }
    // Strings: DT_STRTAB is an address; map it through PT_LOAD, bound by DT_STRSZ.
    let strtab = s.get(5).and_then(|addr| {
        let off = super::vaddr_to_offset(&raw.program_headers, addr)?;
        let len = s.get(10).unwrap_or(0);
        r.sub("dynamic string table", off, len)
            .or_else(|_| r.tail("dynamic string table", off))
            .ok()
    });
    for e in s.entries.iter_mut() {
        if matches!(e.tag_code, 1 | 14 | 15 | 29) {
            e.text = strtab.and_then(|t| {
                t.cstr_at("dynamic string", e.value, limits::MAX_STRING)
                    .ok()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
            });
        }
    }
    let text_of = |tag: u64| {
        s.entries
            .iter()
            .find(|e| e.tag_code == tag)
            .and_then(|e| e.text.clone())
    };
    s.needed = s
        .entries
        .iter()
        .filter(|e| e.tag_code == 1)
        .map(|e| {
            e.text
                .clone()
                .unwrap_or_else(|| format!("<string at {:#x}>", e.value))
        })
        .collect();
    s.soname = text_of(14);
    s.rpath = text_of(15);
    s.runpath = text_of(29);
    let flags = s.get(30).unwrap_or(0);
    let flags_1 = s.get(0x6fff_fffb).unwrap_or(0);
    s.flags = names::dt_flags(flags);
    s.flags_1 = names::dt_flags_1(flags_1);
    s.bind_now = s.get(24).is_some() || flags & 0x8 != 0 || flags_1 & 0x1 != 0;
    s.relr = s.get(36).is_some();
    s.relative_count = s.get(0x6fff_fff9).or_else(|| s.get(0x6fff_fffa));
    s.textrel = s.get(22).is_some() || flags & 0x4 != 0;
    s
}

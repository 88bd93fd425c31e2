//! ELF notes (gABI "Note Section"): the GNU build id (`NT_GNU_BUILD_ID`, owner `GNU`), Go's
//! build id (`.note.go.buildid`, owner `Go`, `NT_GO_BUILD_ID`, written by
//! `cmd/link/internal/ld/elf.go`) and any other note in a PT_NOTE segment or SHT_NOTE
//! section.

use serde::{Deserialize, Serialize};

use object::elf::{PT_NOTE, SHT_NOTE};

use super::file::ElfFile;

/// One note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Owner name (`GNU`, `Go`, …).
    pub owner: String,
    /// `n_type`.
    #[serde(rename = "type")]
    pub r#type: u32,
    /// Descriptor bytes in hex.
    pub desc_hex: String,
    /// Descriptor as text (lossy), useful for Go's build id.
    pub desc_text: String,
    /// File offset of the note header.
    pub offset: u64,
}

const MAX_NOTES: usize = 256;

pub(super) fn read(file: &ElfFile<'_>) -> Vec<Note> {
    let r = file.reader();
    // Prefer sections (one per note kind); fall back to PT_NOTE segments.
    let mut ranges: Vec<(u64, u64, u64)> = file
        .sections()
        .iter()
        .filter(|s| s.sh_type == SHT_NOTE)
        .map(|s| (s.offset, s.size, s.align.max(4)))
        .collect();
    if ranges.is_empty() {
        ranges = file
            .segments_of(PT_NOTE)
            .map(|p| (p.offset, p.filesz, p.align.max(4)))
            .collect();
    }
    let mut out = Vec::new();
    for (off, size, align) in ranges {
        let align = if align == 8 { 8 } else { 4 };
        let Ok(area) = r.sub("note", off, size) else {
            continue;
        };
        let mut pos = 0u64;
        while pos + 12 <= area.len() as u64 && out.len() < MAX_NOTES {
            let (Ok(namesz), Ok(descsz), Ok(t)) = (
                area.u32_at("n_namesz", pos),
                area.u32_at("n_descsz", pos + 4),
                area.u32_at("n_type", pos + 8),
            ) else {
                break;
            };
            let name_at = pos + 12;
            let desc_at = name_at + round_up(u64::from(namesz), align);
            let Ok(name) = area.bytes_at("note name", name_at, u64::from(namesz)) else {
                break;
            };
            let Ok(desc) = area.bytes_at("note descriptor", desc_at, u64::from(descsz)) else {
                break;
            };
            let owner = name.split(|&b| b == 0).next().unwrap_or_default();
            out.push(Note {
                owner: String::from_utf8_lossy(owner).into_owned(),
                r#type: t,
                desc_hex: desc.iter().map(|b| format!("{b:02x}")).collect(),
                desc_text: String::from_utf8_lossy(desc).into_owned(),
                offset: off + pos,
            });
            let next = desc_at + round_up(u64::from(descsz), align);
            if next <= pos {
                break;
            }
            pos = next;
        }
    }
    out
}

fn round_up(v: u64, a: u64) -> u64 {
    v.saturating_add(a - 1) & !(a - 1)
}

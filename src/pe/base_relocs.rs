//! PE base relocations (`IMAGE_DIRECTORY_ENTRY_BASERELOC`, the `.reloc` section): blocks of
//! `ImageBaseRelocation` (page RVA, block size) followed by 16-bit entries (type in the top 4
//! bits, page offset in the low 12), read through `object::read::pe::RelocationBlockIterator`.
//! The loader applies them only when the image is not mapped at its preferred `ImageBase`
//! (always, with ASLR); `IMAGE_REL_BASED_ABSOLUTE` entries are padding. Microsoft, "PE
//! Format": "The .reloc Section (Image Only)"; see docs/FORMATS.md §9.3.

use std::collections::BTreeMap;

use object::pe;
use object::read::pe::{ImageNtHeaders, PeFile};
use serde::{Deserialize, Serialize};

use crate::error::Problem;
use crate::limits;

/// What the base relocation table holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BaseRelocations {
    /// The directory is present (non-zero RVA).
    pub present: bool,
    /// Blocks read.
    pub blocks: u64,
    /// Entries other than `IMAGE_REL_BASED_ABSOLUTE` padding: the writes the loader makes.
    pub entries: u64,
    /// `IMAGE_REL_BASED_ABSOLUTE` padding entries with a non-zero offset (zero entries are
    /// not counted).
    pub absolute: u64,
    /// Entries by type, ascending by type number (padding excluded).
    pub by_type: Vec<BaseRelocType>,
    /// Distinct 4 KiB pages the entries write (each becomes a private, dirty page).
    pub pages: u64,
}

/// Entries of one base relocation type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseRelocType {
    /// The type number (`IMAGE_REL_BASED_*`).
    pub r#type: u16,
    /// Its winnt.h name for this machine (`IMAGE_REL_BASED_DIR64`), or the number.
    pub name: String,
    /// Entries of this type.
    pub count: u64,
    /// Bytes each entry rewrites (8 for DIR64, 4 for HIGHLOW, 2 for HIGH/LOW, 0 unknown).
    pub width: u8,
}

/// Bytes one entry of `typ` writes (0 when goelf does not know the type).
fn width(typ: pe::BaseRelocationType) -> u8 {
    match typ {
        pe::IMAGE_REL_BASED_DIR64 => 8,
        pe::IMAGE_REL_BASED_HIGHLOW => 4,
        pe::IMAGE_REL_BASED_HIGH | pe::IMAGE_REL_BASED_LOW | pe::IMAGE_REL_BASED_HIGHADJ => 2,
        _ => 0,
    }
}

/// Read the base relocation table of `file`.
pub fn read<Pe: ImageNtHeaders>(
    file: &PeFile<'_, Pe>,
    problems: &mut Vec<Problem>,
) -> BaseRelocations {
    let mut out = BaseRelocations::default();
    let blocks = match file
        .data_directories()
        .relocation_blocks(file.data(), &file.section_table())
    {
        Ok(Some(b)) => b,
        Ok(None) => return out,
        Err(e) => {
            out.present = true;
            problems.push(Problem::new(
                "pe.reloc",
                format!("base relocation table: {e}"),
            ));
            return out;
        }
    };
    out.present = true;
    let machine = file
        .nt_headers()
        .file_header()
        .machine
        .get(object::LittleEndian);
    let mut counts: BTreeMap<u16, u64> = BTreeMap::new();
    let mut pages: std::collections::BTreeSet<u32> = Default::default();
    let mut blocks = blocks;
    loop {
        let block = match blocks.next() {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => {
                problems.push(Problem::new(
                    "pe.reloc",
                    format!("base relocation block {}: {e}", out.blocks),
                ));
                break;
            }
        };
        out.blocks += 1;
        for r in block {
            if out.entries + out.absolute >= limits::MAX_RELOCATIONS as u64 {
                break;
            }
            if r.typ == pe::IMAGE_REL_BASED_ABSOLUTE {
                out.absolute += 1;
                continue;
            }
            out.entries += 1;
            *counts.entry(r.typ.0).or_default() += 1;
            pages.insert(r.virtual_address >> 12);
            // An 8-byte write at page offset 0xffc also dirties the next page.
            let w = u32::from(width(r.typ));
            if w > 1 {
                pages.insert(r.virtual_address.wrapping_add(w - 1) >> 12);
            }
        }
    }
    let names = pe::machine_names(machine).rel_based;
    out.by_type = counts
        .into_iter()
        .map(|(t, count)| {
            let typ = pe::BaseRelocationType(t);
            BaseRelocType {
                r#type: t,
                name: names
                    .name(typ)
                    .map_or_else(|| t.to_string(), str::to_string),
                count,
                width: width(typ),
            }
        })
        .collect();
    out.pages = pages.len() as u64;
    out
}

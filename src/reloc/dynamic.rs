//! Dynamic relocation tables as the loader finds them: DT_RELA/DT_RELASZ/DT_RELAENT,
//! DT_REL/DT_RELSZ/DT_RELENT, DT_JMPREL/DT_PLTRELSZ/DT_PLTREL, and DT_RELR/DT_RELRSZ (packed
//! relative relocations, gABI 2022; glibc `elf/do-rel.h`, `elf/dynamic-link.h`). Go's internal
//! linker names its tables `.rela`/`.rela.plt` (`.rel`/`.rel.plt` on 32-bit), external linkers
//! `.rela.dyn`; both are found through the dynamic section, so names do not matter here.

use serde::{Deserialize, Serialize};

use crate::bytes::Reader;
use crate::elf::{DynamicSummary, ElfHeader, ElfReport, ProgramHeader};
use crate::error::Problem;
use crate::limits;

/// Which table a relocation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RelocTable {
    /// DT_RELA.
    Rela,
    /// DT_REL.
    Rel,
    /// DT_JMPREL (PLT), RELA or REL as DT_PLTREL says.
    Plt,
    /// DT_RELR.
    Relr,
}

/// One dynamic relocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynReloc {
    /// Address written (`r_offset`).
    pub offset: u64,
    /// Relocation type (`ELF64_R_TYPE`/`ELF32_R_TYPE`); RELR entries carry the machine's
    /// RELATIVE type.
    pub r_type: u32,
    /// Symbol index (0 = none).
    pub sym: u32,
    /// Explicit addend (RELA), `None` for REL and RELR (the addend is in the word written).
    pub addend: Option<i64>,
    /// Source table.
    pub table: RelocTable,
}

/// A relocation table located through the dynamic section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableInfo {
    /// Kind.
    pub kind: RelocTable,
    /// Address (`DT_RELA` …).
    pub vaddr: u64,
    /// File offset.
    pub offset: Option<u64>,
    /// Size in bytes (`DT_RELASZ` …).
    pub size: u64,
    /// Entry size.
    pub entsize: u64,
    /// Entries decoded (for RELR: relocations, not words).
    pub count: u64,
}

/// Every dynamic relocation of a file.
#[derive(Debug, Clone, Default)]
pub struct Relocations {
    /// Relocations, table by table in loader order (RELR, REL/RELA, then PLT).
    pub relocs: Vec<DynReloc>,
    /// The tables found.
    pub tables: Vec<TableInfo>,
}

struct Parts<'p> {
    header: &'p ElfHeader,
    phdrs: &'p [ProgramHeader],
}

/// The RELATIVE relocation type of a machine, if it has one.
pub fn relative_type(machine: u16) -> Option<u32> {
    Some(match machine {
        62 => 8,     // R_X86_64_RELATIVE
        3 => 8,      // R_386_RELATIVE
        183 => 1027, // R_AARCH64_RELATIVE
        40 => 23,    // R_ARM_RELATIVE
        8 => 3,      // R_MIPS_REL32 (used for relative relocations)
        22 => 12,    // R_390_RELATIVE
        21 => 22,    // R_PPC64_RELATIVE
        20 => 22,    // R_PPC_RELATIVE
        243 => 3,    // R_RISCV_RELATIVE
        258 => 3,    // R_LARCH_RELATIVE
        _ => return None,
    })
}

/// Read every dynamic relocation the dynamic section of a parsed ELF file names.
pub fn read(elf: &ElfReport, data: &[u8], problems: &mut Vec<Problem>) -> Relocations {
    read_parts(
        &elf.header,
        &elf.program_headers,
        &elf.dynamic,
        data,
        problems,
    )
}

/// [`read`] from the parts of an ELF report.
pub fn read_parts(
    header: &ElfHeader,
    phdrs: &[ProgramHeader],
    d: &DynamicSummary,
    data: &[u8],
    problems: &mut Vec<Problem>,
) -> Relocations {
    let word: u64 = if header.class == "ELF64" { 8 } else { 4 };
    let r = Reader::new(data, 0, header.endian, word as u8);
    let parts = Parts { header, phdrs };
    let mut out = Relocations::default();
    if !d.present {
        return out;
    }
    let machine = header.machine_code;
    let rel_type = relative_type(machine).unwrap_or(0);
    // DT_PLTREL says whether the PLT relocations are REL (17) or RELA (7). When it is missing,
    // assume the form of the main table (DT_RELA present: RELA), else the class's usual form
    // (RELA on 64-bit, REL on 32-bit), as the psABIs do.
    let default_pltrel = if d.get(7).is_some() || (word == 8 && d.get(17).is_none()) {
        7
    } else {
        17
    };
    let plt = match (d.get(23), d.get(2)) {
        (Some(a), Some(sz)) => Some((a, sz, d.get(20).unwrap_or(default_pltrel) == 7)),
        _ => None,
    };
    // RELR runs first in glibc (ELF_DYNAMIC_DO_RELR before DO_REL/DO_RELA).
    if let (Some(addr), Some(size)) = (d.get(36), d.get(35)) {
        let entsize = d.get(37).unwrap_or(word);
        read_relr(
            &mut out, &parts, &r, addr, size, word, rel_type, entsize, problems,
        );
    }
    for (tag, sz_tag, ent_tag, rela, kind) in [
        (17u64, 18u64, 19u64, false, RelocTable::Rel),
        (7, 8, 9, true, RelocTable::Rela),
    ] {
        let (Some(addr), Some(mut size)) = (d.get(tag), d.get(sz_tag)) else {
            continue;
        };
        // Some linkers count the PLT relocations inside DT_RELASZ as well; the loader then
        // skips them in this pass (glibc elf/dynamic-link.h `ELF_DYNAMIC_DO_RELA`), so do we.
        if let Some((pa, psz, prela)) = plt {
            if prela == rela && pa >= addr && pa.saturating_add(psz) == addr.saturating_add(size) {
                size -= psz;
            }
        }
        let entsize = d
            .get(ent_tag)
            .unwrap_or(if rela { 3 * word } else { 2 * word });
        read_table(
            &mut out, &parts, &r, kind, addr, size, entsize, rela, word, problems,
        );
    }
    if let Some((addr, size, rela)) = plt {
        let entsize = if rela { 3 * word } else { 2 * word };
        read_table(
            &mut out,
            &parts,
            &r,
            RelocTable::Plt,
            addr,
            size,
            entsize,
            rela,
            word,
            problems,
        );
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn read_table(
    out: &mut Relocations,
    elf: &Parts<'_>,
    r: &Reader<'_>,
    kind: RelocTable,
    addr: u64,
    size: u64,
    entsize: u64,
    rela: bool,
    word: u64,
    problems: &mut Vec<Problem>,
) {
    let offset = crate::elf::vaddr_to_offset(elf.phdrs, addr);
    let min_ent = if rela { 3 * word } else { 2 * word };
    let mut info = TableInfo {
        kind,
        vaddr: addr,
        offset,
        size,
        entsize,
        count: 0,
    };
    let Some(off) = offset else {
        if size > 0 {
            problems.push(Problem::new(
                "reloc.unmapped",
                format!("{kind:?} table at {addr:#x} is not in any PT_LOAD segment"),
            ));
        }
        out.tables.push(info);
        return;
    };
    if entsize < min_ent {
        problems.push(Problem::new(
            "reloc.entsize",
            format!("{kind:?} table entry size {entsize} is below {min_ent}"),
        ));
        out.tables.push(info);
        return;
    }
    let n = (size / entsize).min(limits::MAX_RELOCATIONS as u64);
    let Ok(table) = r.sub("relocation table", off, n * entsize) else {
        problems.push(Problem {
            code: "reloc.truncated".into(),
            message: format!(
                "{kind:?} table at offset {off:#x} ({size} bytes) runs past the end of the file"
            ),
            offset: Some(off),
        });
        out.tables.push(info);
        return;
    };
    let mips64el = elf.header.machine_code == 8
        && word == 8
        && elf.header.endian == crate::bytes::Endian::Little;
    out.relocs.reserve(n as usize);
    for i in 0..n {
        let at = i * entsize;
        let (Ok(r_offset), Ok(r_info)) = (
            table.uptr_at("r_offset", at),
            table.uptr_at("r_info", at + word),
        ) else {
            break;
        };
        let (sym, r_type) = if word == 8 {
            if mips64el {
                // MIPS64 little-endian stores r_info as sym(32) + ssym + type3 + type2 + type.
                let swapped = (r_info << 32)
                    | ((r_info >> 56) & 0xff)
                    | ((r_info >> 40) & 0xff00)
                    | ((r_info >> 24) & 0xff_0000)
                    | ((r_info >> 8) & 0xff00_0000);
                ((swapped >> 32) as u32, (swapped & 0xff) as u32)
            } else {
                ((r_info >> 32) as u32, (r_info & 0xffff_ffff) as u32)
            }
        } else {
            ((r_info >> 8) as u32, (r_info & 0xff) as u32)
        };
        let addend = if rela {
            table.uptr_at("r_addend", at + 2 * word).ok().map(|a| {
                if word == 8 {
                    a as i64
                } else {
                    i64::from(a as u32 as i32)
                }
            })
        } else {
            None
        };
        out.relocs.push(DynReloc {
            offset: r_offset,
            r_type,
            sym,
            addend,
            table: kind,
        });
        info.count += 1;
    }
    out.tables.push(info);
}

#[allow(clippy::too_many_arguments)]
fn read_relr(
    out: &mut Relocations,
    elf: &Parts<'_>,
    r: &Reader<'_>,
    addr: u64,
    size: u64,
    word: u64,
    rel_type: u32,
    entsize: u64,
    problems: &mut Vec<Problem>,
) {
    let offset = crate::elf::vaddr_to_offset(elf.phdrs, addr);
    let mut info = TableInfo {
        kind: RelocTable::Relr,
        vaddr: addr,
        offset,
        size,
        entsize,
        count: 0,
    };
    let table = offset.and_then(|off| r.sub("RELR table", off, size).ok());
    let Some(table) = table else {
        problems.push(Problem::new(
            "reloc.relr",
            format!("DT_RELR table at {addr:#x} ({size} bytes) is not in the file"),
        ));
        out.tables.push(info);
        return;
    };
    let bits = word * 8 - 1;
    // Each relocation writes a distinct word of the image, so a table that expands to more
    // relocations than the file has words is hostile: stop there instead of allocating.
    let cap = (r.len() as u64 / word)
        .max(1 << 16)
        .min(limits::MAX_RELOCATIONS as u64) as usize;
    let mut base: u64 = 0;
    let mut have_base = false;
    for i in 0..size / word {
        let Ok(entry) = table.uptr_at("RELR entry", i * word) else {
            break;
        };
        if out.relocs.len() >= cap {
            problems.push(Problem::new(
                "reloc.relr.too_many",
                format!("DT_RELR table expands to more than {cap} relocations; stopped there"),
            ));
            break;
        }
        if entry & 1 == 0 {
            out.relocs.push(DynReloc {
                offset: entry,
                r_type: rel_type,
                sym: 0,
                addend: None,
                table: RelocTable::Relr,
            });
            info.count += 1;
            base = entry.wrapping_add(word);
            have_base = true;
        } else {
            if !have_base {
                problems.push(Problem::new(
                    "reloc.relr.bitmap",
                    "DT_RELR bitmap before any address entry",
                ));
                break;
            }
            let mut bitmap = entry >> 1;
            let mut j = 0u64;
            while bitmap != 0 {
                if bitmap & 1 != 0 && out.relocs.len() < cap {
                    out.relocs.push(DynReloc {
                        offset: base.wrapping_add(j * word),
                        r_type: rel_type,
                        sym: 0,
                        addend: None,
                        table: RelocTable::Relr,
                    });
                    info.count += 1;
                }
                bitmap >>= 1;
                j += 1;
            }
            base = base.wrapping_add(bits * word);
        }
    }
    out.tables.push(info);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::Endian;
    use crate::elf::DynamicEntry;

    fn header(class: &str, machine: u16) -> ElfHeader {
        ElfHeader {
            class: class.into(),
            endian: Endian::Little,
            osabi: 0,
            abi_version: 0,
            r#type: "DYN".into(),
            type_code: 3,
            machine: String::new(),
            machine_code: machine,
            version: 1,
            entry: 0,
            phoff: 0,
            shoff: 0,
            flags: 0,
            ehsize: 0,
            phentsize: 0,
            phnum: 1,
            shentsize: 0,
            shnum: 0,
            shstrndx: 0,
        }
    }

    fn load(len: u64) -> Vec<ProgramHeader> {
        vec![ProgramHeader {
            index: 0,
            r#type: "LOAD".into(),
            type_code: 1,
            offset: 0,
            vaddr: 0,
            paddr: 0,
            filesz: len,
            memsz: len,
            flags: "RW ".into(),
            flags_code: 6,
            align: 0x1000,
            sections: Vec::new(),
        }]
    }

    fn dynamic(tags: &[(u64, u64)]) -> DynamicSummary {
        DynamicSummary {
            present: true,
            entries: tags
                .iter()
                .map(|&(tag, value)| DynamicEntry {
                    tag: String::new(),
                    tag_code: tag,
                    value,
                    text: None,
                })
                .collect(),
            ..Default::default()
        }
    }

    fn words64(ws: &[u64]) -> Vec<u8> {
        ws.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    #[test]
    fn relr_address_and_bitmaps() {
        // Address 0x1000; bitmap 0b101 (next words +0 and +2); then a bitmap for the
        // following 63 words with only bit 0 set.
        let data = words64(&[0x1000, (0b101 << 1) | 1, (1 << 1) | 1]);
        let mut problems = Vec::new();
        let r = read_parts(
            &header("ELF64", 62),
            &load(data.len() as u64),
            &dynamic(&[(36, 0), (35, 24), (37, 8)]),
            &data,
            &mut problems,
        );
        let offs: Vec<u64> = r.relocs.iter().map(|x| x.offset).collect();
        assert_eq!(offs, [0x1000, 0x1008, 0x1018, 0x1008 + 63 * 8]);
        assert!(r.relocs.iter().all(|x| x.r_type == 8 && x.sym == 0));
        assert!(problems.is_empty());
    }

    #[test]
    fn relr_bitmap_first_and_truncated_are_problems() {
        let data = words64(&[3]);
        let mut problems = Vec::new();
        let r = read_parts(
            &header("ELF64", 62),
            &load(8),
            &dynamic(&[(36, 0), (35, 8)]),
            &data,
            &mut problems,
        );
        assert!(r.relocs.is_empty());
        assert_eq!(problems[0].code, "reloc.relr.bitmap");
        let mut problems = Vec::new();
        let r = read_parts(
            &header("ELF64", 62),
            &load(8),
            &dynamic(&[(36, 0), (35, 1 << 40)]),
            &data,
            &mut problems,
        );
        assert!(r.relocs.is_empty());
        assert_eq!(problems[0].code, "reloc.relr");
    }

    #[test]
    fn rel32_and_pltrel_default() {
        // Two REL entries: R_386_RELATIVE, and R_386_JUMP_SLOT against symbol 5 in the PLT
        // table, with no DT_PLTREL: a 32-bit file without DT_RELA means REL.
        let mut data = Vec::new();
        for (off, info) in [(0x2000u32, 8u32), (0x3000, (5 << 8) | 7)] {
            data.extend(off.to_le_bytes());
            data.extend(info.to_le_bytes());
        }
        let mut problems = Vec::new();
        let r = read_parts(
            &header("ELF32", 3),
            &load(data.len() as u64),
            &dynamic(&[(17, 0), (18, 8), (19, 8), (23, 8), (2, 8)]),
            &data,
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(r.relocs.len(), 2);
        assert_eq!((r.relocs[0].r_type, r.relocs[0].sym), (8, 0));
        assert_eq!(r.relocs[0].table, RelocTable::Rel);
        assert_eq!((r.relocs[1].r_type, r.relocs[1].sym), (7, 5));
        assert_eq!(r.relocs[1].table, RelocTable::Plt);
        assert_eq!(r.relocs[1].addend, None);
    }

    #[test]
    fn table_past_end_is_a_problem() {
        let mut problems = Vec::new();
        let r = read_parts(
            &header("ELF64", 62),
            &load(1 << 20),
            &dynamic(&[(7, 0), (8, 24 * 1000), (9, 24)]),
            &[0u8; 48],
            &mut problems,
        );
        assert!(r.relocs.is_empty());
        assert_eq!(problems[0].code, "reloc.truncated");
    }
}

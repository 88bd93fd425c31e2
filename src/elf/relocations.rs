//! Dynamic relocations, decoded once per file, for `.init_array` resolution and the
//! `reloc-cost` model alike. The tables are found as the loader finds them: DT_RELA/DT_RELASZ/DT_RELAENT,
//! DT_REL/DT_RELSZ/DT_RELENT, DT_JMPREL/DT_PLTRELSZ/DT_PLTREL, and DT_RELR/DT_RELRSZ (packed
//! relative relocations, gABI 2022; glibc `elf/do-rel.h`, `elf/dynamic-link.h`). Go's internal
//! linker names its tables `.rela`/`.rela.plt` (`.rel`/`.rel.plt` on 32-bit), external linkers
//! `.rela.dyn`; both are found through the dynamic section, so names do not matter here.

use std::collections::BTreeMap;

use object::elf::{
    DT_JMPREL, DT_PLTREL, DT_PLTRELSZ, DT_REL, DT_RELA, DT_RELAENT, DT_RELASZ, DT_RELENT, DT_RELR,
    DT_RELRENT, DT_RELRSZ, DT_RELSZ, EM_MIPS,
};
use serde::{Deserialize, Serialize};

use super::dynamic::{tag_code, DynamicSummary};
use super::file::{Class, ElfFile};
use crate::bytes::{Endian, Reader};
use crate::error::Problem;
use crate::limits;

/// Which table a relocation came from (spelled `rela`, `rel`, `plt`, `relr` in JSON).
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

impl RelocTable {
    /// The name as in JSON: `rela`, `rel`, `plt`, `relr`.
    pub fn name(self) -> &'static str {
        match self {
            RelocTable::Rela => "rela",
            RelocTable::Rel => "rel",
            RelocTable::Plt => "plt",
            RelocTable::Relr => "relr",
        }
    }
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
    /// Relocations, table by table in loader order (RELR, REL/RELA, then PLT); empty when
    /// read by [`read_type_counts`].
    pub relocs: Vec<DynReloc>,
    /// The tables found.
    pub tables: Vec<TableInfo>,
    /// Relocations per type, when read by [`read_type_counts`] (empty otherwise).
    pub type_counts: BTreeMap<u32, u64>,
    /// Count the types instead of keeping the relocations.
    counts_only: bool,
    /// The counts while reading (a file has a handful of types; runs of one type are usual).
    counting: Vec<(u32, u64)>,
    /// Relocations seen (kept or counted).
    seen: usize,
}

impl Relocations {
    fn add(&mut self, r: DynReloc) {
        self.seen += 1;
        if self.counts_only {
            if let Some(c) = self.counting.iter_mut().rev().find(|c| c.0 == r.r_type) {
                c.1 += 1;
            } else {
                self.counting.push((r.r_type, 1));
            }
        } else {
            self.relocs.push(r);
        }
    }
}

/// What the tables are read against: the file, its word size and its machine.
struct Parts<'p, 'a> {
    file: &'p ElfFile<'a>,
    mips64el: bool,
}

/// The RELATIVE relocation type of a machine, if it has one.
pub fn relative_type(machine: object::elf::Machine) -> Option<u32> {
    use object::elf::*;
    let t = match machine {
        EM_X86_64 => R_X86_64_RELATIVE,
        EM_386 => R_386_RELATIVE,
        EM_AARCH64 => R_AARCH64_RELATIVE,
        EM_ARM => R_ARM_RELATIVE,
        // R_MIPS_REL32 is what MIPS uses for relative relocations.
        EM_MIPS => R_MIPS_REL32,
        EM_S390 => R_390_RELATIVE,
        EM_PPC64 => R_PPC64_RELATIVE,
        EM_PPC => R_PPC_RELATIVE,
        EM_RISCV => R_RISCV_RELATIVE,
        EM_LOONGARCH => R_LARCH_RELATIVE,
        _ => return None,
    };
    Some(t.0)
}

/// The IRELATIVE relocation type of a machine, if it has one: the loader calls a resolver
/// function of the object itself to compute the value (GNU IFUNC).
pub fn irelative_type(machine: object::elf::Machine) -> Option<u32> {
    use object::elf::*;
    let t = match machine {
        EM_X86_64 => R_X86_64_IRELATIVE,
        EM_386 => R_386_IRELATIVE,
        EM_AARCH64 => R_AARCH64_IRELATIVE,
        EM_ARM => R_ARM_IRELATIVE,
        EM_S390 => R_390_IRELATIVE,
        EM_PPC64 => R_PPC64_IRELATIVE,
        EM_PPC => R_PPC_IRELATIVE,
        EM_RISCV => R_RISCV_IRELATIVE,
        EM_LOONGARCH => R_LARCH_IRELATIVE,
        _ => return None,
    };
    Some(t.0)
}

/// Read every dynamic relocation the dynamic section of a parsed ELF file names; damage is
/// appended to `problems`.
pub fn read(file: &ElfFile<'_>, d: &DynamicSummary, problems: &mut Vec<Problem>) -> Relocations {
    read_into(file, d, problems, Relocations::default())
}

/// [`read`] that keeps only the number of relocations of each type (`type_counts`) and the
/// tables: what `goelf diff` compares, without a list of every relocation.
pub fn read_type_counts(
    file: &ElfFile<'_>,
    d: &DynamicSummary,
    problems: &mut Vec<Problem>,
) -> Relocations {
    let out = Relocations {
        counts_only: true,
        ..Relocations::default()
    };
    let mut out = read_into(file, d, problems, out);
    out.type_counts = std::mem::take(&mut out.counting).into_iter().collect();
    out
}

fn read_into(
    file: &ElfFile<'_>,
    d: &DynamicSummary,
    problems: &mut Vec<Problem>,
    mut out: Relocations,
) -> Relocations {
    let word = u64::from(file.class().word_size());
    let r = file.reader();
    let machine = file.header().e_machine;
    let parts = Parts {
        file,
        mips64el: machine == EM_MIPS
            && file.class() == Class::Elf64
            && file.endian() == Endian::Little,
    };
    if !d.present {
        return out;
    }
    let rel_type = relative_type(machine).unwrap_or(0);
    // DT_PLTREL says whether the PLT relocations are REL or RELA (its value is DT_REL or
    // DT_RELA). When it is missing, assume the form of the main table (DT_RELA present:
    // RELA), else the class's usual form (RELA on 64-bit, REL on 32-bit), as the psABIs do.
    let default_pltrel = if d.get(DT_RELA).is_some() || (word == 8 && d.get(DT_REL).is_none()) {
        tag_code(DT_RELA)
    } else {
        tag_code(DT_REL)
    };
    let plt = match (d.get(DT_JMPREL), d.get(DT_PLTRELSZ)) {
        (Some(a), Some(sz)) => Some((
            a,
            sz,
            d.get(DT_PLTREL).unwrap_or(default_pltrel) == tag_code(DT_RELA),
        )),
        _ => None,
    };
    // RELR runs first in glibc (ELF_DYNAMIC_DO_RELR before DO_REL/DO_RELA).
    if let (Some(addr), Some(size)) = (d.get(DT_RELR), d.get(DT_RELRSZ)) {
        let entsize = d.get(DT_RELRENT).unwrap_or(word);
        read_relr(
            &mut out, &parts, &r, addr, size, word, rel_type, entsize, problems,
        );
    }
    for (tag, sz_tag, ent_tag, rela, kind) in [
        (DT_REL, DT_RELSZ, DT_RELENT, false, RelocTable::Rel),
        (DT_RELA, DT_RELASZ, DT_RELAENT, true, RelocTable::Rela),
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
    elf: &Parts<'_, '_>,
    r: &Reader<'_>,
    kind: RelocTable,
    addr: u64,
    size: u64,
    entsize: u64,
    rela: bool,
    word: u64,
    problems: &mut Vec<Problem>,
) {
    let offset = elf.file.vaddr_to_offset(addr);
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
        problems.push(Problem::at(
            "reloc.truncated",
            format!(
                "{kind:?} table at offset {off:#x} ({size} bytes) runs past the end of the file"
            ),
            Some(off),
        ));
        out.tables.push(info);
        return;
    };
    let mips64el = elf.mips64el;
    if !out.counts_only {
        out.relocs.reserve(n as usize);
    }
    let little = table.endian() == Endian::Little;
    let w = word as usize;
    // One entry's pointer-sized field at `at` (bounds-checked: a short entry ends the walk).
    let field = |e: &[u8], at: usize| -> Option<u64> {
        let b = e.get(at..at.checked_add(w)?)?;
        if w == 8 {
            let a: [u8; 8] = b.try_into().ok()?;
            Some(if little {
                u64::from_le_bytes(a)
            } else {
                u64::from_be_bytes(a)
            })
        } else {
            let a: [u8; 4] = b.try_into().ok()?;
            Some(u64::from(if little {
                u32::from_le_bytes(a)
            } else {
                u32::from_be_bytes(a)
            }))
        }
    };
    let Ok(step) = usize::try_from(entsize) else {
        out.tables.push(info);
        return;
    };
    for e in table.data().chunks(step).take(n as usize) {
        let (Some(r_offset), Some(r_info)) = (field(e, 0), field(e, w)) else {
            break;
        };
        let (sym, r_type) = split_r_info(r_info, word == 8, mips64el);
        let addend = if rela {
            field(e, 2 * w).map(|a| {
                if word == 8 {
                    a as i64
                } else {
                    i64::from(a as u32 as i32)
                }
            })
        } else {
            None
        };
        out.add(DynReloc {
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

/// `r_info` split into (symbol index, type): gABI `ELF64_R_SYM`/`ELF64_R_TYPE` (32/32 bits)
/// and `ELF32_R_SYM`/`ELF32_R_TYPE` (24/8 bits). MIPS64 little-endian stores `r_info` as
/// sym (32 bits, little-endian) then ssym, type3, type2, type (one byte each), so the word
/// read little-endian is rearranged first (as object's `Rela64::get_r_info` does; object
/// does not do it for `Rel64`, and MIPS64 dynamic relocations are REL).
fn split_r_info(r_info: u64, elf64: bool, mips64el: bool) -> (u32, u32) {
    if !elf64 {
        return ((r_info >> 8) as u32, (r_info & 0xff) as u32);
    }
    let info = if mips64el {
        (r_info << 32)
            | ((r_info >> 56) & 0xff)
            | ((r_info >> 40) & 0xff00)
            | ((r_info >> 24) & 0xff_0000)
            | ((r_info >> 8) & 0xff00_0000)
    } else {
        r_info
    };
    // MIPS: only the first of the three types is the relocation the loader applies.
    let r_type = if mips64el {
        info & 0xff
    } else {
        info & 0xffff_ffff
    };
    ((info >> 32) as u32, r_type as u32)
}

#[allow(clippy::too_many_arguments)]
fn read_relr(
    out: &mut Relocations,
    elf: &Parts<'_, '_>,
    r: &Reader<'_>,
    addr: u64,
    size: u64,
    word: u64,
    rel_type: u32,
    entsize: u64,
    problems: &mut Vec<Problem>,
) {
    let offset = elf.file.vaddr_to_offset(addr);
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
        if out.seen >= cap {
            problems.push(Problem::new(
                "reloc.relr.too_many",
                format!("DT_RELR table expands to more than {cap} relocations; stopped there"),
            ));
            break;
        }
        if entry & 1 == 0 {
            out.add(DynReloc {
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
                if bitmap & 1 != 0 && out.seen < cap {
                    out.add(DynReloc {
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
    use crate::elf::DynamicEntry;

    /// A little-endian ET_DYN file of `machine`: the file header, one PT_LOAD mapping the file
    /// at address 0 (`p_filesz` = `filesz` or the file's size), then `payload`. Returns the
    /// bytes and the payload's offset (= address).
    fn elf(elf64: bool, machine: u16, payload: &[u8], filesz: Option<u64>) -> (Vec<u8>, u64) {
        let (eh, ph) = if elf64 { (64u64, 56u64) } else { (52, 32) };
        let start = eh + ph;
        let len = start + payload.len() as u64;
        let filesz = filesz.unwrap_or(len);
        let mut d = vec![0u8; start as usize];
        d[..4].copy_from_slice(b"\x7fELF");
        d[4] = if elf64 { 2 } else { 1 };
        d[5] = 1;
        d[6] = 1;
        let put16 =
            |d: &mut Vec<u8>, at: usize, v: u16| d[at..at + 2].copy_from_slice(&v.to_le_bytes());
        let put32 =
            |d: &mut Vec<u8>, at: usize, v: u32| d[at..at + 4].copy_from_slice(&v.to_le_bytes());
        let put64 =
            |d: &mut Vec<u8>, at: usize, v: u64| d[at..at + 8].copy_from_slice(&v.to_le_bytes());
        put16(&mut d, 16, 3);
        put16(&mut d, 18, machine);
        put32(&mut d, 20, 1);
        if elf64 {
            put64(&mut d, 32, eh);
            put16(&mut d, 52, 64);
            put16(&mut d, 54, 56);
            put16(&mut d, 56, 1);
            put16(&mut d, 58, 64);
            let p = eh as usize;
            put32(&mut d, p, 1);
            put32(&mut d, p + 4, 6);
            put64(&mut d, p + 32, filesz);
            put64(&mut d, p + 40, filesz);
            put64(&mut d, p + 48, 0x1000);
        } else {
            put32(&mut d, 28, eh as u32);
            put16(&mut d, 40, 52);
            put16(&mut d, 42, 32);
            put16(&mut d, 44, 1);
            put16(&mut d, 46, 40);
            let p = eh as usize;
            put32(&mut d, p, 1);
            put32(&mut d, p + 16, filesz as u32);
            put32(&mut d, p + 20, filesz as u32);
            put32(&mut d, p + 24, 6);
            put32(&mut d, p + 28, 0x1000);
        }
        d.extend_from_slice(payload);
        (d, start)
    }

    fn dynamic(tags: &[(object::elf::DynamicTag, u64)]) -> DynamicSummary {
        DynamicSummary {
            present: true,
            entries: tags
                .iter()
                .map(|&(tag, value)| DynamicEntry {
                    tag: String::new(),
                    tag_code: tag_code(tag),
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

    fn read_with(data: &[u8], d: &DynamicSummary) -> (Relocations, Vec<Problem>) {
        let file = ElfFile::parse(data).expect("test ELF");
        assert!(file.problems().is_empty(), "{:?}", file.problems());
        let mut problems = Vec::new();
        let r = read(&file, d, &mut problems);
        (r, problems)
    }

    #[test]
    fn relr_address_and_bitmaps() {
        // Address 0x1000; bitmap 0b101 (next words +0 and +2); then a bitmap for the
        // following 63 words with only bit 0 set.
        let payload = words64(&[0x1000, (0b101 << 1) | 1, (1 << 1) | 1]);
        let (data, at) = elf(true, 62, &payload, None);
        let (r, problems) = read_with(
            &data,
            &dynamic(&[(DT_RELR, at), (DT_RELRSZ, 24), (DT_RELRENT, 8)]),
        );
        let offs: Vec<u64> = r.relocs.iter().map(|x| x.offset).collect();
        assert_eq!(offs, [0x1000, 0x1008, 0x1018, 0x1008 + 63 * 8]);
        let relative = object::elf::R_X86_64_RELATIVE.0;
        assert!(r.relocs.iter().all(|x| x.r_type == relative && x.sym == 0));
        assert!(problems.is_empty());
    }

    #[test]
    fn relr_bitmap_first_and_truncated_are_problems() {
        let (data, at) = elf(true, 62, &words64(&[3]), None);
        let (r, problems) = read_with(&data, &dynamic(&[(DT_RELR, at), (DT_RELRSZ, 8)]));
        assert!(r.relocs.is_empty());
        assert_eq!(problems[0].code, "reloc.relr.bitmap");
        let (r, problems) = read_with(&data, &dynamic(&[(DT_RELR, at), (DT_RELRSZ, 1 << 40)]));
        assert!(r.relocs.is_empty());
        assert_eq!(problems[0].code, "reloc.relr");
    }

    #[test]
    fn rel32_and_pltrel_default() {
        // Two REL entries: R_386_RELATIVE, and R_386_JUMP_SLOT against symbol 5 in the PLT
        // table, with no DT_PLTREL: a 32-bit file without DT_RELA means REL.
        let mut payload = Vec::new();
        for (off, info) in [(0x2000u32, 8u32), (0x3000, (5 << 8) | 7)] {
            payload.extend(off.to_le_bytes());
            payload.extend(info.to_le_bytes());
        }
        let (data, at) = elf(false, 3, &payload, None);
        let (r, problems) = read_with(
            &data,
            &dynamic(&[
                (DT_REL, at),
                (DT_RELSZ, 8),
                (DT_RELENT, 8),
                (DT_JMPREL, at + 8),
                (DT_PLTRELSZ, 8),
            ]),
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
        let (data, at) = elf(true, 62, &[0u8; 48], Some(1 << 20));
        let (r, problems) = read_with(
            &data,
            &dynamic(&[(DT_RELA, at), (DT_RELASZ, 24 * 1000), (DT_RELAENT, 24)]),
        );
        assert!(r.relocs.is_empty());
        assert_eq!(problems[0].code, "reloc.truncated");
    }

    #[test]
    fn r_info_split() {
        assert_eq!(split_r_info((5 << 32) | 7, true, false), (5, 7));
        assert_eq!(split_r_info((5 << 8) | 7, false, false), (5, 7));
        // MIPS64el: sym 5 in the low 32 bits, type 3 (R_MIPS_REL32) in the top byte.
        assert_eq!(split_r_info(5 | (3 << 56), true, true), (5, 3));
    }
}

//! ELF constructors and destructors (gABI "Initialization and Termination Functions"):
//! DT_PREINIT_ARRAY, DT_INIT, DT_INIT_ARRAY, DT_FINI_ARRAY, DT_FINI, located through the
//! dynamic section (what the loader uses) or, without one, through the sections of the same
//! names. Each entry's target is the word in the file or, when a dynamic relocation writes
//! that slot, the value the relocation produces (RELA addend; REL/RELR use the word). The
//! relocations come from [`super::relocations`], decoded once per file.

use std::collections::BTreeMap;

use object::elf::{
    DynamicTag, DT_FINI, DT_FINI_ARRAY, DT_FINI_ARRAYSZ, DT_INIT, DT_INIT_ARRAY, DT_INIT_ARRAYSZ,
    DT_PREINIT_ARRAY, DT_PREINIT_ARRAYSZ,
};
use serde::{Deserialize, Serialize};

use super::dynamic::DynamicSummary;
use super::file::ElfFile;
use super::relocations::Relocations;
use crate::error::Problem;
use crate::image::{Image, Symbol, SymbolKind};
use crate::limits;

/// Which constructor or destructor list an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitKind {
    /// DT_PREINIT_ARRAY / `.preinit_array`.
    PreinitArray,
    /// DT_INIT.
    Init,
    /// DT_INIT_ARRAY / `.init_array`.
    InitArray,
    /// DT_FINI_ARRAY / `.fini_array`.
    FiniArray,
    /// DT_FINI.
    Fini,
}

impl InitKind {
    /// The name as in JSON (`preinit_array`, `init`, …).
    pub fn name(self) -> &'static str {
        match self {
            InitKind::PreinitArray => "preinit_array",
            InitKind::Init => "init",
            InitKind::InitArray => "init_array",
            InitKind::FiniArray => "fini_array",
            InitKind::Fini => "fini",
        }
    }
}

impl std::fmt::Display for InitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One constructor or destructor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitEntry {
    /// `preinit_array`, `init`, `init_array`, `fini_array` or `fini`.
    pub kind: InitKind,
    /// Address of the slot (for `init`/`fini`: the function itself).
    pub address: u64,
    /// Address of the function that runs.
    pub target: u64,
    /// Symbol at the target (`name` or `name+0xoff`), from `.symtab` or `.dynsym`.
    pub symbol: Option<String>,
}

/// Where a list lives: an array (address and size) or a single function (DT_INIT/DT_FINI).
enum Place {
    Array(Option<(u64, u64)>),
    Function(DynamicTag),
}

/// The entries in execution order. `relocs` are the file's dynamic relocations when a
/// relocation may write the slots (ET_DYN), `None` otherwise.
pub(super) fn read(
    file: &ElfFile<'_>,
    dynamic: &DynamicSummary,
    relocs: Option<&Relocations>,
    image: Option<&Image<'_>>,
    problems: &mut Vec<Problem>,
) -> Vec<InitEntry> {
    let r = file.reader();
    let word = u64::from(r.ptr_size());
    let section = |name: &str| file.section(name).map(|s| (s.address, s.size));
    let from_dyn = |a, sz| match (dynamic.get(a), dynamic.get(sz)) {
        (Some(addr), Some(size)) => Some((addr, size)),
        _ => None,
    };
    let pick = |a, sz, name| {
        if dynamic.present {
            from_dyn(a, sz)
        } else {
            section(name)
        }
    };
    // In execution order.
    let lists = [
        (
            InitKind::PreinitArray,
            Place::Array(pick(DT_PREINIT_ARRAY, DT_PREINIT_ARRAYSZ, ".preinit_array")),
        ),
        (InitKind::Init, Place::Function(DT_INIT)),
        (
            InitKind::InitArray,
            Place::Array(pick(DT_INIT_ARRAY, DT_INIT_ARRAYSZ, ".init_array")),
        ),
        (
            InitKind::FiniArray,
            Place::Array(pick(DT_FINI_ARRAY, DT_FINI_ARRAYSZ, ".fini_array")),
        ),
        (InitKind::Fini, Place::Function(DT_FINI)),
    ];
    // The first relocation of each slot (a lookup per slot; the arrays and the relocations
    // can each be as long as the file allows).
    let mut reloc_at = BTreeMap::new();
    for x in relocs.map(|r| r.relocs.as_slice()).unwrap_or_default() {
        reloc_at.entry(x.offset).or_insert(x);
    }
    let mut out = Vec::new();
    for (kind, place) in lists {
        match place {
            Place::Function(tag) => {
                if let Some(addr) = dynamic.get(tag) {
                    out.push(entry(kind, addr, addr));
                }
            }
            Place::Array(range) => {
                let Some((addr, size)) = range else { continue };
                let count = (size / word).min(limits::MAX_INIT_ARRAY as u64);
                for i in 0..count {
                    let slot = addr.wrapping_add(i * word);
                    let file_value = file
                        .vaddr_to_offset(slot)
                        .and_then(|off| r.uptr_at("init array entry", off).ok());
                    let reloc = reloc_at.get(&slot);
                    let target = match (reloc.and_then(|x| x.addend), file_value) {
                        (Some(addend), _) => addend as u64,
                        (None, Some(v)) => v,
                        (None, None) => {
                            problems.push(Problem::new(
                                "elf.init_array.unmapped",
                                format!("{kind} slot {slot:#x} is not backed by file data"),
                            ));
                            continue;
                        }
                    };
                    out.push(entry(kind, slot, target));
                }
            }
        }
    }
    if let Some(image) = image.filter(|_| !out.is_empty()) {
        // Only the symbols that can name a target: at one, or a function containing one.
        // (Naming every symbol costs more than the rest of `inspect` on a file with a large
        // `.dynsym`; #12.)
        let mut targets: Vec<u64> = out.iter().map(|e| e.target).collect();
        targets.sort_unstable();
        targets.dedup();
        // The first target at or above the symbol decides (a later one is further away).
        // Every symbol of the file comes through here: a few targets are scanned in order,
        // more are searched.
        let decide = |t: u64, vaddr: u64, size: u64, kind: SymbolKind| {
            t == vaddr || kind == SymbolKind::Text && t - vaddr < size
        };
        let wanted = |vaddr: u64, size: u64, kind: SymbolKind| {
            if targets.len() <= 8 {
                return targets
                    .iter()
                    .find(|&&t| t >= vaddr)
                    .is_some_and(|&t| decide(t, vaddr, size, kind));
            }
            let i = targets.partition_point(|&t| t < vaddr);
            targets
                .get(i)
                .is_some_and(|&t| decide(t, vaddr, size, kind))
        };
        let syms = image.symbols_matching(wanted);
        let index = SymbolIndex::new(&syms);
        for e in &mut out {
            e.symbol = index.symbol_at(e.target);
        }
    }
    out
}

/// Whether any list is an array that relocations may write (so they are worth decoding).
pub(super) fn has_arrays(file: &ElfFile<'_>, dynamic: &DynamicSummary) -> bool {
    if dynamic.present {
        [
            (DT_PREINIT_ARRAY, DT_PREINIT_ARRAYSZ),
            (DT_INIT_ARRAY, DT_INIT_ARRAYSZ),
            (DT_FINI_ARRAY, DT_FINI_ARRAYSZ),
        ]
        .iter()
        .any(|&(a, sz)| dynamic.get(a).is_some() && dynamic.get(sz).is_some())
    } else {
        [".preinit_array", ".init_array", ".fini_array"]
            .iter()
            .any(|n| file.section(n).is_some())
    }
}

fn entry(kind: InitKind, address: u64, target: u64) -> InitEntry {
    InitEntry {
        kind,
        address,
        target,
        symbol: None,
    }
}

/// Symbols by address, built once for all entries (a scan per entry was
/// O(entries × symbols)).
struct SymbolIndex<'s, 'a> {
    syms: &'s [Symbol<'a>],
    /// Per address, the symbol an exact match names: functions first, then static ones; the
    /// last of equals, in table order.
    exact: BTreeMap<u64, usize>,
    /// Functions with a size, by (address, table order), and the highest end address among
    /// each prefix (so a lookup stops where nothing earlier can contain the address).
    text: Vec<(u64, usize)>,
    max_end: Vec<u64>,
}

/// Functions before the address tried when looking for one that contains it.
const CONTAINING_SCAN: usize = 64;

impl<'s, 'a> SymbolIndex<'s, 'a> {
    fn new(syms: &'s [Symbol<'a>]) -> Self {
        let rank = |s: &Symbol<'_>| (s.kind == SymbolKind::Text, !s.dynamic);
        let mut exact: BTreeMap<u64, usize> = BTreeMap::new();
        for (i, s) in syms.iter().enumerate() {
            let slot = exact.entry(s.vaddr).or_insert(i);
            if syms.get(*slot).is_some_and(|old| rank(s) >= rank(old)) {
                *slot = i;
            }
        }
        let mut text: Vec<(u64, usize)> = syms
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == SymbolKind::Text && s.size > 0)
            .map(|(i, s)| (s.vaddr, i))
            .collect();
        text.sort_unstable();
        let mut max_end = Vec::with_capacity(text.len());
        let mut hi = 0u64;
        for &(_, i) in &text {
            if let Some(s) = syms.get(i) {
                hi = hi.max(s.vaddr.saturating_add(s.size));
            }
            max_end.push(hi);
        }
        SymbolIndex {
            syms,
            exact,
            text,
            max_end,
        }
    }

    /// `name` for an exact match (functions first), else `name+0xoff` for the function
    /// containing the address (the first in table order among the nearest).
    fn symbol_at(&self, addr: u64) -> Option<String> {
        if let Some(s) = self.exact.get(&addr).and_then(|&i| self.syms.get(i)) {
            return Some(String::from_utf8_lossy(s.name).into_owned());
        }
        let below = self.text.partition_point(|&(v, _)| v < addr);
        let mut best: Option<usize> = None;
        for j in (0..below).rev().take(CONTAINING_SCAN) {
            if self.max_end.get(j).is_some_and(|&e| e <= addr) {
                break;
            }
            let Some(&(_, i)) = self.text.get(j) else {
                break;
            };
            if self.syms.get(i).is_some_and(|s| addr - s.vaddr < s.size) {
                best = Some(best.map_or(i, |b| b.min(i)));
            }
        }
        let s = self.syms.get(best?)?;
        Some(format!(
            "{}+{:#x}",
            String::from_utf8_lossy(s.name),
            addr - s.vaddr
        ))
    }
}

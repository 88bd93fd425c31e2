//! ELF constructors and destructors (gABI "Initialization and Termination Functions"):
//! DT_PREINIT_ARRAY, DT_INIT, DT_INIT_ARRAY, DT_FINI_ARRAY, DT_FINI, located through the
//! dynamic section (what the loader uses) or, without one, through the sections of the same
//! names. Each entry's target is the word in the file or, when a dynamic relocation writes
//! that slot, the value the relocation produces (RELA addend; REL/RELR use the word).

use serde::{Deserialize, Serialize};

use super::dynamic::DynamicSummary;
use super::headers::Raw;
use crate::bytes::Reader;
use crate::error::Problem;
use crate::image::{Image, SymbolKind};
use crate::limits;

/// One constructor or destructor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitEntry {
    /// `preinit_array`, `init`, `init_array`, `fini_array` or `fini`.
    pub kind: String,
    /// Address of the slot (for `init`/`fini`: the function itself).
    pub address: u64,
    /// Address of the function that runs.
    pub target: u64,
    /// Symbol at the target (`name` or `name+0xoff`), from `.symtab` or `.dynsym`.
    pub symbol: Option<String>,
}

pub(super) fn read(
    raw: &Raw,
    dynamic: &DynamicSummary,
    r: Reader<'_>,
    image: Option<&Image<'_>>,
    problems: &mut Vec<Problem>,
) -> Vec<InitEntry> {
    let word = u64::from(r.ptr_size());
    // (kind, array address + size) in execution order.
    let mut arrays: Vec<(&str, Option<(u64, u64)>)> = Vec::new();
    let section = |name: &str| {
        raw.sections
            .iter()
            .find(|s| s.name == name)
            .map(|s| (s.address, s.size))
    };
    let from_dyn = |a: u64, sz: u64| match (dynamic.get(a), dynamic.get(sz)) {
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
    arrays.push(("preinit_array", pick(32, 33, ".preinit_array")));
    arrays.push(("init", None));
    arrays.push(("init_array", pick(25, 27, ".init_array")));
    arrays.push(("fini_array", pick(26, 28, ".fini_array")));
    arrays.push(("fini", None));

    let needs_relocs = arrays.iter().any(|(_, a)| a.is_some());
    let relocs = if needs_relocs && raw.header.r#type == "DYN" {
        let mut ignored = Vec::new();
        crate::reloc::dynamic::read_parts(
            &raw.header,
            &raw.program_headers,
            dynamic,
            r.data(),
            &mut ignored,
        )
        .relocs
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    for (kind, range) in arrays {
        match kind {
            "init" | "fini" => {
                let tag = if kind == "init" { 12 } else { 13 };
                if let Some(addr) = dynamic.get(tag) {
                    out.push(entry(kind, addr, addr, image));
                }
            }
            _ => {
                let Some((addr, size)) = range else { continue };
                let count = (size / word).min(limits::MAX_INIT_ARRAY as u64);
                for i in 0..count {
                    let slot = addr.wrapping_add(i * word);
                    let file_value = super::vaddr_to_offset(&raw.program_headers, slot)
                        .and_then(|off| r.uptr_at("init array entry", off).ok());
                    let reloc = relocs.iter().find(|x| x.offset == slot);
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
                    out.push(entry(kind, slot, target, image));
                }
            }
        }
    }
    out
}

fn entry(kind: &str, address: u64, target: u64, image: Option<&Image<'_>>) -> InitEntry {
    InitEntry {
        kind: kind.into(),
        address,
        target,
        symbol: image.and_then(|i| symbol_at(i, target)),
    }
}

/// `name` for an exact match (functions first), else `name+0xoff` for the function
/// containing the address.
pub fn symbol_at(image: &Image<'_>, addr: u64) -> Option<String> {
    let syms = image.symbols();
    let exact = syms
        .iter()
        .filter(|s| s.vaddr == addr)
        .max_by_key(|s| (s.kind == SymbolKind::Text, !s.dynamic));
    if let Some(s) = exact {
        return Some(String::from_utf8_lossy(s.name).into_owned());
    }
    syms.iter()
        .filter(|s| s.kind == SymbolKind::Text && s.size > 0)
        .find(|s| addr > s.vaddr && addr - s.vaddr < s.size)
        .map(|s| format!("{}+{:#x}", String::from_utf8_lossy(s.name), addr - s.vaddr))
}

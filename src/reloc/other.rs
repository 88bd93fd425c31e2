//! `reloc-cost` for PE and Mach-O: the fixups their loaders apply, in the ELF report's
//! format-neutral terms (a rebase or base relocation is a relocation without a lookup, a
//! bind or an imported function a relocation with one, distinct 4 KiB pages written are the
//! pages dirtied), costed with the same model as ELF, plus per-format detail (`pe`,
//! `macho`). The decoders are the container layers' ([`crate::pe::base_relocs`],
//! [`crate::macho::fixups`]). There is no Windows loader or dyld here, so nothing is
//! measured. Notes: docs/FORMATS.md §9.3, §10.5.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::cost::{estimate, CostModel, RelocCostError, RelocCostFile, RelocCounts, PAGE_SIZE};
use crate::error::Problem;
use crate::image::Image;
use crate::macho::{FixupKind, MachoSlice, SliceFixups};
use crate::pe::BaseRelocations;

/// Why PE and Mach-O files are never measured.
pub const NOT_MEASURED: &str = "no loader here to measure (the Windows loader and dyld do not \
     run on this system; goelf never starts these files)";

/// The PE detail of a `reloc-cost` report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeRelocDetail {
    /// `PE32+` or `PE32`.
    pub kind: String,
    /// `ImageBase`: the preferred address; base relocations are applied when the image is
    /// mapped anywhere else.
    pub image_base: u64,
    /// `IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE` (ASLR: the image is always moved).
    pub dynamic_base: bool,
    /// `IMAGE_FILE_RELOCS_STRIPPED`: the image cannot move.
    pub relocs_stripped: bool,
    /// The loader moves the image and applies the base relocations at every load (ASLR in
    /// effect: DYNAMIC_BASE, relocations not stripped and present).
    pub relocated_at_load: bool,
    /// The base relocation table (`llvm-readobj --coff-basereloc`): blocks, entries by
    /// type, `IMAGE_REL_BASED_ABSOLUTE` padding, pages written.
    pub base_relocations: BaseRelocations,
    /// `BaseRelocationTableSize` of the data directory: bytes the loader reads.
    pub base_relocation_table_bytes: u64,
    /// Imported DLLs.
    pub import_dlls: u64,
    /// Imported functions: IAT slots the loader fills with a looked-up address.
    pub imported_functions: u64,
    /// Distinct 4 KiB pages of the IAT slots.
    pub iat_pages: u64,
}

/// The Mach-O detail of a `reloc-cost` report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachoRelocDetail {
    /// A universal (fat) file.
    pub universal: bool,
    /// Index in `slices` of the slice the format-neutral counts describe (the first).
    pub slice: usize,
    /// `filetype` of that slice (`MH_EXECUTE`, `MH_DYLIB`).
    pub filetype: String,
    /// The platform's page size for that slice's CPU (16 KiB on arm64, 4 KiB on x86_64).
    pub page_size: u64,
    /// Distinct pages of `page_size` written by that slice's fixups.
    pub pages_native: u64,
    /// Every slice's fixups (`llvm-objdump --macho --rebase --bind --lazy-bind
    /// --weak-bind`, or the chained fixups of `llvm-objdump --macho --chained-fixups`).
    pub slices: Vec<SliceFixups>,
}

/// Sorted address ranges with a name each.
struct Ranges {
    r: Vec<(u64, u64, usize)>,
    names: Vec<String>,
}

impl Ranges {
    fn new(items: impl Iterator<Item = (u64, u64, String)>) -> Self {
        let mut r = Vec::new();
        let mut names = Vec::new();
        for (lo, size, name) in items {
            if size == 0 {
                continue;
            }
            r.push((lo, lo.saturating_add(size), names.len()));
            names.push(name);
        }
        r.sort_unstable();
        Ranges { r, names }
    }

    fn find(&self, a: u64) -> &str {
        let i = self.r.partition_point(|x| x.0 <= a);
        match i.checked_sub(1).and_then(|j| self.r.get(j)) {
            Some(&(lo, hi, n)) if a >= lo && a < hi => {
                self.names.get(n).map_or("(none)", String::as_str)
            }
            _ => "(none)",
        }
    }
}

/// Pages written, counted without holding one entry per fixup.
#[derive(Default)]
struct Pages {
    v: Vec<u64>,
    last: Option<u64>,
}

impl Pages {
    fn add(&mut self, addr: u64, width: u8, page: u64) {
        let first = addr / page;
        let last = addr.saturating_add(u64::from(width.max(1)) - 1) / page;
        for p in [first, last] {
            if self.last != Some(p) {
                self.v.push(p);
                self.last = Some(p);
            }
        }
        if self.v.len() >= 1 << 22 {
            self.v.sort_unstable();
            self.v.dedup();
        }
    }

    fn count(mut self) -> u64 {
        self.v.sort_unstable();
        self.v.dedup();
        self.v.len() as u64
    }

    fn sorted(mut self) -> Vec<u64> {
        self.v.sort_unstable();
        self.v.dedup();
        self.v
    }
}

fn bump(m: &mut BTreeMap<String, u64>, k: &str) {
    if let Some(v) = m.get_mut(k) {
        *v += 1;
    } else {
        m.insert(k.to_string(), 1);
    }
}

fn base_file(path: &str, format: &str, problems: Vec<Problem>) -> RelocCostFile {
    let mut f = RelocCostFile::failed(path, RelocCostError::Other(String::new()));
    f.ok = true;
    f.error = None;
    f.format = Some(format.into());
    f.measured_reason = Some(NOT_MEASURED.into());
    f.problems = problems;
    f
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The `reloc-cost` report of a PE image.
pub(crate) fn analyze_pe(path: &str, image: &Image<'_>, model: &CostModel) -> RelocCostFile {
    let mut problems = Vec::new();
    let Some(pe) = crate::pe::analyze(image, &mut problems) else {
        return RelocCostFile::failed(
            path,
            RelocCostError::Other("not a PE file reloc-cost can read".into()),
        );
    };
    // The report's problems already cover the table; read it again for the addresses.
    let mut scratch = Vec::new();
    let sections = Ranges::new(pe.sections.iter().map(|s| {
        (
            u64::from(s.virtual_address),
            u64::from(s.virtual_size.max(s.size_of_raw_data)),
            s.name.clone(),
        )
    }));
    let mut counts = RelocCounts::default();
    let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_section: BTreeMap<String, u64> = BTreeMap::new();
    let mut pages = Pages::default();
    let names: BTreeMap<u16, String> = pe
        .base_relocations
        .by_type
        .iter()
        .map(|t| (t.r#type, t.name.clone()))
        .collect();
    crate::pe::visit_base_relocations(image, &mut scratch, |r| {
        counts.total += 1;
        counts.relative += 1;
        match names.get(&r.typ.0) {
            Some(n) => bump(&mut by_type, n),
            None => bump(&mut by_type, &r.typ.0.to_string()),
        }
        bump(&mut by_section, sections.find(u64::from(r.rva)));
        pages.add(u64::from(r.rva), r.width, PAGE_SIZE);
    });
    let base_pages = pages.sorted();
    let word: u64 = if pe.kind == "PE32+" { 8 } else { 4 };
    let mut iat = Pages::default();
    let mut imported = 0u64;
    for d in &pe.imports {
        for i in 0..d.symbols.len() as u64 {
            imported += 1;
            let rva = u64::from(d.import_address_table_rva).saturating_add(i * word);
            iat.add(rva, word as u8, PAGE_SIZE);
            counts.total += 1;
            counts.symbolic += 1;
            bump(&mut by_type, "import (IAT slot)");
            bump(&mut by_section, sections.find(rva));
        }
    }
    let iat_pages = iat.sorted();
    let mut all: Vec<u64> = base_pages.iter().chain(&iat_pages).copied().collect();
    all.sort_unstable();
    all.dedup();
    counts.by_type = by_type;
    counts.by_section = by_section;
    if counts.relative > 0 {
        counts.by_table.insert("basereloc".into(), counts.relative);
    }
    if counts.symbolic > 0 {
        counts.by_table.insert("imports".into(), counts.symbolic);
    }
    let h = &pe.hardening;
    let dir_size = pe
        .data_directories
        .iter()
        .find(|d| d.index == object::pe::IMAGE_DIRECTORY_ENTRY_BASERELOC)
        .map_or(0, |d| u64::from(d.size));
    let relocated = h.dynamic_base && !h.relocs_stripped && pe.base_relocations.entries > 0;
    let est = estimate(&counts, all.len() as u64, model);
    let mut f = base_file(path, "pe", problems);
    f.machine = Some(pe.coff_header.machine_name.clone());
    f.pie = relocated;
    f.needed = pe.imports.iter().map(|d| d.name.clone()).collect();
    // The Windows loader resolves every import when it loads the image (delay-load
    // imports are not in the import directory).
    f.bind_now = true;
    f.table_bytes = dir_size;
    f.pages_dirtied = all.len() as u64;
    f.dynamic_relocations = counts;
    f.estimated_load_us = round1(est.total_ns as f64 / 1000.0);
    f.estimate = Some(est);
    f.note = Some(if relocated {
        "PE: base relocations count as relocations without a lookup, imported functions (IAT \
         slots) as lookups. Windows applies base relocations when the image cannot load at its \
         preferred ImageBase, which with DYNAMIC_BASE (ASLR) is every time; the kernel \
         relocates the image once per base and shares those pages between processes that map \
         it at the same address. The estimate uses the ELF cost model; no loader here to measure"
            .into()
    } else if h.relocs_stripped || pe.base_relocations.entries == 0 {
        "PE: no base relocations (IMAGE_FILE_RELOCS_STRIPPED or an empty table): the image \
         only loads at its preferred ImageBase; imported functions (IAT slots) count as \
         lookups. No loader here to measure"
            .into()
    } else {
        "PE: not DYNAMIC_BASE: base relocations are applied only if the preferred ImageBase \
         is taken (the estimate assumes they are); imported functions (IAT slots) count as \
         lookups. No loader here to measure"
            .into()
    });
    f.code_before_entry = pe
        .tls
        .as_ref()
        .filter(|t| !t.callbacks.is_empty())
        .map(|t| vec![format!("{} TLS callbacks", t.callbacks.len())])
        .unwrap_or_default();
    f.pe = Some(PeRelocDetail {
        kind: pe.kind.clone(),
        image_base: pe.optional_header.image_base,
        dynamic_base: h.dynamic_base,
        relocs_stripped: h.relocs_stripped,
        relocated_at_load: relocated,
        base_relocations: pe.base_relocations.clone(),
        base_relocation_table_bytes: dir_size,
        import_dlls: pe.imports.len() as u64,
        imported_functions: imported,
        iat_pages: iat_pages.len() as u64,
    });
    f
}

/// The platform page size for a Mach-O `cputype` name.
fn native_page(cputype: &str) -> u64 {
    if cputype.starts_with("CPU_TYPE_ARM64") {
        16384
    } else {
        4096
    }
}

/// The `reloc-cost` report of a Mach-O file (thin or universal).
pub(crate) fn analyze_macho(path: &str, data: &[u8], model: &CostModel) -> RelocCostFile {
    let mut problems = Vec::new();
    let Some(report) = crate::macho::analyze(data, &mut problems) else {
        return RelocCostFile::failed(
            path,
            RelocCostError::Other("not a Mach-O file reloc-cost can read".into()),
        );
    };
    let Some(first) = report.slices.first() else {
        return RelocCostFile::failed(
            path,
            RelocCostError::Other("Mach-O file without a readable slice".into()),
        );
    };
    let sections = Ranges::new(first.segments.iter().flat_map(|s| {
        s.sections
            .iter()
            .map(|x| (x.addr, x.size, format!("{},{}", x.segment, x.name)))
    }));
    let native = native_page(&first.header.cputype_name);
    let mut counts = RelocCounts::default();
    let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_section: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_segment: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_table: BTreeMap<String, u64> = BTreeMap::new();
    let mut pages = Pages::default();
    let mut pages_native = Pages::default();
    let mut ro_pages = Pages::default();
    let seg_names: Vec<(&str, bool)> = first
        .segments
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                object::macho::SegmentFlags(s.flags).contains(object::macho::SG_READ_ONLY),
            )
        })
        .collect();
    let slices = crate::macho::fixups::visit(data, &mut problems, &mut |i, x| {
        if i != 0 {
            return;
        }
        let (kind, table) = match x.kind {
            FixupKind::Rebase => ("rebase", "rebase"),
            FixupKind::Bind => ("bind", "bind"),
            FixupKind::LazyBind => ("lazy bind", "lazy_bind"),
            FixupKind::WeakBind => ("weak bind", "weak_bind"),
        };
        counts.total += 1;
        if x.kind == FixupKind::Rebase {
            counts.relative += 1;
        } else {
            counts.symbolic += 1;
            if x.kind == FixupKind::LazyBind {
                counts.lazy += 1;
            }
        }
        bump(&mut by_type, &format!("{kind} {}", x.type_name));
        bump(&mut by_section, sections.find(x.address));
        let (seg, ro) = seg_names
            .get(x.segment_index as usize)
            .copied()
            .unwrap_or(("(none)", false));
        bump(&mut by_segment, seg);
        bump(
            &mut by_table,
            if x.type_name.starts_with("DYLD_CHAINED") {
                "chained"
            } else {
                table
            },
        );
        pages.add(x.address, x.width, PAGE_SIZE);
        pages_native.add(x.address, x.width, native);
        if ro {
            counts.in_relro += 1;
            ro_pages.add(x.address, x.width, PAGE_SIZE);
        }
    })
    .unwrap_or_default();
    counts.by_type = by_type;
    counts.by_section = by_section;
    counts.by_segment = by_segment;
    counts.by_table = by_table;
    let page_count = pages.count();
    let est = estimate(&counts, page_count, model);
    let fx = slices.first().map(|s| s.fixups.clone()).unwrap_or_default();
    let mut f = base_file(path, "macho", problems);
    f.machine = Some(first.header.cputype_name.clone());
    f.pie = first.hardening.pie;
    f.static_binary = first.dylinker.is_none();
    f.interp = first.dylinker.clone();
    f.needed = first.dylibs.iter().map(|d| d.name.clone()).collect();
    f.bind_now = fx.lazy_binds == 0;
    f.table_bytes = fx.table_bytes;
    f.pages_dirtied = page_count;
    f.relro_pages = ro_pages.count();
    f.dynamic_relocations = counts;
    f.estimated_load_us = round1(est.total_ns as f64 / 1000.0);
    f.estimate = Some(est);
    let mut note = format!(
        "Mach-O ({}): rebases count as relocations without a lookup, binds as lookups (lazy \
         binds at the first call); dyld applies them at every launch (the image slides with \
         ASLR). The estimate uses the ELF cost model; no loader here to measure",
        fx.source
    );
    if report.universal.is_some() {
        note.push_str(&format!(
            "; universal: {} slices, the counts are slice 0 ({}), every slice is in macho.slices",
            slices.len(),
            first.header.cputype_name
        ));
    }
    f.note = Some(note);
    f.code_before_entry = constructors_before_main(first);
    f.macho = Some(MachoRelocDetail {
        universal: report.universal.is_some(),
        slice: 0,
        filetype: first.header.filetype_name.clone(),
        page_size: native,
        pages_native: pages_native.count(),
        slices,
    });
    f
}

/// Constructors dyld runs before `main` (`__mod_init_func` / `__init_offsets`).
fn constructors_before_main(s: &MachoSlice) -> Vec<String> {
    let n = s.constructors.len();
    if n == 0 {
        Vec::new()
    } else {
        vec![format!("{n} Mach-O initializers")]
    }
}

//! What each fuzz target does with its input, shared by the libFuzzer targets
//! (`fuzz/fuzz_targets/*.rs`) and the plain regression replay (`tests/it/fuzz_regressions.rs`),
//! so that a committed input is replayed through exactly the calls that found it.
//!
//! Every function takes arbitrary bytes and must return without panicking, looping forever
//! or allocating without bound; the results are thrown away after serialising them, which
//! also exercises the JSON side of every report.
#![allow(dead_code)]

use goelf::go::pclntab::Pclntab;
use goelf::image::Image;

/// What a target does with one input.
pub type Target = fn(&[u8]);

/// Every target, by the name of its directory under `fuzz/corpus/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("elf", elf),
    ("pclntab", pclntab),
    ("buildinfo", buildinfo),
    ("moduledata", moduledata),
    ("init_order", init_order),
    ("relocations", relocations),
    ("inspect_any", inspect_any),
];

/// The target of a regression file, by the prefix of its name (`pclntab_nfunc_overflow`
/// replays through [`pclntab`]); every target when no prefix matches.
pub fn targets_for(file_name: &str) -> Vec<Target> {
    let hit: Vec<Target> = TARGETS
        .iter()
        .filter(|(name, _)| file_name.starts_with(name))
        .map(|&(_, f)| f)
        .collect();
    if hit.is_empty() {
        TARGETS.iter().map(|&(_, f)| f).collect()
    } else {
        hit
    }
}

/// PCs to probe, taken from the input itself so that a run is reproducible: every 4099th
/// 8-byte window, at most 64 of them.
fn probe_pcs(data: &[u8]) -> Vec<u64> {
    data.chunks(4099)
        .filter_map(|c| c.get(..8))
        .filter_map(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .take(64)
        .collect()
}

/// The ELF layer: headers, program headers, sections, dynamic section, notes, init arrays,
/// loader checks, hardening; plus the container adapter's symbols.
pub fn elf(data: &[u8]) {
    let image = Image::parse(data).ok();
    if let Some(img) = &image {
        let _ = img.symbols().len();
        let _ = img.has_symbols();
        for s in img.sections() {
            let _ = img.section_reader(s);
        }
    }
    let mut problems = Vec::new();
    if let Ok(rep) = goelf::elf::analyze(data, image.as_ref(), &mut problems) {
        let _ = serde_json::to_vec(&rep);
    }
    let _ = serde_json::to_vec(&problems);
}

/// The pclntab: find it, then decode every function (name, record, file/line at the entry,
/// the middle and the last byte, pcdata and funcdata, inline frames) and look up PCs.
pub fn pclntab(data: &[u8]) {
    let Ok(image) = Image::parse(data) else {
        return;
    };
    let mut problems = Vec::new();
    let Ok(tab) = Pclntab::find(&image, &mut problems) else {
        return;
    };
    let _ = serde_json::to_vec(&tab.info());
    for f in tab.funcs() {
        let Ok(f) = f else { continue };
        let _ = goelf::symbolize::package_of(&f.name_str());
        let last = f.end.saturating_sub(1).max(f.entry);
        let mid = f.entry + (last - f.entry) / 2;
        for pc in [f.entry, mid, last] {
            let _ = tab.file_line(&f, pc);
        }
        if let Ok(r) = tab.record(f.func_offset) {
            for k in 0..r.npcdata.min(4) {
                let _ = tab.pcdata_value(&r, k, f.entry, mid);
            }
            for k in 0..r.nfuncdata.min(4) {
                let _ = tab.funcdata_addr(&image, &r, k);
            }
        }
        let _ = goelf::go::inline::frames(&tab, &image, &f, mid);
    }
    let n = tab.nfunc();
    let first = tab.func(0).map(|f| f.entry).unwrap_or(0);
    let mut pcs = probe_pcs(data);
    pcs.extend([0, u64::MAX, first, first.wrapping_sub(1)]);
    if let Ok(f) = tab.func(n.saturating_sub(1)) {
        pcs.extend([f.end, f.end.wrapping_sub(1)]);
    }
    for pc in pcs {
        if let Some(i) = tab.find_func(pc) {
            if let Ok(f) = tab.func(i) {
                let _ = tab.file_line(&f, pc);
            }
        }
    }
}

/// `.go.buildinfo`: find and decode it, re-serialise it as `go version -m` does; and the
/// modinfo text parser on the raw input.
pub fn buildinfo(data: &[u8]) {
    let _ = goelf::go::buildinfo::parse_modinfo(&String::from_utf8_lossy(data));
    let Ok(image) = Image::parse(data) else {
        return;
    };
    let mut problems = Vec::new();
    if let Ok(b) = goelf::go::buildinfo::find(&image, &mut problems) {
        let _ = b.version_m("fuzz");
        let text = b.modinfo_text();
        let _ = goelf::go::buildinfo::parse_modinfo(&text);
        let _ = serde_json::to_vec(&b);
    }
    let _ = goelf::go::version::runtime_build_version(&image);
}

/// `moduledata` given the pclntab found in the same input (with and without the version
/// from build info), its `next` chain, and the init tasks it lists (both task layouts).
pub fn moduledata(data: &[u8]) {
    use goelf::go::moduledata::Moduledata;
    use goelf::internals::{layout_of, read_task_list, InitTaskEra};
    let Ok(image) = Image::parse(data) else {
        return;
    };
    let mut problems = Vec::new();
    let hint = goelf::go::buildinfo::find(&image, &mut problems)
        .ok()
        .and_then(|b| goelf::go::version::GoVersion::parse(&b.go_version));
    let Ok(tab) = Pclntab::find_with_version(&image, hint, &mut problems) else {
        return;
    };
    for version in [hint, None] {
        let Ok(md) = Moduledata::find(&image, &tab, version, &mut problems) else {
            continue;
        };
        let _ = serde_json::to_vec(&md.info());
        let _ = md.chain(&image);
        let _ = (md.text(), md.etext(), md.gofunc());
        if let Some((addr, n)) = md.inittasks() {
            if let Ok(list) = read_task_list(&image, addr, n) {
                for era in [InitTaskEra::Deps, InitTaskEra::LinkerOrdered] {
                    let l = layout_of(era);
                    for &t in list.iter().take(256) {
                        let _ = l.read_valid(&image, t);
                    }
                }
            }
        }
    }
    // The session settles the text base and gofunc from the moduledata it finds.
    let go = goelf::go::GoBinary::new(image);
    if let (Ok(tab), Ok(_)) = (go.pclntab(), go.moduledata()) {
        if let Ok(f) = tab.func(0) {
            let _ = goelf::go::inline::frames(tab, go.image(), &f, f.entry);
        }
    }
}

/// The whole init-order analysis (init tasks of every era, the graph, observed references
/// from machine code), its JSON, DOT and `why` for the first and last package.
pub fn init_order(data: &[u8]) {
    let opts = goelf::init_order::Options::default();
    let rep = goelf::init_order("fuzz", data, &opts);
    let _ = serde_json::to_vec(&rep);
    let _ = rep.to_dot();
    let order = rep.order();
    for p in order.first().into_iter().chain(order.last()) {
        let _ = rep.why(p);
    }
    let _ = goelf::internals::infer_constraints(&order);
}

/// Dynamic relocations (`DT_RELA`/`DT_REL`/`DT_JMPREL`/`DT_RELR`) and the cost model.
pub fn relocations(data: &[u8]) {
    let model = goelf::reloc::cost::CostModel::default();
    let mut problems = Vec::new();
    if let Ok(elf) = goelf::elf::analyze(data, None, &mut problems) {
        let file = goelf::elf::ElfFile::parse(data).expect("parsed above");
        let relocs = goelf::elf::relocations::read(&file, &elf.dynamic, &mut problems);
        let _ = relocs.relocs.len();
    }
    let file = goelf::reloc::cost::analyze_bytes("fuzz", data, &model);
    let _ = serde_json::to_vec(&goelf::reloc::cost::report(vec![file]));
}

/// The whole `inspect` path (container, ELF layer, Go metadata, DWARF, packer) and its JSON.
pub fn inspect_any(data: &[u8]) {
    let report = goelf::inspect::inspect_bytes("fuzz", data, &Default::default());
    let _ = serde_json::to_vec(&report);
}

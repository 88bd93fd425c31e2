//! Hostile input, replayed without libFuzzer: every file in `fuzz/regressions/` (crash, hang
//! and OOM reproducers, named `<target>_<bug>`) and in `fuzz/corpus/<target>/` (the minimised
//! corpus) goes through the same library calls as the fuzz target (`fuzz/drive.rs`), in an
//! ordinary `cargo test`. A panic names the file.
//!
//! The second half checks the resource bounds the fuzz targets cannot prove: cyclic init-task
//! graphs and `moduledata.next` chains end, and counts from the file never size an
//! allocation beyond what the file could hold.

use crate::common;

#[path = "../../fuzz/drive.rs"]
mod drive;

use std::path::{Path, PathBuf};

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Run `f` on every file; collect the names of those that panic.
fn replay(files: &[PathBuf], f: impl Fn(&Path, &[u8])) -> usize {
    let mut failed = Vec::new();
    for p in files {
        let data = std::fs::read(p).expect("read fuzz input");
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(p, &data)));
        if r.is_err() {
            failed.push(p.display().to_string());
        }
    }
    assert!(failed.is_empty(), "fuzz inputs that panic: {failed:#?}");
    files.len()
}

fn corpus(target: &str) -> usize {
    let dir = common::repo().join("fuzz/corpus").join(target);
    let (_, run) = drive::TARGETS
        .iter()
        .find(|(n, _)| *n == target)
        .expect("known target");
    replay(&files_in(&dir), |_, d| run(d))
}

#[test]
fn regressions_replay() {
    let files = files_in(&common::repo().join("fuzz/regressions"));
    let n = replay(&files, |p, d| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        for run in drive::targets_for(name) {
            run(d);
        }
    });
    assert!(n > 0, "fuzz/regressions is empty");
}

#[test]
fn corpus_elf() {
    corpus("elf");
}

#[test]
fn corpus_pclntab() {
    corpus("pclntab");
}

#[test]
fn corpus_buildinfo() {
    corpus("buildinfo");
}

#[test]
fn corpus_moduledata() {
    corpus("moduledata");
}

#[test]
fn corpus_init_order() {
    corpus("init_order");
}

#[test]
fn corpus_relocations() {
    corpus("relocations");
}

#[test]
fn corpus_inspect_any() {
    corpus("inspect_any");
}

// ---------------------------------------------------------------------------------------
// Resource bounds on deep, cyclic and overlapping structures.

use goelf::image::Image;

/// A fixture's bytes, or `None` (test skipped with a message) when it is not present.
fn fixture_bytes(name: &str) -> Option<Vec<u8>> {
    match common::find_fixture(name) {
        Some(f) => Some(f.bytes()),
        None => {
            eprintln!("skipped: fixture {name} is not present");
            None
        }
    }
}

fn vaddr_of(data: &[u8], symbol: &str) -> u64 {
    let img = Image::parse(data).expect("fixture parses");
    img.symbol(symbol)
        .unwrap_or_else(|| panic!("symbol {symbol}"))
        .vaddr
}

fn word_at(data: &[u8], vaddr: u64) -> u64 {
    let img = Image::parse(data).expect("fixture parses");
    img.uptr_at_vaddr("test", vaddr).expect("mapped word")
}

/// Overwrite the little-endian 64-bit word at `vaddr`.
fn put_word(data: &mut [u8], vaddr: u64, value: u64) {
    let off = Image::parse(data)
        .expect("fixture parses")
        .vaddr_to_offset(vaddr)
        .expect("mapped") as usize;
    data[off..off + 8].copy_from_slice(&value.to_le_bytes());
}

fn codes(problems: &[goelf::Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.code.as_str()).collect()
}

/// Go 1.19 init tasks whose dependencies loop (a task depending on itself; a longer cycle
/// back to `main..inittask`): the walk ends, reports the cycle, and lists each package once.
#[test]
fn init_task_cycles_end() {
    let Some(orig) = fixture_bytes("initgraph-go1.19.8-linux-amd64-default") else {
        return;
    };
    let main = vaddr_of(&orig, "main..inittask");
    // Go 1.13–1.20 layout: state, ndeps, nfns, deps[ndeps], fns[nfns].
    let ndeps = word_at(&orig, main + 8);
    assert!(ndeps >= 1, "main..inittask has dependencies");
    let first_dep = word_at(&orig, main + 24);
    // Follow first dependencies down to a task that has some, to close a longer cycle.
    let mut deep = first_dep;
    let mut depth = 1;
    while word_at(&orig, deep + 8) >= 1 && depth < 8 {
        let next = word_at(&orig, deep + 24);
        if word_at(&orig, next + 8) == 0 {
            break;
        }
        deep = next;
        depth += 1;
    }
    assert!(
        word_at(&orig, deep + 8) >= 1,
        "a dependency with dependencies"
    );

    let clean = goelf::init_order("clean", &orig, &Default::default());
    assert!(!codes(&clean.problems).contains(&"init_order.cycle"));

    for (what, task, target) in [
        ("main..inittask -> itself", main, main),
        ("a dependency -> itself", first_dep, first_dep),
        ("a deep dependency -> main..inittask", deep, main),
    ] {
        let mut data = orig.clone();
        put_word(&mut data, task + 24, target);
        let rep = goelf::init_order(what, &data, &Default::default());
        assert!(
            codes(&rep.problems).contains(&"init_order.cycle"),
            "{what}: no cycle reported: {:?}",
            rep.problems
        );
        assert_eq!(rep.verified, Some(false), "{what}");
        let order = rep.order();
        let unique: std::collections::BTreeSet<&String> = order.iter().collect();
        assert_eq!(unique.len(), order.len(), "{what}: a package listed twice");
        assert!(
            order.len() <= clean.order().len(),
            "{what}: {} packages, {} without the cycle",
            order.len(),
            clean.order().len()
        );
    }
}

/// Tasks that overlap (every word after a task's header is also a valid dependency, and many
/// are tasks: `fuzz/craft.py`) would make a naive walk read O(n²) entries from O(n) bytes
/// (62 KB took over a minute and 900 MB before the fix). Each task is read once and the
/// entries of all tasks together are bounded by the file's size.
#[test]
fn overlapping_init_tasks_are_bounded() {
    let path = common::repo().join("fuzz/regressions/init_order_deps_quadratic");
    let data = std::fs::read(path).expect("crafted input");
    let rep = goelf::init_order("crafted", &data, &Default::default());
    let budget = rep
        .problems
        .iter()
        .filter(|p| p.code == "inittask.too_many")
        .count();
    assert_eq!(budget, 1, "{:?}", codes(&rep.problems));
    assert!(
        rep.problems.len() < 64,
        "{} problems (one per task at most)",
        rep.problems.len()
    );
    let entries: usize = rep.graph.edges.len() + rep.packages.len();
    assert!(entries <= data.len() / 8, "{entries} entries");
}

/// A Go 1.21+ task list naming one task 6000 times, the task holding 6000 functions
/// (`fuzz/craft.py`): read and kept once, as the runtime runs it once.
#[test]
fn repeated_init_tasks_are_read_once() {
    let path = common::repo().join("fuzz/regressions/init_order_linker_repeats");
    let data = std::fs::read(path).expect("crafted input");
    let rep = goelf::init_order("crafted", &data, &Default::default());
    assert_eq!(
        rep.method.map(|m| m.as_str()),
        Some("linker-order"),
        "{:?}",
        rep.error
    );
    assert_eq!(rep.packages.len(), 1, "{:?}", codes(&rep.problems));
    assert_eq!(rep.packages[0].functions.len(), 6000);
}

/// pc-value tables whose pc never advances (`fuzz/craft.py`): a lookup stops after one step
/// per PC quantum between the entry and the target, instead of walking to the end of the
/// pctab (O(functions × table) for `goelf funcs` before the fix).
#[test]
fn pcvalue_tables_that_do_not_advance_stop() {
    use goelf::go::pclntab::Pclntab;
    let path = common::repo().join("fuzz/regressions/pclntab_pcvalue_zero_delta");
    let data = std::fs::read(path).expect("crafted input");
    let img = Image::parse(&data).expect("parses");
    let tab = Pclntab::find(&img, &mut Vec::new()).expect("pclntab");
    assert_eq!(tab.nfunc(), 32);
    for f in tab.funcs() {
        let f = f.expect("func");
        for pc in [f.entry, f.entry + 10] {
            let err = tab.file_line(&f, pc).expect_err("no line");
            assert!(err.to_string().contains("does not advance"), "{err}");
        }
    }
}

/// A compressed `.debug_info` of 36 bytes claiming 1 GiB decompressed (`fuzz/craft.py`):
/// refused by the DEFLATE ratio before anything is reserved.
#[test]
fn compressed_dwarf_size_is_bounded_by_its_bytes() {
    let path = common::repo().join("fuzz/regressions/inspect_any_dwarf_size_claim");
    let data = std::fs::read(path).expect("crafted input");
    let img = Image::parse(&data).expect("parses");
    let mut problems = Vec::new();
    assert!(goelf::go::dwarf::analyze(&img, &mut problems).is_none());
    assert_eq!(codes(&problems), ["dwarf.too_many"], "{problems:?}");
}

/// 1030 PT_LOADs that each cover every one of 1030 sections (`fuzz/craft.py`): the
/// section-to-segment mapping stops at `MAX_SECTION_MAPPING` pairs, with a problem (20000 x
/// 20000 in a 2.4 MB file took 22 GB before).
#[test]
fn section_mapping_is_bounded() {
    let path = common::repo().join("fuzz/regressions/elf_section_mapping_product");
    let data = std::fs::read(path).expect("crafted input");
    let mut problems = Vec::new();
    let elf = goelf::elf::analyze(&data, None, &mut problems).expect("ELF header");
    assert_eq!(elf.program_headers.len(), 1030);
    let pairs: usize = elf.program_headers.iter().map(|p| p.sections.len()).sum();
    assert!(pairs <= goelf::limits::MAX_SECTION_MAPPING, "{pairs}");
    assert!(pairs > 0);
    assert!(
        codes(&problems).contains(&"elf.section_mapping"),
        "{problems:?}"
    );
}

/// 1000 PT_LOADs over the same bytes (`fuzz/craft.py`; found as a mutated PE with 43690
/// sections over 2 MB, whose pclntab scan read 80 GB): the regions scans read are disjoint
/// in the file and add up to at most its size.
#[test]
fn scans_read_each_file_byte_once() {
    let path = common::repo().join("fuzz/regressions/inspect_any_overlapping_segments");
    let data = std::fs::read(path).expect("crafted input");
    let img = Image::parse(&data).expect("parses");
    assert_eq!(img.segments().len(), 1000);
    let regions = img.file_regions(|_| true);
    let total: u64 = regions.iter().map(|r| r.filesz).sum();
    assert_eq!(total, data.len() as u64, "{regions:x?}");
    let mut ranges: Vec<(u64, u64)> = regions
        .iter()
        .map(|r| (r.offset, r.offset + r.filesz))
        .collect();
    ranges.sort_unstable();
    assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0), "{ranges:x?}");
    // Segment i (from the second on) adds the 64 bytes before segment i-1, at its own
    // address; the first keeps the rest of the file.
    assert_eq!(regions.len(), 1000);
    for (r, s) in regions.iter().zip(img.segments()).skip(1) {
        assert_eq!((r.offset, r.filesz, r.vaddr), (s.offset, 64, s.vaddr));
    }
}

/// `moduledata.next` pointing at itself, a two-module cycle and a chain longer than the
/// limit: [`Moduledata::chain`] ends, at most `MAX_MODULE_CHAIN` long.
#[test]
fn moduledata_next_chains_end() {
    use goelf::go::moduledata::Moduledata;
    use goelf::go::pclntab::Pclntab;
    use goelf::internals::MdField;
    let Some(orig) = fixture_bytes("initgraph-go1.27.3-linux-amd64-default") else {
        return;
    };
    let find = |data: &[u8]| {
        let img = Image::parse(data).expect("parses");
        let mut problems = Vec::new();
        let tab = Pclntab::find(&img, &mut problems).expect("pclntab");
        let md = Moduledata::find(&img, &tab, None, &mut problems).expect("moduledata");
        let chain = md.chain(&img);
        (md, chain)
    };
    let (md, chain) = find(&orig);
    assert!(chain.is_empty(), "a file has no next module: {chain:x?}");
    let at = md.info().address;
    let next = md.layout().offset(MdField::Next, 8).expect("next field");
    let img = Image::parse(&orig).expect("parses");
    let data_sec = img.section(".data").expect(".data").vaddr;
    drop(img);

    let mut data = orig.clone();
    put_word(&mut data, at + next, at);
    let (_, chain) = find(&data);
    assert!(chain.is_empty(), "self loop: {chain:x?}");

    let mut data = orig.clone();
    put_word(&mut data, at + next, data_sec);
    put_word(&mut data, data_sec + next, at);
    let (_, chain) = find(&data);
    assert_eq!(chain, vec![data_sec], "two-module cycle");

    let mut data = orig.clone();
    put_word(&mut data, at + next, data_sec);
    for i in 0..200u64 {
        put_word(&mut data, data_sec + 16 * i + next, data_sec + 16 * (i + 1));
    }
    let (_, chain) = find(&data);
    assert_eq!(chain.len(), goelf::limits::MAX_MODULE_CHAIN, "long chain");
}

/// Counts from the file at their maximum: nothing is allocated by them (an unbounded
/// allocation would abort this test); each decoder says the count does not fit.
#[test]
fn huge_counts_allocate_nothing() {
    use goelf::go::pclntab::Pclntab;
    use goelf::internals::{layout_of, InitTaskEra};
    let Some(orig) = fixture_bytes("initgraph-go1.19.8-linux-amd64-pie") else {
        return;
    };
    // initTask.ndeps and nfns.
    let main = vaddr_of(&orig, "main..inittask");
    for field in [8, 16] {
        let mut data = orig.clone();
        put_word(&mut data, main + field, u64::MAX / 2);
        let img = Image::parse(&data).expect("parses");
        let err = layout_of(InitTaskEra::Deps).read(&img, main).unwrap_err();
        assert!(matches!(err, goelf::Error::TooMany { .. }), "{err}");
    }
    // pclntab nfunc (first word after the 8-byte header).
    let img = Image::parse(&orig).expect("parses");
    let pcln = [".gopclntab", ".data.rel.ro.gopclntab"]
        .iter()
        .find_map(|n| img.section(n))
        .expect("pclntab section")
        .vaddr;
    drop(img);
    for n in [(1u64 << 24) - 1, u64::MAX] {
        let mut data = orig.clone();
        put_word(&mut data, pcln + 8, n);
        let img = Image::parse(&data).expect("parses");
        let mut problems = Vec::new();
        if let Ok(t) = Pclntab::find(&img, &mut problems) {
            // Only a table elsewhere in the file may be found, never this one.
            assert_ne!(t.vaddr(), Some(pcln), "nfunc {n:#x} accepted");
        }
    }
    // DT_RELASZ: the relocation count comes from the dynamic section.
    let mut problems = Vec::new();
    let elf = goelf::elf::analyze(&orig, None, &mut problems).expect("ELF");
    let dynamic = elf
        .sections
        .iter()
        .find(|s| s.name == ".dynamic")
        .expect(".dynamic");
    let mut data = orig.clone();
    let (start, end) = (
        dynamic.offset as usize,
        (dynamic.offset + dynamic.size) as usize,
    );
    let slot = (start..end)
        .step_by(16)
        .find(|&o| u64::from_le_bytes(data[o..o + 8].try_into().unwrap()) == 8)
        .expect("DT_RELASZ");
    data[slot + 8..slot + 16].copy_from_slice(&u64::MAX.to_le_bytes());
    let mut problems = Vec::new();
    let elf = goelf::elf::analyze(&data, None, &mut problems).expect("ELF");
    let file = goelf::elf::ElfFile::parse(&data).expect("ELF");
    let relocs = goelf::elf::relocations::read(&file, &elf.dynamic, &mut problems);
    assert!(
        relocs.relocs.len() <= data.len() / 24,
        "{}",
        relocs.relocs.len()
    );
    assert!(
        codes(&problems).iter().any(|c| c.starts_with("reloc.")),
        "{:?}",
        codes(&problems)
    );
}

//! `reloc-cost` on PE and Mach-O against tools outside goelf: PE base relocations (by type,
//! padding, blocks, pages) and imported functions from `llvm-readobj --coff-basereloc
//! --coff-imports` (LLVM 14); Mach-O rebases and binds of every slice from `llvm-objdump
//! --macho --rebase --bind --lazy-bind --weak-bind --arch=all` (LLVM 14), chained fixups from
//! `llvm-objdump-19 --macho --dyld-info --chained-fixups` (LLVM 19); the side-by-side table of
//! the linux, windows and darwin builds of one program; no measurement on these formats.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{self, llvm, Fixture};
use goelf::reloc::cost::{analyze_bytes, RelocCostFile, DEFAULT_MODEL};

fn cost(f: &Fixture) -> RelocCostFile {
    let r = analyze_bytes(&f.name, &f.bytes(), &DEFAULT_MODEL);
    assert!(r.ok, "{}: {:?}", f.name, r.error);
    r
}

fn macho_fixtures(golden: &str) -> Vec<Fixture> {
    common::fixtures()
        .into_iter()
        .chain(common::containers())
        .filter(|f| f.meta_str("goos") == "darwin" && f.has_golden(golden))
        .collect()
}

#[test]
fn pe_counts_equal_llvm_readobj() {
    let fixtures = common::llvm_fixtures("windows");
    assert!(fixtures.len() >= 3, "{} PE fixtures", fixtures.len());
    for f in fixtures {
        let n = &f.name;
        let r = cost(&f);
        assert_eq!(r.format.as_deref(), Some("pe"), "{n}");
        let root = llvm::parse(&f.golden("llvm-readobj.txt").unwrap());
        let (mut entries, mut padding) = (0u64, 0u64);
        let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
        let (mut pages, mut blocks) = (BTreeSet::new(), BTreeSet::new());
        for e in root
            .get("BaseReloc")
            .map(|b| b.children.as_slice())
            .unwrap_or(&[])
        {
            let t = e.val("Type");
            let a = e.num("Address");
            blocks.insert(a >> 12);
            if t == "ABSOLUTE" {
                padding += 1;
                continue;
            }
            entries += 1;
            *by_type.entry(format!("IMAGE_REL_BASED_{t}")).or_default() += 1;
            let w = match t {
                "DIR64" => 8,
                "HIGHLOW" => 4,
                _ => 2,
            };
            pages.insert(a >> 12);
            pages.insert((a + w - 1) >> 12);
        }
        let imports: u64 = root
            .all("Import")
            .map(|i| i.all("Symbol").count() as u64)
            .sum();
        let pe = r.pe.as_ref().expect("pe detail");
        let b = &pe.base_relocations;
        assert_eq!(b.entries, entries, "{n}: base relocations");
        assert_eq!(b.padding, padding, "{n}: ABSOLUTE padding");
        assert_eq!(b.blocks, blocks.len() as u64, "{n}: blocks (one per page)");
        assert_eq!(b.pages, pages.len() as u64, "{n}: pages");
        assert_eq!(pe.imported_functions, imports, "{n}: imported functions");
        let d = &r.dynamic_relocations;
        assert_eq!(d.relative, entries, "{n}");
        assert_eq!(d.symbolic, imports, "{n}");
        assert_eq!(d.total, entries + imports, "{n}");
        let mut want = by_type.clone();
        if imports > 0 {
            want.insert("import (IAT slot)".into(), imports);
        }
        assert_eq!(d.by_type, want, "{n}: by type");
        assert_eq!(d.by_section.values().sum::<u64>(), d.total, "{n}");
        assert!(r.pages_dirtied >= b.pages, "{n}: IAT pages add to these");
        let dir = root
            .get("ImageOptionalHeader")
            .and_then(|h| h.get("DataDirectory"))
            .expect("DataDirectory");
        assert_eq!(r.table_bytes, dir.num("BaseRelocationTableSize"), "{n}");
        assert!(pe.relocated_at_load, "{n}: Go links windows binaries PIE");
        assert!(r.estimated_load_us > 0.0, "{n}");
        assert_eq!(
            r.measured_reason.as_deref(),
            Some(goelf::reloc::other::NOT_MEASURED)
        );
    }
}

/// One slice of `llvm-objdump --macho --rebase --bind --lazy-bind --weak-bind`: per table,
/// (segment, section, address) of every entry.
#[derive(Default, Debug)]
struct ObjdumpSlice {
    tables: BTreeMap<String, Vec<(String, String, u64)>>,
}

fn parse_objdump_fixups(text: &str) -> Vec<ObjdumpSlice> {
    let mut out: Vec<ObjdumpSlice> = Vec::new();
    let mut table = String::new();
    for line in text.lines() {
        if line.ends_with(':') && !line.starts_with(' ') && !line.ends_with("table:") {
            out.push(ObjdumpSlice::default());
            continue;
        }
        if let Some(t) = line.strip_suffix(" table:") {
            table = t.to_string();
            if let Some(s) = out.last_mut() {
                s.tables.entry(table.clone()).or_default();
            }
            continue;
        }
        if !line.starts_with("__") {
            continue;
        }
        let cols: Vec<&str> = line.split_whitespace().collect();
        let addr = llvm::parse_num(cols[2]).expect("address");
        let s = out.last_mut().expect("a file line first");
        s.tables.entry(table.clone()).or_default().push((
            cols[0].to_string(),
            cols[1].to_string(),
            addr,
        ));
    }
    out
}

#[test]
fn macho_opcode_fixups_equal_llvm_objdump() {
    let fixtures = macho_fixtures("objdump-macho-fixups.txt");
    assert!(fixtures.len() >= 4, "{} Mach-O fixtures", fixtures.len());
    let mut slices_seen = 0;
    for f in fixtures {
        let n = &f.name;
        let r = cost(&f);
        assert_eq!(r.format.as_deref(), Some("macho"), "{n}");
        let want = parse_objdump_fixups(&f.golden("objdump-macho-fixups.txt").unwrap());
        let m = r.macho.as_ref().expect("macho detail");
        assert_eq!(m.slices.len(), want.len(), "{n}: slices");
        for (i, (got, w)) in m.slices.iter().zip(&want).enumerate() {
            let count = |t: &str| w.tables.get(t).map_or(0, |v| v.len() as u64);
            let g = &got.fixups;
            if g.source == "LC_DYLD_CHAINED_FIXUPS" {
                continue; // LLVM 14 prints no chained fixups (next test)
            }
            assert_eq!(g.rebases, count("Rebase"), "{n} slice {i}: rebases");
            assert_eq!(g.binds, count("Bind"), "{n} slice {i}: binds");
            assert_eq!(
                g.lazy_binds,
                count("Lazy bind"),
                "{n} slice {i}: lazy binds"
            );
            assert_eq!(
                g.weak_binds,
                count("Weak bind"),
                "{n} slice {i}: weak binds"
            );
            assert_eq!(g.outside_segment, 0, "{n}");
            slices_seen += 1;
            if i != m.slice {
                continue;
            }
            // The format-neutral counts describe this slice.
            let mut pages = BTreeSet::new();
            let mut native = BTreeSet::new();
            let mut by_section: BTreeMap<String, u64> = BTreeMap::new();
            for (seg, sect, a) in w.tables.values().flatten() {
                pages.insert(a >> 12);
                pages.insert((a + 7) >> 12);
                native.insert(a / m.page_size);
                native.insert((a + 7) / m.page_size);
                *by_section.entry(format!("{seg},{sect}")).or_default() += 1;
            }
            let d = &r.dynamic_relocations;
            assert_eq!(d.relative, g.rebases, "{n}");
            assert_eq!(d.symbolic, g.binds + g.lazy_binds + g.weak_binds, "{n}");
            assert_eq!(d.lazy, g.lazy_binds, "{n}");
            assert_eq!(d.by_section, by_section, "{n}: by section");
            assert_eq!(r.pages_dirtied, pages.len() as u64, "{n}: 4 KiB pages");
            assert_eq!(m.pages_native, native.len() as u64, "{n}: native pages");
        }
    }
    assert!(slices_seen >= 4, "{slices_seen} slices compared");
}

#[test]
fn macho_chained_fixups_equal_llvm_objdump_19() {
    let fixtures = macho_fixtures("objdump19-dyld-info.txt");
    assert!(!fixtures.is_empty(), "a chained-fixups fixture");
    for f in fixtures {
        let n = &f.name;
        let r = cost(&f);
        let text = f.golden("objdump19-dyld-info.txt").unwrap();
        let (mut rebases, mut binds) = (0u64, 0u64);
        let mut native = BTreeSet::new();
        let mut in_dyld_info = false;
        for line in text.lines() {
            if line.starts_with("dyld information:") {
                in_dyld_info = true;
                continue;
            }
            if !in_dyld_info || !line.starts_with("__") {
                continue;
            }
            let cols: Vec<&str> = line.split_whitespace().collect();
            match cols[4] {
                "rebase" => rebases += 1,
                "bind" => binds += 1,
                t => panic!("{n}: fixup type {t}"),
            }
            native.insert(llvm::parse_num(cols[2]).unwrap() >> 14);
        }
        let with_start = text
            .lines()
            .filter(|l| l.trim_start().starts_with("page_start[") && !l.contains("START_NONE"))
            .count() as u64;
        let imports = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("imports_count  = "))
            .and_then(|v| v.trim().parse::<u64>().ok());
        let m = r.macho.as_ref().expect("macho detail");
        let g = &m.slices[0].fixups;
        assert_eq!(g.source, "LC_DYLD_CHAINED_FIXUPS", "{n}");
        assert_eq!(g.rebases, rebases, "{n}: rebases");
        assert_eq!(g.binds, binds, "{n}: binds");
        assert!(rebases > 0 && binds > 0, "{n}");
        assert_eq!(g.chained_pages, Some(with_start), "{n}: pages with a chain");
        assert_eq!(g.chained_imports, imports, "{n}: imports_count");
        assert_eq!(m.page_size, 16384, "{n}: arm64");
        assert_eq!(m.pages_native, native.len() as u64, "{n}: pages touched");
        for fmt in &g.pointer_formats {
            assert!(
                text.contains(&format!("({fmt})")),
                "{n}: pointer format {fmt}"
            );
        }
        assert_eq!(r.dynamic_relocations.relative, rebases, "{n}");
        assert_eq!(r.dynamic_relocations.symbolic, binds, "{n}");
        assert_eq!(
            r.dynamic_relocations.by_table.get("chained"),
            Some(&(rebases + binds))
        );
    }
}

/// The linux, windows and darwin builds of one program in one table.
#[test]
fn linux_windows_darwin_side_by_side() {
    let names = [
        "initgraph-go1.27.3-linux-amd64-default",
        "initgraph-go1.27.3-windows-amd64-default",
        "initgraph-go1.27.3-darwin-arm64-default",
    ];
    let paths: Vec<String> = names
        .iter()
        .map(|n| common::fixture(n).path().to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["reloc-cost", "--model", "fixed"];
    args.extend(paths.iter().map(String::as_str));
    let out = common::goelf(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let header = text
        .lines()
        .find(|l| names.iter().all(|n| l.contains(n)))
        .unwrap_or_else(|| panic!("one header line with the three columns:\n{text}"));
    let _ = header;
    let type_line = text
        .lines()
        .find(|l| l.trim_start_matches(['|', ' ']).starts_with("type "))
        .expect("type row");
    for want in ["EXEC static", "PE32+ ASLR", "Mach-O EXECUTE PIE"] {
        assert!(type_line.contains(want), "{want}: {type_line}");
    }
    assert!(text.contains("no loader here to measure"), "{text}");
    let mut jargs = args.clone();
    jargs.insert(1, "--json");
    let (v, code) = common::goelf_json(&jargs);
    assert_eq!(code, 0);
    let files = v["files"].as_array().unwrap();
    let formats: Vec<&str> = files
        .iter()
        .map(|f| f["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["elf", "pe", "macho"]);
    assert!(files[0].get("pe").is_none() && files[0].get("macho").is_none());
    assert!(
        files[1]["pe"]["base_relocations"]["entries"]
            .as_u64()
            .unwrap()
            > 1000
    );
    assert!(
        files[2]["macho"]["slices"][0]["fixups"]["rebases"]
            .as_u64()
            .unwrap()
            > 1000
    );
    // Differences are taken from the first (ELF) column, in the same keys.
    assert!(files[1]["delta"]["total"].as_i64().unwrap() > 0);
}

/// `--measure` never starts a PE or Mach-O file.
#[test]
fn pe_and_macho_are_never_measured() {
    use goelf::reloc::measure::{measure_all, MeasureOptions};
    let fs: Vec<Fixture> = common::containers();
    let mut files: Vec<RelocCostFile> = fs.iter().map(cost).collect();
    let paths: Vec<std::path::PathBuf> = fs.iter().map(|f| f.dir.join("bin.zst")).collect();
    let mut run = |_: &std::path::Path, _: std::time::Duration| -> Result<Vec<u8>, String> {
        panic!("a PE or Mach-O file was started")
    };
    measure_all(
        &mut files,
        &paths,
        &MeasureOptions::default(),
        &Err("no rate".into()),
        &mut run,
    );
    for f in &files {
        assert!(f.measured.is_none());
        assert_eq!(
            f.measured_reason.as_deref(),
            Some(goelf::reloc::other::NOT_MEASURED),
            "{}",
            f.path
        );
    }
}

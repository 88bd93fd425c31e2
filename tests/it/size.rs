//! `goelf size` against `go tool nm -size` (the fixtures' `nm.txt`): text per package exactly,
//! data/rodata/bss per package within what the symbol table attributes; a stripped twin's
//! text equals its unstripped twin's.

use std::collections::BTreeMap;

use crate::common;
use common::{fixtures, goelf_json};
use goelf::size::package_of;

/// Per package from `nm.txt`: (text, data) where data is every D/d/R/r/B/b symbol's size
/// outside `skip` (the pclntab section's address range: from Go 1.26 it holds
/// `runtime.findfunctab` and `go:func.*`, which `size` counts as pclntab, not data).
fn nm_per_package(nm: &str, skip: (u64, u64)) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let mut text = BTreeMap::new();
    let mut data = BTreeMap::new();
    for line in nm.lines() {
        // address size type name (the name may hold spaces)
        let mut it = line.split_whitespace();
        let (Some(addr), Some(size), Some(ty)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        // Undefined symbols have no address: `size U name`.
        let Ok(size) = size.parse::<u64>() else {
            continue;
        };
        let name: Vec<&str> = it.collect();
        let name = name.join(" ");
        if size == 0 {
            continue;
        }
        let pkg = package_of(&name).into_owned();
        if pkg.is_empty() {
            continue;
        }
        match ty {
            "T" | "t" => *text.entry(pkg).or_default() += size,
            "D" | "d" | "R" | "r" | "B" | "b" => {
                let a = common::hex(addr);
                if a < skip.0 || a >= skip.1 {
                    *data.entry(pkg).or_default() += size;
                }
            }
            _ => {}
        }
    }
    (text, data)
}

fn size_json(path: &std::path::Path) -> serde_json::Value {
    let (v, code) = goelf_json(&["size", "--json", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{}", path.display());
    assert_eq!(v["command"], "size");
    v["files"][0].clone()
}

fn per_package(file: &serde_json::Value, key: &str) -> BTreeMap<String, u64> {
    file["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["package"].as_str().unwrap().to_string(),
                p[key].as_u64().unwrap(),
            )
        })
        .filter(|(_, v)| *v > 0)
        .collect()
}

#[test]
fn text_per_package_equals_go_tool_nm() {
    let mut checked = 0;
    for f in fixtures() {
        // Internal links only: external linking (cgo) keeps Go symbols the same, but the
        // container of C code is not in the pclntab; the rule is the same for them.
        let program = f.meta_str("program");
        if !f.has_golden("nm.txt")
            || !["initgraph", "initgraph2", "nethttp"].contains(&program)
            || !f.is_elf()
        {
            continue;
        }
        let nm = f.golden("nm.txt").unwrap();
        let readelf = common::readelf::parse_readelf(&f.golden("readelf-hlSdW.txt").unwrap());
        let skip = readelf
            .section_rows()
            .iter()
            .find(|s| s.name.ends_with(".gopclntab"))
            .map_or((0, 0), |s| (s.addr, s.addr + s.size));
        let (nm_text, nm_data) = nm_per_package(&nm, skip);
        let file = size_json(&f.path());
        assert_eq!(file["ok"], true, "{}", f.name);
        let text = per_package(&file, "text");
        assert_eq!(text, nm_text, "{}: text per package", f.name);
        // Data: every package's data+rodata+bss equals nm's sizes of its symbols.
        let mut data: BTreeMap<String, u64> = BTreeMap::new();
        for p in file["packages"].as_array().unwrap() {
            let n = p["data"].as_u64().unwrap()
                + p["rodata"].as_u64().unwrap()
                + p["bss"].as_u64().unwrap();
            if n > 0 {
                data.insert(p["package"].as_str().unwrap().into(), n);
            }
        }
        assert_eq!(data, nm_data, "{}: data per package", f.name);
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} fixtures with nm.txt");
}

#[test]
fn stripped_twin_has_the_same_text() {
    let mut checked = 0;
    for f in fixtures() {
        if !f.meta_bool("stripped") || f.meta_str("twin").is_empty() {
            continue;
        }
        let Some(twin) = common::find_fixture(f.meta_str("twin")) else {
            continue;
        };
        let s = size_json(&f.path());
        let u = size_json(&twin.path());
        assert_eq!(
            per_package(&s, "text"),
            per_package(&u, "text"),
            "{} vs {}",
            f.name,
            twin.name
        );
        assert_eq!(s["text"]["code"], u["text"]["code"], "{}", f.name);
        assert_eq!(s["symbols"], false, "{}", f.name);
        assert_eq!(per_package(&s, "data"), BTreeMap::new(), "{}", f.name);
        checked += 1;
    }
    assert!(checked >= 2);
}

/// `size` measures a pc-value table (Go 1.16+) up to where the next one begins; walking
/// every table to its end marker, as Go 1.2-1.15 tables must be, gives the same report on
/// every fixture of every era.
#[test]
fn table_lengths_from_their_layout_equal_the_walked_ones() {
    use goelf::size::{size_with, TextDetail};
    for f in fixtures() {
        let data = std::fs::read(f.path()).unwrap();
        let Ok(image) = goelf::image::Image::parse(&data) else {
            continue;
        };
        let go = goelf::go::GoBinary::new(image);
        let (mut p1, mut p2) = (Vec::new(), Vec::new());
        let (Ok(fast), Ok(walked)) = (
            size_with(&go, &mut p1, TextDetail::PcTables),
            size_with(&go, &mut p2, TextDetail::PcTablesWalked),
        ) else {
            assert!(f.meta_str("go_version").is_empty(), "{}", f.name);
            continue;
        };
        assert_eq!(
            serde_json::to_value(&fast).unwrap(),
            serde_json::to_value(&walked).unwrap(),
            "{}",
            f.name
        );
        assert_eq!(p1.len(), p2.len(), "{}", f.name);
    }
}

#[test]
fn every_fixture_measures_and_totals_add_up() {
    for f in fixtures() {
        let (v, code) = goelf_json(&["size", "--json", f.path().to_str().unwrap()]);
        let file = &v["files"][0];
        if f.meta_str("go_version").is_empty() && f.meta_str("program") == "notgo-c" {
            assert_eq!(code, 1, "{}", f.name);
            assert_eq!(file["ok"], false);
            continue;
        }
        assert_eq!(code, 0, "{}: {file}", f.name);
        let t = &file["text"];
        let pk: u64 = file["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["text"].as_u64().unwrap() + p["text_padding"].as_u64().unwrap())
            .sum();
        let np = &file["no_package"];
        let all = pk + np["text"].as_u64().unwrap() + np["text_padding"].as_u64().unwrap();
        assert_eq!(all, t["span"].as_u64().unwrap(), "{}: text adds up", f.name);
        let p = &file["pclntab"];
        assert_eq!(
            p["packages"].as_u64().unwrap()
                + p["no_package"].as_u64().unwrap()
                + p["unattributed"].as_u64().unwrap(),
            p["size"].as_u64().unwrap(),
            "{}",
            f.name
        );
        let mods: u64 = file["modules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["total"].as_u64().unwrap())
            .sum();
        let pkgs: u64 = file["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["total"].as_u64().unwrap())
            .sum();
        assert_eq!(mods, pkgs, "{}", f.name);
    }
}

#[test]
fn modules_follow_the_build_info() {
    let Some(f) = common::find_fixture("initgraph-go1.27.3-linux-amd64-default") else {
        return;
    };
    let file = size_json(&f.path());
    let mods: Vec<&str> = file["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["module"].as_str().unwrap())
        .collect();
    assert!(mods.contains(&"std"));
    assert!(mods.contains(&"example.com/initgraph"), "{mods:?}");
    for p in file["packages"].as_array().unwrap() {
        let pkg = p["package"].as_str().unwrap();
        let m = p["module"].as_str();
        if pkg == "main" || pkg.starts_with("example.com/initgraph") {
            assert_eq!(m, Some("example.com/initgraph"), "{pkg}");
        }
    }
    // --top and --by module in the text output.
    let out = common::goelf(&[
        "size",
        "--by",
        "module",
        "--top",
        "1",
        f.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("std"), "{text}");
    assert!(text.contains("more rows"), "{text}");
}

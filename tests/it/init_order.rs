//! `goelf init-order` against the fixtures: the order must match the runtime's own
//! `GODEBUG=inittrace=1` output, `verified` must hold (stored edges for Go ≤1.20, the saved
//! `go list -deps -json` for 1.21+), observed references must not contradict the order
//! without an explanation, and `--baseline` must follow diff(1)'s exit codes.

use crate::common;

use common::{find_fixture, goelf, Fixture};

fn report(args: &[&str]) -> serde_json::Value {
    let (v, _) = common::goelf_json(args);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["command"], "init-order");
    v["files"][0].clone()
}

fn order(file: &serde_json::Value) -> Vec<String> {
    file["packages"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| p["package"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The inittrace of the fixture or of its twin (same program and Go version), as import
/// paths: the runtime prints the linker's escaped form (`example.org/ini%2ev1`), goelf the
/// import path (`example.org/ini.v1`).
fn trace(f: &Fixture) -> Option<Vec<String>> {
    let text = f.golden("inittrace.txt").or_else(|| {
        let twin = f.meta_str("twin");
        (!twin.is_empty()).then(|| common::fixture(twin).golden("inittrace.txt"))?
    })?;
    Some(
        text.lines()
            .filter_map(|l| l.strip_prefix("init "))
            .filter_map(|l| l.split_whitespace().next())
            .map(common::prefix_to_path)
            .collect(),
    )
}

fn is_go(f: &Fixture) -> bool {
    !f.meta_str("go_version").is_empty()
}

fn check_trace(f: &Fixture, want: &[String]) {
    let path = f.path();
    let file = report(&[
        "init-order",
        "--json",
        "--no-observed",
        path.to_str().unwrap(),
    ]);
    assert_eq!(
        file["ok"], true,
        "{}: init-order failed: {}",
        f.name, file["error"]
    );
    let got: Vec<String> = order(&file)
        .into_iter()
        .filter(|p| want.contains(p))
        .collect();
    if let Some(i) = (0..want.len().max(got.len())).find(|&i| want.get(i) != got.get(i)) {
        panic!(
            "{} (inittrace): first difference at #{i}: inittrace {:?}, goelf {:?}",
            f.name,
            want.get(i),
            got.get(i)
        );
    }
}

#[test]
fn order_matches_inittrace_unstripped() {
    let mut checked = 0;
    for f in common::fixtures() {
        if f.meta_bool("stripped") {
            continue;
        }
        let Some(want) = trace(&f) else { continue };
        check_trace(&f, &want);
        checked += 1;
    }
    assert!(checked > 0, "no fixture with an inittrace");
}

/// Stripped binaries need the pclntab (function names) and moduledata (Go 1.21+ list).
#[test]
fn order_matches_inittrace_stripped() {
    for f in common::fixtures() {
        if !f.meta_bool("stripped") || !is_go(&f) || f.meta_str("twin").is_empty() {
            continue;
        }
        let Some(want) = trace(&f) else { continue };
        check_trace(&f, &want);
    }
}

#[test]
fn verified_from_stored_edges_before_go_1_21() {
    for f in common::fixtures() {
        let v = f.meta_str("go_version");
        let Some(minor) = v
            .strip_prefix("go1.")
            .and_then(|r| r.split('.').next())
            .and_then(|m| m.parse::<u32>().ok())
        else {
            continue;
        };
        if !(13..=20).contains(&minor) || f.meta_bool("stripped") {
            continue;
        }
        let path = f.path();
        let file = report(&["init-order", "--json", path.to_str().unwrap()]);
        if file["ok"] != true {
            // Third-party c-shared libraries of this era can lack any reachable task.
            eprintln!("{}: skipped: {}", f.name, file["error"]);
            continue;
        }
        assert_eq!(file["method"], "inittask-deps", "{}", f.name);
        assert_eq!(file["graph_source"], "binary", "{}", f.name);
        assert_eq!(file["verified"], true, "{}: {}", f.name, file["problems"]);
        assert!(!order(&file).is_empty(), "{}: no packages", f.name);
    }
}

#[test]
fn verified_against_saved_go_list() {
    let mut checked = 0;
    for f in common::fixtures() {
        if !is_go(&f) || f.meta_bool("stripped") || !f.dir.join("golist.json").exists() {
            continue;
        }
        let path = f.path();
        let imports = f.dir.join("golist.json");
        let file = report(&[
            "init-order",
            "--json",
            "--imports",
            imports.to_str().unwrap(),
            path.to_str().unwrap(),
        ]);
        assert_eq!(file["ok"], true, "{}: {}", f.name, file["error"]);
        assert_eq!(file["graph_source"], "source", "{}", f.name);
        assert_eq!(
            file["verified"], true,
            "{} (go list): first difference {}",
            f.name, file["first_difference"]
        );
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn observed_references_do_not_contradict_the_order() {
    for f in common::fixtures() {
        let v = f.meta_str("go_version");
        if !v.starts_with("go1.2") || v.starts_with("go1.20") || f.meta_bool("stripped") {
            continue;
        }
        let path = f.path();
        let file = report(&["init-order", "--json", path.to_str().unwrap()]);
        if file["ok"] != true {
            continue;
        }
        assert_eq!(file["verified"], serde_json::Value::Null, "{}", f.name);
        assert_eq!(file["graph_source"], "observed", "{}", f.name);
        for i in file["inconsistencies"].as_array().unwrap() {
            assert!(
                !i["explanation"].is_null(),
                "{}: unexplained observed reference against the order: {i}",
                f.name
            );
        }
    }
}

/// Inconsistencies and inferred constraints only involve packages in the init lists, so
/// decoding only those packages' code (the default) must report exactly what decoding every
/// function does; and reading code from the file (the CLI) what reading the mapped bytes does
/// (the library without `code_file`).
#[test]
fn observed_scope_does_not_change_the_findings() {
    let mut checked = 0;
    for f in common::fixtures() {
        let v = f.meta_str("go_version");
        if !v.starts_with("go1.2") || v.starts_with("go1.20") {
            continue;
        }
        let path = f.path();
        let p = path.to_str().unwrap();
        let default = report(&["init-order", "--json", p]);
        if default["ok"] != true || default["graph_source"] != "observed" {
            continue;
        }
        if default["observed_scope"].is_null() {
            // No decoder for this architecture: nothing was decoded, which a problem says.
            assert!(
                default["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["code"] == "init_order.no_observed"),
                "{}: observed_scope is null but no init_order.no_observed problem",
                f.name
            );
            continue;
        }
        let all = report(&["init-order", "--json", "--all-observed", p]);
        assert_eq!(default["observed_scope"], "init-packages", "{}", f.name);
        assert_eq!(all["observed_scope"], "all", "{}", f.name);
        let none = report(&["init-order", "--json", "--no-observed", p]);
        assert_eq!(
            none["observed_scope"],
            serde_json::Value::Null,
            "{}",
            f.name
        );
        let lib = serde_json::to_value(goelf::init_order(
            "x",
            &f.bytes(),
            &goelf::init_order::Options::default(),
        ))
        .unwrap();
        for key in [
            "inconsistencies",
            "inferred_constraints",
            "graph",
            "packages",
        ] {
            assert_eq!(
                default[key], all[key],
                "{}: {key} differs between --all-observed and the default scope",
                f.name
            );
            assert_eq!(
                default[key], lib[key],
                "{}: {key} differs between code read from the file and from the map",
                f.name
            );
        }
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn elf_constructors_match_readelf() {
    for f in common::fixtures() {
        if !is_go(&f) || !f.is_elf() {
            continue;
        }
        let path = f.path();
        let file = report(&[
            "init-order",
            "--json",
            "--no-observed",
            path.to_str().unwrap(),
        ]);
        if file["ok"] != true {
            continue;
        }
        let ctors = file["elf_constructors"].as_array().unwrap();
        let Some(x) = f.golden("readelf-x-init.txt") else {
            if f.meta_str("linkmode") == "internal" {
                assert!(
                    ctors.is_empty(),
                    "{}: internal link has no constructors",
                    f.name
                );
            }
            continue;
        };
        if f.meta_str("variant").contains("pie") {
            continue; // slots hold 0 in the file; the targets come from relocations
        }
        // The words of the .init_array hex dump, little-endian 64-bit.
        let mut words = Vec::new();
        let mut in_init = false;
        for l in x.lines() {
            if l.starts_with("Hex dump of section") {
                in_init = l.contains("'.init_array'") || l.contains("'.preinit_array'");
                continue;
            }
            let t = l.trim();
            if !in_init || !t.starts_with("0x") {
                continue;
            }
            let hex: String = t.split_whitespace().skip(1).take(4).collect();
            let bytes: Vec<u8> = (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                .collect();
            for c in bytes.chunks_exact(8) {
                words.push(u64::from_le_bytes(c.try_into().unwrap()));
            }
        }
        let got: Vec<u64> = ctors
            .iter()
            .filter(|c| c["kind"] != "init")
            .map(|c| c["address"].as_u64().unwrap())
            .collect();
        assert_eq!(got, words, "{}: .init_array entries (readelf -x)", f.name);
        if f.name.starts_with("cgohello") {
            assert!(
                ctors.iter().any(|c| c["symbol"] == "goelf_ctor"),
                "{}: the C constructor goelf_ctor",
                f.name
            );
        }
    }
}

#[test]
fn baseline_exit_codes() {
    let pairs = [
        (
            "initgraph-go1.27.3-linux-amd64-default",
            "initgraph2-go1.27.3-linux-amd64-default",
        ),
        (
            "initgraph-go1.19.8-linux-amd64-default",
            "initgraph2-go1.19.8-linux-amd64-default",
        ),
    ];
    for (a, b) in pairs {
        let (Some(a), Some(b)) = (find_fixture(a), find_fixture(b)) else {
            continue;
        };
        let (pa, pb) = (a.path(), b.path());
        let out = goelf(&[
            "init-order",
            "--baseline",
            pa.to_str().unwrap(),
            pb.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{} vs {}: changed",
            a.name,
            b.name
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("moved") || text.contains("appeared"),
            "{text}"
        );
        let same = goelf(&[
            "init-order",
            "--baseline",
            pa.to_str().unwrap(),
            pa.to_str().unwrap(),
        ]);
        assert_eq!(same.status.code(), Some(0), "{} vs itself", a.name);
        // Against a saved JSON report.
        let json = goelf(&["init-order", "--json", pa.to_str().unwrap()]);
        let dir = tempfile::tempdir().unwrap();
        let saved = dir.path().join("old.json");
        std::fs::write(&saved, &json.stdout).unwrap();
        let vs_json = goelf(&[
            "init-order",
            "--baseline",
            saved.to_str().unwrap(),
            pa.to_str().unwrap(),
        ]);
        assert_eq!(
            vs_json.status.code(),
            Some(0),
            "{} vs its saved JSON",
            a.name
        );
        let vs_json = goelf(&[
            "init-order",
            "--baseline",
            saved.to_str().unwrap(),
            pb.to_str().unwrap(),
        ]);
        assert_eq!(
            vs_json.status.code(),
            Some(1),
            "{} JSON vs {}",
            a.name,
            b.name
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let out = goelf(&[
        "init-order",
        "--baseline",
        missing.to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "error gives 2");
}

#[test]
fn baseline_binary_vs_stripped_twin_is_same() {
    for f in common::fixtures() {
        let twin = f.meta_str("twin");
        if !f.meta_bool("stripped") || twin.is_empty() || !is_go(&f) {
            continue;
        }
        let Some(t) = find_fixture(twin) else {
            continue;
        };
        let (pa, pb) = (t.path(), f.path());
        let out = goelf(&[
            "init-order",
            "--baseline",
            pa.to_str().unwrap(),
            pb.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{} vs {}: {}{}",
            t.name,
            f.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn dot_and_why() {
    let Some(f) = find_fixture("initgraph-go1.27.3-linux-amd64-default") else {
        return;
    };
    let p = f.path();
    let imports = f.dir.join("golist.json");
    let out = goelf(&["init-order", "--dot", p.to_str().unwrap()]);
    let dot = String::from_utf8_lossy(&out.stdout);
    assert!(dot.starts_with("digraph"), "{dot}");
    assert!(dot.contains("\"main\" [label=\""), "{dot}");
    let out = goelf(&[
        "init-order",
        "--imports",
        imports.to_str().unwrap(),
        "--why",
        "example.com/initgraph/aa",
        p.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    // aa imports zz, which sorts after it: aa waits for zz (source: testdata/src/initgraph/aa).
    assert!(
        text.contains("chain: example.com/initgraph/aa -> example.com/initgraph/zz"),
        "{text}"
    );
}

#[test]
fn not_go_fails_cleanly() {
    let Some(f) = find_fixture("notgo-c") else {
        return;
    };
    let p = f.path();
    let out = goelf(&["init-order", "--json", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"][0]["ok"], false);
    for key in [
        "path",
        "ok",
        "error",
        "go_version",
        "method",
        "elf_constructors",
        "packages",
        "verified",
        "first_difference",
        "graph_source",
        "inconsistencies",
    ] {
        assert!(v["files"][0].get(key).is_some(), "key {key} always present");
    }
}

//! `goelf funcs` end to end: JSON shape, filters, `--addr` (with inlining) and exit codes,
//! checked against `godump.json` (Go's `debug/gosym`) and the fixture's source.

use crate::common;
use common::{find_fixture, goelf_json};

#[test]
fn json_lists_every_function() {
    for name in [
        "initgraph-go1.27.3-linux-amd64-sw",
        "initgraph-go1.19.8-linux-amd64-default",
    ] {
        let Some(f) = find_fixture(name) else {
            continue;
        };
        let g = if f.meta_bool("stripped") {
            find_fixture(f.meta_str("twin"))
                .unwrap()
                .godump()
                .expect("godump")
        } else {
            f.godump().expect("godump")
        };
        let path = f.path();
        let (v, code) = goelf_json(&["funcs", "--json", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{name}");
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["command"], "funcs");
        let file = &v["files"][0];
        for key in [
            "path",
            "ok",
            "error",
            "pclntab",
            "moduledata",
            "functions",
            "lookups",
            "problems",
        ] {
            assert!(file.get(key).is_some(), "{name}: key {key} missing");
        }
        assert_eq!(file["ok"], true);
        let funcs = file["functions"].as_array().unwrap();
        let want = g["funcs"].as_array().unwrap();
        assert_eq!(funcs.len(), want.len(), "{name}: function count vs gosym");
        for (a, b) in funcs.iter().zip(want) {
            assert_eq!(
                (&a["name"], &a["entry"], &a["end"]),
                (&b["name"], &b["entry"], &b["end"]),
                "{name}"
            );
            assert_eq!(
                a["size"].as_u64().unwrap(),
                b["end"].as_u64().unwrap() - b["entry"].as_u64().unwrap()
            );
            for key in ["package", "file", "line"] {
                assert!(a.get(key).is_some(), "{name}: function key {key}");
            }
        }
        // Entry file:line equals gosym's sample at each function entry.
        let files = g["files"].as_array().unwrap();
        let mut compared = 0;
        for s in g["pc_samples"].as_array().unwrap() {
            let fi = s["func"].as_i64().unwrap();
            if fi < 0 || s["pc"] != want[fi as usize]["entry"] {
                continue;
            }
            let row = &funcs[fi as usize];
            assert_eq!(row["line"], s["line"], "{name} {}", row["name"]);
            assert_eq!(row["file"], files[s["file"].as_u64().unwrap() as usize]);
            compared += 1;
        }
        assert!(compared > 100, "{name}: {compared} entries compared");
    }
}

#[test]
fn package_and_match_filters() {
    let Some(f) = find_fixture("initgraph-go1.27.3-linux-amd64-default") else {
        return;
    };
    let path = f.path();
    let p = path.to_str().unwrap();
    let (v, _) = goelf_json(&["funcs", "--json", "--package", "main", p]);
    let names: Vec<&str> = v["files"][0]["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    // The functions of package main, from gosym's list.
    let g = f.godump().expect("godump");
    let mut want: Vec<&str> = g["funcs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .filter(|n| n.starts_with("main."))
        .collect();
    want.sort();
    let mut got = names.clone();
    got.sort();
    assert_eq!(got, want);
    let (v, _) = goelf_json(&[
        "funcs",
        "--json",
        "--package",
        "example.com/initgraph/foo-x",
        p,
    ]);
    let fx = v["files"][0]["functions"].as_array().unwrap();
    assert!(!fx.is_empty());
    assert!(fx
        .iter()
        .all(|x| x["package"] == "example.com/initgraph/foo-x"));
    let (v, _) = goelf_json(&["funcs", "--json", "--match", r"^main\.Max\[", p]);
    let m: Vec<&str> = v["files"][0]["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(m, ["main.Max[go.shape.string]", "main.Max[go.shape.int]"]);
    let bad = common::goelf(&["funcs", "--match", "(", p]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn addr_lookup_with_inlining() {
    for name in [
        "initgraph-go1.27.3-linux-amd64-sw",
        "initgraph-go1.22.10-linux-amd64-default",
        "initgraph-go1.19.8-linux-amd64-sw",
        "initgraph-go1.27.3-linux-arm64-default",
    ] {
        let Some(f) = find_fixture(name) else {
            continue;
        };
        let g = if f.meta_bool("stripped") {
            find_fixture(f.meta_str("twin"))
                .unwrap()
                .godump()
                .expect("godump")
        } else {
            f.godump().expect("godump")
        };
        let funcs = g["funcs"].as_array().unwrap();
        let main = funcs.iter().find(|x| x["name"] == "main.main").unwrap();
        let (entry, end) = (
            main["entry"].as_u64().unwrap(),
            main["end"].as_u64().unwrap(),
        );
        let path = f.path();
        let mut args = vec![
            "funcs".to_string(),
            "--json".into(),
            path.to_str().unwrap().into(),
        ];
        let q = g["pclntab"]["quantum"].as_u64().unwrap();
        let mut pc = entry;
        while pc < end {
            // Hex without 0x and with it, alternately.
            args.push("--addr".into());
            args.push(if pc % 2 == 0 {
                format!("{pc:x}")
            } else {
                format!("{pc:#x}")
            });
            pc += q;
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (v, code) = goelf_json(&args);
        assert_eq!(code, 0, "{name}");
        let lookups = v["files"][0]["lookups"].as_array().unwrap();
        assert!(v["files"][0]["functions"].is_null());
        // Source: testdata/src/initgraph/main.go — `func add` is line 32, called (and
        // inlined) from main at line 65.
        let inlined: Vec<&serde_json::Value> = lookups
            .iter()
            .filter(|l| l["frames"].as_array().unwrap().len() > 1)
            .collect();
        assert!(!inlined.is_empty(), "{name}: no inlined PC in main.main");
        let mut saw_add = false;
        for l in &lookups[..] {
            assert_eq!(l["function"], "main.main", "{name}");
            let frames = l["frames"].as_array().unwrap();
            let last = frames.last().unwrap();
            assert_eq!(last["name"], "main.main");
            assert_eq!(last["inlined"], false);
            if frames.len() > 1 && frames[0]["name"] == "main.add" {
                saw_add = true;
                assert_eq!(frames[0]["line"], 32, "{name}");
                assert_eq!(frames[0]["line"], l["line"], "{name}");
                assert_eq!(last["line"], 65, "{name}");
                assert!(last["file"]
                    .as_str()
                    .unwrap()
                    .ends_with("initgraph/main.go"));
            }
        }
        assert!(saw_add, "{name}: main.add not seen inlined into main.main");
        // And each pc's file:line equals gosym's where godump sampled it.
        let files = g["files"].as_array().unwrap();
        for s in g["pc_samples"].as_array().unwrap() {
            let pc = s["pc"].as_u64().unwrap();
            if pc < entry || pc >= end {
                continue;
            }
            let l = lookups.iter().find(|l| l["pc"] == pc).unwrap();
            assert_eq!(l["line"], s["line"], "{name} {pc:#x}");
            assert_eq!(l["file"], files[s["file"].as_u64().unwrap() as usize]);
        }
    }
}

#[test]
fn one_bad_file_among_good_ones() {
    let Some(f) = find_fixture("initgraph-go1.27.3-linux-amd64-default") else {
        return;
    };
    let notgo = find_fixture("notgo-c").map(|n| n.path());
    let good = f.path();
    let bad = notgo.unwrap_or_else(|| std::path::PathBuf::from("/nonexistent"));
    let (v, code) = goelf_json(&[
        "funcs",
        "--json",
        "--addr",
        "0",
        bad.to_str().unwrap(),
        good.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let files = v["files"].as_array().unwrap();
    assert_eq!(files[0]["ok"], false);
    assert!(files[0]["error"].as_str().unwrap().contains("pclntab"));
    assert_eq!(files[1]["ok"], true);
    assert_eq!(files[1]["lookups"][0]["function"], serde_json::Value::Null);
    // Text output works too.
    let out = common::goelf(&["funcs", "--package", "main", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("main.main") && text.contains("main.go:60"),
        "{text}"
    );
}

/// The library's streamed `FuncsFile` (one row at a time) and the CLI's writer (rows decoded
/// ahead on another thread) give the same document, byte for byte, on a binary with more
/// functions than one chunk.
#[test]
fn library_stream_equals_cli_output() {
    let Some(f) = find_fixture("esbuild-0.8.47-go1.16-linux-arm") else {
        return;
    };
    let path = f.path();
    let data = f.bytes();
    let report = goelf::funcs(&data, &Default::default()).unwrap();
    let n = report.functions().unwrap().table_len();
    assert!(n > 4096, "{n} functions");
    let shown = path.to_str().unwrap();
    let entry = goelf::funcs::FuncsFile::new(shown, Ok(&report));
    let doc = goelf::report::Envelope::new("funcs", vec![entry]);
    let mut lib = serde_json::to_string_pretty(&doc).unwrap();
    lib.push('\n');
    let cli = common::goelf(&["funcs", "--json", shown]);
    assert!(cli.status.success());
    assert!(
        String::from_utf8(cli.stdout).unwrap() == lib,
        "library and CLI JSON differ"
    );
}

/// Package attribution is Go's rule (issue #12): for every function, goelf's `package` is
/// `debug/gosym`'s `Sym.PackageName` as an import path (escapes undone; `go`/`type`, the
/// compiler's reserved names, mean none), except for the `go.` names of Go <=1.19 tables,
/// all of which gosym drops (module paths included); the functions `go tool nm` lists
/// under the `go.`-prefixed module and the dotted last element belong to those modules
/// (closures, method values, generic instantiations, equality functions), stripped or not.
#[test]
fn packages_follow_gos_rule() {
    let mut checked = 0;
    for f in common::fixtures()
        .into_iter()
        .filter(|f| f.name.starts_with("gomodpath-"))
    {
        let (v, _) = goelf_json(&["funcs", "--json", f.path().to_str().unwrap()]);
        let rows = v["files"][0]["functions"].as_array().expect("functions");
        let got: std::collections::BTreeMap<&str, &str> = rows
            .iter()
            .map(|r| (r["name"].as_str().unwrap(), r["package"].as_str().unwrap()))
            .collect();
        // gosym of the fixture (stripped fixtures keep their pclntab, so it is theirs too).
        let g = f.godump().expect("godump");
        let mut compared = 0;
        for w in g["funcs"].as_array().unwrap() {
            let (name, Some(gp)) = (w["name"].as_str().unwrap(), w["package"].as_str()) else {
                continue;
            };
            let generated_eq = ["type:.eq.", "type..eq.", "type:.hash.", "type..hash."]
                .iter()
                .any(|p| name.starts_with(p));
            if generated_eq {
                continue; // gosym gives "type" or "": below, from the name nm prints
            }
            // gosym takes every "go." name of a Go <=1.19 table (ver118) as generated, module
            // paths such as go.example.org/lib too: those are checked below, from nm.
            if gp.is_empty() && name.starts_with("go.") {
                continue;
            }
            let want = match gp {
                "go" | "type" => String::new(),
                p => common::prefix_to_path(p),
            };
            if let Some(p) = got.get(name) {
                assert_eq!(*p, want, "{}: {name} (gosym {gp:?})", f.name);
                compared += 1;
            }
        }
        assert!(compared > 500, "{}: {compared} compared", f.name);
        // The modules' functions as go tool nm names them (of the unstripped twin).
        let nm_fixture = if f.meta_bool("stripped") {
            common::fixture(f.meta_str("twin"))
        } else {
            f.clone()
        };
        let nm = nm_fixture.golden("nm.txt").expect("nm.txt");
        let mut seen = std::collections::BTreeSet::new();
        for line in nm.lines() {
            let mut cols = line.split_whitespace().skip(2);
            let (Some(kind), Some(name)) = (cols.next(), cols.next()) else {
                continue;
            };
            if !kind.eq_ignore_ascii_case("t") {
                continue;
            }
            let name = line[line.find(name).unwrap()..].trim_end();
            for (prefix, pkg) in [
                ("go.example.org/lib.", "go.example.org/lib"),
                ("example.org/ini%2ev1.", "example.org/ini.v1"),
            ] {
                let bare = ["type:.eq.", "type..eq.", "type..hash."]
                    .iter()
                    .find_map(|p| name.strip_prefix(p))
                    .unwrap_or(name);
                if !bare.starts_with(prefix) {
                    continue;
                }
                let shown = match name.find('[') {
                    Some(b) => format!("{}[...]", &name[..b]),
                    None => name.to_string(),
                };
                let p = got
                    .get(name)
                    .or_else(|| got.get(shown.as_str()))
                    .unwrap_or_else(|| panic!("{}: no function {name}", f.name));
                assert_eq!(*p, pkg, "{}: {name}", f.name);
                seen.insert(shown.replace(prefix, "PKG."));
            }
        }
        for kind in ["PKG.init", "PKG.init.0", "PKG.init.0.func1"] {
            assert!(seen.contains(kind), "{}: no {kind} among {seen:?}", f.name);
        }
        assert!(
            seen.iter().any(|s| s.ends_with("-fm")),
            "{}: {seen:?}",
            f.name
        );
        assert!(
            seen.iter().any(|s| s.ends_with("[...]")),
            "{}: {seen:?}",
            f.name
        );
        // --package takes the import path and the linker's escaped form alike.
        for arg in ["example.org/ini.v1", "example.org/ini%2ev1"] {
            let (v, _) = goelf_json(&[
                "funcs",
                "--json",
                "--package",
                arg,
                f.path().to_str().unwrap(),
            ]);
            let fx = v["files"][0]["functions"].as_array().unwrap();
            assert!(fx.len() >= 6, "{}: --package {arg}: {}", f.name, fx.len());
            assert!(fx.iter().all(|x| x["package"] == "example.org/ini.v1"));
        }
        checked += 1;
    }
    if checked == 0 {
        eprintln!("no gomodpath fixtures: skipped");
    }
}

//! The flags of #11 item 5–7 end to end: `funcs --package` with `go list` patterns (checked
//! against `go list PATTERN` goldens, `golist-patterns.txt`), `--addr` with `--match` and
//! `--package` (functions from `godump.json`, Go's `debug/gosym`), `--json-lines` (its
//! functions against `go tool nm`, `nm.txt`), no progress bytes in pipes, and the committed
//! man pages equal to a fresh `goelf generate man`.

use std::collections::{BTreeMap, BTreeSet};

use crate::common;
use common::{find_fixture, goelf, goelf_json};

/// `golist-patterns.txt`: pattern → the import paths `go list` matched among the build's.
fn golist_patterns(f: &common::Fixture) -> Vec<(String, BTreeSet<String>)> {
    let text = f
        .golden("golist-patterns.txt")
        .expect("golist-patterns.txt");
    let mut out: Vec<(String, BTreeSet<String>)> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        match line.strip_prefix("pattern ") {
            Some(p) => out.push((p.to_string(), BTreeSet::new())),
            None => {
                out.last_mut()
                    .expect("a pattern first")
                    .1
                    .insert(line.to_string());
            }
        }
    }
    out
}

/// The import path of the main package (`golist.json`), which a binary calls `main`.
fn main_import_path(f: &common::Fixture) -> String {
    let text = f.golden("golist.json").expect("golist.json");
    let de = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    de.map(|v| v.expect("golist.json object"))
        .find(|v| v["Name"] == "main")
        .and_then(|v| v["ImportPath"].as_str().map(str::to_string))
        .expect("a main package")
}

/// The import paths of the build's packages (`golist.json`, `go list -deps`) but the main
/// package's: the binary calls that one `main`, so `go list`'s answer for its import path
/// says nothing about the functions named `main.*`.
fn build_packages(f: &common::Fixture, main_path: &str) -> BTreeSet<String> {
    let text = f.golden("golist.json").expect("golist.json");
    serde_json::Deserializer::from_str(&text)
        .into_iter::<serde_json::Value>()
        .map(|v| {
            v.expect("golist.json object")["ImportPath"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .filter(|p| p != main_path)
        .collect()
}

/// The packages of the functions `goelf funcs --json ARGS FILE` lists.
fn listed_packages(args: &[&str], file: &str) -> BTreeSet<String> {
    let mut all = vec!["funcs", "--json"];
    all.extend_from_slice(args);
    all.push(file);
    let (v, code) = goelf_json(&all);
    assert_eq!(code, 0, "{all:?}");
    v["files"][0]["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .map(|r| r["package"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn package_patterns_match_go_list() {
    let mut checked = 0;
    for name in [
        "nethttp-go1.27.3-linux-amd64-default",
        "gomodpath-go1.27.3-linux-amd64-default",
    ] {
        let Some(f) = find_fixture(name) else {
            continue;
        };
        let path = f.path();
        let p = path.to_str().unwrap();
        let main_path = main_import_path(&f);
        // The packages of the build (`go list -deps`) that have a function in the binary
        // (goelf's attribution, which tests/it/funcs.rs checks against gosym). A few
        // functions are named after packages the build does not have (the runtime's
        // `runtime/debug.SetTraceback`, `_.goready.func1`): `go list` cannot say whether
        // they match, so they are left out of the comparison.
        let build = build_packages(&f, &main_path);
        let with_functions: BTreeSet<String> = listed_packages(&[], p)
            .into_iter()
            .filter(|pk| build.contains(pk))
            .collect();
        let patterns = golist_patterns(&f);
        let mut union = BTreeSet::new();
        let mut patterns_used = Vec::new();
        for (pattern, matched) in &patterns {
            let want: BTreeSet<String> = matched
                .iter()
                .filter(|m| with_functions.contains(*m))
                .cloned()
                .collect();
            let got: BTreeSet<String> = listed_packages(&["--package", pattern], p)
                .into_iter()
                .filter(|pk| build.contains(pk))
                .collect();
            assert_eq!(got, want, "{name}: --package {pattern}");
            if pattern.contains("...") && !want.is_empty() {
                union.extend(want);
                patterns_used.push(pattern.as_str());
            }
            checked += 1;
        }
        // Repeated: the union.
        let mut args = Vec::new();
        for pattern in &patterns_used {
            args.extend(["--package", pattern]);
        }
        let got: BTreeSet<String> = listed_packages(&args, p)
            .into_iter()
            .filter(|pk| build.contains(pk))
            .collect();
        assert_eq!(got, union, "{name}: {args:?}");
        assert!(patterns_used.len() >= 2, "{name}: {patterns_used:?}");
    }
    if checked == 0 {
        eprintln!("no pattern fixtures: skipped");
    } else {
        assert!(checked >= 15, "{checked} patterns checked");
    }
}

#[test]
fn addr_with_match_and_package_filters_lookups() {
    let Some(f) = find_fixture("initgraph-go1.27.3-linux-amd64-default") else {
        return;
    };
    let g = f.godump().expect("godump");
    let funcs = g["funcs"].as_array().unwrap();
    let entry_of = |n: &str| {
        funcs
            .iter()
            .find(|x| x["name"] == n)
            .and_then(|x| x["entry"].as_u64())
            .unwrap_or_else(|| panic!("gosym has no {n}"))
    };
    let (main, runtime) = (entry_of("main.main"), entry_of("runtime.main"));
    let path = f.path();
    let p = path.to_str().unwrap();
    let (m, r) = (format!("{main:#x}"), format!("{runtime:#x}"));
    // An address in no function (below the text) is filtered out too.
    for (filter, kept) in [
        (["--package", "main"], "main.main"),
        (["--match", r"^runtime\.main$"], "runtime.main"),
        (["--package", "runtime/..."], "runtime.main"),
    ] {
        let mut args = vec![
            "funcs", "--json", "--addr", &m, "--addr", &r, "--addr", "0x10",
        ];
        args.extend(filter);
        args.push(p);
        let (v, code) = goelf_json(&args);
        assert_eq!(code, 0, "{args:?}");
        let lookups = v["files"][0]["lookups"].as_array().unwrap();
        assert_eq!(lookups.len(), 3, "every address keeps its place");
        let shown: Vec<&str> = lookups
            .iter()
            .filter(|l| l["filtered"] == false)
            .map(|l| l["function"].as_str().unwrap())
            .collect();
        assert_eq!(shown, [kept], "{filter:?}");
        assert_eq!(lookups[2]["filtered"], true);
        // Text: only the matching rows; the count of the others on stderr.
        let mut targs = vec!["funcs", "--addr", &m, "--addr", &r, "--addr", "0x10"];
        targs.extend(filter);
        targs.push(p);
        let out = goelf(&targs);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        let heads: Vec<&str> = text.lines().filter(|l| l.starts_with("0x")).collect();
        assert_eq!(heads.len(), 1, "{text}");
        assert!(heads[0].contains(&format!(": {kept}+0x0 ")), "{text}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("note: 2 of 3 addresses filtered out by --match/--package"),
            "{err}"
        );
    }
    // Without a filter nothing is marked.
    let (v, _) = goelf_json(&["funcs", "--json", "--addr", &m, "--addr", "0x10", p]);
    let lookups = v["files"][0]["lookups"].as_array().unwrap();
    assert!(lookups.iter().all(|l| l["filtered"] == false));
}

/// The `function` lines of `funcs --json-lines`, parsed; panics on a line that is not JSON or
/// lacks `schema_version`, `kind` or `path`.
fn json_lines(args: &[&str]) -> (Vec<serde_json::Value>, i32) {
    let out = goelf(args);
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    for l in &lines {
        assert_eq!(l["schema_version"], 1, "{l}");
        assert!(l["kind"].is_string() && l["path"].is_string(), "{l}");
    }
    (lines, out.status.code().unwrap_or(-1))
}

#[test]
fn json_lines_stream_every_function() {
    let mut checked = 0;
    for name in [
        "nethttp-go1.27.3-linux-amd64-default",
        "esbuild-0.8.47-go1.16-linux-arm",
        "initgraph-go1.27.3-linux-amd64-sw",
    ] {
        let Some(f) = find_fixture(name) else {
            continue;
        };
        let path = f.path();
        let p = path.to_str().unwrap();
        let (lines, code) = json_lines(&["funcs", "--json-lines", p]);
        assert_eq!(code, 0, "{name}");
        let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds.first(), Some(&"file"));
        assert_eq!(kinds.last(), Some(&"end"));
        assert!(lines.iter().all(|l| l["path"] == p));
        let head = &lines[0];
        assert_eq!(head["command"], "funcs");
        assert!(head["error"].is_null() && head["pclntab"]["nfunc"].is_u64());
        let rows: Vec<&serde_json::Value> =
            lines.iter().filter(|l| l["kind"] == "function").collect();
        let end = lines.last().unwrap();
        assert_eq!(end["ok"], true);
        assert_eq!(end["functions"], rows.len());
        // The same functions as --json, key for key.
        let (v, _) = goelf_json(&["funcs", "--json", p]);
        let want = v["files"][0]["functions"].as_array().unwrap();
        assert_eq!(rows.len(), want.len(), "{name}");
        for (a, b) in rows.iter().zip(want) {
            let mut a = (*a).clone();
            let obj = a.as_object_mut().unwrap();
            for k in ["schema_version", "kind", "path"] {
                obj.remove(k);
            }
            assert_eq!(&a, b, "{name}");
        }
        // And the functions go tool nm lists (of the unstripped twin): every text symbol in
        // the pclntab's range is a row at that address.
        let nm_fixture = if f.meta_bool("stripped") {
            find_fixture(f.meta_str("twin"))
        } else {
            Some(f.clone())
        };
        if let Some(nm) = nm_fixture.and_then(|t| t.golden("nm.txt")) {
            let entries: BTreeSet<u64> =
                rows.iter().map(|r| r["entry"].as_u64().unwrap()).collect();
            let lo = *entries.first().unwrap();
            let hi = rows
                .iter()
                .map(|r| r["end"].as_u64().unwrap())
                .max()
                .unwrap();
            let nm_entries: BTreeSet<u64> = nm
                .lines()
                .filter_map(|l| {
                    let mut it = l.split_whitespace();
                    let (a, _, k) = (it.next()?, it.next()?, it.next()?);
                    (k == "T" || k == "t").then(|| common::hex(a))
                })
                .filter(|a| (lo..hi).contains(a))
                .collect();
            assert_eq!(entries, nm_entries, "{name}: entries vs go tool nm");
            assert!(entries.len() > 1000, "{name}: {}", entries.len());
        }
        checked += 1;
    }
    assert!(checked >= 1, "no fixture");
}

#[test]
fn json_lines_of_several_files_and_failures() {
    let Some(f) = find_fixture("initgraph-go1.27.3-linux-amd64-default") else {
        return;
    };
    let path = f.path();
    let p = path.to_str().unwrap();
    let (lines, code) = json_lines(&[
        "funcs",
        "--json-lines",
        "--package",
        "main",
        p,
        "/nonexistent/x",
        p,
    ]);
    assert_eq!(code, 1);
    let by_path: BTreeMap<&str, usize> = lines.iter().fold(BTreeMap::new(), |mut m, l| {
        *m.entry(l["path"].as_str().unwrap()).or_default() += 1;
        m
    });
    assert_eq!(by_path["/nonexistent/x"], 2, "a file line and an end line");
    let files: Vec<&serde_json::Value> = lines.iter().filter(|l| l["kind"] == "file").collect();
    assert_eq!(files.len(), 3);
    assert!(files[1]["error"].as_str().unwrap().contains("No such file"));
    let ends: Vec<bool> = lines
        .iter()
        .filter(|l| l["kind"] == "end")
        .map(|l| l["ok"].as_bool().unwrap())
        .collect();
    assert_eq!(ends, [true, false, true]);
    // Each file's lines are together: file, its rows, end.
    let kinds: String = lines
        .iter()
        .map(|l| match l["kind"].as_str().unwrap() {
            "file" => 'F',
            "function" => 'f',
            "end" => 'E',
            _ => '?',
        })
        .collect();
    let n = lines.iter().filter(|l| l["kind"] == "function").count() / 2;
    let one = format!("F{}E", "f".repeat(n));
    assert_eq!(kinds, format!("{one}FE{one}"));
}

/// In pipes nothing but messages reaches stderr: no progress bar, no carriage return, no
/// escape sequence, also for a directory of many files.
#[test]
fn no_progress_in_pipes() {
    let dir = tempfile::tempdir().unwrap();
    let f = common::fixture("initgraph-go1.27.3-linux-amd64-default");
    for i in 0..6 {
        std::fs::copy(f.path(), dir.path().join(format!("b{i}"))).unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), "not a binary").unwrap();
    let d = dir.path().to_str().unwrap();
    for args in [
        vec!["inspect", d],
        vec!["inspect", "--json", d],
        vec!["funcs", "--json-lines", d],
        vec!["reloc-cost", d],
        vec!["funcs", "--package", "main", d, "/nonexistent/x"],
    ] {
        let out = goelf(&args);
        let err = out.stderr;
        assert!(
            !err.iter().any(|&b| b == b'\r' || b == 0x1b),
            "{args:?}: {:?}",
            String::from_utf8_lossy(&err)
        );
        assert!(!out.stdout.contains(&b'\r'), "{args:?}");
    }
}

/// The committed man pages are what `goelf generate man` writes now.
#[test]
fn committed_man_pages_are_generated() {
    let dir = tempfile::tempdir().unwrap();
    let out = goelf(&["generate", "man", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let committed = common::repo().join("man");
    let names = |d: &std::path::Path| -> BTreeSet<String> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".1"))
            .collect()
    };
    assert_eq!(names(dir.path()), names(&committed), "the set of pages");
    for n in names(dir.path()) {
        let fresh = std::fs::read_to_string(dir.path().join(&n)).unwrap();
        let old = std::fs::read_to_string(committed.join(&n)).unwrap();
        assert!(
            fresh == old,
            "man/{n} differs from `goelf generate man`: regenerate man/"
        );
        for section in ["EXAMPLES", "EXIT STATUS"] {
            assert!(
                fresh.contains(&format!(".SH \"{section}\""))
                    || fresh.contains(&format!(".SH {section}")),
                "{n}: no {section}"
            );
        }
    }
}

//! The Go section of `goelf inspect`, through the built CLI: `--modules` reproduces
//! `go version -m` byte for byte (golden `version-m.txt`), the JSON `go` object has its
//! documented keys, a C binary has `"go": null`, a packed binary says it is packed.

use crate::common;

/// `goelf inspect --modules` equals `go version -m ./bin` for every fixture with the golden.
/// The golden was made in the fixture directory with the path `./bin`; goelf is given the
/// decompressed binary's path, so that first-line prefix is put back before comparing.
#[test]
fn modules_output_is_go_version_m() {
    let mut checked = 0;
    for f in common::fixtures() {
        let Some(golden) = f.golden("version-m.txt") else {
            continue;
        };
        let path = f.path();
        let path = path.to_str().expect("utf-8 path");
        let out = common::goelf(&["inspect", "--modules", path]);
        assert!(out.status.success(), "{}: exit {:?}", f.name, out.status);
        let text = String::from_utf8(out.stdout).expect("utf-8 output");
        let text = match text.strip_prefix(path) {
            Some(rest) => format!("./bin{rest}"),
            None => panic!(
                "{}: first line does not start with the path: {text:?}",
                f.name
            ),
        };
        if text != golden {
            let line = text
                .lines()
                .zip(golden.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(text.lines().count().min(golden.lines().count()));
            panic!(
                "{}: goelf inspect --modules differs from `go version -m` at line {}:\n goelf: {:?}\n    go: {:?}",
                f.name,
                line + 1,
                text.lines().nth(line),
                golden.lines().nth(line)
            );
        }
        checked += 1;
    }
    assert!(checked > 0, "no fixture with version-m.txt");
}

/// Several files in one run print in argument order, each as `go version -m` would.
#[test]
fn modules_output_keeps_argument_order() {
    let fixtures: Vec<_> = common::fixtures()
        .into_iter()
        .filter(|f| f.golden("version-m.txt").is_some())
        .take(3)
        .collect();
    let paths: Vec<String> = fixtures
        .iter()
        .map(|f| f.path().to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["inspect", "--modules"];
    args.extend(paths.iter().map(String::as_str));
    let out = common::goelf(&args);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut expected = String::new();
    for (f, p) in fixtures.iter().zip(&paths) {
        let golden = f.golden("version-m.txt").unwrap_or_default();
        expected.push_str(p);
        expected.push_str(golden.strip_prefix("./bin").unwrap_or(&golden));
    }
    assert_eq!(text, expected);
}

fn inspect_json(path: &str) -> serde_json::Value {
    let out = common::goelf(&["inspect", "--json", path]);
    common::stdout_json(&out)
}

/// Every fixture's `go` object carries every documented key (null when absent), and a C
/// binary has `"go": null`.
#[test]
fn json_go_object_shape() {
    const KEYS: &[&str] = &[
        "version",
        "version_source",
        "buildinfo",
        "pclntab",
        "moduledata",
        "dwarf",
        "packer",
    ];
    const BUILDINFO_KEYS: &[&str] = &["go_version", "path", "main", "deps", "settings"];
    for f in common::fixtures() {
        let path = f.path();
        let doc = inspect_json(path.to_str().expect("utf-8 path"));
        let go = &doc["files"][0]["go"];
        if f.meta_str("go_version").is_empty() {
            assert!(
                go.is_null(),
                "{}: non-Go file has a go object: {go}",
                f.name
            );
            continue;
        }
        let obj = go
            .as_object()
            .unwrap_or_else(|| panic!("{}: go is {go}", f.name));
        for k in KEYS {
            assert!(obj.contains_key(*k), "{}: go.{k} missing", f.name);
        }
        assert_eq!(go["version"], f.meta_str("go_version"), "{}", f.name);
        assert_eq!(go["version_source"], "buildinfo", "{}", f.name);
        let bi = go["buildinfo"].as_object().expect("buildinfo object");
        for k in BUILDINFO_KEYS {
            assert!(bi.contains_key(*k), "{}: go.buildinfo.{k} missing", f.name);
        }
        for m in go["buildinfo"]["deps"].as_array().expect("deps array") {
            for k in ["path", "version", "sum", "replace"] {
                assert!(m.get(k).is_some(), "{}: dep key {k} missing", f.name);
            }
        }
    }
    let notgo = common::fixtures()
        .into_iter()
        .find(|f| f.name == "notgo-c")
        .expect("fixture notgo-c");
    let doc = inspect_json(notgo.path().to_str().expect("utf-8"));
    assert_eq!(doc["files"][0]["ok"], true);
    assert!(doc["files"][0]["go"].is_null());
}

/// The human report names the version, its source and the build info.
#[test]
fn human_go_section() {
    let f = common::fixtures()
        .into_iter()
        .find(|f| f.meta_str("variant") == "default" && f.golden("version-m.txt").is_some())
        .expect("a default fixture");
    let out = common::goelf(&[
        "inspect",
        "--no-sections",
        f.path().to_str().expect("utf-8"),
    ]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let want = format!("Go: version {} (from buildinfo)", f.meta_str("go_version"));
    assert!(text.contains(&want), "{}: no {want:?} in\n{text}", f.name);
    assert!(text.contains("main package: "), "{text}");
}

/// A UPX-packed binary is reported as packed, not as "not a Go binary", and `--modules`
/// says there is no build information (exit status still 0: the file was analysed).
#[test]
fn packed_binary_cli() {
    let path = common::repo().join("testdata/packed/initgraph-go1.22.10-linux-amd64-sw.upx");
    if !path.exists() {
        eprintln!("skipped: {} absent", path.display());
        return;
    }
    let p = path.to_str().expect("utf-8");
    let out = common::goelf(&["inspect", "--no-sections", p]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("packed with UPX 3.94"), "{text}");
    assert!(!text.contains("not a Go binary"), "{text}");
    let doc = inspect_json(p);
    assert_eq!(doc["files"][0]["go"]["packer"]["name"], "UPX");
    let out = common::goelf(&["inspect", "--modules", p]);
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Go build information"));
}

/// The quick DWARF summary (default) and the full walk (`--dwarf`) agree: same producer and
/// version (the toolchain in meta.json), and where the quick one walked every unit (an
/// uncompressed or small section) the same counts, producers and flags; where it did not,
/// its counts are null. The CLI flag selects the full walk.
#[test]
fn dwarf_quick_agrees_with_full() {
    use goelf::go::dwarf::{analyze_with, DwarfMode};
    let (mut counted, mut prefix) = (0, 0);
    for f in common::fixtures() {
        let data = f.bytes();
        let Ok(image) = goelf::image::Image::parse(&data) else {
            continue;
        };
        let full = analyze_with(&image, DwarfMode::Full, &mut Vec::new());
        let quick = analyze_with(&image, DwarfMode::Quick, &mut Vec::new());
        let Some(full) = full else {
            assert!(quick.is_none(), "{}: quick DWARF without full", f.name);
            continue;
        };
        let quick = quick.unwrap_or_else(|| panic!("{}: no quick DWARF summary", f.name));
        assert!(full.units_counted, "{}: full walk did not count", f.name);
        assert!(full.compile_units.is_some() && full.go_compile_units.is_some());
        assert_eq!(quick.producer, full.producer, "{}: producer", f.name);
        assert_eq!(quick.go_version, full.go_version, "{}: go_version", f.name);
        assert_eq!(quick.compressed, full.compressed, "{}", f.name);
        let want = f.meta_str("go_version");
        if !want.is_empty() && full.producer.is_some() {
            assert_eq!(quick.go_version.as_deref(), Some(want), "{}: quick", f.name);
        }
        if quick.units_counted {
            assert_eq!(quick, full, "{}: quick walk counted every unit", f.name);
            counted += 1;
        } else {
            assert!(
                quick.compile_units.is_none() && quick.go_compile_units.is_none(),
                "{}: counts without a full walk",
                f.name
            );
            assert!(quick.compressed, "{}: uncompressed but not walked", f.name);
            prefix += 1;
        }
        eprintln!(
            "{}: quick counted {}, full {:?} units",
            f.name, quick.units_counted, full.compile_units
        );
    }
    assert!(counted > 0, "no fixture walked whole in quick mode");
    assert!(prefix > 0, "no fixture read by prefix in quick mode");

    let f = common::fixture("nethttp-go1.27.3-linux-amd64-default");
    let p = f.path();
    let p = p.to_str().expect("utf-8");
    let quick = inspect_json(p);
    let out = common::goelf(&["inspect", "--json", "--dwarf", p]);
    let full: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let (q, d) = (
        &quick["files"][0]["go"]["dwarf"],
        &full["files"][0]["go"]["dwarf"],
    );
    assert_eq!(q["units_counted"], false, "{q}");
    assert!(q["compile_units"].is_null(), "{q}");
    assert_eq!(d["units_counted"], true, "{d}");
    assert!(d["compile_units"].as_u64().is_some_and(|n| n > 0), "{d}");
    assert_eq!(q["producer"], d["producer"]);
}

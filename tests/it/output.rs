//! Output a pipeline and a person can trust (#11): a truncated file fails every command and
//! is named as damaged; plain columns (no box borders) in pipes; errors on stderr as
//! `goelf: PATH: message`; flags that cannot be combined are refused; `-q`.
//!
//! The truncation points come from the fixture's own program headers as `readelf -lW` (its
//! committed `readelf-hlSdW.txt`) is not needed for: a cut inside the first PT_LOAD is a cut
//! any loader rejects.

use crate::common;

use common::{goelf, stdout_json};

const COMMANDS: [&str; 4] = ["inspect", "funcs", "init-order", "reloc-cost"];

#[test]
fn truncated_binary_fails_every_command() {
    let f = common::fixture("initgraph-go1.27.3-linux-amd64-default");
    let data = std::fs::read(f.path()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for cut in [100_000usize, data.len() / 2, data.len() - 1] {
        let t = dir.path().join(format!("t{cut}"));
        std::fs::write(&t, &data[..cut]).unwrap();
        let ts = t.to_str().unwrap();
        for cmd in COMMANDS {
            let out = goelf(&[cmd, ts]);
            let err = String::from_utf8_lossy(&out.stderr);
            let text = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(1), "{cmd} {cut}: {err}");
            assert!(
                err.contains(&format!("goelf: {ts}: the file is truncated")),
                "{cmd} {cut}: {err}"
            );
            assert!(!text.contains("not a Go binary"), "{cmd} {cut}: {text}");
            assert!(!text.contains("static binary"), "{cmd} {cut}: {text}");
            let out = goelf(&[cmd, "--json", ts]);
            assert_eq!(out.status.code(), Some(1), "{cmd} --json {cut}");
            let v = stdout_json(&out);
            assert_eq!(v["files"][0]["ok"], false, "{cmd} {cut}");
        }
        let (v, _) = common::goelf_json(&["inspect", "--json", ts]);
        let problems = v["files"][0]["problems"].as_array().unwrap();
        assert!(problems
            .iter()
            .any(|p| p["code"] == "file.truncated" && p["severity"] == "error"));
    }
    // The untouched file passes.
    for cmd in COMMANDS {
        let out = goelf(&[cmd, f.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{cmd}");
    }
}

#[test]
fn plain_columns_in_pipes() {
    let f = common::fixture("initgraph-go1.27.3-linux-amd64-pie");
    let p = f.path();
    let p = p.to_str().unwrap();
    for args in [
        vec!["inspect", p],
        vec!["funcs", p],
        vec!["init-order", p],
        vec!["reloc-cost", p, p],
    ] {
        let out = goelf(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        for l in text.lines() {
            assert!(
                !l.starts_with('|') && !l.starts_with("+-") && !l.starts_with("+="),
                "{args:?}: {l}"
            );
            // One field (a path, a symbol name) may be longer; nothing else is.
            let longest = l.split("  ").map(str::len).max().unwrap_or(0);
            assert!(
                l.len() <= 160 || longest > 60,
                "{args:?}: {} columns: {l}",
                l.len()
            );
        }
    }
    // The answer first.
    let out = goelf(&["inspect", p]);
    let first = String::from_utf8(out.stdout).unwrap();
    let first = first.lines().next().unwrap().to_string();
    assert_eq!(
        first,
        format!("{p}: Go 1.27.3, linux/amd64, dynamic, PIE, stripped: no")
    );
}

#[test]
fn funcs_rows_name_their_file_and_errors_go_to_stderr() {
    let f = common::fixture("initgraph-go1.27.3-linux-amd64-default");
    let p = f.path();
    let p = p.to_str().unwrap();
    let out = goelf(&["funcs", p, "/nonexistent/x"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().next().unwrap().starts_with("FILE "));
    assert!(
        text.lines().skip(1).all(|l| l.starts_with(p)),
        "every row says its file"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("goelf: /nonexistent/x: "), "{err}");
    assert!(!text.contains("No such file"));
}

#[test]
fn refused_combinations_and_quiet() {
    let f = common::fixture("initgraph-go1.27.3-linux-amd64-default");
    let p = f.path();
    let p = p.to_str().unwrap();
    let out = goelf(&["funcs", p, "--json", "--json-lines"]);
    assert_eq!(out.status.code(), Some(2));
    let out = goelf(&["-q", "inspect", p]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let out = goelf(&["inspect", "-q", "/nonexistent/x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(!out.stderr.is_empty());
}

#[test]
fn json_envelope_in_every_mode() {
    let f = common::fixture("initgraph-go1.27.3-linux-amd64-default");
    let p = f.path();
    let p = p.to_str().unwrap();
    for args in [
        vec!["inspect", "--json", "--modules", p],
        vec!["init-order", "--json", "--baseline", p, p],
    ] {
        let (v, code) = common::goelf_json(&args);
        assert_eq!(code, 0, "{args:?}");
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["tool"], "goelf");
        assert!(
            v["files"].as_array().is_some_and(|f| !f.is_empty()),
            "{args:?}: {v}"
        );
    }
    let (v, _) = common::goelf_json(&["inspect", "--json", "--modules", p]);
    assert_eq!(v["files"][0]["buildinfo"]["go_version"], "go1.27.3");
    assert!(v["files"][0]["version_m"]
        .as_str()
        .unwrap()
        .contains("\tpath\t"));
}

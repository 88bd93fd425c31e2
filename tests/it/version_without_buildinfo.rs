//! The exact Go version of binaries whose build info is gone (issue #12): `.go.buildinfo`
//! removed by objcopy, zeroed, or zeroed with the section headers dropped
//! (`testdata/derived/`). The expected version is `go version` of the original binary
//! (`go-version-original.txt`); Go's own tool reads nothing from the derived file
//! (`go-version.txt`). Where the original keeps its symbol table, the string header and the
//! string goelf found must be `go tool nm`'s `runtime.buildVersion` and
//! `runtime.buildVersion.str`.

use crate::common;

fn go_report(path: &std::path::Path) -> serde_json::Value {
    let (v, code) = common::goelf_json(&["inspect", "--json", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{}: {v}", path.display());
    v["files"][0].clone()
}

fn nm_address(nm: &str, symbol: &str) -> Option<u64> {
    nm.lines().find_map(|l| {
        let mut c = l.split_whitespace();
        let addr = c.next()?;
        let name = c.last()?;
        (name == symbol).then(|| u64::from_str_radix(addr, 16).ok())?
    })
}

#[test]
fn version_is_the_originals_go_version() {
    let all = common::derived();
    let mut kinds = std::collections::BTreeSet::new();
    for d in &all {
        let f = &d.fixture;
        let original = f
            .golden("go-version-original.txt")
            .expect("go-version-original.txt");
        let want = original
            .split_whitespace()
            .nth(1)
            .expect("go version output");
        let theirs = f.golden("go-version.txt").unwrap_or_default();
        assert!(
            theirs.contains("could not read Go build info"),
            "{}: go version reads it: {theirs}",
            d.name
        );
        let file = go_report(&d.path());
        let go = &file["go"];
        assert_eq!(go["buildinfo"], serde_json::Value::Null, "{}", d.name);
        assert_eq!(go["version"], want, "{}: {}", d.name, file["problems"]);
        assert_eq!(go["version_source"], "runtime.schedinit", "{}", d.name);
        let ev = &go["version_evidence"];
        assert_eq!(ev["anchor"], "runtime.schedinit", "{}", d.name);
        assert_eq!(ev["len"].as_u64(), Some(want.len() as u64), "{}", d.name);
        assert!(ev["moduledata_layout"].is_string(), "{}: {ev}", d.name);
        // The original's symbol table names the variable and its string.
        let base = common::fixture(f.meta_str("derived_from"));
        if let Some(nm) = base.golden("nm.txt") {
            assert_eq!(
                ev["header"].as_u64(),
                nm_address(&nm, "runtime.buildVersion"),
                "{}",
                d.name
            );
            assert_eq!(
                ev["data"].as_u64(),
                nm_address(&nm, "runtime.buildVersion.str"),
                "{}",
                d.name
            );
            kinds.insert("nm");
        }
        kinds.insert(f.meta_str("derivation"));
    }
    if all.is_empty() {
        eprintln!("no testdata/derived binaries: skipped");
        return;
    }
    for k in ["nobi", "nobi-s", "zerobi", "noshdr", "nm"] {
        assert!(
            kinds.contains(k),
            "no derived binary of kind {k}: {kinds:?}"
        );
    }
}

/// Without the string `runtime.schedinit` refers to, goelf names the era only; a version
/// string the era contradicts is not taken — never a guess.
#[test]
fn no_guess_without_the_runtimes_string() {
    let Some(d) = common::derived()
        .into_iter()
        .find(|d| d.name == "gomodpath-go1.27.3-linux-amd64-sw-zerobi")
    else {
        return;
    };
    let file = go_report(&d.path());
    let ev = &file["go"]["version_evidence"];
    let data = ev["data"].as_u64().unwrap();
    let bytes = std::fs::read(d.path()).unwrap();
    let image = goelf::image::Image::parse(&bytes).unwrap();
    let at = image.vaddr_to_offset(data).unwrap() as usize;
    assert_eq!(&bytes[at..at + 8], b"go1.27.3");
    let dir = tempfile::tempdir().unwrap();
    for (text, why) in [
        (&b"\0\0\0\0\0\0\0\0"[..], None),
        (b"go1.17.1", Some("go.build_version_mismatch")),
    ] {
        let mut b = bytes.clone();
        b[at..at + 8].copy_from_slice(text);
        let p = dir.path().join("bin");
        std::fs::write(&p, &b).unwrap();
        let file = go_report(&p);
        let go = &file["go"];
        assert_eq!(go["version"], "go1.20+", "{}", file["problems"]);
        assert_eq!(go["version_source"], "pclntab");
        assert_eq!(go["version_evidence"], serde_json::Value::Null);
        let codes: Vec<&str> = file["problems"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p["code"].as_str()).collect())
            .unwrap_or_default();
        if let Some(code) = why {
            assert!(codes.contains(&code), "{codes:?}");
        }
    }
}

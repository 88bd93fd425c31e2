//! The JSON contract: within `schema_version` 1 keys are only ever added. Every key path that
//! a command printed when its key list was recorded (`tests/json_keys/<command>.txt`) must
//! still be printed, with the same JSON type, on the same fixture. A removed, renamed or
//! retyped key fails here; a new key needs the list regenerated
//! (`GOELF_UPDATE_KEYS=1 cargo test --test json_contract`).
//!
//! This pins the shape only; the values are checked against external tools elsewhere. The
//! SBOM documents (`sbom-cyclonedx`, `sbom-spdx`) are pinned too, though their shape is the
//! CycloneDX and SPDX schemas' (tests/it/sbom.rs validates them).

use crate::common;

use std::collections::BTreeSet;

fn paths(v: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    let ty = match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    };
    // A null may later be filled; record nulls without a type so either is accepted.
    if ty != "null" {
        out.insert(format!("{prefix}: {ty}"));
    } else {
        out.insert(format!("{prefix}: null"));
    }
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                paths(x, &format!("{prefix}.{k}"), out);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                paths(x, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

fn check(command: &str, args: &[&str]) {
    check_keys(command, args, true)
}

/// [`check`]; `envelope` false for a document in someone else's format (an SBOM: CycloneDX or
/// SPDX, without goelf's envelope and `schema_version`).
fn check_keys(command: &str, args: &[&str], envelope: bool) {
    let out = common::goelf(args);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{command}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v = common::stdout_json(&out);
    if envelope {
        assert_eq!(v["schema_version"], 1, "{command}: schema_version");
    }
    let mut got = BTreeSet::new();
    paths(&v, "$", &mut got);
    let file = common::repo().join(format!("tests/json_keys/{command}.txt"));
    if std::env::var_os("GOELF_UPDATE_KEYS").is_some() {
        let text: String = got.iter().map(|p| format!("{p}\n")).collect();
        std::fs::write(&file, text).unwrap();
        return;
    }
    let want =
        std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("{} missing", file.display()));
    let got_untyped: BTreeSet<&str> = got
        .iter()
        .filter_map(|p| p.rsplit_once(": ").map(|x| x.0))
        .collect();
    for line in want.lines().filter(|l| !l.is_empty()) {
        let (path, ty) = line.rsplit_once(": ").unwrap();
        let ok = if ty == "null" {
            got_untyped.contains(path)
        } else {
            got.contains(line) || got.contains(&format!("{path}: null"))
        };
        assert!(
            ok,
            "{command}: key {path} ({ty}) is no longer printed the same way (JSON contract)"
        );
    }
}

#[test]
fn inspect_keys_are_stable() {
    let f = common::fixture("cgohello-go1.27.3-linux-amd64-cgo-ext-pie");
    let p = f.path();
    check("inspect", &["inspect", "--json", p.to_str().unwrap()]);
}

#[test]
fn funcs_keys_are_stable() {
    let f = common::fixture("initgraph-go1.22.10-linux-amd64-default");
    let p = f.path();
    check(
        "funcs",
        &["funcs", "--json", "--package", "main", p.to_str().unwrap()],
    );
}

#[test]
fn init_order_keys_are_stable() {
    let f = common::fixture("initgraph-go1.27.3-linux-amd64-default");
    let p = f.path();
    check("init-order", &["init-order", "--json", p.to_str().unwrap()]);
}

#[test]
fn startup_keys_are_stable() {
    let a = common::fixture("cgohello-go1.27.3-linux-amd64-cgo-ext").path();
    let b = common::fixture("initgraph-go1.27.3-linux-amd64-pie").path();
    check(
        "startup",
        &[
            "startup",
            "--json",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
    );
}

#[test]
fn reloc_cost_keys_are_stable() {
    let a = common::fixture("nethttp-go1.27.3-linux-amd64-default").path();
    let b = common::fixture("nethttp-go1.27.3-linux-amd64-pie").path();
    check(
        "reloc-cost",
        &[
            "reloc-cost",
            "--json",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
    );
}

/// A failed report keeps its error typed (variant and `code()`), and its JSON `error` is the
/// error's message; read back from JSON, only the message is known.
#[test]
fn failed_reports_keep_typed_errors() {
    use goelf::inspect::{inspect_bytes, InspectError, InspectFile};
    use goelf::reloc::cost::{analyze_bytes, RelocCostError, RelocCostFile};

    let r = inspect_bytes("empty", b"", &Default::default());
    assert_eq!(r.error, Some(InspectError::UnknownFormat("empty file")));
    assert_eq!(
        r.error.as_ref().map(InspectError::code),
        Some("unknown_format")
    );
    let json = serde_json::to_value(&r).expect("serializes");
    assert_eq!(json["error"], "empty file");
    let back: InspectFile = serde_json::from_value(json).expect("deserializes");
    assert_eq!(back.error, Some(InspectError::Other("empty file".into())));

    let r = analyze_bytes("short", b"\x7fEL", &Default::default());
    let Some(RelocCostError::NotElf(e)) = &r.error else {
        panic!("not NotElf: {:?}", r.error);
    };
    let message = format!("not an ELF file reloc-cost can read: {e}");
    assert_eq!(r.error.as_ref().map(RelocCostError::code), Some(e.code()));
    let json = serde_json::to_value(&r).expect("serializes");
    assert_eq!(json["error"], message.as_str());
    let back: RelocCostFile = serde_json::from_value(json).expect("deserializes");
    assert_eq!(back.error, Some(RelocCostError::Other(message)));
}

#[test]
fn inspect_pe_keys_are_stable() {
    let f = common::containers()
        .into_iter()
        .find(|f| f.name.contains("windows-amd64-cshared"))
        .expect("DLL fixture");
    let p = f.path();
    check(
        "inspect-pe",
        &["inspect", "--json", "--no-go", p.to_str().unwrap()],
    );
}

#[test]
fn inspect_macho_keys_are_stable() {
    let f = common::fixture("pygohcl-1.0.6-go1.17-darwin-amd64-cshared");
    let p = f.path();
    check(
        "inspect-macho",
        &["inspect", "--json", "--no-go", p.to_str().unwrap()],
    );
}

#[test]
fn init_order_pe_keys_are_stable() {
    let f = common::containers()
        .into_iter()
        .find(|f| f.name.contains("windows-amd64-cshared"))
        .expect("DLL fixture");
    let p = f.path();
    check(
        "init-order-pe",
        &["init-order", "--json", p.to_str().unwrap()],
    );
}

#[test]
fn symbolize_keys_are_stable() {
    let dir = common::repo().join("testdata/crash/crash-go1.27.3-linux-amd64-pie-sw");
    let meta = std::fs::read_to_string(dir.join("meta.json")).unwrap();
    let f = common::Fixture {
        name: "crash-go1.27.3-linux-amd64-pie-sw".into(),
        dir: dir.clone(),
        meta: serde_json::from_str(&meta).unwrap(),
    };
    let p = f.path();
    let t = dir.join("trace-system.txt");
    check(
        "symbolize",
        &[
            "symbolize",
            "--json",
            p.to_str().unwrap(),
            t.to_str().unwrap(),
        ],
    );
}

#[test]
fn reloc_cost_pe_keys_are_stable() {
    let f = common::containers()
        .into_iter()
        .find(|f| f.name.contains("windows-amd64-cshared"))
        .expect("DLL fixture");
    let p = f.path();
    check(
        "reloc-cost-pe",
        &[
            "reloc-cost",
            "--json",
            "--model",
            "fixed",
            p.to_str().unwrap(),
        ],
    );
}

#[test]
fn reloc_cost_macho_keys_are_stable() {
    let a = common::fixture("pygohcl-1.0.6-go1.17-darwin-amd64-cshared").path();
    let b = common::containers()
        .into_iter()
        .find(|f| f.name.starts_with("chained-"))
        .expect("chained fixups fixture")
        .path();
    check(
        "reloc-cost-macho",
        &[
            "reloc-cost",
            "--json",
            "--model",
            "fixed",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
    );
}

#[test]
fn size_keys_are_stable() {
    let p = common::fixture("pairs-go1.27.3-linux-amd64-w").path();
    check("size", &["size", "--json", p.to_str().unwrap()]);
}

#[test]
fn diff_keys_are_stable() {
    let a = common::fixture("pairs-go1.27.3-linux-amd64-w").path();
    let b = common::fixture("pairs-go1.27.3-linux-amd64-w-dep110").path();
    check(
        "diff",
        &["diff", "--json", a.to_str().unwrap(), b.to_str().unwrap()],
    );
}

#[test]
fn check_keys_are_stable() {
    let policy = common::repo().join("examples/policy.toml");
    let p = common::fixture("pairs-go1.27.3-linux-amd64-w").path();
    check(
        "check",
        &[
            "check",
            "--json",
            "--policy",
            policy.to_str().unwrap(),
            p.to_str().unwrap(),
        ],
    );
}

#[test]
fn sbom_keys_are_stable() {
    let p = common::fixture("pairs-go1.27.3-linux-amd64-w-dep110").path();
    // Not goelf's envelope: the keys of the CycloneDX and SPDX documents goelf writes.
    for format in ["cyclonedx", "spdx"] {
        check_keys(
            &format!("sbom-{format}"),
            &["sbom", "--format", format, p.to_str().unwrap()],
            false,
        );
    }
}

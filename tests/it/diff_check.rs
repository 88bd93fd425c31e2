//! `goelf diff` and `goelf check` (#13) on fixture pairs whose differences are known from
//! outside goelf: the `go version -m` of each build (its `-buildmode` setting) and what
//! `readelf` says of PIE (ET_DYN) against a static ET_EXEC.

use crate::common;

fn goelf(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_goelf"))
        .args(args)
        .output()
        .expect("run goelf")
}

#[test]
fn a_binary_against_itself_and_a_copy_is_no_change() {
    let f = common::fixture("initgraph-go1.27.3-linux-amd64-default");
    let p = f.path();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy");
    std::fs::copy(&p, &copy).unwrap();
    for other in [p.clone(), copy] {
        let out = goelf(&[
            "diff",
            "--json",
            p.to_str().unwrap(),
            other.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn pie_against_default_changes_buildmode_and_hardening_only_where_expected() {
    let a = common::fixture("initgraph-go1.27.3-linux-amd64-default");
    let b = common::fixture("initgraph-go1.27.3-linux-amd64-pie");
    // The outside reference: go version -m of the PIE build says -buildmode=pie.
    let vm = std::fs::read_to_string(b.dir.join("version-m.txt")).unwrap();
    assert!(vm.contains("-buildmode=pie"), "{vm}");
    let (pa, pb) = (a.path(), b.path());
    let out = goelf(&["diff", pa.to_str().unwrap(), pb.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    for kind in ["build_settings", "hardening", "dynamic_relocations"] {
        assert!(first.contains(kind), "{first}");
    }
    for kind in ["go_version", "modules", "init_order"] {
        assert!(!first.contains(kind), "{first}");
    }
    assert!(text.contains("pie     false -> true"), "{text}");
    // --ignore leaves kinds out of the exit status.
    let mut args = vec!["diff", pa.to_str().unwrap(), pb.to_str().unwrap()];
    for k in first.split_once("changed: ").unwrap().1.split_whitespace() {
        args.extend(["--ignore", k]);
    }
    assert_eq!(goelf(&args).status.code(), Some(0));
}

#[test]
fn the_example_policy_passes_a_pie_and_fails_a_static_build() {
    let policy = common::repo().join("examples/policy.toml");
    let pol = policy.to_str().unwrap();
    let a = common::fixture("initgraph-go1.27.3-linux-amd64-default").path();
    let b = common::fixture("initgraph-go1.27.3-linux-amd64-pie").path();
    let out = goelf(&["check", "--policy", pol, b.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = goelf(&["check", "--policy", pol, a.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let fails: Vec<_> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("FAIL"))
        .collect();
    assert_eq!(fails.len(), 1, "{text}");
    assert!(fails[0].contains("require_pie"), "{text}");
}

#[test]
fn a_malformed_policy_is_a_usage_error_naming_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let pol = dir.path().join("p.toml");
    std::fs::write(&pol, "require_pie = true\nmin_go = \"1.22\"\n").unwrap();
    let a = common::fixture("initgraph-go1.27.3-linux-amd64-default").path();
    let out = goelf(&[
        "check",
        "--policy",
        pol.to_str().unwrap(),
        a.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("line 2, column 1") && err.contains("min_go"),
        "{err}"
    );
    std::fs::write(&pol, "require_pie = \"yes\"\n").unwrap();
    let out = goelf(&[
        "check",
        "--policy",
        pol.to_str().unwrap(),
        a.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

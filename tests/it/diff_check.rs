//! `goelf diff` and `goelf check` (#13) on fixture pairs whose differences are known from
//! outside goelf: the `go version -m` of each build (its `-buildmode` setting) and what
//! `readelf` says of PIE (ET_DYN) against a static ET_EXEC.
//!
//! The pairs of `testdata/src/pairs` (one change each; `regen.sh pairs`): every kind `diff
//! --json` reports as changed, and every row of it, is what the goldens of the two builds
//! say changed, and nothing else: `go version -m` (Go version, modules, build settings),
//! `readelf -hlSdW` and `-rW` (hardening, segments, sections, dynamic relocations),
//! `godump.json` (Go's `debug/gosym`: function names, ranges and packages), `go tool nm
//! -size` (data per package) and `GODEBUG=inittrace=1` (init order).

use std::collections::{BTreeMap, BTreeSet};

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

// ------------------------------------------------------------------ the pairs of #13

/// What `go version -m` says of a build.
#[derive(Debug, Default, PartialEq)]
struct VersionM {
    go: String,
    /// the main module's path
    main: String,
    /// dependency path -> (version, sum, replacement "path version sum")
    deps: BTreeMap<String, (String, String, Option<String>)>,
    /// build setting key -> value (unquoted)
    settings: BTreeMap<String, String>,
}

/// Undo `go version -m`'s quoting of a setting value (`strconv.Quote` when it holds a space,
/// a quote or a control character).
fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return v.to_string();
    };
    let mut out = String::new();
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            out.extend(it.next());
        } else {
            out.push(c);
        }
    }
    out
}

fn version_m(f: &common::Fixture) -> VersionM {
    let text = f.golden("version-m.txt").expect("version-m.txt");
    let mut v = VersionM::default();
    let mut last_dep: Option<String> = None;
    for line in text.lines() {
        if let Some((_, go)) = line.split_once(": ") {
            if !line.starts_with('\t') {
                v.go = go.trim().to_string();
                continue;
            }
        }
        let cols: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
        match cols.as_slice() {
            ["mod", path, ..] => v.main = path.to_string(),
            ["dep", path, ver, rest @ ..] => {
                let sum = rest.first().copied().unwrap_or("").to_string();
                v.deps
                    .insert(path.to_string(), (ver.to_string(), sum, None));
                last_dep = Some(path.to_string());
            }
            ["=>", path, ver, rest @ ..] => {
                let d = v.deps.get_mut(last_dep.as_ref().unwrap()).unwrap();
                d.2 = Some(format!(
                    "{path} {ver} {}",
                    rest.first().copied().unwrap_or("")
                ));
            }
            ["build", kv] => {
                let (k, val) = kv.split_once('=').unwrap();
                v.settings.insert(k.to_string(), unquote(val));
            }
            _ => {}
        }
    }
    v
}

/// readelf's segments and sections of a build, named as `diff` names them: `TYPE FLAGS`,
/// the section name, `#2`, `#3` for the second and third of the same.
fn readelf_sizes(f: &common::Fixture) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let r = common::readelf::parse_readelf(&f.golden("readelf-hlSdW.txt").unwrap());
    fn unique(seen: &mut BTreeMap<String, u32>, name: String) -> String {
        let n = seen.entry(name.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            name
        } else {
            format!("{name} #{n}")
        }
    }
    let mut seen = BTreeMap::new();
    let mut segs = BTreeMap::new();
    for p in &r.phdrs {
        // [type, offset, vaddr, paddr, filesz, memsz, flags, align]; flags as "RE", "RW"
        let fl = &p[6];
        let flags: String = [('R', 'R'), ('W', 'W'), ('E', 'E')]
            .iter()
            .map(|&(c, out)| if fl.contains(c) { out } else { ' ' })
            .collect();
        let name = unique(&mut seen, format!("{} {}", p[0], flags.trim_end()));
        segs.insert(name, common::hex(&p[5]));
    }
    let mut seen = BTreeMap::new();
    let mut secs = BTreeMap::new();
    for s in r.section_rows() {
        secs.insert(unique(&mut seen, s.name.clone()), s.size);
    }
    (segs, secs)
}

/// Dynamic relocations by type from `readelf -rW`.
fn readelf_relocs(f: &common::Fixture) -> BTreeMap<String, u64> {
    let text = f.golden("readelf-rW.txt").unwrap();
    let mut by_type = BTreeMap::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() >= 3 && cols[0].len() == 16 && u64::from_str_radix(cols[0], 16).is_ok() {
            *by_type.entry(cols[2].to_string()).or_insert(0) += 1;
        }
    }
    by_type
}

/// The package of a data symbol by Go's rule (`cmd/internal/objabi`): the import path up to
/// the first `.` after the last `/`; `type:*`, `go:*` and the compiler's constants
/// (`$f64.3ff0000000000000`) belong to none, and before Go 1.20 (`pre_go120`) neither do
/// `type.*` and `go.*` (`debug/gosym`'s rule for those versions; the pair fixtures hold no
/// module whose path begins with `go.`).
fn data_package(name: &str, pre_go120: bool) -> Option<&str> {
    if name.starts_with("type:") || name.starts_with("go:") || name.starts_with('$') {
        return None;
    }
    if pre_go120 && (name.starts_with("type.") || name.starts_with("go.")) {
        return None;
    }
    let slash = name.rfind('/').map_or(0, |s| s + 1);
    let dot = name[slash..].find('.')? + slash;
    Some(&name[..dot])
}

/// The package of a compiler-made equality or hash function, by issue #12's rule
/// (`type..eq.PKG.T` belongs to PKG), which `debug/gosym` does not apply (it gives such
/// names no package): the named type's package; composite types (`[2]T`, `struct { … }`)
/// and Go 1.26+'s shape keys (`type:.eq.M24S`, no `.`) have none.
fn type_function_package(name: &str) -> Option<&str> {
    let subject = ["type:.eq.", "type:.hash.", "type..eq.", "type..hash."]
        .iter()
        .find_map(|p| name.strip_prefix(p))?;
    let pkg = data_package(subject, false)?;
    let path_char = |c: char| c.is_ascii_alphanumeric() || "_-./~%".contains(c);
    (pkg.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') && pkg.chars().all(path_char))
        .then_some(pkg)
}

/// Bytes per package as `diff` counts them, from outside goelf: every function's range
/// (`debug/gosym`'s entry to end, by its package) and, with `data`, every sized data,
/// rodata and bss symbol of `go tool nm -size`.
fn outside_package_bytes(f: &common::Fixture, data: bool) -> BTreeMap<String, u64> {
    let g = f.godump().unwrap();
    let pre_go120 = g["pclntab"]["magic"] != "0xfffffff1";
    let mut m = BTreeMap::new();
    for func in g["funcs"].as_array().unwrap() {
        let name = func["name"].as_str().unwrap();
        let pkg = match func["package"].as_str().unwrap() {
            "" => match type_function_package(name) {
                Some(p) => p,
                None => continue,
            },
            p => p,
        };
        let n = func["end"].as_u64().unwrap() - func["entry"].as_u64().unwrap();
        *m.entry(pkg.to_string()).or_insert(0) += n;
    }
    if data {
        // From Go 1.26 `.gopclntab` holds `runtime.findfunctab` and `go:func.*`: pclntab
        // bytes, which diff leaves out (as tests/it/size.rs leaves them out of data).
        let r = common::readelf::parse_readelf(&f.golden("readelf-hlSdW.txt").unwrap());
        let rows = r.section_rows();
        let pcl = rows
            .iter()
            .find(|s| s.name == ".gopclntab")
            .map_or((0, 0), |s| (s.addr, s.addr + s.size));
        let sections: Vec<(u64, u64)> = rows
            .iter()
            .filter(|s| s.addr != 0 && s.flags.contains('A') && !s.flags.contains('T'))
            .map(|s| (s.addr, s.addr + s.size))
            .collect();
        for line in f.golden("nm.txt").unwrap().lines() {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let [addr, size, ty, name] = cols.as_slice() else {
                continue;
            };
            // Thread-local symbols (`runtime.tlsg` of an external link, `go tool nm` address 0:
            // an offset into the TLS block) lie in no section's memory: data of no package.
            let a = common::hex(addr);
            if (a >= pcl.0 && a < pcl.1) || !sections.iter().any(|&(s, e)| a >= s && a < e) {
                continue;
            }
            let (Ok(size), true) = (size.parse::<u64>(), "DdBbRr".contains(*ty)) else {
                continue;
            };
            if let Some(p) = data_package(name, pre_go120) {
                *m.entry(p.to_string()).or_insert(0) += size;
            }
        }
    }
    m.retain(|_, v| *v != 0);
    m
}

/// The module of a package: `std` without a dot in its first element, else the longest
/// module of the build info it lies in (`main`: the main module).
fn module_of(pkg: &str, vm: &VersionM) -> String {
    if pkg == "main" {
        return vm.main.clone();
    }
    let first = pkg.split('/').next().unwrap();
    if !first.contains('.') {
        return "std".into();
    }
    vm.deps
        .keys()
        .chain(std::iter::once(&vm.main))
        .filter(|m| pkg == m.as_str() || pkg.starts_with(&format!("{m}/")))
        .max_by_key(|m| m.len())
        .cloned()
        .unwrap_or_else(|| "(unknown)".into())
}

fn per_module(pkgs: &BTreeMap<String, u64>, vm: &VersionM) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for (p, n) in pkgs {
        *m.entry(module_of(p, vm)).or_insert(0) += n;
    }
    m
}

/// Rows of `(name, old, new)` where two maps differ.
fn changed_rows(
    old: &BTreeMap<String, u64>,
    new: &BTreeMap<String, u64>,
) -> BTreeSet<(String, Option<u64>, Option<u64>)> {
    old.keys()
        .chain(new.keys())
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| (k.clone(), old.get(k).copied(), new.get(k).copied()))
        .collect()
}

fn json_rows(v: &serde_json::Value) -> BTreeSet<(String, Option<u64>, Option<u64>)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["old"].as_u64(),
                r["new"].as_u64(),
            )
        })
        .collect()
}

fn function_names(f: &common::Fixture) -> BTreeSet<String> {
    f.godump().unwrap()["funcs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap().to_string())
        .collect()
}

fn init_order(f: &common::Fixture) -> Vec<String> {
    f.golden("inittrace.txt")
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("init ")?.split_whitespace().next())
        .map(String::from)
        .collect()
}

fn hardening(f: &common::Fixture) -> BTreeMap<&'static str, String> {
    let r = common::readelf::parse_readelf(&f.golden("readelf-hlSdW.txt").unwrap());
    let ty = common::readelf::header_field(&r, "Type");
    let has = |t: &str| r.phdrs.iter().any(|p| p[0] == t);
    let now = r.dynamic.iter().any(|(_, n, v)| {
        (n == "FLAGS" && v.contains("BIND_NOW")) || (n == "FLAGS_1" && v.contains("NOW"))
    });
    let relro = match (has("GNU_RELRO"), now) {
        (false, _) => "none",
        (true, false) => "partial",
        (true, true) => "full",
    };
    let secs: Vec<String> = r.section_rows().into_iter().map(|s| s.name).collect();
    BTreeMap::from([
        ("pie", ty.starts_with("DYN").to_string()),
        ("relro", relro.to_string()),
        ("static", (!has("INTERP")).to_string()),
        (
            "stripped",
            (!secs.iter().any(|s| s == ".symtab")).to_string(),
        ),
        (
            "dwarf",
            secs.iter()
                .any(|s| s.starts_with(".debug_") || s.starts_with(".zdebug_"))
                .to_string(),
        ),
    ])
}

/// `diff --json OLD NEW` of two fixtures: its one file entry and the exit code.
fn diff_json(old: &common::Fixture, new: &common::Fixture) -> (serde_json::Value, i32) {
    let (v, code) = common::goelf_json(&[
        "diff",
        "--json",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
    ]);
    (v["files"][0].clone(), code)
}

/// Every kind of `diff` compared with the goldens of the two builds: the kinds reported as
/// changed are exactly those the goldens differ in, and each changed kind's rows are the
/// goldens' differences. Returns the file entry for the pair's own assertions.
fn assert_pair(old_name: &str, new_name: &str) -> serde_json::Value {
    let (a, b) = (common::fixture(old_name), common::fixture(new_name));
    let (d, code) = diff_json(&a, &b);
    let c = &d["changes"];
    let (va, vb) = (version_m(&a), version_m(&b));
    let mut want: BTreeSet<&str> = BTreeSet::new();

    // go_version
    if va.go != vb.go {
        want.insert("go_version");
    }
    // modules: versions, sums, replacements from go version -m
    let mut bumped = BTreeSet::new();
    let mut replaced = BTreeSet::new();
    let mut sums = BTreeSet::new();
    for (p, (v1, s1, r1)) in &va.deps {
        if let Some((v2, s2, r2)) = vb.deps.get(p) {
            if v1 != v2 {
                bumped.insert((p.clone(), v1.clone(), v2.clone()));
            }
            if r1 != r2 {
                replaced.insert(p.clone());
            }
            if v1 == v2 && s1 != s2 {
                sums.insert(p.clone());
            }
        }
    }
    let added: BTreeSet<_> = vb
        .deps
        .keys()
        .filter(|k| !va.deps.contains_key(*k))
        .collect();
    let removed: BTreeSet<_> = va
        .deps
        .keys()
        .filter(|k| !vb.deps.contains_key(*k))
        .collect();
    if !(bumped.is_empty()
        && replaced.is_empty()
        && sums.is_empty()
        && added.is_empty()
        && removed.is_empty())
    {
        want.insert("modules");
    }
    let m = &c["modules"];
    let got_bumped: BTreeSet<_> = m["bumped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["path"].as_str().unwrap().to_string(),
                x["old"].as_str().unwrap().to_string(),
                x["new"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got_bumped, bumped, "{old_name} -> {new_name}: bumped");
    let got_replaced: BTreeSet<_> = m["replaced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got_replaced, replaced, "{old_name} -> {new_name}: replaced");
    for x in m["replaced"].as_array().unwrap() {
        let p = x["path"].as_str().unwrap();
        for (side, vm) in [("old", &va), ("new", &vb)] {
            let r = &x[side];
            let s = format!(
                "{} {} {}",
                r["path"].as_str().unwrap(),
                r["version"].as_str().unwrap(),
                r["sum"].as_str().unwrap()
            );
            assert_eq!(Some(s), vm.deps[p].2, "{p}: {side} replacement");
        }
    }
    assert_eq!(m["added"].as_array().unwrap().len(), added.len());
    assert_eq!(m["removed"].as_array().unwrap().len(), removed.len());
    assert_eq!(m["sum_changed"].as_array().unwrap().len(), sums.len());

    // build_settings
    let bs = &c["build_settings"];
    let keys = |k: &str| -> BTreeSet<String> {
        bs[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["key"].as_str().unwrap().to_string())
            .collect()
    };
    let s_added: BTreeSet<String> = vb
        .settings
        .keys()
        .filter(|k| !va.settings.contains_key(*k))
        .cloned()
        .collect();
    let s_removed: BTreeSet<String> = va
        .settings
        .keys()
        .filter(|k| !vb.settings.contains_key(*k))
        .cloned()
        .collect();
    let s_changed: BTreeSet<String> = va
        .settings
        .iter()
        .filter(|(k, v)| vb.settings.get(*k).is_some_and(|w| w != *v))
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(
        keys("added"),
        s_added,
        "{old_name} -> {new_name}: settings added"
    );
    assert_eq!(keys("removed"), s_removed, "settings removed");
    assert_eq!(keys("changed"), s_changed, "settings changed");
    for x in bs["changed"].as_array().unwrap() {
        let k = x["key"].as_str().unwrap();
        assert_eq!(x["old"].as_str().unwrap(), va.settings[k], "{k}");
        assert_eq!(x["new"].as_str().unwrap(), vb.settings[k], "{k}");
    }
    if !(s_added.is_empty() && s_removed.is_empty() && s_changed.is_empty()) {
        want.insert("build_settings");
    }

    // hardening
    let (ha, hb) = (hardening(&a), hardening(&b));
    let want_h: BTreeSet<(String, String, String)> = ha
        .iter()
        .filter(|(k, v)| hb[*k] != **v)
        .map(|(k, v)| (k.to_string(), v.clone(), hb[k].clone()))
        .collect();
    let got_h: BTreeSet<(String, String, String)> = c["hardening"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let s = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), String::from);
            (
                x["field"].as_str().unwrap().to_string(),
                s(&x["old"]),
                s(&x["new"]),
            )
        })
        .collect();
    assert_eq!(got_h, want_h, "{old_name} -> {new_name}: hardening");
    if !want_h.is_empty() {
        want.insert("hardening");
    }

    // segments and sections
    let ((sa, ca), (sb, cb)) = (readelf_sizes(&a), readelf_sizes(&b));
    for (kind, o, n) in [("segments", &sa, &sb), ("sections", &ca, &cb)] {
        let rows = changed_rows(o, n);
        assert_eq!(
            json_rows(&c[kind]),
            rows,
            "{old_name} -> {new_name}: {kind}"
        );
        if !rows.is_empty() {
            want.insert(kind);
        }
    }

    // package and module sizes
    let with_data = a.has_golden("nm.txt") && b.has_golden("nm.txt");
    let (pa, pb) = (
        outside_package_bytes(&a, with_data),
        outside_package_bytes(&b, with_data),
    );
    let rows = changed_rows(&pa, &pb);
    assert_eq!(
        json_rows(&c["package_sizes"]["rows"]),
        rows,
        "{old_name} -> {new_name}: package_sizes"
    );
    if !rows.is_empty() {
        want.insert("package_sizes");
    }
    let rows = changed_rows(&per_module(&pa, &va), &per_module(&pb, &vb));
    assert_eq!(
        json_rows(&c["module_sizes"]["rows"]),
        rows,
        "{old_name} -> {new_name}: module_sizes"
    );
    if !rows.is_empty() {
        want.insert("module_sizes");
    }

    // functions
    let (fa, fb) = (function_names(&a), function_names(&b));
    let names = |k: &str| -> BTreeSet<String> {
        c["functions"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    let f_added: BTreeSet<String> = fb.difference(&fa).cloned().collect();
    let f_removed: BTreeSet<String> = fa.difference(&fb).cloned().collect();
    assert_eq!(
        names("added_names"),
        f_added,
        "{old_name} -> {new_name}: functions added"
    );
    assert_eq!(names("removed_names"), f_removed, "functions removed");
    assert_eq!(c["functions"]["old_count"], fa.len());
    assert_eq!(c["functions"]["new_count"], fb.len());
    if !(f_added.is_empty() && f_removed.is_empty()) {
        want.insert("functions");
    }

    // init order (the runtime's own trace of each build)
    let (ia, ib) = (init_order(&a), init_order(&b));
    let io = &c["init_order"];
    let pkgs = |k: &str| -> BTreeSet<String> {
        io[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["package"].as_str().unwrap().to_string())
            .collect()
    };
    let appeared: BTreeSet<String> = ib.iter().filter(|p| !ia.contains(p)).cloned().collect();
    let vanished: BTreeSet<String> = ia.iter().filter(|p| !ib.contains(p)).cloned().collect();
    assert_eq!(
        pkgs("appeared"),
        appeared,
        "{old_name} -> {new_name}: init order"
    );
    assert_eq!(pkgs("vanished"), vanished);
    for x in io["appeared"].as_array().unwrap() {
        let p = x["package"].as_str().unwrap();
        let at = ib.iter().position(|q| q == p).unwrap();
        assert_eq!(x["new_index"], at, "{p}");
    }
    let common_a: Vec<&String> = ia.iter().filter(|p| ib.contains(p)).collect();
    let common_b: Vec<&String> = ib.iter().filter(|p| ia.contains(p)).collect();
    if common_a == common_b {
        assert!(io["moved"].as_array().unwrap().is_empty());
    }
    assert_eq!(io["same"], ia == ib);
    if ia != ib {
        want.insert("init_order");
    }

    // dynamic relocations
    let (ra, rb) = (readelf_relocs(&a), readelf_relocs(&b));
    let got: BTreeSet<(String, Option<u64>, Option<u64>)> = c["dynamic_relocations"]["by_type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["old"].as_u64(),
                r["new"].as_u64(),
            )
        })
        .collect();
    let rows = changed_rows(&ra, &rb);
    assert_eq!(got, rows, "{old_name} -> {new_name}: dynamic relocations");
    if !rows.is_empty() {
        want.insert("dynamic_relocations");
    }

    let got: BTreeSet<&str> = d["changed_kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(got, want, "{old_name} -> {new_name}: changed kinds");
    assert_eq!(code, i32::from(!want.is_empty()));
    assert!(d["not_compared"].as_array().unwrap().is_empty());
    d
}

const PAIRS: &str = "pairs-go1.27.3-linux-amd64-";

#[test]
fn dependency_bump_changes_the_module_its_package_functions_and_init_order() {
    let d = assert_pair(&format!("{PAIRS}w"), &format!("{PAIRS}w-dep110"));
    let kinds = &d["changed_kinds"];
    for k in [
        "modules",
        "package_sizes",
        "module_sizes",
        "functions",
        "init_order",
    ] {
        assert!(
            kinds.as_array().unwrap().iter().any(|x| x == k),
            "{k}: {kinds}"
        );
    }
    for k in [
        "go_version",
        "build_settings",
        "hardening",
        "dynamic_relocations",
    ] {
        assert!(
            !kinds.as_array().unwrap().iter().any(|x| x == k),
            "{k}: {kinds}"
        );
    }
    let c = &d["changes"];
    assert_eq!(c["modules"]["bumped"][0]["old"], "v1.0.0");
    assert_eq!(c["modules"]["bumped"][0]["new"], "v1.1.0");
    // Only the dependency's package moves, and its new function and init are the additions.
    let rows = c["package_sizes"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "example.org/dep");
    let added = c["functions"]["added_names"].as_array().unwrap();
    assert!(
        added.iter().any(|n| n == "example.org/dep.Extra"),
        "{added:?}"
    );
    assert!(
        added
            .iter()
            .all(|n| n.as_str().unwrap().starts_with("example.org/dep.")),
        "{added:?}"
    );
    assert_eq!(c["init_order"]["appeared"][0]["package"], "example.org/dep");
}

#[test]
fn extra_std_import_changes_packages_and_init_order_not_modules() {
    let d = assert_pair(&format!("{PAIRS}w"), &format!("{PAIRS}w-import"));
    let c = &d["changes"];
    let kinds = d["changed_kinds"].as_array().unwrap();
    for k in [
        "go_version",
        "modules",
        "build_settings",
        "hardening",
        "dynamic_relocations",
    ] {
        assert!(!kinds.iter().any(|x| x == k), "{k}: {kinds:?}");
    }
    let rows = c["package_sizes"]["rows"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["name"] == "encoding/base64" && r["old"].is_null()),
        "{rows:?}"
    );
    assert_eq!(c["module_sizes"]["rows"][0]["name"], "std");
    assert_eq!(c["init_order"]["appeared"][0]["package"], "encoding/base64");
}

#[test]
fn a_newer_go_changes_the_toolchain_packages_and_functions_not_the_modules() {
    // Go 1.19.8 (pclntab 0xfffffff0, `type.`/`go.` names) against Go 1.27.3, same program.
    let d = assert_pair("pairs-go1.19.8-linux-amd64-w", &format!("{PAIRS}w"));
    let c = &d["changes"];
    assert_eq!(c["go_version"]["old"], "go1.19.8");
    assert_eq!(c["go_version"]["new"], "go1.27.3");
    let kinds = d["changed_kinds"].as_array().unwrap();
    for k in ["go_version", "package_sizes", "functions", "sections"] {
        assert!(kinds.iter().any(|x| x == k), "{k}: {kinds:?}");
    }
    assert!(!kinds.iter().any(|x| x == "modules"), "{kinds:?}");
    // No compiler-made name of either era reads as a package.
    for r in c["package_sizes"]["rows"].as_array().unwrap() {
        let n = r["name"].as_str().unwrap();
        assert!(!n.starts_with("go.") && !n.starts_with("type."), "{r}");
    }
}

#[test]
fn cgo_on_changes_settings_linking_and_relocations() {
    let d = assert_pair(&format!("{PAIRS}w"), &format!("{PAIRS}cgo-ext-w"));
    let c = &d["changes"];
    let kinds = d["changed_kinds"].as_array().unwrap();
    for k in [
        "build_settings",
        "hardening",
        "segments",
        "sections",
        "dynamic_relocations",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k}: {kinds:?}");
    }
    for k in ["go_version", "modules"] {
        assert!(!kinds.iter().any(|x| x == k), "{k}: {kinds:?}");
    }
    let cgo = c["build_settings"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == "CGO_ENABLED")
        .expect("CGO_ENABLED changed");
    assert_eq!(
        (cgo["old"].as_str(), cgo["new"].as_str()),
        (Some("0"), Some("1"))
    );
    // Linked dynamically: an interpreter (PT_INTERP) and constructors (.init_array) appear.
    let b = common::fixture(&format!("{PAIRS}cgo-ext-w"));
    let r = common::readelf::parse_readelf(&b.golden("readelf-hlSdW.txt").unwrap());
    assert_eq!(r.interp.as_deref(), Some("/lib64/ld-linux-x86-64.so.2"));
    assert!(b
        .golden("readelf-x-init.txt")
        .unwrap()
        .contains(".init_array"));
    let segs = json_rows(&c["segments"]);
    assert!(
        segs.iter().any(|(n, o, _)| n == "INTERP R" && o.is_none()),
        "{segs:?}"
    );
    let secs = json_rows(&c["sections"]);
    assert!(
        secs.iter()
            .any(|(n, o, _)| n == ".init_array" && o.is_none()),
        "{secs:?}"
    );
    assert!(
        secs.iter().any(|(n, o, _)| n == ".interp" && o.is_none()),
        "{secs:?}"
    );
    let h = c["hardening"].as_array().unwrap();
    assert!(
        h.iter()
            .any(|x| x["field"] == "static" && x["new"] == "false"),
        "{h:?}"
    );
    let pk = c["package_sizes"]["rows"].as_array().unwrap();
    assert!(
        pk.iter()
            .any(|r| r["name"] == "runtime/cgo" && r["old"].is_null()),
        "{pk:?}"
    );
}

#[test]
fn check_on_the_pairs_forbids_the_old_dependency_and_cgo() {
    let dir = tempfile::tempdir().unwrap();
    let pol = dir.path().join("p.toml");
    std::fs::write(
        &pol,
        "forbid_modules = [\"example.org/dep@<v1.1.0\"]\ncgo = false\n",
    )
    .unwrap();
    let pol = pol.to_str().unwrap();
    for (name, dep_fails, cgo_fails) in [
        ("w", true, false),
        ("w-dep110", false, false),
        ("cgo-ext-w", true, true),
    ] {
        let f = common::fixture(&format!("{PAIRS}{name}"));
        // The outside facts: the dependency's version and CGO_ENABLED in go version -m.
        let vm = version_m(&f);
        assert_eq!(
            vm.deps["example.org/dep"].0 == "v1.0.0",
            dep_fails,
            "{name}"
        );
        assert_eq!(vm.settings["CGO_ENABLED"] == "1", cgo_fails, "{name}");
        let (v, code) = common::goelf_json(&[
            "check",
            "--json",
            "--policy",
            pol,
            f.path().to_str().unwrap(),
        ]);
        let rules = v["files"][0]["rules"].as_array().unwrap();
        let failed = |r: &str| rules.iter().any(|x| x["rule"] == r && x["passed"] == false);
        assert_eq!(failed("forbid_modules"), dep_fails, "{name}: {rules:?}");
        assert_eq!(failed("cgo"), cgo_fails, "{name}: {rules:?}");
        assert_eq!(code, i32::from(dep_fails || cgo_fails), "{name}");
    }
}

//! `goelf sbom` against the official JSON schemas (CycloneDX 1.6 with the SPDX licence-id and
//! JSF schemas it references, SPDX 2.3; copies in `testdata/schemas/`, validated offline) and
//! against `go version -m` (the fixtures' `version-m.txt`): the main module, every dependency
//! and its replacement, the Go version and the build settings.

use std::collections::BTreeSet;

use crate::common;

fn schema(rel: &str) -> serde_json::Value {
    let p = common::repo().join("testdata/schemas").join(rel);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).expect("schema parses")
}

/// The CycloneDX 1.6 validator: `bom-1.6.schema.json` refers to `spdx.schema.json` and
/// `jsf-0.82.schema.json` relative to its `$id`; both are registered under those URIs, so
/// nothing is fetched.
fn cyclonedx_validator() -> jsonschema::Validator {
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.schema.json",
            jsonschema::Resource::from_contents(schema("cyclonedx-1.6/spdx.schema.json")),
        )
        .and_then(|r| {
            r.add(
                "http://cyclonedx.org/schema/jsf-0.82.schema.json",
                jsonschema::Resource::from_contents(schema("cyclonedx-1.6/jsf-0.82.schema.json")),
            )
        })
        .and_then(|r| r.prepare())
        .expect("registry");
    jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema("cyclonedx-1.6/bom-1.6.schema.json"))
        .expect("CycloneDX schema compiles")
}

fn spdx_validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema("spdx-2.3/spdx-schema.json"))
        .expect("SPDX schema compiles")
}

fn assert_valid(v: &jsonschema::Validator, doc: &serde_json::Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {}", errors.join("\n"));
}

/// A module line of `go version -m`: path, version, sum.
type ModLine = (String, String, String);

/// What `go version -m` says about a binary.
#[derive(Debug, Default)]
struct GoVersionM {
    go: String,
    path: String,
    main: Option<(String, String)>,
    /// (path, version, sum, replacement (path, version, sum))
    deps: Vec<(String, String, String, Option<ModLine>)>,
    settings: Vec<(String, String)>,
}

fn parse_version_m(text: &str) -> GoVersionM {
    let mut out = GoVersionM::default();
    let mut lines = text.lines();
    let first = lines.next().expect("first line");
    out.go = first
        .split_once(": ")
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let at = |i: usize| f.get(i).copied().unwrap_or("").to_string();
        match f.get(1).copied() {
            Some("path") => out.path = at(2),
            Some("mod") => out.main = Some((at(2), at(3))),
            Some("dep") => out.deps.push((at(2), at(3), at(4), None)),
            Some("=>") => {
                if let Some(d) = out.deps.last_mut() {
                    d.3 = Some((at(2), at(3), at(4)));
                }
            }
            Some("build") => {
                let kv = at(2);
                let (k, v) = kv.split_once('=').unwrap_or((&kv, ""));
                // go version -m quotes a value with spaces (strconv.Quote): -ldflags="-s -w".
                let v = if v.starts_with('"') {
                    serde_json::from_str::<String>(v).unwrap_or_else(|_| v.to_string())
                } else {
                    v.to_string()
                };
                out.settings.push((k.to_string(), v));
            }
            _ => {}
        }
    }
    out
}

/// `modfile.IsDirectoryPath` (the Unix forms the fixtures have).
fn is_dir(p: &str) -> bool {
    p.starts_with("./") || p.starts_with("../") || p.starts_with('/')
}

/// The (name, version) every dependency must appear as: the replacement module when replaced
/// by a module; the module itself at `(devel)` when replaced by a directory.
fn expected_deps(m: &GoVersionM) -> BTreeSet<(String, String)> {
    m.deps
        .iter()
        .map(|(p, v, _, r)| match r {
            Some((rp, rv, _)) if is_dir(rp) => (
                p.clone(),
                if rv.is_empty() {
                    "(devel)".into()
                } else {
                    rv.clone()
                },
            ),
            Some((rp, rv, _)) => (rp.clone(), rv.clone()),
            None => (p.clone(), v.clone()),
        })
        .collect()
}

/// The main module's version: as `go version -m` gives it, or for `(devel)` with
/// `vcs.revision` and `vcs.time` the pseudo-version `go build` 1.24+ would stamp on an untagged
/// commit (`golang.org/x/mod/module.PseudoVersion` form 1, `+dirty` when modified).
fn expected_main(m: &GoVersionM) -> (String, String, bool) {
    let (path, version) = m.main.clone().unwrap_or_default();
    let get = |k: &str| {
        m.settings
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    if version == "(devel)" {
        if let (Some(rev), Some(time)) = (get("vcs.revision"), get("vcs.time")) {
            // 2024-07-13T13:25:37Z → 20240713132537
            let stamp: String = time
                .split(['.', 'Z'])
                .next()
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let mut v = format!("v0.0.0-{stamp}-{}", &rev[..12]);
            if get("vcs.modified") == Some("true") {
                v.push_str("+dirty");
            }
            return (path, v, true);
        }
    }
    (path, version, false)
}

fn sbom(format: &str, path: &str) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_goelf"))
        .args(["sbom", "--format", format, path])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("run goelf");
    assert!(
        out.status.success(),
        "{path}: goelf sbom --format {format}: exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("sbom output is JSON")
}

fn props(v: &serde_json::Value) -> Vec<(String, String)> {
    v["properties"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or("").to_string(),
                        p["value"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every fixture with build info: the CycloneDX document validates against the CycloneDX 1.6
/// schema and lists what `go version -m` lists.
#[test]
fn cyclonedx_validates_and_equals_go_version_m() {
    let validator = cyclonedx_validator();
    let mut checked = 0;
    let mut derived = 0;
    for f in common::fixtures() {
        let Some(golden) = f.golden("version-m.txt") else {
            continue;
        };
        let m = parse_version_m(&golden);
        let path = f.path();
        let doc = sbom("cyclonedx", path.to_str().unwrap());
        assert_valid(&validator, &doc, &f.name);
        assert_eq!(doc["specVersion"], "1.6", "{}", f.name);

        let main = &doc["metadata"]["component"];
        let (mpath, mversion, is_derived) = expected_main(&m);
        if m.main.is_none() && m.path.is_empty() {
            assert_eq!(main["name"], "unknown", "{}", f.name);
            assert!(props(main).contains(&("goelf:no_module_info".into(), "true".into())));
        } else if m.main.is_none() {
            assert_eq!(main["name"], m.path.as_str(), "{}", f.name);
        } else {
            assert_eq!(main["name"], mpath.as_str(), "{}", f.name);
            assert_eq!(main["version"], mversion.as_str(), "{}", f.name);
        }
        let says_derived = props(main)
            .iter()
            .any(|(k, _)| k == "goelf:version_derived");
        assert_eq!(says_derived, is_derived, "{}: version_derived", f.name);
        derived += usize::from(is_derived);

        let comps = doc["components"].as_array().expect("components");
        let libs: BTreeSet<(String, String)> = comps
            .iter()
            .filter(|c| c["type"] == "library" && c["name"] != "std")
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_string(),
                    c["version"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        assert_eq!(libs, expected_deps(&m), "{}: dependencies", f.name);
        // Sums and replacements, each as go version -m records them.
        for (p, v, sum, r) in &m.deps {
            let (name, sum) = match r {
                Some((rp, _, rs)) if !is_dir(rp) => (rp, rs),
                Some(_) => (p, &String::new()),
                None => (p, sum),
            };
            let c = comps
                .iter()
                .find(|c| c["name"] == name.as_str())
                .unwrap_or_else(|| panic!("{}: no component {name}", f.name));
            let pr = props(c);
            if sum.is_empty() {
                assert!(c.get("hashes").is_none(), "{}: {name}", f.name);
            } else {
                assert!(
                    pr.contains(&("go:sum".into(), sum.clone())),
                    "{}: {name}",
                    f.name
                );
                assert_eq!(c["hashes"][0]["alg"], "SHA-256");
            }
            if let Some((rp, _, _)) = r {
                let replaces = if v.is_empty() {
                    p.clone()
                } else {
                    format!("{p}@{v}")
                };
                assert!(
                    pr.contains(&("goelf:replaces".into(), replaces)),
                    "{}",
                    f.name
                );
                if is_dir(rp) {
                    assert!(pr.contains(&("goelf:replaced_by".into(), rp.clone())));
                }
            }
        }
        // The standard library and the toolchain at the binary's Go version.
        let std = comps.iter().find(|c| c["name"] == "std").expect("std");
        assert_eq!(std["version"], m.go.as_str(), "{}", f.name);
        let tc = comps
            .iter()
            .find(|c| c["type"] == "platform")
            .expect("toolchain");
        assert_eq!(tc["version"], m.go.as_str(), "{}", f.name);
        // Build settings, in go version -m's order.
        let settings: Vec<(String, String)> = props(&doc["metadata"])
            .into_iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("go:build:")?.to_string(), v)))
            .collect();
        assert_eq!(settings, m.settings, "{}: build settings", f.name);
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} fixtures with version-m.txt");
    assert!(
        derived >= 1,
        "no fixture exercises the (devel) pseudo-version"
    );
}

/// Every fixture with build info: the SPDX document validates against the SPDX 2.3 schema
/// and lists what `go version -m` lists.
#[test]
fn spdx_validates_and_equals_go_version_m() {
    let validator = spdx_validator();
    let mut checked = 0;
    for f in common::fixtures() {
        let Some(golden) = f.golden("version-m.txt") else {
            continue;
        };
        let m = parse_version_m(&golden);
        let path = f.path();
        let doc = sbom("spdx", path.to_str().unwrap());
        assert_valid(&validator, &doc, &f.name);
        assert_eq!(doc["spdxVersion"], "SPDX-2.3");
        assert_eq!(doc["creationInfo"]["created"], "2023-11-14T22:13:20Z");

        let pkgs = doc["packages"].as_array().expect("packages");
        let main = &pkgs[0];
        assert_eq!(main["primaryPackagePurpose"], "APPLICATION");
        let (mpath, mversion, is_derived) = expected_main(&m);
        if m.main.is_some() {
            assert_eq!(main["name"], mpath.as_str(), "{}", f.name);
            assert_eq!(main["versionInfo"], mversion.as_str(), "{}", f.name);
        }
        let comment = main["comment"].as_str().unwrap_or("");
        assert_eq!(comment.contains("derived"), is_derived, "{}", f.name);

        let libs: BTreeSet<(String, String)> = pkgs
            .iter()
            .filter(|p| p["primaryPackagePurpose"] == "LIBRARY" && p["name"] != "std")
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_string(),
                    p["versionInfo"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        assert_eq!(libs, expected_deps(&m), "{}: dependencies", f.name);
        let std = pkgs.iter().find(|p| p["name"] == "std").expect("std");
        assert_eq!(std["versionInfo"], m.go.as_str());
        // The document describes the main package, which depends on every library.
        let rels = doc["relationships"].as_array().expect("relationships");
        let main_id = main["SPDXID"].as_str().unwrap();
        assert!(rels
            .iter()
            .any(|r| r["relationshipType"] == "DESCRIBES" && r["relatedSpdxElement"] == main_id));
        let depends = rels
            .iter()
            .filter(|r| r["relationshipType"] == "DEPENDS_ON")
            .count();
        assert_eq!(depends, m.deps.len() + 1, "{}: deps and std", f.name);
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} fixtures with version-m.txt");
}

/// The container fixtures (PE, Mach-O) have build info too: both documents validate.
#[test]
fn container_fixtures_validate() {
    let (cdx, spdx) = (cyclonedx_validator(), spdx_validator());
    let mut checked = 0;
    for f in common::containers() {
        let path = f.path();
        let out = common::goelf(&["sbom", path.to_str().unwrap()]);
        if !out.status.success() {
            continue;
        }
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_valid(&cdx, &doc, &f.name);
        assert_valid(&spdx, &sbom("spdx", path.to_str().unwrap()), &f.name);
        checked += 1;
    }
    assert!(checked > 0);
}

/// A binary without build info is an error naming it, exit 1; the other files still get
/// their documents, as an array in argument order.
#[test]
fn no_buildinfo_fails_and_others_continue() {
    let c = common::fixture("notgo-c").path();
    let g = common::fixtures()
        .into_iter()
        .find(|f| f.golden("version-m.txt").is_some())
        .expect("a Go fixture")
        .path();
    let out = common::goelf(&["sbom", c.to_str().unwrap(), g.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(c.to_str().unwrap()), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert_valid(&cyclonedx_validator(), &v[0], "second file");
}

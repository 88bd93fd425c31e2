//! `inspect`'s `go.crypto` (issue #12): BoringCrypto, the FIPS 140-3 module, standard crypto
//! or none. Expected values come from Go's tools: the build settings `go version -m` prints
//! (`GOEXPERIMENT=boringcrypto`, `GOFIPS140=…`, `DefaultGODEBUG` with `fips140=`), the
//! packages `go list -deps` names (`crypto/…`, `crypto/internal/fips140/vX.Y.Z…`), and the
//! `.go.fipsinfo` section readelf lists. Derived copies without build info
//! (`testdata/derived/*-zerobi`) must reach the same verdict from the binary alone.

use crate::common;

/// The verdict Go's tools give for a fixture: (module, frozen FIPS version, fipsinfo addr).
fn expected(f: &common::Fixture) -> Option<(String, Option<String>, Option<u64>)> {
    let vm = f.golden("version-m.txt")?;
    let list = f.golden("golist.json")?;
    let setting = |key: &str| {
        vm.lines().find_map(|l| {
            l.trim()
                .strip_prefix("build\t")
                .and_then(|kv| kv.strip_prefix(key))
                .and_then(|v| v.strip_prefix('='))
                .map(str::to_string)
        })
    };
    let paths: Vec<&str> = list
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"ImportPath\": \""))
        .filter_map(|l| l.strip_suffix("\","))
        .collect();
    let frozen = paths.iter().find_map(|p| {
        let v = p.strip_prefix("crypto/internal/fips140/v")?;
        Some(format!("v{}", v.split('/').next()?))
    });
    let boring = setting("GOEXPERIMENT").is_some_and(|v| v.split(',').any(|x| x == "boringcrypto"));
    let fips = setting("GOFIPS140").is_some_and(|v| v != "off")
        || setting("DefaultGODEBUG").is_some_and(|v| {
            v.split(',')
                .any(|kv| kv.starts_with("fips140=") && kv != "fips140=off")
        });
    let module = if boring {
        "boringcrypto"
    } else if fips {
        "fips140"
    } else if paths.iter().any(|p| p.starts_with("crypto/")) {
        "standard"
    } else {
        "none"
    };
    let fipsinfo = f.golden("readelf-hlSdW.txt").and_then(|t| {
        t.lines().find_map(|l| {
            let rest = l.split_once("] ")?.1;
            let mut c = rest.split_whitespace();
            (c.next()? == ".go.fipsinfo").then(|| u64::from_str_radix(c.nth(1)?, 16).ok())?
        })
    });
    Some((
        module.to_string(),
        setting("GOFIPS140").or(frozen),
        fipsinfo,
    ))
}

fn crypto_of(path: &std::path::Path) -> serde_json::Value {
    let (v, code) = common::goelf_json(&["inspect", "--json", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    v["files"][0]["go"]["crypto"].clone()
}

#[test]
fn crypto_matches_gos_tools() {
    let mut seen = std::collections::BTreeSet::new();
    for f in common::fixtures() {
        if f.meta_str("goos") != "linux" || f.meta_str("origin") != "built by regen.sh" {
            continue;
        }
        let Some((module, version, fipsinfo)) = expected(&f) else {
            continue;
        };
        let c = crypto_of(&f.path());
        assert_eq!(c["module"], module, "{}: {c}", f.name);
        assert_eq!(
            c["fips140_version"].as_str(),
            version.as_deref(),
            "{}",
            f.name
        );
        assert_eq!(c["fipsinfo"].as_u64(), fipsinfo, "{}", f.name);
        seen.insert(module);
    }
    for m in ["boringcrypto", "fips140", "standard", "none"] {
        assert!(seen.contains(m), "no fixture with crypto {m}: {seen:?}");
    }
}

/// Without build info the verdict rests on the pclntab: the BoringCrypto marker function and
/// its cgo calls, or the frozen FIPS module's package paths.
#[test]
fn crypto_without_build_info() {
    let mut checked = 0;
    for d in common::derived() {
        let base = common::fixture(d.fixture.meta_str("derived_from"));
        if !base.name.starts_with("cryptohash-") {
            continue;
        }
        let (module, version, _) = expected(&base).unwrap();
        let c = crypto_of(&d.path());
        assert_eq!(c["module"], module, "{}: {c}", d.name);
        let froms: Vec<&str> = c["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["from"].as_str())
            .collect();
        assert!(!froms.contains(&"buildinfo"), "{}: {c}", d.name);
        assert!(froms.contains(&"pclntab"), "{}: {c}", d.name);
        if module == "fips140" {
            // GOFIPS140=v1.0.0 names the frozen module by its zip's full version.
            assert_eq!(
                c["fips140_version"].as_str(),
                version.as_deref(),
                "{}",
                d.name
            );
        }
        checked += 1;
    }
    if checked == 0 {
        eprintln!("no cryptohash derived binaries: skipped");
    }
}

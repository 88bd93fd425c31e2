//! `.go.buildinfo`, Go version detection and DWARF facts, checked against values from outside
//! goelf: `godump.json` (Go's own `debug/buildinfo`), `meta.json` (the toolchain that built
//! the fixture) and `testdata/packed/README` (UPX's own report).

use crate::common;

use goelf::go::buildinfo::{self, BuildInfo};
use goelf::go::version::VersionSource;
use goelf::go::{report, GoBinary, GoReport};
use goelf::image::Image;
use goelf::Error;

/// `godump.json` (plain or zstd-compressed), if the fixture has it.
fn buildinfo_of(data: &[u8]) -> (Result<BuildInfo, Error>, Vec<goelf::Problem>) {
    let image = Image::parse(data).expect("container parses");
    let mut problems = Vec::new();
    (buildinfo::find(&image, &mut problems), problems)
}

fn report_of(data: &[u8]) -> Option<GoReport> {
    let image = Image::parse(data).expect("container parses");
    report(&GoBinary::new(image), &mut Vec::new())
}

/// The fields godump writes, from goelf's build info, as JSON.
fn comparable(b: &BuildInfo) -> serde_json::Value {
    serde_json::json!({
        "go_version": b.go_version,
        "path": b.path,
        "main": b.main,
        "deps": b.deps,
        "settings": b.settings,
    })
}

/// Go's `debug/buildinfo` (godump) and goelf agree on every field of every fixture.
#[test]
fn buildinfo_matches_go_debug_buildinfo() {
    let mut checked = 0;
    for f in common::fixtures() {
        let Some(dump) = f.godump() else { continue };
        let expected = &dump["buildinfo"];
        let (got, problems) = buildinfo_of(&f.bytes());
        if expected.is_null() {
            assert!(
                matches!(got, Err(Error::NotFound(_))),
                "{}: godump found no build info, goelf found {got:?}",
                f.name
            );
            continue;
        }
        let got = got.unwrap_or_else(|e| panic!("{}: goelf found no build info: {e}", f.name));
        assert!(problems.is_empty(), "{}: problems {problems:?}", f.name);
        let got = comparable(&got);
        for key in ["go_version", "path", "main", "deps", "settings"] {
            // godump writes Go's nil slices as null.
            let want = match &expected[key] {
                serde_json::Value::Null if key != "main" => serde_json::json!([]),
                v => v.clone(),
            };
            assert_eq!(
                got[key], want,
                "{}: buildinfo.{key} differs from godump (debug/buildinfo)",
                f.name
            );
        }
        checked += 1;
    }
    eprintln!("{checked} fixtures agree with godump");
    assert!(checked > 0, "no fixture with godump build info");
}

/// The build info version equals the toolchain that built the fixture.
#[test]
fn buildinfo_version_is_the_toolchain() {
    for f in common::fixtures() {
        let want = f.meta_str("go_version");
        if want.is_empty() {
            continue;
        }
        let r = report_of(&f.bytes()).unwrap_or_else(|| panic!("{}: not Go", f.name));
        assert_eq!(r.version.as_deref(), Some(want), "{}: version", f.name);
        assert_eq!(
            r.version_source,
            Some(VersionSource::Buildinfo),
            "{}: version source",
            f.name
        );
    }
}

/// `-s -w` twins give the same version and build info as their unstripped twins (except the
/// `-ldflags` setting that made them).
#[test]
fn stripped_twins_agree() {
    let mut pairs = 0;
    for f in common::fixtures() {
        let twin = f.meta_str("twin");
        if twin.is_empty() {
            continue;
        }
        let Some(t) = common::fixtures().into_iter().find(|x| x.name == twin) else {
            continue;
        };
        let a = report_of(&f.bytes()).expect("stripped twin is Go");
        let b = report_of(&t.bytes()).expect("unstripped twin is Go");
        assert_eq!(a.version, b.version, "{}: version vs {twin}", f.name);
        let (Some(mut x), Some(mut y)) = (a.buildinfo, b.buildinfo) else {
            panic!("{}: build info missing in a twin", f.name);
        };
        x.settings.retain(|s| s.key != "-ldflags");
        y.settings.retain(|s| s.key != "-ldflags");
        assert_eq!(
            comparable(&x),
            comparable(&y),
            "{}: build info vs {twin}",
            f.name
        );
        pairs += 1;
    }
    assert!(pairs > 0, "no stripped twins");
}

/// Offset of the first 16-byte-aligned `"\xff Go buildinf:"` in the file (found here by a
/// plain byte search, independent of goelf).
fn magic_offset(data: &[u8]) -> Option<usize> {
    data.windows(14)
        .position(|w| w == b"\xff Go buildinf:")
        .filter(|o| o % 16 == 0)
}

/// With its magic damaged (as Go's `damageBuildInfo` test does) a binary has no build info,
/// but its version still comes from `runtime.buildVersion` or DWARF.
#[test]
fn damaged_magic_gives_version_from_elsewhere() {
    let mut checked = 0;
    for f in common::fixtures() {
        let want = f.meta_str("go_version");
        if want.is_empty() || f.meta_bool("stripped") || !f.is_elf() {
            continue;
        }
        let mut data = f.bytes();
        let Some(off) = magic_offset(&data) else {
            continue;
        };
        data[off + 1] ^= 0xff;
        let (got, _) = buildinfo_of(&data);
        assert!(
            matches!(got, Err(Error::NotFound(_))),
            "{}: damaged magic still gave {got:?}",
            f.name
        );
        let r = report_of(&data).unwrap_or_else(|| panic!("{}: no longer Go", f.name));
        assert!(r.buildinfo.is_none(), "{}", f.name);
        assert_eq!(r.version.as_deref(), Some(want), "{}: version", f.name);
        assert_ne!(r.version_source, Some(VersionSource::Buildinfo));
        eprintln!("{}: {want} from {:?}", f.name, r.version_source);
        checked += 1;
    }
    assert!(checked > 0);
}

/// The DWARF producer names the toolchain in meta.json, on every fixture that keeps DWARF;
/// `-s -w` fixtures have none.
#[test]
fn dwarf_producer_is_the_toolchain() {
    let mut checked = 0;
    for f in common::fixtures() {
        let want = f.meta_str("go_version");
        if want.is_empty() {
            continue;
        }
        let r = report_of(&f.bytes()).expect("Go");
        if f.meta_str("ldflags").contains("-w") {
            assert!(r.dwarf.is_none(), "{}: -w binary with DWARF", f.name);
            continue;
        }
        let Some(d) = r.dwarf else { continue };
        assert_eq!(
            d.go_version.as_deref(),
            Some(want),
            "{}: DWARF producer",
            f.name
        );
        if let (Some(all), Some(go)) = (d.compile_units, d.go_compile_units) {
            assert!(go > 0 && go <= all, "{}: {go} of {all} units Go", f.name);
        }
        eprintln!("{}: {:?} units, {:?}", f.name, d.compile_units, d.producer);
        checked += 1;
    }
    assert!(checked > 0, "no fixture with DWARF");
}

/// Cutting a binary anywhere, or scribbling over its build info, never panics.
#[test]
fn truncation_and_garbage_never_panic() {
    for f in common::fixtures() {
        let data = f.bytes();
        let magic = magic_offset(&data);
        let mut cuts: Vec<usize> = (1..16).map(|i| data.len() * i / 16).collect();
        cuts.extend([0, 1, 4, 16, 52, 64, 200, 4096]);
        if let Some(m) = magic {
            cuts.extend((0..48).map(|d| m + d));
            cuts.extend([m + 64, m + 100, m + 200, m + 400]);
        }
        for cut in cuts.into_iter().filter(|&c| c <= data.len()) {
            let _ = goelf::inspect::inspect_bytes("cut", &data[..cut], &Default::default());
        }
        let Some(m) = magic else { continue };
        let garbage: &[(usize, &[u8])] = &[
            (32, &[0xff; 10]),                     // inline version length: 10-byte varint
            (32, &[0x80, 0x80, 0x80, 0x80, 0x01]), // length 2^28
            (14, &[0x08, 0x00]),                   // pointer layout, pointers 0
            (
                14,
                &[0x08, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0],
            ),
            (14, &[0x03, 0x00]), // bad pointer size
            (14, &[0x04, 0x00, 0x10, 0, 0, 0, 0x20, 0, 0, 0]),
        ];
        for (n, (at, bytes)) in garbage.iter().enumerate() {
            let mut d = data.clone();
            for (i, b) in bytes.iter().enumerate() {
                if let Some(x) = d.get_mut(m + at + i) {
                    *x = *b;
                }
            }
            let _ = buildinfo_of(&d);
            if n > 0 {
                continue;
            }
            let r = goelf::inspect::inspect_bytes("garbage", &d, &Default::default());
            assert!(
                r.ok,
                "{}: garbage in build info failed the whole file",
                f.name
            );
        }
    }
}

/// A UPX-packed Go binary is reported as packed, with the values UPX printed when packing it.
#[test]
fn upx_packed_binary_is_recognised() {
    let path = common::repo().join("testdata/packed/initgraph-go1.22.10-linux-amd64-sw.upx");
    let Ok(data) = std::fs::read(&path) else {
        eprintln!("skipped: {} absent", path.display());
        return;
    };
    let r = report_of(&data).expect("a packed file gets a Go report");
    let p = r.packer.expect("packer detected");
    assert_eq!(p.name, "UPX");
    assert_eq!(p.version.as_deref(), Some("3.94"));
    assert_eq!(p.format.as_deref(), Some("linux/amd64"));
    assert_eq!(p.original_size, Some(1_007_768));
    // Unpacked Go binaries carry no packer.
    for f in common::fixtures().iter().take(3) {
        assert!(report_of(&f.bytes()).and_then(|r| r.packer).is_none());
    }
}

/// Without section headers, the build info is found in the first writable, non-executable
/// PT_LOAD (Go 1.19–1.26's fallback, which goelf keeps) and is the same as with them.
#[test]
fn found_without_section_headers() {
    let mut checked = 0;
    for f in common::fixtures() {
        if !f.is_elf() || f.meta_str("go_version").is_empty() {
            continue;
        }
        let data = f.bytes();
        let (Ok(want), _) = buildinfo_of(&data) else {
            continue;
        };
        let mut d = data.clone();
        // Zero e_shoff, e_shnum and e_shstrndx (ELF64 and ELF32 header offsets).
        let fields: &[(usize, usize)] = if d[4] == 2 {
            &[(0x28, 8), (0x3c, 2), (0x3e, 2)]
        } else {
            &[(0x20, 4), (0x30, 2), (0x32, 2)]
        };
        for &(at, n) in fields {
            d[at..at + n].fill(0);
        }
        let image = Image::parse(&d).expect("container parses");
        assert!(image.sections().is_empty(), "{}", f.name);
        let got = buildinfo::find(&image, &mut Vec::new())
            .unwrap_or_else(|e| panic!("{}: no build info without sections: {e}", f.name));
        assert_eq!(comparable(&got), comparable(&want), "{}", f.name);
        assert_eq!(got.header_vaddr, want.header_vaddr, "{}", f.name);
        checked += 1;
    }
    assert!(checked > 0);
}

//! Decoder benchmarks (criterion): `inspect` (and its parts: container only, build info,
//! DWARF summary), pclntab function iteration with file:line, reloc counting and init-order.
//!
//! Inputs: the largest committed fixtures (decompressed), and the generated 50 MB+ binary
//! from `testdata/regen.sh big` when `GOELF_BIG_BINARY` names it (its `-s -w` twin too, via
//! `GOELF_BIG_STRIPPED`). Speed targets live here and in bench/compare.sh, never in unit
//! tests. Run: `GOELF_BIG_BINARY=~/.cache/goelf-fixtures/big/big cargo bench`.

use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

use goelf::go::pclntab::Pclntab;
use goelf::image::Image;
use goelf::symbolize::package_of;

fn fixture(name: &str) -> Option<Vec<u8>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fixtures")
        .join(name)
        .join("bin.zst");
    let f = std::fs::File::open(p).ok()?;
    let mut dec = ruzstd::decoding::StreamingDecoder::new(std::io::BufReader::new(f)).ok()?;
    let mut out = Vec::new();
    dec.read_to_end(&mut out).ok()?;
    Some(out)
}

fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    // The largest committed fixtures: net/http (Go 1.27, default and PIE) and the
    // stripped PIE twin (pclntab only).
    for name in [
        "nethttp-go1.27.3-linux-amd64-default",
        "nethttp-go1.27.3-linux-amd64-pie",
        "nethttp-go1.27.3-linux-amd64-pie-sw",
    ] {
        match fixture(name) {
            Some(d) => v.push((name.to_string(), d)),
            None => eprintln!("fixture {name} missing: skipped"),
        }
    }
    for (var, label) in [
        ("GOELF_BIG_BINARY", "big"),
        ("GOELF_BIG_STRIPPED", "big-sw"),
    ] {
        if let Some(p) = std::env::var_os(var).map(PathBuf::from) {
            match std::fs::read(&p) {
                Ok(d) => v.push((label.into(), d)),
                Err(e) => eprintln!("{var} {}: {e}", p.display()),
            }
        }
    }
    if std::env::var_os("GOELF_BIG_BINARY").is_none() {
        eprintln!(
            "GOELF_BIG_BINARY not set: benchmarking the committed fixtures only \
             (build the 86 MB program with `testdata/regen.sh big`)"
        );
    }
    v
}

/// Every function's name, package, entry, end and file:line at entry, as `goelf funcs` lists
/// them (single-threaded: this measures the decoder, not rayon).
fn iterate_funcs(tab: &Pclntab<'_>) -> usize {
    let mut n = 0usize;
    for i in 0..tab.nfunc() {
        let Ok(f) = tab.func(i) else { continue };
        let name = String::from_utf8_lossy(f.name);
        n += package_of(&name).map_or(0, |p| p.len());
        if let Ok((file, line)) = tab
            .record(f.func_offset)
            .and_then(|r| tab.file_line_bytes(&r, f.entry, f.entry))
        {
            n += file.len() + line as usize;
        }
        n += f.size() as usize & 1;
    }
    n
}

fn bench(c: &mut Criterion) {
    let model = goelf::reloc::cost::CostModel::default();
    for (name, data) in inputs() {
        let mut g = c.benchmark_group(name.clone());
        if data.len() > 32 << 20 {
            g.sample_size(20).measurement_time(Duration::from_secs(8));
        }
        g.bench_function("inspect", |b| {
            b.iter(|| goelf::inspect::inspect_bytes("x", black_box(&data), &Default::default()))
        });
        g.bench_function("inspect_no_go", |b| {
            b.iter(|| {
                goelf::inspect::inspect_bytes(
                    "x",
                    black_box(&data),
                    &goelf::inspect::InspectOptions {
                        no_go: true,
                        ..Default::default()
                    },
                )
            })
        });
        g.bench_function("buildinfo", |b| {
            b.iter(|| {
                let image = Image::parse(black_box(&data)).ok()?;
                goelf::go::buildinfo::find(&image, &mut Vec::new()).ok()
            })
        });
        g.bench_function("dwarf_summary", |b| {
            b.iter(|| {
                let image = Image::parse(black_box(&data)).ok()?;
                goelf::go::dwarf::analyze(&image, &mut Vec::new())
            })
        });
        if let Some(tab) = Image::parse(&data).ok().and_then(|image| {
            Pclntab::find(&image, &mut Vec::new())
                .ok()
                .map(|t| (image, t))
        }) {
            let (_image, tab) = tab;
            g.bench_function("pclntab_find", |b| {
                b.iter(|| {
                    let image = Image::parse(black_box(&data)).ok()?;
                    Pclntab::find(&image, &mut Vec::new())
                        .ok()
                        .map(|t| t.nfunc())
                })
            });
            g.bench_function("funcs_file_line", |b| {
                b.iter(|| iterate_funcs(black_box(&tab)))
            });
        }
        g.bench_function("reloc_count", |b| {
            b.iter(|| goelf::reloc::cost::analyze_bytes("x", black_box(&data), &model))
        });
        g.bench_function("init_order", |b| {
            b.iter(|| goelf::init_order("x", black_box(&data), &Default::default()))
        });
        g.bench_function("init_order_no_observed", |b| {
            b.iter(|| {
                goelf::init_order(
                    "x",
                    black_box(&data),
                    &goelf::init_order::Options {
                        no_observed: true,
                        ..Default::default()
                    },
                )
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

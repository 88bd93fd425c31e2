//! Decoder benchmarks (criterion). Inputs: the largest committed fixtures (decompressed), and
//! the generated 50 MB+ binary from `testdata/regen.sh big` when it exists (set
//! `GOELF_BIG_BINARY` to its path). Speed targets live here and in bench/compare.sh, never in
//! unit tests.

use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};

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
    for name in [
        "nethttp-go1.27.3-linux-amd64-pie",
        "nethttp-go1.27.3-linux-amd64-default",
    ] {
        if let Some(d) = fixture(name) {
            v.push((name.to_string(), d));
        }
    }
    if let Some(p) = std::env::var_os("GOELF_BIG_BINARY").map(PathBuf::from) {
        match std::fs::read(&p) {
            Ok(d) => v.push(("big".into(), d)),
            Err(e) => eprintln!("GOELF_BIG_BINARY {}: {e}", p.display()),
        }
    } else {
        eprintln!("GOELF_BIG_BINARY not set: benchmarking the committed fixtures only");
    }
    v
}

fn bench(c: &mut Criterion) {
    for (name, data) in inputs() {
        c.bench_function(&format!("inspect/{name}"), |b| {
            b.iter(|| goelf::inspect::inspect_bytes("x", black_box(&data), &Default::default()))
        });
        c.bench_function(&format!("elf_only/{name}"), |b| {
            b.iter(|| {
                goelf::inspect::inspect_bytes(
                    "x",
                    black_box(&data),
                    &goelf::inspect::InspectOptions { no_go: true },
                )
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

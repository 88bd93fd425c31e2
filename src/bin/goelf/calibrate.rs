//! `reloc-cost`'s host calibration (the default model): four short measurements of the
//! loader's work, each compared with the same measurement on the machine the published
//! constants were fitted on, and the constants scaled by the ratio.
//!
//! - pages: a private (copy-on-write) mapping of a fresh file, one word written per page,
//!   as the loader writes a relocated word into a page of the file's writable segment;
//! - relocations: RELA entries applied to a buffer (type check, base + addend, store), and
//!   DT_RELR bitmaps decoded and applied;
//! - lookups: GNU-hash lookups (bloom filter, bucket, chain, name, version) of libc.so.6's
//!   own exported names in the host's libc.so.6 (`object`'s `GnuHashTable::find`).
//!
//! Each runs a few times and keeps the median; all together take a few milliseconds. Process
//! plumbing of the CLI (a temporary file and a memory mapping), so it lives in the bin.

use std::hint::black_box;
use std::io::Write as _;
use std::time::Instant;

use goelf::reloc::cost::{CostModel, DEFAULT_MODEL};
use object::read::elf::FileHeader;

/// The same measurements, in ns, on the machine of `DEFAULT_MODEL` (bench/reloc-cost-model.md:
/// Xeon, KVM, 2 vCPUs, Linux 6.18, glibc 2.36): medians over 15 calls of [`calibrate`] there
/// (2026-12-02, the machine shared with other jobs; single calls spread ±15 % for pages,
/// ±30 % for lookups).
const REFERENCE: Micro = Micro {
    page_ns: 1520.0,
    rela_ns: 1.05,
    relr_ns: 0.95,
    lookup_ns: 43.0,
};

/// One set of measurements (ns per page, per RELA relocation, per RELR relocation, per
/// lookup; `lookup_ns` 0 when no libc.so.6 was found).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Micro {
    pub page_ns: f64,
    pub rela_ns: f64,
    pub relr_ns: f64,
    pub lookup_ns: f64,
}

/// The calibrated model and how it was found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Calibration {
    pub model: CostModel,
    pub host: Micro,
    pub reference: Micro,
    pub took_ms: f64,
    /// What was not measured (kept at the published constant), if anything.
    pub note: Option<String>,
}

const PAGE: usize = 4096;
const PAGES: usize = 512;
const RELOCS: usize = 32 * 1024;
const REPS: usize = 9;

/// Measure and scale the published constants; `Err` when the page measurement is not
/// possible (then the caller uses the published constants and says so).
pub fn calibrate() -> Result<Calibration, String> {
    let start = Instant::now();
    let host = micro()?;
    let mut note = None;
    let scale = |fixed: f64, h: f64, r: f64| {
        if h > 0.0 && r > 0.0 {
            round3(fixed * h / r)
        } else {
            fixed
        }
    };
    if host.lookup_ns == 0.0 {
        note = Some("no libc.so.6 found: lookup cost kept at the published constant".into());
    }
    let model = CostModel {
        relative_ns: scale(DEFAULT_MODEL.relative_ns, host.rela_ns, REFERENCE.rela_ns),
        relr_ns: scale(DEFAULT_MODEL.relr_ns, host.relr_ns, REFERENCE.relr_ns),
        lookup_ns: scale(DEFAULT_MODEL.lookup_ns, host.lookup_ns, REFERENCE.lookup_ns),
        page_ns: scale(DEFAULT_MODEL.page_ns, host.page_ns, REFERENCE.page_ns),
    };
    Ok(Calibration {
        model,
        host,
        reference: REFERENCE,
        took_ms: round3(start.elapsed().as_secs_f64() * 1e3),
        note,
    })
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// The four measurements on this host.
pub fn micro() -> Result<Micro, String> {
    Ok(Micro {
        page_ns: pages()?,
        rela_ns: rela(),
        relr_ns: relr(),
        lookup_ns: lookups().unwrap_or(0.0),
    })
}

/// ns per first write to a page of a private file mapping (a copy-on-write fault).
fn pages() -> Result<f64, String> {
    let mut file = tempfile_in_tmp().map_err(|e| format!("calibration file: {e}"))?;
    file.write_all(&vec![0x5a; PAGES * PAGE])
        .map_err(|e| format!("calibration file: {e}"))?;
    let mut per = Vec::with_capacity(REPS);
    for _ in 0..REPS {
        // SAFETY: a private (copy-on-write) mapping of a file only this process knows about
        // (created and unlinked here); writes go to this process's copy.
        let mut m = unsafe { memmap2::MmapOptions::new().map_copy(&file) }
            .map_err(|e| format!("calibration mapping: {e}"))?;
        let t = Instant::now();
        for p in 0..PAGES {
            if let Some(b) = m.get_mut(p * PAGE + 8) {
                *b = black_box(1);
            }
        }
        per.push(t.elapsed().as_nanos() as f64 / PAGES as f64);
        drop(black_box(m));
    }
    Ok(median(per))
}

/// A file in the temporary directory, already unlinked.
fn tempfile_in_tmp() -> std::io::Result<std::fs::File> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let path = std::env::temp_dir().join(format!("goelf-calibrate-{}-{nanos}", std::process::id()));
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    let _ = std::fs::remove_file(&path);
    Ok(f)
}

/// ns per RELA relocation applied (R_X86_64_RELATIVE-style: base + addend stored).
fn rela() -> f64 {
    const RELATIVE: u64 = 8;
    let table: Vec<[u64; 3]> = (0..RELOCS as u64)
        .map(|i| [i * 8, RELATIVE, i * 16])
        .collect();
    let mut target = vec![0u64; RELOCS];
    let base = black_box(0x5555_0000_0000u64);
    let mut per = Vec::with_capacity(REPS);
    for _ in 0..REPS {
        let t = Instant::now();
        for r in black_box(&table) {
            if r[1] & 0xffff_ffff == RELATIVE {
                if let Some(w) = target.get_mut((r[0] / 8) as usize) {
                    *w = base.wrapping_add(r[2]);
                }
            }
        }
        black_box(&mut target);
        per.push(t.elapsed().as_nanos() as f64 / RELOCS as f64);
    }
    median(per)
}

/// ns per relocation decoded from DT_RELR (an address, then full 63-bit bitmaps) and applied.
fn relr() -> f64 {
    let mut table = Vec::new();
    let mut n = 0usize;
    while n < RELOCS {
        if n % (63 * 8 + 1) == 0 {
            table.push((n as u64) * 8);
            n += 1;
        } else {
            table.push(u64::MAX);
            n += 63;
        }
    }
    let mut target = vec![0u64; n + 64];
    let base = black_box(0x5555_0000_0000u64);
    let mut per = Vec::with_capacity(REPS);
    for _ in 0..REPS {
        let t = Instant::now();
        let mut next = 0usize;
        for &e in black_box(&table) {
            if e & 1 == 0 {
                let at = (e / 8) as usize;
                if let Some(w) = target.get_mut(at) {
                    *w = w.wrapping_add(base);
                }
                next = at + 1;
            } else {
                let mut bits = e >> 1;
                let mut at = next;
                while bits != 0 {
                    if bits & 1 != 0 {
                        if let Some(w) = target.get_mut(at) {
                            *w = w.wrapping_add(base);
                        }
                    }
                    bits >>= 1;
                    at += 1;
                }
                next += 63;
            }
        }
        black_box(&mut target);
        per.push(t.elapsed().as_nanos() as f64 / n as f64);
    }
    median(per)
}

/// Where glibc's libc.so.6 usually is.
const LIBC: &[&str] = &[
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/aarch64-linux-gnu/libc.so.6",
    "/usr/lib64/libc.so.6",
    "/lib64/libc.so.6",
    "/usr/lib/libc.so.6",
];

/// ns per GNU-hash lookup of a defined name in the host's libc.so.6 (hash included).
fn lookups() -> Option<f64> {
    type Elf = object::elf::FileHeader64<object::Endianness>;
    let path = LIBC.iter().find(|p| std::path::Path::new(p).is_file())?;
    let data = std::fs::read(path).ok()?;
    let data = data.as_slice();
    let header = Elf::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let sections = header.sections(endian, data).ok()?;
    let symbols = sections
        .symbols(endian, data, object::elf::SHT_DYNSYM)
        .ok()?;
    let (hash, _) = sections.gnu_hash(endian, data).ok()??;
    let versions = sections.versions(endian, data).ok()??;
    let names: Vec<&[u8]> = symbols
        .iter()
        .filter(|s| {
            !object::read::elf::Sym::is_undefined(*s, endian)
                && object::read::elf::Sym::st_type(*s) == object::elf::STT_FUNC
        })
        .filter_map(|s| symbols.symbol_name(endian, s).ok())
        .filter(|n| !n.is_empty())
        .take(1000)
        .collect();
    if names.is_empty() {
        return None;
    }
    let mut per = Vec::with_capacity(REPS);
    for _ in 0..REPS {
        let t = Instant::now();
        let mut found = 0usize;
        for &n in &names {
            let h = object::elf::gnu_hash(black_box(n));
            if hash.find(endian, n, h, None, &symbols, &versions).is_some() {
                found += 1;
            }
        }
        black_box(found);
        per.push(t.elapsed().as_nanos() as f64 / names.len() as f64);
    }
    Some(median(per))
}

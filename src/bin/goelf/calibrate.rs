//! `reloc-cost`'s host calibration (the default model).
//!
//! First choice: time the host's loader itself. Small PIEs are generated here (the ELF bytes
//! written directly, no compiler), each started under `LD_DEBUG=statistics` and stopped at
//! its entry point ([`crate::entry_stop`]); glibc's "time needed for relocation" of each gives
//! the constants by a fit:
//!
//! - `empty` (1 relocation on 1 page), `pages` (1 relocation on each of 256 pages) and
//!   `relocations` (512 on each of 32 pages): `t = loader + relative·R + page·P`, solved;
//! - `libc` (`empty` with DT_NEEDED libc.so.6): libc.so.6 relocating itself, IFUNC
//!   resolvers included, measured rather than modelled;
//! - `lookups` (`libc` plus 1,000 `R_X86_64_64` relocations against libc.so.6 functions): the
//!   cost of one symbol lookup.
//!
//! The runs are interleaved and each point keeps its median. Where the loader cannot be
//! timed (not x86-64 Linux, no ptrace, no glibc statistics, a temporary directory mounted
//! noexec, a fit that makes no sense), four micro-benchmarks are used instead, scaled
//! against the machine the published constants were fitted on, and the note says so:
//!
//! - pages: a private (copy-on-write) mapping of a fresh file, one word written per page,
//!   as the loader writes a relocated word into a page of the file's writable segment;
//! - relocations: RELA entries applied to a buffer (type check, base + addend, store), and
//!   DT_RELR bitmaps decoded and applied;
//! - lookups: GNU-hash lookups (bloom filter, bucket, chain, name, version) of libc.so.6's
//!   own exported names in the host's libc.so.6 (`object`'s `GnuHashTable::find`).
//!
//! Process plumbing of the CLI (temporary files, child processes, a memory mapping), so it
//! lives in the bin.

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

/// The micro-benchmark model and how it was found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MicroCalibration {
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
pub fn calibrate_micro() -> Result<MicroCalibration, String> {
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
    Ok(MicroCalibration {
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

/// A 64-bit ELF library's byte order, section table and `.dynsym`.
#[allow(clippy::type_complexity)]
fn dynamic_symbols(
    data: &[u8],
) -> Option<(
    object::Endianness,
    object::read::elf::SectionTable<'_, Elf64>,
    object::read::elf::SymbolTable<'_, Elf64>,
)> {
    let header = Elf64::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let sections = header.sections(endian, data).ok()?;
    let symbols = sections
        .symbols(endian, data, object::elf::SHT_DYNSYM)
        .ok()?;
    Some((endian, sections, symbols))
}

type Elf64 = object::elf::FileHeader64<object::Endianness>;

/// ns per GNU-hash lookup of a defined name in the host's libc.so.6 (hash included).
fn lookups() -> Option<f64> {
    let path = LIBC.iter().find(|p| std::path::Path::new(p).is_file())?;
    let data = std::fs::read(path).ok()?;
    let data = data.as_slice();
    let (endian, sections, symbols) = dynamic_symbols(data)?;
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

// ---------------------------------------------------------------------------------------
// Timing the loader.

/// The host calibration: the constants, how they were found, and (when the loader was
/// timed) what else it does for a file.
#[derive(Debug, Clone)]
pub struct Host {
    pub model: CostModel,
    pub info: goelf::reloc::cost::Calibration,
    /// The `Model:` line's text.
    pub note: String,
    /// Present when the loader was timed.
    pub loader: Option<LoaderFit>,
}

/// What timing the loader found beyond the four constants.
#[derive(Debug, Clone)]
pub struct LoaderFit {
    /// The loader the generated files name (their PT_INTERP).
    pub interp: String,
    /// `machine` as `reloc-cost` reports it for the generated files (this host's).
    pub machine: Option<String>,
    /// The loader's fixed work, ns.
    pub loader_ns: f64,
    /// libc.so.6 relocating itself, ns, and where it is.
    pub libc: Option<(std::path::PathBuf, f64)>,
    /// ns per IRELATIVE relocation of other libraries.
    pub irelative_ns: f64,
}

/// The loaders tried, by architecture (glibc's names).
const INTERP_X86_64: &str = "/lib64/ld-linux-x86-64.so.2";
/// How a fit without positive constants begins its message.
const NO_FIT: &str = "the loader's times do not fit";
/// Runs per generated file (interleaved).
const LOADER_RUNS: usize = 11;
/// Relocations per page of the `relocations` point, and its pages.
const DENSE: u64 = 512;
const DENSE_PAGES: u64 = 32;
/// Pages of the `pages` point (one relocation each).
const SPARSE_PAGES: u64 = 256;
/// Lookups of the `lookups` point (fewer if libc.so.6 has fewer suitable names, but at
/// least `MIN_LOOKUPS`).
const LOOKUPS: usize = 800;
const MIN_LOOKUPS: usize = 100;
/// Without a timed libc.so.6 to derive it from: ns per IRELATIVE relocation (an IFUNC
/// resolver call). Of the order libc.so.6's own came to on the development host (110–145 ns
/// each, under load, 2026-12-03).
const IRELATIVE_DEFAULT_NS: f64 = 120.0;

/// Calibrate: time the loader, or else the micro-benchmarks; `Err` only when neither works
/// (then the caller uses the published constants and says so).
pub fn calibrate(tsc_mhz: Option<f64>) -> Result<Host, String> {
    let start = Instant::now();
    // A fit spoiled by a burst of load elsewhere (about 1 call in 50 on a busy 2-core VM)
    // is measured once more before falling back.
    let mut why = String::new();
    for _ in 0..2 {
        match loader(tsc_mhz, start) {
            Ok(h) => return Ok(h),
            Err(e) => {
                let again = e.starts_with(NO_FIT);
                why = e;
                if !again {
                    break;
                }
            }
        }
    }
    let c = calibrate_micro().map_err(|e| format!("{why}; micro-benchmarks: {e}"))?;
    let h = c.host;
    let r = c.reference;
    let mut note = format!(
        "calibrated on this host in {:.1} ms by micro-benchmarks, since the loader could \
         not be timed ({why}): copy-on-write page {:.0} ns (reference machine {:.0}), RELA \
         {:.2} ns ({:.2}), RELR {:.2} ns ({:.2}), GNU-hash lookup {:.1} ns ({:.1}); the \
         published constants scaled by these ratios; the libraries' and ld.so's own work \
         are not estimated",
        c.took_ms,
        h.page_ns,
        r.page_ns,
        h.rela_ns,
        r.rela_ns,
        h.relr_ns,
        r.relr_ns,
        h.lookup_ns,
        r.lookup_ns
    );
    if let Some(n) = &c.note {
        note.push_str("; ");
        note.push_str(n);
    }
    let took_ms = round3(start.elapsed().as_secs_f64() * 1e3);
    Ok(Host {
        model: c.model,
        info: goelf::reloc::cost::Calibration {
            method: "micro".into(),
            took_ms,
            fallback_reason: Some(why),
            interp: None,
            loader_ns: None,
            libc_ns: None,
            libc_path: None,
            irelative_ns: None,
            cycles_per_us: None,
            cycle_rate_source: None,
            points: Vec::new(),
        },
        note,
        loader: None,
    })
}

/// One generated file.
struct Point {
    name: &'static str,
    pages: u64,
    per_page: u64,
    lookups: bool,
    libc: bool,
}

const POINTS: [Point; 5] = [
    Point {
        name: "empty",
        pages: 1,
        per_page: 1,
        lookups: false,
        libc: false,
    },
    Point {
        name: "pages",
        pages: SPARSE_PAGES,
        per_page: 1,
        lookups: false,
        libc: false,
    },
    Point {
        name: "relocations",
        pages: DENSE_PAGES,
        per_page: DENSE,
        lookups: false,
        libc: false,
    },
    Point {
        name: "libc",
        pages: 1,
        per_page: 1,
        lookups: false,
        libc: true,
    },
    Point {
        name: "lookups",
        pages: 1,
        per_page: 1,
        lookups: true,
        libc: true,
    },
];

/// A directory of this process's own, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Result<Self, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("goelf-calibrate-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Write an executable file (closed before it returns, so that it can be executed).
fn write_exe(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o700)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

fn loader(tsc_mhz: Option<f64>, start: Instant) -> Result<Host, String> {
    if crate::entry_stop::supported().is_err() {
        return Err(format!(
            "stopping at the entry point is implemented for x86-64 Linux only (this is {} {})",
            std::env::consts::OS,
            std::env::consts::ARCH
        ));
    }
    let interp = INTERP_X86_64;
    if !std::path::Path::new(interp).exists() {
        return Err(format!("no {interp} here (not glibc?)"));
    }
    let (rate, rate_source) = match goelf::reloc::measure::cycle_rate(tsc_mhz) {
        Ok((r, s)) if r > 0.0 => (r, s),
        Ok((_, s)) | Err(s) => return Err(format!("the loader's cycle rate is unknown: {s}")),
    };
    let libc = find_library("libc.so.6", &[]);
    let names: Vec<Vec<u8>> = libc
        .as_deref()
        .and_then(|p| libc_function_names(p, LOOKUPS))
        .unwrap_or_default();
    let n_lookups = names.len().min(LOOKUPS);
    let dir = TempDir::new()?;
    let mut files = Vec::new();
    let mut empty_bytes = Vec::new();
    for p in &POINTS {
        if p.libc && libc.is_none() || p.lookups && n_lookups < MIN_LOOKUPS {
            continue;
        }
        let n = if p.lookups { n_lookups } else { 0 };
        let syms: Vec<&[u8]> = names.iter().take(n).map(Vec::as_slice).collect();
        let bytes = gen::pie(&gen::Spec {
            interp,
            needed: p.libc.then_some("libc.so.6"),
            pages: p.pages,
            per_page: p.per_page,
            symbols: &syms,
        });
        let path = dir.0.join(p.name);
        write_exe(&path, &bytes)?;
        if p.name == "empty" {
            empty_bytes = bytes;
        }
        files.push((p, n, path, Vec::with_capacity(LOADER_RUNS)));
    }
    let timeout = std::time::Duration::from_secs(2);
    // Interleaved, each round starting one file later, so that no file always follows the
    // same one.
    let n = files.len();
    for round in 0..LOADER_RUNS {
        files.rotate_left(usize::from(round > 0 && n > 0));
        for (p, _, path, cycles) in files.iter_mut() {
            let text = crate::entry_stop::run_to_entry(path, timeout)
                .map_err(|e| format!("generated file {}: {e}", p.name))?;
            let text = String::from_utf8_lossy(&text);
            let c = goelf::reloc::cost::parse_ld_statistics(&text)
                .first()
                .and_then(|s| s.relocation_cycles)
                .ok_or_else(|| {
                    "the loader printed no statistics (not glibc's ld.so, or secure mode)"
                        .to_string()
                })?;
            cycles.push(c);
        }
    }
    let mut points = Vec::new();
    let mut ns_of = std::collections::BTreeMap::new();
    for (p, n, _, cycles) in &files {
        let med = goelf::reloc::cost::median(cycles).unwrap_or(0);
        let ns = med as f64 * 1000.0 / rate;
        ns_of.insert(p.name, ns);
        points.push(goelf::reloc::cost::CalibrationPoint {
            name: p.name.into(),
            relative: p.pages * p.per_page,
            lookups: *n as u64,
            pages: p.pages + gen::pages_for(*n),
            needed: if p.libc {
                vec!["libc.so.6".into()]
            } else {
                Vec::new()
            },
            runs: cycles.len() as u64,
            cycles_median: med,
            ns: round3(ns),
        });
    }
    let get = |n: &str| ns_of.get(n).copied();
    let (Some(te), Some(tp), Some(tr)) = (get("empty"), get("pages"), get("relocations")) else {
        return Err("a generated file was not timed".into());
    };
    // t = c + a·R + b·P through the three points (R, P): (1, 1), (S, S), (D·Q, Q).
    let s1 = SPARSE_PAGES as f64 - 1.0;
    let rd = (DENSE * DENSE_PAGES) as f64 - 1.0;
    let pd = DENSE_PAGES as f64 - 1.0;
    let sum = (tp - te) / s1; // a + b
    let a = ((tr - te) - pd * sum) / (rd - pd);
    let b = sum - a;
    if !(a > 0.0 && b > 0.0) {
        return Err(format!(
            "{NO_FIT} (per relocation {a:.2} ns, per page {b:.0} ns, twice): too noisy"
        ));
    }
    let c = (te - a - b).max(0.0);
    let libc_ns = get("libc").map(|tl| (tl - te).max(0.0));
    let lookup_ns = match (get("libc"), get("lookups")) {
        (Some(tl), Some(tm)) if n_lookups > 0 => {
            let pages = gen::pages_for(n_lookups) as f64;
            Some(((tm - tl - pages * b) / n_lookups as f64).max(0.0))
        }
        _ => None,
    };
    let model = CostModel {
        relative_ns: round3(a),
        relr_ns: round3(DEFAULT_MODEL.relr_ns * a / DEFAULT_MODEL.relative_ns),
        lookup_ns: round3(lookup_ns.unwrap_or(DEFAULT_MODEL.lookup_ns)),
        page_ns: round3(b),
    };
    // libc.so.6's time beyond what the constants give for its relocations, per IRELATIVE.
    let libc_path = libc.filter(|_| libc_ns.is_some());
    let mut irelative_ns = IRELATIVE_DEFAULT_NS;
    if let (Some(path), Some(t)) = (&libc_path, libc_ns) {
        if let Some(l) = library_counts(path, &model) {
            if l.irelative > 0 {
                irelative_ns = round3((t - l.ns as f64).max(0.0) / l.irelative as f64);
            }
        }
    }
    let machine = goelf::reloc::cost::analyze_bytes("calibration", &empty_bytes, &model).machine;
    let took_ms = round3(start.elapsed().as_secs_f64() * 1e3);
    let mut note = format!(
        "calibrated on this host in {took_ms:.0} ms by timing the loader ({interp}, \
         LD_DEBUG=statistics) on {} generated PIEs, {LOADER_RUNS} runs each stopped at the \
         entry point: {:.2} ns per relocation, {:.0} ns per dirtied page, ld.so's fixed work \
         {:.1} µs",
        files.len(),
        a,
        b,
        c / 1000.0
    );
    match (&libc_path, libc_ns) {
        (Some(p), Some(l)) => note.push_str(&format!(
            ", {} relocating itself {:.1} µs",
            p.display(),
            l / 1000.0
        )),
        _ => note.push_str("; no libc.so.6 timed: every library is modelled"),
    }
    match lookup_ns {
        Some(k) => note.push_str(&format!(
            ", {k:.1} ns per symbol lookup ({n_lookups} lookups in libc.so.6)"
        )),
        None => note.push_str("; the lookup cost is the published constant (not timed)"),
    }
    note.push_str(&format!(
        "; RELR scaled from the published constant by the per-relocation ratio; the estimate \
         adds ld.so's fixed work and the DT_NEEDED libraries' relocations (libc.so.6 as \
         timed, others modelled: IRELATIVE {irelative_ns:.0} ns each); cycle rate: \
         {rate_source}"
    ));
    Ok(Host {
        model,
        info: goelf::reloc::cost::Calibration {
            method: "loader".into(),
            took_ms,
            fallback_reason: None,
            interp: Some(interp.into()),
            loader_ns: Some(round3(c)),
            libc_ns: libc_ns.map(round3),
            libc_path: libc_path.as_ref().map(|p| p.display().to_string()),
            irelative_ns: Some(irelative_ns),
            cycles_per_us: Some(rate),
            cycle_rate_source: Some(rate_source),
            points,
        },
        note,
        loader: Some(LoaderFit {
            interp: interp.into(),
            machine,
            loader_ns: c,
            libc: libc_path.zip(libc_ns),
            irelative_ns,
        }),
    })
}

/// Up to `n` names of functions libc.so.6 defines at a default, public version (so that an
/// unversioned reference binds to them).
fn libc_function_names(path: &std::path::Path, n: usize) -> Option<Vec<Vec<u8>>> {
    let data = read_capped(path)?;
    let data = data.as_slice();
    let (endian, sections, symbols) = dynamic_symbols(data)?;
    let versions = sections.versions(endian, data).ok()?;
    let mut out = Vec::new();
    for (i, s) in symbols.enumerate() {
        if out.len() >= n {
            break;
        }
        use object::read::elf::Sym as _;
        if s.is_undefined(endian)
            || s.st_type() != object::elf::STT_FUNC
            || s.st_bind() != object::elf::STB_GLOBAL
        {
            continue;
        }
        if let Some(v) = &versions {
            let ndx = v.version_index(endian, i);
            if ndx.is_hidden() || ndx.index().0 < 2 {
                continue;
            }
        }
        if let Ok(name) = symbols.symbol_name(endian, s) {
            if !name.is_empty() && !name.starts_with(b"_") {
                out.push(name.to_vec());
            }
        }
    }
    Some(out)
}

/// A library file's bytes, when it is not absurdly large.
fn read_capped(path: &std::path::Path) -> Option<Vec<u8>> {
    const MAX: u64 = 1 << 30;
    let len = std::fs::metadata(path).ok()?.len();
    if len > MAX {
        return None;
    }
    std::fs::read(path).ok()
}

/// Where the loader looks for a DT_NEEDED name without its cache: `LD_LIBRARY_PATH`, then
/// the standard directories (`extra` first: the file's RUNPATH, if known).
fn find_library(name: &str, extra: &[std::path::PathBuf]) -> Option<std::path::PathBuf> {
    if name.contains('/') {
        let p = std::path::PathBuf::from(name);
        return p.is_file().then_some(p);
    }
    const STANDARD: &[&str] = &[
        "/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu",
        "/lib64",
        "/usr/lib64",
        "/lib",
        "/usr/lib",
    ];
    let env: Vec<std::path::PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    extra
        .iter()
        .cloned()
        .chain(env)
        .chain(STANDARD.iter().map(std::path::PathBuf::from))
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A library's relocations costed with `model` (IRELATIVE not included in `ns`), and its
/// DT_NEEDED.
pub struct LibCounts {
    relocations: u64,
    lookups: u64,
    irelative: u64,
    pages: u64,
    ns: u64,
    needed: Vec<String>,
    machine: Option<String>,
}

fn library_counts(path: &std::path::Path, model: &CostModel) -> Option<LibCounts> {
    let data = read_capped(path)?;
    let f = goelf::reloc::cost::analyze_bytes(&path.display().to_string(), &data, model);
    if !f.ok || f.format.as_deref() != Some("elf") {
        return None;
    }
    let e = f.estimate.as_ref()?;
    let irelative = f
        .dynamic_relocations
        .by_type
        .iter()
        .filter(|(k, _)| k.ends_with("_IRELATIVE"))
        .fold(0u64, |a, (_, n)| a.saturating_add(*n));
    Some(LibCounts {
        relocations: f.dynamic_relocations.total,
        lookups: e.lookups,
        irelative,
        pages: f.pages_dirtied,
        ns: e.total_ns,
        needed: f.needed.clone(),
        machine: f.machine.clone(),
    })
}

/// Most libraries followed for one file.
const MAX_LIBRARIES: usize = 256;

impl LoaderFit {
    /// What the loader adds to `file`'s own relocations: its fixed work and the libraries'
    /// (DT_NEEDED, transitively, each once); `None` for a file this loader does not load
    /// (static, another loader, another machine, not ELF). `cache` keeps each library's
    /// counts across files.
    pub fn overheads(
        &self,
        file: &goelf::reloc::cost::RelocCostFile,
        model: &CostModel,
        cache: &mut std::collections::HashMap<std::path::PathBuf, Option<LibCounts>>,
    ) -> Option<goelf::reloc::cost::LoadOverheads> {
        if !file.ok
            || file.format.as_deref() != Some("elf")
            || file.static_binary
            || file.machine != self.machine
        {
            return None;
        }
        let same_loader = file.interp.as_deref().is_some_and(|i| {
            i == self.interp
                || std::fs::canonicalize(i).ok() == std::fs::canonicalize(&self.interp).ok()
        });
        if !same_loader {
            return None;
        }
        let interp = std::fs::canonicalize(&self.interp).ok();
        let mut libraries = Vec::new();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut seen_paths: std::collections::HashSet<std::path::PathBuf> =
            std::collections::HashSet::new();
        let mut queue: std::collections::VecDeque<String> = file.needed.iter().cloned().collect();
        while let Some(name) = queue.pop_front() {
            if libraries.len() >= MAX_LIBRARIES {
                break;
            }
            if !seen.insert(name.clone()) {
                continue;
            }
            let Some(path) = find_library(&name, &[]) else {
                libraries.push(goelf::reloc::cost::LibraryCost::uncounted(
                    name,
                    None,
                    "not_found",
                ));
                continue;
            };
            let canon = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            // ld.so itself is relocated in the fixed work.
            if interp.as_ref() == Some(&canon) || !seen_paths.insert(canon.clone()) {
                continue;
            }
            let counts = cache
                .entry(canon.clone())
                .or_insert_with(|| library_counts(&canon, model));
            let Some(l) = counts.as_ref().filter(|l| l.machine == self.machine) else {
                libraries.push(goelf::reloc::cost::LibraryCost::uncounted(
                    name,
                    Some(path.display().to_string()),
                    "unreadable",
                ));
                continue;
            };
            queue.extend(l.needed.iter().cloned());
            let measured = self.libc.as_ref().and_then(|(p, ns)| {
                let same = std::fs::canonicalize(p).ok().as_ref() == Some(&canon);
                same.then_some(*ns)
            });
            let (method, ns) = match measured {
                Some(ns) => ("measured", ns.round() as u64),
                None => (
                    "modelled",
                    l.ns.saturating_add((l.irelative as f64 * self.irelative_ns).round() as u64),
                ),
            };
            libraries.push(goelf::reloc::cost::LibraryCost {
                name,
                path: Some(path.display().to_string()),
                method: method.into(),
                relocations: l.relocations,
                lookups: l.lookups,
                irelative: l.irelative,
                pages: l.pages,
                ns,
            });
        }
        Some(goelf::reloc::cost::LoadOverheads {
            loader_ns: self.loader_ns.round() as u64,
            libraries,
        })
    }
}

/// The generated PIEs: ELF64 x86-64 `ET_DYN` files with a PT_INTERP, a dynamic section and
/// one RELA table; no section headers, no hash table (nothing is looked up in them).
mod gen {
    const PAGE: u64 = 4096;
    const PHNUM: u64 = 8;
    const R_X86_64_64: u64 = 1;
    const R_X86_64_RELATIVE: u64 = 8;

    pub struct Spec<'a> {
        pub interp: &'a str,
        pub needed: Option<&'a str>,
        /// Pages of RELATIVE relocations, and relocations per page (at most 512).
        pub pages: u64,
        pub per_page: u64,
        /// A weak undefined function symbol per name, each the target of one R_X86_64_64
        /// relocation (a lookup), on pages after the RELATIVE ones.
        pub symbols: &'a [&'a [u8]],
    }

    /// Pages `n` 8-byte lookup targets take.
    pub fn pages_for(n: usize) -> u64 {
        (n as u64 * 8).div_ceil(PAGE)
    }

    fn align(v: u64, to: u64) -> u64 {
        v.div_ceil(to) * to
    }

    struct Out(Vec<u8>);

    impl Out {
        fn u16(&mut self, v: u16) {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
        fn u32(&mut self, v: u32) {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
        fn u64(&mut self, v: u64) {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
        fn pad_to(&mut self, at: u64) {
            let at = at as usize;
            if self.0.len() < at {
                self.0.resize(at, 0);
            }
        }
        #[allow(clippy::too_many_arguments)]
        fn phdr(&mut self, kind: u32, flags: u32, off: u64, size: u64, align: u64) {
            self.u32(kind);
            self.u32(flags);
            self.u64(off); // p_offset
            self.u64(off); // p_vaddr
            self.u64(off); // p_paddr
            self.u64(size); // p_filesz
            self.u64(size); // p_memsz
            self.u64(align);
        }
    }

    /// The file's bytes (vaddr = file offset throughout).
    pub fn pie(spec: &Spec<'_>) -> Vec<u8> {
        let per_page = spec.per_page.min(PAGE / 8);
        let nsym = spec.symbols.len() as u64;
        let nrel = spec.pages * per_page + nsym;
        let interp_off = 64 + 56 * PHNUM;
        let interp_len = spec.interp.len() as u64 + 1;
        // .dynstr: "", the needed name, the symbol names.
        let mut strtab = vec![0u8];
        let needed_name = spec.needed.map(|n| {
            let at = strtab.len() as u64;
            strtab.extend_from_slice(n.as_bytes());
            strtab.push(0);
            at
        });
        let mut sym_names = Vec::with_capacity(spec.symbols.len());
        for s in spec.symbols {
            sym_names.push(strtab.len() as u32);
            strtab.extend_from_slice(s);
            strtab.push(0);
        }
        let str_off = interp_off + interp_len;
        let sym_off = align(str_off + strtab.len() as u64, 8);
        let rela_off = sym_off + 24 * (1 + nsym);
        let code_off = align(rela_off + 24 * nrel, PAGE);
        let data_off = code_off + PAGE;
        let reloc_pages = spec.pages + pages_for(spec.symbols.len());
        let data_size = PAGE * (1 + reloc_pages);
        let mut dynamic: Vec<(u64, u64)> = Vec::new();
        if let Some(n) = needed_name {
            dynamic.push((1, n)); // DT_NEEDED
        }
        dynamic.extend([
            (5, str_off),              // DT_STRTAB
            (6, sym_off),              // DT_SYMTAB
            (10, strtab.len() as u64), // DT_STRSZ
            (11, 24),                  // DT_SYMENT
        ]);
        if nrel > 0 {
            dynamic.extend([(7, rela_off), (8, 24 * nrel), (9, 24)]); // DT_RELA, SZ, ENT
        }
        dynamic.push((0x6fff_fffb, 0x0800_0000)); // DT_FLAGS_1: DF_1_PIE
        dynamic.push((0, 0));

        let mut o = Out(Vec::with_capacity((data_off + data_size) as usize));
        o.0.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
        o.pad_to(16);
        o.u16(3); // ET_DYN
        o.u16(62); // EM_X86_64
        o.u32(1);
        o.u64(code_off); // e_entry
        o.u64(64); // e_phoff
        o.u64(0); // e_shoff
        o.u32(0); // e_flags
        o.u16(64);
        o.u16(56);
        o.u16(PHNUM as u16);
        o.u16(64);
        o.u16(0);
        o.u16(0);
        const R: u32 = 4;
        const W: u32 = 2;
        const X: u32 = 1;
        o.phdr(6, R, 64, 56 * PHNUM, 8); // PT_PHDR
        o.phdr(3, R, interp_off, interp_len, 1); // PT_INTERP
        o.phdr(1, R, 0, code_off, PAGE); // PT_LOAD: headers and tables
        o.phdr(1, R | X, code_off, PAGE, PAGE); // PT_LOAD: code
        o.phdr(1, R | W, data_off, data_size, PAGE); // PT_LOAD: data
        o.phdr(2, R | W, data_off, 16 * dynamic.len() as u64, 8); // PT_DYNAMIC
        o.phdr(0x6474_e552, R, data_off, data_size, 1); // PT_GNU_RELRO
        o.u32(0x6474_e551); // PT_GNU_STACK
        o.u32(R | W);
        for _ in 0..5 {
            o.u64(0);
        }
        o.u64(16);
        o.0.extend_from_slice(spec.interp.as_bytes());
        o.0.push(0);
        o.0.extend_from_slice(&strtab);
        o.pad_to(sym_off);
        o.0.extend_from_slice(&[0; 24]);
        for &name in &sym_names {
            o.u32(name);
            o.0.push(0x22); // STB_WEAK, STT_FUNC
            o.0.push(0);
            o.u16(0); // undefined
            o.u64(0);
            o.u64(0);
        }
        for p in 0..spec.pages {
            for k in 0..per_page {
                o.u64(data_off + PAGE * (1 + p) + 8 * k);
                o.u64(R_X86_64_RELATIVE);
                o.u64(code_off);
            }
        }
        let sym_base = data_off + PAGE * (1 + spec.pages);
        for j in 0..nsym {
            o.u64(sym_base + 8 * j);
            o.u64(((j + 1) << 32) | R_X86_64_64);
            o.u64(0);
        }
        o.pad_to(code_off);
        // _start: exit(0), should the breakpoint ever be missed.
        o.0.extend_from_slice(&[0xb8, 60, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05]);
        o.pad_to(data_off);
        for (tag, val) in &dynamic {
            o.u64(*tag);
            o.u64(*val);
        }
        // The data: non-zero words, as a file's data pages hold.
        let filled = data_off + PAGE;
        o.pad_to(filled);
        o.0.resize((data_off + data_size) as usize, 0x5a);
        o.0
    }
}

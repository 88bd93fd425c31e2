//! `reloc-cost`: what position independence costs at load time, per file.
//!
//! Every dynamic relocation the dynamic section names ([`crate::elf::relocations`], decoded
//! once per file in the ELF layer) is counted by type,
//! by the section and the PT_LOAD segment it writes into, and by what the loader must do for
//! it: a symbol lookup (`r_sym != 0`, glibc `elf/dl-lookup.c` `_dl_lookup_symbol_x`) or a
//! plain add of the load address (no symbol: RELATIVE, RELR, IRELATIVE, symbol-less TLS).
//! PLT relocations are deferred to the first call unless BIND_NOW is in force (glibc
//! `elf/do-rel.h` `elf_machine_lazy_rel`). Each distinct 4 KiB page a relocation writes is a
//! copy-on-write page dirtied in every process; the ones inside PT_GNU_RELRO are made
//! read-only again afterwards (glibc `elf/dl-reloc.c` `_dl_protect_relro`, which rounds both
//! ends of the segment down to a page).
//!
//! The estimate is a linear model whose constants were measured with glibc's own
//! `LD_DEBUG=statistics` timer on synthetic PIEs; `bench/reloc-cost-model.md` says how.
//! [`parse_ld_statistics`] reads that output so that a measurement can be shown beside the
//! estimate; [`super::measure`] runs the program to get it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use object::elf::{PT_GNU_RELRO, PT_LOAD, SHF_ALLOC};

use super::names;
use crate::elf::file::{RawSection, RawSegment};
use crate::elf::{DynReloc, ElfFile, ElfReport, RelocTable, Relocations, TableInfo};
use crate::error::{Error, Problem};

/// The page size the model counts in (the loader's unit of copy-on-write on x86-64 Linux).
pub const PAGE_SIZE: u64 = 4096;

/// Constants of the load-time cost model, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CostModel {
    /// Per relocation that needs no lookup, from a REL/RELA table (and per lazily bound PLT
    /// slot, which glibc only adjusts by the load address at startup).
    pub relative_ns: f64,
    /// Per relative relocation packed in DT_RELR.
    pub relr_ns: f64,
    /// Per symbol lookup.
    pub lookup_ns: f64,
    /// Per distinct 4 KiB page written (the copy-on-write fault).
    pub page_ns: f64,
}

/// The defaults, measured on an Intel Xeon (Sapphire Rapids class, KVM guest, 2.6 GHz TSC) with
/// glibc 2.36 and Linux 6.18; `bench/reloc-cost-model.md` has the data and the method.
pub const DEFAULT_MODEL: CostModel = CostModel {
    relative_ns: 0.41,
    relr_ns: 0.06,
    lookup_ns: 8.9,
    page_ns: 171.0,
};

impl Default for CostModel {
    fn default() -> Self {
        DEFAULT_MODEL
    }
}

/// Dynamic relocations of one file, counted several ways. Every map is keyed by name and
/// sorted; each sums to `total`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelocCounts {
    /// Every relocation the loader applies (RELR entries expanded).
    pub total: u64,
    /// By type, spelled as readelf prints it (`R_X86_64_RELATIVE`, …).
    pub by_type: BTreeMap<String, u64>,
    /// By the allocated section holding `r_offset` (`(none)` when no section does).
    pub by_section: BTreeMap<String, u64>,
    /// By the PT_LOAD segment holding `r_offset`: `"<index> LOAD <flags>"` (index as in
    /// `readelf -l`), or `(none)`.
    pub by_segment: BTreeMap<String, u64>,
    /// By table: `rela`, `rel`, `plt`, `relr`.
    pub by_table: BTreeMap<String, u64>,
    /// Relocations from DT_RELR.
    pub relr: u64,
    /// With a symbol: each needs a lookup (now, or at the first call when lazy).
    pub symbolic: u64,
    /// Without a symbol: the loader adds the load address (RELATIVE, RELR, IRELATIVE, …).
    pub relative: u64,
    /// Symbolic PLT relocations bound lazily (no BIND_NOW): not looked up at startup.
    pub lazy: u64,
    /// Relocations writing inside PT_GNU_RELRO.
    pub in_relro: u64,
}

/// The estimate, term by term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Relocations costed at `relative_ns` (no lookup, not RELR, plus lazy PLT slots).
    pub relative_count: u64,
    /// Their cost, ns.
    pub relative_ns: u64,
    /// RELR relocations' cost, ns.
    pub relr_ns: u64,
    /// Symbol lookups done at startup.
    pub lookups: u64,
    /// Their cost, ns.
    pub lookup_ns: u64,
    /// Dirtied pages' cost, ns.
    pub pages_ns: u64,
    /// Sum, ns.
    pub total_ns: u64,
    /// The constants used.
    pub model: CostModel,
    /// With a host calibration that timed the loader (`--model host`): the file's own
    /// relocations, ns (the four terms above); `total_ns` then also counts `loader_ns` and
    /// `libraries_ns`. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_ns: Option<u64>,
    /// The loader's fixed work for any program (ld.so relocating itself, RELRO
    /// re-protection), ns, as timed on the host. Absent without a loader calibration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loader_ns: Option<u64>,
    /// The DT_NEEDED libraries' own relocations (transitively), ns: measured for the host's
    /// libc.so.6, modelled for the others (see `libraries`). Absent without a loader
    /// calibration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libraries_ns: Option<u64>,
}

/// One library the loader relocates for a file (its DT_NEEDED, transitively), and what
/// that costs on the host (`--model host` with a loader calibration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LibraryCost {
    /// The DT_NEEDED name.
    pub name: String,
    /// Where it was found (the standard directories; null when it was not found).
    pub path: Option<String>,
    /// `measured` (timed in the host calibration: libc.so.6), `modelled` (its relocations
    /// counted and costed with the host constants), `not_found` or `unreadable` (costed 0).
    pub method: String,
    /// Its dynamic relocations (RELR expanded).
    pub relocations: u64,
    /// Symbol lookups at startup.
    pub lookups: u64,
    /// IRELATIVE relocations (each calls an IFUNC resolver).
    pub irelative: u64,
    /// Distinct 4 KiB pages its relocations write.
    pub pages: u64,
    /// Its cost, ns.
    pub ns: u64,
}

impl LibraryCost {
    /// A library whose relocations were not counted (`method` says why: `not_found`,
    /// `unreadable`), costed 0.
    pub fn uncounted(name: String, path: Option<String>, method: &str) -> Self {
        LibraryCost {
            name,
            path,
            method: method.into(),
            relocations: 0,
            lookups: 0,
            irelative: 0,
            pages: 0,
            ns: 0,
        }
    }
}

/// What the loader does for a file beyond the file's own relocations, as a host
/// calibration found it: [`add_load_overheads`] adds it to a file's estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadOverheads {
    /// The loader's fixed work, ns.
    pub loader_ns: u64,
    /// The libraries relocated for the file.
    pub libraries: Vec<LibraryCost>,
}

/// Add the loader's fixed work and the libraries' relocations to a file's estimate
/// (`own_ns`, `loader_ns`, `libraries_ns`, `libraries`; `total_ns` and
/// `estimated_load_us` become the sum).
pub fn add_load_overheads(file: &mut RelocCostFile, extra: LoadOverheads) {
    let Some(e) = file.estimate.as_mut() else {
        return;
    };
    let own = e.total_ns;
    let libs = extra
        .libraries
        .iter()
        .fold(0u64, |a, l| a.saturating_add(l.ns));
    e.own_ns = Some(own);
    e.loader_ns = Some(extra.loader_ns);
    e.libraries_ns = Some(libs);
    e.total_ns = own.saturating_add(extra.loader_ns).saturating_add(libs);
    file.estimated_load_us = round1(e.total_ns as f64 / 1000.0);
    file.libraries = extra.libraries;
}

/// One run's `LD_DEBUG=statistics` block (glibc `elf/rtld.c` `print_statistics`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LdStats {
    /// "total startup time in dynamic loader", cycles.
    pub total_startup_cycles: Option<u64>,
    /// "time needed for relocation", cycles.
    pub relocation_cycles: Option<u64>,
    /// "time needed to load objects", cycles.
    pub load_objects_cycles: Option<u64>,
    /// "number of relocations": symbol lookups over every loaded object.
    pub relocations: Option<u64>,
    /// "number of relocations from cache".
    pub relocations_from_cache: Option<u64>,
    /// "number of relative relocations": the sum of DT_RELACOUNT/DT_RELCOUNT.
    pub relative_relocations: Option<u64>,
    /// "final number of relocations" (printed at exit, includes lazy lookups done since).
    pub final_relocations: Option<u64>,
    /// "final number of relocations from cache".
    pub final_relocations_from_cache: Option<u64>,
}

/// What glibc's statistics count, the first sentence of every [`Measured::note`].
pub const GLIBC_COUNTS_NOTE: &str = "glibc's \"number of relocations\" counts symbol lookups in \
     every loaded object (ld.so, libc, ...), not this file's relocations; \"number of relative \
     relocations\" only sums DT_RELACOUNT/DT_RELCOUNT of the loaded objects; the time covers \
     relocating every object, including the faults on the pages written.";

/// The loader's own measurement of a file, from several runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Runs with a statistics block.
    pub runs: u64,
    /// "time needed for relocation" of each run, cycles, in run order.
    pub relocation_cycles: Vec<u64>,
    /// Their median.
    pub relocation_cycles_median: u64,
    /// Median "total startup time in dynamic loader", cycles.
    pub startup_cycles_median: Option<u64>,
    /// Cycles per microsecond used to convert (the TSC rate on x86), when known.
    pub cycles_per_us: Option<f64>,
    /// Where `cycles_per_us` came from, or why it is unknown.
    pub cycle_rate_source: String,
    /// `relocation_cycles_median` in µs, when the rate is known.
    pub relocation_us_median: Option<f64>,
    /// glibc's "number of relocations" (median): symbol lookups over EVERY loaded object
    /// (ld.so, libc, …), not this file's relocation count.
    pub glibc_symbol_lookups: Option<u64>,
    /// glibc's "number of relocations from cache" (median).
    pub glibc_lookups_from_cache: Option<u64>,
    /// glibc's "number of relative relocations" (median): only what DT_RELACOUNT/DT_RELCOUNT
    /// announce, summed over loaded objects.
    pub glibc_relative_relocations: Option<u64>,
    /// What the counts mean for this file.
    pub note: String,
    /// How far the measured runs went: `entry` (stopped at the entry point) or `run` (to
    /// the end).
    #[serde(default)]
    pub mode: Option<super::measure::MeasureMode>,
}

/// Differences of a file from the baseline (the first file that could be read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    /// Relocations.
    pub total: i64,
    /// Relocations without a symbol.
    pub relative: i64,
    /// Relocations with a symbol.
    pub symbolic: i64,
    /// Pages dirtied.
    pub pages_dirtied: i64,
    /// Of those, in RELRO.
    pub relro_pages: i64,
    /// Bytes of relocation tables.
    pub table_bytes: i64,
    /// Estimated µs.
    pub estimated_load_us: f64,
}

/// The `reloc-cost` report of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelocCostFile {
    /// The path as given.
    pub path: String,
    /// A short name for the column (the build variant with `--build`), when there is one.
    pub label: Option<String>,
    /// The file could be analysed.
    pub ok: bool,
    /// Why not (in JSON: its message).
    pub error: Option<RelocCostError>,
    /// Machine (`x86_64`, `aarch64`, …).
    pub machine: Option<String>,
    /// `e_type` (`EXEC`, `DYN`).
    pub elf_type: Option<String>,
    /// Position-independent executable.
    pub pie: bool,
    /// No PT_INTERP: no dynamic loader runs.
    pub static_binary: bool,
    /// PT_INTERP.
    pub interp: Option<String>,
    /// DT_NEEDED.
    pub needed: Vec<String>,
    /// DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW.
    pub bind_now: bool,
    /// DT_RELACOUNT (or DT_RELCOUNT): glibc's fast path and statistics count.
    pub relacount: Option<u64>,
    /// DT_RELR present.
    pub relr_present: bool,
    /// The relocations.
    pub dynamic_relocations: RelocCounts,
    /// The relocation tables found through the dynamic section.
    pub tables: Vec<TableInfo>,
    /// Distinct 4 KiB pages the relocations write.
    pub pages_dirtied: u64,
    /// Of those, pages glibc re-protects read-only (inside PT_GNU_RELRO, rounded down).
    pub relro_pages: u64,
    /// Bytes of relocation tables the loader reads.
    pub table_bytes: u64,
    /// The estimate in µs (one decimal); with a loader calibration (`--model host`) it also
    /// counts the libraries' relocations and the loader's fixed work (see `estimate`).
    pub estimated_load_us: f64,
    /// The estimate term by term.
    pub estimate: Option<Estimate>,
    /// The loader's measurement (`--measure`), or null.
    pub measured: Option<Measured>,
    /// Why `measured` is null.
    pub measured_reason: Option<String>,
    /// Code of the file itself that the loader runs before the entry point (DT_PREINIT_ARRAY
    /// entries, IFUNC resolvers of IRELATIVE relocations), one description each; empty for
    /// what Go links. `--measure` (entry mode) does not start a file that has any.
    #[serde(default)]
    pub code_before_entry: Vec<String>,
    /// Difference from the baseline; null for the baseline itself.
    pub delta: Option<Delta>,
    /// A plain statement about this file (static binary, no relocations, …).
    pub note: Option<String>,
    /// Damage found while reading.
    pub problems: Vec<Problem>,
    /// The libraries the loader relocates for this file and their cost (`--model host`
    /// with a loader calibration; absent otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub libraries: Vec<LibraryCost>,
    /// The container: `elf`, `pe` or `macho` (null when the file could not be read).
    #[serde(default)]
    pub format: Option<String>,
    /// PE detail (PE files only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pe: Option<super::other::PeRelocDetail>,
    /// Mach-O detail (Mach-O files only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macho: Option<super::other::MachoRelocDetail>,
}

impl RelocCostFile {
    /// A report for a file that could not be analysed.
    pub fn failed(path: &str, error: RelocCostError) -> Self {
        RelocCostFile {
            path: path.to_string(),
            label: None,
            ok: false,
            error: Some(error),
            machine: None,
            elf_type: None,
            pie: false,
            static_binary: false,
            interp: None,
            needed: Vec::new(),
            bind_now: false,
            relacount: None,
            relr_present: false,
            dynamic_relocations: RelocCounts::default(),
            tables: Vec::new(),
            pages_dirtied: 0,
            relro_pages: 0,
            table_bytes: 0,
            estimated_load_us: 0.0,
            estimate: None,
            measured: None,
            measured_reason: Some("not requested (--measure)".into()),
            code_before_entry: Vec::new(),
            delta: None,
            note: None,
            problems: Vec::new(),
            libraries: Vec::new(),
            format: None,
            pe: None,
            macho: None,
        }
    }
}

/// Why a file has no `reloc-cost` report. Serialised as its message (the JSON `error`
/// string); [`RelocCostError::code`] gives the stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RelocCostError {
    /// The file could not be opened or read (the message of the I/O error).
    Open(String),
    /// Not an ELF file whose headers can be read.
    NotElf(Error),
    /// A PE or Mach-O file whose container cannot be read.
    Container(Error),
    /// Building the file failed (`goelf reloc-cost --build`): the go command's message.
    Build(String),
    /// Only the message is known (a report read back from JSON).
    Other(String),
    /// A problem of severity error says the file is damaged (e.g. truncated): its message.
    Damaged(String),
}

impl RelocCostError {
    /// A stable code: `open`, the ELF error's code, `reloc_cost.build`, `other`.
    pub fn code(&self) -> &'static str {
        match self {
            RelocCostError::Open(_) => "open",
            RelocCostError::NotElf(e) | RelocCostError::Container(e) => e.code(),
            RelocCostError::Build(_) => "reloc_cost.build",
            RelocCostError::Other(_) => "other",
            RelocCostError::Damaged(_) => "damaged",
        }
    }
}

impl std::fmt::Display for RelocCostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RelocCostError::Open(m)
            | RelocCostError::Build(m)
            | RelocCostError::Other(m)
            | RelocCostError::Damaged(m) => f.write_str(m),
            RelocCostError::NotElf(e) => write!(f, "not an ELF file reloc-cost can read: {e}"),
            // A truncated file says so, as in every other command.
            RelocCostError::Container(e @ Error::Damaged(_)) => write!(f, "{e}"),
            RelocCostError::Container(e) => {
                write!(f, "not a PE or Mach-O file reloc-cost can read: {e}")
            }
        }
    }
}

impl std::error::Error for RelocCostError {}

impl Serialize for RelocCostError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RelocCostError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(RelocCostError::Other)
    }
}

/// The whole `reloc-cost` JSON document: the common envelope plus the baseline path.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RelocCostReport {
    /// `schema_version`, `tool`, `version`, `command`, `files`.
    #[serde(flatten)]
    pub envelope: crate::report::Envelope<RelocCostFile>,
    /// Path of the file the differences are taken from (null when no file could be read).
    pub baseline: Option<String>,
    /// Where the model's constants came from (null when the caller did not say).
    #[serde(default)]
    pub model: Option<ModelInfo>,
}

/// Where the constants of a [`CostModel`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelSource {
    /// Calibrated on the host by a short measurement.
    Host,
    /// The published constants ([`DEFAULT_MODEL`]).
    Fixed,
    /// Given by the caller (command-line flags).
    Given,
}

/// The model a report's estimates use, and how it was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// `host`, `fixed` or `given`.
    pub source: ModelSource,
    /// The constants.
    pub constants: CostModel,
    /// How they were found, in words.
    pub note: String,
    /// The host calibration's measurements (`host` only; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

/// How a host calibration was made and what it found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// `loader`: generated PIEs timed under the host's loader (`LD_DEBUG=statistics`, each
    /// stopped at its entry point); `micro`: micro-benchmarks scaled against the machine
    /// the published constants were fitted on (when the loader cannot be timed).
    pub method: String,
    /// Wall time of the calibration, ms.
    pub took_ms: f64,
    /// Why the loader was not timed (`micro` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
    /// The loader timed (`loader` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interp: Option<String>,
    /// The loader's fixed work, ns (`loader` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loader_ns: Option<f64>,
    /// The host's libc.so.6 relocating itself, ns (`loader` only; null when no libc.so.6
    /// was found or it could not be timed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libc_ns: Option<f64>,
    /// Where that libc.so.6 is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libc_path: Option<String>,
    /// ns per IRELATIVE relocation of a library other than libc.so.6 (libc's time beyond
    /// what the four constants give, over its IRELATIVE count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub irelative_ns: Option<f64>,
    /// Cycles per µs the loader's times were converted with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycles_per_us: Option<f64>,
    /// Where `cycles_per_us` came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle_rate_source: Option<String>,
    /// The generated files and the loader's median time for each (`loader` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<CalibrationPoint>,
}

/// One generated file of a loader calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationPoint {
    /// What it is for (`empty`, `pages`, `relocations`, `libc`, `lookups`).
    pub name: String,
    /// Its relative relocations.
    pub relative: u64,
    /// Its relocations with a symbol (each a lookup in libc.so.6).
    pub lookups: u64,
    /// Pages they write.
    pub pages: u64,
    /// Its DT_NEEDED.
    pub needed: Vec<String>,
    /// Runs timed.
    pub runs: u64,
    /// Median "time needed for relocation", cycles.
    pub cycles_median: u64,
    /// The same in ns.
    pub ns: f64,
}

/// Analyse one file's bytes: the `reloc-cost` report of one file (without a measurement
/// or a difference; see [`report`] and [`super::measure`]). Also [`crate::reloc_cost`].
pub fn analyze_bytes(path: &str, data: &[u8], model: &CostModel) -> RelocCostFile {
    use crate::image::{detect_format, Format, Image};
    let other = match detect_format(data) {
        Some(Format::Pe) => Some(match Image::parse(data) {
            Ok(image) => super::other::analyze_pe(path, &image, model),
            Err(e) => RelocCostFile::failed(path, RelocCostError::Container(e)),
        }),
        Some(Format::Macho) => Some(match Image::parse(data) {
            Ok(_) => super::other::analyze_macho(path, data, model),
            Err(e) => RelocCostFile::failed(path, RelocCostError::Container(e)),
        }),
        _ => None,
    };
    if let Some(mut rep) = other {
        // A PE or Mach-O shorter than its headers describe fails, as an ELF does (#11).
        if rep.ok {
            let container = || match Image::parse(data) {
                Ok(image) if image.format() == Format::Pe => {
                    let pe = crate::pe::analyze(&image, &mut Vec::new());
                    crate::report::container_truncation(pe.as_ref(), None)
                }
                _ => {
                    let m = crate::macho::analyze(data, &mut Vec::new());
                    crate::report::container_truncation(None, m.as_ref())
                }
            };
            if let Some(t) = crate::image::truncation(data).or_else(container) {
                rep.ok = false;
                rep.error = Some(RelocCostError::Damaged(t.message.clone()));
                rep.note = None;
                rep.problems.insert(0, t);
            }
        }
        return rep;
    }
    let mut problems = Vec::new();
    let file = match ElfFile::parse(data) {
        Ok(f) => f,
        Err(e) => return RelocCostFile::failed(path, RelocCostError::NotElf(e)),
    };
    let truncated = crate::elf::truncation(&file);
    let (elf, relocs) = crate::elf::analyze_file(&file, None, true, &mut problems);
    let mut rep = analyze_elf(
        path,
        &file,
        &elf,
        relocs.unwrap_or_default(),
        model,
        problems,
    );
    if let Some(t) = truncated {
        rep.ok = false;
        rep.error = Some(RelocCostError::Damaged(t.message.clone()));
        rep.note = None;
        rep.problems.insert(0, t);
    }
    rep
}

/// Analyse a parsed ELF file, its report and its relocations (`problems` are those found
/// so far).
pub(crate) fn analyze_elf(
    path: &str,
    file: &ElfFile<'_>,
    elf: &ElfReport,
    relocs: Relocations,
    model: &CostModel,
    problems: Vec<Problem>,
) -> RelocCostFile {
    let machine = file.header().e_machine.0;
    let word = u64::from(file.class().word_size());
    let bind_now = elf.dynamic.bind_now;

    let sections = SectionIndex::new(file.sections());
    let loads = LoadIndex::new(file.segments());
    let relro = relro_range(file);

    let mut by_type: BTreeMap<u32, u64> = BTreeMap::new();
    let mut by_section: Vec<u64> = vec![0; sections.names.len() + 1];
    let mut by_segment: Vec<u64> = vec![0; loads.names.len() + 1];
    let mut counts = RelocCounts::default();
    let mut pages: Vec<u64> = Vec::with_capacity(relocs.relocs.len());
    for r in &relocs.relocs {
        count_one(
            r,
            bind_now,
            relro,
            &mut counts,
            &mut by_type,
            &sections,
            &mut by_section,
            &loads,
            &mut by_segment,
        );
        let first = r.offset / PAGE_SIZE;
        let last = r.offset.saturating_add(word - 1) / PAGE_SIZE;
        pages.push(first);
        if last != first {
            pages.push(last);
        }
    }
    pages.sort_unstable();
    pages.dedup();
    let relro_pages = match relro {
        Some((lo, hi)) => pages
            .iter()
            .filter(|&&p| {
                let a = p.saturating_mul(PAGE_SIZE);
                a >= lo && a < hi
            })
            .count() as u64,
        None => 0,
    };
    counts.by_type = by_type
        .into_iter()
        .map(|(t, n)| (names::reloc_type_name(machine, t), n))
        .collect();
    counts.by_section = named_counts(&sections.names, &by_section);
    counts.by_segment = named_counts(&loads.names, &by_segment);
    let table_bytes = relocs
        .tables
        .iter()
        .fold(0u64, |a, t| a.saturating_add(t.size));

    let estimate = estimate(&counts, pages.len() as u64, model);
    let d = &elf.dynamic;
    let code_before_entry = code_before_entry(file, elf, &relocs.relocs);
    let static_binary = elf.interp.is_none();
    let note = if !d.present {
        Some(if static_binary {
            "static binary: no dynamic section and no loader; nothing is relocated at load time \
             (0 dynamic relocations)"
                .to_string()
        } else {
            "no dynamic section: nothing is relocated at load time (0 dynamic relocations)".into()
        })
    } else if counts.total == 0 {
        Some("dynamic section present but it names no relocations".into())
    } else if static_binary {
        Some("no PT_INTERP: the program must apply these relocations itself (static-pie)".into())
    } else {
        None
    };
    RelocCostFile {
        path: path.to_string(),
        label: None,
        ok: true,
        error: None,
        machine: Some(elf.header.machine.clone()),
        elf_type: Some(elf.header.r#type.clone()),
        pie: elf.hardening.pie,
        static_binary,
        interp: elf.interp.clone(),
        needed: d.needed.clone(),
        bind_now,
        relacount: d.relative_count,
        relr_present: d.relr,
        dynamic_relocations: counts,
        tables: relocs.tables,
        pages_dirtied: pages.len() as u64,
        relro_pages,
        table_bytes,
        estimated_load_us: round1(estimate.total_ns as f64 / 1000.0),
        estimate: Some(estimate),
        measured: None,
        measured_reason: Some("not requested (--measure)".into()),
        code_before_entry,
        delta: None,
        note,
        problems,
        libraries: Vec::new(),
        format: Some("elf".into()),
        pe: None,
        macho: None,
    }
}

/// What of the file's own code the loader runs before its entry point: DT_PREINIT_ARRAY
/// entries (glibc `elf/dl-init.c` `_dl_init` calls the executable's preinit array, and only
/// the libraries' DT_INIT/DT_INIT_ARRAY; the executable's own constructors run from
/// `__libc_start_main`, after the entry point) and IFUNC resolvers (IRELATIVE relocations,
/// resolved while relocating).
fn code_before_entry(file: &ElfFile<'_>, elf: &ElfReport, relocs: &[DynReloc]) -> Vec<String> {
    let mut out = Vec::new();
    let preinit = elf
        .init_array
        .iter()
        .filter(|e| e.kind == crate::elf::InitKind::PreinitArray)
        .count();
    if preinit > 0 {
        out.push(format!("{preinit} DT_PREINIT_ARRAY entries"));
    }
    if let Some(t) = crate::elf::relocations::irelative_type(file.header().e_machine) {
        let n = relocs.iter().filter(|r| r.r_type == t).count();
        if n > 0 {
            out.push(format!("{n} IFUNC resolvers (IRELATIVE relocations)"));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn count_one(
    r: &DynReloc,
    bind_now: bool,
    relro: Option<(u64, u64)>,
    counts: &mut RelocCounts,
    by_type: &mut BTreeMap<u32, u64>,
    sections: &SectionIndex,
    by_section: &mut [u64],
    loads: &LoadIndex,
    by_segment: &mut [u64],
) {
    counts.total += 1;
    *by_type.entry(r.r_type).or_insert(0) += 1;
    *counts.by_table.entry(r.table.name().into()).or_insert(0) += 1;
    if r.table == RelocTable::Relr {
        counts.relr += 1;
    }
    if r.sym == 0 {
        counts.relative += 1;
    } else {
        counts.symbolic += 1;
        if r.table == RelocTable::Plt && !bind_now {
            counts.lazy += 1;
        }
    }
    if relro.is_some_and(|(lo, hi)| r.offset >= lo && r.offset < hi) {
        counts.in_relro += 1;
    }
    let s = sections.find(r.offset);
    if let Some(slot) = by_section.get_mut(s) {
        *slot += 1;
    }
    let l = loads.find(r.offset);
    if let Some(slot) = by_segment.get_mut(l) {
        *slot += 1;
    }
}

/// The estimate for given counts and pages.
pub fn estimate(counts: &RelocCounts, pages: u64, model: &CostModel) -> Estimate {
    let relative_count = counts
        .relative
        .saturating_sub(counts.relr)
        .saturating_add(counts.lazy);
    let lookups = counts.symbolic.saturating_sub(counts.lazy);
    let ns = |n: u64, per: f64| (n as f64 * per).round() as u64;
    let relative_ns = ns(relative_count, model.relative_ns);
    let relr_ns = ns(counts.relr, model.relr_ns);
    let lookup_ns = ns(lookups, model.lookup_ns);
    let pages_ns = ns(pages, model.page_ns);
    Estimate {
        relative_count,
        relative_ns,
        relr_ns,
        lookups,
        lookup_ns,
        pages_ns,
        total_ns: relative_ns + relr_ns + lookup_ns + pages_ns,
        model: *model,
        own_ns: None,
        loader_ns: None,
        libraries_ns: None,
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn named_counts(names: &[String], counts: &[u64]) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (i, &n) in counts.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let name = names.get(i).map_or("(none)", String::as_str);
        *out.entry(name.to_string()).or_insert(0) += n;
    }
    out
}

/// PT_GNU_RELRO as glibc re-protects it: both ends rounded down to a page.
fn relro_range(file: &ElfFile<'_>) -> Option<(u64, u64)> {
    let p = file.segment(PT_GNU_RELRO)?;
    let lo = p.vaddr / PAGE_SIZE * PAGE_SIZE;
    let hi = p.vaddr.saturating_add(p.memsz) / PAGE_SIZE * PAGE_SIZE;
    Some((lo, hi))
}

/// Allocated sections sorted by address, for address → section lookups. `.tbss` is left
/// out: it takes no address space in the image and overlaps the sections after it.
struct SectionIndex {
    ranges: Vec<(u64, u64, usize)>,
    names: Vec<String>,
}

impl SectionIndex {
    fn new(sections: &[RawSection<'_>]) -> Self {
        let mut names = Vec::new();
        let mut ranges = Vec::new();
        for s in sections {
            if !s.sh_flags.contains(SHF_ALLOC) || s.size == 0 || s.is_tbss() {
                continue;
            }
            ranges.push((s.address, s.address.saturating_add(s.size), names.len()));
            names.push(s.name.display());
        }
        ranges.sort_unstable();
        SectionIndex { ranges, names }
    }

    /// Index into `names`, or `names.len()` for "(none)".
    fn find(&self, addr: u64) -> usize {
        let i = self.ranges.partition_point(|r| r.0 <= addr);
        match i.checked_sub(1).and_then(|j| self.ranges.get(j)) {
            Some(&(lo, hi, n)) if addr >= lo && addr < hi => n,
            _ => self.names.len(),
        }
    }
}

/// PT_LOAD segments sorted by address.
struct LoadIndex {
    ranges: Vec<(u64, u64, usize)>,
    names: Vec<String>,
}

impl LoadIndex {
    fn new(phdrs: &[RawSegment]) -> Self {
        let mut names = Vec::new();
        let mut ranges = Vec::new();
        for p in phdrs.iter().filter(|p| p.p_type == PT_LOAD) {
            ranges.push((p.vaddr, p.vaddr.saturating_add(p.memsz), names.len()));
            names.push(format!(
                "{:02} LOAD {}",
                p.index,
                crate::elf::names::segment_flags(p.p_flags.0).trim()
            ));
        }
        ranges.sort_unstable();
        LoadIndex { ranges, names }
    }

    fn find(&self, addr: u64) -> usize {
        let i = self.ranges.partition_point(|r| r.0 <= addr);
        match i.checked_sub(1).and_then(|j| self.ranges.get(j)) {
            Some(&(lo, hi, n)) if addr >= lo && addr < hi => n,
            _ => self.names.len(),
        }
    }
}

/// Fill in every file's difference from the first file that could be read, and return the
/// whole report.
pub fn report(mut files: Vec<RelocCostFile>) -> RelocCostReport {
    let base = files.iter().find(|f| f.ok).cloned();
    if let Some(b) = &base {
        for f in files.iter_mut().skip(1).filter(|f| f.ok) {
            if f.path == b.path && f.label == b.label {
                continue;
            }
            let d = |a: u64, b: u64| (a as i64).wrapping_sub(b as i64);
            f.delta = Some(Delta {
                total: d(f.dynamic_relocations.total, b.dynamic_relocations.total),
                relative: d(
                    f.dynamic_relocations.relative,
                    b.dynamic_relocations.relative,
                ),
                symbolic: d(
                    f.dynamic_relocations.symbolic,
                    b.dynamic_relocations.symbolic,
                ),
                pages_dirtied: d(f.pages_dirtied, b.pages_dirtied),
                relro_pages: d(f.relro_pages, b.relro_pages),
                table_bytes: d(f.table_bytes, b.table_bytes),
                estimated_load_us: round1(f.estimated_load_us - b.estimated_load_us),
            });
        }
    }
    RelocCostReport {
        envelope: crate::report::Envelope::new("reloc-cost", files),
        baseline: base.map(|b| b.path),
        model: None,
    }
}

/// Parse `LD_DEBUG=statistics` output (glibc `elf/rtld.c` `print_statistics`): one entry per
/// startup block ("total startup time in dynamic loader"); an exit block ("final number of
/// relocations") is attached to the block before it. Lines may carry glibc's `PID:` prefix;
/// anything else (the program's own output, `=== run` markers) is ignored.
pub fn parse_ld_statistics(text: &str) -> Vec<LdStats> {
    let mut out: Vec<LdStats> = Vec::new();
    for line in text.lines() {
        let body = strip_pid(line).trim();
        let Some((key, value)) = body.split_once(':') else {
            continue;
        };
        let key = key.trim();
        let Some(n) = value
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
        else {
            continue;
        };
        if key == "total startup time in dynamic loader" {
            out.push(LdStats {
                total_startup_cycles: Some(n),
                ..LdStats::default()
            });
            continue;
        }
        let Some(cur) = out.last_mut() else {
            continue;
        };
        let slot = match key {
            "time needed for relocation" => &mut cur.relocation_cycles,
            "time needed to load objects" => &mut cur.load_objects_cycles,
            "number of relocations" => &mut cur.relocations,
            "number of relocations from cache" => &mut cur.relocations_from_cache,
            "number of relative relocations" => &mut cur.relative_relocations,
            "final number of relocations" => &mut cur.final_relocations,
            "final number of relocations from cache" => &mut cur.final_relocations_from_cache,
            _ => continue,
        };
        *slot = Some(n);
    }
    out
}

fn strip_pid(line: &str) -> &str {
    let t = line.trim_start();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    match t.get(digits..) {
        Some(rest) if digits > 0 && rest.starts_with(':') => rest.get(1..).unwrap_or(""),
        _ => line,
    }
}

/// Median of a list (the lower of the two middle values for an even count); `None` if empty.
pub fn median(values: &[u64]) -> Option<u64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len();
    if n == 0 {
        return None;
    }
    v.get((n - 1) / 2).copied()
}

impl Measured {
    /// Summarise runs for `file`; `rate` is cycles per µs and where it came from (or `None`
    /// and why not). `None` when no run has a relocation time.
    pub fn from_runs(
        runs: &[LdStats],
        rate: Result<(f64, String), String>,
        file: &RelocCostFile,
    ) -> Option<Measured> {
        let cycles: Vec<u64> = runs.iter().filter_map(|r| r.relocation_cycles).collect();
        let med = median(&cycles)?;
        let pick = |f: fn(&LdStats) -> Option<u64>| {
            let v: Vec<u64> = runs.iter().filter_map(f).collect();
            median(&v)
        };
        let (cycles_per_us, cycle_rate_source) = match rate {
            Ok((r, s)) if r > 0.0 => (Some(r), s),
            Ok((_, s)) => (None, s),
            Err(why) => (None, why),
        };
        let relative_relocations = pick(|r| r.relative_relocations);
        let rel = &file.dynamic_relocations;
        let mut note = String::from(GLIBC_COUNTS_NOTE);
        if file.relacount.is_none() && rel.relative > 0 {
            note.push_str(&format!(
                " This file has no DT_RELACOUNT, so its {} relative relocations are not in \
                 glibc's relative count (Go's internal linker does not emit the tag).",
                rel.relative
            ));
        }
        if !file.needed.is_empty() {
            note.push_str(&format!(
                " The time also includes relocating its libraries ({}); glibc's libc.so.6 \
                 alone took about 3 µs on the machine the model was measured on.",
                file.needed.join(", ")
            ));
        }
        Some(Measured {
            runs: cycles.len() as u64,
            relocation_cycles: cycles,
            relocation_cycles_median: med,
            startup_cycles_median: pick(|r| r.total_startup_cycles),
            cycles_per_us,
            cycle_rate_source,
            relocation_us_median: cycles_per_us.map(|r| round1(med as f64 / r)),
            glibc_symbol_lookups: pick(|r| r.relocations),
            glibc_lookups_from_cache: pick(|r| r.relocations_from_cache),
            glibc_relative_relocations: relative_relocations,
            note,
            mode: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_blocks_per_run() {
        let text = "=== run 1\n     2215:\t\n     2215:\truntime linker statistics:\n\
             2215:\t  total startup time in dynamic loader: 140021 cycles\n\
             2215:\t            time needed for relocation: 10730 cycles (7.6%)\n\
             2215:\t                 number of relocations: 83\n\
             2215:\t      number of relocations from cache: 7\n\
             2215:\t        number of relative relocations: 4\n\
             2215:\t           time needed to load objects: 8055 cycles (5.7%)\n\
             2215:\t\n     2215:\truntime linker statistics:\n\
             2215:\t           final number of relocations: 85\n\
             2215:\tfinal number of relocations from cache: 7\n\
             === run 2\n  9:\t  total startup time in dynamic loader: 5 cycles\n\
             9:\t            time needed for relocation: 3 cycles (60.0%)\n";
        let runs = parse_ld_statistics(text);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].relocation_cycles, Some(10730));
        assert_eq!(runs[0].relocations, Some(83));
        assert_eq!(runs[0].relocations_from_cache, Some(7));
        assert_eq!(runs[0].relative_relocations, Some(4));
        assert_eq!(runs[0].load_objects_cycles, Some(8055));
        assert_eq!(runs[0].final_relocations, Some(85));
        assert_eq!(runs[0].final_relocations_from_cache, Some(7));
        assert_eq!(runs[1].total_startup_cycles, Some(5));
        assert_eq!(runs[1].relocation_cycles, Some(3));
        assert!(parse_ld_statistics("garbage: x\n: 12\n123:\n").is_empty());
    }

    #[test]
    fn median_is_lower_middle() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5, 1, 3]), Some(3));
        assert_eq!(median(&[4, 1, 3, 2]), Some(2));
    }

    #[test]
    fn estimate_terms() {
        let c = RelocCounts {
            total: 1010,
            relative: 1000,
            relr: 400,
            symbolic: 10,
            lazy: 4,
            ..Default::default()
        };
        let m = CostModel {
            relative_ns: 1.0,
            relr_ns: 0.5,
            lookup_ns: 10.0,
            page_ns: 100.0,
        };
        let e = estimate(&c, 3, &m);
        assert_eq!(e.relative_count, 604);
        assert_eq!(e.lookups, 6);
        assert_eq!(e.total_ns, 604 + 200 + 60 + 300);
    }
}

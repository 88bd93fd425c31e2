//! `goelf reloc-cost FILE...`: dynamic relocations and what they cost the loader, one column
//! per file, differences from the first; `--measure` starts each file under
//! `LD_DEBUG=statistics` and stops it at its entry point (`--measure=run`: runs it to the
//! end); `--build DIR` builds a Go package in four variants first.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use goelf::reloc::cost::{
    self, CostModel, ModelInfo, ModelSource, RelocCostError, RelocCostFile, DEFAULT_MODEL,
};
use goelf::reloc::measure::{self, MeasureMode, MeasureOptions};

use crate::calibrate;
use crate::common;
use crate::entry_stop;
use crate::runner;
use crate::table::{self, Table};

/// Arguments of `goelf reloc-cost`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files to compare; the first is the baseline. ELF, PE (base relocations and imported
    /// functions) and Mach-O (rebases and binds; the first slice of a universal file), so the
    /// linux, windows and darwin builds of one program can stand side by side; PE and Mach-O
    /// files are estimated, never measured (no loader here).
    /// `-` reads standard input; a directory is walked recursively (its Go binaries, as `go version DIR`).
    #[arg(value_name = "FILE", required_unless_present = "build")]
    files: Vec<PathBuf>,
    /// Print one JSON document (schema_version 1).
    #[arg(long)]
    json: bool,
    /// Start each file under LD_DEBUG=statistics and report the loader's median relocation
    /// time. `entry` (the default): stop it at its entry point and kill it, so that none of
    /// the file's own code runs (x86-64 Linux; the loader and its libraries' constructors do
    /// run); `run`: run it to the end (no arguments, stdin closed, output discarded).
    #[arg(
        long,
        value_name = "HOW",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "entry"
    )]
    measure: Option<MeasureHow>,
    /// Runs per file for --measure.
    #[arg(long, default_value_t = 7, value_name = "N")]
    runs: u32,
    /// Seconds before a run is killed (--measure).
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    timeout: u64,
    /// The loader's cycle counter rate in MHz (the TSC rate on x86), when goelf cannot find it.
    #[arg(long, value_name = "MHZ")]
    tsc_mhz: Option<f64>,
    /// Build the Go package in DIR four ways (default, pie, -s -w, pie -s -w) and compare them.
    #[arg(long, value_name = "DIR")]
    build: Option<PathBuf>,
    /// The go command for --build (default: `go` on PATH).
    #[arg(long, value_name = "PATH")]
    go: Option<PathBuf>,
    /// Keep the --build binaries in this directory (default: a temporary one, removed).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The model's constants: `host` (default) calibrates them on this machine by timing the
    /// loader on small generated PIEs (LD_DEBUG=statistics, each stopped at its entry point;
    /// well under a second), and the estimate then also counts ld.so's fixed work and the
    /// DT_NEEDED libraries' relocations (libc.so.6 as timed); where the loader cannot be
    /// timed, micro-benchmarks scaled against the machine the published constants were
    /// fitted on (the file's own relocations only); `fixed` uses the published constants
    /// (bench/reloc-cost-model.md) for the file's own relocations, comparable across
    /// machines.
    #[arg(long, value_name = "MODEL", default_value = "host")]
    model: ModelChoice,
    /// Model: ns per relocation without a symbol (overrides --model).
    #[arg(long, value_name = "NS")]
    relative_ns: Option<f64>,
    /// Model: ns per DT_RELR relocation (overrides --model).
    #[arg(long, value_name = "NS")]
    relr_ns: Option<f64>,
    /// Model: ns per symbol lookup (overrides --model).
    #[arg(long, value_name = "NS")]
    lookup_ns: Option<f64>,
    /// Model: ns per dirtied 4 KiB page (overrides --model).
    #[arg(long, value_name = "NS")]
    page_ns: Option<f64>,
}

/// `--model`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ModelChoice {
    /// Calibrated on this host.
    Host,
    /// The published constants.
    Fixed,
}

/// The model: calibrated, published, or with flags over either; with what timing the loader
/// found beyond the constants (host calibration by the loader only).
fn choose_model(args: &Args) -> (ModelInfo, Option<calibrate::LoaderFit>) {
    let mut calibration = None;
    let mut fit = None;
    let (mut constants, mut source, mut note) = match args.model {
        ModelChoice::Fixed => (
            DEFAULT_MODEL,
            ModelSource::Fixed,
            "the published constants (bench/reloc-cost-model.md)".to_string(),
        ),
        ModelChoice::Host => match calibrate::calibrate(args.tsc_mhz) {
            Ok(c) => {
                calibration = Some(c.info);
                fit = c.loader;
                (c.model, ModelSource::Host, c.note)
            }
            Err(why) => (
                DEFAULT_MODEL,
                ModelSource::Fixed,
                format!("the published constants: calibration failed ({why})"),
            ),
        },
    };
    let given = [
        (&mut constants.relative_ns, args.relative_ns),
        (&mut constants.relr_ns, args.relr_ns),
        (&mut constants.lookup_ns, args.lookup_ns),
        (&mut constants.page_ns, args.page_ns),
    ];
    let mut any = false;
    for (slot, v) in given {
        if let Some(v) = v {
            *slot = v;
            any = true;
        }
    }
    if any {
        source = ModelSource::Given;
        note = format!("given on the command line, the rest: {note}");
    }
    (
        ModelInfo {
            source,
            constants,
            note,
            calibration,
        },
        fit,
    )
}

/// `--measure[=HOW]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MeasureHow {
    /// Stop at the entry point.
    Entry,
    /// Run to the end.
    Run,
}

/// The four `--build` variants: label and extra `go build` arguments.
const VARIANTS: &[(&str, &[&str])] = &[
    ("default", &[]),
    ("pie", &["-buildmode=pie"]),
    ("sw", &["-ldflags=-s -w"]),
    ("pie-sw", &["-buildmode=pie", "-ldflags=-s -w"]),
];

pub fn run(args: Args) -> anyhow::Result<u8> {
    let (info, fit) = choose_model(&args);
    let mut temp: Option<PathBuf> = None;
    let (paths, labels, build_errors) = match &args.build {
        Some(dir) => {
            let out = match &args.out {
                Some(o) => {
                    std::fs::create_dir_all(o)?;
                    o.clone()
                }
                None => {
                    let t = make_temp_dir()?;
                    temp = Some(t.clone());
                    t
                }
            };
            let built = build_variants(dir, args.go.as_deref(), &out);
            match built {
                Ok(b) => b,
                Err(e) => {
                    if let Some(t) = &temp {
                        let _ = std::fs::remove_dir_all(t);
                    }
                    return Err(e);
                }
            }
        }
        None => (args.files.clone(), vec![None; args.files.len()], Vec::new()),
    };
    let result = run_on(&args, &info, fit.as_ref(), &paths, &labels, &build_errors);
    if let Some(t) = &temp {
        let _ = std::fs::remove_dir_all(t);
    }
    result
}

/// `reloc-cost` for the runner: one [`RelocCostFile`] per file; the table across the files
/// is drawn once all are in.
struct RelocCost {
    model: CostModel,
}

impl runner::Analyse for RelocCost {
    // Printed by `run_on`, after a failed build's error has replaced the file's own.
    const ERRORS_TO_STDERR: bool = false;

    type Report<'a> = RelocCostFile;

    fn analyse(&self, file: runner::Opened<'_, '_>) -> anyhow::Result<RelocCostFile> {
        Ok(cost::analyze_bytes(file.shown, file.data(), &self.model))
    }
}

fn run_on(
    args: &Args,
    info: &ModelInfo,
    fit: Option<&calibrate::LoaderFit>,
    paths: &[PathBuf],
    labels: &[Option<String>],
    build_errors: &[Option<String>],
) -> anyhow::Result<u8> {
    let cmd = RelocCost {
        model: info.constants,
    };
    let mut files: Vec<RelocCostFile> = runner::analyse_all(&cmd, paths, |f| match f.result {
        Ok(r) => r,
        Err(e) => RelocCostFile::failed(&f.shown, RelocCostError::Open(e)),
    });
    for (i, f) in files.iter_mut().enumerate() {
        f.label = labels.get(i).cloned().flatten();
        if let Some(Some(err)) = build_errors.get(i) {
            f.ok = false;
            f.error = Some(RelocCostError::Build(err.clone()));
        }
    }
    // What the loader adds for each file: its fixed work and the libraries.
    if let Some(fit) = fit {
        let mut cache = std::collections::HashMap::new();
        for f in &mut files {
            if let Some(extra) = fit.overheads(f, &info.constants, &mut cache) {
                cost::add_load_overheads(f, extra);
            }
        }
    }
    if let Some(how) = args.measure {
        let mode = match how {
            MeasureHow::Entry => MeasureMode::Entry,
            MeasureHow::Run => MeasureMode::Run,
        };
        let opts = MeasureOptions {
            runs: args.runs.max(1),
            timeout_secs: args.timeout,
            mode,
        };
        // The files as analysed (a directory argument stands for the files found in it).
        let analysed: Vec<PathBuf> = files.iter().map(|f| PathBuf::from(&f.path)).collect();
        let rate = measure::cycle_rate(args.tsc_mhz);
        match (mode, entry_stop::supported()) {
            (MeasureMode::Run, _) => measure::measure_all(
                &mut files,
                &analysed,
                &opts,
                &rate,
                &mut measure::run_to_end,
            ),
            (MeasureMode::Entry, Ok(())) => measure::measure_all(
                &mut files,
                &analysed,
                &opts,
                &rate,
                &mut entry_stop::run_to_entry,
            ),
            (MeasureMode::Entry, Err(why)) => {
                for f in &mut files {
                    f.measured_reason = Some(why.clone());
                }
            }
        }
    }
    let failed = files.iter().any(|f| !f.ok);
    for f in files.iter().filter(|f| !f.ok) {
        match &f.error {
            Some(e) => eprintln!("goelf: {}: {e}", f.path),
            None => eprintln!("goelf: {}: failed", f.path),
        }
    }
    let mut report = cost::report(files);
    report.model = Some(info.clone());
    if args.json {
        common::print_json(&report)?;
    } else {
        let mut text = render(&report.envelope.files, args.measure.is_some());
        if !text.is_empty() {
            let _ = writeln!(text, "Model: {}.", info.note);
        }
        common::print_text(&text)?;
    }
    Ok(runner::exit_status(failed))
}

fn make_temp_dir() -> anyhow::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("goelf-reloc-cost-{}-{nanos}", std::process::id()));
    std::fs::create_dir(&dir)?;
    Ok(dir)
}

type Built = (Vec<PathBuf>, Vec<Option<String>>, Vec<Option<String>>);

fn find_go(given: Option<&Path>) -> Option<PathBuf> {
    if let Some(g) = given {
        return Some(g.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("go"))
        .find(|p| p.is_file())
}

fn build_variants(dir: &Path, go: Option<&Path>, out: &Path) -> anyhow::Result<Built> {
    let Some(go) = find_go(go) else {
        anyhow::bail!("--build needs the go command: none on PATH; give it with --go PATH");
    };
    if !dir.is_dir() {
        anyhow::bail!("--build {}: not a directory", dir.display());
    }
    let mut paths = Vec::new();
    let mut labels = Vec::new();
    let mut errors = Vec::new();
    for (label, extra) in VARIANTS {
        let bin = std::path::absolute(out.join(label))?;
        let output = Command::new(&go)
            .arg("build")
            .args(*extra)
            .arg("-o")
            .arg(&bin)
            .arg(".")
            .current_dir(dir)
            .stdin(Stdio::null())
            .output();
        let err = match output {
            Ok(o) if o.status.success() => None,
            Ok(o) => {
                let text = String::from_utf8_lossy(&o.stderr);
                let tail: Vec<&str> = text.lines().rev().take(5).collect();
                Some(format!(
                    "go build ({label}) failed: {}",
                    tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
                ))
            }
            Err(e) => Some(format!("cannot run {}: {e}", go.display())),
        };
        paths.push(bin);
        labels.push(Some((*label).to_string()));
        errors.push(err);
    }
    Ok((paths, labels, errors))
}

fn column_name(f: &RelocCostFile, all: &[RelocCostFile]) -> String {
    if let Some(l) = &f.label {
        return l.clone();
    }
    let base = Path::new(&f.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| f.path.clone());
    let clash = all
        .iter()
        .filter(|g| Path::new(&g.path).file_name() == Path::new(&f.path).file_name())
        .count()
        > 1;
    if clash {
        // Full paths would make every column as wide as the longest path: number them, and
        // name the paths once in the legend.
        let i = all.iter().position(|g| std::ptr::eq(g, f)).unwrap_or(0);
        format!("#{}", i + 1)
    } else {
        base
    }
}

/// `#N  PATH` for the columns that are numbered because their file names clash.
fn legend(out: &mut String, ok: &[&RelocCostFile], files: &[RelocCostFile]) {
    for f in ok {
        let name = column_name(f, files);
        if name.starts_with('#') && f.label.is_none() {
            table::para(out, &format!("{name}  {}", f.path), 2);
        }
    }
}

/// A numeric cell, with the difference from the baseline when it differs.
fn num(v: u64, base: Option<u64>) -> String {
    match base {
        Some(b) if b != v => format!("{v} ({:+})", v as i128 - b as i128),
        _ => v.to_string(),
    }
}

fn float(v: f64, base: Option<f64>) -> String {
    match base {
        Some(b) if (b - v).abs() >= 0.05 => format!("{v:.1} ({:+.1})", v - b),
        _ => format!("{v:.1}"),
    }
}

fn opt(v: Option<u64>) -> String {
    v.map_or_else(|| "-".into(), |n| n.to_string())
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// The answer lines: what each file costs, and what each costs more than the first.
fn answers(out: &mut String, ok: &[&RelocCostFile], files: &[RelocCostFile]) {
    let Some(base) = ok.first().copied() else {
        return;
    };
    let name = |f: &RelocCostFile| column_name(f, files);
    for f in ok {
        let r = &f.dynamic_relocations;
        let line = if f.static_binary {
            format!(
                "{}: static binary: no loader runs, nothing is relocated at load time",
                name(f)
            )
        } else {
            let split = match f.estimate.as_ref() {
                Some(e) if e.own_ns.is_some() => format!(
                    " (its own {:.1} + libraries {:.1} + ld.so {:.1})",
                    e.own_ns.unwrap_or(0) as f64 / 1000.0,
                    e.libraries_ns.unwrap_or(0) as f64 / 1000.0,
                    e.loader_ns.unwrap_or(0) as f64 / 1000.0
                ),
                _ => String::new(),
            };
            format!(
                "{}: {} dynamic relocations ({} relative, {} with a symbol lookup), {} pages \
                 dirtied, ≈{:.1} µs at load{split}",
                name(f),
                r.total,
                r.relative,
                r.symbolic,
                f.pages_dirtied,
                f.estimated_load_us
            )
        };
        table::para(out, &line, 2);
    }
    for f in ok.iter().skip(1) {
        let dn = f.dynamic_relocations.total as i128 - base.dynamic_relocations.total as i128;
        let dp = f.pages_dirtied as i128 - base.pages_dirtied as i128;
        let dt = f.estimated_load_us - base.estimated_load_us;
        let line = if f.pie && !base.pie {
            format!(
                "{} vs {}: -buildmode=pie adds {dn} relocations, dirties {dp} more pages, \
                 ≈{dt:.1} µs more at load",
                name(f),
                name(base)
            )
        } else {
            format!(
                "{} vs {}: {dn:+} relocations, {dp:+} dirtied pages, {dt:+.1} µs at load",
                name(f),
                name(base)
            )
        };
        table::para(out, &line, 2);
    }
}

/// The "type" cell: `DYN dynamic PIE` for ELF; the container and how it loads otherwise.
fn file_type(f: &RelocCostFile) -> String {
    if let Some(p) = &f.pe {
        let how = if p.relocated_at_load {
            " ASLR"
        } else if p.relocs_stripped {
            " fixed base"
        } else {
            ""
        };
        return format!("{}{how}", p.kind);
    }
    if let Some(m) = &f.macho {
        return format!(
            "Mach-O {}{}",
            m.filetype.trim_start_matches("MH_"),
            if f.pie { " PIE" } else { "" }
        );
    }
    let kind = if f.static_binary { "static" } else { "dynamic" };
    format!(
        "{} {}{}",
        f.elf_type.as_deref().unwrap_or("?"),
        kind,
        if f.pie { " PIE" } else { "" }
    )
}

fn render(files: &[RelocCostFile], measure: bool) -> String {
    let ok: Vec<&RelocCostFile> = files.iter().filter(|f| f.ok).collect();
    let mut out = String::new();
    let Some(base) = ok.first().copied() else {
        return out;
    };
    legend(&mut out, &ok, files);
    answers(&mut out, &ok, files);
    out.push('\n');
    let mut header = vec!["METRIC".to_string()];
    header.extend(ok.iter().map(|f| column_name(f, files)));
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let cols: Vec<usize> = (1..=ok.len()).collect();
    let mut t = Table::new(&header_refs).right(&cols);
    let is_base = |f: &RelocCostFile| std::ptr::eq(f, base);
    let row = |t: &mut Table, name: &str, cell: &dyn Fn(&RelocCostFile) -> String| {
        let mut cells = vec![name.to_string()];
        cells.extend(ok.iter().map(|f| cell(f)));
        t.row(cells);
    };
    let int_row = |t: &mut Table, name: &str, get: &dyn Fn(&RelocCostFile) -> u64| {
        row(t, name, &|f| {
            num(get(f), if is_base(f) { None } else { Some(get(base)) })
        });
    };
    row(&mut t, "type", &file_type);
    row(&mut t, "bind now", &|f| yes(f.bind_now));
    row(&mut t, "DT_RELACOUNT", &|f| opt(f.relacount));
    row(&mut t, "DT_RELR", &|f| yes(f.relr_present));
    int_row(&mut t, "dynamic relocations", &|f| {
        f.dynamic_relocations.total
    });
    int_row(&mut t, "  relative (no lookup)", &|f| {
        f.dynamic_relocations.relative
    });
    int_row(&mut t, "    of which RELR", &|f| f.dynamic_relocations.relr);
    int_row(&mut t, "  symbolic (lookup)", &|f| {
        f.dynamic_relocations.symbolic
    });
    int_row(&mut t, "    of which lazy (PLT)", &|f| {
        f.dynamic_relocations.lazy
    });
    let keys = |get: fn(&RelocCostFile) -> &std::collections::BTreeMap<String, u64>| {
        let mut k: Vec<String> = ok.iter().flat_map(|f| get(f).keys().cloned()).collect();
        k.sort();
        k.dedup();
        k
    };
    type MapOf = fn(&RelocCostFile) -> &std::collections::BTreeMap<String, u64>;
    let groups: [(&str, MapOf); 3] = [
        ("by type", |f| &f.dynamic_relocations.by_type),
        ("by section", |f| &f.dynamic_relocations.by_section),
        ("by segment", |f| &f.dynamic_relocations.by_segment),
    ];
    for (title, get) in groups {
        let names = keys(get);
        if names.is_empty() {
            continue;
        }
        row(&mut t, title, &|_| String::new());
        for k in names {
            let label = format!("  {k}");
            int_row(&mut t, &label, &|f| get(f).get(&k).copied().unwrap_or(0));
        }
    }
    int_row(&mut t, "pages dirtied (4 KiB)", &|f| f.pages_dirtied);
    int_row(&mut t, "  in RELRO", &|f| f.relro_pages);
    int_row(&mut t, "  in RELRO (relocations)", &|f| {
        f.dynamic_relocations.in_relro
    });
    int_row(&mut t, "relocation table bytes", &|f| f.table_bytes);
    row(&mut t, "estimated load µs", &|f| {
        float(
            f.estimated_load_us,
            (!is_base(f)).then_some(base.estimated_load_us),
        )
    });
    if measure {
        row(&mut t, "measured: relocation cycles", &|f| {
            f.measured
                .as_ref()
                .map_or_else(|| "-".into(), |m| num(m.relocation_cycles_median, None))
        });
        row(&mut t, "measured: relocation µs", &|f| {
            f.measured
                .as_ref()
                .and_then(|m| m.relocation_us_median)
                .map_or_else(|| "-".into(), |v| format!("{v:.1}"))
        });
        row(&mut t, "glibc: symbol lookups", &|f| {
            opt(f.measured.as_ref().and_then(|m| m.glibc_symbol_lookups))
        });
        row(&mut t, "glibc: relative relocations", &|f| {
            opt(f
                .measured
                .as_ref()
                .and_then(|m| m.glibc_relative_relocations))
        });
    }
    t.render(&mut out);
    let foot = format!(
        "(+n) = difference from the first column. Estimate: {:.2} ns per relocation without \
         lookup, {:.2} per RELR, {:.1} per lookup, {:.0} per dirtied page (the cost model: \
         man goelf-reloc-cost, COST MODEL).",
        base.estimate.as_ref().map_or(0.0, |e| e.model.relative_ns),
        base.estimate.as_ref().map_or(0.0, |e| e.model.relr_ns),
        base.estimate.as_ref().map_or(0.0, |e| e.model.lookup_ns),
        base.estimate.as_ref().map_or(0.0, |e| e.model.page_ns),
    );
    table::para(&mut out, &foot, 0);
    if ok.iter().any(|f| f.measured.is_some()) {
        let _ = writeln!(out, "Measured: {}", cost::GLIBC_COUNTS_NOTE);
    }
    for f in &ok {
        let name = column_name(f, files);
        if let Some(n) = &f.note {
            let _ = writeln!(out, "{name}: {n}");
        }
        if !f.libraries.is_empty() {
            let libs: Vec<String> = f
                .libraries
                .iter()
                .map(|l| {
                    let how = match l.method.as_str() {
                        "measured" => "timed",
                        "modelled" => "modelled",
                        "not_found" => "not found",
                        other => other,
                    };
                    format!("{} {:.1} µs ({how})", l.name, l.ns as f64 / 1000.0)
                })
                .collect();
            let _ = writeln!(out, "{name}: libraries relocated: {}", libs.join(", "));
        }
        if measure {
            match (&f.measured, &f.measured_reason) {
                (Some(m), _) => {
                    let own = m
                        .note
                        .strip_prefix(cost::GLIBC_COUNTS_NOTE)
                        .unwrap_or(&m.note);
                    let _ = writeln!(
                        out,
                        "{name}: measured over {} runs ({}); cycle rate: {}.{own}",
                        m.runs,
                        match m.mode {
                            Some(MeasureMode::Run) => "each run to the end",
                            _ => "each stopped at its entry point",
                        },
                        m.cycle_rate_source
                    );
                }
                (None, Some(why)) => {
                    let _ = writeln!(out, "{name}: not measured: {why}");
                }
                (None, None) => {}
            }
        }
        for p in &f.problems {
            let _ = writeln!(out, "{name}: problem {}: {}", p.code, p.message);
        }
    }
    out
}

//! `goelf startup FILE...`: the path from execve to main.main, step by step, as text or
//! JSON; `--gdb` prints a gdb command file that stops at every step; `--measure` runs each
//! file to `main.main` and times the steps (`startup_trace`).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::PathBuf;

use goelf::startup::measure::{self, RunTrace, StartupMeasurement};
use goelf::startup::{gdb_script, startup, Backing, StartupError, StartupFile};

use crate::common;
use crate::runner;
use crate::startup_trace;
use crate::table::{self, Table};

/// Arguments of `goelf startup`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files to analyse (one with --gdb).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print one JSON document for all files (schema_version 1).
    #[arg(long, conflicts_with = "gdb")]
    json: bool,
    /// Print a gdb command file that breaks at every step's address in order and logs each
    /// hit (run it with `gdb -nx -batch -x SCRIPT FILE`; that runs FILE).
    #[arg(long)]
    gdb: bool,
    /// Run each file (x86-64 Linux) to main.main and time every step: the kernel's execve,
    /// the dynamic loader (LD_DEBUG=statistics), the entry code and constructors, the
    /// runtime bootstrap, each package's init (GODEBUG=inittrace=1); the program is killed
    /// at main.main, before it runs. This RUNS the file: only for files you trust.
    #[arg(long, conflicts_with = "gdb")]
    measure: bool,
    /// Runs per file for --measure (medians are printed).
    #[arg(long, default_value_t = 5, value_name = "N", requires = "measure")]
    runs: u32,
    /// Seconds before a --measure run is killed.
    #[arg(long, default_value_t = 10, value_name = "SECS", requires = "measure")]
    timeout: u64,
    /// The loader timer's rate in MHz for --measure (default: read from the host).
    #[arg(long, value_name = "MHZ", requires = "measure")]
    tsc_mhz: Option<f64>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    if args.gdb {
        return run_gdb(&args);
    }
    if args.measure {
        return run_measure(&args);
    }
    runner::run(&Startup, &args.files, args.json)
}

/// `--measure`: analyse every file, then run them one at a time (runs in parallel would
/// disturb each other's times), then print.
fn run_measure(args: &Args) -> anyhow::Result<u8> {
    let mut files: Vec<StartupFile> =
        runner::analyse_all(&Startup, &args.files, |f| match f.result {
            Ok(r) => r,
            Err(e) => StartupFile::failed(&f.shown, StartupError::Open(e)),
        });
    let rate = goelf::reloc::measure::cycle_rate(args.tsc_mhz);
    for f in &mut files {
        match measure_file(f, args, &rate) {
            Ok(m) => f.measured = Some(m),
            Err(why) => f.measured_reason = Some(why),
        }
    }
    let failed = files.iter().any(|f| !f.ok);
    for f in files.iter().filter(|f| !f.ok) {
        match &f.error {
            Some(e) => eprintln!("goelf: {}: {e}", f.path),
            None => eprintln!("goelf: {}: failed", f.path),
        }
    }
    if args.json {
        common::print_json(&goelf::report::Envelope::new("startup", files))?;
    } else {
        let mut text = String::new();
        for f in files.iter().filter(|f| f.ok || !f.steps.is_empty()) {
            text.push_str(&render(f));
        }
        common::print_text(&text)?;
    }
    Ok(runner::exit_status(failed))
}

/// Run one analysed file `args.runs` times to main.main; why not, when it cannot be.
fn measure_file(
    f: &StartupFile,
    args: &Args,
    rate: &Result<(f64, String), String>,
) -> Result<StartupMeasurement, String> {
    if !f.ok {
        return Err("the file could not be analysed".into());
    }
    startup_trace::supported()?;
    if f.arch.as_deref() != Some("x86_64") {
        return Err(format!(
            "a {} file: only x86-64 files are run here",
            f.arch.as_deref().unwrap_or("?")
        ));
    }
    if let Some(interp) = &f.interp {
        if !std::path::Path::new(interp).exists() {
            return Err(format!(
                "its loader {interp} is not on this system: not run"
            ));
        }
    }
    let Some(entry) = f.entry else {
        return Err("no entry point".into());
    };
    let bps = measure::breakpoints(f);
    if bps.is_empty() {
        return Err("no main.main address to stop at: not run".into());
    }
    // A bare file name would be looked up on PATH: run exactly the file analysed.
    let exe = std::path::absolute(&f.path).map_err(|e| format!("cannot resolve the path: {e}"))?;
    let godebug = match std::env::var("GODEBUG") {
        Ok(g) if !g.is_empty() => format!("{g},inittrace=1"),
        _ => "inittrace=1".into(),
    };
    let mut env = vec![("GODEBUG", godebug)];
    if f.interp.is_some() {
        env.push(("LD_DEBUG", "statistics".into()));
    }
    let timeout = std::time::Duration::from_secs(args.timeout);
    let mut runs: Vec<RunTrace> = Vec::new();
    for i in 0..args.runs.max(1) {
        let r = startup_trace::run(&exe, entry, &bps, &env, timeout)
            .map_err(|e| format!("run {}: {e}", i + 1))?;
        runs.push(r);
    }
    measure::assemble(f, &bps, &runs, rate.clone())
}

fn run_gdb(args: &Args) -> anyhow::Result<u8> {
    let [path] = args.files.as_slice() else {
        anyhow::bail!("--gdb takes exactly one FILE");
    };
    let data = crate::input::open(path)?;
    let report = startup(&path.display().to_string(), &data);
    if !report.ok {
        eprintln!(
            "goelf: {}: {}",
            report.path,
            report
                .error
                .as_ref()
                .map_or_else(|| "failed".to_string(), ToString::to_string)
        );
        return Ok(common::EXIT_FAILED);
    }
    common::print_raw(&gdb_script(&report))?;
    Ok(common::EXIT_OK)
}

/// `startup` for the runner: one [`StartupFile`] per file.
struct Startup;

impl runner::Analyse for Startup {
    type Report<'a> = StartupFile;

    fn analyse(&self, file: runner::Opened<'_, '_>) -> anyhow::Result<StartupFile> {
        Ok(startup(file.shown, file.data()))
    }

    fn report_error(&self, r: &StartupFile) -> Option<String> {
        (!r.ok).then(|| {
            r.error
                .as_ref()
                .map_or_else(|| "failed".to_string(), ToString::to_string)
        })
    }
}

impl runner::Text for Startup {
    fn render_text(
        &self,
        w: &mut dyn std::io::Write,
        file: &runner::File<StartupFile>,
        _many: bool,
    ) -> std::io::Result<bool> {
        if let Ok(r) = &file.result {
            if r.ok || !r.steps.is_empty() {
                w.write_all(render(r).as_bytes())?;
            }
        }
        Ok(false)
    }
}

impl runner::Json for Startup {
    const NAME: &'static str = "startup";
    type Entry<'r, 'a: 'r>
        = Cow<'r, StartupFile>
    where
        Self: 'r;

    fn json_entry<'r, 'a: 'r>(&self, file: &'r runner::File<StartupFile>) -> Cow<'r, StartupFile> {
        match &file.result {
            Ok(r) => Cow::Borrowed(r),
            Err(e) => Cow::Owned(StartupFile::failed(
                &file.shown,
                StartupError::Open(e.clone()),
            )),
        }
    }
}

fn render(r: &StartupFile) -> String {
    let mut out = String::new();
    let link = match r.linking {
        Some(goelf::startup::Linking::Internal) => "internally linked",
        Some(goelf::startup::Linking::External) => "externally linked",
        None => "linking unknown",
    };
    let _ = writeln!(
        out,
        "{}: {} {}, {link}, {}, {}",
        r.path,
        r.go_version.as_deref().unwrap_or("Go ?"),
        r.arch.as_deref().unwrap_or("?"),
        match &r.interp {
            Some(i) => format!("dynamic ({i})"),
            None => "static".into(),
        },
        if r.pie { "PIE" } else { "not PIE" },
    );
    out.push_str("\nMappings at e_entry, as /proc/PID/maps shows them (link-time addresses; add the base for PIE):\n");
    for m in &r.mappings_at_entry {
        let _ = writeln!(
            out,
            "  {:>#18x}-{:<#18x} {} {:>#10x}  {}  PT_LOAD[{}]",
            m.start,
            m.end,
            m.perms,
            m.offset,
            match m.backing {
                Backing::File => "file",
                Backing::Anonymous => "zero",
            },
            m.segment
        );
    }
    out.push_str("\nSteps:\n");
    for s in &r.steps {
        let addr = s.address.map_or_else(
            || {
                if s.imported {
                    "(import)".into()
                } else {
                    "-".into()
                }
            },
            |a| format!("{a:#x}"),
        );
        let what = format!(
            "{}{}",
            s.symbol
                .as_deref()
                .map_or_else(String::new, |n| format!("{n}: ")),
            s.what
        );
        let prefix = format!("  {:>3}  {:<11} {:>18}  ", s.index, s.phase.name(), addr);
        table::hang(&mut out, &prefix, &what);
        table::hang(
            &mut out,
            &" ".repeat(prefix.len()),
            &format!("({})", s.evidence),
        );
    }
    if !r.problems.is_empty() {
        out.push_str("\nProblems:\n");
        for p in &r.problems {
            let _ = writeln!(out, "  [{}] {}", p.code, p.message);
        }
    }
    if let Some(m) = &r.measured {
        render_measured(&mut out, r, m);
    } else if let Some(why) = &r.measured_reason {
        let _ = writeln!(out, "\nNot measured: {why}");
    }
    if let Some(e) = &r.error {
        let _ = writeln!(out, "\nError: {e}");
    }
    out.push('\n');
    out
}

/// ns as µs with one decimal.
fn us(ns: u64) -> String {
    format!("{}.{}", ns / 1000, (ns % 1000) / 100)
}

fn render_measured(out: &mut String, r: &StartupFile, m: &StartupMeasurement) {
    let _ = writeln!(
        out,
        "\nMeasured on this machine: {} µs from fork to main.main (median of {} runs; \
         stopped at main.main before it ran; {} breakpoint stops per run, each adding a \
         tracer round trip)",
        us(m.to_main_ns),
        m.runs,
        m.stops_per_run
    );
    let mut t = Table::new(&["PHASE", "µs", "SHARE", "HOW"])
        .right(&[1, 2])
        .indent(2);
    for p in &m.phases {
        let share =
            p.ns.saturating_mul(100)
                .checked_div(m.to_main_ns)
                .map_or_else(|| "-".into(), |s| format!("{s}%"));
        t.row([
            p.phase.name().to_string(),
            us(p.ns),
            share,
            p.source.clone(),
        ]);
    }
    t.render(out);
    if let Some(l) = &m.loader {
        let cyc = |c: Option<u64>| match (c, l.cycles_per_us) {
            (Some(c), Some(rate)) => format!("{c} cycles ≈ {:.1} µs", c as f64 / rate),
            (Some(c), None) => format!("{c} cycles"),
            (None, _) => "-".into(),
        };
        let _ = writeln!(
            out,
            "\nThe loader's own timing (LD_DEBUG=statistics; cycle rate: {}):\n  in ld.so: {}\n  \
             loading objects: {}\n  relocating: {}",
            l.cycle_rate_source,
            cyc(l.startup_cycles),
            cyc(l.load_objects_cycles),
            cyc(l.relocation_cycles)
        );
    }
    out.push_str("\nEach measured step, to the next one:\n");
    let mut t = Table::new(&["STEP", "PHASE", "AT µs", "TO NEXT µs", "SYMBOL"])
        .right(&[0, 2, 3])
        .indent(2);
    for s in &m.steps {
        t.row([
            s.step.to_string(),
            s.phase.name().to_string(),
            us(s.at_ns),
            s.until_next_ns.map_or_else(|| "-".into(), us),
            s.symbol.clone().unwrap_or_default(),
        ]);
    }
    t.render(out);
    if m.inits.is_empty() {
        let _ = writeln!(
            out,
            "\nNo package init was traced (GODEBUG=inittrace=1 needs Go 1.16 or later; {})",
            r.go_version.as_deref().unwrap_or("Go version unknown")
        );
        return;
    }
    let total: u64 = m.inits.iter().map(|i| i.clock_ns).sum();
    let _ = writeln!(
        out,
        "\nPackage inits, slowest first (GODEBUG=inittrace=1): {} packages, {} µs in their init functions",
        m.inits.len(),
        us(total)
    );
    let mut order: Vec<_> = m.inits.iter().enumerate().collect();
    order.sort_by(|a, b| b.1.clock_ns.cmp(&a.1.clock_ns).then(a.0.cmp(&b.0)));
    let mut t = Table::new(&["µs", "START µs", "BYTES", "ALLOCS", "PACKAGE"])
        .right(&[0, 1, 2, 3])
        .indent(2);
    for (_, i) in order {
        t.row([
            us(i.clock_ns),
            us(i.start_ns),
            i.bytes.to_string(),
            i.allocs.to_string(),
            i.package.clone(),
        ]);
    }
    t.render(out);
}

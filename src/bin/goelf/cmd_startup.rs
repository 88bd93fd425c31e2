//! `goelf startup FILE...`: the path from execve to main.main, step by step, as text or
//! JSON; `--gdb` prints a gdb command file that stops at every step.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::PathBuf;

use goelf::startup::{gdb_script, startup, Backing, StartupError, StartupFile};

use crate::common;
use crate::runner;
use crate::table;

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
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    if args.gdb {
        return run_gdb(&args);
    }
    runner::run(&Startup, &args.files, args.json)
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
    if let Some(e) = &r.error {
        let _ = writeln!(out, "\nError: {e}");
    }
    out.push('\n');
    out
}

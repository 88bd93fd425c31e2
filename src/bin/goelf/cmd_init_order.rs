//! `goelf init-order FILE...`: the order Go packages initialise in (table, JSON or DOT),
//! `--why PKG`, and `--baseline OLD NEW` for CI (exit 0 same order, 1 changed, 2 error).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use goelf::init_order::{
    GraphSource, Imports, InitOrderError, InitOrderFile, ObservedScope, Options,
};

use crate::common::{self, hex};
use crate::runner;
use crate::table::{self, Cell, Table};
use crate::term::{paint, Style};

/// Arguments of `goelf init-order`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Go binaries to analyse (with --baseline: the NEW binary).
    /// `-` reads standard input; a directory is walked recursively (its Go binaries, as `go version DIR`).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print one JSON document for all files (schema_version 1).
    #[arg(long, conflicts_with = "dot")]
    json: bool,
    /// Print the dependency graph as a Graphviz digraph, nodes labelled with their order.
    #[arg(long, conflicts_with = "why")]
    dot: bool,
    /// Explain why PKG initialises where it does.
    #[arg(long, value_name = "PKG")]
    why: Option<String>,
    /// Compare against OLD (a binary, or saved `--json` output): print what moved, appeared
    /// or vanished; exit 0 same order, 1 changed, 2 error.
    #[arg(long, value_name = "OLD")]
    baseline: Option<PathBuf>,
    /// Directory of the command's source: run `go list -deps -json` there for the exact
    /// import graph (with the binary's GOOS/GOARCH/CGO_ENABLED).
    #[arg(long, value_name = "DIR", conflicts_with = "imports")]
    src: Option<PathBuf>,
    /// Saved `go list -deps -json` output to use as the import graph.
    #[arg(long, value_name = "FILE")]
    imports: Option<PathBuf>,
    /// The go command for --src.
    #[arg(long = "go", value_name = "PATH", requires = "src")]
    go: Option<PathBuf>,
    /// Do not decode machine code for observed references (Go 1.21+ without source).
    #[arg(long)]
    no_observed: bool,
    /// Decode every function for observed references, not only those of packages in the
    /// init lists (same report; for cross-checking the default scope).
    #[arg(long, conflicts_with = "no_observed")]
    all_observed: bool,
}

fn options(args: &Args) -> anyhow::Result<Options> {
    let imports = if let Some(f) = &args.imports {
        let text =
            std::fs::read_to_string(f).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
        Imports::Text(text)
    } else if let Some(dir) = &args.src {
        let (dir, go) = (dir.clone(), args.go.clone());
        Imports::Run(Arc::new(move |settings: &[(String, String)]| {
            run_go_list(&dir, go.as_deref(), settings)
        }))
    } else {
        Imports::None
    };
    Ok(Options {
        imports,
        no_observed: args.no_observed,
        observed_scope: if args.all_observed {
            ObservedScope::All
        } else {
            ObservedScope::InitPackages
        },
        code_source: None,
    })
}

/// Run `go list -deps -json .` in `dir` with `go` (default `go` on PATH) and the binary's
/// settings (see [`goelf::init_order::go_list_env`]); returns its standard output.
fn run_go_list(
    dir: &Path,
    go: Option<&Path>,
    settings: &[(String, String)],
) -> Result<String, String> {
    let (env, tags) = goelf::init_order::go_list_env(settings);
    let mut cmd = std::process::Command::new(go.unwrap_or(Path::new("go")));
    cmd.current_dir(dir).arg("list").arg("-deps").arg("-json");
    if let Some(t) = tags {
        cmd.arg(format!("-tags={t}"));
    }
    cmd.arg(".");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("running {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "go list failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| "go list printed invalid UTF-8".to_string())
}

/// `init-order` for the runner: one [`InitOrderFile`] per file, as a table, DOT or JSON.
struct InitOrder {
    opts: Options,
    dot: bool,
}

impl runner::Analyse for InitOrder {
    type Report<'a> = InitOrderFile;

    fn analyse(&self, file: runner::Opened<'_, '_>) -> anyhow::Result<InitOrderFile> {
        let opts = &self.opts;
        // Observed references read code from the file, not the map (flat peak memory).
        let code_file =
            file.input.is_mapped() && !opts.no_observed && matches!(opts.imports, Imports::None);
        Ok(match code_file.then(|| file.input.file()).flatten() {
            Some(f) => {
                let opts = Options {
                    code_source: Some(f),
                    ..opts.clone()
                };
                goelf::init_order(file.shown, file.data(), &opts)
            }
            None => goelf::init_order(file.shown, file.data(), opts),
        })
    }

    fn report_error(&self, r: &InitOrderFile) -> Option<String> {
        (!r.ok).then(|| {
            r.error
                .as_ref()
                .map_or_else(|| "failed".to_string(), ToString::to_string)
        })
    }
}

impl runner::Text for InitOrder {
    fn render_text(
        &self,
        w: &mut dyn Write,
        file: &runner::File<InitOrderFile>,
        many: bool,
    ) -> std::io::Result<bool> {
        let Ok(r) = &file.result else {
            return Ok(false);
        };
        if !r.ok {
            return Ok(false);
        }
        let mut out = String::new();
        if self.dot {
            if many {
                let _ = writeln!(out, "// {}", r.path);
            }
            out.push_str(&r.to_dot());
        } else {
            render(&mut out, r);
        }
        w.write_all(out.as_bytes())?;
        Ok(false)
    }
}

impl runner::Json for InitOrder {
    const NAME: &'static str = "init-order";
    type Entry<'r, 'a: 'r> = Cow<'r, InitOrderFile>;

    fn json_entry<'r, 'a: 'r>(
        &self,
        file: &'r runner::File<InitOrderFile>,
    ) -> Cow<'r, InitOrderFile> {
        match &file.result {
            Ok(r) => Cow::Borrowed(r),
            Err(e) => Cow::Owned(InitOrderFile::failed(
                &file.shown,
                InitOrderError::Open(e.clone()),
            )),
        }
    }
}

/// The reports with `ok: true`, in order (the runner prints why the others failed).
fn ok_reports(files: Vec<runner::File<InitOrderFile>>) -> impl Iterator<Item = InitOrderFile> {
    files
        .into_iter()
        .filter_map(|f| f.result.ok())
        .filter(|r| r.ok)
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    if args.dot {
        crate::fit::leave_as_is();
    }
    let cmd = InitOrder {
        opts: options(&args)?,
        dot: args.dot,
    };
    if let Some(old) = &args.baseline {
        return baseline(&args, old, &cmd);
    }
    match &args.why {
        Some(pkg) if args.json => why_json(&cmd, &args.files, pkg),
        Some(pkg) => why(&cmd, &args.files, pkg),
        None => runner::run(&cmd, &args.files, args.json),
    }
}

/// One file of `--why PKG --json`.
#[derive(serde::Serialize)]
struct WhyEntry {
    path: String,
    /// False when the file could not be analysed (then `error` says why).
    ok: bool,
    error: Option<String>,
    /// The answer; null when the file failed or PKG is not in its init graph.
    why: Option<goelf::init_order::Why>,
}

/// `--why PKG --json`: the envelope (command `init-order --why`), one entry per file; exit 1
/// when a file failed or does not have PKG, as the text form.
fn why_json(cmd: &InitOrder, paths: &[PathBuf], pkg: &str) -> anyhow::Result<u8> {
    let files = runner::analyse_all(cmd, paths, |f| f);
    let mut failed = false;
    let entries: Vec<WhyEntry> = files
        .into_iter()
        .map(|f| match f.result {
            Ok(r) if r.ok => {
                let why = r.why(pkg);
                if why.is_none() {
                    failed = true;
                    eprintln!("goelf: {}: {pkg} is not in the init graph", r.path);
                }
                WhyEntry {
                    path: r.path,
                    ok: true,
                    error: None,
                    why,
                }
            }
            Ok(r) => {
                failed = true;
                WhyEntry {
                    error: Some(
                        r.error
                            .as_ref()
                            .map_or_else(|| "failed".into(), ToString::to_string),
                    ),
                    path: r.path,
                    ok: false,
                    why: None,
                }
            }
            Err(e) => {
                failed = true;
                WhyEntry {
                    path: f.shown,
                    ok: false,
                    error: Some(e),
                    why: None,
                }
            }
        })
        .collect();
    common::print_json(&goelf::report::Envelope::new("init-order --why", entries))?;
    Ok(runner::exit_status(failed))
}

/// `--why PKG`: the messages of every failed file first, then the answers.
fn why(cmd: &InitOrder, paths: &[PathBuf], pkg: &str) -> anyhow::Result<u8> {
    let files = runner::analyse_all(cmd, paths, |f| f);
    let (failed, out, missing) = {
        let failed = files
            .iter()
            .any(|f| f.result.as_ref().map_or(true, |r| !r.ok));
        let mut out = String::new();
        let mut missing = false;
        for r in ok_reports(files) {
            match r.why(pkg) {
                Some(w) => {
                    let _ = writeln!(
                        out,
                        "{}: {} ({}; graph: {})",
                        r.path,
                        pkg,
                        w.index
                            .map_or("no init functions".into(), |i| format!("#{i}")),
                        w.graph_source.map_or("", GraphSource::as_str)
                    );
                    let _ = writeln!(out, "  chain: {}", w.chain.join(" -> "));
                    for t in &w.text {
                        let _ = writeln!(out, "  {t}");
                    }
                }
                None => {
                    missing = true;
                    eprintln!("goelf: {}: {pkg} is not in the init graph", r.path);
                }
            }
        }
        (failed, out, missing)
    };
    common::print_text(&out)?;
    Ok(runner::exit_status(failed || missing))
}

/// The init order of the binary at `path`, or `None` when it could not be analysed (the
/// message is printed).
fn order_of(cmd: &InitOrder, path: &PathBuf) -> Option<Vec<String>> {
    let files = runner::analyse_all(cmd, std::slice::from_ref(path), |f| f);
    ok_reports(files).next().map(|r| r.order())
}

fn baseline(args: &Args, old: &PathBuf, cmd: &InitOrder) -> anyhow::Result<u8> {
    let [new] = args.files.as_slice() else {
        eprintln!("goelf: --baseline takes exactly one NEW file");
        return Ok(common::EXIT_USAGE);
    };
    let old_order = match std::fs::read(old) {
        Err(e) => {
            eprintln!("goelf: {}: {e}", old.display());
            return Ok(common::EXIT_USAGE);
        }
        Ok(bytes) if bytes.first().is_some_and(|&b| b == b'{') => {
            match goelf::init_order::order_from_json(&String::from_utf8_lossy(&bytes)) {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("goelf: {}: {e}", old.display());
                    return Ok(common::EXIT_USAGE);
                }
            }
        }
        Ok(_) => match order_of(cmd, old) {
            Some(o) => o,
            None => return Ok(common::EXIT_USAGE),
        },
    };
    let Some(new_order) = order_of(cmd, new) else {
        return Ok(common::EXIT_USAGE);
    };
    let d = goelf::init_order::baseline(
        &old.display().to_string(),
        &old_order,
        &new.display().to_string(),
        &new_order,
    );
    if args.json {
        common::print_json(&d)?;
    } else {
        let mut out = String::new();
        if d.same {
            let _ = writeln!(out, "same init order ({} packages)", new_order.len());
        } else {
            let _ = writeln!(out, "--- {}\n+++ {}", old.display(), new.display());
            for m in &d.moved {
                let _ = writeln!(
                    out,
                    "moved     {}: #{} -> #{}",
                    m.package, m.old_index, m.new_index
                );
            }
            for a in &d.appeared {
                let _ = writeln!(out, "appeared  {} at #{}", a.package, a.new_index);
            }
            for v in &d.vanished {
                let _ = writeln!(out, "vanished  {} (was #{})", v.package, v.old_index);
            }
            if d.moved.is_empty() && d.appeared.is_empty() && d.vanished.is_empty() {
                let _ = writeln!(out, "order changed");
            }
        }
        common::print_text(&out)?;
    }
    Ok(if d.same {
        common::EXIT_OK
    } else {
        common::EXIT_FAILED
    })
}

/// Where the dependency graph's edges come from, in words.
fn graph_words(g: Option<GraphSource>) -> &'static str {
    match g {
        Some(GraphSource::Binary) => "the dependency lists stored in the binary's init tasks",
        Some(GraphSource::Source) => "the source's imports (`go list`)",
        Some(GraphSource::Observed) => {
            "references seen in the init code (not imports; --src or --imports gives the imports)"
        }
        None => "no dependency graph",
    }
}

/// How the order was read, in words.
fn method_words(m: Option<goelf::init_order::Method>) -> &'static str {
    match m {
        Some(goelf::init_order::Method::LinkerOrder) => {
            "the order the linker wrote into the binary (Go 1.21+)"
        }
        Some(goelf::init_order::Method::InittaskDeps) => {
            "the order the runtime derives from the init tasks' dependencies (Go 1.13-1.20)"
        }
        None => "unknown",
    }
}

fn render(out: &mut String, r: &InitOrderFile) {
    let n = r.packages.len();
    let first = r.packages.first().map_or("-", |p| p.package.as_str());
    let last = r.packages.last().map_or("-", |p| p.package.as_str());
    let verdict = match (r.verified, &r.first_difference) {
        (Some(true), _) => format!("order verified against {}", graph_words(r.graph_source)),
        (Some(false), Some(d)) => format!(
            "{}: first difference at #{} ({}): expected {}, found {}",
            paint("order NOT verified", Some(Style::Bad)),
            d.index,
            d.what.as_str(),
            d.expected.as_deref().unwrap_or("nothing"),
            d.found.as_deref().unwrap_or("nothing")
        ),
        (Some(false), None) => paint("order NOT verified", Some(Style::Bad)),
        (None, _) => {
            "order not verified (no import graph: pass --src DIR or --imports FILE)".into()
        }
    };
    let version = r
        .go_version
        .as_deref()
        .and_then(|v| v.strip_prefix("go"))
        .map_or("Go version unknown".to_string(), |v| format!("Go {v}"));
    let answer = format!(
        "{}: {n} packages initialise ({version}), first {first}, last {last}; {verdict}",
        r.path
    );
    table::para(out, &answer, 2);
    table::para(out, &format!("  order: {}", method_words(r.method)), 4);
    table::para(
        out,
        &format!("  dependencies: {}", graph_words(r.graph_source)),
        4,
    );
    if let Some(list) = &r.constructors {
        if list.is_empty() {
            out.push_str("  constructors before Go: none\n");
        } else {
            out.push_str("  constructors before Go (in execution order):\n");
            let mut t = Table::new(&["KIND", "ADDRESS", "SYMBOL"])
                .right(&[1])
                .indent(4);
            for c in list {
                t.row([
                    c.kind.as_str().to_string(),
                    hex(c.address),
                    c.symbol.clone().unwrap_or_else(|| "?".into()),
                ]);
            }
            t.render(out);
        }
    } else if r.elf_constructors.is_empty() {
        out.push_str("  ELF constructors before Go: none\n");
    } else {
        out.push_str("  ELF constructors before Go (in execution order):\n");
        let mut t = Table::new(&["KIND", "ADDRESS", "SYMBOL"])
            .right(&[1])
            .indent(4);
        for c in &r.elf_constructors {
            t.row([
                c.kind.as_str().to_string(),
                hex(c.address),
                c.symbol.clone().unwrap_or_else(|| "?".into()),
            ]);
        }
        t.render(out);
    }
    out.push('\n');
    let mut t = Table::new(&["#", "PACKAGE", "DEPS", "INIT FUNCTIONS"]).right(&[0, 2]);
    for p in &r.packages {
        const SHOWN: usize = 4;
        let mut f = p
            .functions
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if p.functions.len() > SHOWN {
            let _ = write!(f, ", +{} more", p.functions.len() - SHOWN);
        }
        t.row([
            Cell::from(p.index.to_string()),
            Cell::from(p.package.clone()),
            Cell::from(p.deps.len().to_string()),
            Cell::from(f),
        ]);
    }
    t.render(out);
    if r.runtime_tasks > 0 {
        let _ = writeln!(
            out,
            "#0-#{} run from the runtime's own list before the rest",
            r.runtime_tasks - 1
        );
    }
    out.push_str("(DEPS: packages it waits for; `--why PKG` names them, `--json` lists them)\n");
    if let Some(f) = &r.found_by {
        table::para(out, &format!("Found by: {f}"), 2);
    }
    if r.graph_source == Some(GraphSource::Observed) {
        let unexplained = r
            .inconsistencies
            .iter()
            .filter(|i| i.explanation.is_none())
            .count();
        let _ = writeln!(
            out,
            "References seen in init code (not imports): {} edges, {} against the order ({} unexplained)",
            r.graph.edges.len(),
            r.inconsistencies.len(),
            unexplained
        );
        for i in &r.inconsistencies {
            let _ = writeln!(
                out,
                "  {} (#{}) -> {} (#{}) {}: {} -> {}{}",
                i.from,
                i.from_index,
                i.to,
                i.to_index,
                i.kind,
                i.example[0],
                i.example[1],
                i.explanation
                    .as_deref()
                    .map(|e| format!(" [{e}]"))
                    .unwrap_or_default()
            );
        }
        if !r.inferred_constraints.is_empty() {
            let _ = writeln!(out, "Inferred from the linker's rule:");
            for c in &r.inferred_constraints {
                let _ = writeln!(
                    out,
                    "  {} waits for one of: {}{}",
                    c.package,
                    c.waits_for_one_of.join(", "),
                    c.explained_by
                        .as_deref()
                        .map(|e| format!(" (seen: {e})"))
                        .unwrap_or_default()
                );
            }
        }
    }
    for p in &r.problems {
        table::para(
            out,
            &format!("  {} [{}] {}", p.severity.name(), p.code, p.message),
            4,
        );
    }
    out.push('\n');
}

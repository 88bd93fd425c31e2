//! `goelf init-order FILE...`: the order Go packages initialise in (table, JSON or DOT),
//! `--why PKG`, and `--baseline OLD NEW` for CI (exit 0 same order, 1 changed, 2 error).

use std::fmt::Write as _;
use std::path::PathBuf;

use goelf::analysis::init_order::{self, ImportsSource, InitOrderFile, ObservedScope, Options};
use goelf::report::Envelope;

use crate::common::{self, align_right, hex, table};

/// Arguments of `goelf init-order`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Go binaries to analyse (with --baseline: the NEW binary).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print one JSON document for all files (schema_version 1).
    #[arg(long, conflicts_with_all = ["dot", "why"])]
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
        ImportsSource::Text(text)
    } else if let Some(dir) = &args.src {
        ImportsSource::Dir {
            dir: dir.clone(),
            go: args.go.clone(),
        }
    } else {
        ImportsSource::None
    };
    Ok(Options {
        imports,
        no_observed: args.no_observed,
        observed_scope: if args.all_observed {
            ObservedScope::All
        } else {
            ObservedScope::InitPackages
        },
        code_file: None,
    })
}

fn analyze_path(path: &std::path::Path, opts: &Options) -> InitOrderFile {
    let shown = path.display().to_string();
    match common::open(path) {
        Ok(data) => {
            // Observed references read code from the file, not the map (flat peak memory).
            let code_file = matches!(data, common::Input::Mapped(_))
                && !opts.no_observed
                && matches!(opts.imports, ImportsSource::None);
            match code_file.then(|| std::fs::File::open(path)) {
                Some(Ok(f)) => {
                    let opts = Options {
                        imports: ImportsSource::None,
                        code_file: Some(std::sync::Arc::new(f)),
                        ..opts.clone()
                    };
                    init_order::analyze(&shown, &data, &opts)
                }
                _ => init_order::analyze(&shown, &data, opts),
            }
        }
        Err(e) => InitOrderFile::failed(&shown, e),
    }
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let opts = options(&args)?;
    if let Some(old) = &args.baseline {
        return baseline(&args, old, &opts);
    }
    let reports = common::per_file(&args.files, |p| analyze_path(p, &opts));
    let failed = reports.iter().any(|r| !r.ok);
    for r in reports.iter().filter(|r| !r.ok) {
        eprintln!(
            "goelf: {}: {}",
            r.path,
            r.error.as_deref().unwrap_or("failed")
        );
    }
    if args.json {
        common::print_json(&Envelope::new("init-order", reports))?;
    } else if args.dot {
        let mut out = String::new();
        for r in reports.iter().filter(|r| r.ok) {
            if reports.len() > 1 {
                let _ = writeln!(out, "// {}", r.path);
            }
            out.push_str(&r.to_dot());
        }
        common::print_text(&out)?;
    } else if let Some(pkg) = &args.why {
        let mut out = String::new();
        let mut missing = false;
        for r in reports.iter().filter(|r| r.ok) {
            match r.why(pkg) {
                Some(w) => {
                    let _ = writeln!(
                        out,
                        "{}: {} ({}; graph: {})",
                        r.path,
                        pkg,
                        w.index
                            .map_or("no init functions".into(), |i| format!("#{i}")),
                        w.graph_source
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
        common::print_text(&out)?;
        if missing {
            return Ok(common::EXIT_FAILED);
        }
    } else {
        let mut out = String::new();
        for r in reports.iter().filter(|r| r.ok) {
            render(&mut out, r);
        }
        common::print_text(&out)?;
    }
    Ok(if failed {
        common::EXIT_FAILED
    } else {
        common::EXIT_OK
    })
}

fn baseline(args: &Args, old: &std::path::Path, opts: &Options) -> anyhow::Result<u8> {
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
            match init_order::order_from_json(&String::from_utf8_lossy(&bytes)) {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("goelf: {}: {e}", old.display());
                    return Ok(common::EXIT_USAGE);
                }
            }
        }
        Ok(_) => {
            let r = analyze_path(old, opts);
            if !r.ok {
                eprintln!(
                    "goelf: {}: {}",
                    r.path,
                    r.error.as_deref().unwrap_or("failed")
                );
                return Ok(common::EXIT_USAGE);
            }
            r.order()
        }
    };
    let r = analyze_path(new, opts);
    if !r.ok {
        eprintln!(
            "goelf: {}: {}",
            r.path,
            r.error.as_deref().unwrap_or("failed")
        );
        return Ok(common::EXIT_USAGE);
    }
    let new_order = r.order();
    let d = init_order::diff_orders(&old_order, &new_order);
    if args.json {
        common::print_json(&serde_json::json!({
            "schema_version": goelf::report::SCHEMA_VERSION,
            "tool": "goelf",
            "version": env!("CARGO_PKG_VERSION"),
            "command": "init-order --baseline",
            "old": old.display().to_string(),
            "new": new.display().to_string(),
            "same": d.same,
            "moved": d.moved.iter().map(|(p, o, n)| serde_json::json!({"package": p, "old_index": o, "new_index": n})).collect::<Vec<_>>(),
            "appeared": d.appeared.iter().map(|(p, n)| serde_json::json!({"package": p, "new_index": n})).collect::<Vec<_>>(),
            "vanished": d.vanished.iter().map(|(p, o)| serde_json::json!({"package": p, "old_index": o})).collect::<Vec<_>>(),
        }))?;
    } else {
        let mut out = String::new();
        if d.same {
            let _ = writeln!(out, "same init order ({} packages)", new_order.len());
        } else {
            let _ = writeln!(out, "--- {}\n+++ {}", old.display(), new.display());
            for (p, o, n) in &d.moved {
                let _ = writeln!(out, "moved     {p}: #{o} -> #{n}");
            }
            for (p, n) in &d.appeared {
                let _ = writeln!(out, "appeared  {p} at #{n}");
            }
            for (p, o) in &d.vanished {
                let _ = writeln!(out, "vanished  {p} (was #{o})");
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

fn render(out: &mut String, r: &InitOrderFile) {
    let _ = writeln!(
        out,
        "{}: {} ({}), graph from {}",
        r.path,
        r.go_version.as_deref().unwrap_or("Go version unknown"),
        r.method.as_deref().unwrap_or("?"),
        r.graph_source.as_deref().unwrap_or("?")
    );
    if r.elf_constructors.is_empty() {
        out.push_str("ELF constructors before Go: none\n");
    } else {
        out.push_str("ELF constructors before Go (in execution order):\n");
        for c in &r.elf_constructors {
            let _ = writeln!(
                out,
                "  {:<13} {} {}",
                c.kind,
                hex(c.address),
                c.symbol.as_deref().unwrap_or("?")
            );
        }
    }
    let mut t = table(&["#", "Package", "Init functions", "Deps"]);
    for p in &r.packages {
        t.add_row(vec![
            p.index.to_string(),
            p.package.clone(),
            p.functions.join(" "),
            p.deps.join(" "),
        ]);
    }
    align_right(&mut t, &[0]);
    let _ = writeln!(out, "{t}");
    if r.runtime_tasks > 0 {
        let _ = writeln!(
            out,
            "#0-#{} run from the runtime's own list before the rest",
            r.runtime_tasks - 1
        );
    }
    let verdict = match (r.verified, &r.first_difference) {
        (Some(true), _) => "verified".to_string(),
        (Some(false), Some(d)) => format!(
            "NOT verified: first difference at #{} ({}): expected {}, found {}",
            d.index,
            d.what,
            d.expected.as_deref().unwrap_or("nothing"),
            d.found.as_deref().unwrap_or("nothing")
        ),
        (Some(false), None) => "NOT verified".to_string(),
        (None, _) => "not verified (no import graph; pass --src or --imports)".to_string(),
    };
    let _ = writeln!(out, "Order: {verdict}");
    if let Some(f) = &r.found_by {
        let _ = writeln!(out, "Found by: {f}");
    }
    if r.graph_source.as_deref() == Some("observed") {
        let unexplained = r
            .inconsistencies
            .iter()
            .filter(|i| i.explanation.is_none())
            .count();
        let _ = writeln!(
            out,
            "Observed references (not imports): {} edges, {} against the order ({} unexplained)",
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
        let _ = writeln!(out, "  [{}] {}", p.code, p.message);
    }
    out.push('\n');
}

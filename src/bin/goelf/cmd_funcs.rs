//! `goelf funcs`: every function of the pclntab (stripped binaries too) with its address
//! range, package and source position; with `--addr`, addr2line with the inlining chain.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;

use goelf::error::Problem;
use goelf::go::dwarf_line::{self, DwarfPosition};
use goelf::go::inline::{self, Frame};
use goelf::go::moduledata::{Moduledata, ModuledataInfo};
use goelf::go::pclntab::{package_of, Pclntab, PclntabInfo};
use goelf::image::Image;

use crate::common;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files to analyse.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Only functions of this package (exact import path, e.g. `net/http`).
    #[arg(long, value_name = "P")]
    package: Option<String>,
    /// Only functions whose name matches this regular expression.
    #[arg(long = "match", value_name = "REGEX")]
    pattern: Option<String>,
    /// Look up these addresses (hex, with or without 0x) instead of listing functions.
    #[arg(long = "addr", value_name = "PC", value_parser = parse_hex)]
    addrs: Vec<u64>,
    /// With --addr: do not cross-check the pclntab's file:line against the DWARF line table.
    #[arg(long)]
    no_dwarf_check: bool,
}

fn parse_hex(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    u64::from_str_radix(t, 16).map_err(|e| format!("not a hex address: {s:?} ({e})"))
}

/// One function row.
#[derive(Debug, Serialize)]
struct FuncRow {
    entry: u64,
    end: u64,
    size: u64,
    name: String,
    package: String,
    file: Option<String>,
    line: Option<u32>,
}

/// One `--addr` answer.
#[derive(Debug, Serialize)]
struct Lookup {
    pc: u64,
    /// The physical function holding pc, if any.
    function: Option<String>,
    entry: Option<u64>,
    file: Option<String>,
    line: Option<u32>,
    /// Innermost first; the last frame is the physical function.
    frames: Vec<Frame>,
    /// The DWARF line table's file:line at pc; null without DWARF, with
    /// --no-dwarf-check, or when no row covers pc.
    dwarf: Option<DwarfPosition>,
    /// DWARF and the pclntab give the same file:line; null when either has none.
    dwarf_agrees: Option<bool>,
}

/// Per-file JSON entry.
#[derive(Debug, Serialize)]
struct FileReport {
    path: String,
    ok: bool,
    error: Option<String>,
    pclntab: Option<PclntabInfo>,
    moduledata: Option<ModuledataInfo>,
    functions: Option<Vec<FuncRow>>,
    lookups: Option<Vec<Lookup>>,
    problems: Vec<Problem>,
    /// The DWARF cross-check ran on a binary with a line table (text output only).
    #[serde(skip)]
    has_dwarf: bool,
}

/// Run `goelf funcs`.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let re = match &args.pattern {
        Some(p) => Some(regex::Regex::new(p).with_context(|| format!("--match {p:?}"))?),
        None => None,
    };
    let reports = common::per_file(&args.files, |p| analyse(p, &args, re.as_ref()));
    let failed = reports.iter().any(|r| !r.ok || !r.problems.is_empty());
    if args.json {
        // One write: stdout is line-buffered, and a large binary gives ~20 MB of JSON.
        let mut text =
            serde_json::to_string_pretty(&goelf::report::Envelope::new("funcs", reports))?;
        text.push('\n');
        common::print_text(&text)?;
    } else {
        let many = args.files.len() > 1;
        for r in &reports {
            common::print_text(&render(r, many))?;
        }
    }
    Ok(if failed {
        common::EXIT_FAILED
    } else {
        common::EXIT_OK
    })
}

fn analyse(path: &Path, args: &Args, re: Option<&regex::Regex>) -> FileReport {
    let mut report = FileReport {
        path: path.display().to_string(),
        ok: false,
        error: None,
        pclntab: None,
        moduledata: None,
        functions: None,
        lookups: None,
        problems: Vec::new(),
        has_dwarf: false,
    };
    if let Err(e) = fill(path, args, re, &mut report) {
        report.error = Some(format!("{e:#}"));
    }
    report
}

fn fill(
    path: &Path,
    args: &Args,
    re: Option<&regex::Regex>,
    report: &mut FileReport,
) -> anyhow::Result<()> {
    let input = common::open(path)?;
    let image = Image::parse(&input)?;
    let mut problems = Vec::new();
    let mut tab = Pclntab::find(&image, &mut problems)?;
    match Moduledata::find(&image, &tab, None, &mut problems) {
        Ok(md) => {
            if let Some(g) = md.gofunc() {
                tab.set_gofunc(g);
            }
            if tab.text_start().is_none() {
                tab.set_text_start_from(md.text(), "moduledata");
            }
            report.moduledata = Some(md.info());
        }
        Err(e) => {
            // Only the inlining chain needs moduledata (1.18+ gofunc); say so when asked.
            if !args.addrs.is_empty() && tab.era() >= goelf::go::pclntab::Era::Go118 {
                problems.push(Problem::from_error("moduledata", &e));
            }
        }
    }
    report.pclntab = Some(tab.info());
    if args.addrs.is_empty() {
        report.functions = Some(list(&tab, args, re, &mut problems));
    } else {
        let mut lookups: Vec<Lookup> = args
            .addrs
            .iter()
            .map(|&pc| lookup(&tab, &image, pc))
            .collect();
        if !args.no_dwarf_check {
            report.has_dwarf = dwarf_check(&image, &mut lookups, &mut problems);
        }
        report.lookups = Some(lookups);
    }
    report.problems = problems;
    report.ok = true;
    Ok(())
}

fn list(
    tab: &Pclntab<'_>,
    args: &Args,
    re: Option<&regex::Regex>,
    problems: &mut Vec<Problem>,
) -> Vec<FuncRow> {
    let rows: Vec<Result<Option<FuncRow>, goelf::Error>> = (0..tab.nfunc())
        .into_par_iter()
        .with_min_len(4096)
        .map(|i| {
            let f = tab.func(i)?;
            let name = f.name_str();
            let package = package_of(&name);
            if args.package.as_deref().is_some_and(|p| p != package) {
                return Ok(None);
            }
            if re.is_some_and(|re| !re.is_match(&name)) {
                return Ok(None);
            }
            let (file, line) = match tab.file_line(&f, f.entry) {
                Ok((file, line)) => (Some(file), Some(line)),
                Err(_) => (None, None),
            };
            Ok(Some(FuncRow {
                entry: f.entry,
                end: f.end,
                size: f.size(),
                name: name.into_owned(),
                package,
                file,
                line,
            }))
        })
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    let mut bad = 0usize;
    let mut first = None;
    for r in rows {
        match r {
            Ok(Some(row)) => out.push(row),
            Ok(None) => {}
            Err(e) => {
                bad += 1;
                first.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first {
        let mut p = Problem::from_error("pclntab", &e);
        p.message = format!(
            "{bad} function(s) could not be decoded; first: {}",
            p.message
        );
        problems.push(p);
    }
    out
}

fn lookup(tab: &Pclntab<'_>, image: &Image<'_>, pc: u64) -> Lookup {
    let mut l = Lookup {
        pc,
        function: None,
        entry: None,
        file: None,
        line: None,
        frames: Vec::new(),
        dwarf: None,
        dwarf_agrees: None,
    };
    let Some(f) = tab.find_func(pc).and_then(|i| tab.func(i).ok()) else {
        return l;
    };
    l.function = Some(f.name_str().into_owned());
    l.entry = Some(f.entry);
    if let Ok((file, line)) = tab.file_line(&f, pc) {
        l.file = Some(file);
        l.line = Some(line);
    }
    l.frames = inline::frames(tab, image, &f, pc).unwrap_or_default();
    l
}

/// Fill `dwarf` and `dwarf_agrees` from the DWARF line table; false when the binary has none.
fn dwarf_check(image: &Image<'_>, lookups: &mut [Lookup], problems: &mut Vec<Problem>) -> bool {
    let pcs: Vec<u64> = lookups.iter().map(|l| l.pc).collect();
    let Some(found) = dwarf_line::lookup(image, &pcs, problems) else {
        return false;
    };
    for (l, d) in lookups.iter_mut().zip(found) {
        l.dwarf_agrees = match (&d, &l.file, l.line) {
            (Some(d), Some(file), Some(line)) => Some(d.agrees_with(file, line)),
            _ => None,
        };
        l.dwarf = d;
    }
    true
}

fn render(r: &FileReport, many: bool) -> String {
    let mut out = String::new();
    if many {
        out.push_str(&format!("{}:\n", r.path));
    }
    if let Some(e) = &r.error {
        out.push_str(&format!("error: {e}\n"));
        return out;
    }
    if let Some(funcs) = &r.functions {
        let mut t = common::table(&["ENTRY", "END", "SIZE", "NAME", "PACKAGE", "FILE:LINE"]);
        common::align_right(&mut t, &[2]);
        for f in funcs {
            t.add_row(vec![
                common::hex(f.entry),
                common::hex(f.end),
                f.size.to_string(),
                f.name.clone(),
                f.package.clone(),
                position(f.file.as_deref(), f.line),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    if let Some(lookups) = &r.lookups {
        for l in lookups {
            match &l.function {
                None => {
                    out.push_str(&format!("{}: no function\n", common::hex(l.pc)));
                    if r.has_dwarf && l.dwarf.is_some() {
                        out.push_str(&dwarf_line_text(l));
                    }
                }
                Some(name) => {
                    out.push_str(&format!(
                        "{}: {}+{:#x} {}\n",
                        common::hex(l.pc),
                        name,
                        l.pc - l.entry.unwrap_or(l.pc),
                        position(l.file.as_deref(), l.line)
                    ));
                    if l.frames.len() > 1 {
                        for fr in &l.frames {
                            out.push_str(&format!(
                                "    {}{} {}\n",
                                if fr.inlined { "(inlined) " } else { "" },
                                fr.name,
                                position(Some(&fr.file), Some(fr.line))
                            ));
                        }
                    }
                    if r.has_dwarf {
                        out.push_str(&dwarf_line_text(l));
                    }
                }
            }
        }
    }
    for p in &r.problems {
        out.push_str(&format!("problem [{}]: {}\n", p.code, p.message));
    }
    out
}

/// The `dwarf:` line of a lookup.
fn dwarf_line_text(l: &Lookup) -> String {
    let pcln = position(l.file.as_deref(), l.line);
    match (&l.dwarf, l.dwarf_agrees) {
        (None, _) => "    dwarf: no line-table row covers this pc\n".to_string(),
        (Some(d), Some(true)) => format!(
            "    dwarf: {} (agrees)\n",
            position(Some(&d.file), Some(d.line))
        ),
        (Some(d), Some(false)) => format!(
            "    dwarf: DISAGREES with pclntab (pclntab {pcln}, DWARF {})\n",
            position(Some(&d.file), Some(d.line))
        ),
        (Some(d), None) => format!(
            "    dwarf: {} (pclntab has no position)\n",
            position(Some(&d.file), Some(d.line))
        ),
    }
}

fn position(file: Option<&str>, line: Option<u32>) -> String {
    match (file, line) {
        (Some(f), Some(l)) if !f.is_empty() => format!("{f}:{l}"),
        (_, Some(l)) => format!("?:{l}"),
        _ => "?".to_string(),
    }
}

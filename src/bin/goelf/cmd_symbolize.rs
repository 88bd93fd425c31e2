//! `goelf symbolize BIN [TRACE]`: flags and rendering over [`goelf::symbolize::symbolize`]:
//! the trace with its frames replaced by aligned rows (address, function, file:line,
//! marker), every other line as it was; or the JSON envelope.

use std::io::Write;
use std::path::{Path, PathBuf};

use goelf::go::GoBinary;
use goelf::image::Image;
use goelf::report::Envelope;
use goelf::symbolize::trace::{FrameKind, Item, SymFrame, SymbolizeFile};
use goelf::symbolize::{symbolize, SymbolizeOptions};

use crate::common;
use crate::table::{Cut, Table};

/// Arguments of `goelf symbolize`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Go binary the trace is from (stripped binaries too: the pclntab is enough).
    #[arg(value_name = "BIN")]
    bin: PathBuf,
    /// A Go traceback, crash log or list of addresses (one hex number a line); `-` or none
    /// reads standard input.
    #[arg(value_name = "TRACE")]
    trace: Option<PathBuf>,
    /// Load bias of a PIE (its first mapping's start in /proc/PID/maps minus the first
    /// PT_LOAD's p_vaddr, which is 0x400000 for Go):
    /// subtracted from runtime addresses (pc=, bare addresses, registers). Default: what the
    /// trace's frames imply (pc= against function+offset), else 0.
    #[arg(long, value_name = "ADDR", value_parser = crate::cmd_funcs::parse_hex)]
    base: Option<u64>,
    /// Print JSON (schema_version 1).
    #[arg(long)]
    json: bool,
}

/// Run `goelf symbolize`.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let stdin_trace = args.trace.as_deref().is_none_or(|t| t == Path::new("-"));
    if stdin_trace && args.bin == Path::new("-") {
        anyhow::bail!("BIN and TRACE cannot both be standard input");
    }
    let shown = args.bin.display().to_string();
    let trace_shown = match &args.trace {
        Some(t) => t.display().to_string(),
        None => "-".to_string(),
    };
    let trace_input = if stdin_trace {
        crate::input::open_stdin()
    } else {
        crate::input::open(args.trace.as_deref().unwrap_or(Path::new("-")))
    };
    let trace_input = match trace_input {
        Ok(t) => t,
        Err(e) => anyhow::bail!("{trace_shown}: {e:#}"),
    };
    let text = String::from_utf8_lossy(&trace_input);
    let options = SymbolizeOptions { base: args.base };

    let opened = if args.bin == Path::new("-") {
        crate::input::open_stdin()
    } else {
        crate::input::open(&args.bin)
    };
    let data = match opened {
        Ok(d) => d,
        Err(e) => return fail(&args, &shown, &trace_shown, format!("{e:#}")),
    };
    let go = match Image::parse(&data) {
        Ok(image) => GoBinary::new(image),
        Err(e) => return fail(&args, &shown, &trace_shown, e.to_string()),
    };
    let report = match symbolize(&go, &text, &options) {
        Ok(r) => r,
        Err(e) => return fail(&args, &shown, &trace_shown, e.to_string()),
    };
    if let Err(e) = data.check() {
        return fail(&args, &shown, &trace_shown, e);
    }
    for p in &report.problems {
        eprintln!("goelf: {shown}: {}", p.message);
    }
    let mismatch = report.frames.iter().any(|f| f.matches_trace == Some(false));
    if args.json {
        let file = SymbolizeFile::new(&shown, &trace_shown, report);
        common::print_json(&Envelope::new("symbolize", vec![file]))?;
    } else {
        let mut out = common::stdout();
        render(&mut out, &report.items, &report.frames)?;
        out.flush()?;
    }
    Ok(if mismatch {
        common::EXIT_FAILED
    } else {
        common::EXIT_OK
    })
}

/// A binary that cannot be used: the message on stderr (and the JSON entry), exit 1.
fn fail(args: &Args, shown: &str, trace: &str, message: String) -> anyhow::Result<u8> {
    eprintln!("goelf: {shown}: {message}");
    if args.json {
        let file = SymbolizeFile::failed(shown, trace, message);
        common::print_json(&Envelope::new("symbolize", vec![file]))?;
    }
    Ok(common::EXIT_FAILED)
}

/// The trace with each run of frames written as aligned rows.
fn render(w: &mut dyn Write, items: &[Item<'_>], frames: &[SymFrame]) -> std::io::Result<()> {
    let mut block: Vec<[String; 4]> = Vec::new();
    for item in items {
        match item {
            Item::Text(t) => {
                flush(w, &mut block)?;
                writeln!(w, "{t}")?;
            }
            Item::Frame(i) => {
                if let Some(f) = frames.get(*i) {
                    rows(f, &mut block);
                }
            }
        }
    }
    flush(w, &mut block)
}

/// The rows of one frame: its inlined calls (innermost first), then the function.
fn rows(f: &SymFrame, out: &mut Vec<[String; 4]>) {
    let addr =
        f.pc.map_or_else(|| "?".to_string(), |pc| format!("{pc:#x}"));
    let Some(function) = &f.function else {
        let mut note = String::new();
        if let Some(t) = &f.trace_function {
            note = format!("(trace: {t})");
        }
        out.push([addr, "?".into(), "?".into(), note]);
        return;
    };
    for c in &f.inlined {
        out.push([
            addr.clone(),
            c.function.clone(),
            format!("{}:{}", c.file, c.line),
            "(inlined)".into(),
        ]);
    }
    let pos = match (&f.file, f.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        _ => "?".into(),
    };
    let mut note = match f.kind {
        FrameKind::CreatedBy => "(created by)".to_string(),
        _ => String::new(),
    };
    if f.matches_trace == Some(false) {
        let t = match (&f.trace_function, &f.trace_file, f.trace_line) {
            (Some(n), Some(file), Some(line)) => format!("{n} {file}:{line}"),
            (Some(n), _, _) => n.clone(),
            _ => String::new(),
        };
        if !note.is_empty() {
            note.push(' ');
        }
        note.push_str(&format!("(trace says {t})"));
    }
    out.push([addr, function.clone(), pos, note]);
}

/// Write a run of frame rows as aligned columns without a header ([`Table`]: one line each
/// in pipes; on a terminal fitted to its width, the function cut at its end, the position at
/// its start, the note wrapped).
fn flush(w: &mut dyn Write, block: &mut Vec<[String; 4]>) -> std::io::Result<()> {
    if block.is_empty() {
        return Ok(());
    }
    let mut t = Table::new(&["ADDRESS", "FUNCTION", "FILE:LINE", "NOTE"])
        .no_header()
        .cut(&[0], Cut::Never)
        .cut(&[2], Cut::Start)
        // In pipes the columns are padded to their widest cell, as before.
        .pipe_pad(1, usize::MAX)
        .pipe_pad(2, usize::MAX);
    for r in block.drain(..) {
        t.row(r);
    }
    let mut out = String::new();
    t.render(&mut out);
    w.write_all(out.as_bytes())
}

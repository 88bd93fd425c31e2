//! The one runner for per-file commands: open every file (memory-mapped), analyse the files
//! in parallel, write the output in argument order, report a failed file without stopping
//! the others, and decide the exit status.
//!
//! A command implements [`Analyse`] (one file's report), and [`Text`] and [`Json`] (one
//! file's output) when the runner writes its output, then calls [`run`] or [`run_text`]:
//!
//! - text: each file is analysed and rendered by [`Text::render_text`]; one file is written
//!   straight to stdout (a large report is never held in memory), several are analysed in
//!   parallel, each into its own buffer, and written (with their messages) in argument order;
//! - JSON: every file is analysed in parallel, then [`Json::json_entry`] makes one entry per
//!   file and the whole [`Envelope`] goes through `serde_json::to_writer_pretty`, so entries
//!   that stream (e.g. `funcs`' rows) are decoded while they are written;
//! - a file that cannot be opened or analysed ([`Analyse::analyse`] returns `Err`) becomes a
//!   [`File`] whose `result` is the message (`{:#}` of the error); with
//!   [`Analyse::ERRORS_TO_STDERR`] the message is also printed as `goelf: PATH: message`;
//! - exit status: [`EXIT_OK`](common::EXIT_OK) when no file failed,
//!   [`EXIT_FAILED`](common::EXIT_FAILED) when one did (an error, [`Analyse::report_error`],
//!   or what the renderer / [`Json::entry_failed`] says, e.g. a file with problems);
//!   a hard error (stdout closed, a bad flag found late) is `Err`, which `main` turns into
//!   [`EXIT_USAGE`](common::EXIT_USAGE).
//!
//! A command whose output is not one piece per file (`reloc-cost`'s table across all files,
//! `init-order --why` and `--baseline`) renders what [`analyse_all`] hands it, which needs
//! only [`Analyse`].

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use goelf::report::Envelope;

use crate::common::{self, Input};

/// One opened input file, as [`Analyse::analyse`] gets it; a report may borrow the bytes
/// (`'a`), not the names (`'s`).
#[derive(Clone, Copy)]
pub struct Opened<'s, 'a> {
    /// The path as given (to open the file again).
    pub path: &'s Path,
    /// The path as shown in the output.
    pub shown: &'s str,
    /// The file's bytes and how they are held.
    pub input: &'a Input,
}

impl<'a> Opened<'_, 'a> {
    /// The file's bytes.
    pub fn data(&self) -> &'a [u8] {
        self.input
    }
}

/// The analysis of one file, for [`analyse_all`], [`run`] and [`run_text`].
pub trait Analyse: Sync {
    /// Print the message of a failed file to stderr as `goelf: PATH: message` (`funcs` puts it
    /// in its output instead, `reloc-cost` prints it after `--build`'s own errors are in).
    const ERRORS_TO_STDERR: bool = true;

    /// What analysing one file gives; it may borrow the file's bytes.
    type Report<'a>: Send;

    /// Analyse one opened file.
    fn analyse<'a>(&self, file: Opened<'_, 'a>) -> anyhow::Result<Self::Report<'a>>;

    /// A report that is itself a failure (e.g. `inspect`'s `ok: false`): its message, which is
    /// handled as an error of `analyse` for stderr and the exit status.
    fn report_error(&self, _report: &Self::Report<'_>) -> Option<String> {
        None
    }
}

/// A command whose text output is one piece per file.
pub trait Text: Analyse {
    /// Write the text of one file (`many`: there are several files); true when the file counts
    /// as failed.
    fn render_text(
        &self,
        w: &mut dyn Write,
        file: &File<Self::Report<'_>>,
        many: bool,
    ) -> std::io::Result<bool>;
}

/// A command whose JSON output is one [`Envelope`] with one entry per file.
pub trait Json: Analyse {
    /// The JSON envelope's `command`.
    const NAME: &'static str;

    /// One entry of the envelope's `files`, made from a file's result.
    type Entry<'r, 'a: 'r>: Serialize
    where
        Self: 'r;

    /// The JSON entry of one file.
    fn json_entry<'r, 'a: 'r>(&self, file: &'r File<Self::Report<'a>>) -> Self::Entry<'r, 'a>;

    /// After the document is written: whether the entry counts as failed (beyond an error).
    fn entry_failed(&self, _entry: &Self::Entry<'_, '_>) -> bool {
        false
    }
}

/// One input file and what became of it.
#[derive(Debug)]
pub struct File<R> {
    /// The path as shown in the output.
    pub shown: String,
    /// The report, or why there is none.
    pub result: Result<R, String>,
}

impl<R> File<R> {
    /// The report, or the message of why there is none, as `&str`.
    pub fn as_result(&self) -> Result<&R, &str> {
        self.result.as_ref().map_err(String::as_str)
    }
}

/// Run `cmd` over `paths`, writing text or JSON to stdout; the exit status.
pub fn run<C: Text + Json>(cmd: &C, paths: &[PathBuf], json: bool) -> anyhow::Result<u8> {
    if json {
        run_json(cmd, paths)
    } else {
        run_text(cmd, paths)
    }
}

/// Run `cmd` over `paths`, writing its text to stdout; the exit status.
pub fn run_text<C: Text>(cmd: &C, paths: &[PathBuf]) -> anyhow::Result<u8> {
    let mut out = common::stdout();
    let failed = write_text(cmd, paths, &mut out)?;
    out.flush()?;
    Ok(exit_status(failed))
}

/// Run `cmd` over `paths`, writing one JSON document to stdout; the exit status.
fn run_json<C: Json>(cmd: &C, paths: &[PathBuf]) -> anyhow::Result<u8> {
    let mut out = common::stdout();
    let failed = analyse_all(cmd, paths, |files| -> anyhow::Result<bool> {
        let entries: Vec<C::Entry<'_, '_>> = files.iter().map(|f| cmd.json_entry(f)).collect();
        common::write_json(&mut out, &Envelope::new(C::NAME, entries.iter().collect()))?;
        let failed = files.iter().any(|f| is_error(cmd, f));
        Ok(failed || entries.iter().any(|e| cmd.entry_failed(e)))
    })?;
    out.flush()?;
    Ok(exit_status(failed))
}

/// Open and analyse every path in parallel, print the messages of failed files (in argument
/// order, when the command does so), then hand the files to `then`, in argument order. The
/// inputs stay mapped while `then` runs, so reports may borrow them.
pub fn analyse_all<C: Analyse, T>(
    cmd: &C,
    paths: &[PathBuf],
    then: impl FnOnce(Vec<File<C::Report<'_>>>) -> T,
) -> T {
    let inputs: Vec<anyhow::Result<Input>> = par_map(paths, |p| common::open(p));
    let files: Vec<File<C::Report<'_>>> =
        par_map_zip(paths, &inputs, |path, input| analyse_one(cmd, path, input));
    for f in &files {
        if let Some(msg) = failure_message(cmd, f) {
            eprintln!("{msg}");
        }
    }
    then(files)
}

/// Analyse one file (opened as `input`).
fn analyse_one<'a, C: Analyse>(
    cmd: &C,
    path: &'a Path,
    input: &'a anyhow::Result<Input>,
) -> File<C::Report<'a>> {
    let shown = path.display().to_string();
    let result = match input {
        Ok(input) => cmd
            .analyse(Opened {
                path,
                shown: &shown,
                input,
            })
            .map_err(|e| format!("{e:#}")),
        Err(e) => Err(format!("{e:#}")),
    };
    File { shown, result }
}

/// Write the text of every file to `out`; true when a file failed.
fn write_text<C: Text>(cmd: &C, paths: &[PathBuf], out: &mut dyn Write) -> anyhow::Result<bool> {
    let many = paths.len() > 1;
    // One file: its message, then its text, written as it is rendered.
    if let [path] = paths {
        let input = common::open(path);
        let file = analyse_one(cmd, path, &input);
        if let Some(msg) = failure_message(cmd, &file) {
            eprintln!("{msg}");
        }
        let failed = cmd.render_text(out, &file, many)?;
        return Ok(failed || is_error(cmd, &file));
    }
    // Several: each rendered into its own buffer in parallel, then written in order.
    let done: Vec<std::io::Result<Rendered>> = par_map(paths, |path| {
        let input = common::open(path);
        let file = analyse_one(cmd, path, &input);
        let mut text = Vec::new();
        let failed = cmd.render_text(&mut text, &file, many)?;
        Ok(Rendered {
            failed: failed || is_error(cmd, &file),
            message: failure_message(cmd, &file),
            text,
        })
    });
    let mut failed = false;
    for r in done {
        let r = r?;
        if let Some(msg) = r.message {
            eprintln!("{msg}");
        }
        out.write_all(&r.text)?;
        failed |= r.failed;
    }
    Ok(failed)
}

/// One file's text output, made in parallel with the others.
struct Rendered {
    /// The file counts as failed.
    failed: bool,
    /// Its stderr line.
    message: Option<String>,
    /// Its text.
    text: Vec<u8>,
}

/// [`EXIT_FAILED`](common::EXIT_FAILED) when a file failed, else
/// [`EXIT_OK`](common::EXIT_OK).
pub fn exit_status(failed: bool) -> u8 {
    if failed {
        common::EXIT_FAILED
    } else {
        common::EXIT_OK
    }
}

/// True when the file has no report, or its report is a failure.
fn is_error<C: Analyse>(cmd: &C, f: &File<C::Report<'_>>) -> bool {
    match &f.result {
        Err(_) => true,
        Ok(r) => cmd.report_error(r).is_some(),
    }
}

/// The stderr line of a failed file (`goelf: PATH: message`), if the command prints one.
fn failure_message<C: Analyse>(cmd: &C, f: &File<C::Report<'_>>) -> Option<String> {
    if !C::ERRORS_TO_STDERR {
        return None;
    }
    let msg = match &f.result {
        Err(e) => e.clone(),
        Ok(r) => cmd.report_error(r)?,
    };
    Some(format!("goelf: {}: {msg}", f.shown))
}

/// `work` over `items`, in parallel when there is more than one, results in order.
fn par_map<I: Sync, T: Send>(items: &[I], work: impl Fn(&I) -> T + Sync) -> Vec<T> {
    if items.len() <= 1 {
        return items.iter().map(work).collect();
    }
    items.par_iter().map(&work).collect()
}

/// `work` over the pairs of `a` and `b`, in parallel when there is more than one, in order.
fn par_map_zip<'x, A: Sync, B: Sync, T: Send>(
    a: &'x [A],
    b: &'x [B],
    work: impl Fn(&'x A, &'x B) -> T + Sync,
) -> Vec<T> {
    if a.len() <= 1 {
        return a.iter().zip(b).map(|(x, y)| work(x, y)).collect();
    }
    a.par_iter().zip(b).map(|(x, y)| work(x, y)).collect()
}

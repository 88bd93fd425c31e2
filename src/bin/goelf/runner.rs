//! The one runner for per-file commands: open every file (memory-mapped), analyse the files
//! in parallel, write the output in argument order, report a failed file without stopping
//! the others, and decide the exit status.
//!
//! A command implements [`Command`] and calls [`run`]:
//!
//! - text: each file is analysed and rendered by [`Command::render_text`]; one file is written
//!   straight to stdout (a large report is never held in memory), several are analysed in
//!   parallel, each into its own buffer, and written in argument order;
//! - JSON: every file is analysed in parallel, then [`Command::json_entry`] makes one entry per
//!   file and the whole [`Envelope`] goes through `serde_json::to_writer_pretty`, so entries
//!   that stream (e.g. `funcs`' rows) are decoded while they are written;
//! - a file that cannot be opened or analysed ([`Command::analyse`] returns `Err`) becomes a
//!   [`File`] whose `result` is the message (`{:#}` of the error); with
//!   [`Command::ERRORS_TO_STDERR`] the message is also printed as `goelf: PATH: message`;
//! - exit status: [`EXIT_OK`](common::EXIT_OK) when no file failed,
//!   [`EXIT_FAILED`](common::EXIT_FAILED) when one did (an error, [`Command::report_error`],
//!   or what the renderer / [`Command::entry_failed`] says, e.g. a file with problems);
//!   a hard error (stdout closed, a bad flag found late) is `Err`, which `main` turns into
//!   [`EXIT_USAGE`](common::EXIT_USAGE).
//!
//! Adopting it (`inspect`, `init-order`, `reloc-cost`): `type Report<'a> = InspectFile`,
//! `analyse` = `Ok(inspect_bytes(path, data, &self.opts))`, `report_error` = `r.error` when
//! `!r.ok`, `json_entry` = the report itself (`type Entry<'r, 'a> = &'r InspectFile`),
//! `render_text` = today's per-file renderer writing into `w`. A command that compares files
//! (`init-order --baseline`) or prints one table across all files (`reloc-cost`) keeps its own
//! rendering but can still use [`analyse_all`] for the opening, parallelism and messages.

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use goelf::report::Envelope;

use crate::common::{self, Input};

/// A command that analyses each of its files on its own.
pub trait Command: Sync {
    /// The JSON envelope's `command`.
    const NAME: &'static str;
    /// Print the message of a failed file to stderr as `goelf: PATH: message` (`funcs` puts it
    /// in its output instead).
    const ERRORS_TO_STDERR: bool = true;

    /// What analysing one file gives; it may borrow the file's bytes.
    type Report<'a>: Send;
    /// One entry of the envelope's `files`, made from a file's result.
    type Entry<'r, 'a: 'r>: Serialize
    where
        Self: 'r;

    /// Analyse the bytes of the file shown as `path`.
    fn analyse<'a>(&self, path: &str, data: &'a [u8]) -> anyhow::Result<Self::Report<'a>>;

    /// A report that is itself a failure (e.g. `inspect`'s `ok: false`): its message, which is
    /// handled as an error of `analyse` for stderr and the exit status.
    fn report_error<'x>(&self, _report: &'x Self::Report<'_>) -> Option<&'x str> {
        None
    }

    /// Write the text of one file (`many`: there are several files); true when the file counts
    /// as failed.
    fn render_text(
        &self,
        w: &mut dyn Write,
        file: &File<Self::Report<'_>>,
        many: bool,
    ) -> std::io::Result<bool>;

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
pub fn run<C: Command>(cmd: &C, paths: &[PathBuf], json: bool) -> anyhow::Result<u8> {
    let mut out = common::stdout();
    let failed = if json {
        run_json(cmd, paths, &mut out)?
    } else {
        run_text(cmd, paths, &mut out)?
    };
    out.flush()?;
    Ok(if failed {
        common::EXIT_FAILED
    } else {
        common::EXIT_OK
    })
}

/// Open and analyse every path in parallel (in argument order), then hand the files to `then`.
/// The inputs stay mapped while `then` runs, so reports may borrow them.
pub fn analyse_all<C: Command, T>(
    cmd: &C,
    paths: &[PathBuf],
    then: impl FnOnce(&[File<C::Report<'_>>]) -> T,
) -> T {
    let inputs: Vec<anyhow::Result<Input>> = par_map(paths, |p| common::open(p));
    let files: Vec<File<C::Report<'_>>> = par_map_zip(paths, &inputs, |path, input| {
        let shown = path.display().to_string();
        let result = match input {
            Ok(data) => cmd.analyse(&shown, data).map_err(|e| format!("{e:#}")),
            Err(e) => Err(format!("{e:#}")),
        };
        File { shown, result }
    });
    for f in &files {
        failure_message(cmd, f);
    }
    then(&files)
}

fn run_json<C: Command, W: Write>(cmd: &C, paths: &[PathBuf], out: &mut W) -> anyhow::Result<bool> {
    analyse_all(cmd, paths, |files| -> anyhow::Result<bool> {
        let entries: Vec<C::Entry<'_, '_>> = files.iter().map(|f| cmd.json_entry(f)).collect();
        common::write_json(out, &Envelope::new(C::NAME, entries.iter().collect()))?;
        let failed = files.iter().any(|f| is_error(cmd, f));
        Ok(failed || entries.iter().any(|e| cmd.entry_failed(e)))
    })
}

fn run_text<C: Command>(cmd: &C, paths: &[PathBuf], out: &mut dyn Write) -> anyhow::Result<bool> {
    let many = paths.len() > 1;
    let one = |path: &Path, w: &mut dyn Write| -> std::io::Result<bool> {
        let shown = path.display().to_string();
        let input = common::open(path);
        let result = match &input {
            Ok(data) => cmd.analyse(&shown, data).map_err(|e| format!("{e:#}")),
            Err(e) => Err(format!("{e:#}")),
        };
        let file = File { shown, result };
        failure_message(cmd, &file);
        let failed = cmd.render_text(w, &file, many)?;
        Ok(failed || is_error(cmd, &file))
    };
    if let [path] = paths {
        return Ok(one(path, out)?);
    }
    let done: Vec<std::io::Result<(bool, Vec<u8>)>> = par_map(paths, |p| {
        let mut buf = Vec::new();
        one(p, &mut buf).map(|f| (f, buf))
    });
    let mut failed = false;
    for r in done {
        let (f, buf) = r?;
        out.write_all(&buf)?;
        failed |= f;
    }
    Ok(failed)
}

/// True when the file has no report, or its report is a failure.
fn is_error<C: Command>(cmd: &C, f: &File<C::Report<'_>>) -> bool {
    match &f.result {
        Err(_) => true,
        Ok(r) => cmd.report_error(r).is_some(),
    }
}

/// Print a failed file's message to stderr, if the command does so.
fn failure_message<C: Command>(cmd: &C, f: &File<C::Report<'_>>) {
    if !C::ERRORS_TO_STDERR {
        return;
    }
    let msg = match &f.result {
        Err(e) => Some(e.as_str()),
        Ok(r) => cmd.report_error(r),
    };
    if let Some(msg) = msg {
        eprintln!("goelf: {}: {msg}", f.shown);
    }
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

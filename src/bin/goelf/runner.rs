//! The one runner for per-file commands: expand the arguments (`-` is standard input, a
//! directory is walked: [`args`]), open and analyse the files in parallel a bounded window
//! at a time ([`window`]), write the output in argument order, report a failed file without
//! stopping the others, and decide the exit status.
//!
//! A command implements [`Analyse`] (one file's report), and [`Text`] and [`Json`] (one
//! file's output) when the runner writes its output, then calls [`run`] or [`run_text`]:
//!
//! - text: each file is analysed and rendered by [`Text::render_text`]; one file is written
//!   straight to stdout (a large report is never held in memory), several are analysed in
//!   parallel, each into its own buffer, and written (with their messages) in argument order;
//! - JSON: the files of a window are analysed in parallel, then [`Json::json_entry`] makes
//!   one entry per file, written in order as an element of the envelope's `files` while the
//!   envelope goes through the serializer, so entries that stream (e.g. `funcs`' rows) are
//!   decoded while they are written;
//! - JSON lines ([`JsonLines`], [`run_json_lines`]): a window of files analysed in parallel,
//!   then each file's lines written in argument order as they are made;
//! - progress ([`Progress`], indicatif): files done of the total and the file being read, on
//!   stderr when it is a terminal and there are several files (not with `-q`, not for JSON to
//!   a terminal or JSON lines to a pipe), taken off the screen while output is written;
//! - at most [`window`] files are open (one descriptor and one map or buffer each) at once,
//!   whatever the number of arguments: thousands of files run under `ulimit -n 64`, with the
//!   memory of a window of files;
//! - a file that cannot be opened or analysed ([`Analyse::analyse`] returns `Err`), or that
//!   changed while it was read ([`Input::check`]), becomes a [`File`] whose `result` is the
//!   message (`{:#}` of the error); with [`Analyse::ERRORS_TO_STDERR`] the message is also
//!   printed as `goelf: PATH: message`;
//! - exit status: [`EXIT_OK`](common::EXIT_OK) when no file failed,
//!   [`EXIT_FAILED`](common::EXIT_FAILED) when one did (an error, [`Analyse::report_error`],
//!   or what the renderer / [`Json::entry_failed`] says, e.g. a file with problems);
//!   a hard error (stdout closed, a bad flag found late) is `Err`, which `main` turns into
//!   [`EXIT_USAGE`](common::EXIT_USAGE).
//!
//! A command whose output is not one piece per file (`reloc-cost`'s table across all files,
//! `init-order --why` and `--baseline`) gets what [`analyse_all`] keeps of each file.

use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use goelf::report::Envelope;

use crate::args::{self, Arg};
use crate::common;
use crate::input::Input;

/// One opened input file, as [`Analyse::analyse`] gets it; a report may borrow the bytes
/// (`'a`), not the names (`'s`).
#[derive(Clone, Copy)]
pub struct Opened<'s, 'a> {
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

/// A command whose output can be JSON lines (`--json-lines`): one JSON object per record, a
/// file's lines written together, files in argument order.
pub trait JsonLines: Analyse {
    /// Write the lines of one file; true when the file counts as failed.
    fn write_lines(
        &self,
        w: &mut dyn Write,
        file: &File<Self::Report<'_>>,
    ) -> std::io::Result<bool>;
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

/// Run `cmd` over `paths`, writing JSON lines to stdout as each file is analysed (a window
/// of files analysed in parallel, then written in order); the exit status.
pub fn run_json_lines<C: JsonLines>(cmd: &C, paths: &[PathBuf]) -> anyhow::Result<u8> {
    let mut out = common::stdout();
    let args = args::expand(paths);
    let progress = Progress::new(args.len(), Stream::JsonLines);
    let mut failed = false;
    for chunk in args.chunks(window(args.len())) {
        let inputs: Vec<Opening> = par_map(chunk, open_arg);
        let files: Vec<Option<File<C::Report<'_>>>> = par_map_zip(chunk, &inputs, |arg, input| {
            analyse_tracked(cmd, arg, input, &progress)
        });
        progress.suspend(|| -> anyhow::Result<()> {
            for (file, input) in files.iter().zip(&inputs) {
                let Some(file) = file else { continue };
                if let Some(msg) = failure_message(cmd, file) {
                    eprintln!("{msg}");
                }
                let mut f = cmd.write_lines(&mut out, file)? || is_error(cmd, file);
                // The lines read the file while they are written (as funcs' JSON does).
                if file.result.is_ok() {
                    if let Err(e) = check(input) {
                        eprintln!("goelf: {}: {e}", file.shown);
                        f = true;
                    }
                }
                failed |= f;
            }
            out.flush()?;
            Ok(())
        })?;
    }
    progress.finish();
    out.flush()?;
    Ok(exit_status(failed))
}

/// Run `cmd` over `paths`, writing its text to stdout; the exit status.
pub fn run_text<C: Text>(cmd: &C, paths: &[PathBuf]) -> anyhow::Result<u8> {
    let mut out = common::text_stdout();
    let failed = write_text(cmd, paths, &mut out)?;
    out.flush()?;
    Ok(exit_status(failed))
}

/// Run `cmd` over `paths`, writing one JSON document to stdout; the exit status.
fn run_json<C: Json>(cmd: &C, paths: &[PathBuf]) -> anyhow::Result<u8> {
    let mut out = common::stdout();
    let args = args::expand(paths);
    let entries = Entries {
        cmd,
        args: &args,
        failed: std::cell::Cell::new(false),
    };
    let head = Envelope::<()>::new(C::NAME, Vec::new());
    let envelope = StreamedEnvelope {
        schema_version: head.schema_version,
        tool: &head.tool,
        version: &head.version,
        command: &head.command,
        files: &entries,
    };
    common::write_json(&mut out, &envelope)?;
    out.flush()?;
    Ok(exit_status(entries.failed.get()))
}

/// [`Envelope`] with `files` written as they are analysed: the same keys in the same order.
#[derive(Serialize)]
struct StreamedEnvelope<'e, F> {
    schema_version: u32,
    tool: &'e str,
    version: &'e str,
    command: &'e str,
    files: F,
}

/// The `files` of a JSON envelope: every argument analysed a window at a time while the
/// envelope is serialized, each entry written in argument order. Whether a file failed is
/// noted in `failed`.
struct Entries<'c, C> {
    cmd: &'c C,
    args: &'c [Arg],
    failed: std::cell::Cell<bool>,
}

impl<C: Json> Serialize for Entries<'_, C> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let cmd = self.cmd;
        let mut seq = s.serialize_seq(None)?;
        let progress = Progress::new(self.args.len(), Stream::Json);
        for chunk in self.args.chunks(window(self.args.len())) {
            let inputs: Vec<Opening> = par_map(chunk, open_arg);
            let files: Vec<Option<File<C::Report<'_>>>> =
                par_map_zip(chunk, &inputs, |arg, input| {
                    analyse_tracked(cmd, arg, input, &progress)
                });
            for (file, input) in files.iter().zip(&inputs) {
                let Some(file) = file else { continue };
                if let Some(msg) = failure_message(cmd, file) {
                    progress.suspend(|| eprintln!("{msg}"));
                }
                let entry = cmd.json_entry(file);
                seq.serialize_element(&entry)?;
                let mut failed = is_error(cmd, file) || cmd.entry_failed(&entry);
                // Entries that stream (funcs' rows) read the file while they are written: a
                // change found only now cannot be taken back from the output; it fails the
                // file with its message.
                if file.result.is_ok() {
                    if let Err(e) = check(input) {
                        progress.suspend(|| eprintln!("goelf: {}: {e}", file.shown));
                        failed = true;
                    }
                }
                self.failed.set(self.failed.get() || failed);
            }
            drop(files);
            drop(inputs);
        }
        progress.finish();
        seq.end()
    }
}

/// Files opened and analysed at once: enough to keep every thread busy, few enough that
/// descriptors (one per open file) and memory (one file's map or buffer and report each)
/// stay bounded whatever the number of files (`ulimit -n 64` leaves room for 32).
pub fn window(files: usize) -> usize {
    if files <= 1 {
        // Not a question for the thread pool: asking would start it.
        return 1;
    }
    (rayon::current_num_threads() * 4).clamp(2, 32).min(files)
}

/// An argument opened: its bytes, why it has none, or nothing to report (a file of a
/// directory walk that is not a Go binary is skipped, as `go version DIR` does).
type Opening = anyhow::Result<Input>;

/// Open one argument.
fn open_arg(arg: &Arg) -> Opening {
    arg.open()
}

/// Analyse one argument (opened as `input`), then check that the file did not change while
/// it was analysed; `None` when the argument is skipped.
fn analyse_arg<'a, C: Analyse>(
    cmd: &C,
    arg: &'a Arg,
    input: &'a Opening,
) -> Option<File<C::Report<'a>>> {
    if let Ok(input) = input {
        if arg.walked && !args::is_go(input) {
            return None;
        }
    }
    let mut file = analyse_one(cmd, &arg.shown, input);
    if file.result.is_ok() {
        if let Err(e) = check(input) {
            file.result = Err(e);
        }
    }
    Some(file)
}

/// [`analyse_arg`], shown in `progress`.
fn analyse_tracked<'a, C: Analyse>(
    cmd: &C,
    arg: &'a Arg,
    input: &'a Opening,
    progress: &Progress,
) -> Option<File<C::Report<'a>>> {
    progress.start(arg);
    let file = analyse_arg(cmd, arg, input);
    progress.done();
    file
}

/// [`Input::check`] of an opened input (an input that failed to open is not checked).
fn check(input: &Opening) -> Result<(), String> {
    match input {
        Ok(i) => i.check(),
        Err(_) => Ok(()),
    }
}

/// Open and analyse every path, a [`window`] at a time in parallel, print the messages of
/// failed files (in argument order, when the command does so), and return what `keep` makes
/// of each file, in argument order. The inputs of a window are released before the next is
/// opened, so `keep` must not keep what borrows them.
pub fn analyse_all<C: Analyse, T: Send>(
    cmd: &C,
    paths: &[PathBuf],
    keep: impl for<'a> Fn(File<C::Report<'a>>) -> T + Sync,
) -> Vec<T> {
    let args = args::expand(paths);
    let mut kept = Vec::new();
    // What is made of the files is written after all are read: a document of text.
    let progress = Progress::new(args.len(), Stream::Text);
    for chunk in args.chunks(window(args.len())) {
        let inputs: Vec<Opening> = par_map(chunk, open_arg);
        let files: Vec<Option<File<C::Report<'_>>>> = par_map_zip(chunk, &inputs, |arg, input| {
            analyse_tracked(cmd, arg, input, &progress)
        });
        for f in files.into_iter().flatten() {
            if let Some(msg) = failure_message(cmd, &f) {
                progress.suspend(|| eprintln!("{msg}"));
            }
            kept.push(keep(f));
        }
    }
    progress.finish();
    kept
}

/// Analyse one file (opened as `input`).
fn analyse_one<'a, C: Analyse>(
    cmd: &C,
    shown: &str,
    input: &'a anyhow::Result<Input>,
) -> File<C::Report<'a>> {
    let result = match input {
        Ok(input) => cmd
            .analyse(Opened { shown, input })
            .map_err(|e| format!("{e:#}")),
        Err(e) => Err(format!("{e:#}")),
    };
    File {
        shown: shown.to_string(),
        result,
    }
}

/// Write the text of every file to `out`; true when a file failed.
fn write_text<C: Text>(cmd: &C, paths: &[PathBuf], out: &mut dyn Write) -> anyhow::Result<bool> {
    let args = args::expand(paths);
    let many = args.len() > 1;
    // One file: its message, then its text, written as it is rendered.
    if let [arg] = args.as_slice() {
        let input = open_arg(arg);
        let Some(file) = analyse_arg(cmd, arg, &input) else {
            return Ok(false);
        };
        if let Some(msg) = failure_message(cmd, &file) {
            eprintln!("{msg}");
        }
        let mut failed = cmd.render_text(out, &file, many)? || is_error(cmd, &file);
        // A report that reads the file while it is rendered (funcs' rows): a change found
        // only now fails the file.
        if file.result.is_ok() {
            if let Err(e) = check(&input) {
                eprintln!("goelf: {}: {e}", file.shown);
                failed = true;
            }
        }
        return Ok(failed);
    }
    // Several: each rendered into its own buffer in parallel, then written in order, a
    // window at a time.
    let mut failed = false;
    let progress = Progress::new(args.len(), Stream::Text);
    for chunk in args.chunks(window(args.len())) {
        let done: Vec<std::io::Result<Option<Rendered>>> = par_map(chunk, |arg| {
            progress.start(arg);
            let r = render_one(cmd, arg, many);
            progress.done();
            r
        });
        progress.suspend(|| -> std::io::Result<()> {
            for r in done {
                let Some(r) = r? else { continue };
                if let Some(msg) = r.message {
                    eprintln!("{msg}");
                }
                out.write_all(&r.text)?;
                failed |= r.failed;
            }
            // On a terminal the bar is drawn again below what was written.
            out.flush()
        })?;
    }
    progress.finish();
    Ok(failed)
}

/// Open, analyse and render one file into a buffer; a change found after rendering replaces
/// the text with that of the failure.
fn render_one<C: Text>(cmd: &C, arg: &Arg, many: bool) -> std::io::Result<Option<Rendered>> {
    let input = open_arg(arg);
    let Some(mut file) = analyse_arg(cmd, arg, &input) else {
        return Ok(None);
    };
    let mut text = Vec::new();
    let mut failed = cmd.render_text(&mut text, &file, many)?;
    if file.result.is_ok() {
        if let Err(e) = check(&input) {
            file.result = Err(e);
            text.clear();
            failed = cmd.render_text(&mut text, &file, many)?;
        }
    }
    Ok(Some(Rendered {
        failed: failed || is_error(cmd, &file),
        message: failure_message(cmd, &file),
        text,
    }))
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

/// `-q` was given: no progress (set once by `main`).
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `-q`: no progress either.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// Progress of a multi-file run on stderr (indicatif): files done of the total, and the file
/// being analysed. Drawn only when there are several files, stderr is a terminal and `-q` is
/// not given; not for JSON written to a terminal (the bar would tear the document) nor for
/// JSON lines written to a pipe (a log pipeline). Never in pipes: indicatif draws nothing
/// when stderr is not a terminal, and the bar is not even made then.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// The progress of `total` files; `stream` is the kind of output.
    pub fn new(total: usize, stream: Stream) -> Progress {
        use std::io::IsTerminal;
        let stdout_tty = std::io::stdout().is_terminal();
        let wanted = total > 1
            && !QUIET.load(std::sync::atomic::Ordering::Relaxed)
            && std::io::stderr().is_terminal()
            && match stream {
                Stream::Text => true,
                Stream::Json => !stdout_tty,
                Stream::JsonLines => stdout_tty,
            };
        let bar = wanted.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{pos}/{len} files {wide_msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar }
    }

    /// A file's analysis starts.
    fn start(&self, arg: &Arg) {
        if let Some(b) = &self.bar {
            b.set_message(crate::table::clean(&arg.shown));
        }
    }

    /// A file's analysis ended.
    fn done(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    /// Run `f` (which writes output) with the bar off the screen.
    fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }

    /// Remove the bar.
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// What a run writes to stdout, for [`Progress::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Text.
    Text,
    /// One JSON document.
    Json,
    /// JSON lines.
    JsonLines,
}

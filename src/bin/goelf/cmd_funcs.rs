//! `goelf funcs`: flags and rendering over [`goelf::funcs`]: the functions table (decoded in
//! parallel chunks, written without comfy-table when it can be), the `--addr` answers, and the
//! JSON entry ([`goelf::funcs::FuncsFile`], its rows decoded a chunk ahead by
//! [`ParallelRows`]) through the [`runner`](crate::runner), and `--json-lines` (one object per
//! line: [`write_json_lines`], its format in the long help).

use std::borrow::Cow;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use rayon::prelude::*;

use goelf::funcs::{
    DecodeFailures, FuncRow, FuncsFile, FuncsOptions, FuncsReport, Functions, Lookup, WriteRows,
};
use serde::ser::{SerializeSeq, Serializer};

use crate::common;
use crate::runner::{self, File};
use crate::table::{self, Cut, Table};

/// Arguments.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_LONG_HELP)]
pub struct Args {
    /// Files to analyse.
    /// `-` reads standard input; a directory is walked recursively (its Go binaries, as `go version DIR`).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long, conflicts_with = "json_lines")]
    json: bool,
    /// Print JSON lines: one object per line, per file a `file` line, then one line per
    /// function (or lookup), per problem, and an `end` line (see below); streamed.
    #[arg(long)]
    json_lines: bool,
    /// Only functions of the packages matching this `go list` pattern: an import path
    /// (`net/http`), or with `...` (`net/http/...` is net/http and everything below it).
    /// Repeatable: the union. The linker's escaped `gopkg.in/ini%2ev1` means
    /// `gopkg.in/ini.v1`.
    #[arg(long, value_name = "PATTERN")]
    package: Vec<goelf::funcs::PackagePattern>,
    /// Only functions whose name matches this regular expression.
    #[arg(long = "match", value_name = "REGEX")]
    pattern: Option<String>,
    /// Look up these addresses (hex, with or without 0x) instead of listing functions; `-`
    /// reads them from standard input, one a line. With --match or --package only the
    /// addresses in matching functions are printed.
    #[arg(long = "addr", value_name = "PC", value_parser = parse_addr)]
    addrs: Vec<Addr>,
    /// With --addr: do not cross-check the pclntab's file:line against the DWARF line table.
    #[arg(long)]
    no_dwarf_check: bool,
}

/// The long help's tail: the filters with --addr, and the JSON lines format.
const AFTER_LONG_HELP: &str = "\
--addr with --match or --package: every address is looked up; only those whose function \
(the physical one, as the listing shows it) matches are printed. In text, the others are \
counted on stderr (`goelf: FILE: note: N of M addresses filtered out by --match/--package`); \
in JSON they keep their place in `lookups` with `\"filtered\": true`. An address in no \
function matches no filter.

--json-lines writes one JSON object per line, every line with `schema_version` (1), `kind` \
and `path` (the file it belongs to), a file's lines together, files in argument order:
  {\"schema_version\":1,\"kind\":\"file\",\"path\":P,\"tool\":\"goelf\",\"version\":V,\"command\":\"funcs\",\"error\":null,\"pclntab\":{...},\"moduledata\":{...}}
  {\"schema_version\":1,\"kind\":\"function\",\"path\":P,\"entry\":N,\"end\":N,\"size\":N,\"name\":S,\"package\":S,\"file\":S,\"line\":N}
  {\"schema_version\":1,\"kind\":\"lookup\",\"path\":P,\"pc\":N,...}   (with --addr: the keys of --json's lookups)
  {\"schema_version\":1,\"kind\":\"problem\",\"path\":P,\"code\":S,\"message\":S,\"offset\":N,\"severity\":S}
  {\"schema_version\":1,\"kind\":\"end\",\"path\":P,\"ok\":B,\"functions\":N,\"lookups\":N,\"problems\":N}

A file that cannot be read has `error` set, `pclntab` and `moduledata` null, and no function \
lines. The `function` and `lookup` lines have the keys of `--json`'s `functions` and \
`lookups` entries; `end` counts the lines written (null for the kind not listed). Numbers \
are integers.

Example: goelf funcs --json-lines BIN | jq -r 'select(.kind == \"function\") | [.size, .name] | @tsv'";

/// An `--addr` argument: an address, or `-` for a list on standard input.
#[derive(Debug, Clone, Copy)]
enum Addr {
    Pc(u64),
    Stdin,
}

fn parse_addr(s: &str) -> Result<Addr, String> {
    if s == "-" {
        return Ok(Addr::Stdin);
    }
    parse_hex(s).map(Addr::Pc)
}

/// The `--addr` addresses in order, `-` replaced by the list read from standard input.
fn addresses(addrs: &[Addr], files: &[PathBuf]) -> anyhow::Result<Vec<u64>> {
    let mut out = Vec::new();
    for a in addrs {
        match *a {
            Addr::Pc(pc) => out.push(pc),
            Addr::Stdin => {
                if files.iter().any(|f| f.as_os_str() == "-") {
                    anyhow::bail!("--addr - and FILE - cannot both read standard input");
                }
                let input = crate::input::open_stdin()?;
                let list =
                    goelf::symbolize::trace::parse_address_list(&String::from_utf8_lossy(&input))
                        .map_err(|e| anyhow::anyhow!("--addr -: standard input: {e}"))?;
                out.extend(list);
            }
        }
    }
    if !addrs.is_empty() && out.is_empty() {
        // An empty list must not turn the lookup into a listing of every function.
        anyhow::bail!("--addr -: no addresses on standard input");
    }
    Ok(out)
}

/// A hex address, with or without `0x` (clap value parser; `symbolize --base` uses it too).
pub(crate) fn parse_hex(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    u64::from_str_radix(t, 16).map_err(|e| format!("not a hex address: {s:?} ({e})"))
}

/// Functions decoded (and rendered) per parallel task; a binary with fewer stays on one
/// thread.
const CHUNK: usize = 4096;
/// Tasks in flight per thread, which bounds the rendered text held in memory.
const BATCH_PER_THREAD: usize = 2;

/// Run `goelf funcs`.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let pattern = match &args.pattern {
        Some(p) => Some(regex::Regex::new(p).with_context(|| format!("--match {p:?}"))?),
        None => None,
    };
    let options = FuncsOptions {
        packages: args.package,
        pattern,
        addrs: addresses(&args.addrs, &args.files)?,
        dwarf_check: !args.no_dwarf_check,
    };
    let cmd = Funcs { options };
    if args.json_lines {
        return runner::run_json_lines(&cmd, &args.files);
    }
    runner::run(&cmd, &args.files, args.json)
}

/// `funcs` for the runner.
struct Funcs {
    options: FuncsOptions,
}

impl runner::Analyse for Funcs {
    type Report<'a> = FuncsReport<'a>;

    fn analyse<'a>(&self, file: runner::Opened<'_, 'a>) -> anyhow::Result<FuncsReport<'a>> {
        Ok(goelf::funcs(file.data(), &self.options)?)
    }
}

impl runner::Text for Funcs {
    fn render_text(
        &self,
        w: &mut dyn Write,
        file: &File<FuncsReport<'_>>,
        many: bool,
    ) -> std::io::Result<bool> {
        match &file.result {
            Ok(r) => write_text_file(w, r, &file.shown, many),
            // The runner prints `goelf: PATH: message` on stderr.
            Err(_) => Ok(true),
        }
    }
}

impl runner::Json for Funcs {
    const NAME: &'static str = "funcs";
    type Entry<'r, 'a: 'r> = FuncsFile<'r, 'a, ParallelRows>;

    fn json_entry<'r, 'a: 'r>(
        &self,
        file: &'r File<FuncsReport<'a>>,
    ) -> FuncsFile<'r, 'a, ParallelRows> {
        FuncsFile::with_rows(&file.shown, file.as_result(), ParallelRows)
    }

    fn entry_failed(&self, entry: &FuncsFile<'_, '_, ParallelRows>) -> bool {
        entry.failed()
    }
}

impl runner::JsonLines for Funcs {
    fn write_lines(
        &self,
        w: &mut dyn Write,
        file: &File<FuncsReport<'_>>,
    ) -> std::io::Result<bool> {
        write_json_lines(w, &file.shown, file.as_result())
    }
}

/// The first line of a file in `--json-lines`.
#[derive(serde::Serialize)]
struct FileLine<'x> {
    schema_version: u32,
    kind: &'static str,
    path: &'x str,
    tool: &'static str,
    version: &'static str,
    command: &'static str,
    error: Option<&'x str>,
    pclntab: Option<&'x goelf::go::pclntab::PclntabInfo>,
    moduledata: Option<&'x goelf::go::moduledata::ModuledataInfo>,
}

/// The last line of a file in `--json-lines`.
#[derive(serde::Serialize)]
struct EndLine<'x> {
    schema_version: u32,
    kind: &'static str,
    path: &'x str,
    ok: bool,
    functions: Option<usize>,
    lookups: Option<usize>,
    problems: usize,
}

/// `{"schema_version":1,"kind":KIND,"path":PATH` without the closing brace: a record's keys
/// follow (its own serialization, whose `{` is replaced by `,`).
fn line_head(kind: &str, path: &str) -> Vec<u8> {
    let mut head = format!(
        "{{\"schema_version\":{},\"kind\":\"{kind}\",\"path\":",
        goelf::report::SCHEMA_VERSION
    )
    .into_bytes();
    // A string always serializes.
    let _ = serde_json::to_writer(&mut head, path);
    head
}

/// Append `head` and then `record`'s keys, closing the line.
fn push_record<T: serde::Serialize>(buf: &mut Vec<u8>, head: &[u8], record: &T) {
    buf.extend_from_slice(head);
    let at = buf.len();
    if serde_json::to_writer(&mut *buf, record).is_ok() && buf.get(at) == Some(&b'{') {
        if buf.get(at + 1) == Some(&b'}') {
            // No keys: just close.
            buf.truncate(at);
            buf.push(b'}');
        } else if let Some(b) = buf.get_mut(at) {
            *b = b',';
        }
    } else {
        buf.truncate(at);
        buf.push(b'}');
    }
    buf.push(b'\n');
}

/// One file's JSON lines: `file`, then its functions (decoded and written in parallel
/// chunks, in functab order) or lookups, its problems and `end`. True when it failed.
fn write_json_lines(
    w: &mut dyn Write,
    path: &str,
    report: Result<&FuncsReport<'_>, &str>,
) -> std::io::Result<bool> {
    let mut first = Vec::new();
    let file_line = |error, pclntab, moduledata| FileLine {
        schema_version: goelf::report::SCHEMA_VERSION,
        kind: "file",
        path,
        tool: "goelf",
        version: env!("CARGO_PKG_VERSION"),
        command: "funcs",
        error,
        pclntab,
        moduledata,
    };
    let end = |ok, functions, lookups, problems| EndLine {
        schema_version: goelf::report::SCHEMA_VERSION,
        kind: "end",
        path,
        ok,
        functions,
        lookups,
        problems,
    };
    let r = match report {
        Err(e) => {
            serde_json::to_writer(&mut first, &file_line(Some(e), None, None))?;
            first.push(b'\n');
            serde_json::to_writer(&mut first, &end(false, None, None, 0))?;
            first.push(b'\n');
            w.write_all(&first)?;
            return Ok(true);
        }
        Ok(r) => r,
    };
    serde_json::to_writer(
        &mut first,
        &file_line(None, Some(r.pclntab()), r.moduledata()),
    )?;
    first.push(b'\n');
    w.write_all(&first)?;
    let mut problems = r.problems().to_vec();
    let (mut functions, mut lookups) = (None, None);
    if let Some(fs) = r.functions() {
        let head = line_head("function", path);
        let mut failures = DecodeFailures::default();
        let mut count = 0usize;
        // One line at a time through a small buffer (patched, then copied into `w`'s).
        let mut line = Vec::with_capacity(512);
        rows_decoded_ahead(fs, &mut failures, |row| {
            line.clear();
            push_record(&mut line, &head, row);
            count += 1;
            w.write_all(&line)
        })?;
        problems.extend(failures.problem());
        functions = Some(count);
    } else {
        let head = line_head("lookup", path);
        let mut buf = Vec::new();
        let all = r.lookups().unwrap_or_default();
        for l in all {
            push_record(&mut buf, &head, l);
        }
        w.write_all(&buf)?;
        lookups = Some(all.len());
    }
    let head = line_head("problem", path);
    let mut buf = Vec::new();
    for p in &problems {
        push_record(&mut buf, &head, p);
    }
    let ok = !problems.iter().any(goelf::error::Problem::is_error);
    serde_json::to_writer(&mut buf, &end(ok, functions, lookups, problems.len()))?;
    buf.push(b'\n');
    w.write_all(&buf)?;
    Ok(!problems.is_empty())
}

/// The `functions` array of `funcs --json`, decoded ahead in parallel: while this thread
/// writes one chunk of rows through the serializer, a pool thread decodes the next. The rows
/// and their order are those of [`goelf::funcs::StreamRows`].
#[derive(Debug, Clone, Copy)]
pub struct ParallelRows;

impl WriteRows for ParallelRows {
    fn write_rows<S: Serializer>(
        &self,
        functions: Functions<'_, '_>,
        failures: &mut DecodeFailures,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        rows_decoded_ahead(functions, failures, |r| seq.serialize_element(r))?;
        seq.end()
    }
}

/// Hand every row of `functions` to `each`, in functab order, on this thread, while a pool
/// thread decodes the next chunk of rows; the functions that fail to decode are added to
/// `failures`. Stops at the first error of `each`.
fn rows_decoded_ahead<E>(
    functions: Functions<'_, '_>,
    failures: &mut DecodeFailures,
    mut each: impl FnMut(&FuncRow<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let decode = |c: usize| {
        let mut it = functions.rows_in(c * CHUNK..(c + 1) * CHUNK);
        let rows: Vec<FuncRow<'_>> = it.by_ref().collect();
        (rows, it.into_failures())
    };
    let chunks = functions.table_len().div_ceil(CHUNK);
    let mut current = (chunks > 0).then(|| decode(0));
    for c in 1..=chunks {
        let Some((rows, f)) = current.take() else {
            break;
        };
        failures.merge(f);
        let mut next = None;
        let written = rayon::in_place_scope(|scope| {
            if c < chunks {
                scope.spawn(|_| next = Some(decode(c)));
            }
            rows.iter().try_for_each(&mut each)
        });
        written?;
        current = next;
    }
    Ok(())
}

/// Run `work` over every chunk of function indexes, in parallel when there is more than one
/// chunk, handing the results to `sink` in functab order, a few chunks per thread at a time.
fn chunked<T: Send>(
    nfunc: usize,
    work: impl Fn(std::ops::Range<usize>) -> T + Sync,
    sink: impl FnMut(T) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let range = |c: usize| c * CHUNK..((c + 1) * CHUNK).min(nfunc);
    in_order(nfunc.div_ceil(CHUNK), |c| work(range(c)), sink)
}

/// Run `work(0..n)` in parallel when `n > 1`, handing the results to `sink` in order, a few
/// per thread at a time (which bounds what is held in memory).
fn in_order<T: Send>(
    n: usize,
    work: impl Fn(usize) -> T + Sync,
    mut sink: impl FnMut(T) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if n <= 1 {
        return (0..n).try_for_each(|i| sink(work(i)));
    }
    let batch = BATCH_PER_THREAD * rayon::current_num_threads().max(1);
    for b in (0..n).step_by(batch) {
        let done: Vec<T> = (b..(b + batch).min(n)).into_par_iter().map(&work).collect();
        for t in done {
            sink(t)?;
        }
    }
    Ok(())
}

/// Decimal digits of `v`, two at a time (this runs four times per function).
fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    while v >= 100 {
        let p = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        tmp[i..i + 2].copy_from_slice(&PAIRS[p..p + 2]);
    }
    if v >= 10 {
        let p = v as usize * 2;
        i -= 2;
        tmp[i..i + 2].copy_from_slice(&PAIRS[p..p + 2]);
    } else {
        i -= 1;
        tmp[i] = b'0' + v as u8;
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// True when `s` holds anything but printable ASCII.
fn not_plain(s: &[u8]) -> bool {
    any_byte(s, |c| u8::from(c.wrapping_sub(0x20) >= 0x5f))
}

/// True when `hit` is non-zero for some byte of `s` (`hit(b'a')` must be zero). Works in
/// 16-byte blocks without an early exit inside, so that the check vectorises; the tail is
/// padded with `a` into one more block.
fn any_byte(s: &[u8], hit: impl Fn(u8) -> u8) -> bool {
    let block = |b: &[u8]| b.iter().fold(0u8, |m, &c| m | hit(c)) != 0;
    let mut blocks = s.chunks_exact(16);
    if blocks.any(block) {
        return true;
    }
    let rest = blocks.remainder();
    let mut last = [b'a'; 16];
    if let Some(l) = last.get_mut(..rest.len()) {
        l.copy_from_slice(rest);
    }
    block(&last)
}

// ----- text -----

/// Write the text report of one file; true when something failed (a problem was found).
fn write_text_file(
    w: &mut dyn Write,
    r: &FuncsReport<'_>,
    path: &str,
    many: bool,
) -> std::io::Result<bool> {
    let file = many.then_some(path);
    let mut problems = r.problems().to_vec();
    if let Some(functions) = r.functions() {
        let mut rows = TableRows::default();
        let mut failures = DecodeFailures::default();
        chunked(
            functions.table_len(),
            |range| {
                let mut it = functions.rows_in(range.clone());
                let mut rows: Vec<FuncRow<'_>> = Vec::with_capacity(range.len());
                rows.extend(&mut it);
                (TableRows::from_rows(rows), it.into_failures())
            },
            |(r, f)| {
                rows.append(r);
                failures.merge(f);
                Ok(())
            },
        )?;
        problems.extend(failures.problem());
        write_table(w, &rows, file, crate::term::get().width)?;
    } else {
        let mut out = String::new();
        let lookups = r.lookups().unwrap_or_default();
        for l in lookups.iter().filter(|l| !l.filtered) {
            if let Some(f) = file {
                out.push_str(&table::clean(f));
                out.push_str(": ");
            }
            render_lookup(&mut out, l, r.dwarf_line_table());
        }
        w.write_all(out.as_bytes())?;
        let dropped = lookups.iter().filter(|l| l.filtered).count();
        if dropped > 0 {
            eprintln!(
                "goelf: {}: note: {dropped} of {} addresses filtered out by --match/--package",
                table::clean(path),
                lookups.len()
            );
        }
    }
    // Problems go to stderr, where they cannot be mistaken for rows.
    for p in &problems {
        let severity = match p.severity {
            goelf::error::Severity::Error => String::new(),
            s => format!("{}: ", s.name()),
        };
        eprintln!(
            "goelf: {}: {severity}{} [{}]",
            table::clean(path),
            table::clean(&p.message),
            p.code
        );
    }
    Ok(!problems.is_empty())
}

const HEADER: [&str; 6] = ["ENTRY", "END", "SIZE", "PACKAGE", "FILE:LINE", "NAME"];
/// In pipes, PACKAGE and FILE:LINE are padded to at most these widths (a longer cell pushes
/// only its own line's NAME).
const PIPE_PAD: [usize; 6] = [usize::MAX, usize::MAX, usize::MAX, 24, 56, 0];

/// The cells of a row, as the table shows them.
fn cells<'r>(f: &'r FuncRow<'_>) -> [Cow<'r, str>; 6] {
    [
        Cow::Owned(common::hex(f.entry)),
        Cow::Owned(common::hex(f.end)),
        Cow::Owned(f.size.to_string()),
        Cow::Borrowed(&f.package),
        Cow::Owned(position(f.file.as_deref(), f.line)),
        Cow::Borrowed(&f.name),
    ]
}

/// The functions table: plain columns, NAME last (as `go tool nm` prints it, so that
/// `awk '{print $1, $NF}'` works), a FILE column first when several files are listed. In a
/// pipe (`width` None) it is written directly, a chunk of rows per parallel task: the
/// generic [`Table`] would hold ~80,000 rows of strings at once. On a terminal, and for text
/// that is not printable ASCII (wide characters, control characters to escape), the rows go
/// through [`Table`], which fits the width.
fn write_table(
    w: &mut dyn Write,
    rows: &TableRows<'_>,
    file: Option<&str>,
    width: Option<usize>,
) -> std::io::Result<()> {
    let plain = rows.plain && file.is_none_or(|f| !not_plain(f.as_bytes()));
    if !plain || width.is_some() {
        return write_table_generic(w, rows, file, width);
    }
    let mut widths = rows.widths;
    for (wd, cap) in widths.iter_mut().zip(PIPE_PAD) {
        *wd = (*wd).min(cap.max(4));
    }
    let no_rows = rows.chunks.iter().all(Vec::is_empty);
    let file_w = file.map_or(0, |f| {
        if no_rows {
            4
        } else {
            f.len().clamp(4, table::PIPE_PAD)
        }
    });
    let pad = |buf: &mut Vec<u8>, n: usize| buf.resize(buf.len() + n, b' ');
    let mut head = Vec::new();
    if file.is_some() {
        head.extend_from_slice(b"FILE");
        pad(&mut head, file_w.saturating_sub(4) + 2);
    }
    for (k, (h, &wd)) in HEADER.iter().zip(&widths).enumerate() {
        if k > 0 {
            head.extend_from_slice(b"  ");
        }
        if k == 5 {
            head.extend_from_slice(h.as_bytes());
        } else if k == 2 {
            // SIZE is right-aligned.
            pad(&mut head, wd.saturating_sub(h.len()));
            head.extend_from_slice(h.as_bytes());
        } else {
            head.extend_from_slice(h.as_bytes());
            pad(&mut head, wd.saturating_sub(h.len()));
        }
    }
    head.push(b'\n');
    w.write_all(&head)?;
    in_order(
        rows.chunks.len(),
        |c| {
            let chunk = rows.chunks.get(c).map_or(&[][..], Vec::as_slice);
            let mut buf = Vec::with_capacity(chunk.len() * 96);
            for f in chunk {
                let l = cell_lens(f);
                if let Some(name) = file {
                    buf.extend_from_slice(name.as_bytes());
                    pad(&mut buf, file_w.saturating_sub(name.len()) + 2);
                }
                push_hex(&mut buf, f.entry);
                pad(&mut buf, widths[0].saturating_sub(l[0]) + 2);
                push_hex(&mut buf, f.end);
                pad(
                    &mut buf,
                    widths[1].saturating_sub(l[1]) + 2 + widths[2].saturating_sub(l[2]),
                );
                push_u64(&mut buf, f.size);
                buf.extend_from_slice(b"  ");
                buf.extend_from_slice(f.package.as_bytes());
                pad(&mut buf, widths[3].saturating_sub(l[3]) + 2);
                match (f.file.as_deref(), f.line) {
                    (Some(file), Some(line)) if !file.is_empty() => {
                        buf.extend_from_slice(file.as_bytes());
                        buf.push(b':');
                        push_u64(&mut buf, u64::from(line));
                    }
                    (_, Some(line)) => {
                        buf.extend_from_slice(b"?:");
                        push_u64(&mut buf, u64::from(line));
                    }
                    _ => buf.push(b'?'),
                }
                pad(&mut buf, widths[4].saturating_sub(l[4]) + 2);
                buf.extend_from_slice(f.name.as_bytes());
                buf.push(b'\n');
            }
            buf
        },
        |buf| w.write_all(&buf),
    )
}

/// The table through [`Table`] (terminal width, escaping, wide characters).
fn write_table_generic(
    w: &mut dyn Write,
    rows: &TableRows<'_>,
    file: Option<&str>,
    width: Option<usize>,
) -> std::io::Result<()> {
    let mut header: Vec<&str> = Vec::new();
    if file.is_some() {
        header.push("FILE");
    }
    header.extend(HEADER);
    let off = usize::from(file.is_some());
    let mut t = Table::new(&header)
        .one_line_rows()
        .right(&[off + 2])
        .cut(&[off, off + 1], Cut::Never)
        .cut(&[off + 4], Cut::Start)
        .pipe_pad(off + 3, PIPE_PAD[3])
        .pipe_pad(off + 4, PIPE_PAD[4]);
    if file.is_some() {
        t = t.cut(&[0], Cut::Start);
    }
    for f in rows.chunks.iter().flatten() {
        let mut r: Vec<Cow<'_, str>> = Vec::with_capacity(7);
        if let Some(name) = file {
            r.push(Cow::Borrowed(name));
        }
        r.extend(cells(f));
        t.row(r.into_iter().map(Cow::into_owned));
    }
    let mut out = String::new();
    t.render_for(
        &mut out,
        crate::term::Term {
            width,
            ..crate::term::get()
        },
    );
    w.write_all(out.as_bytes())
}

/// The rows of the table, kept in the chunks they were decoded in (no copy into one list),
/// with the column widths and whether every cell is printable ASCII.
struct TableRows<'a> {
    chunks: Vec<Vec<FuncRow<'a>>>,
    widths: [usize; 6],
    plain: bool,
}

impl Default for TableRows<'_> {
    fn default() -> Self {
        TableRows {
            chunks: Vec::new(),
            widths: HEADER.map(str::len),
            plain: true,
        }
    }
}

impl<'a> TableRows<'a> {
    /// One chunk of rows, measured.
    fn from_rows(rows: Vec<FuncRow<'a>>) -> Self {
        let mut t = TableRows::default();
        let plain = |s: &str| !not_plain(s.as_bytes());
        for f in &rows {
            for (w, l) in t.widths.iter_mut().zip(cell_lens(f)) {
                *w = (*w).max(l);
            }
            t.plain &= plain(&f.name) && plain(&f.package) && f.file.as_deref().is_none_or(plain);
        }
        t.chunks.push(rows);
        t
    }

    /// Append the next chunks.
    fn append(&mut self, other: TableRows<'a>) {
        for (w, o) in self.widths.iter_mut().zip(other.widths) {
            *w = (*w).max(o);
        }
        self.plain &= other.plain;
        self.chunks.extend(other.chunks);
    }
}

/// Widths of a row's cells as [`cells`] renders them (ASCII only).
fn cell_lens(f: &FuncRow<'_>) -> [usize; 6] {
    [
        hex_len(f.entry),
        hex_len(f.end),
        dec_len(f.size),
        f.package.len(),
        position_len(f.file.as_deref(), f.line),
        f.name.len(),
    ]
}

/// `0x…` lower-case hex of `v`, as `{:#x}` writes it.
fn push_hex(buf: &mut Vec<u8>, v: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    buf.extend_from_slice(b"0x");
    let n = hex_len(v) - 2;
    for k in (0..n).rev() {
        buf.push(DIGITS[((v >> (4 * k)) & 0xf) as usize]);
    }
}

fn hex_len(v: u64) -> usize {
    2 + (v.checked_ilog2().unwrap_or(0) / 4 + 1) as usize
}

fn dec_len(v: u64) -> usize {
    v.checked_ilog10().unwrap_or(0) as usize + 1
}

fn position_len(file: Option<&str>, line: Option<u32>) -> usize {
    match (file, line) {
        (Some(f), Some(l)) if !f.is_empty() => f.len() + 1 + dec_len(u64::from(l)),
        (_, Some(l)) => 2 + dec_len(u64::from(l)),
        _ => 1,
    }
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

fn render_lookup(out: &mut String, l: &Lookup, has_dwarf: bool) {
    match &l.function {
        None => {
            out.push_str(&format!("{}: no function\n", common::hex(l.pc)));
            if has_dwarf && l.dwarf.is_some() {
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
            if has_dwarf {
                out.push_str(&dwarf_line_text(l));
            }
        }
    }
}

fn position(file: Option<&str>, line: Option<u32>) -> String {
    match (file, line) {
        (Some(f), Some(l)) if !f.is_empty() => format!("{f}:{l}"),
        (_, Some(l)) => format!("?:{l}"),
        _ => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<FuncRow<'static>> {
        let r = |entry: u64, name: &'static str, package: &'static str, file, line| FuncRow {
            entry,
            end: entry + 0x20,
            size: 0x20,
            name: Cow::Borrowed(name),
            package: Cow::Borrowed(package),
            file,
            line,
        };
        vec![
            r(
                0,
                "main.main",
                "main",
                Some(Cow::Borrowed("/src/main.go")),
                Some(12),
            ),
            r(0x401000, "go:buildid", "", None, None),
            r(
                u64::MAX - 0x20,
                "x.y",
                "x",
                Some(Cow::Borrowed("")),
                Some(7),
            ),
            r(
                0x10,
                "a\"b\\c\u{1}\n",
                "a",
                Some(Cow::Borrowed("é/ü.go")),
                Some(1),
            ),
            r(
                0xfff,
                "gopkg.in/yaml%2ev3.F",
                "gopkg.in/yaml.v3",
                None,
                Some(3),
            ),
        ]
    }

    #[test]
    fn plain_table_matches_generic_table() {
        let all = rows();
        // Printable ASCII only (the others go to the generic table anyway).
        let ascii: Vec<_> = all
            .iter()
            .filter(|r| r.name.bytes().all(|b| (0x20..0x7f).contains(&b)))
            .cloned()
            .collect();
        for file in [None, Some("bin/a")] {
            for n in 0..=ascii.len() {
                let (mut mine, mut generic) = (Vec::new(), Vec::new());
                // Two chunks, as decoding makes them.
                let mut t = TableRows::from_rows(ascii[..n / 2].to_vec());
                t.append(TableRows::from_rows(ascii[n / 2..n].to_vec()));
                write_table(&mut mine, &t, file, None).unwrap();
                write_table_generic(&mut generic, &t, file, None).unwrap();
                assert_eq!(
                    String::from_utf8(mine).unwrap(),
                    String::from_utf8(generic).unwrap()
                );
            }
        }
    }

    #[test]
    fn table_fits_terminal_and_escapes() {
        let t = TableRows::from_rows(rows());
        let mut out = Vec::new();
        write_table(&mut out, &t, None, Some(60)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\u{1}'), "{text}");
        for l in text.lines() {
            assert!(unicode_width::UnicodeWidthStr::width(l) <= 60, "{l:?}");
        }
    }

    #[test]
    fn plain_text() {
        for s in [
            "",
            "main.main",
            "a\"b",
            "0123456789abcdef0123456789abcdef\\",
            "0123456789abcdef\u{1f}",
            "é/ü.go and a long tail of plain text",
        ] {
            let plain = s.bytes().all(|b| (0x20..0x7f).contains(&b));
            assert_eq!(not_plain(s.as_bytes()), !plain, "{s:?}");
        }
    }

    #[test]
    fn digits() {
        for v in [
            0u64,
            1,
            9,
            10,
            15,
            16,
            99,
            100,
            101,
            255,
            256,
            999,
            1000,
            0x401000,
            u64::MAX,
        ] {
            let (mut d, mut h) = (Vec::new(), Vec::new());
            push_u64(&mut d, v);
            push_hex(&mut h, v);
            assert_eq!(String::from_utf8(d).unwrap(), v.to_string());
            assert_eq!(String::from_utf8(h).unwrap(), format!("{v:#x}"));
            assert_eq!(dec_len(v), v.to_string().len());
            assert_eq!(hex_len(v), format!("{v:#x}").len());
        }
    }
}

//! `goelf funcs`: every function of the pclntab (stripped binaries too) with its address
//! range, package and source position; with `--addr`, addr2line with the inlining chain.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;

use goelf::error::{Error, Problem};
use goelf::go::dwarf_line::{self, DwarfPosition};
use goelf::go::inline::{self, Frame};
use goelf::go::moduledata::{Moduledata, ModuledataInfo};
use goelf::go::pclntab::{package_str, Pclntab};
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

/// One function row, borrowing from the file (JSON keys of `functions[]`, in order).
#[derive(Debug, Clone, PartialEq, Serialize)]
struct FuncRow<'a> {
    entry: u64,
    end: u64,
    size: u64,
    name: Cow<'a, str>,
    package: Cow<'a, str>,
    file: Option<Cow<'a, str>>,
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

/// Functions decoded (and rendered) per parallel task; a binary with fewer stays on one
/// thread.
const CHUNK: usize = 4096;
/// Tasks in flight per thread, which bounds the rendered text held in memory.
const BATCH_PER_THREAD: usize = 2;

/// Run `goelf funcs`.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let re = match &args.pattern {
        Some(p) => Some(regex::Regex::new(p).with_context(|| format!("--match {p:?}"))?),
        None => None,
    };
    let filter = Filter {
        package: args.package.as_deref(),
        re: re.as_ref(),
    };
    let mut out = common::stdout();
    let (head, tail) = envelope_parts();
    if args.json {
        out.write_all(head.as_bytes())?;
    }
    let many = args.files.len() > 1;
    let failed = common::per_file_write(&args.files, &mut out, |i, path, w| {
        let input = common::open(path);
        let analysed = match &input {
            Ok(data) => analyse(data, &args),
            Err(e) => Err(anyhow::anyhow!("{e:#}")),
        };
        match analysed {
            Ok(a) if args.json => write_json_file(w, i, path, &a, &args, &filter),
            Ok(a) => write_text_file(w, path, &a, &args, &filter, many),
            Err(e) => {
                let e = format!("{e:#}");
                if args.json {
                    write_json_failed(w, i, path, &e)?;
                } else {
                    if many {
                        writeln!(w, "{}:", path.display())?;
                    }
                    writeln!(w, "error: {e}")?;
                }
                Ok(true)
            }
        }
    })?;
    if args.json {
        out.write_all(tail.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(if failed.iter().any(|&f| f) {
        common::EXIT_FAILED
    } else {
        common::EXIT_OK
    })
}

/// The envelope's JSON before and after the `files` entries, from serde so the two cannot
/// drift.
fn envelope_parts() -> (String, String) {
    let empty: Vec<()> = Vec::new();
    let text = serde_json::to_string_pretty(&goelf::report::Envelope::new("funcs", empty))
        .unwrap_or_default();
    match text.split_once("\"files\": []") {
        Some((a, b)) => (format!("{a}\"files\": ["), format!("\n  ]{b}")),
        None => (text, String::new()),
    }
}

/// What the command filters on.
struct Filter<'r> {
    package: Option<&'r str>,
    re: Option<&'r regex::Regex>,
}

/// The decoded parts of one file, borrowing its bytes.
struct Analysed<'a> {
    image: Image<'a>,
    tab: Pclntab<'a>,
    moduledata: Option<ModuledataInfo>,
    problems: Vec<Problem>,
}

fn analyse<'a>(data: &'a [u8], args: &Args) -> anyhow::Result<Analysed<'a>> {
    let image = Image::parse(data)?;
    let mut problems = Vec::new();
    // TODO(GoBinary): `funcs` is moving to `goelf::go::GoBinary`; until then the same steps.
    let tab = Pclntab::find(&image, &mut problems)?;
    let mut moduledata = None;
    match Moduledata::find(&image, &tab, None, &mut problems) {
        Ok(md) => {
            moduledata = Some(md.info());
        }
        Err(e) => {
            // Only the inlining chain needs moduledata (1.18+ gofunc); say so when asked.
            if !args.addrs.is_empty() && tab.era() >= goelf::go::pclntab::Era::Go118 {
                problems.push(Problem::from_error("moduledata", &e));
            }
        }
    }
    Ok(Analysed {
        image,
        tab,
        moduledata,
        problems,
    })
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

// ----- decoding rows -----

/// The last file name decoded: neighbouring functions mostly share their file, and its
/// UTF-8 check need not be repeated.
type LastFile<'a> = (&'a [u8], &'a str);

/// Decode function `i`; `None` when the filter drops it.
fn row<'a>(
    tab: &Pclntab<'a>,
    i: usize,
    filter: &Filter<'_>,
    last: &mut LastFile<'a>,
) -> Result<Option<FuncRow<'a>>, Error> {
    let f = tab.func(i)?;
    let name = lossy(f.name);
    let package = match &name {
        Cow::Borrowed(n) => package_str(n),
        Cow::Owned(n) => Cow::Owned(package_str(n).into_owned()),
    };
    if filter.package.is_some_and(|p| p != package) {
        return Ok(None);
    }
    if filter.re.is_some_and(|re| !re.is_match(&name)) {
        return Ok(None);
    }
    let (file, line) = match tab
        .record(f.func_offset)
        .and_then(|r| tab.file_line_bytes(&r, f.entry, f.entry))
    {
        Ok((file, line)) => {
            let text = if std::ptr::eq(file, last.0) {
                Cow::Borrowed(last.1)
            } else {
                let text = lossy(file);
                if let Cow::Borrowed(t) = text {
                    *last = (file, t);
                }
                text
            };
            (Some(text), Some(line))
        }
        Err(_) => (None, None),
    };
    Ok(Some(FuncRow {
        entry: f.entry,
        end: f.end,
        size: f.size(),
        name,
        package,
        file,
        line,
    }))
}

/// Text from file bytes, replacing invalid UTF-8 (checking with the faster `from_utf8`
/// first: names are almost always valid).
fn lossy(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// Functions that could not be decoded: how many, and the first in functab order.
#[derive(Default)]
struct Bad {
    count: usize,
    first: Option<Error>,
}

impl Bad {
    fn add(&mut self, e: Error) {
        self.count += 1;
        self.first.get_or_insert(e);
    }

    fn merge(&mut self, other: Bad) {
        self.count += other.count;
        if self.first.is_none() {
            self.first = other.first;
        }
    }

    fn problem(self) -> Option<Problem> {
        let e = self.first?;
        let mut p = Problem::from_error("pclntab", &e);
        p.message = format!(
            "{} function(s) could not be decoded; first: {}",
            self.count, p.message
        );
        Some(p)
    }
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

// ----- JSON -----

/// Indentation of the keys of a file entry (envelope → files → entry).
const KEY_INDENT: &str = "\n      ";

/// `"key": value` of a file entry, pretty-printed as serde_json would at that depth.
fn json_field(
    w: &mut dyn Write,
    first: bool,
    key: &str,
    value: &impl Serialize,
) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    w.write_all(if first { b"" } else { b"," })?;
    w.write_all(KEY_INDENT.as_bytes())?;
    write_json_str(w, key)?;
    w.write_all(b": ")?;
    // JSON strings hold no raw newline, so every newline is a line break to indent.
    let mut lines = text.split('\n');
    if let Some(l) = lines.next() {
        w.write_all(l.as_bytes())?;
    }
    for l in lines {
        w.write_all(KEY_INDENT.as_bytes())?;
        w.write_all(l.as_bytes())?;
    }
    Ok(())
}

/// The start of file entry `i` in the `files` array.
fn json_entry_start(w: &mut dyn Write, i: usize) -> std::io::Result<()> {
    w.write_all(if i == 0 { b"\n    {" } else { b",\n    {" })
}

fn write_json_failed(w: &mut dyn Write, i: usize, path: &Path, error: &str) -> std::io::Result<()> {
    json_entry_start(w, i)?;
    let none: Option<()> = None;
    json_field(w, true, "path", &path.display().to_string())?;
    json_field(w, false, "ok", &false)?;
    json_field(w, false, "error", &error)?;
    for key in ["pclntab", "moduledata", "functions", "lookups"] {
        json_field(w, false, key, &none)?;
    }
    json_field(w, false, "problems", &Vec::<Problem>::new())?;
    w.write_all(b"\n    }")
}

/// Write file entry `i` with the keys `path`, `ok`, `error`, `pclntab`, `moduledata`,
/// `functions` (streamed: rows are rendered as they are decoded, never all held), `lookups`
/// and `problems`; true when something failed (a problem was found).
fn write_json_file(
    w: &mut dyn Write,
    i: usize,
    path: &Path,
    a: &Analysed<'_>,
    args: &Args,
    filter: &Filter<'_>,
) -> std::io::Result<bool> {
    json_entry_start(w, i)?;
    json_field(w, true, "path", &path.display().to_string())?;
    json_field(w, false, "ok", &true)?;
    json_field(w, false, "error", &None::<()>)?;
    json_field(w, false, "pclntab", &Some(a.tab.info()))?;
    json_field(w, false, "moduledata", &a.moduledata)?;
    let mut problems = a.problems.clone();
    if args.addrs.is_empty() {
        w.write_all(b",\n      \"functions\": [")?;
        let mut bad = Bad::default();
        let mut any = false;
        chunked(
            a.tab.nfunc(),
            |range| {
                let mut buf = Vec::with_capacity(range.len() * 256);
                let mut bad = Bad::default();
                let mut last: LastFile<'_> = (&[], "");
                for i in range {
                    match row(&a.tab, i, filter, &mut last) {
                        Ok(Some(r)) => json_row(&mut buf, &r),
                        Ok(None) => {}
                        Err(e) => bad.add(e),
                    }
                }
                (buf, bad)
            },
            |(buf, b)| {
                bad.merge(b);
                // Every row starts with ","; the first row of the array drops it.
                let text = match (any, buf.split_first()) {
                    (false, Some((_, rest))) => rest,
                    _ => &buf[..],
                };
                any |= !buf.is_empty();
                w.write_all(text)
            },
        )?;
        w.write_all(if any { b"\n      ]" } else { b"]" })?;
        problems.extend(bad.problem());
        json_field(w, false, "lookups", &None::<()>)?;
    } else {
        json_field(w, false, "functions", &None::<()>)?;
        let (lookups, _) = lookups(a, args, &mut problems);
        json_field(w, false, "lookups", &lookups)?;
    }
    json_field(w, false, "problems", &problems)?;
    w.write_all(b"\n    }")?;
    Ok(!problems.is_empty())
}

/// One `functions[]` element as serde_json's pretty printer writes it at that depth, with a
/// leading comma.
fn json_row(buf: &mut Vec<u8>, r: &FuncRow<'_>) {
    const I: &[u8] = b"\n          ";
    buf.extend_from_slice(b",\n        {");
    buf.extend_from_slice(I);
    buf.extend_from_slice(b"\"entry\": ");
    push_u64(buf, r.entry);
    buf.push(b',');
    buf.extend_from_slice(I);
    buf.extend_from_slice(b"\"end\": ");
    push_u64(buf, r.end);
    buf.push(b',');
    buf.extend_from_slice(I);
    buf.extend_from_slice(b"\"size\": ");
    push_u64(buf, r.size);
    buf.push(b',');
    buf.extend_from_slice(I);
    buf.extend_from_slice(b"\"name\": ");
    push_json_str(buf, &r.name);
    buf.push(b',');
    buf.extend_from_slice(I);
    buf.extend_from_slice(b"\"package\": ");
    push_json_str(buf, &r.package);
    buf.push(b',');
    buf.extend_from_slice(I);
    buf.extend_from_slice(b"\"file\": ");
    match &r.file {
        Some(f) => push_json_str(buf, f),
        None => buf.extend_from_slice(b"null"),
    }
    buf.push(b',');
    buf.extend_from_slice(I);
    buf.extend_from_slice(b"\"line\": ");
    match r.line {
        Some(l) => push_u64(buf, u64::from(l)),
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b"\n        }");
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

/// True when a JSON string needs escaping (a control character, `"` or `\\`).
fn needs_escape(s: &[u8]) -> bool {
    any_byte(s, |c| {
        u8::from(c < 0x20) | u8::from(c == b'"') | u8::from(c == b'\\')
    })
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

/// A JSON string: copied as is when nothing needs escaping, else escaped by serde_json.
fn push_json_str(buf: &mut Vec<u8>, s: &str) {
    if !needs_escape(s.as_bytes()) {
        buf.reserve(s.len() + 2);
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *buf, s);
    }
}

fn write_json_str(w: &mut dyn Write, s: &str) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(s.len() + 2);
    push_json_str(&mut buf, s);
    w.write_all(&buf)
}

// ----- text -----

/// Write the text report of one file; true when something failed (a problem was found).
fn write_text_file(
    w: &mut dyn Write,
    path: &Path,
    a: &Analysed<'_>,
    args: &Args,
    filter: &Filter<'_>,
    many: bool,
) -> std::io::Result<bool> {
    if many {
        writeln!(w, "{}:", path.display())?;
    }
    let mut problems = a.problems.clone();
    if args.addrs.is_empty() {
        let mut rows = TableRows::default();
        let mut bad = Bad::default();
        chunked(
            a.tab.nfunc(),
            |range| {
                let mut rows = Vec::with_capacity(range.len());
                let mut bad = Bad::default();
                let mut last: LastFile<'_> = (&[], "");
                for i in range {
                    match row(&a.tab, i, filter, &mut last) {
                        Ok(Some(r)) => rows.push(r),
                        Ok(None) => {}
                        Err(e) => bad.add(e),
                    }
                }
                (TableRows::from_rows(rows), bad)
            },
            |(r, b)| {
                rows.append(r);
                bad.merge(b);
                Ok(())
            },
        )?;
        problems.extend(bad.problem());
        write_table(w, &rows)?;
    } else {
        let mut out = String::new();
        let (lookups, has_dwarf) = lookups(a, args, &mut problems);
        for l in &lookups {
            render_lookup(&mut out, l, has_dwarf);
        }
        w.write_all(out.as_bytes())?;
    }
    for p in &problems {
        writeln!(w, "problem [{}]: {}", p.code, p.message)?;
    }
    Ok(!problems.is_empty())
}

const HEADER: [&str; 6] = ["ENTRY", "END", "SIZE", "NAME", "PACKAGE", "FILE:LINE"];

/// The cells of a row, as the table shows them.
fn cells<'r>(f: &'r FuncRow<'_>) -> [Cow<'r, str>; 6] {
    [
        Cow::Owned(common::hex(f.entry)),
        Cow::Owned(common::hex(f.end)),
        Cow::Owned(f.size.to_string()),
        Cow::Borrowed(&f.name),
        Cow::Borrowed(&f.package),
        Cow::Owned(position(f.file.as_deref(), f.line)),
    ]
}

/// The functions table, in comfy-table's ASCII_BORDERS_ONLY_CONDENSED layout (SIZE
/// right-aligned). Written directly: comfy-table takes ~0.4 s and ~200 MB for 80,000
/// rows. Text it could lay out differently (anything but printable ASCII: wide or
/// multi-line characters) still goes through comfy-table.
fn write_table(w: &mut dyn Write, rows: &TableRows<'_>) -> std::io::Result<()> {
    if !rows.plain {
        return write_table_comfy(w, rows);
    }
    let widths = rows.widths;
    let inner = widths.iter().sum::<usize>() + 2 * widths.len() + (widths.len() - 1);
    let rule = |c: u8| {
        let mut v = Vec::with_capacity(inner + 3);
        v.push(b'+');
        v.resize(inner + 1, c);
        v.extend_from_slice(b"+\n");
        v
    };
    let pad = |buf: &mut Vec<u8>, n: usize| buf.resize(buf.len() + n, b' ');
    w.write_all(&rule(b'-'))?;
    let mut head = b"| ".to_vec();
    for (k, (h, &wd)) in HEADER.iter().zip(&widths).enumerate() {
        if k > 0 {
            head.extend_from_slice(b"   ");
        }
        // SIZE is right-aligned.
        if k == 2 {
            pad(&mut head, wd - h.len());
            head.extend_from_slice(h.as_bytes());
        } else {
            head.extend_from_slice(h.as_bytes());
            pad(&mut head, wd - h.len());
        }
    }
    head.extend_from_slice(b" |\n");
    w.write_all(&head)?;
    w.write_all(&rule(b'='))?;
    in_order(
        rows.chunks.len(),
        |c| {
            let chunk = rows.chunks.get(c).map_or(&[][..], Vec::as_slice);
            let mut buf = Vec::with_capacity(chunk.len() * (inner + 4));
            for f in chunk {
                let l = cell_lens(f);
                buf.extend_from_slice(b"| ");
                push_hex(&mut buf, f.entry);
                pad(&mut buf, widths[0] - l[0] + 3);
                push_hex(&mut buf, f.end);
                pad(&mut buf, widths[1] - l[1] + 3 + widths[2] - l[2]);
                push_u64(&mut buf, f.size);
                buf.extend_from_slice(b"   ");
                buf.extend_from_slice(f.name.as_bytes());
                pad(&mut buf, widths[3] - l[3] + 3);
                buf.extend_from_slice(f.package.as_bytes());
                pad(&mut buf, widths[4] - l[4] + 3);
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
                pad(&mut buf, widths[5] - l[5]);
                buf.extend_from_slice(b" |\n");
            }
            buf
        },
        |buf| w.write_all(&buf),
    )?;
    w.write_all(&rule(b'-'))
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
        f.name.len(),
        f.package.len(),
        position_len(f.file.as_deref(), f.line),
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

fn write_table_comfy(w: &mut dyn Write, rows: &TableRows<'_>) -> std::io::Result<()> {
    let mut t = common::table(&HEADER);
    common::align_right(&mut t, &[2]);
    for f in rows.chunks.iter().flatten() {
        t.add_row(cells(f).map(Cow::into_owned));
    }
    writeln!(w, "{t}")
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

/// Every `--addr` answer, cross-checked against DWARF unless `--no-dwarf-check`; the flag says
/// whether the binary has a DWARF line table.
fn lookups(a: &Analysed<'_>, args: &Args, problems: &mut Vec<Problem>) -> (Vec<Lookup>, bool) {
    let mut out: Vec<Lookup> = args
        .addrs
        .iter()
        .map(|&pc| lookup(&a.tab, &a.image, pc))
        .collect();
    let has_dwarf = !args.no_dwarf_check && dwarf_check(&a.image, &mut out, problems);
    (out, has_dwarf)
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
    fn json_rows_match_serde_json() {
        #[derive(Serialize)]
        struct File<'a> {
            functions: Vec<FuncRow<'a>>,
        }
        #[derive(Serialize)]
        struct Envelope<'a> {
            files: Vec<File<'a>>,
        }
        for n in 0..=rows().len() {
            let rows = rows()[..n].to_vec();
            let mut mine = Vec::new();
            for r in &rows {
                json_row(&mut mine, r);
            }
            let mine = match mine.split_first() {
                Some((_, rest)) => format!("[{}\n      ]", String::from_utf8_lossy(rest)),
                None => "[]".to_string(),
            };
            let serde = serde_json::to_string_pretty(&Envelope {
                files: vec![File { functions: rows }],
            })
            .unwrap();
            let want = serde
                .split_once("\"functions\": ")
                .unwrap()
                .1
                .strip_suffix("\n    }\n  ]\n}")
                .unwrap();
            assert_eq!(mine, want);
        }
    }

    #[test]
    fn plain_table_matches_comfy_table() {
        let all = rows();
        // Printable ASCII only (the others go to comfy-table anyway).
        let ascii: Vec<_> = all
            .iter()
            .filter(|r| r.name.bytes().all(|b| (0x20..0x7f).contains(&b)))
            .cloned()
            .collect();
        for n in 0..=ascii.len() {
            let (mut mine, mut comfy) = (Vec::new(), Vec::new());
            // Two chunks, as decoding makes them.
            let mut t = TableRows::from_rows(ascii[..n / 2].to_vec());
            t.append(TableRows::from_rows(ascii[n / 2..n].to_vec()));
            write_table(&mut mine, &t).unwrap();
            write_table_comfy(&mut comfy, &t).unwrap();
            assert_eq!(
                String::from_utf8(mine).unwrap(),
                String::from_utf8(comfy).unwrap()
            );
        }
        let (mut mine, mut comfy) = (Vec::new(), Vec::new());
        // Split in two chunks, as decoding does.
        let mut t = TableRows::from_rows(all[..2].to_vec());
        t.append(TableRows::from_rows(all[2..].to_vec()));
        write_table(&mut mine, &t).unwrap();
        write_table_comfy(&mut comfy, &t).unwrap();
        assert_eq!(mine, comfy);
    }

    #[test]
    fn escapes() {
        for (s, want) in [
            ("", false),
            ("main.main", false),
            ("a\"b", true),
            ("0123456789abcdef0123456789abcdef\\", true),
            ("0123456789abcdef\u{1f}", true),
            ("é/ü.go and a long tail of plain text", false),
        ] {
            assert_eq!(needs_escape(s.as_bytes()), want, "{s:?}");
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

//! `symbolize`: a Go traceback, a crash log or a list of addresses → each PC as function,
//! file:line and the calls inlined there, from the binary's pclntab (stripped binaries too).
//!
//! What is read (docs/FORMATS.md §13; the runtime's `src/runtime/traceback.go`
//! `traceback2`, `printcreatedby1`, `printFuncName`; `src/runtime/panic.go` `printpanics`'s
//! `[signal …]` line; `src/runtime/signal_unix.go` `sighandler`'s `PC=` line;
//! `src/runtime/signal_amd64.go` `dumpregs`), line by line:
//!
//! - a frame: a function line `NAME(ARGS)` (`panic(…)` is `runtime.gopanic`) or
//!   `created by NAME[ in goroutine N]`, then a tab-indented `FILE:LINE[ +0xOFF][ fp=… sp=…
//!   pc=0x…]`. `+0xOFF` is the frame's PC minus its function's entry, so the PC follows from
//!   the name without any load address; `pc=` (`GOTRACEBACK=system` or `crash`) is the
//!   runtime address. An inlined call is printed as `NAME(...)` with no offset and no `pc=`,
//!   above the frame of the function it was inlined into: those lines are replaced by the
//!   chain the binary gives for that frame's PC;
//! - `goroutine N …:` headers (the frames below belong to goroutine N);
//! - `[signal SIG…: … pc=0x…]`, `PC=0x… m=… sigcode=…`, register dumps (`rip 0x…`,
//!   `pc 0x…`, `lr 0x…`), `non-Go function at pc=0x…`: the line is kept and its address
//!   symbolized after it;
//! - a line holding one hex number (`0x` optional): an address, looked up as given (as
//!   `go tool addr2line` does).
//!
//! Every other line is kept as it is. Which PC is looked up follows the runtime's
//! `unwinder.symPC`: a frame's PC is a return address, so the position is that of `PC - 1`
//! (the call), unless the PC is the function's entry or the frame was interrupted (a signal:
//! the frame below `runtime.sigpanic`/`asyncPreempt`/`debugCallV2`, or the frame at the
//! `[signal … pc=]` address).
//!
//! Load address: Go prints none (no `base=` in any traceback). Runtime addresses (`pc=`,
//! bare addresses, registers) minus [`SymbolizeOptions::base`] are link-time addresses;
//! without it, the base is taken from the first frame that has both `pc=` and a function
//! with an offset (`pc - (entry + off)`), else 0.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;

use crate::error::{Problem, Result};
use crate::go::inline;
use crate::go::pclntab::Pclntab;
use crate::go::GoBinary;
use crate::image::Image;
use crate::limits::MAX_TRACE_FRAMES;

/// What [`symbolize`] is told besides the trace.
#[derive(Debug, Clone, Default)]
pub struct SymbolizeOptions {
    /// Load bias: what was added to every link-time address when the program ran (a PIE's
    /// load address minus the first `PT_LOAD`'s `p_vaddr`: for a Go PIE, whose first
    /// `PT_LOAD` is at 0x400000, the start of its first mapping in `/proc/PID/maps` minus
    /// 0x400000).
    pub base: Option<u64>,
}

/// Where a frame came from in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameKind {
    /// A traceback frame (`NAME(ARGS)` + `FILE:LINE …`).
    Frame,
    /// `created by NAME` + `FILE:LINE +0xOFF`: the `go` statement that started the goroutine.
    CreatedBy,
    /// A line holding one address.
    Address,
    /// The PC of a `[signal …]` or `PC=` line: the interrupted instruction.
    Signal,
    /// A register of a register dump (`rip`, `pc`, `lr`).
    Register,
    /// `non-Go function at pc=0x…`.
    NonGo,
}

/// Where the load base came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseSource {
    /// [`SymbolizeOptions::base`] (`--base`).
    Option,
    /// A frame with both `pc=` and function+offset.
    Trace,
}

/// One call inlined at a PC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InlinedCall {
    /// The inlined function.
    pub function: String,
    /// Source file of the position inside it.
    pub file: String,
    /// Line of the position inside it.
    pub line: u32,
}

/// One PC of the input and what the binary says about it (the keys of `frames[]` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SymFrame {
    /// 1-based line of the input the frame is read from (for a traceback frame, its function
    /// line; the `NAME(...)` lines of its inlined calls are above it).
    pub input_line: usize,
    /// What kind of line it came from.
    pub kind: FrameKind,
    /// The goroutine of the enclosing `goroutine N` block, if any.
    pub goroutine: Option<u64>,
    /// The runtime address the input gives (`pc=`, a bare address, a register), if any.
    pub address: Option<u64>,
    /// The link-time PC (an address of the binary); `None` when it cannot be known.
    pub pc: Option<u64>,
    /// The PC whose position is given (`pc - 1` for a return address).
    pub lookup_pc: Option<u64>,
    /// The function holding `lookup_pc` (the physical one; `None`: not in the pclntab).
    pub function: Option<String>,
    /// Its entry.
    pub entry: Option<u64>,
    /// The position in `function` (for an inlined PC: the line of the outermost inlined
    /// call), as the traceback prints for the physical frame.
    pub file: Option<String>,
    /// Line of that position.
    pub line: Option<u32>,
    /// The calls inlined at `lookup_pc`, innermost first (the traceback's `NAME(...)` lines);
    /// the first one's position is what `go tool addr2line` prints.
    pub inlined: Vec<InlinedCall>,
    /// The function name the trace prints for this frame (`panic` as `runtime.gopanic`).
    pub trace_function: Option<String>,
    /// The file the trace prints.
    pub trace_file: Option<String>,
    /// The line the trace prints.
    pub trace_line: Option<u32>,
    /// For trace frames: the binary gives the same function, inlined calls and file:line as
    /// the trace (false: the trace is probably not from this binary).
    pub matches_trace: Option<bool>,
}

impl SymFrame {
    /// The innermost position: the first inlined call's, else the function's (what
    /// `go tool addr2line` prints for `lookup_pc`).
    pub fn innermost(&self) -> Option<(&str, u32)> {
        match self.inlined.first() {
            Some(c) => Some((&c.file, c.line)),
            None => Some((self.file.as_deref()?, self.line?)),
        }
    }
}

/// One piece of the output, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<'t> {
    /// An input line kept as it is.
    Text(&'t str),
    /// A frame (index into [`SymbolizeReport::frames`]).
    Frame(usize),
}

/// The symbolized trace.
#[derive(Debug, Clone)]
pub struct SymbolizeReport<'t> {
    /// The output in input order: kept lines and frames.
    pub items: Vec<Item<'t>>,
    /// Every frame, in input order.
    pub frames: Vec<SymFrame>,
    /// The load base used for runtime addresses.
    pub base: Option<u64>,
    /// Where it came from.
    pub base_source: Option<BaseSource>,
    /// The binary is position-independent (ELF `ET_DYN`).
    pub pie: bool,
    /// What was noted: a trace that disagrees with the binary, inconsistent load bases, a
    /// trace with too many frames.
    pub problems: Vec<Problem>,
}

/// Symbolize `trace` (the text of a traceback, crash log or address list) against `go`.
///
/// Fails only when the binary has no usable pclntab; lines that are not understood are
/// kept as text, addresses outside the table give frames without a function.
pub fn symbolize<'t>(
    go: &GoBinary<'_>,
    trace: &'t str,
    options: &SymbolizeOptions,
) -> Result<SymbolizeReport<'t>> {
    let tab = go.pclntab().map_err(Clone::clone)?;
    let image = go.image();
    let pie = image
        .elf()
        .is_some_and(|e| e.header().e_type == object::elf::ET_DYN);
    let mut problems = Vec::new();
    let recs = parse(trace, &mut problems);
    let mut names = Names::new(tab);
    let (base, base_source) = match options.base {
        Some(b) => (Some(b), Some(BaseSource::Option)),
        None => match infer_base(&recs, &mut names) {
            Some(b) => (Some(b), Some(BaseSource::Trace)),
            None => (None, None),
        },
    };
    if let (Some(b), Some(BaseSource::Option)) = (base, base_source) {
        if let Some(t) = infer_base(&recs, &mut names) {
            if t != b {
                problems.push(Problem::new(
                    "symbolize.base_mismatch",
                    format!("the trace's pc= and offsets give load base {t:#x}, --base is {b:#x}"),
                ));
            }
        }
    }
    if pie
        && base.is_none()
        && recs
            .iter()
            .any(|r| matches!(r, Rec::Addr { value: Some(_), .. }))
    {
        problems.push(Problem::new(
            "symbolize.no_base",
            "a PIE's runtime addresses without a load base: the trace gives none (no frame \
             has both pc= and an offset); taken as link-time addresses (pass --base)",
        ));
    }
    let mut r = Resolver {
        tab,
        image,
        names,
        base: base.unwrap_or(0),
        base_known: base.is_some(),
        frames: Vec::new(),
        items: Vec::new(),
        problems,
        signal_pc: None,
        trap_next: false,
        mismatches: 0,
    };
    r.run(&recs);
    if r.mismatches > 0 {
        r.problems.push(Problem::new(
            "symbolize.trace_mismatch",
            format!(
                "{} frame(s) of the trace name another function or position than the binary \
                 does at that PC: the trace is probably not from this binary",
                r.mismatches
            ),
        ));
    }
    Ok(SymbolizeReport {
        items: r.items,
        frames: r.frames,
        base,
        base_source,
        pie,
        problems: r.problems,
    })
}

/// Addresses of a list (one hex number a line, `0x` optional; blank lines and `#` comments
/// skipped), for `funcs --addr -`. The error names the first line that is not an address.
pub fn parse_address_list(text: &str) -> std::result::Result<Vec<u64>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        match hex_token(t) {
            Some(Some(v)) => out.push(v),
            _ => return Err(format!("line {}: not a hex address: {t:?}", i + 1)),
        }
    }
    Ok(out)
}

// ----- parsing -----

/// One frame's lines as the trace gives them.
#[derive(Debug, Clone)]
struct TraceFrame<'t> {
    name: &'t str,
    created_by: bool,
    /// `NAME(...)`: an inlined call, unless followed by an offset or `pc=`.
    dots: bool,
    file: &'t str,
    line: Option<u32>,
    off: Option<u64>,
    pc: Option<u64>,
}

impl TraceFrame<'_> {
    /// Printed as an inlined call.
    fn inlined(&self) -> bool {
        self.dots && !self.created_by && self.off.is_none() && self.pc.is_none()
    }

    /// The runtime's name for the printed one.
    fn func_name(&self) -> &str {
        if self.name == "panic" {
            "runtime.gopanic"
        } else {
            self.name
        }
    }
}

#[derive(Debug, Clone)]
enum Rec<'t> {
    Text(&'t str),
    Goroutine(&'t str, u64),
    Frame(usize, TraceFrame<'t>),
    /// A kept line, then its address (`None`: too large), its kind, and whether it is a
    /// return address (`lr`).
    Addr {
        line_no: usize,
        text: Option<&'t str>,
        value: Option<u64>,
        kind: FrameKind,
        ret: bool,
    },
}

fn parse<'t>(trace: &'t str, problems: &mut Vec<Problem>) -> Vec<Rec<'t>> {
    let lines: Vec<&str> = trace
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    // A final newline ends the last line; it does not start an empty one.
    let n = if trace.ends_with('\n') {
        lines.len().saturating_sub(1)
    } else {
        lines.len()
    };
    let mut recs = Vec::new();
    let mut frames = 0usize;
    let mut i = 0;
    while i < n {
        let Some(&line) = lines.get(i) else { break };
        let line_no = i + 1;
        i += 1;
        if frames >= MAX_TRACE_FRAMES {
            if frames == MAX_TRACE_FRAMES {
                problems.push(Problem::new(
                    "symbolize.too_many_frames",
                    format!(
                        "more than {MAX_TRACE_FRAMES} frames: lines from {line_no} on are kept as they are"
                    ),
                ));
                frames += 1;
            }
            recs.push(Rec::Text(line));
            continue;
        }
        if let Some(f) = function_line(line) {
            if let Some(next) = lines.get(i).filter(|_| i < n) {
                if let Some((file, l, off, pc)) = file_line(next) {
                    i += 1;
                    frames += 1;
                    recs.push(Rec::Frame(
                        line_no,
                        TraceFrame {
                            name: f.0,
                            created_by: f.1,
                            dots: f.2,
                            file,
                            line: l,
                            off,
                            pc,
                        },
                    ));
                    continue;
                }
            }
        }
        if let Some(g) = goroutine_header(line) {
            recs.push(Rec::Goroutine(line, g));
            continue;
        }
        let t = line.trim();
        if let Some(v) = hex_token(t) {
            frames += 1;
            recs.push(Rec::Addr {
                line_no,
                text: None,
                value: v,
                kind: FrameKind::Address,
                ret: false,
            });
            continue;
        }
        if let Some((value, kind, ret)) = address_line(t) {
            frames += 1;
            recs.push(Rec::Addr {
                line_no,
                text: Some(line),
                value,
                kind,
                ret,
            });
            continue;
        }
        recs.push(Rec::Text(line));
    }
    recs
}

/// `NAME(ARGS)` or `created by NAME[ in goroutine N]`: (name, created by, args are `...`).
fn function_line(line: &str) -> Option<(&str, bool, bool)> {
    if let Some(rest) = line.strip_prefix("created by ") {
        let name = match rest.split_once(" in goroutine ") {
            Some((n, g)) if !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => rest,
        };
        return plausible_name(name).then_some((name, true, false));
    }
    let body = line.strip_suffix(')')?;
    // The argument list is the last top-level parenthesis (names have their own:
    // `main.(*T).m`); arguments hold none.
    let open = body.rfind('(')?;
    let (name, args) = (body.get(..open)?, body.get(open + 1..)?);
    if args.contains(')') || !plausible_name(name) {
        return None;
    }
    Some((name, false, args == "..."))
}

fn plausible_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(char::is_whitespace)
        && !name.contains(char::is_whitespace)
        && (name.contains('.') || name == "panic")
}

/// A file line: (file, line, `+0x` offset, `pc=`).
type FileLine<'t> = (&'t str, Option<u32>, Option<u64>, Option<u64>);

/// `\tFILE:LINE[ +0xOFF][ fp=0x… sp=0x… pc=0x…]`.
fn file_line(line: &str) -> Option<FileLine<'_>> {
    if !line.starts_with(char::is_whitespace) {
        return None;
    }
    let mut rest = line.trim();
    let (mut off, mut pc) = (None, None);
    while let Some((head, tok)) = rest.rsplit_once(' ') {
        if let Some(h) = tok.strip_prefix("+0x") {
            off = Some(u64::from_str_radix(h, 16).ok()?);
        } else if let Some(h) = tok.strip_prefix("pc=0x") {
            pc = Some(u64::from_str_radix(h, 16).ok()?);
        } else if !(tok.starts_with("fp=0x") || tok.starts_with("sp=0x")) {
            break;
        }
        rest = head.trim_end();
    }
    let (file, num) = rest.rsplit_once(':')?;
    if file.is_empty() || num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((file, num.parse().ok(), off, pc))
}

/// `goroutine N [status…]:` (also `goroutine N gp=… m=… [status]:`).
fn goroutine_header(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("goroutine ")?;
    if !line.ends_with(':') {
        return None;
    }
    let id = rest.split(' ').next()?;
    id.parse().ok()
}

/// One hex number: `Some(Some(v))`, `Some(None)` when it does not fit 64 bits.
fn hex_token(t: &str) -> Option<Option<u64>> {
    let h = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if h.is_empty() || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(u64::from_str_radix(h, 16).ok())
}

/// The hex number at the start of `s` after `0x`.
fn hex_prefix(s: &str) -> Option<Option<u64>> {
    let h = s.strip_prefix("0x")?;
    let end = h.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(h.len());
    hex_token(h.get(..end)?)
}

/// A line that names one PC: (value, kind, is a return address).
fn address_line(t: &str) -> Option<(Option<u64>, FrameKind, bool)> {
    if t.starts_with("[signal ") {
        let at = t.find(" pc=")?;
        let v = hex_prefix(t.get(at + 4..)?)?;
        return Some((v, FrameKind::Signal, false));
    }
    if let Some(rest) = t.strip_prefix("PC=") {
        return Some((hex_prefix(rest)?, FrameKind::Signal, false));
    }
    if let Some(rest) = t.strip_prefix("non-Go function at pc=") {
        return Some((hex_prefix(rest)?, FrameKind::NonGo, true));
    }
    let mut w = t.split_whitespace();
    let (reg, val, more) = (w.next()?, w.next()?, w.next());
    if more.is_none() && matches!(reg, "rip" | "eip" | "pc" | "lr") && val.starts_with("0x") {
        return Some((hex_token(val)?, FrameKind::Register, reg == "lr"));
    }
    None
}

/// The name as the runtime prints it: generic type arguments as `[...]`
/// (`funcNamePiecesForPrint`).
fn print_name(name: &str) -> Cow<'_, str> {
    if !name.contains('[') {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '[' => {
                if depth == 0 {
                    out.push_str("[...");
                }
                depth += 1;
            }
            ']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push(']');
                }
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    Cow::Owned(out)
}

// ----- resolution -----

/// Functions by printed name, built on first use.
struct Names<'p, 'a> {
    tab: &'p Pclntab<'a>,
    map: Option<HashMap<String, Vec<(u64, u64)>>>,
}

impl<'p, 'a> Names<'p, 'a> {
    fn new(tab: &'p Pclntab<'a>) -> Self {
        Names { tab, map: None }
    }

    /// The entry of the function printed as `name` whose range holds `entry + off` (one
    /// function, or all candidates at one entry).
    fn entry(&mut self, name: &str, off: u64) -> Option<u64> {
        let tab = self.tab;
        let map = self.map.get_or_insert_with(|| {
            let mut m: HashMap<String, Vec<(u64, u64)>> = HashMap::new();
            for f in tab.funcs().flatten() {
                m.entry(print_name(&f.name_str()).into_owned())
                    .or_default()
                    .push((f.entry, f.end));
            }
            m
        });
        let mut found = None;
        for &(entry, end) in map.get(print_name(name).as_ref())? {
            let inside = entry
                .checked_add(off)
                .is_some_and(|pc| pc < end || pc == entry);
            if !inside {
                continue;
            }
            match found {
                None => found = Some(entry),
                Some(e) if e == entry => {}
                // Two functions print the same (generic shapes) and both could hold it.
                Some(_) => return None,
            }
        }
        found
    }
}

/// The load base the trace implies: `pc - (entry + off)` of the first frame that has both.
fn infer_base(recs: &[Rec<'_>], names: &mut Names<'_, '_>) -> Option<u64> {
    for r in recs {
        let Rec::Frame(_, f) = r else { continue };
        let (Some(pc), false) = (f.pc, f.inlined()) else {
            continue;
        };
        let off = f.off.unwrap_or(0);
        if let Some(entry) = names.entry(f.func_name(), off) {
            return Some(pc.wrapping_sub(entry.wrapping_add(off)));
        }
    }
    None
}

struct Resolver<'p, 'a, 'i, 't> {
    tab: &'p Pclntab<'a>,
    image: &'i Image<'a>,
    names: Names<'p, 'a>,
    base: u64,
    base_known: bool,
    frames: Vec<SymFrame>,
    items: Vec<Item<'t>>,
    problems: Vec<Problem>,
    /// The link-time PC of the last `[signal … pc=]` / `PC=` line.
    signal_pc: Option<u64>,
    /// The previous frame was an injected call (`runtime.sigpanic`, …): the next one was
    /// interrupted.
    trap_next: bool,
    mismatches: usize,
}

/// A frame's PC, how to look it up, and what the input said.
struct Want<'r, 't> {
    input_line: usize,
    kind: FrameKind,
    goroutine: Option<u64>,
    address: Option<u64>,
    pc: Option<u64>,
    /// Look up `pc - 1` (a return address), unless at the entry.
    ret: bool,
    trace: Option<(&'r TraceFrame<'t>, Vec<&'r TraceFrame<'t>>)>,
}

impl<'t> Resolver<'_, '_, '_, 't> {
    fn run(&mut self, recs: &[Rec<'t>]) {
        let mut goroutine = None;
        let mut i = 0;
        while let Some(r) = recs.get(i) {
            i += 1;
            match r {
                Rec::Text(t) => self.items.push(Item::Text(t)),
                Rec::Goroutine(t, g) => {
                    goroutine = Some(*g);
                    self.trap_next = false;
                    self.items.push(Item::Text(t));
                }
                Rec::Addr {
                    line_no,
                    text,
                    value,
                    kind,
                    ret,
                } => {
                    if let Some(t) = text {
                        self.items.push(Item::Text(t));
                    }
                    let pc = value.map(|v| v.wrapping_sub(self.base));
                    if *kind == FrameKind::Signal {
                        self.signal_pc = pc;
                    }
                    self.add(Want {
                        input_line: *line_no,
                        kind: *kind,
                        goroutine: goroutine.filter(|_| *kind != FrameKind::Address),
                        address: *value,
                        pc,
                        ret: *ret,
                        trace: None,
                    });
                }
                Rec::Frame(..) => {
                    // A run of inlined calls, then the frame they were inlined into.
                    let start = i - 1;
                    let mut end = start;
                    while let Some(Rec::Frame(_, f)) = recs.get(end) {
                        end += 1;
                        if !f.inlined() {
                            break;
                        }
                    }
                    i = end;
                    self.trace_frames(recs.get(start..end).unwrap_or_default(), goroutine);
                }
            }
        }
    }

    /// `group`: inlined calls (perhaps none), then the physical frame (or, at the end of a
    /// block, only inlined calls: the last one is taken as a frame at its function's entry).
    fn trace_frames<'r>(&mut self, group: &'r [Rec<'t>], goroutine: Option<u64>) {
        let Some(Rec::Frame(line_no, last)) = group.last() else {
            return;
        };
        // Borrow the TraceFrames of the group as a slice of their own.
        let inlined: Vec<&'r TraceFrame<'t>> = group
            .iter()
            .take(group.len().saturating_sub(1))
            .filter_map(|r| match r {
                Rec::Frame(_, f) => Some(f),
                _ => None,
            })
            .collect();
        let off = last.off.unwrap_or(0);
        let by_name = self.names.entry(last.func_name(), off);
        let address = last.pc;
        let pc = match (by_name, address) {
            (Some(e), _) => Some(e.wrapping_add(off)),
            (None, Some(a)) => Some(a.wrapping_sub(self.base)),
            (None, None) => None,
        };
        if let (Some(p), Some(a), true) = (pc, address, self.base_known) {
            if a.wrapping_sub(self.base) != p {
                self.problems.push(Problem::new(
                    "symbolize.pc_mismatch",
                    format!(
                        "line {line_no}: pc={a:#x} minus the load base {:#x} is not {} +{off:#x} ({p:#x})",
                        self.base,
                        last.name
                    ),
                ));
            }
        }
        let trap = std::mem::take(&mut self.trap_next)
            || (pc.is_some() && pc == self.signal_pc)
            || (!self.base_known
                && self.signal_pc.is_some_and(|s| {
                    pc.is_some_and(|p| s.wrapping_sub(p) % 0x1000 == 0 && s >= p)
                }));
        let name = last.func_name();
        if matches!(
            name,
            "runtime.sigpanic" | "runtime.asyncPreempt" | "runtime.debugCallV2"
        ) {
            self.trap_next = true;
        }
        self.add(Want {
            input_line: *line_no,
            kind: if last.created_by {
                FrameKind::CreatedBy
            } else {
                FrameKind::Frame
            },
            goroutine,
            address,
            pc,
            ret: !trap,
            trace: Some((last, inlined)),
        });
    }

    fn add(&mut self, w: Want<'_, 't>) {
        let mut f = SymFrame {
            input_line: w.input_line,
            kind: w.kind,
            goroutine: w.goroutine,
            address: w.address,
            pc: w.pc,
            lookup_pc: None,
            function: None,
            entry: None,
            file: None,
            line: None,
            inlined: Vec::new(),
            trace_function: None,
            trace_file: None,
            trace_line: None,
            matches_trace: None,
        };
        if let Some(pc) = w.pc {
            self.lookup(&mut f, pc, w.ret);
        }
        if let Some((t, inl)) = w.trace {
            f.trace_function = Some(t.func_name().to_string());
            f.trace_file = Some(t.file.to_string());
            f.trace_line = t.line;
            let ok = self.matches(&f, t, &inl);
            if !ok {
                self.mismatches += 1;
            }
            f.matches_trace = Some(ok);
        }
        self.items.push(Item::Frame(self.frames.len()));
        self.frames.push(f);
    }

    fn lookup(&self, f: &mut SymFrame, pc: u64, ret: bool) {
        let tab = self.tab;
        let Some(func) = tab.find_func(pc).and_then(|i| tab.func(i).ok()) else {
            f.lookup_pc = Some(pc);
            return;
        };
        let at = if ret && pc > func.entry { pc - 1 } else { pc };
        // `pc - 1` is in the same function (pc > entry).
        f.lookup_pc = Some(at);
        f.function = Some(func.name_str().into_owned());
        f.entry = Some(func.entry);
        let chain = inline::frames(tab, self.image, &func, at).unwrap_or_default();
        let (phys, calls) = match chain.split_last() {
            Some((p, c)) => (Some(p), c),
            None => (None, &[][..]),
        };
        match phys {
            Some(p) => {
                f.file = Some(p.file.clone());
                f.line = Some(p.line);
            }
            None => {
                if let Ok((file, line)) = tab.file_line(&func, at) {
                    f.file = Some(file);
                    f.line = Some(line);
                }
            }
        }
        f.inlined = calls
            .iter()
            .map(|c| InlinedCall {
                function: c.name.clone(),
                file: c.file.clone(),
                line: c.line,
            })
            .collect();
    }

    /// The binary says what the trace printed: the physical function and its position, and
    /// the inlined calls and theirs.
    fn matches(&self, f: &SymFrame, t: &TraceFrame<'_>, inl: &[&TraceFrame<'_>]) -> bool {
        let same = |name: &str, file: &str, line: u32, tf: &TraceFrame<'_>| {
            print_name(name) == print_name(tf.func_name())
                && file == tf.file
                && tf.line.is_none_or(|l| l == line)
        };
        let Some(func) = &f.function else {
            return false;
        };
        if t.created_by {
            // `created by` prints the physical name and the innermost position.
            return f
                .innermost()
                .is_some_and(|(file, line)| same(func, file, line, t));
        }
        let phys_ok = match (&f.file, f.line) {
            (Some(file), Some(line)) => same(func, file, line, t),
            _ => false,
        };
        phys_ok
            && f.inlined.len() == inl.len()
            && f.inlined
                .iter()
                .zip(inl)
                .all(|(c, tf)| same(&c.function, &c.file, c.line, tf))
    }
}

// ----- JSON -----

/// One entry of the `files` array of `goelf symbolize --json`.
#[derive(Debug, Clone, Serialize)]
pub struct SymbolizeFile {
    /// The binary, as given.
    pub path: String,
    /// The binary could be read and has a pclntab.
    pub ok: bool,
    /// Why not.
    pub error: Option<String>,
    /// The trace, as given (`-` for standard input).
    pub trace: String,
    /// The binary is position-independent.
    pub pie: bool,
    /// The load base used for runtime addresses.
    pub base: Option<u64>,
    /// Where it came from.
    pub base_source: Option<BaseSource>,
    /// Every PC of the trace, in input order.
    pub frames: Vec<SymFrame>,
    /// What was noted.
    pub problems: Vec<Problem>,
}

impl SymbolizeFile {
    /// The entry of a symbolized trace.
    pub fn new(path: &str, trace: &str, report: SymbolizeReport<'_>) -> Self {
        SymbolizeFile {
            path: path.to_string(),
            ok: true,
            error: None,
            trace: trace.to_string(),
            pie: report.pie,
            base: report.base,
            base_source: report.base_source,
            frames: report.frames,
            problems: report.problems,
        }
    }

    /// The entry of a binary that could not be used.
    pub fn failed(path: &str, trace: &str, error: String) -> Self {
        SymbolizeFile {
            path: path.to_string(),
            ok: false,
            error: Some(error),
            trace: trace.to_string(),
            pie: false,
            base: None,
            base_source: None,
            frames: Vec::new(),
            problems: Vec::new(),
        }
    }
}

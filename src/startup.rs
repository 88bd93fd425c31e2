//! `goelf startup`: the path from `execve` to `main.main` for one ELF binary, step by step,
//! each step with the address of the code that runs there (link-time, before any PIE base)
//! and the evidence in the file. Nothing is executed: the timeline is read from the program
//! headers, the dynamic section, the relocations, the symbol tables and the pclntab.
//!
//! The phases, in execution order (docs/FORMATS.md §12 has the sources):
//! 1. `kernel`: Linux `fs/binfmt_elf.c` `load_elf_binary` maps each PT_LOAD (start rounded
//!    down and end rounded up to the page; bytes past `p_filesz` zero-filled, whole pages of
//!    them anonymous), honours PT_GNU_STACK, maps PT_INTERP's loader if there is one and
//!    starts it, else jumps to `e_entry`;
//! 2. `loader` (PT_INTERP only): glibc `elf/rtld.c` `dl_main` loads DT_NEEDED, relocates
//!    (counts from the `reloc-cost` model), re-protects PT_GNU_RELRO (`_dl_protect_relro`),
//!    runs the executable's DT_PREINIT_ARRAY (`elf/dl-init.c` `_dl_init`) and jumps to
//!    `e_entry`;
//! 3. `entry`: internally linked, `e_entry` is Go's `_rt0_<arch>_linux`
//!    (`src/runtime/rt0_linux_*.s`), which jumps to `_rt0_<arch>` and `runtime.rt0_go`;
//!    externally linked (cgo), it is the C `_start`, which calls `__libc_start_main`, which
//!    runs DT_INIT and DT_INIT_ARRAY (`csu/libc-start.c` `call_init`; phase `constructor`)
//!    and calls `main`, Go's `TEXT main` (`asm_*.s`), which jumps to `runtime.rt0_go`;
//! 4. `runtime`: `runtime.rt0_go` (`src/runtime/asm_*.s`) calls `_cgo_init` (cgo),
//!    `runtime.check`, `runtime.args`, (`runtime.checkgoarm` on arm), `runtime.osinit`,
//!    `runtime.schedinit`, `runtime.newproc` (the main goroutine, `runtime.mainPC`) and
//!    `runtime.mstart`, which schedules it: `runtime.main` (`src/runtime/proc.go`);
//! 5. `init`: `runtime.main` runs the runtime's own init tasks, then the package init tasks
//!    in the order [`crate::init_order()`] finds; 6. `main`: `main.main`.
//!
//! A step is listed only when the binary has its function (looked up in the pclntab, or for
//! C code in `.symtab`/`.dynsym`); a missing one is a problem, not a guess.
//! [`gdb_script`] turns a report into a gdb command file that stops at every step's address
//! in turn, so that the timeline can be confirmed on a machine that runs the binary.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use object::elf::{PF_R, PF_W, PF_X, PT_GNU_RELRO, PT_GNU_STACK, PT_LOAD, PT_TLS};
use serde::{Deserialize, Serialize};

use crate::elf::{ElfFile, ElfReport, InitKind};
use crate::error::{Error, Problem};
use crate::go::{GoBinary, GoPart};
use crate::image::{Arch, Image, SymbolKind};
use crate::init_order::{init_order_go, InitOrderFile, Options as InitOptions};
use crate::reloc::cost::{analyze_elf, CostModel, RelocCostFile};
use crate::symbolize::{Source, Symbolizer};

pub mod measure;

/// The page size mappings are rounded to (4 KiB: x86 and the usual arm/arm64 kernels; an
/// arm64 kernel with 16 or 64 KiB pages rounds to its own page).
pub const PAGE: u64 = 4096;

/// The phase a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// `execve` in the kernel: mappings, stack, interpreter.
    Kernel,
    /// The dynamic loader (PT_INTERP).
    Loader,
    /// ELF constructors (DT_PREINIT_ARRAY, DT_INIT, DT_INIT_ARRAY).
    Constructor,
    /// `e_entry` and the code that hands over to the Go runtime.
    Entry,
    /// The Go runtime's bootstrap, up to `runtime.main`.
    Runtime,
    /// Package initialisation.
    Init,
    /// `main.main`.
    Main,
}

impl Phase {
    /// The name as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Kernel => "kernel",
            Phase::Loader => "loader",
            Phase::Constructor => "constructor",
            Phase::Entry => "entry",
            Phase::Runtime => "runtime",
            Phase::Init => "init",
            Phase::Main => "main",
        }
    }
}

/// How `e_entry` reaches the Go runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Linking {
    /// Go's linker: `e_entry` is `_rt0_<arch>_linux`.
    Internal,
    /// An external linker (cgo): `e_entry` is the C start code.
    External,
}

/// One step of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Position in execution order, from 0.
    pub index: usize,
    /// Its phase.
    pub phase: Phase,
    /// What happens.
    pub what: String,
    /// The function that runs (`name` or `name+0xoff`), when code of this file or an
    /// imported function runs.
    pub symbol: Option<String>,
    /// Link-time address of the code that runs (add the load base for PIE); null for a step
    /// the kernel or the loader does, and for imported code.
    pub address: Option<u64>,
    /// The code is in another object (e.g. `__libc_start_main` in libc): `symbol` is the
    /// name imported, `address` is null.
    pub imported: bool,
    /// Where in the file this comes from.
    pub evidence: String,
}

/// What backs a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backing {
    /// Pages of the file (private, copy-on-write).
    File,
    /// Zero-filled anonymous pages (the `.bss` tail past the file's bytes).
    Anonymous,
}

/// One mapping of the executable, as a line of `/proc/PID/maps` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// Index of the PT_LOAD program header it comes from.
    pub segment: u32,
    /// First byte (page-aligned, link-time).
    pub start: u64,
    /// One past the last byte (page-aligned, link-time).
    pub end: u64,
    /// Permissions as `/proc/PID/maps` prints them (`r-xp`).
    pub perms: String,
    /// File offset of `start` (0 for anonymous pages).
    pub offset: u64,
    /// File pages or zero-filled anonymous pages.
    pub backing: Backing,
}

/// The `startup` report of one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartupFile {
    /// The path as given.
    pub path: String,
    /// False when no timeline could be made.
    pub ok: bool,
    /// Why not (in JSON: its message).
    pub error: Option<StartupError>,
    /// Architecture (`x86_64`, `aarch64`, `i386`, `arm`, …).
    pub arch: Option<String>,
    /// Go release, when known.
    pub go_version: Option<String>,
    /// `e_entry`.
    pub entry: Option<u64>,
    /// Position-independent: the kernel or loader picks the base (randomised unless address
    /// randomisation is off, as under gdb).
    pub pie: bool,
    /// PT_INTERP: the dynamic loader that runs first; null when static.
    pub interp: Option<String>,
    /// How `e_entry` reaches the Go runtime; null when it could not be told.
    pub linking: Option<Linking>,
    /// The table Go functions were named from (`pclntab`, `symtab`), null when none.
    pub function_table: Option<String>,
    /// The executable's mappings as the kernel makes them (link-time addresses).
    pub mappings: Vec<Mapping>,
    /// The same when `e_entry` runs, as `/proc/PID/maps` lists them: after the loader made
    /// PT_GNU_RELRO read-only, adjacent mappings the kernel keeps as one merged.
    pub mappings_at_entry: Vec<Mapping>,
    /// The steps, in execution order.
    pub steps: Vec<Step>,
    /// Findings that did not stop the analysis (a step whose function is missing, …).
    pub problems: Vec<Problem>,
    /// `--measure`: how long the steps took on this machine; null when not asked or not
    /// measured (then `measured_reason` says why).
    #[serde(default)]
    pub measured: Option<measure::StartupMeasurement>,
    /// Why `--measure` gave no measurement; null otherwise.
    #[serde(default)]
    pub measured_reason: Option<String>,
}

impl StartupFile {
    fn new(path: &str) -> Self {
        StartupFile {
            path: path.to_string(),
            ok: true,
            error: None,
            arch: None,
            go_version: None,
            entry: None,
            pie: false,
            interp: None,
            linking: None,
            function_table: None,
            mappings: Vec::new(),
            mappings_at_entry: Vec::new(),
            steps: Vec::new(),
            problems: Vec::new(),
            measured: None,
            measured_reason: None,
        }
    }

    /// A report for a file that could not be analysed.
    pub fn failed(path: &str, error: StartupError) -> Self {
        StartupFile {
            ok: false,
            error: Some(error),
            ..StartupFile::new(path)
        }
    }
}

/// Why a file has no timeline. Serialised as its message; [`StartupError::code`] gives a
/// stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartupError {
    /// The file could not be opened or read.
    Open(String),
    /// The container could not be parsed.
    Container(Error),
    /// Not an ELF file (`startup` follows the Linux ELF loader).
    NotElf(&'static str),
    /// A shared library (ET_DYN, not a PIE): no `execve` start-up; its Go runtime starts from
    /// its DT_INIT_ARRAY when it is loaded.
    SharedLibrary,
    /// No pclntab: not a Go binary, or one too damaged to name its functions.
    NoPclntab(Error),
    /// Only the message is known (a report read back from JSON).
    Other(String),
}

impl StartupError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            StartupError::Open(_) => "open",
            StartupError::Container(e) => e.code(),
            StartupError::NotElf(_) => "startup.not_elf",
            StartupError::SharedLibrary => "startup.shared_library",
            StartupError::NoPclntab(_) => "startup.no_pclntab",
            StartupError::Other(_) => "other",
        }
    }
}

impl std::fmt::Display for StartupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartupError::Open(m) | StartupError::Other(m) => f.write_str(m),
            StartupError::Container(e) => write!(f, "{e}"),
            StartupError::NotElf(format) => write!(
                f,
                "a {format} file: startup follows the Linux ELF loader and reads ELF files only"
            ),
            StartupError::SharedLibrary => f.write_str(
                "a shared library (ET_DYN, not a PIE): it is loaded, not executed, so it has no \
                 start-up from execve",
            ),
            StartupError::NoPclntab(e) => {
                write!(f, "no Go function table (pclntab), so no Go start-up: {e}")
            }
        }
    }
}

impl std::error::Error for StartupError {}

impl Serialize for StartupError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for StartupError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(StartupError::Other)
    }
}

/// The `startup` report of one binary. Never panics; a file that cannot be analysed gets
/// `ok: false` and [`StartupFile::error`].
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let data = std::fs::read("testdata/example/hello")?;
/// let report = goelf::startup::startup("hello", &data);
/// for s in &report.steps {
///     println!("{:>3} {:<11} {:?} {}", s.index, s.phase.name(), s.address, s.what);
/// }
/// # Ok(())
/// # }
/// ```
pub fn startup(path: &str, data: &[u8]) -> StartupFile {
    match Image::parse(data) {
        Ok(image) => startup_go(path, &GoBinary::new(image)),
        Err(e) => StartupFile::failed(path, StartupError::Container(e)),
    }
}

/// [`startup()`] over a Go session the caller already holds.
pub fn startup_go(path: &str, go: &GoBinary<'_>) -> StartupFile {
    let image = go.image();
    let Some(file) = image.elf() else {
        return StartupFile::failed(path, StartupError::NotElf(image.format().name()));
    };
    let mut rep = StartupFile::new(path);
    let mut problems = Vec::new();
    let (elf, relocs) = crate::elf::analyze_file(file, Some(image), true, &mut problems);
    if file.header().e_type == object::elf::ET_DYN && !elf.hardening.pie {
        return StartupFile::failed(path, StartupError::SharedLibrary);
    }
    let arch = image.arch().arch;
    rep.arch = Some(arch.name().to_string());
    rep.entry = Some(file.header().e_entry);
    rep.pie = elf.hardening.pie;
    rep.interp = elf.interp.clone();
    rep.go_version = go.version_text().map(|(v, _)| v.to_string());

    let pclntab = match go.pclntab() {
        Ok(p) => Some(p),
        Err(e) => {
            rep.ok = false;
            rep.error = Some(StartupError::NoPclntab(e.clone()));
            None
        }
    };
    problems.extend_from_slice(go.problems(GoPart::Pclntab));
    let gosym = Symbolizer::new(image, pclntab, &[Source::Pclntab, Source::Symtab]);
    let csym = Symbolizer::new(image, None, &[Source::Symtab, Source::Dynsym]);
    rep.function_table = gosym.source().map(|s| {
        match s {
            Source::Pclntab => "pclntab",
            Source::Symtab => "symtab",
            Source::Dynsym => "dynsym",
        }
        .to_string()
    });

    // The init order (without decoding code: only the lists are needed).
    let init = pclntab.map(|_| {
        init_order_go(
            path,
            go,
            &InitOptions {
                no_observed: true,
                ..Default::default()
            },
        )
    });

    let mut wanted: HashSet<&str> = HashSet::new();
    wanted.extend(RUNTIME_CHAIN.iter().map(|(n, _)| *n));
    wanted.extend(rt0_names(arch).iter().copied());
    wanted.extend(["main", "main.main", "runtime.checkgoarm"]);
    if let Some(init) = &init {
        wanted.extend(
            init.packages
                .iter()
                .filter_map(|p| p.functions.first())
                .map(String::as_str),
        );
    }
    let mut by_name: HashMap<String, u64> = HashMap::new();
    for f in gosym.functions() {
        if wanted.contains(f.name.as_str()) && !by_name.contains_key(&f.name) {
            by_name.insert(f.name, f.entry);
        }
    }

    let mut b = Builder {
        steps: Vec::new(),
        problems: &mut problems,
        image,
        gosym: &gosym,
        csym: &csym,
        by_name: &by_name,
    };
    kernel(&mut b, file, &elf, &mut rep);
    let reloc = analyze_elf(
        path,
        file,
        &elf,
        relocs.unwrap_or_default(),
        &CostModel::default(),
        Vec::new(),
    );
    if rep.interp.is_some() {
        loader(&mut b, file, &elf, &reloc);
    }
    if pclntab.is_some() {
        rep.linking = entry(&mut b, file, &elf, arch);
        runtime(&mut b, arch, rep.linking);
        if let Some(init) = &init {
            inits(&mut b, init);
        }
        b.go_step(
            Phase::Main,
            "main.main",
            "the program",
            "runtime.main calls main_main",
        );
    }
    rep.steps = b.steps;
    for (i, s) in rep.steps.iter_mut().enumerate() {
        s.index = i;
    }
    if let Some(init) = init.filter(|i| !i.ok) {
        problems.push(Problem::new(
            "startup.init_order",
            format!(
                "package init order unknown: {}",
                init.error
                    .as_ref()
                    .map_or_else(|| "failed".to_string(), ToString::to_string)
            ),
        ));
    }
    rep.problems = problems;
    rep
}

/// The functions `runtime.rt0_go` calls in order (`src/runtime/asm_*.s`) and what each does.
const RUNTIME_CHAIN: &[(&str, &str)] = &[
    (
        "runtime.rt0_go",
        "set up g0's stack and TLS, then bootstrap",
    ),
    (
        "runtime.check",
        "sanity-check the compiler's type sizes and atomics",
    ),
    ("runtime.args", "save argc/argv, read the auxiliary vector"),
    (
        "runtime.checkgoarm",
        "check the GOARM level against the CPU (arm)",
    ),
    ("runtime.osinit", "CPU count, physical page size"),
    (
        "runtime.schedinit",
        "scheduler, memory allocator, GC, environment, GOMAXPROCS",
    ),
    (
        "runtime.newproc",
        "create the main goroutine (runtime.mainPC = runtime.main)",
    ),
    ("runtime.mstart", "start m0 running the scheduler"),
    (
        "runtime.main",
        "the main goroutine: sysmon, init tasks, then main.main",
    ),
];

/// `e_entry` and what it jumps to for an internally linked binary
/// (`src/runtime/rt0_linux_<arch>.s`, `asm_<arch>.s`).
fn rt0_names(arch: Arch) -> &'static [&'static str] {
    match arch {
        Arch::X86_64 => &["_rt0_amd64_linux", "_rt0_amd64"],
        Arch::Aarch64 => &["_rt0_arm64_linux", "_rt0_arm64"],
        Arch::I386 => &["_rt0_386_linux", "_rt0_386"],
        Arch::Arm => &["_rt0_arm_linux", "_rt0_arm_linux1"],
        _ => &[],
    }
}

struct Builder<'b, 'p, 'a> {
    steps: Vec<Step>,
    problems: &'b mut Vec<Problem>,
    image: &'b Image<'a>,
    gosym: &'b Symbolizer<'p, 'a>,
    csym: &'b Symbolizer<'b, 'a>,
    by_name: &'b HashMap<String, u64>,
}

impl Builder<'_, '_, '_> {
    fn push(&mut self, phase: Phase, what: String, evidence: String) {
        self.steps.push(Step {
            index: 0,
            phase,
            what,
            symbol: None,
            address: None,
            imported: false,
            evidence,
        });
    }

    fn code(&mut self, phase: Phase, what: String, address: u64, evidence: String) {
        let symbol = self.name_at(address);
        self.steps.push(Step {
            index: 0,
            phase,
            what,
            symbol,
            address: Some(address),
            imported: false,
            evidence,
        });
    }

    /// A step at the Go function `name`, or a problem when the binary has none.
    fn go_step(&mut self, phase: Phase, name: &str, what: &str, evidence: &str) -> bool {
        match self.by_name.get(name) {
            Some(&addr) => {
                self.steps.push(Step {
                    index: 0,
                    phase,
                    what: what.to_string(),
                    symbol: Some(name.to_string()),
                    address: Some(addr),
                    imported: false,
                    evidence: evidence.to_string(),
                });
                true
            }
            None => {
                self.problems.push(Problem::new(
                    "startup.missing_function",
                    format!("{name} is not in the function table: its step is left out"),
                ));
                false
            }
        }
    }

    /// `name` or `name+0xoff` of the function at `addr`: the pclntab for Go code, the
    /// symbol tables for C code.
    fn name_at(&self, addr: u64) -> Option<String> {
        let f = self.gosym.lookup(addr).or_else(|| self.csym.lookup(addr))?;
        Some(if f.entry == addr {
            f.name
        } else {
            format!("{}+{:#x}", f.name, addr.wrapping_sub(f.entry))
        })
    }

    /// A defined C function symbol.
    fn c_symbol(&self, name: &str) -> Option<u64> {
        self.image
            .symbols()
            .iter()
            .find(|s| s.kind == SymbolKind::Text && s.name == name.as_bytes() && s.vaddr != 0)
            .map(|s| s.vaddr)
    }

    /// `name` appears in the dynamic string table (an import, when not defined).
    fn in_dynstr(&self, name: &str) -> bool {
        let Some(s) = self.image.section(".dynstr") else {
            return false;
        };
        let Ok(bytes) = self.image.read_vaddr(".dynstr", s.vaddr, s.size) else {
            return false;
        };
        bytes.split(|&b| b == 0).any(|w| w == name.as_bytes())
    }
}

fn perms(flags: object::elf::ProgramFlags, private: bool) -> String {
    let mut s = String::with_capacity(4);
    s.push(if flags.contains(PF_R) { 'r' } else { '-' });
    s.push(if flags.contains(PF_W) { 'w' } else { '-' });
    s.push(if flags.contains(PF_X) { 'x' } else { '-' });
    s.push(if private { 'p' } else { 's' });
    s
}

fn page_down(v: u64) -> u64 {
    v & !(PAGE - 1)
}

fn page_up(v: u64) -> Option<u64> {
    v.checked_add(PAGE - 1).map(page_down)
}

/// The mappings `load_elf_binary` makes for the PT_LOAD segments: per segment, the file
/// pages `[down(vaddr), up(vaddr + filesz))` and, when `memsz` reaches further, anonymous
/// zero pages up to `up(vaddr + memsz)`.
fn kernel_mappings(file: &ElfFile<'_>, problems: &mut Vec<Problem>) -> Vec<Mapping> {
    let mut out = Vec::new();
    for p in file.segments_of(PT_LOAD) {
        if p.memsz == 0 {
            continue;
        }
        let start = page_down(p.vaddr);
        let (Some(file_end), Some(mem_end)) = (
            p.vaddr.checked_add(p.filesz).and_then(page_up),
            p.vaddr.checked_add(p.memsz).and_then(page_up),
        ) else {
            problems.push(Problem::new(
                "startup.segment_overflow",
                format!("PT_LOAD {}: vaddr + size overflows", p.index),
            ));
            continue;
        };
        let rw = perms(p.p_flags, true);
        if p.filesz > 0 {
            out.push(Mapping {
                segment: p.index,
                start,
                end: file_end,
                perms: rw.clone(),
                offset: page_down(p.offset),
                backing: Backing::File,
            });
        }
        let anon_start = if p.filesz > 0 { file_end } else { start };
        if mem_end > anon_start {
            out.push(Mapping {
                segment: p.index,
                start: anon_start,
                end: mem_end,
                perms: rw,
                offset: 0,
                backing: Backing::Anonymous,
            });
        }
    }
    out
}

/// `_dl_protect_relro`: `[down(relro), down(relro + memsz))` made read-only.
fn relro_pages(file: &ElfFile<'_>) -> Option<(u64, u64)> {
    let r = file.segment(PT_GNU_RELRO)?;
    let start = page_down(r.vaddr);
    let end = page_down(r.vaddr.checked_add(r.memsz)?);
    (end > start).then_some((start, end))
}

/// `maps` with `[lo, hi)` made read-only (split where it cuts a mapping).
fn protect(maps: &[Mapping], lo: u64, hi: u64) -> Vec<Mapping> {
    let mut out = Vec::new();
    for m in maps {
        let cut_lo = m.start.max(lo);
        let cut_hi = m.end.min(hi);
        if cut_lo >= cut_hi {
            out.push(m.clone());
            continue;
        }
        let offset_at = |a: u64| match m.backing {
            Backing::File => m.offset.saturating_add(a - m.start),
            Backing::Anonymous => 0,
        };
        if m.start < cut_lo {
            out.push(Mapping {
                end: cut_lo,
                ..m.clone()
            });
        }
        let mut ro = m.perms.clone().into_bytes();
        if let Some(w) = ro.get_mut(1) {
            *w = b'-';
        }
        out.push(Mapping {
            start: cut_lo,
            end: cut_hi,
            perms: String::from_utf8_lossy(&ro).into_owned(),
            offset: offset_at(cut_lo),
            ..m.clone()
        });
        if cut_hi < m.end {
            out.push(Mapping {
                start: cut_hi,
                offset: offset_at(cut_hi),
                ..m.clone()
            });
        }
    }
    out
}

/// Adjacent mappings the kernel keeps as one, as one line of `/proc/PID/maps` shows them:
/// same permissions, contiguous file offsets (or both anonymous), and the same accounting
/// (Linux `mm/vma.c` merges only equal `vm_flags`; a private mapping made writable at
/// `mmap` carries `VM_ACCOUNT`, so a RELRO page made read-only later does not merge with a
/// segment that was read-only from the start). The line keeps the first segment's index.
fn merge(maps: Vec<Mapping>, writable_at_mmap: impl Fn(&Mapping) -> bool) -> Vec<Mapping> {
    let mut out: Vec<(Mapping, bool)> = Vec::with_capacity(maps.len());
    for m in maps {
        let acct = writable_at_mmap(&m);
        if let Some((prev, prev_acct)) = out.last_mut() {
            let contiguous = prev.end == m.start
                && prev.perms == m.perms
                && prev.backing == m.backing
                && *prev_acct == acct
                && match m.backing {
                    Backing::File => {
                        prev.offset.checked_add(prev.end - prev.start) == Some(m.offset)
                    }
                    Backing::Anonymous => true,
                };
            if contiguous {
                prev.end = m.end;
                continue;
            }
        }
        out.push((m, acct));
    }
    out.into_iter().map(|(m, _)| m).collect()
}

fn kernel(b: &mut Builder<'_, '_, '_>, file: &ElfFile<'_>, elf: &ElfReport, rep: &mut StartupFile) {
    let h = &elf.header;
    let failed: Vec<&str> = elf
        .loader_checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.check.name())
        .collect();
    b.push(
        Phase::Kernel,
        format!(
            "execve: the kernel reads the ELF header ({} {}, {})",
            h.class, h.r#type, h.machine
        ),
        format!(
            "e_entry {:#x}; loader checks: {} of {} pass{}",
            h.entry,
            elf.loader_checks.len() - failed.len(),
            elf.loader_checks.len(),
            if failed.is_empty() {
                String::new()
            } else {
                format!(" (failing: {})", failed.join(", "))
            }
        ),
    );
    rep.mappings = kernel_mappings(file, b.problems);
    let writable: HashSet<u32> = file
        .segments_of(PT_LOAD)
        .filter(|p| p.p_flags.contains(PF_W))
        .map(|p| p.index)
        .collect();
    rep.mappings_at_entry = merge(
        match (rep.interp.is_some(), relro_pages(file)) {
            (true, Some((lo, hi))) => protect(&rep.mappings, lo, hi),
            _ => rep.mappings.clone(),
        },
        |m| writable.contains(&m.segment),
    );
    if rep.pie {
        b.push(
            Phase::Kernel,
            "choose a load base: ET_DYN, randomised (ASLR)".into(),
            "e_type ET_DYN; every address below is link-time, add the base (gdb turns \
             randomisation off)"
                .into(),
        );
    }
    for p in file.segments_of(PT_LOAD) {
        let maps: Vec<&Mapping> = rep
            .mappings
            .iter()
            .filter(|m| m.segment == p.index)
            .collect();
        let mut what = format!("map PT_LOAD[{}]", p.index);
        for m in &maps {
            let _ = write!(
                what,
                "; {:#x}-{:#x} {} {}",
                m.start,
                m.end,
                m.perms,
                match m.backing {
                    Backing::File => format!("file@{:#x}", m.offset),
                    Backing::Anonymous => "zero-filled".into(),
                }
            );
        }
        let tail = p.memsz.saturating_sub(p.filesz);
        b.push(
            Phase::Kernel,
            what,
            format!(
                "p_vaddr {:#x} p_offset {:#x} p_filesz {:#x} p_memsz {:#x}{}",
                p.vaddr,
                p.offset,
                p.filesz,
                p.memsz,
                if tail > 0 {
                    format!(" ({tail:#x} bytes zero-filled: .bss)")
                } else {
                    String::new()
                }
            ),
        );
    }
    match file.segment(PT_GNU_STACK) {
        Some(s) => b.push(
            Phase::Kernel,
            format!(
                "stack {}",
                if s.p_flags.contains(PF_X) {
                    "executable (rwx)"
                } else {
                    "not executable (rw-)"
                }
            ),
            format!("PT_GNU_STACK flags {:#x}", s.p_flags.0),
        ),
        None => b.push(
            Phase::Kernel,
            "stack executable by default (no PT_GNU_STACK)".into(),
            "no PT_GNU_STACK: the kernel's default for the architecture".into(),
        ),
    }
    if let Some(t) = file.segment(PT_TLS) {
        b.push(
            Phase::Kernel,
            format!(
                "thread-local storage template: {:#x} bytes ({:#x} initialised), align {:#x}",
                t.memsz, t.filesz, t.align
            ),
            format!(
                "PT_TLS at {:#x}; set up by {}",
                t.vaddr,
                if rep.interp.is_some() {
                    "the loader"
                } else {
                    "the program itself"
                }
            ),
        );
    }
    match &rep.interp {
        Some(i) => b.push(
            Phase::Kernel,
            format!("map the interpreter {i} and start it (AT_ENTRY = e_entry + base)"),
            "PT_INTERP".into(),
        ),
        None => b.push(
            Phase::Kernel,
            "no interpreter: jump straight to e_entry".into(),
            "no PT_INTERP (static)".into(),
        ),
    }
}

fn loader(b: &mut Builder<'_, '_, '_>, file: &ElfFile<'_>, elf: &ElfReport, reloc: &RelocCostFile) {
    b.push(
        Phase::Loader,
        if elf.dynamic.needed.is_empty() {
            "load no libraries (no DT_NEEDED)".into()
        } else {
            format!("load {}", elf.dynamic.needed.join(", "))
        },
        "DT_NEEDED".into(),
    );
    let c = &reloc.dynamic_relocations;
    b.push(
        Phase::Loader,
        format!(
            "apply {} relocations ({} relative, {} with a symbol lookup{}), dirtying {} pages \
             ({} in RELRO)",
            c.total,
            c.relative,
            c.symbolic.saturating_sub(c.lazy),
            if c.lazy > 0 {
                format!(", {} PLT slots bound lazily", c.lazy)
            } else {
                String::new()
            },
            reloc.pages_dirtied,
            reloc.relro_pages
        ),
        format!(
            "{}; estimated {} µs (reloc-cost model)",
            reloc
                .tables
                .iter()
                .map(|t| format!("{} {}", t.kind.name(), t.count))
                .collect::<Vec<_>>()
                .join(", "),
            reloc.estimated_load_us
        ),
    );
    b.push(
        Phase::Loader,
        if elf.dynamic.bind_now {
            "bind every symbol now (BIND_NOW)".into()
        } else {
            "bind PLT symbols lazily, at the first call".into()
        },
        "DT_BIND_NOW / DF_BIND_NOW / DF_1_NOW".into(),
    );
    if let Some(r) = file.segment(PT_GNU_RELRO) {
        let lo = page_down(r.vaddr);
        let hi = page_down(r.vaddr.saturating_add(r.memsz));
        b.push(
            Phase::Loader,
            format!("make RELRO read-only: mprotect {lo:#x}-{hi:#x}"),
            format!(
                "PT_GNU_RELRO {:#x}+{:#x}, rounded down to pages at both ends",
                r.vaddr, r.memsz
            ),
        );
    }
    for e in elf
        .init_array
        .iter()
        .filter(|e| e.kind == InitKind::PreinitArray)
    {
        b.code(
            Phase::Constructor,
            "run a DT_PREINIT_ARRAY constructor (the loader's _dl_init)".into(),
            e.target,
            format!("slot {:#x}", e.address),
        );
    }
    b.push(
        Phase::Loader,
        "jump to the executable's e_entry".into(),
        format!("e_entry {:#x}", elf.header.entry),
    );
}

fn entry(
    b: &mut Builder<'_, '_, '_>,
    file: &ElfFile<'_>,
    elf: &ElfReport,
    arch: Arch,
) -> Option<Linking> {
    let e = file.header().e_entry;
    let rt0 = rt0_names(arch);
    let name = b.name_at(e);
    if let Some(pos) = rt0.iter().position(|n| name.as_deref() == Some(*n)) {
        b.code(
            Phase::Entry,
            "e_entry: Go's entry for the OS and architecture".into(),
            e,
            format!("e_entry {e:#x} (src/runtime/rt0_linux_*.s)"),
        );
        // The intermediate entries differ by Go release (Go 1.14's arm64 entry calls
        // `main`): list those present, claim none that is not.
        for n in rt0
            .iter()
            .skip(pos + 1)
            .filter(|n| b.by_name.contains_key(**n))
        {
            b.go_step(
                Phase::Entry,
                n,
                "architecture entry: argc/argv to rt0_go",
                "src/runtime/asm_*.s or rt0_linux_*.s",
            );
        }
        return Some(Linking::Internal);
    }
    if let Some(n) = name.as_deref().filter(|n| n.starts_with("_rt0_")) {
        // Another architecture's rt0 (mips, s390x, …): its own chain is not modelled; it
        // reaches runtime.rt0_go all the same.
        b.code(
            Phase::Entry,
            "e_entry: Go's entry for the OS and architecture".into(),
            e,
            format!("e_entry {e:#x} ({n}; src/runtime/rt0_linux_*.s)"),
        );
        return Some(Linking::Internal);
    }
    if name.as_deref().is_some_and(|n| n.starts_with("runtime.")) {
        b.code(
            Phase::Entry,
            "e_entry (a Go function goelf does not know as an entry)".into(),
            e,
            format!("e_entry {e:#x}"),
        );
        b.problems.push(Problem::new(
            "startup.unknown_entry",
            format!(
                "e_entry {e:#x} is {}, not a known rt0 entry",
                name.unwrap_or_default()
            ),
        ));
        return None;
    }
    // Externally linked: the C library's start code.
    b.code(
        Phase::Entry,
        "e_entry: the C start code (crt1.o) of an external link".into(),
        e,
        format!("e_entry {e:#x}, not a Go function (not in the pclntab)"),
    );
    let static_glibc = elf.interp.is_none();
    match b.c_symbol("__libc_start_main") {
        Some(a) => b.code(
            Phase::Entry,
            "the C library's start-up".into(),
            a,
            "defined in .symtab (static C library)".into(),
        ),
        None if b.in_dynstr("__libc_start_main") => b.steps.push(Step {
            index: 0,
            phase: Phase::Entry,
            what: "the C library's start-up".into(),
            symbol: Some("__libc_start_main".into()),
            address: None,
            imported: true,
            evidence: format!("imported (.dynstr) from {}", elf.dynamic.needed.join(", ")),
        }),
        None => {}
    }
    for c in &elf.init_array {
        let (what, run) = match c.kind {
            InitKind::PreinitArray if static_glibc => ("a DT_PREINIT_ARRAY constructor", true),
            InitKind::Init => ("DT_INIT (_init)", true),
            InitKind::InitArray => ("a DT_INIT_ARRAY constructor", true),
            _ => ("", false),
        };
        if run {
            b.code(
                Phase::Constructor,
                format!("__libc_start_main runs {what}"),
                c.target,
                if c.kind == InitKind::Init {
                    "DT_INIT".to_string()
                } else {
                    format!("slot {:#x}", c.address)
                },
            );
        }
    }
    match b
        .c_symbol("main")
        .or_else(|| b.by_name.get("main").copied())
    {
        Some(a) => b.code(
            Phase::Entry,
            "Go's C-callable main (TEXT main in asm_*.s), jumps to runtime.rt0_go".into(),
            a,
            "symbol main".into(),
        ),
        None => b.problems.push(Problem::new(
            "startup.missing_function",
            "no symbol main: its step is left out",
        )),
    }
    Some(Linking::External)
}

fn runtime(b: &mut Builder<'_, '_, '_>, arch: Arch, linking: Option<Linking>) {
    for (i, (name, what)) in RUNTIME_CHAIN.iter().enumerate() {
        if *name == "runtime.checkgoarm" && arch != Arch::Arm {
            continue;
        }
        let ev = if *name == "runtime.main" {
            "runtime.mstart → schedule → execute → gogo (src/runtime/proc.go)"
        } else if i == 0 {
            "the entry code jumps to it (src/runtime/asm_*.s)"
        } else {
            "called from runtime.rt0_go (src/runtime/asm_*.s)"
        };
        b.go_step(Phase::Runtime, name, what, ev);
        if i == 0 && linking == Some(Linking::External) {
            if let Some(a) = b.c_symbol("x_cgo_init") {
                b.code(
                    Phase::Runtime,
                    "_cgo_init: cgo's C set-up (TLS, stack bounds of g0)".into(),
                    a,
                    "runtime.rt0_go calls _cgo_init, which holds x_cgo_init".into(),
                );
            }
        }
    }
}

fn inits(b: &mut Builder<'_, '_, '_>, init: &InitOrderFile) {
    for p in &init.packages {
        let Some(f) = p.functions.first() else {
            continue;
        };
        let list = if p.index < init.runtime_tasks {
            "runtime's own list"
        } else {
            "module list"
        };
        let ev = format!(
            "inittask {}; runs {}",
            p.inittask
                .map_or_else(|| "?".to_string(), |a| format!("{a:#x}")),
            p.functions.join(", ")
        );
        b.go_step(Phase::Init, f, &format!("init {} ({list})", p.package), &ev);
    }
}

/// A gdb command file for `report`: a temporary breakpoint at every step that runs code of
/// the file (its address plus the load base, which the script reads from the auxiliary
/// vector's `AT_ENTRY` when the process starts) or an imported function (by name), in
/// order; each hit prints `goelf-step INDEX SYMBOL PC` and continues, the entry step also
/// prints `info proc mappings` between `goelf-maps-begin` and `goelf-maps-end`. The last
/// stop (normally `main.main`) ends the run.
pub fn gdb_script(report: &StartupFile) -> String {
    let mut s = String::new();
    let entry = report.entry.unwrap_or(0);
    let _ = writeln!(
        s,
        "# goelf startup --gdb: breakpoints at each step of {}\n\
         # run: gdb -nx -batch -x THIS_FILE {}\n\
         set language c\nset pagination off\nset confirm off\nset breakpoint pending on\n\
         set print thread-events off\nset startup-with-shell off\n\
         handle SIGURG SIGPIPE SIGCHLD nostop noprint pass\n\
         starti\n\
         # The load base: AT_ENTRY (auxv type 9) minus e_entry ({entry:#x}).\n\
         set $goelf_p = (unsigned long *) $sp\n\
         set $goelf_p = $goelf_p + 1 + *$goelf_p + 1\n\
         while *$goelf_p != 0\n  set $goelf_p = $goelf_p + 1\nend\n\
         set $goelf_p = $goelf_p + 1\nset $goelf_entry = 0\n\
         while $goelf_p[0] != 0\n  if $goelf_p[0] == 9\n    set $goelf_entry = $goelf_p[1]\n  end\n  set $goelf_p = $goelf_p + 2\nend\n\
         set $goelf_base = $goelf_entry - {entry:#x}\n\
         printf \"goelf-base %#lx\\n\", $goelf_base",
        report.path, report.path
    );
    let mut seen = HashSet::new();
    let last = report
        .steps
        .iter()
        .rposition(|st| st.address.is_some() || st.imported);
    for st in &report.steps {
        let sym = st
            .symbol
            .as_deref()
            .unwrap_or("?")
            .replace(['"', '\\'], "_");
        let brk = match (st.address, st.imported) {
            (Some(a), _) => {
                if !seen.insert(a) {
                    let _ = writeln!(s, "# step {}: same address as an earlier step", st.index);
                    continue;
                }
                format!("eval \"tbreak *%#lx\", {a:#x} + $goelf_base")
            }
            (None, true) => format!("tbreak {sym}"),
            (None, false) => {
                let _ = writeln!(s, "# step {} ({}): {}", st.index, st.phase.name(), st.what);
                continue;
            }
        };
        let _ = writeln!(
            s,
            "# step {} ({}): {}\n{brk}\ncommands\n  silent",
            st.index,
            st.phase.name(),
            st.what
        );
        let _ = writeln!(s, "  printf \"goelf-step {} {sym} %#lx\\n\", $pc", st.index);
        let at_entry =
            st.phase == Phase::Entry && st.address.is_some() && st.address == report.entry;
        let maps = "  printf \"goelf-maps-begin\\n\"\n  info proc mappings\n  printf \"goelf-maps-end\\n\"\n";
        if at_entry {
            s.push_str(maps);
        }
        if Some(st.index) != last {
            s.push_str("  continue\n");
        }
        s.push_str("end\n");
        if let (true, Some(a)) = (at_entry, st.address) {
            // Without an interpreter `starti` stops at e_entry itself, where a breakpoint
            // is stepped over: report this step now.
            let _ = writeln!(
                s,
                "if $pc == {a:#x} + $goelf_base\n  printf \"goelf-step {} {sym} %#lx\\n\", $pc\n{maps}end",
                st.index
            );
        }
    }
    s.push_str("continue\nprintf \"goelf-done\\n\"\nkill\nquit\n");
    s
}

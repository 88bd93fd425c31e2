//! The loader checks: for each rule about program headers, who applies it — Linux's ELF loader
//! (`fs/binfmt_elf.c`), glibc's `ld.so` (`elf/dl-load.c` when it maps an object itself,
//! `elf/rtld.c` for the program the kernel handed it), or only the ELF specification — and
//! what happens when the rule is broken: `execve` fails with an errno, the process is killed
//! before the program's first instruction, or it runs. The rules are read from Linux 6.18 and
//! glibc 2.36 and were measured on Linux 6.18 with glibc 2.36 by running mutated binaries
//! (`tests/it/loader_mutants.rs`); where a rule changed between versions the check says so.
//! The page size is taken as 4 KiB (x86, and the smallest any Go target uses).
//! See docs/FORMATS.md §8.

use serde::{Deserialize, Serialize};

use object::elf::{
    DF_1_PIE, DT_FLAGS_1, EM_386, EM_AARCH64, EM_ARM, EM_LOONGARCH, EM_MIPS, EM_PPC64, EM_RISCV,
    EM_S390, EM_X86_64, ET_DYN, ET_EXEC, PF_W, PF_X, PT_DYNAMIC, PT_GNU_STACK, PT_INTERP, PT_LOAD,
    PT_PHDR, PT_TLS,
};

use object::elf::Machine;

use super::dynamic::DynamicSummary;
use super::file::{Class, ElfFile, RawSegment};
use super::names;
use crate::image::Arch;

/// The loader checks, by their stable names, in the order the kernel applies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    /// The program header table: entry size, count, the kernel's 64 KiB limit, in the file.
    PhdrTable,
    /// PT_INTERP: size, NUL-terminated, in the file, mapped, one, before the PT_LOADs.
    Interp,
    /// The loader PT_INTERP names exists on this host and is the standard one.
    InterpLoader,
    /// `p_vaddr ≡ p_offset` modulo the page size (and modulo `p_align`) for every PT_LOAD.
    LoadCongruence,
    /// `p_filesz <= p_memsz` for every PT_LOAD.
    FileszLeMemsz,
    /// Every segment's file bytes lie inside the file.
    InFile,
    /// PT_LOAD `p_align` is a power of two of at least the page size.
    LoadAlignment,
    /// PT_LOAD segments ascend by `p_vaddr`.
    LoadOrder,
    /// PT_LOAD segments do not share a page (what `MAP_FIXED`/`MAP_FIXED_NOREPLACE` see).
    LoadOverlap,
    /// `e_entry` lies inside an executable PT_LOAD.
    Entry,
    /// PT_PHDR matches the header and where the kernel maps the table.
    Phdr,
    /// PT_TLS: one, `p_filesz <= p_memsz`, the initialisation image mapped.
    Tls,
    /// The rules of glibc's `ld.so` when it maps the object itself (`_dl_map_object_from_fd`).
    LdSoMap,
    /// No segment is writable and executable.
    WXorX,
    /// PT_GNU_STACK present and not executable.
    GnuStack,
}

impl CheckId {
    /// The stable name, as in JSON (`phdr_table`, …, `gnu_stack`).
    pub fn name(self) -> &'static str {
        match self {
            CheckId::PhdrTable => "phdr_table",
            CheckId::Interp => "interp",
            CheckId::InterpLoader => "interp_loader",
            CheckId::LoadCongruence => "load_congruence",
            CheckId::FileszLeMemsz => "filesz_le_memsz",
            CheckId::InFile => "in_file",
            CheckId::LoadAlignment => "load_alignment",
            CheckId::LoadOrder => "load_order",
            CheckId::LoadOverlap => "load_overlap",
            CheckId::Entry => "entry",
            CheckId::Phdr => "phdr",
            CheckId::Tls => "tls",
            CheckId::LdSoMap => "ld_so_map",
            CheckId::WXorX => "w_xor_x",
            CheckId::GnuStack => "gnu_stack",
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Who applies a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforcer {
    /// Linux's ELF loader, `fs/binfmt_elf.c` (or the CPU fault that follows what it set up).
    Kernel,
    /// glibc's dynamic loader (`elf/dl-load.c`, `elf/rtld.c`).
    LdSo,
    /// Nobody: only the ELF specification (gABI) or a convention.
    Spec,
    /// A hardening property; nothing refuses the file.
    Hardening,
}

impl Enforcer {
    /// The name as in JSON: `kernel`, `ld_so`, `spec`, `hardening`.
    pub fn name(self) -> &'static str {
        match self {
            Enforcer::Kernel => "kernel",
            Enforcer::LdSo => "ld_so",
            Enforcer::Spec => "spec",
            Enforcer::Hardening => "hardening",
        }
    }

    /// How the human output names it.
    pub fn display(self) -> &'static str {
        match self {
            Enforcer::Kernel => "the kernel",
            Enforcer::LdSo => "ld.so",
            Enforcer::Spec => "the ELF specification only",
            Enforcer::Hardening => "hardening",
        }
    }
}

/// How bad a broken rule is (the severity model of `problems`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A hardening finding.
    Note,
    /// Only the specification (or another kernel/glibc version, or another way of starting
    /// the file) is broken: this system loads it.
    Warning,
    /// The system refuses the file, or the file is damaged (headers claim bytes it does not
    /// have): the file fails (`goelf inspect` exits 1).
    Error,
}

impl Severity {
    /// The name as in JSON: `error`, `warning`, `note`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What happens when the file is started (or, for `ld_so`, mapped by `ld.so`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// It loads and runs.
    Runs,
    /// `execve` returns this error (`ENOEXEC`, `ENOENT`, `EIO`, `ELIBBAD`, …); nothing ran.
    ExecveFails {
        /// The errno name.
        errno: String,
    },
    /// `execve` succeeded, but the process is killed by this signal before the program's
    /// first instruction (past the kernel's point of no return, in `ld.so`, or at the entry).
    Killed {
        /// The signal name (`SIGSEGV`, `SIGBUS`).
        signal: String,
    },
    /// It starts, and is killed by this signal when it touches bytes the file does not have.
    FaultsOnAccess {
        /// The signal name.
        signal: String,
    },
    /// `ld.so` refuses the object: it prints `error while loading shared libraries: FILE:
    /// MESSAGE` and exits 127.
    LdSoRefuses {
        /// glibc's message.
        message: String,
    },
    /// Unpredictable: the loader reads other bytes instead of what the header points at, and
    /// what happens depends on them (a crash, a refusal, or it runs).
    Undefined {
        /// What happens.
        detail: String,
    },
    /// Depends on the kernel version.
    KernelDependent {
        /// Which kernels do what.
        detail: String,
    },
}

impl Outcome {
    fn execve(errno: &str) -> Outcome {
        Outcome::ExecveFails {
            errno: errno.into(),
        }
    }

    fn killed(signal: &str) -> Outcome {
        Outcome::Killed {
            signal: signal.into(),
        }
    }

    fn refused(message: &str) -> Outcome {
        Outcome::LdSoRefuses {
            message: message.into(),
        }
    }

    /// The file does not start (execve fails, killed at start, ld.so refuses).
    pub fn blocks(&self) -> bool {
        matches!(
            self,
            Outcome::ExecveFails { .. }
                | Outcome::Killed { .. }
                | Outcome::LdSoRefuses { .. }
                | Outcome::Undefined { .. }
        )
    }

    /// In words: "runs", "execve fails with ENOEXEC", "killed by SIGSEGV before the first
    /// instruction", …
    pub fn describe(&self) -> String {
        match self {
            Outcome::Runs => "runs".into(),
            Outcome::ExecveFails { errno } => format!("execve fails with {errno}"),
            Outcome::Killed { signal } => {
                format!("killed by {signal} before the program's first instruction")
            }
            Outcome::FaultsOnAccess { signal } => {
                format!("starts; {signal} when the missing bytes are touched")
            }
            Outcome::LdSoRefuses { message } => format!("ld.so refuses it (\"{message}\")"),
            Outcome::Undefined { detail } | Outcome::KernelDependent { detail } => detail.clone(),
        }
    }
}

/// One check and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoaderCheck {
    /// Stable name of the check.
    pub check: CheckId,
    /// Passed.
    pub ok: bool,
    /// Why: what was checked, or what failed.
    pub detail: String,
    /// The rule, in words.
    pub rule: String,
    /// Who applies the rule to this file (of the failure found, when it failed).
    pub enforcer: Enforcer,
    /// Where the rule is: kernel/glibc function and file, or the gABI.
    pub source: String,
    /// What happens to this file because of this check: `runs` when it passed.
    pub outcome: Outcome,
    /// `null` when the check passed.
    pub severity: Option<Severity>,
}

/// What this file is to the loaders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A program the kernel starts (ET_EXEC, or ET_DYN with PT_INTERP or DF_1_PIE).
    Program,
    /// A shared library: ld.so maps it (ET_DYN, no PT_INTERP, not DF_1_PIE).
    SharedLibrary,
    /// Not loadable (ET_REL, ET_CORE, …): the rules do not apply.
    NotLoadable,
}

/// The answer: will this file start on Linux 6.x with glibc, and if not, who refuses it and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartVerdict {
    /// What the file is to the loaders.
    pub role: Role,
    /// `true`/`false` for a program; `null` for a library or a file that is not loadable.
    pub will_start: Option<bool>,
    /// What happens on `execve` (for a library: when ld.so loads it).
    pub outcome: Outcome,
    /// Who refuses it, when something does.
    pub refused_by: Option<Enforcer>,
    /// The check that names the cause.
    pub check: Option<CheckId>,
    /// The cause, in words.
    pub reason: Option<String>,
    /// What happens when glibc's `ld.so` maps the file itself: `ld.so ./prog` for a program,
    /// dlopen or DT_NEEDED for a library.
    pub ld_so: Outcome,
    /// The kernel and glibc whose rules these are.
    pub rules: String,
}

/// Which kernel and glibc the verdicts are for.
pub const RULES: &str = "Linux 6.x (fs/binfmt_elf.c of 6.18, measured on 6.18), glibc 2.35+ ld.so (elf/dl-load.c, elf/rtld.c of 2.36), 4 KiB pages";

const PAGE: u64 = 4096;
/// `load_elf_phdrs`: `size > 65536` → ENOEXEC.
const KERNEL_PHDR_MAX: u64 = 65536;
/// `PATH_MAX`, the kernel's PT_INTERP limit.
const PATH_MAX: u64 = 4096;

const K_PHDRS: &str = "fs/binfmt_elf.c: load_elf_phdrs";
const K_INTERP: &str = "fs/binfmt_elf.c: load_elf_binary (PT_INTERP, open_exec)";
const K_INTERP_EHDR: &str = "fs/binfmt_elf.c: load_elf_binary (interpreter checks: -ELIBBAD)";
const K_MAP: &str = "fs/binfmt_elf.c: elf_load/elf_map (vm_mmap)";
const K_LOOP: &str =
    "fs/binfmt_elf.c: load_elf_binary (PT_LOAD loop: -EINVAL after begin_new_exec)";
const K_ZERO: &str = "fs/binfmt_elf.c: elf_load (padzero of the .bss page)";
const K_ALIGN: &str = "fs/binfmt_elf.c: maximum_alignment (skips non-power-of-two p_align)";
const K_ORDER: &str = "fs/binfmt_elf.c: load_elf_binary, total_mapping_size";
const K_OVERLAP: &str =
    "fs/binfmt_elf.c: load_elf_binary (MAP_FIXED_NOREPLACE first, MAP_FIXED after)";
const K_ENTRY: &str = "fs/binfmt_elf.c: START_THREAD at e_entry (page fault)";
const G_RTLD_PHDR: &str =
    "glibc elf/rtld.c: rtld_setup_main_map (l_addr = AT_PHDR - PT_PHDR.p_vaddr)";
const G_RTLD_INTERP: &str =
    "glibc elf/rtld.c: rtld_setup_main_map (reads the PT_INTERP name at p_vaddr)";
const G_TLS: &str = "glibc elf/dl-tls.c: _dl_allocate_tls_init (copies the image from p_vaddr)";
const G_MAP: &str = "glibc elf/dl-load.c: _dl_map_object_from_fd, elf/dl-map-segments.h";
const GABI: &str = "ELF gABI, Program Header";
const HARDENING: &str = "fs/binfmt_elf.c: elf_read_implies_exec; hardening";

/// One broken rule, with who applies it and what happens.
struct Finding {
    text: String,
    enforcer: Enforcer,
    source: &'static str,
    outcome: Outcome,
    severity: Severity,
    /// When the system applies it while starting the file: 1 before the kernel's point of no
    /// return, 2 while the kernel maps, 3 in ld.so, 4 at the entry; 9 never.
    phase: u8,
}

/// How a finding of each kind is graded for a file of a role.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    /// The kernel applies it when it starts a program.
    Kernel(u8),
    /// ld.so (rtld) applies it to a dynamic program it was handed, and to the libraries it maps.
    Rtld,
    /// Only the specification.
    Spec,
    /// The file lacks bytes its headers claim: always an error.
    Damage(u8),
    /// A hardening property.
    Hardening,
}

struct Ctx<'f, 'a> {
    file: &'f ElfFile<'a>,
    role: Role,
    /// A program with PT_INTERP: ld.so runs before it.
    dynamic: bool,
}

impl Ctx<'_, '_> {
    fn finding(&self, path: Path, source: &'static str, outcome: Outcome, text: String) -> Finding {
        let (enforcer, severity, outcome, phase) = match (path, self.role) {
            (Path::Hardening, _) => (Enforcer::Hardening, Severity::Note, Outcome::Runs, 9),
            (Path::Damage(phase), _) => (
                if outcome.blocks() {
                    Enforcer::Kernel
                } else {
                    Enforcer::Spec
                },
                Severity::Error,
                if self.role == Role::Program {
                    outcome
                } else {
                    Outcome::Runs
                },
                phase,
            ),
            (_, Role::NotLoadable) => (Enforcer::Spec, Severity::Note, Outcome::Runs, 9),
            (Path::Kernel(phase), Role::Program) => {
                let severity = if outcome.blocks() {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                (Enforcer::Kernel, severity, outcome, phase)
            }
            (Path::Kernel(_), Role::SharedLibrary) => {
                (Enforcer::Spec, Severity::Warning, Outcome::Runs, 9)
            }
            (Path::Rtld, Role::Program) if self.dynamic => {
                (Enforcer::LdSo, Severity::Error, outcome, 3)
            }
            (Path::Rtld, Role::SharedLibrary) => (Enforcer::LdSo, Severity::Error, outcome, 3),
            (Path::Rtld | Path::Spec, _) => (Enforcer::Spec, Severity::Warning, Outcome::Runs, 9),
        };
        Finding {
            text,
            enforcer,
            source,
            outcome,
            severity,
            phase,
        }
    }
}

fn check(
    id: CheckId,
    rule: &str,
    default: (Enforcer, &str),
    findings: Vec<Finding>,
    pass: String,
) -> (LoaderCheck, Vec<Finding>) {
    let worst = findings
        .iter()
        .enumerate()
        .max_by_key(|(i, f)| (f.severity, std::cmp::Reverse(*i)))
        .map(|(_, f)| f);
    let c = match worst {
        None => LoaderCheck {
            check: id,
            ok: true,
            detail: pass,
            rule: rule.into(),
            enforcer: default.0,
            source: default.1.into(),
            outcome: Outcome::Runs,
            severity: None,
        },
        Some(w) => LoaderCheck {
            check: id,
            ok: false,
            detail: findings
                .iter()
                .map(|f| f.text.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            rule: rule.into(),
            enforcer: w.enforcer,
            source: w.source.into(),
            outcome: w.outcome.clone(),
            severity: Some(w.severity),
        },
    };
    (c, findings)
}

fn page_down(v: u64) -> u64 {
    v & !(PAGE - 1)
}

fn page_up(v: u64) -> u64 {
    v.saturating_add(PAGE - 1) & !(PAGE - 1)
}

fn phdr_size(class: Class) -> u64 {
    match class {
        Class::Elf32 => 32,
        Class::Elf64 => 56,
    }
}

/// `e_phnum` as stored (the kernel does not honour PN_XNUM).
fn raw_phnum(file: &ElfFile<'_>) -> u64 {
    let off = match file.class() {
        Class::Elf32 => 0x2c,
        Class::Elf64 => 0x38,
    };
    file.reader()
        .u16_at("e_phnum", off)
        .map_or(u64::from(file.header().phnum), u64::from)
}

/// Every check and the verdict, over the program headers. `probe_host`: look up the loader
/// PT_INTERP names on this machine (its metadata and first bytes only; nothing is executed).
pub(super) fn loader_checks(
    file: &ElfFile<'_>,
    dynamic: &DynamicSummary,
    probe_host: bool,
) -> (Vec<LoaderCheck>, StartVerdict) {
    let h = file.header();
    let has_interp = file.segment(PT_INTERP).is_some();
    let pie_flag = dynamic
        .get(DT_FLAGS_1)
        .is_some_and(|v| object::elf::DynamicFlags1(v).contains(DF_1_PIE));
    let role = if h.e_type == ET_EXEC || (h.e_type == ET_DYN && (has_interp || pie_flag)) {
        Role::Program
    } else if h.e_type == ET_DYN {
        Role::SharedLibrary
    } else {
        Role::NotLoadable
    };
    let cx = Ctx {
        file,
        role,
        dynamic: has_interp,
    };
    let mut out: Vec<(LoaderCheck, Vec<Finding>)> = vec![
        phdr_table(&cx),
        interp(&cx),
        interp_loader(&cx, probe_host),
        load_congruence(&cx),
        filesz_le_memsz(&cx),
        in_file(&cx),
        load_alignment(&cx),
        load_order(&cx),
        load_overlap(&cx),
        entry(&cx),
        phdr(&cx),
        tls(&cx),
    ];
    out.push(ld_so_map(&cx));
    out.push(w_xor_x(&cx));
    out.push(gnu_stack(&cx));

    // The verdict: the blocking finding the system meets first.
    let first = out
        .iter()
        .flat_map(|(c, fs)| fs.iter().map(move |f| (c.check, f)))
        .filter(|(_, f)| f.severity == Severity::Error && f.outcome.blocks())
        .min_by_key(|(_, f)| f.phase);
    let ld_so = ld_so_path(&cx, &out);
    let verdict = match (role, first) {
        (Role::NotLoadable, _) => StartVerdict {
            role,
            will_start: None,
            // load_elf_binary: e_type is neither ET_EXEC nor ET_DYN.
            outcome: Outcome::execve("ENOEXEC"),
            refused_by: Some(Enforcer::Kernel),
            check: None,
            reason: Some(format!(
                "{} is not loaded by the kernel or ld.so",
                names::file_type(h.e_type.0)
            )),
            ld_so: Outcome::refused("only ET_DYN and ET_EXEC can be loaded"),
            rules: RULES.into(),
        },
        (_, Some((id, f))) => StartVerdict {
            role,
            will_start: (role == Role::Program).then_some(false),
            outcome: f.outcome.clone(),
            refused_by: Some(f.enforcer),
            check: Some(id),
            reason: Some(f.text.clone()),
            ld_so,
            rules: RULES.into(),
        },
        (_, None) => {
            let damage = out
                .iter()
                .flat_map(|(c, fs)| fs.iter().map(move |f| (c.check, f)))
                .find(|(_, f)| f.severity == Severity::Error);
            StartVerdict {
                role,
                will_start: (role == Role::Program).then_some(true),
                outcome: damage.map_or(Outcome::Runs, |(_, f)| f.outcome.clone()),
                refused_by: None,
                check: damage.map(|(id, _)| id),
                reason: damage.map(|(_, f)| f.text.clone()),
                ld_so,
                rules: RULES.into(),
            }
        }
    };
    (out.into_iter().map(|(c, _)| c).collect(), verdict)
}

fn phdr_table(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let file = cx.file;
    let h = file.header();
    let want = phdr_size(file.class());
    let phnum = raw_phnum(file);
    let size = u64::from(h.e_phentsize).saturating_mul(phnum);
    let mut f = Vec::new();
    let enoexec = || Outcome::execve("ENOEXEC");
    if u64::from(h.e_phentsize) != want {
        f.push(cx.finding(
            Path::Kernel(1),
            K_PHDRS,
            enoexec(),
            format!(
                "e_phentsize is {} but an {} program header is {want} bytes",
                h.e_phentsize,
                file.class().name()
            ),
        ));
    }
    if phnum == 0 {
        f.push(cx.finding(
            Path::Kernel(1),
            K_PHDRS,
            enoexec(),
            "e_phnum is 0: no program headers".into(),
        ));
    } else if size > KERNEL_PHDR_MAX {
        f.push(cx.finding(
            Path::Kernel(1),
            K_PHDRS,
            enoexec(),
            format!("the program header table is {size} bytes ({phnum} entries); the kernel reads at most 65536"),
        ));
    } else if size > PAGE {
        f.push(cx.finding(
            Path::Kernel(1),
            K_PHDRS,
            Outcome::KernelDependent {
                detail: "Linux 6.18 accepts it; kernels whose load_elf_phdrs still has the \
                         one-page limit (size > ELF_MIN_ALIGN, in the 4.x/5.x sources) fail \
                         execve with ENOEXEC"
                    .into(),
            },
            format!("the program header table is {size} bytes ({phnum} entries), more than one 4 KiB page"),
        ));
    }
    let end = h.e_phoff.checked_add(size);
    if phnum > 0 && size <= KERNEL_PHDR_MAX && end.is_none_or(|e| e > file.data().len() as u64) {
        f.push(cx.finding(
            Path::Kernel(1),
            K_PHDRS,
            enoexec(),
            format!(
                "the program header table [{:#x}, +{size:#x}) runs past the end of the file ({:#x} bytes)",
                h.e_phoff,
                file.data().len()
            ),
        ));
    }
    check(
        CheckId::PhdrTable,
        "e_phentsize is the size of a program header, 1 <= e_phnum and the table is at most 64 KiB and inside the file",
        (Enforcer::Kernel, K_PHDRS),
        f,
        format!("{phnum} program headers of {} bytes at {:#x}", h.e_phentsize, h.e_phoff),
    )
}

/// The pages a PT_LOAD occupies once mapped: the kernel and ld.so map its file bytes and its
/// zero-filled tail, rounded out to whole pages.
fn pages(l: &RawSegment) -> (u64, u64) {
    (
        page_down(l.vaddr),
        page_up(l.vaddr.saturating_add(l.filesz.max(l.memsz))),
    )
}

/// `[vaddr, vaddr + len)` is mapped by some PT_LOAD.
fn mapped(file: &ElfFile<'_>, vaddr: u64, len: u64) -> bool {
    file.segments_of(PT_LOAD).any(|l| {
        let (start, end) = pages(l);
        vaddr >= start && vaddr.checked_add(len).is_some_and(|e| e <= end)
    })
}

fn interp(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let file = cx.file;
    let interps: Vec<_> = file.segments_of(PT_INTERP).collect();
    let mut f = Vec::new();
    if let Some(i) = interps.first() {
        let size_ok = (2..=PATH_MAX).contains(&i.filesz);
        if !size_ok {
            f.push(cx.finding(
                Path::Kernel(1),
                K_INTERP,
                Outcome::execve("ENOEXEC"),
                format!(
                    "PT_INTERP p_filesz {} is outside 2..=4096 (PATH_MAX)",
                    i.filesz
                ),
            ));
        }
        let in_file = i
            .offset
            .checked_add(i.filesz)
            .is_some_and(|e| e <= file.data().len() as u64);
        if size_ok && !in_file {
            f.push(cx.finding(
                Path::Kernel(1),
                K_INTERP,
                Outcome::execve("EIO"),
                format!(
                    "PT_INTERP [{:#x}, +{:#x}) runs past the end of the file",
                    i.offset, i.filesz
                ),
            ));
        }
        let ends_nul = i.filesz.checked_sub(1).and_then(|last| {
            file.reader()
                .u8_at("PT_INTERP", i.offset.saturating_add(last))
                .ok()
        }) == Some(0);
        if size_ok && in_file && !ends_nul {
            f.push(cx.finding(
                Path::Kernel(1),
                K_INTERP,
                Outcome::execve("ENOEXEC"),
                "the PT_INTERP string does not end with a NUL at p_filesz - 1".into(),
            ));
        }
        if !mapped(file, i.vaddr, i.filesz) {
            f.push(cx.finding(
                Path::Rtld,
                G_RTLD_INTERP,
                Outcome::killed("SIGSEGV"),
                format!(
                    "PT_INTERP p_vaddr [{:#x}, +{:#x}) is not inside any PT_LOAD",
                    i.vaddr, i.filesz
                ),
            ));
        }
        let first_load = file.segments().iter().position(|x| x.p_type == PT_LOAD);
        if first_load.is_some_and(|l| (i.index as usize) > l) {
            f.push(cx.finding(
                Path::Spec,
                GABI,
                Outcome::Runs,
                "PT_INTERP follows a PT_LOAD (gABI: it must precede every loadable entry)".into(),
            ));
        }
    }
    if interps.len() > 1 {
        f.push(cx.finding(
            Path::Spec,
            GABI,
            Outcome::Runs,
            format!(
                "{} PT_INTERP headers (gABI: at most one; the kernel uses the first)",
                interps.len()
            ),
        ));
    }
    check(
        CheckId::Interp,
        "one PT_INTERP of 2..=4096 bytes, NUL-terminated, inside the file and a PT_LOAD, before the PT_LOADs",
        (Enforcer::Kernel, K_INTERP),
        f,
        if interps.is_empty() {
            "no PT_INTERP (no dynamic loader runs)".into()
        } else {
            "one PT_INTERP, NUL-terminated, inside the file and a PT_LOAD".into()
        },
    )
}

/// The PT_INTERP path, when it reads as a NUL-terminated string.
fn interp_path(file: &ElfFile<'_>) -> Option<String> {
    let i = file.segment(PT_INTERP)?;
    let bytes = file
        .reader()
        .bytes_at("PT_INTERP", i.offset, i.filesz.min(PATH_MAX))
        .ok()?;
    let s = bytes.split(|&b| b == 0).next()?;
    Some(String::from_utf8_lossy(s).into_owned())
}

/// The standard glibc (and musl) loaders of an architecture.
fn standard_loaders(machine: Machine, class: Class) -> &'static [&'static str] {
    match (machine, class) {
        (m, _) if m == EM_X86_64 => &["/lib64/ld-linux-x86-64.so.2", "/lib/ld-musl-x86_64.so.1"],
        (m, _) if m == EM_386 => &["/lib/ld-linux.so.2", "/lib/ld-musl-i386.so.1"],
        (m, _) if m == EM_AARCH64 => &["/lib/ld-linux-aarch64.so.1", "/lib/ld-musl-aarch64.so.1"],
        (m, _) if m == EM_ARM => &[
            "/lib/ld-linux-armhf.so.3",
            "/lib/ld-linux.so.3",
            "/lib/ld-musl-armhf.so.1",
        ],
        (m, _) if m == EM_RISCV => &["/lib/ld-linux-riscv64-lp64d.so.1"],
        (m, _) if m == EM_PPC64 => &["/lib64/ld64.so.2", "/lib64/ld64.so.1"],
        (m, _) if m == EM_S390 => &["/lib/ld64.so.1"],
        (m, Class::Elf32) if m == EM_MIPS => &["/lib/ld.so.1"],
        (m, Class::Elf64) if m == EM_MIPS => &["/lib64/ld.so.1"],
        (m, _) if m == EM_LOONGARCH => &["/lib64/ld-linux-loongarch-lp64d.so.1"],
        _ => &[],
    }
}

/// The machines this host's kernel runs natively (and through its compat layer).
fn host_runs(machine: Machine) -> bool {
    match std::env::consts::ARCH {
        "x86_64" => machine == EM_X86_64 || machine == EM_386,
        "x86" => machine == EM_386,
        "aarch64" => machine == EM_AARCH64 || machine == EM_ARM,
        "arm" => machine == EM_ARM,
        "riscv64" => machine == EM_RISCV,
        "powerpc64" => machine == EM_PPC64,
        "s390x" => machine == EM_S390,
        "loongarch64" => machine == EM_LOONGARCH,
        "mips" | "mips64" => machine == EM_MIPS,
        _ => false,
    }
}

fn interp_loader(cx: &Ctx<'_, '_>, probe_host: bool) -> (LoaderCheck, Vec<Finding>) {
    let file = cx.file;
    let machine = file.header().e_machine;
    let mut f = Vec::new();
    let rule = "the loader PT_INTERP names exists on this host, is an ELF file for the same machine, and is the standard one";
    let Some(path) = interp_path(file) else {
        return check(
            CheckId::InterpLoader,
            rule,
            (Enforcer::Kernel, K_INTERP),
            f,
            "no PT_INTERP".into(),
        );
    };
    let standard = standard_loaders(machine, file.class());
    if !standard.is_empty() && !standard.contains(&path.as_str()) {
        f.push(cx.finding(
            Path::Spec,
            "glibc/musl ABI loader names",
            Outcome::Runs,
            format!(
                "{path} is not the standard loader for this architecture ({})",
                standard.join(" or ")
            ),
        ));
    }
    let mut probed = "not looked up".to_string();
    if probe_host && host_runs(machine) {
        probed = match probe(&path, machine) {
            Ok(()) => "present on this host".into(),
            Err((outcome, why, source)) => {
                let phase = if matches!(outcome, Outcome::ExecveFails { .. }) {
                    1
                } else {
                    2
                };
                f.push(cx.finding(
                    Path::Kernel(phase),
                    source,
                    outcome,
                    format!("{path}: {why} on this host"),
                ));
                why
            }
        };
    } else if probe_host {
        probed = format!(
            "not looked up: this host ({}) does not run {} binaries",
            std::env::consts::ARCH,
            Arch::from_elf_machine(machine).name()
        );
    }
    check(
        CheckId::InterpLoader,
        rule,
        (Enforcer::Kernel, K_INTERP),
        f,
        format!("{path}: {probed}"),
    )
}

/// What `open_exec` and the interpreter checks would say about `path` (its metadata, ELF
/// header and program headers are read; nothing is executed).
fn probe(path: &str, machine: Machine) -> Result<(), (Outcome, String, &'static str)> {
    use std::io::Read as _;
    let fail =
        |errno: &str, why: &str, source| Err((Outcome::execve(errno), why.to_string(), source));
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return fail("ENOENT", "does not exist", K_INTERP)
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return fail("EACCES", "is not accessible", K_INTERP)
        }
        Err(_) => return fail("ENOENT", "cannot be looked up", K_INTERP),
    };
    if !meta.is_file() {
        return fail("EACCES", "is not a regular file", K_INTERP);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if meta.permissions().mode() & 0o111 == 0 {
            return fail("EACCES", "is not executable", K_INTERP);
        }
    }
    // The ELF header and a program header table of at most 64 KiB, as the kernel reads them.
    let mut head = Vec::new();
    let read = std::fs::File::open(path)
        .and_then(|fh| fh.take(KERNEL_PHDR_MAX + 64).read_to_end(&mut head));
    if read.is_err() {
        return fail("EACCES", "cannot be read", K_INTERP);
    }
    if head.len() < 20 || head.get(..4) != Some(b"\x7fELF".as_slice()) {
        return fail("ELIBBAD", "is not an ELF file", K_INTERP_EHDR);
    }
    let Ok(loader) = ElfFile::parse(&head) else {
        return fail("ELIBBAD", "has an unreadable ELF header", K_INTERP_EHDR);
    };
    if loader.header().e_machine != machine {
        return Err((
            Outcome::execve("ELIBBAD"),
            format!(
                "is for another machine ({})",
                Arch::from_elf_machine(loader.header().e_machine).name()
            ),
            K_INTERP_EHDR,
        ));
    }
    if loader.segment(PT_INTERP).is_some() {
        // The kernel maps it as the interpreter and jumps to its entry without running its own
        // PT_INTERP: a dynamically linked program is not a loader.
        return Err((
            Outcome::killed("SIGSEGV"),
            "is a dynamically linked program (it has a PT_INTERP itself), not a loader".into(),
            "fs/binfmt_elf.c: load_elf_interp (the interpreter is started unrelocated)",
        ));
    }
    Ok(())
}

fn loads<'f>(file: &'f ElfFile<'_>) -> Vec<&'f RawSegment> {
    file.segments_of(PT_LOAD).collect()
}

fn load_congruence(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let mut f = Vec::new();
    for p in loads(cx.file) {
        if p.vaddr.wrapping_sub(p.offset) % PAGE != 0 {
            f.push(cx.finding(
                Path::Kernel(2),
                K_MAP,
                Outcome::killed("SIGSEGV"),
                format!(
                    "segment {}: p_vaddr {:#x} and p_offset {:#x} differ modulo the page size (mmap of an unaligned offset: EINVAL)",
                    p.index, p.vaddr, p.offset
                ),
            ));
        } else if p.align.is_power_of_two()
            && p.align > PAGE
            && p.vaddr % p.align != p.offset % p.align
        {
            f.push(cx.finding(
                Path::Spec,
                "ELF gABI; glibc <= 2.34 elf/dl-load.c refused it in shared objects",
                Outcome::Runs,
                format!(
                    "segment {}: p_vaddr {:#x} and p_offset {:#x} differ modulo p_align {:#x} (glibc <= 2.34 ld.so: \"ELF load command address/offset not properly aligned\")",
                    p.index, p.vaddr, p.offset, p.align
                ),
            ));
        }
    }
    check(
        CheckId::LoadCongruence,
        "p_vaddr ≡ p_offset modulo the page size (kernel, ld.so) and modulo p_align (gABI)",
        (Enforcer::Kernel, K_MAP),
        f,
        "p_vaddr ≡ p_offset (mod page size and p_align) for every PT_LOAD".into(),
    )
}

fn filesz_le_memsz(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let f = loads(cx.file)
        .into_iter()
        .filter(|p| p.filesz > p.memsz)
        .map(|p| {
            cx.finding(
                Path::Kernel(2),
                K_LOOP,
                Outcome::killed("SIGSEGV"),
                format!(
                    "segment {}: p_filesz {:#x} > p_memsz {:#x}",
                    p.index, p.filesz, p.memsz
                ),
            )
        })
        .collect();
    check(
        CheckId::FileszLeMemsz,
        "p_filesz <= p_memsz for every PT_LOAD",
        (Enforcer::Kernel, K_LOOP),
        f,
        "p_filesz <= p_memsz for every PT_LOAD".into(),
    )
}

/// The zero-fill of the page after a PT_LOAD's file bytes touches a page the file does not
/// have (writing to it faults). `writable_only`: the kernel ignores the fault in a segment
/// that is not writable; ld.so does not.
fn zero_fill_faults(file_size: u64, p: &RawSegment, writable_only: bool) -> bool {
    let Some(end) = p.offset.checked_add(p.filesz) else {
        return true;
    };
    p.memsz > p.filesz
        && p.vaddr.wrapping_add(p.filesz) % PAGE != 0
        && end >= page_up(file_size)
        && (!writable_only || p.p_flags.contains(PF_W))
}

fn in_file(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let file = cx.file;
    let file_size = file.data().len() as u64;
    let machine = file.header().e_machine.0;
    let mut f = Vec::new();
    for p in file.segments() {
        let past = p.filesz > 0
            && p.offset
                .checked_add(p.filesz)
                .is_none_or(|end| end > file_size);
        if !past {
            continue;
        }
        let text = format!(
            "segment {} ({}): [{:#x}, +{:#x}) runs past the end of the file ({file_size:#x} bytes)",
            p.index,
            names::segment_type(p.p_type.0, machine),
            p.offset,
            p.filesz
        );
        let (source, outcome) = if p.p_type != PT_LOAD {
            (GABI, Outcome::Runs)
        } else if zero_fill_faults(file_size, p, true) {
            (K_ZERO, Outcome::killed("SIGSEGV"))
        } else {
            (
                K_MAP,
                Outcome::FaultsOnAccess {
                    signal: "SIGBUS".into(),
                },
            )
        };
        f.push(cx.finding(Path::Damage(2), source, outcome, text));
    }
    check(
        CheckId::InFile,
        "every segment's file bytes lie inside the file (a damaged file fails even where the kernel maps it)",
        (Enforcer::Spec, GABI),
        f,
        format!("every segment's file bytes lie inside the file ({file_size} bytes)"),
    )
}

fn load_alignment(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let mut f = Vec::new();
    for p in loads(cx.file) {
        if !p.align.is_power_of_two() || p.align < PAGE {
            f.push(cx.finding(
                Path::Spec,
                K_ALIGN,
                Outcome::Runs,
                format!(
                    "segment {}: p_align {:#x} is not a power of two of at least the page size (the kernel and glibc >= 2.35 ignore it; glibc <= 2.34 ld.so refused such shared objects: \"ELF load command alignment not page-aligned\")",
                    p.index, p.align
                ),
            ));
        }
    }
    let n = loads(cx.file).len();
    check(
        CheckId::LoadAlignment,
        "PT_LOAD p_align is a power of two of at least the page size",
        (Enforcer::Spec, K_ALIGN),
        f,
        format!("{n} PT_LOAD segments aligned to a power of two >= {PAGE:#x}"),
    )
}

fn load_order(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let mut f = Vec::new();
    for w in loads(cx.file).windows(2) {
        if let [a, b] = w {
            if b.vaddr < a.vaddr {
                f.push(cx.finding(
                    Path::Spec,
                    K_ORDER,
                    Outcome::Runs,
                    format!(
                        "segment {} (vaddr {:#x}) comes after segment {} (vaddr {:#x})",
                        b.index, b.vaddr, a.index, a.vaddr
                    ),
                ));
            }
        }
    }
    check(
        CheckId::LoadOrder,
        "PT_LOAD segments in ascending p_vaddr order (gABI; Linux 6.x maps each at its address, ld.so maps relative to the first)",
        (Enforcer::Spec, GABI),
        f,
        "PT_LOAD segments in ascending p_vaddr order".into(),
    )
}

fn load_overlap(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let mut f = Vec::new();
    let ls = loads(cx.file);
    for (i, a) in ls.iter().enumerate() {
        for b in ls.iter().skip(i + 1) {
            let (a0, a1) = (page_down(a.vaddr), page_up(a.vaddr.saturating_add(a.memsz)));
            let (b0, b1) = (page_down(b.vaddr), page_up(b.vaddr.saturating_add(b.memsz)));
            if a0 < b1 && b0 < a1 && a.memsz > 0 && b.memsz > 0 {
                f.push(cx.finding(
                    Path::Spec,
                    K_OVERLAP,
                    Outcome::Runs,
                    format!(
                        "segments {} [{a0:#x}, {a1:#x}) and {} [{b0:#x}, {b1:#x}) share pages: Linux >= 5.0 and ld.so map the later one over them with MAP_FIXED (Linux 4.17-4.20 used MAP_FIXED_NOREPLACE for every segment and killed the process)",
                        a.index, b.index
                    ),
                ));
                if f.len() >= 16 {
                    break;
                }
            }
        }
    }
    check(
        CheckId::LoadOverlap,
        "PT_LOAD segments do not share pages once rounded to the page size",
        (Enforcer::Spec, K_OVERLAP),
        f,
        "no two PT_LOAD segments share a page".into(),
    )
}

fn entry(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let file = cx.file;
    let e = file.header().e_entry;
    let mut f = Vec::new();
    let pass = if cx.role != Role::Program {
        format!("e_entry {e:#x} (not used: not a program)")
    } else {
        // The segment mapped last over the entry's page is the one whose permissions apply
        // (later PT_LOADs are mapped with MAP_FIXED over earlier ones).
        match loads(file).into_iter().rev().find(|p| {
            let (start, end) = pages(p);
            e >= start && e < end
        }) {
            None => f.push(cx.finding(
                Path::Kernel(4),
                K_ENTRY,
                Outcome::killed("SIGSEGV"),
                format!("e_entry {e:#x} is not inside any PT_LOAD"),
            )),
            Some(p) if !p.p_flags.contains(PF_X) => f.push(cx.finding(
                Path::Kernel(4),
                K_ENTRY,
                Outcome::killed("SIGSEGV"),
                format!(
                    "e_entry {e:#x} is in segment {}, which is not executable ({})",
                    p.index,
                    names::segment_flags(p.p_flags.0).trim_end()
                ),
            )),
            Some(_) => {}
        }
        format!("e_entry {e:#x} is inside an executable PT_LOAD")
    };
    check(
        CheckId::Entry,
        "e_entry lies inside a PT_LOAD with PF_X",
        (Enforcer::Kernel, K_ENTRY),
        f,
        pass,
    )
}

/// Where the kernel says the table is (AT_PHDR before the load bias): Linux >= 5.18 takes it
/// from the PT_LOAD whose file bytes hold `e_phoff` (0 when none does).
fn at_phdr(file: &ElfFile<'_>) -> Option<u64> {
    let off = file.header().e_phoff;
    loads(file)
        .into_iter()
        .find(|p| p.offset <= off && off - p.offset < p.filesz)
        .map(|p| off - p.offset + p.vaddr)
}

fn phdr(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let file = cx.file;
    let h = file.header();
    let phdrs: Vec<_> = file.segments_of(PT_PHDR).collect();
    let mut f = Vec::new();
    if phdrs.len() > 1 {
        f.push(cx.finding(
            Path::Spec,
            GABI,
            Outcome::Runs,
            format!("{} PT_PHDR headers", phdrs.len()),
        ));
    }
    if let Some(p) = phdrs.first() {
        match at_phdr(file) {
            Some(at) if at != p.vaddr => f.push(cx.finding(
                Path::Rtld,
                G_RTLD_PHDR,
                Outcome::killed("SIGSEGV"),
                format!(
                    "PT_PHDR p_vaddr {:#x} but the table is mapped at {at:#x}: ld.so computes a load address off by {:#x}",
                    p.vaddr,
                    at.wrapping_sub(p.vaddr)
                ),
            )),
            None => f.push(cx.finding(
                Path::Rtld,
                G_RTLD_PHDR,
                Outcome::killed("SIGSEGV"),
                format!(
                    "the table at file offset {:#x} is in no PT_LOAD: the kernel passes no usable AT_PHDR",
                    h.e_phoff
                ),
            )),
            Some(_) => {}
        }
        let first_load = file.segments().iter().position(|x| x.p_type == PT_LOAD);
        if first_load.is_some_and(|l| (p.index as usize) > l) {
            f.push(cx.finding(
                Path::Spec,
                GABI,
                Outcome::Runs,
                "PT_PHDR follows a PT_LOAD (gABI: it must precede every loadable entry)".into(),
            ));
        }
        let table = u64::from(h.e_phentsize) * u64::from(h.phnum);
        if p.offset != h.e_phoff {
            f.push(cx.finding(
                Path::Spec,
                GABI,
                Outcome::Runs,
                format!(
                    "PT_PHDR p_offset {:#x} != e_phoff {:#x}",
                    p.offset, h.e_phoff
                ),
            ));
        }
        if p.filesz != table {
            f.push(cx.finding(
                Path::Spec,
                GABI,
                Outcome::Runs,
                format!(
                    "PT_PHDR p_filesz {:#x} != e_phnum * e_phentsize {table:#x}",
                    p.filesz
                ),
            ));
        }
        if !mapped(file, p.vaddr, p.memsz) {
            f.push(cx.finding(
                Path::Spec,
                GABI,
                Outcome::Runs,
                format!("PT_PHDR at {:#x} is not inside any PT_LOAD", p.vaddr),
            ));
        }
    }
    check(
        CheckId::Phdr,
        "PT_PHDR describes the table where the kernel maps it (AT_PHDR), matches e_phoff/e_phnum, precedes the PT_LOADs",
        (Enforcer::LdSo, G_RTLD_PHDR),
        f,
        if phdrs.is_empty() {
            "no PT_PHDR".into()
        } else {
            "PT_PHDR matches e_phoff/e_phnum and where the table is mapped".into()
        },
    )
}

fn tls(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let file = cx.file;
    let all: Vec<_> = file.segments_of(PT_TLS).collect();
    let mut f = Vec::new();
    if all.len() > 1 {
        f.push(cx.finding(
            Path::Spec,
            GABI,
            Outcome::Runs,
            format!("{} PT_TLS headers (ld.so uses the last)", all.len()),
        ));
    }
    for t in &all {
        if t.filesz > t.memsz {
            f.push(cx.finding(
                Path::Rtld,
                G_TLS,
                Outcome::refused(
                    "_dl_allocate_tls_init: Assertion `map->l_tls_blocksize >= map->l_tls_initimage_size' failed",
                ),
                format!(
                    "PT_TLS p_filesz {:#x} > p_memsz {:#x}: the image is larger than the block",
                    t.filesz, t.memsz
                ),
            ));
        }
        if t.filesz > 0 && t.filesz <= t.memsz && !mapped(file, t.vaddr, t.filesz) {
            f.push(cx.finding(
                Path::Rtld,
                G_TLS,
                Outcome::killed("SIGSEGV"),
                format!(
                    "the PT_TLS initialisation image [{:#x}, +{:#x}) is not inside any PT_LOAD",
                    t.vaddr, t.filesz
                ),
            ));
        }
        if t.align > 1 && !t.align.is_power_of_two() {
            f.push(cx.finding(
                Path::Spec,
                GABI,
                Outcome::Runs,
                format!("PT_TLS p_align {:#x} is not a power of two", t.align),
            ));
        }
    }
    check(
        CheckId::Tls,
        "one PT_TLS, p_filesz <= p_memsz, its initialisation image inside a PT_LOAD",
        (Enforcer::LdSo, G_TLS),
        f,
        if all.is_empty() {
            "no PT_TLS".into()
        } else {
            "PT_TLS image inside a PT_LOAD, p_filesz <= p_memsz".into()
        },
    )
}

/// glibc 2.36 `_dl_map_object_from_fd` and `_dl_map_segments` on this file, in their order:
/// the first rule it breaks, or `None`.
fn ld_so_map_failure(file: &ElfFile<'_>) -> Option<(String, Outcome)> {
    let h = file.header();
    let refuse = |m: &str, why: String| Some((why, Outcome::refused(m)));
    if u64::from(h.e_phentsize) != phdr_size(file.class()) {
        return refuse(
            "ELF file's phentsize not the expected size",
            format!("e_phentsize {}", h.e_phentsize),
        );
    }
    let size = phdr_size(file.class()).saturating_mul(raw_phnum(file));
    if h.e_phoff
        .checked_add(size)
        .is_none_or(|e| e > file.data().len() as u64)
    {
        return refuse(
            "cannot read file data",
            "the program header table runs past the end of the file".into(),
        );
    }
    let ls = loads(file);
    for p in &ls {
        if p.vaddr.wrapping_sub(p.offset) % PAGE != 0 {
            return refuse(
                "ELF load command address/offset not page-aligned",
                format!(
                    "segment {}: p_vaddr and p_offset differ modulo the page size",
                    p.index
                ),
            );
        }
    }
    let (Some(first), Some(last)) = (ls.first(), ls.last()) else {
        return refuse("object file has no loadable segments", "no PT_LOAD".into());
    };
    if h.e_type == ET_DYN {
        let dynamic_ok = file
            .segments_of(PT_DYNAMIC)
            .last()
            .is_some_and(|d| d.filesz > 0);
        if !dynamic_ok {
            return refuse(
                "object file has no dynamic section",
                "ET_DYN without a non-empty PT_DYNAMIC".into(),
            );
        }
        let mapstart = page_down(first.vaddr);
        let allocend = last.vaddr.saturating_add(last.memsz);
        if allocend <= mapstart {
            return refuse(
                "failed to map segment from shared object",
                format!(
                    "the last PT_LOAD ends at {allocend:#x}, below the first's start {mapstart:#x}: the mapping length wraps"
                ),
            );
        }
        let has_holes = ls.windows(2).any(|w| match w {
            [a, b] => page_up(a.vaddr.saturating_add(a.filesz)) != page_down(b.vaddr),
            _ => false,
        });
        if has_holes && page_down(last.vaddr) < page_up(first.vaddr.saturating_add(first.filesz)) {
            return refuse(
                "ELF load command address/offset not page-aligned",
                "the last PT_LOAD starts inside the first (segments out of order)".into(),
            );
        }
    }
    let file_size = file.data().len() as u64;
    if let Some(p) = ls.iter().find(|p| zero_fill_faults(file_size, p, false)) {
        return Some((
            format!(
                "segment {}: ld.so zeroes the rest of the page after its file bytes, which the file does not have",
                p.index
            ),
            Outcome::killed("SIGBUS"),
        ));
    }
    None
}

fn ld_so_map(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let rule = "what glibc's ld.so requires when it maps the object itself (a shared library, or `ld.so ./prog`): e_phentsize, a readable table, p_vaddr ≡ p_offset (mod page), a PT_LOAD, for ET_DYN a non-empty PT_DYNAMIC and segments it can map relative to the first";
    let mut f = Vec::new();
    if cx.role != Role::NotLoadable {
        if let Some((why, outcome)) = ld_so_map_failure(cx.file) {
            let (severity, phase) = if cx.role == Role::SharedLibrary {
                (Severity::Error, 3)
            } else {
                (Severity::Warning, 9)
            };
            let what = match &outcome {
                Outcome::LdSoRefuses { message } => {
                    format!("ld.so refuses it: \"{message}\" ({why})")
                }
                _ => why,
            };
            f.push(Finding {
                text: what,
                enforcer: Enforcer::LdSo,
                source: G_MAP,
                outcome,
                severity,
                phase,
            });
        }
    }
    check(
        CheckId::LdSoMap,
        rule,
        (Enforcer::LdSo, G_MAP),
        f,
        if cx.role == Role::NotLoadable {
            "not loadable".into()
        } else {
            "ld.so can map it".into()
        },
    )
}

/// What happens under `ld.so FILE` (a program) or when ld.so loads it (a library).
fn ld_so_path(cx: &Ctx<'_, '_>, out: &[(LoaderCheck, Vec<Finding>)]) -> Outcome {
    let file = cx.file;
    if cx.role == Role::NotLoadable {
        return Outcome::Runs;
    }
    if let Some((_, outcome)) = ld_so_map_failure(file) {
        return outcome;
    }
    // Mapped by ld.so, the program headers are read at PT_PHDR's p_vaddr (elf/dl-load.c:
    // `l_phdr`), with e_phnum entries.
    if let Some(p) = file.segment(PT_PHDR) {
        let h = file.header();
        let table = phdr_size(file.class()).saturating_mul(raw_phnum(file));
        if file.vaddr_to_offset(p.vaddr) != Some(h.e_phoff) || !mapped(file, p.vaddr, table) {
            return Outcome::Undefined {
                detail: "unpredictable: ld.so reads other bytes as the program headers (PT_PHDR does not point at the table); it may crash, refuse the file or run".into(),
            };
        }
    }
    let findings = || {
        out.iter()
            .flat_map(|(c, fs)| fs.iter().map(move |f| (c.check, f)))
    };
    let is_static =
        cx.role == Role::Program && !cx.dynamic && !file.segments_of(PT_DYNAMIC).any(|_| true);
    if is_static {
        // glibc 2.33+ rtld.c (rtld_chain_load): a static program is handed back to the kernel
        // with execve after ld.so mapped it.
        let first = findings()
            .filter(|(_, f)| f.severity == Severity::Error && f.outcome.blocks())
            .min_by_key(|(_, f)| f.phase);
        return match first.map(|(_, f)| &f.outcome) {
            Some(Outcome::ExecveFails { errno }) => {
                Outcome::refused(&format!("cannot execute: {errno}"))
            }
            Some(o) => o.clone(),
            None => Outcome::Runs,
        };
    }
    // Dynamic: ld.so's own rules on the program, then the entry.
    let rtld =
        |id: CheckId| findings().find(|(c, f)| *c == id && f.source != GABI && f.outcome.blocks());
    for id in [CheckId::Interp, CheckId::Tls] {
        if let Some((_, f)) = rtld(id) {
            if f.enforcer == Enforcer::LdSo {
                return f.outcome.clone();
            }
        }
    }
    if cx.role == Role::Program {
        if let Some((_, f)) = rtld(CheckId::Entry) {
            return f.outcome.clone();
        }
    }
    Outcome::Runs
}

fn w_xor_x(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let machine = cx.file.header().e_machine.0;
    let f = cx
        .file
        .segments()
        .iter()
        .filter(|p| p.is_wx())
        .map(|p| {
            cx.finding(
                Path::Hardening,
                HARDENING,
                Outcome::Runs,
                format!(
                    "segment {} ({}) is writable and executable",
                    p.index,
                    names::segment_type(p.p_type.0, machine)
                ),
            )
        })
        .collect();
    check(
        CheckId::WXorX,
        "no segment is both writable and executable",
        (Enforcer::Hardening, HARDENING),
        f,
        "no segment is both writable and executable".into(),
    )
}

fn gnu_stack(cx: &Ctx<'_, '_>) -> (LoaderCheck, Vec<Finding>) {
    let f = match cx.file.segment(PT_GNU_STACK) {
        None => vec![cx.finding(
            Path::Hardening,
            HARDENING,
            Outcome::Runs,
            "no PT_GNU_STACK: the kernel may make the stack executable (READ_IMPLIES_EXEC on some architectures)".into(),
        )],
        Some(s) if s.p_flags.contains(PF_X) => vec![cx.finding(
            Path::Hardening,
            HARDENING,
            Outcome::Runs,
            format!(
                "PT_GNU_STACK has flags {:?}: executable stack",
                names::segment_flags(s.p_flags.0).trim_end()
            ),
        )],
        _ => Vec::new(),
    };
    check(
        CheckId::GnuStack,
        "PT_GNU_STACK present and not executable",
        (Enforcer::Hardening, HARDENING),
        f,
        "PT_GNU_STACK present and not executable".into(),
    )
}

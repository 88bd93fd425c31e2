//! Ground truth for the loader checks (#17): mutants of real Go fixtures, each with one
//! program-header field changed, are started on this machine — with `execve`, and for the
//! 64-bit ones also as `ld.so ./mutant` (and a small C library as `dlopen(mutant)`) — and what the system did (execve errno, killed by a
//! signal, ran as the original did) must be what `goelf inspect` predicted in `start.outcome`
//! and `start.ld_so`; `goelf` exits 1 exactly when a check is an error.
//!
//! The mutants are built here from our own fixture programs (testdata/src), in a temporary
//! directory, and run with an empty environment, no stdin and a 10 s timeout; the fixture
//! programs print and exit, they use no network. Kernel-specific cases are gated on what can be
//! detected: a fixture whose unmodified binary does not run here (no IA-32 emulation, no
//! loader) is skipped with a printed reason; `ld.so` runs need /lib64/ld-linux-x86-64.so.2; a
//! prediction of `kernel_dependent` (a program header table over one page, which Linux 6.18
//! accepts and older kernels refuse) accepts either answer and prints which one this kernel
//! gave; so does `undefined` (ld.so reading other bytes as program headers). The table of
//! every mutant is printed (`cargo test loader_mutants -- --nocapture`).
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

use std::io::Read as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;

const LD_SO: &str = "/lib64/ld-linux-x86-64.so.2";

/// What the system did.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Execve(String),
    Signal(String),
    Exit(i32, Vec<u8>),
    Timeout,
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Seen::Execve(e) => write!(f, "execve {e}"),
            Seen::Signal(s) => write!(f, "killed {s}"),
            Seen::Exit(c, _) => write!(f, "exit {c}"),
            Seen::Timeout => f.write_str("timeout"),
        }
    }
}

fn errno_name(e: i32) -> String {
    match e {
        2 => "ENOENT",
        5 => "EIO",
        8 => "ENOEXEC",
        12 => "ENOMEM",
        13 => "EACCES",
        22 => "EINVAL",
        80 => "ELIBBAD",
        _ => return format!("errno {e}"),
    }
    .into()
}

fn signal_name(s: i32) -> String {
    match s {
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        _ => return format!("signal {s}"),
    }
    .into()
}

fn run(argv: &[&Path]) -> Seen {
    let Some((prog, args)) = argv.split_first() else {
        return Seen::Timeout;
    };
    // ETXTBSY: another test thread forked while this mutant's write descriptor was open,
    // and its child still holds a copy until its own exec; try again shortly.
    let spawn = || {
        Command::new(prog)
            .args(args.iter())
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
    };
    let mut child = spawn();
    for _ in 0..50 {
        match &child {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(Duration::from_millis(20));
                child = spawn();
            }
            _ => break,
        }
    }
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return Seen::Execve(e.raw_os_error().map_or(e.to_string(), errno_name)),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Seen::Timeout;
            }
        }
    };
    let mut out = Vec::new();
    if let Some(mut so) = child.stdout.take() {
        let _ = so.read_to_end(&mut out);
    }
    match (status.code(), status.signal()) {
        (Some(c), _) => Seen::Exit(c, out),
        (None, Some(s)) => Seen::Signal(signal_name(s)),
        _ => Seen::Timeout,
    }
}

/// Field offsets of one ELF class (little-endian files).
#[derive(Clone, Copy)]
struct Layout {
    wide: bool,
}

impl Layout {
    fn word(self) -> usize {
        if self.wide {
            8
        } else {
            4
        }
    }
    fn e_entry(self) -> usize {
        0x18
    }
    fn e_phoff(self) -> usize {
        if self.wide {
            0x20
        } else {
            0x1c
        }
    }
    fn e_phentsize(self) -> usize {
        if self.wide {
            0x36
        } else {
            0x2a
        }
    }
    fn e_phnum(self) -> usize {
        if self.wide {
            0x38
        } else {
            0x2c
        }
    }
    /// Offset inside a program header of `p_flags`, `p_offset`, `p_vaddr`, `p_filesz`,
    /// `p_memsz`, `p_align`.
    fn field(self, name: &str) -> usize {
        match (self.wide, name) {
            (true, "flags") => 4,
            (true, "offset") => 8,
            (true, "vaddr") => 16,
            (true, "filesz") => 32,
            (true, "memsz") => 40,
            (true, "align") => 48,
            (false, "offset") => 4,
            (false, "vaddr") => 8,
            (false, "filesz") => 16,
            (false, "memsz") => 20,
            (false, "flags") => 24,
            (false, "align") => 28,
            _ => panic!("no field {name}"),
        }
    }
}

fn get(d: &[u8], at: usize, n: usize) -> u64 {
    let mut v = [0u8; 8];
    v[..n].copy_from_slice(&d[at..at + n]);
    u64::from_le_bytes(v)
}

fn put(d: &mut [u8], at: usize, n: usize, v: u64) {
    d[at..at + n].copy_from_slice(&v.to_le_bytes()[..n]);
}

/// The original's program headers.
struct Elf {
    data: Vec<u8>,
    l: Layout,
    phoff: usize,
    phent: usize,
    phnum: usize,
}

impl Elf {
    fn new(data: Vec<u8>) -> Elf {
        let l = Layout { wide: data[4] == 2 };
        let phoff = get(&data, l.e_phoff(), l.word()) as usize;
        let phent = get(&data, l.e_phentsize(), 2) as usize;
        let phnum = get(&data, l.e_phnum(), 2) as usize;
        Elf {
            data,
            l,
            phoff,
            phent,
            phnum,
        }
    }
    fn ph(&self, i: usize, field: &str) -> u64 {
        let n = if field == "flags" { 4 } else { self.l.word() };
        get(
            &self.data,
            self.phoff + i * self.phent + self.l.field(field),
            n,
        )
    }
    fn p_type(&self, i: usize) -> u32 {
        get(&self.data, self.phoff + i * self.phent, 4) as u32
    }
    fn of_type(&self, t: u32) -> Vec<usize> {
        (0..self.phnum).filter(|&i| self.p_type(i) == t).collect()
    }
    /// A copy with one program-header field set.
    fn with_ph(&self, i: usize, field: &str, v: u64) -> Vec<u8> {
        let mut d = self.data.clone();
        let n = if field == "flags" { 4 } else { self.l.word() };
        put(
            &mut d,
            self.phoff + i * self.phent + self.l.field(field),
            n,
            v,
        );
        d
    }
    fn with_header(&self, at: usize, n: usize, v: u64) -> Vec<u8> {
        let mut d = self.data.clone();
        put(&mut d, at, n, v);
        d
    }
}

const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PT_PHDR: u32 = 6;
const PT_TLS: u32 = 7;

/// The mutants of one fixture: (name, bytes).
fn mutants(e: &Elf) -> Vec<(String, Vec<u8>)> {
    let mut m: Vec<(String, Vec<u8>)> = Vec::new();
    let loads = e.of_type(PT_LOAD);
    let (l0, l1) = (loads[0], loads[1]);
    let last = *loads.last().unwrap();
    let len = e.data.len() as u64;
    let w = e.l.word();
    let mut add = |name: &str, d: Vec<u8>| m.push((name.to_string(), d));
    add(
        "p_align 0x1800 (not a power of two)",
        e.with_ph(l0, "align", 0x1800),
    );
    add(
        "p_align 0x10 (below the page)",
        e.with_ph(l0, "align", 0x10),
    );
    add("p_align 3", e.with_ph(l1, "align", 3));
    add(
        "p_offset +0x10 (incongruent mod page)",
        e.with_ph(l1, "offset", e.ph(l1, "offset") + 0x10),
    );
    add(
        "p_align 0x10000 (incongruent mod p_align)",
        e.with_ph(l1, "align", 0x10000),
    );
    add(
        "p_memsz = p_filesz - 0x1000",
        e.with_ph(l0, "memsz", e.ph(l0, "filesz").saturating_sub(0x1000)),
    );
    add(
        "p_memsz +0x3000 (overlaps the next PT_LOAD)",
        e.with_ph(l0, "memsz", e.ph(l0, "memsz") + 0x3000),
    );
    {
        let mut d = e.data.clone();
        let (a, b) = (e.phoff + l0 * e.phent, e.phoff + l1 * e.phent);
        let first: Vec<u8> = d[a..a + e.phent].to_vec();
        d.copy_within(b..b + e.phent, a);
        d[b..b + e.phent].copy_from_slice(&first);
        add("first two PT_LOADs swapped", d);
    }
    add(
        "e_entry 0x1000 (unmapped)",
        e.with_header(e.l.e_entry(), w, 0x1000),
    );
    if let Some(&nx) = loads.iter().find(|&&i| e.ph(i, "flags") & 1 == 0) {
        add(
            "e_entry in a non-executable PT_LOAD",
            e.with_header(e.l.e_entry(), w, e.ph(nx, "vaddr") + 0x10),
        );
    }
    add("e_phnum 2000", e.with_header(e.l.e_phnum(), 2, 2000));
    add(
        "e_phentsize +8",
        e.with_header(e.l.e_phentsize(), 2, e.phent as u64 + 8),
    );
    add("e_phnum 0", e.with_header(e.l.e_phnum(), 2, 0));
    for i in e.of_type(PT_PHDR) {
        add(
            "PT_PHDR p_vaddr +0x1000",
            e.with_ph(i, "vaddr", e.ph(i, "vaddr") + 0x1000),
        );
    }
    for i in e.of_type(PT_TLS) {
        add("PT_TLS p_filesz 0x100000", e.with_ph(i, "filesz", 0x100000));
    }
    for i in e.of_type(PT_INTERP) {
        let (off, sz) = (e.ph(i, "offset") as usize, e.ph(i, "filesz"));
        let mut d = e.data.clone();
        d[off + sz as usize - 2] = b'9';
        add("PT_INTERP names a missing loader", d);
        add("PT_INTERP without its NUL", e.with_ph(i, "filesz", sz - 1));
        add("PT_INTERP p_filesz 1", e.with_ph(i, "filesz", 1));
        add("PT_INTERP p_filesz 5000", e.with_ph(i, "filesz", 5000));
        add(
            "PT_INTERP p_offset past EOF",
            e.with_ph(i, "offset", len + 10),
        );
        add(
            "PT_INTERP p_vaddr unmapped",
            e.with_ph(i, "vaddr", 0x700_0000),
        );
        if sh_is_dynamic() {
            let mut d = e.data.clone();
            d[off..off + 8].copy_from_slice(b"/bin/sh\0");
            add("PT_INTERP names /bin/sh (not a loader)", d);
        }
    }
    add(
        "last PT_LOAD p_offset +0x400000 (past EOF)",
        e.with_ph(last, "offset", e.ph(last, "offset") + 0x400000),
    );
    add("e_type ET_REL", e.with_header(0x10, 2, 1));
    if e.of_type(PT_INTERP).is_empty() {
        // Static only (nothing reads PT_PHDR): the table moved to the end of the file and
        // padded with PT_NULL entries to just over one page, and to just over 64 KiB.
        let page_plus = 4096 / e.phent + 1;
        let max_plus = 65536 / e.phent + 1;
        for n in [page_plus, max_plus] {
            let mut d = e.data.clone();
            let at = d.len().div_ceil(8) * 8;
            d.resize(at, 0);
            d.extend_from_slice(&e.data[e.phoff..e.phoff + e.phnum * e.phent]);
            d.resize(at + n * e.phent, 0);
            put(&mut d, e.l.e_phoff(), w, at as u64);
            put(&mut d, e.l.e_phnum(), 2, n as u64);
            add(&format!("table of {n} entries ({} bytes)", n * e.phent), d);
        }
    }
    m
}

/// /bin/sh is an ELF program with its own PT_INTERP (Debian's dash), so it makes a wrong
/// interpreter that exists.
fn sh_is_dynamic() -> bool {
    std::fs::read("/bin/sh")
        .ok()
        .and_then(|d| {
            goelf::elf::ElfFile::parse(&d)
                .ok()
                .map(|f| f.segment(object::elf::PT_INTERP).is_some())
        })
        .unwrap_or(false)
}

/// Does what the system did agree with goelf's predicted outcome?
fn agrees(pred: &serde_json::Value, seen: &Seen, original: &Seen) -> bool {
    let s = |k: &str| pred.get(k).and_then(|v| v.as_str()).unwrap_or("");
    match s("kind") {
        "runs" => seen == original,
        "execve_fails" => *seen == Seen::Execve(s("errno").into()),
        "killed" => *seen == Seen::Signal(s("signal").into()),
        "faults_on_access" => seen == original || *seen == Seen::Signal(s("signal").into()),
        "ld_so_refuses" => matches!(seen, Seen::Exit(127, _)),
        "undefined" => true,
        "kernel_dependent" => true,
        _ => false,
    }
}

fn kind(pred: &serde_json::Value) -> String {
    let s = |k: &str| pred.get(k).and_then(|v| v.as_str()).unwrap_or("");
    match s("kind") {
        "execve_fails" => format!("execve {}", s("errno")),
        "killed" => format!("killed {}", s("signal")),
        "faults_on_access" => format!("runs/{}", s("signal")),
        k => k.to_string(),
    }
}

#[test]
fn goelf_predicts_what_the_kernel_and_ld_so_do_with_mutated_binaries() {
    let names = [
        "initgraph-go1.27.3-linux-amd64-default",
        "initgraph-go1.27.3-linux-amd64-pie",
        "cgohello-go1.27.3-linux-amd64-cgo-ext",
        "cgohello-go1.27.3-linux-amd64-cgo-ext-pie",
        "initgraph-go1.27.3-linux-386-default",
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let have_ld_so = Path::new(LD_SO).exists();
    let mut bad = Vec::new();
    let mut rows = 0;
    println!(
        "kernel {}; rules {}",
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim(),
        goelf::elf::RULES
    );
    for name in names {
        let Some(fx) = common::find_fixture(name) else {
            println!("skip {name}: not in the fixture set");
            continue;
        };
        let orig_path = fx.path();
        let original = run(&[&orig_path]);
        if !matches!(original, Seen::Exit(0, _)) {
            println!("skip {name}: the unmodified binary does not run here ({original})");
            continue;
        }
        let e = Elf::new(fx.bytes());
        let ld_so = have_ld_so && e.l.wide;
        let ld_original = ld_so.then(|| run(&[Path::new(LD_SO), &orig_path]));
        let ld_ok = matches!(ld_original, Some(Seen::Exit(0, _)));
        if ld_so && !ld_ok {
            println!("{name}: `ld.so ./prog` does not run the original here; ld.so column skipped");
        }
        println!(
            "\n{name}\n  {:<44} {:<16} {:<16} {:<18} {:<16} {:<16} exit",
            "mutant", "system", "goelf", "check", "ld.so: system", "goelf"
        );
        for (i, (mname, bytes)) in mutants(&e).into_iter().enumerate() {
            let p: PathBuf = dir.path().join(format!("{name}.{i}"));
            std::fs::write(&p, &bytes).expect("write mutant");
            std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .expect("chmod");
            let pstr = p.to_str().expect("utf-8 path");
            let out = common::goelf(&["inspect", "--json", "--no-go", pstr]);
            let v = common::stdout_json(&out);
            let f = &v["files"][0];
            let elf = &f["elf"];
            let start = &elf["start"];
            let seen = run(&[&p]);
            let mut ok = agrees(&start["outcome"], &seen, &original);
            // The check that names the cause, and who enforces it.
            if start["outcome"]["kind"] != "runs" && start["role"] != "not_loadable" {
                ok &= start["check"].is_string() && start["refused_by"].is_string();
            }
            let errors = elf["loader_checks"].as_array().map_or(0, |cs| {
                cs.iter().filter(|c| c["severity"] == "error").count()
            });
            let code = out.status.code().unwrap_or(-1);
            ok &= code == if errors > 0 { 1 } else { 0 };
            let (ld_seen, ld_pred) = if ld_ok {
                let s = run(&[Path::new(LD_SO), &p]);
                ok &= agrees(&start["ld_so"], &s, ld_original.as_ref().unwrap());
                (s.to_string(), kind(&start["ld_so"]))
            } else {
                (String::new(), String::new())
            };
            if start["outcome"]["kind"] == "kernel_dependent" {
                println!("  note: kernel-dependent prediction; this kernel: {seen}");
            }
            println!(
                "  {:<44} {:<16} {:<16} {:<18} {:<16} {:<16} {code}{}",
                mname,
                seen.to_string(),
                kind(&start["outcome"]),
                start["check"].as_str().unwrap_or("-"),
                ld_seen,
                ld_pred,
                if ok { "" } else { "  <-- DISAGREES" }
            );
            rows += 1;
            if !ok {
                bad.push(format!(
                    "{name}: {mname}: system {seen}, goelf {}, exit {code}, ld.so {ld_seen} vs {ld_pred}",
                    start["outcome"]
                ));
            }
        }
    }
    println!("\n{rows} mutants");
    assert!(
        bad.is_empty(),
        "goelf disagrees with the system:\n{}",
        bad.join("\n")
    );
}

/// Build `testdata/src/dlopen` with the C compiler into `dir`: (lib.so, host), or why not.
fn build_dlopen(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let src = common::repo().join("testdata/src/dlopen");
    let (lib, host) = (dir.join("lib.so"), dir.join("host"));
    let cc = |args: &[&std::ffi::OsStr]| {
        Command::new("cc")
            .args(args)
            .output()
            .map_err(|e| format!("no C compiler (cc): {e}"))
            .and_then(|o| {
                o.status
                    .success()
                    .then_some(())
                    .ok_or_else(|| String::from_utf8_lossy(&o.stderr).into_owned())
            })
    };
    cc(&[
        "-shared".as_ref(),
        "-fPIC".as_ref(),
        "-O2".as_ref(),
        "-o".as_ref(),
        lib.as_os_str(),
        src.join("lib.c").as_os_str(),
    ])?;
    cc(&[
        "-O2".as_ref(),
        "-o".as_ref(),
        host.as_os_str(),
        src.join("host.c").as_os_str(),
        "-ldl".as_ref(),
    ])?;
    Ok((lib, host))
}

/// The ld.so rules for a shared library (#17 item 2: "for ET_DYN, the ld.so rules when it
/// maps the object itself"): the same one-field mutants of a small C library, each loaded
/// with `dlopen` by a host program (testdata/src/dlopen), must do what `goelf inspect`
/// predicts in `start.ld_so`; a refusal must carry the message goelf names (dlerror()), and
/// `goelf` exits 1 exactly when a check is an error. Needs a C compiler (`cc`).
#[test]
fn goelf_predicts_what_dlopen_does_with_mutated_libraries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (lib, host) = match build_dlopen(dir.path()) {
        Ok(x) => x,
        Err(why) => {
            assert!(
                std::env::var_os("GOELF_REQUIRE_CC").is_none(),
                "cannot build the dlopen test: {why}"
            );
            println!("skipped: cannot build the dlopen test: {why}");
            return;
        }
    };
    let original = run(&[&host, &lib]);
    assert!(
        matches!(&original, Seen::Exit(0, out) if out == b"42\n"),
        "the unmodified library does not load: {original}"
    );
    let e = Elf::new(std::fs::read(&lib).expect("read lib.so"));
    let (v, code) =
        common::goelf_json(&["inspect", "--json", "--no-go", lib.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "the unmodified library");
    assert_eq!(v["files"][0]["elf"]["start"]["role"], "shared_library");
    let mut bad = Vec::new();
    println!(
        "\nlib.so (dlopen)\n  {:<44} {:<16} {:<16} {:<14} exit",
        "mutant", "dlopen: system", "goelf", "check"
    );
    let mut rows = 0;
    for (i, (mname, bytes)) in mutants(&e).into_iter().enumerate() {
        let p: PathBuf = dir.path().join(format!("lib.{i}.so"));
        std::fs::write(&p, &bytes).expect("write mutant");
        let out = common::goelf(&["inspect", "--json", "--no-go", p.to_str().expect("utf-8")]);
        let v = common::stdout_json(&out);
        let elf = &v["files"][0]["elf"];
        let start = &elf["start"];
        let seen = run(&[&host, &p]);
        let pred = &start["ld_so"];
        let mut ok = agrees(pred, &seen, &original);
        if pred["kind"] == "ld_so_refuses" {
            let said = match &seen {
                Seen::Exit(_, o) => String::from_utf8_lossy(o).into_owned(),
                _ => String::new(),
            };
            let msg = pred["message"].as_str().unwrap_or("?");
            ok &= said.contains(msg);
        }
        let errors = elf["loader_checks"].as_array().map_or(0, |cs| {
            cs.iter().filter(|c| c["severity"] == "error").count()
        });
        let code = out.status.code().unwrap_or(-1);
        ok &= code == if errors > 0 { 1 } else { 0 };
        let failing = elf["loader_checks"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["severity"] == "error"))
            .and_then(|c| c["check"].as_str())
            .unwrap_or("-");
        println!(
            "  {:<44} {:<16} {:<16} {:<14} {code}{}",
            mname,
            seen.to_string(),
            kind(pred),
            failing,
            if ok { "" } else { "  <-- DISAGREES" }
        );
        rows += 1;
        if !ok {
            bad.push(format!(
                "{mname}: dlopen {seen}, goelf {pred}, role {}, exit {code}",
                start["role"]
            ));
        }
    }
    println!("\n{rows} library mutants");
    assert!(rows >= 15, "only {rows} mutants");
    assert!(
        bad.is_empty(),
        "goelf disagrees with dlopen:\n{}",
        bad.join("\n")
    );
}

/// PE and Mach-O files have no ELF start verdict; `inspect` still exits 0 on them.
#[test]
fn non_elf_inputs_are_unaffected() {
    for fx in common::fixtures() {
        let goos = fx.meta_str("goos");
        if goos != "windows" && goos != "darwin" {
            continue;
        }
        let path = fx.path();
        let (v, code) =
            common::goelf_json(&["inspect", "--json", "--no-go", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{}", fx.name);
        assert!(v["files"][0]["elf"].is_null(), "{}", fx.name);
    }
}

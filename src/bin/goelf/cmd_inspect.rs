//! `goelf inspect FILE...`: the container and Go metadata of each file, as tables or JSON.

use std::fmt::Write as _;
use std::path::PathBuf;

use goelf::elf::{ElfReport, Role, Severity, StartVerdict};
use goelf::inspect::{inspect_bytes, InspectError, InspectFile, InspectOptions};

use std::borrow::Cow;

use crate::common::{align_right, hex, table};
use crate::runner;

/// Arguments of `goelf inspect`.
#[derive(Debug, clap::Args)]
#[command(after_help = INSPECT_AFTER_HELP)]
pub struct Args {
    /// Files to inspect.
    /// `-` reads standard input; a directory is walked recursively (its Go binaries, as `go version DIR`).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print one JSON document for all files (schema_version 1).
    #[arg(long)]
    json: bool,
    /// Print the build information exactly as `go version -m` does.
    #[arg(long)]
    modules: bool,
    /// Leave out the section headers table (human output).
    #[arg(long)]
    no_sections: bool,
    /// Only the container; skip the Go metadata.
    #[arg(long)]
    no_go: bool,
    /// Read all of the DWARF: count every compile unit and list every producer (by default
    /// a compressed `.debug_info` is read only up to the first Go producer).
    #[arg(long)]
    dwarf: bool,
}

const INSPECT_AFTER_HELP: &str = "\
Start verdict and loader checks: the output starts with the answer, \"will start: yes\" or
\"will start: no\" with who refuses the file and how, for Linux 6.x and glibc 2.35+ ld.so. Each
loader check then gets one line, in the order the kernel applies them: its severity, what
happens when the rule is broken (runs; execve fails with an errno such as ENOEXEC, ENOENT, EIO,
ELIBBAD; killed by SIGSEGV or SIGBUS before the program's first instruction; ld.so refuses it),
who enforces it (the kernel, fs/binfmt_elf.c; ld.so, glibc elf/dl-load.c and elf/rtld.c; or
only the ELF specification) and the detail. Severities: error = the system refuses the file
or its headers claim bytes the file does not have (the file fails: exit 1, and
`goelf: PATH: this binary will not start: ...` on stderr); warning = only the specification,
another kernel/glibc version or `ld.so ./prog` is affected; note = a hardening finding (W+X,
executable stack). Example, a binary whose PT_INTERP names a loader missing on this host:

  will start: no, the kernel refuses it: execve fails with ENOENT
    because: /lib64/ld-linux-x86-64.so.9: does not exist on this host [interp_loader]
    as `ld.so FILE`: runs

JSON: files[].elf.start (role, will_start, outcome, refused_by, check, reason, ld_so) and
files[].elf.loader_checks[] (check, ok, detail, rule, enforcer, source, outcome, severity).

Exit status: 0 every file analysed and no loader check is an error; 1 a file could not be
analysed or a loader check is an error; 2 usage or hard error.";

pub fn run(args: Args) -> anyhow::Result<u8> {
    if args.modules && !args.json {
        return run_modules(&args);
    }
    let cmd = Inspect {
        opts: InspectOptions {
            no_go: args.no_go,
            dwarf_full: args.dwarf,
        },
        args: &args,
    };
    runner::run(&cmd, &args.files, args.json)
}

/// `inspect` for the runner: one [`InspectFile`] per file.
struct Inspect<'x> {
    opts: InspectOptions,
    args: &'x Args,
}

impl runner::Analyse for Inspect<'_> {
    type Report<'a> = InspectFile;

    fn analyse(&self, file: runner::Opened<'_, '_>) -> anyhow::Result<InspectFile> {
        Ok(inspect_bytes(file.shown, file.data(), &self.opts))
    }

    fn report_error(&self, r: &InspectFile) -> Option<String> {
        (!r.ok).then(|| {
            r.error
                .as_ref()
                .map_or_else(|| "failed".to_string(), ToString::to_string)
        })
    }
}

impl runner::Text for Inspect<'_> {
    fn render_text(
        &self,
        w: &mut dyn std::io::Write,
        file: &runner::File<InspectFile>,
        _many: bool,
    ) -> std::io::Result<bool> {
        if let Ok(r) = &file.result {
            if r.ok {
                let mut out = String::new();
                render(&mut out, r, self.args);
                w.write_all(out.as_bytes())?;
                return Ok(loader_failed(r));
            }
        }
        Ok(false)
    }
}

impl runner::Json for Inspect<'_> {
    const NAME: &'static str = "inspect";
    type Entry<'r, 'a: 'r>
        = Cow<'r, InspectFile>
    where
        Self: 'r;

    fn json_entry<'r, 'a: 'r>(&self, file: &'r runner::File<InspectFile>) -> Cow<'r, InspectFile> {
        match &file.result {
            Ok(r) => Cow::Borrowed(r),
            Err(e) => Cow::Owned(InspectFile::failed(
                &file.shown,
                InspectError::Open(e.clone()),
            )),
        }
    }

    fn entry_failed(&self, entry: &Cow<'_, InspectFile>) -> bool {
        entry.ok && loader_failed(entry)
    }
}

/// A loader check is an error (the system refuses the file, or it is damaged): the file
/// fails, with `goelf: PATH: …` on stderr.
fn loader_failed(r: &InspectFile) -> bool {
    match r.elf.as_ref().and_then(|e| e.loader_failure()) {
        Some(msg) => {
            eprintln!("goelf: {}: {msg}", r.path);
            true
        }
        None => false,
    }
}

fn render(out: &mut String, r: &InspectFile, args: &Args) {
    let _ = writeln!(
        out,
        "{}: {} {}",
        r.path,
        r.format.as_deref().unwrap_or("?").to_uppercase(),
        r.arch.as_deref().unwrap_or("?")
    );
    if let Some(elf) = &r.elf {
        render_start(out, &elf.start);
    }
    if let Some(elf) = &r.elf {
        render_elf(out, elf, args);
    }
    if let Some(pe) = &r.pe {
        crate::render_pe::render(out, pe, !args.no_sections);
    }
    if let Some(m) = &r.macho {
        crate::render_macho::render(out, m, !args.no_sections);
    }
    match &r.go {
        Some(go) => crate::render_go::render(out, go),
        None if !args.no_go => out.push_str("\nGo: none found (not a Go binary)\n"),
        None => {}
    }
    if !r.problems.is_empty() {
        out.push_str("\nProblems:\n");
        for p in &r.problems {
            let _ = writeln!(out, "  [{}] {}", p.code, p.message);
        }
    }
    out.push('\n');
}

fn render_elf(out: &mut String, e: &ElfReport, args: &Args) {
    let h = &e.header;
    let _ = writeln!(
        out,
        "\nELF header: {} {:?}-endian, type {}, machine {} ({}), entry {:#x}, flags {:#x}",
        h.class, h.endian, h.r#type, h.machine, h.machine_code, h.entry, h.flags
    );
    let _ = writeln!(
        out,
        "  {} program headers at {:#x}, {} section headers at {:#x}, section names in [{}]",
        h.phnum, h.phoff, h.shnum, h.shoff, h.shstrndx
    );

    let mut t = table(&[
        "#", "Type", "Offset", "VirtAddr", "PhysAddr", "FileSiz", "MemSiz", "Flg", "Align",
        "Sections",
    ]);
    for p in &e.program_headers {
        t.add_row(vec![
            p.index.to_string(),
            p.r#type.clone(),
            hex(p.offset),
            hex(p.vaddr),
            hex(p.paddr),
            hex(p.filesz),
            hex(p.memsz),
            p.flags.clone(),
            hex(p.align),
            p.sections.join(" "),
        ]);
    }
    align_right(&mut t, &[0, 2, 3, 4, 5, 6, 8]);
    let _ = writeln!(out, "\nProgram headers:\n{t}");
    if let Some(i) = &e.interp {
        let _ = writeln!(out, "  interpreter: {i}");
    }

    render_checks(out, e);

    if !args.no_sections && !e.sections.is_empty() {
        let mut t = table(&[
            "[Nr]", "Name", "Type", "Address", "Off", "Size", "ES", "Flg", "Lk", "Inf", "Al",
        ]);
        for s in &e.sections {
            t.add_row(vec![
                s.index.to_string(),
                s.name.clone(),
                s.r#type.clone(),
                hex(s.address),
                hex(s.offset),
                hex(s.size),
                hex(s.entsize),
                s.flags.clone(),
                s.link.to_string(),
                s.info.to_string(),
                s.align.to_string(),
            ]);
        }
        align_right(&mut t, &[0, 3, 4, 5, 6, 8, 9, 10]);
        let _ = writeln!(out, "\nSections:\n{t}");
    }

    if e.init_array.is_empty() {
        out.push_str("\nConstructors (preinit/init/init_array/fini): none\n");
    } else {
        let mut t = table(&["Kind", "Slot", "Target", "Symbol"]);
        for i in &e.init_array {
            t.add_row(vec![
                i.kind.name().to_string(),
                hex(i.address),
                hex(i.target),
                i.symbol.clone().unwrap_or_else(|| "?".into()),
            ]);
        }
        let _ = writeln!(
            out,
            "\nConstructors and destructors (execution order):\n{t}"
        );
    }

    let d = &e.dynamic;
    if d.present {
        let _ = writeln!(
            out,
            "\nDynamic: {} entries; NEEDED {}; FLAGS [{}]; FLAGS_1 [{}]; BIND_NOW {}; RELRO {}; DT_RELR {}; relative count {}",
            d.entries.len(),
            if d.needed.is_empty() { "none".into() } else { d.needed.join(", ") },
            d.flags.join(" "),
            d.flags_1.join(" "),
            yes(d.bind_now),
            yes(d.relro),
            yes(d.relr),
            d.relative_count.map_or("absent".into(), |c| c.to_string()),
        );
    } else {
        out.push_str("\nDynamic: none (statically linked)\n");
    }

    let hd = &e.hardening;
    let mut t = table(&["Hardening", "Value"]);
    t.add_row(vec!["PIE".into(), yes(hd.pie).to_string()]);
    t.add_row(vec!["NX stack".into(), yes(hd.nx).to_string()]);
    t.add_row(vec!["RELRO".into(), hd.relro.name().to_string()]);
    t.add_row(vec![
        "Linking".into(),
        if hd.is_static { "static" } else { "dynamic" }.to_string(),
    ]);
    t.add_row(vec![
        "Interpreter".into(),
        hd.interp.clone().unwrap_or_else(|| "none".into()),
    ]);
    t.add_row(vec![
        "Stripped (.symtab)".into(),
        yes(hd.stripped).to_string(),
    ]);
    t.add_row(vec!["DWARF".into(), yes(hd.dwarf).to_string()]);
    t.add_row(vec!["W+X segment".into(), yes(hd.wx_segment).to_string()]);
    t.add_row(vec![
        "GNU build id".into(),
        hd.build_id.clone().unwrap_or_else(|| "none".into()),
    ]);
    t.add_row(vec![
        "Go build id".into(),
        hd.go_build_id.clone().unwrap_or_else(|| "none".into()),
    ]);
    let _ = writeln!(out, "\n{t}");
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// `--modules`: only the build information is decoded, as `go version -m` does, so that the
/// answer costs no more than the tool it replaces.
fn run_modules(args: &Args) -> anyhow::Result<u8> {
    runner::run_text(&Modules, &args.files)
}

/// `inspect --modules` for the runner: the `go version -m` text of each file.
struct Modules;

impl runner::Analyse for Modules {
    type Report<'a> = String;

    fn analyse(&self, file: runner::Opened<'_, '_>) -> anyhow::Result<String> {
        let image = goelf::image::Image::parse(file.data()).map_err(|e| anyhow::anyhow!("{e}"))?;
        goelf::go::GoBinary::new(image)
            .buildinfo()
            .map(|b| b.version_m(file.shown))
            .map_err(|_| anyhow::anyhow!("no Go build information"))
    }
}

impl runner::Text for Modules {
    fn render_text(
        &self,
        w: &mut dyn std::io::Write,
        file: &runner::File<String>,
        _many: bool,
    ) -> std::io::Result<bool> {
        if let Ok(text) = &file.result {
            w.write_all(text.as_bytes())?;
        }
        Ok(false)
    }
}

/// The answer first: will it start, and if not, who refuses it and how.
fn render_start(out: &mut String, s: &StartVerdict) {
    let answer = match (s.role, s.will_start) {
        (Role::Program, Some(true)) => "will start: yes".to_string(),
        (Role::Program, _) => format!(
            "will start: no, {}: {}",
            s.refused_by.map_or("refused", goelf::elf::refused_by_words),
            s.outcome.describe()
        ),
        (Role::SharedLibrary, _) if s.refused_by.is_some() => {
            format!(
                "shared library; ld.so loads it: no, {}",
                s.outcome.describe()
            )
        }
        (Role::SharedLibrary, _) => "shared library; ld.so loads it: yes".to_string(),
        (Role::NotLoadable, _) => format!(
            "not a program or a shared library: {}",
            s.outcome.describe()
        ),
    };
    let _ = writeln!(out, "{answer}");
    if let (Some(reason), Some(check)) = (&s.reason, s.check) {
        let _ = writeln!(out, "  because: {reason} [{check}]");
    }
    if s.role == Role::Program {
        let _ = writeln!(out, "  as `ld.so FILE`: {}", s.ld_so.describe());
    }
}

/// One short line per check, in the kernel's order: severity, name, outcome, enforcer, detail.
fn render_checks(out: &mut String, e: &ElfReport) {
    let _ = writeln!(
        out,
        "\nLoader checks: in the kernel's order; rules of {}",
        goelf::elf::RULES
    );
    let width = e
        .loader_checks
        .iter()
        .map(|c| c.check.name().len())
        .max()
        .unwrap_or(0);
    for c in &e.loader_checks {
        let tag = match c.severity {
            None => "ok",
            Some(Severity::Error) => "ERROR",
            Some(Severity::Warning) => "warning",
            Some(Severity::Note) => "note",
        };
        let name = c.check.name();
        if c.ok {
            let _ = writeln!(out, "  {tag:<7} {name:<width$}  {}", c.detail);
        } else {
            let _ = writeln!(
                out,
                "  {tag:<7} {name:<width$}  {}; enforced by {} ({}): {}",
                c.outcome.describe(),
                c.enforcer.display(),
                c.source,
                c.detail
            );
        }
    }
}

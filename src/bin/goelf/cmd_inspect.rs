//! `goelf inspect FILE...`: the container and Go metadata of each file, as tables or JSON.

use std::fmt::Write as _;
use std::path::PathBuf;

use goelf::elf::{ElfReport, Role, Severity, StartVerdict};
use goelf::inspect::{inspect_bytes, InspectError, InspectFile, InspectOptions};

use std::borrow::Cow;

use crate::common::hex;
use crate::runner;
use crate::table::{self, Cell, Table};
use crate::term::{paint, Style};

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
    if args.modules {
        return runner::run(&Modules, &args.files, args.json);
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
        // A damaged file is still shown (everything that could be read); one that could
        // not be read at all has only its stderr line.
        if let Ok(r) = &file.result {
            if r.ok || r.format.is_some() {
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

/// The one-line answer: what the file is, in plain words.
fn summary(r: &InspectFile) -> String {
    let mut parts: Vec<String> = Vec::new();
    let setting = |k: &str| {
        r.go.as_ref()
            .and_then(|g| g.buildinfo.as_ref())
            .and_then(|b| b.settings.iter().find(|s| s.key == k))
            .map(|s| s.value.clone())
    };
    match &r.go {
        Some(go) => {
            let v = go.version.as_deref().unwrap_or("version unknown");
            parts.push(match v.strip_prefix("go") {
                Some(n) if n.starts_with(|c: char| c.is_ascii_digit()) => format!("Go {n}"),
                _ => format!("Go ({v})"),
            });
            let os = setting("GOOS");
            let arch = setting("GOARCH");
            match (os, arch) {
                (Some(o), Some(a)) => parts.push(format!("{o}/{a}")),
                _ => parts.push(format!(
                    "{} {}",
                    r.format.as_deref().unwrap_or("?").to_uppercase(),
                    r.arch.as_deref().unwrap_or("?")
                )),
            }
            if go.packer.is_some() {
                parts.push("packed".into());
            }
        }
        None => {
            let damaged_go = r.problems.iter().any(|p| p.code == "go.damaged");
            parts.push(if damaged_go {
                "damaged Go binary".into()
            } else if truncated(r) {
                // What is left cannot say whether it was Go (#11).
                "truncated file, no Go metadata in what is left".into()
            } else {
                "not a Go binary".into()
            });
            parts.push(format!(
                "{} {}",
                r.format.as_deref().unwrap_or("?").to_uppercase(),
                r.arch.as_deref().unwrap_or("?")
            ));
        }
    }
    if let Some(e) = &r.elf {
        let h = &e.hardening;
        parts.push(if h.is_static { "static" } else { "dynamic" }.into());
        parts.push(if h.pie { "PIE" } else { "not PIE" }.into());
        parts.push(format!("stripped: {}", yes(h.stripped)));
        if setting("CGO_ENABLED").as_deref() == Some("1") {
            parts.push("cgo".into());
        }
    }
    format!("{}: {}", r.path, parts.join(", "))
}

/// The file is shorter than its headers describe (the `file.truncated` problem).
fn truncated(r: &InspectFile) -> bool {
    r.problems.iter().any(|p| p.code == "file.truncated")
}

fn render(out: &mut String, r: &InspectFile, args: &Args) {
    table::para(out, &summary(r), 2);
    let errors: Vec<_> = r.problems.iter().filter(|p| p.is_error()).collect();
    for p in &errors {
        let line = format!("  {}: {}", paint("error", Some(Style::Bad)), p.message);
        table::para(out, &line, 4);
    }
    if errors.is_empty() {
        if let Some(e) = &r.error {
            table::para(
                out,
                &format!("  {}: {e}", paint("error", Some(Style::Bad))),
                4,
            );
        }
    }
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
        Some(go) => {
            let mut g = String::new();
            crate::render_go::render(&mut g, go);
            for l in g.lines() {
                if l.is_empty() {
                    out.push('\n');
                } else {
                    table::para(out, l, 4);
                }
            }
        }
        None if !args.no_go => {
            if r.problems.iter().any(|p| p.code == "go.damaged") {
                out.push_str(
                    "\nGo: a Go binary, but its Go metadata cannot be read (see the problems)\n",
                );
            } else if truncated(r) {
                out.push_str(
                    "\nGo: none found in what is left of the file (it is truncated: see the problems)\n",
                );
            } else {
                out.push_str("\nGo: none (not a Go binary: no build info, no pclntab)\n");
            }
        }
        None => {}
    }
    if !r.problems.is_empty() {
        out.push_str("\nProblems:\n");
        let mut t = Table::new(&["SEVERITY", "CODE", "MESSAGE"]).indent(2);
        for p in &r.problems {
            let style = match p.severity {
                Severity::Error => Some(Style::Bad),
                Severity::Warning => Some(Style::Warn),
                Severity::Note => None,
            };
            t.row([
                Cell::styled(p.severity.name(), style),
                Cell::from(p.code.clone()),
                Cell::from(p.message.clone()),
            ]);
        }
        t.render(out);
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

    let hd = &e.hardening;
    out.push_str("\nHardening:\n");
    let mut t = Table::new(&["PROPERTY", "VALUE"]).indent(2);
    t.row(["PIE".to_string(), yes(hd.pie).to_string()]);
    t.row(["NX stack".to_string(), yes(hd.nx).to_string()]);
    t.row(["RELRO".to_string(), hd.relro.name().to_string()]);
    t.row([
        "Linking".to_string(),
        if hd.is_static { "static" } else { "dynamic" }.to_string(),
    ]);
    t.row([
        "Interpreter".to_string(),
        hd.interp.clone().unwrap_or_else(|| "none".into()),
    ]);
    t.row([
        "Stripped (no .symtab)".to_string(),
        yes(hd.stripped).to_string(),
    ]);
    t.row(["DWARF".to_string(), yes(hd.dwarf).to_string()]);
    t.row([
        Cell::from("W+X segment"),
        Cell::styled(yes(hd.wx_segment), hd.wx_segment.then_some(Style::Warn)),
    ]);
    t.row([
        "GNU build id".to_string(),
        hd.build_id.clone().unwrap_or_else(|| "none".into()),
    ]);
    t.row([
        "Go build id".to_string(),
        hd.go_build_id.clone().unwrap_or_else(|| "none".into()),
    ]);
    t.render(out);

    let mut t = Table::new(&[
        "NR", "TYPE", "OFFSET", "VIRTADDR", "PHYSADDR", "FILESIZ", "MEMSIZ", "FLG", "ALIGN",
    ])
    .right(&[0, 2, 3, 4, 5, 6, 8])
    .indent(2);
    for p in &e.program_headers {
        t.row([
            p.index.to_string(),
            p.r#type.clone(),
            hex(p.offset),
            hex(p.vaddr),
            hex(p.paddr),
            hex(p.filesz),
            hex(p.memsz),
            p.flags.clone(),
            hex(p.align),
        ]);
    }
    out.push_str("\nProgram headers:\n");
    t.render(out);
    if let Some(i) = &e.interp {
        let _ = writeln!(out, "  interpreter: {}", table::clean(i));
    }
    if e.program_headers.iter().any(|p| !p.sections.is_empty()) {
        out.push_str("\nSection to segment mapping:\n");
        let mut t = Table::new(&["SEGMENT", "SECTIONS"]).right(&[0]).indent(2);
        for p in &e.program_headers {
            t.row([format!("{:02}", p.index), p.sections.join(" ")]);
        }
        t.render(out);
    }

    render_checks(out, e);

    if !args.no_sections && !e.sections.is_empty() {
        let mut t = Table::new(&[
            "NR", "NAME", "TYPE", "ADDRESS", "OFF", "SIZE", "ES", "FLG", "LK", "INF", "AL",
        ])
        .right(&[0, 3, 4, 5, 6, 8, 9, 10])
        .indent(2);
        for s in &e.sections {
            t.row([
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
        out.push_str("\nSections:\n");
        t.render(out);
    }

    if e.init_array.is_empty() {
        out.push_str("\nConstructors and destructors (preinit/init/init_array/fini): none\n");
    } else {
        let mut t = Table::new(&["KIND", "SLOT", "TARGET", "SYMBOL"])
            .right(&[1, 2])
            .indent(2);
        for i in &e.init_array {
            t.row([
                i.kind.name().to_string(),
                hex(i.address),
                hex(i.target),
                i.symbol.clone().unwrap_or_else(|| "?".into()),
            ]);
        }
        out.push_str("\nConstructors and destructors (execution order):\n");
        t.render(out);
    }

    let d = &e.dynamic;
    if d.present {
        let line = format!(
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
        table::para(out, &line, 2);
    } else {
        out.push_str("\nDynamic: none (statically linked)\n");
    }
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
struct Modules;

/// One file of `inspect --modules --json`.
#[derive(serde::Serialize)]
struct ModulesEntry<'r> {
    path: &'r str,
    ok: bool,
    error: Option<&'r str>,
    /// The build information, decoded (the `go.buildinfo` of `inspect --json`).
    buildinfo: Option<&'r goelf::go::buildinfo::BuildInfo>,
    /// The text `go version -m` prints for the file.
    version_m: Option<&'r str>,
}

impl runner::Analyse for Modules {
    type Report<'a> = (goelf::go::buildinfo::BuildInfo, String);

    fn analyse(&self, file: runner::Opened<'_, '_>) -> anyhow::Result<Self::Report<'static>> {
        let data = file.data();
        let image = goelf::image::Image::parse(data).map_err(|e| anyhow::anyhow!("{e}"))?;
        let truncated = image.truncation();
        let go = goelf::go::GoBinary::new(image);
        match (go.buildinfo(), truncated) {
            (Ok(b), None) => Ok((b.clone(), b.version_m(file.shown))),
            (_, Some(t)) => Err(anyhow::anyhow!("{}", t.message)),
            (Err(_), None) => Err(anyhow::anyhow!(
                "no Go build information (not a Go binary, or built without module support)"
            )),
        }
    }
}

impl runner::Text for Modules {
    fn render_text(
        &self,
        w: &mut dyn std::io::Write,
        file: &runner::File<Self::Report<'_>>,
        _many: bool,
    ) -> std::io::Result<bool> {
        if let Ok((_, text)) = &file.result {
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

impl runner::Json for Modules {
    const NAME: &'static str = "inspect";
    type Entry<'r, 'a: 'r> = ModulesEntry<'r>;

    fn json_entry<'r, 'a: 'r>(&self, file: &'r runner::File<Self::Report<'a>>) -> ModulesEntry<'r> {
        match &file.result {
            Ok((b, text)) => ModulesEntry {
                path: &file.shown,
                ok: true,
                error: None,
                buildinfo: Some(b),
                version_m: Some(text),
            },
            Err(e) => ModulesEntry {
                path: &file.shown,
                ok: false,
                error: Some(e),
                buildinfo: None,
                version_m: None,
            },
        }
    }
}

//! `goelf generate man DIR` / `goelf generate completions SHELL [DIR]`: the man pages and
//! shell completions, generated from the clap definition so they cannot drift from the flags.
//!
//! A page is clap_mangen's sections (NAME, DESCRIPTION, OPTIONS, SUBCOMMANDS, EXTRA,
//! VERSION) with goelf's own SYNOPSIS (option value names and `FILE...` spelled out, which
//! clap_mangen leaves out) and the sections of [`PAGES`]: the terms the output uses, EXAMPLES,
//! EXIT STATUS and JSON (the schema of the command's output).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

/// Arguments of `goelf generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Write goelf.1 and one page per subcommand into DIR.
    Man { dir: PathBuf },
    /// Write the completion script for SHELL into DIR (or stdout).
    Completions {
        shell: clap_complete::Shell,
        dir: Option<PathBuf>,
    },
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let cmd = crate::Cli::command();
    match args.what {
        What::Man { dir } => {
            std::fs::create_dir_all(&dir)?;
            write_man_pages(cmd, &dir)?;
        }
        What::Completions { shell, dir } => {
            let mut cmd = cmd;
            match dir {
                Some(d) => {
                    std::fs::create_dir_all(&d)?;
                    clap_complete::generate_to(shell, &mut cmd, "goelf", &d)?;
                }
                None => clap_complete::generate(shell, &mut cmd, "goelf", &mut std::io::stdout()),
            }
        }
    }
    Ok(crate::common::EXIT_OK)
}

/// goelf.1 and `goelf-COMMAND.1` for every visible subcommand (clap_mangen's file names).
fn write_man_pages(cmd: clap::Command, dir: &Path) -> std::io::Result<()> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let subs: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    for sub in subs {
        write_page(sub, dir)?;
    }
    write_page(cmd, dir)
}

/// One page.
fn write_page(cmd: clap::Command, dir: &Path) -> std::io::Result<()> {
    let key = cmd
        .get_bin_name()
        .unwrap_or(cmd.get_name())
        .strip_prefix("goelf ")
        .unwrap_or("")
        .to_string();
    let page = PAGES.iter().find(|p| p.command == key);
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out: Vec<u8> = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    write_synopsis(&mut out, &cmd)?;
    man.render_description_section(&mut out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut out)?;
    }
    if cmd.get_after_long_help().is_some() || cmd.get_after_help().is_some() {
        man.render_extra_section(&mut out)?;
    }
    if let Some(p) = page {
        write_sections(&mut out, p)?;
    }
    if cmd
        .get_version()
        .or_else(|| cmd.get_long_version())
        .is_some()
    {
        man.render_version_section(&mut out)?;
    }
    // Each clap_mangen piece starts with the same preamble (the `Aq` string): keep the first.
    let text = String::from_utf8_lossy(&out);
    let mut page_text = String::with_capacity(text.len());
    let mut seen = std::collections::HashSet::new();
    for line in text.lines() {
        let preamble = line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq");
        if preamble && !seen.insert(line.to_string()) {
            continue;
        }
        page_text.push_str(line);
        page_text.push('\n');
    }
    let mut file = std::fs::File::create(dir.join(man.get_filename()))?;
    file.write_all(page_text.as_bytes())?;
    file.flush()
}

/// SYNOPSIS: `goelf COMMAND [-s|--long VALUE]... FILE...`, every option with its value name.
fn write_synopsis(out: &mut dyn Write, cmd: &clap::Command) -> std::io::Result<()> {
    let name = cmd.get_bin_name().unwrap_or(cmd.get_name());
    let mut line = format!("\\fB{}\\fR", roff(name));
    for a in cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_positional())
    {
        let flag = match (a.get_short(), a.get_long()) {
            (Some(s), Some(l)) => format!("\\fB\\-{}\\fR|\\fB\\-\\-{}\\fR", s, roff(l)),
            (None, Some(l)) => format!("\\fB\\-\\-{}\\fR", roff(l)),
            (Some(s), None) => format!("\\fB\\-{s}\\fR"),
            (None, None) => continue,
        };
        let value = if a.get_action().takes_values() {
            let names = a
                .get_value_names()
                .map(|v| {
                    v.iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_else(|| a.get_id().as_str().to_uppercase());
            if a.get_num_args().is_some_and(|n| n.min_values() == 0) {
                format!("[=\\fI{}\\fR]", roff(&names))
            } else {
                format!(" \\fI{}\\fR", roff(&names))
            }
        } else {
            String::new()
        };
        let repeat = if matches!(a.get_action(), clap::ArgAction::Append) {
            "..."
        } else {
            ""
        };
        if a.is_required_set() {
            line.push_str(&format!(" {flag}{value}"));
        } else {
            line.push_str(&format!(" [{flag}{value}]{repeat}"));
        }
    }
    for a in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let names = a
            .get_value_names()
            .map(|v| {
                v.iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_else(|| a.get_id().as_str().to_uppercase());
        let many = a.get_num_args().is_some_and(|n| n.max_values() > 1);
        let dots = if many { "..." } else { "" };
        if a.is_required_set() {
            line.push_str(&format!(" \\fI{}\\fR{dots}", roff(&names)));
        } else {
            line.push_str(&format!(" [\\fI{}\\fR]{dots}", roff(&names)));
        }
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        line.push_str(" \\fICOMMAND\\fR [\\fIARGS\\fR]");
    }
    writeln!(out, ".SH SYNOPSIS\n{line}")
}

/// Text for roff: backslashes and minus signs escaped, a leading `.` or `'` protected.
fn roff(s: &str) -> String {
    let t = s.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

/// The sections of one page from [`PAGES`].
fn write_sections(out: &mut dyn Write, p: &Page) -> std::io::Result<()> {
    for (title, items) in p.terms {
        writeln!(out, ".SH \"{title}\"")?;
        for (term, meaning) in *items {
            writeln!(out, ".TP\n\\fB{}\\fR\n{}", roff(term), roff(meaning))?;
        }
    }
    if !p.examples.is_empty() {
        writeln!(out, ".SH EXAMPLES")?;
        for (what, command) in p.examples {
            writeln!(
                out,
                ".TP\n{}\n.nf\n\\fB{}\\fR\n.fi",
                roff(what),
                roff(command)
            )?;
        }
    }
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    for (code, meaning) in [
        ("0", p.exit_ok),
        ("1", p.exit_failed),
        ("2", "Usage error (a bad flag or argument) or a hard error (standard output closed, a file that cannot be written)."),
    ] {
        writeln!(out, ".TP\n\\fB{code}\\fR\n{}", roff(meaning))?;
    }
    if !p.json.is_empty() {
        writeln!(out, ".SH JSON\n{}", roff(p.json))?;
    }
    Ok(())
}

/// What a page adds to clap's sections.
struct Page {
    /// The subcommand (`""` for goelf.1).
    command: &'static str,
    /// Sections explaining the words the output uses: title, then (term, meaning).
    terms: &'static [(&'static str, &'static [(&'static str, &'static str)])],
    /// (what it does, the command line).
    examples: &'static [(&'static str, &'static str)],
    /// What exit status 0 means.
    exit_ok: &'static str,
    /// What exit status 1 means.
    exit_failed: &'static str,
    /// The JSON section.
    json: &'static str,
}

/// "`--json` follows schemas/NAME.schema.json ..." for the commands with a goelf schema.
macro_rules! json_schema {
    ($name:literal) => {
        concat!(
            "With --json the output is one document: {\"schema_version\", \"tool\", \"version\", \
             \"command\", \"files\": [...]}, one entry of files per input file in argument order. \
             Its JSON Schema (draft 2020-12) is schemas/",
            $name,
            ".schema.json in goelf's source repository. Keys are added in later versions, never \
             renamed; numbers are integers unless the schema says a key is a decimal."
        )
    };
}

const FILE_FAILED: &str = "A file failed: it cannot be read, is not what the command needs (no Go \
    metadata where it is required), or is damaged (a truncated file, a table out of range, a \
    damaged Go structure). The other files are still analysed and reported.";

const PAGES: &[Page] = &[
    Page {
        command: "",
        terms: &[("FILES THAT CHANGE WHILE READ", &[
            ("snapshot", "A file of at most 256 KiB, standard input from a pipe, and a file that cannot be leased are read whole before the analysis; the file's status (size, mtime, ctime, inode) before and after the read must agree."),
            ("read lease", "A larger file is memory-mapped under a read lease (fcntl F_SETLEASE): a process that opens it for writing or truncates it waits until goelf has finished with that file, at most /proc/sys/fs/lease-break-time seconds (45 by default). A lease needs the file's owner or CAP_LEASE, nobody holding the file open for writing, and a local file system; otherwise the file is read whole."),
            ("changed while being read", "The file's status or the inode its path names differs after the analysis from what was seen when it was opened, or it shrank under the map: its report is dropped and the file fails (exit 1); the other files are still reported."),
            ("GOELF_INPUT", "For tests: map (map large files without a lease, protected against truncation only) or read (read every file whole)."),
        ])],
        examples: &[
            ("What a binary is: Go version, platform, PIE, hardening, loader checks.", "goelf inspect ./server"),
            ("Every Go binary under a directory, as JSON.", "goelf inspect --json /usr/local/bin"),
            ("The functions of net/http and below.", "goelf funcs --package 'net/http/...' ./server"),
            ("A crash log, symbolized.", "goelf symbolize ./server crash.log"),
        ],
        exit_ok: "Every file was analysed (for comparisons: no difference; for check: every rule passed).",
        exit_failed: "A file failed or is damaged; for diff and init-order --baseline a difference was found; for check a rule was violated.",
        json: "Every command but sbom prints, with --json, one document {\"schema_version\", \"tool\", \"version\", \"command\", \"files\": [...]}, described by schemas/COMMAND.schema.json in goelf's source repository (inspect, inspect-modules, funcs, init-order, reloc-cost, startup, symbolize, size, diff, check). funcs --json-lines streams one object per line instead, each described by schemas/funcs-lines.schema.json. sbom writes CycloneDX 1.6 or SPDX 2.3 JSON, as their official schemas define.",
    },
    Page {
        command: "inspect",
        terms: &[("TERMS", &[
            ("static / dynamic", "Static: no PT_INTERP and no dynamic section, so no dynamic loader runs. Dynamic: the kernel starts the program interpreter (ld.so) named in PT_INTERP."),
            ("PIE", "A position-independent executable (ELF type DYN with an interpreter or DF_1_PIE): loaded at a random address, so its absolute addresses are relocated at load (see goelf-reloc-cost)."),
            ("stripped", "No .symtab: the symbol table was removed (go build -ldflags=-s). goelf still reads the functions from the pclntab."),
            ("will start", "Whether the kernel and the loader accept the file, from the loader checks; \"as `ld.so FILE`\" is the same question when the file is run through the loader by hand."),
            ("loader checks", "The checks the Linux kernel (fs/binfmt_elf.c) and glibc's ld.so make before running the file, in their order; ok, FAIL, or warn. A FAIL means the kernel or the loader refuses the file."),
            ("RELRO", "Relocation read-only: the part of the data the loader makes read-only after relocating (PT_GNU_RELRO); full with BIND_NOW, partial without, none without PT_GNU_RELRO."),
            ("NX stack", "PT_GNU_STACK without the execute flag: the stack is not executable."),
            ("W+X segment", "A PT_LOAD segment both writable and executable."),
            ("build info", "The Go build information (runtime/debug.BuildInfo) the linker writes: Go version, main module, dependencies, build settings; what go version -m prints."),
            ("pclntab", "The Go runtime's table of functions and their file:line tables (runtime.pcHeader). It is in every Go binary, stripped or not."),
            ("moduledata", "The runtime's runtime.moduledata structure: where text, types, the pclntab and the init tasks are."),
            ("inittasks", "The packages' initialisation records the linker lists for the runtime (see goelf-init-order)."),
            ("crypto", "Which cryptography the binary was built with: none found, BoringCrypto, or the Go FIPS 140 module, and the evidence (a section, a symbol, a build setting)."),
            ("damaged Go binary", "Go metadata is there (build info, a pclntab) but cannot be read as described; \"not a Go binary\" is said only when nothing Go is found."),
        ])],
        examples: &[
            ("One binary.", "goelf inspect ./server"),
            ("go version -m, for any number of binaries.", "goelf inspect --modules ./server ./client"),
            ("Every Go binary under a directory, as JSON, without the section table.", "goelf inspect --json --no-sections /usr/local/bin"),
            ("A binary from a pipe.", "curl -s https://example.com/tool | goelf inspect -"),
        ],
        exit_ok: "Every file was analysed and none failed a loader check or is damaged.",
        exit_failed: FILE_FAILED,
        json: concat!(json_schema!("inspect"), " With --modules: schemas/inspect-modules.schema.json."),
    },
    Page {
        command: "funcs",
        terms: &[("TERMS", &[
            ("ENTRY, END, SIZE", "The function's first address, the next function's entry (or the table's end), and END minus ENTRY in bytes, padding included."),
            ("PACKAGE", "The import path of the function's package by Go's rule (the runtime's funcpkgpath): empty for linker-made and assembly or C symbols."),
            ("FILE:LINE", "The source position of the function's entry, from the pclntab; ? when the table has none."),
            ("(inlined)", "With --addr: a call the compiler inlined at that address; the frames are listed innermost first, the last being the physical function."),
            ("dwarf", "With --addr: the DWARF line table's position at that address, and whether it agrees with the pclntab's."),
        ])],
        examples: &[
            ("Every function, as go tool nm lists them (stripped binaries too).", "goelf funcs ./server"),
            ("The functions of net/http and every package below it, and of the vendored x/net.", "goelf funcs --package 'net/http/...' --package 'vendor/golang.org/x/net/...' ./server"),
            ("The 10 largest functions.", "goelf funcs --json-lines ./server | jq -r 'select(.kind == \"function\") | [.size, .name] | @tsv' | sort -rn | head"),
            ("Which function an address is in, with its inlined calls.", "goelf funcs --addr 0x4a5b10 ./server"),
            ("Only the addresses inside the main package.", "goelf funcs --addr - --package main ./server < pcs.txt"),
        ],
        exit_ok: "Every file was read and every function decoded.",
        exit_failed: FILE_FAILED,
        json: concat!(json_schema!("funcs"), " --json-lines writes one object per line instead: a file line, one line per function or lookup, per problem, and an end line, each with schema_version, kind and path (see OPTIONS and EXTRA); each line follows schemas/funcs-lines.schema.json."),
    },
    Page {
        command: "init-order",
        terms: &[("TERMS", &[
            ("initialise", "A package's variable initialisers and init functions run once, before main.main, in an order the linker fixes (Go 1.21+) or the runtime derives from the init tasks (before 1.21)."),
            ("init task", "The runtime's record of one package's initialisation (runtime.initTask): its state, its init functions, and before Go 1.21 the tasks it depends on."),
            ("order", "Where the order shown comes from: the order the linker wrote into the binary (Go 1.21+, runtime_inittasks), or the order the runtime computes from the tasks' dependency lists (before 1.21)."),
            ("DEPS", "How many of the listed packages this one depends on, in the graph the header names: the dependency lists stored in the binary (before Go 1.21), the imports of --src or --imports, or the references seen in the init code (not imports)."),
            ("verified", "The order was checked against an import graph: every package runs after the packages it imports. \"Not verified\" means no import graph was given (--src DIR or --imports FILE)."),
            ("observed", "What a run of the program printed with GODEBUG=inittrace=1, compared with the static order when available."),
            ("ELF constructors", "DT_PREINIT_ARRAY, DT_INIT and DT_INIT_ARRAY functions (cgo, C libraries): they run before the Go runtime starts, so before every package here."),
            ("run from the runtime's own list", "The runtime initialises a few packages itself (runtime and what it needs) before main's list; they are numbered first."),
        ])],
        examples: &[
            ("The order packages initialise in.", "goelf init-order ./server"),
            ("Why a package initialises where it does.", "goelf init-order --why net/http ./server"),
            ("Checked against the imports of the source tree.", "goelf init-order --src ~/src/server ./server"),
            ("Did the order change since the last release?", "goelf init-order --baseline ./server-v1.2 ./server"),
            ("The graph for Graphviz.", "goelf init-order --dot ./server | dot -Tsvg > init.svg"),
        ],
        exit_ok: "Every file was analysed; with --baseline, the order did not change.",
        exit_failed: "A file failed or is damaged (as for every command), or with --baseline the order changed.",
        json: json_schema!("init-order"),
    },
    Page {
        command: "reloc-cost",
        terms: &[
            ("TERMS", &[
                ("dynamic relocation", "A word the dynamic loader must write at load time: in a PIE every absolute address in the data (Go's type descriptors, itabs, func tables) is one."),
                ("relative (no lookup)", "R_X86_64_RELATIVE and the like: base address plus a constant, no symbol lookup."),
                ("symbolic (lookup)", "A relocation that names a symbol the loader must find in a shared library first (cgo, -linkmode=external with libc)."),
                ("lazy (PLT)", "Function slots bound on first call instead of at load, unless bind now is set."),
                ("RELR", "DT_RELR: relative relocations packed as a bitmap (a few bits each instead of 24 bytes); much cheaper to apply."),
                ("DT_RELACOUNT", "The count of relative relocations at the start of the table, which lets glibc apply them in a fast loop; Go's internal linker does not write it."),
                ("bind now", "DF_BIND_NOW / DF_1_NOW: every symbol is bound at load (and RELRO can be full)."),
                ("pages dirtied", "Distinct 4 KiB pages the relocations write: each is a copy-on-write fault and a private page that is no longer shared with the page cache."),
                ("in RELRO", "Of those, the pages (and the relocations) inside PT_GNU_RELRO, made read-only after relocation."),
                ("(+n)", "The difference from the first column when several files are compared."),
                ("PE base relocations, Mach-O rebases and binds", "The same costs for Windows (IMAGE_REL_BASED_DIR64 entries; imports count as lookups) and macOS (rebases count as relative, binds as lookups)."),
            ]),
            ("COST MODEL", &[
                ("estimate", "relative_ns x (relocations without a lookup, not RELR, plus lazily bound PLT slots) + relr_ns x (RELR relocations) + lookup_ns x (relocations with a lookup) + page_ns x (pages dirtied)."),
                ("constants", "The published constants (--model fixed) were measured with glibc's LD_DEBUG=statistics on the reference machine: 0.41 ns per relative relocation, 0.06 ns per RELR entry, 8.9 ns per lookup, 171 ns per dirtied page. By default (--model host) they are calibrated on this host, which the output reports: small PIEs generated in a temporary directory are timed under the host's loader (LD_DEBUG=statistics, each stopped at its entry point; a few hundred ms at most), which gives the constants, ld.so's fixed work and what libc.so.6 costs to relocate itself; where the loader cannot be timed, micro-benchmarks scaled against the reference machine (the libraries and ld.so are then left out). --relative-ns, --relr-ns, --lookup-ns and --page-ns override one each."),
                ("libraries", "With the loader calibration the estimate is the loader's whole relocation time for the file: its own relocations + its DT_NEEDED libraries' (transitively; libc.so.6 as timed, others counted and costed with the host constants, IRELATIVE relocations at libc's cost per IFUNC resolver) + ld.so's fixed work. JSON: estimate.own_ns, libraries_ns, loader_ns and libraries. --model fixed estimates the file's own relocations only, as before."),
                ("--measure", "Runs the program under the loader and reads what it reports (LD_DEBUG=statistics), or stops it at its entry point, to compare the estimate with a measurement on this host."),
            ]),
        ],
        examples: &[
            ("What -buildmode=pie costs at load, for one binary.", "goelf reloc-cost ./server"),
            ("Default and PIE builds side by side.", "goelf reloc-cost ./server ./server-pie"),
            ("Build the variants from source and compare them.", "goelf reloc-cost --build ~/src/server"),
            ("Measure the real load time on this host.", "goelf reloc-cost --measure ./server-pie"),
        ],
        exit_ok: "Every file was analysed.",
        exit_failed: FILE_FAILED,
        json: json_schema!("reloc-cost"),
    },
    Page {
        command: "size",
        terms: &[],
        examples: &[
            ("Bytes per package.", "goelf size ./server"),
            ("The 20 largest modules.", "goelf size --by module --top 20 ./server"),
        ],
        exit_ok: "Every file was analysed.",
        exit_failed: FILE_FAILED,
        json: json_schema!("size"),
    },
    Page {
        command: "sbom",
        terms: &[],
        examples: &[
            ("A CycloneDX SBOM of a binary.", "goelf sbom ./server > server.cdx.json"),
            ("SPDX, for several binaries.", "goelf sbom --format spdx ./server ./client"),
        ],
        exit_ok: "An SBOM was written for every file.",
        exit_failed: "A file failed: it cannot be read, has no Go build information, or is damaged.",
        json: "The output is CycloneDX 1.6 JSON (--format cyclonedx, the default; schema: https://cyclonedx.org/schema/bom-1.6.schema.json) or SPDX 2.3 JSON (--format spdx; schema: https://github.com/spdx/spdx-spec/blob/v2.3/schemas/spdx-schema.json), not goelf's envelope. goelf's tests validate it against both official schemas.",
    },
    Page {
        command: "startup",
        terms: &[],
        examples: &[
            ("The path from execve to main.main.", "goelf startup ./server"),
            ("A gdb script that stops at each step.", "goelf startup --gdb ./server > steps.gdb && gdb -x steps.gdb ./server"),
            ("Where start-up time goes (RUNS ./server up to main.main, then kills it; slowest package inits last).", "goelf startup --measure --runs 9 ./server"),
        ],
        exit_ok: "Every file was analysed.",
        exit_failed: FILE_FAILED,
        json: json_schema!("startup"),
    },
    Page {
        command: "symbolize",
        terms: &[],
        examples: &[
            ("A panic from a log file.", "goelf symbolize ./server crash.log"),
            ("From standard input.", "journalctl -u server | goelf symbolize ./server"),
            ("Bare addresses of a PIE loaded at 0x55d0c0a00000 (its first mapping in /proc/PID/maps).", "goelf symbolize --base 0x55d0c0600000 ./server pcs.txt"),
        ],
        exit_ok: "The trace was symbolized and every frame that names its function agrees with the binary.",
        exit_failed: "The binary cannot be used (unreadable, not a Go binary, damaged), or a frame of the trace names another function than the binary has at its address (the trace is from another build).",
        json: json_schema!("symbolize"),
    },
    Page {
        command: "diff",
        terms: &[],
        examples: &[
            ("What changed between two releases.", "goelf diff ./server-v1.2 ./server-v1.3"),
            ("Against a saved report, ignoring the build settings.", "goelf diff --ignore build_settings old-inspect.json ./server"),
            ("The 20 functions that grew most.", "goelf diff --functions --top 20 ./old ./new"),
        ],
        exit_ok: "No difference (in the kinds compared).",
        exit_failed: "A difference was found.",
        json: json_schema!("diff"),
    },
    Page {
        command: "check",
        terms: &[],
        examples: &[
            ("Gate a release on a policy.", "goelf check --policy policy.toml ./server"),
            ("Every binary of a directory, as JSON.", "goelf check --json --policy policy.toml ./dist"),
        ],
        exit_ok: "Every file passed every rule of the policy.",
        exit_failed: "A file violated a rule (or a value a rule needs is unknown), or a file failed.",
        json: json_schema!("check"),
    },
];

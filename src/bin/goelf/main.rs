//! The `goelf` command: parses flags, calls the library, renders tables or JSON.

mod args;
mod calibrate;
mod cmd_check;
mod cmd_diff;
mod cmd_funcs;
mod cmd_generate;
mod cmd_init_order;
mod cmd_inspect;
mod cmd_reloc_cost;
mod cmd_sbom;
mod cmd_size;
mod cmd_startup;
mod cmd_symbolize;
mod common;
mod entry_stop;
mod fit;
mod input;
mod render_go;
mod render_macho;
mod render_pe;
mod runner;
mod startup_trace;
mod table;
mod term;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A readelf that understands Go: static analysis of Go binaries.
#[derive(Debug, Parser)]
#[command(
    name = "goelf",
    version,
    about = "A readelf that understands Go: static analysis of Go binaries",
    after_help = "Exit status: 0 every file analysed (or, for comparisons, no difference); \
                  1 a file failed or is damaged (or a difference was found); 2 usage or hard error."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print nothing on standard output: only the exit status, and errors on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = term::ColorChoice::Auto, value_name = "WHEN")]
    color: term::ColorChoice,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// ELF container, loader checks, hardening and Go metadata of each file.
    Inspect(cmd_inspect::Args),
    /// Every function from the pclntab (stripped binaries too); addr2line with --addr.
    Funcs(cmd_funcs::Args),
    /// The order Go packages initialise in, why, and whether it changed.
    #[command(name = "init-order")]
    InitOrder(cmd_init_order::Args),
    /// Dynamic relocations and their load-time cost, file by file side by side (ELF; PE base
    /// relocations and imports; Mach-O rebases and binds).
    #[command(name = "reloc-cost")]
    RelocCost(cmd_reloc_cost::Args),
    /// Bytes per Go package and module: text, pclntab, data, rodata, bss.
    Size(cmd_size::Args),
    /// A CycloneDX 1.6 or SPDX 2.3 SBOM from the build info.
    Sbom(cmd_sbom::Args),
    /// The path from execve to main.main, step by step, with addresses; --gdb to confirm it.
    Startup(cmd_startup::Args),
    /// Symbolize a Go traceback, crash log or address list: function, file:line, inlined calls.
    Symbolize(cmd_symbolize::Args),
    /// What changed between two builds: versions, modules, settings, hardening, sizes, code.
    Diff(cmd_diff::Args),
    /// Check binaries against a policy (TOML): PIE, RELRO, Go version, modules, cgo, sizes, …
    Check(cmd_check::Args),
    /// Generate the man page or shell completions.
    #[command(hide = true)]
    Generate(cmd_generate::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                common::EXIT_USAGE
            } else {
                common::EXIT_OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    term::init(cli.color, cli.quiet);
    runner::set_quiet(cli.quiet);
    if cli.quiet {
        common::silence_stdout();
    }
    let result = match cli.command {
        Command::Inspect(a) => cmd_inspect::run(a),
        Command::Funcs(a) => cmd_funcs::run(a),
        Command::InitOrder(a) => cmd_init_order::run(a),
        Command::RelocCost(a) => cmd_reloc_cost::run(a),
        Command::Size(a) => cmd_size::run(a),
        Command::Sbom(a) => cmd_sbom::run(a),
        Command::Startup(a) => cmd_startup::run(a),
        Command::Symbolize(a) => cmd_symbolize::run(a),
        Command::Diff(a) => cmd_diff::run(a),
        Command::Check(a) => cmd_check::run(a),
        Command::Generate(a) => cmd_generate::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(common::EXIT_OK);
            }
            eprintln!("goelf: {e:#}");
            ExitCode::from(common::EXIT_USAGE)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
    })
}

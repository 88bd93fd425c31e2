//! `goelf size FILE...`: bytes per package or module, as a table or JSON.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::PathBuf;

use goelf::error::Problem;
use goelf::size::{size_bytes, SizeFile, SizeReport};

use crate::runner;
use crate::table::Table;

/// Arguments of `goelf size`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Text is each function's machine code from the pclntab (so stripped \
                        binaries too); padding is what lies between one function's code and the \
                        next function. pclntab bytes are each function's record, name, functab \
                        slot and pc-value tables. data, rodata and bss come from the symbol \
                        table (none for a stripped binary). What names no package, and what no \
                        symbol covers, is shown as such, never guessed."
)]
pub struct Args {
    /// Files to measure.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Rows per package or per module.
    #[arg(long, value_enum, default_value_t = By::Package)]
    by: By,
    /// Only the N largest rows (0: all).
    #[arg(long, value_name = "N", default_value_t = 0)]
    top: usize,
    /// Also list every section with what is attributed in it.
    #[arg(long)]
    sections: bool,
    /// Print one JSON document for all files (schema_version 1); every row, every section.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum By {
    Package,
    Module,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let cmd = Size {
        by: args.by,
        top: args.top,
        sections: args.sections,
    };
    runner::run(&cmd, &args.files, args.json)
}

/// `size` for the runner: the rendering options.
struct Size {
    by: By,
    top: usize,
    sections: bool,
}

impl runner::Analyse for Size {
    type Report<'a> = (SizeReport, Vec<Problem>);

    fn analyse(&self, file: runner::Opened<'_, '_>) -> anyhow::Result<Self::Report<'static>> {
        Ok(size_bytes(file.data())?)
    }
}

impl runner::Text for Size {
    fn render_text(
        &self,
        w: &mut dyn std::io::Write,
        file: &runner::File<Self::Report<'_>>,
        many: bool,
    ) -> std::io::Result<bool> {
        let Ok((r, problems)) = &file.result else {
            return Ok(false);
        };
        let mut out = String::new();
        if many {
            let _ = writeln!(out, "{}:", file.shown);
        }
        render(&mut out, r, self);
        for p in problems {
            let _ = writeln!(out, "warning: {}", p.message);
        }
        w.write_all(out.as_bytes())?;
        Ok(false)
    }
}

impl runner::Json for Size {
    const NAME: &'static str = "size";
    type Entry<'r, 'a: 'r>
        = Cow<'r, SizeFile>
    where
        Self: 'r;

    fn json_entry<'r, 'a: 'r>(
        &self,
        file: &'r runner::File<Self::Report<'a>>,
    ) -> Self::Entry<'r, 'a> {
        Cow::Owned(match &file.result {
            Ok((r, p)) => SizeFile {
                path: file.shown.clone(),
                ok: true,
                error: None,
                problems: p.clone(),
                report: r.clone(),
            },
            Err(e) => SizeFile {
                path: file.shown.clone(),
                ok: false,
                error: Some(e.clone()),
                ..Default::default()
            },
        })
    }
}

fn render(out: &mut String, r: &SizeReport, args: &Size) {
    let head = [
        "FUNCS", "TEXT", "PADDING", "PCLNTAB", "DATA", "RODATA", "BSS", "TOTAL",
    ];
    let take = if args.top == 0 { usize::MAX } else { args.top };
    let mut shown = 0usize;
    let t = match args.by {
        By::Package => {
            let mut h = vec!["PACKAGE", "MODULE"];
            h.extend(head);
            let mut t = Table::new(&h);
            for p in r.packages.iter().take(take) {
                shown += 1;
                let mut row = vec![
                    p.package.clone(),
                    p.module.clone().unwrap_or_else(|| "?".into()),
                ];
                row.extend(cells(&p.bytes));
                t.row(row);
            }
            t.align_right(&[2, 3, 4, 5, 6, 7, 8, 9]);
            t
        }
        By::Module => {
            let mut h = vec!["MODULE", "VERSION", "PKGS"];
            h.extend(head);
            let mut t = Table::new(&h);
            for m in r.modules.iter().take(take) {
                shown += 1;
                let mut row = vec![
                    m.module.clone(),
                    m.version.clone().unwrap_or_default(),
                    m.packages.to_string(),
                ];
                row.extend(cells(&m.bytes));
                t.row(row);
            }
            t.align_right(&[2, 3, 4, 5, 6, 7, 8, 9, 10]);
            t
        }
    };
    let _ = writeln!(out, "{t}");
    let rows = match args.by {
        By::Package => r.packages.len(),
        By::Module => r.modules.len(),
    };
    if shown < rows {
        let _ = writeln!(out, "({} more rows; --top 0 shows all)", rows - shown);
    }
    let n = &r.no_package;
    let _ = writeln!(
        out,
        "no package (type:/go: symbols, C and assembly): {} funcs, text {}, padding {}, pclntab {}, data {}, rodata {}, bss {}",
        n.functions, n.text, n.text_padding, n.pclntab, n.data, n.rodata, n.bss
    );
    let _ = writeln!(
        out,
        "text: {} functions, code {}, padding {}, outside pclntab functions {}{}",
        r.text.functions,
        r.text.code,
        r.text.padding,
        r.text.outside_functions,
        if r.text.functions_without_pcsp > 0 {
            format!(
                " ({} functions without pcsp: range counted as code)",
                r.text.functions_without_pcsp
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "pclntab: {} bytes, {} to packages, {} to functions of no package, {} unattributed (header, file tables)",
        r.pclntab.size, r.pclntab.packages, r.pclntab.no_package, r.pclntab.unattributed
    );
    if !r.pclntab.parts.is_empty() {
        let parts: Vec<String> = r
            .pclntab
            .parts
            .iter()
            .map(|p| format!("{} {}/{}", p.name, p.functions, p.size))
            .collect();
        let _ = writeln!(out, "pclntab parts (functions/bytes): {}", parts.join(", "));
    }
    if !r.symbols {
        let _ = writeln!(
            out,
            "no symbol table: data, rodata and bss are not attributed to packages"
        );
    }
    if args.sections {
        let mut t = Table::new(&[
            "SECTION",
            "CLASS",
            "SIZE",
            "PACKAGES",
            "NO PACKAGE",
            "UNATTRIBUTED",
        ]);
        for s in &r.sections {
            t.row(vec![
                s.name.clone(),
                format!("{:?}", s.class).to_lowercase(),
                s.size.to_string(),
                s.packages.to_string(),
                s.no_package.to_string(),
                s.unattributed.to_string(),
            ]);
        }
        t.align_right(&[2, 3, 4, 5]);
        let _ = writeln!(out, "{t}");
    }
    let mem: u64 = r.segments.iter().map(|s| s.memsz).sum();
    let file: u64 = r.segments.iter().map(|s| s.filesz).sum();
    let _ = writeln!(
        out,
        "file {} bytes; {} loadable segments: {} bytes in memory, {} from the file",
        r.file_size,
        r.segments.len(),
        mem,
        file
    );
}

fn cells(b: &goelf::size::Bytes) -> Vec<String> {
    [
        b.functions,
        b.text,
        b.text_padding,
        b.pclntab,
        b.data,
        b.rodata,
        b.bss,
        b.total(),
    ]
    .iter()
    .map(u64::to_string)
    .collect()
}

//! `goelf diff OLD NEW`: what changed between two builds (exit 0 nothing, 1 changed, 2 error).
//! OLD may be a saved `goelf inspect --json` or `goelf diff --json` document.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use goelf::diff::{self, DiffFile, DiffOptions, Kind, SavedKind, Snapshot};
use goelf::report::Envelope;

use crate::common;
use crate::input;

/// Arguments of `goelf diff`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Kinds: go_version, modules, build_settings, hardening, segments, \
                        sections, package_sizes, module_sizes, functions, init_order, \
                        dynamic_relocations. Every kind both sides hold is compared; the others \
                        are listed as not compared, with the reason (a saved inspect document \
                        holds no sizes, functions, init order or relocations). Package and \
                        module sizes sum the function ranges (text and padding, not the \
                        pclntab), and data, rodata and bss only when both files have symbols. Exit status: 0 nothing changed, \
                        1 something changed (outside --ignore), 2 error."
)]
pub struct Args {
    /// The old build: a binary, or a saved `goelf inspect --json` / `goelf diff --json`.
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The new build (a binary).
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Print one JSON document (schema_version 1) with every detail and NEW's snapshot.
    #[arg(long)]
    json: bool,
    /// List the names of functions added and removed (text; JSON always has them).
    #[arg(long)]
    functions: bool,
    /// Leave KIND out of the exit status (still reported); repeatable.
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    ignore: Vec<Kind>,
    /// Rows per kind in the text (0: all).
    #[arg(long, value_name = "N", default_value_t = 20)]
    top: usize,
}

fn parse_kind(s: &str) -> Result<Kind, String> {
    Kind::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        format!("unknown kind `{s}` (one of: {})", names.join(", "))
    })
}

/// Open `path` (`-`: standard input).
fn open(path: &Path) -> anyhow::Result<input::Input> {
    if path.as_os_str() == "-" {
        input::open_stdin()
    } else {
        input::open(path)
    }
}

/// The snapshot of a binary, or of a saved JSON document when `json_ok`.
pub fn load(path: &Path, json_ok: bool) -> Result<(Snapshot, Option<SavedKind>), String> {
    let data = open(path).map_err(|e| format!("{e:#}"))?;
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        if !json_ok {
            return Err("a JSON document; NEW must be a binary".into());
        }
        let text = std::str::from_utf8(&data).map_err(|e| format!("not UTF-8 JSON: {e}"))?;
        return diff::snapshot_from_json(text).map(|(s, k)| (s, Some(k)));
    }
    let mut problems = Vec::new();
    let snap = diff::snapshot_bytes(&data, &mut problems).map_err(|e| e.to_string())?;
    data.check()?;
    Ok((snap, None))
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    // OLD on a second thread, NEW on this one: two threads that end with their work (a pool's
    // idle workers would spin for a while after it, which costs CPU on a 2-core runner).
    let (old, new) = std::thread::scope(|s| {
        let other = std::thread::Builder::new().spawn_scoped(s, || load(&args.old, true));
        let new = load(&args.new, false);
        let old = match other {
            Ok(h) => h
                .join()
                .unwrap_or_else(|_| Err("internal error while reading it".into())),
            Err(_) => load(&args.old, true),
        };
        (old, new)
    });
    let mut failed = false;
    for (p, r) in [(&args.old, &old), (&args.new, &new)] {
        if let Err(e) = r {
            eprintln!("goelf: {}: {e}", p.display());
            failed = true;
        }
    }
    let (Ok((old, saved)), Ok((new, _))) = (old, new) else {
        return Ok(common::EXIT_USAGE);
    };
    let _ = failed;
    let opts = DiffOptions {
        ignore: args.ignore.clone(),
        old_saved: saved,
        // The text shows the names only with --functions.
        skip_function_names: !args.json && !args.functions,
    };
    let d = diff::diff(
        &args.old.display().to_string(),
        &old,
        &args.new.display().to_string(),
        new,
        &opts,
    );
    let changed = d.changed;
    if args.json {
        common::print_json(&Envelope::new("diff", vec![d]))?;
    } else {
        let mut out = String::new();
        render(&mut out, &d, &args);
        // In a pipe the answer line (`OLD -> NEW: changed: KINDS`) is a record scripts split
        // on its kinds: never wrapped, however long the paths make it.
        match out.split_once('\n') {
            Some((answer, rest)) if crate::term::get().width.is_none() => {
                common::print_raw(&format!("{answer}\n"))?;
                common::print_text(rest)?;
            }
            _ => common::print_text(&out)?,
        }
    }
    Ok(if changed {
        common::EXIT_FAILED
    } else {
        common::EXIT_OK
    })
}

fn signed(d: i64) -> String {
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

fn opt(v: Option<u64>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one-line summary of a changed kind.
fn summary(d: &DiffFile, k: Kind) -> String {
    let c = &d.changes;
    match k {
        Kind::GoVersion => c
            .go_version
            .as_ref()
            .map(|v| format!("{} -> {}", v.old, v.new))
            .unwrap_or_default(),
        Kind::Modules => {
            let Some(m) = &c.modules else {
                return String::new();
            };
            let mut parts = Vec::new();
            if m.main.is_some() {
                parts.push("main module changed".to_string());
            }
            for (n, what) in [
                (m.bumped.len(), "bumped"),
                (m.added.len(), "added"),
                (m.removed.len(), "removed"),
                (m.replaced.len(), "replaced"),
                (m.sum_changed.len(), "checksum changed"),
            ] {
                if n > 0 {
                    parts.push(format!("{n} {what}"));
                }
            }
            parts.join(", ")
        }
        Kind::BuildSettings => c
            .build_settings
            .as_ref()
            .map(|s| {
                let mut keys: Vec<&str> = s.changed.iter().map(|x| x.key.as_str()).collect();
                keys.extend(s.added.iter().map(|x| x.key.as_str()));
                keys.extend(s.removed.iter().map(|x| x.key.as_str()));
                keys.join(" ")
            })
            .unwrap_or_default(),
        Kind::Hardening => c
            .hardening
            .as_ref()
            .map(|h| {
                h.iter()
                    .map(|f| format!("{} {} -> {}", f.field, f.old, f.new))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        Kind::Segments | Kind::Sections => {
            let rows = if k == Kind::Segments {
                c.segments.as_deref()
            } else {
                c.sections.as_deref()
            }
            .unwrap_or_default();
            let added = rows.iter().filter(|r| r.old.is_none()).count();
            let removed = rows.iter().filter(|r| r.new.is_none()).count();
            let resized = rows.len() - added - removed;
            let net: i64 = rows.iter().map(|r| r.delta).sum();
            format!(
                "{resized} resized, {added} added, {removed} removed ({} bytes)",
                signed(net)
            )
        }
        Kind::PackageSizes | Kind::ModuleSizes => {
            let s = if k == Kind::PackageSizes {
                c.package_sizes.as_ref()
            } else {
                c.module_sizes.as_ref()
            };
            let Some(s) = s else { return String::new() };
            let what = if k == Kind::PackageSizes {
                ("package", "packages")
            } else {
                ("module", "modules")
            };
            let mut line = format!(
                "{} -> {} bytes ({}), {} changed",
                s.old_total,
                s.new_total,
                signed(diff::sizes::signed_delta(s.old_total, s.new_total)),
                plural(s.rows.len(), what.0, what.1)
            );
            if let Some(r) = s.rows.first() {
                let _ = write!(line, "; largest {} {}", r.name, signed(r.delta));
            }
            line
        }
        Kind::Functions => c
            .functions
            .as_ref()
            .map(|f| {
                format!(
                    "{} added, {} removed ({} -> {})",
                    f.added, f.removed, f.old_count, f.new_count
                )
            })
            .unwrap_or_default(),
        Kind::InitOrder => c
            .init_order
            .as_ref()
            .map(|o| {
                format!(
                    "{} moved, {} appeared, {} vanished ({} -> {} packages)",
                    o.moved.len(),
                    o.appeared.len(),
                    o.vanished.len(),
                    o.old_count,
                    o.new_count
                )
            })
            .unwrap_or_default(),
        Kind::DynamicRelocations => c
            .dynamic_relocations
            .as_ref()
            .map(|r| {
                format!(
                    "{} -> {} ({}), {} changed",
                    r.old_total,
                    r.new_total,
                    signed(diff::sizes::signed_delta(r.old_total, r.new_total)),
                    plural(r.by_type.len(), "type", "types")
                )
            })
            .unwrap_or_default(),
    }
}

fn render(out: &mut String, d: &DiffFile, args: &Args) {
    let names = |ks: &[Kind]| ks.iter().map(|k| k.name()).collect::<Vec<_>>().join(" ");
    if d.changed_kinds.is_empty() {
        let _ = writeln!(
            out,
            "{} -> {}: no change in {} kinds compared",
            d.old,
            d.new,
            d.compared.len()
        );
    } else {
        let _ = writeln!(
            out,
            "{} -> {}: changed: {}",
            d.old,
            d.new,
            names(&d.changed_kinds)
        );
    }
    if !d.ignored.is_empty() {
        let _ = writeln!(out, "ignored for the exit status: {}", names(&d.ignored));
    }
    for n in &d.not_compared {
        let _ = writeln!(out, "not compared: {} ({})", n.kind.name(), n.reason);
    }
    let w = d
        .changed_kinds
        .iter()
        .map(|k| k.name().len())
        .max()
        .unwrap_or(0);
    for &k in &d.changed_kinds {
        let _ = writeln!(out, "  {:<w$}  {}", k.name(), summary(d, k));
    }
    for &k in &d.changed_kinds {
        let _ = writeln!(out);
        details(out, d, k, args);
    }
}

/// Rows `(cells)` as plain left-aligned columns, numbers right-aligned when `right[i]`.
fn columns(out: &mut String, rows: &[Vec<String>], right: &[bool], top: usize) {
    let shown = if top == 0 {
        rows.len()
    } else {
        rows.len().min(top)
    };
    let ncol = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..ncol)
        .map(|i| {
            rows[..shown]
                .iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in &rows[..shown] {
        let mut line = String::from("  ");
        for (i, c) in r.iter().enumerate() {
            let wd = widths[i];
            let last = i + 1 == r.len();
            if right.get(i).copied().unwrap_or(false) {
                let _ = write!(line, "{c:>wd$}");
            } else if last {
                line.push_str(c);
            } else {
                let _ = write!(line, "{c:<wd$}");
            }
            if !last {
                line.push_str("  ");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if shown < rows.len() {
        let _ = writeln!(
            out,
            "  ... {} more (--top 0 or --json for all)",
            rows.len() - shown
        );
    }
}

fn size_rows(rows: &[diff::sizes::SizeChange]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| vec![signed(r.delta), opt(r.old), opt(r.new), r.name.clone()])
        .collect()
}

fn details(out: &mut String, d: &DiffFile, k: Kind, args: &Args) {
    let c = &d.changes;
    let top = args.top;
    match k {
        Kind::GoVersion => {
            if let Some(v) = &c.go_version {
                let _ = writeln!(out, "go_version\n  {} -> {}", v.old, v.new);
            }
        }
        Kind::Modules => {
            let Some(m) = &c.modules else { return };
            let _ = writeln!(out, "modules");
            let mut rows: Vec<Vec<String>> = Vec::new();
            if let Some(p) = &m.path {
                rows.push(vec!["path".into(), p.old.clone(), p.new.clone()]);
            }
            if let Some(p) = &m.main {
                rows.push(vec!["main".into(), p.old.clone(), p.new.clone()]);
            }
            for b in &m.bumped {
                rows.push(vec![
                    "bumped".into(),
                    b.path.clone(),
                    format!("{} -> {}", b.old, b.new),
                ]);
            }
            for a in &m.added {
                rows.push(vec!["added".into(), a.path.clone(), a.version.clone()]);
            }
            for a in &m.removed {
                rows.push(vec!["removed".into(), a.path.clone(), a.version.clone()]);
            }
            let rep = |r: &Option<goelf::go::buildinfo::Module>| {
                r.as_ref().map_or("(none)".to_string(), |m| {
                    format!("{} {}", m.path, m.version).trim_end().to_string()
                })
            };
            for r in &m.replaced {
                rows.push(vec![
                    "replaced".into(),
                    r.path.clone(),
                    format!("=> {} -> => {}", rep(&r.old), rep(&r.new)),
                ]);
            }
            for s in &m.sum_changed {
                rows.push(vec![
                    "checksum".into(),
                    format!("{}@{}", s.path, s.version),
                    format!("{} -> {}", s.old, s.new),
                ]);
            }
            columns(out, &rows, &[], 0);
        }
        Kind::BuildSettings => {
            let Some(s) = &c.build_settings else { return };
            let _ = writeln!(out, "build_settings");
            let mut rows: Vec<Vec<String>> = Vec::new();
            for x in &s.changed {
                rows.push(vec![
                    "changed".into(),
                    x.key.clone(),
                    format!("{:?} -> {:?}", x.old, x.new),
                ]);
            }
            for x in &s.added {
                rows.push(vec![
                    "added".into(),
                    x.key.clone(),
                    format!("{:?}", x.value),
                ]);
            }
            for x in &s.removed {
                rows.push(vec![
                    "removed".into(),
                    x.key.clone(),
                    format!("{:?}", x.value),
                ]);
            }
            columns(out, &rows, &[], 0);
        }
        Kind::Hardening => {
            let Some(h) = &c.hardening else { return };
            let _ = writeln!(out, "hardening");
            let rows: Vec<Vec<String>> = h
                .iter()
                .map(|f| vec![f.field.clone(), format!("{} -> {}", f.old, f.new)])
                .collect();
            columns(out, &rows, &[], 0);
        }
        Kind::Segments | Kind::Sections => {
            let (title, rows) = if k == Kind::Segments {
                (
                    "segments (p_memsz): delta old new segment",
                    c.segments.as_deref(),
                )
            } else {
                (
                    "sections (sh_size): delta old new section",
                    c.sections.as_deref(),
                )
            };
            let _ = writeln!(out, "{title}");
            columns(
                out,
                &size_rows(rows.unwrap_or_default()),
                &[true, true, true],
                top,
            );
        }
        Kind::PackageSizes | Kind::ModuleSizes => {
            let (title, s) = if k == Kind::PackageSizes {
                ("package_sizes", c.package_sizes.as_ref())
            } else {
                ("module_sizes", c.module_sizes.as_ref())
            };
            let Some(s) = s else { return };
            let _ = writeln!(out, "{title} ({}): delta old new name", s.parts.join("+"));
            columns(out, &size_rows(&s.rows), &[true, true, true], top);
        }
        Kind::Functions => {
            let Some(f) = &c.functions else { return };
            let _ = writeln!(out, "functions: {} added, {} removed", f.added, f.removed);
            if args.functions {
                for n in &f.added_names {
                    let _ = writeln!(out, "  + {n}");
                }
                for n in &f.removed_names {
                    let _ = writeln!(out, "  - {n}");
                }
            } else if f.added + f.removed > 0 {
                let _ = writeln!(out, "  (--functions lists the names)");
            }
        }
        Kind::InitOrder => {
            let Some(o) = &c.init_order else { return };
            let _ = writeln!(out, "init_order");
            let idx = |v: Option<usize>| v.map_or_else(|| "-".into(), |i| format!("#{i}"));
            let mut rows: Vec<Vec<String>> = Vec::new();
            for (what, list) in [
                ("moved", &o.moved),
                ("appeared", &o.appeared),
                ("vanished", &o.vanished),
            ] {
                for m in list {
                    rows.push(vec![
                        what.into(),
                        format!("{} -> {}", idx(m.old_index), idx(m.new_index)),
                        m.package.clone(),
                    ]);
                }
            }
            if rows.is_empty() {
                let _ = writeln!(out, "  order changed");
            }
            columns(out, &rows, &[], top);
        }
        Kind::DynamicRelocations => {
            let Some(r) = &c.dynamic_relocations else {
                return;
            };
            let _ = writeln!(
                out,
                "dynamic_relocations: {} -> {}: delta old new type",
                r.old_total, r.new_total
            );
            columns(out, &size_rows(&r.by_type), &[true, true, true], top);
        }
    }
}

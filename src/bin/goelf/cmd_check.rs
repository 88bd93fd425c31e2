//! `goelf check FILE... --policy FILE.toml`: every rule of the policy on every file; exit 1
//! when a rule failed (or a file could not be analysed), 2 when the policy is unusable.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use goelf::check::{self, Baselines, CheckFile, Policy};

use crate::common;
use crate::runner;
use crate::table;

/// Arguments of `goelf check`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Policy keys (TOML; every key optional, unknown keys are errors):
  require_pie = true|false          PIE (ET_DYN with an interpreter or DF_1_PIE), or not
  min_go_version = \"1.22\"           lowest Go toolchain (go1.22.3, go1.23rc1; beta < rc < release)
  forbid_modules = [\"m@<v1.2.3\"]    modules not allowed: path, path@v1.2.3, @<, @<=, @>, @>=, @=
                                    (semantic versions; the replacement of a module counts too)
  require_relro = \"full\"|\"partial\"  full: PT_GNU_RELRO and BIND_NOW; partial: PT_GNU_RELRO
  max_dynamic_relocations = N       most dynamic relocations (RELR entries expanded)
  cgo = true|false                  the CGO_ENABLED build setting
  require_vcs_clean = true          the vcs.modified=false build setting
  max_size_bytes = N                largest file size
  [max_package_growth]              against a baseline binary or saved `goelf diff --json`:
  baseline = \"old\"                  path (relative to the policy file)
  bytes = N  /  percent = P         most growth per package (function ranges: text and
                                    padding; data too when both have symbols)
  init_order_baseline = \"init.json\" same init order as a saved `goelf init-order --json`, a
                                    saved `goelf diff --json` or a binary
  crypto = \"fips140\"|\"boringcrypto\"|\"standard\"   the crypto the binary was built with
A value the binary does not have (no build info, not ELF) fails the rule as `unknown`.
Exit status: 0 every rule passed on every file, 1 a rule failed or a file could not be
analysed, 2 the policy (or a baseline) could not be read."
)]
pub struct Args {
    /// Binaries to check.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The policy (TOML).
    #[arg(long, value_name = "FILE.toml")]
    policy: PathBuf,
    /// Print one JSON document (schema_version 1) with every rule of every file.
    #[arg(long)]
    json: bool,
}

struct Check {
    policy: Policy,
    baselines: Baselines,
}

impl runner::Analyse for Check {
    type Report<'a> = CheckFile;

    fn analyse(&self, file: runner::Opened<'_, '_>) -> anyhow::Result<CheckFile> {
        let mut problems = Vec::new();
        let snap = goelf::diff::snapshot_bytes(file.data(), &mut problems)?;
        Ok(check::check(
            file.shown,
            &snap,
            &self.policy,
            &self.baselines,
        ))
    }
}

impl runner::Text for Check {
    fn render_text(
        &self,
        w: &mut dyn std::io::Write,
        file: &runner::File<CheckFile>,
        _many: bool,
    ) -> std::io::Result<bool> {
        let Ok(r) = &file.result else {
            return Ok(true);
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: {}",
            r.path,
            if r.passed {
                format!("passed ({} rules)", r.rules.len())
            } else {
                format!("FAILED {} of {} rules", r.failed, r.rules.len())
            }
        );
        let wr = r.rules.iter().map(|x| x.rule.len()).max().unwrap_or(0);
        for x in &r.rules {
            let prefix = format!(
                "  {}  {:<wr$}  {}  ",
                if x.passed { "ok  " } else { "FAIL" },
                x.rule,
                r.path,
            );
            let detail = format!("found: {}  (policy: {})", x.found, x.required);
            table::hang(&mut out, &prefix, &detail);
        }
        w.write_all(out.as_bytes())?;
        Ok(!r.passed)
    }
}

impl runner::Json for Check {
    const NAME: &'static str = "check";
    type Entry<'r, 'a: 'r>
        = CheckFile
    where
        Self: 'r;

    fn json_entry<'r, 'a: 'r>(&self, file: &'r runner::File<CheckFile>) -> CheckFile {
        match &file.result {
            Ok(r) => r.clone(),
            Err(e) => CheckFile::failed(&file.shown, e.clone()),
        }
    }

    fn entry_failed(&self, e: &CheckFile) -> bool {
        !e.passed
    }
}

/// A baseline path as the policy gives it, relative to the policy's directory.
fn relative(policy: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    policy
        .parent()
        .map_or_else(|| p.to_path_buf(), |d| d.join(p))
}

/// The init order of a saved `init-order --json`, a saved `diff --json`, or a binary.
fn load_order(path: &Path) -> Result<Vec<String>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(o) = goelf::init_order::order_from_json(&text) {
            return Ok(o);
        }
        let (s, _) = goelf::diff::snapshot_from_json(&text)?;
        return s.init_order.ok_or_else(|| {
            "the document holds no init order (save `goelf init-order --json`)".into()
        });
    }
    crate::cmd_diff::load(path, false)?
        .0
        .init_order
        .ok_or_else(|| "no init order found in the baseline binary".into())
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let text = match std::fs::read_to_string(&args.policy) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("goelf: {}: {e}", args.policy.display());
            return Ok(common::EXIT_USAGE);
        }
    };
    let policy = match Policy::from_toml(&text) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("goelf: {}: {e}", args.policy.display());
            return Ok(common::EXIT_USAGE);
        }
    };
    let mut baselines = Baselines::default();
    if let Some(g) = &policy.max_package_growth {
        let p = relative(&args.policy, &g.baseline);
        let r = crate::cmd_diff::load(&p, true).map(|(s, _)| s);
        if let Err(e) = &r {
            eprintln!("goelf: {}: max_package_growth baseline: {e}", p.display());
            return Ok(common::EXIT_USAGE);
        }
        baselines.package_growth = Some(r);
    }
    if let Some(b) = &policy.init_order_baseline {
        let p = relative(&args.policy, b);
        let r = load_order(&p);
        if let Err(e) = &r {
            eprintln!("goelf: {}: init_order_baseline: {e}", p.display());
            return Ok(common::EXIT_USAGE);
        }
        baselines.init_order = Some(r);
    }
    let cmd = Check { policy, baselines };
    runner::run(&cmd, &args.files, args.json)
}

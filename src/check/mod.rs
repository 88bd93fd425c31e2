//! `goelf check FILE... --policy FILE.toml`: a declarative CI gate over what `goelf diff`
//! knows of a binary (its [`Snapshot`]). [`Policy::from_toml`] parses the policy (unknown
//! keys and wrong types are errors with a line and column); [`check`] evaluates every rule
//! set in it and says, per rule, what was required and what was found.

pub mod version;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diff::{sizes, Snapshot};
use crate::go::crypto::CryptoModule;
use version::{parse_go, ModuleRule};

/// `require_relro`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RelroRequirement {
    /// PT_GNU_RELRO (partial or full).
    Partial,
    /// PT_GNU_RELRO and BIND_NOW.
    Full,
}

/// `crypto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CryptoRequirement {
    /// Go's FIPS 140-3 module in FIPS mode.
    Fips140,
    /// BoringCrypto.
    Boringcrypto,
    /// Go's standard crypto (or none linked).
    Standard,
}

/// `[max_package_growth]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageGrowth {
    /// The baseline: a binary or a saved `goelf diff --json` (relative to the policy file).
    pub baseline: String,
    /// Most bytes a package may grow by.
    pub bytes: Option<u64>,
    /// Most percent a package that exists in the baseline may grow by.
    pub percent: Option<f64>,
}

/// A policy file. Every rule is optional; a rule not set is not checked.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The binary must be a PIE (`true`) or must not be (`false`).
    pub require_pie: Option<bool>,
    /// Lowest Go toolchain version (`"1.22"`, `"go1.22.3"`, `"go1.23rc1"`).
    pub min_go_version: Option<Spanned<String>>,
    /// Modules that must not be linked: `path`, `path@v1.2.3`, `path@<v1.2.3` (`<`, `<=`, `>`,
    /// `>=`, `=`), checked against each dependency and its replacement.
    pub forbid_modules: Option<Vec<Spanned<String>>>,
    /// `partial` (PT_GNU_RELRO) or `full` (and BIND_NOW).
    pub require_relro: Option<RelroRequirement>,
    /// Most dynamic relocations.
    pub max_dynamic_relocations: Option<u64>,
    /// Built with cgo (`CGO_ENABLED=1`) or without.
    pub cgo: Option<bool>,
    /// `vcs.modified=false` in the build settings.
    pub require_vcs_clean: Option<bool>,
    /// Largest file size.
    pub max_size_bytes: Option<u64>,
    /// Package growth against a baseline.
    pub max_package_growth: Option<PackageGrowth>,
    /// The init order must equal a baseline's: a saved `goelf init-order --json`, a saved
    /// `goelf diff --json`, or a binary (relative to the policy file).
    pub init_order_baseline: Option<String>,
    /// The crypto the binary was built with.
    pub crypto: Option<CryptoRequirement>,
}

/// A policy that could not be read: where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyError {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters), when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for PolicyError {}

/// 1-based line and column of byte offset `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn at(text: &str, span: std::ops::Range<usize>, message: String) -> PolicyError {
    let (l, c) = line_col(text, span.start);
    PolicyError {
        line: Some(l),
        column: Some(c),
        message,
    }
}

impl Policy {
    /// Parse and validate a policy.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let p: Policy = toml::from_str(text).map_err(|e| {
            let message = e.message().trim_end().to_string();
            match e.span() {
                Some(s) => at(text, s, message),
                None => PolicyError {
                    line: None,
                    column: None,
                    message,
                },
            }
        })?;
        if let Some(v) = &p.min_go_version {
            if parse_go(v.get_ref()).is_none() {
                return Err(at(
                    text,
                    v.span(),
                    format!(
                        "min_go_version: `{}` is not a Go version (e.g. \"1.22\", \"go1.22.3\", \"go1.23rc1\")",
                        v.get_ref()
                    ),
                ));
            }
        }
        for m in p.forbid_modules.iter().flatten() {
            ModuleRule::parse(m.get_ref())
                .map_err(|e| at(text, m.span(), format!("forbid_modules: {e}")))?;
        }
        if let Some(g) = &p.max_package_growth {
            if g.bytes.is_none() && g.percent.is_none() {
                return Err(PolicyError {
                    line: None,
                    column: None,
                    message: "max_package_growth: set bytes, percent or both".into(),
                });
            }
        }
        Ok(p)
    }
}

/// What the rules that compare with a baseline get (loaded by the caller).
#[derive(Debug, Clone, Default)]
pub struct Baselines {
    /// The `max_package_growth` baseline's snapshot, or why it could not be read.
    pub package_growth: Option<Result<Snapshot, String>>,
    /// The `init_order_baseline` order, or why it could not be read.
    pub init_order: Option<Result<Vec<String>, String>>,
}

/// One rule's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleResult {
    /// The policy key.
    pub rule: String,
    /// The rule holds.
    pub passed: bool,
    /// What the policy asks, as written.
    pub required: String,
    /// What the binary has (`unknown (…)` when the binary does not say).
    pub found: String,
}

/// The `goelf check` report of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckFile {
    /// The path as given.
    pub path: String,
    /// False when the file could not be analysed (then `rules` is empty).
    pub ok: bool,
    /// Why not.
    pub error: Option<String>,
    /// Every rule passed.
    pub passed: bool,
    /// Rules that failed.
    pub failed: usize,
    /// Every rule set in the policy, in the policy's documented order.
    pub rules: Vec<RuleResult>,
}

impl CheckFile {
    /// A file that could not be analysed.
    pub fn failed(path: &str, error: String) -> Self {
        CheckFile {
            path: path.into(),
            ok: false,
            error: Some(error),
            passed: false,
            failed: 0,
            rules: Vec::new(),
        }
    }
}

fn setting<'s>(s: &'s Snapshot, key: &str) -> Option<&'s str> {
    s.build_settings
        .as_ref()?
        .iter()
        .rev()
        .find(|b| b.key == key)
        .map(|b| b.value.as_str())
}

fn crypto_name(c: CryptoModule) -> &'static str {
    match c {
        CryptoModule::Boringcrypto => "boringcrypto",
        CryptoModule::Fips140 => "fips140",
        CryptoModule::Standard => "standard",
        CryptoModule::None => "none",
    }
}

/// Evaluate `policy` on the snapshot of `path`.
pub fn check(path: &str, s: &Snapshot, policy: &Policy, baselines: &Baselines) -> CheckFile {
    let mut rules = Vec::new();
    let mut push = |rule: &str, passed: bool, required: String, found: String| {
        rules.push(RuleResult {
            rule: rule.into(),
            passed,
            required,
            found,
        })
    };
    let unknown = |why: &str| format!("unknown ({why})");
    if let Some(want) = policy.require_pie {
        match &s.hardening {
            // `false` requires nothing (it does not forbid PIE).
            Some(h) => push(
                "require_pie",
                h.pie || !want,
                want.to_string(),
                h.pie.to_string(),
            ),
            None => push(
                "require_pie",
                false,
                want.to_string(),
                unknown("not an ELF file"),
            ),
        }
    }
    if let Some(min) = &policy.min_go_version {
        let want = parse_go(min.get_ref());
        match (&s.go_version, want) {
            (Some(v), Some(w)) => match parse_go(v) {
                Some(have) => push(
                    "min_go_version",
                    have >= w,
                    min.get_ref().clone(),
                    v.clone(),
                ),
                None => push(
                    "min_go_version",
                    false,
                    min.get_ref().clone(),
                    format!("{v} (not a release version)"),
                ),
            },
            _ => push(
                "min_go_version",
                false,
                min.get_ref().clone(),
                unknown("no Go version found"),
            ),
        }
    }
    if let Some(list) = &policy.forbid_modules {
        let parsed: Vec<(String, ModuleRule)> = list
            .iter()
            .filter_map(|m| Some((m.get_ref().clone(), ModuleRule::parse(m.get_ref()).ok()?)))
            .collect();
        let required = format!(
            "none of {}",
            parsed
                .iter()
                .map(|p| p.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        match &s.modules {
            Some(ms) => {
                let mut hits = Vec::new();
                for d in ms.deps.iter().chain(std::iter::once(&ms.main)) {
                    let mut cands = vec![(d.path.as_str(), d.version.as_str())];
                    if let Some(r) = &d.replace {
                        cands.push((r.path.as_str(), r.version.as_str()));
                    }
                    for (text, rule) in &parsed {
                        if cands.iter().any(|(p, v)| rule.matches(p, v)) {
                            hits.push(format!("{}@{} (matches {text})", d.path, d.version));
                        }
                    }
                }
                let passed = hits.is_empty();
                let found = if passed {
                    format!("none ({} modules)", ms.deps.len() + 1)
                } else {
                    hits.join(", ")
                };
                push("forbid_modules", passed, required, found);
            }
            None => push("forbid_modules", false, required, unknown("no build info")),
        }
    }
    if let Some(want) = policy.require_relro {
        let req = match want {
            RelroRequirement::Partial => "partial",
            RelroRequirement::Full => "full",
        };
        match &s.hardening {
            Some(h) => {
                let ok = match want {
                    RelroRequirement::Full => h.relro == "full",
                    RelroRequirement::Partial => h.relro == "full" || h.relro == "partial",
                };
                push("require_relro", ok, req.into(), h.relro.clone())
            }
            None => push(
                "require_relro",
                false,
                req.into(),
                unknown("not an ELF file"),
            ),
        }
    }
    if let Some(max) = policy.max_dynamic_relocations {
        match &s.dynamic_relocations {
            Some(r) => {
                let n: u64 = r.values().sum();
                push(
                    "max_dynamic_relocations",
                    n <= max,
                    format!("<= {max}"),
                    n.to_string(),
                )
            }
            None => push(
                "max_dynamic_relocations",
                false,
                format!("<= {max}"),
                unknown("not an ELF file"),
            ),
        }
    }
    if let Some(want) = policy.cgo {
        match setting(s, "CGO_ENABLED") {
            Some(v) => push(
                "cgo",
                (v == "1") == want,
                want.to_string(),
                format!("CGO_ENABLED={v}"),
            ),
            None => push(
                "cgo",
                false,
                want.to_string(),
                unknown("no CGO_ENABLED build setting"),
            ),
        }
    }
    if let Some(want) = policy.require_vcs_clean {
        if want {
            match setting(s, "vcs.modified") {
                Some(v) => push(
                    "require_vcs_clean",
                    v == "false",
                    "vcs.modified=false".into(),
                    format!("vcs.modified={v}"),
                ),
                None => push(
                    "require_vcs_clean",
                    false,
                    "vcs.modified=false".into(),
                    unknown("no vcs.modified build setting: built without VCS stamping"),
                ),
            }
        } else {
            push(
                "require_vcs_clean",
                true,
                "not required".into(),
                setting(s, "vcs.modified")
                    .map_or_else(|| "no vcs.modified".into(), |v| format!("vcs.modified={v}")),
            );
        }
    }
    if let Some(max) = policy.max_size_bytes {
        match s.file_size {
            Some(n) => push(
                "max_size_bytes",
                n <= max,
                format!("<= {max}"),
                n.to_string(),
            ),
            None => push(
                "max_size_bytes",
                false,
                format!("<= {max}"),
                unknown("size not known"),
            ),
        }
    }
    if let Some(g) = &policy.max_package_growth {
        let mut req = Vec::new();
        if let Some(b) = g.bytes {
            req.push(format!("+{b} bytes"));
        }
        if let Some(p) = g.percent {
            req.push(format!("+{p}%"));
        }
        let required = format!(
            "each package at most {} over {}",
            req.join(" and "),
            g.baseline
        );
        match baselines.package_growth.as_ref() {
            Some(Ok(base)) => match sizes::per(&base.sizes, &s.sizes, |f| &f.packages) {
                Some(c) => {
                    let over: Vec<String> = c
                        .rows
                        .iter()
                        .filter(|r| r.delta > 0)
                        .filter(|r| {
                            let d = r.delta.unsigned_abs();
                            g.bytes.is_some_and(|b| d > b)
                                || g.percent.is_some_and(|p| {
                                    r.old
                                        .is_some_and(|o| o > 0 && d as f64 * 100.0 / o as f64 > p)
                                })
                        })
                        .map(|r| match r.old {
                            Some(o) if o > 0 => format!(
                                "{} +{} ({:.1}%)",
                                r.name,
                                r.delta,
                                r.delta as f64 * 100.0 / o as f64
                            ),
                            _ => format!("{} +{} (new)", r.name, r.delta),
                        })
                        .collect();
                    let found = if over.is_empty() {
                        let grown = c.rows.iter().filter(|r| r.delta > 0).count();
                        format!("{grown} packages grew, none over the limit")
                    } else {
                        over.join(", ")
                    };
                    push("max_package_growth", over.is_empty(), required, found)
                }
                None => push(
                    "max_package_growth",
                    false,
                    required,
                    unknown("package sizes missing in the file or the baseline"),
                ),
            },
            Some(Err(e)) => push(
                "max_package_growth",
                false,
                required,
                unknown(&format!("baseline: {e}")),
            ),
            None => push(
                "max_package_growth",
                false,
                required,
                unknown("baseline not loaded"),
            ),
        }
    }
    if let Some(b) = &policy.init_order_baseline {
        let required = format!("the init order of {b}");
        match (baselines.init_order.as_ref(), &s.init_order) {
            (Some(Ok(old)), Some(new)) => {
                let d = crate::init_order::diff_orders(old, new);
                let found = if d.same {
                    format!("same order ({} packages)", new.len())
                } else {
                    let mut parts = Vec::new();
                    for (p, o, n) in &d.moved {
                        parts.push(format!("{p} moved #{o} -> #{n}"));
                    }
                    for (p, n) in &d.appeared {
                        parts.push(format!("{p} appeared at #{n}"));
                    }
                    for (p, o) in &d.vanished {
                        parts.push(format!("{p} vanished (was #{o})"));
                    }
                    if parts.is_empty() {
                        parts.push("order changed".into());
                    }
                    parts.join(", ")
                };
                push("init_order_baseline", d.same, required, found)
            }
            (Some(Err(e)), _) => push(
                "init_order_baseline",
                false,
                required,
                unknown(&format!("baseline: {e}")),
            ),
            (None, _) => push(
                "init_order_baseline",
                false,
                required,
                unknown("baseline not loaded"),
            ),
            (_, None) => push(
                "init_order_baseline",
                false,
                required,
                unknown("no init order found"),
            ),
        }
    }
    if let Some(want) = policy.crypto {
        let req = match want {
            CryptoRequirement::Fips140 => "fips140",
            CryptoRequirement::Boringcrypto => "boringcrypto",
            CryptoRequirement::Standard => "standard",
        };
        match s.crypto {
            Some(c) => {
                let ok = match want {
                    CryptoRequirement::Fips140 => c == CryptoModule::Fips140,
                    CryptoRequirement::Boringcrypto => c == CryptoModule::Boringcrypto,
                    CryptoRequirement::Standard => {
                        matches!(c, CryptoModule::Standard | CryptoModule::None)
                    }
                };
                push("crypto", ok, req.into(), crypto_name(c).into())
            }
            None => push("crypto", false, req.into(), unknown("no Go metadata")),
        }
    }
    let failed = rules.iter().filter(|r| !r.passed).count();
    CheckFile {
        path: path.into(),
        ok: true,
        error: None,
        passed: failed == 0,
        failed,
        rules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_and_wrong_type_name_line_and_column() {
        let e = Policy::from_toml("require_pie = true\nrequire_pi = true\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(1)), "{e}");
        assert!(e.message.contains("require_pi"), "{e}");
        let e = Policy::from_toml("max_size_bytes = \"big\"\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        assert_eq!(e.column, Some(18), "{e}");
        let e = Policy::from_toml("\n\nmin_go_version = \"one\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(18)), "{e}");
        let e = Policy::from_toml("forbid_modules = [\"a.b/c@<1.0\"]\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(1), Some(19)), "{e}");
        let e = Policy::from_toml("require_relro = \"half\"\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        assert!(Policy::from_toml("cgo = [\n").is_err());
    }
}

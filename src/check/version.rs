//! Version orders for `goelf check`: Go toolchain versions (`go1.22`, `go1.22rc1`,
//! `go1.21.13`), ordered as `go/version.Compare` orders them (beta < rc < release; `go1.21`
//! equals `go1.21.0` here), and module versions as semantic versions (`v1.2.3`,
//! pseudo-versions, `+incompatible`), compared with the `semver` crate.

use std::cmp::Ordering;

/// A Go toolchain version, comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoRelease {
    major: u32,
    minor: u32,
    patch: u32,
    /// 0 beta, 1 rc, 2 release.
    stage: u8,
    /// beta/rc number.
    pre: u32,
}

/// Parse `go1.22`, `1.22`, `go1.22.3`, `go1.22rc1`, `go1.23beta2`, ignoring a ` X:…` or
/// other suffix after a space; `None` for what is not a version (`devel …`).
pub fn parse_go(s: &str) -> Option<GoRelease> {
    let s = s.split_whitespace().next()?;
    let s = s.strip_prefix("go").unwrap_or(s);
    let (nums, stage, pre) = if let Some(i) = s.find("rc") {
        (&s[..i], 1, s[i + 2..].parse().ok()?)
    } else if let Some(i) = s.find("beta") {
        (&s[..i], 0, s[i + 4..].parse().ok()?)
    } else {
        (s, 2, 0)
    };
    let mut it = nums.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next().map_or(Some(0), |m| m.parse().ok())?;
    let patch = it.next().map_or(Some(0), |m| m.parse().ok())?;
    if it.next().is_some() {
        return None;
    }
    Some(GoRelease {
        major,
        minor,
        patch,
        stage,
        pre,
    })
}

/// A module version as a semantic version (`v` prefix required, as Go writes them).
pub fn parse_module(v: &str) -> Option<semver::Version> {
    semver::Version::parse(v.strip_prefix('v')?).ok()
}

/// How a `forbid_modules` entry constrains the version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    /// Any version.
    Any,
    /// Compared with this version: the orderings that match.
    Cmp(Vec<Ordering>, semver::Version),
}

/// One `forbid_modules` entry: `path`, `path@v1.2.3` (exactly), `path@<v1.2.3`, `@<=`, `@>`,
/// `@>=`, `@=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRule {
    /// Module path.
    pub path: String,
    /// Version constraint.
    pub constraint: Constraint,
}

impl ModuleRule {
    /// Parse an entry; the error says what is wrong.
    pub fn parse(s: &str) -> Result<ModuleRule, String> {
        let Some((path, range)) = s.split_once('@') else {
            if s.is_empty() {
                return Err("empty module path".into());
            }
            return Ok(ModuleRule {
                path: s.into(),
                constraint: Constraint::Any,
            });
        };
        if path.is_empty() {
            return Err(format!("`{s}`: no module path before @"));
        }
        use Ordering::{Equal, Greater, Less};
        let (ords, v) = if let Some(v) = range.strip_prefix("<=") {
            (vec![Less, Equal], v)
        } else if let Some(v) = range.strip_prefix(">=") {
            (vec![Greater, Equal], v)
        } else if let Some(v) = range.strip_prefix('<') {
            (vec![Less], v)
        } else if let Some(v) = range.strip_prefix('>') {
            (vec![Greater], v)
        } else if let Some(v) = range.strip_prefix('=') {
            (vec![Equal], v)
        } else {
            (vec![Equal], range)
        };
        let ver = parse_module(v).ok_or_else(|| {
            format!("`{s}`: `{v}` is not a module version (vMAJOR.MINOR.PATCH, e.g. v1.2.3)")
        })?;
        Ok(ModuleRule {
            path: path.into(),
            constraint: Constraint::Cmp(ords, ver),
        })
    }

    /// Whether module `path` at `version` is forbidden. A version that is not semantic
    /// (`(devel)`, empty) matches only an entry without a version.
    pub fn matches(&self, path: &str, version: &str) -> bool {
        if path != self.path {
            return false;
        }
        match &self.constraint {
            Constraint::Any => true,
            Constraint::Cmp(ords, want) => {
                parse_module(version).is_some_and(|v| ords.contains(&v.cmp_precedence(want)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_versions_order_like_go() {
        let v = |s| parse_go(s).unwrap();
        assert!(v("go1.22beta1") < v("go1.22rc1"));
        assert!(v("go1.22rc2") < v("go1.22"));
        assert!(v("go1.22") < v("go1.22.1"));
        assert!(v("go1.9") < v("go1.10"));
        assert_eq!(v("go1.21"), v("1.21.0"));
        assert_eq!(v("go1.25.1 X:boringcrypto"), v("go1.25.1"));
        assert!(parse_go("devel go1.23-abc").is_none());
        assert!(parse_go("1.x").is_none());
    }

    #[test]
    fn module_ranges() {
        let r = ModuleRule::parse("github.com/x/y@<v1.2.3").unwrap();
        assert!(r.matches("github.com/x/y", "v1.2.2"));
        assert!(r.matches("github.com/x/y", "v1.2.3-0.20240101000000-abcdefabcdef"));
        assert!(!r.matches("github.com/x/y", "v1.2.3"));
        assert!(!r.matches("github.com/x/z", "v1.0.0"));
        assert!(!r.matches("github.com/x/y", "(devel)"));
        let any = ModuleRule::parse("github.com/x/y").unwrap();
        assert!(any.matches("github.com/x/y", "(devel)"));
        let ge = ModuleRule::parse("a.b/c@>=v2.0.0+incompatible").unwrap();
        assert!(ge.matches("a.b/c", "v2.0.1+incompatible"));
        assert!(ModuleRule::parse("a.b/c@<1.2").is_err());
        assert!(ModuleRule::parse("@v1.0.0").is_err());
    }
}

//! Go versions: parsing `go1.22.10`-style strings, ordering them, naming the eras whose
//! binary layouts differ, and detecting the version that built a binary (docs/FORMATS.md §6).
//!
//! Detection sources, in order of trust: the build info version string
//! (`src/debug/buildinfo/buildinfo.go`), the `runtime.buildVersion` string variable
//! (`src/runtime/extern.go`, set by `src/cmd/link/internal/ld/main.go`), the DWARF producer
//! `Go cmd/compile <version>` (`src/cmd/link/internal/ld/dwarf.go`), and last the pclntab magic,
//! which only names an era (`src/internal/abi/symtab.go`).

use serde::{Deserialize, Serialize};

use crate::image::Image;
use crate::limits;

/// A Go release number such as 1.22.10 (`patch` 0 for `go1.22`, also for `go1.22rc1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GoVersion {
    /// Always 1 so far.
    pub major: u32,
    /// Minor release: 22 in go1.22.10.
    pub minor: u32,
    /// Patch release: 10 in go1.22.10.
    pub patch: u32,
}

impl GoVersion {
    /// A version from its numbers.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        GoVersion {
            major,
            minor,
            patch,
        }
    }

    /// Parse `go1.22.10`, `go1.22`, `go1.21rc2`, `go1.22.10 X:boringcrypto`, `devel go1.23-abc`.
    pub fn parse(s: &str) -> Option<GoVersion> {
        let start = s.find("go1.")?;
        let rest = s.get(start + 2..)?;
        let mut nums = rest
            .split(|c: char| !c.is_ascii_digit())
            .take_while(|p| !p.is_empty());
        let major = nums.next()?.parse().ok()?;
        let minor = nums.next()?.parse().ok()?;
        // A third number only when the separator after minor is '.'.
        let after_minor = rest.splitn(3, '.').nth(2);
        let patch = after_minor
            .and_then(|p| {
                let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
                digits.parse().ok()
            })
            .unwrap_or(0);
        Some(GoVersion::new(major, minor, patch))
    }

    /// True when this version is `major.minor` or later.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }
}

impl std::fmt::Display for GoVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "go{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Where the reported Go version came from (`version_source` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionSource {
    /// The `.go.buildinfo` version string.
    #[serde(rename = "buildinfo")]
    Buildinfo,
    /// The `runtime.buildVersion` variable, found through the symbol table.
    #[serde(rename = "runtime.buildVersion")]
    RuntimeBuildVersion,
    /// The DWARF producer string of the compile units.
    #[serde(rename = "dwarf")]
    Dwarf,
    /// The `runtime.buildVersion` variable, found without symbols through the code of
    /// `runtime.schedinit` (docs/FORMATS.md §6.1).
    #[serde(rename = "runtime.schedinit")]
    RuntimeSchedinit,
    /// Only the pclntab magic: an era, not a release.
    #[serde(rename = "pclntab")]
    Pclntab,
}

impl VersionSource {
    /// The JSON name.
    pub fn name(self) -> &'static str {
        match self {
            VersionSource::Buildinfo => "buildinfo",
            VersionSource::RuntimeBuildVersion => "runtime.buildVersion",
            VersionSource::Dwarf => "dwarf",
            VersionSource::RuntimeSchedinit => "runtime.schedinit",
            VersionSource::Pclntab => "pclntab",
        }
    }
}

/// The version in a DWARF producer string: `Go cmd/compile go1.22.10; regabi` gives
/// `go1.22.10`. The linker promises no `;` inside the version, so it ends there.
pub fn from_producer(producer: &str) -> Option<String> {
    let rest = producer.strip_prefix("Go cmd/compile ")?;
    let version = rest.split(';').next()?.trim();
    (!version.is_empty()).then(|| version.to_string())
}

/// True for strings the runtime could hold as its version: `go1.x…` or `devel …`.
pub fn looks_like_version(s: &str) -> bool {
    s.starts_with("go1") || s.starts_with("devel ")
}

/// The value of `runtime.buildVersion`, through the symbol table: the symbol is a Go string
/// header `{data, len}`. `None` when stripped, unrelocated (a zero pointer in a PIE's file
/// bytes) or implausible.
pub fn runtime_build_version(image: &Image<'_>) -> Option<String> {
    let sym = image.symbol("runtime.buildVersion")?;
    let ptr = u64::from(image.arch().ptr_size);
    let header = image
        .reader_at_vaddr("runtime.buildVersion", sym.vaddr, 2 * ptr)
        .ok()?;
    let data = header.word("runtime.buildVersion data", 0).ok()?;
    let len = header.word("runtime.buildVersion length", 1).ok()?;
    if data == 0 || len == 0 || len > limits::MAX_VERSION_STRING as u64 {
        return None;
    }
    let bytes = image
        .read_vaddr("runtime.buildVersion string", data, len)
        .ok()?;
    let s = std::str::from_utf8(bytes).ok()?;
    looks_like_version(s).then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_strings() {
        assert_eq!(
            GoVersion::parse("go1.22.10"),
            Some(GoVersion::new(1, 22, 10))
        );
        assert_eq!(GoVersion::parse("go1.21"), Some(GoVersion::new(1, 21, 0)));
        assert_eq!(
            GoVersion::parse("go1.21rc2"),
            Some(GoVersion::new(1, 21, 0))
        );
        assert_eq!(
            GoVersion::parse("go1.20.3 X:boringcrypto"),
            Some(GoVersion::new(1, 20, 3))
        );
        assert_eq!(
            GoVersion::parse("devel go1.23-abc"),
            Some(GoVersion::new(1, 23, 0))
        );
        assert_eq!(GoVersion::parse("1.22"), None);
        assert!(GoVersion::new(1, 26, 0).at_least(1, 26));
        assert!(!GoVersion::new(1, 25, 9).at_least(1, 26));
    }

    #[test]
    fn producers() {
        assert_eq!(
            from_producer("Go cmd/compile go1.22.10; regabi").as_deref(),
            Some("go1.22.10")
        );
        assert_eq!(
            from_producer("Go cmd/compile go1.19.8").as_deref(),
            Some("go1.19.8")
        );
        assert_eq!(from_producer("GNU C17 12.2.0 -mtune=generic"), None);
    }
}

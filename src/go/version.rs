//! Go versions: parsing `go1.22.10`-style strings, ordering them, and naming the eras whose
//! binary layouts differ (FORMATS.md §6).

use serde::{Deserialize, Serialize};

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
}

//! The pclntab era: which of Go's four function-table formats a binary carries, chosen by
//! the table's magic, and the Go releases that write each.
//!
//! Sources: `src/internal/abi/symtab.go` (`Go12PCLnTabMagic` "used in Go 1.2 through Go
//! 1.15", `Go116PCLnTabMagic`, `Go118PCLnTabMagic`, `Go120PCLnTabMagic` =
//! `CurrentPCLnTabMagic`), `src/debug/gosym/pclntab.go` (`ver12` … `ver120`).
//! docs/FORMATS.md §1.1.

use serde::{Deserialize, Serialize};

use super::version::GoVersion;

/// pclntab era, selected by the magic. Ordered oldest to newest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Era {
    /// 0xfffffffb: Go 1.2–1.15.
    Go12,
    /// 0xfffffffa: Go 1.16–1.17.
    Go116,
    /// 0xfffffff0: Go 1.18–1.19.
    Go118,
    /// 0xfffffff1: Go 1.20 and later.
    Go120,
}

impl Era {
    /// Every era, newest first (the order the repair scan tries them in).
    pub const ALL: [Era; 4] = [Era::Go120, Era::Go118, Era::Go116, Era::Go12];

    /// The magic of this era (as a `u32` in the table's byte order).
    pub fn magic(self) -> u32 {
        match self {
            Era::Go12 => 0xffff_fffb,
            Era::Go116 => 0xffff_fffa,
            Era::Go118 => 0xffff_fff0,
            Era::Go120 => 0xffff_fff1,
        }
    }

    /// The era of a magic.
    pub fn from_magic(magic: u32) -> Option<Era> {
        Era::ALL.into_iter().find(|e| e.magic() == magic)
    }

    /// The first Go release (major, minor) that writes this era's tables.
    pub fn first(self) -> (u32, u32) {
        match self {
            Era::Go12 => (1, 2),
            Era::Go116 => (1, 16),
            Era::Go118 => (1, 18),
            Era::Go120 => (1, 20),
        }
    }

    /// The last Go release that writes it; `None` for the current era.
    pub fn last(self) -> Option<(u32, u32)> {
        match self {
            Era::Go12 => Some((1, 15)),
            Era::Go116 => Some((1, 17)),
            Era::Go118 => Some((1, 19)),
            Era::Go120 => None,
        }
    }

    /// True when Go release `v` writes this era's tables.
    pub fn contains(self, v: GoVersion) -> bool {
        (v.major, v.minor) >= self.first() && self.last().is_none_or(|l| (v.major, v.minor) <= l)
    }

    /// Go versions of the era as reported (`go1.18-go1.19`, `go1.20+`); also the version
    /// goelf reports when the pclntab is all that names it.
    pub fn versions(self) -> &'static str {
        match self {
            Era::Go12 => "go1.2-go1.15",
            Era::Go116 => "go1.16-go1.17",
            Era::Go118 => "go1.18-go1.19",
            Era::Go120 => "go1.20+",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eras_name_their_releases() {
        assert_eq!(Era::from_magic(0xffff_fff0), Some(Era::Go118));
        assert_eq!(Era::Go118.versions(), "go1.18-go1.19");
        assert!(Era::Go118.contains(GoVersion::new(1, 19, 8)));
        assert!(!Era::Go118.contains(GoVersion::new(1, 20, 0)));
        assert!(Era::Go120.contains(GoVersion::new(1, 27, 3)));
        assert!(Era::Go12.contains(GoVersion::new(1, 13, 8)));
        assert_eq!(Era::from_magic(0x1234_5678), None);
        for e in Era::ALL {
            assert_eq!(Era::from_magic(e.magic()), Some(e));
        }
    }
}

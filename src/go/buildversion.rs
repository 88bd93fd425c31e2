//! `runtime.buildVersion` without symbols: the string variable the runtime's `Version()`
//! returns, located through the code of `runtime.schedinit`, which reads and writes it
//! (docs/FORMATS.md §6.1).
//!
//! The linker sets the variable (`src/cmd/link/internal/ld/main.go`: `addstrdata1(ctxt,
//! "runtime.buildVersion="+buildVersion)`; `data.go` `addstrdata`): a Go string header
//! `{data, len}` in `.data` pointing at `runtime.buildVersion.str` in `.rodata`, the same text
//! the linker writes into `.go.buildinfo` (`data.go` `buildinfo`), which is what `go version`
//! prints. `schedinit` (`src/runtime/proc.go`, unchanged since Go 1.5) holds
//!
//! ```go
//! if buildVersion == "" { buildVersion = "unknown" }
//! ```
//!
//! "to ensure runtime·buildVersion is kept in the resulting binary": it compares the length
//! word (`header + ptrsize`) with 0 and stores both words. So the header is a data address
//! the function's code refers to, together with the word after it; its string must read
//! `go1…` or `devel …`, and one such string only. The pclntab keeps `schedinit`'s name in a
//! stripped binary, so no symbol is needed; a string found anywhere else is never taken.

use serde::{Deserialize, Serialize};

use super::pclntab::Pclntab;
use super::version::looks_like_version;
use crate::code::{code_refs, supported, RefKind};
use crate::image::Image;
use crate::limits;

/// The function whose code is the anchor.
pub const ANCHOR: &str = "runtime.schedinit";

/// How `runtime.buildVersion` was found without symbols (`version_evidence` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildVersionEvidence {
    /// The function whose code refers to the variable: `runtime.schedinit`.
    pub anchor: String,
    /// Entry address of that function (from the pclntab).
    pub anchor_entry: u64,
    /// Address of the string header `{data, len}`: the variable `runtime.buildVersion`.
    pub header: u64,
    /// Address of the string bytes (`runtime.buildVersion.str`).
    pub data: u64,
    /// Length of the string.
    pub len: u64,
    /// The pclntab era's Go versions, which the version lies in (e.g. `go1.20+`).
    pub pclntab_era: String,
    /// The moduledata layout of this version that decodes the moduledata found, `null` when
    /// no moduledata was found.
    pub moduledata_layout: Option<String>,
}

/// Why the anchored search gave no version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFound {
    /// The pclntab has no `runtime.schedinit`, or its code cannot be read.
    NoAnchor,
    /// goelf does not decode this architecture's machine code.
    Unsupported,
    /// The code refers to no string header holding a version.
    NoString,
    /// The code refers to more than one: these.
    Ambiguous(Vec<String>),
}

/// The `runtime.buildVersion` string and where it is, through `runtime.schedinit`'s code.
/// `era_versions` and `moduledata_layout` are filled in by the caller's cross-checks.
pub fn find(
    image: &Image<'_>,
    pclntab: &Pclntab<'_>,
) -> Result<(String, BuildVersionEvidence), NotFound> {
    let arch = image.arch();
    if !supported(&arch) {
        return Err(NotFound::Unsupported);
    }
    let f = pclntab
        .funcs()
        .filter_map(Result::ok)
        .find(|f| f.name == ANCHOR.as_bytes())
        .ok_or(NotFound::NoAnchor)?;
    // schedinit is a few hundred instructions; a bound keeps a hostile table's "function"
    // from decoding the whole text.
    let len = f.end.saturating_sub(f.entry).min(1 << 16);
    let code = image
        .read_vaddr("runtime.schedinit code", f.entry, len)
        .map_err(|_| NotFound::NoAnchor)?;
    let mut refs = Vec::new();
    code_refs(&arch, code, f.entry, &mut refs);
    let ptr = u64::from(arch.ptr_size);
    let targets: std::collections::BTreeSet<u64> = refs
        .iter()
        .filter(|r| r.kind != RefKind::Call && !image.is_exec_vaddr(r.target))
        .map(|r| r.target)
        .collect();
    // Headers whose both words the code refers to first; any referred header otherwise
    // (an architecture whose stores of the pointer word compute the address differently).
    let both: Vec<u64> = targets
        .iter()
        .copied()
        .filter(|t| targets.contains(&t.wrapping_add(ptr)))
        .collect();
    let loose: Vec<u64> = targets
        .iter()
        .flat_map(|&t| [t, t.wrapping_sub(ptr)])
        .collect();
    for candidates in [both, loose] {
        let mut found: Vec<(String, u64, u64, u64)> = Vec::new();
        for h in candidates {
            if let Some((s, data, len)) = version_string_at(image, h) {
                if !found.iter().any(|(_, fh, ..)| *fh == h) {
                    found.push((s, h, data, len));
                }
            }
        }
        let mut texts: Vec<String> = found.iter().map(|(s, ..)| s.clone()).collect();
        texts.sort();
        texts.dedup();
        match (texts.len(), found.into_iter().next()) {
            (0, _) | (_, None) => continue,
            (1, Some((s, header, data, len))) => {
                return Ok((
                    s,
                    BuildVersionEvidence {
                        anchor: ANCHOR.to_string(),
                        anchor_entry: f.entry,
                        header,
                        data,
                        len,
                        pclntab_era: String::new(),
                        moduledata_layout: None,
                    },
                ))
            }
            _ => return Err(NotFound::Ambiguous(texts)),
        }
    }
    Err(NotFound::NoString)
}

/// The string a Go string header at `h` (in writable, file-backed data) points at, when it
/// reads like a version and lies in read-only data (`.rodata`; with an external linker that
/// may share the text segment).
fn version_string_at(image: &Image<'_>, h: u64) -> Option<(String, u64, u64)> {
    let seg = image.segment_for(h)?;
    if !seg.write {
        return None;
    }
    let ptr = u64::from(image.arch().ptr_size);
    let r = image
        .reader_at_vaddr("runtime.buildVersion", h, 2 * ptr)
        .ok()?;
    let data = r.word("runtime.buildVersion data", 0).ok()?;
    let len = r.word("runtime.buildVersion length", 1).ok()?;
    if data == 0 || len == 0 || len > limits::MAX_VERSION_STRING as u64 {
        return None;
    }
    if image.segment_for(data).is_none_or(|s| s.write) {
        return None;
    }
    let bytes = image
        .read_vaddr("runtime.buildVersion string", data, len)
        .ok()?;
    let s = std::str::from_utf8(bytes).ok()?;
    (looks_like_version(s) && s.chars().all(|c| !c.is_control()))
        .then(|| (s.to_string(), data, len))
}

//! The inlining tree (`FUNCDATA_InlTree` + `PCDATA_InlTreeIndex`): which calls were inlined
//! at a PC, innermost first, as the runtime's `inlineUnwinder` walks them.
//!
//! Sources: `src/runtime/symtabinl.go` (`inlinedCall`, `inlineUnwinder`, Go 1.21+),
//! `src/runtime/symtab.go` (`inlinedCall` 1.12–1.20, `funcdata`, `pcdatavalue`),
//! `src/cmd/link/internal/ld/pcln.go` (`genInlTreeSym`). Entry layouts per Go version are in
//! `go::layout` (1.12–1.19: 20 bytes with a call-site line; 1.20+: 16 bytes with the
//! callee's start line). Go 1.9–1.11 trees (no `parentPc`) are not decoded.
//! docs/FORMATS.md §1.9.

use serde::{Deserialize, Serialize};

use super::pclntab::{Func, Pclntab};
use crate::error::{Error, Result};
use crate::image::Image;

/// One frame at a PC: a function (inlined or the physical one) and the source position in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// Function name (the inlined callee, or the physical function for the last frame).
    pub name: String,
    /// Source file of the position inside this function.
    pub file: String,
    /// Line of the position inside this function (0 when unknown).
    pub line: u32,
    /// True for an inlined call, false for the physical function.
    pub inlined: bool,
}

/// The frames at `pc` inside `f`, innermost first; the last is `f` itself. Without an inline
/// tree (or when the table layout has none we decode) this is just `f`.
///
/// Go 1.18+ funcdata offsets are relative to `moduledata.gofunc`: a table without it (one
/// whose moduledata was not found) gives only the physical frame.
pub fn frames(tab: &Pclntab<'_>, image: &Image<'_>, f: &Func<'_>, pc: u64) -> Result<Vec<Frame>> {
    let rec = tab.record(f.func_offset)?;
    let layout = tab.func_layout();
    let here =
        |pc: u64| -> (String, u32) { tab.file_line_rec(&rec, f.entry, pc).unwrap_or_default() };
    let mut out = Vec::new();
    let tree = match (
        layout.pcdata_inl_tree_index,
        layout.funcdata_inl_tree,
        layout.inlined_call,
    ) {
        (Some(pk), Some(fk), Some(ic)) => match tab.funcdata_addr(image, &rec, fk) {
            Ok(Some(addr)) => Some((pk, addr, ic)),
            Ok(None) | Err(Error::NotFound(_)) => None,
            Err(e) => return Err(e),
        },
        _ => None,
    };
    let mut pc = pc;
    if let Some((pk, addr, ic)) = tree {
        let mut ix = tab.pcdata_value(&rec, pk, f.entry, pc)?;
        let mut seen = std::collections::BTreeSet::new();
        while ix >= 0 && out.len() < crate::limits::MAX_INLINE_DEPTH && seen.insert(ix) {
            let at = addr.wrapping_add(ic.size.wrapping_mul(ix as u64));
            let r = image.reader_at_vaddr("inlinedCall", at, ic.size)?;
            let nameoff = r.u32_at("inlinedCall nameOff", ic.name_off)? as i32;
            let parent_pc = r.u32_at("inlinedCall parentPc", ic.parent_pc)? as i32;
            let name = String::from_utf8_lossy(tab.name_at(nameoff)?).into_owned();
            let (file, line) = here(pc);
            out.push(Frame {
                name,
                file,
                line,
                inlined: true,
            });
            pc = f.entry.wrapping_add(parent_pc as i64 as u64);
            ix = tab.pcdata_value(&rec, pk, f.entry, pc)?;
        }
    }
    let (file, line) = here(pc);
    out.push(Frame {
        name: f.name_str().into_owned(),
        file,
        line,
        inlined: false,
    });
    Ok(out)
}

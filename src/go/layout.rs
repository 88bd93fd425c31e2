//! Per-era and per-version layouts of the Go runtime structures goelf decodes: the pclntab
//! header (`runtime.pcHeader`), the per-function record (`runtime._func`), the inline tree
//! entry (`runtime.inlinedCall`) and `runtime.moduledata`.
//!
//! Layouts that differ between Go versions are data here, not code: each row cites the Go
//! source file it comes from. Offsets of `moduledata` fields are not written out per pointer
//! size; each version lists its fields in order with their kinds, and offsets follow from Go's
//! alignment rules, so one row serves 32- and 64-bit targets. Unit tests pin the computed
//! offsets to docs/FORMATS.md §2.1 (64-bit, and 386 for 32-bit), and the fixture tests
//! compare them with the DWARF layout of each fixture's own `runtime.moduledata`.
//!
//! Sources: `src/runtime/symtab.go` (`pcHeader`, `moduledata`, `inlinedCall` ≤1.20,
//! `funcdata`), `src/runtime/symtabinl.go` (`inlinedCall`, 1.21+), `src/runtime/runtime2.go`
//! (`_func`), `src/internal/abi/symtab.go` (PCDATA/FUNCDATA indexes, 1.21+),
//! `src/cmd/link/internal/ld/pcln.go` and `symtab.go` (writers). docs/FORMATS.md §1.2, §1.5,
//! §2.1.

use super::era::Era;
use super::version::GoVersion;

/// Where the fields of the pclntab header are, in pointer-sized words after the 8-byte prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderLayout {
    /// Number of words in the header after the prefix.
    pub words: u64,
    /// Word holding `nfiles` (1.16+).
    pub nfiles: Option<u64>,
    /// Word holding `textStart` (1.18+; written as 0 from 1.26).
    pub text_start: Option<u64>,
    /// Word holding `funcnameOffset`.
    pub funcname: Option<u64>,
    /// Word holding `cuOffset`.
    pub cu: Option<u64>,
    /// Word holding `filetabOffset`.
    pub filetab: Option<u64>,
    /// Word holding `pctabOffset`.
    pub pctab: Option<u64>,
    /// Word holding `pclnOffset` (start of the functab).
    pub pcln: Option<u64>,
}

/// 1.2–1.15: only `nfunc`; the functab follows at `8 + P` and everything is addressed from
/// the table start (`debug/gosym/pclntab.go` branch `ver12`).
pub const HEADER_GO12: HeaderLayout = HeaderLayout {
    words: 1,
    nfiles: None,
    text_start: None,
    funcname: None,
    cu: None,
    filetab: None,
    pctab: None,
    pcln: None,
};

/// 1.16–1.17: `nfunc, nfiles, funcnameOffset, cuOffset, filetabOffset, pctabOffset,
/// pclnOffset` (`runtime/symtab.go` `pcHeader` of 1.16; `debug/gosym` branch `ver116`).
pub const HEADER_GO116: HeaderLayout = HeaderLayout {
    words: 7,
    nfiles: Some(1),
    text_start: None,
    funcname: Some(2),
    cu: Some(3),
    filetab: Some(4),
    pctab: Some(5),
    pcln: Some(6),
};

/// 1.18+: `textStart` inserted as word 2 (`runtime/symtab.go` `pcHeader`, 1.19–1.27;
/// `cmd/link/internal/ld/pcln.go` `generatePCHeader`).
pub const HEADER_GO118: HeaderLayout = HeaderLayout {
    words: 8,
    nfiles: Some(1),
    text_start: Some(2),
    funcname: Some(3),
    cu: Some(4),
    filetab: Some(5),
    pctab: Some(6),
    pcln: Some(7),
};

/// The header layout of an era.
pub fn header(era: Era) -> &'static HeaderLayout {
    match era {
        Era::Go12 => &HEADER_GO12,
        Era::Go116 => &HEADER_GO116,
        Era::Go118 | Era::Go120 => &HEADER_GO118,
    }
}

/// Field offsets of `runtime._func`. Offsets are counted from the end of the entry field
/// (which is a uintptr before 1.18 and a uint32 offset from 1.18), so the same numbers serve
/// 32- and 64-bit targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuncLayout {
    /// Name of the row, e.g. `go1.20+`.
    pub name: &'static str,
    /// The entry field is pointer-sized (≤1.17) rather than a uint32 offset (1.18+).
    pub entry_is_ptr: bool,
    /// `nameoff` (int32).
    pub nameoff: u64,
    /// `args` (int32).
    pub args: u64,
    /// `pcsp` (uint32).
    pub pcsp: u64,
    /// `pcfile` (uint32).
    pub pcfile: u64,
    /// `pcln` (uint32).
    pub pcln: u64,
    /// `npcdata` (uint32/int32).
    pub npcdata: u64,
    /// `cuOffset` (uint32), 1.16+.
    pub cu_offset: Option<u64>,
    /// `startLine` (int32), 1.20+.
    pub start_line: Option<u64>,
    /// `funcID` (uint8), 1.12+.
    pub func_id: Option<u64>,
    /// `flag` (uint8), 1.18+.
    pub flag: Option<u64>,
    /// `nfuncdata` offset.
    pub nfuncdata: u64,
    /// `nfuncdata` is an int32 (1.2–1.11) rather than a uint8.
    pub nfuncdata_is_i32: bool,
    /// Size of the fixed part after the entry field; `pcdata[npcdata]` follows.
    pub fixed: u64,
    /// Funcdata slots are uint32 offsets from `moduledata.gofunc` (1.18+) rather than
    /// pointer-aligned absolute addresses.
    pub funcdata_is_offset: bool,
    /// PCDATA index of the inline tree index table, when this layout's Go has one.
    pub pcdata_inl_tree_index: Option<u32>,
    /// FUNCDATA index of the inline tree.
    pub funcdata_inl_tree: Option<u32>,
    /// Layout of the inline tree entries.
    pub inlined_call: Option<&'static InlinedCallLayout>,
}

/// 1.2–1.11 `_func`: `entry uintptr; nameoff, args, frame, pcsp, pcfile, pcln, npcdata,
/// nfuncdata int32` (\[idx\] Go 1.2-era `debug/gosym`; goloader `func.1.8.go`). The inline
/// tree of 1.9–1.11 (no `parentPc`) is not decoded.
pub const FUNC_GO12: FuncLayout = FuncLayout {
    name: "go1.2-1.11",
    entry_is_ptr: true,
    nameoff: 0,
    args: 4,
    pcsp: 12,
    pcfile: 16,
    pcln: 20,
    npcdata: 24,
    cu_offset: None,
    start_line: None,
    func_id: None,
    flag: None,
    nfuncdata: 28,
    nfuncdata_is_i32: true,
    fixed: 32,
    funcdata_is_offset: false,
    pcdata_inl_tree_index: None,
    funcdata_inl_tree: None,
    inlined_call: None,
};

/// 1.12 `_func`: `funcID uint8` and `nfuncdata uint8` replace the int32 `nfuncdata`
/// (goloader `func.1.12.go`). PCDATA_InlTreeIndex 1, FUNCDATA_InlTree 2 (1.12
/// `runtime/symtab.go`, as copied by goloader's 1.12 build range).
pub const FUNC_GO112: FuncLayout = FuncLayout {
    name: "go1.12",
    func_id: Some(28),
    nfuncdata: 31,
    nfuncdata_is_i32: false,
    pcdata_inl_tree_index: Some(1),
    funcdata_inl_tree: Some(2),
    inlined_call: Some(&INLINED_CALL_GO112),
    ..FUNC_GO12
};

/// 1.13–1.15: same record as 1.12; PCDATA_RegMapIndex was inserted at 0, so
/// PCDATA_InlTreeIndex 2 and FUNCDATA_InlTree 4 (1.13–1.15 `runtime/symtab.go`).
pub const FUNC_GO113: FuncLayout = FuncLayout {
    name: "go1.13-1.15",
    pcdata_inl_tree_index: Some(2),
    funcdata_inl_tree: Some(4),
    ..FUNC_GO112
};

/// 1.16–1.17: `cuOffset` added before `funcID` (goloader `func.1.16.go`; `debug/gosym`
/// `funcData.field(8)`). FUNCDATA_RegPointerMaps removed: FUNCDATA_InlTree 3.
pub const FUNC_GO116: FuncLayout = FuncLayout {
    name: "go1.16-1.17",
    cu_offset: Some(28),
    func_id: Some(32),
    nfuncdata: 35,
    fixed: 36,
    pcdata_inl_tree_index: Some(2),
    funcdata_inl_tree: Some(3),
    ..FUNC_GO113
};

/// 1.18–1.19: `entryoff uint32`, `flag` after `funcID`, funcdata as offsets from
/// `moduledata.gofunc` (1.19 `runtime/runtime2.go`, `cmd/link/internal/ld/pcln.go`
/// `writeFuncs`; DWARF of a 1.19 binary: 40 bytes).
pub const FUNC_GO118: FuncLayout = FuncLayout {
    name: "go1.18-1.19",
    entry_is_ptr: false,
    flag: Some(33),
    funcdata_is_offset: true,
    ..FUNC_GO116
};

/// 1.20+: `startLine int32` after `cuOffset` (1.21–1.27 `runtime/runtime2.go`; DWARF of
/// 1.21–1.27 binaries: 44 bytes; 1.20 from goloader `func.1.20.go`). The inline tree entry
/// changed to `{funcID, _[3], nameOff, parentPc, startLine}` in the same release.
pub const FUNC_GO120: FuncLayout = FuncLayout {
    name: "go1.20+",
    start_line: Some(32),
    func_id: Some(36),
    flag: Some(37),
    nfuncdata: 39,
    fixed: 40,
    inlined_call: Some(&INLINED_CALL_GO120),
    ..FUNC_GO118
};

/// The `_func` layout of an era. Era 1.2–1.15 spans three layouts; without a Go version the
/// caller picks with [`func_layout_go12_guess`].
pub fn func_layout(era: Era, version: Option<GoVersion>) -> &'static FuncLayout {
    match era {
        Era::Go12 => match version {
            Some(v) if !v.at_least(1, 12) => &FUNC_GO12,
            Some(v) if !v.at_least(1, 13) => &FUNC_GO112,
            _ => &FUNC_GO113,
        },
        Era::Go116 => &FUNC_GO116,
        Era::Go118 => &FUNC_GO118,
        Era::Go120 => &FUNC_GO120,
    }
}

/// The 1.2–1.11 or 1.13–1.15 layout from a count over sampled records, for little-endian
/// tables without a known Go version: in 1.2–1.11 the int32 `nfuncdata` puts its low byte at
/// +28 and zero at +31; in 1.12+ +28 is `funcID` (zero for ordinary functions) and +31 is
/// `nfuncdata`. Big-endian tables read the same byte (+31) either way.
pub fn func_layout_go12_guess(low28_set: usize, byte31_set: usize) -> &'static FuncLayout {
    if low28_set > byte31_set {
        &FUNC_GO12
    } else {
        &FUNC_GO113
    }
}

/// Layout of one inline tree entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InlinedCallLayout {
    /// Row name.
    pub name: &'static str,
    /// Entry size in bytes.
    pub size: u64,
    /// Offset of the callee name offset (int32): into the whole table before 1.16, into
    /// `funcnametab` from 1.16.
    pub name_off: u64,
    /// Offset of `parentPc` (int32, from the function entry).
    pub parent_pc: u64,
    /// Offset of the call-site line (int32), 1.12–1.19.
    pub line: Option<u64>,
    /// Offset of `startLine` (int32), 1.20+.
    pub start_line: Option<u64>,
}

/// 1.12–1.19: `{parent int16, funcID uint8, _ byte, file int32, line int32, func_ int32,
/// parentPc int32}` (1.19 `runtime/symtab.go` `inlinedCall`; GoReSym `rawInlinedCall112`).
pub const INLINED_CALL_GO112: InlinedCallLayout = InlinedCallLayout {
    name: "go1.12-1.19",
    size: 20,
    name_off: 12,
    parent_pc: 16,
    line: Some(8),
    start_line: None,
};

/// 1.20+: `{funcID uint8, _ [3]byte, nameOff int32, parentPc int32, startLine int32}`
/// (1.21–1.27 `runtime/symtabinl.go`; 1.20 from goloader `go1.20 && !go1.21`).
pub const INLINED_CALL_GO120: InlinedCallLayout = InlinedCallLayout {
    name: "go1.20+",
    size: 16,
    name_off: 4,
    parent_pc: 8,
    line: None,
    start_line: Some(12),
};

/// A field of `runtime.moduledata`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum MdField {
    PcHeader,
    Funcnametab,
    Cutab,
    Filetab,
    Pctab,
    Pclntable,
    Ftab,
    Findfunctab,
    Minpc,
    Maxpc,
    Text,
    Etext,
    Noptrdata,
    Enoptrdata,
    Data,
    Edata,
    Bss,
    Ebss,
    Noptrbss,
    Enoptrbss,
    Covctrs,
    Ecovctrs,
    End,
    Gcdata,
    Gcbss,
    Types,
    Typedesclen,
    Etypes,
    Itaboffset,
    Itabsize,
    Rodata,
    Gofunc,
    Epclntab,
    Textsectmap,
    Typelinks,
    Itablinks,
    Ptab,
    Pluginpath,
    Pkghashes,
    Inittasks,
    Modulename,
    Modulehashes,
    Hasmain,
    Bad,
    Gcdatamask,
    Gcbssmask,
    Typemap,
    Next,
}

/// How a moduledata field is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A pointer or uintptr.
    Ptr,
    /// A slice header `{ptr, len, cap}`.
    Slice,
    /// A string header `{ptr, len}`.
    Str,
    /// A uint8 or bool.
    Byte,
    /// `bitvector {n int32; bytedata *uint8}`.
    BitVector,
}

impl Kind {
    fn size_align(self, ptr: u64) -> (u64, u64) {
        match self {
            Kind::Ptr => (ptr, ptr),
            Kind::Slice => (3 * ptr, ptr),
            Kind::Str => (2 * ptr, ptr),
            Kind::Byte => (1, 1),
            // int32 then a pointer: 16 bytes on 64-bit, 8 on 32-bit.
            Kind::BitVector => (2 * ptr, ptr),
        }
    }
}

/// One Go version range's `runtime.moduledata`.
#[derive(Debug)]
pub struct ModuledataLayout {
    /// Row name, e.g. `go1.21-1.22`.
    pub name: &'static str,
    /// First Go version (major, minor) with this layout.
    pub first: (u32, u32),
    /// Last Go version (major, minor) with this layout.
    pub last: (u32, u32),
    /// The pclntab era of these versions.
    pub era: Era,
    /// Fields in declaration order.
    pub fields: &'static [(MdField, Kind)],
    /// True when the row was checked on a binary (DWARF) or in the release's source; false
    /// when it rests on third-party copies only (docs/FORMATS.md §2.1).
    pub verified: bool,
}

impl ModuledataLayout {
    /// Byte offset of `field` for the given pointer size, `None` when this version lacks it.
    pub fn offset(&self, field: MdField, ptr: u8) -> Option<u64> {
        let ptr = u64::from(ptr);
        let mut off = 0u64;
        for &(f, k) in self.fields {
            let (size, align) = k.size_align(ptr);
            off = off.div_ceil(align) * align;
            if f == field {
                return Some(off);
            }
            off += size;
        }
        None
    }

    /// Size of the structure for the given pointer size.
    pub fn size(&self, ptr: u8) -> u64 {
        let ptr = u64::from(ptr);
        let mut off = 0u64;
        for &(_, k) in self.fields {
            let (size, align) = k.size_align(ptr);
            off = off.div_ceil(align) * align + size;
        }
        off.div_ceil(ptr) * ptr
    }

    /// The kind of `field`, when present.
    pub fn kind(&self, field: MdField) -> Option<Kind> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| *k)
    }

    /// True when `v` falls in this row's version range.
    pub fn covers(&self, v: GoVersion) -> bool {
        (v.major, v.minor) >= self.first && (v.major, v.minor) <= self.last
    }
}

use Kind::{BitVector as BV, Byte as B, Ptr as P, Slice as S, Str as T};
use MdField::*;

/// 1.8–1.9: no `hasmain`, no `bad` (goloader `module.1.8.go`; unverified).
const MD_GO18: &[(MdField, Kind)] = &[
    (Pclntable, S),
    (Ftab, S),
    (Filetab, S),
    (Findfunctab, P),
    (Minpc, P),
    (Maxpc, P),
    (Text, P),
    (Etext, P),
    (Noptrdata, P),
    (Enoptrdata, P),
    (Data, P),
    (Edata, P),
    (Bss, P),
    (Ebss, P),
    (Noptrbss, P),
    (Enoptrbss, P),
    (End, P),
    (Gcdata, P),
    (Gcbss, P),
    (Types, P),
    (Etypes, P),
    (Textsectmap, S),
    (Typelinks, S),
    (Itablinks, S),
    (Ptab, S),
    (Pluginpath, T),
    (Pkghashes, S),
    (Modulename, T),
    (Modulehashes, S),
    (Gcdatamask, BV),
    (Gcbssmask, BV),
    (Typemap, P),
    (Next, P),
];

/// 1.10–1.15: `hasmain` after `modulehashes`, `bad` after `typemap` (goloader
/// `module.1.10.go`; checked against the DWARF of Go 1.13.8 and 1.14.2 fixtures).
const MD_GO110: &[(MdField, Kind)] = &[
    (Pclntable, S),
    (Ftab, S),
    (Filetab, S),
    (Findfunctab, P),
    (Minpc, P),
    (Maxpc, P),
    (Text, P),
    (Etext, P),
    (Noptrdata, P),
    (Enoptrdata, P),
    (Data, P),
    (Edata, P),
    (Bss, P),
    (Ebss, P),
    (Noptrbss, P),
    (Enoptrbss, P),
    (End, P),
    (Gcdata, P),
    (Gcbss, P),
    (Types, P),
    (Etypes, P),
    (Textsectmap, S),
    (Typelinks, S),
    (Itablinks, S),
    (Ptab, S),
    (Pluginpath, T),
    (Pkghashes, S),
    (Modulename, T),
    (Modulehashes, S),
    (Hasmain, B),
    (Gcdatamask, BV),
    (Gcbssmask, BV),
    (Typemap, P),
    (Bad, B),
    (Next, P),
];

/// 1.16–1.17: `pcHeader` and the split tables first (goloader `module.1.16.go`).
const MD_GO116: &[(MdField, Kind)] = &[
    (PcHeader, P),
    (Funcnametab, S),
    (Cutab, S),
    (Filetab, S),
    (Pctab, S),
    (Pclntable, S),
    (Ftab, S),
    (Findfunctab, P),
    (Minpc, P),
    (Maxpc, P),
    (Text, P),
    (Etext, P),
    (Noptrdata, P),
    (Enoptrdata, P),
    (Data, P),
    (Edata, P),
    (Bss, P),
    (Ebss, P),
    (Noptrbss, P),
    (Enoptrbss, P),
    (End, P),
    (Gcdata, P),
    (Gcbss, P),
    (Types, P),
    (Etypes, P),
    (Textsectmap, S),
    (Typelinks, S),
    (Itablinks, S),
    (Ptab, S),
    (Pluginpath, T),
    (Pkghashes, S),
    (Modulename, T),
    (Modulehashes, S),
    (Hasmain, B),
    (Gcdatamask, BV),
    (Gcbssmask, BV),
    (Typemap, P),
    (Bad, B),
    (Next, P),
];

/// 1.18–1.19: `rodata`, `gofunc` after `etypes` (1.19 `runtime/symtab.go`; DWARF of 1.19
/// binaries; 1.18 assumed equal, goloader `module.1.18.go`).
const MD_GO118: &[(MdField, Kind)] = &[
    (PcHeader, P),
    (Funcnametab, S),
    (Cutab, S),
    (Filetab, S),
    (Pctab, S),
    (Pclntable, S),
    (Ftab, S),
    (Findfunctab, P),
    (Minpc, P),
    (Maxpc, P),
    (Text, P),
    (Etext, P),
    (Noptrdata, P),
    (Enoptrdata, P),
    (Data, P),
    (Edata, P),
    (Bss, P),
    (Ebss, P),
    (Noptrbss, P),
    (Enoptrbss, P),
    (End, P),
    (Gcdata, P),
    (Gcbss, P),
    (Types, P),
    (Etypes, P),
    (Rodata, P),
    (Gofunc, P),
    (Textsectmap, S),
    (Typelinks, S),
    (Itablinks, S),
    (Ptab, S),
    (Pluginpath, T),
    (Pkghashes, S),
    (Modulename, T),
    (Modulehashes, S),
    (Hasmain, B),
    (Gcdatamask, BV),
    (Gcbssmask, BV),
    (Typemap, P),
    (Bad, B),
    (Next, P),
];

/// 1.20: `covctrs`, `ecovctrs` after `enoptrbss` (goloader `module.1.20.go`; no 1.20
/// source or binary was available).
const MD_GO120: &[(MdField, Kind)] = &[
    (PcHeader, P),
    (Funcnametab, S),
    (Cutab, S),
    (Filetab, S),
    (Pctab, S),
    (Pclntable, S),
    (Ftab, S),
    (Findfunctab, P),
    (Minpc, P),
    (Maxpc, P),
    (Text, P),
    (Etext, P),
    (Noptrdata, P),
    (Enoptrdata, P),
    (Data, P),
    (Edata, P),
    (Bss, P),
    (Ebss, P),
    (Noptrbss, P),
    (Enoptrbss, P),
    (Covctrs, P),
    (Ecovctrs, P),
    (End, P),
    (Gcdata, P),
    (Gcbss, P),
    (Types, P),
    (Etypes, P),
    (Rodata, P),
    (Gofunc, P),
    (Textsectmap, S),
    (Typelinks, S),
    (Itablinks, S),
    (Ptab, S),
    (Pluginpath, T),
    (Pkghashes, S),
    (Modulename, T),
    (Modulehashes, S),
    (Hasmain, B),
    (Gcdatamask, BV),
    (Gcbssmask, BV),
    (Typemap, P),
    (Bad, B),
    (Next, P),
];

/// 1.21–1.22: `inittasks` after `pkghashes` (1.21.13, 1.22.10 `runtime/symtab.go`; DWARF).
const MD_GO121: &[(MdField, Kind)] = &[
    (PcHeader, P),
    (Funcnametab, S),
    (Cutab, S),
    (Filetab, S),
    (Pctab, S),
    (Pclntable, S),
    (Ftab, S),
    (Findfunctab, P),
    (Minpc, P),
    (Maxpc, P),
    (Text, P),
    (Etext, P),
    (Noptrdata, P),
    (Enoptrdata, P),
    (Data, P),
    (Edata, P),
    (Bss, P),
    (Ebss, P),
    (Noptrbss, P),
    (Enoptrbss, P),
    (Covctrs, P),
    (Ecovctrs, P),
    (End, P),
    (Gcdata, P),
    (Gcbss, P),
    (Types, P),
    (Etypes, P),
    (Rodata, P),
    (Gofunc, P),
    (Textsectmap, S),
    (Typelinks, S),
    (Itablinks, S),
    (Ptab, S),
    (Pluginpath, T),
    (Pkghashes, S),
    (Inittasks, S),
    (Modulename, T),
    (Modulehashes, S),
    (Hasmain, B),
    (Gcdatamask, BV),
    (Gcbssmask, BV),
    (Typemap, P),
    (Bad, B),
    (Next, P),
];

/// 1.23–1.25: `bad` moved right after `hasmain` (1.23.9 `runtime/symtab.go`; DWARF of
/// 1.23–1.25 binaries).
const MD_GO123: &[(MdField, Kind)] = &[
    (PcHeader, P),
    (Funcnametab, S),
    (Cutab, S),
    (Filetab, S),
    (Pctab, S),
    (Pclntable, S),
    (Ftab, S),
    (Findfunctab, P),
    (Minpc, P),
    (Maxpc, P),
    (Text, P),
    (Etext, P),
    (Noptrdata, P),
    (Enoptrdata, P),
    (Data, P),
    (Edata, P),
    (Bss, P),
    (Ebss, P),
    (Noptrbss, P),
    (Enoptrbss, P),
    (Covctrs, P),
    (Ecovctrs, P),
    (End, P),
    (Gcdata, P),
    (Gcbss, P),
    (Types, P),
    (Etypes, P),
    (Rodata, P),
    (Gofunc, P),
    (Textsectmap, S),
    (Typelinks, S),
    (Itablinks, S),
    (Ptab, S),
    (Pluginpath, T),
    (Pkghashes, S),
    (Inittasks, S),
    (Modulename, T),
    (Modulehashes, S),
    (Hasmain, B),
    (Bad, B),
    (Gcdatamask, BV),
    (Gcbssmask, BV),
    (Typemap, P),
    (Next, P),
];

/// 1.26: `epclntab` after `gofunc` (1.26.6 `runtime/symtab.go`; DWARF).
const MD_GO126: &[(MdField, Kind)] = &[
    (PcHeader, P),
    (Funcnametab, S),
    (Cutab, S),
    (Filetab, S),
    (Pctab, S),
    (Pclntable, S),
    (Ftab, S),
    (Findfunctab, P),
    (Minpc, P),
    (Maxpc, P),
    (Text, P),
    (Etext, P),
    (Noptrdata, P),
    (Enoptrdata, P),
    (Data, P),
    (Edata, P),
    (Bss, P),
    (Ebss, P),
    (Noptrbss, P),
    (Enoptrbss, P),
    (Covctrs, P),
    (Ecovctrs, P),
    (End, P),
    (Gcdata, P),
    (Gcbss, P),
    (Types, P),
    (Etypes, P),
    (Rodata, P),
    (Gofunc, P),
    (Epclntab, P),
    (Textsectmap, S),
    (Typelinks, S),
    (Itablinks, S),
    (Ptab, S),
    (Pluginpath, T),
    (Pkghashes, S),
    (Inittasks, S),
    (Modulename, T),
    (Modulehashes, S),
    (Hasmain, B),
    (Bad, B),
    (Gcdatamask, BV),
    (Gcbssmask, BV),
    (Typemap, P),
    (Next, P),
];

/// 1.27: `typelinks`/`itablinks` removed; `typedesclen` before `etypes`, `itaboffset`,
/// `itabsize` after it (1.27.3 `runtime/symtab.go`; DWARF of 1.27.3 binaries).
const MD_GO127: &[(MdField, Kind)] = &[
    (PcHeader, P),
    (Funcnametab, S),
    (Cutab, S),
    (Filetab, S),
    (Pctab, S),
    (Pclntable, S),
    (Ftab, S),
    (Findfunctab, P),
    (Minpc, P),
    (Maxpc, P),
    (Text, P),
    (Etext, P),
    (Noptrdata, P),
    (Enoptrdata, P),
    (Data, P),
    (Edata, P),
    (Bss, P),
    (Ebss, P),
    (Noptrbss, P),
    (Enoptrbss, P),
    (Covctrs, P),
    (Ecovctrs, P),
    (End, P),
    (Gcdata, P),
    (Gcbss, P),
    (Types, P),
    (Typedesclen, P),
    (Etypes, P),
    (Itaboffset, P),
    (Itabsize, P),
    (Rodata, P),
    (Gofunc, P),
    (Epclntab, P),
    (Textsectmap, S),
    (Ptab, S),
    (Pluginpath, T),
    (Pkghashes, S),
    (Inittasks, S),
    (Modulename, T),
    (Modulehashes, S),
    (Hasmain, B),
    (Bad, B),
    (Gcdatamask, BV),
    (Gcbssmask, BV),
    (Typemap, P),
    (Next, P),
];

/// Every known moduledata layout, newest first.
pub const MODULEDATA_LAYOUTS: &[ModuledataLayout] = &[
    ModuledataLayout {
        name: "go1.27",
        first: (1, 27),
        last: (1, 27),
        era: Era::Go120,
        fields: MD_GO127,
        verified: true,
    },
    ModuledataLayout {
        name: "go1.26",
        first: (1, 26),
        last: (1, 26),
        era: Era::Go120,
        fields: MD_GO126,
        verified: true,
    },
    ModuledataLayout {
        name: "go1.23-1.25",
        first: (1, 23),
        last: (1, 25),
        era: Era::Go120,
        fields: MD_GO123,
        verified: true,
    },
    ModuledataLayout {
        name: "go1.21-1.22",
        first: (1, 21),
        last: (1, 22),
        era: Era::Go120,
        fields: MD_GO121,
        verified: true,
    },
    ModuledataLayout {
        name: "go1.20",
        first: (1, 20),
        last: (1, 20),
        era: Era::Go120,
        fields: MD_GO120,
        verified: false,
    },
    ModuledataLayout {
        name: "go1.18-1.19",
        first: (1, 18),
        last: (1, 19),
        era: Era::Go118,
        fields: MD_GO118,
        verified: true,
    },
    ModuledataLayout {
        name: "go1.16-1.17",
        first: (1, 16),
        last: (1, 17),
        era: Era::Go116,
        fields: MD_GO116,
        verified: false,
    },
    ModuledataLayout {
        name: "go1.10-1.15",
        first: (1, 10),
        last: (1, 15),
        era: Era::Go12,
        fields: MD_GO110,
        verified: true,
    },
    ModuledataLayout {
        name: "go1.8-1.9",
        first: (1, 8),
        last: (1, 9),
        era: Era::Go12,
        fields: MD_GO18,
        verified: false,
    },
];

/// The moduledata layouts to try for a pclntab era, newest first; with a Go version, only
/// the one row that covers it (if any).
pub fn moduledata_candidates(
    era: Era,
    version: Option<GoVersion>,
) -> impl Iterator<Item = &'static ModuledataLayout> {
    MODULEDATA_LAYOUTS
        .iter()
        .filter(move |l| l.era == era && version.is_none_or(|v| l.covers(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(name: &str) -> &'static ModuledataLayout {
        MODULEDATA_LAYOUTS.iter().find(|l| l.name == name).unwrap()
    }

    #[test]
    fn moduledata_offsets_match_formats_table_64bit() {
        // docs/FORMATS.md §2.1 (DWARF of 1.19, 1.21–1.27; third-party for 1.16, 1.20).
        type Row = (&'static str, &'static [(MdField, u64)], u64);
        let rows: &[Row] = &[
            (
                "go1.10-1.15",
                &[
                    (Ftab, 24),
                    (Filetab, 48),
                    (Text, 96),
                    (Types, 200),
                    (Textsectmap, 216),
                    (Typelinks, 240),
                    (Itablinks, 264),
                    (Hasmain, 392),
                    (Bad, 440),
                    (Next, 448),
                ],
                456,
            ),
            (
                "go1.16-1.17",
                &[
                    (Ftab, 128),
                    (Text, 176),
                    (Types, 280),
                    (Typelinks, 320),
                    (Hasmain, 472),
                    (Typemap, 512),
                    (Bad, 520),
                    (Next, 528),
                ],
                536,
            ),
            (
                "go1.18-1.19",
                &[
                    (Rodata, 296),
                    (Gofunc, 304),
                    (Textsectmap, 312),
                    (Hasmain, 488),
                    (Next, 544),
                ],
                552,
            ),
            (
                "go1.20",
                &[
                    (Covctrs, 256),
                    (End, 272),
                    (Typelinks, 352),
                    (Hasmain, 504),
                    (Next, 560),
                ],
                568,
            ),
            (
                "go1.21-1.22",
                &[
                    (Inittasks, 464),
                    (Modulename, 488),
                    (Hasmain, 528),
                    (Bad, 576),
                    (Next, 584),
                ],
                592,
            ),
            (
                "go1.23-1.25",
                &[(Hasmain, 528), (Bad, 529), (Gcdatamask, 536), (Next, 576)],
                584,
            ),
            (
                "go1.26",
                &[
                    (Epclntab, 328),
                    (Textsectmap, 336),
                    (Typelinks, 360),
                    (Inittasks, 472),
                    (Hasmain, 536),
                    (Next, 584),
                ],
                592,
            ),
            (
                "go1.27",
                &[
                    (Typedesclen, 304),
                    (Etypes, 312),
                    (Itaboffset, 320),
                    (Gofunc, 344),
                    (Epclntab, 352),
                    (Textsectmap, 360),
                    (Ptab, 384),
                    (Inittasks, 448),
                    (Hasmain, 512),
                    (Bad, 513),
                    (Gcdatamask, 520),
                    (Next, 560),
                ],
                568,
            ),
        ];
        for (name, fields, size) in rows {
            let l = layout(name);
            for (f, off) in *fields {
                assert_eq!(l.offset(*f, 8), Some(*off), "{name} {f:?}");
            }
            assert_eq!(l.size(8), *size, "{name} size");
        }
        assert_eq!(layout("go1.27").offset(Typelinks, 8), None);
    }

    #[test]
    fn moduledata_offsets_32bit() {
        // docs/FORMATS.md §2.1, DWARF of a 1.22 386 binary.
        let l = layout("go1.21-1.22");
        for (f, off) in [
            (Funcnametab, 4),
            (Ftab, 64),
            (Text, 88),
            (Covctrs, 128),
            (End, 136),
            (Types, 148),
            (Textsectmap, 164),
            (Typelinks, 176),
            (Inittasks, 232),
            (Hasmain, 264),
            (Gcdatamask, 268),
            (Typemap, 284),
            (Bad, 288),
            (Next, 292),
        ] {
            assert_eq!(l.offset(f, 4), Some(off), "{f:?}");
        }
        assert_eq!(l.size(4), 296);
    }
}

//! The pclntab (Go's function/file/line table): header, functab, `_func` records, names,
//! file tables and pc-value tables, for every era: magic 0xfffffffb (Go 1.2–1.15),
//! 0xfffffffa (1.16–1.17), 0xfffffff0 (1.18–1.19), 0xfffffff1 (1.20+), either byte order,
//! pointer size 4 or 8, PC quantum 1, 2 or 4.
//!
//! Sources: `src/runtime/symtab.go` (`pcHeader`, `functab`, `pcvalue`, `funcfile`),
//! `src/runtime/runtime2.go` (`_func`), `src/internal/abi/symtab.go` (magics),
//! `src/debug/gosym/pclntab.go`, `src/cmd/link/internal/ld/pcln.go`. docs/FORMATS.md §1. Field
//! layouts per era are in `go::layout`.
//!
//! Finding the table: by section (`.gopclntab`, `.data.rel.ro.gopclntab`, `__gopclntab`),
//! by the `runtime.pclntab` symbol (PE, external-link ELF), else by scanning the loaded
//! segments for the magic in either byte order; a hit counts only when the header and a
//! sample of the functab and names validate. When no magic validates (obfuscators and
//! malware stomp it), the scan looks for the header's shape alone at pointer-aligned
//! positions, tries each era's layout, and reports what it restored in
//! [`PclntabInfo::repaired`].
//!
//! Nothing here walks all functions up front: [`Pclntab::find`] reads the header and a
//! bounded sample, and every accessor decodes one function on demand.
//!

use serde::{Deserialize, Serialize};

use super::layout::{self, FuncLayout, HeaderLayout};
use super::version::GoVersion;
use crate::bytes::{Endian, Reader};
use crate::error::{Error, Problem, Result};
use crate::image::Image;
use crate::limits;

pub use super::era::Era;

/// Header summary reported by `goelf inspect` (`go.pclntab` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PclntabInfo {
    /// Magic as found, e.g. `0xfffffff1` (the altered value when `repaired` is set).
    pub magic: String,
    /// Go versions of the era (`go1.20+`, `go1.18-go1.19`, …).
    pub era: String,
    /// Virtual address of the table, when mapped.
    pub address: Option<u64>,
    /// File offset of the table.
    pub offset: u64,
    /// Size in bytes: of the section or `runtime.pclntab`…`runtime.epclntab` range; for a
    /// table found by scanning, up to the end of the last `_func` record (1.16+) or of the
    /// segment's file data (1.2–1.15).
    pub size: u64,
    /// Pointer size (header byte 7).
    pub ptr_size: u8,
    /// PC quantum (header byte 6).
    pub quantum: u8,
    /// Number of functions.
    pub nfunc: u64,
    /// Number of file names (`null` before 1.16, where the file table holds a count).
    pub nfiles: Option<u64>,
    /// Text base that 1.18+ function offsets are added to (`null` before 1.18, whose
    /// functab holds absolute addresses, or when no base could be found).
    pub text_start: Option<u64>,
    /// Where `text_start` came from: `pcheader` (1.18–1.25 header word), `moduledata.text`
    /// (1.26+), `symbol runtime.text`, or the guesses `text section` and `executable segment`.
    pub text_start_source: Option<TextBaseSource>,
    /// The raw `textStart` header word (1.18+; always 0 from Go 1.26).
    pub header_text_start: Option<u64>,
    /// How the table was found: `section`, `symbol` or `scan`.
    pub found_by: FoundBy,
    /// The section or symbol it was found by (`.gopclntab`, `runtime.pclntab`), if any.
    pub location: Option<String>,
    /// What was repaired to read it (e.g. an altered magic), if anything.
    pub repaired: Option<String>,
}

/// Where the text base of 1.18+ function offsets came from (`text_start_source` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextBaseSource {
    /// The header's `textStart` word (Go 1.18–1.25).
    #[serde(rename = "pcheader")]
    Pcheader,
    /// `moduledata.text` (Go 1.26+, whose header word is 0).
    #[serde(rename = "moduledata.text")]
    ModuledataText,
    /// The `runtime.text` symbol.
    #[serde(rename = "symbol runtime.text")]
    RuntimeTextSymbol,
    /// A guess: the start of `.text` / `__text`.
    #[serde(rename = "text section")]
    TextSection,
    /// A guess: the start of the first executable segment.
    #[serde(rename = "executable segment")]
    ExecutableSegment,
}

impl TextBaseSource {
    /// The JSON spelling.
    pub fn name(self) -> &'static str {
        match self {
            TextBaseSource::Pcheader => "pcheader",
            TextBaseSource::ModuledataText => "moduledata.text",
            TextBaseSource::RuntimeTextSymbol => "symbol runtime.text",
            TextBaseSource::TextSection => "text section",
            TextBaseSource::ExecutableSegment => "executable segment",
        }
    }
}

/// The moduledata values a located table is settled with ([`Pclntab::settle`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ModuledataBases {
    /// `moduledata.text`.
    pub text: u64,
    /// `moduledata.gofunc` (1.18+).
    pub gofunc: Option<u64>,
}

/// How the table was found (`found_by` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FoundBy {
    /// A section of its own (`.gopclntab`, `__gopclntab`, …).
    Section,
    /// The `runtime.pclntab` symbol.
    Symbol,
    /// A scan of the loaded segments.
    Scan,
}

impl FoundBy {
    /// The JSON spelling.
    pub fn name(self) -> &'static str {
        match self {
            FoundBy::Section => "section",
            FoundBy::Symbol => "symbol",
            FoundBy::Scan => "scan",
        }
    }
}

/// One function of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Func<'a> {
    /// Index in the functab.
    pub index: usize,
    /// Entry address.
    pub entry: u64,
    /// End address (the next function's entry, or the table's end PC).
    pub end: u64,
    /// Symbol name bytes, e.g. `net/http.(*Server).Serve`.
    pub name: &'a [u8],
    /// Offset of the `_func` record inside the table.
    pub func_offset: u64,
}

impl Func<'_> {
    /// The name as text (lossy for non-UTF-8 bytes).
    pub fn name_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.name)
    }

    /// Size in bytes (`end - entry`).
    pub fn size(&self) -> u64 {
        self.end.saturating_sub(self.entry)
    }
}

/// The fields of one `_func` record that goelf reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuncRecord {
    /// Offset of the record inside the table.
    pub offset: u64,
    /// `nameoff`.
    pub nameoff: i32,
    /// `pcsp` table offset.
    pub pcsp: u32,
    /// `pcfile` table offset.
    pub pcfile: u32,
    /// `pcln` table offset.
    pub pcln: u32,
    /// `npcdata`.
    pub npcdata: u32,
    /// `cuOffset` (1.16+).
    pub cu_offset: Option<u32>,
    /// `startLine` (1.20+).
    pub start_line: Option<i32>,
    /// `funcID` (1.12+).
    pub func_id: Option<u8>,
    /// `nfuncdata`.
    pub nfuncdata: u32,
}

/// A decoded pclntab, borrowing the file.
#[derive(Debug, Clone)]
pub struct Pclntab<'a> {
    tab: Reader<'a>,
    vaddr: Option<u64>,
    era: Era,
    magic: u32,
    quantum: u8,
    nfunc: u64,
    nfiles: Option<u64>,
    funcnametab: u64,
    cutab: u64,
    filetab: u64,
    pctab: u64,
    functab: u64,
    header_text_start: Option<u64>,
    text_start: Option<u64>,
    text_source: Option<TextBaseSource>,
    found_by: FoundBy,
    location: Option<String>,
    repaired: Option<String>,
    size: u64,
    layout: &'static FuncLayout,
    gofunc: Option<u64>,
}

/// Section names that hold the table, by container and mode (docs/FORMATS.md §1.3).
const SECTION_NAMES: [&str; 3] = [".gopclntab", ".data.rel.ro.gopclntab", "__gopclntab"];

/// Functab entries checked when validating a candidate, from each end and spread between.
const VALIDATE_EDGE: u64 = 64;
const VALIDATE_SPREAD: u64 = 256;

impl<'a> Pclntab<'a> {
    /// The table as found, before its text base is settled: what the moduledata is
    /// validated against. Finish it with [`Pclntab::settle`]. ([`Pclntab::find`], beside
    /// [`crate::go::GoBinary`], does both.)
    pub(crate) fn locate_checked(
        image: &Image<'a>,
        version: Option<GoVersion>,
        problems: &mut Vec<Problem>,
    ) -> Result<Pclntab<'a>> {
        let tab = Self::locate(image, version, problems)?;
        if let Some(r) = &tab.repaired {
            problems.push(Problem::at(
                "pclntab.repaired",
                format!("pclntab: {r}"),
                Some(tab.tab.base()),
            ));
        }
        Ok(tab)
    }

    fn locate(
        image: &Image<'a>,
        version: Option<GoVersion>,
        problems: &mut Vec<Problem>,
    ) -> Result<Pclntab<'a>> {
        // 1. Named sections.
        for name in SECTION_NAMES {
            let Some(sec) = image.section(name) else {
                continue;
            };
            let reader = match image.section_reader(sec) {
                Ok(r) if !r.is_empty() => r,
                _ => continue,
            };
            let vaddr = (sec.alloc && sec.vaddr != 0).then_some(sec.vaddr);
            match Self::try_at(image, reader, vaddr, version, true) {
                Ok(mut t) => {
                    t.found_by = FoundBy::Section;
                    t.location = Some(name.to_string());
                    t.size = reader.len() as u64;
                    return Ok(t);
                }
                Err(e) => problems.push(Problem::from_error("pclntab", &e)),
            }
        }
        // 2. The carrier symbol (PE, Mach-O without sections, external-link ELF PIE).
        for (start, end) in [
            ("runtime.pclntab", "runtime.epclntab"),
            ("pclntab", "epclntab"),
        ] {
            let Some(sym) = image.symbol(start) else {
                continue;
            };
            let Ok(mut reader) = image.reader_from_vaddr("pclntab", sym.vaddr) else {
                continue;
            };
            let mut sized = false;
            if let Some(e) = image.symbol(end) {
                if e.vaddr > sym.vaddr {
                    if let Ok(r) = reader.sub("pclntab", 0, e.vaddr - sym.vaddr) {
                        reader = r;
                        sized = true;
                    }
                }
            }
            match Self::try_at(image, reader, Some(sym.vaddr), version, true) {
                Ok(mut t) => {
                    t.found_by = FoundBy::Symbol;
                    t.location = Some(start.to_string());
                    if sized {
                        t.size = reader.len() as u64;
                    }
                    return Ok(t);
                }
                Err(e) => problems.push(Problem::from_error("pclntab", &e)),
            }
        }
        // 3. Scan for the magic, then 4. for the header's shape with any magic.
        if let Some(t) = Self::scan(image, version, false) {
            return Ok(t);
        }
        if let Some(t) = Self::scan(image, version, true) {
            return Ok(t);
        }
        Err(Error::NotFound("pclntab"))
    }

    /// Try to read a table at the start of `reader`. With `repair`, a header whose magic is
    /// not one of Go's is tried with every era's layout.
    fn try_at(
        image: &Image<'a>,
        reader: Reader<'a>,
        vaddr: Option<u64>,
        version: Option<GoVersion>,
        repair: bool,
    ) -> Result<Pclntab<'a>> {
        let prefix = reader.bytes_at("pclntab header", 0, 8)?;
        let le = u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
        let be = u32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
        let found = Era::from_magic(le)
            .map(|e| (e, Endian::Little, le))
            .or_else(|| Era::from_magic(be).map(|e| (e, Endian::Big, be)));
        if let Some((era, endian, magic)) = found {
            let t = Self::parse(reader, vaddr, era, endian, magic, version)?;
            t.validate(image, false)?;
            return Ok(t);
        }
        let target = image.arch().endian;
        let magic = match target {
            Endian::Little => le,
            Endian::Big => be,
        };
        if !repair {
            return Err(Error::BadValue {
                what: "pclntab magic",
                offset: reader.base(),
                expected: "0xfffffffb, 0xfffffffa, 0xfffffff0 or 0xfffffff1",
                found: u64::from(magic),
            });
        }
        let mut last = None;
        for era in Era::ALL {
            match Self::parse(reader, vaddr, era, target, magic, version)
                .and_then(|t| t.validate(image, true).map(|_| t))
            {
                Ok(mut t) => {
                    t.repaired = Some(format!(
                        "magic {magic:#010x} restored as {:#010x} ({} layout validated)",
                        era.magic(),
                        era.versions()
                    ));
                    return Ok(t);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(Error::NotFound("pclntab")))
    }

    /// Decode the header of an era at the start of `reader` and check its shape.
    fn parse(
        reader: Reader<'a>,
        vaddr: Option<u64>,
        era: Era,
        endian: Endian,
        magic: u32,
        version: Option<GoVersion>,
    ) -> Result<Pclntab<'a>> {
        let b = reader.bytes_at("pclntab header", 0, 8)?;
        let base = reader.base();
        if b[4] != 0 || b[5] != 0 {
            return Err(Error::BadValue {
                what: "pclntab header padding (bytes 4-5)",
                offset: base + 4,
                expected: "0",
                found: u64::from(u16::from_le_bytes([b[4], b[5]])),
            });
        }
        let quantum = b[6];
        if !matches!(quantum, 1 | 2 | 4) {
            return Err(Error::BadValue {
                what: "pclntab PC quantum (byte 6)",
                offset: base + 6,
                expected: "1, 2 or 4",
                found: u64::from(quantum),
            });
        }
        let ptr = b[7];
        if !matches!(ptr, 4 | 8) {
            return Err(Error::BadValue {
                what: "pclntab pointer size (byte 7)",
                offset: base + 7,
                expected: "4 or 8",
                found: u64::from(ptr),
            });
        }
        let tab = reader.with_arch(endian, ptr);
        let hl: &HeaderLayout = layout::header(era);
        let p = u64::from(ptr);
        let word = |w: u64| tab.uptr_at("pclntab header", 8 + w * p);
        let nfunc = word(0)?;
        let len = tab.len() as u64;
        if nfunc == 0 || nfunc > limits::MAX_FUNCS as u64 {
            return Err(Error::TooMany {
                what: "pclntab nfunc",
                count: nfunc,
                limit: limits::MAX_FUNCS as u64,
            });
        }
        let header_end = 8 + hl.words * p;
        let off = |w: Option<u64>| -> Result<u64> {
            match w {
                Some(w) => word(w),
                None => Ok(0),
            }
        };
        let (funcnametab, cutab, filetab, pctab, functab) = if era == Era::Go12 {
            (0, 0, 0, 0, header_end)
        } else {
            let v = [
                off(hl.funcname)?,
                off(hl.cu)?,
                off(hl.filetab)?,
                off(hl.pctab)?,
                off(hl.pcln)?,
            ];
            let ordered = v[0] >= header_end && v.windows(2).all(|w| w[0] <= w[1]);
            if !ordered || v[4] > len {
                return Err(Error::BadValue {
                    what: "pclntab header table offsets",
                    offset: base + 8,
                    expected: "increasing offsets after the header, inside the table",
                    found: v[4],
                });
            }
            (v[0], v[1], v[2], v[3], v[4])
        };
        let field = if era >= Era::Go118 { 4 } else { p };
        let ftab_size = nfunc
            .checked_mul(2)
            .and_then(|n| n.checked_add(1))
            .and_then(|n| n.checked_mul(field));
        match ftab_size.and_then(|s| s.checked_add(functab)) {
            Some(end) if end <= len => {}
            _ => {
                return Err(Error::TooMany {
                    what: "pclntab nfunc (functab larger than the table)",
                    count: nfunc,
                    limit: len.saturating_sub(functab) / (2 * field),
                })
            }
        }
        let nfiles = match hl.nfiles {
            Some(w) => {
                let n = word(w)?;
                if n > limits::MAX_FILES as u64 || n > len {
                    return Err(Error::TooMany {
                        what: "pclntab nfiles",
                        count: n,
                        limit: limits::MAX_FILES as u64,
                    });
                }
                Some(n)
            }
            None => None,
        };
        let header_text_start = match hl.text_start {
            Some(w) => Some(word(w)?),
            None => None,
        };
        let (filetab, layout) = if era == Era::Go12 {
            // The uint32 after the functab is the file table's offset from the table start.
            let at = functab + (2 * nfunc + 1) * p;
            let ft = u64::from(tab.u32_at("pclntab file table offset", at)?);
            if ft >= len {
                return Err(Error::BadValue {
                    what: "pclntab file table offset",
                    offset: base + at,
                    expected: "an offset inside the table",
                    found: ft,
                });
            }
            (ft, layout::func_layout(era, version))
        } else {
            (filetab, layout::func_layout(era, version))
        };
        let mut t = Pclntab {
            tab,
            vaddr,
            era,
            magic,
            quantum,
            nfunc,
            nfiles,
            funcnametab,
            cutab,
            filetab,
            pctab,
            functab,
            header_text_start,
            text_start: None,
            text_source: None,
            found_by: FoundBy::Scan,
            location: None,
            repaired: None,
            size: len,
            layout,
            gofunc: None,
        };
        if era == Era::Go12 && version.is_none() && endian == Endian::Little {
            t.layout = t.guess_go12_layout();
        }
        if era >= Era::Go118 {
            if let Some(ts) = header_text_start.filter(|&v| v != 0) {
                t.text_start = Some(ts);
                t.text_source = Some(TextBaseSource::Pcheader);
            }
        }
        Ok(t)
    }

    /// Pick between the 1.2–1.11 and 1.12–1.15 `_func` layouts by sampling records.
    fn guess_go12_layout(&self) -> &'static FuncLayout {
        let (mut low28, mut byte31) = (0, 0);
        let p = u64::from(self.tab.ptr_size());
        for i in self.sample_indexes().into_iter().take(64) {
            let Ok(rec) = self.record_offset(i) else {
                continue;
            };
            if self.tab.u8_at("_func", rec + p + 28).is_ok_and(|b| b != 0) {
                low28 += 1;
            }
            if self.tab.u8_at("_func", rec + p + 31).is_ok_and(|b| b != 0) {
                byte31 += 1;
            }
        }
        layout::func_layout_go12_guess(low28, byte31)
    }

    /// Indexes sampled by validation: both ends and an even spread, sorted and unique.
    fn sample_indexes(&self) -> Vec<u64> {
        let n = self.nfunc;
        let mut v: Vec<u64> = (0..n.min(VALIDATE_EDGE)).collect();
        v.extend(n.saturating_sub(VALIDATE_EDGE)..n);
        let step = (n / VALIDATE_SPREAD).max(1);
        v.extend((0..n).step_by(usize::try_from(step).unwrap_or(usize::MAX)));
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Check the functab and names on a sample. `strict` (used when the magic was not
    /// trusted) adds checks that tell the eras apart.
    fn validate(&self, image: &Image<'a>, strict: bool) -> Result<()> {
        let bad = |what: &'static str, offset: u64, found: u64| Error::BadValue {
            what,
            offset,
            expected: "a consistent pclntab",
            found,
        };
        let base = self.tab.base();
        let has_exec = image.segments().iter().any(|s| s.exec);
        // Text placement: absolute entries (≤1.17) or textStart (1.18–1.25) must be code.
        match self.era {
            Era::Go12 | Era::Go116 => {
                let e0 = self.entry_raw(0)?;
                let en = self.entry_raw(self.nfunc)?;
                if has_exec
                    && (!image.is_exec_vaddr(e0) || !image.is_exec_vaddr(en.saturating_sub(1)))
                {
                    return Err(bad("pclntab functab entry outside code", base, e0));
                }
            }
            Era::Go118 | Era::Go120 => match self.header_text_start {
                Some(0) if self.era == Era::Go118 => {
                    return Err(bad("pclntab textStart (zero before Go 1.26)", base, 0))
                }
                Some(ts) if ts != 0 && has_exec && !image.is_exec_vaddr(ts) => {
                    return Err(bad("pclntab textStart outside code", base, ts));
                }
                _ => {}
            },
        }
        if strict && self.era != Era::Go12 {
            let hl = layout::header(self.era);
            let header_end = 8 + hl.words * u64::from(self.tab.ptr_size());
            // funcnametab follows the header after a little padding (a 1.16 32-bit header
            // is 36 bytes with funcnametab at 40; 1.19 amd64: 72 and 96).
            if self.funcnametab < header_end || self.funcnametab - header_end >= 64 {
                return Err(bad("pclntab funcnametab offset", base, self.funcnametab));
            }
        }
        let samples = self.sample_indexes();
        let mut names = 0;
        // (pairs checked, pairs whose spacing matches the layout)
        let mut spaced = (0u64, 0u64);
        for &i in &samples {
            let a = self.entry_raw(i)?;
            let b = self.entry_raw(i + 1)?;
            if b < a {
                return Err(bad("pclntab functab order", base, i));
            }
            let rec = self.record_offset(i)?;
            if rec < self.functab || rec % u64::from(self.tab.ptr_size().min(4)) != 0 {
                return Err(bad("pclntab _func offset", base, rec));
            }
            let r = self.record(rec)?;
            // The record repeats the entry.
            let e = self.record_entry(rec)?;
            if e != a {
                return Err(bad(
                    "pclntab _func entry differs from functab",
                    base + rec,
                    e,
                ));
            }
            if names < 48 {
                let name = self.name_at(r.nameoff)?;
                if name.is_empty() || name.iter().any(|&c| c < 0x20 || c == 0x7f) {
                    return Err(bad("pclntab function name", base + rec, i));
                }
                names += 1;
            }
            if strict && self.era >= Era::Go118 && i + 1 < self.nfunc {
                // _func records follow each other, pointer-aligned (pcln.go
                // calculateFunctabSize); this tells the 40-byte 1.18 record from 1.20's 44.
                let p = u64::from(self.tab.ptr_size());
                let end = rec
                    + 4
                    + self.layout.fixed
                    + 4 * u64::from(r.npcdata)
                    + 4 * u64::from(r.nfuncdata);
                spaced.0 += 1;
                if end.div_ceil(p) * p == self.record_offset(i + 1)? {
                    spaced.1 += 1;
                }
            }
        }
        if spaced.1 * 10 < spaced.0 * 9 {
            return Err(bad("pclntab _func record spacing", base, spaced.1));
        }
        Ok(())
    }

    /// Finish a located table with what the moduledata found against it says
    /// (`moduledata.text` and `moduledata.gofunc`, when it was found): the text base of
    /// 1.18+ function offsets (the header's `textStart`, else `moduledata.text`, else
    /// `runtime.text`, else a guess with a problem) and the base of 1.18+ funcdata offsets.
    pub(crate) fn settle(
        mut self,
        image: &Image<'a>,
        md: Option<ModuledataBases>,
        problems: &mut Vec<Problem>,
    ) -> Pclntab<'a> {
        self.gofunc = md.and_then(|m| m.gofunc);
        if self.era < Era::Go118 || self.text_start.is_some() {
            // Before 1.18 the functab holds absolute addresses; 1.18–1.25 headers hold
            // textStart, which the runtime checks against moduledata.text at start-up.
            return self;
        }
        // 1.26+: moduledata.text (its `.go.module` section needs no symbol table), then the
        // `runtime.text` symbol.
        if let Some(text) = md.map(|m| m.text).filter(|&t| t != 0) {
            self.text_start = Some(text);
            self.text_source = Some(TextBaseSource::ModuledataText);
            return self;
        }
        if let Some(s) = image.symbol("runtime.text").map(|s| s.vaddr) {
            self.text_start = Some(s);
            self.text_source = Some(TextBaseSource::RuntimeTextSymbol);
            return self;
        }
        // With external linking C code may come first, so `.text` is only a guess.
        let sec = [".text", "__text"]
            .iter()
            .find_map(|n| image.section(n))
            .map(|s| s.vaddr);
        let (guess, source, where_) = match sec {
            Some(v) => (Some(v), TextBaseSource::TextSection, "text section"),
            None => (
                image.segments().iter().find(|s| s.exec).map(|s| s.vaddr),
                TextBaseSource::ExecutableSegment,
                "executable segment",
            ),
        };
        if let Some(g) = guess {
            self.text_start = Some(g);
            self.text_source = Some(source);
            problems.push(Problem::new(
                "pclntab.text_guessed",
                format!("no textStart, runtime.text or moduledata: function addresses assume text starts at the {where_} ({g:#x})"),
            ));
        } else {
            problems.push(Problem::new(
                "pclntab.no_text_start",
                "no text base found: function addresses are offsets from text",
            ));
        }
        self
    }

    /// Scan the loaded segments (read-only data first) for a table.
    fn scan(image: &Image<'a>, version: Option<GoVersion>, repair: bool) -> Option<Pclntab<'a>> {
        let mut segs = image.file_regions(|_| true);
        segs.sort_by_key(|s| (s.exec, s.write));
        let whole;
        let mut regions: Vec<(Reader<'a>, Option<u64>)> = Vec::new();
        for s in segs {
            if let Ok(r) = image.reader().sub("segment", s.offset, s.filesz) {
                regions.push((r, Some(s.vaddr)));
            }
        }
        if regions.is_empty() {
            whole = image.reader();
            regions.push((whole, None));
        }
        let ptr = image.arch().ptr_size;
        let mut tried = 0usize;
        for (region, vaddr) in regions {
            let data = region.data();
            let align = if repair { usize::from(ptr) } else { 4 };
            // Keep the alignment of the virtual address, which is what the linker aligned.
            let skew = vaddr.map_or(0, |v| {
                let a = align as u64;
                usize::try_from((a - v % a) % a).unwrap_or(0)
            });
            let mut i = skew;
            while i + 16 <= data.len() {
                let hit = match data.get(i..i + 8) {
                    Some(w) => {
                        if repair {
                            w[4] == 0 && w[5] == 0 && matches!(w[6], 1 | 2 | 4) && w[7] == ptr
                        } else {
                            w[4] == 0
                                && w[5] == 0
                                && (Era::from_magic(u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
                                    .is_some()
                                    || Era::from_magic(u32::from_be_bytes([
                                        w[0], w[1], w[2], w[3],
                                    ]))
                                    .is_some())
                        }
                    }
                    None => false,
                };
                if hit {
                    tried += 1;
                    if tried > limits::MAX_PCLNTAB_CANDIDATES {
                        return None;
                    }
                    let at = i as u64;
                    if let Ok(r) = region.tail("pclntab", at) {
                        let va = vaddr.map(|v| v.wrapping_add(at));
                        if let Ok(mut t) = Self::try_at(image, r, va, version, repair) {
                            t.found_by = FoundBy::Scan;
                            t.size = t.estimated_size();
                            return Some(t);
                        }
                    }
                }
                i += align;
            }
        }
        None
    }

    /// The end of the last `_func` record (1.16+), else the bytes available.
    fn estimated_size(&self) -> u64 {
        let avail = self.tab.len() as u64;
        if self.era == Era::Go12 {
            return avail;
        }
        let Some(last) = self.nfunc.checked_sub(1) else {
            return avail;
        };
        let end = self.record_offset(last).and_then(|rec| {
            let r = self.record(rec)?;
            let ew = self.entry_width();
            let slot = if self.layout.funcdata_is_offset {
                4
            } else {
                u64::from(self.tab.ptr_size())
            };
            let mut end = rec + ew + self.layout.fixed + 4 * u64::from(r.npcdata);
            if !self.layout.funcdata_is_offset {
                end = end.div_ceil(slot) * slot;
            }
            Ok(end + slot * u64::from(r.nfuncdata))
        });
        end.map_or(avail, |e| e.min(avail))
    }

    // ----- accessors -----

    /// The serializable summary.
    pub fn info(&self) -> PclntabInfo {
        PclntabInfo {
            magic: format!("{:#010x}", self.magic),
            era: self.era.versions().to_string(),
            address: self.vaddr,
            offset: self.tab.base(),
            size: self.size,
            ptr_size: self.tab.ptr_size(),
            quantum: self.quantum,
            nfunc: self.nfunc,
            nfiles: self.nfiles,
            text_start: self.text_start,
            text_start_source: self.text_source,
            header_text_start: self.header_text_start,
            found_by: self.found_by,
            location: self.location.clone(),
            repaired: self.repaired.clone(),
        }
    }

    /// The era (from the magic, or from the layout that validated when it was repaired).
    pub fn era(&self) -> Era {
        self.era
    }

    /// Virtual address of the table, when mapped.
    pub fn vaddr(&self) -> Option<u64> {
        self.vaddr
    }

    /// Byte order of the table.
    pub fn endian(&self) -> Endian {
        self.tab.endian()
    }

    /// Pointer size (header byte 7).
    pub fn ptr_size(&self) -> u8 {
        self.tab.ptr_size()
    }

    /// PC quantum (header byte 6).
    pub fn quantum(&self) -> u8 {
        self.quantum
    }

    /// The `_func` layout in use.
    pub fn func_layout(&self) -> &'static FuncLayout {
        self.layout
    }

    /// Offsets inside the table of `funcnametab`, `cutab`, `filetab`, `pctab` and the
    /// functab (1.16+; zero for the tables 1.2–1.15 do not have).
    pub fn table_offsets(&self) -> [u64; 5] {
        [
            self.funcnametab,
            self.cutab,
            self.filetab,
            self.pctab,
            self.functab,
        ]
    }

    /// The raw `textStart` header word (1.18+).
    pub fn header_text_start(&self) -> Option<u64> {
        self.header_text_start
    }

    /// The text base in use (1.18+), if known.
    pub fn text_start(&self) -> Option<u64> {
        self.text_start
    }

    /// `moduledata.gofunc` (1.18+), when the moduledata was found.
    pub fn gofunc(&self) -> Option<u64> {
        self.gofunc
    }

    /// Number of functions.
    pub fn nfunc(&self) -> usize {
        // Bounded by limits::MAX_FUNCS in parse.
        usize::try_from(self.nfunc).unwrap_or(0)
    }

    fn entry_width(&self) -> u64 {
        if self.layout.entry_is_ptr {
            u64::from(self.tab.ptr_size())
        } else {
            4
        }
    }

    fn ftab_field(&self) -> u64 {
        if self.era >= Era::Go118 {
            4
        } else {
            u64::from(self.tab.ptr_size())
        }
    }

    /// Functab entry `i` as stored (absolute ≤1.17, offset from text 1.18+); `i == nfunc`
    /// is the end PC.
    fn entry_raw(&self, i: u64) -> Result<u64> {
        let f = self.ftab_field();
        let off = self.functab + i * 2 * f;
        if f == 4 {
            self.tab.u32_at("pclntab functab", off).map(u64::from)
        } else {
            self.tab.uptr_at("pclntab functab", off)
        }
    }

    /// Raw functab entry `i` (0..=nfunc): an address before 1.18, an offset from the text
    /// base from 1.18.
    pub fn entry_raw_at(&self, i: usize) -> Result<u64> {
        self.entry_raw(i as u64)
    }

    fn entry_addr(&self, i: u64) -> Result<u64> {
        let raw = self.entry_raw(i)?;
        Ok(if self.era >= Era::Go118 {
            self.text_start.unwrap_or(0).wrapping_add(raw)
        } else {
            raw
        })
    }

    /// Offset of `_func` number `i` inside the table.
    fn record_offset(&self, i: u64) -> Result<u64> {
        let f = self.ftab_field();
        let at = self.functab + i * 2 * f + f;
        let funcoff = if f == 4 {
            u64::from(self.tab.u32_at("pclntab functab funcoff", at)?)
        } else {
            self.tab.uptr_at("pclntab functab funcoff", at)?
        };
        // 1.2–1.15 count from the table start; 1.16+ from the functab.
        let base = if self.era == Era::Go12 {
            0
        } else {
            self.functab
        };
        let rec = base.checked_add(funcoff).ok_or(Error::BadValue {
            what: "pclntab funcoff",
            offset: self.tab.base() + at,
            expected: "an offset inside the table",
            found: funcoff,
        })?;
        if rec >= self.tab.len() as u64 {
            return Err(Error::BadValue {
                what: "pclntab funcoff",
                offset: self.tab.base() + at,
                expected: "an offset inside the table",
                found: funcoff,
            });
        }
        Ok(rec)
    }

    fn record_entry(&self, rec: u64) -> Result<u64> {
        if self.layout.entry_is_ptr {
            self.tab.uptr_at("_func entry", rec)
        } else {
            self.tab.u32_at("_func entryoff", rec).map(u64::from)
        }
    }

    /// Decode the `_func` record at table offset `rec`.
    pub fn record(&self, rec: u64) -> Result<FuncRecord> {
        let l = self.layout;
        let b = rec + self.entry_width();
        let t = &self.tab;
        let nfuncdata = if l.nfuncdata_is_i32 {
            t.u32_at("_func nfuncdata", b + l.nfuncdata)?
        } else {
            u32::from(t.u8_at("_func nfuncdata", b + l.nfuncdata)?)
        };
        let npcdata = t.u32_at("_func npcdata", b + l.npcdata)?;
        // Bound the arrays by the table: each pcdata slot is 4 bytes.
        if u64::from(npcdata) * 4 > t.len() as u64 || nfuncdata as usize > limits::MAX_FUNCDATA {
            return Err(Error::TooMany {
                what: "_func npcdata/nfuncdata",
                count: u64::from(npcdata.max(nfuncdata)),
                limit: t.len() as u64 / 4,
            });
        }
        Ok(FuncRecord {
            offset: rec,
            nameoff: t.u32_at("_func nameoff", b + l.nameoff)? as i32,
            pcsp: t.u32_at("_func pcsp", b + l.pcsp)?,
            pcfile: t.u32_at("_func pcfile", b + l.pcfile)?,
            pcln: t.u32_at("_func pcln", b + l.pcln)?,
            npcdata,
            cu_offset: match l.cu_offset {
                Some(o) => Some(t.u32_at("_func cuOffset", b + o)?),
                None => None,
            },
            start_line: match l.start_line {
                Some(o) => Some(t.u32_at("_func startLine", b + o)? as i32),
                None => None,
            },
            func_id: match l.func_id {
                Some(o) => Some(t.u8_at("_func funcID", b + o)?),
                None => None,
            },
            nfuncdata,
        })
    }

    /// A function name from its `nameoff` (from the table start ≤1.15, from `funcnametab`
    /// 1.16+).
    pub fn name_at(&self, nameoff: i32) -> Result<&'a [u8]> {
        let off = u64::try_from(nameoff).map_err(|_| Error::BadValue {
            what: "function name offset",
            offset: self.tab.base(),
            expected: "a non-negative offset",
            found: nameoff as u32 as u64,
        })?;
        let base = if self.era == Era::Go12 {
            0
        } else {
            self.funcnametab
        };
        self.tab
            .cstr_at("function name", base + off, limits::MAX_STRING)
    }

    /// Function number `i`.
    pub fn func(&self, i: usize) -> Result<Func<'a>> {
        let iu = i as u64;
        if iu >= self.nfunc {
            return Err(Error::NotFound("function index"));
        }
        let entry = self.entry_addr(iu)?;
        let end = self.entry_addr(iu + 1)?;
        let rec = self.record_offset(iu)?;
        let l = self.layout;
        let nameoff =
            self.tab
                .u32_at("_func nameoff", rec + self.entry_width() + l.nameoff)? as i32;
        Ok(Func {
            index: i,
            entry,
            end,
            name: self.name_at(nameoff)?,
            func_offset: rec,
        })
    }

    /// The indices of the functions whose names can begin with `prefix`, in functab order:
    /// every function except those whose first `prefix.len()` name bytes differ or cannot be
    /// read. A filter for a walk over every function that wants only names with a prefix:
    /// per function it reads the functab's record offset, the record's `nameoff` and those
    /// bytes, not the entry addresses or the whole name (so a function it yields may still
    /// fail [`Pclntab::func`]; one it skips cannot have a name with that prefix). On a file
    /// of 80,000 functions this is a tenth of decoding each (#12 item 3).
    pub fn funcs_with_name_prefix(&self, prefix: &[u8]) -> Vec<usize> {
        let data = self.tab.data();
        let field = self.ftab_field() as usize;
        let functab = usize::try_from(self.functab).unwrap_or(usize::MAX);
        let scan = Scan {
            data,
            field,
            functab,
            // 1.2–1.15 count record offsets from the table start; 1.16+ from the functab.
            rec_base: if self.era == Era::Go12 { 0 } else { functab },
            name_base: if self.era == Era::Go12 {
                0
            } else {
                usize::try_from(self.funcnametab).unwrap_or(usize::MAX)
            },
            nameoff_at: (self.entry_width() + self.layout.nameoff) as usize,
            prefix,
        };
        let n = self.nfunc();
        // One loop per byte order and functab field width, so that neither is decided per
        // function.
        let (le, be) = (u32::from_le_bytes, u32::from_be_bytes);
        match (self.tab.endian(), field) {
            (Endian::Little, 4) => scan.run(n, |b| u64::from(le(b)), le),
            (Endian::Big, 4) => scan.run(n, |b| u64::from(be(b)), be),
            (Endian::Little, _) => scan.run(n, u64::from_le_bytes, le),
            (Endian::Big, _) => scan.run(n, u64::from_be_bytes, be),
        }
    }

    /// Every function, decoded lazily in functab order.
    pub fn funcs(&self) -> impl Iterator<Item = Result<Func<'a>>> + '_ {
        (0..self.nfunc()).map(move |i| self.func(i))
    }

    /// Index of the function whose `[entry, end)` holds `pc`.
    pub fn find_func(&self, pc: u64) -> Option<usize> {
        let n = self.nfunc;
        if n == 0 {
            return None;
        }
        let first = self.entry_addr(0).ok()?;
        let last = self.entry_addr(n).ok()?;
        if pc < first || pc >= last {
            return None;
        }
        // Largest i with entry(i) <= pc.
        let (mut lo, mut hi) = (0u64, n);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.entry_addr(mid).ok()? <= pc {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        if pc < self.entry_addr(lo + 1).ok()? {
            usize::try_from(lo).ok()
        } else {
            None
        }
    }

    /// The value of the pc-value table at `off` for `target`, as `debug/gosym` computes it
    /// (docs/FORMATS.md §1.8); -1 when the table has no value there. Offset 0 means no table.
    pub fn pcvalue(&self, off: u32, entry: u64, target: u64) -> Result<i32> {
        if off == 0 {
            return Ok(-1);
        }
        let base = if self.era == Era::Go12 { 0 } else { self.pctab };
        let mut p = base + u64::from(off);
        let mut val: i32 = -1;
        let mut pc = entry;
        let q = u64::from(self.quantum);
        // Every step consumes at least two bytes, so the loop ends with the table; and the
        // linker never writes a pc delta of 0 (cmd/internal/obj/pcln.go funcpctab skips
        // instructions that share a pc), so `target` is reached within one step per quantum
        // from the entry. Without that bound a table of zero deltas costs a walk to the end
        // of the pctab for every lookup: O(functions x table) for `goelf funcs`.
        let max_steps = (target.saturating_sub(entry) / q).saturating_add(2);
        let mut step = 0u64;
        loop {
            step += 1;
            if step > max_steps {
                return Err(Error::BadValue {
                    what: "pc-value table (pc does not advance)",
                    offset: self.tab.base() + p,
                    expected: "a pc delta of at least 1 per step",
                    found: step,
                });
            }
            let first = pc == entry;
            let (uvdelta, n) = self.varint(p)?;
            p += n;
            if uvdelta == 0 && !first {
                return Ok(-1);
            }
            let vdelta = if uvdelta & 1 != 0 {
                !(uvdelta >> 1)
            } else {
                uvdelta >> 1
            } as i32;
            let (pcdelta, n) = self.varint(p)?;
            p += n;
            pc = pc.wrapping_add(u64::from(pcdelta).wrapping_mul(q));
            val = val.wrapping_add(vdelta);
            if target < pc {
                return Ok(val);
            }
        }
    }

    /// A varint as the runtime reads it: 32 bits, shifts wrap (`readvarint`).
    fn varint(&self, at: u64) -> Result<(u32, u64)> {
        let bytes = usize::try_from(at)
            .ok()
            .and_then(|a| self.tab.data().get(a..))
            .unwrap_or(&[]);
        let mut p = 0;
        match read_varint(bytes, &mut p) {
            Some(v) => Ok((v, p as u64)),
            // Cut off by the table's end: the byte after the last one read is missing.
            None if bytes.len() < 10 => Err(self
                .tab
                .u8_at("pc-value table", at + bytes.len() as u64)
                .err()
                .unwrap_or(Error::NotFound("pc-value varint"))),
            None => Err(Error::BadValue {
                what: "pc-value varint",
                offset: self.tab.base() + at,
                expected: "at most 10 bytes",
                found: 10,
            }),
        }
    }

    /// File name number `fileno` of the function whose record is `r` ("" when none).
    pub fn file_name(&self, r: &FuncRecord, fileno: i32) -> Result<String> {
        let name = self.file_name_bytes(r, fileno)?;
        Ok(String::from_utf8_lossy(name).into_owned())
    }

    /// [`Pclntab::file_name`] as the bytes stored in the file (no copy; empty when none).
    pub fn file_name_bytes(&self, r: &FuncRecord, fileno: i32) -> Result<&'a [u8]> {
        let name = if self.era == Era::Go12 {
            if fileno <= 0 {
                return Ok(&[]);
            }
            let n = self.tab.u32_at("file table count", self.filetab)?;
            if fileno as u32 >= n {
                return Err(Error::BadValue {
                    what: "file number",
                    offset: self.tab.base() + self.filetab,
                    expected: "below the file table count",
                    found: fileno as u64,
                });
            }
            let off = self
                .tab
                .u32_at("file table entry", self.filetab + 4 * fileno as u64)?;
            self.tab
                .cstr_at("file name", u64::from(off), limits::MAX_STRING)?
        } else {
            let cu = r.cu_offset.unwrap_or(u32::MAX);
            let idx = cu.wrapping_add(fileno as u32);
            let off = self
                .tab
                .u32_at("cutab entry", self.cutab + 4 * u64::from(idx))?;
            if off == u32::MAX {
                return Ok(&[]);
            }
            self.tab.cstr_at(
                "file name",
                self.filetab + u64::from(off),
                limits::MAX_STRING,
            )?
        };
        Ok(name)
    }

    /// File and line of `pc` inside `f` (for inlined code: the callee's position). An error
    /// when the function has no line table there (linker-made functions).
    pub fn file_line(&self, f: &Func<'_>, pc: u64) -> Result<(String, u32)> {
        let r = self.record(f.func_offset)?;
        self.file_line_rec(&r, f.entry, pc)
    }

    /// [`Pclntab::file_line`] from a decoded record.
    pub fn file_line_rec(&self, r: &FuncRecord, entry: u64, pc: u64) -> Result<(String, u32)> {
        let (file, line) = self.file_line_bytes(r, entry, pc)?;
        Ok((String::from_utf8_lossy(file).into_owned(), line))
    }

    /// [`Pclntab::file_line_rec`] with the file name as stored (no copy): the form for
    /// listing every function.
    pub fn file_line_bytes(&self, r: &FuncRecord, entry: u64, pc: u64) -> Result<(&'a [u8], u32)> {
        let line = self.pcvalue(r.pcln, entry, pc)?;
        let line = u32::try_from(line)
            .ok()
            .filter(|&l| l > 0)
            .ok_or(Error::NotFound("line for pc"))?;
        let fileno = self.pcvalue(r.pcfile, entry, pc)?;
        Ok((self.file_name_bytes(r, fileno)?, line))
    }

    /// Value of pcdata table `k` of the record at `pc` (-1 when absent).
    pub fn pcdata_value(&self, r: &FuncRecord, k: u32, entry: u64, pc: u64) -> Result<i32> {
        if k >= r.npcdata {
            return Ok(-1);
        }
        let at = r.offset + self.entry_width() + self.layout.fixed + 4 * u64::from(k);
        let off = self.tab.u32_at("_func pcdata", at)?;
        self.pcvalue(off, entry, pc)
    }

    /// Address of funcdata slot `k` of the record, `None` when absent.
    pub fn funcdata_addr(&self, image: &Image<'_>, r: &FuncRecord, k: u32) -> Result<Option<u64>> {
        if k >= r.nfuncdata {
            return Ok(None);
        }
        let start = r.offset + self.entry_width() + self.layout.fixed + 4 * u64::from(r.npcdata);
        if self.layout.funcdata_is_offset {
            let off = self
                .tab
                .u32_at("_func funcdata", start + 4 * u64::from(k))?;
            if off == u32::MAX {
                return Ok(None);
            }
            let base = self.gofunc.ok_or(Error::NotFound("moduledata.gofunc"))?;
            Ok(Some(base.wrapping_add(u64::from(off))))
        } else {
            // Pointer-aligned absolute addresses (runtime `funcdata` before 1.18).
            let p = u64::from(self.tab.ptr_size());
            let abs = self.vaddr.map_or(start, |v| v.wrapping_add(start));
            let pad = if p == 8 && abs % 8 != 0 { 4 } else { 0 };
            let at = start + pad + p * u64::from(k);
            let _ = image;
            let v = self.tab.uptr_at("_func funcdata", at)?;
            Ok((v != 0).then_some(v))
        }
    }
}

/// What one function occupies, for `goelf size` (docs/FORMATS.md §1.5, §1.8).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FuncFootprint {
    /// Machine-code bytes: where the function's `pcsp` table ends (the linker writes every
    /// pc-value table up to the symbol's size, `cmd/internal/obj/pcln.go` `funcpctab`);
    /// `None` when the function has no usable `pcsp` table.
    pub code: Option<u64>,
    /// Bytes of its `_func` record, with its `pcdata` and `funcdata` arrays.
    pub record: u64,
    /// Bytes of its name in `funcnametab`, with the terminating NUL.
    pub name: u64,
    /// Its functab slot (entry and record offset).
    pub functab: u64,
    /// `pcsp`, `pcfile`, `pcln` offsets (0: none).
    fixed_tables: [u32; 3],
    /// Table offset of the `pcdata` offsets array, and its length (checked readable).
    pcdata_at: u64,
    npcdata: u32,
}

impl Pclntab<'_> {
    /// Table offsets of the pc-value tables function `fp` references (`pcsp`, `pcfile`,
    /// `pcln`, `pcdata[]`), nonzero ones only; tables may be shared between functions.
    pub fn pc_tables<'s>(&'s self, fp: &'s FuncFootprint) -> impl Iterator<Item = u32> + 's {
        let pcdata = (0..u64::from(fp.npcdata))
            .filter_map(move |k| self.tab.u32_at("_func pcdata", fp.pcdata_at + 4 * k).ok());
        fp.fixed_tables
            .into_iter()
            .chain(pcdata)
            .filter(|&off| off != 0)
    }

    /// The end of the pc-value tables (`pctab`) in the table, from Go 1.16 (where they lie
    /// together, each table right after the one before, in the order the linker met them:
    /// `cmd/link/internal/ld/pcln.go` `generatePctab`); `None` before, where they lie among
    /// the `_func` records.
    pub fn pctab_end(&self) -> Option<u64> {
        (self.era != Era::Go12).then_some(self.functab)
    }

    /// Whether the table offset `next` (1.16+) lies inside `pctab` (which ends at `end`) and
    /// the byte before it is an end marker (`0`): then the table before `next` ends there.
    pub fn pctab_ends_before(&self, next: u32, end: u64) -> bool {
        let at = self.pctab.saturating_add(u64::from(next));
        at <= end
            && at
                .checked_sub(1)
                .is_some_and(|a| self.tab.u8_at("pc-value table", a).ok() == Some(0))
    }

    /// The end PC and byte length of the pc-value table at `off`, for a function at `entry`
    /// whose range ends at `limit` (the walk is bounded by one step per quantum of it).
    pub fn pctab_span(&self, off: u32, entry: u64, limit: u64) -> Result<(u64, u64)> {
        let base = if self.era == Era::Go12 { 0 } else { self.pctab };
        let start = base + u64::from(off);
        let q = u64::from(self.quantum.max(1));
        let max_steps = (limit.saturating_sub(entry) / q).saturating_add(2);
        let data = self.tab.data();
        let bad = |what, at: u64| Error::BadValue {
            what,
            offset: self.tab.base() + at,
            expected: "an end marker before the function's end",
            found: max_steps,
        };
        // The bytes from the table on; a varint cut off by their end is an error below.
        let bytes = usize::try_from(start)
            .ok()
            .and_then(|s| data.get(s..))
            .ok_or_else(|| bad("pc-value table (outside the table)", start))?;
        let mut p = 0usize;
        let mut pc = entry;
        let mut first = true;
        for _ in 0..max_steps {
            let uvdelta = read_varint(bytes, &mut p)
                .ok_or_else(|| bad("pc-value varint", start + p as u64))?;
            if uvdelta == 0 && !first {
                return Ok((pc, p as u64));
            }
            first = false;
            let pcdelta = read_varint(bytes, &mut p)
                .ok_or_else(|| bad("pc-value varint", start + p as u64))?;
            pc = pc.wrapping_add(u64::from(pcdelta).wrapping_mul(q));
        }
        Err(bad(
            "pc-value table (does not end within its function)",
            start,
        ))
    }

    /// Offset of the pc-value tables inside the table (1.16+ `pctab`; 0 before).
    pub fn pctab_base(&self) -> u64 {
        if self.era == Era::Go12 {
            0
        } else {
            self.pctab
        }
    }

    /// Bytes of one functab slot (two fields).
    pub fn functab_slot(&self) -> u64 {
        2 * self.ftab_field()
    }

    /// Table size: the section or symbol range it was found in (or its estimate).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The footprint of function `f` (from [`Pclntab::func`]).
    pub fn footprint(&self, f: &Func<'_>) -> Result<FuncFootprint> {
        let r = self.record(f.func_offset)?;
        let ew = self.entry_width();
        let slot = if self.layout.funcdata_is_offset {
            4
        } else {
            u64::from(self.tab.ptr_size())
        };
        let pcdata_at = f.func_offset + ew + self.layout.fixed;
        let mut end = pcdata_at + 4 * u64::from(r.npcdata);
        if !self.layout.funcdata_is_offset {
            let abs = self.vaddr.map_or(end, |v| v.wrapping_add(end));
            if slot == 8 && abs % 8 != 0 {
                end += 4;
            }
        }
        let record = end + slot * u64::from(r.nfuncdata) - f.func_offset;
        if r.npcdata > 0 {
            // Every slot readable (they are contiguous: the last one is enough).
            self.tab
                .u32_at("_func pcdata", pcdata_at + 4 * (u64::from(r.npcdata) - 1))?;
        }
        let code = if r.pcsp == 0 {
            None
        } else {
            self.pctab_span(r.pcsp, f.entry, f.end)
                .ok()
                .map(|(pc, _)| pc.saturating_sub(f.entry))
                .filter(|&c| c <= f.size())
        };
        Ok(FuncFootprint {
            code,
            record,
            name: f.name.len() as u64 + 1,
            functab: self.functab_slot(),
            fixed_tables: [r.pcsp, r.pcfile, r.pcln],
            pcdata_at,
            npcdata: r.npcdata,
        })
    }
}

/// A varint as the runtime reads it (32 bits, shifts wrap: `readvarint`) from `bytes` at
/// `*p`, which moves past it; `None` when it runs past the end or over 10 bytes.
fn read_varint(bytes: &[u8], p: &mut usize) -> Option<u32> {
    let mut v: u32 = 0;
    let mut shift = 0u32;
    for i in 0..10usize {
        let b = *bytes.get(p.checked_add(i)?)?;
        v |= u32::from(b & 0x7f).wrapping_shl(shift & 31);
        if b & 0x80 == 0 {
            *p += i + 1;
            return Some(v);
        }
        shift += 7;
    }
    None
}

/// [`Pclntab::funcs_with_name_prefix`]'s walk: where the fields are.
struct Scan<'d, 'p> {
    data: &'d [u8],
    field: usize,
    functab: usize,
    rec_base: usize,
    name_base: usize,
    nameoff_at: usize,
    prefix: &'p [u8],
}

impl Scan<'_, '_> {
    /// The functions `0..n` whose name bytes begin with the prefix; `field` decodes a
    /// functab field of `N` bytes (4 or 8), `u32` a 4-byte `nameoff`, in the table's order.
    fn run<const N: usize>(
        &self,
        n: usize,
        field: impl Fn([u8; N]) -> u64,
        u32: impl Fn([u8; 4]) -> u32,
    ) -> Vec<usize> {
        let bytes = |at: usize, len: usize| self.data.get(at..at.checked_add(len)?);
        let word = |at: usize| -> Option<u64> { Some(field(bytes(at, N)?.try_into().ok()?)) };
        let u32_at = |at: usize| -> Option<u32> { Some(u32(bytes(at, 4)?.try_into().ok()?)) };
        let one = |i: usize| -> Option<bool> {
            let slot = self
                .functab
                .checked_add(i.checked_mul(2 * self.field)?)?
                .checked_add(self.field)?;
            let funcoff = usize::try_from(word(slot)?).ok()?;
            let rec = self.rec_base.checked_add(funcoff)?;
            if rec >= self.data.len() {
                return None;
            }
            let nameoff = u32_at(rec.checked_add(self.nameoff_at)?)? as i32;
            let at = self.name_base.checked_add(usize::try_from(nameoff).ok()?)?;
            // The first byte rejects nearly every name without a call to compare slices.
            if self.data.get(at) != self.prefix.first() {
                return Some(false);
            }
            Some(bytes(at, self.prefix.len())? == self.prefix)
        };
        (0..n).filter(|&i| one(i) == Some(true)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcvalue_decodes_zigzag_pairs() {
        // value +1 (zigzag 2) over 3 quanta, then +2 (4) over 2, then -1 (1) over 1, end.
        let mut d = vec![0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8];
        d.extend_from_slice(&[0u8; 8]); // nfunc slot etc. (unused here)
        let table_at = d.len() as u32;
        d.extend_from_slice(&[2, 3, 4, 2, 1, 1, 0]);
        let r = Reader::new(&d, 0, Endian::Little, 8);
        let t = Pclntab {
            tab: r,
            vaddr: None,
            era: Era::Go12,
            magic: 0,
            quantum: 4,
            nfunc: 1,
            nfiles: None,
            funcnametab: 0,
            cutab: 0,
            filetab: 0,
            pctab: 0,
            functab: 16,
            header_text_start: None,
            text_start: None,
            text_source: None,
            found_by: FoundBy::Scan,
            location: None,
            repaired: None,
            size: 0,
            layout: &layout::FUNC_GO113,
            gofunc: None,
        };
        let e = 0x1000;
        assert_eq!(t.pcvalue(table_at, e, e).unwrap(), 0);
        assert_eq!(t.pcvalue(table_at, e, e + 11).unwrap(), 0);
        assert_eq!(t.pcvalue(table_at, e, e + 12).unwrap(), 2);
        assert_eq!(t.pcvalue(table_at, e, e + 20).unwrap(), 1);
        assert_eq!(t.pcvalue(table_at, e, e + 24).unwrap(), -1);
        assert_eq!(t.pcvalue(0, e, e).unwrap(), -1);
    }
}

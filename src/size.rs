//! `goelf size`: bytes per Go package and per module.
//!
//! - **Text** comes from the pclntab's function ranges (so it works on stripped binaries):
//!   each function's machine code is where its `pcsp` table ends (the linker writes every
//!   pc-value table up to the symbol's size), the rest of its range up to the next function
//!   is alignment padding. docs/FORMATS.md §1.5, §1.8 and §14.
//! - **pclntab** bytes per package: each function's `_func` record (with its `pcdata` and
//!   `funcdata` arrays), its name in `funcnametab`, its functab slot, and the pc-value tables
//!   it references (a table shared by several functions counts once, for the first function
//!   in functab order that uses it; from Go 1.16, where the tables lie one after another, a
//!   table's length is where the next begins, checked by the end marker before it). The
//!   header, the file tables and whatever the functions do not reach are reported as
//!   unattributed, not spread over packages.
//! - **data / rodata / bss** per package from the static symbol table, when there is one:
//!   each sized symbol counts for the section it lies in. What lies in a section but under no
//!   symbol, and symbols that name no package (`type:*`, `go:*`), are reported per section.
//!
//! A function's or symbol's package is [`crate::symbolize::package_of`]'s (Go's rule,
//! docs/FORMATS.md §1.6, the one every command uses), through [`package_of`] here. A package's module is the longest module
//! path of the build info that is a prefix of it; packages of the standard library (no dot in
//! the first path element) belong to `std`.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Problem};
use crate::go::buildinfo::BuildInfo;
use crate::go::{GoBinary, GoPart};
use crate::image::{Image, SymbolKind};

/// Maps keyed by package names and keys: a fixed-seed fast hash (the keys are the file's own
/// names; a hostile file can only make lookups slower, never wrong).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// The module name used for packages of the standard library.
pub const STD_MODULE: &str = "std";

/// The package of a symbol name (the one rule every command uses; see
/// [`crate::symbolize::package_of`]). `""` for a symbol of no package.
pub fn package_of(name: &str) -> std::borrow::Cow<'_, str> {
    crate::symbolize::package_of(name).unwrap_or(std::borrow::Cow::Borrowed(""))
}

/// Bytes of one package (or module, or of what has no package).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bytes {
    /// Functions in the pclntab.
    pub functions: u64,
    /// Machine code (sum of the functions' sizes, as `go tool nm -size` gives them).
    pub text: u64,
    /// Alignment padding after the functions' code, up to the next function.
    pub text_padding: u64,
    /// Bytes of the pclntab attributed to the functions.
    pub pclntab: u64,
    /// Bytes of sized symbols in writable sections with file bytes (`.data`, `.noptrdata`, …).
    pub data: u64,
    /// Bytes of sized symbols in read-only sections (`.rodata`, `.typelink`, …).
    pub rodata: u64,
    /// Bytes of sized symbols in zero-fill sections (`.bss`, `.noptrbss`).
    pub bss: u64,
}

impl Bytes {
    /// Everything counted: text (with padding), pclntab, data, rodata and bss.
    pub fn total(&self) -> u64 {
        self.text
            .saturating_add(self.text_padding)
            .saturating_add(self.pclntab)
            .saturating_add(self.data)
            .saturating_add(self.rodata)
            .saturating_add(self.bss)
    }

    /// Bytes in the file (all but bss).
    pub fn file_bytes(&self) -> u64 {
        self.total().saturating_sub(self.bss)
    }

    fn add(&mut self, o: &Bytes) {
        self.functions += o.functions;
        self.text += o.text;
        self.text_padding += o.text_padding;
        self.pclntab += o.pclntab;
        self.data += o.data;
        self.rodata += o.rodata;
        self.bss += o.bss;
    }
}

/// One package's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageSize {
    /// Import path (`main` for the main package).
    pub package: String,
    /// Its module path (`std` for the standard library), when known.
    pub module: Option<String>,
    /// Its bytes.
    #[serde(flatten)]
    pub bytes: Bytes,
    /// [`Bytes::total`].
    pub total: u64,
}

/// One module's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleSize {
    /// Module path (`std` for the standard library, `(unknown)` for packages of no module in
    /// the build info).
    pub module: String,
    /// The version in the build info (`null` for `std` and unknown).
    pub version: Option<String>,
    /// Packages counted.
    pub packages: u64,
    /// Its bytes.
    #[serde(flatten)]
    pub bytes: Bytes,
    /// [`Bytes::total`].
    pub total: u64,
}

/// A section and how much of it is attributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionSize {
    /// Section name.
    pub name: String,
    /// Size in memory.
    pub size: u64,
    /// Bytes in the file (0 for zero-fill).
    pub file_size: u64,
    /// `text`, `pclntab`, `data`, `rodata`, `bss` or `other` (not allocated).
    pub class: SectionClass,
    /// Bytes counted for a package.
    pub packages: u64,
    /// Bytes of symbols that name no package (`type:*`, `go:*`, C and assembly symbols).
    pub no_package: u64,
    /// Bytes under no symbol (text: outside every pclntab function).
    pub unattributed: u64,
}

/// What a section holds, for [`SectionSize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionClass {
    /// Executable.
    Text,
    /// The pclntab.
    Pclntab,
    /// Writable with file bytes.
    Data,
    /// Read-only, allocated.
    Rodata,
    /// Zero-fill.
    Bss,
    /// Not allocated (symbols, DWARF, notes kept out of memory).
    Other,
}

/// A loadable segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentSize {
    /// Virtual address.
    pub vaddr: u64,
    /// Size in memory.
    pub memsz: u64,
    /// Bytes in the file.
    pub filesz: u64,
    /// `R`, `W`, `E` flags as readelf spells them (`RW `, `R E`).
    pub flags: String,
}

/// The pclntab's bytes by part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PclntabSize {
    /// The table's size (section or symbol range).
    pub size: u64,
    /// Attributed to packages.
    pub packages: u64,
    /// Attributed to functions of no package.
    pub no_package: u64,
    /// The rest: header, file tables, the functab's end slot, alignment.
    pub unattributed: u64,
    /// The table's parts in table order (Go 1.16+: header, `funcnametab` (which also names
    /// inlined functions), `cutab`, `filetab`, `pctab`, functab with the `_func` records, and
    /// from Go 1.26 `gofunc`, the funcdata and findfunctab; one part `all` before 1.16),
    /// each with what the functions account for in it.
    pub parts: Vec<PclntabPart>,
}

/// One part of the pclntab.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PclntabPart {
    /// `header`, `funcnametab`, `cutab`, `filetab`, `pctab`, `functab`, `gofunc` or `all`.
    pub name: String,
    /// Offset inside the table.
    pub offset: u64,
    /// Bytes.
    pub size: u64,
    /// Bytes attributed to functions (of a package or not).
    pub functions: u64,
}

/// Text totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSize {
    /// Functions in the pclntab.
    pub functions: u64,
    /// First function's entry to the table's end PC.
    pub span: u64,
    /// Machine code of all functions.
    pub code: u64,
    /// Padding between functions.
    pub padding: u64,
    /// Functions whose code size is their whole range because their `pcsp` table could not
    /// be used (their padding is counted as code).
    pub functions_without_pcsp: u64,
    /// Bytes of executable sections outside every pclntab function (C code of a cgo binary,
    /// PLT, linker stubs).
    pub outside_functions: u64,
}

/// The report of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeReport {
    /// Go release from the build info (or other sources).
    pub go_version: Option<String>,
    /// Data, rodata and bss are attributed from a static symbol table (false: stripped, so
    /// only text and pclntab are).
    pub symbols: bool,
    /// Text totals.
    pub text: TextSize,
    /// pclntab totals.
    pub pclntab: PclntabSize,
    /// Per package, largest total first (then by name).
    pub packages: Vec<PackageSize>,
    /// Per module, largest total first (then by name).
    pub modules: Vec<ModuleSize>,
    /// What functions and symbols of no package hold.
    pub no_package: Bytes,
    /// Every section with its attribution, in file order.
    pub sections: Vec<SectionSize>,
    /// Every loadable segment, in file order.
    pub segments: Vec<SegmentSize>,
    /// File size.
    pub file_size: u64,
}

/// The JSON entry of one file (one element of the envelope's `files`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SizeFile {
    /// The path as given.
    pub path: String,
    /// False when the file has no report.
    pub ok: bool,
    /// Why not.
    pub error: Option<String>,
    /// Findings that did not stop the report.
    pub problems: Vec<Problem>,
    /// The report (empty when `ok` is false).
    #[serde(flatten)]
    pub report: SizeReport,
}

/// Size report of the bytes of one file.
pub fn size_bytes(data: &[u8]) -> Result<(SizeReport, Vec<Problem>), Error> {
    let image = Image::parse(data)?;
    let go = GoBinary::new(image);
    let mut problems = Vec::new();
    let r = size(&go, &mut problems)?;
    Ok((r, problems))
}

/// Size report of one Go binary; what could not be read is added to `problems`.
pub fn size(go: &GoBinary<'_>, problems: &mut Vec<Problem>) -> Result<SizeReport, Error> {
    size_with(go, problems, TextDetail::PcTables)
}

/// How [`size_with`] splits each function's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextDetail {
    /// Code and padding from each function's `pcsp` table, and the pclntab bytes of each
    /// function (its record, name and pc-value tables): `goelf size`. From Go 1.16 a table's
    /// length is where the next table begins (they lie one after another in `pctab`); only
    /// the last one, and any whose end that does not confirm, is walked.
    PcTables,
    /// [`TextDetail::PcTables`] with every pc-value table walked to its end marker: the same
    /// numbers on a well-formed table, several times slower (the check of the shortcut).
    PcTablesWalked,
    /// Function ranges only: [`Bytes::text`] holds the whole range (code and padding),
    /// [`Bytes::text_padding`] and [`Bytes::pclntab`] stay 0, and no pc-value table is read
    /// (a fraction of the time on a large binary): what `goelf diff` compares.
    Ranges,
}

/// [`size`] with the text split `detail` asks for; sections, segments and the data, rodata
/// and bss per package are the same either way.
pub fn size_with(
    go: &GoBinary<'_>,
    problems: &mut Vec<Problem>,
    detail: TextDetail,
) -> Result<SizeReport, Error> {
    size_visiting(go, problems, detail, |_| {})
}

/// [`size_with`], showing `visit` every function it decodes (functab order), so a caller
/// that needs the functions too (`diff`'s names and crypto) walks the pclntab once.
pub fn size_visiting<'a>(
    go: &GoBinary<'a>,
    problems: &mut Vec<Problem>,
    detail: TextDetail,
    mut visit: impl FnMut(&crate::go::pclntab::Func<'a>),
) -> Result<SizeReport, Error> {
    let image = go.image();
    let tab = go.pclntab().map_err(Clone::clone)?;
    problems.extend(go.problems(GoPart::Pclntab).iter().cloned());
    let mut pkgs: FastMap<String, Bytes> = FastMap::default();
    let mut nopkg = Bytes::default();
    let mut text = TextSize::default();
    let mut seen_tables = TableSet::new(tab, detail != TextDetail::Ranges);
    // From Go 1.16 the tables lie one after another (`Pclntab::pctab_end`): a table's length
    // is where the next one starts, found once all are known; the first sight of each is
    // kept with its function's package run (`run_names`) and range.
    let pctab_end = tab.pctab_end().filter(|_| detail == TextDetail::PcTables);
    let mut first_sights: Vec<TableSight> = Vec::new();
    let mut run_names: Vec<String> = Vec::new();
    let mut first_entry = None;
    let mut last_end = 0u64;
    let mut bad = 0u64;
    let mut first_bad = None;
    let mut fn_ranges: Vec<(u64, u64)> = Vec::with_capacity(tab.nfunc());
    let (mut in_names, mut in_pctab, mut in_functab) = (0u64, 0u64, 0u64);
    let mut fn_pkgs = LastPackage::default();
    let mut run = Run::default();
    for f in tab.funcs() {
        let f = match f {
            Ok(f) => f,
            Err(e) => {
                bad += 1;
                first_bad.get_or_insert(e);
                continue;
            }
        };
        first_entry.get_or_insert(f.entry);
        last_end = last_end.max(f.end);
        fn_ranges.push((f.entry, f.end));
        visit(&f);
        let pkg = fn_pkgs.of_bytes(f.name);
        if run_names.last().map(String::as_str) != Some(pkg) {
            run_names.push(pkg.to_owned());
        }
        let b = run.to(&mut pkgs, &mut nopkg, pkg);
        b.functions += 1;
        text.functions += 1;
        let range = f.size();
        if detail == TextDetail::Ranges {
            b.text += range;
            continue;
        }
        let fp = match tab.footprint(&f) {
            Ok(fp) => fp,
            Err(e) => {
                bad += 1;
                first_bad.get_or_insert(e);
                b.text += range;
                text.functions_without_pcsp += 1;
                continue;
            }
        };
        let code = match fp.code {
            Some(c) => c,
            None => {
                text.functions_without_pcsp += 1;
                range
            }
        };
        b.text += code;
        b.text_padding += range - code;
        let mut pcl = fp.record + fp.name + fp.functab;
        in_names += fp.name;
        in_functab += fp.record + fp.functab;
        for off in tab.pc_tables(&fp) {
            if !seen_tables.insert(off) {
                continue;
            }
            if pctab_end.is_some() {
                first_sights.push(TableSight {
                    offset: off,
                    run: u32::try_from(run_names.len().saturating_sub(1)).unwrap_or(u32::MAX),
                    span: u32::try_from(range).unwrap_or(u32::MAX),
                });
            } else if let Ok((_, len)) = tab.pctab_span(off, f.entry, f.end) {
                pcl += len;
                in_pctab += len;
            }
        }
        b.pclntab += pcl;
    }
    run.flush(&mut pkgs, &mut nopkg);
    if let Some(end) = pctab_end {
        let mut per_run = vec![0u64; run_names.len()];
        in_pctab += table_lengths(tab, end, &mut first_sights, &mut per_run);
        for (name, n) in run_names.iter().zip(per_run) {
            if n != 0 {
                package_bytes(&mut pkgs, &mut nopkg, name).pclntab += n;
            }
        }
    }
    if let Some(e) = first_bad {
        problems.push(Problem::new(
            "size.functions",
            format!("{bad} function(s) only partly counted; the first: {e}"),
        ));
    }
    text.span = first_entry.map_or(0, |e| last_end.saturating_sub(e));
    let all: Bytes = pkgs.values().fold(Bytes::default(), |mut a, b| {
        a.add(b);
        a
    });
    text.code = all.text + nopkg.text;
    text.padding = all.text_padding + nopkg.text_padding;
    let mut pclntab = PclntabSize {
        size: tab.size(),
        packages: all.pclntab,
        no_package: nopkg.pclntab,
        unattributed: 0,
        parts: pclntab_parts(tab, in_names, in_pctab, in_functab),
    };
    pclntab.unattributed = pclntab
        .size
        .saturating_sub(pclntab.packages + pclntab.no_package);

    // Sections and symbols.
    let pcl_vaddr = tab.vaddr();
    let mut sections = Vec::new();
    let mut alloc_idx: Vec<(usize, u64, u64)> = Vec::new(); // (index in sections, start, end)
    for s in image.sections() {
        let name = String::from_utf8_lossy(s.name).into_owned();
        if name.is_empty() && s.size == 0 {
            continue;
        }
        let class = if !s.alloc {
            SectionClass::Other
        } else if s.exec {
            SectionClass::Text
        } else if pcl_vaddr.is_some() && pcl_vaddr == Some(s.vaddr) && s.vaddr != 0 {
            SectionClass::Pclntab
        } else if s.file_range.is_none() {
            SectionClass::Bss
        } else if s.write {
            SectionClass::Data
        } else {
            SectionClass::Rodata
        };
        if s.alloc && s.vaddr != 0 {
            alloc_idx.push((sections.len(), s.vaddr, s.vaddr.saturating_add(s.size)));
        }
        sections.push(SectionSize {
            name,
            size: s.size,
            file_size: s.file_range.map_or(0, |(_, l)| l),
            class,
            packages: 0,
            no_package: 0,
            unattributed: 0,
        });
    }
    alloc_idx.sort_by_key(|&(_, a, _)| a);
    let section_of = |addr: u64| -> Option<usize> {
        let i = alloc_idx.partition_point(|&(_, a, _)| a <= addr);
        let (idx, a, e) = *alloc_idx.get(i.checked_sub(1)?)?;
        (addr >= a && addr < e).then_some(idx)
    };
    // Text sections: what the functions cover.
    fn_ranges.sort_unstable();
    for &(idx, a, e) in &alloc_idx {
        let Some(sec) = sections.get_mut(idx) else {
            continue;
        };
        if sec.class != SectionClass::Text {
            continue;
        }
        let covered = covered_bytes(&fn_ranges, a, e);
        sec.packages = 0;
        sec.unattributed = (e - a).saturating_sub(covered);
        text.outside_functions += sec.unattributed;
    }
    let has_symbols = image.has_symbols();
    if has_symbols {
        let mut syms: Vec<_> = image
            .symbols()
            .iter()
            .filter(|s| !s.dynamic && s.size > 0 && s.kind != SymbolKind::Text)
            .collect();
        syms.sort_by_key(|s| (s.vaddr, std::cmp::Reverse(s.size)));
        let mut covered_to = 0u64;
        let mut sym_pkgs = LastPackage::default();
        for s in syms {
            let Some(idx) = section_of(s.vaddr) else {
                continue;
            };
            let Some(sec) = sections.get_mut(idx) else {
                continue;
            };
            let field = match sec.class {
                SectionClass::Data => Field::Data,
                SectionClass::Rodata => Field::Rodata,
                SectionClass::Bss => Field::Bss,
                _ => continue,
            };
            // Clip to what no earlier symbol covers (an alias or a container symbol).
            let start = s.vaddr.max(covered_to);
            let end = s.vaddr.saturating_add(s.size);
            if end <= start {
                continue;
            }
            covered_to = end;
            let n = end - start;
            let pkg = sym_pkgs.of_bytes(s.name);
            if pkg.is_empty() {
                sec.no_package += n;
            } else {
                sec.packages += n;
            }
            let b = run.to(&mut pkgs, &mut nopkg, pkg);
            match field {
                Field::Data => b.data += n,
                Field::Rodata => b.rodata += n,
                Field::Bss => b.bss += n,
            }
        }
        run.flush(&mut pkgs, &mut nopkg);
    }
    for sec in sections.iter_mut() {
        if matches!(
            sec.class,
            SectionClass::Data | SectionClass::Rodata | SectionClass::Bss
        ) {
            sec.unattributed = sec.size.saturating_sub(sec.packages + sec.no_package);
        }
        if sec.class == SectionClass::Pclntab {
            sec.packages = pclntab.packages;
            sec.no_package = pclntab.no_package;
            sec.unattributed = sec.size.saturating_sub(sec.packages + sec.no_package);
        }
    }

    let bi = go.buildinfo().ok();
    let modules_of = ModuleMap::new(bi);
    let mut packages: Vec<PackageSize> = pkgs
        .into_iter()
        .map(|(package, bytes)| PackageSize {
            module: modules_of.module_of(&package).map(str::to_string),
            total: bytes.total(),
            package,
            bytes,
        })
        .collect();
    packages.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then_with(|| a.package.cmp(&b.package))
    });
    let mut mods: BTreeMap<String, (u64, Bytes)> = BTreeMap::new();
    for p in &packages {
        let m = p.module.clone().unwrap_or_else(|| "(unknown)".into());
        let e = mods.entry(m).or_default();
        e.0 += 1;
        e.1.add(&p.bytes);
    }
    let mut modules: Vec<ModuleSize> = mods
        .into_iter()
        .map(|(module, (n, bytes))| ModuleSize {
            version: modules_of.version_of(&module).map(str::to_string),
            module,
            packages: n,
            total: bytes.total(),
            bytes,
        })
        .collect();
    modules.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.module.cmp(&b.module)));
    let segments = image
        .segments()
        .iter()
        .map(|s| SegmentSize {
            vaddr: s.vaddr,
            memsz: s.memsz,
            filesz: s.filesz,
            flags: format!(
                "{}{}{}",
                if s.read { 'R' } else { ' ' },
                if s.write { 'W' } else { ' ' },
                if s.exec { 'E' } else { ' ' }
            ),
        })
        .collect();
    Ok(SizeReport {
        go_version: go.version_text().map(|(v, _)| v.to_string()),
        symbols: has_symbols,
        text,
        pclntab,
        packages,
        modules,
        no_package: nopkg,
        sections,
        segments,
        file_size: image.data().len() as u64,
    })
}

/// The pc-value tables met so far, by offset: a bit per offset of the table up to its size,
/// and a set for any offset beyond it (only a damaged table has such).
struct TableSet {
    bits: Vec<u64>,
    beyond: HashSet<u32>,
}

impl TableSet {
    /// The set for `tab`'s offsets (`used`: else it stays empty, and unused).
    fn new(tab: &crate::go::pclntab::Pclntab<'_>, used: bool) -> Self {
        // Offsets count from `pctab` (1.16+, where none lies past its end) or from the
        // table's start (none lies past the table's end).
        let end = tab.pctab_end().unwrap_or(tab.size());
        let span = end.saturating_sub(tab.pctab_base());
        let words = usize::try_from(span / 64 + 1).unwrap_or(0) * usize::from(used);
        TableSet {
            bits: vec![0; words],
            beyond: HashSet::new(),
        }
    }

    /// Whether `off` is new (and now met).
    fn insert(&mut self, off: u32) -> bool {
        let (word, bit) = ((off / 64) as usize, off % 64);
        match self.bits.get_mut(word) {
            Some(w) => {
                let new = *w & (1 << bit) == 0;
                *w |= 1 << bit;
                new
            }
            None => self.beyond.insert(off),
        }
    }
}

/// The first sight of a pc-value table: its offset, the package run of the function that
/// met it, and that function's range (which bounds the walk, when one is needed).
struct TableSight {
    offset: u32,
    run: u32,
    span: u32,
}

/// The lengths of the tables met (1.16+, `end`: where `pctab` ends), added to their runs in
/// `per_run`; returns their sum. Each table ends where the next one begins when the byte
/// before that is the end marker (`0`) the walk would stop at; otherwise, and for the last
/// table (padding may follow it), the table is walked as before.
fn table_lengths(
    tab: &crate::go::pclntab::Pclntab<'_>,
    end: u64,
    sights: &mut [TableSight],
    per_run: &mut [u64],
) -> u64 {
    sights.sort_unstable_by_key(|t| t.offset);
    let mut total = 0;
    for i in 0..sights.len() {
        let Some(t) = sights.get(i) else { break };
        let next = sights.get(i + 1).map(|n| n.offset);
        let ends_at_next = next.filter(|&n| n > t.offset && tab.pctab_ends_before(n, end));
        let len = match ends_at_next {
            Some(n) => u64::from(n - t.offset),
            None => match tab.pctab_span(t.offset, 0, u64::from(t.span)) {
                Ok((_, len)) => len,
                Err(_) => continue,
            },
        };
        if let Some(r) = per_run.get_mut(t.run as usize) {
            *r += len;
        }
        total += len;
    }
    total
}

/// [`package_of`] remembering its last answer: functions in address order (and data symbols
/// sorted by address) come package by package, and most names repeat the last one's prefix.
#[derive(Default)]
struct LastPackage {
    /// The last name's import-path prefix (up to the first `.` after the last `/` before any
    /// `[`), as bytes of the name, and its package.
    key: Vec<u8>,
    package: String,
    /// Every key met, with its package.
    known: FastMap<Vec<u8>, String>,
}

impl LastPackage {
    /// [`package_of`] of a name's bytes (read as [`String::from_utf8_lossy`] reads them):
    /// the name is made text only when its key differs from the last one. The key of the
    /// bytes is the key of the text: `[`, `/` and `.` are ASCII, which lossy decoding keeps
    /// and never takes into a replacement character.
    fn of_bytes(&mut self, name: &[u8]) -> &str {
        // The common case first: the name is the last key, a `.`, and a rest with no `/`
        // before any `[`. Its key is then the last one (the key holds no `.` after its last
        // `/`, and a name with one of the prefixes below never set a key).
        if let Some(rest) = name
            .strip_prefix(self.key.as_slice())
            .and_then(|r| r.strip_prefix(b"."))
        {
            let same = match memchr::memchr2(b'/', b'[', rest) {
                None => true,
                Some(i) => rest.get(i) == Some(&b'['),
            };
            if same && !self.key.is_empty() {
                return &self.package;
            }
        }
        // Compiler-made names of no package, told by their first bytes (`package_of`'s own
        // first tests): type descriptors (not the equality and hash functions, which have
        // their type's package) and every `go:` name.
        let typed = name.starts_with(b"type:") || name.starts_with(b"type.");
        let type_function = [
            &b"type:.eq."[..],
            b"type:.hash.",
            b"type..eq.",
            b"type..hash.",
        ]
        .iter()
        .any(|p| name.starts_with(p));
        if (typed && !type_function) || name.starts_with(b"go:") {
            self.key.clear();
            self.package.clear();
            return &self.package;
        }
        let key = if typed || name.starts_with(b"go.") {
            None
        } else {
            let head = memchr::memchr(b'[', name).map_or(name, |b| name.get(..b).unwrap_or(&[]));
            let slash = memchr::memrchr(b'/', head).map_or(0, |s| s + 1);
            head.get(slash..)
                .and_then(|t| memchr::memchr(b'.', t))
                .and_then(|d| head.get(..slash + d))
        };
        match key {
            Some(k) if k == self.key.as_slice() => {}
            Some(k) => {
                self.key.clear();
                self.key.extend_from_slice(k);
                self.package.clear();
                // The package is a function of the key alone (the same prefix `package_of`
                // cuts): each key is worked out once.
                match self.known.get(k) {
                    Some(p) => self.package.push_str(p),
                    None => {
                        self.package
                            .push_str(&package_of(&String::from_utf8_lossy(name)));
                        if self.known.len() < MAX_KNOWN_KEYS {
                            self.known.insert(k.to_vec(), self.package.clone());
                        }
                    }
                }
            }
            None => {
                self.key.clear();
                self.package.clear();
                self.package
                    .push_str(&package_of(&String::from_utf8_lossy(name)));
            }
        }
        &self.package
    }
}

/// Keys [`LastPackage`] remembers at most (a binary has a few thousand packages; names
/// made to defeat the cache only make it stop growing).
const MAX_KNOWN_KEYS: usize = 1 << 16;

/// The bytes of one package being summed before they go into the map: functions in address
/// order (and data symbols sorted by address) come package by package, so the map is looked
/// up once per run of a package, not once per function.
#[derive(Default)]
struct Run {
    package: String,
    bytes: Bytes,
    used: bool,
}

impl Run {
    /// The bytes to add to for `pkg` (the run so far is flushed when `pkg` is another).
    fn to(
        &mut self,
        pkgs: &mut FastMap<String, Bytes>,
        nopkg: &mut Bytes,
        pkg: &str,
    ) -> &mut Bytes {
        if pkg != self.package {
            self.flush(pkgs, nopkg);
            self.package.clear();
            self.package.push_str(pkg);
        }
        self.used = true;
        &mut self.bytes
    }

    /// Add the run to its package (made on first use, as before) and start afresh.
    fn flush(&mut self, pkgs: &mut FastMap<String, Bytes>, nopkg: &mut Bytes) {
        if self.used {
            package_bytes(pkgs, nopkg, &self.package).add(&self.bytes);
        }
        self.bytes = Bytes::default();
        self.used = false;
    }
}

/// The bytes of package `pkg` in `pkgs` (`nopkg` for `""`), made on first use; the name is
/// copied only then, not once per function.
fn package_bytes<'m>(
    pkgs: &'m mut FastMap<String, Bytes>,
    nopkg: &'m mut Bytes,
    pkg: &str,
) -> &'m mut Bytes {
    if pkg.is_empty() {
        return nopkg;
    }
    if !pkgs.contains_key(pkg) {
        pkgs.insert(pkg.to_owned(), Bytes::default());
    }
    match pkgs.get_mut(pkg) {
        Some(b) => b,
        None => nopkg,
    }
}

/// The pclntab's parts with the bytes attributed in each.
fn pclntab_parts(
    tab: &crate::go::pclntab::Pclntab<'_>,
    names: u64,
    pctab: u64,
    functab: u64,
) -> Vec<PclntabPart> {
    let size = tab.size();
    let [funcnametab, cutab, filetab, pct, ftab] = tab.table_offsets();
    let starts = [0, funcnametab, cutab, filetab, pct, ftab];
    if tab.era() == crate::go::Era::Go12 || starts.windows(2).any(|w| w[0] > w[1]) || ftab > size {
        return vec![PclntabPart {
            name: "all".into(),
            offset: 0,
            size,
            functions: names + pctab + functab,
        }];
    }
    // From Go 1.26 the funcdata (`go:func.*`: stack maps, inline trees) and findfunctab
    // follow the `_func` records inside the table: a part of its own.
    let gofunc = tab
        .gofunc()
        .zip(tab.vaddr())
        .and_then(|(g, v)| g.checked_sub(v))
        .filter(|&o| o > ftab && o < size);
    let mut parts: Vec<(&str, u64, u64)> = vec![
        ("header", 0, 0),
        ("funcnametab", funcnametab, names),
        ("cutab", cutab, 0),
        ("filetab", filetab, 0),
        ("pctab", pct, pctab),
        ("functab", ftab, functab),
    ];
    if let Some(g) = gofunc {
        parts.push(("gofunc", g, 0));
    }
    let ends: Vec<u64> = parts.iter().skip(1).map(|p| p.1).chain([size]).collect();
    parts
        .iter()
        .zip(ends)
        .map(|(&(name, start, functions), end)| PclntabPart {
            name: name.into(),
            offset: start,
            size: end.saturating_sub(start),
            functions,
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Field {
    Data,
    Rodata,
    Bss,
}

/// Bytes of `[a, e)` covered by the sorted `ranges`.
fn covered_bytes(ranges: &[(u64, u64)], a: u64, e: u64) -> u64 {
    let mut total = 0u64;
    let mut at = a;
    let i = ranges.partition_point(|&(_, end)| end <= a);
    for &(s, t) in ranges.get(i..).unwrap_or(&[]) {
        if s >= e {
            break;
        }
        let s = s.max(at);
        let t = t.min(e);
        if t > s {
            total += t - s;
            at = t;
        }
    }
    total
}

/// Package → module, from the build info.
pub struct ModuleMap<'b> {
    main: Option<&'b str>,
    /// (path, version), longest path first.
    mods: Vec<(&'b str, &'b str)>,
}

impl<'b> ModuleMap<'b> {
    /// The modules of `bi` (none without build info: every non-std package is unknown).
    pub fn new(bi: Option<&'b BuildInfo>) -> Self {
        let mut mods = Vec::new();
        let mut main = None;
        if let Some(b) = bi {
            if !b.main.path.is_empty() {
                main = Some(b.main.path.as_str());
                mods.push((b.main.path.as_str(), b.main.version.as_str()));
            }
            for d in &b.deps {
                mods.push((d.path.as_str(), d.version.as_str()));
            }
        }
        mods.sort_by_key(|m| std::cmp::Reverse(m.0.len()));
        ModuleMap { main, mods }
    }

    /// The module of package `pkg`: `std`, a build-info module, or `None`.
    pub fn module_of(&self, pkg: &str) -> Option<&'b str> {
        if pkg == "main" {
            return self.main;
        }
        for &(m, _) in &self.mods {
            if pkg == m || (pkg.starts_with(m) && pkg.as_bytes().get(m.len()) == Some(&b'/')) {
                return Some(m);
            }
        }
        let first = pkg.split('/').next().unwrap_or(pkg);
        (!first.contains('.')).then_some(STD_MODULE)
    }

    /// The version of module `m` in the build info.
    pub fn version_of(&self, m: &str) -> Option<&'b str> {
        self.mods
            .iter()
            .find(|(p, _)| *p == m)
            .map(|&(_, v)| v)
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covered() {
        let r = [(10, 20), (20, 30), (40, 50)];
        assert_eq!(covered_bytes(&r, 0, 100), 30);
        assert_eq!(covered_bytes(&r, 15, 45), 20);
        assert_eq!(covered_bytes(&[], 0, 10), 0);
    }

    #[test]
    fn last_package_answers_as_package_of() {
        let names = [
            "runtime.main",
            "runtime.gcStart",
            "runtime/cgo.set_crosscall2",
            "runtime.x",
            "example.com/a.b/c.F",
            "example.com/a.F",
            "example.com/a.b/c.G",
            "gopkg.in/ini%2ev1.F",
            "gopkg.in/ini%2ev1.(*File).Section",
            "type:.eq.main.T",
            "type:.eq.example.com/a.T",
            "go:string.x",
            "go.shape.int",
            "main.main",
            "crypto/internal/fips140/v1%2e0%2e0.init",
            "sync/atomic.(*Pointer[go.shape.int]).Load",
            "sync/atomic.(*Pointer[example.com/a.T]).Store",
            "$f64.3ff0000000000000",
            "_cgo_panic",
            "main",
            "",
        ];
        let mut last = LastPackage::default();
        for round in 0..2 {
            for n in names.iter().chain(names.iter().rev()) {
                assert_eq!(
                    last.of_bytes(n.as_bytes()),
                    package_of(n),
                    "{n} (round {round})"
                );
            }
        }
        for n in [
            &b"main.\xff"[..],
            b"ex\xffample.com/a.F",
            b"example.com/\xe2\x82.F",
            b"\xc3",
        ] {
            let text = String::from_utf8_lossy(n);
            assert_eq!(last.of_bytes(n), package_of(&text), "{text}");
        }
    }

    #[test]
    fn modules() {
        let m = ModuleMap {
            main: Some("example.com/a"),
            mods: vec![("example.com/a/b", "v1"), ("example.com/a", "")],
        };
        assert_eq!(m.module_of("main"), Some("example.com/a"));
        assert_eq!(m.module_of("example.com/a/b/c"), Some("example.com/a/b"));
        assert_eq!(m.module_of("example.com/ab"), None);
        assert_eq!(m.module_of("net/http"), Some("std"));
        assert_eq!(m.module_of("vendor/golang.org/x/net/idna"), Some("std"));
    }
}

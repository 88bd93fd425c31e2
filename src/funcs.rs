//! `funcs`: every function of a Go binary's pclntab (stripped binaries too) with its address
//! range, package and source position, and addr2line with the inlining chain.
//!
//! [`funcs`] opens one Go session ([`GoBinary`]) on the file and returns a [`FuncsReport`]
//! that borrows the file. Function rows are not collected: [`FuncsReport::functions`] hands
//! out [`FuncRows`], an iterator that decodes rows on demand, over the whole functab or a
//! sub-range of it (for decoding chunks in parallel). With [`FuncsOptions::addrs`] the report
//! holds [`Lookup`]s instead, cross-checked against the DWARF line table unless
//! [`FuncsOptions::dwarf_check`] is off.
//!
//! [`FuncsFile`] is the report's JSON (one entry of `files` in goelf's
//! [`Envelope`](crate::report::Envelope)); it streams the rows through `serialize_seq`, so
//! 80,000 functions are never held at once. How the rows are written is a [`WriteRows`]:
//! [`StreamRows`] on the calling thread, or a front end's own (the CLI decodes ahead on a
//! second thread).
//!
//! The formats: docs/FORMATS.md §1.4–§1.9 (functab, `_func`, names, files, pc-value tables,
//! PC → function, file, line and inlined calls; Go's `src/runtime/symtab.go` and
//! `src/runtime/symtabinl.go`) and §2 (moduledata, whose 1.18+ `gofunc` the inlining tree
//! needs).

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;

use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::error::{Error, Problem, Result};
use crate::go::dwarf_line::{self, DwarfPosition};
use crate::go::inline::{self, Frame};
use crate::go::moduledata::ModuledataInfo;
use crate::go::pclntab::{Pclntab, PclntabInfo};
use crate::go::{Era, GoBinary, GoPart};
use crate::image::Image;
use crate::symbolize::names;

/// What [`funcs`] lists or looks up.
#[derive(Debug, Clone)]
pub struct FuncsOptions {
    /// Only functions of the packages these patterns match (any of them; every package when
    /// empty): `go list` patterns, see [`PackagePattern`].
    pub packages: Vec<PackagePattern>,
    /// Only functions whose name matches this regular expression.
    pub pattern: Option<regex::Regex>,
    /// Look these addresses up instead of listing functions (when not empty). With
    /// `packages` or `pattern`, every address is still looked up, and a lookup whose function
    /// the filter drops is marked [`Lookup::filtered`].
    pub addrs: Vec<u64>,
    /// With `addrs`: cross-check the pclntab's file:line against the DWARF line table.
    pub dwarf_check: bool,
}

impl Default for FuncsOptions {
    fn default() -> Self {
        FuncsOptions {
            packages: Vec::new(),
            pattern: None,
            addrs: Vec::new(),
            dwarf_check: true,
        }
    }
}

/// A Go package pattern, matched as `go list` matches import paths (Go's
/// `cmd/internal/pkgpattern.MatchPattern`, used by `cmd/go/internal/search`; `go help
/// packages`):
///
/// - `...` matches any string, including `/` and the empty string: `net/.../internal`,
///   `...http...`;
/// - a trailing `/...` may also match nothing, so `net/...` matches `net` as well as
///   `net/http`;
/// - a wildcard never matches a `vendor` path element that is not the last one, so `...`
///   and `net/...` leave out `vendor/golang.org/x/net/idna` while
///   `vendor/golang.org/x/net/...` matches it (and, as in Go, `vendor/...` matches nothing);
/// - without `...` the pattern is one import path, matched exactly.
///
/// The linker's escaped form of a path (`gopkg.in/ini%2ev1`, as `GODEBUG=inittrace=1` prints
/// it) is taken as the import path it stands for (`gopkg.in/ini.v1`). Functions that belong
/// to no package (linker-made, assembly, C) are matched only by the empty pattern.
///
/// Like Go, the pattern becomes a regular expression, so matching is linear in the length
/// of the path whatever the pattern.
#[derive(Debug, Clone)]
pub struct PackagePattern {
    text: String,
    matcher: PatternMatcher,
}

#[derive(Debug, Clone)]
enum PatternMatcher {
    /// No wildcard: one import path.
    Exact(String),
    /// The pattern as an anchored regular expression over the path with its non-last
    /// `vendor` elements replaced by [`VENDOR_MARK`].
    Wildcard(regex::Regex),
}

/// What a non-last `vendor` path element is replaced by before matching: a character no
/// import path holds, which `...` does not match (Go's `vendorChar`).
const VENDOR_MARK: char = '\0';
/// `...` in a pattern, once escaped for the regular expression.
const WILDCARD_ESCAPED: &str = r"\.\.\.";
/// What `...` becomes: anything but [`VENDOR_MARK`].
const WILDCARD_RE: &str = r"[^\x00]*";

impl PackagePattern {
    /// Parse a pattern; fails only when its regular expression is too large.
    pub fn new(pattern: &str) -> std::result::Result<PackagePattern, regex::Error> {
        let path = names::prefix_to_path(pattern);
        if !path.contains("...") {
            return Ok(PackagePattern {
                text: pattern.to_string(),
                matcher: PatternMatcher::Exact(path),
            });
        }
        let mut re = replace_vendor(&regex::escape(&path), r"\x00");
        let vendor_tail = format!(r"/\x00/{WILDCARD_ESCAPED}");
        let vendor_alone = format!(r"\x00/{WILDCARD_ESCAPED}");
        let vendor_alt = format!(r"(/vendor|/\x00/{WILDCARD_ESCAPED})");
        if let Some(head) = re.strip_suffix(vendor_tail.as_str()) {
            re = format!("{head}{vendor_alt}");
        } else if re == vendor_alone {
            re = vendor_alt;
        }
        if let Some(head) = re.strip_suffix(&format!("/{WILDCARD_ESCAPED}")) {
            re = format!("{head}(/{WILDCARD_ESCAPED})?");
        }
        let re = re.replace(WILDCARD_ESCAPED, WILDCARD_RE);
        Ok(PackagePattern {
            text: pattern.to_string(),
            matcher: PatternMatcher::Wildcard(regex::Regex::new(&format!("^{re}$"))?),
        })
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when the import path `package` matches.
    pub fn matches(&self, package: &str) -> bool {
        match &self.matcher {
            PatternMatcher::Exact(p) => p == package,
            PatternMatcher::Wildcard(_) if package.is_empty() => false,
            PatternMatcher::Wildcard(_) if package.contains(VENDOR_MARK) => false,
            PatternMatcher::Wildcard(re) => {
                if package.contains("vendor") {
                    re.is_match(&replace_vendor(package, &VENDOR_MARK.to_string()))
                } else {
                    re.is_match(package)
                }
            }
        }
    }
}

impl std::str::FromStr for PackagePattern {
    type Err = regex::Error;
    fn from_str(s: &str) -> std::result::Result<Self, regex::Error> {
        PackagePattern::new(s)
    }
}

/// `path` with every `vendor` element but the last replaced by `mark` (Go's
/// `replaceVendor`).
fn replace_vendor(path: &str, mark: &str) -> String {
    let elems: Vec<&str> = path.split('/').collect();
    let last = elems.len().saturating_sub(1);
    elems
        .iter()
        .enumerate()
        .map(|(i, e)| if i < last && *e == "vendor" { mark } else { e })
        .collect::<Vec<_>>()
        .join("/")
}

/// One function of the pclntab, borrowing from the file (the keys of `functions[]` in JSON,
/// in order). Text is lossy UTF-8: invalid bytes become U+FFFD, and only then is it owned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FuncRow<'a> {
    /// Entry address.
    pub entry: u64,
    /// End address (the next function's entry, or the table's end PC).
    pub end: u64,
    /// `end - entry`.
    pub size: u64,
    /// Symbol name, e.g. `net/http.(*Server).Serve`.
    pub name: Cow<'a, str>,
    /// Import path of the package (`""` for linker-made and C/assembly symbols).
    pub package: Cow<'a, str>,
    /// Source file of the entry, when the table gives one.
    pub file: Option<Cow<'a, str>>,
    /// Source line of the entry, when the table gives one.
    pub line: Option<u32>,
}

/// One answer for [`FuncsOptions::addrs`] (the keys of `lookups[]` in JSON, in order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lookup {
    /// The address looked up.
    pub pc: u64,
    /// The physical function holding pc, if any.
    pub function: Option<String>,
    /// That function's entry.
    pub entry: Option<u64>,
    /// Source file at pc (pclntab).
    pub file: Option<String>,
    /// Source line at pc (pclntab).
    pub line: Option<u32>,
    /// Innermost first; the last frame is the physical function.
    pub frames: Vec<Frame>,
    /// The DWARF line table's file:line at pc; `None` without DWARF, without the check, or
    /// when no row covers pc.
    pub dwarf: Option<DwarfPosition>,
    /// DWARF and the pclntab give the same file:line; `None` when either has none.
    pub dwarf_agrees: Option<bool>,
    /// The `--package`/`--match` filter drops this address's function (or the address is in
    /// no function while a filter is set): a front end leaves it out of what it prints. The
    /// lookup is kept, so the answers stay in the order asked.
    pub filtered: bool,
}

/// Decode the functions of one file.
///
/// Fails when the container cannot be read or no pclntab is found; everything less (no
/// moduledata, unreadable DWARF, damaged functions) is a [`Problem`] of the report.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let data = std::fs::read("testdata/example/hello")?;
/// let options = goelf::FuncsOptions {
///     packages: vec!["main".parse()?],
///     ..Default::default()
/// };
/// let report = goelf::funcs(&data, &options)?;
/// if let Some(functions) = report.functions() {
///     for f in functions {
///         println!("{:#x} {} {}", f.entry, f.size, f.name);
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub fn funcs<'a>(data: &'a [u8], options: &FuncsOptions) -> Result<FuncsReport<'a>> {
    let image = Image::parse(data)?;
    let truncated = image.truncation();
    let go = GoBinary::new(image);
    let tab = match go.pclntab() {
        Ok(t) => t,
        Err(e) => {
            return Err(match (truncated, e) {
                (Some(t), e) => Error::Damaged(format!("{}; so: pclntab: {e}", t.message)),
                (None, Error::NotFound(_)) if go.buildinfo().is_ok() => Error::Damaged(
                    "a damaged Go binary: it has Go build info, but no pclntab can be found".into(),
                ),
                (None, Error::NotFound(_)) => {
                    Error::NotFound("pclntab: not a Go binary (no pclntab, no Go build info)")
                }
                (None, e) => e.clone(),
            })
        }
    };
    let mut problems: Vec<Problem> = truncated.into_iter().collect();
    problems.extend_from_slice(go.problems(GoPart::Pclntab));
    problems.extend_from_slice(go.problems(GoPart::Moduledata));
    let moduledata = match go.moduledata() {
        Ok(md) => Some(md.info()),
        Err(e) => {
            // Only the inlining chain needs the moduledata (its 1.18+ gofunc).
            if !options.addrs.is_empty() && tab.era() >= Era::Go118 {
                problems.push(Problem::from_error("moduledata", e));
            }
            None
        }
    };
    let filter = Filter {
        packages: options.packages.clone(),
        pattern: options.pattern.clone(),
    };
    let mut dwarf_line_table = false;
    let lookups = if options.addrs.is_empty() {
        None
    } else {
        let mut lookups: Vec<Lookup> = options
            .addrs
            .iter()
            .map(|&pc| lookup(tab, go.image(), pc))
            .collect();
        for l in &mut lookups {
            l.filtered = !filter.keeps_lookup(l);
        }
        dwarf_line_table =
            options.dwarf_check && dwarf_check(go.image(), &mut lookups, &mut problems);
        Some(lookups)
    };
    Ok(FuncsReport {
        pclntab: tab.info(),
        go,
        moduledata,
        filter,
        lookups,
        dwarf_line_table,
        problems,
    })
}

/// The functions of one file: the pclntab, the moduledata, and either the function rows
/// (decoded on demand) or the answers for the addresses asked for.
#[derive(Debug)]
pub struct FuncsReport<'a> {
    /// The Go session; its pclntab is known to be there.
    go: GoBinary<'a>,
    pclntab: PclntabInfo,
    moduledata: Option<ModuledataInfo>,
    filter: Filter,
    lookups: Option<Vec<Lookup>>,
    dwarf_line_table: bool,
    problems: Vec<Problem>,
}

impl<'a> FuncsReport<'a> {
    /// The pclntab's header summary.
    pub fn pclntab(&self) -> &PclntabInfo {
        &self.pclntab
    }

    /// The file's Go session (build info, version, pclntab, moduledata).
    pub fn go(&self) -> &GoBinary<'a> {
        &self.go
    }

    /// The moduledata's summary, when it was found.
    pub fn moduledata(&self) -> Option<&ModuledataInfo> {
        self.moduledata.as_ref()
    }

    /// The function rows (filtered by package and pattern), or `None` when addresses were
    /// looked up instead.
    pub fn functions(&self) -> Option<Functions<'_, 'a>> {
        match (&self.lookups, self.go.pclntab()) {
            (None, Ok(tab)) => Some(Functions {
                tab,
                filter: &self.filter,
            }),
            // Without a pclntab `funcs` returns no report.
            _ => None,
        }
    }

    /// The answers for [`FuncsOptions::addrs`], in the order asked; `None` when listing.
    pub fn lookups(&self) -> Option<&[Lookup]> {
        self.lookups.as_deref()
    }

    /// True when the lookups were cross-checked against a DWARF line table (asked for, and
    /// the binary has one).
    pub fn dwarf_line_table(&self) -> bool {
        self.dwarf_line_table
    }

    /// What decoding noted (not counting functions that fail to decode while rows are
    /// produced: see [`FuncRows::failures`]).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

/// What rows are kept.
#[derive(Debug, Clone)]
struct Filter {
    packages: Vec<PackagePattern>,
    pattern: Option<regex::Regex>,
}

impl Filter {
    fn is_set(&self) -> bool {
        !self.packages.is_empty() || self.pattern.is_some()
    }

    /// A function of this package is kept.
    fn keeps_package(&self, package: &str) -> bool {
        self.packages.is_empty() || self.packages.iter().any(|p| p.matches(package))
    }

    /// A function of this name is kept.
    fn keeps_name(&self, name: &str) -> bool {
        self.pattern.as_ref().is_none_or(|re| re.is_match(name))
    }

    /// A lookup is kept when its (physical) function is, as a listing would keep it; an
    /// address in no function is kept only without a filter.
    fn keeps_lookup(&self, l: &Lookup) -> bool {
        match &l.function {
            None => !self.is_set(),
            Some(name) => {
                let package = names::package_of(name).unwrap_or(Cow::Borrowed(""));
                self.keeps_package(&package) && self.keeps_name(name)
            }
        }
    }
}

/// The function rows of a [`FuncsReport`]: a table to iterate, whole or by index range.
#[derive(Debug, Clone, Copy)]
pub struct Functions<'r, 'a> {
    tab: &'r Pclntab<'a>,
    filter: &'r Filter,
}

impl<'r, 'a> Functions<'r, 'a> {
    /// Entries in the functab (before filtering): the end of the index range.
    pub fn table_len(&self) -> usize {
        self.tab.nfunc()
    }

    /// Every row, in functab order.
    pub fn rows(&self) -> FuncRows<'r, 'a> {
        self.rows_in(0..self.table_len())
    }

    /// The rows of functab entries `range` (clamped to the table), for decoding in parallel.
    pub fn rows_in(&self, range: Range<usize>) -> FuncRows<'r, 'a> {
        let end = range.end.min(self.table_len());
        FuncRows {
            tab: self.tab,
            filter: self.filter,
            next: range.start.min(end),
            end,
            last: (&[], ""),
            failures: DecodeFailures::default(),
        }
    }
}

impl<'r, 'a> IntoIterator for Functions<'r, 'a> {
    type Item = FuncRow<'a>;
    type IntoIter = FuncRows<'r, 'a>;
    fn into_iter(self) -> FuncRows<'r, 'a> {
        self.rows()
    }
}

/// Iterator over function rows, decoding each as it goes. Functions that cannot be decoded
/// are skipped and counted in [`FuncRows::failures`].
#[derive(Debug, Clone)]
pub struct FuncRows<'r, 'a> {
    tab: &'r Pclntab<'a>,
    filter: &'r Filter,
    next: usize,
    end: usize,
    /// The last file name decoded: neighbouring functions mostly share their file, and its
    /// UTF-8 check need not be repeated.
    last: (&'a [u8], &'a str),
    failures: DecodeFailures,
}

impl FuncRows<'_, '_> {
    /// The functions skipped so far because they could not be decoded.
    pub fn failures(&self) -> &DecodeFailures {
        &self.failures
    }

    /// Consume the iterator, keeping its failures.
    pub fn into_failures(self) -> DecodeFailures {
        self.failures
    }
}

impl<'a> Iterator for FuncRows<'_, 'a> {
    type Item = FuncRow<'a>;

    fn next(&mut self) -> Option<FuncRow<'a>> {
        while self.next < self.end {
            let i = self.next;
            self.next += 1;
            match row(self.tab, i, self.filter, &mut self.last) {
                Ok(Some(r)) => return Some(r),
                Ok(None) => {}
                Err(e) => self.failures.add(e),
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.end - self.next))
    }
}

/// Decode function `i`; `None` when the filter drops it.
fn row<'a>(
    tab: &Pclntab<'a>,
    i: usize,
    filter: &Filter,
    last: &mut (&'a [u8], &'a str),
) -> Result<Option<FuncRow<'a>>> {
    let f = tab.func(i)?;
    let name = lossy(f.name);
    let package = match &name {
        Cow::Borrowed(n) => names::package_of(n).unwrap_or(Cow::Borrowed("")),
        Cow::Owned(n) => Cow::Owned(names::funcpkgpath(n).unwrap_or_default()),
    };
    if !filter.keeps_package(&package) || !filter.keeps_name(&name) {
        return Ok(None);
    }
    let (file, line) = match tab
        .record(f.func_offset)
        .and_then(|r| tab.file_line_bytes(&r, f.entry, f.entry))
    {
        Ok((file, line)) => {
            let text = if std::ptr::eq(file, last.0) {
                Cow::Borrowed(last.1)
            } else {
                let text = lossy(file);
                if let Cow::Borrowed(t) = text {
                    *last = (file, t);
                }
                text
            };
            (Some(text), Some(line))
        }
        Err(_) => (None, None),
    };
    Ok(Some(FuncRow {
        entry: f.entry,
        end: f.end,
        size: f.size(),
        name,
        package,
        file,
        line,
    }))
}

/// Text from file bytes, replacing invalid UTF-8 (checking with the faster `from_utf8`
/// first: names are almost always valid).
fn lossy(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// Functions that could not be decoded: how many, and the first in functab order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeFailures {
    count: usize,
    first: Option<Error>,
}

impl DecodeFailures {
    fn add(&mut self, e: Error) {
        self.count += 1;
        self.first.get_or_insert(e);
    }

    /// How many functions failed.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The first failure (in functab order, when merged in that order).
    pub fn first(&self) -> Option<&Error> {
        self.first.as_ref()
    }

    /// Add the failures of the rows that follow these.
    pub fn merge(&mut self, later: DecodeFailures) {
        self.count += later.count;
        if self.first.is_none() {
            self.first = later.first;
        }
    }

    /// The failures as one problem (`pclntab.<code>`), if there were any.
    pub fn problem(&self) -> Option<Problem> {
        let e = self.first.as_ref()?;
        let mut p = Problem::from_error("pclntab", e);
        p.message = format!(
            "{} function(s) could not be decoded; first: {}",
            self.count, p.message
        );
        Some(p)
    }
}

fn lookup(tab: &Pclntab<'_>, image: &Image<'_>, pc: u64) -> Lookup {
    let mut l = Lookup {
        pc,
        function: None,
        entry: None,
        file: None,
        line: None,
        frames: Vec::new(),
        dwarf: None,
        dwarf_agrees: None,
        filtered: false,
    };
    let Some(f) = tab.find_func(pc).and_then(|i| tab.func(i).ok()) else {
        return l;
    };
    l.function = Some(f.name_str().into_owned());
    l.entry = Some(f.entry);
    if let Ok((file, line)) = tab.file_line(&f, pc) {
        l.file = Some(file);
        l.line = Some(line);
    }
    l.frames = inline::frames(tab, image, &f, pc).unwrap_or_default();
    l
}

/// Fill `dwarf` and `dwarf_agrees` from the DWARF line table; false when the binary has none.
fn dwarf_check(image: &Image<'_>, lookups: &mut [Lookup], problems: &mut Vec<Problem>) -> bool {
    let pcs: Vec<u64> = lookups.iter().map(|l| l.pc).collect();
    let Some(found) = dwarf_line::lookup(image, &pcs, problems) else {
        return false;
    };
    for (l, d) in lookups.iter_mut().zip(found) {
        l.dwarf_agrees = match (&d, &l.file, l.line) {
            (Some(d), Some(file), Some(line)) => Some(d.agrees_with(file, line)),
            _ => None,
        };
        l.dwarf = d;
    }
    true
}

// ----- JSON -----

/// One entry of the `files` array of `goelf funcs --json`: `path`, `ok`, `error`, `pclntab`,
/// `moduledata`, `functions` (streamed from the table while serializing), `lookups` and
/// `problems`.
///
/// Serializing records the functions that failed to decode; [`FuncsFile::failed`] reads it
/// afterwards.
#[derive(Debug)]
pub struct FuncsFile<'r, 'a, W = StreamRows> {
    path: &'r str,
    report: std::result::Result<&'r FuncsReport<'a>, &'r str>,
    failures: RefCell<DecodeFailures>,
    rows: W,
}

impl<'r, 'a> FuncsFile<'r, 'a> {
    /// The entry of `path`: its report, or the message of why it has none.
    pub fn new(path: &'r str, report: std::result::Result<&'r FuncsReport<'a>, &'r str>) -> Self {
        FuncsFile::with_rows(path, report, StreamRows)
    }
}

impl<'r, 'a, W: WriteRows> FuncsFile<'r, 'a, W> {
    /// As [`FuncsFile::new`], writing the `functions` array with `rows`.
    pub fn with_rows(
        path: &'r str,
        report: std::result::Result<&'r FuncsReport<'a>, &'r str>,
        rows: W,
    ) -> Self {
        FuncsFile {
            path,
            report,
            failures: RefCell::new(DecodeFailures::default()),
            rows,
        }
    }

    /// True when the file has no report or its report has problems (including functions
    /// that failed to decode during the last serialization).
    pub fn failed(&self) -> bool {
        match self.report {
            Err(_) => true,
            Ok(r) => !r.problems.is_empty() || self.failures.borrow().count > 0,
        }
    }
}

/// How a [`FuncsFile`] writes its `functions` array. [`StreamRows`], the default, decodes and
/// writes one row at a time through any serializer; a front end may write the same array its
/// own way (goelf's CLI renders chunks of rows in parallel).
pub trait WriteRows {
    /// Serialize the rows of `functions` as one sequence, in functab order, adding the
    /// functions that could not be decoded to `failures`.
    fn write_rows<S: Serializer>(
        &self,
        functions: Functions<'_, '_>,
        failures: &mut DecodeFailures,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error>;
}

/// [`WriteRows`] one row at a time, on the calling thread, holding one row at a time.
#[derive(Debug, Clone, Copy, Default)]
pub struct StreamRows;

impl WriteRows for StreamRows {
    fn write_rows<S: Serializer>(
        &self,
        functions: Functions<'_, '_>,
        failures: &mut DecodeFailures,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        let mut rows = functions.rows();
        for r in &mut rows {
            seq.serialize_element(&r)?;
        }
        failures.merge(rows.into_failures());
        seq.end()
    }
}

impl<W: WriteRows> Serialize for FuncsFile<'_, '_, W> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let none = None::<()>;
        let mut st = s.serialize_struct("FuncsFile", 8)?;
        st.serialize_field("path", self.path)?;
        match self.report {
            Err(e) => {
                st.serialize_field("ok", &false)?;
                st.serialize_field("error", e)?;
                for key in ["pclntab", "moduledata", "functions", "lookups"] {
                    st.serialize_field(key, &none)?;
                }
                st.serialize_field("problems", &[] as &[Problem])?;
            }
            Ok(r) => {
                // A damaged file (an error among its problems) fails, with what could be read.
                let ok = !r.problems.iter().any(Problem::is_error);
                st.serialize_field("ok", &ok)?;
                st.serialize_field("error", &none)?;
                st.serialize_field("pclntab", &Some(&r.pclntab))?;
                st.serialize_field("moduledata", &r.moduledata)?;
                match r.functions() {
                    Some(functions) => {
                        *self.failures.borrow_mut() = DecodeFailures::default();
                        st.serialize_field(
                            "functions",
                            &RowsJson {
                                functions,
                                failures: &self.failures,
                                rows: &self.rows,
                            },
                        )?;
                        st.serialize_field("lookups", &none)?;
                        let bad = self.failures.borrow().problem();
                        st.serialize_field("problems", &Problems(&r.problems, bad.as_ref()))?;
                    }
                    None => {
                        st.serialize_field("functions", &none)?;
                        st.serialize_field("lookups", &r.lookups)?;
                        st.serialize_field("problems", &r.problems)?;
                    }
                }
            }
        }
        st.end()
    }
}

/// The `functions` array, written by a [`WriteRows`].
struct RowsJson<'x, 'r, 'a, W> {
    functions: Functions<'r, 'a>,
    failures: &'x RefCell<DecodeFailures>,
    rows: &'x W,
}

impl<W: WriteRows> Serialize for RowsJson<'_, '_, '_, W> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut failures = DecodeFailures::default();
        let done = self.rows.write_rows(self.functions, &mut failures, s);
        self.failures.borrow_mut().merge(failures);
        done
    }
}

/// The report's problems followed by one more.
struct Problems<'x>(&'x [Problem], Option<&'x Problem>);

impl Serialize for Problems<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().chain(self.1))
    }
}

#[cfg(test)]
mod tests {
    use super::PackagePattern;

    /// Go's own table for `MatchPattern` (`src/cmd/internal/pkgpattern/pat_test.go`,
    /// go1.27.3), in its format: `pattern P`, then `match` and `not` lists.
    const GO_MATCH_PATTERN_TESTS: &str = "
        pattern ...
        match foo

        pattern net
        match net
        not net/http

        pattern net/http
        match net/http
        not net

        pattern net...
        match net net/http netchan
        not not/http not/net/http

        pattern net/...
        match net net/http
        not not/http not/net/http netchan

        pattern ./...
        match ./vendor ./mycode/vendor
        not ./vendor/foo ./mycode/vendor/foo

        pattern ./vendor/...
        match ./vendor/foo ./vendor/foo/vendor
        not ./vendor/foo/vendor/bar

        pattern mycode/vendor/...
        match mycode/vendor mycode/vendor/foo mycode/vendor/foo/vendor
        not mycode/vendor/foo/vendor/bar

        pattern x/vendor/y
        match x/vendor/y
        not x/vendor

        pattern x/vendor/y/...
        match x/vendor/y x/vendor/y/z x/vendor/y/vendor x/vendor/y/z/vendor
        not x/vendor/y/vendor/z

        pattern .../vendor/...
        match x/vendor/y x/vendor/y/z x/vendor/y/vendor x/vendor/y/z/vendor
    ";

    #[test]
    fn go_match_pattern_table() {
        let mut pattern = None;
        let mut checked = 0;
        for line in GO_MATCH_PATTERN_TESTS.lines().map(str::trim) {
            let mut words = line.split_whitespace();
            match words.next() {
                Some("pattern") => {
                    pattern = Some(PackagePattern::new(words.next().unwrap()).unwrap())
                }
                Some(kind @ ("match" | "not")) => {
                    let p = pattern.as_ref().unwrap();
                    for name in words {
                        assert_eq!(p.matches(name), kind == "match", "{} {name}", p.as_str());
                        checked += 1;
                    }
                }
                _ => {}
            }
        }
        assert_eq!(checked, 37);
    }

    #[test]
    fn escaped_and_empty() {
        let p = PackagePattern::new("gopkg.in/ini%2ev1").unwrap();
        assert!(p.matches("gopkg.in/ini.v1"));
        let p = PackagePattern::new("gopkg.in/...").unwrap();
        assert!(p.matches("gopkg.in/ini.v1"));
        assert!(!PackagePattern::new("...").unwrap().matches(""));
        assert!(PackagePattern::new("").unwrap().matches(""));
        assert!(!PackagePattern::new("vendor/...")
            .unwrap()
            .matches("vendor/golang.org/x/net/idna"));
        assert!(!PackagePattern::new("...").unwrap().matches("a/\0/b"));
        // Regular-expression characters in a path are literal.
        assert!(!PackagePattern::new("a+b/...").unwrap().matches("aab"));
        assert!(PackagePattern::new("a+b/...").unwrap().matches("a+b/c"));
    }
}

//! One Go session per file: the single place that finds a binary's build info, Go version,
//! pclntab and moduledata, settles the pclntab's text base and `gofunc` once, and hands the
//! results to every command.
//!
//! Each part is decoded on first use and at most once (the parts a command does not ask for
//! are never read), and what decoding it noted is kept beside it, so a command can report
//! the problems of the parts it used. The dependencies between the parts are those of the
//! format (docs/FORMATS.md §6 and §2.2): the Go version (build info, else
//! `runtime.buildVersion`, else the DWARF producer) selects between `_func` and moduledata
//! layouts; the moduledata is validated against the located pclntab; and from Go 1.26 the
//! pclntab's text base is `moduledata.text`.
//!
//! Like `debug/gosym.NewTable(symtab, pcln)`, the decoders take what they depend on as
//! arguments; this type only orders the calls.

use std::sync::OnceLock;

use super::buildinfo::{self, BuildInfo};
use super::buildversion::{self, BuildVersionEvidence};
use super::dwarf::{self, DwarfInfo, DwarfMode};
use super::layout;
use super::moduledata::Moduledata;
use super::pclntab::Pclntab;
use super::version::{self, GoVersion, VersionSource};
use crate::error::{Error, Problem, Result};
use crate::image::Image;

/// The parts of a Go binary that [`GoBinary`] decodes, for [`GoBinary::problems`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoPart {
    /// `.go.buildinfo`.
    Buildinfo,
    /// The DWARF summary.
    Dwarf,
    /// The pclntab (locating it and settling its text base).
    Pclntab,
    /// The first moduledata.
    Moduledata,
    /// `runtime.buildVersion` through `runtime.schedinit`'s code (without build info,
    /// symbols or DWARF).
    BuildVersion,
}

/// A decoded part: its value or the error that stopped it, and what decoding it noted.
#[derive(Debug)]
struct Part<T> {
    value: Result<T>,
    problems: Vec<Problem>,
}

impl<T> Part<T> {
    fn decode(f: impl FnOnce(&mut Vec<Problem>) -> Result<T>) -> Self {
        let mut problems = Vec::new();
        let value = f(&mut problems);
        Part { value, problems }
    }
}

/// The pclntab and the moduledata found beside it (they are found together: the moduledata
/// is validated against the table, and the table's text base may come from the moduledata).
#[derive(Debug)]
struct Tables<'a> {
    pclntab: Part<Pclntab<'a>>,
    moduledata: Part<Moduledata>,
}

/// A Go binary: the container [`Image`] and its Go structures, decoded lazily.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let data = std::fs::read("testdata/example/hello")?;
/// let go = goelf::go::GoBinary::new(goelf::image::Image::parse(&data)?);
/// if let Ok(tab) = go.pclntab() {
///     println!("{} functions, Go {:?}", tab.nfunc(), go.version());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct GoBinary<'a> {
    image: Image<'a>,
    dwarf_mode: DwarfMode,
    buildinfo: OnceLock<Part<BuildInfo>>,
    symbol_version: OnceLock<Option<String>>,
    dwarf: OnceLock<Part<Option<DwarfInfo>>>,
    tables: OnceLock<Tables<'a>>,
    code_version: OnceLock<Part<Option<(String, BuildVersionEvidence)>>>,
}

impl<'a> GoBinary<'a> {
    /// A session over `image`; DWARF, when asked for, is read in [`DwarfMode::Quick`].
    pub fn new(image: Image<'a>) -> Self {
        Self::with_dwarf_mode(image, DwarfMode::Quick)
    }

    /// A session that reads as much DWARF as `dwarf_mode` says.
    pub fn with_dwarf_mode(image: Image<'a>, dwarf_mode: DwarfMode) -> Self {
        GoBinary {
            image,
            dwarf_mode,
            buildinfo: OnceLock::new(),
            symbol_version: OnceLock::new(),
            dwarf: OnceLock::new(),
            tables: OnceLock::new(),
            code_version: OnceLock::new(),
        }
    }

    /// The container.
    pub fn image(&self) -> &Image<'a> {
        &self.image
    }

    /// The decoded `.go.buildinfo`; [`Error::NotFound`] when the file has none.
    pub fn buildinfo(&self) -> std::result::Result<&BuildInfo, &Error> {
        self.buildinfo
            .get_or_init(|| Part::decode(|p| buildinfo::find(&self.image, p)))
            .value
            .as_ref()
    }

    /// The value of `runtime.buildVersion`, found through the symbol table.
    fn symbol_version(&self) -> Option<&str> {
        self.symbol_version
            .get_or_init(|| version::runtime_build_version(&self.image))
            .as_deref()
    }

    /// The DWARF summary; `None` when the binary keeps no `.debug_info` (or it could not be
    /// read: see [`GoPart::Dwarf`] problems).
    pub fn dwarf(&self) -> Option<&DwarfInfo> {
        self.dwarf
            .get_or_init(|| {
                Part::decode(|p| Ok(dwarf::analyze_with(&self.image, self.dwarf_mode, p)))
            })
            .value
            .as_ref()
            .ok()
            .and_then(Option::as_ref)
    }

    /// The Go release string and where it came from, from the most trusted source that has
    /// one: build info, `runtime.buildVersion` through the symbol table (read only when build
    /// info has no version: a large binary's symbol table costs more than the rest), the
    /// DWARF producer, and last `runtime.buildVersion` through the code of
    /// `runtime.schedinit` (see [`GoBinary::version_evidence`]). The pclntab's era is not a
    /// release and is not reported here.
    pub fn version_text(&self) -> Option<(&str, VersionSource)> {
        self.hint_text().or_else(|| {
            self.code_version()
                .map(|(v, _)| (v.as_str(), VersionSource::RuntimeSchedinit))
        })
    }

    /// The sources the tables can be decoded with (build info, symbol, DWARF): the search
    /// through `runtime.schedinit` needs the pclntab first.
    fn hint_text(&self) -> Option<(&str, VersionSource)> {
        if let Ok(b) = self.buildinfo() {
            return Some((b.go_version.as_str(), VersionSource::Buildinfo));
        }
        if let Some(v) = self.symbol_version() {
            return Some((v, VersionSource::RuntimeBuildVersion));
        }
        self.dwarf()
            .and_then(|d| d.go_version.as_deref())
            .map(|v| (v, VersionSource::Dwarf))
    }

    /// The Go release of [`GoBinary::version_text`], parsed; it selects between `_func` and
    /// moduledata layouts of one pclntab era.
    pub fn version(&self) -> Option<GoVersion> {
        self.version_text().and_then(|(v, _)| GoVersion::parse(v))
    }

    /// Where `runtime.buildVersion` was found when [`GoBinary::version_text`] came from the
    /// code of `runtime.schedinit` ([`VersionSource::RuntimeSchedinit`]), else `None`.
    pub fn version_evidence(&self) -> Option<&BuildVersionEvidence> {
        match self.version_text() {
            Some((_, VersionSource::RuntimeSchedinit)) => self.code_version().map(|(_, e)| e),
            _ => None,
        }
    }

    /// `runtime.buildVersion` through `runtime.schedinit`'s code, checked against the
    /// pclntab era and the moduledata layout (docs/FORMATS.md §6.1).
    fn code_version(&self) -> Option<&(String, BuildVersionEvidence)> {
        self.code_version
            .get_or_init(|| Part::decode(|p| Ok(self.find_code_version(p))))
            .value
            .as_ref()
            .ok()
            .and_then(Option::as_ref)
    }

    fn find_code_version(
        &self,
        problems: &mut Vec<Problem>,
    ) -> Option<(String, BuildVersionEvidence)> {
        let tab = self.pclntab().ok()?;
        let (text, mut ev) = match buildversion::find(&self.image, tab) {
            Ok(found) => found,
            Err(buildversion::NotFound::Ambiguous(list)) => {
                problems.push(Problem::new(
                    "go.build_version_ambiguous",
                    format!(
                        "runtime.schedinit refers to more than one version string ({}); none is taken",
                        list.join(", ")
                    ),
                ));
                return None;
            }
            Err(_) => return None,
        };
        let era = tab.era();
        ev.pclntab_era = era.versions().to_string();
        let reject = |problems: &mut Vec<Problem>, why: String| {
            problems.push(Problem::new(
                "go.build_version_mismatch",
                format!(
                    "runtime.buildVersion at {:#x} reads {text:?}, but {why}; it is not taken",
                    ev.header
                ),
            ));
        };
        let Some(v) = GoVersion::parse(&text) else {
            // `devel …` without a release number: nothing to check it against.
            return Some((text, ev));
        };
        if !era.contains(v) {
            reject(
                problems,
                format!(
                    "the pclntab magic {:#x} belongs to {}",
                    era.magic(),
                    era.versions()
                ),
            );
            return None;
        }
        if let Ok(md) = self.moduledata() {
            let at = md.info().address;
            let mut known = layout::moduledata_candidates(era, Some(v)).peekable();
            if known.peek().is_some() {
                match known.find(|l| Moduledata::decode(&self.image, tab, at, l, "check").is_ok()) {
                    Some(l) => ev.moduledata_layout = Some(l.name.to_string()),
                    None => {
                        reject(
                            problems,
                            format!(
                                "no moduledata layout of {v} decodes the moduledata at {at:#x}"
                            ),
                        );
                        return None;
                    }
                }
            }
        }
        Some((text, ev))
    }

    fn tables(&self) -> &Tables<'a> {
        self.tables.get_or_init(|| {
            let hint = self.hint_text().and_then(|(v, _)| GoVersion::parse(v));
            let mut pclntab_problems = Vec::new();
            let located = Pclntab::locate_checked(&self.image, hint, &mut pclntab_problems);
            let moduledata = match &located {
                Ok(tab) => Part::decode(|p| Moduledata::find(&self.image, tab, hint, p)),
                Err(_) => Part {
                    value: Err(Error::NotFound("moduledata (no pclntab)")),
                    problems: Vec::new(),
                },
            };
            let pclntab = Part {
                value: located.map(|tab| {
                    let bases = moduledata.value.as_ref().ok().map(Moduledata::bases);
                    tab.settle(&self.image, bases, &mut pclntab_problems)
                }),
                problems: pclntab_problems,
            };
            Tables {
                pclntab,
                moduledata,
            }
        })
    }

    /// The pclntab, with its text base and `gofunc` settled.
    pub fn pclntab(&self) -> std::result::Result<&Pclntab<'a>, &Error> {
        self.tables().pclntab.value.as_ref()
    }

    /// The first moduledata.
    pub fn moduledata(&self) -> std::result::Result<&Moduledata, &Error> {
        self.tables().moduledata.value.as_ref()
    }

    /// What decoding `part` noted (damage, repairs, guesses), not counting the error that
    /// stopped it; empty for a part not decoded yet.
    pub fn problems(&self, part: GoPart) -> &[Problem] {
        let list = match part {
            GoPart::Buildinfo => self.buildinfo.get().map(|p| &p.problems),
            GoPart::Dwarf => self.dwarf.get().map(|p| &p.problems),
            GoPart::Pclntab => self.tables.get().map(|t| &t.pclntab.problems),
            GoPart::Moduledata => self.tables.get().map(|t| &t.moduledata.problems),
            GoPart::BuildVersion => self.code_version.get().map(|p| &p.problems),
        };
        list.map_or(&[], Vec::as_slice)
    }
}

impl<'a> Pclntab<'a> {
    /// Locate and validate the table, with its text base settled (for Go 1.26+ through the
    /// moduledata, which is looked up for that). [`GoBinary`] does the same once per file
    /// and keeps the moduledata too.
    pub fn find(image: &Image<'a>, problems: &mut Vec<Problem>) -> Result<Pclntab<'a>> {
        Self::find_with_version(image, None, problems)
    }

    /// Like [`Pclntab::find`], with the Go version when the caller knows it (from build
    /// info); it selects between the 1.2–1.11 and 1.12–1.15 `_func` layouts and between
    /// moduledata layouts.
    pub fn find_with_version(
        image: &Image<'a>,
        version: Option<GoVersion>,
        problems: &mut Vec<Problem>,
    ) -> Result<Pclntab<'a>> {
        let located = Self::locate_checked(image, version, problems)?;
        let bases = Moduledata::find(image, &located, version, &mut Vec::new())
            .ok()
            .map(|m| m.bases());
        Ok(located.settle(image, bases, problems))
    }
}

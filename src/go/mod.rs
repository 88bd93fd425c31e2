//! Go metadata: pclntab, `.go.buildinfo`, `moduledata`, the Go version and init tasks.
//!
//! Each structure has its own module named after the Go runtime structure it decodes.
//! [`analyze`] ties them together for `goelf inspect`.

pub mod buildinfo;
pub mod dwarf;
pub mod dwarf_line;
pub mod inittask;
pub mod inline;
pub mod layout;
pub mod moduledata;
pub mod packer;
pub mod pclntab;
pub mod version;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Problem};
use crate::image::Image;

use self::buildinfo::BuildInfo;
use self::dwarf::DwarfInfo;
use self::moduledata::{Moduledata, ModuledataInfo};
use self::packer::PackerInfo;
use self::pclntab::{Pclntab, PclntabInfo};
use self::version::{GoVersion, PclntabEra, VersionSource};

/// What `goelf inspect` reports about the Go inside a binary (`go` in JSON; `null` for a
/// file with no Go in it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoReport {
    /// The Go version (e.g. `go1.22.10`), or an era such as `go1.20+` when only the pclntab
    /// names it.
    pub version: Option<String>,
    /// Where `version` came from: `buildinfo`, `runtime.buildVersion`, `dwarf` or `pclntab`.
    pub version_source: Option<VersionSource>,
    /// The decoded `.go.buildinfo`, `null` when absent or unreadable.
    pub buildinfo: Option<BuildInfo>,
    /// The pclntab header summary.
    pub pclntab: Option<PclntabInfo>,
    /// The first moduledata.
    pub moduledata: Option<ModuledataInfo>,
    /// Compile units and producer strings, when the binary keeps DWARF.
    pub dwarf: Option<DwarfInfo>,
    /// The packer that compressed the file (UPX), whose Go contents are then out of reach.
    pub packer: Option<PackerInfo>,
}

/// Record a decoder's error as a problem unless it only means "not there".
fn note(problems: &mut Vec<Problem>, part: &str, err: &Error) {
    if !matches!(err, Error::NotFound(_)) {
        problems.push(Problem::from_error(part, err));
    }
}

/// Decode the Go metadata of an image; `None` when the file holds no Go.
///
/// A file is Go when it has build info, a pclntab, a `runtime.buildVersion` string or a Go
/// DWARF producer. A packed file gets a report too (with only `packer` set, usually), so that
/// it reads "packed", not "not Go".
pub fn analyze(image: &Image<'_>, problems: &mut Vec<Problem>) -> Option<GoReport> {
    analyze_with(image, dwarf::DwarfMode::Quick, problems)
}

/// [`analyze`], reading as much DWARF as `dwarf_mode` says.
pub fn analyze_with(
    image: &Image<'_>,
    dwarf_mode: dwarf::DwarfMode,
    problems: &mut Vec<Problem>,
) -> Option<GoReport> {
    let packer = packer::detect(image);
    let buildinfo = buildinfo::find(image, problems)
        .map_err(|e| note(problems, "buildinfo", &e))
        .ok();
    // `runtime.buildVersion` needs the symbol table; read it only when build info has no
    // version (a large binary's symbol table costs more than everything else here).
    let symbol_version = if buildinfo.is_none() {
        version::runtime_build_version(image)
    } else {
        None
    };
    let dwarf = dwarf::analyze_with(image, dwarf_mode, problems);

    let exact = [
        (
            buildinfo.as_ref().map(|b| b.go_version.clone()),
            VersionSource::Buildinfo,
        ),
        (symbol_version, VersionSource::RuntimeBuildVersion),
        (
            dwarf.as_ref().and_then(|d| d.go_version.clone()),
            VersionSource::Dwarf,
        ),
    ];
    let found = exact
        .iter()
        .find_map(|(v, src)| v.as_ref().map(|v| (v.clone(), *src)));
    let hint = found.as_ref().and_then(|(v, _)| GoVersion::parse(v));
    // The version (when known) picks between pclntab `_func` layouts of one magic and between
    // moduledata layouts; without it both are chosen by validation.
    let mut pclntab = Pclntab::find_with_version(image, hint, problems)
        .map_err(|e| note(problems, "pclntab", &e))
        .ok();

    let moduledata: Option<Moduledata> = pclntab.as_mut().and_then(|p| {
        let md = Moduledata::find(image, p, hint, problems)
            .map_err(|e| note(problems, "moduledata", &e))
            .ok()?;
        if p.header_text_start().unwrap_or(0) == 0 && md.text() != 0 {
            // Go 1.26+ no longer stores textStart in the pcHeader; moduledata.text is the base
            // (and, with external linking, `.text` starts with C code, so it is not).
            p.set_text_start_from(md.text(), "moduledata.text");
        }
        Some(md)
    });
    let pclntab_info = pclntab.as_ref().map(Pclntab::info);
    let era = pclntab_info
        .as_ref()
        .and_then(|p| PclntabEra::from_magic_str(&p.magic));

    let (version, version_source) = match (found, era) {
        (Some((v, src)), era) => {
            if let (Some(era), Some(parsed)) = (era, GoVersion::parse(&v)) {
                if !era.contains(parsed) {
                    problems.push(Problem::new(
                        "go.version_mismatch",
                        format!(
                            "{} says {v}, but the pclntab magic {:#x} belongs to {}; \
                             the tables are parsed by the pclntab era",
                            src.name(),
                            era.magic,
                            era.label
                        ),
                    ));
                }
            }
            (Some(v), Some(src))
        }
        (None, Some(era)) => (Some(era.label.to_string()), Some(VersionSource::Pclntab)),
        (None, None) => (None, None),
    };

    let is_go = buildinfo.is_some() || pclntab_info.is_some() || version.is_some();
    if !is_go && packer.is_none() {
        return None;
    }
    Some(GoReport {
        version,
        version_source,
        buildinfo,
        pclntab: pclntab_info,
        moduledata: moduledata.as_ref().map(Moduledata::info),
        dwarf,
        packer,
    })
}

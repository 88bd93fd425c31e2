//! Go metadata: pclntab, `.go.buildinfo`, `moduledata`, the Go version and init tasks.
//!
//! Each structure has its own module named after the Go runtime structure it decodes.
//! [`GoBinary`] finds them once per file for every command; [`report`] is what
//! `goelf inspect` says of them.

mod binary;
pub mod buildinfo;
pub mod buildversion;
pub mod crypto;
pub mod dwarf;
pub mod dwarf_line;
mod era;
pub(crate) mod inittask;
pub mod inline;
pub(crate) mod layout;
pub mod moduledata;
pub mod packer;
pub mod pclntab;
pub mod version;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Problem};

pub use self::binary::{GoBinary, GoPart};
pub use self::era::Era;

use self::buildinfo::BuildInfo;
use self::buildversion::BuildVersionEvidence;
use self::crypto::CryptoInfo;
use self::dwarf::DwarfInfo;
use self::moduledata::{Moduledata, ModuledataInfo};
use self::packer::PackerInfo;
use self::pclntab::{Pclntab, PclntabInfo};
use self::version::{GoVersion, VersionSource};

/// What `goelf inspect` reports about the Go inside a binary (`go` in JSON; `null` for a
/// file with no Go in it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoReport {
    /// The Go version (e.g. `go1.22.10`), or an era such as `go1.20+` when only the pclntab
    /// names it.
    pub version: Option<String>,
    /// Where `version` came from: `buildinfo`, `runtime.buildVersion`, `dwarf`,
    /// `runtime.schedinit` (the `runtime.buildVersion` string found without symbols through
    /// that function's code) or `pclntab`.
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
    /// With `version_source` `runtime.schedinit`: where the string was found and what it
    /// was checked against (#12).
    pub version_evidence: Option<BuildVersionEvidence>,
    /// BoringCrypto, the FIPS 140-3 module, standard crypto or none, with the evidence (#12).
    pub crypto: Option<CryptoInfo>,
}

/// Record a decoder's error as a problem unless it only means "not there".
fn note(problems: &mut Vec<Problem>, part: &str, err: &Error) {
    if !matches!(err, Error::NotFound(_)) {
        problems.push(Problem::from_error(part, err));
    }
}

/// What `goelf inspect` reports about the Go in `go`; `None` when the file holds no Go.
///
/// A file is Go when it has build info, a pclntab, a `runtime.buildVersion` string or a Go
/// DWARF producer. A packed file gets a report too (with only `packer` set, usually), so that
/// it reads "packed", not "not Go". The problems of every part read are appended to
/// `problems`, in the order build info, DWARF, pclntab, moduledata.
pub fn report(go: &GoBinary<'_>, problems: &mut Vec<Problem>) -> Option<GoReport> {
    let packer = packer::detect(go.image());
    let buildinfo = go.buildinfo();
    problems.extend_from_slice(go.problems(GoPart::Buildinfo));
    if let Err(e) = buildinfo {
        note(problems, "buildinfo", e);
    }
    let found = go.version_text();
    let dwarf = go.dwarf().cloned();
    problems.extend_from_slice(go.problems(GoPart::Dwarf));
    let pclntab = go.pclntab();
    problems.extend_from_slice(go.problems(GoPart::Pclntab));
    let moduledata = match pclntab {
        Ok(_) => {
            problems.extend_from_slice(go.problems(GoPart::Moduledata));
            go.moduledata()
                .map_err(|e| note(problems, "moduledata", e))
                .ok()
        }
        Err(e) => {
            note(problems, "pclntab", e);
            None
        }
    };
    let era = pclntab.ok().map(Pclntab::era);
    let version_evidence = go.version_evidence().cloned();
    problems.extend_from_slice(go.problems(GoPart::BuildVersion));

    let (version, version_source) = match (found, era) {
        (Some((v, src)), era) => {
            if let (Some(era), Some(parsed)) = (era, GoVersion::parse(v)) {
                if !era.contains(parsed) {
                    problems.push(Problem::new(
                        "go.version_mismatch",
                        format!(
                            "{} says {v}, but the pclntab magic {:#x} belongs to {}; \
                             the tables are parsed by the pclntab era",
                            src.name(),
                            era.magic(),
                            era.versions()
                        ),
                    ));
                }
            }
            (Some(v.to_string()), Some(src))
        }
        (None, Some(era)) => (
            Some(era.versions().to_string()),
            Some(VersionSource::Pclntab),
        ),
        (None, None) => (None, None),
    };

    let is_go = buildinfo.is_ok() || pclntab.is_ok() || version.is_some();
    if !is_go && packer.is_none() {
        return None;
    }
    let crypto = Some(crypto::detect(go.image(), buildinfo.ok(), pclntab.ok()));
    Some(GoReport {
        version,
        version_source,
        buildinfo: buildinfo.ok().cloned(),
        pclntab: pclntab.ok().map(Pclntab::info),
        moduledata: moduledata.map(Moduledata::info),
        dwarf,
        packer,
        version_evidence,
        crypto,
    })
}

//! Which cryptography a Go binary was built with: BoringCrypto (`GOEXPERIMENT=boringcrypto`),
//! Go's FIPS 140-3 module (`GOFIPS140`, Go 1.24+), Go's standard crypto, or none; from the
//! build info where there is one, and from the binary (pclntab function names, the
//! `.go.fipsinfo` section) where not (docs/FORMATS.md §11).
//!
//! Sources: `src/cmd/go/internal/load/pkg.go` (build settings `GOEXPERIMENT`, `GOFIPS140`,
//! `DefaultGODEBUG`), `src/cmd/go/internal/fips140/fips140.go` (`GOFIPS140` values; a frozen
//! version `vX.Y.Z` is built from `lib/fips140/vX.Y.Z.zip` as packages
//! `crypto/internal/fips140/vX.Y.Z[-hash]/…`), `src/internal/godebugs/table.go` (`fips140`),
//! `src/cmd/link/internal/ld/fips140.go` (`go:fipsinfo`, its own section `.go.fipsinfo`),
//! `src/crypto/internal/boring/` (cgo calls `_Cfunc__goboringcrypto_*`) and
//! `src/crypto/internal/boring/sig/sig.go` (the marker functions `BoringCrypto`,
//! `FIPSOnly`, `StandardCrypto`).

use serde::{Deserialize, Serialize};

use super::buildinfo::BuildInfo;
use super::pclntab::Pclntab;
use crate::image::Image;
use crate::symbolize::names;

/// The crypto implementation (`module` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CryptoModule {
    /// BoringCrypto through cgo (`GOEXPERIMENT=boringcrypto`).
    Boringcrypto,
    /// Go's FIPS 140-3 module in FIPS mode (`GOFIPS140` other than `off`, or a frozen module
    /// version linked in).
    Fips140,
    /// Go's own crypto packages, FIPS mode not set at build time.
    Standard,
    /// No `crypto/` package is linked.
    None,
}

/// Where one piece of evidence comes from (`from` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceSource {
    /// A build setting or the version string of `.go.buildinfo`.
    Buildinfo,
    /// Function names of the pclntab.
    Pclntab,
    /// A section header.
    Section,
    /// A symbol.
    Symbol,
}

/// One fact the verdict rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CryptoEvidence {
    /// Where it was read.
    pub from: EvidenceSource,
    /// What was read, e.g. `GOFIPS140=v1.0.0-c2097c7c`.
    pub what: String,
}

/// What `inspect` says of the binary's crypto (`go.crypto` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CryptoInfo {
    /// The verdict.
    pub module: CryptoModule,
    /// The FIPS 140-3 module version: the `GOFIPS140` setting (`latest`, `v1.0.0-c2097c7c`),
    /// else the frozen version in the package paths; `null` when neither says.
    pub fips140_version: Option<String>,
    /// The build-time default of the `fips140` GODEBUG (`on`, `only`), from the build info's
    /// `DefaultGODEBUG`; `null` when it is not set or there is no build info.
    pub fips140_godebug: Option<String>,
    /// Address of `go:fipsinfo` (the FIPS module's integrity record, `.go.fipsinfo`), which
    /// the Go 1.24+ linker writes into every binary that links the module; `null` when absent.
    pub fipsinfo: Option<u64>,
    /// What the verdict rests on, in the order it was found.
    pub evidence: Vec<CryptoEvidence>,
}

/// The frozen FIPS module version in the package of a function name:
/// `crypto/internal/fips140/vX.Y.Z[-hash]/…` (the dots of a last element are escaped in the
/// name, `v1%2e0%2e0-c2097c7c.init`, which [`names::package_of`] undoes).
fn frozen_version(name: &str) -> Option<String> {
    let pkg = names::package_of(name)?;
    let rest = pkg.strip_prefix("crypto/internal/fips140/")?;
    let v = rest.split('/').next()?;
    (v.strip_prefix('v')?
        .starts_with(|c: char| c.is_ascii_digit())
        && v.contains('.'))
    .then(|| v.to_string())
}

/// The marker function of a BoringCrypto build.
const BORING_MARKER: &str = "crypto/internal/boring/sig.BoringCrypto";

/// What the pclntab's function names say of the crypto: fed one name at a time
/// ([`CryptoNames::add`]), in functab order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CryptoNames {
    /// Functions of `crypto/…` packages.
    pub crypto: usize,
    /// `crypto/internal/boring/sig.BoringCrypto` is there.
    pub boring_marker: bool,
    /// Functions `crypto/internal/boring._Cfunc__goboringcrypto_*`.
    pub boring_calls: usize,
    /// The first frozen FIPS module version in a package path.
    pub frozen: Option<String>,
}

impl CryptoNames {
    /// Count one function name (its bytes as the pclntab holds them; names that are not
    /// UTF-8 are not crypto's).
    pub fn add(&mut self, name: &[u8]) {
        if !name.starts_with(b"crypto/") {
            return;
        }
        let Ok(name) = std::str::from_utf8(name) else {
            return;
        };
        self.crypto += 1;
        if name == BORING_MARKER {
            self.boring_marker = true;
        }
        if name.starts_with("crypto/internal/boring._Cfunc__goboringcrypto_") {
            self.boring_calls += 1;
        }
        // A frozen module's package path starts so (the escaping of a last element's dots,
        // `v1%2e0%2e0`, keeps its `v`): the package is worked out only for these.
        if self.frozen.is_none() && name.starts_with("crypto/internal/fips140/v") {
            self.frozen = frozen_version(name);
        }
    }
}

/// Decide from the build info (when present), the pclntab's function names (when found) and
/// the `.go.fipsinfo` section or `go:fipsinfo` symbol.
pub fn detect(
    image: &Image<'_>,
    buildinfo: Option<&BuildInfo>,
    pclntab: Option<&Pclntab<'_>>,
) -> CryptoInfo {
    let names = pclntab.map(|tab| {
        // Only names under crypto/ count: the prefix is checked before a function is
        // decoded, which spares decoding every other name (#12 item 3: this walk was three
        // quarters of `inspect` on an 80,000-function file).
        let mut n = CryptoNames::default();
        for f in tab
            .funcs_with_name_prefix(b"crypto/")
            .into_iter()
            .filter_map(|i| tab.func(i).ok())
        {
            n.add(f.name);
        }
        n
    });
    detect_with(image, buildinfo, names)
}

/// [`detect`] with the pclntab's function names already scanned (`None`: no pclntab), for a
/// caller that walks the functions anyway and fed each name to [`CryptoNames::add`].
pub fn detect_with(
    image: &Image<'_>,
    buildinfo: Option<&BuildInfo>,
    names: Option<CryptoNames>,
) -> CryptoInfo {
    let has_pclntab = names.is_some();
    let mut ev = Vec::new();
    let mut boring = false;
    let mut fips = false;
    let mut fips140_version = None;
    let mut fips140_godebug = None;
    if let Some(b) = buildinfo {
        if b.go_version.contains("X:") && b.go_version.contains("boringcrypto") {
            boring = true;
            ev.push(CryptoEvidence {
                from: EvidenceSource::Buildinfo,
                what: format!("go version {}", b.go_version),
            });
        }
        for s in &b.settings {
            match s.key.as_str() {
                "GOEXPERIMENT" if s.value.split(',').any(|x| x == "boringcrypto") => {
                    boring = true;
                    ev.push(CryptoEvidence {
                        from: EvidenceSource::Buildinfo,
                        what: format!("GOEXPERIMENT={}", s.value),
                    });
                }
                "GOFIPS140" => {
                    if s.value != "off" {
                        fips = true;
                    }
                    fips140_version = Some(s.value.clone());
                    ev.push(CryptoEvidence {
                        from: EvidenceSource::Buildinfo,
                        what: format!("GOFIPS140={}", s.value),
                    });
                }
                "DefaultGODEBUG" => {
                    if let Some(v) = s
                        .value
                        .split(',')
                        .find_map(|kv| kv.strip_prefix("fips140="))
                    {
                        if v != "off" {
                            fips = true;
                        }
                        fips140_godebug = Some(v.to_string());
                        ev.push(CryptoEvidence {
                            from: EvidenceSource::Buildinfo,
                            what: format!("DefaultGODEBUG fips140={v}"),
                        });
                    }
                }
                _ => {}
            }
        }
    }
    let any_crypto = names.as_ref().map_or(0, |n| n.crypto);
    if let Some(n) = names {
        if n.crypto > 0 {
            ev.push(CryptoEvidence {
                from: EvidenceSource::Pclntab,
                what: format!("{} functions of crypto/… packages", n.crypto),
            });
        }
        if n.boring_marker {
            boring = true;
            ev.push(CryptoEvidence {
                from: EvidenceSource::Pclntab,
                what: format!("function {BORING_MARKER} (BoringCrypto marker)"),
            });
        }
        if n.boring_calls > 0 {
            boring = true;
            ev.push(CryptoEvidence {
                from: EvidenceSource::Pclntab,
                what: format!(
                    "{} cgo calls crypto/internal/boring._Cfunc__goboringcrypto_*",
                    n.boring_calls
                ),
            });
        }
        if let Some(v) = n.frozen {
            fips = true;
            ev.push(CryptoEvidence {
                from: EvidenceSource::Pclntab,
                what: format!("packages crypto/internal/fips140/{v}/… (frozen FIPS 140-3 module)"),
            });
            fips140_version.get_or_insert(v);
        }
    }
    let fipsinfo = match image.section(".go.fipsinfo") {
        Some(s) => {
            ev.push(CryptoEvidence {
                from: EvidenceSource::Section,
                what: format!(".go.fipsinfo at {:#x}", s.vaddr),
            });
            Some(s.vaddr)
        }
        None => image.symbol("go:fipsinfo").filter(|s| !s.dynamic).map(|s| {
            ev.push(CryptoEvidence {
                from: EvidenceSource::Symbol,
                what: format!("go:fipsinfo at {:#x}", s.vaddr),
            });
            s.vaddr
        }),
    };
    let module = if boring {
        CryptoModule::Boringcrypto
    } else if fips {
        CryptoModule::Fips140
    } else if any_crypto > 0 || !has_pclntab && fipsinfo.is_some() {
        CryptoModule::Standard
    } else {
        CryptoModule::None
    };
    CryptoInfo {
        module,
        fips140_version,
        fips140_godebug,
        fipsinfo,
        evidence: ev,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_versions() {
        assert_eq!(
            frozen_version("crypto/internal/fips140/v1.0.0-c2097c7c/aes.New").as_deref(),
            Some("v1.0.0-c2097c7c")
        );
        assert_eq!(
            frozen_version("crypto/internal/fips140/v1%2e0%2e0-c2097c7c.init").as_deref(),
            Some("v1.0.0-c2097c7c")
        );
        assert_eq!(frozen_version("crypto/internal/fips140/aes.New"), None);
        assert_eq!(frozen_version("crypto/internal/fips140/vet.F"), None);
        assert_eq!(
            frozen_version("crypto/internal/entropy/v1%2e0%2e0.Seed"),
            None
        );
        assert_eq!(frozen_version("crypto/internal/fips140.Enabled"), None);
    }
}

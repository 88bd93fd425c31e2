//! `goelf sbom`: a CycloneDX 1.6 or SPDX 2.3 JSON document from a Go binary's build info
//! (`.go.buildinfo`, docs/FORMATS.md §3).
//!
//! Components: the main module (`application`), every dependency (`library`) with its
//! `pkg:golang/PATH@VERSION` purl and its `h1:` sum as a SHA-256 hash (the `h1:` value is the
//! base64 of a SHA-256, `golang.org/x/mod/sumdb/dirhash` `Hash1`), a replaced module as the
//! replacement with the original recorded in properties, the standard library
//! (`pkg:golang/std@goVERSION`) and the Go toolchain. Build settings become properties
//! `go:build:KEY`. A module replaced by a local directory (`=> ./dir`, which has no version)
//! keeps its own path, the version `(devel)` and a purl without version, with the directory
//! in the property `goelf:replaced_by` (and the required version in `goelf:replaces`). A
//! binary without module information (a GOPATH build: `go version -m` prints no `path` or
//! `mod` line) has a main component named `unknown`, without purl, marked
//! `goelf:no_module_info`.
//!
//! When the main module's version is `(devel)` and the build info has `vcs.revision` and
//! `vcs.time`, the version is the pseudo-version `vMAJOR.0.0-TIME-REV12`
//! (`golang.org/x/mod/module.PseudoVersion` form (1); `MAJOR` from the path's `/vN` or
//! `gopkg.in` `.vN` suffix, else 0), with `+dirty` when `vcs.modified=true`, as `go build`
//! 1.24+ stamps an untagged commit (`src/cmd/go/internal/load/pkg.go`). The build info does not
//! say which tag precedes the commit, so a tagged history would give Go a `vX.Y.(Z+1)-0.…`
//! form instead; the component says so: the property `goelf:version_derived` =
//! `vcs.revision+vcs.time` (SPDX: the package comment).
//!
//! The documents carry no timestamps of their own unless asked (`created`), so the same binary
//! gives the same document.

use base64::Engine as _;
use serde::Serialize;

use crate::go::buildinfo::{BuildInfo, Module};

/// The document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    CycloneDx,
    /// SPDX 2.3 JSON.
    Spdx,
}

/// One module as the documents list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomModule {
    /// Module path (the replacement's when replaced by a module).
    pub path: String,
    /// Version (`(devel)` or derived for the main module).
    pub version: String,
    /// The `h1:` sum, when the build info has one.
    pub sum: Option<String>,
    /// The module this one replaces (`path@version`), when replaced.
    pub replaces: Option<String>,
    /// The version was derived from `vcs.revision`/`vcs.time`.
    pub derived: bool,
    /// The local directory that replaces this module (`=> ./dir`), when so.
    pub replaced_by_dir: Option<String>,
}

impl SbomModule {
    /// `pkg:golang/PATH@VERSION` (path and version percent-encoded as the purl spec asks).
    pub fn purl(&self) -> String {
        let path: Vec<String> = self.path.split('/').map(purl_escape).collect();
        if self.version.is_empty() || self.version == "(devel)" {
            format!("pkg:golang/{}", path.join("/"))
        } else {
            format!(
                "pkg:golang/{}@{}",
                path.join("/"),
                purl_escape(&self.version)
            )
        }
    }

    /// The `h1:` sum as lowercase hex SHA-256, when it decodes to 32 bytes.
    pub fn sha256(&self) -> Option<String> {
        let b64 = self.sum.as_deref()?.strip_prefix("h1:")?;
        let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        (raw.len() == 32).then(|| raw.iter().map(|b| format!("{b:02x}")).collect())
    }
}

fn purl_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The modules of a build: main, then dependencies in build-info order.
pub fn modules(bi: &BuildInfo) -> (SbomModule, Vec<SbomModule>) {
    let setting = |k: &str| {
        bi.settings
            .iter()
            .find(|s| s.key == k)
            .map(|s| s.value.as_str())
    };
    let mut main = module(&bi.main);
    if main.path.is_empty() {
        main.path = bi.path.clone();
    }
    if main.version == "(devel)" || main.version.is_empty() {
        if let (Some(rev), Some(time)) = (setting("vcs.revision"), setting("vcs.time")) {
            if let Some(v) = pseudo_version_of(&main.path, rev, time) {
                let dirty = setting("vcs.modified") == Some("true");
                main.version = if dirty { v + "+dirty" } else { v };
                main.derived = true;
            }
        }
    }
    (main, bi.deps.iter().map(module).collect())
}

fn module(m: &Module) -> SbomModule {
    match &m.replace {
        // A directory has no module identity of its own: its go.mod declares the replaced
        // module's path (cmd/go refuses another), and it has no version.
        Some(r) if is_directory_path(&r.path) => SbomModule {
            path: m.path.clone(),
            version: if r.version.is_empty() {
                "(devel)".into()
            } else {
                r.version.clone()
            },
            sum: None,
            replaces: Some(if m.version.is_empty() {
                m.path.clone()
            } else {
                format!("{}@{}", m.path, m.version)
            }),
            derived: false,
            replaced_by_dir: Some(r.path.clone()),
        },
        Some(r) => SbomModule {
            path: r.path.clone(),
            version: r.version.clone(),
            sum: (!r.sum.is_empty()).then(|| r.sum.clone()),
            replaces: Some(if m.version.is_empty() {
                m.path.clone()
            } else {
                format!("{}@{}", m.path, m.version)
            }),
            derived: false,
            replaced_by_dir: None,
        },
        None => SbomModule {
            path: m.path.clone(),
            version: m.version.clone(),
            sum: (!m.sum.is_empty()).then(|| m.sum.clone()),
            replaces: None,
            derived: false,
            replaced_by_dir: None,
        },
    }
}

/// `golang.org/x/mod/modfile.IsDirectoryPath`: a replacement that is a file-system path.
fn is_directory_path(p: &str) -> bool {
    let b = p.as_bytes();
    p == "."
        || p == ".."
        || ["./", ".\\", "../", "..\\", "/", "\\"]
            .iter()
            .any(|x| p.starts_with(x))
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// The major version a pseudo-version of module `path` starts with
/// (`module.SplitPathVersion` + `module.PathMajorPrefix`): `vN` for a `/vN` suffix (N ≥ 2)
/// or a `gopkg.in/NAME.vN` path, else `v0`.
fn pseudo_major(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("gopkg.in/") {
        let rest = rest.strip_suffix("-unstable").unwrap_or(rest);
        if let Some((_, v)) = rest.rsplit_once(".v") {
            if !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()) {
                return format!("v{v}");
            }
        }
        return "v0".into();
    }
    if let Some((_, v)) = path.rsplit_once("/v") {
        let digits = !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit());
        if digits && !v.starts_with('0') && v != "1" {
            return format!("v{v}");
        }
    }
    "v0".into()
}

/// The pseudo-version `vMAJOR.0.0-YYYYMMDDhhmmss-REV12` of a commit of module `path`
/// ([`pseudo_major`]; `vcs.time` may carry fractional seconds, `time.RFC3339Nano`).
pub fn pseudo_version_of(path: &str, rev: &str, time: &str) -> Option<String> {
    let v = pseudo_version(rev, time)?;
    let major = pseudo_major(path);
    Some(match v.strip_prefix("v0.") {
        Some(rest) if major != "v0" => format!("{major}.{rest}"),
        _ => v,
    })
}

/// `v0.0.0-YYYYMMDDhhmmss-REV12` from an RFC 3339 UTC time (`2024-01-02T03:04:05Z`) and a
/// revision of at least 12 hex digits.
pub fn pseudo_version(rev: &str, time: &str) -> Option<String> {
    let time = time.strip_suffix('Z')?;
    // RFC3339Nano: fractional seconds, which the pseudo-version drops.
    let time = time.split_once('.').map_or(time, |(t, _)| t);
    let digits: String = time.chars().filter(char::is_ascii_digit).collect();
    let rev12 = rev.get(..12)?;
    (digits.len() == 14 && rev12.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("v0.0.0-{digits}-{}", rev12.to_ascii_lowercase()))
}

// ----- CycloneDX 1.6 -----

/// A CycloneDX 1.6 BOM (the members goelf writes).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CycloneDx {
    /// `CycloneDX`.
    pub bom_format: &'static str,
    /// `1.6`.
    pub spec_version: &'static str,
    /// `urn:uuid:…`, derived from the binary's bytes.
    pub serial_number: String,
    /// 1.
    pub version: u32,
    /// The tool and the main component.
    pub metadata: CdxMetadata,
    /// Dependencies, the standard library and the toolchain.
    pub components: Vec<CdxComponent>,
    /// The main module depends on every dependency and the standard library.
    pub dependencies: Vec<CdxDependency>,
}

/// BOM metadata.
#[derive(Debug, Clone, Serialize)]
pub struct CdxMetadata {
    /// When asked for (`--timestamp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// goelf.
    pub tools: CdxTools,
    /// The main module.
    pub component: CdxComponent,
    /// Build settings and the path of the main package.
    pub properties: Vec<CdxProperty>,
}

/// `metadata.tools` (1.5+ object form).
#[derive(Debug, Clone, Serialize)]
pub struct CdxTools {
    /// goelf itself.
    pub components: Vec<CdxComponent>,
}

/// A component.
#[derive(Debug, Clone, Serialize)]
pub struct CdxComponent {
    /// `application`, `library`, `platform`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Reference inside the BOM.
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    /// Name (a module path).
    pub name: String,
    /// Version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Package URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// SHA-256 from `h1:`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<CdxHash>,
    /// `go:sum`, `goelf:replaces`, `goelf:version_derived`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<CdxProperty>,
}

/// A hash.
#[derive(Debug, Clone, Serialize)]
pub struct CdxHash {
    /// `SHA-256`.
    pub alg: &'static str,
    /// Lowercase hex.
    pub content: String,
}

/// A name/value property.
#[derive(Debug, Clone, Serialize)]
pub struct CdxProperty {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A dependency edge list.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CdxDependency {
    /// The depending component.
    #[serde(rename = "ref")]
    pub reference: String,
    /// What it depends on.
    pub depends_on: Vec<String>,
}

fn prop(name: &str, value: &str) -> CdxProperty {
    CdxProperty {
        name: name.into(),
        value: value.into(),
    }
}

/// The name of a main module the build info does not name.
const UNKNOWN_MAIN: &str = "unknown";

fn cdx_component(m: &SbomModule, kind: &'static str) -> CdxComponent {
    if m.path.is_empty() {
        return CdxComponent {
            kind,
            bom_ref: Some("main".into()),
            name: UNKNOWN_MAIN.into(),
            version: None,
            purl: None,
            hashes: Vec::new(),
            properties: vec![prop("goelf:no_module_info", "true")],
        };
    }
    let purl = m.purl();
    let mut properties = Vec::new();
    if let Some(s) = &m.sum {
        properties.push(prop("go:sum", s));
    }
    if let Some(r) = &m.replaces {
        properties.push(prop("goelf:replaces", r));
    }
    if let Some(d) = &m.replaced_by_dir {
        properties.push(prop("goelf:replaced_by", d));
    }
    if m.derived {
        properties.push(prop("goelf:version_derived", "vcs.revision+vcs.time"));
    }
    CdxComponent {
        kind,
        bom_ref: Some(purl.clone()),
        name: m.path.clone(),
        version: (!m.version.is_empty()).then(|| m.version.clone()),
        purl: Some(purl),
        hashes: m
            .sha256()
            .map(|content| CdxHash {
                alg: "SHA-256",
                content,
            })
            .into_iter()
            .collect(),
        properties,
    }
}

/// A serial-number-shaped UUID (version 4 layout) from a 64-bit digest of the file: the same
/// binary gives the same serial number.
fn uuid_from(data: &[u8]) -> String {
    let a = fnv1a(data, 0xcbf2_9ce4_8422_2325);
    let b = fnv1a(data, 0x8422_2325_cbf2_9ce4);
    let hi = a;
    let lo = b;
    let hi = (hi & !0xf000) | 0x4000; // version 4
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000; // variant
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

fn fnv1a(data: &[u8], seed: u64) -> u64 {
    data.iter().fold(seed, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A CycloneDX 1.6 BOM of the build info `bi` of the file `data`.
pub fn cyclonedx(bi: &BuildInfo, data: &[u8], timestamp: Option<String>) -> CycloneDx {
    let (main, deps) = modules(bi);
    let go = bi.go_version.clone();
    let std = SbomModule {
        path: "std".into(),
        version: go.clone(),
        sum: None,
        replaces: None,
        derived: false,
        replaced_by_dir: None,
    };
    let mut components: Vec<CdxComponent> =
        deps.iter().map(|d| cdx_component(d, "library")).collect();
    components.push(cdx_component(&std, "library"));
    components.push(CdxComponent {
        kind: "platform",
        bom_ref: Some(format!("go-toolchain@{go}")),
        name: "go".into(),
        version: Some(go.clone()),
        purl: None,
        hashes: Vec::new(),
        properties: vec![prop("goelf:role", "toolchain")],
    });
    let main_c = cdx_component(&main, "application");
    let main_ref = main_c.bom_ref.clone().unwrap_or_default();
    let mut properties = vec![prop("go:path", &bi.path)];
    for s in &bi.settings {
        properties.push(prop(&format!("go:build:{}", s.key), &s.value));
    }
    let mut depends_on: Vec<String> = deps.iter().map(SbomModule::purl).collect();
    depends_on.push(std.purl());
    depends_on.sort();
    depends_on.dedup();
    let mut dependencies = vec![CdxDependency {
        reference: main_ref,
        depends_on,
    }];
    let mut seen = std::collections::BTreeSet::new();
    for c in &components {
        if let Some(r) = &c.bom_ref {
            if seen.insert(r.clone()) {
                dependencies.push(CdxDependency {
                    reference: r.clone(),
                    depends_on: Vec::new(),
                });
            }
        }
    }
    CycloneDx {
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: format!("urn:uuid:{}", uuid_from(data)),
        version: 1,
        metadata: CdxMetadata {
            timestamp,
            tools: CdxTools {
                components: vec![CdxComponent {
                    kind: "application",
                    bom_ref: None,
                    name: "goelf".into(),
                    version: Some(env!("CARGO_PKG_VERSION").into()),
                    purl: None,
                    hashes: Vec::new(),
                    properties: Vec::new(),
                }],
            },
            component: main_c,
            properties,
        },
        components,
        dependencies,
    }
}

// ----- SPDX 2.3 -----

/// An SPDX 2.3 document (the members goelf writes).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spdx {
    /// `SPDX-2.3`.
    pub spdx_version: &'static str,
    /// `CC0-1.0`.
    pub data_license: &'static str,
    /// `SPDXRef-DOCUMENT`.
    #[serde(rename = "SPDXID")]
    pub spdxid: &'static str,
    /// The main module.
    pub name: String,
    /// A URI unique to this binary.
    pub document_namespace: String,
    /// Tool and time.
    pub creation_info: SpdxCreationInfo,
    /// Build settings, as a comment (SPDX packages have no properties).
    pub comment: String,
    /// Every module, the standard library and the toolchain.
    pub packages: Vec<SpdxPackage>,
    /// DESCRIBES and DEPENDS_ON.
    pub relationships: Vec<SpdxRelationship>,
}

/// `creationInfo`.
#[derive(Debug, Clone, Serialize)]
pub struct SpdxCreationInfo {
    /// `Tool: goelf-VERSION`.
    pub creators: Vec<String>,
    /// RFC 3339 UTC.
    pub created: String,
}

/// A package.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpdxPackage {
    /// `SPDXRef-…`.
    #[serde(rename = "SPDXID")]
    pub spdxid: String,
    /// Module path.
    pub name: String,
    /// Version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_info: Option<String>,
    /// `NOASSERTION`.
    pub download_location: &'static str,
    /// false.
    pub files_analyzed: bool,
    /// SHA256 from `h1:`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checksums: Vec<SpdxChecksum>,
    /// The purl.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_refs: Vec<SpdxExternalRef>,
    /// `NOASSERTION`.
    pub license_concluded: &'static str,
    /// `NOASSERTION`.
    pub license_declared: &'static str,
    /// `NOASSERTION`.
    pub copyright_text: &'static str,
    /// `APPLICATION`, `LIBRARY`, `OPERATING_SYSTEM`…
    pub primary_package_purpose: &'static str,
    /// The `h1:` sum, a replaced module, a derived version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A checksum.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpdxChecksum {
    /// `SHA256`.
    pub algorithm: &'static str,
    /// Lowercase hex.
    pub checksum_value: String,
}

/// An external reference.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpdxExternalRef {
    /// `PACKAGE-MANAGER`.
    pub reference_category: &'static str,
    /// `purl`.
    pub reference_type: &'static str,
    /// The purl.
    pub reference_locator: String,
}

/// A relationship.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpdxRelationship {
    /// From.
    pub spdx_element_id: String,
    /// `DESCRIBES`, `DEPENDS_ON`.
    pub relationship_type: &'static str,
    /// To.
    pub related_spdx_element: String,
}

fn spdx_id(i: usize, path: &str) -> String {
    let clean: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("SPDXRef-Package-{i}-{clean}")
}

fn spdx_package(i: usize, m: &SbomModule, purpose: &'static str) -> SpdxPackage {
    let mut notes = Vec::new();
    if let Some(s) = &m.sum {
        notes.push(format!("go.sum {s}"));
    }
    if let Some(r) = &m.replaces {
        notes.push(format!("replaces {r}"));
    }
    if let Some(d) = &m.replaced_by_dir {
        notes.push(format!("replaced by the directory {d}"));
    }
    if m.derived {
        notes.push(
            "version derived by goelf from vcs.revision and vcs.time (the build info has \
             (devel)); a pseudo-version without a tag base"
                .into(),
        );
    }
    if m.path.is_empty() {
        notes.push("the build info has no module information (a GOPATH build)".into());
    }
    SpdxPackage {
        spdxid: spdx_id(i, &m.path),
        name: if m.path.is_empty() {
            UNKNOWN_MAIN.into()
        } else {
            m.path.clone()
        },
        version_info: (!m.version.is_empty()).then(|| m.version.clone()),
        download_location: "NOASSERTION",
        files_analyzed: false,
        checksums: m
            .sha256()
            .map(|v| SpdxChecksum {
                algorithm: "SHA256",
                checksum_value: v,
            })
            .into_iter()
            .collect(),
        external_refs: if m.path.is_empty() {
            Vec::new()
        } else {
            vec![SpdxExternalRef {
                reference_category: "PACKAGE-MANAGER",
                reference_type: "purl",
                reference_locator: m.purl(),
            }]
        },
        license_concluded: "NOASSERTION",
        license_declared: "NOASSERTION",
        copyright_text: "NOASSERTION",
        primary_package_purpose: purpose,
        comment: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

/// An SPDX 2.3 document of the build info `bi` of the file `data`, created at `created`
/// (RFC 3339 UTC).
pub fn spdx(bi: &BuildInfo, data: &[u8], created: String) -> Spdx {
    let (main, deps) = modules(bi);
    let go = bi.go_version.clone();
    let mut packages = vec![spdx_package(0, &main, "APPLICATION")];
    for (i, d) in deps.iter().enumerate() {
        packages.push(spdx_package(i + 1, d, "LIBRARY"));
    }
    let std = SbomModule {
        path: "std".into(),
        version: go.clone(),
        sum: None,
        replaces: None,
        derived: false,
        replaced_by_dir: None,
    };
    packages.push(spdx_package(deps.len() + 1, &std, "LIBRARY"));
    let mut toolchain = spdx_package(
        deps.len() + 2,
        &SbomModule {
            path: "go".into(),
            version: go.clone(),
            sum: None,
            replaces: None,
            derived: false,
            replaced_by_dir: None,
        },
        "OPERATING_SYSTEM",
    );
    toolchain.external_refs.clear();
    toolchain.comment = Some("the Go toolchain that built the binary".into());
    let toolchain_id = toolchain.spdxid.clone();
    packages.push(toolchain);
    let main_id = packages[0].spdxid.clone();
    let mut relationships = vec![SpdxRelationship {
        spdx_element_id: "SPDXRef-DOCUMENT".into(),
        relationship_type: "DESCRIBES",
        related_spdx_element: main_id.clone(),
    }];
    for p in packages.iter().skip(1) {
        if p.spdxid == toolchain_id {
            relationships.push(SpdxRelationship {
                spdx_element_id: p.spdxid.clone(),
                relationship_type: "BUILD_TOOL_OF",
                related_spdx_element: main_id.clone(),
            });
        } else {
            relationships.push(SpdxRelationship {
                spdx_element_id: main_id.clone(),
                relationship_type: "DEPENDS_ON",
                related_spdx_element: p.spdxid.clone(),
            });
        }
    }
    let settings: Vec<String> = bi
        .settings
        .iter()
        .map(|s| format!("{}={}", s.key, s.value))
        .collect();
    Spdx {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdxid: "SPDXRef-DOCUMENT",
        name: packages[0].name.clone(),
        document_namespace: format!(
            "https://spdx.org/spdxdocs/goelf/{}-{}",
            purl_escape(&main.path),
            uuid_from(data)
        ),
        creation_info: SpdxCreationInfo {
            creators: vec![format!("Tool: goelf-{}", env!("CARGO_PKG_VERSION"))],
            created,
        },
        comment: format!("Go build settings: {}", settings.join(" ")),
        packages,
        relationships,
    }
}

/// `YYYY-MM-DDThh:mm:ssZ` for seconds since the Unix epoch.
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo() {
        assert_eq!(
            pseudo_version("0123456789abcdef0123", "2024-01-02T03:04:05Z").as_deref(),
            Some("v0.0.0-20240102030405-0123456789ab")
        );
        assert_eq!(pseudo_version("0123", "2024-01-02T03:04:05Z"), None);
        assert_eq!(
            pseudo_version("0123456789abcdef0123", "2024-01-02T03:04:05.123456789Z").as_deref(),
            Some("v0.0.0-20240102030405-0123456789ab")
        );
        for (path, major) in [
            ("example.com/m", "v0"),
            ("example.com/m/v2", "v2"),
            ("example.com/m/v1", "v0"),
            ("example.com/m/v02", "v0"),
            ("gopkg.in/yaml.v3", "v3"),
            ("gopkg.in/yaml.v1", "v1"),
            ("gopkg.in/check.v1-unstable", "v1"),
        ] {
            assert_eq!(pseudo_major(path), major, "{path}");
        }
        assert_eq!(
            pseudo_version_of(
                "example.com/m/v3",
                "0123456789abcdef",
                "2024-01-02T03:04:05Z"
            )
            .as_deref(),
            Some("v3.0.0-20240102030405-0123456789ab")
        );
        assert!(
            is_directory_path("./ini") && is_directory_path("../x") && is_directory_path("C:\\x")
        );
        assert!(!is_directory_path("example.com/x"));
    }

    #[test]
    fn time() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_704_164_645), "2024-01-02T03:04:05Z");
    }

    #[test]
    fn purl_and_hash() {
        let m = SbomModule {
            path: "golang.org/x/net".into(),
            version: "v0.1.0+incompatible".into(),
            sum: Some("h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into()),
            replaces: None,
            derived: false,
            replaced_by_dir: None,
        };
        assert_eq!(
            m.purl(),
            "pkg:golang/golang.org/x/net@v0.1.0%2Bincompatible"
        );
        assert_eq!(
            m.sha256().as_deref(),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
    }
}

//! What `goelf diff` compares of one binary: a [`Snapshot`], made from the binary itself
//! ([`snapshot_bytes`]) or read back from a saved `goelf inspect --json` or `goelf diff
//! --json` document ([`snapshot_from_json`]), so a pipeline can keep one JSON artifact
//! instead of the old binary. A kind the source cannot give is `None` and not compared.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Problem};
use crate::go::buildinfo::{BuildInfo, BuildSetting, Module};
use crate::go::crypto::{CryptoModule, CryptoNames};
use crate::go::GoBinary;
use crate::image::Image;
use crate::size::Bytes;

use super::code::FunctionNames;
use super::Kind;

/// Everything `diff` (and `check`) can compare of one binary; `None`: not known.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The Go version string (`go1.22.10`, with ` X:…` experiments).
    pub go_version: Option<String>,
    /// Main module and dependencies from the build info.
    pub modules: Option<ModuleSet>,
    /// Build settings in the order stored.
    pub build_settings: Option<Vec<BuildSetting>>,
    /// PIE, RELRO, NX, static, stripped, DWARF.
    pub hardening: Option<HardeningFacts>,
    /// Program headers: `TYPE FLAGS` (with `#n` when repeated) and sizes, in file order.
    pub segments: Option<Vec<SegmentFact>>,
    /// Section names and sizes, in file order (`#n` appended to a repeated name).
    pub sections: Option<Vec<SectionFact>>,
    /// Bytes per package and module (`goelf size`, from function ranges: see [`SizeFacts`]).
    pub sizes: Option<SizeFacts>,
    /// Function names of the pclntab, each once (in JSON: sorted).
    pub functions: Option<FunctionNames>,
    /// Package init order (`goelf init-order`).
    pub init_order: Option<Vec<String>>,
    /// Dynamic relocations by type (readelf's spelling).
    pub dynamic_relocations: Option<BTreeMap<String, u64>>,
    /// File size in bytes.
    pub file_size: Option<u64>,
    /// The crypto the binary was built with (`inspect`'s `go.crypto.module`).
    pub crypto: Option<CryptoModule>,
}

/// The modules of the build info.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleSet {
    /// Import path of the main package.
    pub path: String,
    /// The main module.
    pub main: Module,
    /// Dependencies, in the order stored.
    pub deps: Vec<Module>,
}

/// The hardening facts `diff` compares (those of `inspect`'s `elf.hardening`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HardeningFacts {
    /// Position-independent executable.
    pub pie: bool,
    /// `none`, `partial` or `full`.
    pub relro: String,
    /// Non-executable stack.
    pub nx: bool,
    /// No PT_INTERP.
    #[serde(rename = "static")]
    pub is_static: bool,
    /// No `.symtab`.
    pub stripped: bool,
    /// DWARF present.
    pub dwarf: bool,
}

/// One program header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentFact {
    /// `LOAD R E`, `GNU_STACK RW`, … with `#2`, `#3` for the second, third of the same.
    pub name: String,
    /// `p_memsz`.
    pub memsz: u64,
    /// `p_filesz`.
    pub filesz: u64,
}

/// One section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionFact {
    /// Name (`#2`, … appended when repeated).
    pub name: String,
    /// `sh_size`.
    pub size: u64,
}

/// Bytes per package and per module. Made from a binary, each [`Bytes::text`] is the sum of
/// the package's function ranges (code and padding; [`crate::size::TextDetail::Ranges`]) and
/// `text_padding` and `pclntab` are 0; a snapshot saved by an earlier goelf
/// splits the range into `text` and `text_padding` and has `pclntab` bytes. `diff` and
/// `check` sum `text + text_padding`, which is the same in both, and leave `pclntab` out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeFacts {
    /// The binary has a symbol table (data, rodata and bss per package are known).
    pub symbols: bool,
    /// Per package (`""`: no package).
    pub packages: BTreeMap<String, Bytes>,
    /// Per module (`std` for the standard library, `""`: no module).
    pub modules: BTreeMap<String, Bytes>,
}

impl Snapshot {
    /// Whether this snapshot holds `kind`.
    pub fn has(&self, kind: Kind) -> bool {
        match kind {
            Kind::GoVersion => self.go_version.is_some(),
            Kind::Modules => self.modules.is_some(),
            Kind::BuildSettings => self.build_settings.is_some(),
            Kind::Hardening => self.hardening.is_some(),
            Kind::Segments => self.segments.is_some(),
            Kind::Sections => self.sections.is_some(),
            Kind::PackageSizes | Kind::ModuleSizes => self.sizes.is_some(),
            Kind::Functions => self.functions.is_some(),
            Kind::InitOrder => self.init_order.is_some(),
            Kind::DynamicRelocations => self.dynamic_relocations.is_some(),
        }
    }

    fn fill_buildinfo(&mut self, bi: &BuildInfo) {
        self.go_version = Some(bi.go_version.clone());
        self.modules = Some(ModuleSet {
            path: bi.path.clone(),
            main: bi.main.clone(),
            deps: bi.deps.clone(),
        });
        self.build_settings = Some(bi.settings.clone());
    }

    /// The container kinds from an `elf` report as `inspect --json` writes it.
    fn fill_elf_json(&mut self, elf: &serde_json::Value) {
        if let Some(h) = elf.get("hardening") {
            let b = |k: &str| h.get(k).and_then(serde_json::Value::as_bool);
            if let (Some(pie), Some(nx), Some(st), Some(stripped)) =
                (b("pie"), b("nx"), b("static"), b("stripped"))
            {
                self.hardening = Some(HardeningFacts {
                    pie,
                    relro: h
                        .get("relro")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or("none")
                        .to_string(),
                    nx,
                    is_static: st,
                    stripped,
                    dwarf: b("dwarf").unwrap_or(false),
                });
            }
        }
        let u = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_u64);
        let s = |v: &serde_json::Value, k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        if let Some(ph) = elf.get("program_headers").and_then(|p| p.as_array()) {
            let mut seen = Names::default();
            self.segments = Some(
                ph.iter()
                    .map(|p| {
                        let name = format!("{} {}", s(p, "type"), s(p, "flags").trim_end());
                        SegmentFact {
                            name: seen.unique(name),
                            memsz: u(p, "memsz").unwrap_or(0),
                            filesz: u(p, "filesz").unwrap_or(0),
                        }
                    })
                    .collect(),
            );
        }
        if let Some(sh) = elf.get("sections").and_then(|p| p.as_array()) {
            let mut seen = Names::default();
            self.sections = Some(
                sh.iter()
                    .filter(|x| !s(x, "name").is_empty() || u(x, "index") != Some(0))
                    .map(|x| SectionFact {
                        name: seen.unique(s(x, "name")),
                        size: u(x, "size").unwrap_or(0),
                    })
                    .collect(),
            );
        }
    }
}

/// Makes repeated names unique: the second `X` becomes `X #2`.
#[derive(Default)]
struct Names(BTreeMap<String, u32>);

impl Names {
    fn unique(&mut self, name: String) -> String {
        let n = self.0.entry(name.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            name
        } else {
            format!("{name} #{n}")
        }
    }
}

/// The snapshot of a binary. `problems` gets what the decoders found on the way.
pub fn snapshot_bytes(data: &[u8], problems: &mut Vec<Problem>) -> Result<Snapshot, Error> {
    let image = Image::parse(data)?;
    problems.extend(image.problems.iter().cloned());
    let go = GoBinary::new(image);
    let mut s = Snapshot {
        file_size: Some(data.len() as u64),
        ..Snapshot::default()
    };
    if let Some(file) = go.image().elf() {
        let (elf, _) = crate::elf::analyze_file(file, Some(go.image()), false, problems);
        // Counted by type, not listed: the dynamic relocations kind compares the counts.
        let relocs = crate::elf::relocations::read_type_counts(file, &elf.dynamic, problems);
        // Only the parts the container kinds read, as `inspect --json` writes them.
        let mut parts = serde_json::Map::new();
        for (k, v) in [
            ("hardening", serde_json::to_value(&elf.hardening)),
            (
                "program_headers",
                serde_json::to_value(&elf.program_headers),
            ),
            ("sections", serde_json::to_value(&elf.sections)),
        ] {
            if let Ok(v) = v {
                parts.insert(k.into(), v);
            }
        }
        s.fill_elf_json(&serde_json::Value::Object(parts));
        let machine = file.header().e_machine.0;
        s.dynamic_relocations = Some(
            relocs
                .type_counts
                .into_iter()
                .map(|(t, n)| (crate::reloc::names::reloc_type_name(machine, t), n))
                .collect(),
        );
    }
    let bi = go.buildinfo().ok();
    if let Some(bi) = bi {
        s.fill_buildinfo(bi);
    }
    if s.go_version.is_none() {
        s.go_version = go.version_text().map(|(v, _)| v.to_string());
    }
    let pclntab = go.pclntab().ok();
    let mut crypto_names = None;
    if let Some(tab) = pclntab {
        // One walk of the functions for their names, the crypto they show and the bytes per
        // package: function ranges, not pc tables (the per-package pclntab bytes of `goelf
        // size` cost a walk of every function's tables, and diff does not compare them,
        // §15.2).
        let mut names = FunctionNames::with_capacity(tab.nfunc());
        let mut crypto = CryptoNames::default();
        let mut size_problems = Vec::new();
        let sized = crate::size::size_visiting(
            &go,
            &mut size_problems,
            crate::size::TextDetail::Ranges,
            |f| {
                names.push(f.name);
                crypto.add(f.name);
            },
        );
        match sized {
            Ok(r) => {
                s.sizes = Some(SizeFacts {
                    symbols: r.symbols,
                    packages: r
                        .packages
                        .into_iter()
                        .map(|p| (p.package, p.bytes))
                        .collect(),
                    modules: r.modules.into_iter().map(|m| (m.module, m.bytes)).collect(),
                });
            }
            Err(_) => {
                names = FunctionNames::with_capacity(tab.nfunc());
                crypto = CryptoNames::default();
                for f in tab.funcs().filter_map(Result::ok) {
                    names.push(f.name);
                    crypto.add(f.name);
                }
            }
        }
        s.functions = Some(names.finish());
        crypto_names = Some(crypto);
        let opts = crate::init_order::Options {
            no_observed: true,
            ..Default::default()
        };
        let io = crate::init_order::init_order_go("", &go, &opts);
        if io.ok {
            s.init_order = Some(io.order());
        }
    }
    if bi.is_some() || pclntab.is_some() {
        s.crypto = Some(crate::go::crypto::detect_with(go.image(), bi, crypto_names).module);
    }
    Ok(s)
}

/// Where a snapshot read from JSON came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SavedKind {
    /// `goelf inspect --json`.
    Inspect,
    /// `goelf diff --json` (its NEW side).
    Diff,
}

/// The snapshot in a saved `goelf inspect --json` document (its one file) or `goelf diff
/// --json` document (the NEW side of its one file). Errors say what is wrong.
pub fn snapshot_from_json(text: &str) -> Result<(Snapshot, SavedKind), String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let command = v.get("command").and_then(|c| c.as_str()).unwrap_or("");
    let files = v
        .get("files")
        .and_then(|f| f.as_array())
        .ok_or("not a goelf JSON document (no files array)")?;
    let file = match files.as_slice() {
        [f] => f,
        [] => return Err("the document holds no file".into()),
        _ => {
            return Err(format!(
                "the document holds {} files; save the report of one",
                files.len()
            ))
        }
    };
    if file.get("ok").and_then(|o| o.as_bool()) == Some(false) {
        return Err("the saved report is of a file that failed".into());
    }
    match command {
        "inspect" => {
            let mut s = Snapshot::default();
            if let Some(go) = file.get("go").filter(|g| !g.is_null()) {
                if let Some(bi) = go.get("buildinfo").filter(|b| !b.is_null()) {
                    let bi: BuildInfo = serde_json::from_value(bi.clone())
                        .map_err(|e| format!("go.buildinfo: {e}"))?;
                    s.fill_buildinfo(&bi);
                }
                if s.go_version.is_none() {
                    s.go_version = go
                        .get("version")
                        .and_then(|v| v.as_str())
                        .map(str::to_string);
                }
                s.crypto = go
                    .get("crypto")
                    .and_then(|c| c.get("module"))
                    .and_then(|m| serde_json::from_value(m.clone()).ok());
            }
            if let Some(elf) = file.get("elf").filter(|e| !e.is_null()) {
                s.fill_elf_json(elf);
            }
            Ok((s, SavedKind::Inspect))
        }
        "diff" => {
            let snap = file
                .get("snapshot")
                .ok_or("the diff document has no snapshot")?;
            let s = serde_json::from_value(snap.clone()).map_err(|e| format!("snapshot: {e}"))?;
            Ok((s, SavedKind::Diff))
        }
        "" => Err("not a goelf JSON document (no command)".into()),
        other => Err(format!(
            "a saved `goelf {other}` document: OLD must be a binary or the JSON of `goelf \
             inspect` or `goelf diff`"
        )),
    }
}

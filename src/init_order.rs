//! `init-order` as a library call: [`init_order()`] decodes one binary (container, ELF
//! constructors, build info, pclntab and moduledata, the init tasks, optionally the observed
//! references in its code) and hands the decoded data to the pure analysis in
//! `analysis::init_order`, which returns the [`InitOrderFile`] report.
//!
//! Sources: `src/runtime/proc.go` (`initTask`, `doInit`, `runtime.main`),
//! `src/cmd/link/internal/ld/inittask.go` (the linker's order and lists),
//! `src/cmd/compile/internal/pkginit/init.go` (which packages have a task); docs/FORMATS.md
//! §4 (package initialisation) and §4.6 (ELF constructors).
//!
//! Running `go list` is the caller's: pass its output as [`Imports::Text`], or a function
//! that runs it with the binary's build settings as [`Imports::Run`] (called only when the
//! analysis needs the graph). Reading code with positioned reads instead of through the
//! mapped bytes is the caller's choice too ([`Options::code_source`]).

use std::collections::BTreeSet;
use std::sync::Arc;

pub use crate::analysis::init_order::golist::go_list_env;
pub use crate::analysis::init_order::{
    diff_orders, order_from_json, BaselineReport, ConstructorKind, DifferenceKind, ElfConstructor,
    FirstDifference, GraphEdge, GraphNode, GraphReport, GraphSource, Inconsistency, InitOrderError,
    InitOrderFile, Method, ObservedScope, OrderDiff, PackageInit, Why, XrefKind,
};
use crate::analysis::init_order::{golist, order};
use crate::code::{xref, CodeSource};
use crate::elf::InitKind;
use crate::error::Problem;
use crate::go::inittask::locate::Locator;
use crate::go::inittask::{self, InitTaskEra};
use crate::go::moduledata::Moduledata;
use crate::go::pclntab::Pclntab;
use crate::go::version::GoVersion;
use crate::go::{GoBinary, GoPart};
use crate::image::Image;
use crate::symbolize::{Source, Symbolizer};

/// Runs `go list -deps -json` for the binary's build settings (`(key, value)` pairs of its
/// build info; see [`go_list_env`]) and returns its output, or an error message.
pub type GoListRunner = dyn Fn(&[(String, String)]) -> Result<String, String> + Send + Sync;

/// Where the source's import graph comes from.
#[derive(Clone, Default)]
pub enum Imports {
    /// No source: Go ≤1.20 uses the stored edges, 1.21+ the observed references.
    #[default]
    None,
    /// `go list -deps -json` output.
    Text(String),
    /// A function that runs `go list` with the binary's build settings.
    Run(Arc<GoListRunner>),
}

impl std::fmt::Debug for Imports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Imports::None => f.write_str("None"),
            Imports::Text(t) => write!(f, "Text({} bytes)", t.len()),
            Imports::Run(_) => f.write_str("Run(..)"),
        }
    }
}

/// Options of [`init_order()`].
#[derive(Clone, Default)]
pub struct Options {
    /// The source's import graph, if any.
    pub imports: Imports,
    /// Skip decoding machine code for observed references (Go 1.21+ without source).
    pub no_observed: bool,
    /// Which functions to decode for observed references.
    pub observed_scope: ObservedScope,
    /// Where observed references read function code from, by file offset, instead of the
    /// analysed bytes (e.g. the `std::fs::File` those bytes were mapped from: peak memory
    /// then does not grow with the size of the code).
    pub code_source: Option<Arc<dyn CodeSource>>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("imports", &self.imports)
            .field("no_observed", &self.no_observed)
            .field("observed_scope", &self.observed_scope)
            .field("code_source", &self.code_source.is_some())
            .finish()
    }
}

/// The `init-order` report of one binary: the order its Go packages initialise in, the
/// graph behind it, the ELF constructors that run before Go. `path` is only copied into
/// the report. Never panics on any input; a file that cannot be analysed gets a report with
/// `ok: false` and [`InitOrderFile::error`].
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let data = std::fs::read("testdata/example/hello")?;
/// let report = goelf::init_order("hello", &data, &Default::default());
/// for p in &report.packages {
///     println!("{:>3} {}", p.index, p.package);
/// }
/// # Ok(())
/// # }
/// ```
pub fn init_order(path: &str, data: &[u8], opts: &Options) -> InitOrderFile {
    match Image::parse(data) {
        Ok(image) => init_order_go(path, &GoBinary::new(image), opts),
        Err(e) => InitOrderFile::failed(path, InitOrderError::Container(e)),
    }
}

/// The constructors of a PE or Mach-O file, in execution order (`None` for ELF, whose
/// constructors are `elf_constructors`). Names are filled in by the caller. See
/// docs/FORMATS.md §9.4 and §10.3.
fn native_constructors(
    image: &Image<'_>,
    problems: &mut Vec<Problem>,
) -> Option<Vec<crate::analysis::init_order::NativeConstructor>> {
    use crate::analysis::init_order::{NativeConstructor, NativeConstructorKind as K};
    let mut out = Vec::new();
    match image.format() {
        crate::image::Format::Elf => return None,
        crate::image::Format::Pe => {
            let pe = crate::pe::analyze(image, problems)?;
            if let Some(t) = &pe.tls {
                let width = if pe.kind == "PE32+" { 8 } else { 4 };
                for (i, &cb) in t.callbacks.iter().enumerate() {
                    out.push(NativeConstructor {
                        kind: K::TlsCallback,
                        address: cb,
                        slot: Some(t.address_of_callbacks.wrapping_add(width * i as u64)),
                        symbol: None,
                    });
                }
            }
            let dll = object::pe::FileFlags(pe.coff_header.characteristics)
                .contains(object::pe::IMAGE_FILE_DLL);
            let entry = pe.optional_header.address_of_entry_point;
            if dll && entry != 0 {
                out.push(NativeConstructor {
                    kind: K::DllEntry,
                    address: pe.optional_header.image_base.wrapping_add(entry.into()),
                    slot: None,
                    symbol: None,
                });
            }
        }
        crate::image::Format::Macho => {
            // The Go session reads the first slice of a universal file: so do these.
            let m = crate::macho::analyze(image.data(), problems)?;
            for c in m
                .slices
                .first()
                .map(|s| s.constructors.as_slice())
                .unwrap_or(&[])
            {
                out.push(NativeConstructor {
                    kind: if c.kind == "S_INIT_FUNC_OFFSETS" {
                        K::InitOffset
                    } else {
                        K::ModInitFunc
                    },
                    address: c.target,
                    slot: Some(c.slot),
                    symbol: None,
                });
            }
        }
    }
    Some(out)
}

/// [`init_order()`] over a Go session that the caller already holds (its build info,
/// version, pclntab and moduledata are decoded once and shared with other commands).
pub fn init_order_go(path: &str, go: &GoBinary<'_>, opts: &Options) -> InitOrderFile {
    let image = go.image();
    let data = image.data();
    let mut rep = InitOrderFile::new(path);
    let mut problems = Vec::new();
    if image.format() == crate::image::Format::Elf {
        match crate::elf::analyze(data, Some(image), &mut problems) {
            Ok(elf) => {
                rep.elf_constructors = elf
                    .init_array
                    .iter()
                    .filter_map(|e| {
                        let kind = match e.kind {
                            InitKind::PreinitArray => ConstructorKind::PreinitArray,
                            InitKind::Init => ConstructorKind::Init,
                            InitKind::InitArray => ConstructorKind::InitArray,
                            InitKind::FiniArray | InitKind::Fini => return None,
                        };
                        Some(ElfConstructor {
                            kind,
                            address: e.target,
                            symbol: e.symbol.clone(),
                        })
                    })
                    .collect();
            }
            Err(e) => problems.push(Problem::from_error("elf", &e)),
        }
    }
    let native = native_constructors(image, &mut problems);
    let go = go_parts(go, &mut problems);
    rep.go_version = go.version_text.clone();
    // Today's init-order symbolizes with the pclntab, else `.symtab` (never `.dynsym`).
    let funcs = Symbolizer::new(image, go.pclntab, &[Source::Pclntab, Source::Symtab]);
    rep.constructors = native.map(|list| {
        list.into_iter()
            .map(|mut c| {
                c.symbol = funcs.name_at(c.address);
                c
            })
            .collect()
    });
    let mut run = Run {
        image,
        funcs: &funcs,
        loc: Locator::new(image, &funcs, go.moduledata.and_then(|m| m.inittasks())),
        settings: &go.settings,
        opts,
        problems,
    };
    let era = match go.version.and_then(inittask::layout_for) {
        Some(l) => Some(l.era),
        None if go.version.is_some() => {
            rep.problems = run.problems;
            return InitOrderFile {
                ok: false,
                error: Some(InitOrderError::NoInitTasks),
                ..rep
            };
        }
        None => None,
    };
    let result = match era {
        Some(InitTaskEra::Deps) => run.deps_era(&mut rep),
        Some(InitTaskEra::LinkerOrdered) => run.linker_era(&mut rep),
        // Unknown version: a linker-built list decides; else the old layout.
        None if run.loc.has_linker_lists() => run.linker_era(&mut rep),
        None => run.deps_era(&mut rep),
    };
    rep.problems = run.problems;
    if let Err(e) = result {
        rep.ok = false;
        rep.error = Some(e);
    }
    rep
}

/// Compare the init order of OLD (a saved report's order, or a report) with NEW's: the
/// `--baseline` document. `old` and `new` are the paths as given.
pub fn baseline(
    old: &str,
    old_order: &[String],
    new: &str,
    new_order: &[String],
) -> BaselineReport {
    BaselineReport::new(old, new, &diff_orders(old_order, new_order))
}

struct Run<'r, 'a> {
    image: &'r Image<'a>,
    funcs: &'r Symbolizer<'r, 'a>,
    loc: Locator<'r, 'a>,
    settings: &'r [(String, String)],
    opts: &'r Options,
    problems: Vec<Problem>,
}

impl Run<'_, '_> {
    fn deps_era(&mut self, rep: &mut InitOrderFile) -> Result<(), InitOrderError> {
        rep.method = Some(Method::InittaskDeps);
        rep.graph_source = Some(GraphSource::Binary);
        let roots = self.loc.find_roots().map_err(InitOrderError::Locate)?;
        rep.found_by = Some(roots.found_by.as_str().into());
        let tasks = self
            .loc
            .deps_tasks(roots, &mut self.problems)
            .map_err(InitOrderError::Locate)?;
        let state = order::deps_order(rep, &tasks, &mut self.problems);
        if let Some(pkgs) = self.source_packages()? {
            order::check_deps(rep, &state, &pkgs);
        }
        Ok(())
    }

    fn linker_era(&mut self, rep: &mut InitOrderFile) -> Result<(), InitOrderError> {
        rep.method = Some(Method::LinkerOrder);
        let tasks = self
            .loc
            .linker_tasks(&mut self.problems)
            .map_err(InitOrderError::Locate)?;
        rep.found_by = Some(tasks.found_by.clone());
        order::linker_order(rep, &tasks);
        if let Some(pkgs) = self.source_packages()? {
            order::check_linker(rep, &pkgs, &mut self.problems);
        } else {
            rep.graph_source = Some(GraphSource::Observed);
            rep.verified = None;
            if !self.opts.no_observed {
                self.observe(rep);
            }
        }
        Ok(())
    }

    fn source_packages(&mut self) -> Result<Option<Vec<golist::GoListPackage>>, InitOrderError> {
        let ran;
        let text = match &self.opts.imports {
            Imports::None => return Ok(None),
            Imports::Text(t) => t.as_str(),
            Imports::Run(go_list) => {
                if self.settings.is_empty() {
                    self.problems.push(Problem::new(
                        "init_order.no_build_settings",
                        "no build settings in the binary: go list ran with the host's GOOS/GOARCH",
                    ));
                }
                ran = go_list(self.settings).map_err(InitOrderError::GoList)?;
                ran.as_str()
            }
        };
        golist::parse(text)
            .map(Some)
            .map_err(InitOrderError::Imports)
    }

    fn observe(&mut self, rep: &mut InitOrderFile) {
        let scope = self.opts.observed_scope;
        let arch = self.image.arch();
        if !crate::code::supported(&arch) || !self.funcs.available() {
            self.problems.push(Problem::new(
                "init_order.no_observed",
                format!(
                    "observed references need a function table and an x86 or arm64 decoder ({})",
                    arch.name()
                ),
            ));
            return;
        }
        rep.observed_scope = Some(scope);
        let wanted: Option<BTreeSet<String>> = match scope {
            ObservedScope::InitPackages => {
                Some(rep.packages.iter().map(|p| p.package.clone()).collect())
            }
            ObservedScope::All => None,
        };
        let xrefs = xref::package_xrefs(
            self.image,
            self.funcs,
            wanted.as_ref(),
            self.opts.code_source.as_deref(),
        );
        if xrefs.stopped_on_overlap {
            self.problems.push(Problem::new(
                "init_order.code_overlap",
                "functions overlap: observed references stop after decoding as many bytes as \
                 the executable segments hold",
            ));
        }
        order::observed(rep, &xrefs.edges);
    }
}

/// What init-order takes from the Go session, and the problems of the parts it used, in
/// the order they were decoded (build info, pclntab, moduledata).
struct GoParts<'g, 'a> {
    version: Option<GoVersion>,
    version_text: Option<String>,
    /// Build settings (`GOOS`, `-tags`, …) from the build info, for `go list`.
    settings: Vec<(String, String)>,
    pclntab: Option<&'g Pclntab<'a>>,
    moduledata: Option<&'g Moduledata>,
}

fn go_parts<'g, 'a>(go: &'g GoBinary<'a>, problems: &mut Vec<Problem>) -> GoParts<'g, 'a> {
    // Build info's own notes are not init-order's business; its absence is.
    let settings = match go.buildinfo() {
        Ok(b) => b
            .settings
            .iter()
            .map(|s| (s.key.clone(), s.value.clone()))
            .collect(),
        Err(e) => {
            problems.push(Problem::from_error("buildinfo", e));
            Vec::new()
        }
    };
    let version_text = go.version_text().map(|(v, _)| v.to_string());
    let version = go.version();
    let pclntab = go.pclntab();
    problems.extend_from_slice(go.problems(GoPart::Pclntab));
    let (pclntab, moduledata) = match pclntab {
        Ok(p) => {
            problems.extend_from_slice(go.problems(GoPart::Moduledata));
            let md = match go.moduledata() {
                Ok(md) => Some(md),
                Err(e) => {
                    problems.push(Problem::from_error("moduledata", e));
                    None
                }
            };
            (Some(p), md)
        }
        Err(e) => {
            problems.push(Problem::from_error("pclntab", e));
            (None, None)
        }
    };
    GoParts {
        version,
        version_text,
        settings,
        pclntab,
        moduledata,
    }
}

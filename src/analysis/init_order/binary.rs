//! Reading the init tasks out of a binary and assembling the [`InitOrderFile`] report:
//! where the tasks are (symbols, moduledata, the code of `runtime.main`), their names
//! (symbol, else the first function's package through the pclntab), the order, and the
//! checks against the source's imports or the observed references.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::graph::{self, Graph};
use super::{
    golist, ElfConstructor, FirstDifference, GraphEdge, GraphNode, Inconsistency, InitOrderFile,
    PackageInit, Why,
};
use crate::analysis::observed::{self, code_package, funcpkgpath, prefix_to_path, RefKind};
use crate::error::{Error, Problem};
use crate::go::inittask::{self, InitTask, InitTaskEra, TaskReader};
use crate::go::version::GoVersion;
use crate::image::{Image, SymbolKind};
use crate::limits;

/// Where the source's import graph comes from.
#[derive(Debug, Clone, Default)]
pub enum ImportsSource {
    /// No source: Go ≤1.20 uses the stored edges, 1.21+ the observed references.
    #[default]
    None,
    /// `go list -deps -json` output saved earlier.
    Text(String),
    /// Run `go list -deps -json .` in this directory.
    Dir {
        /// The package directory of the command.
        dir: PathBuf,
        /// The `go` command to run (default: `go` on PATH).
        go: Option<PathBuf>,
    },
}

/// Options of [`analyze`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The source's import graph, if any.
    pub imports: ImportsSource,
    /// Skip decoding machine code for observed references (Go 1.21+ without source).
    pub no_observed: bool,
    /// Which functions to decode for observed references.
    pub observed_scope: ObservedScope,
    /// The file the analysed bytes were mapped from, when they were. Observed references
    /// then read function code from it with positioned reads, a window at a time, instead
    /// of faulting in every page of the mapped text (each of which stays resident): peak
    /// memory no longer grows with the size of the code.
    pub code_file: Option<std::sync::Arc<std::fs::File>>,
}

/// Function code read from the file a window at a time (see [`Options::code_file`]).
struct CodeWindow<'f> {
    file: &'f std::fs::File,
    /// File offset of `buf`.
    start: u64,
    buf: Vec<u8>,
}

impl<'f> CodeWindow<'f> {
    /// Bytes read per window; a longer function gets a window of its own length.
    const SIZE: usize = 1 << 20;

    fn new(file: &'f std::fs::File) -> Self {
        CodeWindow {
            file,
            start: 0,
            buf: Vec::new(),
        }
    }

    /// `len` bytes at file offset `off`; `None` when the file does not give them all (the
    /// caller then uses the mapped bytes).
    fn read(&mut self, off: u64, len: usize) -> Option<&[u8]> {
        let end = off.checked_add(u64::try_from(len).ok()?)?;
        let have = self
            .start
            .checked_add(u64::try_from(self.buf.len()).ok()?)?;
        if off < self.start || end > have {
            self.buf.clear();
            self.buf.resize(len.max(Self::SIZE), 0);
            let got = read_at(self.file, &mut self.buf, off);
            self.buf.truncate(got.unwrap_or(0));
            self.start = off;
            if self.buf.len() < len {
                self.buf.clear();
                return None;
            }
        }
        let from = usize::try_from(off.checked_sub(self.start)?).ok()?;
        self.buf.get(from..from.checked_add(len)?)
    }
}

/// Fill as much of `buf` as the file holds at `off`; the count read.
#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], off: u64) -> Option<usize> {
    use std::os::unix::fs::FileExt;
    let mut done = 0usize;
    while let Some(rest) = buf.get_mut(done..).filter(|r| !r.is_empty()) {
        let at = off.checked_add(u64::try_from(done).ok()?)?;
        match file.read_at(rest, at) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
    Some(done)
}

/// Positioned reads are only used on Unix; elsewhere the mapped bytes are read.
#[cfg(not(unix))]
fn read_at(_file: &std::fs::File, _buf: &mut [u8], _off: u64) -> Option<usize> {
    None
}

/// Which functions' code is decoded for observed references.
///
/// Every observed result (inconsistencies, the explanations of inferred constraints, the
/// graph's edges and so the `--why` chains and `--dot`) is an edge between two packages in
/// the init lists, so [`ObservedScope::InitPackages`] gives the same report as
/// [`ObservedScope::All`] while touching only those packages' code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ObservedScope {
    /// The functions of packages in the init lists, and references to such packages.
    #[default]
    InitPackages,
    /// Every function outside the runtime, and references to any package.
    All,
}

impl ObservedScope {
    /// `init-packages` or `all`, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            ObservedScope::InitPackages => "init-packages",
            ObservedScope::All => "all",
        }
    }
}

/// A function as the analysis needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FuncRef {
    pub entry: u64,
    pub end: u64,
    pub name: String,
    /// Index in the pclntab, when it came from there.
    pub index: Option<usize>,
}

/// Functions by address and name: the pclntab, or the symbol table when it has none.
pub(crate) struct Funcs<'a> {
    pcln: Option<Pcln<'a>>,
    moduledata: Option<crate::go::moduledata::Moduledata>,
    syms: Vec<(u64, u64, &'a [u8])>,
}

impl<'a> Funcs<'a> {
    fn new(image: &Image<'a>, version: Option<GoVersion>, problems: &mut Vec<Problem>) -> Self {
        let (pcln, moduledata) = pclntab_for(image, version, problems);
        let mut syms: Vec<(u64, u64, &'a [u8])> = if pcln.is_none() {
            image
                .symbols()
                .iter()
                .filter(|s| s.kind == SymbolKind::Text && !s.dynamic)
                .map(|s| (s.vaddr, s.size, s.name))
                .collect()
        } else {
            Vec::new()
        };
        syms.sort_unstable_by_key(|s| s.0);
        Funcs {
            pcln,
            moduledata,
            syms,
        }
    }

    fn available(&self) -> bool {
        self.pcln.is_some() || !self.syms.is_empty()
    }

    fn lookup(&self, pc: u64) -> Option<FuncRef> {
        if let Some(p) = &self.pcln {
            let i = p.find_func(pc)?;
            let f = p.func(i).ok()?;
            return Some(FuncRef {
                entry: f.entry,
                end: f.end,
                name: f.name_str().into_owned(),
                index: Some(i),
            });
        }
        let at = self.syms.partition_point(|s| s.0 <= pc).checked_sub(1)?;
        let (entry, size, name) = *self.syms.get(at)?;
        let next = self.syms.get(at + 1).map_or(u64::MAX, |s| s.0);
        let end = if size > 0 {
            entry.saturating_add(size)
        } else {
            next
        };
        (pc < end).then(|| FuncRef {
            entry,
            end,
            name: String::from_utf8_lossy(name).into_owned(),
            index: None,
        })
    }

    fn by_name(&self, name: &str) -> Option<FuncRef> {
        if let Some(p) = &self.pcln {
            return p
                .funcs()
                .flatten()
                .find(|f| f.name == name.as_bytes())
                .map(|f| FuncRef {
                    entry: f.entry,
                    end: f.end,
                    name: name.to_string(),
                    index: Some(f.index),
                });
        }
        let s = self.syms.iter().find(|s| s.2 == name.as_bytes())?;
        self.lookup(s.0)
    }

    fn file(&self, f: &FuncRef) -> Option<String> {
        let p = self.pcln.as_ref()?;
        let func = p.func(f.index?).ok()?;
        p.file_line(&func, f.entry).ok().map(|(file, _)| file)
    }

    /// Every function, in table order, decoded one at a time (no list of them all is held).
    fn all(&self) -> Box<dyn Iterator<Item = FuncRef> + '_> {
        if let Some(p) = &self.pcln {
            return Box::new(p.funcs().flatten().map(|f| FuncRef {
                entry: f.entry,
                end: f.end,
                name: f.name_str().into_owned(),
                index: Some(f.index),
            }));
        }
        Box::new(self.syms.iter().filter_map(|s| self.lookup(s.0)))
    }
}

type Pcln<'a> = crate::go::pclntab::Pclntab<'a>;

/// The pclntab with its text base settled, and the moduledata found beside it.
fn pclntab_for<'a>(
    image: &Image<'a>,
    version: Option<GoVersion>,
    problems: &mut Vec<Problem>,
) -> (Option<Pcln<'a>>, Option<crate::go::moduledata::Moduledata>) {
    // TODO(GoBinary): init-order is moving to `crate::go::GoBinary`; until then the same steps.
    let pcln = match Pcln::locate_checked(image, version, problems) {
        Ok(p) => p,
        Err(e) => {
            problems.push(Problem::from_error("pclntab", &e));
            return (None, None);
        }
    };
    let mut md_problems = Vec::new();
    let md = match crate::go::moduledata::Moduledata::find(image, &pcln, version, &mut md_problems)
    {
        Ok(md) => Some(md),
        Err(e) => {
            md_problems.push(Problem::from_error("moduledata", &e));
            None
        }
    };
    let pcln = pcln.settle(image, md.as_ref().map(|m| m.bases()), problems);
    problems.append(&mut md_problems);
    (Some(pcln), md)
}

/// What the build information says, as far as init-order needs it.
struct Build {
    version: Option<GoVersion>,
    version_text: Option<String>,
    settings: Vec<(String, String)>,
}

fn build_info(image: &Image<'_>, problems: &mut Vec<Problem>) -> Build {
    let mut quiet = Vec::new();
    let (text, settings) = match crate::go::buildinfo::find(image, &mut quiet) {
        Ok(b) => (
            Some(b.go_version),
            b.settings.into_iter().map(|s| (s.key, s.value)).collect(),
        ),
        Err(e) => {
            problems.push(Problem::from_error("buildinfo", &e));
            (crate::go::version::runtime_build_version(image), Vec::new())
        }
    };
    Build {
        version: text.as_deref().and_then(GoVersion::parse),
        version_text: text,
        settings,
    }
}

/// Analyse one file.
pub fn analyze(path: &str, data: &[u8], opts: &Options) -> InitOrderFile {
    let image = match Image::parse(data) {
        Ok(i) => i,
        Err(e) => return InitOrderFile::failed(path, e),
    };
    let mut rep = InitOrderFile::new(path);
    let mut problems = Vec::new();
    if image.format() == crate::image::Format::Elf {
        match crate::elf::analyze(data, Some(&image), &mut problems) {
            Ok(elf) => {
                rep.elf_constructors = elf
                    .init_array
                    .iter()
                    .filter(|e| matches!(e.kind.as_str(), "preinit_array" | "init" | "init_array"))
                    .map(|e| ElfConstructor {
                        kind: e.kind.clone(),
                        address: e.target,
                        symbol: e.symbol.clone(),
                    })
                    .collect();
            }
            Err(e) => problems.push(Problem::from_error("elf", &e)),
        }
    }
    let build = build_info(&image, &mut problems);
    rep.go_version = build.version_text.clone();
    let funcs = Funcs::new(&image, build.version, &mut problems);
    let mut ctx = Ctx {
        image: &image,
        funcs: &funcs,
        task_syms: task_symbols(&image),
        tasks: TaskReader::new(&image),
        problems,
    };
    let era = match build.version.and_then(inittask::layout_for) {
        Some(l) => Some(l.era),
        None if build.version.is_some() => {
            rep.problems = ctx.problems;
            return InitOrderFile {
                ok: false,
                error: Some("Go before 1.13 has no init tasks (per-package init functions)".into()),
                ..rep
            };
        }
        None => None,
    };
    let result = match era {
        Some(InitTaskEra::Deps) => deps_era(&mut ctx, &mut rep, &build, opts),
        Some(InitTaskEra::LinkerOrdered) => linker_era(&mut ctx, &mut rep, &build, opts),
        None => {
            // Unknown version: a linker-built list decides; else the old layout.
            match linker_lists(&mut ctx) {
                Some(_) => linker_era(&mut ctx, &mut rep, &build, opts),
                None => deps_era(&mut ctx, &mut rep, &build, opts),
            }
        }
    };
    rep.problems = ctx.problems;
    if let Err(e) = result {
        rep.ok = false;
        rep.error = Some(e);
    }
    rep
}

struct Ctx<'i, 'a> {
    image: &'i Image<'a>,
    funcs: &'i Funcs<'a>,
    /// `…..inittask` symbols by address.
    task_syms: BTreeMap<u64, String>,
    /// Every task read, each once, within the file's budget.
    tasks: TaskReader<'i, 'a>,
    problems: Vec<Problem>,
}

fn task_symbols(image: &Image<'_>) -> BTreeMap<u64, String> {
    image
        .symbols()
        .iter()
        .filter(|s| !s.dynamic && s.name.ends_with(b"..inittask"))
        .filter_map(|s| {
            let n = std::str::from_utf8(s.name).ok()?;
            Some((s.vaddr, prefix_to_path(n.strip_suffix("..inittask")?)))
        })
        .collect()
}

impl Ctx<'_, '_> {
    fn func_name(&self, pc: u64) -> Option<String> {
        self.funcs.lookup(pc).map(|f| f.name)
    }

    /// Package of a task: its symbol, else its first function's package, else unnamed.
    fn task_name(&self, t: &InitTask) -> String {
        if let Some(n) = self.task_syms.get(&t.address) {
            return n.clone();
        }
        if let Some(pkg) = t
            .fns
            .first()
            .and_then(|&f| self.func_name(f))
            .and_then(|n| funcpkgpath(&n))
        {
            return pkg;
        }
        format!("(unnamed task @{:#x})", t.address)
    }

    fn fn_names(&self, t: &InitTask) -> Vec<String> {
        t.fns
            .iter()
            .map(|&f| self.func_name(f).unwrap_or_else(|| format!("{f:#x}")))
            .collect()
    }

    /// Data addresses that the code of the named function refers to, in code order.
    fn refs_of(&self, name: &str) -> Vec<(u64, RefKind)> {
        let Some(f) = self.funcs.by_name(name) else {
            return Vec::new();
        };
        let len = f.end.saturating_sub(f.entry).min(1 << 20);
        let Ok(code) = self.image.read_vaddr("function code", f.entry, len) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        observed::code_refs(&self.image.arch(), code, f.entry, &mut out);
        out.into_iter()
            .filter(|r| r.kind != RefKind::Call && !self.image.is_exec_vaddr(r.target))
            .map(|r| (r.target, r.kind))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// Go 1.13–1.20

fn find_roots(ctx: &mut Ctx<'_, '_>) -> Result<(Option<u64>, u64, String), String> {
    let layout = inittask::layout_of(InitTaskEra::Deps);
    let sym = |n: &str| ctx.image.symbol(n).map(|s| s.vaddr);
    if let Some(main) = sym("main..inittask") {
        return Ok((sym("runtime..inittask"), main, "symbol".into()));
    }
    // Stripped: runtime.main calls doInit(&runtime..inittask) then doInit(&main..inittask);
    // keep the address loads there that decode as valid tasks.
    let mut cands: Vec<u64> = Vec::new();
    for (a, _) in ctx.refs_of("runtime.main") {
        if cands.contains(&a) {
            continue;
        }
        let deps = match ctx.tasks.read_valid(layout, a) {
            Ok(t) => t.deps.clone(),
            Err(_) => continue,
        };
        if deps
            .iter()
            .all(|&d| ctx.tasks.read_valid(layout, d).is_ok())
        {
            cands.push(a);
        }
    }
    let name_of = |ctx: &Ctx<'_, '_>, a: u64| {
        layout
            .read(ctx.image, a)
            .ok()
            .and_then(|t| t.fns.first().and_then(|&f| ctx.func_name(f)))
    };
    let main = cands
        .iter()
        .copied()
        .find(|&a| name_of(ctx, a).is_some_and(|n| n.starts_with("main.")))
        .or_else(|| cands.last().copied());
    let runtime = cands
        .iter()
        .copied()
        .find(|&a| name_of(ctx, a).is_some_and(|n| n.starts_with("runtime.")))
        .or_else(|| cands.first().copied().filter(|&a| Some(a) != main));
    match main {
        Some(m) => Ok((runtime, m, "runtime.main".into())),
        None => {
            Err("no main..inittask: no symbol, and no valid task loaded by runtime.main".into())
        }
    }
}

fn deps_era(
    ctx: &mut Ctx<'_, '_>,
    rep: &mut InitOrderFile,
    build: &Build,
    opts: &Options,
) -> Result<(), String> {
    rep.method = Some("inittask-deps".into());
    rep.graph_source = Some("binary".into());
    let layout = inittask::layout_of(InitTaskEra::Deps);
    let (rt, main, found_by) = find_roots(ctx)?;
    rep.found_by = Some(found_by);
    // Read every task reachable from the roots (bounded, visited set).
    let mut tasks: BTreeMap<u64, InitTask> = BTreeMap::new();
    // Addresses tried, valid or not: each is read (and reported) once.
    let mut tried: BTreeSet<u64> = BTreeSet::new();
    let mut queue: Vec<u64> = rt.into_iter().chain([main]).collect();
    while let Some(a) = queue.pop() {
        if !tried.insert(a) {
            continue;
        }
        if tasks.len() >= limits::MAX_INIT_TASKS {
            ctx.problems.push(Problem::new(
                "init_order.too_many",
                format!("more than {} init tasks; stopped", limits::MAX_INIT_TASKS),
            ));
            break;
        }
        match ctx.tasks.read_valid(layout, a) {
            Ok(t) => {
                queue.extend(t.deps.iter().rev().filter(|d| !tried.contains(d)));
                tasks.insert(a, t.clone());
            }
            Err(e) => {
                let too_many = matches!(e, Error::TooMany { .. });
                ctx.problems.push(Problem::from_error("inittask", &e));
                if too_many {
                    break;
                }
            }
        }
    }
    if !tasks.contains_key(&main) {
        return Err("main..inittask does not decode as a Go 1.13–1.20 task".into());
    }
    let mut g = Graph::new();
    let mut node_of: BTreeMap<u64, usize> = BTreeMap::new();
    for (&a, t) in &tasks {
        let mut name = ctx.task_name(t);
        if g.get(&name).is_some() {
            name = format!("{name} @{a:#x}");
        }
        node_of.insert(a, g.node(&name));
    }
    for (&a, t) in &tasks {
        let from = node_of[&a];
        for d in &t.deps {
            if let Some(&to) = node_of.get(d) {
                g.add_edge(from, to);
            }
        }
    }
    let roots: Vec<usize> = rt
        .and_then(|r| node_of.get(&r).copied())
        .into_iter()
        .chain(node_of.get(&main).copied())
        .collect();
    let dfs = graph::runtime_dfs(&g, &roots);
    for &(a, b) in &dfs.cycles {
        ctx.problems.push(Problem::new(
            "init_order.cycle",
            format!(
                "{} -> {} closes a cycle (the runtime would throw \"recursive call during initialization\")",
                g.names[a], g.names[b]
            ),
        ));
    }
    let addr_of: BTreeMap<usize, u64> = node_of.iter().map(|(&a, &n)| (n, a)).collect();
    let rt_node = roots.first().copied().filter(|_| rt.is_some());
    let rt_closure: BTreeSet<usize> = rt_node
        .map(|r| g.reachable(&[r]).into_iter().collect())
        .unwrap_or_default();
    let mut index_of: BTreeMap<usize, usize> = BTreeMap::new();
    for &n in &dfs.order {
        let t = &tasks[&addr_of[&n]];
        if t.fns.is_empty() {
            continue;
        }
        let i = rep.packages.len();
        index_of.insert(n, i);
        if rt_closure.contains(&n) {
            rep.runtime_tasks += 1;
        }
        rep.packages.push(PackageInit {
            index: i,
            package: g.names[n].clone(),
            inittask: Some(t.address),
            functions: ctx.fn_names(t),
            deps: g.deps[n].iter().map(|&d| g.names[d].clone()).collect(),
            deps_source: "binary".into(),
        });
    }
    for (step, &n) in dfs.order.iter().enumerate() {
        rep.graph.nodes.push(GraphNode {
            package: g.names[n].clone(),
            index: index_of.get(&n).copied(),
            inittask: addr_of.get(&n).copied(),
            step: Some(step),
            gate: dfs.parent[n].map(|p| g.names[p].clone()),
        });
        for &d in &g.deps[n] {
            rep.graph.edges.push(GraphEdge {
                from: g.names[n].clone(),
                to: g.names[d].clone(),
                source: "binary".into(),
                kind: None,
                example: None,
            });
        }
    }
    rep.verified = Some(dfs.cycles.is_empty());
    // With the source: the stored edges must be the imports that have tasks.
    if let Some(pkgs) = source_packages(ctx, build, opts)? {
        let with_task: BTreeSet<String> = g.names.iter().cloned().collect();
        let by_node: BTreeMap<&str, &golist::GoListPackage> =
            pkgs.iter().map(|p| (golist::node_name(p), p)).collect();
        let node_of_path: BTreeMap<&str, &str> = pkgs
            .iter()
            .map(|p| (p.import_path.as_str(), golist::node_name(p)))
            .collect();
        let mut first: Option<FirstDifference> = None;
        for (step, &n) in dfs.order.iter().enumerate() {
            let name = g.names[n].as_str();
            let found: BTreeSet<String> = g.deps[n].iter().map(|&d| g.names[d].clone()).collect();
            let expected: Option<BTreeSet<String>> = by_node.get(name).map(|p| {
                p.imports
                    .iter()
                    .map(|q| {
                        node_of_path
                            .get(q.as_str())
                            .copied()
                            .unwrap_or(q)
                            .to_string()
                    })
                    .filter(|q| with_task.contains(q))
                    .collect()
            });
            if expected.as_ref() != Some(&found) {
                let show = |s: &BTreeSet<String>| {
                    format!(
                        "{name} -> [{}]",
                        s.iter().cloned().collect::<Vec<_>>().join(", ")
                    )
                };
                first = Some(FirstDifference {
                    index: index_of.get(&n).copied().unwrap_or(step),
                    expected: Some(match &expected {
                        Some(e) => show(e),
                        None => format!("{name} is not in the source's package list"),
                    }),
                    found: Some(show(&found)),
                    what: "deps".into(),
                });
                break;
            }
        }
        rep.graph_source = Some("source".into());
        rep.verified = Some(first.is_none() && dfs.cycles.is_empty());
        rep.first_difference = first;
    }
    Ok(())
}

fn source_packages(
    ctx: &mut Ctx<'_, '_>,
    build: &Build,
    opts: &Options,
) -> Result<Option<Vec<golist::GoListPackage>>, String> {
    let text = match &opts.imports {
        ImportsSource::None => return Ok(None),
        ImportsSource::Text(t) => t.clone(),
        ImportsSource::Dir { dir, go } => {
            if build.settings.is_empty() {
                ctx.problems.push(Problem::new(
                    "init_order.no_build_settings",
                    "no build settings in the binary: go list ran with the host's GOOS/GOARCH",
                ));
            }
            golist::run_go_list(dir, go.as_deref(), &build.settings)?
        }
    };
    golist::parse(&text)
        .map(Some)
        .map_err(|e| format!("imports: {e}"))
}

// ---------------------------------------------------------------------------------------
// Go 1.21+

struct Lists {
    runtime: Option<Vec<u64>>,
    main: Vec<u64>,
    found_by: String,
}

fn linker_lists(ctx: &mut Ctx<'_, '_>) -> Option<Lists> {
    let layout = inittask::layout_of(InitTaskEra::LinkerOrdered);
    let p = u64::from(ctx.image.arch().ptr_size);
    let valid_list = |ctx: &mut Ctx<'_, '_>, v: &[u64]| {
        !v.is_empty()
            && v.iter().all(|&a| {
                ctx.tasks
                    .read_valid(layout, a)
                    .is_ok_and(|t| !t.fns.is_empty())
            })
    };
    let mut how = Vec::new();
    // The runtime's list: the slice header runtime.runtime_inittasks.
    let mut runtime = None;
    if let Some(s) = ctx.image.symbol("runtime.runtime_inittasks") {
        if let Ok((ptr, len)) = inittask::read_slice_header(ctx.image, s.vaddr) {
            runtime = inittask::read_task_list(ctx.image, ptr, len).ok();
            how.push("runtime list: symbol runtime.runtime_inittasks");
        }
    }
    if runtime.is_none() {
        // runtime.main loads the header to call doInit(runtime_inittasks).
        for (a, _) in ctx.refs_of("runtime.main") {
            let Ok((ptr, len)) = inittask::read_slice_header(ctx.image, a) else {
                continue;
            };
            if let Ok(v) = inittask::read_task_list(ctx.image, ptr, len) {
                let is_runtime = v.iter().any(|&t| {
                    let first = ctx
                        .tasks
                        .read_valid(layout, t)
                        .ok()
                        .and_then(|t| t.fns.first().copied());
                    first
                        .and_then(|f| ctx.func_name(f))
                        .is_some_and(|n| n.starts_with("runtime."))
                });
                if valid_list(ctx, &v) && is_runtime {
                    runtime = Some(v);
                    how.push("runtime list: slice header loaded by runtime.main");
                    break;
                }
            }
        }
    }
    // The main list: moduledata.inittasks, else the symbol go:main.inittasks.
    let mut main = None;
    if let Some((addr, n)) = moduledata_inittasks(ctx) {
        main = inittask::read_task_list(ctx.image, addr, n).ok();
        how.push("main list: moduledata.inittasks");
    }
    if main.is_none() {
        if let Some(s) = ctx.image.symbol("go:main.inittasks") {
            main = if s.size > 0 {
                inittask::read_task_list(ctx.image, s.vaddr, s.size / p).ok()
            } else {
                // PE and Mach-O symbols carry no size: read up to the next symbol and keep
                // the leading entries that are valid tasks.
                let next = ctx
                    .image
                    .symbols()
                    .iter()
                    .filter(|x| x.vaddr > s.vaddr)
                    .map(|x| x.vaddr)
                    .min()
                    .unwrap_or(s.vaddr);
                let n = ((next - s.vaddr) / p).min(limits::MAX_INIT_TASKS as u64);
                inittask::read_task_list(ctx.image, s.vaddr, n)
                    .ok()
                    .map(|v| {
                        v.into_iter()
                            .take_while(|&a| {
                                ctx.tasks
                                    .read_valid(layout, a)
                                    .is_ok_and(|t| !t.fns.is_empty())
                            })
                            .collect()
                    })
            };
            how.push("main list: symbol go:main.inittasks");
        }
    }
    let main = main.filter(|v| valid_list(ctx, v))?;
    Some(Lists {
        runtime,
        main,
        found_by: how.join("; "),
    })
}

fn moduledata_inittasks(ctx: &mut Ctx<'_, '_>) -> Option<(u64, u64)> {
    ctx.funcs.moduledata.as_ref()?.inittasks()
}

fn linker_era(
    ctx: &mut Ctx<'_, '_>,
    rep: &mut InitOrderFile,
    build: &Build,
    opts: &Options,
) -> Result<(), String> {
    rep.method = Some("linker-order".into());
    let layout = inittask::layout_of(InitTaskEra::LinkerOrdered);
    let lists = linker_lists(ctx).ok_or("no Go 1.21+ init task list found")?;
    let mut found_by = lists.found_by.clone();
    let read = |ctx: &mut Ctx<'_, '_>, a: u64| match ctx.tasks.read_valid(layout, a) {
        Ok(t) => Some(t.clone()),
        Err(e) => {
            ctx.problems.push(Problem::from_error("inittask", &e));
            None
        }
    };
    // A task listed again is skipped, as the runtime skips a done task (the linker never
    // lists one twice).
    let mut listed = BTreeSet::new();
    let main_tasks: Vec<InitTask> = lists
        .main
        .iter()
        .filter(|&&a| listed.insert(a))
        .filter_map(|&a| read(ctx, a))
        .collect();
    let main_names: Vec<String> = main_tasks.iter().map(|t| ctx.task_name(t)).collect();
    let runtime_addrs: Vec<u64> = match &lists.runtime {
        Some(v) => v.clone(),
        None => {
            // The runtime's closure runs first; its members precede `runtime` in the main
            // list and (for every Go release so far) live under internal/ or runtime/.
            found_by.push_str("; runtime list: inferred from the main list");
            match main_names.iter().position(|n| n == "runtime") {
                Some(r) => main_tasks
                    .iter()
                    .zip(&main_names)
                    .take(r + 1)
                    .filter(|(_, n)| {
                        *n == "runtime" || n.starts_with("internal/") || n.starts_with("runtime/")
                    })
                    .map(|(t, _)| t.address)
                    .collect(),
                None => Vec::new(),
            }
        }
    };
    rep.found_by = Some(found_by);
    // Run-time order: the runtime's list, then the main list skipping tasks already done.
    let by_addr: BTreeMap<u64, &InitTask> = main_tasks.iter().map(|t| (t.address, t)).collect();
    let mut seen = BTreeSet::new();
    let mut order: Vec<InitTask> = Vec::new();
    for &a in runtime_addrs.iter().chain(lists.main.iter()) {
        if !seen.insert(a) {
            continue;
        }
        if let Some(t) = by_addr.get(&a).map(|&t| t.clone()).or_else(|| read(ctx, a)) {
            order.push(t);
        }
    }
    rep.runtime_tasks = runtime_addrs.len().min(order.len());
    for (i, t) in order.iter().enumerate() {
        rep.packages.push(PackageInit {
            index: i,
            package: ctx.task_name(t),
            inittask: Some(t.address),
            functions: ctx.fn_names(t),
            deps: Vec::new(),
            deps_source: "observed".into(),
        });
    }
    let stored: Vec<String> = rep.order();
    rep.inferred_constraints = graph::infer_constraints(&main_names);
    if let Some(pkgs) = source_packages(ctx, build, opts)? {
        check_with_source(rep, &pkgs, &stored);
    } else {
        rep.graph_source = Some("observed".into());
        rep.verified = None;
        if !opts.no_observed {
            observe(ctx, rep, opts);
        }
    }
    Ok(())
}

fn check_with_source(rep: &mut InitOrderFile, pkgs: &[golist::GoListPackage], stored: &[String]) {
    rep.graph_source = Some("source".into());
    let work: BTreeSet<String> = stored.iter().cloned().collect();
    let g = golist::task_graph(pkgs, &work);
    let sym = |i: usize| graph::inittask_symbol(&g.names[i]);
    let m = g.get("main").map(|m| graph::linker_order(&g, &[m], sym));
    let r = g.get("runtime").map(|r| graph::linker_order(&g, &[r], sym));
    let mut expected: Vec<String> = Vec::new();
    let mut done = BTreeSet::new();
    for o in r.iter().chain(m.iter()) {
        for &n in &o.order {
            if done.insert(n) && work.contains(&g.names[n]) {
                expected.push(g.names[n].clone());
            }
        }
    }
    let diff = (0..expected.len().max(stored.len())).find(|&i| expected.get(i) != stored.get(i));
    rep.verified = Some(diff.is_none());
    rep.first_difference = diff.map(|i| FirstDifference {
        index: i,
        expected: expected.get(i).cloned(),
        found: stored.get(i).cloned(),
        what: "order".into(),
    });
    for p in rep.packages.iter_mut() {
        p.deps_source = "source".into();
        p.deps = g
            .get(&p.package)
            .map(|n| g.deps[n].iter().map(|&d| g.names[d].clone()).collect())
            .unwrap_or_default();
    }
    if let Some(m) = &m {
        for u in &m.unschedulable {
            rep.problems.push(Problem::new(
                "init_order.cycle",
                format!(
                    "{} can never be scheduled (import cycle in the source graph)",
                    g.names[*u]
                ),
            ));
        }
        let index: BTreeMap<&str, usize> = stored
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        for (step, &n) in m.order.iter().enumerate() {
            rep.graph.nodes.push(GraphNode {
                package: g.names[n].clone(),
                index: index.get(g.names[n].as_str()).copied(),
                inittask: rep
                    .packages
                    .iter()
                    .find(|p| p.package == g.names[n])
                    .and_then(|p| p.inittask),
                step: Some(step),
                gate: m.gate[n].map(|x| g.names[x].clone()),
            });
            for &d in &g.deps[n] {
                rep.graph.edges.push(GraphEdge {
                    from: g.names[n].clone(),
                    to: g.names[d].clone(),
                    source: "source".into(),
                    kind: None,
                    example: None,
                });
            }
        }
    }
}

/// One observed reference between two packages.
#[derive(Debug, Clone)]
struct Observed {
    kind: &'static str,
    example: [String; 2],
    explanation: Option<&'static str>,
}

fn observe(ctx: &mut Ctx<'_, '_>, rep: &mut InitOrderFile, opts: &Options) {
    let scope = opts.observed_scope;
    let arch = ctx.image.arch();
    if !observed::supported(&arch) || !ctx.funcs.available() {
        ctx.problems.push(Problem::new(
            "init_order.no_observed",
            format!(
                "observed references need a function table and an x86 or arm64 decoder ({})",
                arch.name
            ),
        ));
        return;
    }
    rep.observed_scope = Some(scope.as_str().into());
    let wanted: Option<BTreeSet<String>> = match scope {
        ObservedScope::InitPackages => {
            Some(rep.packages.iter().map(|p| p.package.clone()).collect())
        }
        ObservedScope::All => None,
    };
    let mut window = opts.code_file.as_deref().map(CodeWindow::new);
    let edges = observed_edges(ctx, wanted.as_ref(), window.as_mut());
    let index: BTreeMap<&str, usize> = rep
        .packages
        .iter()
        .map(|p| (p.package.as_str(), p.index))
        .collect();
    let mut deps: BTreeMap<usize, Vec<(usize, String)>> = BTreeMap::new();
    for ((from, to), o) in &edges {
        let (Some(&fi), Some(&ti)) = (index.get(from.as_str()), index.get(to.as_str())) else {
            continue;
        };
        if ti > fi {
            rep.inconsistencies.push(Inconsistency {
                from: from.clone(),
                from_index: fi,
                to: to.clone(),
                to_index: ti,
                kind: o.kind.into(),
                example: o.example.clone(),
                explanation: o.explanation.map(str::to_string),
            });
            continue;
        }
        deps.entry(fi).or_default().push((ti, to.clone()));
        rep.graph.edges.push(GraphEdge {
            from: from.clone(),
            to: to.clone(),
            source: "observed".into(),
            kind: Some(o.kind.into()),
            example: Some(o.example.clone()),
        });
    }
    rep.inconsistencies
        .sort_by_key(|a| (a.from_index, a.to_index));
    for p in rep.packages.iter_mut() {
        let mut d = deps.remove(&p.index).unwrap_or_default();
        d.sort();
        let gate = d.last().map(|(_, n)| n.clone());
        p.deps = d.into_iter().map(|(_, n)| n).collect();
        rep.graph.nodes.push(GraphNode {
            package: p.package.clone(),
            index: Some(p.index),
            inittask: p.inittask,
            step: Some(p.index),
            gate,
        });
    }
    for c in rep.inferred_constraints.iter_mut() {
        c.explained_by = c.waits_for_one_of.iter().find_map(|w| {
            edges.get(&(c.package.clone(), w.clone())).map(|o| {
                format!(
                    "{} -> {} ({}: {} -> {})",
                    c.package, w, o.kind, o.example[0], o.example[1]
                )
            })
        });
    }
}

/// Cross-package references in the code of every function, one example per package pair.
/// With `wanted`, only functions of those packages are decoded and only references to those
/// packages kept: a function's package is its name's or `runtime` (see [`code_package`]),
/// so a name outside `wanted` rules it out before its source file is looked up.
fn observed_edges(
    ctx: &mut Ctx<'_, '_>,
    wanted: Option<&BTreeSet<String>>,
    mut window: Option<&mut CodeWindow<'_>>,
) -> BTreeMap<(String, String), Observed> {
    let in_scope = |name: &str| -> bool {
        match wanted {
            None => true,
            Some(w) => funcpkgpath(name).is_some_and(|p| w.contains(&p)),
        }
    };
    let image = ctx.image;
    let arch = image.arch();
    let p = u64::from(arch.ptr_size);
    let mut data_syms: Vec<(u64, u64, &[u8])> = image
        .symbols()
        .iter()
        .filter(|s| !s.dynamic && s.kind != SymbolKind::Text)
        .map(|s| (s.vaddr, s.size, s.name))
        .collect();
    data_syms.sort_unstable_by_key(|s| s.0);
    let data_sym = |a: u64| -> Option<String> {
        let i = data_syms.partition_point(|s| s.0 <= a).checked_sub(1)?;
        let (v, sz, n) = *data_syms.get(i)?;
        (a == v || a - v < sz).then(|| String::from_utf8_lossy(n).into_owned())
    };
    let mut pkg_cache: BTreeMap<u64, Option<String>> = BTreeMap::new();
    let mut code_pkg = |f: &FuncRef| -> Option<String> {
        pkg_cache
            .entry(f.entry)
            .or_insert_with(|| {
                if !in_scope(&f.name) {
                    return None;
                }
                code_package(&f.name, ctx.funcs.file(f).as_deref())
            })
            .clone()
    };
    let entry_at = |a: u64| -> Option<FuncRef> {
        let w = image.uptr_at_vaddr("pointer", a).ok()?;
        ctx.funcs.lookup(w).filter(|f| f.entry == w)
    };
    let mut out: BTreeMap<(String, String), Observed> = BTreeMap::new();
    let mut refs = Vec::new();
    // Functions do not overlap in a real binary, so their code adds up to at most the
    // executable bytes of the file. Repeated or overlapping functions (a hostile symbol
    // table or functab) must not decode the same bytes over and over.
    let mut budget = image
        .segments()
        .iter()
        .filter(|s| s.exec)
        .fold(0u64, |a, s| a.saturating_add(s.filesz.min(s.memsz)));
    let mut decoded = BTreeSet::new();
    let mut stopped = false;
    for f in ctx.funcs.all() {
        if !decoded.insert(f.entry) {
            continue;
        }
        // Each function is decoded once, so its own package is not cached.
        let from = if in_scope(&f.name) {
            code_package(&f.name, ctx.funcs.file(&f).as_deref())
        } else {
            None
        };
        let Some(from) = from else { continue };
        if from == "runtime" {
            continue;
        }
        let len = f.end.saturating_sub(f.entry).min(1 << 22);
        if len > budget {
            stopped = true;
            break;
        }
        let Ok(mapped) = image.read_vaddr("function code", f.entry, len) else {
            continue;
        };
        // The mapped slice is only bounds; the bytes come from the window when there is one.
        let code = match (window.as_deref_mut(), image.vaddr_to_offset(f.entry)) {
            (Some(w), Some(off)) => w.read(off, mapped.len()).unwrap_or(mapped),
            _ => mapped,
        };
        budget -= len;
        refs.clear();
        observed::code_refs(&arch, code, f.entry, &mut refs);
        for r in &refs {
            if r.target >= f.entry && r.target < f.end {
                continue;
            }
            let (to, kind, what) = if image.is_exec_vaddr(r.target) {
                let Some(t) = ctx.funcs.lookup(r.target) else {
                    continue;
                };
                if t.name.starts_with("runtime.") {
                    continue; // compiler-inserted or runtime entry points
                }
                let kind = if r.kind == RefKind::Call {
                    "call"
                } else {
                    "address"
                };
                let Some(pkg) = code_pkg(&t) else { continue };
                (pkg, kind, t.name)
            } else if let Some(name) = data_sym(r.target) {
                let pkg = if let Some(x) = observed::itab_package(&name) {
                    Some((x, "itab"))
                } else if name.starts_with("runtime.") {
                    None
                } else {
                    funcpkgpath(&name).map(|x| (x, "data"))
                };
                let Some((pkg, kind)) = pkg else { continue };
                (pkg, kind, name)
            } else if let Some(t) = entry_at(r.target) {
                let Some(pkg) = code_pkg(&t) else { continue };
                (pkg, "funcval", t.name)
            } else if let Some(t) = r.target.checked_add(2 * p + 8).and_then(&entry_at) {
                let Some(pkg) = code_pkg(&t) else { continue };
                (pkg, "itab", t.name)
            } else {
                continue;
            };
            if to == from || to == "runtime" || wanted.is_some_and(|w| !w.contains(&to)) {
                continue;
            }
            let std::collections::btree_map::Entry::Vacant(slot) = out.entry((from.clone(), to))
            else {
                continue;
            };
            let explanation = if what.contains("..stmp_") {
                Some("content-addressed static data: the linker keeps one copy, named after one of the packages that use it")
            } else if f.name.contains('[') {
                Some("generic instantiation: its code serves the packages that instantiate it")
            } else if ctx.funcs.file(&f).as_deref() == Some("<autogenerated>") {
                Some("compiler-generated wrapper")
            } else {
                None
            };
            slot.insert(Observed {
                kind,
                example: [f.name.clone(), what],
                explanation,
            });
        }
        if out.len() > limits::MAX_INIT_TASKS * 16 {
            break;
        }
    }
    if stopped {
        ctx.problems.push(Problem::new(
            "init_order.code_overlap",
            "functions overlap: observed references stop after decoding as many bytes as \
             the executable segments hold",
        ));
    }
    out
}

/// See [`InitOrderFile::why`]: follow `gate` links from `pkg` (a visited set bounds the walk).
pub fn why(rep: &InitOrderFile, pkg: &str) -> Option<Why> {
    let nodes: BTreeMap<&str, &GraphNode> = rep
        .graph
        .nodes
        .iter()
        .map(|n| (n.package.as_str(), n))
        .collect();
    let start = nodes.get(pkg)?;
    let source = rep.graph_source.clone().unwrap_or_default();
    let mut chain = vec![pkg.to_string()];
    let mut seen: BTreeSet<&str> = [pkg].into();
    let mut cur = *start;
    while let Some(g) = cur.gate.as_deref() {
        if !seen.insert(g) {
            break;
        }
        chain.push(g.to_string());
        match nodes.get(g) {
            Some(n) => cur = n,
            None => break,
        }
    }
    let at = |p: &str| {
        nodes
            .get(p)
            .and_then(|n| n.index)
            .map_or("no init functions".to_string(), |i| format!("#{i}"))
    };
    let mut text = Vec::new();
    match (rep.method.as_deref(), source.as_str()) {
        (Some("inittask-deps"), _) => {
            chain.reverse();
            text.push(format!(
                "the runtime's depth-first walk reached {pkg} through {}",
                chain.join(" -> ")
            ));
            text.push(format!(
                "{pkg} ({}) runs after its own dependencies and before the package that reached it",
                at(pkg)
            ));
        }
        (_, "source") => {
            for w in chain.windows(2) {
                text.push(format!(
                    "{} ({}) became ready when its last dependency {} ({}) was done",
                    w[0],
                    at(&w[0]),
                    w[1],
                    at(&w[1])
                ));
            }
            if let Some(last) = chain.last() {
                text.push(format!(
                    "{last} ({}) depends on nothing not yet done",
                    at(last)
                ));
            }
            text.push(format!(
                "once ready, {pkg} was the smallest inittask symbol among the ready packages"
            ));
        }
        _ => {
            for w in chain.windows(2) {
                text.push(format!(
                    "{} ({}) refers to {} ({}) [observed, not an import]",
                    w[0],
                    at(&w[0]),
                    w[1],
                    at(&w[1])
                ));
            }
            for c in rep.inferred_constraints.iter().filter(|c| c.package == pkg) {
                text.push(format!(
                    "{pkg} was passed over when {} (#{}) ran, so it waits for one of: {}",
                    c.passed_over_by,
                    c.passed_over_at,
                    c.waits_for_one_of.join(", ")
                ));
            }
        }
    }
    Some(Why {
        package: pkg.to_string(),
        index: start.index,
        graph_source: source,
        chain,
        text,
    })
}

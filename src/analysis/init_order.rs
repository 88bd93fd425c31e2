//! `goelf init-order`: the order Go packages initialise in, the graph behind it, why a
//! package lands where it does, and what changed between two builds.
//!
//! Two schemes (docs/FORMATS.md §4):
//! - Go 1.13–1.20 (`method: "inittask-deps"`): each `pkg..inittask` holds its dependencies;
//!   the order is the runtime's depth-first `doInit` walk from `runtime..inittask`, then
//!   `main..inittask` (`src/runtime/proc.go` 1.19), which goelf repeats over the stored edges.
//! - Go 1.21+ (`method: "linker-order"`): the linker stores the final order
//!   (`go:runtime.inittasks`, then `go:main.inittasks` skipping tasks already done;
//!   `src/cmd/link/internal/ld/inittask.go`), without the import edges. With the source's
//!   import graph (`go list -deps -json`) goelf re-runs the linker's rule and checks that it
//!   reproduces the stored order; without it, the references the machine code keeps between
//!   packages are checked against the order (they are not imports, and a sort of them is
//!   never presented as the order).
//!
//! Everything here is pure code over plain data: the tasks arrive decoded and named
//! ([`crate::go::inittask::locate`]), the observed references decoded and attributed
//! ([`crate::code::xref`]), the source's imports as `go list` text ([`golist::parse`]).
//! [`order`] assembles the report, [`graph`] holds the two ordering rules. The entry point
//! that decodes a binary and runs these is [`crate::init_order()`].

pub mod golist;
pub mod graph;
pub mod order;

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

pub use crate::code::xref::XrefKind;
use crate::error::{Error, Problem};
use crate::go::inittask::locate::LocateError;

/// How the order is known: `inittask-deps` (Go 1.13–1.20: the runtime's walk over the
/// stored edges) or `linker-order` (Go 1.21+: the order the linker stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    /// Go 1.13–1.20.
    #[serde(rename = "inittask-deps")]
    InittaskDeps,
    /// Go 1.21+.
    #[serde(rename = "linker-order")]
    LinkerOrder,
}

impl Method {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::InittaskDeps => "inittask-deps",
            Method::LinkerOrder => "linker-order",
        }
    }
}

/// Where a graph's edges come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphSource {
    /// The edges stored in the tasks (Go ≤1.20).
    Binary,
    /// The source's imports (`go list`).
    Source,
    /// References in machine code (not imports).
    Observed,
}

impl GraphSource {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            GraphSource::Binary => "binary",
            GraphSource::Source => "source",
            GraphSource::Observed => "observed",
        }
    }
}

/// The kind of an ELF constructor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstructorKind {
    /// An entry of `.preinit_array` (`DT_PREINIT_ARRAY`).
    PreinitArray,
    /// The `DT_INIT` function.
    Init,
    /// An entry of `.init_array` (`DT_INIT_ARRAY`).
    InitArray,
}

impl ConstructorKind {
    /// The JSON spelling (`preinit_array`, `init`, `init_array`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConstructorKind::PreinitArray => "preinit_array",
            ConstructorKind::Init => "init",
            ConstructorKind::InitArray => "init_array",
        }
    }
}

/// Where a PE or Mach-O constructor comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NativeConstructorKind {
    /// A PE TLS callback (`AddressOfCallBacks`): runs before the entry point, on every
    /// thread start too.
    TlsCallback,
    /// A PE DLL's entry point (`DllMain`, `DLL_PROCESS_ATTACH`), after the TLS callbacks.
    DllEntry,
    /// A Mach-O `S_MOD_INIT_FUNC_POINTERS` entry (`__mod_init_func`).
    ModInitFunc,
    /// A Mach-O `S_INIT_FUNC_OFFSETS` entry (`__init_offsets`).
    InitOffset,
}

impl NativeConstructorKind {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NativeConstructorKind::TlsCallback => "tls_callback",
            NativeConstructorKind::DllEntry => "dll_entry",
            NativeConstructorKind::ModInitFunc => "mod_init_func",
            NativeConstructorKind::InitOffset => "init_offset",
        }
    }
}

/// A constructor of a PE or Mach-O file that runs before Go's initialisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeConstructor {
    /// Where it comes from.
    pub kind: NativeConstructorKind,
    /// Address of the function that runs.
    pub address: u64,
    /// Address of the slot that holds it (callback array entry, `__mod_init_func` slot).
    pub slot: Option<u64>,
    /// Its symbol, when the file names it.
    pub symbol: Option<String>,
}

/// What a [`FirstDifference`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DifferenceKind {
    /// The order.
    Order,
    /// A Go ≤1.20 task's stored edges against the imports.
    Deps,
}

impl DifferenceKind {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DifferenceKind::Order => "order",
            DifferenceKind::Deps => "deps",
        }
    }
}

/// Which functions' code is decoded for observed references.
///
/// Every observed result (inconsistencies, the explanations of inferred constraints, the
/// graph's edges and so the `--why` chains and `--dot`) is an edge between two packages in
/// the init lists, so [`ObservedScope::InitPackages`] gives the same report as
/// [`ObservedScope::All`] while touching only those packages' code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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

/// Why a file has no init-order report. Serialised as its message (the JSON `error`
/// string); [`InitOrderError::code`] gives the stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitOrderError {
    /// The file could not be opened or read (the message of the I/O error).
    Open(String),
    /// The container could not be parsed.
    Container(Error),
    /// Go before 1.13: per-package init functions, no tasks.
    NoInitTasks,
    /// The tasks could not be found.
    Locate(LocateError),
    /// Running `go list` failed (its message).
    GoList(String),
    /// The `go list` output did not parse.
    Imports(Error),
    /// Only the message is known (a report read back from JSON).
    Other(String),
}

impl InitOrderError {
    /// A stable code: `open`, the container error's code, `init_order.<…>`, `other`.
    pub fn code(&self) -> &'static str {
        match self {
            InitOrderError::Open(_) => "open",
            InitOrderError::Container(e) => e.code(),
            InitOrderError::NoInitTasks => "init_order.no_init_tasks",
            InitOrderError::Locate(e) => e.code(),
            InitOrderError::GoList(_) => "init_order.go_list",
            InitOrderError::Imports(_) => "init_order.imports",
            InitOrderError::Other(_) => "other",
        }
    }
}

impl std::fmt::Display for InitOrderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitOrderError::Open(m) | InitOrderError::GoList(m) | InitOrderError::Other(m) => {
                f.write_str(m)
            }
            InitOrderError::Container(e) => write!(f, "{e}"),
            InitOrderError::NoInitTasks => {
                f.write_str("Go before 1.13 has no init tasks (per-package init functions)")
            }
            InitOrderError::Locate(e) => write!(f, "{e}"),
            InitOrderError::Imports(e) => write!(f, "imports: {e}"),
        }
    }
}

impl std::error::Error for InitOrderError {}

impl Serialize for InitOrderError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for InitOrderError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(InitOrderError::Other)
    }
}

/// An ELF constructor that runs before Go's package initialisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElfConstructor {
    /// `preinit_array`, `init` or `init_array`.
    pub kind: ConstructorKind,
    /// Address of the function that runs.
    pub address: u64,
    /// Its symbol, when the file names it.
    pub symbol: Option<String>,
}

/// One package in initialisation order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageInit {
    /// Position in the order, from 0.
    pub index: usize,
    /// Package path (`main` for the command), or `(unnamed task @0x…)`.
    pub package: String,
    /// Address of its `initTask`.
    pub inittask: Option<u64>,
    /// The functions its task runs, in order (`example/b.init.0`, `example/b.init`).
    pub functions: Vec<String>,
    /// Its direct dependencies that have an inittask (see `deps_source`).
    pub deps: Vec<String>,
    /// Where `deps` come from: `binary` (stored edges, Go ≤1.20), `source` (go list) or
    /// `observed` (references in machine code; not imports).
    pub deps_source: GraphSource,
}

/// Where the stored order and the recomputed one first differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstDifference {
    /// Position in the order.
    pub index: usize,
    /// What the source's graph gives there.
    pub expected: Option<String>,
    /// What the binary stores there.
    pub found: Option<String>,
    /// `order`, or `deps` when a Go ≤1.20 task's stored edges differ from the imports.
    pub what: DifferenceKind,
}

/// An observed reference from package `from` to package `to`, which initialises after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inconsistency {
    /// The referencing package.
    pub from: String,
    /// Its position in the order.
    pub from_index: usize,
    /// The referenced package.
    pub to: String,
    /// Its position in the order (after `from_index`).
    pub to_index: usize,
    /// `call`, `address`, `data`, `funcval` or `itab`.
    pub kind: XrefKind,
    /// One example: the referencing function and the referenced symbol.
    pub example: [String; 2],
    /// Why this reference is no import, when goelf knows a cause; `null`: unexplained.
    pub explanation: Option<String>,
}

/// A graph node (a package with an inittask).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphNode {
    /// Package path.
    pub package: String,
    /// Position in `packages`, or null for packages without init functions.
    pub index: Option<usize>,
    /// Address of its task, when the binary keeps it.
    pub inittask: Option<u64>,
    /// Position in the full schedule, packages without init functions included (the
    /// depth-first post-order for Go ≤1.20, the linker's schedule for 1.21+).
    pub step: Option<usize>,
    /// For the linker's rule: the dependency whose completion made this package ready; for
    /// the depth-first walk: the package whose `deps` first reached it.
    pub gate: Option<String>,
}

/// A graph edge: `from` depends on `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphEdge {
    /// Dependent package.
    pub from: String,
    /// Dependency.
    pub to: String,
    /// `binary`, `source` or `observed`.
    pub source: GraphSource,
    /// For observed edges: `call`, `address`, `data`, `funcval` or `itab`.
    pub kind: Option<XrefKind>,
    /// For observed edges: one referencing function and the referenced symbol.
    pub example: Option<[String; 2]>,
}

/// The dependency graph behind the order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphReport {
    /// Nodes.
    pub nodes: Vec<GraphNode>,
    /// Edges.
    pub edges: Vec<GraphEdge>,
}

/// The `init-order` report for one file (`files[]` in the JSON envelope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitOrderFile {
    /// The path as given.
    pub path: String,
    /// False when the file could not be analysed.
    pub ok: bool,
    /// Why not (serialised as its message; [`InitOrderError::code`] has its code).
    pub error: Option<InitOrderError>,
    /// Go version of the binary (`go1.22.10`), when known.
    pub go_version: Option<String>,
    /// `inittask-deps` (Go ≤1.20) or `linker-order` (Go 1.21+).
    pub method: Option<Method>,
    /// ELF constructors that run before Go, in execution order (empty: none).
    pub elf_constructors: Vec<ElfConstructor>,
    /// For PE and Mach-O files (absent for ELF): the constructors that run before Go, in
    /// execution order (PE TLS callbacks then a DLL's entry; Mach-O `__mod_init_func` /
    /// `__init_offsets` entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constructors: Option<Vec<NativeConstructor>>,
    /// Packages with init functions, in initialisation order.
    pub packages: Vec<PackageInit>,
    /// True: the order was reproduced from a graph (the stored edges for Go ≤1.20, the
    /// source's imports for 1.21+); false: it was not (see `first_difference`); null: no
    /// graph to check against.
    pub verified: Option<bool>,
    /// Where the check failed.
    pub first_difference: Option<FirstDifference>,
    /// `binary`, `source` or `observed`.
    pub graph_source: Option<GraphSource>,
    /// Observed references that run against the order (Go 1.21+ without source).
    pub inconsistencies: Vec<Inconsistency>,
    /// Constraints the linker's rule implies that the binary does not store (Go 1.21+).
    pub inferred_constraints: Vec<graph::InferredConstraint>,
    /// How the task lists or root tasks were found (`symbol`, `moduledata`, `runtime.main`,
    /// `scan`, …).
    pub found_by: Option<String>,
    /// How many leading packages are run by the runtime's own list before the rest.
    pub runtime_tasks: usize,
    /// The graph.
    pub graph: GraphReport,
    /// Which code was decoded for observed references: `init-packages` (the functions of
    /// packages in the init lists, the default) or `all` (every non-runtime function); null
    /// when none was decoded.
    pub observed_scope: Option<ObservedScope>,
    /// Findings that did not stop the analysis.
    pub problems: Vec<Problem>,
}

impl InitOrderFile {
    /// An empty report for `path`.
    pub fn new(path: &str) -> Self {
        InitOrderFile {
            path: path.into(),
            ok: true,
            error: None,
            go_version: None,
            method: None,
            elf_constructors: Vec::new(),
            constructors: None,
            packages: Vec::new(),
            verified: None,
            first_difference: None,
            graph_source: None,
            inconsistencies: Vec::new(),
            inferred_constraints: Vec::new(),
            found_by: None,
            runtime_tasks: 0,
            graph: GraphReport::default(),
            observed_scope: None,
            problems: Vec::new(),
        }
    }

    /// A report for a file that could not be analysed.
    pub fn failed(path: &str, error: InitOrderError) -> Self {
        let mut f = InitOrderFile::new(path);
        f.ok = false;
        f.error = Some(error);
        f
    }

    /// Package paths in order.
    pub fn order(&self) -> Vec<String> {
        self.packages.iter().map(|p| p.package.clone()).collect()
    }

    /// Graphviz DOT: packages as nodes labelled with their position, edges `from -> to`
    /// (dependent to dependency); observed edges dashed.
    pub fn to_dot(&self) -> String {
        let mut s = String::from("digraph init_order {\n  rankdir=BT;\n  node [shape=box];\n");
        for n in &self.graph.nodes {
            let label = match n.index {
                Some(i) => format!("{i}: {}", n.package),
                None => format!("- {}", n.package),
            };
            let style = if n.index.is_none() {
                ", style=dashed"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "  {} [label={}{}];",
                dot_quote(&n.package),
                dot_quote(&label),
                style
            );
        }
        for e in &self.graph.edges {
            let style = if e.source == GraphSource::Observed {
                " [style=dashed]"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "  {} -> {}{};",
                dot_quote(&e.from),
                dot_quote(&e.to),
                style
            );
        }
        s.push_str("}\n");
        s
    }

    /// The chain of dependencies that puts `pkg` where it is; see `analysis::init_order::order::why`.
    pub fn why(&self, pkg: &str) -> Option<Why> {
        order::why(self, pkg)
    }
}

/// Why a package initialises where it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Why {
    /// The package asked about.
    pub package: String,
    /// Its position in the order.
    pub index: Option<usize>,
    /// `binary`, `source` or `observed`: the graph the chain comes from (`None`: no graph).
    pub graph_source: Option<GraphSource>,
    /// The chain, from `package` down to a package that waited for nothing (each waits for
    /// the next), or from the root down to `package` for the Go ≤1.20 depth-first walk.
    pub chain: Vec<String>,
    /// The explanation as sentences.
    pub text: Vec<String>,
}

fn dot_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What changed between two orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDiff {
    /// True when both orders are the same.
    pub same: bool,
    /// Packages in both whose relative position changed: (package, old index, new index).
    pub moved: Vec<(String, usize, usize)>,
    /// Packages only in the new order: (package, new index).
    pub appeared: Vec<(String, usize)>,
    /// Packages only in the old order: (package, old index).
    pub vanished: Vec<(String, usize)>,
}

/// The `goelf init-order --baseline --json` document: what changed between two orders.
/// Fields are in the JSON's key order (alphabetical, as first shipped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineReport {
    /// Packages only in the new order.
    pub appeared: Vec<Appeared>,
    /// Always `init-order --baseline`.
    pub command: String,
    /// Packages whose relative position changed.
    pub moved: Vec<Moved>,
    /// The NEW file as given.
    pub new: String,
    /// The OLD file as given.
    pub old: String,
    /// True when both orders are the same.
    pub same: bool,
    /// [`crate::report::SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Always `goelf`.
    pub tool: String,
    /// Packages only in the old order.
    pub vanished: Vec<Vanished>,
    /// goelf's version.
    pub version: String,
}

/// A package that moved (see [`BaselineReport`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    /// Position in the new order.
    pub new_index: usize,
    /// Position in the old order.
    pub old_index: usize,
    /// Package path.
    pub package: String,
}

/// A package only in the new order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeared {
    /// Position in the new order.
    pub new_index: usize,
    /// Package path.
    pub package: String,
}

/// A package only in the old order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vanished {
    /// Position in the old order.
    pub old_index: usize,
    /// Package path.
    pub package: String,
}

impl BaselineReport {
    /// The report for `diff` between the orders of `old` and `new` (paths as given).
    pub fn new(old: &str, new: &str, diff: &OrderDiff) -> Self {
        BaselineReport {
            appeared: diff
                .appeared
                .iter()
                .map(|(p, n)| Appeared {
                    new_index: *n,
                    package: p.clone(),
                })
                .collect(),
            command: "init-order --baseline".into(),
            moved: diff
                .moved
                .iter()
                .map(|(p, o, n)| Moved {
                    new_index: *n,
                    old_index: *o,
                    package: p.clone(),
                })
                .collect(),
            new: new.into(),
            old: old.into(),
            same: diff.same,
            schema_version: crate::report::SCHEMA_VERSION,
            tool: "goelf".into(),
            vanished: diff
                .vanished
                .iter()
                .map(|(p, o)| Vanished {
                    old_index: *o,
                    package: p.clone(),
                })
                .collect(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// Compare two orders of package paths. A package "moved" when it is not part of the
/// longest common subsequence of the two orders.
pub fn diff_orders(old: &[String], new: &[String]) -> OrderDiff {
    let index = |v: &[String]| -> std::collections::BTreeMap<String, usize> {
        v.iter().enumerate().map(|(i, s)| (s.clone(), i)).collect()
    };
    let (old_pos, new_pos) = (index(old), index(new));
    let pos = |m: &std::collections::BTreeMap<String, usize>, s: &str| m.get(s).copied();
    let keep: std::collections::BTreeSet<&str> =
        graph::common_order(old, new).into_iter().collect();
    let mut d = OrderDiff {
        same: old == new,
        moved: Vec::new(),
        appeared: Vec::new(),
        vanished: Vec::new(),
    };
    for (i, p) in new.iter().enumerate() {
        match pos(&old_pos, p) {
            None => d.appeared.push((p.clone(), i)),
            Some(o) if !keep.contains(p.as_str()) => d.moved.push((p.clone(), o, i)),
            Some(_) => {}
        }
    }
    for (i, p) in old.iter().enumerate() {
        if pos(&new_pos, p).is_none() {
            d.vanished.push((p.clone(), i));
        }
    }
    d
}

/// The package order of a saved `goelf init-order --json` document (its first file), for
/// `--baseline`.
pub fn order_from_json(text: &str) -> Result<Vec<String>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if v.get("command").and_then(|c| c.as_str()) != Some("init-order") {
        return Err("not the JSON output of goelf init-order".into());
    }
    let file = v
        .get("files")
        .and_then(|f| f.get(0))
        .ok_or("no files in the JSON document")?;
    if file.get("ok").and_then(|o| o.as_bool()) != Some(true) {
        return Err("the saved report is of a file that failed".into());
    }
    let pkgs = file
        .get("packages")
        .and_then(|p| p.as_array())
        .ok_or("no packages array")?;
    pkgs.iter()
        .map(|p| {
            p.get("package")
                .and_then(|s| s.as_str())
                .map(str::to_string)
                .ok_or_else(|| "a package entry without a name".to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn diff_reports_moves_and_changes() {
        let d = diff_orders(&s(&["a", "b", "c"]), &s(&["a", "b", "c"]));
        assert!(d.same && d.moved.is_empty());
        let d = diff_orders(&s(&["a", "b", "c", "d"]), &s(&["a", "c", "b", "e"]));
        assert!(!d.same);
        assert_eq!(d.moved.len(), 1);
        assert_eq!(d.appeared, [("e".to_string(), 3)]);
        assert_eq!(d.vanished, [("d".to_string(), 3)]);
    }

    #[test]
    fn dot_quotes_names() {
        let mut f = InitOrderFile::new("x");
        f.graph.nodes.push(GraphNode {
            package: "a\"b".into(),
            index: Some(0),
            inittask: None,
            step: None,
            gate: None,
        });
        assert!(f.to_dot().contains("\"a\\\"b\" [label=\"0: a\\\"b\"]"));
    }

    #[test]
    fn closed_sets_keep_their_spellings() {
        let j = |v: serde_json::Value| v.as_str().map(str::to_string).unwrap_or_default();
        let t = |x: &dyn erased::Ser| j(x.value());
        assert_eq!(t(&Method::InittaskDeps), "inittask-deps");
        assert_eq!(t(&Method::LinkerOrder), "linker-order");
        assert_eq!(t(&GraphSource::Observed), "observed");
        assert_eq!(t(&ConstructorKind::PreinitArray), "preinit_array");
        assert_eq!(t(&ConstructorKind::InitArray), "init_array");
        assert_eq!(t(&ObservedScope::InitPackages), "init-packages");
        assert_eq!(t(&DifferenceKind::Deps), "deps");
        assert_eq!(t(&XrefKind::Funcval), "funcval");
        for m in [Method::InittaskDeps, Method::LinkerOrder] {
            assert_eq!(t(&m), m.as_str());
        }
        let e = InitOrderError::Locate(LocateError::NoTaskList);
        assert_eq!(t(&e), "no Go 1.21+ init task list found");
        assert_eq!(e.code(), "init_order.no_task_list");
        let back: InitOrderError = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back, InitOrderError::Other("x".into()));
    }

    mod erased {
        pub trait Ser {
            fn value(&self) -> serde_json::Value;
        }
        impl<T: serde::Serialize> Ser for T {
            fn value(&self) -> serde_json::Value {
                serde_json::to_value(self).unwrap()
            }
        }
    }

    #[test]
    fn order_from_saved_json() {
        let mut f = InitOrderFile::new("x");
        f.packages.push(PackageInit {
            index: 0,
            package: "runtime".into(),
            inittask: None,
            functions: vec![],
            deps: vec![],
            deps_source: GraphSource::Binary,
        });
        let doc = crate::report::Envelope::new("init-order", vec![f]);
        let text = serde_json::to_string(&doc).unwrap();
        assert_eq!(order_from_json(&text).unwrap(), ["runtime"]);
        assert!(order_from_json("{}").is_err());
    }
}

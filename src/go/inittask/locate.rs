//! Finding a binary's init tasks and reading them all: the roots `runtime..inittask` and
//! `main..inittask` (Go 1.13–1.20), the linker-built lists `go:runtime.inittasks` (as the
//! slice `runtime.runtime_inittasks`) and `go:main.inittasks` (as `moduledata.inittasks`)
//! for Go 1.21+, each by symbol when there is one and else from the code of `runtime.main`
//! (`src/runtime/proc.go`: `doInit(runtime_inittasks)` then `doInit1` over the main list;
//! `src/cmd/link/internal/ld/inittask.go` writes the lists). Tasks are named by their
//! `<pkg>..inittask` symbol, else by the package of their first function.
//!
//! The layouts and lists are described in docs/FORMATS.md §4.2 and §4.3.
//!
//! Every task is read through one [`TaskReader`] (each once, within the file's budget), and
//! every loop is bounded by [`limits::MAX_INIT_TASKS`].

use std::collections::{BTreeMap, BTreeSet};

use super::{layout_of, read_slice_header, read_task_list, InitTask, InitTaskEra, TaskReader};
use crate::code::{code_refs, RefKind};
use crate::error::{Error, Problem};
use crate::image::Image;
use crate::limits;
use crate::symbolize::{names, Symbolizer};

/// A task with its package and functions named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedTask {
    /// Address of the record.
    pub address: u64,
    /// Package path (`main` for the command), or `(unnamed task @0x…)`.
    pub package: String,
    /// The functions it runs, by name (`0x…` when unnamed), in order.
    pub functions: Vec<String>,
    /// Addresses of the tasks it depends on (Go ≤1.20).
    pub deps: Vec<u64>,
}

/// How the roots of a Go 1.13–1.20 binary were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootsFoundBy {
    /// The `main..inittask` symbol.
    Symbol,
    /// The task addresses `runtime.main` loads.
    RuntimeMain,
}

impl RootsFoundBy {
    /// `symbol` or `runtime.main`, as in the report's `found_by`.
    pub fn as_str(self) -> &'static str {
        match self {
            RootsFoundBy::Symbol => "symbol",
            RootsFoundBy::RuntimeMain => "runtime.main",
        }
    }
}

/// The root tasks of a Go 1.13–1.20 binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roots {
    /// `runtime..inittask`, when found.
    pub runtime: Option<u64>,
    /// `main..inittask`.
    pub main: u64,
    /// How they were found.
    pub found_by: RootsFoundBy,
}

/// The tasks of a Go 1.13–1.20 binary: everything reachable from the roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepsTasks {
    /// `runtime..inittask`, when found.
    pub runtime: Option<u64>,
    /// `main..inittask`.
    pub main: u64,
    /// How the roots were found.
    pub found_by: RootsFoundBy,
    /// Every valid task reachable from the roots, by address.
    pub tasks: BTreeMap<u64, NamedTask>,
}

/// Why no tasks could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocateError {
    /// Go 1.13–1.20: no `main..inittask` symbol and no valid task loaded by `runtime.main`.
    NoMainTask,
    /// Go 1.13–1.20: `main..inittask` was found but does not decode as a task.
    BadMainTask,
    /// Go 1.21+: no linker-built task list.
    NoTaskList,
}

impl LocateError {
    /// A stable code (`init_order.<…>`).
    pub fn code(self) -> &'static str {
        match self {
            LocateError::NoMainTask => "init_order.no_main_task",
            LocateError::BadMainTask => "init_order.bad_main_task",
            LocateError::NoTaskList => "init_order.no_task_list",
        }
    }
}

impl std::fmt::Display for LocateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LocateError::NoMainTask => {
                "no main..inittask: no symbol, and no valid task loaded by runtime.main"
            }
            LocateError::BadMainTask => "main..inittask does not decode as a Go 1.13–1.20 task",
            LocateError::NoTaskList => "no Go 1.21+ init task list found",
        })
    }
}

impl std::error::Error for LocateError {}

/// The tasks of a Go 1.21+ binary, in the order the runtime runs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkerTasks {
    /// How the lists were found (`runtime list: …; main list: …`).
    pub found_by: String,
    /// The main list as the linker sorted it (each task once; tasks that do not decode
    /// left out).
    pub main: Vec<NamedTask>,
    /// The run-time order: the runtime's list, then the main list skipping tasks done.
    pub order: Vec<NamedTask>,
    /// How many leading tasks of `order` the runtime's list runs.
    pub runtime_tasks: usize,
}

/// Finds and reads the init tasks of one binary; see the module docs.
#[derive(Debug)]
pub struct Locator<'i, 'a> {
    image: &'i Image<'a>,
    funcs: &'i Symbolizer<'i, 'a>,
    /// `moduledata.inittasks` (address, count), when the moduledata was found.
    moduledata_inittasks: Option<(u64, u64)>,
    /// `…..inittask` symbols by address.
    task_syms: BTreeMap<u64, String>,
    /// Every task read, each once, within the file's budget.
    tasks: TaskReader<'i, 'a>,
}

impl<'i, 'a> Locator<'i, 'a> {
    /// A locator over `image`, naming functions with `funcs`; `moduledata_inittasks` is
    /// `moduledata.inittasks` when the moduledata was decoded.
    pub fn new(
        image: &'i Image<'a>,
        funcs: &'i Symbolizer<'i, 'a>,
        moduledata_inittasks: Option<(u64, u64)>,
    ) -> Self {
        let task_syms = image
            .symbols()
            .iter()
            .filter(|s| !s.dynamic && s.name.ends_with(b"..inittask"))
            .filter_map(|s| {
                let n = std::str::from_utf8(s.name).ok()?;
                Some((
                    s.vaddr,
                    names::prefix_to_path(n.strip_suffix("..inittask")?),
                ))
            })
            .collect();
        Locator {
            image,
            funcs,
            moduledata_inittasks,
            task_syms,
            tasks: TaskReader::new(image),
        }
    }

    /// Package of a task: its symbol, else its first function's package, else unnamed.
    fn task_name(&self, t: &InitTask) -> String {
        if let Some(n) = self.task_syms.get(&t.address) {
            return n.clone();
        }
        if let Some(pkg) = t
            .fns
            .first()
            .and_then(|&f| self.funcs.name_at(f))
            .and_then(|n| names::funcpkgpath(&n))
        {
            return pkg;
        }
        format!("(unnamed task @{:#x})", t.address)
    }

    fn named(&self, t: &InitTask) -> NamedTask {
        NamedTask {
            address: t.address,
            package: self.task_name(t),
            functions: t
                .fns
                .iter()
                .map(|&f| self.funcs.name_at(f).unwrap_or_else(|| format!("{f:#x}")))
                .collect(),
            deps: t.deps.clone(),
        }
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
        code_refs(&self.image.arch(), code, f.entry, &mut out);
        out.into_iter()
            .filter(|r| r.kind != RefKind::Call && !self.image.is_exec_vaddr(r.target))
            .map(|r| (r.target, r.kind))
            .collect()
    }

    // -----------------------------------------------------------------------------------
    // Go 1.13–1.20

    /// Go 1.13–1.20: `runtime..inittask` and `main..inittask`, by symbol, else among the
    /// valid tasks whose addresses `runtime.main` loads.
    pub fn find_roots(&mut self) -> Result<Roots, LocateError> {
        let layout = layout_of(InitTaskEra::Deps);
        let sym = |n: &str| self.image.symbol(n).map(|s| s.vaddr);
        if let Some(main) = sym("main..inittask") {
            return Ok(Roots {
                runtime: sym("runtime..inittask"),
                main,
                found_by: RootsFoundBy::Symbol,
            });
        }
        // Stripped: runtime.main calls doInit(&runtime..inittask) then doInit(&main..inittask);
        // keep the address loads there that decode as valid tasks.
        let mut cands: Vec<u64> = Vec::new();
        for (a, _) in self.refs_of("runtime.main") {
            if cands.contains(&a) {
                continue;
            }
            let deps = match self.tasks.read_valid(layout, a) {
                Ok(t) => t.deps.clone(),
                Err(_) => continue,
            };
            if deps
                .iter()
                .all(|&d| self.tasks.read_valid(layout, d).is_ok())
            {
                cands.push(a);
            }
        }
        let name_of = |l: &Self, a: u64| {
            layout
                .read(l.image, a)
                .ok()
                .and_then(|t| t.fns.first().and_then(|&f| l.funcs.name_at(f)))
        };
        let main = cands
            .iter()
            .copied()
            .find(|&a| name_of(self, a).is_some_and(|n| n.starts_with("main.")))
            .or_else(|| cands.last().copied());
        let runtime = cands
            .iter()
            .copied()
            .find(|&a| name_of(self, a).is_some_and(|n| n.starts_with("runtime.")))
            .or_else(|| cands.first().copied().filter(|&a| Some(a) != main));
        match main {
            Some(main) => Ok(Roots {
                runtime,
                main,
                found_by: RootsFoundBy::RuntimeMain,
            }),
            None => Err(LocateError::NoMainTask),
        }
    }

    /// Every task reachable from the roots (bounded, each address tried once; a task that
    /// does not decode becomes a problem).
    pub fn deps_tasks(
        &mut self,
        roots: Roots,
        problems: &mut Vec<Problem>,
    ) -> Result<DepsTasks, LocateError> {
        let layout = layout_of(InitTaskEra::Deps);
        let Roots {
            runtime: rt,
            main,
            found_by,
        } = roots;
        let mut tasks: BTreeMap<u64, InitTask> = BTreeMap::new();
        // Addresses tried, valid or not: each is read (and reported) once.
        let mut tried: BTreeSet<u64> = BTreeSet::new();
        let mut queue: Vec<u64> = rt.into_iter().chain([main]).collect();
        while let Some(a) = queue.pop() {
            if !tried.insert(a) {
                continue;
            }
            if tasks.len() >= limits::MAX_INIT_TASKS {
                problems.push(Problem::new(
                    "init_order.too_many",
                    format!("more than {} init tasks; stopped", limits::MAX_INIT_TASKS),
                ));
                break;
            }
            match self.tasks.read_valid(layout, a) {
                Ok(t) => {
                    queue.extend(t.deps.iter().rev().filter(|d| !tried.contains(d)));
                    tasks.insert(a, t.clone());
                }
                Err(e) => {
                    let too_many = matches!(e, Error::TooMany { .. });
                    problems.push(Problem::from_error("inittask", &e));
                    if too_many {
                        break;
                    }
                }
            }
        }
        if !tasks.contains_key(&main) {
            return Err(LocateError::BadMainTask);
        }
        Ok(DepsTasks {
            runtime: rt,
            main,
            found_by,
            tasks: tasks.iter().map(|(&a, t)| (a, self.named(t))).collect(),
        })
    }

    // -----------------------------------------------------------------------------------
    // Go 1.21+

    /// True when the binary has a valid linker-built main list (Go 1.21+).
    pub fn has_linker_lists(&mut self) -> bool {
        self.linker_lists().is_some()
    }

    fn linker_lists(&mut self) -> Option<Lists> {
        let layout = layout_of(InitTaskEra::LinkerOrdered);
        let p = u64::from(self.image.arch().ptr_size);
        let valid_list = |l: &mut Self, v: &[u64]| {
            !v.is_empty()
                && v.iter().all(|&a| {
                    l.tasks
                        .read_valid(layout, a)
                        .is_ok_and(|t| !t.fns.is_empty())
                })
        };
        let image = self.image;
        let mut how = Vec::new();
        // The runtime's list: the slice header runtime.runtime_inittasks.
        let mut runtime = None;
        if let Some(s) = image.symbol("runtime.runtime_inittasks") {
            if let Ok((ptr, len)) = read_slice_header(image, s.vaddr) {
                runtime = read_task_list(image, ptr, len).ok();
                how.push("runtime list: symbol runtime.runtime_inittasks");
            }
        }
        if runtime.is_none() {
            // runtime.main loads the header to call doInit(runtime_inittasks).
            for (a, _) in self.refs_of("runtime.main") {
                let Ok((ptr, len)) = read_slice_header(image, a) else {
                    continue;
                };
                if let Ok(v) = read_task_list(image, ptr, len) {
                    let is_runtime = v.iter().any(|&t| {
                        let first = self
                            .tasks
                            .read_valid(layout, t)
                            .ok()
                            .and_then(|t| t.fns.first().copied());
                        first
                            .and_then(|f| self.funcs.name_at(f))
                            .is_some_and(|n| n.starts_with("runtime."))
                    });
                    if valid_list(self, &v) && is_runtime {
                        runtime = Some(v);
                        how.push("runtime list: slice header loaded by runtime.main");
                        break;
                    }
                }
            }
        }
        // The main list: moduledata.inittasks, else the symbol go:main.inittasks.
        let mut main = None;
        if let Some((addr, n)) = self.moduledata_inittasks {
            main = read_task_list(image, addr, n).ok();
            how.push("main list: moduledata.inittasks");
        }
        if main.is_none() {
            if let Some(s) = image.symbol("go:main.inittasks") {
                main = if s.size > 0 {
                    read_task_list(image, s.vaddr, s.size / p).ok()
                } else {
                    // PE and Mach-O symbols carry no size: read up to the next symbol and
                    // keep the leading entries that are valid tasks.
                    let next = image
                        .symbols()
                        .iter()
                        .filter(|x| x.vaddr > s.vaddr)
                        .map(|x| x.vaddr)
                        .min()
                        .unwrap_or(s.vaddr);
                    let n = ((next - s.vaddr) / p).min(limits::MAX_INIT_TASKS as u64);
                    read_task_list(image, s.vaddr, n).ok().map(|v| {
                        v.into_iter()
                            .take_while(|&a| {
                                self.tasks
                                    .read_valid(layout, a)
                                    .is_ok_and(|t| !t.fns.is_empty())
                            })
                            .collect()
                    })
                };
                how.push("main list: symbol go:main.inittasks");
            }
        }
        let main = main.filter(|v| valid_list(self, v))?;
        Some(Lists {
            runtime,
            main,
            found_by: how.join("; "),
        })
    }

    /// The linker-built lists and the run-time order of their tasks; a task that does not
    /// decode becomes a problem.
    pub fn linker_tasks(
        &mut self,
        problems: &mut Vec<Problem>,
    ) -> Result<LinkerTasks, LocateError> {
        let layout = layout_of(InitTaskEra::LinkerOrdered);
        let lists = self.linker_lists().ok_or(LocateError::NoTaskList)?;
        let mut found_by = lists.found_by.clone();
        let mut read = |l: &mut Self, a: u64| match l.tasks.read_valid(layout, a) {
            Ok(t) => Some(t.clone()),
            Err(e) => {
                problems.push(Problem::from_error("inittask", &e));
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
            .filter_map(|&a| read(self, a))
            .collect();
        let main: Vec<NamedTask> = main_tasks.iter().map(|t| self.named(t)).collect();
        let runtime_addrs: Vec<u64> = match &lists.runtime {
            Some(v) => v.clone(),
            None => {
                // The runtime's closure runs first; its members precede `runtime` in the main
                // list and (for every Go release so far) live under internal/ or runtime/.
                found_by.push_str("; runtime list: inferred from the main list");
                match main.iter().position(|t| t.package == "runtime") {
                    Some(r) => main
                        .iter()
                        .take(r.saturating_add(1))
                        .filter(|t| {
                            let n = &t.package;
                            n == "runtime"
                                || n.starts_with("internal/")
                                || n.starts_with("runtime/")
                        })
                        .map(|t| t.address)
                        .collect(),
                    None => Vec::new(),
                }
            }
        };
        // Run-time order: the runtime's list, then the main list skipping tasks already done.
        let by_addr: BTreeMap<u64, &NamedTask> = main.iter().map(|t| (t.address, t)).collect();
        let mut seen = BTreeSet::new();
        let mut order: Vec<NamedTask> = Vec::new();
        for &a in runtime_addrs.iter().chain(lists.main.iter()) {
            if !seen.insert(a) {
                continue;
            }
            if let Some(t) = by_addr.get(&a).map(|&t| t.clone()) {
                order.push(t);
            } else if let Some(t) = read(self, a) {
                order.push(self.named(&t));
            }
        }
        let runtime_tasks = runtime_addrs.len().min(order.len());
        Ok(LinkerTasks {
            found_by,
            main,
            order,
            runtime_tasks,
        })
    }
}

struct Lists {
    runtime: Option<Vec<u64>>,
    main: Vec<u64>,
    found_by: String,
}

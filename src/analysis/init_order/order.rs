//! Assembling the [`InitOrderFile`] report from decoded tasks: the Go ≤1.20 depth-first
//! order over the stored edges and its check against the source's imports, the Go 1.21+
//! stored order and its check by re-running the linker's rule over the imports, the
//! observed references checked against the order, and the `--why` chains. Pure code over
//! plain data: the caller decodes ([`crate::go::inittask::locate`], [`crate::code::xref`]).

use std::collections::{BTreeMap, BTreeSet};

use super::graph::{self, DfsOrder, Graph};
use super::{
    golist, DifferenceKind, FirstDifference, GraphEdge, GraphNode, GraphSource, Inconsistency,
    InitOrderFile, Method, PackageInit, Why,
};
use crate::code::xref::PackageXref;
use crate::error::Problem;
use crate::go::inittask::locate::{DepsTasks, LinkerTasks};

// ---------------------------------------------------------------------------------------
// Go 1.13–1.20

/// The graph of a Go ≤1.20 binary's tasks and the runtime's walk over it, for
/// [`check_deps`].
#[derive(Debug, Clone)]
pub struct DepsOrder {
    g: Graph,
    dfs: DfsOrder,
    index_of: BTreeMap<usize, usize>,
}

/// Go 1.13–1.20: the runtime's depth-first `doInit` walk from `runtime..inittask` then
/// `main..inittask` over the stored edges; fills `packages`, `runtime_tasks`, `graph` and
/// `verified` (no cycle), and reports cycles.
pub fn deps_order(
    rep: &mut InitOrderFile,
    decoded: &DepsTasks,
    problems: &mut Vec<Problem>,
) -> DepsOrder {
    let tasks = &decoded.tasks;
    let (rt, main) = (decoded.runtime, decoded.main);
    let mut g = Graph::new();
    let mut node_of: BTreeMap<u64, usize> = BTreeMap::new();
    for (&a, t) in tasks {
        let mut name = t.package.clone();
        if g.get(&name).is_some() {
            name = format!("{name} @{a:#x}");
        }
        node_of.insert(a, g.node(&name));
    }
    for (a, t) in tasks {
        let Some(&from) = node_of.get(a) else {
            continue;
        };
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
    let name = |n: usize| g.names.get(n).cloned().unwrap_or_default();
    for &(a, b) in &dfs.cycles {
        problems.push(Problem::new(
            "init_order.cycle",
            format!(
                "{} -> {} closes a cycle (the runtime would throw \"recursive call during initialization\")",
                name(a),
                name(b)
            ),
        ));
    }
    let addr_of: BTreeMap<usize, u64> = node_of.iter().map(|(&a, &n)| (n, a)).collect();
    let rt_node = roots.first().copied().filter(|_| rt.is_some());
    let rt_closure: BTreeSet<usize> = rt_node
        .map(|r| g.reachable(&[r]).into_iter().collect())
        .unwrap_or_default();
    let deps_of = |n: usize| -> Vec<String> {
        g.deps
            .get(n)
            .map(|d| d.iter().map(|&d| name(d)).collect())
            .unwrap_or_default()
    };
    let mut index_of: BTreeMap<usize, usize> = BTreeMap::new();
    for &n in &dfs.order {
        let Some(t) = addr_of.get(&n).and_then(|a| tasks.get(a)) else {
            continue;
        };
        if t.functions.is_empty() {
            continue;
        }
        let i = rep.packages.len();
        index_of.insert(n, i);
        if rt_closure.contains(&n) {
            rep.runtime_tasks += 1;
        }
        rep.packages.push(PackageInit {
            index: i,
            package: name(n),
            inittask: Some(t.address),
            functions: t.functions.clone(),
            deps: deps_of(n),
            deps_source: GraphSource::Binary,
        });
    }
    for (step, &n) in dfs.order.iter().enumerate() {
        rep.graph.nodes.push(GraphNode {
            package: name(n),
            index: index_of.get(&n).copied(),
            inittask: addr_of.get(&n).copied(),
            step: Some(step),
            gate: dfs.parent.get(n).copied().flatten().map(name),
        });
        for d in deps_of(n) {
            rep.graph.edges.push(GraphEdge {
                from: name(n),
                to: d,
                source: GraphSource::Binary,
                kind: None,
                example: None,
            });
        }
    }
    rep.verified = Some(dfs.cycles.is_empty());
    DepsOrder { g, dfs, index_of }
}

/// Go 1.13–1.20 with the source: the stored edges must be the imports that have tasks.
pub fn check_deps(rep: &mut InitOrderFile, order: &DepsOrder, pkgs: &[golist::GoListPackage]) {
    let DepsOrder { g, dfs, index_of } = order;
    let with_task: BTreeSet<String> = g.names.iter().cloned().collect();
    let by_node: BTreeMap<&str, &golist::GoListPackage> =
        pkgs.iter().map(|p| (golist::node_name(p), p)).collect();
    let node_of_path: BTreeMap<&str, &str> = pkgs
        .iter()
        .map(|p| (p.import_path.as_str(), golist::node_name(p)))
        .collect();
    let mut first: Option<FirstDifference> = None;
    for (step, &n) in dfs.order.iter().enumerate() {
        let name = g.names.get(n).map_or("", String::as_str);
        let found: BTreeSet<String> = g
            .deps
            .get(n)
            .into_iter()
            .flatten()
            .filter_map(|&d| g.names.get(d).cloned())
            .collect();
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
                what: DifferenceKind::Deps,
            });
            break;
        }
    }
    rep.graph_source = Some(GraphSource::Source);
    rep.verified = Some(first.is_none() && dfs.cycles.is_empty());
    rep.first_difference = first;
}

// ---------------------------------------------------------------------------------------
// Go 1.21+

/// Go 1.21+: the stored order as `packages`, `runtime_tasks`, and the constraints the
/// linker's rule implies (`inferred_constraints`).
pub fn linker_order(rep: &mut InitOrderFile, decoded: &LinkerTasks) {
    rep.runtime_tasks = decoded.runtime_tasks;
    for (i, t) in decoded.order.iter().enumerate() {
        rep.packages.push(PackageInit {
            index: i,
            package: t.package.clone(),
            inittask: Some(t.address),
            functions: t.functions.clone(),
            deps: Vec::new(),
            deps_source: GraphSource::Observed,
        });
    }
    let main_names: Vec<String> = decoded.main.iter().map(|t| t.package.clone()).collect();
    rep.inferred_constraints = graph::infer_constraints(&main_names);
}

/// Go 1.21+ with the source: re-run the linker's rule over the imports (the runtime's
/// closure, then main's, skipping packages done) and compare with the stored order.
pub fn check_linker(
    rep: &mut InitOrderFile,
    pkgs: &[golist::GoListPackage],
    problems: &mut Vec<Problem>,
) {
    let stored = rep.order();
    rep.graph_source = Some(GraphSource::Source);
    let work: BTreeSet<String> = stored.iter().cloned().collect();
    let g = golist::task_graph(pkgs, &work);
    let name = |n: usize| g.names.get(n).cloned().unwrap_or_default();
    let sym = |i: usize| graph::inittask_symbol(g.names.get(i).map_or("", String::as_str));
    let m = g.get("main").map(|m| graph::linker_order(&g, &[m], sym));
    let r = g.get("runtime").map(|r| graph::linker_order(&g, &[r], sym));
    let mut expected: Vec<String> = Vec::new();
    let mut done = BTreeSet::new();
    for o in r.iter().chain(m.iter()) {
        for &n in &o.order {
            if done.insert(n) && work.contains(&name(n)) {
                expected.push(name(n));
            }
        }
    }
    let diff = (0..expected.len().max(stored.len())).find(|&i| expected.get(i) != stored.get(i));
    rep.verified = Some(diff.is_none());
    rep.first_difference = diff.map(|i| FirstDifference {
        index: i,
        expected: expected.get(i).cloned(),
        found: stored.get(i).cloned(),
        what: DifferenceKind::Order,
    });
    let deps_of = |n: usize| -> Vec<String> {
        g.deps
            .get(n)
            .map(|d| d.iter().map(|&d| name(d)).collect())
            .unwrap_or_default()
    };
    for p in rep.packages.iter_mut() {
        p.deps_source = GraphSource::Source;
        p.deps = g.get(&p.package).map(deps_of).unwrap_or_default();
    }
    if let Some(m) = &m {
        for u in &m.unschedulable {
            problems.push(Problem::new(
                "init_order.cycle",
                format!(
                    "{} can never be scheduled (import cycle in the source graph)",
                    name(*u)
                ),
            ));
        }
        let index: BTreeMap<&str, usize> = stored
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        for (step, &n) in m.order.iter().enumerate() {
            let pkg = name(n);
            rep.graph.nodes.push(GraphNode {
                index: index.get(pkg.as_str()).copied(),
                inittask: rep
                    .packages
                    .iter()
                    .find(|p| p.package == pkg)
                    .and_then(|p| p.inittask),
                step: Some(step),
                gate: m.gate.get(n).copied().flatten().map(name),
                package: pkg.clone(),
            });
            for d in deps_of(n) {
                rep.graph.edges.push(GraphEdge {
                    from: pkg.clone(),
                    to: d,
                    source: GraphSource::Source,
                    kind: None,
                    example: None,
                });
            }
        }
    }
}

/// Go 1.21+ without the source: check the observed references (one per package pair,
/// `(from, to)`) against the order. A reference to a package that initialises later is an
/// [`Inconsistency`]; the others become the graph's edges, each package's `deps` and its
/// `gate` (the latest), and explain the inferred constraints they satisfy.
pub fn observed(rep: &mut InitOrderFile, edges: &BTreeMap<(String, String), PackageXref>) {
    let index: BTreeMap<&str, usize> = rep
        .packages
        .iter()
        .map(|p| (p.package.as_str(), p.index))
        .collect();
    let mut deps: BTreeMap<usize, Vec<(usize, String)>> = BTreeMap::new();
    for ((from, to), o) in edges {
        let (Some(&fi), Some(&ti)) = (index.get(from.as_str()), index.get(to.as_str())) else {
            continue;
        };
        if ti > fi {
            rep.inconsistencies.push(Inconsistency {
                from: from.clone(),
                from_index: fi,
                to: to.clone(),
                to_index: ti,
                kind: o.kind,
                example: o.example.clone(),
                explanation: o.cause.map(|c| c.text().to_string()),
            });
            continue;
        }
        deps.entry(fi).or_default().push((ti, to.clone()));
        rep.graph.edges.push(GraphEdge {
            from: from.clone(),
            to: to.clone(),
            source: GraphSource::Observed,
            kind: Some(o.kind),
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

/// See [`InitOrderFile::why`]: follow `gate` links from `pkg` (a visited set bounds the walk).
pub fn why(rep: &InitOrderFile, pkg: &str) -> Option<Why> {
    let nodes: BTreeMap<&str, &GraphNode> = rep
        .graph
        .nodes
        .iter()
        .map(|n| (n.package.as_str(), n))
        .collect();
    let start = nodes.get(pkg)?;
    let source = rep.graph_source;
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
    match (rep.method, source) {
        (Some(Method::InittaskDeps), _) => {
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
        (_, Some(GraphSource::Source)) => {
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

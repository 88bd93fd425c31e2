//! Package graphs and the two ordering rules Go has used:
//! - Go 1.13–1.20: the runtime's depth-first `doInit` walk over each task's `deps`
//!   (`src/runtime/proc.go` 1.19, `doInit`);
//! - Go 1.21+: the linker's rule (`src/cmd/link/internal/ld/inittask.go` `inittaskSym` with
//!   `heap.go` `lexHeap`): repeatedly take the ready package whose inittask SYMBOL name
//!   (`objabi.PathToPrefix(path) + "..inittask"`) is smallest.
//!
//! Pure code over names and indices; every walk is bounded by the node and edge counts.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// `cmd/internal/objabi/path.go` `PathToPrefix` (the one implementation is in
/// `symbolize::names`).
pub fn path_to_prefix(path: &str) -> String {
    crate::symbolize::names::path_to_prefix(path).into_owned()
}

/// The inittask symbol name of a package: `<PathToPrefix(path)>..inittask`.
pub fn inittask_symbol(path: &str) -> String {
    format!("{}..inittask", path_to_prefix(path))
}

/// A directed graph of packages: `deps[i]` are the packages `names[i]` depends on (imports).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    /// Package path per node.
    pub names: Vec<String>,
    /// Dependencies per node (indices into `names`), in stored or import order.
    pub deps: Vec<Vec<usize>>,
    index: BTreeMap<String, usize>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Graph::default()
    }

    /// The node for `name`, added when new.
    pub fn node(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len();
        self.names.push(name.to_string());
        self.deps.push(Vec::new());
        self.index.insert(name.to_string(), i);
        i
    }

    /// The node for `name`, if present.
    pub fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Add the edge `from` depends on `to` (once).
    pub fn add_edge(&mut self, from: usize, to: usize) {
        if let Some(d) = self.deps.get_mut(from) {
            if !d.contains(&to) {
                d.push(to);
            }
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Nodes reachable from `roots` (roots included), in discovery order.
    pub fn reachable(&self, roots: &[usize]) -> Vec<usize> {
        let mut seen = vec![false; self.len()];
        let mut out = Vec::new();
        let mut stack: Vec<usize> = roots.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            if n >= self.len() || seen[n] {
                continue;
            }
            seen[n] = true;
            out.push(n);
            for &d in self.deps[n].iter().rev() {
                if d < self.len() && !seen[d] {
                    stack.push(d);
                }
            }
        }
        out
    }
}

/// Result of the runtime's depth-first walk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DfsOrder {
    /// Nodes in the order their initialisation completes (post-order).
    pub order: Vec<usize>,
    /// For each node reached, the node whose `deps` first led to it (None for roots).
    pub parent: Vec<Option<usize>>,
    /// Edges that closed a cycle (the runtime would throw "recursive call during
    /// initialization - linker skew"); they are skipped.
    pub cycles: Vec<(usize, usize)>,
}

/// `doInit` from each root in turn (runtime first, then main, as `runtime.main` does).
/// Iterative, with the runtime's three states; every node and edge is visited once.
pub fn runtime_dfs(g: &Graph, roots: &[usize]) -> DfsOrder {
    let n = g.len();
    let mut state = vec![0u8; n];
    let mut out = DfsOrder {
        order: Vec::new(),
        parent: vec![None; n],
        cycles: Vec::new(),
    };
    for &root in roots {
        if root >= n || state[root] != 0 {
            continue;
        }
        // (node, next dep index)
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(top) = stack.last_mut() {
            let (node, i) = *top;
            if let Some(&d) = g.deps[node].get(i) {
                top.1 += 1;
                if d >= n {
                    continue;
                }
                match state[d] {
                    0 => {
                        state[d] = 1;
                        out.parent[d] = Some(node);
                        stack.push((d, 0));
                    }
                    1 => out.cycles.push((node, d)),
                    _ => {}
                }
            } else {
                state[node] = 2;
                out.order.push(node);
                stack.pop();
            }
        }
    }
    out
}

/// Result of the linker's rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkerOrder {
    /// Every node reachable from the roots, in scheduling order.
    pub order: Vec<usize>,
    /// For each scheduled node, the dependency whose scheduling made it ready (None: ready
    /// from the start).
    pub gate: Vec<Option<usize>>,
    /// Nodes that could never be scheduled (a cycle; the linker fails the link).
    pub unschedulable: Vec<usize>,
}

/// The linker's rule over the nodes reachable from `roots`: keep the packages whose
/// dependencies are all scheduled in a heap keyed by `symbol(node)`, pop the smallest,
/// repeat (`inittask.go` `inittaskSym`).
pub fn linker_order(g: &Graph, roots: &[usize], symbol: impl Fn(usize) -> String) -> LinkerOrder {
    let n = g.len();
    let nodes = g.reachable(roots);
    let mut in_set = vec![false; n];
    for &x in &nodes {
        in_set[x] = true;
    }
    let keys: Vec<String> = (0..n)
        .map(|i| if in_set[i] { symbol(i) } else { String::new() })
        .collect();
    let mut pending = vec![0usize; n];
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut heap = BinaryHeap::new();
    for &x in &nodes {
        let mut deps: Vec<usize> = g.deps[x].iter().copied().filter(|&d| d < n).collect();
        deps.sort_unstable();
        deps.dedup();
        pending[x] = deps.len();
        for d in deps {
            users[d].push(x);
        }
        if pending[x] == 0 {
            heap.push(Reverse((keys[x].clone(), x)));
        }
    }
    let mut out = LinkerOrder {
        order: Vec::with_capacity(nodes.len()),
        gate: vec![None; n],
        unschedulable: Vec::new(),
    };
    let mut done = vec![false; n];
    while let Some(Reverse((_, x))) = heap.pop() {
        if done[x] {
            continue;
        }
        done[x] = true;
        out.order.push(x);
        for &u in &users[x] {
            pending[u] = pending[u].saturating_sub(1);
            if pending[u] == 0 && !done[u] {
                out.gate[u] = Some(x);
                heap.push(Reverse((keys[u].clone(), u)));
            }
        }
    }
    out.unschedulable = nodes.into_iter().filter(|&x| !done[x]).collect();
    out
}

/// A constraint the stored order implies but does not show (Go 1.21+): when `passed_over_by`
/// was scheduled, `package` sorted lower but was not ready, so it depends (directly or
/// not) on one of `waits_for_one_of` or on a package without init functions that was still
/// waiting itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InferredConstraint {
    /// The package that waited.
    pub package: String,
    /// Its position in the linker's list.
    pub index: usize,
    /// The last package scheduled while it waited although it sorts higher.
    pub passed_over_by: String,
    /// Position of `passed_over_by` in the linker's list.
    pub passed_over_at: usize,
    /// The packages of the list between `passed_over_by` (included) and `package`.
    pub waits_for_one_of: Vec<String>,
    /// An observed reference that accounts for the wait, when there is one
    /// (`package -> dependency`).
    pub explained_by: Option<String>,
}

/// Infer the hidden constraints of a linker-ordered list (`go:main.inittasks` order, by
/// package path). Quadratic in the list length, which is bounded by the task limit.
pub fn infer_constraints(order: &[String]) -> Vec<InferredConstraint> {
    let syms: Vec<String> = order.iter().map(|p| inittask_symbol(p)).collect();
    let mut out = Vec::new();
    for (m, y) in syms.iter().enumerate() {
        let last = (0..m).rev().find(|&k| syms[k] > *y);
        if let Some(k) = last {
            out.push(InferredConstraint {
                package: order[m].clone(),
                index: m,
                passed_over_by: order[k].clone(),
                passed_over_at: k,
                waits_for_one_of: order[k..m].to_vec(),
                explained_by: None,
            });
        }
    }
    out
}

/// Longest common subsequence of two sequences of distinct names, by longest increasing
/// subsequence of positions (O(n log n)). Returns the names in it.
pub fn common_order<'a>(old: &'a [String], new: &[String]) -> Vec<&'a str> {
    let pos_new: BTreeMap<&str, usize> = new
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let seq: Vec<(usize, &str)> = old
        .iter()
        .filter_map(|s| pos_new.get(s.as_str()).map(|&p| (p, s.as_str())))
        .collect();
    // Patience LIS with back-pointers.
    let mut tails: Vec<usize> = Vec::new(); // indices into seq
    let mut prev: Vec<Option<usize>> = vec![None; seq.len()];
    for (i, &(p, _)) in seq.iter().enumerate() {
        let at = tails.partition_point(|&t| seq[t].0 < p);
        if at > 0 {
            prev[i] = Some(tails[at - 1]);
        }
        if at == tails.len() {
            tails.push(i);
        } else {
            tails[at] = i;
        }
    }
    let mut out = Vec::new();
    let mut cur = tails.last().copied();
    while let Some(i) = cur {
        out.push(seq[i].1);
        cur = prev[i];
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> Graph {
        let mut g = Graph::new();
        for (from, tos) in edges {
            let f = g.node(from);
            for t in *tos {
                let t = g.node(t);
                g.add_edge(f, t);
            }
        }
        g
    }

    fn names(g: &Graph, order: &[usize]) -> Vec<String> {
        order.iter().map(|&i| g.names[i].clone()).collect()
    }

    #[test]
    fn path_to_prefix_matches_objabi() {
        assert_eq!(path_to_prefix("example.com/foo"), "example.com/foo");
        assert_eq!(path_to_prefix("example.com/foo.v2"), "example.com/foo%2ev2");
        assert_eq!(path_to_prefix("a b/c%d\"e"), "a%20b/c%25d%22e");
        assert_eq!(path_to_prefix("gopkg.in/yaml.v3"), "gopkg.in/yaml%2ev3");
        assert_eq!(path_to_prefix("x/\u{e9}"), "x/%c3%a9");
        assert_eq!(path_to_prefix("main"), "main");
    }

    #[test]
    fn symbol_order_differs_from_path_order() {
        // '-' (0x2d) < '.' (0x2e): foo-x..inittask < foo..inittask although foo < foo-x.
        assert!(inittask_symbol("e/foo-x") < inittask_symbol("e/foo"));
        assert!("e/foo" < "e/foo-x");
    }

    #[test]
    fn dfs_is_the_runtime_walk() {
        let g = graph(&[
            ("main", &["a", "aa", "runtime"]),
            ("a", &["b", "c"]),
            ("b", &["d"]),
            ("c", &["d"]),
            ("aa", &["zz"]),
            ("runtime", &["internal/bytealg"]),
        ]);
        let rt = g.get("runtime").unwrap();
        let main = g.get("main").unwrap();
        let r = runtime_dfs(&g, &[rt, main]);
        assert_eq!(
            names(&g, &r.order),
            [
                "internal/bytealg",
                "runtime",
                "d",
                "b",
                "c",
                "a",
                "zz",
                "aa",
                "main"
            ]
        );
        assert!(r.cycles.is_empty());
        assert_eq!(r.parent[g.get("d").unwrap()], g.get("b"));
    }

    #[test]
    fn dfs_survives_cycles() {
        let g = graph(&[("main", &["a"]), ("a", &["b"]), ("b", &["a", "main"])]);
        let r = runtime_dfs(&g, &[0]);
        assert_eq!(r.order.len(), 3);
        assert_eq!(r.cycles.len(), 2);
    }

    #[test]
    fn linker_rule_takes_smallest_ready_symbol() {
        let g = graph(&[
            ("main", &["e/aa", "e/foo", "e/foo-x", "e/blank"]),
            ("e/aa", &["e/zz"]),
            ("e/zz", &[]),
            ("e/foo", &[]),
            ("e/foo-x", &[]),
            ("e/blank", &[]),
        ]);
        let r = linker_order(&g, &[0], |i| inittask_symbol(&g.names[i]));
        assert_eq!(
            names(&g, &r.order),
            ["e/blank", "e/foo-x", "e/foo", "e/zz", "e/aa", "main"]
        );
        assert_eq!(r.gate[g.get("e/aa").unwrap()], g.get("e/zz"));
        assert!(r.unschedulable.is_empty());
    }

    #[test]
    fn linker_rule_reports_cycles() {
        let g = graph(&[("main", &["a"]), ("a", &["b"]), ("b", &["a"])]);
        let r = linker_order(&g, &[0], |i| g.names[i].clone());
        assert!(r.order.is_empty());
        assert_eq!(r.unschedulable.len(), 3);
    }

    #[test]
    fn inferred_constraints_from_passed_over_packages() {
        let order: Vec<String> = ["e/blank", "e/zz", "e/aa", "main"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let c = infer_constraints(&order);
        // aa < blank? no: "e/aa" < "e/blank" and aa came after blank and zz.
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].package, "e/aa");
        assert_eq!(c[0].passed_over_by, "e/zz");
        assert_eq!(c[0].waits_for_one_of, ["e/zz"]);
    }

    #[test]
    fn common_order_is_an_lcs() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let old = s(&["a", "b", "c", "d", "e"]);
        let new = s(&["a", "c", "b", "d", "x"]);
        let lcs = common_order(&old, &new);
        assert_eq!(lcs.len(), 3);
        assert_eq!(lcs[0], "a");
        assert_eq!(lcs[2], "d");
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn arb_graph() -> impl Strategy<Value = Graph> {
            (1usize..24).prop_flat_map(|n| {
                proptest::collection::vec(proptest::collection::vec(0..n, 0..4), n).prop_map(
                    move |deps| {
                        let mut g = Graph::new();
                        for i in 0..n {
                            g.node(&format!("p{:02}", (i * 7) % 97));
                        }
                        for (i, d) in deps.iter().enumerate() {
                            for &t in d {
                                g.add_edge(i, t);
                            }
                        }
                        g
                    },
                )
            })
        }

        proptest! {
            #[test]
            fn linker_order_respects_edges_and_terminates(g in arb_graph()) {
                let sym = |i: usize| inittask_symbol(&g.names[i]);
                let r = linker_order(&g, &[0], sym);
                let again = linker_order(&g, &[0], sym);
                prop_assert_eq!(&r, &again);
                let pos: BTreeMap<usize, usize> =
                    r.order.iter().enumerate().map(|(i, &n)| (n, i)).collect();
                for &n in &r.order {
                    for &d in &g.deps[n] {
                        // A dependency is scheduled earlier, or is stuck in a cycle too.
                        prop_assert!(pos.get(&d).is_some_and(|&p| p < pos[&n]));
                    }
                }
                prop_assert_eq!(r.order.len() + r.unschedulable.len(), g.reachable(&[0]).len());
            }

            #[test]
            fn dfs_visits_each_reachable_node_once(g in arb_graph()) {
                let r = runtime_dfs(&g, &[0]);
                let mut seen = r.order.clone();
                seen.sort_unstable();
                seen.dedup();
                prop_assert_eq!(seen.len(), r.order.len());
                prop_assert_eq!(r.order.len(), g.reachable(&[0]).len());
                let pos: BTreeMap<usize, usize> =
                    r.order.iter().enumerate().map(|(i, &n)| (n, i)).collect();
                for &n in &r.order {
                    for &d in &g.deps[n] {
                        let closes_cycle = r.cycles.contains(&(n, d));
                        prop_assert!(closes_cycle || pos[&d] < pos[&n]);
                    }
                }
            }
        }
    }
}

//! The exact import graph from the source: `go list -deps -json` output (a stream of
//! concatenated JSON objects, dependencies first), parsed, turned into the linker's node set
//! and optionally produced by running `go list` with the binary's GOOS/GOARCH/cgo settings.
//!
//! The node set follows `cmd/compile/internal/pkginit/init.go` (`MakeTask`): a package has an
//! inittask when it has init functions, imports a package that has one, or is `main` or
//! `runtime`. Packages without one (`unsafe`, `internal/goarch`, …) are not nodes of the
//! linker's sort, and counting them would change the order (docs/FORMATS.md §4.4).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use super::graph::Graph;
use crate::error::{Error, Result};
use crate::limits;

/// One package of `go list -json` output (only the fields goelf reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GoListPackage {
    /// Import path (`example.com/x/y`, `vendor/golang.org/x/net/...`).
    pub import_path: String,
    /// Package name (`main` for the command).
    #[serde(default)]
    pub name: String,
    /// Part of the standard library.
    #[serde(default)]
    pub standard: bool,
    /// Listed only as a dependency of the named packages.
    #[serde(default)]
    pub dep_only: bool,
    /// Direct imports, as resolved import paths.
    #[serde(default)]
    pub imports: Vec<String>,
}

/// Parse a stream of concatenated JSON objects (or a JSON array of them).
pub fn parse(text: &str) -> Result<Vec<GoListPackage>> {
    let trimmed = text.trim_start();
    let bad = |e: serde_json::Error| Error::Unsupported {
        what: "go list -json output",
        found: e.to_string(),
    };
    if trimmed.starts_with('[') {
        return serde_json::from_str(trimmed).map_err(bad);
    }
    let mut out = Vec::new();
    for item in serde_json::Deserializer::from_str(text).into_iter::<GoListPackage>() {
        out.push(item.map_err(bad)?);
        if out.len() > limits::MAX_INIT_TASKS {
            return Err(Error::TooMany {
                what: "go list packages",
                count: out.len() as u64,
                limit: limits::MAX_INIT_TASKS as u64,
            });
        }
    }
    Ok(out)
}

/// The symbol-prefix name of a listed package: `main` for the command, else its path.
pub fn node_name(p: &GoListPackage) -> &str {
    if p.name == "main" && !p.dep_only {
        "main"
    } else {
        &p.import_path
    }
}

/// The import graph restricted to packages that have an inittask. `init_work` names the
/// packages that have init functions (from the binary); `main` and `runtime` always have a
/// task. Edges follow `Imports`, in listed order.
pub fn task_graph(pkgs: &[GoListPackage], init_work: &BTreeSet<String>) -> Graph {
    let by_path: BTreeMap<&str, &GoListPackage> =
        pkgs.iter().map(|p| (p.import_path.as_str(), p)).collect();
    // has_task by memoised DFS over imports (iterative; each package settled once).
    let mut has: BTreeMap<&str, bool> = BTreeMap::new();
    for root in pkgs {
        let mut stack: Vec<(&str, usize)> = vec![(root.import_path.as_str(), 0)];
        let mut on_stack: BTreeSet<&str> = BTreeSet::new();
        on_stack.insert(root.import_path.as_str());
        while let Some(&mut (path, i)) = stack.last_mut() {
            if has.contains_key(path) {
                stack.pop();
                continue;
            }
            let imports: &[String] = by_path.get(path).map(|p| &p.imports[..]).unwrap_or(&[]);
            if let Some(next) = imports.get(i) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                if !has.contains_key(next.as_str())
                    && by_path.contains_key(next.as_str())
                    && on_stack.insert(next.as_str())
                {
                    stack.push((next.as_str(), 0));
                }
                continue;
            }
            let own = by_path.get(path).map(|p| node_name(p)).unwrap_or(path);
            let v = own == "main"
                || own == "runtime"
                || init_work.contains(own)
                || imports.iter().any(|q| has.get(q.as_str()) == Some(&true));
            has.insert(path, v);
            on_stack.remove(path);
            stack.pop();
        }
    }
    let mut g = Graph::new();
    for p in pkgs {
        if has.get(p.import_path.as_str()) != Some(&true) {
            continue;
        }
        let from = g.node(node_name(p));
        for q in &p.imports {
            if has.get(q.as_str()) == Some(&true) {
                let name = by_path.get(q.as_str()).map(|x| node_name(x)).unwrap_or(q);
                let to = g.node(name);
                g.add_edge(from, to);
            }
        }
    }
    g
}

/// Build settings that select which files (hence which imports) `go list` sees, taken from
/// the binary's build information: `GOOS`, `GOARCH`, `CGO_ENABLED`, `GOEXPERIMENT`, and the
/// `-tags` list.
pub fn go_list_env(settings: &[(String, String)]) -> (Vec<(String, String)>, Option<String>) {
    let mut env = Vec::new();
    let mut tags = None;
    for (k, v) in settings {
        match k.as_str() {
            "GOOS" | "GOARCH" | "CGO_ENABLED" | "GOEXPERIMENT" | "GOARM" | "GO386" | "GOAMD64"
            | "GOARM64" | "GOMIPS" | "GOMIPS64" | "GOPPC64" | "GORISCV64" => {
                env.push((k.clone(), v.clone()))
            }
            "-tags" => tags = Some(v.clone()),
            _ => {}
        }
    }
    (env, tags)
}

/// Run `go list -deps -json .` in `dir` with `go` (default `go` on PATH) and the binary's
/// settings; returns its standard output.
pub fn run_go_list(
    dir: &Path,
    go: Option<&Path>,
    settings: &[(String, String)],
) -> std::result::Result<String, String> {
    let (env, tags) = go_list_env(settings);
    let mut cmd = std::process::Command::new(go.unwrap_or(Path::new("go")));
    cmd.current_dir(dir).arg("list").arg("-deps").arg("-json");
    if let Some(t) = tags {
        cmd.arg(format!("-tags={t}"));
    }
    cmd.arg(".");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("running {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "go list failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| "go list printed invalid UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
	"ImportPath": "unsafe",
	"Name": "unsafe",
	"Standard": true,
	"DepOnly": true
}
{
	"ImportPath": "runtime",
	"Name": "runtime",
	"Standard": true,
	"DepOnly": true,
	"Imports": ["unsafe"]
}
{
	"ImportPath": "e/trace",
	"Name": "trace",
	"DepOnly": true
}
{
	"ImportPath": "e/leaf",
	"Name": "leaf",
	"DepOnly": true,
	"Imports": ["e/trace"]
}
{
	"ImportPath": "e/noinit",
	"Name": "noinit",
	"DepOnly": true,
	"Imports": ["e/leaf"]
}
{
	"ImportPath": "e",
	"Name": "main",
	"Imports": ["e/noinit", "e/trace", "runtime", "unsafe"]
}
"#;

    #[test]
    fn parses_stream_and_builds_node_set() {
        let pkgs = parse(SAMPLE).unwrap();
        assert_eq!(pkgs.len(), 6);
        assert!(pkgs[1].standard);
        let work: BTreeSet<String> = ["e/leaf".to_string()].into();
        let g = task_graph(&pkgs, &work);
        let mut names = g.names.clone();
        names.sort();
        // trace and unsafe have no task; noinit has one because it imports leaf.
        assert_eq!(names, ["e/leaf", "e/noinit", "main", "runtime"]);
        let main = g.get("main").unwrap();
        let deps: Vec<&str> = g.deps[main].iter().map(|&d| g.names[d].as_str()).collect();
        assert_eq!(deps, ["e/noinit", "runtime"]);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse("{\"ImportPath\": 3}").is_err());
        assert!(parse("[]").unwrap().is_empty());
    }

    #[test]
    fn env_from_settings() {
        let s = vec![
            ("GOOS".to_string(), "linux".to_string()),
            ("-tags".to_string(), "netgo".to_string()),
            ("-ldflags".to_string(), "-s".to_string()),
        ];
        let (env, tags) = go_list_env(&s);
        assert_eq!(env, [("GOOS".to_string(), "linux".to_string())]);
        assert_eq!(tags.as_deref(), Some("netgo"));
    }
}

//! `startup --measure` against the running program. The packages it times, in order, must be
//! the ones the Go runtime itself traced when the fixture was made (`inittrace.txt`, written
//! by testdata/regen.sh from a plain `GODEBUG=inittrace=1` run, without goelf); every
//! breakpoint of the timeline must be reached, in the timeline's order (the order gdb
//! confirms in `startup.rs`), and the run must stop at `main.main`. A dynamically linked file
//! also gets the loader's own `LD_DEBUG=statistics` numbers. Runs only on x86-64 Linux.

use crate::common;

use std::collections::HashSet;

use common::{find_fixture, goelf_json};

/// Static, PIE, stripped PIE, cgo (external linking, PIE and not), Go 1.19 and 1.27, and a
/// program with a large init graph.
const RUN: &[&str] = &[
    "initgraph-go1.27.3-linux-amd64-default",
    "initgraph-go1.27.3-linux-amd64-pie-sw",
    "cgohello-go1.27.3-linux-amd64-cgo-ext",
    "cgohello-go1.27.3-linux-amd64-cgo-ext-pie",
    "initgraph-go1.19.8-linux-amd64-default",
    "nethttp-go1.27.3-linux-amd64-pie",
];

fn host_runs_x86_64() -> bool {
    cfg!(all(target_os = "linux", target_arch = "x86_64"))
}

/// The package names of a committed inittrace, in order.
fn traced(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("init "))
        .filter_map(|l| l.split_once(" @"))
        .map(|(p, _)| p.to_string())
        .collect()
}

#[test]
fn measured_inits_and_steps_match_the_runtime() {
    if !host_runs_x86_64() {
        eprintln!("skipped: startup --measure runs x86-64 Linux programs only");
        return;
    }
    let schema = super::schemas::validators("startup");
    let mut ran = 0;
    for name in RUN {
        let Some(fx) = find_fixture(name) else {
            eprintln!("skipped {name}: fixture missing");
            continue;
        };
        let Some(trace) = fx.golden("inittrace.txt") else {
            eprintln!("skipped {name}: no inittrace.txt");
            continue;
        };
        let path = fx.path();
        let p = path.to_str().unwrap();
        let (v, code) = goelf_json(&["startup", "--measure", "--runs", "2", "--json", p]);
        assert_eq!(code, 0, "{name}: exit {code}");
        let (errors, n) = super::schemas::failures(&schema, &v);
        assert_eq!(
            n, 0,
            "{name}: the --measure document fails schemas/startup.schema.json: {errors:?}"
        );
        let f = &v["files"][0];
        let m = &f["measured"];
        assert!(
            m.is_object(),
            "{name}: not measured: {}",
            f["measured_reason"]
        );
        assert_eq!(m["runs"], 2, "{name}");

        // Package inits: exactly the runtime's own trace, in its order.
        let got: Vec<String> = m["inits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["package"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, traced(&trace), "{name}: traced packages");
        let clocks: u64 = m["inits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["clock_ns"].as_u64().unwrap())
            .sum();
        assert!(
            clocks <= m["to_main_ns"].as_u64().unwrap(),
            "{name}: inits longer than start-up"
        );

        // Steps: every entry/constructor/runtime step with an address, the first init, and
        // main.main last, in timeline order, at increasing times.
        let steps = f["steps"].as_array().unwrap();
        let mut want = Vec::new();
        let mut addrs = HashSet::new();
        let mut first_init = true;
        for s in steps {
            let Some(a) = s["address"].as_u64() else {
                continue;
            };
            let take = match s["phase"].as_str().unwrap() {
                "entry" | "constructor" | "runtime" => true,
                "init" => std::mem::replace(&mut first_init, false),
                _ => false,
            };
            if take && addrs.insert(a) {
                want.push(s["index"].as_u64().unwrap());
            }
        }
        let main = steps
            .iter()
            .find(|s| s["phase"] == "main")
            .and_then(|s| s["index"].as_u64())
            .unwrap();
        want.push(main);
        let measured = m["steps"].as_array().unwrap();
        let got: Vec<u64> = measured
            .iter()
            .map(|s| s["step"].as_u64().unwrap())
            .collect();
        assert_eq!(got, want, "{name}: measured steps");
        let at: Vec<u64> = measured
            .iter()
            .map(|s| s["at_ns"].as_u64().unwrap())
            .collect();
        assert!(
            at.windows(2).all(|w| w[0] <= w[1]),
            "{name}: times not increasing: {at:?}"
        );
        assert_eq!(
            m["stops_per_run"].as_u64(),
            Some(want.len() as u64),
            "{name}"
        );

        // The loader's own numbers exactly when there is a loader.
        let dynamic = f["interp"].is_string();
        assert_eq!(m["loader"].is_object(), dynamic, "{name}: loader timing");
        if dynamic {
            assert!(
                m["loader"]["relocation_cycles"].as_u64().is_some(),
                "{name}"
            );
        }
        let phases: Vec<&str> = m["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["phase"].as_str().unwrap())
            .collect();
        assert_eq!(phases.first(), Some(&"kernel"), "{name}");
        assert!(
            phases.contains(&"runtime") && phases.contains(&"init"),
            "{name}: {phases:?}"
        );
        assert_eq!(phases.contains(&"loader"), dynamic, "{name}: {phases:?}");
        ran += 1;
    }
    assert!(ran >= 3, "only {ran} fixtures measured");
}

/// The text output: the phase table and the inits slowest first.
#[test]
fn text_lists_inits_slowest_first() {
    if !host_runs_x86_64() {
        eprintln!("skipped: x86-64 Linux only");
        return;
    }
    let Some(fx) = find_fixture("nethttp-go1.27.3-linux-amd64-pie") else {
        return;
    };
    let out = common::goelf(&[
        "startup",
        "--measure",
        "--runs",
        "1",
        fx.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let tail = text
        .split("Package inits, slowest first")
        .nth(1)
        .expect("inits section");
    let times: Vec<f64> = tail
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert!(times.len() > 50, "{} init rows", times.len());
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "not slowest first: {times:?}"
    );
    assert!(text.contains("from fork to main.main"));
}

/// A file for another architecture is analysed but not run, and says why.
#[test]
fn other_architectures_are_not_run() {
    let Some(fx) = find_fixture("initgraph-go1.27.3-linux-arm64-default") else {
        return;
    };
    let (v, code) = goelf_json(&[
        "startup",
        "--measure",
        "--json",
        fx.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let f = &v["files"][0];
    assert!(f["measured"].is_null());
    let why = f["measured_reason"].as_str().unwrap();
    assert!(why.contains("x86-64"), "{why}");
}

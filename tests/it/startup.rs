//! `startup` against the running program: each fixture that runs here is started under gdb
//! with the `--gdb` script, and the order in which gdb stops at the breakpoints must be the
//! order of the printed timeline; the executable's lines of `/proc/PID/maps` (gdb's `info
//! proc mappings`, stopped at `e_entry`) must be the predicted mappings plus the load base.
//! The steps' addresses are also checked against `go tool nm` (`nm.txt`) where the fixture
//! has one. Executing the fixtures is fine: they are our own programs.

use crate::common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use common::{find_fixture, goelf, goelf_json, hex, Fixture};

/// Fixtures whose start-up is confirmed under gdb (amd64: static, PIE, stripped PIE, cgo
/// with external linking, older Go releases) and 386 when the host runs it.
const RUN: &[&str] = &[
    "initgraph-go1.27.3-linux-amd64-default",
    "initgraph-go1.27.3-linux-amd64-pie",
    "initgraph-go1.27.3-linux-amd64-pie-sw",
    "initgraph-go1.27.3-linux-amd64-sw",
    "cgohello-go1.27.3-linux-amd64-cgo-ext",
    "cgohello-go1.27.3-linux-amd64-cgo-ext-pie",
    "cgohello-go1.22.10-linux-amd64-cgo-ext-pie",
    "initgraph-go1.22.10-linux-amd64-pie",
    "initgraph-go1.21.13-linux-amd64-default",
    "initgraph-go1.19.8-linux-amd64-default",
    "initgraph-go1.27.3-linux-386-default",
];

fn have_gdb() -> bool {
    Command::new("gdb")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The program runs on this host (386 needs the kernel's 32-bit support).
fn runs_here(bin: &Path) -> bool {
    Command::new(bin).output().is_ok_and(|o| o.status.success())
}

struct GdbRun {
    /// (step index, pc) of every breakpoint hit, in order.
    hits: Vec<(usize, u64)>,
    base: u64,
    /// (start, end, offset, perms, objfile) from `info proc mappings` at e_entry.
    maps: Vec<(u64, u64, u64, String, String)>,
    done: bool,
    output: String,
}

fn run_gdb(bin: &Path, script: &str) -> GdbRun {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("startup-gdb");
    std::fs::create_dir_all(&dir).unwrap();
    let name = bin.file_name().unwrap().to_string_lossy().into_owned();
    let script_path = dir.join(format!("{name}.gdb"));
    std::fs::write(&script_path, script).unwrap();
    let out = Command::new("timeout")
        .args(["300", "gdb", "-nx", "-batch", "-x"])
        .arg(&script_path)
        .arg(bin)
        .output()
        .expect("run gdb");
    let output =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let mut run = GdbRun {
        hits: Vec::new(),
        base: 0,
        maps: Vec::new(),
        done: false,
        output: output.clone(),
    };
    let mut in_maps = false;
    for line in output.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        match t.first().copied() {
            Some("goelf-step") if t.len() == 4 => {
                run.hits.push((t[1].parse().unwrap(), hex(t[3])));
            }
            Some("goelf-base") => run.base = hex(t[1]),
            Some("goelf-maps-begin") => in_maps = true,
            Some("goelf-maps-end") => in_maps = false,
            Some("goelf-done") => run.done = true,
            Some(a) if in_maps && a.starts_with("0x") && t.len() >= 5 => {
                run.maps.push((
                    hex(t[0]),
                    hex(t[1]),
                    hex(t[3]),
                    t[4].to_string(),
                    t.get(5).copied().unwrap_or("").to_string(),
                ));
            }
            _ => {}
        }
    }
    run
}

/// `nm.txt` (`go tool nm -n -size`): name → address of text symbols. Assembly functions
/// are listed there with their ABI suffix (`runtime.rt0_go.abi0`), which the pclntab's
/// names do not carry: both spellings are keys.
fn nm_text(f: &Fixture) -> Option<HashMap<String, u64>> {
    let text = f.golden("nm.txt")?;
    let mut out = HashMap::new();
    for line in text.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() >= 4 && (t[2] == "T" || t[2] == "t") {
            let name = t[3..].join(" ");
            if let Some(plain) = name.strip_suffix(".abi0") {
                out.entry(plain.to_string()).or_insert(hex(t[0]));
            }
            out.entry(name).or_insert(hex(t[0]));
        }
    }
    Some(out)
}

#[test]
fn breakpoints_hit_in_timeline_order_and_maps_match() {
    if !have_gdb() {
        assert!(
            std::env::var_os("GOELF_REQUIRE_GDB").is_none(),
            "gdb is not installed and GOELF_REQUIRE_GDB is set (CI)"
        );
        eprintln!("skipped: gdb is not installed (apt-get install gdb)");
        return;
    }
    let mut ran = 0;
    for name in RUN {
        let Some(f) = find_fixture(name) else {
            eprintln!("{name}: fixture not present, skipped");
            continue;
        };
        let bin = f.path();
        if !runs_here(&bin) {
            eprintln!("{name}: does not run on this host, skipped");
            continue;
        }
        let p = bin.to_str().unwrap();
        let (v, code) = goelf_json(&["startup", "--json", p]);
        assert_eq!(code, 0, "{name}: startup exit");
        let file = &v["files"][0];
        assert_eq!(file["ok"], true, "{name}: {file}");
        let steps = file["steps"].as_array().unwrap();
        // The breakpoints the script sets: steps with code, in order (one per address).
        let mut seen = std::collections::HashSet::new();
        let want: Vec<usize> = steps
            .iter()
            .filter(|s| {
                s["imported"] == true || s["address"].as_u64().is_some_and(|a| seen.insert(a))
            })
            .map(|s| s["index"].as_u64().unwrap() as usize)
            .collect();
        let last = steps.last().unwrap();
        assert_eq!(last["symbol"], "main.main", "{name}: ends at main.main");

        let out = goelf(&["startup", "--gdb", p]);
        assert!(out.status.success(), "{name}: --gdb failed");
        let run = run_gdb(&bin, &String::from_utf8_lossy(&out.stdout));
        let got: Vec<usize> = run.hits.iter().map(|h| h.0).collect();
        assert_eq!(got, want, "{name}: breakpoint order\n{}", run.output);
        assert!(run.done, "{name}: gdb did not finish\n{}", run.output);
        // Each hit stopped where the step says (the base added).
        for (i, pc) in &run.hits {
            if let Some(a) = steps[*i]["address"].as_u64() {
                assert_eq!(*pc, a + run.base, "{name}: step {i} pc");
            }
        }
        if file["pie"] == true {
            assert_ne!(run.base, 0, "{name}: PIE loaded at its link-time address?");
        } else {
            assert_eq!(run.base, 0, "{name}: non-PIE moved");
        }

        // The executable's own mappings: lines naming the file, and the anonymous line
        // that follows them directly (the .bss tail).
        let predicted: Vec<(u64, u64, u64, String)> = file["mappings_at_entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["start"].as_u64().unwrap() + run.base,
                    m["end"].as_u64().unwrap() + run.base,
                    m["offset"].as_u64().unwrap(),
                    m["perms"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let lo = predicted.first().unwrap().0;
        let hi = predicted.last().unwrap().1;
        let actual: Vec<(u64, u64, u64, String)> = run
            .maps
            .iter()
            .filter(|m| m.0 >= lo && m.1 <= hi)
            .map(|m| (m.0, m.1, m.2, m.3.clone()))
            .collect();
        assert!(
            run.maps
                .iter()
                .filter(|m| m.4.ends_with(bin.file_name().unwrap().to_str().unwrap()))
                .all(|m| m.0 >= lo && m.1 <= hi),
            "{name}: a mapping of the file outside the predicted range\n{}",
            run.output
        );
        assert_eq!(actual, predicted, "{name}: /proc/PID/maps at e_entry");

        // Addresses agree with go tool nm where the fixture has it.
        if let Some(nm) = nm_text(&f) {
            for s in steps {
                let (Some(sym), Some(a)) = (s["symbol"].as_str(), s["address"].as_u64()) else {
                    continue;
                };
                if let Some(&n) = nm.get(sym) {
                    assert_eq!(a, n, "{name}: {sym} address vs go tool nm");
                }
            }
        }
        ran += 1;
    }
    eprintln!("startup: {ran} fixtures confirmed under gdb");
    assert!(ran >= 3, "only {ran} fixtures ran under gdb");
}

#[test]
fn cross_architecture_chains_use_the_functions_present() {
    // Not run here: the entry chain per architecture, each function checked in go tool nm.
    let cases = [
        (
            "initgraph-go1.27.3-linux-arm64-default",
            &["_rt0_arm64_linux", "_rt0_arm64", "runtime.rt0_go"][..],
        ),
        (
            "initgraph-go1.27.3-linux-arm-default",
            &[
                "_rt0_arm_linux",
                "_rt0_arm_linux1",
                "runtime.rt0_go",
                "runtime.checkgoarm",
            ][..],
        ),
        (
            "initgraph-go1.27.3-linux-386-default",
            &["_rt0_386_linux", "_rt0_386", "runtime.rt0_go"][..],
        ),
    ];
    for (name, chain) in cases {
        let Some(f) = find_fixture(name) else {
            eprintln!("{name}: fixture not present, skipped");
            continue;
        };
        let report = goelf::startup::startup(name, &f.bytes());
        assert!(report.ok, "{name}: {:?}", report.error);
        let nm = nm_text(&f).expect("nm.txt");
        for want in chain {
            let step = report
                .steps
                .iter()
                .find(|s| s.symbol.as_deref() == Some(*want))
                .unwrap_or_else(|| panic!("{name}: no step {want}"));
            assert_eq!(step.address, nm.get(*want).copied(), "{name}: {want}");
        }
        let entry = report.steps.iter().find(|s| s.address == report.entry);
        assert_eq!(
            entry.and_then(|s| s.symbol.as_deref()),
            Some(chain[0]),
            "{name}: e_entry"
        );
    }
}

#[test]
fn not_elf_and_not_go_fail_clearly() {
    let r = goelf::startup::startup("x", b"not an executable at all");
    assert!(!r.ok);
    if let Some(f) = find_fixture("notgo-c") {
        let r = goelf::startup::startup("notgo-c", &f.bytes());
        assert!(!r.ok);
        assert_eq!(r.error.as_ref().unwrap().code(), "startup.no_pclntab");
        // The kernel and loader steps are still there.
        assert!(r
            .steps
            .iter()
            .any(|s| s.phase == goelf::startup::Phase::Loader));
    }
    if let Some(f) = find_fixture("initgraph-go1.27.3-windows-amd64-default") {
        let r = goelf::startup::startup("pe", &f.bytes());
        assert_eq!(r.error.as_ref().unwrap().code(), "startup.not_elf");
    }
}

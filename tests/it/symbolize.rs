//! `symbolize` against tools outside goelf: the stripped crash fixtures
//! (`testdata/crash/*`, built by `testdata/regen.sh crash`) with the real output of their
//! crashes. For every PC of every trace, goelf on the stripped binary must give the function
//! and file:line that `go tool addr2line` gives on the unstripped twin (`addr2line-T.txt`,
//! for the PCs that `tools/crashpcs.py` derived from `go tool nm` of the twin), and the
//! positions and inlined calls the Go runtime itself printed in the trace. The PIE's runtime
//! addresses are turned into link-time ones with the base from the program's own
//! `/proc/self/maps` lines (in the trace) and `readelf`'s first `PT_LOAD`.

use crate::common::{self, goelf, hex, Fixture};

use std::path::{Path, PathBuf};

const TRACES: &[&str] = &["panic", "segv", "system", "deadlock", "quit"];

fn crashes() -> Vec<Fixture> {
    let out = common::fixtures_in("testdata/crash");
    assert_eq!(out.len(), 2, "two crash fixtures (ET_EXEC and PIE)");
    out
}

fn read(f: &Fixture, name: &str) -> String {
    std::fs::read_to_string(f.dir.join(name)).unwrap_or_else(|_| panic!("{}/{name}", f.name))
}

/// (function, file:line) pairs of an addr2line output.
fn addr2line(text: &str) -> Vec<(String, String)> {
    let l: Vec<&str> = text.lines().collect();
    l.chunks(2)
        .map(|c| (c[0].to_string(), c.get(1).unwrap_or(&"").to_string()))
        .collect()
}

fn symbolize_json(bin: &Path, trace: &Path, extra: &[&str]) -> (serde_json::Value, i32) {
    let mut args = vec!["symbolize", "--json"];
    args.extend_from_slice(extra);
    args.push(bin.to_str().unwrap());
    args.push(trace.to_str().unwrap());
    common::goelf_json(&args)
}

fn innermost(frame: &serde_json::Value) -> String {
    let (file, line) = match frame["inlined"].as_array().and_then(|a| a.first()) {
        Some(c) => (&c["file"], &c["line"]),
        None => (&frame["file"], &frame["line"]),
    };
    format!(
        "{}:{}",
        file.as_str().unwrap_or("?"),
        line.as_u64().unwrap_or(0)
    )
}

/// The load base from the trace's `maps: ` lines (the start of the mapping at file offset
/// 0) and readelf's first PT_LOAD.
fn base_from_maps(f: &Fixture, bin: &Path, trace: &str) -> u64 {
    let start = trace
        .lines()
        .filter_map(|l| l.strip_prefix("maps: "))
        .find(|l| l.split_whitespace().nth(2) == Some("00000000"))
        .and_then(|l| l.split('-').next())
        .map(hex)
        .unwrap_or_else(|| panic!("{}: no maps line at offset 0", f.name));
    let out = std::process::Command::new("readelf")
        .args(["-lW", bin.to_str().unwrap()])
        .output()
        .expect("readelf");
    let text = String::from_utf8_lossy(&out.stdout);
    let vaddr = text
        .lines()
        .find_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.first() == Some(&"LOAD")).then(|| hex(w[2]))
        })
        .expect("a PT_LOAD");
    start - vaddr
}

#[test]
fn trace_frames_match_addr2line_on_the_unstripped_twin() {
    for f in crashes() {
        let bin = f.path();
        for t in TRACES {
            let trace_path = f.dir.join(format!("trace-{t}.txt"));
            let pcs = read(&f, &format!("pcs-{t}.txt"));
            let want = addr2line(&read(&f, &format!("addr2line-{t}.txt")));
            let pcs: Vec<Vec<&str>> = pcs.lines().map(|l| l.split(' ').collect()).collect();
            assert_eq!(pcs.len(), want.len(), "{} {t}: pcs vs addr2line", f.name);
            assert!(!pcs.is_empty(), "{} {t}: a trace with frames", f.name);
            // A PIE's trace without pc= (GOTRACEBACK=single) does not say where it was loaded:
            // the base comes from the program's own /proc/self/maps lines.
            let base = format!(
                "{:#x}",
                base_from_maps(&f, &bin, &read(&f, &format!("trace-{t}.txt")))
            );
            let (v, code) = symbolize_json(&bin, &trace_path, &["--base", &base]);
            assert_eq!(code, 0, "{} {t}: exit status", f.name);
            assert_eq!(
                v["files"][0]["problems"],
                serde_json::json!([]),
                "{} {t}",
                f.name
            );
            let file = &v["files"][0];
            assert_eq!(file["ok"], true);
            assert_eq!(file["pie"], f.meta["pie"], "{} pie", f.name);
            let frames = file["frames"].as_array().unwrap();
            for (p, (wf, wpos)) in pcs.iter().zip(&want) {
                let line: u64 = p[0].parse().unwrap();
                let fr = frames
                    .iter()
                    .find(|fr| fr["input_line"] == line && fr["kind"] == p[1])
                    .unwrap_or_else(|| panic!("{} {t}: no {} frame at line {line}", f.name, p[1]));
                let ctx = format!("{} {t} line {line}", f.name);
                assert_eq!(fr["pc"].as_u64(), Some(hex(p[2])), "{ctx}: pc");
                assert_eq!(
                    fr["lookup_pc"].as_u64(),
                    Some(hex(p[3])),
                    "{ctx}: lookup pc"
                );
                assert_eq!(
                    fr["function"].as_str(),
                    Some(wf.as_str()),
                    "{ctx}: function"
                );
                assert_eq!(&innermost(fr), wpos, "{ctx}: file:line");
            }
            // Every traceback frame also says what the runtime printed.
            let mut n = 0;
            for fr in frames.iter().filter(|fr| fr["trace_function"].is_string()) {
                n += 1;
                assert_eq!(fr["matches_trace"], true, "{} {t}: {fr}", f.name);
            }
            assert!(n >= 1, "{} {t}: traceback frames", f.name);
        }
    }
}

#[test]
fn inlined_calls_are_those_the_runtime_printed() {
    for f in crashes() {
        let (v, _) = symbolize_json(&f.path(), &f.dir.join("trace-panic.txt"), &[]);
        let frames = v["files"][0]["frames"].as_array().unwrap().clone();
        let outer = frames
            .iter()
            .find(|fr| fr["function"] == "main.outer")
            .expect("main.outer");
        let names: Vec<&str> = outer["inlined"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["function"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["main.leaf", "main.middle"], "{}", f.name);
        // The text output: the trace's lines, frames replaced by rows, (inlined) marked.
        let out = goelf(&[
            "symbolize",
            f.path().to_str().unwrap(),
            f.dir.join("trace-panic.txt").to_str().unwrap(),
        ]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("panic: crash: x is too big\n"), "{text}");
        assert!(text.lines().any(|l| l.starts_with("goroutine ")), "{text}");
        let leaf = text.lines().find(|l| l.contains("main.leaf")).unwrap();
        assert!(leaf.ends_with("(inlined)"), "{leaf}");
        assert!(leaf.contains("main.go:"), "{leaf}");
        assert!(text.lines().any(|l| l.ends_with("(created by)")), "{text}");
    }
}

#[test]
fn pie_base_from_the_trace_equals_the_maps_base() {
    for f in crashes() {
        let bin = f.path();
        let trace_path = f.dir.join("trace-system.txt");
        let base = base_from_maps(&f, &bin, &read(&f, "trace-system.txt"));
        let (v, _) = symbolize_json(&bin, &trace_path, &[]);
        assert_eq!(v["files"][0]["base"].as_u64(), Some(base), "{}", f.name);
        assert_eq!(v["files"][0]["base_source"], "trace");
        if f.meta["pie"] == true {
            assert_ne!(base, 0, "{}: a PIE runs at a base", f.name);
        }
    }
}

#[test]
fn bare_addresses_with_base_match_addr2line() {
    for f in crashes() {
        let bin = f.path();
        let base = base_from_maps(&f, &bin, &read(&f, "trace-system.txt"));
        let want = addr2line(&read(&f, "addr2line-addresses.txt"));
        let addrs = read(&f, "addresses.txt");
        assert_eq!(addrs.lines().count(), want.len());
        let b = format!("{base:#x}");
        let (v, code) = symbolize_json(&bin, &f.dir.join("addresses.txt"), &["--base", &b]);
        assert_eq!(code, 0);
        let frames = v["files"][0]["frames"].as_array().unwrap();
        assert_eq!(frames.len(), want.len(), "{}", f.name);
        for ((fr, (wf, wpos)), a) in frames.iter().zip(&want).zip(addrs.lines()) {
            assert_eq!(fr["kind"], "address");
            assert_eq!(fr["address"].as_u64(), Some(hex(a)));
            assert_eq!(fr["pc"].as_u64(), Some(hex(a) - base));
            // Looked up as given, as addr2line does.
            assert_eq!(fr["lookup_pc"], fr["pc"]);
            assert_eq!(fr["function"].as_str(), Some(wf.as_str()), "{} {a}", f.name);
            assert_eq!(&innermost(fr), wpos, "{} {a}", f.name);
        }
        // Standard input, without 0x: the same answers.
        let bare: String = addrs
            .lines()
            .map(|l| format!("{:x}\n", hex(l) - base))
            .collect();
        let out = run_stdin(&["symbolize", "--json", bin.to_str().unwrap()], &bare);
        let v2: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let f2 = v2["files"][0]["frames"].as_array().unwrap();
        assert_eq!(v2["files"][0]["trace"], "-");
        for (x, y) in frames.iter().zip(f2) {
            assert_eq!(x["function"], y["function"]);
            assert_eq!(x["line"], y["line"]);
        }
    }
}

fn run_stdin(args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_goelf"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run goelf");
    let mut stdin = child.stdin.take().unwrap();
    let data = input.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("goelf output");
    writer.join().unwrap();
    out
}

#[test]
fn hostile_input_gives_question_marks_not_a_panic() {
    let f = &crashes()[0];
    let bin = f.path();
    let input = "garbage line\n\
                 0xffffffffffffffffffffffff\n\
                 0x0\n\
                 ffffffffffffffff\n\
                 0x\n\
                 main.nosuch(0x1)\n\
                 \t/x.go:99999999999 +0xffffffffffffffff\n\
                 created by\n\
                 \t:1\n\
                 goroutine 99999999999999999999999 [running]:\n\
                 [signal SIGSEGV pc=0xzz]\n\
                 PC=0x\n\
                 rip 0x123456789abcdef0123\n\
                 main.main(\n\
                 \t\n\
                 \u{0}\u{7f}\u{fffd}\n";
    let out = run_stdin(&["symbolize", "--json", bin.to_str().unwrap()], input);
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let frames = v["files"][0]["frames"].as_array().unwrap();
    for fr in frames {
        assert!(fr["function"].is_null(), "{fr}");
    }
    // The overflowing address is a frame with no PC; 0x0 and ~0 are outside the text.
    let kinds: Vec<&str> = frames.iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert!(
        kinds.iter().filter(|k| **k == "address").count() >= 3,
        "{kinds:?}"
    );
    // Text: every unknown PC as "?", the other lines kept.
    let out = run_stdin(&["symbolize", bin.to_str().unwrap()], input);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("garbage line\n"));
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(rows.iter().any(|r| r[..] == ["?", "?", "?"]), "{text}");
    assert!(rows.iter().any(|r| r[..] == ["0x0", "?", "?"]), "{text}");
    assert!(
        rows.iter()
            .any(|r| r[..] == ["?", "?", "?", "(trace:", "main.nosuch)"]),
        "{text}"
    );

    // A huge input of random bytes does not panic either.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: String = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let alphabet = b"0x1f(.)\t\n +:pcm=ain";
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect();
    let out = run_stdin(&["symbolize", bin.to_str().unwrap()], &noise);
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
}

#[test]
fn a_trace_from_another_binary_is_reported() {
    let [exec, pie] = <[Fixture; 2]>::try_from(crashes()).unwrap();
    let _ = pie;
    // The panic trace of the crash program against an unrelated Go binary.
    let other = common::repo().join("testdata/example/hello");
    let out = goelf(&[
        "symbolize",
        other.to_str().unwrap(),
        exec.dir.join("trace-panic.txt").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not from this binary"), "{err}");
}

#[test]
fn not_a_go_binary_fails_on_stderr() {
    let f = &crashes()[0];
    let c = common::repo().join("Cargo.toml");
    let trace = f.dir.join("trace-panic.txt");
    let out = goelf(&["symbolize", c.to_str().unwrap(), trace.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("goelf: {}: ", c.display())),
        "{err}"
    );
    let out = goelf(&["symbolize", "-", "-"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn funcs_addr_reads_addresses_from_stdin() {
    let f = &crashes()[0];
    let bin: PathBuf = f.path();
    let want = addr2line(&read(f, "addr2line-addresses.txt"));
    let base = base_from_maps(f, &bin, &read(f, "trace-system.txt"));
    let list: String = read(f, "addresses.txt")
        .lines()
        .map(|l| format!("{:#x}\n", hex(l) - base))
        .collect();
    let out = run_stdin(
        &["funcs", "--json", "--addr", "-", bin.to_str().unwrap()],
        &list,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lookups = v["files"][0]["lookups"].as_array().unwrap();
    assert_eq!(lookups.len(), want.len());
    for (l, (wf, wpos)) in lookups.iter().zip(&want) {
        assert_eq!(l["function"].as_str(), Some(wf.as_str()));
        assert_eq!(
            &format!("{}:{}", l["file"].as_str().unwrap(), l["line"]),
            wpos
        );
    }
}

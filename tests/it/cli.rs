//! The `goelf` command as users run it: exit codes, JSON envelope, one bad file among good
//! ones, special paths.

use crate::common;

use common::{goelf, stdout_json};

#[test]
fn inspect_json_envelope_and_exit_codes() {
    let f = common::fixture("initgraph-go1.27.3-linux-amd64-pie");
    let good = f.path();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.path().join("text");
    std::fs::write(&text, b"#!/bin/sh\necho hi\n").unwrap();
    let missing = dir.path().join("missing");
    let out = goelf(&[
        "inspect",
        "--json",
        good.to_str().unwrap(),
        empty.to_str().unwrap(),
        text.to_str().unwrap(),
        missing.to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "a failed file gives exit 1");
    let v = stdout_json(&out);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["tool"], "goelf");
    assert_eq!(v["command"], "inspect");
    let files = v["files"].as_array().unwrap();
    // The directory is walked (#11): it holds no Go binary, so it adds no entry.
    assert_eq!(
        files.len(),
        4,
        "every file gets an entry, in argument order"
    );
    assert_eq!(files[0]["ok"], true);
    assert_eq!(files[0]["format"], "elf");
    assert_eq!(files[0]["arch"], "x86_64");
    assert_eq!(files[0]["elf"]["header"]["type"], "DYN");
    assert!(files[0]["elf"]["program_headers"][0]["flags"].is_string());
    for (i, want) in [(1, "empty"), (2, "not an ELF"), (3, "No such file")] {
        assert_eq!(files[i]["ok"], false);
        let err = files[i]["error"].as_str().unwrap();
        assert!(err.contains(want), "entry {i}: {err}");
        assert!(
            files[i].get("elf").is_some(),
            "keys are present even on failure"
        );
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(missing.to_str().unwrap()),
        "stderr names the file: {stderr}"
    );

    let out = goelf(&["inspect", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "Program headers:",
        "Loader checks:",
        "Sections:",
        "GNU_STACK",
        "Hardening",
    ] {
        assert!(text.contains(want), "human output lacks {want}");
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(goelf(&[]).status.code(), Some(2));
    assert_eq!(goelf(&["inspect"]).status.code(), Some(2));
    assert_eq!(
        goelf(&["inspect", "--no-such-flag", "x"]).status.code(),
        Some(2)
    );
    assert_eq!(goelf(&["--version"]).status.code(), Some(0));
}

#[test]
fn man_page_is_generated_from_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = goelf(&["generate", "man", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let committed = common::repo().join("man");
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let fresh = std::fs::read(entry.path()).unwrap();
        let old = std::fs::read(committed.join(&name)).unwrap_or_default();
        assert!(
            fresh == old,
            "man/{} is stale: run `cargo run -- generate man man`",
            name.to_string_lossy()
        );
    }
}

#[test]
fn special_paths_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let sparse = dir.path().join("sparse4g");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(4 << 30)
        .unwrap();
    let zeros = dir.path().join("zeros");
    std::fs::write(&zeros, vec![0u8; 1 << 20]).unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    let mut args = vec![
        "inspect".to_string(),
        "--json".into(),
        sparse.display().to_string(),
        zeros.display().to_string(),
        dir.path().display().to_string(),
        dangling.display().to_string(),
    ];
    let fifo_ok = made.is_ok_and(|s| s.success());
    if fifo_ok {
        args.push(fifo.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = goelf(&args);
    assert_eq!(out.status.code(), Some(1));
    let v = stdout_json(&out);
    let errors: Vec<String> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["ok"], false);
            f["error"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(
        errors[0].contains("not an ELF, PE or Mach-O"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].contains("not an ELF, PE or Mach-O"),
        "{}",
        errors[1]
    );
    assert!(errors[2].contains("directory"), "{}", errors[2]);
    assert!(errors[3].contains("No such file"), "{}", errors[3]);
    if fifo_ok {
        assert!(errors[4].contains("FIFO"), "{}", errors[4]);
    }
}

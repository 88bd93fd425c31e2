//! The shipped JSON Schemas (`schemas/<command>.schema.json`, draft 2020-12) against the
//! JSON goelf prints: every command in every JSON mode (`inspect`, `--no-go`, `--dwarf`,
//! `--modules`; `funcs`, `--package`, `--addr`; `init-order`, `--baseline`; `reloc-cost`;
//! `startup`; `size`; `symbolize`; `diff`, also from saved documents; `check`) on every
//! fixture (`testdata/fixtures`, `testdata/containers`, `testdata/crash`, `testdata/derived`)
//! and on truncated copies of each (their `ok: false` entries), through the `goelf` binary.
//!
//! Each document is validated twice: against the schema as shipped (objects open to keys
//! added later), and against a strict copy made here, where every object schema gets
//! `unevaluatedProperties: false` (a key the schema does not describe fails) and every
//! integer key the `x-integer-literal` keyword (a number written with a fraction or an
//! exponent, such as `1.0`, fails where an integer is promised). The schemas themselves are
//! validated against the draft 2020-12 metaschema, and every key must have a description.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use serde_json::{json, Value};

/// The schema files `schemas/` must hold, by name (`<name>.schema.json`).
const SCHEMAS: &[&str] = &[
    "check",
    "diff",
    "funcs",
    "funcs-lines",
    "init-order",
    "inspect",
    "inspect-modules",
    "reloc-cost",
    "size",
    "startup",
    "symbolize",
];

/// Failures reported per run before the rest are only counted.
const ERRORS_SHOWN: usize = 5;

fn schema(name: &str) -> Value {
    let path = common::repo().join(format!("schemas/{name}.schema.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The keywords whose values are subschemas, and those whose values are maps or lists of them.
const SUBSCHEMA: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "unevaluatedProperties",
];
const SUBSCHEMA_MAPS: &[&str] = &["properties", "$defs", "patternProperties"];
const SUBSCHEMA_LISTS: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];

/// Call `f` on `s` and every subschema of it.
fn each_schema(s: &mut Value, f: &mut dyn FnMut(&mut serde_json::Map<String, Value>)) {
    let Value::Object(m) = s else { return };
    f(m);
    for k in SUBSCHEMA {
        if let Some(v) = m.get_mut(*k) {
            each_schema(v, f);
        }
    }
    for k in SUBSCHEMA_MAPS {
        if let Some(Value::Object(sub)) = m.get_mut(*k) {
            for v in sub.values_mut() {
                each_schema(v, f);
            }
        }
    }
    for k in SUBSCHEMA_LISTS {
        if let Some(Value::Array(sub)) = m.get_mut(*k) {
            for v in sub {
                each_schema(v, f);
            }
        }
    }
}

fn has_type(m: &serde_json::Map<String, Value>, ty: &str) -> bool {
    match m.get("type") {
        Some(Value::String(t)) => t == ty,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == ty),
        _ => false,
    }
}

/// The strict copy: no undescribed keys, no fractional notation for integers.
fn strict(mut s: Value) -> Value {
    each_schema(&mut s, &mut |m| {
        let object = has_type(m, "object") || m.contains_key("properties");
        if object && !m.contains_key("additionalProperties") {
            m.insert("unevaluatedProperties".into(), Value::Bool(false));
        }
        if has_type(m, "integer") {
            m.insert("x-integer-literal".into(), Value::Bool(true));
        }
    });
    s
}

/// `x-integer-literal`: a number must be written as an integer (`1`, not `1.0` or `1e0`).
struct IntegerLiteral;

impl<'i> jsonschema::Keyword<'i> for IntegerLiteral {
    fn validate(&self, instance: &'i Value) -> Result<(), jsonschema::ValidationError<'i>> {
        if jsonschema::Keyword::is_valid(self, instance) {
            Ok(())
        } else {
            Err(jsonschema::ValidationError::custom(
                "an integer key printed as a decimal number",
            ))
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        instance.as_number().is_none_or(|n| !n.is_f64())
    }
}

/// The shipped and the strict validator of one schema.
pub(super) struct Validators {
    shipped: jsonschema::Validator,
    strict: jsonschema::Validator,
}

pub(super) fn validators(name: &str) -> Validators {
    let s = schema(name);
    let build = |s: &Value| {
        jsonschema::options()
            .with_keyword("x-integer-literal", |_, _, _| Ok(Box::new(IntegerLiteral)))
            .build(s)
            .unwrap_or_else(|e| panic!("{name}: schema does not compile: {e}"))
    };
    Validators {
        shipped: build(&s),
        strict: build(&strict(s)),
    }
}

/// The messages of a document's failures against both validators (at most [`ERRORS_SHOWN`]
/// each), and how many there were.
pub(super) fn failures(v: &Validators, doc: &Value) -> (Vec<String>, usize) {
    let mut shown = Vec::new();
    let mut count = 0;
    for (which, validator) in [("shipped", &v.shipped), ("strict", &v.strict)] {
        for e in validator.iter_errors(doc) {
            count += 1;
            if shown.len() < ERRORS_SHOWN {
                shown.push(format!(
                    "{which}: at {} (schema {}): {e}",
                    e.instance_path(),
                    e.schema_path()
                ));
            }
        }
    }
    (shown, count)
}

/// One run of goelf whose JSON a schema describes.
struct Case {
    schema: &'static str,
    args: Vec<String>,
}

fn case<'p>(
    schema: &'static str,
    args: &[&str],
    files: impl IntoIterator<Item = &'p PathBuf>,
) -> Case {
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    args.extend(files.into_iter().map(|p| p.display().to_string()));
    Case { schema, args }
}

/// Every fixture binary (Go metadata fixtures, containers, crash fixtures, derived ones).
fn inputs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = common::fixtures()
        .iter()
        .chain(&common::containers())
        .chain(&common::fixtures_in("testdata/crash"))
        .map(common::Fixture::path)
        .collect();
    v.extend(common::derived().iter().map(common::Derived::path));
    v
}

/// Truncated copies of every input in `dir`: cut inside the headers, halfway, and near the
/// end (inside the last sections, where the pclntab and build info of most fixtures end).
fn truncated(inputs: &[PathBuf], dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in inputs {
        let data = std::fs::read(p).expect("read input");
        let name = p.file_name().unwrap().to_string_lossy();
        for cut in [100, data.len() / 2, data.len() * 9 / 10] {
            let t = dir.join(format!("{name}.cut{cut}"));
            std::fs::write(&t, &data[..cut.min(data.len())]).expect("write truncated");
            out.push(t);
        }
    }
    out
}

/// Run a case: its stdout parsed (`None`: `diff` could not read a file, exit status 2 and
/// no document, as `diff` documents for an error), or why not.
fn run(c: &Case) -> Result<Option<(Value, Vec<u8>)>, String> {
    let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
    let out = common::goelf(&args);
    let code = out.status.code();
    if c.schema == "diff" && code == Some(2) && out.stdout.is_empty() {
        return Ok(None);
    }
    if code != Some(0) && code != Some(1) {
        return Err(format!(
            "exit {code:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    match serde_json::from_slice(&out.stdout) {
        Ok(doc) => Ok(Some((doc, out.stdout))),
        Err(e) => Err(format!("stdout is not JSON: {e}")),
    }
}

#[test]
fn schemas_are_valid_draft_2020_12_and_describe_every_key() {
    let dir = common::repo().join("schemas");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .expect("schemas/")
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".schema.json")
                .map(str::to_string)
        })
        .collect();
    found.sort();
    assert_eq!(found, SCHEMAS, "schemas/ holds one schema per command");
    for name in SCHEMAS {
        let mut s = schema(name);
        assert_eq!(
            s["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}: $schema"
        );
        assert_eq!(
            s["$id"],
            format!("https://goelf.dev/schemas/{name}.schema.json"),
            "{name}: $id"
        );
        for k in ["title", "description"] {
            assert!(s[k].as_str().is_some_and(|t| !t.is_empty()), "{name}: {k}");
        }
        if let Err(e) = jsonschema::meta::validate(&s) {
            panic!("{name}: not a valid draft 2020-12 schema: {e}");
        }
        // Every key says what it is, and what type of value it holds.
        let mut bad = Vec::new();
        each_schema(&mut s, &mut |m| {
            if let Some(Value::Object(props)) = m.get("properties") {
                for (k, p) in props {
                    let described = p["description"].as_str().is_some_and(|d| !d.is_empty());
                    let typed = ["type", "const", "$ref", "anyOf", "oneOf", "enum"]
                        .iter()
                        .any(|t| p.get(*t).is_some());
                    if !described || !typed {
                        bad.push(k.clone());
                    }
                }
            }
        });
        assert!(
            bad.is_empty(),
            "{name}: keys without description or type: {bad:?}"
        );
    }
}

/// The strict copy rejects what the schemas must not let through.
#[test]
fn strict_schemas_reject_unknown_keys_and_decimal_integers() {
    let v = validators("symbolize");
    let doc = json!({
        "schema_version": 1, "tool": "goelf", "version": "0.1.0",
        "command": "symbolize", "files": []
    });
    assert_eq!(failures(&v, &doc).1, 0, "{:?}", failures(&v, &doc).0);
    let mut extra = doc.clone();
    extra["surprise"] = json!(true);
    assert!(
        v.shipped.is_valid(&extra),
        "shipped schemas allow added keys"
    );
    assert!(
        !v.strict.is_valid(&extra),
        "strict schemas reject undescribed keys"
    );
    let decimal: Value = serde_json::from_str(
        r#"{"schema_version": 1.0, "tool": "goelf", "version": "0.1.0", "command": "symbolize", "files": []}"#,
    )
    .unwrap();
    assert!(
        v.shipped.is_valid(&decimal),
        "1.0 is an integer to JSON Schema"
    );
    assert!(
        !v.strict.is_valid(&decimal),
        "strict schemas reject integers printed as decimals"
    );
}

#[test]
fn every_command_and_mode_validates_on_every_fixture() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let all = inputs();
    let cut = truncated(&all, dir);
    let every: Vec<PathBuf> = all.iter().chain(&cut).cloned().collect();
    let name_of = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
    let find = |prefix: &str| {
        all.iter()
            .find(|p| name_of(p).starts_with(prefix))
            .unwrap_or_else(|| panic!("no fixture {prefix}"))
            .clone()
    };

    // Saved documents the commands read back: an inspect and a diff document, an init order.
    let a = find("initgraph-go1.19.8-linux-amd64-default");
    let b = find("initgraph-go1.27.3-linux-amd64-default");
    let pie = find("initgraph-go1.27.3-linux-amd64-pie-");
    let save = |file: &str, args: &[&str]| {
        let out = common::goelf(args);
        let p = dir.join(file);
        std::fs::write(&p, &out.stdout).expect("save");
        p
    };
    let (sa, sb) = (a.to_str().unwrap(), b.to_str().unwrap());
    let inspect_a = save("inspect-a.json", &["inspect", "--json", sa]);
    let diff_ab = save("diff-ab.json", &["diff", "--json", sa, sb]);
    let order_b = save("order-b.json", &["init-order", "--json", sb]);
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        format!(
            "require_pie = true\nmin_go_version = \"1.21\"\n\
             forbid_modules = [\"golang.org/x/crypto@<v0.17.0\", \"github.com/dgrijalva/jwt-go\"]\n\
             require_relro = \"full\"\nmax_dynamic_relocations = 20000\ncgo = false\n\
             require_vcs_clean = true\nmax_size_bytes = 5000000\n\
             init_order_baseline = {:?}\ncrypto = \"standard\"\n\
             [max_package_growth]\nbaseline = {:?}\nbytes = 65536\npercent = 10.0\n",
            order_b.display().to_string(),
            a.display().to_string()
        ),
    )
    .expect("policy");
    let addresses = dir.join("addresses.txt");
    std::fs::write(&addresses, "0x401000\n0\n0x45f0a0\nffffffffffffffff\n").expect("addresses");

    let mut cases = vec![
        case("inspect", &["inspect", "--json"], &every),
        case(
            "inspect",
            &["inspect", "--json", "--no-go", "--no-sections"],
            &every,
        ),
        case("inspect", &["inspect", "--json", "--dwarf"], &all),
        case(
            "inspect-modules",
            &["inspect", "--modules", "--json"],
            &every,
        ),
        case("funcs", &["funcs", "--json"], &all),
        case("funcs", &["funcs", "--json", "--package", "main"], &every),
        case(
            "funcs",
            &["funcs", "--json", "--match", "^runtime\\.main"],
            &cut,
        ),
        case("init-order", &["init-order", "--json"], &every),
        case(
            "init-order",
            &["init-order", "--json", "--no-observed"],
            &all,
        ),
        case(
            "init-order",
            &["init-order", "--json", "--why", "os"],
            &every,
        ),
        case(
            "init-order",
            &["init-order", "--json", "--why", "no/such/package"],
            &all,
        ),
        case(
            "reloc-cost",
            &["reloc-cost", "--json", "--model", "fixed"],
            &every,
        ),
        case("reloc-cost", &["reloc-cost", "--json"], [&a, &pie]),
        case(
            "reloc-cost",
            &[
                "reloc-cost",
                "--json",
                "--relative-ns",
                "0.5",
                "--relr-ns",
                "0.1",
                "--lookup-ns",
                "7",
                "--page-ns",
                "150",
            ],
            [&pie],
        ),
        case("startup", &["startup", "--json"], &every),
        case("size", &["size", "--json", "--sections"], &every),
        case(
            "size",
            &["size", "--json", "--by", "module", "--top", "3"],
            &all,
        ),
        case(
            "check",
            &["check", "--json", "--policy", policy.to_str().unwrap()],
            &every,
        ),
        case("diff", &["diff", "--json"], [&inspect_a, &b]),
        case("diff", &["diff", "--json"], [&diff_ab, &pie]),
        case(
            "init-order",
            &["init-order", "--json", "--baseline", sa],
            [&b],
        ),
        case(
            "init-order",
            &["init-order", "--json", "--baseline", sb],
            [&b],
        ),
        case(
            "init-order",
            &[
                "init-order",
                "--json",
                "--baseline",
                order_b.to_str().unwrap(),
            ],
            [&pie],
        ),
    ];
    // --addr: the text start of most fixtures, a PC inside a function, and misses.
    for extra in [&[][..], &["--no-dwarf-check"][..]] {
        let mut args = vec!["funcs", "--json"];
        args.extend(extra);
        for pc in [
            "0x401000",
            "0x401234",
            "0x11000",
            "0x80000",
            "0",
            "0xffffffffffffffff",
        ] {
            args.extend(["--addr", pc]);
        }
        cases.push(case("funcs", &args, &every));
    }
    // diff: each file against the next, and a damaged old file against its original.
    for pair in all.windows(2) {
        cases.push(case("diff", &["diff", "--json"], pair));
    }
    for (c, p) in cut
        .iter()
        .zip(all.iter().flat_map(|p| [p, p, p]))
        .step_by(7)
    {
        cases.push(case("diff", &["diff", "--json"], [c, p]));
    }
    // symbolize: every trace of the crash fixtures; an address list against every file.
    for f in common::fixtures_in("testdata/crash") {
        let bin = f.path();
        for t in std::fs::read_dir(&f.dir).expect("crash dir").flatten() {
            let t = t.path();
            let n = name_of(&t);
            if (n.starts_with("trace-") || n.starts_with("pcs-") || n == "addresses.txt")
                && n.ends_with(".txt")
            {
                cases.push(case("symbolize", &["symbolize", "--json"], [&bin, &t]));
            }
        }
        cases.push(case(
            "symbolize",
            &["symbolize", "--json", "--base", "0x1000"],
            [&bin, &f.dir.join("trace-panic.txt")],
        ));
    }
    for p in all.iter().chain(cut.iter().step_by(3)) {
        cases.push(case("symbolize", &["symbolize", "--json"], [p, &addresses]));
    }

    let validators: BTreeMap<&str, Validators> =
        SCHEMAS.iter().map(|n| (*n, validators(n))).collect();
    // GOELF_SCHEMA_DUMP=DIR keeps every document (DIR/SCHEMA.N.json), to review a schema
    // against what the commands print.
    let dump = std::env::var_os("GOELF_SCHEMA_DUMP").map(PathBuf::from);
    let problems = Mutex::new(Vec::new());
    let documents = std::sync::atomic::AtomicUsize::new(0);
    let entries = std::sync::atomic::AtomicUsize::new(0);
    cases.par_iter().enumerate().for_each(|(i, c)| {
        let short = c.args.iter().take(4).cloned().collect::<Vec<_>>().join(" ");
        match run(c) {
            Err(e) => problems
                .lock()
                .unwrap()
                .push(format!("goelf {short} ...: {e}")),
            Ok(None) => {}
            Ok(Some((doc, stdout))) => {
                documents.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if let Some(d) = &dump {
                    std::fs::write(d.join(format!("{}.{i}.json", c.schema)), &stdout)
                        .expect("dump");
                }
                let n = doc["files"].as_array().map_or(0, Vec::len);
                entries.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                let (shown, count) = failures(&validators[c.schema], &doc);
                if count > 0 {
                    problems.lock().unwrap().push(format!(
                        "goelf {short} ... ({} schema): {count} failures:\n    {}",
                        c.schema,
                        shown.join("\n    ")
                    ));
                }
            }
        }
    });
    let problems = problems.into_inner().unwrap();
    assert!(
        problems.is_empty(),
        "{} of {} runs do not validate:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
    let entries = entries.into_inner();
    assert!(entries > 2000, "only {entries} file entries validated");
    eprintln!(
        "{} runs, {} documents, {entries} file entries validated",
        cases.len(),
        documents.into_inner()
    );
}

/// `funcs --json-lines`: every line of every fixture (and of its truncated copies, and with
/// `--addr`) is one object that `schemas/funcs-lines.schema.json` describes, shipped and
/// strict; each file's lines run `file`, records, `problem`s, `end`.
#[test]
fn every_json_line_validates() {
    let v = validators("funcs-lines");
    let all = inputs();
    let dir = tempfile::tempdir().expect("temp dir");
    let cut = truncated(&all, dir.path());
    let mut cases: Vec<Vec<String>> = all
        .iter()
        .chain(&cut)
        .map(|p| {
            vec![
                "funcs".into(),
                "--json-lines".into(),
                p.display().to_string(),
            ]
        })
        .collect();
    cases.push(
        [
            "funcs",
            "--json-lines",
            "--addr",
            "0x401000",
            "--addr",
            "0x0",
            "--package",
            "main",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(all.iter().map(|p| p.display().to_string()))
        .collect(),
    );
    let bad: Vec<String> = cases
        .par_iter()
        .flat_map_iter(|args| {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = common::goelf(&a);
            let mut bad = Vec::new();
            if !matches!(out.status.code(), Some(0 | 1)) {
                bad.push(format!("{args:?}: exit {:?}", out.status.code()));
            }
            let mut last: &'static str = "end";
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                let doc: Value = match serde_json::from_str(line) {
                    Ok(d) => d,
                    Err(e) => {
                        bad.push(format!("{args:?}: not JSON ({e}): {line}"));
                        continue;
                    }
                };
                let (errors, n) = failures(&v, &doc);
                if n > 0 {
                    bad.push(format!("{args:?}: {n} failures: {errors:?}"));
                }
                let kind = doc["kind"].as_str().unwrap_or("?");
                let order_ok = match kind {
                    "file" => last == "end",
                    "function" | "lookup" => matches!(last, "file" | "function" | "lookup"),
                    "problem" => last != "end",
                    "end" => last != "end",
                    _ => false,
                };
                if !order_ok {
                    bad.push(format!("{args:?}: a {kind} line after a {last} line"));
                }
                last = match kind {
                    "file" => "file",
                    "function" => "function",
                    "lookup" => "lookup",
                    "problem" => "problem",
                    "end" => "end",
                    _ => "?",
                };
            }
            if last != "end" {
                bad.push(format!("{args:?}: the last line is not an end line"));
            }
            bad
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} problems:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

//! Test helpers shared by every module of the integration-test binary (`tests/tests.rs`):
//! the fixture set under `testdata/fixtures`, decompressed on first use into the test target
//! directory; their golden files (written by `testdata/regen.sh` from tools outside goelf),
//! plain or zstd-compressed; running the `goelf` command and reading its JSON; and the
//! `readelf` table parser ([`readelf`]).
#![allow(dead_code)]

pub mod llvm;
pub mod readelf;

use std::io::Read;
use std::path::{Path, PathBuf};

/// One fixture directory.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Directory name.
    pub name: String,
    /// Directory path.
    pub dir: PathBuf,
    /// `meta.json`.
    pub meta: serde_json::Value,
}

/// Root of the repository.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every fixture with a `meta.json` and a `bin.zst`, sorted by name.
pub fn fixtures() -> Vec<Fixture> {
    let root = repo().join("testdata/fixtures");
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(&root) else {
        return out;
    };
    for d in dirs.flatten() {
        let dir = d.path();
        let (Ok(meta), true) = (
            std::fs::read_to_string(dir.join("meta.json")),
            dir.join("bin.zst").exists(),
        ) else {
            continue;
        };
        let meta: serde_json::Value = serde_json::from_str(&meta).expect("meta.json parses");
        out.push(Fixture {
            name: d.file_name().to_string_lossy().into_owned(),
            dir,
            meta,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!out.is_empty(), "no fixtures under {}", root.display());
    out
}

/// The container fixtures under `testdata/containers` (small PE and Mach-O files with
/// llvm-readobj goldens; kept apart from the Go-metadata fixtures), sorted by name.
pub fn containers() -> Vec<Fixture> {
    fixtures_in("testdata/containers")
}

/// The fixtures (directories with a `meta.json`) under `sub` of the repository, sorted by
/// name; none when `sub` does not exist.
pub fn fixtures_in(sub: &str) -> Vec<Fixture> {
    let root = repo().join(sub);
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(&root) else {
        return out;
    };
    for d in dirs.flatten() {
        let dir = d.path();
        let Ok(meta) = std::fs::read_to_string(dir.join("meta.json")) else {
            continue;
        };
        out.push(Fixture {
            name: d.file_name().to_string_lossy().into_owned(),
            dir,
            meta: serde_json::from_str(&meta).expect("meta.json parses"),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Every fixture and container fixture with an `llvm-readobj.txt` golden for `goos`.
pub fn llvm_fixtures(goos: &str) -> Vec<Fixture> {
    let mut v: Vec<Fixture> = fixtures()
        .into_iter()
        .chain(containers())
        .filter(|f| f.meta_str("goos") == goos && f.has_golden("llvm-readobj.txt"))
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// The fixture with this name.
pub fn fixture(name: &str) -> Fixture {
    find_fixture(name).unwrap_or_else(|| panic!("no fixture {name}"))
}

/// The fixture with this name, if the fixture set has it.
pub fn find_fixture(name: &str) -> Option<Fixture> {
    fixtures().into_iter().find(|f| f.name == name)
}

/// The first fixture (by name) for which `pred` holds.
pub fn first_fixture(pred: impl Fn(&Fixture) -> bool) -> Option<Fixture> {
    fixtures().into_iter().find(|f| pred(f))
}

impl Fixture {
    /// A string field of meta.json ("" when absent or null).
    pub fn meta_str(&self, key: &str) -> &str {
        self.meta.get(key).and_then(|v| v.as_str()).unwrap_or("")
    }

    /// A bool field of meta.json.
    pub fn meta_bool(&self, key: &str) -> bool {
        self.meta
            .get(key)
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// `goos` is linux (an ELF file).
    pub fn is_elf(&self) -> bool {
        self.has_golden("readelf-hlSdW.txt")
    }

    /// The golden file's text, if the fixture has it (large ones are stored as `FILE.zst`).
    pub fn golden(&self, file: &str) -> Option<String> {
        if let Ok(text) = std::fs::read_to_string(self.dir.join(file)) {
            return Some(text);
        }
        let compressed = std::fs::File::open(self.dir.join(format!("{file}.zst"))).ok()?;
        let mut dec = ruzstd::decoding::StreamingDecoder::new(std::io::BufReader::new(compressed))
            .expect("zstd frame");
        let mut text = String::new();
        dec.read_to_string(&mut text).expect("zstd golden");
        Some(text)
    }

    /// `godump.json` (what Go's `debug/gosym` and `debug/buildinfo` read from the binary),
    /// parsed; `None` when the fixture has none.
    pub fn godump(&self) -> Option<serde_json::Value> {
        let text = self.golden("godump.json")?;
        Some(serde_json::from_str(&text).expect("godump.json parses"))
    }

    /// True when the fixture has this golden file (plain or `.zst`).
    pub fn has_golden(&self, file: &str) -> bool {
        self.dir.join(file).exists() || self.dir.join(format!("{file}.zst")).exists()
    }

    /// Path of the decompressed binary (made on first use; safe across parallel tests).
    pub fn path(&self) -> PathBuf {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixtures");
        std::fs::create_dir_all(&cache).expect("cache dir");
        let sha = self.meta_str("sha256");
        let out = cache.join(format!("{}-{}", self.name, &sha[..sha.len().min(12)]));
        if out.exists() {
            return out;
        }
        let compressed = std::fs::File::open(self.dir.join("bin.zst")).expect("bin.zst");
        let mut dec = ruzstd::decoding::StreamingDecoder::new(std::io::BufReader::new(compressed))
            .expect("zstd frame");
        let mut data = Vec::new();
        dec.read_to_end(&mut data).expect("zstd decompress");
        let tmp = cache.join(format!(
            ".{}.{}.{:?}",
            self.name,
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&tmp, &data).expect("write fixture");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755));
        }
        std::fs::rename(&tmp, &out).expect("rename fixture");
        out
    }

    /// The decompressed binary.
    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(self.path()).expect("read fixture")
    }
}

/// Parse a `0x…` or bare hex number.
pub fn hex(s: &str) -> u64 {
    let s = s.trim();
    let s = s.strip_prefix("0x").unwrap_or(s);
    u64::from_str_radix(s, 16).unwrap_or_else(|_| panic!("not hex: {s:?}"))
}

/// Run the built `goelf` binary.
pub fn goelf(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_goelf"))
        .args(args)
        .output()
        .expect("run goelf")
}

/// The command's stdout as JSON; panics with stdout and stderr when it is not.
pub fn stdout_json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Run `goelf ARGS` and return its JSON document and exit code (-1 when killed by a signal).
pub fn goelf_json(args: &[&str]) -> (serde_json::Value, i32) {
    let out = goelf(args);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "goelf {args:?}: stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap_or(-1))
}

/// `objabi.PrefixToPath` (`src/cmd/internal/objabi/path.go`): the import path of a linker
/// symbol prefix, `%xx` escapes undone (`gopkg.in/ini%2ev1` → `gopkg.in/ini.v1`). The
/// runtime's `GODEBUG=inittrace=1`, `go tool nm` and `debug/gosym` print the escaped form.
pub fn prefix_to_path(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).expect("import path is UTF-8")
}

/// A binary of `testdata/derived/`: a fixture with its build info removed (issue #12), kept
/// as `bin.zst` or, for the byte-level edits, made again from its base fixture here exactly as
/// `testdata/tools/derive.py` made it (the sha256 in `meta.json` is checked).
#[derive(Debug, Clone)]
pub struct Derived {
    /// Directory name.
    pub name: String,
    /// As a fixture (its `meta.json`, goldens and, when stored, `bin.zst`).
    pub fixture: Fixture,
}

/// Every directory of `testdata/derived/` whose base fixture (or `bin.zst`) is there.
pub fn derived() -> Vec<Derived> {
    let root = repo().join("testdata/derived");
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(&root) else {
        return out;
    };
    for d in dirs.flatten() {
        let dir = d.path();
        let Ok(meta) = std::fs::read_to_string(dir.join("meta.json")) else {
            continue;
        };
        let meta: serde_json::Value = serde_json::from_str(&meta).expect("meta.json parses");
        let name = d.file_name().to_string_lossy().into_owned();
        let base = meta["derived_from"].as_str().unwrap_or("").to_string();
        if !dir.join("bin.zst").exists() && find_fixture(&base).is_none() {
            continue;
        }
        out.push(Derived {
            name: name.clone(),
            fixture: Fixture { name, dir, meta },
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

impl Derived {
    /// Path of the binary (decompressed or derived on first use).
    pub fn path(&self) -> PathBuf {
        if self.fixture.dir.join("bin.zst").exists() {
            return self.fixture.path();
        }
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("derived");
        std::fs::create_dir_all(&cache).expect("cache dir");
        let sha = self.fixture.meta_str("sha256");
        let out = cache.join(format!("{}-{}", self.name, &sha[..sha.len().min(12)]));
        if out.exists() {
            return out;
        }
        let base = fixture(self.fixture.meta_str("derived_from")).bytes();
        let data = derive(self.fixture.meta_str("derivation"), base);
        use sha2::Digest;
        let got: String = sha2::Sha256::digest(&data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            got, sha,
            "{}: derived bytes differ from regen.sh's",
            self.name
        );
        let tmp = cache.join(format!(
            ".{}.{}.{:?}",
            self.name,
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&tmp, &data).expect("write derived");
        std::fs::rename(&tmp, &out).expect("rename derived");
        out
    }
}

/// `testdata/tools/derive.py`: `zerobi` zeroes the bytes of `.go.buildinfo`; `noshdr` does
/// that and then drops the section header table (e_shoff, e_shnum, e_shstrndx = 0; the file
/// cut at e_shoff when the table ends it).
pub fn derive(kind: &str, mut b: Vec<u8>) -> Vec<u8> {
    assert_eq!(&b[..4], b"\x7fELF");
    let is64 = b[4] == 2;
    let le = b[5] == 1;
    let rd = |b: &[u8], o: usize, n: usize| -> u64 {
        let s = &b[o..o + n];
        let mut v = 0u64;
        for i in 0..n {
            let byte = if le { s[n - 1 - i] } else { s[i] };
            v = v << 8 | u64::from(byte);
        }
        v
    };
    let (shoff, shentsize, shnum, shstrndx) = if is64 {
        (
            rd(&b, 0x28, 8),
            rd(&b, 0x3a, 2),
            rd(&b, 0x3c, 2),
            rd(&b, 0x3e, 2),
        )
    } else {
        (
            rd(&b, 0x20, 4),
            rd(&b, 0x2e, 2),
            rd(&b, 0x30, 2),
            rd(&b, 0x32, 2),
        )
    };
    let shdr = |b: &[u8], i: u64| -> (u64, u64, u64) {
        let o = (shoff + i * shentsize) as usize;
        if is64 {
            (rd(b, o, 4), rd(b, o + 24, 8), rd(b, o + 32, 8))
        } else {
            (rd(b, o, 4), rd(b, o + 16, 4), rd(b, o + 20, 4))
        }
    };
    let (_, stroff, _) = shdr(&b, shstrndx);
    let mut found = false;
    for i in 0..shnum {
        let (name, off, size) = shdr(&b, i);
        let n0 = (stroff + name) as usize;
        let end = n0 + b[n0..].iter().position(|&c| c == 0).unwrap();
        if &b[n0..end] == b".go.buildinfo" {
            b[off as usize..(off + size) as usize].fill(0);
            found = true;
        }
    }
    assert!(found, "no .go.buildinfo section");
    match kind {
        "zerobi" => {}
        "noshdr" => {
            let (o, n) = if is64 { (0x28, 8) } else { (0x20, 4) };
            b[o..o + n].fill(0);
            let o = if is64 { 0x3c } else { 0x30 };
            b[o..o + 4].fill(0);
            if shoff + shnum * shentsize == b.len() as u64 {
                b.truncate(shoff as usize);
            }
        }
        k => panic!("unknown derivation {k}"),
    }
    b
}

/// `inspect --no-go` of a fixture, which must succeed (the PE and Mach-O container tests).
pub fn inspect_container(f: &Fixture) -> goelf::inspect::InspectFile {
    let data = f.bytes();
    let r = goelf::inspect::inspect_bytes(
        &f.name,
        &data,
        &goelf::inspect::InspectOptions {
            no_go: true,
            ..Default::default()
        },
    );
    assert!(r.ok, "{}: {:?}", f.name, r.error);
    r
}

//! Test helpers: the fixture set under `testdata/fixtures`, decompressed on first use into
//! the test target directory, and their golden files (written by `testdata/regen.sh` from
//! tools outside goelf).
#![allow(dead_code)]

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

/// The fixture with this name.
pub fn fixture(name: &str) -> Fixture {
    fixtures()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
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

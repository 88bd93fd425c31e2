//! The file arguments of a command as the runner processes them: `-` is standard input, a
//! directory is walked recursively the way `go version DIR` walks it
//! (`src/cmd/go/internal/version/version.go`: `filepath.WalkDir`, in lexical order, not
//! following symbolic links to directories; regular files and symbolic links to regular
//! files are candidates; a candidate that is not a Go binary is skipped silently). Unlike
//! `go version`, an entry that cannot be read (permission denied, a dangling or looping
//! symbolic link) is reported as that file's error instead of being skipped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::input::{self, Input};

/// One file to analyse.
#[derive(Debug)]
pub struct Arg {
    /// The path (`-` for standard input).
    pub path: PathBuf,
    /// The path as shown in the output.
    pub shown: String,
    /// Found by walking a directory: skipped when it is not a Go binary.
    pub walked: bool,
    /// Why it cannot be opened, found while walking.
    error: Option<String>,
}

/// Standard input was opened already (`-` given twice).
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

impl Arg {
    fn file(path: PathBuf, walked: bool) -> Arg {
        Arg {
            shown: path.display().to_string(),
            path,
            walked,
            error: None,
        }
    }

    /// True for `-`.
    pub fn is_stdin(&self) -> bool {
        self.path.as_os_str() == "-" && !self.walked
    }

    /// Open it: [`input::open`], [`input::open_stdin`] for `-`.
    pub fn open(&self) -> anyhow::Result<Input> {
        if let Some(e) = &self.error {
            anyhow::bail!("{e}");
        }
        if self.is_stdin() {
            if STDIN_TAKEN.swap(true, Ordering::AcqRel) {
                anyhow::bail!("standard input was given more than once");
            }
            return input::open_stdin();
        }
        input::open(&self.path)
    }
}

/// The files of `paths`, in order: a directory is replaced by the files found under it.
pub fn expand(paths: &[PathBuf]) -> Vec<Arg> {
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        if p.as_os_str() != "-" && std::fs::metadata(p).is_ok_and(|m| m.is_dir()) {
            walk(p, &mut out);
        } else {
            out.push(Arg::file(p.clone(), false));
        }
    }
    out
}

/// The candidate files under `dir`, in lexical order.
fn walk(dir: &Path, out: &mut Vec<Arg>) {
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                let why = e
                    .io_error()
                    .map_or_else(|| e.to_string(), ToString::to_string);
                out.push(Arg {
                    error: Some(format!("cannot read: {why}")),
                    ..Arg::file(path, true)
                });
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_file() {
            out.push(Arg::file(entry.into_path(), true));
        } else if ft.is_symlink() {
            // Symbolic links to regular files only, as `go version` accepts them.
            match std::fs::metadata(entry.path()) {
                Ok(m) if m.is_file() => out.push(Arg::file(entry.into_path(), true)),
                Ok(_) => {}
                Err(e) => out.push(Arg {
                    error: Some(format!("symbolic link: {e}")),
                    ..Arg::file(entry.into_path(), true)
                }),
            }
        }
    }
}

/// A file found by a walk is reported when it is a Go binary: it has Go build information,
/// the test `go version DIR` applies.
pub fn is_go(data: &[u8]) -> bool {
    goelf::image::Image::parse(data)
        .is_ok_and(|img| goelf::go::GoBinary::new(img).buildinfo().is_ok())
}

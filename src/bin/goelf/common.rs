//! Shared CLI plumbing: opening files (memory-mapped), running per-file work in parallel with
//! output in argument order, JSON printing and exit codes.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

/// Exit status: every file analysed (for comparisons: no difference).
pub const EXIT_OK: u8 = 0;
/// Exit status: at least one file failed (for comparisons: a difference was found).
pub const EXIT_FAILED: u8 = 1;
/// Exit status: usage or hard error.
pub const EXIT_USAGE: u8 = 2;

/// The bytes of one input file: a read-only memory map, or owned bytes for special files.
pub enum Input {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Input {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Input::Mapped(m) => m,
            Input::Owned(v) => v,
        }
    }
}

/// Open a file for analysis; the error names what is wrong with the path.
///
/// Only regular files are analysed: a directory, FIFO, socket or device gets a clear error
/// instead of a read that could block or never end.
pub fn open(path: &Path) -> anyhow::Result<Input> {
    let meta = std::fs::metadata(path)?;
    let ft = meta.file_type();
    if !ft.is_file() {
        use std::os::unix::fs::FileTypeExt;
        let what = if ft.is_dir() {
            "is a directory"
        } else if ft.is_fifo() {
            "is a FIFO (named pipe), not a file"
        } else if ft.is_socket() {
            "is a socket, not a file"
        } else if ft.is_char_device() || ft.is_block_device() {
            "is a device, not a file"
        } else {
            "is not a regular file"
        };
        anyhow::bail!("{what}");
    }
    let file = File::open(path)?;
    if meta.len() == 0 {
        return Ok(Input::Owned(Vec::new()));
    }
    // SAFETY: the map is read-only and never handed out mutably. The one hazard is another
    // process truncating the file while we read it, which raises SIGBUS; that is the same
    // contract ripgrep and other mmap-based readers accept for the speed it gives.
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok(Input::Mapped(map))
}

/// Run `work` on every path in parallel, returning results in argument order.
pub fn per_file<T: Send>(paths: &[std::path::PathBuf], work: impl Fn(&Path) -> T + Sync) -> Vec<T> {
    if paths.len() <= 1 {
        return paths.iter().map(|p| work(p)).collect();
    }
    paths.par_iter().map(|p| work(p)).collect()
}

/// Run `work(index, path, out)` on every path, giving it a place to write its output; the
/// outputs appear on `out` in argument order. One file writes straight through (a large
/// report is never held in memory); several are analysed in parallel, each into its own
/// buffer.
pub fn per_file_write<T: Send>(
    paths: &[std::path::PathBuf],
    out: &mut dyn Write,
    work: impl Fn(usize, &Path, &mut dyn Write) -> std::io::Result<T> + Sync,
) -> std::io::Result<Vec<T>> {
    if let [one] = paths {
        return Ok(vec![work(0, one, out)?]);
    }
    let done: Vec<_> = paths
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let mut buf = Vec::new();
            work(i, p, &mut buf).map(|t| (t, buf))
        })
        .collect();
    let mut results = Vec::with_capacity(done.len());
    for r in done {
        let (t, buf) = r?;
        out.write_all(&buf)?;
        results.push(t);
    }
    Ok(results)
}

/// Buffered standard output: stdout is line-buffered, so unbuffered JSON would cost one
/// system call per line. Call `flush` at the end; errors (a closed pipe) surface there.
pub fn stdout() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock())
}

/// Print a value as pretty JSON with a trailing newline. A closed pipe is not an error.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = stdout();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// Write text to stdout.
pub fn print_text(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// A table with goelf's style.
pub fn table(header: &[&str]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::ASCII_BORDERS_ONLY_CONDENSED);
    t.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    t.set_header(header.iter().copied());
    t
}

/// Right-align the given columns.
pub fn align_right(t: &mut comfy_table::Table, cols: &[usize]) {
    for &c in cols {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
}

/// `0x…` hex.
pub fn hex(v: u64) -> String {
    format!("{v:#x}")
}

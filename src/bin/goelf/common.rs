//! Shared CLI plumbing: opening files (memory-mapped), JSON printing (serde_json's pretty
//! layout, written faster), tables and exit codes. Running per-file work is the
//! [`runner`](crate::runner)'s.

use std::fs::File;
use std::io::Write;
use std::path::Path;

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

impl Input {
    /// True when the bytes are a map of the file (not a copy).
    pub fn is_mapped(&self) -> bool {
        matches!(self, Input::Mapped(_))
    }
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

/// `-q`: point standard output at `/dev/null`, so that nothing any renderer writes reaches
/// it (errors still go to stderr, the exit status is unchanged).
pub fn silence_stdout() {
    use std::os::fd::AsRawFd;
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        // SAFETY: dup2 on two open descriptors; stdout is replaced atomically.
        unsafe {
            libc_dup2(null.as_raw_fd(), 1);
        }
    }
}

extern "C" {
    #[link_name = "dup2"]
    fn libc_dup2(old: i32, new: i32) -> i32;
}

/// Buffered standard output: stdout is line-buffered, so unbuffered JSON would cost one
/// system call per line. Call `flush` at the end; errors (a closed pipe) surface there.
pub fn stdout() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock())
}

/// Print a value as pretty JSON with a trailing newline. A closed pipe is not an error.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = stdout();
    write_json(&mut out, value)?;
    out.flush()?;
    Ok(())
}

/// Write a value as pretty JSON with a trailing newline: the bytes of
/// `serde_json::to_writer_pretty`, through [`Pretty`].
pub fn write_json<W: Write, T: Serialize + ?Sized>(out: &mut W, value: &T) -> anyhow::Result<()> {
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut *out,
        Pretty::default(),
    ))?;
    out.write_all(b"\n")?;
    Ok(())
}

/// serde_json's `PrettyFormatter` (two-space indent), byte for byte, writing each line break
/// and its indentation in one `write_all` instead of one per level. `funcs --json` writes
/// ~80,000 objects at depth five, where the per-level writes (each a `memmove` call of a
/// length the compiler cannot see) were a third of the run time.
#[derive(Debug, Default)]
pub struct Pretty {
    depth: usize,
    has_value: bool,
}

/// `,` then a line break, then the indentation of the deepest level written in one piece.
const BREAK: &[u8; 2 + 2 * 16] = b",\n                                ";

impl Pretty {
    /// A line break (after a comma when `comma`) and the indentation of the current depth.
    #[inline]
    fn line<W: ?Sized + Write>(&self, w: &mut W, comma: bool) -> std::io::Result<()> {
        let start = usize::from(!comma);
        match BREAK.get(start..2 + 2 * self.depth) {
            Some(b) => w.write_all(b),
            None => {
                w.write_all(BREAK.get(start..2).unwrap_or(b"\n"))?;
                (0..self.depth).try_for_each(|_| w.write_all(b"  "))
            }
        }
    }
}

impl Pretty {
    /// `[` or `{`: one level deeper, nothing in it yet.
    #[inline]
    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    /// `]` or `}`: on a line of its own after the last value, if there was one.
    #[inline]
    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.has_value {
            self.line(w, false)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Pretty {
    #[inline]
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    #[inline]
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    #[inline]
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line(w, !first)
    }

    #[inline]
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    #[inline]
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    #[inline]
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    #[inline]
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line(w, !first)
    }

    #[inline]
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    #[inline]
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Write text to stdout.
pub fn print_text(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// `0x…` hex.
pub fn hex(v: u64) -> String {
    format!("{v:#x}")
}

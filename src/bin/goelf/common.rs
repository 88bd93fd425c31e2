//! Shared CLI plumbing: JSON printing (serde_json's pretty
//! layout, written faster), tables and exit codes. Opening files is [`input`](crate::input)'s,
//! running per-file work the [`runner`](crate::runner)'s.

use std::io::Write;

use serde::Serialize;

/// Exit status: every file analysed (for comparisons: no difference).
pub const EXIT_OK: u8 = 0;
/// Exit status: at least one file failed (for comparisons: a difference was found).
pub const EXIT_FAILED: u8 = 1;
/// Exit status: usage or hard error.
pub const EXIT_USAGE: u8 = 2;

/// `-q`: point standard output at `/dev/null`, so that nothing any renderer writes reaches
/// it (errors still go to stderr, the exit status is unchanged).
pub fn silence_stdout() {
    use std::os::fd::AsRawFd;
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        // SAFETY: dup2 on two descriptors this process owns; stdout is replaced atomically.
        unsafe {
            libc::dup2(null.as_raw_fd(), 1);
        }
    }
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

/// Buffered standard output for text, each line fitted to the terminal or pipe
/// ([`fit`](crate::fit)).
pub fn text_stdout() -> crate::fit::Fit<std::io::BufWriter<std::io::StdoutLock<'static>>> {
    crate::fit::Fit::new(stdout(), crate::term::get())
}

/// Write text to stdout, each line fitted ([`text_stdout`]).
pub fn print_text(text: &str) -> anyhow::Result<()> {
    let mut out = text_stdout();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Write text to stdout as it is (a script, not for reading).
pub fn print_raw(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// `0x…` hex.
pub fn hex(v: u64) -> String {
    format!("{v:#x}")
}

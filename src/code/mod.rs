//! Machine code: what the instructions of a function refer to ([`refs`]: x86 with
//! `iced-x86`, arm64 by hand), what those references name in a Go binary ([`xref`]:
//! functions, function values, itabs, named data, each with its package), and where the
//! code bytes come from ([`CodeSource`]: the mapped file, or positioned reads the caller
//! provides).

pub mod refs;
pub mod xref;

pub use refs::{code_refs, supported, RefKind};

/// Where function code is read from, by file offset, when not from the mapped bytes.
///
/// Reading a large binary's code through a memory map faults in every page of the text, and
/// each stays resident; positioned reads into a small reused buffer ([`CodeWindow`]) keep
/// peak memory flat. The caller decides: `std::fs::File` implements this trait on Unix.
pub trait CodeSource: Send + Sync {
    /// Fill as much of `buf` as the source holds at `offset`; the count read, `None` on
    /// an error (the mapped bytes are then used).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Option<usize>;
}

#[cfg(unix)]
impl CodeSource for std::fs::File {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Option<usize> {
        use std::os::unix::fs::FileExt;
        let mut done = 0usize;
        while let Some(rest) = buf.get_mut(done..).filter(|r| !r.is_empty()) {
            let at = offset.checked_add(u64::try_from(done).ok()?)?;
            match FileExt::read_at(self, rest, at) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return None,
            }
        }
        Some(done)
    }
}

/// Positioned reads are only used on Unix; elsewhere the mapped bytes are read.
#[cfg(not(unix))]
impl CodeSource for std::fs::File {
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> Option<usize> {
        None
    }
}

/// Function code read from a [`CodeSource`] a window at a time.
pub struct CodeWindow<'s> {
    source: &'s dyn CodeSource,
    /// File offset of `buf`.
    start: u64,
    buf: Vec<u8>,
}

impl std::fmt::Debug for CodeWindow<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeWindow")
            .field("start", &self.start)
            .field("len", &self.buf.len())
            .finish()
    }
}

impl<'s> CodeWindow<'s> {
    /// Bytes read per window; a longer function gets a window of its own length.
    pub const SIZE: usize = 1 << 20;

    /// An empty window over `source`.
    pub fn new(source: &'s dyn CodeSource) -> Self {
        CodeWindow {
            source,
            start: 0,
            buf: Vec::new(),
        }
    }

    /// `len` bytes at file offset `off`; `None` when the source does not give them all
    /// (the caller then uses the mapped bytes).
    pub fn read(&mut self, off: u64, len: usize) -> Option<&[u8]> {
        let end = off.checked_add(u64::try_from(len).ok()?)?;
        let have = self
            .start
            .checked_add(u64::try_from(self.buf.len()).ok()?)?;
        if off < self.start || end > have {
            self.buf.clear();
            self.buf.resize(len.max(Self::SIZE), 0);
            let got = self.source.read_at(off, &mut self.buf);
            self.buf.truncate(got.unwrap_or(0));
            self.start = off;
            if self.buf.len() < len {
                self.buf.clear();
                return None;
            }
        }
        let from = usize::try_from(off.checked_sub(self.start)?).ok()?;
        self.buf.get(from..from.checked_add(len)?)
    }
}

//! Reading input files so that nothing the file system does can crash goelf: a file that is
//! truncated, rewritten, extended or replaced while it is analysed fails with "changed while
//! being read" instead of killing the process with `SIGBUS`, and the other files of the run
//! are unaffected.
//!
//! How a file is held (chosen on measurements, see bench/RESULTS.md "Input"):
//!
//! - a regular file of at most [`READ_WHOLE_MAX`] bytes is read whole with positioned reads
//!   into an owned buffer; its status (`fstat`: device, inode, size, mtime, ctime) is taken
//!   before and after the read, so the bytes analysed are a snapshot of one unchanged file;
//! - a larger regular file is memory-mapped (the commands touch a small part of a large
//!   binary: `inspect` on an 86 MB program faults in 8 MB of it; reading it whole costs 6x
//!   `inspect`'s run time and 6x its memory) **under a read lease** ([`lease`]): while goelf
//!   holds it, the kernel makes any process that opens the file for writing or truncates it
//!   wait until goelf has released it (at most `/proc/sys/fs/lease-break-time` seconds, 45 by
//!   default), so the mapped bytes cannot change under the analysis. A lease can be taken
//!   only when nobody has the file open for writing, by its owner or with `CAP_LEASE`, on a
//!   local file system; when it cannot, the file is read whole instead (a snapshot, as for
//!   small files), so every file analysed is either leased or owned;
//! - the map is also registered with a `SIGBUS` guard ([`guard`]), for a lease the kernel
//!   broke after its break time: when the file shrinks and a page past its new end is
//!   touched, the guard maps zero-filled memory over the rest of the map and marks it torn,
//!   so the access returns zeros instead of killing the process. After the analysis,
//!   [`Input::check`] reports the file as changed when the guard fired or its status or the
//!   inode its path names differs from what was seen when it was opened;
//! - standard input (`-`): a regular file redirected to it is handled like a file; a pipe
//!   or terminal is read whole, up to [`READ_PIPE_MAX`] bytes.
//!
//! Why the lease matters: the library borrows `&str` from the bytes after checking them as
//! UTF-8, so bytes rewritten in place under a map (same inode, new contents) could put
//! invalid UTF-8 under a `&str`, which is undefined behaviour (seen before the lease: SIGSEGV
//! once in 100-700 rounds of the stress test `mapped_files_rewritten_in_place_never_kill_goelf`).
//! The one residual case is an analysis of one file that outlasts the lease break time while
//! a writer waits for it.
//!
//! `GOELF_INPUT=map` (for tests) maps large files without a lease, the behaviour before
//! leases; `GOELF_INPUT=read` reads every file whole.

use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::sync::Arc;

/// Files up to this size are read whole (a snapshot) instead of mapped. Measured: reading
/// costs about as much as the page faults of a map for small files; above a few hundred KiB
/// the map wins for every command, since none reads the whole file.
pub const READ_WHOLE_MAX: u64 = 256 << 10;

/// Standard input that is not a regular file is read whole, up to this many bytes.
pub const READ_PIPE_MAX: u64 = 4 << 30;

/// The bytes of one input file and what is needed to tell whether it changed.
pub struct Input {
    bytes: Bytes,
    /// The lease held on the file while the map lives ([`lease`]); declared before `file`,
    /// so it is released (on drop) while the descriptor is still open.
    _lease: Option<lease::Held>,
    /// The open file (positioned reads for code, `fstat` for the check); `None` for a pipe.
    file: Option<Arc<File>>,
    /// Status when opened; `None` for a pipe.
    seen: Option<Stamp>,
    /// The path to look at again for "replaced" (not for standard input).
    path: Option<std::path::PathBuf>,
}

enum Bytes {
    Mapped(guard::GuardedMap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Input {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

impl Input {
    /// True when the bytes are a map of the file (not a copy).
    pub fn is_mapped(&self) -> bool {
        matches!(self.bytes, Bytes::Mapped(_))
    }

    /// The open file, for positioned reads (e.g. of code) instead of touching the map.
    pub fn file(&self) -> Option<Arc<File>> {
        self.file.clone()
    }

    /// `Err` ("changed while being read: …") when the file changed since it was opened in
    /// a way that can have changed the bytes analysed. Owned bytes were checked when read.
    pub fn check(&self) -> Result<(), String> {
        let Bytes::Mapped(map) = &self.bytes else {
            return Ok(());
        };
        if map.torn() {
            return Err(changed("it was truncated while mapped"));
        }
        if let (Some(file), Some(seen)) = (&self.file, &self.seen) {
            let now = file
                .metadata()
                .map_err(|e| changed(&format!("fstat: {e}")))?;
            seen.same(&Stamp::of(&now)).map_err(|w| changed(&w))?;
        }
        if let (Some(path), Some(seen)) = (&self.path, &self.seen) {
            match std::fs::metadata(path) {
                Ok(m) if m.dev() == seen.dev && m.ino() == seen.ino => {}
                Ok(_) => return Err(changed("the path names another file now")),
                Err(e) => return Err(changed(&format!("the path is gone: {e}"))),
            }
        }
        Ok(())
    }
}

/// The message of a file that changed.
fn changed(what: &str) -> String {
    format!("changed while being read: {what}")
}

/// What `fstat` says of a file, for "did it change".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(m: &std::fs::Metadata) -> Stamp {
        Stamp {
            dev: m.dev(),
            ino: m.ino(),
            size: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }

    /// `Err` saying what differs.
    fn same(&self, now: &Stamp) -> Result<(), String> {
        if self.size != now.size {
            Err(format!("its size was {}, now {}", self.size, now.size))
        } else if (self.dev, self.ino) != (now.dev, now.ino) {
            Err("it is another file now".into())
        } else if self.mtime != now.mtime || self.ctime != now.ctime {
            Err("it was modified (mtime or ctime changed)".into())
        } else {
            Ok(())
        }
    }
}

/// What a path is when it is not a regular file, as an error message.
fn not_regular(ft: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_dir() {
        "is a directory"
    } else if ft.is_fifo() {
        "is a FIFO (named pipe), not a file"
    } else if ft.is_socket() {
        "is a socket, not a file"
    } else if ft.is_char_device() || ft.is_block_device() {
        "is a device, not a file"
    } else {
        "is not a regular file"
    }
}

/// Open a file for analysis; the error names what is wrong with the path.
///
/// Only regular files are analysed: a directory, FIFO, socket or device gets a clear error
/// instead of a read that could block or never end (standard input is [`open_stdin`]'s).
pub fn open(path: &Path) -> anyhow::Result<Input> {
    let meta = std::fs::metadata(path)?;
    if !meta.file_type().is_file() {
        anyhow::bail!("{}", not_regular(meta.file_type()));
    }
    // O_NONBLOCK: a path swapped for a FIFO between the stat and the open must not block.
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?
    };
    from_file(file, Some(path))
}

/// Standard input: a regular file redirected to it is read like [`open`]'s; anything else
/// (a pipe, a terminal) is read whole, up to [`READ_PIPE_MAX`] bytes.
pub fn open_stdin() -> anyhow::Result<Input> {
    use std::io::Read;
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned()?;
    let file = File::from(fd);
    if file.metadata()?.file_type().is_file() {
        return from_file(file, None);
    }
    let mut v = Vec::new();
    (&file).take(READ_PIPE_MAX + 1).read_to_end(&mut v)?;
    if v.len() as u64 > READ_PIPE_MAX {
        anyhow::bail!("standard input holds more than {READ_PIPE_MAX} bytes");
    }
    Ok(Input {
        bytes: Bytes::Owned(v),
        _lease: None,
        file: None,
        seen: None,
        path: None,
    })
}

/// An opened regular file: read whole when small, else mapped under a lease and the
/// guard, or read whole when no lease can be had.
fn from_file(file: File, path: Option<&Path>) -> anyhow::Result<Input> {
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        anyhow::bail!("{}", not_regular(meta.file_type()));
    }
    let seen = Stamp::of(&meta);
    let how = How::from_env();
    let mut held = None;
    let bytes = if seen.size <= READ_WHOLE_MAX || how == How::Read {
        Bytes::Owned(read_whole(&file, &seen)?)
    } else {
        held = match how {
            How::Auto => lease::take(&file),
            _ => None,
        };
        if held.is_none() && how == How::Auto {
            Bytes::Owned(read_whole(&file, &seen)?)
        } else {
            // With the lease taken, the file may still have changed between the fstat and the
            // lease: look again before mapping.
            if held.is_some() {
                seen.same(&Stamp::of(&file.metadata()?))
                    .map_err(|w| anyhow::anyhow!("{}", changed(&w)))?;
            }
            match guard::GuardedMap::new(&file, seen.size)? {
                Some(m) => Bytes::Mapped(m),
                // No free guard slot (cannot happen with the runner's bounded window): read.
                None => {
                    held = None;
                    Bytes::Owned(read_whole(&file, &seen)?)
                }
            }
        }
    };
    Ok(Input {
        bytes,
        _lease: held,
        file: Some(Arc::new(file)),
        seen: Some(seen),
        path: path.map(Path::to_path_buf),
    })
}

/// How large files are held: `GOELF_INPUT` (`map`, `read`), for tests of each way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    /// Leased and mapped, or read whole when no lease can be had.
    Auto,
    /// Mapped without a lease (the guard only).
    Map,
    /// Read whole.
    Read,
}

impl How {
    fn from_env() -> How {
        match std::env::var_os("GOELF_INPUT") {
            Some(v) if v == "map" => How::Map,
            Some(v) if v == "read" => How::Read,
            _ => How::Auto,
        }
    }
}

/// Read leases (`fcntl(F_SETLEASE, F_RDLCK)`): while one is held, the kernel notifies the
/// holder (`SIGIO`) and blocks any `open` for writing and any `truncate` of the file until
/// the holder releases the lease or the break time passes. The notification is not needed
/// (the analysis releases the lease when it is done), so `SIGIO` gets a handler that does
/// nothing: its default action would end the process.
mod lease {
    use std::fs::File;
    use std::os::fd::AsRawFd;
    use std::sync::Once;

    static INSTALL: Once = Once::new();

    extern "C" fn on_sigio(_sig: libc::c_int) {}

    /// A lease taken; released when dropped (before the descriptor is closed: see
    /// `Input::_lease`), so a waiting writer goes on as soon as the analysis is done.
    pub struct Held(std::os::fd::RawFd);

    impl Drop for Held {
        fn drop(&mut self) {
            // SAFETY: fcntl with an integer argument on a descriptor that is still open.
            unsafe { libc::fcntl(self.0, libc::F_SETLEASE, libc::F_UNLCK) };
        }
    }

    /// Take a read lease on `file`; `None` when the kernel refuses (the file is open for
    /// writing somewhere, another owner without `CAP_LEASE`, a file system without leases).
    /// The lease must not outlive `file`.
    pub fn take(file: &File) -> Option<Held> {
        INSTALL.call_once(|| {
            // SAFETY: a zeroed sigaction is a valid value; the handler has the plain
            // signature and does nothing. A handler (unlike SIG_IGN) is reset by exec, so
            // programs goelf starts get SIGIO's default.
            unsafe {
                let mut act: libc::sigaction = std::mem::zeroed();
                act.sa_sigaction = on_sigio as *const () as libc::sighandler_t;
                act.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut act.sa_mask);
                libc::sigaction(libc::SIGIO, &act, std::ptr::null_mut());
            }
        });
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor we own, with an integer argument.
        (unsafe { libc::fcntl(fd, libc::F_SETLEASE, libc::F_RDLCK) } == 0).then_some(Held(fd))
    }
}

/// The `seen.size` bytes of `file`, with positioned reads; `Err` when the file is not
/// exactly that long and unchanged from before the first read to after the last.
fn read_whole(file: &File, seen: &Stamp) -> anyhow::Result<Vec<u8>> {
    let len = usize::try_from(seen.size)?;
    let mut v = vec![0u8; len];
    let mut done = 0usize;
    while let Some(rest) = v.get_mut(done..).filter(|r| !r.is_empty()) {
        match file.read_at(rest, done as u64) {
            Ok(0) => anyhow::bail!(
                "{}",
                changed(&format!("its size was {}, it ended at {done}", seen.size))
            ),
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut probe = [0u8; 1];
    if file.read_at(&mut probe, seen.size).is_ok_and(|n| n > 0) {
        anyhow::bail!("{}", changed(&format!("it grew past {} bytes", seen.size)));
    }
    seen.same(&Stamp::of(&file.metadata()?))
        .map_err(|w| anyhow::anyhow!("{}", changed(&w)))?;
    Ok(v)
}

/// Memory maps that survive their file shrinking: a `SIGBUS` handler that, for a fault in a
/// registered map, maps zero-filled anonymous memory over the rest of the map (the access
/// then reads zeros) and marks the map torn. A fault anywhere else restores the previous
/// disposition and returns, so it is raised again and handled as before (Rust's stack
/// overflow handler, or the default: the process dies).
///
/// The handler uses only atomics and `mmap`/`sigaction` system calls (no allocation, no
/// locks). The table of maps has a fixed number of slots; the runner holds at most a window
/// of files at once, far fewer.
mod guard {
    use std::fs::File;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Once, OnceLock};

    /// Maps that can be registered at once.
    const SLOTS: usize = 256;

    struct Slot {
        used: AtomicBool,
        start: AtomicUsize,
        end: AtomicUsize,
        torn: AtomicBool,
    }

    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: Slot = Slot {
        used: AtomicBool::new(false),
        start: AtomicUsize::new(0),
        end: AtomicUsize::new(0),
        torn: AtomicBool::new(false),
    };
    static TABLE: [Slot; SLOTS] = [EMPTY; SLOTS];
    static PAGE: AtomicUsize = AtomicUsize::new(4096);
    static INSTALL: Once = Once::new();
    /// The disposition before ours, restored for faults that are not in a map of ours.
    static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();

    extern "C" fn on_sigbus(
        _sig: libc::c_int,
        info: *mut libc::siginfo_t,
        _ctx: *mut libc::c_void,
    ) {
        // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler.
        let addr = unsafe { (*info).si_addr() } as usize;
        let page = PAGE.load(Ordering::Relaxed);
        for slot in &TABLE {
            let start = slot.start.load(Ordering::Acquire);
            let end = slot.end.load(Ordering::Acquire);
            if start == 0 || addr < start || addr >= end {
                continue;
            }
            let from = addr & !(page - 1);
            // SAFETY: [from, end) lies inside a live read-only map of ours (registered until
            // it is unmapped); replacing its pages with zeros changes only what reads of
            // the vanished file bytes return.
            let p = unsafe {
                libc::mmap(
                    from as *mut libc::c_void,
                    end - from,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                slot.torn.store(true, Ordering::Release);
                return;
            }
        }
        if let Some(prev) = PREVIOUS.get() {
            // SAFETY: restoring a disposition the kernel gave us.
            unsafe { libc::sigaction(libc::SIGBUS, prev, std::ptr::null_mut()) };
        }
    }

    fn install() {
        INSTALL.call_once(|| {
            // SAFETY: sysconf has no preconditions.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            if let Ok(p) = usize::try_from(page) {
                if p.is_power_of_two() {
                    PAGE.store(p, Ordering::Relaxed);
                }
            }
            // SAFETY: a zeroed sigaction is a valid value; the handler has the SA_SIGINFO
            // signature, and the previous action is saved before ours can run.
            unsafe {
                let mut prev: libc::sigaction = std::mem::zeroed();
                libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut prev);
                let _ = PREVIOUS.set(prev);
                let mut act: libc::sigaction = std::mem::zeroed();
                act.sa_sigaction = on_sigbus as *const () as libc::sighandler_t;
                act.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut act.sa_mask);
                libc::sigaction(libc::SIGBUS, &act, std::ptr::null_mut());
            }
        });
    }

    /// A read-only map of a file, registered with the handler while it lives.
    pub struct GuardedMap {
        map: std::mem::ManuallyDrop<memmap2::Mmap>,
        slot: &'static Slot,
    }

    impl GuardedMap {
        /// Map `len` bytes of `file`; `None` when every slot is taken.
        pub fn new(file: &File, len: u64) -> std::io::Result<Option<GuardedMap>> {
            install();
            let Some(slot) = TABLE.iter().find(|s| {
                s.used
                    .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
            }) else {
                return Ok(None);
            };
            let len = usize::try_from(len).map_err(std::io::Error::other)?;
            // SAFETY: the map is read-only and never handed out mutably. A file that
            // shrinks raises SIGBUS on access past its end, which the guard turns into
            // zeros and a torn mark (registered below, before any access).
            let map = match unsafe { memmap2::MmapOptions::new().len(len).map(file) } {
                Ok(m) => m,
                Err(e) => {
                    slot.used.store(false, Ordering::Release);
                    return Err(e);
                }
            };
            let start = map.as_ptr() as usize;
            slot.torn.store(false, Ordering::Release);
            slot.end.store(start + map.len(), Ordering::Release);
            slot.start.store(start, Ordering::Release);
            Ok(Some(GuardedMap {
                map: std::mem::ManuallyDrop::new(map),
                slot,
            }))
        }

        /// The guard fired: part of the map reads zeros instead of the file.
        pub fn torn(&self) -> bool {
            self.slot.torn.load(Ordering::Acquire)
        }
    }

    impl std::ops::Deref for GuardedMap {
        type Target = [u8];
        fn deref(&self) -> &[u8] {
            &self.map
        }
    }

    impl Drop for GuardedMap {
        fn drop(&mut self) {
            // Unregister first: nothing reads the map any more.
            self.slot.start.store(0, Ordering::Release);
            self.slot.end.store(0, Ordering::Release);
            // SAFETY: dropped once, here, and never used again.
            unsafe { std::mem::ManuallyDrop::drop(&mut self.map) };
            self.slot.used.store(false, Ordering::Release);
        }
    }
}

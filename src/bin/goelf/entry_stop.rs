//! `reloc-cost --measure` (entry mode): start an executable under ptrace, stop it at its
//! entry point, collect what the loader printed, kill it. Process plumbing only; the
//! library decides what to start and reads the statistics (`goelf::reloc::measure`).
//!
//! The child calls `PTRACE_TRACEME` between fork and execve, so it stops with SIGTRAP right
//! after the kernel has loaded it and before the loader runs. The parent reads `AT_ENTRY`
//! from `/proc/PID/auxv` (the entry point after the load bias), writes `int3` over the
//! first byte there, and continues. The loader relocates everything, runs the libraries'
//! constructors and the file's DT_PREINIT_ARRAY (the library refuses files that have one),
//! prints its `LD_DEBUG=statistics` block (glibc `elf/rtld.c` `_dl_start_final`) and jumps
//! to the entry point, where the `int3` traps before the instruction of the file runs. Then
//! the whole process group is killed (SIGKILL) and reaped; `PTRACE_O_EXITKILL` kills the
//! tracee too should goelf itself die first. docs/FORMATS.md §5.3.

use std::path::Path;
use std::time::Duration;

/// Whether stopping at the entry point is implemented on this host.
pub fn supported() -> Result<(), String> {
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        Ok(())
    } else {
        Err(format!(
            "stopping at the entry point is implemented for x86-64 Linux only (this is {} {}); \
             --measure=run runs the file to the end",
            std::env::consts::OS,
            std::env::consts::ARCH
        ))
    }
}

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
pub fn run_to_entry(_exe: &Path, _timeout: Duration) -> Result<Vec<u8>, String> {
    supported().map(|_| Vec::new())
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
pub fn run_to_entry(exe: &Path, timeout: Duration) -> Result<Vec<u8>, String> {
    imp::run_to_entry(exe, timeout)
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
pub(crate) mod imp {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use nix::errno::Errno;
    use nix::sys::ptrace::{self, AddressType, Options};
    use nix::sys::signal::{killpg, Signal};
    use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
    use nix::unistd::Pid;

    /// `AT_ENTRY` in the auxiliary vector (`<elf.h>`).
    const AT_ENTRY: u64 = 9;
    const AT_NULL: u64 = 0;
    /// x86 `int3`.
    const INT3: i64 = 0xcc;

    /// Start `exe` stopped after `execve` under ptrace (`PTRACE_TRACEME`), with `env` added,
    /// stdin and stdout closed, in its own process group (so that everything it starts is
    /// killed with it); its stderr, up to `limit` bytes, is collected by a thread.
    pub(crate) fn spawn_traced(
        exe: &Path,
        env: &[(&str, &str)],
        limit: u64,
    ) -> Result<(Child, Pid, std::thread::JoinHandle<Vec<u8>>), String> {
        let mut cmd = Command::new(exe);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.env_remove("LD_DEBUG_OUTPUT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0);
        // SAFETY: the closure runs in the forked child before execve; it only makes the
        // ptrace(PTRACE_TRACEME) system call (async-signal-safe, no allocation, no locks).
        unsafe {
            cmd.pre_exec(|| ptrace::traceme().map_err(std::io::Error::from));
        }
        let mut child = cmd.spawn().map_err(|e| format!("cannot start: {e}"))?;
        let pid = Pid::from_raw(child.id() as i32);
        let mut stderr = child.stderr.take();
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.take(limit).read_to_end(&mut buf);
                let _ = std::io::copy(s, &mut std::io::sink());
            }
            buf
        });
        Ok((child, pid, reader))
    }

    pub fn run_to_entry(exe: &Path, timeout: Duration) -> Result<Vec<u8>, String> {
        let (child, pid, reader) = spawn_traced(exe, &[("LD_DEBUG", "statistics")], 1 << 20)?;
        let result = trace(pid, timeout);
        // Kill the group (the tracee, stopped or not, and anything it started) and reap it.
        let _ = killpg(pid, Signal::SIGKILL);
        if !matches!(result, Err(Ended::Reaped(_))) {
            let _ = waitpid(pid, None);
        }
        // std's handle must not wait again; it does nothing on drop.
        drop(child);
        let text = reader.join().unwrap_or_default();
        match result {
            Ok(()) => Ok(text),
            Err(Ended::Reaped(why) | Ended::Other(why)) => Err(why),
        }
    }

    enum Ended {
        /// The process is gone and reaped.
        Reaped(String),
        /// Still there (to be killed and reaped).
        Other(String),
    }

    /// Wait for the stop after execve, plant the breakpoint, run to it.
    fn trace(pid: Pid, timeout: Duration) -> Result<(), Ended> {
        let start = Instant::now();
        match wait(pid, start, timeout)? {
            WaitStatus::Stopped(_, Signal::SIGTRAP) => {}
            other => return Err(Ended::Other(format!("unexpected first stop: {other:?}"))),
        }
        let os = |what: &str, e: Errno| Ended::Other(format!("{what}: {e}"));
        ptrace::setoptions(pid, Options::PTRACE_O_EXITKILL)
            .map_err(|e| os("PTRACE_SETOPTIONS", e))?;
        let entry = auxv_entry(pid).map_err(Ended::Other)?;
        let addr = entry as usize as AddressType;
        let word = ptrace::read(pid, addr).map_err(|e| os("reading the entry point", e))?;
        ptrace::write(pid, addr, (word & !0xff) | INT3)
            .map_err(|e| os("writing the breakpoint", e))?;
        ptrace::cont(pid, None).map_err(|e| os("PTRACE_CONT", e))?;
        loop {
            match wait(pid, start, timeout)? {
                WaitStatus::Stopped(_, Signal::SIGTRAP) => {
                    let regs = ptrace::getregs(pid).map_err(|e| os("PTRACE_GETREGS", e))?;
                    if regs.rip == entry.wrapping_add(1) {
                        return Ok(());
                    }
                    return Err(Ended::Other(format!(
                        "stopped by SIGTRAP at {:#x}, not at the entry point {entry:#x}",
                        regs.rip
                    )));
                }
                // A signal for the loader or a library constructor: deliver it.
                WaitStatus::Stopped(_, sig) => {
                    ptrace::cont(pid, sig).map_err(|e| os("PTRACE_CONT", e))?
                }
                WaitStatus::Exited(_, code) => {
                    return Err(Ended::Reaped(format!(
                        "it exited (status {code}) before reaching its entry point"
                    )))
                }
                WaitStatus::Signaled(_, sig, _) => {
                    return Err(Ended::Reaped(format!(
                        "it was killed by {sig} before reaching its entry point"
                    )))
                }
                _ => ptrace::cont(pid, None).map_err(|e| os("PTRACE_CONT", e))?,
            }
        }
    }

    /// The next state change of `pid`, polled until the deadline.
    fn wait(pid: Pid, start: Instant, timeout: Duration) -> Result<WaitStatus, Ended> {
        loop {
            match waitpid(pid, Some(WaitPidFlag::WNOHANG | WaitPidFlag::__WALL)) {
                Ok(WaitStatus::StillAlive) => {}
                Ok(s) => return Ok(s),
                Err(Errno::EINTR) => {}
                Err(e) => return Err(Ended::Other(format!("waitpid: {e}"))),
            }
            if start.elapsed() > timeout {
                return Err(Ended::Other(format!(
                    "it did not reach its entry point within {} s (killed)",
                    timeout.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// `AT_ENTRY` from `/proc/PID/auxv` (pairs of native 64-bit words, AT_NULL-terminated).
    pub(crate) fn auxv_entry(pid: Pid) -> Result<u64, String> {
        let path = format!("/proc/{pid}/auxv");
        let data = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
        for pair in data.chunks_exact(16) {
            let (k, v) = pair.split_at(8);
            let k = u64::from_ne_bytes(k.try_into().unwrap_or_default());
            let v = u64::from_ne_bytes(v.try_into().unwrap_or_default());
            match k {
                AT_ENTRY => return Ok(v),
                AT_NULL => break,
                _ => {}
            }
        }
        Err(format!("no AT_ENTRY in {path}"))
    }
}

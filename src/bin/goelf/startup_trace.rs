//! `startup --measure`: run an executable under ptrace with a breakpoint at each measured
//! step (`goelf::startup::measure::breakpoints`), note the time each is first reached, and
//! kill it at `main.main`, the last one, before that function runs. Process plumbing only;
//! the library plans the stops and reads the results.
//!
//! The child calls `PTRACE_TRACEME` between fork and execve and stops with SIGTRAP after the
//! kernel has loaded it. The load base is `AT_ENTRY` (from `/proc/PID/auxv`) minus the
//! link-time `e_entry`; an `int3` goes over the first byte of every breakpoint. The Go
//! runtime starts threads (sysmon, GC workers) before the package inits:
//! `PTRACE_O_TRACECLONE` traces each, so a breakpoint hit in any thread is seen. A hit
//! restores the byte, moves the thread back onto it and lets it go on: every step is timed
//! at its first execution only. Signals the program gets (SIGURG for preemption, …) are
//! delivered. A watchdog kills the process group after the timeout. `PTRACE_O_EXITKILL`
//! kills the tracee should goelf itself die.

use std::path::Path;
use std::time::Duration;

use goelf::startup::measure::{Breakpoint, RunTrace};

/// Whether this host can stop a program at breakpoints (x86-64 Linux).
pub fn supported() -> Result<(), String> {
    crate::entry_stop::supported()
}

/// One run of `exe` (link-time entry `entry`) to the last of `bps`, with `env` added.
#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
pub fn run(
    _exe: &Path,
    _entry: u64,
    _bps: &[Breakpoint],
    _env: &[(&str, String)],
    _timeout: Duration,
) -> Result<RunTrace, String> {
    supported().map(|_| RunTrace::default())
}

/// One run of `exe` (link-time entry `entry`) to the last of `bps`, with `env` added.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
pub fn run(
    exe: &Path,
    entry: u64,
    bps: &[Breakpoint],
    env: &[(&str, String)],
    timeout: Duration,
) -> Result<RunTrace, String> {
    imp::run(exe, entry, bps, env, timeout)
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod imp {
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use nix::errno::Errno;
    use nix::sys::ptrace::{self, AddressType, Event, Options};
    use nix::sys::signal::{killpg, Signal};
    use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
    use nix::unistd::Pid;

    use goelf::startup::measure::{Breakpoint, RunTrace, MAX_STDERR};

    use crate::entry_stop::imp::{auxv_entry, spawn_traced};

    const INT3: i64 = 0xcc;

    /// A planted breakpoint.
    struct Planted {
        step: usize,
        addr: u64,
        /// The original word at `addr`, while planted.
        word: Option<i64>,
    }

    pub fn run(
        exe: &Path,
        entry: u64,
        bps: &[Breakpoint],
        env: &[(&str, String)],
        timeout: Duration,
    ) -> Result<RunTrace, String> {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let started = Instant::now();
        let (child, pid, reader) = spawn_traced(exe, &env, super::MAX_STDERR_U64)?;
        // The watchdog: kill the group if the run is not over in time.
        let done = Arc::new(AtomicBool::new(false));
        let timed_out = Arc::new(AtomicBool::new(false));
        let watchdog = {
            let (done, timed_out) = (done.clone(), timed_out.clone());
            std::thread::spawn(move || {
                let step = Duration::from_millis(5);
                let mut waited = Duration::ZERO;
                while waited < timeout {
                    if done.load(Ordering::Acquire) {
                        return;
                    }
                    std::thread::sleep(step);
                    waited += step;
                }
                if !done.load(Ordering::Acquire) {
                    timed_out.store(true, Ordering::Release);
                    let _ = killpg(pid, Signal::SIGKILL);
                }
            })
        };
        let result = trace(pid, started, entry, bps);
        done.store(true, Ordering::Release);
        let _ = killpg(pid, Signal::SIGKILL);
        reap(pid);
        let _ = watchdog.join();
        drop(child);
        let text = reader.join().unwrap_or_default();
        let text = String::from_utf8_lossy(&text[..text.len().min(MAX_STDERR)]).into_owned();
        if timed_out.load(Ordering::Acquire) {
            return Err(format!(
                "it did not reach main.main within {} s (killed)",
                timeout.as_secs()
            ));
        }
        let mut trace = result?;
        trace.stderr = text;
        Ok(trace)
    }

    /// Reap the tracee and every thread of it that is still reported.
    fn reap(pid: Pid) {
        loop {
            match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::__WALL)) {
                Ok(WaitStatus::Exited(p, _) | WaitStatus::Signaled(p, _, _)) if p == pid => return,
                Ok(_) | Err(Errno::EINTR) => {}
                Err(_) => return,
            }
        }
    }

    fn trace(
        pid: Pid,
        started: Instant,
        entry: u64,
        bps: &[Breakpoint],
    ) -> Result<RunTrace, String> {
        let os = |what: &str, e: Errno| format!("{what}: {e}");
        match waitpid(pid, Some(WaitPidFlag::__WALL)) {
            Ok(WaitStatus::Stopped(_, Signal::SIGTRAP)) => {}
            Ok(other) => return Err(format!("unexpected first stop: {other:?}")),
            Err(e) => return Err(os("waitpid", e)),
        }
        let mut out = RunTrace {
            execve_ns: nanos(started.elapsed()),
            ..RunTrace::default()
        };
        ptrace::setoptions(
            pid,
            Options::PTRACE_O_EXITKILL | Options::PTRACE_O_TRACECLONE,
        )
        .map_err(|e| os("PTRACE_SETOPTIONS", e))?;
        let base = auxv_entry(pid)?.wrapping_sub(entry);
        let mut planted = Vec::with_capacity(bps.len());
        for b in bps {
            let addr = b.address.wrapping_add(base);
            let word = ptrace::read(pid, addr as AddressType)
                .map_err(|e| os(&format!("reading {addr:#x}"), e))?;
            ptrace::write(pid, addr as AddressType, (word & !0xff) | INT3)
                .map_err(|e| os(&format!("writing a breakpoint at {addr:#x}"), e))?;
            planted.push(Planted {
                step: b.step,
                addr,
                word: Some(word),
            });
        }
        let last = planted.last().map(|p| p.addr);
        // Times count from here: planting the breakpoints is goelf's time, not the program's.
        let exec_at = Instant::now();
        ptrace::cont(pid, None).map_err(|e| os("PTRACE_CONT", e))?;
        loop {
            let status = match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::__WALL)) {
                Ok(s) => s,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(os("waitpid", e)),
            };
            let now = Instant::now();
            match status {
                WaitStatus::Stopped(tid, Signal::SIGTRAP) => {
                    let mut regs = ptrace::getregs(tid).map_err(|e| os("PTRACE_GETREGS", e))?;
                    let at = regs.rip.wrapping_sub(1);
                    match planted.iter_mut().find(|p| p.addr == at) {
                        Some(p) => {
                            if let Some(word) = p.word.take() {
                                out.hits.push((p.step, nanos(now - exec_at)));
                                if Some(at) == last {
                                    out.reached_main = true;
                                    return Ok(out);
                                }
                                ptrace::write(tid, at as AddressType, word)
                                    .map_err(|e| os("restoring a breakpoint", e))?;
                            }
                            // Back onto the restored instruction (also for a second thread
                            // that trapped on it before it was restored).
                            regs.rip = at;
                            ptrace::setregs(tid, regs).map_err(|e| os("PTRACE_SETREGS", e))?;
                            cont(tid, None)?;
                        }
                        // Not ours: the program's own SIGTRAP.
                        None => cont(tid, Some(Signal::SIGTRAP))?,
                    }
                }
                // A new thread starts stopped; the clone event stops its parent.
                WaitStatus::Stopped(tid, Signal::SIGSTOP) => cont(tid, None)?,
                WaitStatus::PtraceEvent(tid, _, ev) if ev == Event::PTRACE_EVENT_CLONE as i32 => {
                    cont(tid, None)?
                }
                WaitStatus::PtraceEvent(tid, _, _) => cont(tid, None)?,
                WaitStatus::Stopped(tid, sig) => cont(tid, Some(sig))?,
                WaitStatus::Exited(p, code) if p == pid => {
                    return Err(format!("it exited (status {code}) before main.main"))
                }
                WaitStatus::Signaled(p, sig, _) if p == pid => {
                    return Err(format!("it was killed by {sig} before main.main"))
                }
                _ => {}
            }
        }
    }

    /// Continue a thread; one that is gone already (killed with its group) is not an error.
    fn cont(tid: Pid, sig: Option<Signal>) -> Result<(), String> {
        match ptrace::cont(tid, sig) {
            Ok(()) | Err(Errno::ESRCH) => Ok(()),
            Err(e) => Err(format!("PTRACE_CONT: {e}")),
        }
    }

    fn nanos(d: Duration) -> u64 {
        u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
    }
}

/// [`goelf::startup::measure::MAX_STDERR`] as the `take` limit.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
const MAX_STDERR_U64: u64 = goelf::startup::measure::MAX_STDERR as u64;

//! The loader's own measurement of a file's relocation time: run it under glibc's
//! `LD_DEBUG=statistics` (glibc `elf/rtld.c` `print_statistics`) several times and take the
//! median, with the rate of glibc's cycle counter (`HP_TIMING_NOW`: RDTSC on x86, so the TSC
//! rate; `clock_gettime` nanoseconds elsewhere) found from `/proc/cpuinfo` and cpufreq.
//!
//! Only a file for this machine (ELF class, byte order and `e_machine` of the host) with a
//! dynamic loader present on this system is started; anything else gets a reason instead.
//!
//! How a run is made is the caller's choice ([`RunOnce`]): [`MeasureMode::Entry`] stops the
//! process at its entry point (glibc prints the statistics in `_dl_start_final`, before it
//! jumps to the program; docs/FORMATS.md §5.3), which needs ptrace and so
//! lives in the command-line front; [`MeasureMode::Run`] runs it to the end
//! ([`run_to_end`]). Before the entry point only the loader and its libraries' constructors
//! run, and code of the file itself only through DT_PREINIT_ARRAY or IFUNC resolvers
//! (IRELATIVE relocations): a file that has either is not started in entry mode
//! ([`RelocCostFile::code_before_entry`]).

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use object::elf::{ET_DYN, ET_EXEC};
use serde::{Deserialize, Serialize};

use super::cost::{parse_ld_statistics, Measured, RelocCostFile};
use crate::bytes::Endian;
use crate::elf::file::{elf_identity, Class, Identity};
use crate::image::Arch;

/// How far a measured process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureMode {
    /// Stopped at its entry point (`AT_ENTRY`) and killed: the loader has relocated
    /// everything and printed its statistics; no instruction of the file's own code ran.
    #[default]
    Entry,
    /// Run to the end (no arguments, stdin closed, output discarded).
    Run,
}

impl MeasureMode {
    /// The name as in JSON and on the command line (`entry`, `run`).
    pub fn name(self) -> &'static str {
        match self {
            MeasureMode::Entry => "entry",
            MeasureMode::Run => "run",
        }
    }
}

/// How to measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasureOptions {
    /// Runs per file (at least one is made).
    pub runs: u32,
    /// Seconds before a run is killed.
    pub timeout_secs: u64,
    /// Stop at the entry point or run to the end.
    pub mode: MeasureMode,
}

impl Default for MeasureOptions {
    fn default() -> Self {
        MeasureOptions {
            runs: 7,
            timeout_secs: 10,
            mode: MeasureMode::Entry,
        }
    }
}

/// One run of the executable at the given absolute path under `LD_DEBUG=statistics`, killed
/// after the timeout: its stderr (bounded), or why there is none.
pub type RunOnce<'r> = &'r mut dyn FnMut(&Path, Duration) -> Result<Vec<u8>, String>;

/// The host's architecture, as the ELF files it runs name it.
pub fn host_arch() -> Option<Arch> {
    Some(match std::env::consts::ARCH {
        "x86_64" => Arch::X86_64,
        "x86" => Arch::I386,
        "aarch64" => Arch::Aarch64,
        "arm" => Arch::Arm,
        "riscv64" => Arch::Riscv64,
        "s390x" => Arch::S390x,
        "powerpc64" => Arch::Ppc64,
        "loongarch64" => Arch::Loong64,
        _ => return None,
    })
}

/// Cycles per µs of glibc's startup timer on this machine, and where the number came from
/// (`tsc_mhz` when given), or why it is unknown.
pub fn cycle_rate(tsc_mhz: Option<f64>) -> Result<(f64, String), String> {
    if let Some(m) = tsc_mhz {
        return Ok((m, "--tsc-mhz".into()));
    }
    match std::env::consts::ARCH {
        "x86_64" | "x86" => {}
        "aarch64" | "riscv64" | "loongarch64" | "s390x" => {
            return Ok((
                1000.0,
                "glibc has no HP_TIMING here: its \"cycles\" are nanoseconds (clock_gettime)"
                    .into(),
            ))
        }
        other => return Err(format!("cycle rate unknown on {other}; pass --tsc-mhz")),
    }
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo")
        .map_err(|e| format!("cannot read /proc/cpuinfo ({e}); pass --tsc-mhz"))?;
    let flags = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or("");
    if !flags.split_whitespace().any(|f| f == "constant_tsc") {
        return Err("the TSC rate is not constant (no constant_tsc flag); pass --tsc-mhz".into());
    }
    let cpufreq = Path::new("/sys/devices/system/cpu/cpu0/cpufreq");
    if let Ok(khz) = std::fs::read_to_string(cpufreq.join("base_frequency")) {
        if let Ok(k) = khz.trim().parse::<f64>() {
            return Ok((
                k / 1000.0,
                "cpufreq base_frequency (the TSC runs at the base clock on Intel)".into(),
            ));
        }
    }
    if cpufreq.exists() {
        return Err(
            "frequency scaling is active, so /proc/cpuinfo \"cpu MHz\" is not the TSC rate; \
             pass --tsc-mhz"
                .into(),
        );
    }
    let mhz = cpuinfo
        .lines()
        .find(|l| l.starts_with("cpu MHz"))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .ok_or_else(|| "no \"cpu MHz\" in /proc/cpuinfo; pass --tsc-mhz".to_string())?;
    Ok((
        mhz,
        "/proc/cpuinfo \"cpu MHz\" (constant_tsc, no cpufreq driver: the kernel's TSC rate)".into(),
    ))
}

/// True when the ELF identification in `head` is this host's: class, byte order and
/// `e_machine`.
pub fn runs_here(id: &Identity, host: Arch) -> bool {
    let class = if cfg!(target_pointer_width = "64") {
        Class::Elf64
    } else {
        Class::Elf32
    };
    let endian = if cfg!(target_endian = "little") {
        Endian::Little
    } else {
        Endian::Big
    };
    (id.class, id.endian, id.e_machine) == (class, endian, host.elf_machine())
}

/// Measure each file in turn, `paths[i]` analysed as `files[i]`: [`measure`]'s answer, or
/// why there is none (also for a file that could not be analysed). One file at a time:
/// measuring in parallel would make the runs disturb each other.
pub fn measure_all<P: AsRef<Path>>(
    files: &mut [RelocCostFile],
    paths: &[P],
    opts: &MeasureOptions,
    rate: &Result<(f64, String), String>,
    run: RunOnce<'_>,
) {
    for (f, path) in files.iter_mut().zip(paths) {
        if !f.ok {
            f.measured_reason = Some("the file could not be analysed".into());
            continue;
        }
        match measure(f, path.as_ref(), opts, rate.clone(), run) {
            Ok(m) => {
                f.measured = Some(m);
                f.measured_reason = None;
            }
            Err(why) => f.measured_reason = Some(why),
        }
    }
}

/// Start the file at `path` (analysed as `f`) under `LD_DEBUG=statistics` with `run`,
/// `opts.runs` times, and summarise; `Err` says why it was not measured. `rate` is
/// [`cycle_rate`]'s answer. `run` must match `opts.mode` ([`run_to_end`] for
/// [`MeasureMode::Run`]).
pub fn measure(
    f: &RelocCostFile,
    path: &Path,
    opts: &MeasureOptions,
    rate: Result<(f64, String), String>,
    run: RunOnce<'_>,
) -> Result<Measured, String> {
    let Some(host) = host_arch() else {
        return Err("unknown host architecture".into());
    };
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(64).read_to_end(&mut head))
        .map_err(|e| format!("cannot read: {e}"))?;
    let id = elf_identity(&head);
    if !id.is_some_and(|id| runs_here(&id, host)) {
        return Err(format!(
            "not an ELF executable for this machine ({}; this is {}): not run",
            f.machine.as_deref().unwrap_or("?"),
            host.name()
        ));
    }
    if !id.is_some_and(|id| id.e_type == ET_EXEC || id.e_type == ET_DYN) {
        return Err("not an executable: not run".into());
    }
    let Some(interp) = &f.interp else {
        return Err("static binary: no dynamic loader runs, there is nothing to measure".into());
    };
    if !Path::new(interp).exists() {
        return Err(format!(
            "its loader {interp} is not on this system: not run"
        ));
    }
    if opts.mode == MeasureMode::Entry && !f.code_before_entry.is_empty() {
        return Err(format!(
            "its own code would run before the entry point ({}): not started; \
             --measure=run runs it",
            f.code_before_entry.join("; ")
        ));
    }
    // A bare file name would be looked up on PATH: run exactly the file analysed.
    let exe = std::path::absolute(path).map_err(|e| format!("cannot resolve the path: {e}"))?;
    let timeout = Duration::from_secs(opts.timeout_secs);
    let mut text = String::new();
    for i in 0..opts.runs.max(1) {
        let buf = run(&exe, timeout).map_err(|e| format!("run {}: {e}", i + 1))?;
        let _ = writeln!(text, "=== run {}", i + 1);
        text.push_str(&String::from_utf8_lossy(&buf));
    }
    let stats = parse_ld_statistics(&text);
    let mut m = Measured::from_runs(&stats, rate, f).ok_or_else(|| {
        String::from(
            "the loader printed no statistics (secure-execution mode, or not glibc's ld.so)",
        )
    })?;
    m.mode = Some(opts.mode);
    Ok(m)
}

/// [`RunOnce`] for [`MeasureMode::Run`]: run the executable to the end (no arguments, stdin
/// closed, stdout discarded, stderr kept up to 1 MiB), killed after `timeout`.
pub fn run_to_end(exe: &Path, timeout: Duration) -> Result<Vec<u8>, String> {
    let mut child = Command::new(exe)
        .env("LD_DEBUG", "statistics")
        .env_remove("LD_DEBUG_OUTPUT")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run: {e}"))?;
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            // The program's own stderr comes through here too; keep a bounded amount.
            let _ = s.take(1 << 20).read_to_end(&mut buf);
            let _ = std::io::copy(s, &mut std::io::sink());
        }
        buf
    });
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("waiting: {e}"));
            }
        }
    }
    Ok(reader.join().unwrap_or_default())
}

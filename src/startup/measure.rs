//! `goelf startup --measure`: how long each step of the start-up timeline took on this
//! machine. This module plans the runs and reads what they left; starting the program is
//! the caller's (the command line stops it with ptrace, which the library does not do).
//!
//! What a run gives, and where it comes from:
//! - the time from `fork` to the stop after `execve` (the kernel's part, as the tracer sees
//!   it), then the time at which the first instruction of each breakpointed step ran, all
//!   on the tracer's monotonic clock: [`breakpoints`] picks the steps (every step of the
//!   entry, constructor and runtime phases with an address in the file, the first init step
//!   and `main.main`); the run stops at `main.main`, which does not run;
//! - glibc's own loader timing (`LD_DEBUG=statistics`, glibc `elf/rtld.c`
//!   `print_statistics`) for a dynamically linked file, in cycles of its startup timer;
//! - one line per package init from the Go runtime (`GODEBUG=inittrace=1`, Go 1.16+,
//!   `runtime/proc.go` `doInit1`): `init PKG @START ms, CLOCK ms clock, BYTES bytes, ALLOCS
//!   allocs`, START counted from the start of `runtime.main`.
//!
//! [`assemble`] takes the median of each number over the runs. Every number is an integer
//! count of nanoseconds (inittrace's milliseconds have at most three decimals, so they are
//! exact in ns). A breakpoint stop costs the tracer a round trip through the kernel; the
//! steps' times include it, and the report says how many stops each run made.

use serde::{Deserialize, Serialize};

use super::{Phase, StartupFile};
use crate::reloc::cost::{median, parse_ld_statistics};

/// Longest stderr kept per run: inittrace lines plus the loader's statistics are a few KiB
/// even for thousands of packages; anything past this is the program's own output.
pub const MAX_STDERR: usize = 1 << 20;

/// One breakpoint of a measured run: the step it marks and its link-time address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breakpoint {
    /// [`super::Step::index`].
    pub step: usize,
    /// Link-time address (the caller adds the load base).
    pub address: u64,
}

/// What one run of the program left: filled in by whoever started it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunTrace {
    /// `fork` to the stop after `execve`, ns.
    pub execve_ns: u64,
    /// Each breakpoint hit, in the order hit: the step and the ns since the process was let
    /// go from the `execve` stop (after the breakpoints were planted).
    pub hits: Vec<(usize, u64)>,
    /// Whether the run reached `main.main` (the last breakpoint).
    pub reached_main: bool,
    /// Its standard error (bounded by [`MAX_STDERR`]).
    pub stderr: String,
}

/// The time of one measured step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepTime {
    /// [`super::Step::index`].
    pub step: usize,
    /// Its phase.
    pub phase: Phase,
    /// Its function.
    pub symbol: Option<String>,
    /// Median ns from the `execve` stop to its first instruction.
    pub at_ns: u64,
    /// Median ns from it to the next measured step (null for `main.main`).
    pub until_next_ns: Option<u64>,
}

/// The time of one phase: from its first measured step to the next phase's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseTime {
    /// The phase (`kernel` is fork + execve; `loader` runs from the `execve` stop to the
    /// first step of the file's own code).
    pub phase: Phase,
    /// Median ns.
    pub ns: u64,
    /// How the time was taken.
    pub source: String,
}

/// One package's initialisation, from `GODEBUG=inittrace=1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitTime {
    /// The package path as the runtime prints it.
    pub package: String,
    /// Median ns from the start of `runtime.main` to the start of its init.
    pub start_ns: u64,
    /// Median wall-clock ns its init functions took.
    pub clock_ns: u64,
    /// Median bytes allocated.
    pub bytes: u64,
    /// Median allocations.
    pub allocs: u64,
}

/// The loader's own timing (`LD_DEBUG=statistics`), medians in cycles of glibc's timer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoaderTime {
    /// "total startup time in dynamic loader".
    pub startup_cycles: Option<u64>,
    /// "time needed for relocation".
    pub relocation_cycles: Option<u64>,
    /// "time needed to load objects".
    pub load_objects_cycles: Option<u64>,
    /// Cycles per µs of that timer (the TSC rate on x86), when known.
    pub cycles_per_us: Option<f64>,
    /// Where `cycles_per_us` came from, or why it is unknown.
    pub cycle_rate_source: String,
}

/// `startup --measure`'s answer for one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartupMeasurement {
    /// Runs that reached `main.main` (the medians are over these).
    pub runs: u32,
    /// Breakpoint stops per run (each adds a tracer round trip to the step it ends).
    pub stops_per_run: u32,
    /// Median ns from `fork` to `main.main`'s first instruction.
    pub to_main_ns: u64,
    /// Each phase in timeline order (a phase that occurs twice, like `entry` around the
    /// constructors of an external link, is listed twice).
    pub phases: Vec<PhaseTime>,
    /// Each measured step, in the order run.
    pub steps: Vec<StepTime>,
    /// The loader's own timing, for a dynamically linked file.
    pub loader: Option<LoaderTime>,
    /// Every package init the runtime traced, in the order run.
    pub inits: Vec<InitTime>,
}

/// The steps a measured run stops at, in timeline order: every step of the entry,
/// constructor and runtime phases with an address in the file, the first step of the init
/// phase and `main.main` (last). Package inits are timed by the runtime itself
/// (inittrace), without a stop each. Empty when the report has no `main.main` address.
pub fn breakpoints(report: &StartupFile) -> Vec<Breakpoint> {
    let mut out: Vec<Breakpoint> = Vec::new();
    let mut seen_init = false;
    let mut main = None;
    for st in &report.steps {
        let Some(address) = st.address else { continue };
        let take = match st.phase {
            Phase::Entry | Phase::Constructor | Phase::Runtime => true,
            Phase::Init => !std::mem::replace(&mut seen_init, true),
            Phase::Main => {
                main = Some(Breakpoint {
                    step: st.index,
                    address,
                });
                false
            }
            Phase::Kernel | Phase::Loader => false,
        };
        // One stop per address: a later step at the same address is never reached first.
        if take && !out.iter().any(|b| b.address == address) {
            out.push(Breakpoint {
                step: st.index,
                address,
            });
        }
    }
    match main {
        Some(m) if !out.iter().any(|b| b.address == m.address) => {
            out.push(m);
            out
        }
        _ => Vec::new(),
    }
}

/// One `GODEBUG=inittrace=1` line, as the runtime printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitTraceLine {
    /// The package.
    pub package: String,
    /// `@START ms`, in ns.
    pub start_ns: u64,
    /// `CLOCK ms clock`, in ns.
    pub clock_ns: u64,
    /// `BYTES bytes`.
    pub bytes: u64,
    /// `ALLOCS allocs`.
    pub allocs: u64,
}

/// The inittrace lines of a run's stderr, in order; other lines are ignored.
pub fn parse_inittrace(text: &str) -> Vec<InitTraceLine> {
    text.lines().filter_map(parse_inittrace_line).collect()
}

fn parse_inittrace_line(line: &str) -> Option<InitTraceLine> {
    let rest = line.strip_prefix("init ")?;
    let (package, rest) = rest.split_once(" @")?;
    let (start, rest) = rest.split_once(" ms, ")?;
    let (clock, rest) = rest.split_once(" ms clock, ")?;
    let (bytes, rest) = rest.split_once(" bytes, ")?;
    let allocs = rest.trim_end().strip_suffix(" allocs")?;
    Some(InitTraceLine {
        package: package.to_string(),
        start_ns: ms_to_ns(start)?,
        clock_ns: ms_to_ns(clock)?,
        bytes: bytes.parse().ok()?,
        allocs: allocs.parse().ok()?,
    })
}

/// `12`, `0.25`, `0.007` (milliseconds, at most six decimals) as ns.
fn ms_to_ns(s: &str) -> Option<u64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = int.parse().ok()?;
    let mut f: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..6 {
        f = f.checked_mul(10)?;
    }
    whole.checked_mul(1_000_000)?.checked_add(f)
}

/// Summarise the runs of `report`'s file made with `bps`: medians over the runs that reached
/// `main.main`. `rate` is the loader timer's rate ([`crate::reloc::measure::cycle_rate`]).
/// `Err` says why there is nothing to report.
pub fn assemble(
    report: &StartupFile,
    bps: &[Breakpoint],
    runs: &[RunTrace],
    rate: Result<(f64, String), String>,
) -> Result<StartupMeasurement, String> {
    let good: Vec<&RunTrace> = runs.iter().filter(|r| r.reached_main).collect();
    if good.is_empty() {
        return Err("no run reached main.main".into());
    }
    let phase_of = |step: usize| {
        report
            .steps
            .iter()
            .find(|s| s.index == step)
            .map(|s| (s.phase, s.symbol.clone()))
    };
    let at = |r: &RunTrace, step: usize| r.hits.iter().find(|h| h.0 == step).map(|h| h.1);
    // Steps every good run hit, in breakpoint (= timeline) order.
    let hit: Vec<usize> = bps
        .iter()
        .map(|b| b.step)
        .filter(|&s| good.iter().all(|r| at(r, s).is_some()))
        .collect();
    let med = |f: &dyn Fn(&RunTrace) -> Option<u64>| {
        let v: Vec<u64> = good.iter().filter_map(|r| f(r)).collect();
        median(&v)
    };
    let mut steps = Vec::new();
    for (i, &s) in hit.iter().enumerate() {
        let next = hit.get(i + 1).copied();
        let (phase, symbol) = phase_of(s).unwrap_or((Phase::Runtime, None));
        steps.push(StepTime {
            step: s,
            phase,
            symbol,
            at_ns: med(&|r| at(r, s)).unwrap_or(0),
            until_next_ns: next.and_then(|n| med(&|r| at(r, n)?.checked_sub(at(r, s)?))),
        });
    }
    let execve_ns = med(&|r| Some(r.execve_ns)).unwrap_or(0);
    let mut phases = vec![PhaseTime {
        phase: Phase::Kernel,
        ns: execve_ns,
        source: "fork to the stop after execve, on goelf's clock".into(),
    }];
    let loader = report.interp.as_ref().and_then(|_| {
        let stats: Vec<_> = good
            .iter()
            .flat_map(|r| parse_ld_statistics(&r.stderr))
            .collect();
        if stats.is_empty() {
            return None;
        }
        let pick = |f: fn(&crate::reloc::cost::LdStats) -> Option<u64>| {
            let v: Vec<u64> = stats.iter().filter_map(f).collect();
            median(&v)
        };
        let (cycles_per_us, cycle_rate_source) = match rate {
            Ok((r, s)) if r > 0.0 => (Some(r), s),
            Ok((_, s)) => (None, s),
            Err(why) => (None, why),
        };
        Some(LoaderTime {
            startup_cycles: pick(|s| s.total_startup_cycles),
            relocation_cycles: pick(|s| s.relocation_cycles),
            load_objects_cycles: pick(|s| s.load_objects_cycles),
            cycles_per_us,
            cycle_rate_source,
        })
    });

    let first = hit.first().copied();
    if let Some(f) = first {
        let ns = med(&|r| at(r, f)).unwrap_or(0);
        // ld.so's own timer, in ns, when its rate is known: under ptrace the loader runs
        // several times slower than it does untraced (docs/FORMATS.md §12.5), so the
        // tracer's window is only the fallback.
        let own = loader.as_ref().and_then(|l| {
            let rate = l.cycles_per_us.filter(|r| *r > 0.0)?;
            let c = l.startup_cycles?;
            Some((c as f64 / rate * 1000.0).round() as u64)
        });
        phases.push(match (report.interp.is_some(), own) {
            (true, Some(own)) => PhaseTime {
                phase: Phase::Loader,
                ns: own,
                source: format!(
                    "ld.so's own timer (LD_DEBUG=statistics); under ptrace the same window took {} µs",
                    ns / 1000
                ),
            },
            (true, None) => PhaseTime {
                phase: Phase::Loader,
                ns,
                source: "the execve stop to the first step of the file's code, on goelf's \
                         clock (ptrace slows ld.so down: an upper bound)"
                    .into(),
            },
            (false, _) => PhaseTime {
                phase: Phase::Kernel,
                ns,
                source: "the execve stop to e_entry: no loader runs, this is the tracer's \
                         own latency"
                    .into(),
            },
        });
    }
    // Contiguous runs of one phase among the measured steps.
    let mut i = 0;
    while let Some(&s) = hit.get(i) {
        let (phase, _) = phase_of(s).unwrap_or((Phase::Runtime, None));
        if phase == Phase::Main {
            break;
        }
        let mut j = i + 1;
        while hit
            .get(j)
            .is_some_and(|&n| phase_of(n).map(|p| p.0) == Some(phase))
        {
            j += 1;
        }
        if let Some(&n) = hit.get(j) {
            phases.push(PhaseTime {
                phase,
                ns: med(&|r| at(r, n)?.checked_sub(at(r, s)?)).unwrap_or(0),
                source: "breakpoints at its first step and the next phase's".into(),
            });
        }
        i = j;
    }
    let main_step = bps.last().map(|b| b.step);
    let to_main_ns = main_step
        .and_then(|m| med(&|r| Some(r.execve_ns.saturating_add(at(r, m)?))))
        .unwrap_or(0);

    let traces: Vec<Vec<InitTraceLine>> = good.iter().map(|r| parse_inittrace(&r.stderr)).collect();
    let mut inits = Vec::new();
    if let Some(base) = traces.iter().max_by_key(|t| t.len()) {
        for (k, line) in base.iter().enumerate() {
            // The same package at the same position in every run that traced it.
            let same: Vec<&InitTraceLine> = traces
                .iter()
                .filter_map(|t| t.get(k).filter(|l| l.package == line.package))
                .collect();
            let m = |f: fn(&InitTraceLine) -> u64| {
                let v: Vec<u64> = same.iter().map(|l| f(l)).collect();
                median(&v).unwrap_or(0)
            };
            inits.push(InitTime {
                package: line.package.clone(),
                start_ns: m(|l| l.start_ns),
                clock_ns: m(|l| l.clock_ns),
                bytes: m(|l| l.bytes),
                allocs: m(|l| l.allocs),
            });
        }
    }

    Ok(StartupMeasurement {
        runs: u32::try_from(good.len()).unwrap_or(u32::MAX),
        stops_per_run: u32::try_from(bps.len()).unwrap_or(u32::MAX),
        to_main_ns,
        phases,
        steps,
        loader,
        inits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inittrace_lines() {
        let t = "init internal/bytealg @0 ms, 0 ms clock, 0 bytes, 0 allocs\n\
                 noise\n\
                 init example.com/initgraph/foo-x @0.27 ms, 0.003 ms clock, 16 bytes, 1 allocs\n\
                 init net/http @12 ms, 10 ms clock, 1024 bytes, 7 allocs\n";
        let v = parse_inittrace(t);
        assert_eq!(v.len(), 3);
        assert_eq!(v[1].package, "example.com/initgraph/foo-x");
        assert_eq!(v[1].start_ns, 270_000);
        assert_eq!(v[1].clock_ns, 3_000);
        assert_eq!(v[2].start_ns, 12_000_000);
        assert_eq!(v[2].allocs, 7);
    }

    #[test]
    fn milliseconds() {
        assert_eq!(ms_to_ns("0.007"), Some(7_000));
        assert_eq!(ms_to_ns("1.5"), Some(1_500_000));
        assert_eq!(ms_to_ns(".5"), None);
        assert_eq!(ms_to_ns("1.x"), None);
        assert_eq!(ms_to_ns("99999999999999999999"), None);
    }
}

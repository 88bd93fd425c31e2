//! `initTask`: the runtime's per-package initialisation record, in both layouts, and the
//! linker-built lists of them (Go 1.21+).
//!
//! Sources (docs/FORMATS.md §4):
//! - Go 1.13–1.20: `src/runtime/proc.go` (`initTask {state, ndeps, nfns uintptr}` followed by
//!   `deps[ndeps]*initTask` and `fns[nfns]` entry PCs; `doInit` walks `deps` depth-first) and
//!   `src/cmd/compile/internal/pkginit/init.go` (the compiler writes one per package with
//!   init work or with imports that have one, and always for `main` and `runtime`).
//!   Checked in 1.19.8 source and binaries; 1.13–1.18 and 1.20 from third-party copies.
//! - Go 1.21+: `src/runtime/proc.go` (`initTask {state uint32; nfns uint32}` followed by
//!   `fns`), `src/cmd/link/internal/ld/inittask.go` (the linker sorts the tasks and writes
//!   `go:main.inittasks` / `go:runtime.inittasks`, slices of `*initTask`). Checked in 1.21.13,
//!   1.22.10 and 1.27.3.
//!
//! The two layouts are rows of [`LAYOUTS`]; the decoder is written once against a row.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::go::version::GoVersion;
use crate::image::Image;
use crate::limits;

/// Which initialisation scheme a binary uses.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum InitTaskEra {
    /// Go 1.13–1.20: tasks hold their dependencies; the runtime orders them (`doInit` DFS).
    Deps,
    /// Go 1.21+: tasks hold only functions; the linker stores the final order.
    LinkerOrdered,
}

/// Width of a header field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// A 32-bit integer.
    U32,
    /// A pointer-sized integer.
    Ptr,
}

/// Position of a field: `words` pointer-sized words plus `bytes` bytes from the task start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loc {
    /// Pointer-sized words.
    pub words: u64,
    /// Extra bytes.
    pub bytes: u64,
}

impl Loc {
    /// The byte offset for a pointer size.
    pub const fn offset(self, ptr_size: u64) -> u64 {
        self.words * ptr_size + self.bytes
    }
}

/// Field positions of one `initTask` layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitTaskLayout {
    /// The scheme.
    pub era: InitTaskEra,
    /// First Go version using the layout.
    pub since: GoVersion,
    /// Human name of the version range (`go1.13-1.20`).
    pub versions: &'static str,
    /// `state`: 0 not started, 1 running, 2 done.
    pub state: (Loc, Width),
    /// `ndeps`, when the layout stores dependencies.
    pub ndeps: Option<(Loc, Width)>,
    /// `nfns`.
    pub nfns: (Loc, Width),
    /// Size of the fixed header; `deps` (if any) then `fns` follow it, pointer-sized each.
    pub header: Loc,
}

/// The known layouts, oldest first.
pub const LAYOUTS: &[InitTaskLayout] = &[
    // src/runtime/proc.go 1.19.8 `type initTask struct { state, ndeps, nfns uintptr }`;
    // pkginit/init.go 1.19.8 writes deps then fns. DWARF [bin 1.19]: 0, 8, 16; size 24.
    InitTaskLayout {
        era: InitTaskEra::Deps,
        since: GoVersion::new(1, 13, 0),
        versions: "go1.13-1.20",
        state: (Loc { words: 0, bytes: 0 }, Width::Ptr),
        ndeps: Some((Loc { words: 1, bytes: 0 }, Width::Ptr)),
        nfns: (Loc { words: 2, bytes: 0 }, Width::Ptr),
        header: Loc { words: 3, bytes: 0 },
    },
    // src/runtime/proc.go 1.21.13–1.27.3 `type initTask struct { state uint32; nfns uint32 }`
    // followed by nfns uintptr PCs; DWARF [bin 1.21–1.27]: 0, 4; size 8 (also on 386).
    InitTaskLayout {
        era: InitTaskEra::LinkerOrdered,
        since: GoVersion::new(1, 21, 0),
        versions: "go1.21+",
        state: (Loc { words: 0, bytes: 0 }, Width::U32),
        ndeps: None,
        nfns: (Loc { words: 0, bytes: 4 }, Width::U32),
        header: Loc { words: 0, bytes: 8 },
    },
];

/// The layout for a Go version; `None` before 1.13 (per-package `init` functions, no tasks).
pub fn layout_for(version: GoVersion) -> Option<&'static InitTaskLayout> {
    if !version.at_least(1, 13) {
        return None;
    }
    LAYOUTS.iter().rev().find(|l| version >= l.since)
}

/// The layout of an era.
pub fn layout_of(era: InitTaskEra) -> &'static InitTaskLayout {
    match era {
        InitTaskEra::Deps => &LAYOUTS[0],
        InitTaskEra::LinkerOrdered => &LAYOUTS[1],
    }
}

/// One decoded `initTask`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitTask {
    /// Address of the record.
    pub address: u64,
    /// `state` as stored (0 in a file that never ran).
    pub state: u64,
    /// Addresses of the tasks this one depends on (Go ≤1.20; empty for 1.21+).
    pub deps: Vec<u64>,
    /// Entry PCs of the functions it runs, in order.
    pub fns: Vec<u64>,
    /// Size of the record in bytes.
    pub size: u64,
}

impl InitTaskLayout {
    /// Decode the task at `address`. Counts are bounded by the bytes that follow the header
    /// in its segment and by [`limits::MAX_TASK_ENTRIES`].
    pub fn read(&self, image: &Image<'_>, address: u64) -> Result<InitTask> {
        let p = u64::from(image.arch().ptr_size);
        let r = image.reader_from_vaddr("initTask", address)?;
        let field = |what: &'static str, (loc, width): (Loc, Width)| -> Result<u64> {
            let off = loc.offset(p);
            match width {
                Width::U32 => r.u32_at(what, off).map(u64::from),
                Width::Ptr => r.uptr_at(what, off),
            }
        };
        let state = field("initTask.state", self.state)?;
        let ndeps = match self.ndeps {
            Some(f) => field("initTask.ndeps", f)?,
            None => 0,
        };
        let nfns = field("initTask.nfns", self.nfns)?;
        let header = self.header.offset(p);
        let room = (r.len() as u64).saturating_sub(header) / p;
        for (what, n) in [("initTask.ndeps", ndeps), ("initTask.nfns", nfns)] {
            let limit = (limits::MAX_TASK_ENTRIES as u64).min(room);
            if n > limit {
                return Err(Error::TooMany {
                    what,
                    count: n,
                    limit,
                });
            }
        }
        if ndeps + nfns > room {
            return Err(Error::TooMany {
                what: "initTask entries",
                count: ndeps + nfns,
                limit: room,
            });
        }
        let words = |first: u64, n: u64| -> Result<Vec<u64>> {
            (0..n)
                .map(|i| r.uptr_at("initTask entry", header + (first + i) * p))
                .collect()
        };
        Ok(InitTask {
            address,
            state,
            deps: words(0, ndeps)?,
            fns: words(ndeps, nfns)?,
            size: header + (ndeps + nfns) * p,
        })
    }

    /// Decode and check that the record is plausible: `state` 0–2, every function entry in
    /// executable memory, every dependency pointer-aligned and mapped.
    pub fn read_valid(&self, image: &Image<'_>, address: u64) -> Result<InitTask> {
        aligned(address)?;
        let t = self.read(image, address)?;
        self.check(image, t)
    }

    /// The checks of [`InitTaskLayout::read_valid`] on a decoded task.
    fn check(&self, image: &Image<'_>, t: InitTask) -> Result<InitTask> {
        let (p, address) = (u64::from(image.arch().ptr_size), t.address);
        if t.state > 2 {
            return Err(Error::BadValue {
                what: "initTask.state",
                offset: address,
                expected: "0, 1 or 2",
                found: t.state,
            });
        }
        if let Some(&f) = t.fns.iter().find(|&&f| !image.is_exec_vaddr(f)) {
            return Err(Error::BadValue {
                what: "initTask function",
                offset: address,
                expected: "an address in executable memory",
                found: f,
            });
        }
        if let Some(&d) = t
            .deps
            .iter()
            .find(|&&d| d % p.min(8) != 0 || image.segment_for(d).is_none())
        {
            return Err(Error::BadValue {
                what: "initTask dependency",
                offset: address,
                expected: "an aligned address of file data",
                found: d,
            });
        }
        Ok(t)
    }
}

fn aligned(address: u64) -> Result<()> {
    if address % 4 != 0 {
        return Err(Error::BadValue {
            what: "initTask address",
            offset: address,
            expected: "a 4-byte aligned address",
            found: address,
        });
    }
    Ok(())
}

/// Decodes the init tasks of one binary for a whole analysis: each (layout, address) once,
/// and in total no more entries (dependencies and functions, plus one per record tried) than
/// the file has pointer-sized words, nor [`limits::MAX_INIT_TASK_ENTRIES`].
///
/// Real tasks are distinct objects in the file, so the budget never binds on a real binary;
/// it keeps records that overlap or repeat (a hostile file: every word after a task's header
/// also a task, or one task listed 65536 times) from multiplying the work and memory by the
/// number of tasks.
#[derive(Debug)]
pub struct TaskReader<'i, 'a> {
    image: &'i Image<'a>,
    seen: BTreeMap<(InitTaskEra, u64), Result<InitTask>>,
    budget: u64,
    left: u64,
}

impl<'i, 'a> TaskReader<'i, 'a> {
    /// A reader with the budget of `image`'s size.
    pub fn new(image: &'i Image<'a>) -> Self {
        let words = image.data().len() as u64 / u64::from(image.arch().ptr_size.max(1));
        let budget = words.min(limits::MAX_INIT_TASK_ENTRIES as u64);
        TaskReader {
            image,
            seen: BTreeMap::new(),
            budget,
            left: budget,
        }
    }

    /// [`InitTaskLayout::read_valid`], decoded once per address; `Err(TooMany)` once the
    /// budget is spent.
    pub fn read_valid(&mut self, layout: &InitTaskLayout, address: u64) -> Result<&InitTask> {
        let (image, budget, left) = (self.image, self.budget, &mut self.left);
        self.seen
            .entry((layout.era, address))
            .or_insert_with(|| {
                aligned(address)?;
                let t = layout.read(image, address)?;
                let cost = (t.deps.len() + t.fns.len()) as u64 + 1;
                if cost > *left {
                    let count = budget - *left + cost;
                    *left = 0;
                    return Err(Error::TooMany {
                        what: "init task entries (all tasks together)",
                        count,
                        limit: budget,
                    });
                }
                *left -= cost;
                layout.check(image, t)
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Read a list of `count` task pointers at `address` (a `[]*initTask` backing array, such as
/// `go:main.inittasks`), bounded by the bytes there and [`limits::MAX_INIT_TASKS`].
pub fn read_task_list(image: &Image<'_>, address: u64, count: u64) -> Result<Vec<u64>> {
    let p = u64::from(image.arch().ptr_size);
    if count > limits::MAX_INIT_TASKS as u64 {
        return Err(Error::TooMany {
            what: "init task list",
            count,
            limit: limits::MAX_INIT_TASKS as u64,
        });
    }
    let len = count.checked_mul(p).ok_or(Error::TooMany {
        what: "init task list",
        count,
        limit: limits::MAX_INIT_TASKS as u64,
    })?;
    let r = image.reader_at_vaddr("init task list", address, len)?;
    (0..count).map(|i| r.word("init task list", i)).collect()
}

/// Read a slice header `{ptr, len, cap}` of tasks at `address` (e.g. `runtime.runtime_inittasks`)
/// and return (ptr, len) when `len <= cap` and the count is within limits.
pub fn read_slice_header(image: &Image<'_>, address: u64) -> Result<(u64, u64)> {
    let p = u64::from(image.arch().ptr_size);
    let r = image.reader_at_vaddr("slice header", address, 3 * p)?;
    let (ptr, len, cap) = (
        r.word("slice.ptr", 0)?,
        r.word("slice.len", 1)?,
        r.word("slice.cap", 2)?,
    );
    if len > cap || len > limits::MAX_INIT_TASKS as u64 {
        return Err(Error::BadValue {
            what: "[]*initTask header",
            offset: address,
            expected: "len <= cap within limits",
            found: len,
        });
    }
    Ok((ptr, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_by_version() {
        assert!(layout_for(GoVersion::new(1, 12, 0)).is_none());
        assert_eq!(
            layout_for(GoVersion::new(1, 13, 8)).unwrap().era,
            InitTaskEra::Deps
        );
        assert_eq!(
            layout_for(GoVersion::new(1, 20, 12)).unwrap().era,
            InitTaskEra::Deps
        );
        assert_eq!(
            layout_for(GoVersion::new(1, 21, 0)).unwrap().era,
            InitTaskEra::LinkerOrdered
        );
        assert_eq!(
            layout_for(GoVersion::new(1, 27, 3)).unwrap().era,
            InitTaskEra::LinkerOrdered
        );
        let deps = layout_of(InitTaskEra::Deps);
        assert_eq!(deps.header.offset(8), 24);
        assert_eq!(deps.header.offset(4), 12);
        let new = layout_of(InitTaskEra::LinkerOrdered);
        assert_eq!(new.header.offset(8), 8);
        assert_eq!(new.header.offset(4), 8);
    }
}

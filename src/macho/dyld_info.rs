//! `LC_DYLD_INFO` / `LC_DYLD_INFO_ONLY`: the rebase, bind, weak-bind and lazy-bind opcode
//! streams in `__LINKEDIT` (`REBASE_OPCODE_*`, `BIND_OPCODE_*`), interpreted by `object`'s
//! `DyldInfoCommand::{rebases, binds, weak_binds, lazy_binds}`, which evaluate the opcodes
//! into one location per fixup. Every opcode consumes at least one byte of a stream whose
//! size the load command bounds, and a repeat count is honoured only up to
//! [`crate::limits::MAX_FIXUPS`] fixups per slice, so a hostile stream cannot loop.
//! Apple `<mach-o/loader.h>`; dyld `MachOAnalyzer::forEachRebase_Opcodes`; what Go's linker
//! writes: `cmd/link/internal/ld/macho.go` (`machoDyldInfo`). Notes: docs/FORMATS.md §10.5.

use object::macho::{self, DyldInfoCommand};
use object::Endianness;

use super::fixups::{FixupKind, Sink};
use crate::error::Problem;

fn rebase_type_name(t: macho::RebaseType) -> &'static str {
    t.name().unwrap_or("REBASE_TYPE_?")
}

fn bind_type_name(t: macho::BindType) -> &'static str {
    t.name().unwrap_or("BIND_TYPE_?")
}

/// Interpret the four streams of `cmd` (in `data`, the slice) into `sink`.
pub(crate) fn read(
    cmd: &DyldInfoCommand<Endianness>,
    e: Endianness,
    data: &[u8],
    pointer_size: u8,
    sink: &mut Sink<'_, '_>,
    problems: &mut Vec<Problem>,
) {
    sink.counts.table_bytes = [
        cmd.rebase_size.get(e),
        cmd.bind_size.get(e),
        cmd.weak_bind_size.get(e),
        cmd.lazy_bind_size.get(e),
    ]
    .iter()
    .map(|&s| u64::from(s))
    .sum();
    let w = pointer_size;
    match cmd.rebases(e, data, pointer_size) {
        Err(err) => problems.push(Problem::new("macho.rebase", format!("rebase info: {err}"))),
        Ok(mut it) => loop {
            match it.next() {
                Ok(Some(r)) => {
                    let name = rebase_type_name(r.kind);
                    if !sink.push(
                        FixupKind::Rebase,
                        u32::from(r.segment_index),
                        r.segment_offset,
                        w,
                        name,
                    ) {
                        break;
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    problems.push(Problem::new("macho.rebase", format!("rebase info: {err}")));
                    break;
                }
            }
        },
    }
    type Binds<'d> = object::Result<object::read::macho::BindIterator<'d>>;
    let streams: [(FixupKind, &str, Binds<'_>); 3] = [
        (FixupKind::Bind, "bind", cmd.binds(e, data, pointer_size)),
        (
            FixupKind::WeakBind,
            "weak bind",
            cmd.weak_binds(e, data, pointer_size),
        ),
        (
            FixupKind::LazyBind,
            "lazy bind",
            cmd.lazy_binds(e, data, pointer_size),
        ),
    ];
    for (kind, what, it) in streams {
        let mut it = match it {
            Ok(it) => it,
            Err(err) => {
                problems.push(Problem::new("macho.bind", format!("{what} info: {err}")));
                continue;
            }
        };
        loop {
            match it.next() {
                Ok(Some(b)) => {
                    let name = bind_type_name(b.kind);
                    if !sink.push(kind, u32::from(b.segment_index), b.segment_offset, w, name) {
                        return;
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    problems.push(Problem::new("macho.bind", format!("{what} info: {err}")));
                    break;
                }
            }
        }
    }
}

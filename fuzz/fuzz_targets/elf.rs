//! The ELF layer (headers, program headers, sections, dynamic, notes, init arrays, checks).
//! The calls are in `fuzz/drive.rs`, shared with `tests/it/fuzz_regressions.rs`.
#![no_main]

#[path = "../drive.rs"]
mod drive;

libfuzzer_sys::fuzz_target!(|data: &[u8]| drive::elf(data));

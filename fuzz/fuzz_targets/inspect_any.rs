//! The whole `inspect` path (container, ELF layer, Go metadata) and its JSON.
//! The calls are in `fuzz/drive.rs`, shared with `tests/it/fuzz_regressions.rs`.
#![no_main]

#[path = "../drive.rs"]
mod drive;

libfuzzer_sys::fuzz_target!(|data: &[u8]| drive::inspect_any(data));

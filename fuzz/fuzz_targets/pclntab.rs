//! The pclntab: find, every function with file/line, pcdata, funcdata, inline frames; PC lookups.
//! The calls are in `fuzz/drive.rs`, shared with `tests/it/fuzz_regressions.rs`.
#![no_main]

#[path = "../drive.rs"]
mod drive;

libfuzzer_sys::fuzz_target!(|data: &[u8]| drive::pclntab(data));

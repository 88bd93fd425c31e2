//! `moduledata` given the pclntab of the same input; its `next` chain and init tasks.
//! The calls are in `fuzz/drive.rs`, shared with `tests/it/fuzz_regressions.rs`.
#![no_main]

#[path = "../drive.rs"]
mod drive;

libfuzzer_sys::fuzz_target!(|data: &[u8]| drive::moduledata(data));

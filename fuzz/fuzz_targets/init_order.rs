//! The whole init-order analysis (init tasks, graph, observed references) on arbitrary bytes.
//! The calls are in `fuzz/drive.rs`, shared with `tests/it/fuzz_regressions.rs`.
#![no_main]

#[path = "../drive.rs"]
mod drive;

libfuzzer_sys::fuzz_target!(|data: &[u8]| drive::init_order(data));

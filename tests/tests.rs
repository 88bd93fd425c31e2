//! Every integration test in one test binary (as ripgrep's `tests/tests.rs`): the crate and
//! the `goelf` command are linked into one executable instead of one per file. The tests are
//! modules under `tests/it/`; the shared helpers are `tests/common/`.
//!
//! Run one module or one test with a filter: `cargo test --test tests pclntab::`.

mod common;
mod it;

//! Analyses built on the decoded structures: pure code over plain data. Nothing here reads
//! file bytes, parses a container, decodes machine code or runs a process; the callers
//! (e.g. [`crate::init_order()`]) decode and pass the results in.
pub mod init_order;

//! Analyses built on the decoded structures (pure code over plain data; no file bytes).
pub mod init_order;
pub mod observed;

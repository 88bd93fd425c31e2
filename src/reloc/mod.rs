//! Dynamic relocations: reading them from the tables the dynamic section names, and what
//! they cost the loader.

pub mod cost;
pub mod dynamic;
pub mod names;

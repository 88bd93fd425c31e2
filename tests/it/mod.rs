//! One module per former test binary; names are `it::<module>::<test>`.

mod buildinfo;
mod cli;
mod dwarf_line;
mod elf_readelf;
mod fixtures_integrity;
mod funcs;
mod fuzz_regressions;
mod go_inspect;
mod init_order;
mod json_contract;
mod moduledata;
mod pclntab;
mod reloc_cost;
mod size;
mod truncation;

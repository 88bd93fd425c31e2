//! One module per former test binary; names are `it::<module>::<test>`.

mod buildinfo;
mod cli;
mod crypto;
mod dwarf_line;
mod elf_readelf;
mod fixtures_integrity;
mod funcs;
mod fuzz_regressions;
mod go_inspect;
mod init_order;
mod inputs;
mod json_contract;
mod loader_mutants;
mod macho_readobj;
mod moduledata;
mod pclntab;
mod pe_readobj;
mod reloc_cost;
mod size;
mod startup;
mod truncation;
mod version_without_buildinfo;

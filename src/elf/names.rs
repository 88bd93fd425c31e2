//! The names readelf (binutils 2.40) prints for ELF constants, so that goelf's output can be
//! compared with `readelf -hlSdW` field for field. Sources: binutils `readelf.c`
//! (`get_segment_type`, `get_section_type_name`, `get_dynamic_type`,
//! `get_elf_section_flags`) and the ELF gABI.

use object::elf::*;

/// `e_type` as readelf's first word prints it.
pub fn file_type(e_type: u16) -> String {
    match FileType(e_type) {
        ET_NONE => "NONE".into(),
        ET_REL => "REL".into(),
        ET_EXEC => "EXEC".into(),
        ET_DYN => "DYN".into(),
        ET_CORE => "CORE".into(),
        _ => format!("{e_type:#06x}"),
    }
}

/// `p_type` as `readelf -l` prints it.
pub fn segment_type(p_type: u32, machine: u16) -> String {
    let name = match ProgramType(p_type) {
        PT_NULL => "NULL",
        PT_LOAD => "LOAD",
        PT_DYNAMIC => "DYNAMIC",
        PT_INTERP => "INTERP",
        PT_NOTE => "NOTE",
        PT_SHLIB => "SHLIB",
        PT_PHDR => "PHDR",
        PT_TLS => "TLS",
        PT_GNU_EH_FRAME => "GNU_EH_FRAME",
        PT_GNU_STACK => "GNU_STACK",
        PT_GNU_RELRO => "GNU_RELRO",
        PT_GNU_PROPERTY => "GNU_PROPERTY",
        ProgramType(0x6474_e554) => "GNU_SFRAME",
        ProgramType(0x65a3_dbe5) => "OPENBSD_MUTABLE",
        ProgramType(0x65a3_dbe6) => "OPENBSD_RANDOMIZE",
        ProgramType(0x65a3_dbe7) => "OPENBSD_WXNEEDED",
        ProgramType(0x65a4_1be6) => "OPENBSD_BOOTDATA",
        _ => {
            let proc_name = match (Machine(machine), p_type) {
                (EM_ARM, 0x7000_0001) => Some("EXIDX"),
                (EM_AARCH64, 0x7000_0002) => Some("AARCH64_MEMTAG_MTE"),
                (EM_MIPS, 0x7000_0000) => Some("REGINFO"),
                (EM_MIPS, 0x7000_0001) => Some("RTPROC"),
                (EM_MIPS, 0x7000_0002) => Some("OPTIONS"),
                (EM_MIPS, 0x7000_0003) => Some("ABIFLAGS"),
                (EM_S390, 0x7000_0000) => Some("S390_PGSTE"),
                (EM_RISCV, 0x7000_0003) => Some("RISCV_ATTRIBUTES"),
                _ => None,
            };
            return match proc_name {
                Some(n) => n.into(),
                None if (0x7000_0000..=0x7fff_ffff).contains(&p_type) => {
                    format!("LOPROC+{:#x}", p_type - 0x7000_0000)
                }
                None if (0x6000_0000..=0x6fff_ffff).contains(&p_type) => {
                    format!("LOOS+{:#x}", p_type - 0x6000_0000)
                }
                None => format!("<unknown>: {p_type:x}"),
            };
        }
    };
    name.into()
}

/// `sh_type` as `readelf -S` prints it.
pub fn section_type(sh_type: u32, machine: u16) -> String {
    let name = match SectionType(sh_type) {
        SHT_NULL => "NULL",
        SHT_PROGBITS => "PROGBITS",
        SHT_SYMTAB => "SYMTAB",
        SHT_STRTAB => "STRTAB",
        SHT_RELA => "RELA",
        SHT_HASH => "HASH",
        SHT_DYNAMIC => "DYNAMIC",
        SHT_NOTE => "NOTE",
        SHT_NOBITS => "NOBITS",
        SHT_REL => "REL",
        SHT_SHLIB => "SHLIB",
        SHT_DYNSYM => "DYNSYM",
        SHT_INIT_ARRAY => "INIT_ARRAY",
        SHT_FINI_ARRAY => "FINI_ARRAY",
        SHT_PREINIT_ARRAY => "PREINIT_ARRAY",
        SHT_GROUP => "GROUP",
        SHT_SYMTAB_SHNDX => "SYMTAB SECTION INDICES",
        SectionType(19) => "RELR",
        SHT_GNU_HASH => "GNU_HASH",
        SHT_GNU_LIBLIST => "GNU_LIBLIST",
        SHT_GNU_ATTRIBUTES => "GNU_ATTRIBUTES",
        SHT_GNU_VERDEF => "VERDEF",
        SHT_GNU_VERNEED => "VERNEED",
        SHT_GNU_VERSYM => "VERSYM",
        SectionType(0x6fff_4c00) => "LLVM_ODRTAB",
        SectionType(0x6fff_4c01) => "LLVM_LINKER_OPTIONS",
        SectionType(0x6fff_4c03) => "LLVM_ADDRSIG",
        SectionType(0x6fff_4c04) => "LLVM_DEPENDENT_LIBRARIES",
        SectionType(0x6fff_4c05) => "LLVM_SYMPART",
        SectionType(0x6fff_4c06) => "LLVM_PART_EHDR",
        SectionType(0x6fff_4c07) => "LLVM_PART_PHDR",
        SectionType(0x6fff_4c09) => "LLVM_CALL_GRAPH_PROFILE",
        SectionType(0x6fff_4c0a) => "LLVM_BB_ADDR_MAP",
        _ => {
            let proc_name = match (Machine(machine), sh_type) {
                (EM_X86_64, 0x7000_0001) => Some("X86_64_UNWIND"),
                (EM_ARM, 0x7000_0001) => Some("ARM_EXIDX"),
                (EM_ARM, 0x7000_0002) => Some("ARM_PREEMPTMAP"),
                (EM_ARM, 0x7000_0003) => Some("ARM_ATTRIBUTES"),
                (EM_ARM, 0x7000_0004) => Some("ARM_DEBUGOVERLAY"),
                (EM_ARM, 0x7000_0005) => Some("ARM_OVERLAYSECTION"),
                (EM_AARCH64, 0x7000_0003) => Some("AARCH64_ATTRIBUTES"),
                (EM_MIPS, 0x7000_0006) => Some("MIPS_REGINFO"),
                (EM_MIPS, 0x7000_000d) => Some("MIPS_OPTIONS"),
                (EM_MIPS, 0x7000_001e) => Some("MIPS_DWARF"),
                (EM_MIPS, 0x7000_002a) => Some("MIPS_ABIFLAGS"),
                (EM_RISCV, 0x7000_0003) => Some("RISCV_ATTRIBUTES"),
                _ => None,
            };
            return match proc_name {
                Some(n) => n.into(),
                None if (0x7000_0000..=0x7fff_ffff).contains(&sh_type) => {
                    format!("LOPROC+{:#x}", sh_type - 0x7000_0000)
                }
                None if (0x6000_0000..=0x6fff_ffff).contains(&sh_type) => {
                    format!("LOOS+{:#x}", sh_type - 0x6000_0000)
                }
                None if sh_type >= 0x8000_0000 => {
                    format!("LOUSER+{:#x}", sh_type - 0x8000_0000)
                }
                None => format!("<unknown>: {sh_type:x}"),
            };
        }
    };
    name.into()
}

/// `sh_flags` as the `Flg` column of `readelf -SW` prints it.
pub fn section_flags(flags: u64, machine: u16) -> String {
    let mut out = String::new();
    let mut rest = flags;
    // Order and letters follow readelf's get_elf_section_flags (one letter per bit, lowest
    // bit first); what has no letter falls into o (OS), p (processor) or x (unknown).
    const LETTERS: &[(u64, char)] = &[
        (0x1, 'W'),
        (0x2, 'A'),
        (0x4, 'X'),
        (0x10, 'M'),
        (0x20, 'S'),
        (0x40, 'I'),
        (0x80, 'L'),
        (0x100, 'O'),
        (0x200, 'G'),
        (0x400, 'T'),
        (0x800, 'C'),
        (0x8000_0000, 'E'),
    ];
    let mut bit = 1u64;
    while rest != 0 && bit != 0 {
        if rest & bit != 0 {
            rest &= !bit;
            if let Some((_, c)) = LETTERS.iter().find(|(b, _)| *b == bit) {
                out.push(*c);
            } else if bit == 0x20_0000 {
                out.push('R'); // SHF_GNU_RETAIN
            } else if bit == 0x1000_0000 && Machine(machine) == EM_X86_64 {
                out.push('l'); // SHF_X86_64_LARGE
            } else if bit & 0x0ff0_0000 != 0 {
                if !out.ends_with('o') {
                    out.push('o');
                }
            } else if bit & 0xf000_0000 != 0 {
                if !out.ends_with('p') {
                    out.push('p');
                }
            } else if !out.ends_with('x') {
                out.push('x');
            }
        }
        bit <<= 1;
    }
    out
}

/// `p_flags` as `readelf -l` prints it: three columns, R, W, E or a space.
pub fn segment_flags(p_flags: u32) -> String {
    let mut s = String::with_capacity(3);
    s.push(if p_flags & PF_R.0 != 0 { 'R' } else { ' ' });
    s.push(if p_flags & PF_W.0 != 0 { 'W' } else { ' ' });
    s.push(if p_flags & PF_X.0 != 0 { 'E' } else { ' ' });
    s
}

/// `d_tag` as `readelf -d` prints it, between parentheses.
pub fn dynamic_tag(tag: u64, machine: u16) -> String {
    let name = match tag {
        0 => "NULL",
        1 => "NEEDED",
        2 => "PLTRELSZ",
        3 => "PLTGOT",
        4 => "HASH",
        5 => "STRTAB",
        6 => "SYMTAB",
        7 => "RELA",
        8 => "RELASZ",
        9 => "RELAENT",
        10 => "STRSZ",
        11 => "SYMENT",
        12 => "INIT",
        13 => "FINI",
        14 => "SONAME",
        15 => "RPATH",
        16 => "SYMBOLIC",
        17 => "REL",
        18 => "RELSZ",
        19 => "RELENT",
        20 => "PLTREL",
        21 => "DEBUG",
        22 => "TEXTREL",
        23 => "JMPREL",
        24 => "BIND_NOW",
        25 => "INIT_ARRAY",
        26 => "FINI_ARRAY",
        27 => "INIT_ARRAYSZ",
        28 => "FINI_ARRAYSZ",
        29 => "RUNPATH",
        30 => "FLAGS",
        32 => "PREINIT_ARRAY",
        33 => "PREINIT_ARRAYSZ",
        34 => "SYMTAB_SHNDX",
        35 => "RELRSZ",
        36 => "RELR",
        37 => "RELRENT",
        0x6fff_fef5 => "GNU_HASH",
        0x6fff_fef6 => "TLSDESC_PLT",
        0x6fff_fef7 => "TLSDESC_GOT",
        0x6fff_fefe => "CONFIG",
        0x6fff_feff => "SYMINFO",
        0x6fff_fff0 => "VERSYM",
        0x6fff_fff9 => "RELACOUNT",
        0x6fff_fffa => "RELCOUNT",
        0x6fff_fffb => "FLAGS_1",
        0x6fff_fffc => "VERDEF",
        0x6fff_fffd => "VERDEFNUM",
        0x6fff_fffe => "VERNEED",
        0x6fff_ffff => "VERNEEDNUM",
        0x6fff_fdf5 => "GNU_PRELINKED",
        0x6fff_fdf6 => "GNU_CONFLICTSZ",
        0x6fff_fdf7 => "GNU_LIBLISTSZ",
        0x6fff_fdf8 => "CHECKSUM",
        0x6fff_fdf9 => "PLTPADSZ",
        0x6fff_fdfa => "MOVEENT",
        0x6fff_fdfb => "MOVESZ",
        0x6fff_fdfc => "FEATURE",
        0x6fff_fdfd => "POSFLAG_1",
        0x6fff_fdfe => "SYMINSZ",
        0x6fff_fdff => "SYMINENT",
        0x6fff_fef8 => "GNU_CONFLICT",
        0x6fff_fef9 => "GNU_LIBLIST",
        0x6fff_fefa => "PLTPAD",
        0x6fff_fefb => "MOVETAB",
        0x6fff_fefc => "SYMINFO",
        _ => {
            return match (Machine(machine), tag) {
                (EM_MIPS, t) if (0x7000_0000..=0x7fff_ffff).contains(&t) => mips_dynamic_tag(t)
                    .map_or_else(|| format!("LOPROC+{:#x}", t - 0x7000_0000), String::from),
                (EM_AARCH64, 0x7000_0001) => "AARCH64_BTI_PLT".into(),
                (EM_AARCH64, 0x7000_0003) => "AARCH64_PAC_PLT".into(),
                (EM_AARCH64, 0x7000_0005) => "AARCH64_VARIANT_PCS".into(),
                (_, t) if (0x7000_0000..=0x7fff_ffff).contains(&t) => {
                    format!("LOPROC+{:#x}", t - 0x7000_0000)
                }
                (_, t) if (0x6000_000d..=0x6fff_f000).contains(&t) => {
                    format!("LOOS+{:#x}", t - 0x6000_000d)
                }
                (_, t) => format!("<unknown>: {t:x}"),
            };
        }
    };
    name.into()
}

fn mips_dynamic_tag(tag: u64) -> Option<&'static str> {
    Some(match tag {
        0x7000_0001 => "MIPS_RLD_VERSION",
        0x7000_0002 => "MIPS_TIME_STAMP",
        0x7000_0003 => "MIPS_ICHECKSUM",
        0x7000_0004 => "MIPS_IVERSION",
        0x7000_0005 => "MIPS_FLAGS",
        0x7000_0006 => "MIPS_BASE_ADDRESS",
        0x7000_000a => "MIPS_LOCAL_GOTNO",
        0x7000_0011 => "MIPS_SYMTABNO",
        0x7000_0012 => "MIPS_UNREFEXTNO",
        0x7000_0013 => "MIPS_GOTSYM",
        0x7000_0016 => "MIPS_RLD_MAP",
        0x7000_0035 => "MIPS_RLD_MAP_REL",
        _ => return None,
    })
}

/// Names of the bits set in DT_FLAGS.
pub fn dt_flags(value: u64) -> Vec<String> {
    bit_names(
        value,
        &[
            (0x1, "ORIGIN"),
            (0x2, "SYMBOLIC"),
            (0x4, "TEXTREL"),
            (0x8, "BIND_NOW"),
            (0x10, "STATIC_TLS"),
        ],
    )
}

/// Names of the bits set in DT_FLAGS_1.
pub fn dt_flags_1(value: u64) -> Vec<String> {
    bit_names(
        value,
        &[
            (0x1, "NOW"),
            (0x2, "GLOBAL"),
            (0x4, "GROUP"),
            (0x8, "NODELETE"),
            (0x10, "LOADFLTR"),
            (0x20, "INITFIRST"),
            (0x40, "NOOPEN"),
            (0x80, "ORIGIN"),
            (0x100, "DIRECT"),
            (0x200, "TRANS"),
            (0x400, "INTERPOSE"),
            (0x800, "NODEFLIB"),
            (0x1000, "NODUMP"),
            (0x2000, "CONFALT"),
            (0x4000, "ENDFILTEE"),
            (0x8000, "DISPRELDNE"),
            (0x10000, "DISPRELPND"),
            (0x20000, "NODIRECT"),
            (0x40000, "IGNMULDEF"),
            (0x80000, "NOKSYMS"),
            (0x100000, "NOHDR"),
            (0x200000, "EDITED"),
            (0x400000, "NORELOC"),
            (0x800000, "SYMINTPOSE"),
            (0x1000000, "GLOBAUDIT"),
            (0x2000000, "SINGLETON"),
            (0x4000000, "STUB"),
            (0x8000000, "PIE"),
            (0x10000000, "KMOD"),
            (0x20000000, "WEAKFILTER"),
            (0x40000000, "NOCOMMON"),
        ],
    )
}

fn bit_names(value: u64, table: &[(u64, &str)]) -> Vec<String> {
    let mut out: Vec<String> = table
        .iter()
        .filter(|(b, _)| value & b != 0)
        .map(|(_, n)| (*n).to_string())
        .collect();
    let known: u64 = table.iter().map(|(b, _)| b).fold(0, |a, b| a | b);
    if value & !known != 0 {
        out.push(format!("{:#x}", value & !known));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readelf_spellings() {
        assert_eq!(segment_type(0x6504_1580, 62), "LOOS+0x5041580");
        assert_eq!(segment_flags(5), "R E");
        assert_eq!(segment_flags(6), "RW ");
        assert_eq!(section_flags(0x6, 62), "AX");
        assert_eq!(section_flags(0x3, 62), "WA");
        assert_eq!(section_flags(0x403, 62), "WAT");
        assert_eq!(section_flags(0x30, 62), "MS");
        assert_eq!(section_type(0x7000_0001, 62), "X86_64_UNWIND");
        assert_eq!(dynamic_tag(0x6fff_fffb, 62), "FLAGS_1");
        assert_eq!(dt_flags_1(0x800_0001), vec!["NOW", "PIE"]);
    }
}

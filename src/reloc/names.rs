//! Relocation type names per machine, spelled as `readelf -r` (binutils 2.40) prints them, so
//! that counts by type can be compared with readelf's output key for key.
//!
//! Sources: binutils `include/elf/x86-64.h`, `include/elf/i386.h`, `include/elf/aarch64.h`,
//! `include/elf/arm.h` (the `RELOC_NUMBER` lists readelf's `elf_*_reloc_type` functions are
//! generated from). readelf spells some types differently from glibc's `<elf.h>`:
//! `R_386_JUMP_SLOT` (glibc: `R_386_JMP_SLOT`), `R_AARCH64_TLS_DTPMOD64` (glibc:
//! `R_AARCH64_TLS_DTPMOD`), `R_ARM_THM_CALL` (glibc: `R_ARM_THM_PC22`). For the other machines
//! Go supports only the dynamic relocation types are named (`include/elf/{s390,ppc64,riscv,
//! loongarch,mips}.h`). A type readelf does not know prints as `unrecognized: <hex>`, as
//! readelf does.

/// x86-64 (`EM_X86_64` = 62), binutils `include/elf/x86-64.h`.
const X86_64: &[(u32, &str)] = &[
    (0, "R_X86_64_NONE"),
    (1, "R_X86_64_64"),
    (2, "R_X86_64_PC32"),
    (3, "R_X86_64_GOT32"),
    (4, "R_X86_64_PLT32"),
    (5, "R_X86_64_COPY"),
    (6, "R_X86_64_GLOB_DAT"),
    (7, "R_X86_64_JUMP_SLOT"),
    (8, "R_X86_64_RELATIVE"),
    (9, "R_X86_64_GOTPCREL"),
    (10, "R_X86_64_32"),
    (11, "R_X86_64_32S"),
    (12, "R_X86_64_16"),
    (13, "R_X86_64_PC16"),
    (14, "R_X86_64_8"),
    (15, "R_X86_64_PC8"),
    (16, "R_X86_64_DTPMOD64"),
    (17, "R_X86_64_DTPOFF64"),
    (18, "R_X86_64_TPOFF64"),
    (19, "R_X86_64_TLSGD"),
    (20, "R_X86_64_TLSLD"),
    (21, "R_X86_64_DTPOFF32"),
    (22, "R_X86_64_GOTTPOFF"),
    (23, "R_X86_64_TPOFF32"),
    (24, "R_X86_64_PC64"),
    (25, "R_X86_64_GOTOFF64"),
    (26, "R_X86_64_GOTPC32"),
    (27, "R_X86_64_GOT64"),
    (28, "R_X86_64_GOTPCREL64"),
    (29, "R_X86_64_GOTPC64"),
    (30, "R_X86_64_GOTPLT64"),
    (31, "R_X86_64_PLTOFF64"),
    (32, "R_X86_64_SIZE32"),
    (33, "R_X86_64_SIZE64"),
    (34, "R_X86_64_GOTPC32_TLSDESC"),
    (35, "R_X86_64_TLSDESC_CALL"),
    (36, "R_X86_64_TLSDESC"),
    (37, "R_X86_64_IRELATIVE"),
    (38, "R_X86_64_RELATIVE64"),
    (41, "R_X86_64_GOTPCRELX"),
    (42, "R_X86_64_REX_GOTPCRELX"),
];

/// i386 (`EM_386` = 3), binutils `include/elf/i386.h`.
const I386: &[(u32, &str)] = &[
    (0, "R_386_NONE"),
    (1, "R_386_32"),
    (2, "R_386_PC32"),
    (3, "R_386_GOT32"),
    (4, "R_386_PLT32"),
    (5, "R_386_COPY"),
    (6, "R_386_GLOB_DAT"),
    (7, "R_386_JUMP_SLOT"),
    (8, "R_386_RELATIVE"),
    (9, "R_386_GOTOFF"),
    (10, "R_386_GOTPC"),
    (11, "R_386_32PLT"),
    (14, "R_386_TLS_TPOFF"),
    (15, "R_386_TLS_IE"),
    (16, "R_386_TLS_GOTIE"),
    (17, "R_386_TLS_LE"),
    (18, "R_386_TLS_GD"),
    (19, "R_386_TLS_LDM"),
    (20, "R_386_16"),
    (21, "R_386_PC16"),
    (22, "R_386_8"),
    (23, "R_386_PC8"),
    (24, "R_386_TLS_GD_32"),
    (25, "R_386_TLS_GD_PUSH"),
    (26, "R_386_TLS_GD_CALL"),
    (27, "R_386_TLS_GD_POP"),
    (28, "R_386_TLS_LDM_32"),
    (29, "R_386_TLS_LDM_PUSH"),
    (30, "R_386_TLS_LDM_CALL"),
    (31, "R_386_TLS_LDM_POP"),
    (32, "R_386_TLS_LDO_32"),
    (33, "R_386_TLS_IE_32"),
    (34, "R_386_TLS_LE_32"),
    (35, "R_386_TLS_DTPMOD32"),
    (36, "R_386_TLS_DTPOFF32"),
    (37, "R_386_TLS_TPOFF32"),
    (38, "R_386_SIZE32"),
    (39, "R_386_TLS_GOTDESC"),
    (40, "R_386_TLS_DESC_CALL"),
    (41, "R_386_TLS_DESC"),
    (42, "R_386_IRELATIVE"),
    (43, "R_386_GOT32X"),
];

/// AArch64 (`EM_AARCH64` = 183), binutils `include/elf/aarch64.h`: the dynamic types and the
/// static data/GOT types that can appear in a dynamic table of a damaged or odd file.
const AARCH64: &[(u32, &str)] = &[
    (0, "R_AARCH64_NONE"),
    (257, "R_AARCH64_ABS64"),
    (258, "R_AARCH64_ABS32"),
    (259, "R_AARCH64_ABS16"),
    (260, "R_AARCH64_PREL64"),
    (261, "R_AARCH64_PREL32"),
    (262, "R_AARCH64_PREL16"),
    (275, "R_AARCH64_ADR_PREL_PG_HI21"),
    (277, "R_AARCH64_ADD_ABS_LO12_NC"),
    (282, "R_AARCH64_JUMP26"),
    (283, "R_AARCH64_CALL26"),
    (307, "R_AARCH64_GOTREL64"),
    (308, "R_AARCH64_GOTREL32"),
    (311, "R_AARCH64_ADR_GOT_PAGE"),
    (312, "R_AARCH64_LD64_GOT_LO12_NC"),
    (1024, "R_AARCH64_COPY"),
    (1025, "R_AARCH64_GLOB_DAT"),
    (1026, "R_AARCH64_JUMP_SLOT"),
    (1027, "R_AARCH64_RELATIVE"),
    (1028, "R_AARCH64_TLS_DTPMOD64"),
    (1029, "R_AARCH64_TLS_DTPREL64"),
    (1030, "R_AARCH64_TLS_TPREL64"),
    (1031, "R_AARCH64_TLSDESC"),
    (1032, "R_AARCH64_IRELATIVE"),
];

/// ARM (`EM_ARM` = 40), binutils `include/elf/arm.h` (AAELF names; 0–56 and the dynamic ones).
const ARM: &[(u32, &str)] = &[
    (0, "R_ARM_NONE"),
    (1, "R_ARM_PC24"),
    (2, "R_ARM_ABS32"),
    (3, "R_ARM_REL32"),
    (4, "R_ARM_LDR_PC_G0"),
    (5, "R_ARM_ABS16"),
    (6, "R_ARM_ABS12"),
    (7, "R_ARM_THM_ABS5"),
    (8, "R_ARM_ABS8"),
    (9, "R_ARM_SBREL32"),
    (10, "R_ARM_THM_CALL"),
    (11, "R_ARM_THM_PC8"),
    (12, "R_ARM_BREL_ADJ"),
    (13, "R_ARM_TLS_DESC"),
    (14, "R_ARM_THM_SWI8"),
    (15, "R_ARM_XPC25"),
    (16, "R_ARM_THM_XPC22"),
    (17, "R_ARM_TLS_DTPMOD32"),
    (18, "R_ARM_TLS_DTPOFF32"),
    (19, "R_ARM_TLS_TPOFF32"),
    (20, "R_ARM_COPY"),
    (21, "R_ARM_GLOB_DAT"),
    (22, "R_ARM_JUMP_SLOT"),
    (23, "R_ARM_RELATIVE"),
    (24, "R_ARM_GOTOFF32"),
    (25, "R_ARM_BASE_PREL"),
    (26, "R_ARM_GOT_BREL"),
    (27, "R_ARM_PLT32"),
    (28, "R_ARM_CALL"),
    (29, "R_ARM_JUMP24"),
    (30, "R_ARM_THM_JUMP24"),
    (31, "R_ARM_BASE_ABS"),
    (38, "R_ARM_TARGET1"),
    (40, "R_ARM_V4BX"),
    (41, "R_ARM_TARGET2"),
    (42, "R_ARM_PREL31"),
    (55, "R_ARM_ABS32_NOI"),
    (56, "R_ARM_REL32_NOI"),
    (160, "R_ARM_IRELATIVE"),
];

/// s390x (`EM_S390` = 22), binutils `include/elf/s390.h`, dynamic types.
const S390: &[(u32, &str)] = &[
    (0, "R_390_NONE"),
    (4, "R_390_32"),
    (9, "R_390_COPY"),
    (10, "R_390_GLOB_DAT"),
    (11, "R_390_JMP_SLOT"),
    (12, "R_390_RELATIVE"),
    (22, "R_390_64"),
    (54, "R_390_TLS_DTPMOD"),
    (55, "R_390_TLS_DTPOFF"),
    (56, "R_390_TLS_TPOFF"),
    (61, "R_390_IRELATIVE"),
];

/// ppc64 (`EM_PPC64` = 21), binutils `include/elf/ppc64.h`, dynamic types.
const PPC64: &[(u32, &str)] = &[
    (0, "R_PPC64_NONE"),
    (1, "R_PPC64_ADDR32"),
    (19, "R_PPC64_COPY"),
    (20, "R_PPC64_GLOB_DAT"),
    (21, "R_PPC64_JMP_SLOT"),
    (22, "R_PPC64_RELATIVE"),
    (38, "R_PPC64_ADDR64"),
    (68, "R_PPC64_DTPMOD64"),
    (73, "R_PPC64_TPREL64"),
    (78, "R_PPC64_DTPREL64"),
    (248, "R_PPC64_IRELATIVE"),
];

/// RISC-V (`EM_RISCV` = 243), binutils `include/elf/riscv.h`, dynamic types.
const RISCV: &[(u32, &str)] = &[
    (0, "R_RISCV_NONE"),
    (1, "R_RISCV_32"),
    (2, "R_RISCV_64"),
    (3, "R_RISCV_RELATIVE"),
    (4, "R_RISCV_COPY"),
    (5, "R_RISCV_JUMP_SLOT"),
    (6, "R_RISCV_TLS_DTPMOD32"),
    (7, "R_RISCV_TLS_DTPMOD64"),
    (8, "R_RISCV_TLS_DTPREL32"),
    (9, "R_RISCV_TLS_DTPREL64"),
    (10, "R_RISCV_TLS_TPREL32"),
    (11, "R_RISCV_TLS_TPREL64"),
    (58, "R_RISCV_IRELATIVE"),
];

/// LoongArch (`EM_LOONGARCH` = 258), binutils `include/elf/loongarch.h`, dynamic types.
const LOONGARCH: &[(u32, &str)] = &[
    (0, "R_LARCH_NONE"),
    (1, "R_LARCH_32"),
    (2, "R_LARCH_64"),
    (3, "R_LARCH_RELATIVE"),
    (4, "R_LARCH_COPY"),
    (5, "R_LARCH_JUMP_SLOT"),
    (6, "R_LARCH_TLS_DTPMOD32"),
    (7, "R_LARCH_TLS_DTPMOD64"),
    (8, "R_LARCH_TLS_DTPREL32"),
    (9, "R_LARCH_TLS_DTPREL64"),
    (10, "R_LARCH_TLS_TPREL32"),
    (11, "R_LARCH_TLS_TPREL64"),
    (12, "R_LARCH_IRELATIVE"),
];

/// MIPS (`EM_MIPS` = 8), binutils `include/elf/mips.h`, dynamic types.
const MIPS: &[(u32, &str)] = &[
    (0, "R_MIPS_NONE"),
    (2, "R_MIPS_32"),
    (3, "R_MIPS_REL32"),
    (18, "R_MIPS_64"),
    (38, "R_MIPS_TLS_DTPMOD32"),
    (39, "R_MIPS_TLS_DTPREL32"),
    (40, "R_MIPS_TLS_DTPMOD64"),
    (41, "R_MIPS_TLS_DTPREL64"),
    (47, "R_MIPS_TLS_TPREL32"),
    (48, "R_MIPS_TLS_TPREL64"),
    (126, "R_MIPS_COPY"),
    (127, "R_MIPS_JUMP_SLOT"),
];

fn table(machine: u16) -> &'static [(u32, &'static str)] {
    use object::elf::*;
    match Machine(machine) {
        EM_X86_64 => X86_64,
        EM_386 => I386,
        EM_AARCH64 => AARCH64,
        EM_ARM => ARM,
        EM_S390 => S390,
        EM_PPC64 => PPC64,
        EM_RISCV => RISCV,
        EM_LOONGARCH => LOONGARCH,
        EM_MIPS => MIPS,
        _ => &[],
    }
}

/// The name of relocation type `r_type` on machine `machine` (`e_machine`), as readelf
/// prints it; `unrecognized: <hex>` when readelf would not know it either.
pub fn reloc_type_name(machine: u16, r_type: u32) -> String {
    match table(machine).iter().find(|(t, _)| *t == r_type) {
        Some((_, name)) => (*name).to_string(),
        None => format!("unrecognized: {r_type:x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_readelf() {
        assert_eq!(reloc_type_name(62, 8), "R_X86_64_RELATIVE");
        assert_eq!(reloc_type_name(62, 7), "R_X86_64_JUMP_SLOT");
        assert_eq!(reloc_type_name(3, 7), "R_386_JUMP_SLOT");
        assert_eq!(reloc_type_name(183, 1027), "R_AARCH64_RELATIVE");
        assert_eq!(reloc_type_name(183, 1028), "R_AARCH64_TLS_DTPMOD64");
        assert_eq!(reloc_type_name(40, 23), "R_ARM_RELATIVE");
        assert_eq!(reloc_type_name(62, 99), "unrecognized: 63");
        assert_eq!(reloc_type_name(9999, 1), "unrecognized: 1");
        for t in [
            X86_64, I386, AARCH64, ARM, S390, PPC64, RISCV, LOONGARCH, MIPS,
        ] {
            let mut seen = std::collections::BTreeSet::new();
            assert!(
                t.iter().all(|(n, _)| seen.insert(*n)),
                "duplicate type number"
            );
        }
    }
}

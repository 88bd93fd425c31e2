//! Cross-package references that machine code keeps: direct calls and jumps, address loads
//! (RIP-relative on amd64, absolute on 386, ADRP+ADD/LDR/STR pairs on arm64), and what the
//! loaded data points at (function values, itabs, named data). They are evidence of use, not
//! imports: Go 1.21+ binaries keep no import edges (docs/FORMATS.md §4.4), so `init-order` uses
//! these only to check the stored order for consistency, labelled `observed`.
//!
//! x86 is decoded with `iced-x86`. For arm64 goelf decodes the five fixed-width A64 forms it
//! needs by hand (ADRP, ADD (immediate, 64-bit), LDR/STR (unsigned immediate), BL and B):
//! each is one mask-and-compare from the Arm ARM (DDI 0487, C6.2), the pairing rule is Go's
//! own (`cmd/internal/obj/arm64`: `MOVD $sym(SB)` → ADRP+ADD, `MOVD sym(SB)` → ADRP+LDR), and
//! the one maintained crate (`yaxpeax-arm`) documents its armv8 decoder as incomplete and
//! would pull in bitvec and serde for these few lines.
//!
//! Package attribution follows the runtime's `funcpkgpath` (`src/runtime/symtab.go`): the
//! path up to the first `.` after the last `/`, generic type arguments removed; and a function
//! whose source file lies in the runtime's directory belongs to `runtime` whatever its name
//! (the runtime implements `sync.runtime_Semacquire`, `time.now`, `reflect.unsafe_New`, …
//! under other packages' names with `//go:linkname`).

use crate::bytes::Endian;
use crate::image::Arch;

/// How code refers to an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RefKind {
    /// A direct call or jump.
    Call,
    /// The address itself is computed (LEA, ADRP+ADD).
    Address,
    /// Memory at the address is read or written.
    Load,
}

/// One reference found in code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeRef {
    /// PC of the instruction (the ADRP's for arm64 pairs).
    pub pc: u64,
    /// The referenced address.
    pub target: u64,
    /// How.
    pub kind: RefKind,
}

/// True when [`code_refs`] can decode this architecture.
pub fn supported(arch: &Arch) -> bool {
    matches!(arch.name, "x86_64" | "i386" | "aarch64") && arch.endian == Endian::Little
}

/// Every reference in `code`, which starts at `vaddr`. Undecodable bytes are skipped one
/// instruction (x86) or one word (arm64) at a time, so the walk always ends.
pub fn code_refs(arch: &Arch, code: &[u8], vaddr: u64, out: &mut Vec<CodeRef>) {
    match arch.name {
        "x86_64" => x86_refs(64, code, vaddr, out),
        "i386" => x86_refs(32, code, vaddr, out),
        "aarch64" if arch.endian == Endian::Little => arm64_refs(code, vaddr, out),
        _ => {}
    }
}

fn x86_refs(bitness: u32, code: &[u8], vaddr: u64, out: &mut Vec<CodeRef>) {
    use iced_x86::{Decoder, DecoderOptions, FlowControl, Instruction, Mnemonic, OpKind, Register};
    let mut d = Decoder::with_ip(bitness, code, vaddr, DecoderOptions::NONE);
    let mut ins = Instruction::default();
    while d.can_decode() {
        d.decode_out(&mut ins);
        if ins.is_invalid() {
            continue;
        }
        let pc = ins.ip();
        match ins.flow_control() {
            FlowControl::Call | FlowControl::UnconditionalBranch
                if ins.op_count() == 1
                    && matches!(
                        ins.op0_kind(),
                        OpKind::NearBranch64 | OpKind::NearBranch32 | OpKind::NearBranch16
                    ) =>
            {
                out.push(CodeRef {
                    pc,
                    target: ins.near_branch_target(),
                    kind: RefKind::Call,
                });
                continue;
            }
            _ => {}
        }
        let has_mem = (0..ins.op_count()).any(|i| ins.op_kind(i) == OpKind::Memory);
        if !has_mem {
            continue;
        }
        let kind = if ins.mnemonic() == Mnemonic::Lea {
            RefKind::Address
        } else {
            RefKind::Load
        };
        let target = if ins.is_ip_rel_memory_operand() {
            Some(ins.ip_rel_memory_address())
        } else if bitness == 32
            && ins.memory_base() == Register::None
            && ins.memory_index() == Register::None
            && ins.memory_displacement32() != 0
        {
            Some(u64::from(ins.memory_displacement32()))
        } else {
            None
        };
        if let Some(target) = target {
            out.push(CodeRef { pc, target, kind });
        }
    }
}

fn sign_extend(v: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

fn arm64_refs(code: &[u8], vaddr: u64, out: &mut Vec<CodeRef>) {
    // (register, page address, pc of the ADRP) of the previous instruction, if it was ADRP.
    let mut pending: Option<(u32, u64, u64)> = None;
    for (i, w) in code.chunks_exact(4).enumerate() {
        let insn = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        let pc = vaddr.wrapping_add(4 * i as u64);
        let prev = pending.take();
        // BL / B imm26 (C6.2.33, C6.2.26).
        if insn & 0x7C00_0000 == 0x1400_0000 {
            let off = sign_extend(u64::from(insn & 0x03FF_FFFF), 26) * 4;
            out.push(CodeRef {
                pc,
                target: pc.wrapping_add(off as u64),
                kind: RefKind::Call,
            });
            continue;
        }
        // ADRP (C6.2.11): page of pc + imm21 << 12.
        if insn & 0x9F00_0000 == 0x9000_0000 {
            let immlo = u64::from((insn >> 29) & 3);
            let immhi = u64::from((insn >> 5) & 0x7_FFFF);
            let off = sign_extend((immhi << 2) | immlo, 21) << 12;
            pending = Some((insn & 31, (pc & !0xFFF).wrapping_add(off as u64), pc));
            continue;
        }
        let Some((reg, page, adrp_pc)) = prev else {
            continue;
        };
        let rn = (insn >> 5) & 31;
        if rn != reg {
            continue;
        }
        let imm12 = u64::from((insn >> 10) & 0xFFF);
        // ADD (immediate), 64-bit (C6.2.4): sf=1 op=0 S=0 100010 sh imm12 Rn Rd.
        if insn & 0xFF80_0000 == 0x9100_0000 {
            let sh = (insn >> 22) & 1;
            out.push(CodeRef {
                pc: adrp_pc,
                target: page.wrapping_add(imm12 << (12 * sh)),
                kind: RefKind::Address,
            });
            continue;
        }
        // LDR/STR (immediate, unsigned offset) of any size (C6.2.131 and friends):
        // size 111 V 01 opc imm12 Rn Rt, offset scaled by the access size.
        if insn & 0x3B00_0000 == 0x3900_0000 {
            let size = (insn >> 30) & 3;
            let vector = (insn >> 26) & 1 == 1;
            let opc = (insn >> 22) & 3;
            let scale = if vector && opc >= 2 { 4 } else { size };
            out.push(CodeRef {
                pc: adrp_pc,
                target: page.wrapping_add(imm12 << scale),
                kind: RefKind::Load,
            });
        }
    }
}

/// The runtime's `funcpkgpath`: the package path of a symbol name, generic type arguments
/// removed (`slices.Sort[...]` → `slices`), the linker's `%xx` escapes undone
/// (`gopkg.in/yaml%2ev3.Unmarshal` → `gopkg.in/yaml.v3`). `None` for names that carry no
/// package (`type:.eq.*`, `go:*`, assembly and C names without a dot).
pub fn funcpkgpath(name: &str) -> Option<String> {
    if name.starts_with("type:")
        || name.starts_with("type.")
        || name.starts_with("go:")
        || name.starts_with("go.")
        || name.starts_with("gclocals")
        || name.starts_with('_')
        || name.is_empty()
    {
        return None;
    }
    let head = match name.find('[') {
        Some(b) => name.get(..b)?,
        None => name,
    };
    let slash = head.rfind('/').map_or(0, |s| s + 1);
    let dot = head.get(slash..)?.find('.')? + slash;
    let pkg = head.get(..dot)?;
    if pkg.is_empty() {
        None
    } else {
        Some(prefix_to_path(pkg))
    }
}

/// `objabi.PrefixToPath`: undo `%xx` escapes (a malformed escape is kept as is).
pub fn prefix_to_path(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (c, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The package a function's code belongs to: by name, except that code in the runtime's
/// source directory is the runtime's.
pub fn code_package(name: &str, file: Option<&str>) -> Option<String> {
    let pkg = funcpkgpath(name)?;
    if pkg == "runtime" {
        return Some(pkg);
    }
    if let Some(f) = file {
        let dir = f.rsplit_once('/').map_or("", |(d, _)| d);
        let in_pkg_dir = dir == pkg || dir.ends_with(&format!("/{pkg}"));
        let runtime_dir = dir == "runtime" || dir.ends_with("/runtime");
        if !in_pkg_dir && runtime_dir {
            return Some("runtime".to_string());
        }
    }
    Some(pkg)
}

/// The package of the concrete type of an itab symbol (`go:itab.*example.com/x.T,io.Reader`).
pub fn itab_package(symbol: &str) -> Option<String> {
    let rest = symbol
        .strip_prefix("go:itab.")
        .or_else(|| symbol.strip_prefix("go.itab."))?;
    let ty = rest.split(',').next()?.trim_start_matches('*');
    funcpkgpath(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(name: &'static str) -> Arch {
        Arch {
            name,
            ptr_size: 8,
            endian: Endian::Little,
        }
    }

    #[test]
    fn funcpkgpath_is_the_runtime_rule() {
        let f = |s| funcpkgpath(s);
        assert_eq!(f("example.com/b.init.0").as_deref(), Some("example.com/b"));
        assert_eq!(f("main.init").as_deref(), Some("main"));
        assert_eq!(f("net/http.(*Server).Serve").as_deref(), Some("net/http"));
        assert_eq!(
            f("gopkg.in/yaml%2ev3.Unmarshal").as_deref(),
            Some("gopkg.in/yaml.v3")
        );
        assert_eq!(
            f("slices.Sort[go.shape.[]example.com/x.T]").as_deref(),
            Some("slices")
        );
        assert_eq!(prefix_to_path("a%zzb%41"), "a%zzbA");
        assert_eq!(funcpkgpath("type:.eq.example.com/x.T"), None);
        assert_eq!(funcpkgpath("noDot"), None);
    }

    #[test]
    fn runtime_source_files_belong_to_runtime() {
        let c = |n, f| code_package(n, Some(f));
        assert_eq!(
            c("sync.runtime_Semacquire", "/go/src/runtime/sema.go").as_deref(),
            Some("runtime")
        );
        assert_eq!(
            c("sync.(*Mutex).Lock", "/go/src/sync/mutex.go").as_deref(),
            Some("sync")
        );
        assert_eq!(
            c(
                "internal/runtime/maps.f",
                "/go/src/internal/runtime/maps/m.go"
            )
            .as_deref(),
            Some("internal/runtime/maps")
        );
        assert_eq!(
            itab_package("go:itab.*example.com/x.T,io.Reader").as_deref(),
            Some("example.com/x")
        );
    }

    #[test]
    fn x86_64_calls_and_rip_loads() {
        // call rel32 (+0x10), lea rax,[rip+0x20], mov rcx,[rip+0x30]
        let code = [
            0xe8, 0x10, 0, 0, 0, 0x48, 0x8d, 0x05, 0x20, 0, 0, 0, 0x48, 0x8b, 0x0d, 0x30, 0, 0, 0,
        ];
        let mut out = Vec::new();
        code_refs(&arch("x86_64"), &code, 0x1000, &mut out);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].target, 0x1000 + 5 + 0x10);
        assert_eq!(out[0].kind, RefKind::Call);
        assert_eq!(out[1].target, 0x1000 + 12 + 0x20);
        assert_eq!(out[1].kind, RefKind::Address);
        assert_eq!(out[2].target, 0x1000 + 19 + 0x30);
        assert_eq!(out[2].kind, RefKind::Load);
    }

    #[test]
    fn arm64_adrp_pairs_and_bl() {
        let words: [u32; 5] = [
            0x9400_0004, // bl +16
            0xb000_001b, // adrp x27, +0x1000 page (immlo=1 → 1 page)
            0x9100_837b, // add x27, x27, #0x20
            0x9000_001b, // adrp x27, +0
            0xf940_0b60, // ldr x0, [x27, #0x10]
        ];
        let code: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let mut out = Vec::new();
        code_refs(&arch("aarch64"), &code, 0x10000, &mut out);
        assert_eq!(
            out,
            [
                CodeRef {
                    pc: 0x10000,
                    target: 0x10010,
                    kind: RefKind::Call
                },
                CodeRef {
                    pc: 0x10004,
                    target: 0x11020,
                    kind: RefKind::Address
                },
                CodeRef {
                    pc: 0x1000c,
                    target: 0x10010,
                    kind: RefKind::Load
                },
            ]
        );
    }

    #[test]
    fn garbage_never_loops() {
        let junk: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761u32) >> 24) as u8)
            .collect();
        let mut out = Vec::new();
        code_refs(&arch("x86_64"), &junk, 0, &mut out);
        code_refs(&arch("aarch64"), &junk, 0, &mut out);
        code_refs(&arch("mips"), &junk, 0, &mut out);
    }
}

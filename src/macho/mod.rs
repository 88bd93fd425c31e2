//! The Mach-O layer of `goelf inspect`, thin and universal (every slice): the fat header and
//! its arches, the Mach header, every load command, segments with their sections, the entry
//! (`LC_MAIN` or `LC_UNIXTHREAD`), dylibs, `LC_BUILD_VERSION` / `LC_VERSION_MIN_*`, `LC_UUID`,
//! the code signature (and whether it is ad-hoc), constructor sections
//! (`S_MOD_INIT_FUNC_POINTERS`, `S_INIT_FUNC_OFFSETS`), loader checks and a hardening
//! summary. Read through `object`'s typed Mach-O records (`object::macho`,
//! `object::read::macho`); raw values with the `<mach-o/loader.h>` names beside them, so that
//! tests compare them with `llvm-readobj` and `llvm-objdump --macho --private-headers`.
//!
//! Sources: Apple `<mach-o/loader.h>`, `<mach-o/fat.h>`, `<kern/cs_blobs.h>`; dyld
//! `MachOAnalyzer::validSegments`/`validMain` for the checks. Notes: docs/FORMATS.md §10.

pub mod chained_fixups;
mod checks;
pub mod dyld_info;
pub mod fixups;

use object::macho;
use object::read::macho::{
    FatArch, LoadCommandVariant, MachHeader, MachOFatFile32, MachOFatFile64, MachOFile, Section,
    Segment,
};
use object::read::ReadRef;
use object::{BigEndian, Endianness};
use serde::{Deserialize, Serialize};

use crate::error::Problem;
use crate::limits;

pub use checks::{MachoCheck, MachoCheckId};
pub use fixups::{Fixup, FixupKind, MachoFixups, SliceFixups};

/// Everything `goelf inspect` reports about a Mach-O file's container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachoReport {
    /// The universal (fat) header, for a universal binary.
    pub universal: Option<Universal>,
    /// Every slice (one for a thin file), in fat-arch order.
    pub slices: Vec<MachoSlice>,
}

/// A universal binary's fat header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Universal {
    /// `FAT_MAGIC` (0xcafebabe) or `FAT_MAGIC_64` (0xcafebabf).
    pub magic: u32,
    /// The arches, in file order.
    pub arches: Vec<FatArchInfo>,
}

/// One `fat_arch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FatArchInfo {
    /// `cputype`.
    pub cputype: u32,
    /// Its name (`CPU_TYPE_ARM64`).
    pub cputype_name: String,
    /// `cpusubtype`.
    pub cpusubtype: u32,
    /// File offset of the slice.
    pub offset: u64,
    /// Size of the slice.
    pub size: u64,
    /// Alignment as a power of two.
    pub align: u32,
}

/// One Mach-O image (a thin file, or one slice of a universal one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachoSlice {
    /// File offset of the slice (0 for a thin file). Offsets below are slice-relative.
    pub offset: u64,
    /// Size of the slice in bytes.
    pub size: u64,
    /// The Mach header.
    pub header: MachHeaderInfo,
    /// Every load command, in order.
    pub load_commands: Vec<LoadCommand>,
    /// `LC_SEGMENT`/`LC_SEGMENT_64` with their sections.
    pub segments: Vec<MachoSegment>,
    /// The entry point.
    pub entry: Option<Entry>,
    /// `LC_LOAD_DYLIB` and friends, in order.
    pub dylibs: Vec<Dylib>,
    /// `LC_ID_DYLIB`'s name, for a dylib.
    pub id_dylib: Option<String>,
    /// `LC_LOAD_DYLINKER`'s path.
    pub dylinker: Option<String>,
    /// `LC_BUILD_VERSION` (or `LC_VERSION_MIN_*`).
    pub build_version: Option<BuildVersion>,
    /// `LC_UUID`, upper-case with dashes as `otool -l` prints it.
    pub uuid: Option<String>,
    /// `LC_CODE_SIGNATURE`.
    pub code_signature: Option<CodeSignature>,
    /// Constructors: `S_MOD_INIT_FUNC_POINTERS` and `S_INIT_FUNC_OFFSETS` sections.
    pub constructors: Vec<Constructor>,
    /// A checksec-like summary.
    pub hardening: MachoHardening,
    /// dyld's validity checks, each with its verdict.
    pub loader_checks: Vec<MachoCheck>,
}

/// The Mach header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachHeaderInfo {
    /// `magic` (0xfeedfacf for 64-bit).
    pub magic: u32,
    /// `cputype`.
    pub cputype: u32,
    /// Its name (`CPU_TYPE_X86_64`).
    pub cputype_name: String,
    /// `cpusubtype`.
    pub cpusubtype: u32,
    /// `filetype`.
    pub filetype: u32,
    /// Its name (`MH_EXECUTE`, `MH_DYLIB`, …).
    pub filetype_name: String,
    /// `ncmds`.
    pub ncmds: u32,
    /// `sizeofcmds`.
    pub sizeofcmds: u32,
    /// `flags`.
    pub flags: u32,
    /// Their names (`MH_PIE`, `MH_TWOLEVEL`, …).
    pub flag_names: Vec<String>,
}

/// One load command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadCommand {
    /// Index, from 0.
    pub index: usize,
    /// `cmd`.
    pub cmd: u32,
    /// Its name (`LC_SEGMENT_64`).
    pub name: String,
    /// `cmdsize`.
    pub cmdsize: u32,
}

/// A segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachoSegment {
    /// `segname`.
    pub name: String,
    /// `vmaddr`.
    pub vmaddr: u64,
    /// `vmsize`.
    pub vmsize: u64,
    /// `fileoff`.
    pub fileoff: u64,
    /// `filesize`.
    pub filesize: u64,
    /// `maxprot` (VM_PROT_READ 1, WRITE 2, EXECUTE 4).
    pub maxprot: u32,
    /// `initprot`.
    pub initprot: u32,
    /// `nsects`.
    pub nsects: u32,
    /// `flags`.
    pub flags: u32,
    /// Its sections.
    pub sections: Vec<MachoSection>,
}

/// A section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachoSection {
    /// Index over all sections of the slice, from 0 (llvm-readobj's numbering).
    pub index: usize,
    /// `sectname`.
    pub name: String,
    /// `segname`.
    pub segment: String,
    /// `addr`.
    pub addr: u64,
    /// `size`.
    pub size: u64,
    /// `offset`.
    pub offset: u32,
    /// `align` (a power of two).
    pub align: u32,
    /// `reloff`.
    pub reloff: u32,
    /// `nreloc`.
    pub nreloc: u32,
    /// `flags` (type in the low byte, attributes above).
    pub flags: u32,
    /// The type's name (`S_REGULAR`, `S_ZEROFILL`, `S_MOD_INIT_FUNC_POINTERS`, …).
    pub type_name: String,
    /// `reserved1`.
    pub reserved1: u32,
    /// `reserved2`.
    pub reserved2: u32,
    /// `reserved3` (0 in 32-bit files, which lack it).
    pub reserved3: u32,
}

/// The entry point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// `LC_MAIN` or `LC_UNIXTHREAD`.
    pub command: String,
    /// `LC_MAIN` `entryoff` (a file offset in `__TEXT`).
    pub entryoff: Option<u64>,
    /// `LC_MAIN` `stacksize`.
    pub stacksize: Option<u64>,
    /// The entry's virtual address (`__TEXT` vmaddr + entryoff, or the thread state's PC).
    pub address: Option<u64>,
}

/// A dylib load command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dylib {
    /// `LC_LOAD_DYLIB`, `LC_LOAD_WEAK_DYLIB`, `LC_REEXPORT_DYLIB`, …
    pub command: String,
    /// The install name.
    pub name: String,
    /// `timestamp`.
    pub timestamp: u32,
    /// `current_version` (xxxx.yy.zz).
    pub current_version: String,
    /// `compatibility_version`.
    pub compatibility_version: String,
}

/// `LC_BUILD_VERSION` or `LC_VERSION_MIN_*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildVersion {
    /// The command's name.
    pub command: String,
    /// `platform` (1 = macOS), 0 for `LC_VERSION_MIN_*`.
    pub platform: u32,
    /// Its name (`PLATFORM_MACOS`).
    pub platform_name: String,
    /// `minos`, as `13.0` or `10.15.1`.
    pub minos: String,
    /// `sdk`.
    pub sdk: String,
}

/// `LC_CODE_SIGNATURE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSignature {
    /// `dataoff`.
    pub dataoff: u32,
    /// `datasize`.
    pub datasize: u32,
    /// The code directory's flags have `CS_ADHOC` (no certificate); `None` when the
    /// signature could not be read.
    pub adhoc: Option<bool>,
    /// The code directory's identifier.
    pub identifier: Option<String>,
}

/// A constructor section and its entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constructor {
    /// `segment,section`.
    pub section: String,
    /// `S_MOD_INIT_FUNC_POINTERS` (absolute pointers) or `S_INIT_FUNC_OFFSETS` (32-bit
    /// offsets from the image base).
    pub kind: String,
    /// Address of the slot.
    pub slot: u64,
    /// The function's address (for pointers: the value stored, before any rebase slide;
    /// chained-fixup pointers are decoded to their target).
    pub target: u64,
}

/// Hardening summary of a Mach-O image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachoHardening {
    /// `MH_PIE`: loaded at a random address.
    pub pie: bool,
    /// `MH_NO_HEAP_EXECUTION`.
    pub no_heap_execution: bool,
    /// `MH_ALLOW_STACK_EXECUTION` (an executable stack).
    pub allow_stack_execution: bool,
    /// `__PAGEZERO`'s vmsize (0 when there is none).
    pub pagezero_size: u64,
    /// `LC_CODE_SIGNATURE` present.
    pub code_signature: bool,
    /// The signature is ad-hoc.
    pub adhoc_signature: bool,
    /// `LC_DYLD_CHAINED_FIXUPS` present (else `LC_DYLD_INFO(_ONLY)` opcodes, if any).
    pub chained_fixups: bool,
    /// No defined symbols in the symbol table (`-s`).
    pub stripped: bool,
    /// `__DWARF` segment or `__debug_*`/`__zdebug_*` sections.
    pub dwarf: bool,
    /// Some segment is both writable and executable (`initprot`).
    pub wx_segment: bool,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b.split(|&c| c == 0).next().unwrap_or_default()).into_owned()
}

/// `X.Y` or `X.Y.Z` of a packed `xxxx.yy.zz` version.
pub(crate) fn version(v: u32) -> String {
    let (a, b, c) = (v >> 16, (v >> 8) & 0xff, v & 0xff);
    if c == 0 {
        format!("{a}.{b}")
    } else {
        format!("{a}.{b}.{c}")
    }
}

fn name_or<T>(name: Option<&str>, raw: T) -> String
where
    T: std::fmt::LowerHex,
{
    name.map_or_else(|| format!("{raw:#x}"), str::to_string)
}

/// The Mach-O report of `data` (a thin or universal Mach-O file). Damage in one slice
/// becomes a problem; `None` when not even the first header reads.
pub fn analyze(data: &[u8], problems: &mut Vec<Problem>) -> Option<MachoReport> {
    let magic = data.get(..4)?;
    if magic == [0xca, 0xfe, 0xba, 0xbe] || magic == [0xca, 0xfe, 0xba, 0xbf] {
        let (m, arches) = if magic[3] == 0xbe {
            let f = MachOFatFile32::parse(data).ok()?;
            (f.header().magic.get(BigEndian), fat_arches(f.arches()))
        } else {
            let f = MachOFatFile64::parse(data).ok()?;
            (f.header().magic.get(BigEndian), fat_arches(f.arches()))
        };
        let mut slices = Vec::new();
        for a in &arches {
            let bytes = data
                .get(a.offset as usize..)
                .and_then(|b| b.get(..a.size as usize));
            match bytes.and_then(|b| slice(b, a.offset, problems)) {
                Some(s) => slices.push(s),
                None => problems.push(Problem::new(
                    "macho.slice",
                    format!(
                        "slice {} at {:#x} ({} bytes) is not a readable Mach-O image",
                        a.cputype_name, a.offset, a.size
                    ),
                )),
            }
        }
        return Some(MachoReport {
            universal: Some(Universal { magic: m, arches }),
            slices,
        });
    }
    let s = slice(data, 0, problems)?;
    Some(MachoReport {
        universal: None,
        slices: vec![s],
    })
}

fn fat_arches<A: FatArch>(arches: &[A]) -> Vec<FatArchInfo> {
    arches
        .iter()
        .take(limits::MAX_FAT_ARCHES)
        .map(|a| FatArchInfo {
            cputype: a.cputype().0,
            cputype_name: name_or(a.cputype().name(), a.cputype().0),
            cpusubtype: a.cpusubtype().0,
            offset: a.offset().into(),
            size: a.size().into(),
            align: a.align(),
        })
        .collect()
}

fn slice(data: &[u8], offset: u64, problems: &mut Vec<Problem>) -> Option<MachoSlice> {
    match data.get(..4)? {
        [0xfe, 0xed, 0xfa, 0xcf] | [0xcf, 0xfa, 0xed, 0xfe] => {
            let f = MachOFile::<macho::MachHeader64<Endianness>, _>::parse(data).ok()?;
            Some(read_slice(&f, offset, problems))
        }
        [0xfe, 0xed, 0xfa, 0xce] | [0xce, 0xfa, 0xed, 0xfe] => {
            let f = MachOFile::<macho::MachHeader32<Endianness>, _>::parse(data).ok()?;
            Some(read_slice(&f, offset, problems))
        }
        _ => None,
    }
}

fn read_slice<'data, Mach: MachHeader<Endian = Endianness>>(
    file: &MachOFile<'data, Mach, &'data [u8]>,
    offset: u64,
    problems: &mut Vec<Problem>,
) -> MachoSlice {
    let data = file.data();
    let e = file.endian();
    let h = file.macho_header();
    let cputype = h.cputype(e);
    let filetype = h.filetype(e);
    let flags = h.flags(e);
    let mut flag_names = Vec::new();
    let rest = macho::FileFlags::NAMES.names(flags, |_, n| flag_names.push(n.to_string()));
    if rest != 0 {
        flag_names.push(format!("{rest:#x}"));
    }
    let header = MachHeaderInfo {
        // object reads `magic` big-endian; give it in the file's own byte order, as
        // <mach-o/loader.h> (MH_MAGIC_64 = 0xfeedfacf) and llvm-readobj state it.
        magic: match h.magic() {
            m @ (macho::MH_CIGAM | macho::MH_CIGAM_64) => m.swap_bytes(),
            m => m,
        },
        cputype: cputype.0,
        cputype_name: name_or(cputype.name(), cputype.0),
        cpusubtype: h.cpusubtype(e).0,
        filetype: filetype.0,
        filetype_name: name_or(filetype.name(), filetype.0),
        ncmds: h.ncmds(e),
        sizeofcmds: h.sizeofcmds(e),
        flags: flags.0,
        flag_names,
    };
    let mut load_commands = Vec::new();
    let mut segments: Vec<MachoSegment> = Vec::new();
    let mut dylibs = Vec::new();
    let (mut id_dylib, mut dylinker, mut build_version, mut uuid, mut code_signature) =
        (None, None, None, None, None);
    let mut main: Option<(u64, u64)> = None;
    let mut thread_pc: Option<Option<u64>> = None;
    let mut chained = false;
    let mut defined_syms = None;
    let mut nsection = 0usize;
    match file.macho_load_commands() {
        Err(e) => problems.push(Problem::new("macho.load_commands", e.to_string())),
        Ok(mut cmds) => loop {
            let c = match cmds.next() {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(err) => {
                    problems.push(Problem::new(
                        "macho.load_commands",
                        format!("load command {}: {err}", load_commands.len()),
                    ));
                    break;
                }
            };
            let cmd = c.cmd();
            load_commands.push(LoadCommand {
                index: load_commands.len(),
                cmd: cmd.0,
                name: name_or(cmd.name(), cmd.0),
                cmdsize: c.cmdsize(),
            });
            if let Ok(Some((seg, sdata))) = Mach::Segment::from_command(c) {
                let secs = seg.sections(e, sdata).unwrap_or_else(|err| {
                    problems.push(Problem::new(
                        "macho.segment",
                        format!("{}: {err}", text(seg.name())),
                    ));
                    &[]
                });
                let sections = secs
                    .iter()
                    .take(limits::MAX_SECTIONS)
                    .map(|s| {
                        let fl = s.flags(e);
                        let t = fl.typ();
                        let sec = MachoSection {
                            index: nsection,
                            name: text(s.name()),
                            segment: text(s.segment_name()),
                            addr: s.addr(e).into(),
                            size: s.size(e).into(),
                            offset: s.offset(e),
                            align: s.align(e),
                            reloff: s.reloff(e),
                            nreloc: s.nreloc(e),
                            flags: fl.0,
                            type_name: name_or(t.name(), t.0),
                            reserved1: s.reserved1(e),
                            reserved2: s.reserved2(e),
                            reserved3: s.reserved3(e),
                        };
                        nsection += 1;
                        sec
                    })
                    .collect();
                segments.push(MachoSegment {
                    name: text(seg.name()),
                    vmaddr: seg.vmaddr(e).into(),
                    vmsize: seg.vmsize(e).into(),
                    fileoff: seg.fileoff(e).into(),
                    filesize: seg.filesize(e).into(),
                    maxprot: seg.maxprot(e).0,
                    initprot: seg.initprot(e).0,
                    nsects: seg.nsects(e),
                    flags: seg.flags(e).0,
                    sections,
                });
                continue;
            }
            match c.variant() {
                Ok(LoadCommandVariant::Dylib(d)) => dylibs.push(Dylib {
                    command: name_or(cmd.name(), cmd.0),
                    name: c.string(e, d.dylib.name).map(text).unwrap_or_default(),
                    timestamp: d.dylib.timestamp.get(e),
                    current_version: version(d.dylib.current_version.get(e).0),
                    compatibility_version: version(d.dylib.compatibility_version.get(e).0),
                }),
                Ok(LoadCommandVariant::IdDylib(d)) => {
                    id_dylib = c.string(e, d.dylib.name).ok().map(text);
                }
                Ok(LoadCommandVariant::LoadDylinker(d)) => {
                    dylinker = c.string(e, d.name).ok().map(text);
                }
                Ok(LoadCommandVariant::BuildVersion(b, _)) => {
                    let p = b.platform.get(e);
                    build_version = Some(BuildVersion {
                        command: name_or(cmd.name(), cmd.0),
                        platform: p.0,
                        platform_name: name_or(p.name(), p.0),
                        minos: version(b.minos.get(e).0),
                        sdk: version(b.sdk.get(e).0),
                    });
                }
                Ok(LoadCommandVariant::VersionMin(v)) if build_version.is_none() => {
                    build_version = Some(BuildVersion {
                        command: name_or(cmd.name(), cmd.0),
                        platform: 0,
                        platform_name: String::new(),
                        minos: version(v.version.get(e).0),
                        sdk: version(v.sdk.get(e).0),
                    });
                }
                Ok(LoadCommandVariant::Uuid(u)) => uuid = Some(uuid_text(&u.uuid)),
                Ok(LoadCommandVariant::EntryPoint(m)) => {
                    main = Some((m.entryoff.get(e), m.stacksize.get(e)));
                }
                Ok(LoadCommandVariant::Thread(_, state)) => {
                    thread_pc = Some(thread_pc_of(cputype, state, e));
                }
                Ok(LoadCommandVariant::Symtab(s)) => {
                    let _ = s;
                }
                Ok(LoadCommandVariant::Dysymtab(d)) => {
                    defined_syms = Some(d.nlocalsym.get(e).saturating_add(d.nextdefsym.get(e)));
                }
                Ok(LoadCommandVariant::LinkeditData(l)) => {
                    if cmd == macho::LC_CODE_SIGNATURE {
                        let (adhoc, identifier) = signature_info(l, e, data);
                        code_signature = Some(CodeSignature {
                            dataoff: l.dataoff.get(e),
                            datasize: l.datasize.get(e),
                            adhoc,
                            identifier,
                        });
                    } else if cmd == macho::LC_DYLD_CHAINED_FIXUPS {
                        chained = true;
                    }
                }
                _ => {}
            }
        },
    }
    let text_seg = segments.iter().find(|s| s.name == "__TEXT");
    let entry = if let Some((off, stack)) = main {
        Some(Entry {
            command: "LC_MAIN".into(),
            entryoff: Some(off),
            stacksize: Some(stack),
            address: text_seg.map(|t| t.vmaddr.wrapping_add(off.wrapping_sub(t.fileoff))),
        })
    } else {
        thread_pc.map(|pc| Entry {
            command: "LC_UNIXTHREAD".into(),
            entryoff: None,
            stacksize: None,
            address: pc,
        })
    };
    let constructors = constructors(&segments, data, e, Mach::pointer_size(), text_seg);
    let pagezero = segments.iter().find(|s| s.name == "__PAGEZERO");
    let sig = code_signature.as_ref();
    let hardening = MachoHardening {
        pie: flags.contains(macho::MH_PIE),
        no_heap_execution: flags.contains(macho::MH_NO_HEAP_EXECUTION),
        allow_stack_execution: flags.contains(macho::MH_ALLOW_STACK_EXECUTION),
        pagezero_size: pagezero.map_or(0, |p| p.vmsize),
        code_signature: sig.is_some(),
        adhoc_signature: sig.is_some_and(|s| s.adhoc == Some(true)),
        chained_fixups: chained,
        stripped: defined_syms == Some(0),
        dwarf: segments.iter().any(|s| {
            s.name == "__DWARF"
                || s.sections
                    .iter()
                    .any(|x| x.name.starts_with("__debug_") || x.name.starts_with("__zdebug_"))
        }),
        wx_segment: segments.iter().any(|s| s.initprot & 6 == 6),
    };
    let loader_checks = checks::run(&header, &segments, entry.as_ref(), data.len() as u64);
    MachoSlice {
        offset,
        size: data.len() as u64,
        header,
        load_commands,
        segments,
        entry,
        dylibs,
        id_dylib,
        dylinker,
        build_version,
        uuid,
        code_signature,
        constructors,
        hardening,
        loader_checks,
    }
}

fn uuid_text(u: &[u8; 16]) -> String {
    let h: Vec<String> = u.iter().map(|b| format!("{b:02X}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h[..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..].concat()
    )
}

/// The PC of an `LC_UNIXTHREAD` state: x86_64 `x86_THREAD_STATE64` (rip is register 16),
/// arm64 `ARM_THREAD_STATE64` (pc after x0–x28, fp, lr, sp: register 32).
fn thread_pc_of(cputype: macho::CpuType, state: &[u8], e: Endianness) -> Option<u64> {
    use object::Endian;
    // The command's data after cmd/cmdsize: flavor (u32), count (u32), state.
    let word = |i: usize| -> Option<u64> {
        let b: [u8; 8] = state.get(8 + 8 * i..16 + 8 * i)?.try_into().ok()?;
        Some(e.read_u64(b))
    };
    let flavor = e.read_u32(state.get(..4)?.try_into().ok()?);
    match (cputype, flavor) {
        (macho::CPU_TYPE_X86_64, 4) => word(16),
        (macho::CPU_TYPE_ARM64, 6) => word(32),
        _ => None,
    }
}

fn signature_info(
    l: &macho::LinkeditDataCommand<Endianness>,
    e: Endianness,
    data: &[u8],
) -> (Option<bool>, Option<String>) {
    let Ok(sig) = l.code_signature(e, data) else {
        return (None, None);
    };
    let mut blobs = sig.blobs();
    for _ in 0..limits::MAX_SIGNATURE_BLOBS {
        let Ok(Some(b)) = blobs.next() else { break };
        if let Ok(Some(cd)) = b.code_directory() {
            let flags = cd.header().flags.get(BigEndian);
            let ident = cd.header().ident_offset.get(BigEndian) as usize;
            let identifier = b
                .data()
                .get(ident..)
                .map(|s| text(s.get(..s.len().min(limits::MAX_STRING)).unwrap_or_default()));
            return (Some(flags.contains(macho::CS_ADHOC)), identifier);
        }
    }
    (None, None)
}

/// The entries of the constructor sections. Pointers in a chained-fixup image are
/// `DYLD_CHAINED_PTR_64(_OFFSET)` rebases: the low 36 bits hold the target (a VM address,
/// or an offset from the image base for the `_OFFSET` form), the high 8 bits at 36.
fn constructors(
    segments: &[MachoSegment],
    data: &[u8],
    e: Endianness,
    ptr: u8,
    text_seg: Option<&MachoSegment>,
) -> Vec<Constructor> {
    use object::Endian;
    let base = text_seg.map_or(0, |t| t.vmaddr);
    let mut out = Vec::new();
    for s in segments.iter().flat_map(|s| &s.sections) {
        let t = macho::SectionFlags(s.flags).typ();
        let (kind, width) = if t == macho::S_MOD_INIT_FUNC_POINTERS {
            ("S_MOD_INIT_FUNC_POINTERS", usize::from(ptr))
        } else if t == macho::S_INIT_FUNC_OFFSETS {
            ("S_INIT_FUNC_OFFSETS", 4)
        } else {
            continue;
        };
        let Ok(bytes) = data.read_bytes_at(u64::from(s.offset), s.size) else {
            continue;
        };
        for (i, w) in bytes
            .chunks_exact(width)
            .take(limits::MAX_INIT_ARRAY)
            .enumerate()
        {
            let raw = match width {
                8 => w.try_into().map(|b| e.read_u64(b)).unwrap_or(0),
                _ => w.try_into().map(|b| u64::from(e.read_u32(b))).unwrap_or(0),
            };
            let target = if width == 4 && kind == "S_INIT_FUNC_OFFSETS" {
                base.wrapping_add(raw)
            } else if width == 8 && raw >> 36 != 0 && raw & 0xf_ffff_ffff < base {
                // A chained rebase with an offset from the image base.
                base.wrapping_add(raw & 0xf_ffff_ffff)
            } else if width == 8 && raw >> 36 != 0 {
                raw & 0xf_ffff_ffff
            } else {
                raw
            };
            out.push(Constructor {
                section: format!("{},{}", s.segment, s.name),
                kind: kind.into(),
                slot: s.addr.wrapping_add((i * width) as u64),
                target,
            });
        }
    }
    out
}

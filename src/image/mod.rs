//! A container-neutral view of an executable: segments, sections, symbols and virtual-address
//! reads, over ELF, PE and Mach-O.
//!
//! The Go decoders see only this type (the idea of Go's own `debug/buildinfo` `exe`
//! interface), so a Go structure is decoded once for every container. ELF is read with
//! `object`'s low-level API so that a damaged section table still leaves the segments usable;
//! PE and Mach-O go through `object`'s unified reader.

mod elf;
mod extent;
mod other;

use std::sync::OnceLock;

use crate::bytes::Reader;

pub use crate::bytes::Endian;
use crate::error::{Error, Result};

/// The container format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// ELF (Linux, BSDs, …).
    Elf,
    /// PE/COFF (Windows).
    Pe,
    /// Mach-O (macOS, iOS).
    Macho,
}

impl Format {
    /// Lower-case name as used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Format::Elf => "elf",
            Format::Pe => "pe",
            Format::Macho => "macho",
        }
    }
}

/// The target architecture (the instruction set; pointer size and byte order are in
/// [`Target`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Arch {
    /// x86-64 (ELF `EM_X86_64`).
    #[serde(rename = "x86_64")]
    X86_64,
    /// 32-bit x86 (`EM_386`).
    #[serde(rename = "i386")]
    I386,
    /// 64-bit Arm (`EM_AARCH64`).
    #[serde(rename = "aarch64")]
    Aarch64,
    /// 32-bit Arm (`EM_ARM`).
    #[serde(rename = "arm")]
    Arm,
    /// MIPS, either width (`EM_MIPS`).
    #[serde(rename = "mips")]
    Mips,
    /// 64-bit POWER (`EM_PPC64`).
    #[serde(rename = "ppc64")]
    Ppc64,
    /// 32-bit PowerPC (`EM_PPC`).
    #[serde(rename = "ppc")]
    Ppc,
    /// IBM Z (`EM_S390`).
    #[serde(rename = "s390x")]
    S390x,
    /// RISC-V (`EM_RISCV`).
    #[serde(rename = "riscv64")]
    Riscv64,
    /// LoongArch (`EM_LOONGARCH`).
    #[serde(rename = "loong64")]
    Loong64,
    /// SPARC V9 (`EM_SPARCV9`).
    #[serde(rename = "sparc64")]
    Sparc64,
    /// Anything else.
    #[serde(rename = "unknown")]
    Unknown,
}

impl Arch {
    /// Every architecture, `Unknown` last.
    pub const ALL: [Arch; 12] = [
        Arch::X86_64,
        Arch::I386,
        Arch::Aarch64,
        Arch::Arm,
        Arch::Mips,
        Arch::Ppc64,
        Arch::Ppc,
        Arch::S390x,
        Arch::Riscv64,
        Arch::Loong64,
        Arch::Sparc64,
        Arch::Unknown,
    ];

    /// Short name as in JSON: `x86_64`, `aarch64`, `i386`, `arm`, `mips`, `s390x`, … or
    /// `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::I386 => "i386",
            Arch::Aarch64 => "aarch64",
            Arch::Arm => "arm",
            Arch::Mips => "mips",
            Arch::Ppc64 => "ppc64",
            Arch::Ppc => "ppc",
            Arch::S390x => "s390x",
            Arch::Riscv64 => "riscv64",
            Arch::Loong64 => "loong64",
            Arch::Sparc64 => "sparc64",
            Arch::Unknown => "unknown",
        }
    }

    /// The architecture [`Arch::name`] spells `name` (`Unknown` for any other string).
    pub fn from_name(name: &str) -> Arch {
        Arch::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .unwrap_or(Arch::Unknown)
    }

    /// The architecture of an ELF `e_machine`.
    pub fn from_elf_machine(machine: object::elf::Machine) -> Arch {
        use object::elf::*;
        match machine {
            EM_X86_64 => Arch::X86_64,
            EM_386 => Arch::I386,
            EM_AARCH64 => Arch::Aarch64,
            EM_ARM => Arch::Arm,
            EM_MIPS => Arch::Mips,
            EM_PPC64 => Arch::Ppc64,
            EM_PPC => Arch::Ppc,
            EM_S390 => Arch::S390x,
            EM_RISCV => Arch::Riscv64,
            EM_LOONGARCH => Arch::Loong64,
            EM_SPARCV9 => Arch::Sparc64,
            _ => Arch::Unknown,
        }
    }

    /// The ELF `e_machine` of this architecture (`EM_NONE` for `Unknown`).
    pub fn elf_machine(self) -> object::elf::Machine {
        use object::elf::*;
        match self {
            Arch::X86_64 => EM_X86_64,
            Arch::I386 => EM_386,
            Arch::Aarch64 => EM_AARCH64,
            Arch::Arm => EM_ARM,
            Arch::Mips => EM_MIPS,
            Arch::Ppc64 => EM_PPC64,
            Arch::Ppc => EM_PPC,
            Arch::S390x => EM_S390,
            Arch::Riscv64 => EM_RISCV,
            Arch::Loong64 => EM_LOONGARCH,
            Arch::Sparc64 => EM_SPARCV9,
            Arch::Unknown => EM_NONE,
        }
    }
}

impl std::fmt::Display for Arch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The target as far as the Go decoders need it: architecture, pointer size, byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The instruction set.
    pub arch: Arch,
    /// Pointer size in bytes.
    pub ptr_size: u8,
    /// Byte order.
    pub endian: Endian,
}

impl Target {
    /// The architecture's short name ([`Arch::name`]).
    pub fn name(&self) -> &'static str {
        self.arch.name()
    }
}

/// A loadable region of the file (ELF PT_LOAD, PE section, Mach-O segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Virtual address of the first byte.
    pub vaddr: u64,
    /// Size in memory.
    pub memsz: u64,
    /// File offset of the first byte.
    pub offset: u64,
    /// Bytes present in the file (the rest of `memsz` is zero-filled).
    pub filesz: u64,
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub exec: bool,
}

/// A section of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    /// Name bytes as stored (ELF `.gopclntab`, Mach-O `__gopclntab`, PE `.rdata`).
    pub name: &'a [u8],
    /// Mach-O segment name, when there is one.
    pub segment: Option<String>,
    /// Virtual address (0 when not allocated).
    pub vaddr: u64,
    /// Size in memory.
    pub size: u64,
    /// File offset and size of its bytes, `None` for NOBITS/zero-fill.
    pub file_range: Option<(u64, u64)>,
    /// Occupies memory at run time.
    pub alloc: bool,
    /// Writable at run time.
    pub write: bool,
    /// Executable.
    pub exec: bool,
    /// ELF `SHF_COMPRESSED`: the bytes start with an ELF compression header.
    pub compressed: bool,
}

/// Symbol kind, as far as goelf cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// Code.
    Text,
    /// Data.
    Data,
    /// Anything else.
    Other,
}

/// A defined symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbol<'a> {
    /// Name bytes.
    pub name: &'a [u8],
    /// Address.
    pub vaddr: u64,
    /// Size (0 when unknown).
    pub size: u64,
    /// Kind.
    pub kind: SymbolKind,
    /// From the dynamic symbol table (ELF `.dynsym`).
    pub dynamic: bool,
}

/// A parsed executable, borrowing the file's bytes.
pub struct Image<'a> {
    data: &'a [u8],
    /// The whole file: `data`, or for a universal Mach-O the file `data` is a slice of.
    file: &'a [u8],
    format: Format,
    arch: Target,
    /// Preferred load address (PE ImageBase); 0 elsewhere.
    pub image_base: u64,
    segments: Vec<Segment>,
    sections: Vec<Section<'a>>,
    symbols: OnceLock<Vec<Symbol<'a>>>,
    symbol_source: SymbolSource<'a>,
    /// Problems met while reading the container (a damaged section table, …).
    pub problems: Vec<crate::error::Problem>,
    /// The parsed ELF file (ELF images only), shared with the ELF report.
    elf: Option<Box<crate::elf::ElfFile<'a>>>,
    /// object's parse of a PE or Mach-O file (the slice analysed), kept for the DWARF
    /// readers.
    object: Option<Box<object::File<'a>>>,
}

enum SymbolSource<'a> {
    Elf(elf::ElfSymbols<'a>),
    Object(Vec<Symbol<'a>>),
}

impl std::fmt::Debug for Image<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image")
            .field("format", &self.format)
            .field("arch", &self.arch)
            .field("segments", &self.segments.len())
            .field("sections", &self.sections.len())
            .finish()
    }
}

/// Recognise the container from the first bytes.
pub fn detect_format(data: &[u8]) -> Option<Format> {
    match data.get(..4)? {
        m if m == object::elf::ELFMAG => Some(Format::Elf),
        [b'M', b'Z', ..] => Some(Format::Pe),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf]
        | [0xce | 0xcf, 0xfa, 0xed, 0xfe]
        | [0xca, 0xfe, 0xba, 0xbe]
        | [0xbe, 0xba, 0xfe, 0xca] => Some(Format::Macho),
        _ => None,
    }
}

/// The [`Severity::Error`](crate::error::Severity::Error) problem `file.truncated` when
/// `data` is shorter than what its container's headers describe (ELF:
/// [`crate::elf::truncation`]; PE and Mach-O: a section or segment whose file bytes run past
/// the end), `None` when it is whole or not an executable at all.
pub fn truncation(data: &[u8]) -> Option<crate::error::Problem> {
    match detect_format(data)? {
        Format::Elf => crate::elf::truncation(&crate::elf::file::ElfFile::parse(data).ok()?),
        _ => Image::parse(data).ok()?.truncation(),
    }
}

impl<'a> Image<'a> {
    /// Parse the container of `data`.
    pub fn parse(data: &'a [u8]) -> Result<Image<'a>> {
        match detect_format(data) {
            Some(Format::Elf) => elf::parse(data),
            Some(Format::Pe) => other::parse_pe(data),
            Some(Format::Macho) => other::parse_macho(data),
            None => Err(Error::UnknownFormat("not ELF, PE or Mach-O")),
        }
    }

    /// The file's bytes.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// See [`truncation`]: the problem when the file is shorter than its headers describe.
    pub fn truncation(&self) -> Option<crate::error::Problem> {
        if let Some(f) = self.elf() {
            return crate::elf::truncation(f);
        }
        let len = self.data.len() as u64;
        let past = |off: u64, size: u64| size > 0 && off.saturating_add(size) > len;
        let segs = self
            .segments
            .iter()
            .filter(|s| past(s.offset, s.filesz))
            .count();
        let secs: Vec<String> = self
            .sections
            .iter()
            .filter(|s| s.file_range.is_some_and(|(o, n)| past(o, n)))
            .map(|s| String::from_utf8_lossy(s.name).into_owned())
            .collect();
        if segs == 0 && secs.is_empty() {
            // What the raw headers describe (load commands, section table, slices) that
            // object's parse did not get to.
            let message = extent::past_end(self.file)?;
            let mut p = crate::error::Problem::at("file.truncated", message, Some(len));
            p.severity = crate::error::Severity::Error;
            return Some(p);
        }
        let mut p = crate::error::Problem::at(
            "file.truncated",
            format!(
                "the file is truncated: it has {len} bytes; {segs} segments and {} sections ({}) \
                 run past the end",
                secs.len(),
                secs.iter().take(4).cloned().collect::<Vec<_>>().join(", ")
            ),
            Some(len),
        );
        p.severity = crate::error::Severity::Error;
        Some(p)
    }

    /// The container format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Target: architecture, pointer size and byte order.
    pub fn arch(&self) -> Target {
        self.arch
    }

    /// object's parse behind a PE or Mach-O image (`None` for ELF).
    pub(crate) fn object_file(&self) -> Option<&object::File<'a>> {
        self.object.as_deref()
    }

    /// The parsed ELF file behind an ELF image (`None` for PE and Mach-O).
    pub fn elf(&self) -> Option<&crate::elf::ElfFile<'a>> {
        self.elf.as_deref()
    }

    /// A reader over the whole file with the target's byte order and pointer size.
    pub fn reader(&self) -> Reader<'a> {
        Reader::new(self.data, 0, self.arch.endian, self.arch.ptr_size)
    }

    /// Loadable regions.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The file-backed parts of the segments `keep` selects, each file byte once (the first
    /// segment that maps it wins), in segment order; a segment whose bytes are partly
    /// covered already gives its uncovered pieces. Scans over file data go through this:
    /// segments may overlap in the file, and thousands of segments over the same bytes (a
    /// hostile file) must not make a scan read them thousands of times.
    pub fn file_regions(&self, keep: impl Fn(&Segment) -> bool) -> Vec<Segment> {
        // Covered file ranges: start -> end, disjoint, not adjacent.
        let mut covered: std::collections::BTreeMap<u64, u64> = Default::default();
        let mut out = Vec::new();
        for s in self.segments.iter().filter(|s| keep(s)) {
            let lo = s.offset;
            let hi = lo.saturating_add(s.filesz.min(s.memsz));
            if lo >= hi {
                continue;
            }
            let mut over: Vec<(u64, u64)> = covered
                .range(..=hi)
                .rev()
                .take_while(|&(_, &e)| e >= lo)
                .map(|(&a, &b)| (a, b))
                .collect();
            over.reverse();
            let mut cur = lo;
            let mut piece = |a: u64, b: u64| {
                out.push(Segment {
                    vaddr: s.vaddr.wrapping_add(a - lo),
                    memsz: b - a,
                    offset: a,
                    filesz: b - a,
                    ..*s
                });
            };
            for &(a, b) in &over {
                if a > cur {
                    piece(cur, a.min(hi));
                }
                cur = cur.max(b);
            }
            if cur < hi {
                piece(cur, hi);
            }
            let start = over.first().map_or(lo, |o| o.0.min(lo));
            let end = over.last().map_or(hi, |o| o.1.max(hi));
            for (a, _) in &over {
                covered.remove(a);
            }
            covered.insert(start, end);
        }
        out
    }

    /// Sections (empty when the file has no section table).
    pub fn sections(&self) -> &[Section<'a>] {
        &self.sections
    }

    /// The first section with this exact name.
    pub fn section(&self, name: &str) -> Option<&Section<'a>> {
        self.sections.iter().find(|s| s.name == name.as_bytes())
    }

    /// A reader over a section's file bytes (empty for zero-fill sections).
    pub fn section_reader(&self, section: &Section<'a>) -> Result<Reader<'a>> {
        match section.file_range {
            Some((off, len)) => self.reader().sub("section data", off, len),
            None => Ok(Reader::new(&[], 0, self.arch.endian, self.arch.ptr_size)),
        }
    }

    /// Every defined symbol (static and dynamic); decoded on first use.
    pub fn symbols(&self) -> &[Symbol<'a>] {
        self.symbols.get_or_init(|| match &self.symbol_source {
            SymbolSource::Elf(s) => s.collect(),
            SymbolSource::Object(v) => v.clone(),
        })
    }

    /// The defined symbols (as [`Image::symbols`] has them, in the same order) that
    /// `keep(address, size, kind)` accepts. Without decoding every name: a file with a
    /// large `.dynsym` pays for the names of the few symbols wanted only.
    pub(crate) fn symbols_matching(
        &self,
        keep: impl Fn(u64, u64, SymbolKind) -> bool,
    ) -> Vec<Symbol<'a>> {
        if let Some(all) = self.symbols.get() {
            return all
                .iter()
                .filter(|s| keep(s.vaddr, s.size, s.kind))
                .copied()
                .collect();
        }
        match &self.symbol_source {
            SymbolSource::Elf(s) => s.collect_matching(&keep),
            SymbolSource::Object(v) => v
                .iter()
                .filter(|s| keep(s.vaddr, s.size, s.kind))
                .copied()
                .collect(),
        }
    }

    /// True when the file has a static symbol table with entries.
    pub fn has_symbols(&self) -> bool {
        self.symbols().iter().any(|s| !s.dynamic)
    }

    /// The first symbol with this exact name.
    pub fn symbol(&self, name: &str) -> Option<Symbol<'a>> {
        self.symbols()
            .iter()
            .find(|s| s.name == name.as_bytes())
            .copied()
    }

    /// The segment containing `vaddr` in its file-backed part.
    pub fn segment_for(&self, vaddr: u64) -> Option<&Segment> {
        self.segments
            .iter()
            .find(|s| vaddr >= s.vaddr && vaddr - s.vaddr < s.filesz.min(s.memsz))
    }

    /// File offset of a virtual address, when file data backs it.
    pub fn vaddr_to_offset(&self, vaddr: u64) -> Option<u64> {
        let s = self.segment_for(vaddr)?;
        s.offset.checked_add(vaddr - s.vaddr)
    }

    /// `len` bytes at virtual address `vaddr`; all must lie in one segment's file data.
    pub fn read_vaddr(&self, what: &'static str, vaddr: u64, len: u64) -> Result<&'a [u8]> {
        let seg = self
            .segment_for(vaddr)
            .ok_or(Error::Unmapped { what, vaddr })?;
        let within = vaddr - seg.vaddr;
        let avail = seg.filesz.min(seg.memsz) - within;
        if len > avail {
            return Err(Error::Truncated {
                what,
                offset: seg.offset.saturating_add(within),
                need: len,
                have: avail,
            });
        }
        self.reader()
            .bytes_at(what, seg.offset.saturating_add(within), len)
    }

    /// A reader over `len` bytes at `vaddr` (offsets in errors are file offsets).
    pub fn reader_at_vaddr(&self, what: &'static str, vaddr: u64, len: u64) -> Result<Reader<'a>> {
        let bytes = self.read_vaddr(what, vaddr, len)?;
        let off = self.vaddr_to_offset(vaddr).unwrap_or(0);
        Ok(Reader::new(
            bytes,
            off,
            self.arch.endian,
            self.arch.ptr_size,
        ))
    }

    /// A reader from `vaddr` to the end of its segment's file data.
    pub fn reader_from_vaddr(&self, what: &'static str, vaddr: u64) -> Result<Reader<'a>> {
        let seg = self
            .segment_for(vaddr)
            .ok_or(Error::Unmapped { what, vaddr })?;
        let len = seg.filesz.min(seg.memsz) - (vaddr - seg.vaddr);
        self.reader_at_vaddr(what, vaddr, len)
    }

    /// A pointer-sized value at `vaddr`.
    pub fn uptr_at_vaddr(&self, what: &'static str, vaddr: u64) -> Result<u64> {
        let r = self.reader_at_vaddr(what, vaddr, u64::from(self.arch.ptr_size))?;
        r.uptr_at(what, 0)
    }

    /// True when `vaddr` lies in an executable segment.
    pub fn is_exec_vaddr(&self, vaddr: u64) -> bool {
        self.segments
            .iter()
            .any(|s| s.exec && vaddr >= s.vaddr && vaddr - s.vaddr < s.memsz)
    }

    /// True when `vaddr` lies in any segment (file-backed or zero-fill).
    pub fn is_mapped_vaddr(&self, vaddr: u64) -> bool {
        self.segments
            .iter()
            .any(|s| vaddr >= s.vaddr && vaddr - s.vaddr < s.memsz)
    }
}

//! One parsed ELF file: the file header, the program header table and the section header
//! table (gABI "ELF Header", "Program Header", "Sections"), read once per file as `object`'s
//! Pod records (`object::elf::FileHeader32/64`, `ProgramHeader32/64`, `SectionHeader32/64`)
//! and kept as raw numbers and `object::elf` newtypes. Nothing here is spelled the way
//! readelf prints it; names are made when a report is built (`elf::names`).
//!
//! Two views of the same tables are kept:
//! - the tolerant one ([`ElfFile::segments`], [`ElfFile::sections`]): a table that does not
//!   fit in the file gives the entries that do, plus a problem; counts are bounded by
//!   [`limits`]; extended numbering (gABI: `e_phnum == PN_XNUM`, `e_shnum == 0`,
//!   `e_shstrndx == SHN_XINDEX`) is resolved through section 0. `goelf inspect` reports it.
//! - `object`'s strict one (the tables exactly as `object::read::elf::FileHeader` accepts
//!   them, with its error otherwise), which [`crate::image::Image`] is built from, so that the
//!   container-neutral view keeps object's rules and messages.

use object::elf::{
    FileHeader32, FileHeader64, FileType, Machine, ProgramFlags, ProgramType, SectionFlags,
    SectionType, ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, ELFMAG, PN_XNUM, SHN_XINDEX,
    SHT_NOBITS,
};
use object::read::elf::{
    Dyn as _, FileHeader, ProgramHeader as _, SectionHeader as _, SectionTable,
};
use object::{Endianness, ReadRef};

use crate::bytes::{Endian, Reader};
use crate::error::{Error, Problem, Result};
use crate::limits;

/// ELF class (`e_ident[EI_CLASS]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// ELFCLASS32.
    Elf32,
    /// ELFCLASS64.
    Elf64,
}

impl Class {
    /// `ELF32` or `ELF64`, as readelf's `Class:` line and goelf's JSON spell it.
    pub fn name(self) -> &'static str {
        match self {
            Class::Elf32 => "ELF32",
            Class::Elf64 => "ELF64",
        }
    }

    /// Bytes of an address-sized word.
    pub fn word_size(self) -> u8 {
        match self {
            Class::Elf32 => 4,
            Class::Elf64 => 8,
        }
    }
}

/// The file header's fields, raw (extended numbering resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawHeader {
    /// `e_ident[EI_OSABI]`.
    pub osabi: u8,
    /// `e_ident[EI_ABIVERSION]`.
    pub abi_version: u8,
    /// `e_type`.
    pub e_type: FileType,
    /// `e_machine`.
    pub e_machine: Machine,
    /// `e_version`.
    pub e_version: u32,
    /// `e_entry`.
    pub e_entry: u64,
    /// `e_phoff`.
    pub e_phoff: u64,
    /// `e_shoff`.
    pub e_shoff: u64,
    /// `e_flags`.
    pub e_flags: u32,
    /// `e_ehsize`.
    pub e_ehsize: u16,
    /// `e_phentsize`.
    pub e_phentsize: u16,
    /// Program headers (extended numbering resolved).
    pub phnum: u32,
    /// `e_shentsize`.
    pub e_shentsize: u16,
    /// Section headers (extended numbering resolved).
    pub shnum: u32,
    /// Section name string table index (extended numbering resolved).
    pub shstrndx: u32,
}

/// One program header, raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawSegment {
    /// Index in the table.
    pub index: u32,
    /// `p_type`.
    pub p_type: ProgramType,
    /// `p_flags`.
    pub p_flags: ProgramFlags,
    /// `p_offset`.
    pub offset: u64,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_paddr`.
    pub paddr: u64,
    /// `p_filesz`.
    pub filesz: u64,
    /// `p_memsz`.
    pub memsz: u64,
    /// `p_align`.
    pub align: u64,
}

impl RawSegment {
    /// Writable and executable.
    pub fn is_wx(&self) -> bool {
        self.p_flags.contains(object::elf::PF_W | object::elf::PF_X)
    }
}

/// A section's name as the string table gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionName<'a> {
    /// The name bytes.
    Name(&'a [u8]),
    /// No usable section name string table.
    NoTable,
    /// `sh_name` points outside the string table.
    Corrupt,
}

impl SectionName<'_> {
    /// The name as goelf reports it: lossy UTF-8, `""` without a string table,
    /// `<corrupt>` when it points outside it.
    pub fn display(&self) -> String {
        match self {
            SectionName::Name(b) => String::from_utf8_lossy(b).into_owned(),
            SectionName::NoTable => String::new(),
            SectionName::Corrupt => "<corrupt>".into(),
        }
    }

    /// The name bytes, when there are some.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            SectionName::Name(b) => Some(b),
            _ => None,
        }
    }
}

/// One section header, raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawSection<'a> {
    /// Index in the table.
    pub index: u32,
    /// Name from the section header string table.
    pub name: SectionName<'a>,
    /// `sh_type`.
    pub sh_type: SectionType,
    /// `sh_flags`.
    pub sh_flags: SectionFlags,
    /// `sh_addr`.
    pub address: u64,
    /// `sh_offset`.
    pub offset: u64,
    /// `sh_size`.
    pub size: u64,
    /// `sh_link`.
    pub link: u32,
    /// `sh_info`.
    pub info: u32,
    /// `sh_addralign`.
    pub align: u64,
    /// `sh_entsize`.
    pub entsize: u64,
}

impl RawSection<'_> {
    /// The name bytes equal `name`.
    pub fn is_named(&self, name: &str) -> bool {
        self.name.bytes() == Some(name.as_bytes())
    }

    /// A `.tbss`-like section: SHF_TLS and SHT_NOBITS.
    pub fn is_tbss(&self) -> bool {
        self.sh_flags.contains(object::elf::SHF_TLS) && self.sh_type == SHT_NOBITS
    }
}

/// `object`'s strict view of a file, for one class.
pub(crate) struct StrictView<'a, H: FileHeader<Endian = Endianness>> {
    pub endian: Endianness,
    pub program_headers: std::result::Result<&'a [H::ProgramHeader], object::read::Error>,
    pub sections: std::result::Result<SectionTable<'a, H>, object::read::Error>,
}

/// [`StrictView`] of either class.
pub(crate) enum Strict<'a> {
    Elf32(StrictView<'a, FileHeader32<Endianness>>),
    Elf64(StrictView<'a, FileHeader64<Endianness>>),
}

/// One parsed ELF file, borrowing the file's bytes.
pub struct ElfFile<'a> {
    data: &'a [u8],
    class: Class,
    endian: Endian,
    header: RawHeader,
    segments: Vec<RawSegment>,
    sections: Vec<RawSection<'a>>,
    problems: Vec<Problem>,
    strict: std::result::Result<Strict<'a>, object::read::Error>,
}

impl std::fmt::Debug for ElfFile<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElfFile")
            .field("class", &self.class)
            .field("endian", &self.endian)
            .field("header", &self.header)
            .field("segments", &self.segments.len())
            .field("sections", &self.sections.len())
            .finish()
    }
}

impl<'a> ElfFile<'a> {
    /// Parse the headers of `data`. Only an unreadable file header is an error; damaged
    /// tables give what fits and a problem ([`ElfFile::problems`]).
    pub fn parse(data: &'a [u8]) -> Result<ElfFile<'a>> {
        let ident = Reader::new(data, 0, Endian::Little, 8);
        let magic = ident.bytes_at("ELF identification", 0, 16)?;
        if magic.get(..4) != Some(ELFMAG.as_slice()) {
            return Err(Error::UnknownFormat("no ELF magic"));
        }
        let class = ident.u8_at("ELF class", 4)?;
        let endian = endian_of(ident.u8_at("ELF data encoding", 5)?)?;
        match object::elf::FileClass(class) {
            ELFCLASS32 => parse_class::<FileHeader32<Endianness>>(data, Class::Elf32, endian),
            ELFCLASS64 => parse_class::<FileHeader64<Endianness>>(data, Class::Elf64, endian),
            _ => Err(Error::BadValue {
                what: "ELF class (e_ident[EI_CLASS])",
                offset: 4,
                expected: "1 (ELF32) or 2 (ELF64)",
                found: u64::from(class),
            }),
        }
    }

    /// The file's bytes.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// ELF32 or ELF64.
    pub fn class(&self) -> Class {
        self.class
    }

    /// Byte order.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// The file header.
    pub fn header(&self) -> &RawHeader {
        &self.header
    }

    /// Every program header that fits in the file (bounded by
    /// [`limits::MAX_PROGRAM_HEADERS`]).
    pub fn segments(&self) -> &[RawSegment] {
        &self.segments
    }

    /// Every section header that fits in the file (bounded by [`limits::MAX_SECTIONS`]).
    pub fn sections(&self) -> &[RawSection<'a>] {
        &self.sections
    }

    /// Damage found while reading the tables.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// A reader over the whole file with the file's byte order and word size.
    pub fn reader(&self) -> Reader<'a> {
        Reader::new(self.data, 0, self.endian, self.class.word_size())
    }

    /// The first program header of this type.
    pub fn segment(&self, p_type: ProgramType) -> Option<&RawSegment> {
        self.segments.iter().find(|p| p.p_type == p_type)
    }

    /// The program headers of this type, in table order.
    pub fn segments_of(&self, p_type: ProgramType) -> impl Iterator<Item = &RawSegment> + '_ {
        self.segments.iter().filter(move |p| p.p_type == p_type)
    }

    /// The first section with this exact name.
    pub fn section(&self, name: &str) -> Option<&RawSection<'a>> {
        self.sections.iter().find(|s| s.is_named(name))
    }

    /// Map a virtual address to a file offset through the PT_LOAD segments.
    pub fn vaddr_to_offset(&self, vaddr: u64) -> Option<u64> {
        self.segments_of(object::elf::PT_LOAD)
            .find(|p| vaddr >= p.vaddr && vaddr - p.vaddr < p.filesz)
            .and_then(|p| p.offset.checked_add(vaddr - p.vaddr))
    }

    /// The (`d_tag`, `d_val`) pairs of `count` dynamic entries at file offset `offset`, as
    /// many as fit in the file; `Err(i)` with what was read when entry `i` did not fit.
    pub(crate) fn dynamic_entries(&self, offset: u64, count: u64) -> DynResult {
        match &self.strict {
            Ok(Strict::Elf32(v)) => {
                dyn_entries::<FileHeader32<Endianness>>(self.data, v.endian, offset, count)
            }
            Ok(Strict::Elf64(v)) => {
                dyn_entries::<FileHeader64<Endianness>>(self.data, v.endian, offset, count)
            }
            Err(_) => {
                let e = to_object_endian(self.endian);
                match self.class {
                    Class::Elf32 => {
                        dyn_entries::<FileHeader32<Endianness>>(self.data, e, offset, count)
                    }
                    Class::Elf64 => {
                        dyn_entries::<FileHeader64<Endianness>>(self.data, e, offset, count)
                    }
                }
            }
        }
    }

    /// A section by name as `object`'s ELF reader finds it (`.debug_X` also as `.zdebug_X`),
    /// as stored and how it is compressed (`SHF_COMPRESSED` with an ELF compression
    /// header, or a GNU `.zdebug_*` "ZLIB" header). `None` when there is no such section,
    /// or when `object` rejects the program or section header table.
    pub(crate) fn compressed_section(
        &self,
        name: &str,
    ) -> Result<Option<object::read::CompressedData<'a>>> {
        match &self.strict {
            Ok(Strict::Elf32(v)) => compressed_section(v, self.data, name),
            Ok(Strict::Elf64(v)) => compressed_section(v, self.data, name),
            Err(_) => Ok(None),
        }
    }

    /// `object`'s strict view, or why object rejects the file header.
    pub(crate) fn strict(&self) -> std::result::Result<&Strict<'a>, object::read::Error> {
        self.strict.as_ref().map_err(|e| *e)
    }
}

/// What the first bytes of an ELF file say about where it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// `e_ident[EI_CLASS]`.
    pub class: Class,
    /// `e_ident[EI_DATA]`.
    pub endian: Endian,
    /// `e_type`.
    pub e_type: FileType,
    /// `e_machine`.
    pub e_machine: Machine,
}

/// The [`Identity`] of an ELF file from its first bytes (`e_ident`, `e_type`, `e_machine`:
/// at the same place in both classes), `None` when `head` is not ELF.
pub fn elf_identity(head: &[u8]) -> Option<Identity> {
    let r = Reader::new(head, 0, Endian::Little, 8);
    if r.bytes_at("ELF magic", 0, 4).ok()? != ELFMAG.as_slice() {
        return None;
    }
    let class = match object::elf::FileClass(r.u8_at("ELF class", 4).ok()?) {
        ELFCLASS32 => Class::Elf32,
        ELFCLASS64 => Class::Elf64,
        _ => return None,
    };
    let endian = endian_of(r.u8_at("ELF data encoding", 5).ok()?).ok()?;
    let r = r.with_arch(endian, 8);
    // e_type and e_machine (gABI: both Elf_Half) follow e_ident.
    let e_type_at = std::mem::size_of::<object::elf::Ident>() as u64;
    let e_type = r.u16_at("e_type", e_type_at).ok()?;
    let e_machine = r.u16_at("e_machine", e_type_at + 2).ok()?;
    Some(Identity {
        class,
        endian,
        e_type: FileType(e_type),
        e_machine: Machine(e_machine),
    })
}

fn to_object_endian(e: Endian) -> Endianness {
    match e {
        Endian::Little => Endianness::Little,
        Endian::Big => Endianness::Big,
    }
}

/// The byte order of `e_ident[EI_DATA]`.
pub(crate) fn endian_of(data: u8) -> Result<Endian> {
    match object::elf::DataEncoding(data) {
        ELFDATA2LSB => Ok(Endian::Little),
        ELFDATA2MSB => Ok(Endian::Big),
        _ => Err(Error::BadValue {
            what: "ELF data encoding (e_ident[EI_DATA])",
            offset: 5,
            expected: "1 (little-endian) or 2 (big-endian)",
            found: u64::from(data),
        }),
    }
}

type DynResult = std::result::Result<Vec<(u64, u64)>, (Vec<(u64, u64)>, u64)>;

fn dyn_entries<H: FileHeader<Endian = Endianness>>(
    data: &[u8],
    endian: Endianness,
    offset: u64,
    count: u64,
) -> DynResult {
    let size = std::mem::size_of::<H::Dyn>() as u64;
    let fit = (data.len() as u64).saturating_sub(offset) / size;
    let n = count.min(fit);
    let entries: &[H::Dyn] = usize::try_from(n)
        .ok()
        .and_then(|n| data.read_slice_at(offset, n).ok())
        .unwrap_or_default();
    let mut out = Vec::with_capacity(entries.len());
    for d in entries {
        let tag = d.d_tag(endian).0 as u64;
        out.push((tag, d.d_val(endian).into()));
        if tag == object::elf::DT_NULL.0 as u64 {
            return Ok(out);
        }
    }
    if (out.len() as u64) < count {
        let at = out.len() as u64;
        return Err((out, at));
    }
    Ok(out)
}

fn parse_class<'a, H: IntoStrict<'a>>(
    data: &'a [u8],
    class: Class,
    endian: Endian,
) -> Result<ElfFile<'a>> {
    let e = to_object_endian(endian);
    let h: &'a H = data.read_at::<H>(0).map_err(|()| Error::Truncated {
        what: "ELF file header",
        offset: 0,
        need: std::mem::size_of::<H>() as u64,
        have: data.len() as u64,
    })?;
    let ident = h.e_ident();
    let shoff: u64 = h.e_shoff(e).into();
    let shentsize = h.e_shentsize(e);
    let sh_size = std::mem::size_of::<H::SectionHeader>() as u64;
    // Extended numbering (gABI): the real counts live in section 0.
    let section0: Option<&H::SectionHeader> = if shoff == 0 || u64::from(shentsize) != sh_size {
        None
    } else {
        data.read_at(shoff).ok()
    };
    let e_phnum = h.e_phnum(e);
    let e_shnum = h.e_shnum(e);
    let e_shstrndx = h.e_shstrndx(e);
    let phnum = match section0 {
        Some(s0) if e_phnum == PN_XNUM => s0.sh_info(e),
        _ => u32::from(e_phnum),
    };
    let shnum = if e_shnum == 0 && shoff != 0 {
        section0
            .and_then(|s0| u32::try_from(s0.sh_size(e).into()).ok())
            .unwrap_or(0)
    } else {
        u32::from(e_shnum)
    };
    let shstrndx = match section0 {
        Some(s0) if e_shstrndx == SHN_XINDEX => s0.sh_link(e),
        _ => u32::from(e_shstrndx.0),
    };
    let header = RawHeader {
        osabi: ident.os_abi.0,
        abi_version: ident.abi_version,
        e_type: h.e_type(e),
        e_machine: h.e_machine(e),
        e_version: h.e_version(e),
        e_entry: h.e_entry(e).into(),
        e_phoff: h.e_phoff(e).into(),
        e_shoff: shoff,
        e_flags: h.e_flags(e).0,
        e_ehsize: h.e_ehsize(e),
        e_phentsize: h.e_phentsize(e),
        phnum,
        e_shentsize: shentsize,
        shnum,
        shstrndx,
    };
    let mut problems = Vec::new();
    let reader = Reader::new(data, 0, endian, class.word_size());
    let segments = read_segments::<H>(data, e, &header, class, &mut problems);
    let sections = read_sections::<H>(data, e, &header, class, reader, &mut problems);
    let strict = strict_view::<H>(data);
    Ok(ElfFile {
        data,
        class,
        endian,
        header,
        segments,
        sections,
        problems,
        strict,
    })
}

fn strict_view<'a, H: IntoStrict<'a>>(
    data: &'a [u8],
) -> std::result::Result<Strict<'a>, object::read::Error> {
    let header = H::parse(data)?;
    let endian = header.endian()?;
    Ok(H::into_strict(StrictView {
        endian,
        program_headers: header.program_headers(endian, data),
        sections: header.sections(endian, data),
    }))
}

fn compressed_section<'a, H: FileHeader<Endian = Endianness>>(
    view: &StrictView<'a, H>,
    data: &'a [u8],
    name: &str,
) -> Result<Option<object::read::CompressedData<'a>>> {
    use object::read::elf::CompressionHeader as _;
    use object::read::{CompressedFileRange, CompressionFormat};
    let malformed = |message| Error::Malformed {
        format: "DWARF section",
        message,
    };
    let (Ok(_), Ok(table)) = (&view.program_headers, &view.sections) else {
        return Ok(None);
    };
    let e = view.endian;
    let zdebug = name.strip_prefix(".debug_").map(|s| format!(".zdebug_{s}"));
    let found = table
        .section_by_name(e, name.as_bytes())
        .map(|(_, sh)| (sh, name.starts_with(".zdebug_")))
        .or_else(|| {
            let z = zdebug.as_deref()?;
            table
                .section_by_name(e, z.as_bytes())
                .map(|(_, sh)| (sh, true))
        });
    let Some((sh, gnu)) = found else {
        return Ok(None);
    };
    let range = if let Some((header, offset, compressed_size)) = sh
        .compression(e, data)
        .map_err(|err| Error::container("DWARF section", err))?
    {
        let format = match header.ch_type(e) {
            object::elf::ELFCOMPRESS_ZLIB => CompressionFormat::Zlib,
            object::elf::ELFCOMPRESS_ZSTD => CompressionFormat::Zstandard,
            _ => return Err(malformed("Unsupported ELF compression type")),
        };
        CompressedFileRange {
            format,
            offset,
            compressed_size,
            uncompressed_size: header.ch_size(e).into(),
        }
    } else if gnu {
        // GNU-style: "ZLIB", four zero bytes, big-endian u32 size, zlib stream (what
        // object's `gnu_compression` reads).
        let (offset, size) = sh
            .file_range(e)
            .ok_or(malformed("Invalid ELF GNU compressed section type"))?;
        let r = Reader::new(data, 0, Endian::Big, 8);
        let too_short = || malformed("GNU compressed section is too short");
        let magic = r
            .bytes_at("zdebug header", offset, 8)
            .map_err(|_| too_short())?;
        if magic != b"ZLIB\0\0\0\0" {
            return Err(malformed("Invalid GNU compressed section header"));
        }
        let uncompressed = r
            .u32_at("zdebug size", offset.saturating_add(8))
            .map_err(|_| too_short())?;
        CompressedFileRange {
            format: CompressionFormat::Zlib,
            offset: offset.saturating_add(12),
            compressed_size: size.checked_sub(12).ok_or_else(too_short)?,
            uncompressed_size: u64::from(uncompressed),
        }
    } else {
        CompressedFileRange::none(sh.file_range(e))
    };
    range
        .data(data)
        .map(Some)
        .map_err(|err| Error::container("DWARF section", err))
}

/// Implemented by the two file header types: puts a class-generic view into [`Strict`].
pub(crate) trait IntoStrict<'a>: FileHeader<Endian = Endianness> + Sized {
    fn into_strict(view: StrictView<'a, Self>) -> Strict<'a>;
}

impl<'a> IntoStrict<'a> for FileHeader32<Endianness> {
    fn into_strict(view: StrictView<'a, Self>) -> Strict<'a> {
        Strict::Elf32(view)
    }
}

impl<'a> IntoStrict<'a> for FileHeader64<Endianness> {
    fn into_strict(view: StrictView<'a, Self>) -> Strict<'a> {
        Strict::Elf64(view)
    }
}

/// How many table entries of `entsize` at `off` fit in the file; a problem if not all.
fn entries_that_fit(
    len: usize,
    part: &str,
    off: u64,
    count: u64,
    entsize: u64,
    limit: usize,
    problems: &mut Vec<Problem>,
) -> u64 {
    let fit = (len as u64).saturating_sub(off) / entsize.max(1);
    let mut n = count.min(fit);
    if n < count {
        problems.push(Problem::at(format!("{part}.truncated"),format!(
                "{part}: table at offset {off:#x} declares {count} entries but the file holds only {n}"
            ),Some(off)));
    }
    if n > limit as u64 {
        problems.push(Problem::new(
            format!("{part}.too_many"),
            format!("{part}: {n} entries, only the first {limit} are read"),
        ));
        n = limit as u64;
    }
    n
}

fn read_segments<H: FileHeader<Endian = Endianness>>(
    data: &[u8],
    e: Endianness,
    h: &RawHeader,
    class: Class,
    problems: &mut Vec<Problem>,
) -> Vec<RawSegment> {
    if h.e_phoff == 0 || h.phnum == 0 {
        return Vec::new();
    }
    let size = std::mem::size_of::<H::ProgramHeader>() as u64;
    if u64::from(h.e_phentsize) != size {
        problems.push(Problem::new(
            "elf.program_headers.entsize",
            format!(
                "e_phentsize is {} but {} program headers are {} bytes",
                h.e_phentsize,
                class.name(),
                size
            ),
        ));
        return Vec::new();
    }
    let n = entries_that_fit(
        data.len(),
        "elf.program_headers",
        h.e_phoff,
        u64::from(h.phnum),
        size,
        limits::MAX_PROGRAM_HEADERS,
        problems,
    );
    let table: &[H::ProgramHeader] = usize::try_from(n)
        .ok()
        .and_then(|n| data.read_slice_at(h.e_phoff, n).ok())
        .unwrap_or_default();
    (0u32..)
        .zip(table)
        .map(|(index, p)| RawSegment {
            index,
            p_type: p.p_type(e),
            p_flags: p.p_flags(e),
            offset: p.p_offset(e).into(),
            vaddr: p.p_vaddr(e).into(),
            paddr: p.p_paddr(e).into(),
            filesz: p.p_filesz(e).into(),
            memsz: p.p_memsz(e).into(),
            align: p.p_align(e).into(),
        })
        .collect()
}

fn read_sections<'a, H: FileHeader<Endian = Endianness>>(
    data: &'a [u8],
    e: Endianness,
    h: &RawHeader,
    class: Class,
    r: Reader<'a>,
    problems: &mut Vec<Problem>,
) -> Vec<RawSection<'a>> {
    if h.e_shoff == 0 || h.shnum == 0 {
        return Vec::new();
    }
    let size = std::mem::size_of::<H::SectionHeader>() as u64;
    if u64::from(h.e_shentsize) != size {
        problems.push(Problem::new(
            "elf.sections.entsize",
            format!(
                "e_shentsize is {} but {} section headers are {} bytes",
                h.e_shentsize,
                class.name(),
                size
            ),
        ));
        return Vec::new();
    }
    let n = entries_that_fit(
        data.len(),
        "elf.sections",
        h.e_shoff,
        u64::from(h.shnum),
        size,
        limits::MAX_SECTIONS,
        problems,
    );
    let table: &[H::SectionHeader] = usize::try_from(n)
        .ok()
        .and_then(|n| data.read_slice_at(h.e_shoff, n).ok())
        .unwrap_or_default();
    // The section name string table.
    let strtab = usize::try_from(h.shstrndx)
        .ok()
        .and_then(|i| table.get(i))
        .and_then(|s| {
            if s.sh_type(e) == SHT_NOBITS {
                None
            } else {
                r.sub(
                    "section name string table",
                    s.sh_offset(e).into(),
                    s.sh_size(e).into(),
                )
                .ok()
            }
        });
    if strtab.is_none() && h.shstrndx != 0 {
        problems.push(Problem::new(
            "elf.sections.names",
            format!(
                "section name string table (index {}) is missing or outside the file",
                h.shstrndx
            ),
        ));
    }
    let mut bad_names = 0u32;
    let out = (0u32..)
        .zip(table)
        .map(|(index, s)| {
            let name = match strtab {
                Some(t) => {
                    match t.cstr_at("section name", u64::from(s.sh_name(e)), limits::MAX_STRING) {
                        Ok(b) => SectionName::Name(b),
                        Err(_) => {
                            bad_names += 1;
                            SectionName::Corrupt
                        }
                    }
                }
                None => SectionName::NoTable,
            };
            RawSection {
                index,
                name,
                sh_type: s.sh_type(e),
                sh_flags: s.sh_flags(e),
                address: s.sh_addr(e).into(),
                offset: s.sh_offset(e).into(),
                size: s.sh_size(e).into(),
                link: s.sh_link(e),
                info: s.sh_info(e),
                align: s.sh_addralign(e).into(),
                entsize: s.sh_entsize(e).into(),
            }
        })
        .collect();
    if bad_names > 0 {
        problems.push(Problem::new(
            "elf.sections.names",
            format!("{bad_names} section names point outside the string table"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ELF64 little-endian header declaring `phnum` program headers at offset 64, followed
    /// by `present` PT_LOAD entries.
    fn header(phnum: u16, present: usize) -> Vec<u8> {
        let mut d = vec![0u8; 64 + 56 * present];
        d[..4].copy_from_slice(&ELFMAG);
        d[4] = 2;
        d[5] = 1;
        d[6] = 1;
        d[16] = 2; // ET_EXEC
        d[18] = 62; // EM_X86_64
        d[20] = 1;
        d[32] = 64; // e_phoff
        d[52] = 64; // e_ehsize
        d[54] = 56; // e_phentsize
        d[56..58].copy_from_slice(&phnum.to_le_bytes());
        for i in 0..present {
            d[64 + 56 * i] = 1; // PT_LOAD
            d[64 + 56 * i + 4] = 5; // PF_R | PF_X
        }
        d
    }

    #[test]
    fn truncated_program_headers_give_what_fits() {
        let data = header(3, 1);
        let f = ElfFile::parse(&data).expect("header is complete");
        assert_eq!(f.class(), Class::Elf64);
        assert_eq!(f.header().e_machine, object::elf::EM_X86_64);
        assert_eq!(f.segments().len(), 1);
        assert_eq!(f.segments()[0].p_type, object::elf::PT_LOAD);
        assert!(f.segments()[0].p_flags.contains(object::elf::PF_X));
        let codes: Vec<&str> = f.problems().iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["elf.program_headers.truncated"]);
        // object's strict view refuses the table: the image gets no segments.
        match f.strict() {
            Ok(Strict::Elf64(v)) => assert!(v.program_headers.is_err()),
            _ => panic!("expected an ELF64 strict view"),
        }
    }

    #[test]
    fn unreadable_headers_are_errors() {
        assert!(ElfFile::parse(b"\x7fELF").is_err());
        let mut data = header(0, 0);
        data[4] = 3;
        assert!(matches!(
            ElfFile::parse(&data),
            Err(Error::BadValue { offset: 4, .. })
        ));
        data[4] = 2;
        data[5] = 0;
        assert!(matches!(
            ElfFile::parse(&data),
            Err(Error::BadValue { offset: 5, .. })
        ));
        assert!(ElfFile::parse(&data[..40]).is_err());
    }

    #[test]
    fn identity_from_the_first_bytes() {
        let data = header(0, 0);
        let id = elf_identity(&data).expect("ELF");
        assert_eq!(
            (id.class, id.endian, id.e_type, id.e_machine),
            (
                Class::Elf64,
                Endian::Little,
                object::elf::ET_EXEC,
                object::elf::EM_X86_64
            )
        );
        assert_eq!(elf_identity(b"MZ\0\0"), None);
    }
}

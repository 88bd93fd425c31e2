//! The PE headers as `goelf inspect` reports them: the COFF file header, the optional header
//! (PE32 or PE32+), the data directories and the section table, read through `object`'s Pod
//! records (`object::pe::ImageFileHeader`, `ImageOptionalHeader32/64`, `ImageDataDirectory`,
//! `ImageSectionHeader`). Raw values are kept; the winnt.h spellings beside them come from
//! `object`'s constant names (Microsoft, "PE Format": "COFF File Header", "Optional Header",
//! "Section Table"; see docs/FORMATS.md §9).

use object::pe;
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader, PeFile};
use object::LittleEndian as LE;
use object::ObjectSection;
use serde::{Deserialize, Serialize};

use crate::limits;

/// The COFF file header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoffHeader {
    /// `Machine`.
    pub machine: u16,
    /// Its winnt.h name (`IMAGE_FILE_MACHINE_AMD64`), or the number in hex.
    pub machine_name: String,
    /// `NumberOfSections`.
    pub number_of_sections: u16,
    /// `TimeDateStamp` (seconds since 1970; Go writes 0).
    pub time_date_stamp: u32,
    /// `PointerToSymbolTable` (file offset of the COFF symbol table, 0 when none).
    pub pointer_to_symbol_table: u32,
    /// `NumberOfSymbols`.
    pub number_of_symbols: u32,
    /// `SizeOfOptionalHeader`.
    pub size_of_optional_header: u16,
    /// `Characteristics`.
    pub characteristics: u16,
    /// The characteristics' winnt.h names (`IMAGE_FILE_EXECUTABLE_IMAGE`, …), then any
    /// unnamed bits in hex.
    pub characteristics_names: Vec<String>,
}

/// The optional header (every field of PE32 and PE32+; `base_of_data` is PE32 only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionalHeader {
    /// `Magic`: 0x10b (PE32) or 0x20b (PE32+).
    pub magic: u16,
    /// `MajorLinkerVersion`.
    pub major_linker_version: u8,
    /// `MinorLinkerVersion`.
    pub minor_linker_version: u8,
    /// `SizeOfCode`.
    pub size_of_code: u32,
    /// `SizeOfInitializedData`.
    pub size_of_initialized_data: u32,
    /// `SizeOfUninitializedData`.
    pub size_of_uninitialized_data: u32,
    /// `AddressOfEntryPoint` (an RVA; 0 for a DLL without an entry).
    pub address_of_entry_point: u32,
    /// `BaseOfCode`.
    pub base_of_code: u32,
    /// `BaseOfData` (PE32 only).
    pub base_of_data: Option<u32>,
    /// `ImageBase`: the preferred load address.
    pub image_base: u64,
    /// `SectionAlignment`.
    pub section_alignment: u32,
    /// `FileAlignment`.
    pub file_alignment: u32,
    /// `MajorOperatingSystemVersion`.
    pub major_operating_system_version: u16,
    /// `MinorOperatingSystemVersion`.
    pub minor_operating_system_version: u16,
    /// `MajorImageVersion`.
    pub major_image_version: u16,
    /// `MinorImageVersion`.
    pub minor_image_version: u16,
    /// `MajorSubsystemVersion`.
    pub major_subsystem_version: u16,
    /// `MinorSubsystemVersion`.
    pub minor_subsystem_version: u16,
    /// `Win32VersionValue` (reserved, 0).
    pub win32_version_value: u32,
    /// `SizeOfImage`.
    pub size_of_image: u32,
    /// `SizeOfHeaders`.
    pub size_of_headers: u32,
    /// `CheckSum`.
    pub check_sum: u32,
    /// `Subsystem`.
    pub subsystem: u16,
    /// Its winnt.h name (`IMAGE_SUBSYSTEM_WINDOWS_CUI`), or the number.
    pub subsystem_name: String,
    /// `DllCharacteristics`.
    pub dll_characteristics: u16,
    /// Their winnt.h names (`IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE`, …).
    pub dll_characteristics_names: Vec<String>,
    /// `SizeOfStackReserve`.
    pub size_of_stack_reserve: u64,
    /// `SizeOfStackCommit`.
    pub size_of_stack_commit: u64,
    /// `SizeOfHeapReserve`.
    pub size_of_heap_reserve: u64,
    /// `SizeOfHeapCommit`.
    pub size_of_heap_commit: u64,
    /// `LoaderFlags` (reserved, 0).
    pub loader_flags: u32,
    /// `NumberOfRvaAndSizes`: how many data directories follow.
    pub number_of_rva_and_sizes: u32,
}

/// One data directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataDirectory {
    /// Index (0 = export table, …, 15 = reserved).
    pub index: usize,
    /// winnt.h name (`IMAGE_DIRECTORY_ENTRY_EXPORT`, …).
    pub name: String,
    /// `VirtualAddress`: an RVA, except for the certificate table (index 4), where it is a
    /// file offset.
    pub virtual_address: u32,
    /// `Size` in bytes.
    pub size: u32,
}

/// One section header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeSection {
    /// 1-based number, as the PE format counts sections.
    pub number: usize,
    /// The name, with a `/N` long name resolved through the COFF string table.
    pub name: String,
    /// `VirtualSize`.
    pub virtual_size: u32,
    /// `VirtualAddress` (RVA).
    pub virtual_address: u32,
    /// `SizeOfRawData`.
    pub size_of_raw_data: u32,
    /// `PointerToRawData`.
    pub pointer_to_raw_data: u32,
    /// `PointerToRelocations`.
    pub pointer_to_relocations: u32,
    /// `PointerToLinenumbers`.
    pub pointer_to_linenumbers: u32,
    /// `NumberOfRelocations`.
    pub number_of_relocations: u16,
    /// `NumberOfLinenumbers`.
    pub number_of_linenumbers: u16,
    /// `Characteristics`.
    pub characteristics: u32,
    /// Their winnt.h names (`IMAGE_SCN_CNT_CODE`, `IMAGE_SCN_ALIGN_1BYTES`, …).
    pub characteristics_names: Vec<String>,
    /// readelf-like short flags: `R`, `W`, `X` (memory permissions), `D` (discardable).
    pub flags: String,
}

/// Names of the set bits of `value` from `names`, then the unnamed remainder in hex.
fn flag_list<T: object::Wrap + Copy>(names: &object::FlagNames<T>, value: T) -> Vec<String>
where
    T::Inner: Copy
        + PartialEq
        + std::ops::BitAnd<Output = T::Inner>
        + std::ops::Not<Output = T::Inner>
        + Into<u64>,
{
    let mut out = Vec::new();
    let rest = names.names(value, |_, n| out.push(n.to_string()));
    let rest: u64 = rest.into();
    if rest != 0 {
        out.push(format!("{rest:#x}"));
    }
    out
}

pub(super) fn coff_header(h: &pe::ImageFileHeader) -> CoffHeader {
    let machine = h.machine.get(LE);
    let characteristics = h.characteristics.get(LE);
    CoffHeader {
        machine: machine.0,
        machine_name: machine
            .name()
            .map_or_else(|| format!("{:#x}", machine.0), str::to_string),
        number_of_sections: h.number_of_sections.get(LE),
        time_date_stamp: h.time_date_stamp.get(LE),
        pointer_to_symbol_table: h.pointer_to_symbol_table.get(LE),
        number_of_symbols: h.number_of_symbols.get(LE),
        size_of_optional_header: h.size_of_optional_header.get(LE),
        characteristics: characteristics.0,
        characteristics_names: flag_list(pe::FileFlags::NAMES, characteristics),
    }
}

pub(super) fn optional_header<O: ImageOptionalHeader>(o: &O) -> OptionalHeader {
    let subsystem = o.subsystem();
    let dll = o.dll_characteristics();
    OptionalHeader {
        magic: o.magic(),
        major_linker_version: o.major_linker_version(),
        minor_linker_version: o.minor_linker_version(),
        size_of_code: o.size_of_code(),
        size_of_initialized_data: o.size_of_initialized_data(),
        size_of_uninitialized_data: o.size_of_uninitialized_data(),
        address_of_entry_point: o.address_of_entry_point(),
        base_of_code: o.base_of_code(),
        base_of_data: o.base_of_data(),
        image_base: o.image_base(),
        section_alignment: o.section_alignment(),
        file_alignment: o.file_alignment(),
        major_operating_system_version: o.major_operating_system_version(),
        minor_operating_system_version: o.minor_operating_system_version(),
        major_image_version: o.major_image_version(),
        minor_image_version: o.minor_image_version(),
        major_subsystem_version: o.major_subsystem_version(),
        minor_subsystem_version: o.minor_subsystem_version(),
        win32_version_value: o.win32_version_value(),
        size_of_image: o.size_of_image(),
        size_of_headers: o.size_of_headers(),
        check_sum: o.check_sum(),
        subsystem: subsystem.0,
        subsystem_name: subsystem
            .name()
            .map_or_else(|| subsystem.0.to_string(), str::to_string),
        dll_characteristics: dll.0,
        dll_characteristics_names: flag_list(pe::DllFlags::NAMES, dll),
        size_of_stack_reserve: o.size_of_stack_reserve(),
        size_of_stack_commit: o.size_of_stack_commit(),
        size_of_heap_reserve: o.size_of_heap_reserve(),
        size_of_heap_commit: o.size_of_heap_commit(),
        loader_flags: o.loader_flags(),
        number_of_rva_and_sizes: o.number_of_rva_and_sizes(),
    }
}

/// The name of data directory `index`.
pub(crate) fn directory_name(index: usize) -> String {
    pe::NAMES_DIRECTORY_ENTRY
        .name(index)
        .map_or_else(|| format!("directory {index}"), str::to_string)
}

pub(super) fn data_directories<Pe: ImageNtHeaders>(file: &PeFile<'_, Pe>) -> Vec<DataDirectory> {
    file.data_directories()
        .enumerate()
        .map(|(index, d)| DataDirectory {
            index,
            name: directory_name(index),
            virtual_address: d.virtual_address.get(LE),
            size: d.size.get(LE),
        })
        .collect()
}

/// `R`/`W`/`X`/`D` of a section's characteristics.
pub(crate) fn short_flags(c: pe::SectionFlags) -> String {
    let mut s = String::new();
    for (bit, ch) in [
        (pe::IMAGE_SCN_MEM_READ, 'R'),
        (pe::IMAGE_SCN_MEM_WRITE, 'W'),
        (pe::IMAGE_SCN_MEM_EXECUTE, 'X'),
        (pe::IMAGE_SCN_MEM_DISCARDABLE, 'D'),
    ] {
        if c.contains(bit) {
            s.push(ch);
        }
    }
    s
}

pub(super) fn sections<Pe: ImageNtHeaders>(file: &PeFile<'_, Pe>) -> Vec<PeSection> {
    use object::Object;
    file.sections()
        .take(limits::MAX_SECTIONS)
        .enumerate()
        .map(|(i, s)| {
            let h = s.pe_section();
            let raw_name = h.raw_name();
            let name = s
                .name_bytes()
                .unwrap_or(raw_name)
                .iter()
                .copied()
                .take_while(|&b| b != 0)
                .collect::<Vec<u8>>();
            let c = h.characteristics.get(LE);
            PeSection {
                number: i + 1,
                name: String::from_utf8_lossy(&name).into_owned(),
                virtual_size: h.virtual_size.get(LE),
                virtual_address: h.virtual_address.get(LE),
                size_of_raw_data: h.size_of_raw_data.get(LE),
                pointer_to_raw_data: h.pointer_to_raw_data.get(LE),
                pointer_to_relocations: h.pointer_to_relocations.get(LE),
                pointer_to_linenumbers: h.pointer_to_linenumbers.get(LE),
                number_of_relocations: h.number_of_relocations.get(LE),
                number_of_linenumbers: h.number_of_linenumbers.get(LE),
                characteristics: c.0,
                characteristics_names: flag_list(pe::SectionFlags::NAMES, c),
                flags: short_flags(c),
            }
        })
        .collect()
}

//! The PE data directories `goelf inspect` decodes: imports (`IMAGE_DIRECTORY_ENTRY_IMPORT`,
//! through `object::read::pe::ImportTable`), exports (`ExportTable`), the TLS directory
//! (`object::pe::ImageTlsDirectory32/64` and its callback array), the debug directory
//! (`ImageDebugDirectory` records and the CodeView `RSDS` record with the PDB path) and the
//! Authenticode certificate table (`WIN_CERTIFICATE` entries). Microsoft, "PE Format":
//! "The .idata Section", "The .edata Section", "The .tls Section", "The .debug Section",
//! "The Attribute Certificate Table"; see docs/FORMATS.md §9.

use object::pe;
use object::read::pe::{ExportTarget, ImageNtHeaders, Import, PeFile};
use object::read::ReadRef;
use object::LittleEndian as LE;
use serde::{Deserialize, Serialize};

use crate::error::Problem;
use crate::limits;

/// The functions imported from one DLL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportDll {
    /// The DLL's name as stored (`kernel32.dll`).
    pub name: String,
    /// `OriginalFirstThunk`: RVA of the import lookup table (0 when absent).
    pub import_lookup_table_rva: u32,
    /// `FirstThunk`: RVA of the import address table.
    pub import_address_table_rva: u32,
    /// The imported functions, in table order.
    pub symbols: Vec<ImportSymbol>,
}

/// One imported function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSymbol {
    /// The name, for an import by name.
    pub name: Option<String>,
    /// The hint (index into the DLL's export name table), for an import by name.
    pub hint: Option<u16>,
    /// The ordinal, for an import by ordinal.
    pub ordinal: Option<u16>,
}

/// The export directory of a DLL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exports {
    /// The DLL name the directory records.
    pub dll_name: Option<String>,
    /// `Base`: the first ordinal.
    pub ordinal_base: u32,
    /// Every export, by ordinal.
    pub entries: Vec<Export>,
}

/// One export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    /// The ordinal.
    pub ordinal: u16,
    /// The name, when the export has one.
    pub name: Option<String>,
    /// The RVA of the exported code or data (absent for a forwarder).
    pub rva: Option<u32>,
    /// `DLL.name` or `DLL.#ordinal` for an export forwarded to another DLL.
    pub forward: Option<String>,
}

/// The TLS directory, with its callbacks (which the loader runs before the entry point).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsDirectory {
    /// `StartAddressOfRawData` (a VA).
    pub start_address_of_raw_data: u64,
    /// `EndAddressOfRawData` (a VA).
    pub end_address_of_raw_data: u64,
    /// `AddressOfIndex` (a VA).
    pub address_of_index: u64,
    /// `AddressOfCallBacks` (a VA of a null-terminated array of VAs; 0 when none).
    pub address_of_callbacks: u64,
    /// `SizeOfZeroFill`.
    pub size_of_zero_fill: u32,
    /// `Characteristics`.
    pub characteristics: u32,
    /// The callback VAs, in the order the loader calls them.
    pub callbacks: Vec<u64>,
}

/// One debug directory entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebugEntry {
    /// `Characteristics`.
    pub characteristics: u32,
    /// `TimeDateStamp`.
    pub time_date_stamp: u32,
    /// `MajorVersion`.
    pub major_version: u16,
    /// `MinorVersion`.
    pub minor_version: u16,
    /// `Type`.
    pub r#type: u32,
    /// Its winnt.h name (`IMAGE_DEBUG_TYPE_CODEVIEW`), or the number.
    pub type_name: String,
    /// `SizeOfData`.
    pub size_of_data: u32,
    /// `AddressOfRawData` (RVA).
    pub address_of_raw_data: u32,
    /// `PointerToRawData` (file offset).
    pub pointer_to_raw_data: u32,
    /// The CodeView PDB 7.0 record, for a CodeView entry holding one.
    pub pdb: Option<PdbInfo>,
}

/// A CodeView `RSDS` record: which PDB matches this image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdbInfo {
    /// The signature, `0x53445352` ("RSDS").
    pub signature: u32,
    /// The GUID's 16 bytes in file order, hex.
    pub guid: String,
    /// The age.
    pub age: u32,
    /// The PDB path (may be empty).
    pub path: String,
}

/// The Authenticode certificate table (`IMAGE_DIRECTORY_ENTRY_SECURITY`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateTable {
    /// File offset (this directory holds a file offset, not an RVA).
    pub offset: u32,
    /// Size in bytes.
    pub size: u32,
    /// The table lies inside the file.
    pub in_file: bool,
    /// Its `WIN_CERTIFICATE` entries.
    pub entries: Vec<Certificate>,
}

/// One `WIN_CERTIFICATE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// `dwLength` (header included).
    pub length: u32,
    /// `wRevision` (0x200 = WIN_CERT_REVISION_2_0).
    pub revision: u16,
    /// `wCertificateType` (2 = WIN_CERT_TYPE_PKCS_SIGNED_DATA).
    pub certificate_type: u16,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub(super) fn imports<Pe: ImageNtHeaders>(
    file: &PeFile<'_, Pe>,
    problems: &mut Vec<Problem>,
) -> Vec<ImportDll> {
    let mut out = Vec::new();
    let table = match file.import_table() {
        Ok(Some(t)) => t,
        Ok(None) => return out,
        Err(e) => {
            problems.push(Problem::new("pe.imports", format!("import table: {e}")));
            return out;
        }
    };
    let mut descriptors = match table.descriptors() {
        Ok(d) => d,
        Err(e) => {
            problems.push(Problem::new("pe.imports", format!("import table: {e}")));
            return out;
        }
    };
    let mut total = 0usize;
    loop {
        let d = match descriptors.next() {
            Ok(Some(d)) => d,
            Ok(None) => break,
            Err(e) => {
                problems.push(Problem::new(
                    "pe.imports",
                    format!("import descriptor: {e}"),
                ));
                break;
            }
        };
        if out.len() >= limits::MAX_IMPORT_DLLS {
            problems.push(Problem::new(
                "pe.imports",
                format!(
                    "more than {} import descriptors; the rest are not read",
                    limits::MAX_IMPORT_DLLS
                ),
            ));
            break;
        }
        let name = match table.name(d.name.get(LE)) {
            Ok(n) => text(n),
            Err(e) => {
                problems.push(Problem::new("pe.imports", format!("import DLL name: {e}")));
                String::from("?")
            }
        };
        let lookup = d.original_first_thunk.get(LE);
        let iat = d.first_thunk.get(LE);
        let mut symbols = Vec::new();
        let start = if lookup != 0 { lookup } else { iat };
        match table.thunks(start) {
            Ok(mut thunks) => loop {
                let t = match thunks.next::<Pe>() {
                    Ok(Some(t)) => t,
                    Ok(None) => break,
                    Err(e) => {
                        problems.push(Problem::new("pe.imports", format!("{name}: {e}")));
                        break;
                    }
                };
                if total >= limits::MAX_IMPORTS {
                    problems.push(Problem::new(
                        "pe.imports",
                        format!(
                            "more than {} imports; the rest are not read",
                            limits::MAX_IMPORTS
                        ),
                    ));
                    break;
                }
                total += 1;
                symbols.push(match table.import::<Pe>(t) {
                    Ok(Import::Ordinal(o)) => ImportSymbol {
                        name: None,
                        hint: None,
                        ordinal: Some(o),
                    },
                    Ok(Import::Name(hint, n)) => ImportSymbol {
                        name: Some(text(n)),
                        hint: Some(hint),
                        ordinal: None,
                    },
                    Err(e) => {
                        problems.push(Problem::new("pe.imports", format!("{name}: {e}")));
                        break;
                    }
                });
            },
            Err(e) => problems.push(Problem::new("pe.imports", format!("{name}: {e}"))),
        }
        out.push(ImportDll {
            name,
            import_lookup_table_rva: lookup,
            import_address_table_rva: iat,
            symbols,
        });
    }
    out
}

pub(super) fn exports<Pe: ImageNtHeaders>(
    file: &PeFile<'_, Pe>,
    problems: &mut Vec<Problem>,
) -> Option<Exports> {
    let table = match file.export_table() {
        Ok(Some(t)) => t,
        Ok(None) => return None,
        Err(e) => {
            problems.push(Problem::new("pe.exports", format!("export table: {e}")));
            return None;
        }
    };
    let dir = table.directory();
    let dll_name = table.name_from_pointer(dir.name.get(LE)).ok().map(text);
    // object sizes this by the address table, itself bounded by the directory's bytes.
    let list = match table.exports() {
        Ok(l) => l,
        Err(e) => {
            problems.push(Problem::new("pe.exports", format!("export table: {e}")));
            Vec::new()
        }
    };
    let mut entries: Vec<Export> = list
        .into_iter()
        .take(limits::MAX_EXPORTS)
        .map(|e| {
            let (rva, forward) = match e.target {
                ExportTarget::Address(a) => (Some(a), None),
                ExportTarget::ForwardByName(dll, name) => {
                    (None, Some(format!("{}.{}", text(dll), text(name))))
                }
                ExportTarget::ForwardByOrdinal(dll, ord) => {
                    (None, Some(format!("{}.#{}", text(dll), ord.0)))
                }
            };
            Export {
                ordinal: e.ordinal.0,
                name: e.name.map(text),
                rva,
                forward,
            }
        })
        .collect();
    entries.sort_by_key(|e| e.ordinal);
    Some(Exports {
        dll_name,
        ordinal_base: dir.base.get(LE),
        entries,
    })
}

/// The bytes of data directory `index` (None when it is empty or does not map).
fn directory_bytes<'data, Pe: ImageNtHeaders>(
    file: &PeFile<'data, Pe>,
    index: usize,
    what: &str,
    problems: &mut Vec<Problem>,
) -> Option<&'data [u8]> {
    let d = file.data_directory(index)?;
    match d.data(file.data(), &file.section_table()) {
        Ok(b) => Some(b),
        Err(e) => {
            problems.push(Problem::new(
                "pe.directory",
                format!(
                    "{what} at RVA {:#x} ({} bytes): {e}",
                    d.virtual_address.get(LE),
                    d.size.get(LE)
                ),
            ));
            None
        }
    }
}

/// The bytes from virtual address `va` to the end of its section's file data.
pub(crate) fn bytes_at_va<'data, Pe: ImageNtHeaders>(
    file: &PeFile<'data, Pe>,
    va: u64,
) -> Option<&'data [u8]> {
    use object::read::pe::ImageOptionalHeader;
    let base = file.nt_headers().optional_header().image_base();
    let rva = u32::try_from(va.checked_sub(base)?).ok()?;
    file.section_table().pe_data_at(file.data(), rva)
}

pub(super) fn tls<Pe: ImageNtHeaders>(
    file: &PeFile<'_, Pe>,
    problems: &mut Vec<Problem>,
) -> Option<TlsDirectory> {
    let bytes = directory_bytes(
        file,
        pe::IMAGE_DIRECTORY_ENTRY_TLS,
        "TLS directory",
        problems,
    )?;
    let is64 = file.nt_headers().is_type_64();
    let mut t = if is64 {
        let Ok((d, _)) = object::pod::from_bytes::<pe::ImageTlsDirectory64>(bytes) else {
            problems.push(Problem::new(
                "pe.tls",
                "TLS directory shorter than its record",
            ));
            return None;
        };
        TlsDirectory {
            start_address_of_raw_data: d.start_address_of_raw_data.get(LE),
            end_address_of_raw_data: d.end_address_of_raw_data.get(LE),
            address_of_index: d.address_of_index.get(LE),
            address_of_callbacks: d.address_of_call_backs.get(LE),
            size_of_zero_fill: d.size_of_zero_fill.get(LE),
            characteristics: d.characteristics.get(LE),
            callbacks: Vec::new(),
        }
    } else {
        let Ok((d, _)) = object::pod::from_bytes::<pe::ImageTlsDirectory32>(bytes) else {
            problems.push(Problem::new(
                "pe.tls",
                "TLS directory shorter than its record",
            ));
            return None;
        };
        TlsDirectory {
            start_address_of_raw_data: d.start_address_of_raw_data.get(LE).into(),
            end_address_of_raw_data: d.end_address_of_raw_data.get(LE).into(),
            address_of_index: d.address_of_index.get(LE).into(),
            address_of_callbacks: d.address_of_call_backs.get(LE).into(),
            size_of_zero_fill: d.size_of_zero_fill.get(LE),
            characteristics: d.characteristics.get(LE),
            callbacks: Vec::new(),
        }
    };
    if t.address_of_callbacks != 0 {
        match bytes_at_va(file, t.address_of_callbacks) {
            None => problems.push(Problem::new(
                "pe.tls",
                format!(
                    "TLS callback array at {:#x} is not backed by section data",
                    t.address_of_callbacks
                ),
            )),
            Some(arr) => {
                let width = if is64 { 8 } else { 4 };
                let mut terminated = false;
                for w in arr.chunks_exact(width).take(limits::MAX_TLS_CALLBACKS) {
                    let v = if is64 {
                        w.try_into().map(u64::from_le_bytes).unwrap_or(0)
                    } else {
                        w.try_into().map(u32::from_le_bytes).map_or(0, u64::from)
                    };
                    if v == 0 {
                        terminated = true;
                        break;
                    }
                    t.callbacks.push(v);
                }
                if !terminated {
                    problems.push(Problem::new(
                        "pe.tls",
                        format!(
                            "TLS callback array at {:#x} has no null terminator within its section (or {} entries)",
                            t.address_of_callbacks,
                            limits::MAX_TLS_CALLBACKS
                        ),
                    ));
                }
            }
        }
    }
    Some(t)
}

pub(super) fn debug<Pe: ImageNtHeaders>(
    file: &PeFile<'_, Pe>,
    problems: &mut Vec<Problem>,
) -> Vec<DebugEntry> {
    let Some(bytes) = directory_bytes(
        file,
        pe::IMAGE_DIRECTORY_ENTRY_DEBUG,
        "debug directory",
        problems,
    ) else {
        return Vec::new();
    };
    let n = bytes.len() / std::mem::size_of::<pe::ImageDebugDirectory>();
    let Ok((dirs, _)) = object::pod::slice_from_bytes::<pe::ImageDebugDirectory>(bytes, n) else {
        return Vec::new();
    };
    let data = file.data();
    dirs.iter()
        .map(|d| {
            let typ = d.typ.get(LE);
            let size = d.size_of_data.get(LE);
            let ptr = d.pointer_to_raw_data.get(LE);
            let pdb = if typ == pe::IMAGE_DEBUG_TYPE_CODEVIEW {
                data.read_bytes_at(ptr.into(), size.into())
                    .ok()
                    .and_then(codeview)
            } else {
                None
            };
            DebugEntry {
                characteristics: d.characteristics.get(LE),
                time_date_stamp: d.time_date_stamp.get(LE),
                major_version: d.major_version.get(LE),
                minor_version: d.minor_version.get(LE),
                r#type: typ.0,
                type_name: typ.name().map_or_else(|| typ.0.to_string(), str::to_string),
                size_of_data: size,
                address_of_raw_data: d.address_of_raw_data.get(LE),
                pointer_to_raw_data: ptr,
                pdb,
            }
        })
        .collect()
}

/// A CodeView PDB 7.0 record: "RSDS", GUID (16 bytes), age (u32), NUL-terminated path.
fn codeview(b: &[u8]) -> Option<PdbInfo> {
    let sig = b.get(..4)?;
    if sig != b"RSDS" {
        return None;
    }
    let guid = b.get(4..20)?;
    let age = u32::from_le_bytes(b.get(20..24)?.try_into().ok()?);
    let rest = b.get(24..).unwrap_or_default();
    let path = rest.split(|&c| c == 0).next().unwrap_or_default();
    Some(PdbInfo {
        signature: u32::from_le_bytes(sig.try_into().ok()?),
        guid: guid.iter().map(|x| format!("{x:02x}")).collect(),
        age,
        path: text(path),
    })
}

pub(super) fn certificates<Pe: ImageNtHeaders>(
    file: &PeFile<'_, Pe>,
    problems: &mut Vec<Problem>,
) -> Option<CertificateTable> {
    let d = file.data_directory(pe::IMAGE_DIRECTORY_ENTRY_SECURITY)?;
    let (offset, size) = (d.virtual_address.get(LE), d.size.get(LE));
    let data = file.data();
    let table = data
        .get(offset as usize..)
        .and_then(|t| t.get(..size as usize));
    let mut entries = Vec::new();
    if let Some(mut t) = table {
        // Each entry: dwLength (u32), wRevision (u16), wCertificateType (u16), the
        // certificate, padded to 8 bytes.
        while t.len() >= 8 && entries.len() < limits::MAX_CERTIFICATES {
            let length = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
            let revision = u16::from_le_bytes([t[4], t[5]]);
            let certificate_type = u16::from_le_bytes([t[6], t[7]]);
            entries.push(Certificate {
                length,
                revision,
                certificate_type,
            });
            let step = (u64::from(length) + 7) & !7;
            if step < 8 || step > t.len() as u64 {
                if step > t.len() as u64 {
                    problems.push(Problem::new(
                        "pe.certificate",
                        format!("certificate entry of {length} bytes runs past its table"),
                    ));
                }
                break;
            }
            t = t.get(step as usize..).unwrap_or_default();
        }
    } else {
        problems.push(Problem::new(
            "pe.certificate",
            format!(
                "certificate table at file offset {offset:#x} ({size} bytes) runs past the end of the file"
            ),
        ));
    }
    Some(CertificateTable {
        offset,
        size,
        in_file: table.is_some(),
        entries,
    })
}

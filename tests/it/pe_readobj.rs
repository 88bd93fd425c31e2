//! `goelf inspect` on PE files against `llvm-readobj --file-headers --sections --coff-imports
//! --coff-exports --coff-tls-directory --coff-debug-directory --coff-basereloc` (LLVM 14,
//! goldens written by `testdata/regen.sh containers`): every header field, data directory,
//! section, import, export, TLS and debug directory field, the base relocation counts by
//! type and the pages they touch, and the certificate table.

use crate::common::{self, llvm, Fixture};

use goelf::inspect::{inspect_bytes, InspectOptions};
use goelf::pe::PeReport;

fn report(f: &Fixture) -> PeReport {
    let r = common::inspect_container(f);
    assert_eq!(r.format.as_deref(), Some("pe"));
    r.pe.unwrap_or_else(|| panic!("{}: no PE report", f.name))
}

fn pe_fixtures() -> Vec<Fixture> {
    let v = common::llvm_fixtures("windows");
    assert!(
        v.len() >= 3,
        "PE fixtures with llvm-readobj goldens: {}",
        v.len()
    );
    v
}

/// llvm-readobj spells the DllCharacteristics `IMAGE_DLL_CHARACTERISTICS_*`; winnt.h (and
/// goelf) `IMAGE_DLLCHARACTERISTICS_*`.
fn winnt(name: &str) -> String {
    name.replace("IMAGE_DLL_CHARACTERISTICS_", "IMAGE_DLLCHARACTERISTICS_")
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn pe_headers_equal_llvm_readobj() {
    for f in pe_fixtures() {
        let p = report(&f);
        let root = llvm::parse(&f.golden("llvm-readobj.txt").unwrap());
        let n = &f.name;
        let fh = root.get("ImageFileHeader").unwrap();
        let c = &p.coff_header;
        assert_eq!(u64::from(c.machine), fh.num("Machine"), "{n}: Machine");
        assert_eq!(
            c.machine_name,
            fh.val("Machine").split(' ').next().unwrap(),
            "{n}"
        );
        assert_eq!(
            u64::from(c.number_of_sections),
            fh.num("SectionCount"),
            "{n}"
        );
        assert_eq!(u64::from(c.time_date_stamp), fh.num("TimeDateStamp"), "{n}");
        assert_eq!(
            u64::from(c.pointer_to_symbol_table),
            fh.num("PointerToSymbolTable"),
            "{n}"
        );
        assert_eq!(u64::from(c.number_of_symbols), fh.num("SymbolCount"), "{n}");
        assert_eq!(
            u64::from(c.size_of_optional_header),
            fh.num("OptionalHeaderSize"),
            "{n}"
        );
        assert_eq!(
            u64::from(c.characteristics),
            fh.flag_value("Characteristics"),
            "{n}"
        );
        assert_eq!(
            sorted(c.characteristics_names.clone()),
            sorted(fh.flag_names("Characteristics")),
            "{n}: file characteristics"
        );

        let oh = root.get("ImageOptionalHeader").unwrap();
        let o = &p.optional_header;
        let pairs: [(&str, u64); 27] = [
            ("Magic", o.magic.into()),
            ("MajorLinkerVersion", o.major_linker_version.into()),
            ("MinorLinkerVersion", o.minor_linker_version.into()),
            ("SizeOfCode", o.size_of_code.into()),
            ("SizeOfInitializedData", o.size_of_initialized_data.into()),
            (
                "SizeOfUninitializedData",
                o.size_of_uninitialized_data.into(),
            ),
            ("AddressOfEntryPoint", o.address_of_entry_point.into()),
            ("BaseOfCode", o.base_of_code.into()),
            ("ImageBase", o.image_base),
            ("SectionAlignment", o.section_alignment.into()),
            ("FileAlignment", o.file_alignment.into()),
            (
                "MajorOperatingSystemVersion",
                o.major_operating_system_version.into(),
            ),
            (
                "MinorOperatingSystemVersion",
                o.minor_operating_system_version.into(),
            ),
            ("MajorImageVersion", o.major_image_version.into()),
            ("MinorImageVersion", o.minor_image_version.into()),
            ("MajorSubsystemVersion", o.major_subsystem_version.into()),
            ("MinorSubsystemVersion", o.minor_subsystem_version.into()),
            ("SizeOfImage", o.size_of_image.into()),
            ("SizeOfHeaders", o.size_of_headers.into()),
            ("Subsystem", o.subsystem.into()),
            ("SizeOfStackReserve", o.size_of_stack_reserve),
            ("SizeOfStackCommit", o.size_of_stack_commit),
            ("SizeOfHeapReserve", o.size_of_heap_reserve),
            ("SizeOfHeapCommit", o.size_of_heap_commit),
            ("NumberOfRvaAndSize", o.number_of_rva_and_sizes.into()),
            ("Characteristics", 0),
            ("Magic", o.magic.into()),
        ];
        for (k, v) in pairs {
            if k == "Characteristics" {
                assert_eq!(
                    u64::from(o.dll_characteristics),
                    oh.flag_value(k),
                    "{n}: {k}"
                );
                continue;
            }
            assert_eq!(v, oh.num(k), "{n}: optional header {k}");
        }
        assert_eq!(
            o.subsystem_name,
            oh.val("Subsystem").split(' ').next().unwrap(),
            "{n}"
        );
        match o.base_of_data {
            Some(b) => assert_eq!(u64::from(b), oh.num("BaseOfData"), "{n}"),
            None => assert!(oh.get("BaseOfData").is_none(), "{n}"),
        }
        let want: Vec<String> = oh
            .flag_names("Characteristics")
            .iter()
            .map(|s| winnt(s))
            .collect();
        assert_eq!(
            sorted(o.dll_characteristics_names.clone()),
            sorted(want),
            "{n}: DLL characteristics"
        );
        // Data directories: llvm prints RVA/Size pairs in index order.
        let dd = oh.get("DataDirectory").unwrap();
        let vals: Vec<u64> = dd
            .children
            .iter()
            .map(|c| llvm::parse_num(&c.value).unwrap())
            .collect();
        assert_eq!(
            vals.len(),
            2 * p.data_directories.len(),
            "{n}: directory count"
        );
        for (d, pair) in p.data_directories.iter().zip(vals.chunks(2)) {
            assert_eq!(u64::from(d.virtual_address), pair[0], "{n}: {} RVA", d.name);
            assert_eq!(u64::from(d.size), pair[1], "{n}: {} size", d.name);
        }
    }
}

#[test]
fn pe_sections_equal_llvm_readobj() {
    for f in pe_fixtures() {
        let p = report(&f);
        let root = llvm::parse(&f.golden("llvm-readobj.txt").unwrap());
        let n = &f.name;
        let secs: Vec<&llvm::Node> = root.get("Sections").unwrap().all("Section").collect();
        assert_eq!(secs.len(), p.sections.len(), "{n}: section count");
        for (s, l) in p.sections.iter().zip(secs) {
            assert_eq!(s.number as u64, l.num("Number"), "{n}");
            assert_eq!(
                s.name,
                l.val("Name").split(" (").next().unwrap(),
                "{n}: name"
            );
            for (k, v) in [
                ("VirtualSize", s.virtual_size),
                ("VirtualAddress", s.virtual_address),
                ("RawDataSize", s.size_of_raw_data),
                ("PointerToRawData", s.pointer_to_raw_data),
                ("PointerToRelocations", s.pointer_to_relocations),
                ("PointerToLineNumbers", s.pointer_to_linenumbers),
            ] {
                assert_eq!(u64::from(v), l.num(k), "{n}: {} {k}", s.name);
            }
            assert_eq!(
                u64::from(s.number_of_relocations),
                l.num("RelocationCount"),
                "{n}"
            );
            assert_eq!(
                u64::from(s.number_of_linenumbers),
                l.num("LineNumberCount"),
                "{n}"
            );
            assert_eq!(
                u64::from(s.characteristics),
                l.flag_value("Characteristics"),
                "{n}"
            );
            assert_eq!(
                sorted(s.characteristics_names.clone()),
                sorted(l.flag_names("Characteristics")),
                "{n}: {} characteristics",
                s.name
            );
        }
        for c in &p.loader_checks {
            assert!(c.ok, "{n}: loader check {} failed: {}", c.check, c.detail);
        }
    }
}

#[test]
fn pe_imports_exports_equal_llvm_readobj() {
    let mut exports_seen = 0;
    for f in pe_fixtures() {
        let p = report(&f);
        let root = llvm::parse(&f.golden("llvm-readobj.txt").unwrap());
        let n = &f.name;
        let imps: Vec<&llvm::Node> = root.all("Import").collect();
        assert_eq!(imps.len(), p.imports.len(), "{n}: import DLLs");
        assert!(!imps.is_empty(), "{n}: a Go PE imports kernel32");
        for (d, l) in p.imports.iter().zip(imps) {
            assert_eq!(d.name, l.val("Name"), "{n}");
            assert_eq!(
                u64::from(d.import_lookup_table_rva),
                l.num("ImportLookupTableRVA"),
                "{n}"
            );
            assert_eq!(
                u64::from(d.import_address_table_rva),
                l.num("ImportAddressTableRVA"),
                "{n}"
            );
            let want: Vec<&str> = l.all("Symbol").map(|s| s.value.as_str()).collect();
            let got: Vec<String> = d
                .symbols
                .iter()
                .map(|s| match (&s.name, s.hint, s.ordinal) {
                    (Some(name), Some(h), _) => format!("{name} ({h})"),
                    (_, _, Some(o)) => format!(" ({o})"),
                    _ => "?".into(),
                })
                .collect();
            assert_eq!(got, want, "{n}: {} imports", d.name);
        }
        let exps: Vec<&llvm::Node> = root.all("Export").collect();
        match &p.exports {
            None => assert!(exps.is_empty(), "{n}: llvm-readobj lists exports"),
            Some(e) => {
                exports_seen += 1;
                // llvm-readobj lists the exports with an address or forwarder.
                assert_eq!(e.entries.len(), exps.len(), "{n}: exports");
                for (x, l) in e.entries.iter().zip(exps) {
                    assert_eq!(u64::from(x.ordinal), l.num("Ordinal"), "{n}");
                    assert_eq!(x.name.as_deref(), l.get("Name").map(|v| v.value.as_str()));
                    assert_eq!(x.rva.map(u64::from), l.get("RVA").map(|_| l.num("RVA")));
                }
            }
        }
    }
    assert!(exports_seen >= 1, "no DLL among the PE fixtures");
}

#[test]
fn pe_tls_and_debug_directories_equal_llvm_readobj() {
    let (mut tls_seen, mut pdb_seen) = (0, 0);
    for f in pe_fixtures() {
        let p = report(&f);
        let root = llvm::parse(&f.golden("llvm-readobj.txt").unwrap());
        let n = &f.name;
        let t = root.get("TLSDirectory").unwrap();
        match &p.tls {
            None => assert!(
                t.children.is_empty(),
                "{n}: llvm-readobj has a TLS directory"
            ),
            Some(tls) => {
                tls_seen += 1;
                assert_eq!(
                    tls.start_address_of_raw_data,
                    t.num("StartAddressOfRawData")
                );
                assert_eq!(tls.end_address_of_raw_data, t.num("EndAddressOfRawData"));
                assert_eq!(tls.address_of_index, t.num("AddressOfIndex"));
                assert_eq!(tls.address_of_callbacks, t.num("AddressOfCallBacks"));
                assert_eq!(u64::from(tls.size_of_zero_fill), t.num("SizeOfZeroFill"));
                assert_eq!(
                    u64::from(tls.characteristics),
                    t.flag_value("Characteristics")
                );
                assert!(
                    !tls.callbacks.is_empty(),
                    "{n}: the mingw CRT registers TLS callbacks"
                );
            }
        }
        let dd = root.get("DebugDirectory").unwrap();
        let entries: Vec<&llvm::Node> = dd.all("DebugEntry").collect();
        assert_eq!(entries.len(), p.debug.len(), "{n}: debug entries");
        for (d, l) in p.debug.iter().zip(entries) {
            for (k, v) in [
                ("Characteristics", d.characteristics),
                ("TimeDateStamp", d.time_date_stamp),
                ("MajorVersion", d.major_version.into()),
                ("MinorVersion", d.minor_version.into()),
                ("Type", d.r#type),
                ("SizeOfData", d.size_of_data),
                ("AddressOfRawData", d.address_of_raw_data),
                ("PointerToRawData", d.pointer_to_raw_data),
            ] {
                assert_eq!(u64::from(v), l.num(k), "{n}: debug {k}");
            }
            if let Some(info) = l.get("PDBInfo") {
                pdb_seen += 1;
                let pdb = d.pdb.as_ref().expect("CodeView record decoded");
                assert_eq!(u64::from(pdb.signature), info.num("PDBSignature"));
                let guid: String = info
                    .val("PDBGUID")
                    .trim_matches(|c| c == '(' || c == ')')
                    .split(' ')
                    .collect::<String>()
                    .to_lowercase();
                assert_eq!(pdb.guid, guid, "{n}: GUID");
                assert_eq!(u64::from(pdb.age), info.num("PDBAge"));
                assert_eq!(
                    pdb.path,
                    info.get("PDBFileName").map_or("", |v| v.value.as_str())
                );
            }
        }
    }
    assert!(
        tls_seen >= 1 && pdb_seen >= 1,
        "TLS {tls_seen}, PDB {pdb_seen}"
    );
}

#[test]
fn pe_base_relocations_and_certificates_equal_llvm_readobj() {
    let mut signed = 0;
    for f in pe_fixtures() {
        let p = report(&f);
        let root = llvm::parse(&f.golden("llvm-readobj.txt").unwrap());
        let n = &f.name;
        let mut by_type: std::collections::BTreeMap<String, u64> = Default::default();
        let mut pages = std::collections::BTreeSet::new();
        for e in root
            .get("BaseReloc")
            .map(|b| b.children.as_slice())
            .unwrap_or(&[])
        {
            let t = e.val("Type");
            if t == "ABSOLUTE" {
                continue;
            }
            *by_type.entry(t.to_string()).or_default() += 1;
            let a = e.num("Address");
            let w = match t {
                "DIR64" => 8,
                "HIGHLOW" => 4,
                _ => 2,
            };
            pages.insert(a >> 12);
            pages.insert((a + w - 1) >> 12);
        }
        let got: std::collections::BTreeMap<String, u64> = p
            .base_relocations
            .by_type
            .iter()
            .map(|t| {
                (
                    t.name.trim_start_matches("IMAGE_REL_BASED_").to_string(),
                    t.count,
                )
            })
            .collect();
        assert_eq!(got, by_type, "{n}: base relocations by type");
        assert_eq!(p.base_relocations.pages, pages.len() as u64, "{n}: pages");
        // Go links windows binaries PIE by default: DYNAMIC_BASE with base relocations.
        assert!(
            p.base_relocations.entries > 0,
            "{n}: Go PEs are relocatable"
        );
        let fh = root.get("ImageFileHeader").unwrap();
        let oh = root.get("ImageOptionalHeader").unwrap();
        let dynamic_base = oh
            .flag_names("Characteristics")
            .iter()
            .any(|s| s == "IMAGE_DLL_CHARACTERISTICS_DYNAMIC_BASE");
        let stripped = fh
            .flag_names("Characteristics")
            .iter()
            .any(|s| s == "IMAGE_FILE_RELOCS_STRIPPED");
        assert_eq!(p.hardening.dynamic_base, dynamic_base, "{n}");
        assert_eq!(p.hardening.relocs_stripped, stripped, "{n}");
        assert_eq!(p.hardening.aslr, dynamic_base && !stripped, "{n}");

        let dd = oh.get("DataDirectory").unwrap();
        let (off, size) = (
            dd.num("CertificateTableRVA"),
            dd.num("CertificateTableSize"),
        );
        assert_eq!(p.hardening.signed, size > 0, "{n}: signed");
        if size > 0 {
            signed += 1;
            let c = p.certificates.as_ref().unwrap();
            assert_eq!((u64::from(c.offset), u64::from(c.size)), (off, size));
            assert!(c.in_file);
            assert_eq!(c.entries.len(), 1, "{n}: one PKCS#7 signature");
            assert_eq!(
                c.entries[0].certificate_type, 2,
                "WIN_CERT_TYPE_PKCS_SIGNED_DATA"
            );
        }
        assert!(p.overlay.is_none(), "{n}: no overlay in a file as built");
    }
    assert!(signed >= 1, "no signed PE fixture");
}

#[test]
fn pe_overlay_is_the_appended_bytes() {
    // Bytes appended to a signed file (a common dropper trick) and to an unsigned one.
    for f in pe_fixtures() {
        let mut data = f.bytes();
        let len = data.len() as u64;
        data.extend_from_slice(&[0x5a; 1000]);
        let r = inspect_bytes(
            &f.name,
            &data,
            &InspectOptions {
                no_go: true,
                ..Default::default()
            },
        );
        let o = r.pe.unwrap().overlay.expect("overlay found");
        assert_eq!((o.offset, o.size), (len, 1000), "{}", f.name);
    }
}

#[test]
fn init_order_lists_pe_tls_callbacks_and_dll_entry() {
    // The callback array read straight from the file bytes at the VA llvm-readobj gives,
    // mapped to a file offset through llvm-readobj's section table.
    let f = common::containers()
        .into_iter()
        .find(|f| f.name.contains("windows-amd64-cshared"))
        .expect("DLL fixture");
    let root = llvm::parse(&f.golden("llvm-readobj.txt").unwrap());
    let oh = root.get("ImageOptionalHeader").unwrap();
    let base = oh.num("ImageBase");
    let cb_va = root.get("TLSDirectory").unwrap().num("AddressOfCallBacks");
    let rva = cb_va - base;
    let sec = root
        .get("Sections")
        .unwrap()
        .all("Section")
        .find(|s| {
            rva >= s.num("VirtualAddress") && rva < s.num("VirtualAddress") + s.num("RawDataSize")
        })
        .expect("section of the callback array");
    let off = (rva - sec.num("VirtualAddress") + sec.num("PointerToRawData")) as usize;
    let data = f.bytes();
    let mut want = Vec::new();
    for w in data[off..].chunks_exact(8) {
        let v = u64::from_le_bytes(w.try_into().unwrap());
        if v == 0 {
            break;
        }
        want.push(("tls_callback".to_string(), v));
    }
    assert!(!want.is_empty());
    want.push((
        "dll_entry".to_string(),
        base + oh.num("AddressOfEntryPoint"),
    ));
    let r = goelf::init_order(&f.name, &data, &Default::default());
    let got: Vec<(String, u64)> = r
        .constructors
        .expect("constructors for a PE")
        .iter()
        .map(|c| (c.kind.as_str().to_string(), c.address))
        .collect();
    assert_eq!(got, want);
    assert!(r.elf_constructors.is_empty());
}

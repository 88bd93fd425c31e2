//! `goelf inspect`'s ELF layer against binutils: for every ELF fixture, the file header, every
//! program header, the interpreter, the section-to-segment mapping, every section header and
//! every dynamic entry must equal what `readelf -hlSdW` printed (golden files written by
//! testdata/regen.sh, never by goelf).

use crate::common;
use common::readelf::{header_field, parse_readelf};

use goelf::inspect::{inspect_bytes, InspectOptions};

fn machine_code(readelf_name: &str) -> u16 {
    match readelf_name {
        "Advanced Micro Devices X86-64" => 62,
        "Intel 80386" => 3,
        "AArch64" => 183,
        "ARM" => 40,
        "MIPS R3000" => 8,
        "IBM S/390" => 22,
        "PowerPC64" => 21,
        "RISC-V" => 243,
        other => panic!("unknown readelf machine {other:?}: add it to the test table"),
    }
}

fn first_number(s: &str) -> u64 {
    let tok = s.split_whitespace().next().unwrap_or("");
    let tok = tok.trim_end_matches(',');
    if tok.starts_with("0x") {
        common::hex(tok)
    } else {
        tok.parse()
            .unwrap_or_else(|_| panic!("not a number: {s:?}"))
    }
}

#[test]
fn every_elf_fixture_matches_readelf() {
    let mut checked = 0;
    for f in common::fixtures() {
        let Some(golden) = f.golden("readelf-hlSdW.txt") else {
            continue;
        };
        let want = parse_readelf(&golden);
        let data = f.bytes();
        let report = inspect_bytes(
            &f.name,
            &data,
            &InspectOptions {
                no_go: true,
                ..Default::default()
            },
        );
        assert!(report.ok, "{}: {:?}", f.name, report.error);
        let elf = report.elf.as_ref().expect("ELF report");
        let ctx = |what: &str| format!("fixture {} (readelf -hlSdW), {what}", f.name);

        // File header.
        let h = &elf.header;
        assert_eq!(h.class, header_field(&want, "Class"), "{}", ctx("class"));
        let data_field = header_field(&want, "Data");
        assert_eq!(
            data_field.contains("little"),
            h.endian == goelf::image::Endian::Little,
            "{}",
            ctx("data")
        );
        assert_eq!(
            h.r#type,
            header_field(&want, "Type")
                .split_whitespace()
                .next()
                .unwrap(),
            "{}",
            ctx("type")
        );
        assert_eq!(
            h.machine_code,
            machine_code(header_field(&want, "Machine")),
            "{}",
            ctx("machine")
        );
        assert_eq!(
            h.entry,
            first_number(header_field(&want, "Entry point address")),
            "{}",
            ctx("entry")
        );
        assert_eq!(
            h.phoff,
            first_number(header_field(&want, "Start of program headers")),
            "{}",
            ctx("phoff")
        );
        assert_eq!(
            h.shoff,
            first_number(header_field(&want, "Start of section headers")),
            "{}",
            ctx("shoff")
        );
        assert_eq!(
            u64::from(h.flags),
            first_number(header_field(&want, "Flags")),
            "{}",
            ctx("flags")
        );
        assert_eq!(
            u64::from(h.phnum),
            first_number(header_field(&want, "Number of program headers")),
            "{}",
            ctx("phnum")
        );
        assert_eq!(
            u64::from(h.shnum),
            first_number(header_field(&want, "Number of section headers")),
            "{}",
            ctx("shnum")
        );
        assert_eq!(
            u64::from(h.shstrndx),
            first_number(header_field(&want, "Section header string table index")),
            "{}",
            ctx("shstrndx")
        );

        // Program headers, field by field.
        assert_eq!(
            elf.program_headers.len(),
            want.phdrs.len(),
            "{}",
            ctx("program header count")
        );
        for (p, w) in elf.program_headers.iter().zip(&want.phdrs) {
            let c = |field: &str| ctx(&format!("program header {} {field}", p.index));
            assert_eq!(p.r#type, w[0], "{}", c("type"));
            assert_eq!(p.offset, common::hex(&w[1]), "{}", c("offset"));
            assert_eq!(p.vaddr, common::hex(&w[2]), "{}", c("vaddr"));
            assert_eq!(p.paddr, common::hex(&w[3]), "{}", c("paddr"));
            assert_eq!(p.filesz, common::hex(&w[4]), "{}", c("filesz"));
            assert_eq!(p.memsz, common::hex(&w[5]), "{}", c("memsz"));
            assert_eq!(p.flags.replace(' ', ""), w[6], "{}", c("flags"));
            assert_eq!(p.align, common::hex(&w[7]), "{}", c("align"));
        }
        assert_eq!(elf.interp, want.interp, "{}", ctx("interpreter"));

        // Section-to-segment mapping.
        assert_eq!(
            elf.program_headers.len(),
            want.mapping.len(),
            "{}",
            ctx("mapping rows")
        );
        for (p, w) in elf.program_headers.iter().zip(&want.mapping) {
            assert_eq!(
                &p.sections,
                w,
                "{}",
                ctx(&format!("sections of segment {}", p.index))
            );
        }

        // Section headers, field by field.
        assert_eq!(
            elf.sections.len(),
            want.sections.len(),
            "{}",
            ctx("section count")
        );
        for (s, w) in elf.sections.iter().zip(&want.sections) {
            let c = |field: &str| ctx(&format!("section [{}] {} {field}", s.index, s.name));
            assert_eq!(s.index.to_string(), w[0], "{}", c("index"));
            assert_eq!(s.name, w[1], "{}", c("name"));
            assert_eq!(s.r#type, w[2], "{}", c("type"));
            assert_eq!(s.address, common::hex(&w[3]), "{}", c("address"));
            assert_eq!(s.offset, common::hex(&w[4]), "{}", c("offset"));
            assert_eq!(s.size, common::hex(&w[5]), "{}", c("size"));
            assert_eq!(s.entsize, common::hex(&w[6]), "{}", c("entsize"));
            assert_eq!(s.flags, w[7], "{}", c("flags"));
            assert_eq!(s.link.to_string(), w[8], "{}", c("link"));
            assert_eq!(s.info.to_string(), w[9], "{}", c("info"));
            assert_eq!(s.align.to_string(), w[10], "{}", c("align"));
        }

        // Dynamic entries: tag, name, and value in readelf's rendering.
        assert_eq!(
            elf.dynamic.entries.len(),
            want.dynamic.len(),
            "{}",
            ctx("dynamic entry count")
        );
        for (i, (e, (tag, name, value))) in
            elf.dynamic.entries.iter().zip(&want.dynamic).enumerate()
        {
            let c = |field: &str| ctx(&format!("dynamic entry {i} ({name}) {field}"));
            assert_eq!(e.tag_code, *tag, "{}", c("tag"));
            assert_eq!(&e.tag, name, "{}", c("name"));
            if let Some(lib) = value
                .strip_prefix("Shared library: [")
                .or_else(|| value.strip_prefix("Library soname: ["))
                .or_else(|| value.strip_prefix("Library rpath: ["))
                .or_else(|| value.strip_prefix("Library runpath: ["))
            {
                assert_eq!(
                    e.text.as_deref(),
                    Some(lib.trim_end_matches(']')),
                    "{}",
                    c("string")
                );
            } else if e.tag == "FLAGS_1" || e.tag == "FLAGS" {
                // readelf: `Flags: PIE` for FLAGS_1, bare names (`SYMBOLIC STATIC_TLS`) for FLAGS.
                let names = if e.tag == "FLAGS" {
                    goelf::internals::dt_flags(e.value)
                } else {
                    goelf::internals::dt_flags_1(e.value)
                };
                // readelf says `None` for a zero value, which has no names.
                let want = value.strip_prefix("Flags:").unwrap_or(value).trim();
                let want = if want == "None" { "" } else { want };
                assert_eq!(names.join(" "), want, "{}", c("flags"));
            } else if value == "RELA" || value == "REL" {
                assert_eq!(
                    e.value,
                    if value == "RELA" { 7 } else { 17 },
                    "{}",
                    c("value")
                );
            } else {
                assert_eq!(e.value, first_number(value), "{}", c("value"));
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 10,
        "only {checked} ELF fixtures had readelf golden files"
    );
}

#[test]
fn hardening_summary_follows_the_headers() {
    for f in common::fixtures() {
        if !f.is_elf() {
            continue;
        }
        let data = f.bytes();
        let report = inspect_bytes(
            &f.name,
            &data,
            &InspectOptions {
                no_go: true,
                ..Default::default()
            },
        );
        let elf = report.elf.expect("elf");
        let h = &elf.hardening;
        let variant = f.meta_str("variant");
        if variant.starts_with("pie") || variant == "cgo-ext-pie" {
            assert!(h.pie, "{}: PIE variant not reported as PIE", f.name);
        }
        if variant == "default" || variant == "sw" {
            assert!(!h.pie, "{}: exe reported as PIE", f.name);
        }
        if variant == "sw" || variant == "pie-sw" {
            assert!(
                h.stripped && !h.dwarf,
                "{}: -s -w still has .symtab or DWARF",
                f.name
            );
        }
        if variant == "default" && f.meta_str("goos") == "linux" {
            assert!(!h.stripped, "{}: default build reported stripped", f.name);
        }
        // Every Go linker output has a PT_GNU_STACK RW and no W+X segment.
        assert!(h.nx, "{}: no NX stack", f.name);
        assert!(!h.wx_segment, "{}: W+X segment", f.name);
        for c in &elf.loader_checks {
            assert!(
                c.ok,
                "{}: loader check {} failed: {}",
                f.name, c.check, c.detail
            );
        }
    }
}

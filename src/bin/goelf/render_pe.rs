//! Human output of `goelf inspect` for a PE container.

use std::fmt::Write as _;

use goelf::pe::PeReport;

use crate::common::hex;
use crate::table::{Cell, Table};
use crate::term::Style;

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Append the PE container report to `out`; `sections` false leaves out the section table.
pub fn render(out: &mut String, p: &PeReport, sections: bool) {
    let c = &p.coff_header;
    let o = &p.optional_header;
    let _ = writeln!(
        out,
        "\nCOFF header: machine {} ({:#x}), {} sections, timestamp {:#x}, symbols {} at {:#x}, characteristics {:#x} [{}]",
        c.machine_name,
        c.machine,
        c.number_of_sections,
        c.time_date_stamp,
        c.number_of_symbols,
        c.pointer_to_symbol_table,
        c.characteristics,
        c.characteristics_names.join(" ")
    );
    let _ = writeln!(
        out,
        "Optional header: {} (magic {:#x}), linker {}.{}, entry {:#x}, image base {:#x}, subsystem {} ({}) {}.{}",
        p.kind,
        o.magic,
        o.major_linker_version,
        o.minor_linker_version,
        o.address_of_entry_point,
        o.image_base,
        o.subsystem_name,
        o.subsystem,
        o.major_subsystem_version,
        o.minor_subsystem_version
    );
    let _ = writeln!(
        out,
        "  section alignment {:#x}, file alignment {:#x}, size of image {:#x}, size of headers {:#x}, code {:#x}, data {:#x}, bss {:#x}, checksum {:#x}",
        o.section_alignment,
        o.file_alignment,
        o.size_of_image,
        o.size_of_headers,
        o.size_of_code,
        o.size_of_initialized_data,
        o.size_of_uninitialized_data,
        o.check_sum
    );
    let _ = writeln!(
        out,
        "  stack {:#x}/{:#x}, heap {:#x}/{:#x} (reserve/commit); DLL characteristics {:#x} [{}]",
        o.size_of_stack_reserve,
        o.size_of_stack_commit,
        o.size_of_heap_reserve,
        o.size_of_heap_commit,
        o.dll_characteristics,
        o.dll_characteristics_names.join(" ")
    );

    let mut t = Table::new(&["#", "DATA DIRECTORY", "RVA", "SIZE"]).indent(2);
    for d in p
        .data_directories
        .iter()
        .filter(|d| d.virtual_address != 0 || d.size != 0)
    {
        t.row([
            d.index.to_string(),
            d.name.clone(),
            hex(d.virtual_address.into()),
            hex(d.size.into()),
        ]);
    }
    t.align_right(&[0, 2, 3]);
    let _ = writeln!(out, "\nData directories (non-empty):\n{t}");

    checks_table(
        out,
        p.loader_checks
            .iter()
            .map(|c| (c.check.name(), c.ok, c.detail.as_str())),
    );

    if sections && !p.sections.is_empty() {
        let mut t = Table::new(&[
            "[NR]",
            "NAME",
            "VIRTADDR",
            "VIRTSIZE",
            "RAWOFF",
            "RAWSIZE",
            "FLG",
            "CHARACTERISTICS",
        ])
        .indent(2);
        for s in &p.sections {
            t.row([
                s.number.to_string(),
                s.name.clone(),
                hex(s.virtual_address.into()),
                hex(s.virtual_size.into()),
                hex(s.pointer_to_raw_data.into()),
                hex(s.size_of_raw_data.into()),
                s.flags.clone(),
                hex(s.characteristics.into()),
            ]);
        }
        t.align_right(&[0, 2, 3, 4, 5, 7]);
        let _ = writeln!(out, "\nSections:\n{t}");
    }

    if p.imports.is_empty() {
        out.push_str("\nImports: none\n");
    } else {
        out.push_str("\nImports:\n");
        for d in &p.imports {
            let names: Vec<String> = d
                .symbols
                .iter()
                .map(|s| match (&s.name, s.ordinal) {
                    (Some(n), _) => n.clone(),
                    (None, Some(o)) => format!("#{o}"),
                    (None, None) => "?".into(),
                })
                .collect();
            let _ = writeln!(
                out,
                "  {} ({} functions, IAT {:#x}): {}",
                d.name,
                d.symbols.len(),
                d.import_address_table_rva,
                names.join(" ")
            );
        }
    }
    if let Some(e) = &p.exports {
        let mut t = Table::new(&["ORDINAL", "NAME", "RVA / FORWARD"]).indent(2);
        for x in &e.entries {
            t.row([
                x.ordinal.to_string(),
                x.name.clone().unwrap_or_default(),
                match (&x.forward, x.rva) {
                    (Some(f), _) => f.clone(),
                    (None, Some(r)) => hex(r.into()),
                    (None, None) => "?".into(),
                },
            ]);
        }
        t.align_right(&[0]);
        let _ = writeln!(
            out,
            "\nExports of {} (ordinal base {}):\n{t}",
            e.dll_name.as_deref().unwrap_or("?"),
            e.ordinal_base
        );
    }
    match &p.tls {
        None => out.push_str("\nTLS directory: none\n"),
        Some(t) => {
            let cbs: Vec<String> = t.callbacks.iter().map(|&c| hex(c)).collect();
            let _ = writeln!(
                out,
                "\nTLS directory: data {:#x}..{:#x}, index at {:#x}, zero fill {}, callbacks at {:#x}: {}",
                t.start_address_of_raw_data,
                t.end_address_of_raw_data,
                t.address_of_index,
                t.size_of_zero_fill,
                t.address_of_callbacks,
                if cbs.is_empty() { "none".into() } else { cbs.join(" ") }
            );
        }
    }
    if p.debug.is_empty() {
        out.push_str("Debug directory: none\n");
    } else {
        for d in &p.debug {
            let pdb = d.pdb.as_ref().map_or(String::new(), |p| {
                format!(", PDB {:?} GUID {} age {}", p.path, p.guid, p.age)
            });
            let _ = writeln!(
                out,
                "Debug directory: {} ({}), {} bytes at {:#x}{pdb}",
                d.type_name, d.r#type, d.size_of_data, d.pointer_to_raw_data
            );
        }
    }
    match &p.certificates {
        None => out.push_str("Certificate table: none\n"),
        Some(c) => {
            let _ = writeln!(
                out,
                "Certificate table: {} bytes at file offset {:#x}, {} entries{}",
                c.size,
                c.offset,
                c.entries.len(),
                if c.in_file {
                    ""
                } else {
                    " (past the end of the file)"
                }
            );
        }
    }
    match &p.overlay {
        None => out.push_str("Overlay: none\n"),
        Some(v) => {
            let _ = writeln!(
                out,
                "Overlay: {} bytes at file offset {:#x}",
                v.size, v.offset
            );
        }
    }
    let r = &p.base_relocations;
    if r.present {
        let types: Vec<String> = r
            .by_type
            .iter()
            .map(|t| {
                format!(
                    "{} {}",
                    t.name.trim_start_matches("IMAGE_REL_BASED_"),
                    t.count
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "Base relocations: {} entries in {} blocks, {} pages ({})",
            r.entries,
            r.blocks,
            r.pages,
            types.join(", ")
        );
    } else {
        out.push_str("Base relocations: none\n");
    }

    let h = &p.hardening;
    let mut t = Table::new(&["HARDENING", "VALUE"]).indent(2);
    t.row(["ASLR (effective)".to_string(), yes(h.aslr).to_string()]);
    t.row(["DYNAMIC_BASE".to_string(), yes(h.dynamic_base).to_string()]);
    t.row([
        "RELOCS_STRIPPED".to_string(),
        yes(h.relocs_stripped).to_string(),
    ]);
    t.row([
        "Base relocations".to_string(),
        yes(h.base_relocations).to_string(),
    ]);
    t.row([
        "HIGH_ENTROPY_VA".to_string(),
        yes(h.high_entropy_va).to_string(),
    ]);
    t.row(["NX_COMPAT (DEP)".to_string(), yes(h.nx_compat).to_string()]);
    t.row(["GUARD_CF".to_string(), yes(h.guard_cf).to_string()]);
    t.row([
        "FORCE_INTEGRITY".to_string(),
        yes(h.force_integrity).to_string(),
    ]);
    t.row(["NO_SEH".to_string(), yes(h.no_seh).to_string()]);
    t.row([
        "Signed (certificate table)".to_string(),
        yes(h.signed).to_string(),
    ]);
    t.row([
        "Stripped (COFF symbols)".to_string(),
        yes(h.stripped).to_string(),
    ]);
    t.row(["DWARF".to_string(), yes(h.dwarf).to_string()]);
    t.row(["W+X section".to_string(), yes(h.wx_section).to_string()]);
    t.row(["TLS callbacks".to_string(), h.tls_callbacks.to_string()]);
    let _ = writeln!(out, "\n{t}");
}

/// The "Loader checks" table of a PE or Mach-O container: check, pass/FAIL, detail.
pub(crate) fn checks_table<'c>(
    out: &mut String,
    checks: impl Iterator<Item = (&'static str, bool, &'c str)>,
) {
    let mut t = Table::new(&["CHECK", "RESULT", "DETAIL"]).indent(2);
    for (name, ok, detail) in checks {
        t.row([
            Cell::from(name),
            if ok {
                Cell::styled("pass", Some(Style::Good))
            } else {
                Cell::styled("FAIL", Some(Style::Bad))
            },
            Cell::from(detail),
        ]);
    }
    let _ = writeln!(out, "\nLoader checks:\n{t}");
}

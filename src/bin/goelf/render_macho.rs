//! Human output of `goelf inspect` for a Mach-O container (every slice).

use std::fmt::Write as _;

use goelf::macho::{MachoReport, MachoSlice};

use crate::common::hex;
use crate::table::Table;

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn prot(p: u32) -> String {
    let mut s = String::new();
    s.push(if p & 1 != 0 { 'r' } else { '-' });
    s.push(if p & 2 != 0 { 'w' } else { '-' });
    s.push(if p & 4 != 0 { 'x' } else { '-' });
    s
}

/// Append the Mach-O report to `out`; `sections` false leaves out the section table.
pub fn render(out: &mut String, m: &MachoReport, sections: bool) {
    if let Some(u) = &m.universal {
        let _ = writeln!(
            out,
            "\nUniversal binary (magic {:#x}), {} slices:",
            u.magic,
            u.arches.len()
        );
        for a in &u.arches {
            let _ = writeln!(
                out,
                "  {} (cpusubtype {:#x}) at {:#x}, {} bytes, align 2^{}",
                a.cputype_name, a.cpusubtype, a.offset, a.size, a.align
            );
        }
    }
    for s in &m.slices {
        slice(out, s, sections, m.universal.is_some());
    }
}

fn slice(out: &mut String, s: &MachoSlice, sections: bool, fat: bool) {
    let h = &s.header;
    if fat {
        let _ = writeln!(out, "\n=== slice {} at {:#x}", h.cputype_name, s.offset);
    }
    let _ = writeln!(
        out,
        "\nMach header: magic {:#x}, {} (cpusubtype {:#x}), {}, {} load commands ({} bytes), flags {:#x} [{}]",
        h.magic,
        h.cputype_name,
        h.cpusubtype,
        h.filetype_name,
        h.ncmds,
        h.sizeofcmds,
        h.flags,
        h.flag_names.join(" ")
    );
    let cmds: Vec<&str> = s.load_commands.iter().map(|c| c.name.as_str()).collect();
    let _ = writeln!(out, "  load commands: {}", cmds.join(" "));
    match &s.entry {
        Some(e) => {
            let _ = writeln!(
                out,
                "  entry: {} at {}{}",
                e.command,
                e.address.map_or("?".into(), hex),
                e.entryoff
                    .map_or(String::new(), |o| format!(" (entryoff {o:#x})"))
            );
        }
        None => out.push_str("  entry: none\n"),
    }
    if let Some(b) = &s.build_version {
        let _ = writeln!(
            out,
            "  {}: platform {} ({}), minos {}, sdk {}",
            b.command, b.platform_name, b.platform, b.minos, b.sdk
        );
    }
    let _ = writeln!(out, "  uuid: {}", s.uuid.as_deref().unwrap_or("none"));
    if let Some(d) = &s.dylinker {
        let _ = writeln!(out, "  dylinker: {d}");
    }
    if let Some(d) = &s.id_dylib {
        let _ = writeln!(out, "  id dylib: {d}");
    }
    for d in &s.dylibs {
        let _ = writeln!(
            out,
            "  {}: {} (current {}, compatibility {})",
            d.command, d.name, d.current_version, d.compatibility_version
        );
    }

    let mut t = Table::new(&[
        "SEGMENT", "VMADDR", "VMSIZE", "FILEOFF", "FILESIZE", "INIT", "MAX", "SECTS",
    ])
    .indent(2);
    for g in &s.segments {
        t.row([
            g.name.clone(),
            hex(g.vmaddr),
            hex(g.vmsize),
            hex(g.fileoff),
            hex(g.filesize),
            prot(g.initprot),
            prot(g.maxprot),
            g.nsects.to_string(),
        ]);
    }
    t.align_right(&[1, 2, 3, 4, 7]);
    let _ = writeln!(out, "\nSegments:\n{t}");

    crate::render_pe::checks_table(
        out,
        s.loader_checks
            .iter()
            .map(|c| (c.check.name(), c.ok, c.detail.as_str())),
    );

    if sections {
        let mut t = Table::new(&[
            "[NR]", "SEGMENT", "SECTION", "ADDRESS", "SIZE", "OFFSET", "ALIGN", "TYPE",
        ])
        .indent(2);
        for x in s.segments.iter().flat_map(|g| &g.sections) {
            t.row([
                x.index.to_string(),
                x.segment.clone(),
                x.name.clone(),
                hex(x.addr),
                hex(x.size),
                hex(x.offset.into()),
                format!("2^{}", x.align),
                x.type_name.clone(),
            ]);
        }
        t.align_right(&[0, 3, 4, 5]);
        let _ = writeln!(out, "\nSections:\n{t}");
    }
    if s.constructors.is_empty() {
        out.push_str("\nConstructors (__mod_init_func / __init_offsets): none\n");
    } else {
        let mut t = Table::new(&["SECTION", "SLOT", "TARGET"]).indent(2);
        for c in &s.constructors {
            t.row([c.section.clone(), hex(c.slot), hex(c.target)]);
        }
        let _ = writeln!(out, "\nConstructors:\n{t}");
    }
    match &s.code_signature {
        None => out.push_str("Code signature: none\n"),
        Some(c) => {
            let _ = writeln!(
                out,
                "Code signature: {} bytes at {:#x}, {}{}",
                c.datasize,
                c.dataoff,
                match c.adhoc {
                    Some(true) => "ad-hoc",
                    Some(false) => "with a certificate",
                    None => "unreadable",
                },
                c.identifier
                    .as_deref()
                    .map_or(String::new(), |i| format!(", identifier {i}"))
            );
        }
    }
    let hd = &s.hardening;
    let mut t = Table::new(&["HARDENING", "VALUE"]).indent(2);
    for (k, v) in [
        ("PIE (MH_PIE)", yes(hd.pie).to_string()),
        (
            "MH_NO_HEAP_EXECUTION",
            yes(hd.no_heap_execution).to_string(),
        ),
        (
            "MH_ALLOW_STACK_EXECUTION",
            yes(hd.allow_stack_execution).to_string(),
        ),
        ("__PAGEZERO size", hex(hd.pagezero_size)),
        ("Code signature", yes(hd.code_signature).to_string()),
        ("Ad-hoc signature", yes(hd.adhoc_signature).to_string()),
        ("Chained fixups", yes(hd.chained_fixups).to_string()),
        (
            "Stripped (no defined symbols)",
            yes(hd.stripped).to_string(),
        ),
        ("DWARF", yes(hd.dwarf).to_string()),
        ("W+X segment", yes(hd.wx_segment).to_string()),
    ] {
        t.row([k.to_string(), v]);
    }
    let _ = writeln!(out, "\n{t}");
}

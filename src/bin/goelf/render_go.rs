//! Human rendering of the Go section of `goelf inspect`, and `--modules` (the `go version -m`
//! text).

use std::fmt::Write as _;

use goelf::go::GoReport;

use crate::common::hex;

/// Append the Go section.
pub fn render(out: &mut String, go: &GoReport) {
    let source = go
        .version_source
        .map(|s| format!(" (from {})", s.name()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\nGo: version {}{source}",
        go.version.as_deref().unwrap_or("unknown")
    );
    if let Some(e) = &go.version_evidence {
        let _ = writeln!(
            out,
            "  version string: runtime.buildVersion at {} -> {} bytes at {}, read by {} at {}; \
             pclntab era {}, moduledata layout {}",
            hex(e.header),
            e.len,
            hex(e.data),
            e.anchor,
            hex(e.anchor_entry),
            e.pclntab_era,
            e.moduledata_layout.as_deref().unwrap_or("(no moduledata)")
        );
    }
    if let Some(c) = &go.crypto {
        let name = match c.module {
            goelf::go::crypto::CryptoModule::Boringcrypto => "BoringCrypto",
            goelf::go::crypto::CryptoModule::Fips140 => "Go FIPS 140-3 module",
            goelf::go::crypto::CryptoModule::Standard => "Go standard crypto",
            goelf::go::crypto::CryptoModule::None => "none",
        };
        let mut extra = Vec::new();
        if let Some(v) = &c.fips140_version {
            extra.push(format!("GOFIPS140 {v}"));
        }
        if let Some(v) = &c.fips140_godebug {
            extra.push(format!("fips140={v} by default"));
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(" ({})", extra.join(", "))
        };
        let evidence: Vec<&str> = c.evidence.iter().map(|e| e.what.as_str()).collect();
        let _ = writeln!(
            out,
            "  crypto: {name}{extra}{}",
            if evidence.is_empty() {
                String::new()
            } else {
                format!("; evidence: {}", evidence.join("; "))
            }
        );
    }
    if let Some(p) = &go.packer {
        let _ = writeln!(
            out,
            "  packed with {}{}{}{}; unpack it (`upx -d`) to analyse the Go inside",
            p.name,
            p.version
                .as_deref()
                .map(|v| format!(" {v}"))
                .unwrap_or_default(),
            p.format
                .as_deref()
                .map(|f| format!(", format {f}"))
                .unwrap_or_default(),
            p.original_size
                .map(|s| format!(", original size {s} bytes"))
                .unwrap_or_default(),
        );
    }
    match &go.buildinfo {
        Some(b) => {
            let _ = writeln!(
                out,
                "  build info: {} at {} ({} layout)",
                b.go_version,
                hex(b.header_vaddr),
                b.layout
            );
            if !b.path.is_empty() {
                let _ = writeln!(out, "  main package: {}", b.path);
            }
            if !b.main.path.is_empty() {
                let _ = writeln!(
                    out,
                    "  main module:  {} {}{}",
                    b.main.path,
                    b.main.version,
                    sum_suffix(&b.main.sum)
                );
            }
            let replaced = b.deps.iter().filter(|d| d.replace.is_some()).count();
            let _ = writeln!(
                out,
                "  dependencies: {}{}",
                b.deps.len(),
                if replaced > 0 {
                    format!(" ({replaced} replaced)")
                } else {
                    String::new()
                }
            );
            if !b.settings.is_empty() {
                let settings: Vec<String> = b
                    .settings
                    .iter()
                    .map(|s| format!("{}={}", s.key, s.value))
                    .collect();
                let _ = writeln!(out, "  build settings: {}", settings.join(" "));
            }
        }
        None => out.push_str("  build info: none\n"),
    }
    match &go.pclntab {
        Some(p) => {
            let _ = writeln!(
                out,
                "  pclntab: magic {} ({}) at {} (offset {}, {} bytes, found by {}); {} functions{}, ptr {}, quantum {}, text {}",
                p.magic,
                p.era,
                p.address.map(hex).unwrap_or_else(|| "?".into()),
                hex(p.offset),
                p.size,
                p.found_by.name(),
                p.nfunc,
                p.nfiles.map(|n| format!(", {n} files")).unwrap_or_default(),
                p.ptr_size,
                p.quantum,
                p.text_start.map(hex).unwrap_or_else(|| "?".into()),
            );
            if let Some(r) = &p.repaired {
                let _ = writeln!(out, "    repaired: {r}");
            }
        }
        None => out.push_str("  pclntab: none\n"),
    }
    match &go.moduledata {
        Some(m) => {
            let opt = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_else(|| "-".into());
            let _ = writeln!(
                out,
                "  moduledata: {} (found by {}, layout {}); text {}..{}, typelinks {}, itablinks {}, inittasks {}",
                hex(m.address),
                m.found_by,
                m.layout,
                hex(m.text),
                hex(m.etext),
                opt(m.typelinks),
                opt(m.itablinks),
                opt(m.inittasks),
            );
        }
        None => out.push_str("  moduledata: none\n"),
    }
    if let Some(d) = &go.dwarf {
        let _ = writeln!(
            out,
            "  DWARF: {}{}; producer {}{}",
            match (d.compile_units, d.go_compile_units) {
                (Some(n), Some(g)) => format!("{n} compile units ({g} Go)"),
                _ => "compile units not counted (--dwarf counts them)".to_string(),
            },
            if d.compressed { ", compressed" } else { "" },
            d.producer.as_deref().unwrap_or("unknown"),
            match (d.optimizations_disabled, d.inlining_disabled) {
                (true, true) => "; built with -N -l",
                (true, false) => "; built with -N",
                (false, true) => "; built with -l",
                (false, false) => "",
            }
        );
    }
}

fn sum_suffix(sum: &str) -> String {
    if sum.is_empty() {
        String::new()
    } else {
        format!(" {sum}")
    }
}

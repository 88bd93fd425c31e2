//! Packed executables: recognising a file compressed by UPX, so that goelf can say "packed
//! with UPX 3.94, unpack it first" instead of "not a Go binary" (Go binaries are often packed,
//! malware especially).
//!
//! UPX layout, from the UPX sources (`src/stub/src/include/header.S`, `src/p_lx_elf.cpp`,
//! `src/conf.h`): a packed ELF has an `l_info` record right after its program headers
//! (`u32 l_checksum; "UPX!"; u16 l_lsize; u8 l_version; u8 l_format`), and every packed file
//! carries a `PackHeader` (`"UPX!"; u8 version; u8 format; u8 method; u8 level; u32 u_adler;
//! u32 c_adler; u32 u_len; u32 c_len; u32 u_file_size; …`) — at the end of an ELF, before the
//! `UPX1` section data of a PE. The loader stub holds the strings `$Info: This file is packed
//! with the UPX executable packer …$` and `$Id: UPX 3.94 Copyright …$`; a PE keeps the version
//! (`3.96\0`) right before its PackHeader. Tools that hide UPX rewrite these markers, so each
//! one found is listed as evidence and any one suffices.

use serde::{Deserialize, Serialize};

use crate::bytes::{Endian, Reader};
use crate::image::{Format, Image};
use crate::limits;

/// A recognised packer (`go.packer` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackerInfo {
    /// Packer name: `UPX`.
    pub name: String,
    /// Packer release from its `$Id` string or PE version field, e.g. `3.94`.
    pub version: Option<String>,
    /// UPX's format of the packed file, e.g. `linux/amd64` (`UPX_F_*` in `src/conf.h`).
    pub format: Option<String>,
    /// UPX's compression method, e.g. `NRV2E` or `LZMA`.
    pub method: Option<String>,
    /// Compression level (1–10).
    pub level: Option<u8>,
    /// Size of the original file, from the PackHeader.
    pub original_size: Option<u64>,
    /// What was recognised, with file offsets.
    pub evidence: Vec<String>,
}

const UPX_MAGIC: &[u8; 4] = b"UPX!";
const INFO_STRING: &[u8] = b"$Info: This file is packed with the UPX executable packer";
const ID_STRING: &[u8] = b"$Id: UPX ";

/// UPX format numbers (`UPX_F_*`, `src/conf.h`) that can hold a Go program.
const FORMATS: &[(u8, &str)] = &[
    (9, "win32/pe"),
    (12, "linux/i386"),
    (22, "linux/amd64"),
    (23, "linux/arm"),
    (29, "macos/i386"),
    (30, "linux/mipsel"),
    (32, "macos/arm"),
    (34, "macos/amd64"),
    (36, "win64/pe"),
    (37, "macos/arm64"),
    (39, "linux/ppc64le"),
    (42, "linux/arm64"),
    (132, "linux/ppc"),
    (133, "linux/armeb"),
    (137, "linux/mips"),
    (140, "linux/ppc64"),
];

/// UPX compression methods (`M_*`, `src/conf.h`).
const METHODS: &[(u8, &str)] = &[
    (2, "NRV2B"),
    (3, "NRV2B"),
    (4, "NRV2B"),
    (5, "NRV2D"),
    (6, "NRV2D"),
    (7, "NRV2D"),
    (8, "NRV2E"),
    (9, "NRV2E"),
    (10, "NRV2E"),
    (14, "LZMA"),
    (15, "DEFLATE"),
];

fn lookup(table: &[(u8, &'static str)], v: u8) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == v).map(|(_, n)| *n)
}

/// Every position of `needle` in `hay`, at most `max`.
fn find_all(hay: &[u8], needle: &[u8], max: usize) -> Vec<usize> {
    if needle.is_empty() {
        return Vec::new();
    }
    // memmem (SIMD) rather than a compare at every position: this scan ran memcmp once per
    // byte of both windows and was the largest cost of `inspect` on big files (#12).
    memchr::memmem::find_iter(hay, needle).take(max).collect()
}

/// The first and last `PACKER_SCAN_WINDOW` bytes, with the file offset of each.
fn windows(data: &[u8]) -> Vec<(u64, &[u8])> {
    let n = limits::PACKER_SCAN_WINDOW;
    if data.len() <= 2 * n {
        return vec![(0, data)];
    }
    let head = data.get(..n).unwrap_or_default();
    let tail_start = data.len() - n;
    let tail = data.get(tail_start..).unwrap_or_default();
    vec![(0, head), (tail_start as u64, tail)]
}

/// A PackHeader at `offset`: (version, format, method, level, original size), when the
/// fields are plausible.
fn pack_header(data: &[u8], offset: u64) -> Option<(u8, u8, u8, u8, u64)> {
    let r = Reader::new(data, 0, Endian::Little, 4);
    let version = r.u8_at("UPX version", offset + 4).ok()?;
    let format = r.u8_at("UPX format", offset + 5).ok()?;
    let method = r.u8_at("UPX method", offset + 6).ok()?;
    let level = r.u8_at("UPX level", offset + 7).ok()?;
    // Formats >= 128 are big-endian targets, and their PackHeader words are big-endian too.
    let r = if format >= 128 {
        r.with_arch(Endian::Big, 4)
    } else {
        r
    };
    let size = r.u32_at("UPX original size", offset + 24).ok()?;
    let plausible = (10..=14).contains(&version)
        && lookup(FORMATS, format).is_some()
        && lookup(METHODS, method).is_some()
        && (1..=10).contains(&level);
    plausible.then_some((version, format, method, level, u64::from(size)))
}

/// The release in `$Id: UPX 3.94 Copyright…`.
fn id_version(data: &[u8], at: usize) -> Option<String> {
    let rest = data.get(at + ID_STRING.len()..)?;
    let v: Vec<u8> = rest
        .iter()
        .take(16)
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .copied()
        .collect();
    (!v.is_empty()).then(|| String::from_utf8_lossy(&v).into_owned())
}

/// Recognise a UPX-packed file. `None` when no marker is present.
pub fn detect(image: &Image<'_>) -> Option<PackerInfo> {
    let data = image.data();
    let mut info = PackerInfo {
        name: "UPX".into(),
        version: None,
        format: None,
        method: None,
        level: None,
        original_size: None,
        evidence: Vec::new(),
    };
    // ELF: l_info right after the program headers.
    if image.format() == Format::Elf {
        if let Some(off) = elf_l_info_offset(image) {
            let r = image.reader();
            if r.bytes_at("UPX l_info magic", off + 4, 4).ok() == Some(&UPX_MAGIC[..]) {
                let fmt = r.u8_at("UPX l_format", off + 11).ok();
                info.evidence.push(format!("l_info at {off:#x}"));
                info.format = fmt.and_then(|f| lookup(FORMATS, f)).map(String::from);
            }
        }
    }
    // PE: sections named UPX0/UPX1.
    if image.format() == Format::Pe && image.section("UPX0").is_some() {
        info.evidence.push("sections UPX0/UPX1".into());
    }
    for (base, window) in windows(data) {
        if let Some(&at) = find_all(window, INFO_STRING, 1).first() {
            info.evidence
                .push(format!("$Info string at {:#x}", base + at as u64));
        }
        if let Some(&at) = find_all(window, ID_STRING, 1).first() {
            info.evidence
                .push(format!("$Id string at {:#x}", base + at as u64));
            if info.version.is_none() {
                info.version = id_version(window, at);
            }
        }
        for at in find_all(window, UPX_MAGIC, 64) {
            let Some((_, format, method, level, size)) = pack_header(window, at as u64) else {
                continue;
            };
            info.evidence
                .push(format!("PackHeader at {:#x}", base + at as u64));
            info.format = lookup(FORMATS, format).map(String::from);
            info.method = lookup(METHODS, method).map(String::from);
            info.level = Some(level);
            info.original_size = Some(size);
            // A PE stores the release as a NUL-terminated string just before the PackHeader.
            if info.version.is_none() {
                info.version = pe_version_before(window, at);
            }
            break;
        }
    }
    (!info.evidence.is_empty()).then_some(info)
}

/// `3.96\0` right before a PackHeader (PE).
fn pe_version_before(window: &[u8], at: usize) -> Option<String> {
    let before = window.get(at.checked_sub(8)?..at)?;
    let s = before.split(|b| *b == 0).rfind(|s| !s.is_empty())?;
    let v = std::str::from_utf8(s).ok()?;
    (v.contains('.') && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')).then(|| v.into())
}

/// File offset right after the ELF program header table.
fn elf_l_info_offset(image: &Image<'_>) -> Option<u64> {
    let r = image.reader();
    let endian = match r.u8_at("EI_DATA", 5).ok()? {
        1 => Endian::Little,
        2 => Endian::Big,
        _ => return None,
    };
    let r = r.with_arch(endian, image.arch().ptr_size);
    let (phoff, phentsize, phnum) = if r.u8_at("EI_CLASS", 4).ok()? == 2 {
        (
            r.u64_at("e_phoff", 32).ok()?,
            r.u16_at("e_phentsize", 54).ok()?,
            r.u16_at("e_phnum", 56).ok()?,
        )
    } else {
        (
            u64::from(r.u32_at("e_phoff", 28).ok()?),
            r.u16_at("e_phentsize", 42).ok()?,
            r.u16_at("e_phnum", 44).ok()?,
        )
    };
    phoff.checked_add(u64::from(phentsize) * u64::from(phnum))
}

//! What a PE or Mach-O file's own headers place in the file, read field by field from the
//! raw headers, and what of it lies past the end of a cut file.
//!
//! `object` stops at the first inconsistency, and a cut file usually is one: a Mach-O cut
//! inside its load commands parses with no load commands at all, and a PE cut inside its
//! section table does not parse. These are the fields that say how long the file is:
//! - PE/COFF (Microsoft PE format specification): `e_lfanew` (0x3c); the COFF header's
//!   `NumberOfSections` (+2) and `SizeOfOptionalHeader` (+16); the section table (40 bytes an
//!   entry, `SizeOfRawData` +16, `PointerToRawData` +20); the Certificate Table data
//!   directory (entry 4, a file offset), when the optional header holds it.
//! - Mach-O (`<mach-o/loader.h>`): `ncmds` (+16) and `sizeofcmds` (+20) after the magic;
//!   `LC_SEGMENT(_64)` `fileoff`/`filesize`; `LC_SYMTAB` `symoff`/`nsyms`, `stroff`/`strsize`.
//! - Mach-O universal (`<mach-o/fat.h>`, big-endian): `nfat_arch` and each `fat_arch`'s
//!   `offset`/`size` (+8/+12 of 20 bytes); each slice as a Mach-O at its offset.
//!
//! Loops are bounded by the bytes present: a count from the file never drives more
//! iterations than the entries the file could hold.

/// The `file.truncated` message when the headers of the PE or Mach-O file `data` describe
/// bytes past its end: what they describe in all, and the first things that lie past it.
pub(crate) fn past_end(data: &[u8]) -> Option<String> {
    let len = data.len() as u64;
    let mut x = Extents {
        len,
        need: 0,
        past: Vec::new(),
    };
    match data.get(..4)? {
        [b'M', b'Z', ..] => pe(data, &mut x),
        [0xca, 0xfe, 0xba, 0xbe] => fat(data, &mut x),
        _ => macho(data, 0, "", &mut x),
    }
    if x.past.is_empty() {
        return None;
    }
    let more = x.past.len().saturating_sub(4);
    let mut list = x
        .past
        .iter()
        .take(4)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        list.push_str(&format!(", and {more} more"));
    }
    Some(format!(
        "the file is truncated: it has {len} bytes, its headers describe {}; past the end: {list}",
        x.need
    ))
}

struct Extents {
    len: u64,
    need: u64,
    past: Vec<String>,
}

impl Extents {
    /// `[off, off+size)` is described; note it when it runs past the end.
    fn note(&mut self, what: impl FnOnce() -> String, off: u64, size: u64) {
        let end = off.saturating_add(size);
        if size > 0 && end > self.len {
            self.need = self.need.max(end);
            self.past.push(what());
        }
    }
}

fn read(data: &[u8], at: u64, n: usize, little: bool) -> Option<u64> {
    let at = usize::try_from(at).ok()?;
    let b = data.get(at..at.checked_add(n)?)?;
    let mut v = 0u64;
    for i in 0..n {
        let byte = if little { b[n - 1 - i] } else { b[i] };
        v = v << 8 | u64::from(byte);
    }
    Some(v)
}

fn name(data: &[u8], at: u64, n: usize) -> String {
    let Some(b) = usize::try_from(at)
        .ok()
        .and_then(|a| data.get(a..a.checked_add(n)?))
    else {
        return "?".into();
    };
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// Size of a COFF section table entry.
const PE_SECTION: u64 = 40;
/// Optional header magic of PE32 and PE32+, and where their data directories start.
const PE32_MAGIC: u64 = 0x10b;
const PE32_PLUS_MAGIC: u64 = 0x20b;
const PE32_DIRECTORIES: u64 = 96;
const PE32_PLUS_DIRECTORIES: u64 = 112;
/// The Certificate Table's data directory index (its address is a file offset).
const PE_CERTIFICATE_DIRECTORY: u64 = 4;

fn pe(data: &[u8], x: &mut Extents) {
    let Some(lfanew) = read(data, 0x3c, 4, true) else {
        x.note(|| "the DOS header".into(), 0, 0x40);
        return;
    };
    let coff = lfanew + 4;
    x.note(|| "the COFF header".into(), lfanew, 4 + 20);
    let (Some(nsections), Some(opt_size)) = (
        read(data, coff + 2, 2, true),
        read(data, coff + 16, 2, true),
    ) else {
        return;
    };
    let opt = coff + 20;
    x.note(|| "the optional header".into(), opt, opt_size);
    let table = opt + opt_size;
    x.note(|| "the section table".into(), table, nsections * PE_SECTION);
    for i in 0..nsections {
        let e = table + i * PE_SECTION;
        let (Some(size), Some(ptr)) = (read(data, e + 16, 4, true), read(data, e + 20, 4, true))
        else {
            break;
        };
        x.note(|| format!("section {}", name(data, e, 8)), ptr, size);
    }
    let dirs = match read(data, opt, 2, true) {
        Some(PE32_MAGIC) => PE32_DIRECTORIES,
        Some(PE32_PLUS_MAGIC) => PE32_PLUS_DIRECTORIES,
        _ => return,
    };
    let cert = dirs + PE_CERTIFICATE_DIRECTORY * 8;
    if cert + 8 <= opt_size {
        if let (Some(off), Some(size)) = (
            read(data, opt + cert, 4, true),
            read(data, opt + cert + 4, 4, true),
        ) {
            x.note(|| "the certificate table".into(), off, size);
        }
    }
}

/// `fat_arch` entries are 20 bytes after the 8-byte `fat_header`.
const FAT_ARCH: u64 = 20;
const FAT_HEADER: u64 = 8;

fn fat(data: &[u8], x: &mut Extents) {
    let Some(n) = read(data, 4, 4, false) else {
        return;
    };
    x.note(|| "the fat arch table".into(), FAT_HEADER, n * FAT_ARCH);
    let present = (data.len() as u64).saturating_sub(FAT_HEADER) / FAT_ARCH;
    for i in 0..n.min(present) {
        let e = FAT_HEADER + i * FAT_ARCH;
        let (Some(off), Some(size)) = (read(data, e + 8, 4, false), read(data, e + 12, 4, false))
        else {
            break;
        };
        x.note(|| format!("slice {i}"), off, size);
        macho(data, off, &format!("slice {i} "), x);
    }
}

const LC_SEGMENT: u64 = 0x1;
const LC_SYMTAB: u64 = 0x2;
const LC_SEGMENT_64: u64 = 0x19;

/// The Mach-O at `base` of `data` (`what` prefixes the names: the slice).
fn macho(data: &[u8], base: u64, what: &str, x: &mut Extents) {
    let Some(magic) = read(data, base, 4, false) else {
        return;
    };
    let (little, is64) = match magic {
        0xcffa_edfe => (true, true),
        0xcefa_edfe => (true, false),
        0xfeed_facf => (false, true),
        0xfeed_face => (false, false),
        _ => return,
    };
    let header = if is64 { 32 } else { 28 };
    let (Some(ncmds), Some(sizeofcmds)) = (
        read(data, base + 16, 4, little),
        read(data, base + 20, 4, little),
    ) else {
        x.note(|| format!("the {what}Mach header"), base, header);
        return;
    };
    x.note(
        || format!("the {what}load commands"),
        base + header,
        sizeofcmds,
    );
    let mut at = base + header;
    let end = at + sizeofcmds;
    // Each command is at least 8 bytes: no more than the present bytes hold.
    let present = (data.len() as u64).saturating_sub(at) / 8;
    for _ in 0..ncmds.min(present) {
        let (Some(cmd), Some(size)) = (read(data, at, 4, little), read(data, at + 4, 4, little))
        else {
            break;
        };
        if size < 8 || at + size > end {
            break;
        }
        let field = |off: u64, n: usize| read(data, at + off, n, little);
        match cmd {
            LC_SEGMENT_64 => {
                if let (Some(o), Some(s)) = (field(40, 8), field(48, 8)) {
                    let seg = name(data, at + 8, 16);
                    x.note(|| format!("{what}segment {seg}"), base.saturating_add(o), s);
                }
            }
            LC_SEGMENT => {
                if let (Some(o), Some(s)) = (field(32, 4), field(36, 4)) {
                    let seg = name(data, at + 8, 16);
                    x.note(|| format!("{what}segment {seg}"), base + o, s);
                }
            }
            LC_SYMTAB => {
                let nlist = if is64 { 16 } else { 12 };
                if let (Some(so), Some(n), Some(stro), Some(strs)) =
                    (field(8, 4), field(12, 4), field(16, 4), field(20, 4))
                {
                    x.note(|| format!("the {what}symbol table"), base + so, n * nlist);
                    x.note(|| format!("the {what}string table"), base + stro, strs);
                }
            }
            _ => {}
        }
        at += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macho_cut_in_load_commands() {
        let mut m = vec![0u8; 64];
        m[..4].copy_from_slice(&[0xcf, 0xfa, 0xed, 0xfe]);
        m[16..20].copy_from_slice(&3u32.to_le_bytes());
        m[20..24].copy_from_slice(&200u32.to_le_bytes());
        let msg = past_end(&m).unwrap();
        assert!(
            msg.contains("describe 232") && msg.contains("the load commands"),
            "{msg}"
        );
        m[20..24].copy_from_slice(&0u32.to_le_bytes());
        assert_eq!(past_end(&m), None);
    }

    #[test]
    fn pe_cut_in_section_table() {
        let mut p = vec![0u8; 0x80 + 24 + 2];
        p[..2].copy_from_slice(b"MZ");
        p[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        p[0x86..0x88].copy_from_slice(&3u16.to_le_bytes());
        let msg = past_end(&p).unwrap();
        assert!(msg.contains("the section table"), "{msg}");
    }
}

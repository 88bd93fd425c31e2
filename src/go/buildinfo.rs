//! `.go.buildinfo`: the Go version and module information the linker stores in every Go
//! executable built with Go 1.13 or later (docs/FORMATS.md §3).
//!
//! Sources: `src/debug/buildinfo/buildinfo.go` (reader: where to look, the 32-byte header, both
//! string layouts), `src/runtime/debug/mod.go` (`ParseBuildInfo`, `BuildInfo.String`, the
//! quoting rules of `build` lines), `src/cmd/link/internal/ld/data.go` (`buildinfo()`, the
//! writer), `src/cmd/go/internal/modload/build.go` (the 16-byte sentinels around modinfo),
//! `src/cmd/go/internal/version/version.go` (how `go version -m` prints it). Read in Go 1.19
//! and 1.27.
//!
//! Two layouts, selected by bit 1 of the header's flags byte:
//! - before Go 1.18, the header holds two pointers to Go string headers
//!   (`runtime.buildVersion`, `runtime.modinfo`), in the byte order of flags bit 0 and the
//!   pointer size of header byte 14;
//! - Go 1.18+, the two strings follow the header inline, each as a uvarint length and bytes.
//!
//! The search follows Go's `debug/buildinfo` per container, with deliberate differences: the
//! ELF fallback to writable, non-executable PT_LOADs is kept although Go 1.27 dropped it, and
//! tries each of them rather than only the first; the 16-byte-aligned search keeps an absolute
//! offset (Go 1.24's `searchMagic` returns a wrong address after a misaligned false hit; Go
//! 1.19 rounded with a wrong mask).

use serde::{Deserialize, Serialize};

use crate::bytes::{Endian, Reader};
use crate::error::{Error, Problem, Result};
use crate::image::{Format, Image};
use crate::limits;

/// `"\xff Go buildinf:"`: the first 14 bytes of the header. The 0xff is invalid UTF-8 on
/// purpose, so that the magic does not occur in ordinary strings.
pub const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// The header is 16-byte aligned.
const ALIGN: u64 = 16;
/// The header is always 32 bytes ("a hold-over from before https://go.dev/cl/369977").
const HEADER_SIZE: u64 = 32;
/// Header byte 14: pointer size (pre-1.18 layout).
const PTR_SIZE_OFFSET: u64 = 14;
/// Header byte 15: flags.
const FLAGS_OFFSET: u64 = 15;
/// Flags bit 0: big-endian target.
const FLAG_BIG_ENDIAN: u8 = 0x1;
/// Flags bit 1: strings are inline after the header (Go 1.18+).
const FLAG_INLINE: u8 = 0x2;
/// modinfo is framed by two 16-byte sentinels (`modload.infoStart`/`infoEnd`).
const SENTINEL_SIZE: usize = 16;

/// One module of the build: the main module, a dependency, or a replacement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Module {
    /// Module path, e.g. `golang.org/x/sys`.
    pub path: String,
    /// Module version, e.g. `v0.19.0`, or `(devel)` for an unversioned main module.
    pub version: String,
    /// Checksum (`h1:…`), empty when there is none.
    pub sum: String,
    /// The module that replaced this one (a `=>` line), if any.
    pub replace: Option<Box<Module>>,
}

/// One `build` line: a setting that influenced the build (`-ldflags`, `GOARCH`, `vcs.revision`…).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildSetting {
    /// Key, unquoted.
    pub key: String,
    /// Value, unquoted.
    pub value: String,
}

/// The decoded `.go.buildinfo` blob (`go.buildinfo` in JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildInfo {
    /// The toolchain version string, e.g. `go1.22.10` (with ` X:…` when experiments are on).
    pub go_version: String,
    /// Import path of the main package.
    pub path: String,
    /// The main module (all fields empty when the binary was not built in module mode).
    pub main: Module,
    /// Dependency modules, in the order stored.
    pub deps: Vec<Module>,
    /// Build settings, in the order stored (Go 1.18+).
    pub settings: Vec<BuildSetting>,
    /// Virtual address of the 32-byte header.
    pub header_vaddr: u64,
    /// File offset of the header.
    pub header_offset: u64,
    /// `inline` (Go 1.18+: strings after the header) or `pointers` (before 1.18).
    pub layout: String,
}

impl BuildInfo {
    /// The modinfo text as `runtime/debug.BuildInfo.String` writes it for a `BuildInfo`
    /// whose `GoVersion` is empty: `path`, `mod`, `dep`, `=>` and `build` lines, each ending
    /// in `\n`, with keys and values quoted where Go quotes them. This is what
    /// `go version -m` prints (indented), re-serialised from the parsed fields as Go does.
    pub fn modinfo_text(&self) -> String {
        let mut out = String::new();
        if !self.path.is_empty() {
            out.push_str("path\t");
            out.push_str(&self.path);
            out.push('\n');
        }
        if self.main != Module::default() {
            format_module(&mut out, "mod", &self.main);
        }
        for dep in &self.deps {
            format_module(&mut out, "dep", dep);
        }
        for s in &self.settings {
            out.push_str("build\t");
            if quote_key(&s.key) {
                out.push_str(&go_quote(&s.key));
            } else {
                out.push_str(&s.key);
            }
            out.push('=');
            if quote_value(&s.value) {
                out.push_str(&go_quote(&s.value));
            } else {
                out.push_str(&s.value);
            }
            out.push('\n');
        }
        out
    }

    /// The output of `go version -m FILE` for this build info, byte for byte: the line
    /// `FILE: <go_version>`, then every modinfo line indented by one tab.
    pub fn version_m(&self, file: &str) -> String {
        let mut out = format!("{file}: {}\n", self.go_version);
        let text = self.modinfo_text();
        if let Some(body) = text.strip_suffix('\n') {
            out.push('\t');
            out.push_str(&body.replace('\n', "\n\t"));
            out.push('\n');
        }
        out
    }
}

fn format_module(out: &mut String, word: &str, m: &Module) {
    // As BuildInfo.String's formatMod: a replaced module's line ends after its version, and
    // the recursion writes a second '\n' after the `=>` line, so Go's text (and `go version
    // -m`, which prints it as a line holding one tab) has an empty line after every
    // replacement. Reproduced on purpose.
    out.push_str(word);
    out.push('\t');
    out.push_str(&m.path);
    out.push('\t');
    out.push_str(&m.version);
    match &m.replace {
        None => {
            out.push('\t');
            out.push_str(&m.sum);
        }
        Some(r) => {
            out.push('\n');
            format_module(out, "=>", r);
        }
    }
    out.push('\n');
}

/// Where to look for the blob: (virtual address, size) of each section or segment, in order.
///
/// As Go's `DataStart` per container, except that where Go falls back to the *first*
/// writable segment, goelf tries every writable, non-executable one in order: in a PIE
/// without section headers the first is the RELRO segment, and Go 1.19–1.26 then find
/// nothing.
fn data_ranges(image: &Image<'_>) -> Vec<(u64, u64)> {
    let by_section = |name: &str| {
        image
            .section(name)
            .filter(|s| s.file_range.is_some())
            .map(|s| vec![(s.vaddr, s.size)])
    };
    let writable_segments = |need_read: bool| {
        image
            .file_regions(|s| s.write && !s.exec && (s.read || !need_read) && s.vaddr != 0)
            .iter()
            .map(|s| (s.vaddr, s.filesz))
            .collect::<Vec<_>>()
    };
    match image.format() {
        // `.go.buildinfo`; else PT_LOADs with W set and X clear (Go 1.19–1.26 took the first;
        // Go 1.27 dropped this fallback, goelf keeps it for binaries whose sections are gone).
        Format::Elf => by_section(".go.buildinfo").unwrap_or_else(|| writable_segments(false)),
        // `__go_buildinfo`; else the non-empty segments mapped read-write.
        Format::Macho => by_section("__go_buildinfo").unwrap_or_else(|| writable_segments(true)),
        // The first section with initialised, readable, writable, non-executable data (Go
        // compares the characteristics with INITIALIZED_DATA|READ|WRITE): `.data`.
        Format::Pe => image
            .sections()
            .iter()
            .find(|s| {
                s.write && !s.exec && s.vaddr != 0 && s.file_range.is_some_and(|(_, n)| n > 0)
            })
            .map(|s| vec![(s.vaddr, s.size)])
            .unwrap_or_default(),
    }
}

/// Find the 16-byte-aligned magic in `[start, start+size)`: its virtual address.
fn search_magic(image: &Image<'_>, start: u64, size: u64) -> Result<u64> {
    let end = start.checked_add(size).ok_or(Error::BadValue {
        what: "buildinfo search range",
        offset: start,
        expected: "a range inside the address space",
        found: size,
    })?;
    let first = start
        .checked_add(ALIGN - 1)
        .map(|v| v & !(ALIGN - 1))
        .ok_or(Error::NotFound("go buildinfo"))?;
    if first >= end {
        return Err(Error::NotFound("go buildinfo"));
    }
    let r = image.reader_from_vaddr("go buildinfo search", first)?;
    let len = (r.len() as u64).min(end - first);
    let data = r.data();
    let mut i: u64 = 0;
    // `first` is aligned, so every candidate is `first + k*16`: an absolute, aligned address.
    while i.saturating_add(MAGIC.len() as u64) <= len {
        let (Ok(lo), Ok(hi)) = (usize::try_from(i), usize::try_from(i + MAGIC.len() as u64)) else {
            break;
        };
        if data.get(lo..hi) == Some(&MAGIC[..]) {
            return Ok(first + i);
        }
        i += ALIGN;
    }
    Err(Error::NotFound("go buildinfo"))
}

/// Locate and decode the build info. `Err(NotFound)` when there is no magic; other errors
/// mean a header was found but could not be decoded. Problems that still leave a result
/// (an unparsable modinfo) go to `problems`.
pub fn find(image: &Image<'_>, problems: &mut Vec<Problem>) -> Result<BuildInfo> {
    let header_vaddr = data_ranges(image)
        .into_iter()
        .filter(|&(_, size)| size > 0)
        .find_map(|(start, size)| search_magic(image, start, size).ok())
        .ok_or(Error::NotFound("go buildinfo"))?;
    let header = image.reader_at_vaddr("go buildinfo header", header_vaddr, HEADER_SIZE)?;
    let header_offset = header.base();
    let flags = header.u8_at("go buildinfo flags", FLAGS_OFFSET)?;
    let (version, modinfo, layout) = if flags & FLAG_INLINE != 0 {
        let (v, next) = inline_string(
            image,
            header_vaddr + HEADER_SIZE,
            limits::MAX_VERSION_STRING,
        )?;
        let (m, _) = inline_string(image, next, limits::MAX_MODINFO)?;
        (v, m, "inline")
    } else {
        let ptr_size = header.u8_at("go buildinfo pointer size", PTR_SIZE_OFFSET)?;
        if ptr_size != 4 && ptr_size != 8 {
            return Err(Error::BadValue {
                what: "go buildinfo pointer size",
                offset: header_offset + PTR_SIZE_OFFSET,
                expected: "4 or 8",
                found: u64::from(ptr_size),
            });
        }
        let endian = if flags & FLAG_BIG_ENDIAN != 0 {
            Endian::Big
        } else {
            Endian::Little
        };
        let h = Reader::new(header.data(), header_offset, endian, ptr_size);
        let vers_ptr = h.uptr_at("go buildinfo version pointer", 16)?;
        let mod_ptr = h.uptr_at("go buildinfo modinfo pointer", 16 + u64::from(ptr_size))?;
        let v = pointed_string(
            image,
            endian,
            ptr_size,
            vers_ptr,
            limits::MAX_VERSION_STRING,
        );
        let m = pointed_string(image, endian, ptr_size, mod_ptr, limits::MAX_MODINFO);
        (v, m, "pointers")
    };
    if version.is_empty() {
        // Go's reader says "not a Go executable"; a PIE linked before the fix for Go issue
        // 37173 left these pointers zero in the file.
        return Err(Error::BadValue {
            what: "go buildinfo version string",
            offset: header_offset,
            expected: "a non-empty version string",
            found: 0,
        });
    }
    let mut info = BuildInfo {
        go_version: String::from_utf8_lossy(version).into_owned(),
        header_vaddr,
        header_offset,
        layout: layout.into(),
        ..BuildInfo::default()
    };
    // Strip the sentinels only when the framing is as cmd/go writes it; else modinfo is empty.
    let n = modinfo.len();
    let text = if n > 2 * SENTINEL_SIZE && modinfo.get(n - SENTINEL_SIZE - 1) == Some(&b'\n') {
        modinfo
            .get(SENTINEL_SIZE..n - SENTINEL_SIZE)
            .unwrap_or_default()
    } else {
        &[][..]
    };
    match parse_modinfo(&String::from_utf8_lossy(text)) {
        Ok(m) => {
            info.path = m.path;
            info.main = m.main;
            info.deps = m.deps;
            info.settings = m.settings;
        }
        Err(e) => problems.push(Problem::at(
            "buildinfo.modinfo",
            format!("could not parse Go build info: {e}"),
            Some(header_offset),
        )),
    }
    Ok(info)
}

/// A uvarint-length-prefixed string at `vaddr` (Go 1.18+ layout): (bytes, address after it).
fn inline_string<'a>(image: &Image<'a>, vaddr: u64, max: usize) -> Result<(&'a [u8], u64)> {
    let r = image.reader_from_vaddr("go buildinfo string", vaddr)?;
    let (len, used) = r.uvarint_at("go buildinfo string length", 0)?;
    if len > max as u64 {
        return Err(Error::TooMany {
            what: "go buildinfo string length",
            count: len,
            limit: max as u64,
        });
    }
    let bytes = r.bytes_at("go buildinfo string", used, len)?;
    let next = vaddr
        .checked_add(used)
        .and_then(|v| v.checked_add(len))
        .ok_or(Error::Unmapped {
            what: "go buildinfo string end",
            vaddr,
        })?;
    Ok((bytes, next))
}

/// The Go string whose header `{data, len}` is at `vaddr` (pre-1.18 layout). Empty when
/// anything does not map, as in Go's `readString`.
fn pointed_string<'a>(
    image: &Image<'a>,
    endian: Endian,
    ptr_size: u8,
    vaddr: u64,
    max: usize,
) -> &'a [u8] {
    let header = image
        .read_vaddr("go string header", vaddr, 2 * u64::from(ptr_size))
        .map(|b| Reader::new(b, 0, endian, ptr_size));
    let Ok(h) = header else { return &[] };
    let (Ok(data), Ok(len)) = (h.word("go string data", 0), h.word("go string length", 1)) else {
        return &[];
    };
    if len > max as u64 {
        return &[];
    }
    image.read_vaddr("go string", data, len).unwrap_or_default()
}

/// The fields `runtime/debug.ParseBuildInfo` restores from modinfo text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModInfo {
    /// `path` line.
    pub path: String,
    /// `mod` line (and its `=>`).
    pub main: Module,
    /// `dep` lines (and their `=>`).
    pub deps: Vec<Module>,
    /// `build` lines.
    pub settings: Vec<BuildSetting>,
}

/// Which module a `=>` line replaces.
#[derive(Clone, Copy)]
enum Last {
    None,
    Main,
    Dep(usize),
}

/// Parse modinfo text as Go's `runtime/debug.ParseBuildInfo` does: unknown lines are
/// ignored, a last line without `\n` is dropped, `build` keys and values may be Go-quoted.
/// The error names the line, as Go's does.
pub fn parse_modinfo(data: &str) -> std::result::Result<ModInfo, String> {
    let mut out = ModInfo::default();
    let mut last = Last::None;
    let mut rest = data;
    let mut line_num = 1usize;
    while let Some((line, tail)) = rest.split_once('\n') {
        rest = tail;
        let fail = |msg: String| format!("line {line_num}: {msg}");
        if let Some(p) = line.strip_prefix("path\t") {
            out.path = p.to_string();
        } else if let Some(m) = line.strip_prefix("mod\t") {
            out.main = module_line(m).map_err(fail)?;
            last = Last::Main;
        } else if let Some(d) = line.strip_prefix("dep\t") {
            if out.deps.len() >= limits::MAX_MODULES {
                return Err(fail(format!(
                    "more than {} dependencies",
                    limits::MAX_MODULES
                )));
            }
            out.deps.push(module_line(d).map_err(fail)?);
            last = Last::Dep(out.deps.len() - 1);
        } else if let Some(r) = line.strip_prefix("=>\t") {
            let elem: Vec<&str> = r.split('\t').collect();
            let [path, version, sum] = elem[..] else {
                return Err(fail(format!(
                    "expected 3 columns for replacement; got {}",
                    elem.len()
                )));
            };
            let replacement = Some(Box::new(Module {
                path: path.into(),
                version: version.into(),
                sum: sum.into(),
                replace: None,
            }));
            match last {
                Last::None => {
                    return Err(fail("replacement with no module on previous line".into()))
                }
                Last::Main => out.main.replace = replacement,
                Last::Dep(i) => {
                    if let Some(d) = out.deps.get_mut(i) {
                        d.replace = replacement;
                    }
                }
            }
            last = Last::None;
        } else if let Some(kv) = line.strip_prefix("build\t") {
            if out.settings.len() >= limits::MAX_MODULES {
                return Err(fail(format!("more than {} settings", limits::MAX_MODULES)));
            }
            out.settings.push(build_line(kv).map_err(fail)?);
        }
        line_num += 1;
    }
    Ok(out)
}

fn module_line(s: &str) -> std::result::Result<Module, String> {
    let elem: Vec<&str> = s.split('\t').collect();
    match elem[..] {
        [path, version] => Ok(Module {
            path: path.into(),
            version: version.into(),
            ..Module::default()
        }),
        [path, version, sum] => Ok(Module {
            path: path.into(),
            version: version.into(),
            sum: sum.into(),
            replace: None,
        }),
        _ => Err(format!("expected 2 or 3 columns; got {}", elem.len())),
    }
}

fn build_line(kv: &str) -> std::result::Result<BuildSetting, String> {
    let (key, raw_value) = match kv.as_bytes().first() {
        None => return Err("build line missing '='".into()),
        Some(b'=') => return Err("build line with missing key".into()),
        Some(b'`' | b'"') => {
            let raw_key = quoted_prefix(kv).ok_or("invalid quoted key in build line")?;
            let after = kv.get(raw_key.len()..).unwrap_or_default();
            let Some(value) = after.strip_prefix('=') else {
                return Err(match after.chars().next() {
                    None => "build line missing '=' after quoted key".into(),
                    Some(c) => format!("unexpected character after quoted key: {c:?}"),
                });
            };
            (unquote(raw_key).unwrap_or_default(), value)
        }
        Some(_) => {
            let (key, value) = kv
                .split_once('=')
                .ok_or("build line missing '=' after key")?;
            if quote_key(key) {
                return Err(format!("unquoted key {key:?} must be quoted"));
            }
            (key.to_string(), value)
        }
    };
    let value = match raw_value.as_bytes().first() {
        Some(b'`' | b'"') => unquote(raw_value).ok_or("invalid quoted value in build line")?,
        _ => {
            if quote_value(raw_value) {
                return Err(format!("unquoted value {raw_value:?} must be quoted"));
            }
            raw_value.to_string()
        }
    };
    Ok(BuildSetting { key, value })
}

/// `runtime/debug.quoteKey`: empty, or contains one of `= \t\r\n"` and backquote.
fn quote_key(key: &str) -> bool {
    key.is_empty() || key.contains(['=', ' ', '\t', '\r', '\n', '"', '`'])
}

/// `runtime/debug.quoteValue`: contains one of ` \t\r\n"` and backquote.
fn quote_value(value: &str) -> bool {
    value.contains([' ', '\t', '\r', '\n', '"', '`'])
}

/// Go's `strconv.Quote`: a double-quoted string with Go escapes for non-printable runes.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_print(c) => out.push(c),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if u32::from(c) < 0x20 || c == '\x7f' => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if u32::from(c) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint`, approximated without Unicode tables: ASCII graphic characters and
/// space; outside ASCII everything except controls, non-ASCII white space, the common format
/// characters (Cf), private use and non-characters. (Unassigned code points, which Go also
/// treats as not printable, are printed as they are; cmd/go never writes them.)
fn is_print(c: char) -> bool {
    let u = u32::from(c);
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let format_chars = [
        0xad..=0xad,
        0x600..=0x605,
        0x61c..=0x61c,
        0x6dd..=0x6dd,
        0x70f..=0x70f,
        0x180e..=0x180e,
        0x200b..=0x200f,
        0x202a..=0x202e,
        0x2060..=0x206f,
        0xfeff..=0xfeff,
        0xfff9..=0xfffb,
        0xe000..=0xf8ff,
        0xf0000..=0x10ffff,
        0xe0000..=0xe007f,
    ];
    if format_chars.iter().any(|r| r.contains(&u)) {
        return false;
    }
    (u & 0xfffe) != 0xfffe && !(0xfdd0..=0xfdef).contains(&u)
}

/// Go's `strconv.QuotedPrefix`: the quoted string at the start of `s`, if valid.
fn quoted_prefix(s: &str) -> Option<&str> {
    let bytes = s.as_bytes();
    let quote = *bytes.first()?;
    let mut i = 1;
    while i < bytes.len() {
        let b = *bytes.get(i)?;
        if b == quote {
            let prefix = s.get(..=i)?;
            return unquote(prefix).map(|_| prefix);
        }
        if quote == b'"' && b == b'\n' {
            return None;
        }
        if quote == b'"' && b == b'\\' {
            i += 1;
        }
        i += 1;
    }
    None
}

/// Go's `strconv.Unquote` for double-quoted and back-quoted strings.
fn unquote(s: &str) -> Option<String> {
    if let Some(inner) = s.strip_prefix('`').and_then(|r| r.strip_suffix('`')) {
        if inner.contains('`') {
            return None;
        }
        // Go drops carriage returns from raw strings.
        return Some(inner.replace('\r', ""));
    }
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\n') {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return None,
            '\\' => {
                let e = chars.next()?;
                match e {
                    'a' => out.push(7),
                    'b' => out.push(8),
                    'f' => out.push(0x0c),
                    'n' => out.push(b'\n'),
                    'r' => out.push(b'\r'),
                    't' => out.push(b'\t'),
                    'v' => out.push(0x0b),
                    '\\' => out.push(b'\\'),
                    '"' => out.push(b'"'),
                    '0'..='7' => {
                        let mut v = e.to_digit(8)?;
                        for _ in 0..2 {
                            v = v * 8 + chars.next()?.to_digit(8)?;
                        }
                        out.push(u8::try_from(v).ok()?);
                    }
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut v: u32 = 0;
                        for _ in 0..n {
                            v = v * 16 + chars.next()?.to_digit(16)?;
                        }
                        if e == 'x' {
                            out.push(u8::try_from(v).ok()?);
                        } else {
                            let ch = char::from_u32(v)?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                    }
                    _ => return None,
                }
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reserialises_modinfo() {
        let text = "path\texample.com/x\nmod\texample.com/x\t(devel)\t\n\
                    dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n\
                    dep\tgolang.org/x/mod\tv0.2.0\n=>\t../mod\t(devel)\t\n\
                    build\t-ldflags=\"-s -w\"\nbuild\tCGO_ENABLED=0\nbuild\t\"a b\"=`x`\n\
                    unknown\tline\n";
        let m = parse_modinfo(text).unwrap();
        assert_eq!(m.path, "example.com/x");
        assert_eq!(m.main.version, "(devel)");
        assert_eq!(m.deps.len(), 2);
        assert_eq!(m.deps[1].replace.as_ref().unwrap().path, "../mod");
        assert_eq!(m.settings[0].value, "-s -w");
        assert_eq!(m.settings[2].key, "a b");
        assert_eq!(m.settings[2].value, "x");
        let bi = BuildInfo {
            go_version: "go1.22.10".into(),
            path: m.path,
            main: m.main,
            deps: m.deps,
            settings: m.settings,
            ..BuildInfo::default()
        };
        assert_eq!(
            bi.modinfo_text(),
            "path\texample.com/x\nmod\texample.com/x\t(devel)\t\n\
             dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n\
             dep\tgolang.org/x/mod\tv0.2.0\n=>\t../mod\t(devel)\t\n\n\
             build\t-ldflags=\"-s -w\"\nbuild\tCGO_ENABLED=0\nbuild\t\"a b\"=x\n"
        );
        assert!(bi
            .version_m("./bin")
            .starts_with("./bin: go1.22.10\n\tpath\texample.com/x\n\tmod\t"));
        assert!(bi
            .version_m("./bin")
            .contains("\t=>\t../mod\t(devel)\t\n\t\n\tbuild\t-ldflags"));
    }

    #[test]
    fn rejects_what_go_rejects() {
        assert!(parse_modinfo("=>\ta\tb\tc\n").is_err());
        assert!(parse_modinfo("mod\ta\n").is_err());
        assert!(parse_modinfo("build\t=x\n").is_err());
        assert!(parse_modinfo("build\tk=a b\n").is_err());
        assert!(parse_modinfo("build\t\"k\"x\n").is_err());
        // A last line without a newline is ignored.
        assert_eq!(parse_modinfo("path\tx").unwrap().path, "");
    }

    /// A minimal ELF64 with one RW PT_LOAD at 0x10000 holding `body` from file offset 0.
    fn elf_with(body: &[u8]) -> Vec<u8> {
        let mut d = body.to_vec();
        d[..4].copy_from_slice(b"\x7fELF");
        d[4..8].copy_from_slice(&[2, 1, 1, 0]);
        let put16 =
            |d: &mut Vec<u8>, at: usize, v: u16| d[at..at + 2].copy_from_slice(&v.to_le_bytes());
        let put32 =
            |d: &mut Vec<u8>, at: usize, v: u32| d[at..at + 4].copy_from_slice(&v.to_le_bytes());
        let put64 =
            |d: &mut Vec<u8>, at: usize, v: u64| d[at..at + 8].copy_from_slice(&v.to_le_bytes());
        put16(&mut d, 16, 2);
        put16(&mut d, 18, 0x3e);
        put32(&mut d, 20, 1);
        put64(&mut d, 32, 64);
        put16(&mut d, 52, 64);
        put16(&mut d, 54, 56);
        put16(&mut d, 56, 1);
        put16(&mut d, 58, 64);
        let len = d.len() as u64;
        put32(&mut d, 64, 1);
        put32(&mut d, 68, 6);
        put64(&mut d, 80, 0x10000);
        put64(&mut d, 88, 0x10000);
        put64(&mut d, 96, len);
        put64(&mut d, 104, len);
        put64(&mut d, 112, 0x1000);
        d
    }

    fn modinfo_blob(text: &[u8]) -> Vec<u8> {
        let mut m = vec![0x30u8; SENTINEL_SIZE];
        m.extend_from_slice(text);
        m.extend_from_slice(&[0xf9; SENTINEL_SIZE]);
        m
    }

    #[test]
    fn misaligned_false_hit_is_skipped_with_absolute_offsets() {
        let mut body = vec![0u8; 0x400];
        // A misaligned copy of the magic first (Go 1.24 would then return a wrong address).
        body[0x103..0x103 + 14].copy_from_slice(MAGIC);
        body[0x200..0x200 + 14].copy_from_slice(MAGIC);
        body[0x200 + 14] = 8;
        body[0x200 + 15] = FLAG_INLINE;
        let mut at = 0x220;
        for s in [&b"go1.22.10"[..], &modinfo_blob(b"path\texample.com/x\n")] {
            body[at] = s.len() as u8;
            body[at + 1..at + 1 + s.len()].copy_from_slice(s);
            at += 1 + s.len();
        }
        let file = elf_with(&body);
        let image = Image::parse(&file).unwrap();
        let bi = find(&image, &mut Vec::new()).unwrap();
        assert_eq!(bi.header_vaddr, 0x10200);
        assert_eq!(bi.header_offset, 0x200);
        assert_eq!(bi.go_version, "go1.22.10");
        assert_eq!(bi.path, "example.com/x");
        assert_eq!(bi.layout, "inline");
    }

    #[test]
    fn pointer_layout_big_endian_32bit() {
        // Pre-1.18 layout, as a 32-bit big-endian target writes it: pointers to string headers.
        let mut body = vec![0u8; 0x400];
        body[0x100..0x100 + 14].copy_from_slice(MAGIC);
        body[0x100 + 14] = 4;
        body[0x100 + 15] = FLAG_BIG_ENDIAN;
        let be = |v: u32| v.to_be_bytes();
        body[0x110..0x114].copy_from_slice(&be(0x10300)); // &runtime.buildVersion
        body[0x114..0x118].copy_from_slice(&be(0x10308)); // &runtime.modinfo
        let modinfo = modinfo_blob(b"path\tp\nmod\tm\tv1.0.0\th1:x\n");
        body[0x300..0x304].copy_from_slice(&be(0x10320));
        body[0x304..0x308].copy_from_slice(&be(8));
        body[0x308..0x30c].copy_from_slice(&be(0x10340));
        body[0x30c..0x310].copy_from_slice(&be(modinfo.len() as u32));
        body[0x320..0x328].copy_from_slice(b"go1.16.5");
        body[0x340..0x340 + modinfo.len()].copy_from_slice(&modinfo);
        let file = elf_with(&body);
        let image = Image::parse(&file).unwrap();
        let bi = find(&image, &mut Vec::new()).unwrap();
        assert_eq!(bi.layout, "pointers");
        assert_eq!(bi.go_version, "go1.16.5");
        assert_eq!(bi.main.version, "v1.0.0");
        assert_eq!(bi.main.sum, "h1:x");
        // A pointer that maps nowhere gives an empty version: an error, no panic.
        body[0x110..0x114].copy_from_slice(&be(0xffff_fff0));
        let file = elf_with(&body);
        let image = Image::parse(&file).unwrap();
        assert!(find(&image, &mut Vec::new()).is_err());
    }

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("-s -w"), "\"-s -w\"");
        assert_eq!(go_quote("a\"b\\\t\x01é"), "\"a\\\"b\\\\\\t\\x01é\"");
        assert_eq!(go_quote("\u{200b}"), "\"\\u200b\"");
        assert_eq!(unquote("\"\\x41\\u00e9\\101\"").as_deref(), Some("AéA"));
        assert_eq!(unquote("`raw\\n`").as_deref(), Some("raw\\n"));
        assert_eq!(unquote("\"bad\\q\""), None);
        assert_eq!(quoted_prefix("\"a\\\"b\"=c"), Some("\"a\\\"b\""));
    }
}

//! moduledata against `godump.json`, whose values come from each unstripped fixture's DWARF
//! type `runtime.moduledata` read at `runtime.firstmoduledata` (outside goelf).

use crate::common;

use goelf::go::moduledata::Moduledata;
use goelf::go::pclntab::Pclntab;
use goelf::go::version::GoVersion;
use goelf::image::Image;
use goelf::internals::{MdField, MODULEDATA_LAYOUTS};

fn opt(v: &serde_json::Value) -> Option<u64> {
    v.as_u64()
}

/// The DWARF member name of each field (runtime/symtab.go spelling).
fn dwarf_name(f: MdField) -> &'static str {
    use MdField::*;
    match f {
        PcHeader => "pcHeader",
        Funcnametab => "funcnametab",
        Cutab => "cutab",
        Filetab => "filetab",
        Pctab => "pctab",
        Pclntable => "pclntable",
        Ftab => "ftab",
        Findfunctab => "findfunctab",
        Minpc => "minpc",
        Maxpc => "maxpc",
        Text => "text",
        Etext => "etext",
        Noptrdata => "noptrdata",
        Enoptrdata => "enoptrdata",
        Data => "data",
        Edata => "edata",
        Bss => "bss",
        Ebss => "ebss",
        Noptrbss => "noptrbss",
        Enoptrbss => "enoptrbss",
        Covctrs => "covctrs",
        Ecovctrs => "ecovctrs",
        End => "end",
        Gcdata => "gcdata",
        Gcbss => "gcbss",
        Types => "types",
        Typedesclen => "typedesclen",
        Etypes => "etypes",
        Itaboffset => "itaboffset",
        Itabsize => "itabsize",
        Rodata => "rodata",
        Gofunc => "gofunc",
        Epclntab => "epclntab",
        Textsectmap => "textsectmap",
        Typelinks => "typelinks",
        Itablinks => "itablinks",
        Ptab => "ptab",
        Pluginpath => "pluginpath",
        Pkghashes => "pkghashes",
        Inittasks => "inittasks",
        Modulename => "modulename",
        Modulehashes => "modulehashes",
        Hasmain => "hasmain",
        Bad => "bad",
        Gcdatamask => "gcdatamask",
        Gcbssmask => "gcbssmask",
        Typemap => "typemap",
        Next => "next",
    }
}

/// Every layout row that covers a fixture's Go version has exactly the DWARF members, at the
/// DWARF offsets, with the DWARF size.
#[test]
fn layouts_match_dwarf() {
    let mut checked = Vec::new();
    for f in common::fixtures() {
        let Some(g) = f.godump() else { continue };
        let md = &g["moduledata"];
        if md.is_null() {
            continue;
        }
        let v = GoVersion::parse(f.meta_str("go_version")).expect("go_version");
        let ptr = if f.meta_str("goarch").contains("64") || f.meta_str("goarch") == "s390x" {
            8
        } else {
            4
        };
        let l = MODULEDATA_LAYOUTS
            .iter()
            .find(|l| l.covers(v))
            .unwrap_or_else(|| panic!("{}: no layout for {v}", f.name));
        let members: Vec<(&str, u64)> = md["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["size"].as_u64() != Some(0))
            .map(|m| (m["name"].as_str().unwrap(), m["offset"].as_u64().unwrap()))
            .collect();
        let ours: Vec<(&str, u64)> = l
            .fields
            .iter()
            .map(|(fl, _)| (dwarf_name(*fl), l.offset(*fl, ptr).unwrap()))
            .collect();
        assert_eq!(ours, members, "{}: layout {} vs DWARF", f.name, l.name);
        assert_eq!(
            l.size(ptr),
            md["struct_size"].as_u64().unwrap(),
            "{}: size",
            f.name
        );
        checked.push(l.name);
    }
    checked.sort();
    checked.dedup();
    // 1.10–1.15, 1.18–1.19, 1.21–1.22, 1.23–1.25, 1.26, 1.27 have DWARF fixtures.
    assert!(checked.len() >= 6, "layouts checked: {checked:?}");
}

/// The decoded values equal DWARF's, with and without a version hint.
#[test]
fn values_match_dwarf() {
    let mut errors = Vec::new();
    let mut checked = 0;
    for f in common::fixtures() {
        let Some(g) = f.godump() else { continue };
        let md = &g["moduledata"];
        if md.is_null() {
            continue;
        }
        let bytes = f.bytes();
        let image = Image::parse(&bytes).expect("container");
        let tab = Pclntab::find(&image, &mut Vec::new()).expect("pclntab");
        let v = GoVersion::parse(f.meta_str("go_version"));
        for hint in [v, None] {
            let ours = match Moduledata::find(&image, &tab, hint, &mut Vec::new()) {
                Ok(m) => m.info(),
                Err(e) => {
                    errors.push(format!("{} (hint {hint:?}): {e}", f.name));
                    continue;
                }
            };
            let want = (
                md["addr"].as_u64(),
                opt(&md["text"]),
                opt(&md["etext"]),
                opt(&md["types"]),
                opt(&md["etypes"]),
                opt(&md["hasmain"]).map(|h| h != 0),
                opt(&md["typelinks_len"]),
                opt(&md["itablinks_len"]),
            );
            let got = (
                Some(ours.address),
                Some(ours.text),
                Some(ours.etext),
                ours.types,
                ours.etypes,
                ours.hasmain,
                ours.typelinks,
                ours.itablinks,
            );
            if got != want {
                errors.push(format!(
                    "{} (hint {hint:?}): DWARF (addr, text, etext, types, etypes, hasmain, typelinks, itablinks): goelf {got:?}, godump {want:?}",
                    f.name
                ));
            }
            // Without a hint, 1.20 and 1.21+ can both fit a moduledata whose inittasks
            // slice is empty, so the count is compared with the exact layout only.
            if hint.is_some() && ours.inittasks != opt(&md["inittasks_len"]) {
                errors.push(format!(
                    "{}: inittasks goelf {:?}, godump {:?}",
                    f.name, ours.inittasks, md["inittasks_len"]
                ));
            }
            if hint.is_none() && md["inittasks_len"].as_u64().is_some_and(|n| n > 0) {
                assert_eq!(ours.inittasks, opt(&md["inittasks_len"]), "{}", f.name);
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 10,
        "only {checked} fixtures with DWARF moduledata"
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// Stripped twins: the moduledata found without symbols (scan, or `.go.module`, and the
/// scan again with that section hidden) has the twin's DWARF values. `types`/`etypes` and
/// the address are not compared: `-ldflags='-s -w'` lengthens the build-info string in
/// rodata, which moves them by a few bytes.
#[test]
fn stripped_twins_match() {
    let mut checked = 0;
    for f in common::fixtures() {
        let twin = f.meta_str("twin");
        if twin.is_empty() {
            continue;
        }
        let Some(tw) = common::fixtures().into_iter().find(|t| t.name == twin) else {
            continue;
        };
        let g = tw.godump().expect("twin godump");
        let md = &g["moduledata"];
        let mut bytes = f.bytes();
        for hide in [false, true] {
            if hide {
                let mut i = 0;
                while i + 11 <= bytes.len() {
                    if &bytes[i..i + 11] == b".go.module\0" {
                        bytes[i..i + 11].copy_from_slice(b".go.xodule\0");
                    }
                    i += 1;
                }
            }
            let image = Image::parse(&bytes).expect("container");
            let tab = Pclntab::find(&image, &mut Vec::new()).expect("pclntab");
            let ours = Moduledata::find(&image, &tab, None, &mut Vec::new())
                .unwrap_or_else(|e| panic!("{}: {e}", f.name))
                .info();
            if hide {
                assert_eq!(ours.found_by, "scan", "{}", f.name);
            }
            assert_eq!(
                (
                    Some(ours.text),
                    Some(ours.etext),
                    ours.hasmain,
                    ours.typelinks,
                    ours.itablinks,
                    ours.inittasks
                ),
                (
                    opt(&md["text"]),
                    opt(&md["etext"]),
                    opt(&md["hasmain"]).map(|h| h != 0),
                    opt(&md["typelinks_len"]),
                    opt(&md["itablinks_len"]),
                    opt(&md["inittasks_len"])
                ),
                "{} vs twin {twin} (DWARF)",
                f.name
            );
            // And the pclntab's text base for 1.26+ comes from it when nothing else says.
            assert_eq!(tab.text_start(), opt(&md["text"]), "{}", f.name);
        }
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} stripped twins");
}

/// 1.26+ external link without symbols: `.text` starts with C code, so the text base must
/// come from moduledata, not from the section. The fixture is unstripped; hide its symbol
/// table (SHT_SYMTAB → SHT_NULL) to strip it in place.
#[test]
fn external_link_text_base_comes_from_moduledata() {
    let Some(f) = common::fixtures()
        .into_iter()
        .find(|f| f.name == "cgohello-go1.27.3-linux-amd64-cgo-ext")
    else {
        return;
    };
    let g = f.godump().unwrap();
    let text = g["moduledata"]["text"].as_u64().unwrap();
    let mut bytes = f.bytes();
    strip_symtab_elf64le(&mut bytes);
    let image = Image::parse(&bytes).expect("container");
    assert!(
        image.symbol("runtime.text").is_none(),
        "symbols still visible"
    );
    let sec = image.section(".text").unwrap().vaddr;
    assert_ne!(sec, text, "fixture no longer has C code before Go text");
    let mut problems = Vec::new();
    let tab = Pclntab::find(&image, &mut problems).expect("pclntab");
    assert_eq!(tab.text_start(), Some(text));
    assert_eq!(
        tab.info().text_start_source.map(|s| s.name()),
        Some("moduledata.text")
    );
    let want = &g["funcs"][0];
    let f0 = tab.func(0).unwrap();
    assert_eq!(f0.entry, want["entry"].as_u64().unwrap());
}

/// Turn every SHT_SYMTAB section header of a little-endian ELF64 file into SHT_NULL.
fn strip_symtab_elf64le(b: &mut [u8]) {
    let rd = |b: &[u8], o: usize, n: usize| -> u64 {
        let mut v = 0u64;
        for i in (0..n).rev() {
            v = v << 8 | u64::from(b[o + i]);
        }
        v
    };
    let shoff = rd(b, 0x28, 8) as usize;
    let shentsize = rd(b, 0x3a, 2) as usize;
    let shnum = rd(b, 0x3c, 2) as usize;
    for i in 0..shnum {
        let h = shoff + i * shentsize;
        if rd(b, h + 4, 4) == 2 {
            b[h + 4..h + 8].copy_from_slice(&0u32.to_le_bytes());
        }
    }
}

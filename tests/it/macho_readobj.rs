//! `goelf inspect` on Mach-O files (thin and universal) against `llvm-readobj --file-headers
//! --macho-segment --sections --needed-libs --macho-version-min` and `llvm-objdump --macho
//! --private-headers --arch=all` (otool -l) — LLVM 14, goldens by `testdata/regen.sh
//! containers`: header, every load command, segments, sections, dylibs, build version,
//! UUID, entry (LC_MAIN or the LC_UNIXTHREAD PC) and the code signature's place.

use crate::common::{self, llvm, Fixture};

use goelf::macho::{MachoReport, MachoSlice};

fn report(f: &Fixture) -> MachoReport {
    let r = common::inspect_container(f);
    r.macho
        .unwrap_or_else(|| panic!("{}: no Mach-O report", f.name))
}

fn macho_fixtures() -> Vec<Fixture> {
    let v = common::llvm_fixtures("darwin");
    assert!(v.len() >= 3, "Mach-O fixtures with goldens: {}", v.len());
    v
}

/// The golden's text split per slice (at each `File:` line / `(architecture …):` line).
fn per_slice(text: &str, start: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if start(line) {
            out.push(String::new());
        }
        if let Some(cur) = out.last_mut() {
            cur.push_str(line);
            cur.push('\n');
        }
    }
    out
}

fn prot(p: u32) -> String {
    format!(
        "{}{}{}",
        if p & 1 != 0 { 'r' } else { '-' },
        if p & 2 != 0 { 'w' } else { '-' },
        if p & 4 != 0 { 'x' } else { '-' }
    )
}

fn slices(f: &Fixture) -> (MachoReport, Vec<llvm::Node>, Vec<String>) {
    let m = report(f);
    let ro: Vec<llvm::Node> = per_slice(&f.golden("llvm-readobj.txt").unwrap(), |l| {
        l.starts_with("File: ")
    })
    .iter()
    .map(|t| llvm::parse(t))
    .collect();
    let od = per_slice(&f.golden("objdump-macho-l.txt").unwrap(), |l| {
        !l.starts_with(' ') && l.ends_with(':') && !l.starts_with("Load command")
    });
    assert_eq!(
        m.slices.len(),
        ro.len(),
        "{}: slices (llvm-readobj)",
        f.name
    );
    assert_eq!(m.slices.len(), od.len(), "{}: slices (objdump)", f.name);
    (m, ro, od)
}

#[test]
fn macho_header_segments_sections_equal_llvm_readobj() {
    let mut fat = 0;
    for f in macho_fixtures() {
        let (m, ro, _) = slices(&f);
        if m.universal.is_some() {
            fat += 1;
        }
        for (s, root) in m.slices.iter().zip(&ro) {
            let n = format!("{} {}", f.name, s.header.cputype_name);
            let h = root.get("MachHeader").unwrap();
            assert_eq!(u64::from(s.header.magic), h.num("Magic"), "{n}");
            assert_eq!(u64::from(s.header.cputype), h.num("CpuType"), "{n}");
            assert_eq!(u64::from(s.header.cpusubtype), h.num("CpuSubType"), "{n}");
            assert_eq!(u64::from(s.header.filetype), h.num("FileType"), "{n}");
            assert_eq!(u64::from(s.header.ncmds), h.num("NumOfLoadCommands"), "{n}");
            assert_eq!(
                u64::from(s.header.sizeofcmds),
                h.num("SizeOfLoadCommands"),
                "{n}"
            );
            assert_eq!(u64::from(s.header.flags), h.flag_value("Flags"), "{n}");
            let mut a = s.header.flag_names.clone();
            let mut b = h.flag_names("Flags");
            a.sort();
            b.sort();
            assert_eq!(a, b, "{n}: flags");

            let segs: Vec<&llvm::Node> = root.all("Segment").collect();
            assert_eq!(segs.len(), s.segments.len(), "{n}: segments");
            for (g, l) in s.segments.iter().zip(segs) {
                assert_eq!(g.name, l.val("Name"), "{n}");
                assert_eq!(g.vmaddr, l.num("vmaddr"), "{n} {}", g.name);
                assert_eq!(g.vmsize, l.num("vmsize"), "{n} {}", g.name);
                assert_eq!(g.fileoff, l.num("fileoff"), "{n} {}", g.name);
                assert_eq!(g.filesize, l.num("filesize"), "{n} {}", g.name);
                assert_eq!(prot(g.maxprot), l.val("maxprot"), "{n} {}", g.name);
                assert_eq!(prot(g.initprot), l.val("initprot"), "{n} {}", g.name);
                assert_eq!(u64::from(g.nsects), l.num("nsects"), "{n} {}", g.name);
                assert_eq!(u64::from(g.flags), l.num("flags"), "{n} {}", g.name);
            }
            let secs: Vec<&llvm::Node> = root.get("Sections").unwrap().all("Section").collect();
            let ours: Vec<_> = s.segments.iter().flat_map(|g| &g.sections).collect();
            assert_eq!(secs.len(), ours.len(), "{n}: sections");
            for (x, l) in ours.into_iter().zip(secs) {
                assert_eq!(x.index as u64, l.num("Index"), "{n}");
                assert_eq!(x.name, l.val("Name").split(" (").next().unwrap(), "{n}");
                assert_eq!(
                    x.segment,
                    l.val("Segment").split(" (").next().unwrap(),
                    "{n}"
                );
                assert_eq!(x.addr, l.num("Address"), "{n} {}", x.name);
                assert_eq!(x.size, l.num("Size"), "{n} {}", x.name);
                assert_eq!(u64::from(x.offset), l.num("Offset"), "{n} {}", x.name);
                assert_eq!(u64::from(x.align), l.num("Alignment"), "{n} {}", x.name);
                assert_eq!(u64::from(x.reloff), l.num("RelocationOffset"), "{n}");
                assert_eq!(u64::from(x.nreloc), l.num("RelocationCount"), "{n}");
                // llvm-readobj prints the attributes shifted down by 8 (the type byte).
                let flags = l.num("Type") | (l.flag_value("Attributes") << 8);
                assert_eq!(
                    u64::from(x.flags),
                    flags,
                    "{n} {}: type | attributes",
                    x.name
                );
                assert_eq!(u64::from(x.reserved1), l.num("Reserved1"), "{n}");
                assert_eq!(u64::from(x.reserved2), l.num("Reserved2"), "{n}");
                if let Some(r3) = l.get("Reserved3") {
                    assert_eq!(u64::from(x.reserved3), llvm::parse_num(&r3.value).unwrap());
                }
            }
            let mut libs: Vec<String> = root
                .get("NeededLibraries")
                .map(|n| n.children.iter().map(|c| c.key.clone()).collect())
                .unwrap_or_default();
            // llvm-readobj lists LC_ID_DYLIB among the needed libraries too.
            let mut ours: Vec<String> = s
                .dylibs
                .iter()
                .map(|d| d.name.clone())
                .chain(s.id_dylib.clone())
                .collect();
            libs.sort();
            ours.sort();
            assert_eq!(ours, libs, "{n}: needed libraries");
            if let Some(v) = root.get("MinVersion") {
                let b = s.build_version.as_ref().expect("build version");
                assert_eq!(b.command, v.val("Cmd"), "{n}");
                assert_eq!(b.minos, v.val("Version"), "{n}");
                assert_eq!(b.sdk, v.val("SDK"), "{n}");
                if let Some(p) = v.get("Platform") {
                    assert_eq!(
                        b.platform_name
                            .trim_start_matches("PLATFORM_")
                            .to_lowercase(),
                        p.value,
                        "{n}"
                    );
                }
            }
            for c in &s.loader_checks {
                assert!(c.ok, "{n}: loader check {} failed: {}", c.check, c.detail);
            }
        }
    }
    assert_eq!(fat, 1, "one universal fixture");
}

/// The value after `key` in an otool -l load command block (`entryoff 478000`).
fn field<'a>(block: &'a str, key: &str) -> Option<&'a str> {
    block.lines().find_map(|l| {
        let t = l.trim_start();
        t.strip_prefix(key)
            .filter(|r| r.starts_with(' '))
            .map(|r| r.trim())
    })
}

fn check_load_commands(n: &str, s: &MachoSlice, od: &str) {
    let blocks: Vec<&str> = od.split("Load command ").skip(1).collect();
    assert_eq!(blocks.len(), s.load_commands.len(), "{n}: load commands");
    for (c, b) in s.load_commands.iter().zip(&blocks) {
        assert_eq!(
            Some(c.name.as_str()),
            field(b, "cmd"),
            "{n}: command {}",
            c.index
        );
        assert_eq!(
            Some(c.cmdsize.to_string().as_str()),
            field(b, "cmdsize"),
            "{n}"
        );
    }
    let find = |cmd: &str| {
        blocks
            .iter()
            .find(|b| field(b, "cmd") == Some(cmd))
            .copied()
    };
    match (&s.uuid, find("LC_UUID")) {
        (Some(u), Some(b)) => assert_eq!(Some(u.as_str()), field(b, "uuid"), "{n}"),
        (None, None) => {}
        (a, b) => panic!("{n}: uuid {a:?} vs {b:?}"),
    }
    let e = s.entry.as_ref();
    if let Some(b) = find("LC_MAIN") {
        let e = e.expect("LC_MAIN entry");
        assert_eq!(
            e.entryoff.map(|v| v.to_string()).as_deref(),
            field(b, "entryoff")
        );
        assert_eq!(
            e.stacksize.map(|v| v.to_string()).as_deref(),
            field(b, "stacksize")
        );
    } else if let Some(b) = find("LC_UNIXTHREAD") {
        let pc = b
            .split_whitespace()
            .skip_while(|w| *w != "rip" && *w != "pc")
            .nth(1)
            .map(common::hex);
        assert_eq!(e.and_then(|e| e.address), pc, "{n}: LC_UNIXTHREAD pc");
    }
    match (&s.code_signature, find("LC_CODE_SIGNATURE")) {
        (Some(c), Some(b)) => {
            assert_eq!(
                Some(c.dataoff.to_string().as_str()),
                field(b, "dataoff"),
                "{n}"
            );
            assert_eq!(
                Some(c.datasize.to_string().as_str()),
                field(b, "datasize"),
                "{n}"
            );
        }
        (None, None) => {}
        (a, b) => panic!("{n}: signature {a:?} vs {b:?}"),
    }
    for d in &s.dylibs {
        let b = blocks
            .iter()
            .find(|b| field(b, "name").is_some_and(|v| v.starts_with(&format!("{} (", d.name))))
            .unwrap_or_else(|| panic!("{n}: {} in otool -l", d.name));
        let cur = field(b, "current version").unwrap();
        // otool prints X.Y.Z always; goelf leaves out a zero .Z.
        let short = cur.strip_suffix(".0").unwrap_or(cur);
        assert_eq!(d.current_version, short, "{n}: {}", d.name);
        assert_eq!(Some(d.command.as_str()), field(b, "cmd"), "{n}");
    }
}

#[test]
fn macho_load_commands_equal_otool_l() {
    let mut unixthread = 0;
    for f in macho_fixtures() {
        let (m, _, od) = slices(&f);
        for (s, text) in m.slices.iter().zip(&od) {
            let n = format!("{} {}", f.name, s.header.cputype_name);
            check_load_commands(&n, s, text);
            if s.entry
                .as_ref()
                .is_some_and(|e| e.command == "LC_UNIXTHREAD")
            {
                unixthread += 1;
            }
        }
    }
    assert!(unixthread >= 1, "no LC_UNIXTHREAD fixture");
}

#[test]
fn macho_hardening_as_go_links_it() {
    // Go links darwin/arm64 PIE and ad-hoc signs it (cmd/link: the kernel refuses unsigned
    // arm64 code); darwin/amd64 internal linking is not PIE and not signed.
    for f in macho_fixtures() {
        let m = report(&f);
        for s in &m.slices {
            let n = format!("{} {}", f.name, s.header.cputype_name);
            let h = &s.hardening;
            if s.header.cputype_name == "CPU_TYPE_ARM64" {
                assert!(h.pie && h.code_signature && h.adhoc_signature, "{n}: {h:?}");
            }
            if s.header.filetype_name == "MH_EXECUTE" {
                assert!(h.pagezero_size > 0, "{n}");
            }
            assert!(!h.wx_segment, "{n}");
        }
    }
}

#[test]
fn init_order_lists_mod_init_func_entries() {
    // pygohcl (a cgo c-shared dylib): one __mod_init_func entry, the Go runtime's library
    // entry, whose address `go tool nm` gives.
    let f = common::fixture("pygohcl-1.0.6-go1.17-darwin-amd64-cshared");
    let nm = f.golden("nm.txt").unwrap();
    let want = nm
        .lines()
        .find_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.last() == Some(&"__rt0_amd64_darwin_lib")).then(|| common::hex(w[0]))
        })
        .expect("nm names the library entry");
    let r = goelf::init_order(&f.name, &f.bytes(), &Default::default());
    let c = r.constructors.expect("constructors for a Mach-O");
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].kind.as_str(), "mod_init_func");
    assert_eq!(c[0].address, want);
    // Go executables (internal linking) have no constructors.
    let f = common::fixture("initgraph-go1.27.3-darwin-arm64-default");
    let r = goelf::init_order(&f.name, &f.bytes(), &Default::default());
    assert_eq!(r.constructors, Some(Vec::new()));
}

//! Hostile input: every fixture cut at 50+ offsets (inside the ELF header, the program header
//! table, the section header table, every section boundary and evenly across the file) must
//! give an error or a partial report — never a panic — through the whole `inspect` path.

use crate::common;

use goelf::inspect::{inspect_bytes, InspectOptions};

fn cut_points(data: &[u8], elf: Option<&goelf::elf::ElfReport>) -> Vec<usize> {
    let len = data.len();
    let mut cuts: Vec<usize> = (0..64).chain([100, 200, 500, 1000, 4096]).collect();
    if let Some(e) = elf {
        let h = &e.header;
        for base in [h.phoff, h.shoff] {
            for d in [0u64, 1, 7, 8, 31, 32, 55, 56, 57, 100, 200, 700] {
                cuts.push(base.saturating_add(d) as usize);
            }
        }
        for s in e.sections.iter() {
            cuts.push(s.offset as usize);
            cuts.push(s.offset.saturating_add(s.size / 2) as usize);
        }
        for p in &e.program_headers {
            cuts.push(p.offset.saturating_add(p.filesz) as usize);
        }
    }
    for i in 1..50 {
        cuts.push(len / 50 * i);
    }
    cuts.retain(|&c| c < len);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[test]
fn truncated_fixtures_never_panic() {
    let fixtures = common::fixtures();
    let mut total = 0;
    for f in fixtures {
        let data = f.bytes();
        let full = inspect_bytes(&f.name, &data, &InspectOptions::default());
        let cuts = cut_points(&data, full.elf.as_ref());
        assert!(
            cuts.len() >= 50,
            "{}: only {} cut points",
            f.name,
            cuts.len()
        );
        for cut in cuts {
            let part = &data[..cut];
            let r = inspect_bytes(&f.name, part, &InspectOptions::default());
            if !r.ok {
                assert!(
                    r.error.is_some(),
                    "{} cut at {cut}: failed without an error",
                    f.name
                );
            }
            total += 1;
        }
    }
    assert!(total > 300, "only {total} truncated inputs");
}

#[test]
fn hostile_headers_are_reported_not_trusted() {
    let f = common::fixtures()
        .into_iter()
        .find(|f| f.meta_str("goarch") == "amd64" && f.meta_str("goos") == "linux")
        .expect("a linux/amd64 fixture");
    let data = f.bytes();
    // e_phoff and e_shoff at the top of the address space.
    let mut bad = data.clone();
    bad[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
    bad[40..48].copy_from_slice(&(u64::MAX - 8).to_le_bytes());
    let r = inspect_bytes("bad", &bad, &InspectOptions::default());
    assert!(r.ok);
    let elf = r.elf.unwrap();
    assert!(elf.program_headers.is_empty() && elf.sections.is_empty());
    assert!(r
        .problems
        .iter()
        .any(|p| p.code.starts_with("elf.program_headers")));
    // A huge e_phnum with extended numbering through a garbage section 0.
    let mut bad = data.clone();
    bad[56..58].copy_from_slice(&0xffffu16.to_le_bytes());
    let _ = inspect_bytes("bad", &bad, &InspectOptions::default());
    // Wrong class byte, wrong data byte, zero file, all-0xff file.
    for (i, v) in [(4usize, 9u8), (5, 0)] {
        let mut bad = data.clone();
        bad[i] = v;
        let r = inspect_bytes("bad", &bad, &InspectOptions::default());
        let error = r.error.expect("an error");
        assert!(!r.ok && error.code() == "bad_value", "{error:?}");
        assert!(error.to_string().contains("expected"));
    }
    assert!(!inspect_bytes("z", &vec![0; 1 << 16], &InspectOptions::default()).ok);
    let mut ff = vec![0xffu8; 1 << 16];
    ff[..4].copy_from_slice(b"\x7fELF");
    let _ = inspect_bytes("ff", &ff, &InspectOptions::default());
}

/// PE and Mach-O container fixtures: cut at every section's raw data, every segment's file
/// range and evenly; and every 4-byte word of the first 4 KiB (headers, data directories,
/// load commands, the fat header) overwritten with 0xffffffff and with 0x7fff_0000, one at a
/// time: an error or a report, never a panic, hang or huge allocation.
#[test]
fn damaged_pe_and_macho_never_panic() {
    let mut total = 0;
    for f in common::containers() {
        let data = f.bytes();
        let opts = InspectOptions {
            no_go: true,
            ..Default::default()
        };
        let full = inspect_bytes(&f.name, &data, &opts);
        assert!(full.ok, "{}", f.name);
        let mut cuts: Vec<usize> = (0..64)
            .chain((1..50).map(|i| data.len() / 50 * i))
            .collect();
        if let Some(pe) = &full.pe {
            for s in &pe.sections {
                cuts.push(s.pointer_to_raw_data as usize);
                cuts.push((s.pointer_to_raw_data + s.size_of_raw_data / 2) as usize);
            }
        }
        if let Some(m) = &full.macho {
            for s in &m.slices {
                for g in &s.segments {
                    cuts.push((s.offset + g.fileoff) as usize);
                    cuts.push((s.offset + g.fileoff + g.filesize / 2) as usize);
                }
            }
        }
        cuts.retain(|&c| c < data.len());
        for cut in cuts {
            let r = inspect_bytes(&f.name, &data[..cut], &opts);
            assert!(r.ok || r.error.is_some(), "{} cut at {cut}", f.name);
            let _ = goelf::init_order(&f.name, &data[..cut], &Default::default());
            total += 1;
        }
        let mut bad = data.clone();
        for off in (0..4096.min(data.len() - 4)).step_by(4) {
            for v in [0xffff_ffffu32, 0x7fff_0000] {
                let keep: [u8; 4] = bad[off..off + 4].try_into().unwrap();
                bad[off..off + 4].copy_from_slice(&v.to_le_bytes());
                let r = inspect_bytes(&f.name, &bad, &opts);
                assert!(r.ok || r.error.is_some(), "{} word {off:#x}", f.name);
                bad[off..off + 4].copy_from_slice(&keep);
                total += 1;
            }
        }
    }
    assert!(total > 1000, "{total} damaged inputs");
}

//! The whole `inspect` path (container, ELF layer, Go metadata) on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let report = goelf::inspect::inspect_bytes("fuzz", data, &Default::default());
    let _ = serde_json::to_vec(&report);
});

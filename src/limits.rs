//! Named limits on counts read from files.
//!
//! Every count taken from a file is checked twice before anything is allocated: against the
//! bytes that could hold it, and against one of these limits. They are far above anything a
//! real Go binary holds (the largest binaries we know have ~300k functions) and exist so that a
//! hostile file cannot make goelf allocate or loop without bound.

/// Program headers in one ELF file (the kernel refuses more than 64 KiB of them).
pub const MAX_PROGRAM_HEADERS: usize = 65_535;
/// Sections in one file.
pub const MAX_SECTIONS: usize = 1 << 20;
/// Entries in `.init_array` and friends.
pub const MAX_INIT_ARRAY: usize = 1 << 16;
/// Entries in the dynamic section.
pub const MAX_DYNAMIC: usize = 1 << 16;
/// Functions in one pclntab.
pub const MAX_FUNCS: usize = 1 << 24;
/// File names in one pclntab.
pub const MAX_FILES: usize = 1 << 22;
/// Bytes of a single name (function, file, package, module).
pub const MAX_STRING: usize = 1 << 16;
/// Dependency modules listed in buildinfo.
pub const MAX_MODULES: usize = 1 << 16;
/// Init tasks in one binary.
pub const MAX_INIT_TASKS: usize = 1 << 16;
/// Dependencies of one init task (Go ≤1.20) and functions per task.
pub const MAX_TASK_ENTRIES: usize = 1 << 16;
/// Links followed in a moduledata `next` chain.
pub const MAX_MODULE_CHAIN: usize = 64;
/// Dynamic relocations in one file.
pub const MAX_RELOCATIONS: usize = 1 << 26;
/// Bytes of buildinfo modinfo text.
pub const MAX_MODINFO: usize = 1 << 24;
/// Bytes of the Go version string (buildinfo, `runtime.buildVersion`).
pub const MAX_VERSION_STRING: usize = 256;
/// DWARF compile units read for the producer summary.
pub const MAX_DWARF_UNITS: usize = 1 << 20;
/// Distinct DWARF producer strings kept in a report.
pub const MAX_DWARF_PRODUCERS: usize = 32;
/// Bytes of one decompressed DWARF section.
pub const MAX_DWARF_SECTION: u64 = 1 << 30;
/// Bytes searched at each end of a file for packer signatures.
pub const PACKER_SCAN_WINDOW: usize = 64 << 10;
/// Candidate positions the pclntab magic and repair scans try before giving up.
pub const MAX_PCLNTAB_CANDIDATES: usize = 1 << 20;
/// Pointer-equal words the moduledata scan tries before giving up.
pub const MAX_MODULEDATA_CANDIDATES: usize = 4096;
/// Funcdata slots of one `_func` record (a uint8 since Go 1.12, an int32 before).
pub const MAX_FUNCDATA: usize = 1 << 16;
/// Levels of inlined calls followed at one PC.
pub const MAX_INLINE_DEPTH: usize = 1024;
/// Address ranges read from one DWARF unit's root DIE, and from all of `.debug_aranges`.
pub const MAX_DWARF_RANGES: usize = 1 << 20;
/// DWARF line-table rows decoded for one `funcs --addr` lookup (over every unit run).
pub const MAX_DWARF_LINE_ROWS: usize = 1 << 26;
/// Dependencies and functions of all init tasks of one binary together (each task also
/// bounded by `MAX_TASK_ENTRIES`, the sum by the file's size).
pub const MAX_INIT_TASK_ENTRIES: usize = 1 << 22;
/// Most bytes one compressed byte expands to with DEFLATE (zlib): 258 bytes per 2-bit code.
pub const MAX_DEFLATE_RATIO: u64 = 1032;
/// Most bytes one compressed byte expands to with zstd: a 128 KiB RLE block per 4 bytes.
pub const MAX_ZSTD_RATIO: u64 = 32 << 10;
/// Decompressed bytes of a zlib `.debug_info` that the quick DWARF summary inflates at most
/// while looking for the first Go producer (`goelf inspect --dwarf` reads it all).
pub const MAX_DWARF_QUICK_PREFIX: usize = 1 << 20;
/// Decompressed bytes added per step of the quick DWARF summary's incremental inflate.
pub const DWARF_QUICK_STEP: usize = 64 << 10;
/// (segment, section) pairs looked at for the section-to-segment mapping (real binaries:
/// ~15 segments x ~40 sections).
pub const MAX_SECTION_MAPPING: usize = 1 << 20;
/// DLLs in one PE import table.
pub const MAX_IMPORT_DLLS: usize = 1 << 12;
/// Imported functions in one PE file (all DLLs together).
pub const MAX_IMPORTS: usize = 1 << 18;
/// Exports kept from one PE export table.
pub const MAX_EXPORTS: usize = 1 << 18;
/// TLS callbacks read from one PE TLS directory.
pub const MAX_TLS_CALLBACKS: usize = 1 << 12;
/// `WIN_CERTIFICATE` entries read from one certificate table.
pub const MAX_CERTIFICATES: usize = 1 << 10;
/// Slices read from one Mach-O universal binary.
pub const MAX_FAT_ARCHES: usize = 64;
/// Blobs looked at in one Mach-O code signature.
pub const MAX_SIGNATURE_BLOBS: usize = 64;

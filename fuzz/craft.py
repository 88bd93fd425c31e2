#!/usr/bin/env python3
"""Hand-made hostile inputs for shapes a mutation fuzzer is unlikely to reach: structures
whose size is quadratic (or worse) in the file when a decoder follows them naively.

    python3 fuzz/craft.py fuzz/regressions     # (re)writes the files named below
    python3 fuzz/craft.py --seeds fuzz/seeds   # small synthetic seeds for the fuzzer

Each file is a minimal little-endian ELF64 x86-64 executable: one RWX PT_LOAD mapping the
whole file at virtual address 0, a symbol table, and the payload.
"""
import os
import struct
import sys

PAGE = 0x1000


def elf64(payload, symbols, payload_at=PAGE, section=".data", section_range=None, extra=()):
    """ELF header + PT_LOAD(vaddr 0, whole file) + payload at `payload_at` + .symtab,
    .strtab, .shstrtab. `symbols`: [(name, address, size, type)] (type 1 object, 2 func)."""
    strtab = bytearray(b"\0")
    syms = bytearray(b"\0" * 24)
    for name, addr, size, typ in symbols:
        off = len(strtab)
        strtab += name.encode() + b"\0"
        # st_name, st_info (GLOBAL<<4 | type), st_other, st_shndx (1: .data), value, size
        syms += struct.pack("<IBBHQQ", off, 0x10 | typ, 0, 1, addr, size)
    sec = section.encode()
    shstr = b"\0" + sec + b"\0.symtab\0.strtab\0.shstrtab\0"
    n_sym, n_str, n_shstr = 2 + len(sec), 10 + len(sec), 18 + len(sec)
    extra_names = []
    for name, _, _, _ in extra:
        extra_names.append(len(shstr))
        shstr += name.encode() + b"\0"
    body = bytearray(payload_at)
    body += payload
    body += b"\0" * (-len(body) % 8)
    symoff = len(body)
    body += syms
    stroff = len(body)
    body += strtab
    shstroff = len(body)
    body += shstr
    extra_offs = []
    for _, _, _, data in extra:
        body += b"\0" * (-len(body) % 8)
        extra_offs.append(len(body))
        body += data
    body += b"\0" * (-len(body) % 8)
    shoff = len(body)
    shnum = 5 + len(extra)
    end = shoff + 64 * shnum
    hdr = b"\x7fELF\x02\x01\x01" + b"\0" * 9
    hdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, payload_at, 64, shoff, 0, 64, 56, 1, 64,
                       shnum, 4)
    ph = struct.pack("<IIQQQQQQ", 1, 7, 0, 0, 0, end, end, PAGE)
    body[0:len(hdr) + len(ph)] = hdr + ph
    sh = b"\0" * 64
    sec_at, sec_len = section_range or (payload_at, len(payload))
    sh += struct.pack("<IIQQQQIIQQ", 1, 1, 7, sec_at, sec_at, sec_len, 0, 0, 8, 0)
    sh += struct.pack("<IIQQQQIIQQ", n_sym, 2, 0, 0, symoff, len(syms), 3, 1, 8, 24)
    sh += struct.pack("<IIQQQQIIQQ", n_str, 3, 0, 0, stroff, len(strtab), 0, 0, 1, 0)
    sh += struct.pack("<IIQQQQIIQQ", n_shstr, 3, 0, 0, shstroff, len(shstr), 0, 0, 1, 0)
    for (name, typ, flags, data), n, off in zip(extra, extra_names, extra_offs):
        sh += struct.pack("<IIQQQQIIQQ", n, typ, flags, 0, off, len(data), 0, 0, 8, 0)
    return bytes(body) + sh


def uvarint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pcvalue_table(pairs):
    """(value, pc delta in quanta) pairs from value -1, zig-zag encoded, then the end 0."""
    out, prev = bytearray(), -1
    for val, pcdelta in pairs:
        d = val - prev
        out += uvarint((d << 1) if d >= 0 else ((-d << 1) - 1))
        out += uvarint(pcdelta)
        prev = val
    return bytes(out + b"\0")


def pclntab120(funcs, text_start, files=("main.go",), shared_tables=None):
    """A Go 1.20+ pclntab (magic 0xfffffff1, quantum 1, 8-byte pointers): `funcs` is
    [(name, size, line)]; each function gets pcsp/pcfile/pcln tables covering its size, or,
    with `shared_tables`, all three point at those bytes."""
    nfunc = len(funcs)
    names = bytearray()
    nameoff = []
    for name, _, _ in funcs:
        nameoff.append(len(names))
        names += name.encode() + b"\0"
    filetab = bytearray()
    cutab = []
    for f in files:
        cutab.append(len(filetab))
        filetab += f.encode() + b"\0"
    pctab = bytearray(b"\0")
    tables = []
    shared = None
    if shared_tables is not None:
        shared = len(pctab)
        pctab += shared_tables
    for name, size, line in funcs:
        if shared is not None:
            tables.append((shared, shared, shared))
            continue
        sp = len(pctab)
        pctab += pcvalue_table([(0, 1), (8, max(size - 2, 1))])
        fl = len(pctab)
        pctab += pcvalue_table([(0, size)])
        ln = len(pctab)
        pctab += pcvalue_table([(line, 1), (line + 1, max(size - 1, 1))])
        tables.append((sp, fl, ln))
    hdr = 72
    funcname_off = hdr
    cu_off = funcname_off + len(names)
    cu_off += -cu_off % 4
    filetab_off = cu_off + 4 * len(cutab)
    pctab_off = filetab_off + len(filetab)
    pcln_off = pctab_off + len(pctab)
    pcln_off += -pcln_off % 8
    ftab_size = (2 * nfunc + 1) * 4
    rec0 = ftab_size + (-ftab_size % 8)
    recsize = 48  # 44 bytes, pointer-aligned
    entries = []
    off = 0
    for _, size, _ in funcs:
        entries.append(off)
        off += size
    out = bytearray(struct.pack("<IBBBB", 0xFFFFFFF1, 0, 0, 1, 8))
    out += struct.pack("<8Q", nfunc, len(files), text_start, funcname_off, cu_off, filetab_off,
                       pctab_off, pcln_off)
    out += names
    out += b"\0" * (cu_off - len(out))
    out += struct.pack("<%dI" % len(cutab), *cutab)
    out += filetab + pctab
    out += b"\0" * (pcln_off - len(out))
    for i in range(nfunc):
        out += struct.pack("<II", entries[i], rec0 + recsize * i)
    out += struct.pack("<I", off)
    out += b"\0" * (pcln_off + rec0 - len(out))
    for i, (name, size, line) in enumerate(funcs):
        sp, fl, ln = tables[i]
        rec = struct.pack("<IiiIIIIIIiBBBB", entries[i], nameoff[i], 0, 0, sp, fl, ln, 0, 0,
                          line, 0, 0, 0, 0)
        out += rec + b"\0" * (recsize - len(rec))
    return bytes(out)


def go_elf(pclntab, text_start, text_size):
    """An ELF whose one RWX segment holds `text_size` bytes of code at `text_start` and then
    the pclntab in a `.gopclntab` section."""
    at = text_start + text_size
    at += -at % 32
    payload = bytes(at - PAGE) + pclntab
    syms = [("runtime.text", text_start, 0, 2)]
    return elf64(payload, syms, PAGE, ".gopclntab", (at, len(pclntab))), at


def pclntab_small():
    """A small valid Go 1.20+ table (16 functions) for the fuzzer to mutate: cheap to run,
    and every mutation lands in Go structures."""
    funcs = [("main.f%d" % i, 32 + 16 * i, 10 + i) for i in range(15)]
    funcs.append(("main.main", 64, 100))
    text = PAGE
    size = sum(f[1] for f in funcs)
    tab = pclntab120(funcs, text)
    return go_elf(tab, text, size)[0]


def pclntab_pcvalue_zero_delta():
    """32 functions whose pc-value tables are one shared run of 8192 (value +1, pc delta 0)
    steps: the pc never advances, so every lookup walked to the end of the run (and, in a
    real-sized table, to the end of the pctab: O(functions x table))."""
    funcs = [("main.f%d" % i, 64, 10) for i in range(32)]
    text = PAGE
    tab = pclntab120(funcs, text, shared_tables=b"\x02\x00" * 8192)
    return go_elf(tab, text, 64 * 32)[0]


def dwarf_compressed_size_claim():
    """A 30-byte SHF_COMPRESSED `.debug_info` whose header claims 1 GiB - 1 decompressed:
    `object` reserves the claimed size before decompressing."""
    import zlib
    chdr = struct.pack("<IIQQ", 1, 0, (1 << 30) - 1, 1)  # ELFCOMPRESS_ZLIB
    extra = [(".debug_info", 1, 0x800, chdr + zlib.compress(b"\0" * 64))]
    return elf64(b"\0" * 64, [("main.main", PAGE, 64, 2)], PAGE, ".text", None, extra)


MODINFO = (b"path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\n"
           b"dep\tgolang.org/x/text\tv0.14.0\th1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=\n"
           b"=>\t../text\t\t\nbuild\t-compiler=gc\nbuild\tCGO_ENABLED=0\n"
           b"build\t-ldflags=\"-s -w\"\nbuild\tGOARCH=amd64\nbuild\tGOOS=linux\n")
SENTINELS = (b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6",
             b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2")


def buildinfo_inline():
    """`.go.buildinfo` in the Go 1.18+ layout: header with the inline flag, then the
    version and the sentinel-framed modinfo as uvarint-prefixed strings."""
    mod = SENTINELS[0] + MODINFO + SENTINELS[1]
    bi = b"\xff Go buildinf:" + bytes([8, 2]) + bytes(16)
    bi += uvarint(len(b"go1.22.10")) + b"go1.22.10" + uvarint(len(mod)) + mod
    return elf64(bi, [], PAGE, ".go.buildinfo")


def buildinfo_pointers():
    """`.go.buildinfo` in the Go 1.13-1.17 layout: pointers to Go string headers."""
    base = PAGE
    mod = SENTINELS[0] + MODINFO + SENTINELS[1]
    ver = b"go1.16.15"
    vhdr, mhdr = base + 32, base + 48
    vdata, mdata = base + 64, base + 64 + len(ver)
    bi = b"\xff Go buildinf:" + bytes([8, 0]) + struct.pack("<QQ", vhdr, mhdr)
    bi += struct.pack("<QQQQ", vdata, len(ver), mdata, len(mod)) + ver + mod
    return elf64(bi, [], base, ".go.buildinfo")


def elf_init_array_quadratic(n=2048, m=1024, nsyms=768):
    """A PIE whose DT_PREINIT_ARRAY, DT_INIT_ARRAY and DT_FINI_ARRAY all name the same `n`
    slots, with `m` RELA relocations and `nsyms` function symbols that match none of them:
    looking up each slot's relocation and symbol by a scan costs 3n(m + 2 nsyms).
    (n = 65536, m = 40000, nsyms = 20000 is a 2.5 MB file.)"""
    arr = 0x1000
    rela = arr + 8 * n
    syms_at = rela + 24 * m
    strtab_at = syms_at + 24 * (nsyms + 1)
    strtab = bytearray(b"\0")
    symtab = bytearray(24)
    for i in range(nsyms):
        off = len(strtab)
        strtab += b"f%d\0" % i
        # functions far above the targets, so no exact or containing match
        symtab += struct.pack("<IBBHQQ", off, 0x12, 0, 1, 0x10000000 + 64 * i, 16)
    dyn_at = strtab_at + len(strtab)
    dyn_at += -dyn_at % 8
    dyn = struct.pack("<18Q", 32, arr, 33, 8 * n, 25, arr, 27, 8 * n, 26, arr, 28, 8 * n,
                      7, rela, 8, 24 * m, 9, 24) + bytes(16)
    end = dyn_at + len(dyn)
    shstr = b"\0.symtab\0.strtab\0.dynamic\0.shstrtab\0"
    shstr_at = end
    shoff = shstr_at + len(shstr)
    shoff += -shoff % 8
    total = shoff + 64 * 5
    data = bytearray(total)
    data[0:64] = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack(
        "<HHIQQQIHHHHHH", 3, 62, 1, 0, 64, shoff, 0, 64, 56, 2, 64, 5, 4)
    data[64:120] = struct.pack("<IIQQQQQQ", 1, 6, 0, 0, 0, total, total, PAGE)
    data[120:176] = struct.pack("<IIQQQQQQ", 2, 6, dyn_at, dyn_at, dyn_at, len(dyn), len(dyn), 8)
    for i in range(n):
        struct.pack_into("<Q", data, arr + 8 * i, 0x100 + 16 * i)
    for i in range(m):
        # R_X86_64_RELATIVE (8) on slots past the arrays
        struct.pack_into("<QQq", data, rela + 24 * i, 0x20000000 + 8 * i, 8, 0)
    data[syms_at:syms_at + len(symtab)] = symtab
    data[strtab_at:strtab_at + len(strtab)] = strtab
    data[dyn_at:dyn_at + len(dyn)] = dyn
    data[shstr_at:shstr_at + len(shstr)] = shstr
    sh = bytes(64)
    sh += struct.pack("<IIQQQQIIQQ", 1, 2, 0, 0, syms_at, len(symtab), 2, 1, 8, 24)
    sh += struct.pack("<IIQQQQIIQQ", 9, 3, 0, 0, strtab_at, len(strtab), 0, 0, 1, 0)
    sh += struct.pack("<IIQQQQIIQQ", 17, 6, 3, dyn_at, dyn_at, len(dyn), 2, 0, 8, 16)
    sh += struct.pack("<IIQQQQIIQQ", 26, 3, 0, 0, shstr_at, len(shstr), 0, 0, 1, 0)
    data[shoff:shoff + len(sh)] = sh
    return bytes(data)


def elf_section_mapping_product(nph=1030, nsh=1030):
    """`nph` PT_LOADs that each cover every one of `nsh` sections: readelf's
    section-to-segment mapping has nph x nsh entries (20000 x 20000 in 2.4 MB took 22 GB)."""
    phoff = 64
    shoff = phoff + 56 * nph
    shstr_off = shoff + 64 * nsh
    total = shstr_off + 16
    d = bytearray(total)
    d[0:64] = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack(
        "<HHIQQQIHHHHHH", 2, 62, 1, 0, phoff, shoff, 0, 64, 56, nph, 64, nsh, nsh - 1)
    for i in range(nph):
        d[phoff + 56 * i:phoff + 56 * (i + 1)] = struct.pack(
            "<IIQQQQQQ", 1, 5, 0, 0, 0, total, 1 << 40, PAGE)
    for i in range(1, nsh - 1):
        d[shoff + 64 * i:shoff + 64 * (i + 1)] = struct.pack(
            "<IIQQQQIIQQ", 1, 1, 2, 64, 64, 8, 0, 0, 1, 0)
    d[shoff + 64 * (nsh - 1):shoff + 64 * nsh] = struct.pack(
        "<IIQQQQIIQQ", 3, 3, 0, 0, shstr_off, 16, 0, 0, 1, 0)
    d[shstr_off:shstr_off + 16] = b"\0a\0.shstrtab\0\0\0\0"
    return bytes(d)


def overlapping_segments(nph=1000, tail=8192):
    """`nph` RW PT_LOADs over the same file bytes (a mutated PE with 43690 sections over 2 MB
    made the pclntab scan read 80 GB): every scan must read each file byte once."""
    phoff = 64
    total = phoff + 56 * nph + tail
    d = bytearray(total)
    d[0:64] = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack(
        "<HHIQQQIHHHHHH", 2, 62, 1, 0, phoff, 0, 0, 64, 56, nph, 64, 0, 0)
    for i in range(nph):
        # each starts 64 bytes before the previous one and runs to the end of the file
        v, off = 0x400000 + 0x10000 * i, 64 * (nph - 1 - i)
        d[phoff + 56 * i:phoff + 56 * (i + 1)] = struct.pack(
            "<IIQQQQQQ", 1, 6, off, v, v, total - off, total - off, PAGE)
    return bytes(d)


def init_order_deps_quadratic(cells=1800):
    """Go 1.13-1.20 init tasks that overlap: cell k is the task
    {state 0, ndeps c_k, nfns 0} followed by the address of cell k+1, and its dependency
    list is every word after its header up to the end of the cells. Each word is a valid
    dependency (0 and c_k are mapped, aligned addresses here; the pointers are tasks), so a
    walk that reads every task's list reads O(cells^2) entries out of O(cells) bytes."""
    base = PAGE
    words = []
    total = 4 * cells
    for k in range(cells):
        room = total - 4 * k - 3  # words after this task's header
        c = min(room, 0xFFF8) & ~7  # aligned, so it is also a valid dependency address
        words += [0, c, 0, base + 32 * (k + 1) if k + 1 < cells else base]
    payload = struct.pack("<%dQ" % len(words), *words)
    return elf64(payload, [("main..inittask", base, 24, 1)], base)


def init_order_linker_repeats(entries=6000):
    """A Go 1.21+ `go:main.inittasks` list that names one task `entries` times, the task
    holding `entries` functions: reading the task once per list entry keeps entries^2
    function addresses (a list of 65536 entries of a 65536-function task: 32 GiB)."""
    base = PAGE
    task = base + 8 * entries
    words = [task] * entries
    # initTask {state uint32 = 0; nfns uint32}, then nfns entry PCs (the segment is RWX).
    words += [entries << 32] + [base] * entries
    payload = struct.pack("<%dQ" % len(words), *words)
    return elf64(payload, [("go:main.inittasks", base, 8 * entries, 1)], base)


def init_order_observed_overlap(nsyms=3000, code=64 << 10):
    """A Go 1.21+ binary without a pclntab whose symbol table names `nsyms` functions that
    all span the same `code` bytes: decoding every function's code for observed references
    decodes the same bytes `nsyms` times."""
    base = PAGE
    task = base + 8
    code_at = base + 32
    # list [task]; initTask {state 0, nfns 1}, fns [code_at]; then code: lea rax, [rip+0x100]
    words = [task, 1 << 32, code_at, 0]
    payload = struct.pack("<4Q", *words)
    payload += b"\x48\x8d\x05\x00\x01\x00\x00" * (code // 7)
    syms = [("go:main.inittasks", base, 8, 1)]
    syms += [("p%d.f" % i, code_at, code, 2) for i in range(nsyms)]
    return elf64(payload, syms, base)


def main():
    if sys.argv[1] == "--seeds":
        for target in ["pclntab", "moduledata", "init_order", "inspect_any"]:
            d = os.path.join(sys.argv[2], target)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "synthetic-pclntab120"), "wb") as f:
                f.write(pclntab_small())
        for target in ["buildinfo", "inspect_any", "init_order"]:
            d = os.path.join(sys.argv[2], target)
            os.makedirs(d, exist_ok=True)
            for name, blob in [("synthetic-buildinfo-inline", buildinfo_inline()),
                               ("synthetic-buildinfo-pointers", buildinfo_pointers())]:
                with open(os.path.join(d, name), "wb") as f:
                    f.write(blob)
        return
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, blob in [
        ("init_order_deps_quadratic", init_order_deps_quadratic()),
        ("init_order_linker_repeats", init_order_linker_repeats()),
        ("init_order_observed_overlap", init_order_observed_overlap()),
        ("pclntab_pcvalue_zero_delta", pclntab_pcvalue_zero_delta()),
        ("inspect_any_dwarf_size_claim", dwarf_compressed_size_claim()),
        ("elf_init_array_quadratic", elf_init_array_quadratic()),
        ("elf_section_mapping_product", elf_section_mapping_product()),
        ("inspect_any_overlapping_segments", overlapping_segments()),
    ]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
        print(name, len(blob))


if __name__ == "__main__":
    main()

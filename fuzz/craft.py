#!/usr/bin/env python3
"""Hand-made hostile inputs for shapes a mutation fuzzer is unlikely to reach: structures
whose size is quadratic (or worse) in the file when a decoder follows them naively.

    python3 fuzz/craft.py fuzz/regressions     # (re)writes the files named below

Each file is a minimal little-endian ELF64 x86-64 executable: one RWX PT_LOAD mapping the
whole file at virtual address 0, a symbol table, and the payload.
"""
import os
import struct
import sys

PAGE = 0x1000


def elf64(payload, symbols, payload_at=PAGE):
    """ELF header + PT_LOAD(vaddr 0, whole file) + payload at `payload_at` + .symtab,
    .strtab, .shstrtab. `symbols`: [(name, address, size, type)] (type 1 object, 2 func)."""
    strtab = bytearray(b"\0")
    syms = bytearray(b"\0" * 24)
    for name, addr, size, typ in symbols:
        off = len(strtab)
        strtab += name.encode() + b"\0"
        # st_name, st_info (GLOBAL<<4 | type), st_other, st_shndx (1: .data), value, size
        syms += struct.pack("<IBBHQQ", off, 0x10 | typ, 0, 1, addr, size)
    shstr = b"\0.data\0.symtab\0.strtab\0.shstrtab\0"
    body = bytearray(payload_at)
    body += payload
    body += b"\0" * (-len(body) % 8)
    symoff = len(body)
    body += syms
    stroff = len(body)
    body += strtab
    shstroff = len(body)
    body += shstr
    body += b"\0" * (-len(body) % 8)
    shoff = len(body)
    shnum = 5
    end = shoff + 64 * shnum
    hdr = b"\x7fELF\x02\x01\x01" + b"\0" * 9
    hdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, payload_at, 64, shoff, 0, 64, 56, 1, 64,
                       shnum, 4)
    ph = struct.pack("<IIQQQQQQ", 1, 7, 0, 0, 0, end, end, PAGE)
    body[0:len(hdr) + len(ph)] = hdr + ph
    sh = b"\0" * 64
    sh += struct.pack("<IIQQQQIIQQ", 1, 1, 7, payload_at, payload_at, len(payload), 0, 0, 8, 0)
    sh += struct.pack("<IIQQQQIIQQ", 7, 2, 0, 0, symoff, len(syms), 3, 1, 8, 24)
    sh += struct.pack("<IIQQQQIIQQ", 15, 3, 0, 0, stroff, len(strtab), 0, 0, 1, 0)
    sh += struct.pack("<IIQQQQIIQQ", 23, 3, 0, 0, shstroff, len(shstr), 0, 0, 1, 0)
    return bytes(body) + sh


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


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, blob in [
        ("init_order_deps_quadratic", init_order_deps_quadratic()),
        ("init_order_linker_repeats", init_order_linker_repeats()),
    ]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
        print(name, len(blob))


if __name__ == "__main__":
    main()

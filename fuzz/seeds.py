#!/usr/bin/env python3
"""Seed inputs for the fuzz targets, cut out of the fixtures in testdata/fixtures.

    python3 fuzz/seeds.py OUT_DIR          # writes OUT_DIR/<target>/<fixture>-<piece>

Whole binaries are slow to mutate and most mutations hit bytes no decoder reads, so besides
the whole files (up to 4 MiB) this cuts each ELF fixture into small, still-valid ELF files
that keep only the sections a decoder needs, at their original addresses:

    pclntab     .gopclntab
    moduledata  .gopclntab + .noptrdata/.data/.go.module (+ .go.buildinfo for the version)
    buildinfo   .go.buildinfo (+ .rodata/.data for the pre-1.18 pointer layout)
    initorder   Go metadata + init tasks, without .text; and the same with .text
    dynamic     .dynamic and everything it points at (relocations, dynsym, dynstr)
    head        the first 64 KiB (ELF header and program headers, section table lost)

Every other allocated section stays in the section table and the address map as zero-fill
(SHT_NOBITS, a PT_LOAD with no file bytes), so addresses still resolve and the code checks
(`is the entry in executable memory`) still pass, but no file bytes are spent on it.
"""
import os
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "testdata", "fixtures")
CONT = os.path.join(ROOT, "testdata", "containers")
MAX_WHOLE = 4 << 20

SHT_NOBITS = 8
SHF_WRITE, SHF_ALLOC, SHF_EXEC = 1, 2, 4
PT_LOAD, PT_DYNAMIC = 1, 2

GO_META = [".gopclntab", ".data.rel.ro.gopclntab", ".noptrdata", ".data", ".go.module",
           ".go.buildinfo", ".data.rel.ro", ".go.initTask"]
PIECES = {
    "pclntab": (["pclntab", "moduledata", "init_order", "inspect"],
                [".gopclntab", ".data.rel.ro.gopclntab", ".data.rel.ro", ".symtab", ".strtab"]),
    "moduledata": (["moduledata", "init_order", "inspect"],
                   [".gopclntab", ".data.rel.ro.gopclntab", ".noptrdata", ".data",
                    ".go.module", ".go.buildinfo", ".data.rel.ro"]),
    "buildinfo": (["buildinfo", "inspect"],
                  [".go.buildinfo", ".rodata", ".data", ".noptrdata", ".data.rel.ro"]),
    "initorder": (["init_order", "inspect"], GO_META + [".symtab", ".strtab"]),
    "initorder_text": (["init_order"], GO_META + [".text"]),
    "dynamic": (["relocations", "elf", "inspect"],
                [".dynamic", ".rela.dyn", ".rel.dyn", ".relr.dyn", ".rela.plt", ".rel.plt",
                 ".dynsym", ".dynstr", ".init_array", ".fini_array", ".got", ".got.plt",
                 ".interp", ".note.gnu.build-id", ".note.go.buildid", ".gnu.version",
                 ".gnu.version_r", ".gnu.hash", ".hash"]),
}


def pe_keep(data, keep):
    """A PE file with the raw data of every section not named in `keep` zeroed (same layout:
    headers, data directories and the kept sections' bytes stay valid)."""
    out = bytearray(data)
    nt = struct.unpack_from("<I", data, 0x3c)[0]
    nsec, optsize = struct.unpack_from("<H", data, nt + 6)[0], struct.unpack_from("<H", data, nt + 20)[0]
    tab = nt + 24 + optsize
    for i in range(nsec):
        h = tab + 40 * i
        name = data[h:h + 8].rstrip(b"\0").decode("latin-1")
        size, off = struct.unpack_from("<II", data, h + 16)
        if name not in keep:
            out[off:off + size] = bytes(min(size, max(0, len(data) - off)))
    return bytes(out)


class Elf:
    def __init__(self, data):
        self.data = data
        self.is64 = data[4] == 2
        self.e = "<" if data[5] == 1 else ">"
        if self.is64:
            h = struct.unpack_from(self.e + "HHIQQQIHHHHHH", data, 16)
            (self.type, self.machine, _, self.entry, self.phoff, self.shoff, self.flags,
             _, _, _, _, shnum, shstrndx) = h
        else:
            h = struct.unpack_from(self.e + "HHIIIIIHHHHHH", data, 16)
            (self.type, self.machine, _, self.entry, self.phoff, self.shoff, self.flags,
             _, _, _, _, shnum, shstrndx) = h
        self.secs = []
        for i in range(shnum):
            if self.is64:
                s = struct.unpack_from(self.e + "IIQQQQIIQQ", data, self.shoff + 64 * i)
            else:
                s = struct.unpack_from(self.e + "IIIIIIIIII", data, self.shoff + 40 * i)
            self.secs.append(list(s))
        strtab = self.secs[shstrndx]
        for s in self.secs:
            off = strtab[4] + s[0]
            s.append(data[off:data.index(b"\0", off)].decode())

    def cut(self, keep):
        """A new ELF file with the sections named in `keep` (data) and every other
        allocated section as zero-fill, each at its original address."""
        e, is64 = self.e, self.is64
        ehsize, phsz, shsz = (64, 56, 64) if is64 else (52, 32, 40)
        chosen = []  # (orig index, section)
        for i, s in enumerate(self.secs):
            if i == 0:
                continue
            name, flags = s[10], s[2]
            if name in keep or flags & SHF_ALLOC:
                chosen.append((i, s))
        remap = {0: 0}
        for n, (i, _) in enumerate(chosen):
            remap[i] = n + 1
        loads = [s for _, s in chosen if s[2] & SHF_ALLOC and s[4] != 0]
        has_dyn = any(s[10] == ".dynamic" and s[10] in keep for _, s in chosen)
        nph = len(loads) + (1 if has_dyn else 0)
        body = bytearray()
        base = ehsize + nph * phsz
        placed = {}
        for i, s in chosen:
            name, typ, size = s[10], s[1], s[5]
            if name in keep and typ != SHT_NOBITS:
                align = max(1, min(s[8], 4096))
                pad = (-(base + len(body))) % align
                body += b"\0" * pad
                placed[i] = (base + len(body), size)
                body += self.data[s[4]:s[4] + size]
        names = bytearray(b"\0")
        name_off = {}
        for i, s in chosen:
            name_off[i] = len(names)
            names += s[10].encode() + b"\0"
        shstr_name = len(names)
        names += b".shstrtab\0"
        shstr_off = base + len(body)
        body += names
        body += b"\0" * ((-(base + len(body))) % 8)
        shoff = base + len(body)
        shnum = len(chosen) + 2
        out = bytearray()
        ident = self.data[:16]
        if is64:
            out += ident + struct.pack(e + "HHIQQQIHHHHHH", self.type, self.machine, 1,
                                       self.entry, ehsize, shoff, self.flags, ehsize, phsz,
                                       nph, shsz, shnum, shnum - 1)
        else:
            out += ident + struct.pack(e + "HHIIIIIHHHHHH", self.type, self.machine, 1,
                                       self.entry, ehsize, shoff, self.flags, ehsize, phsz,
                                       nph, shsz, shnum, shnum - 1)
        idx = {id(s): i for i, s in chosen}
        for s in loads:
            i = idx[id(s)]
            pf = 4 | (2 if s[2] & SHF_WRITE else 0) | (1 if s[2] & SHF_EXEC else 0)
            off, filesz = placed.get(i, (0, 0))
            out += phdr(e, is64, PT_LOAD, pf, off, s[3], filesz, s[5], 0x1000)
        if has_dyn:
            i, s = next((i, s) for i, s in chosen if s[10] == ".dynamic")
            off, filesz = placed[i]
            out += phdr(e, is64, PT_DYNAMIC, 6, off, s[3], filesz, s[5], 8)
        out += body
        out += b"\0" * shsz
        for i, s in chosen:
            if i in placed:
                off, typ = placed[i][0], s[1]
            else:
                off, typ = 0, SHT_NOBITS
            link = remap.get(s[6], 0)
            if is64:
                out += struct.pack(e + "IIQQQQIIQQ", name_off[i], typ, s[2], s[3], off, s[5],
                                   link, s[7], s[8], s[9])
            else:
                out += struct.pack(e + "IIIIIIIIII", name_off[i], typ, s[2], s[3], off, s[5],
                                   link, s[7], s[8], s[9])
        if is64:
            out += struct.pack(e + "IIQQQQIIQQ", shstr_name, 3, 0, 0, shstr_off, len(names),
                               0, 0, 1, 0)
        else:
            out += struct.pack(e + "IIIIIIIIII", shstr_name, 3, 0, 0, shstr_off, len(names),
                               0, 0, 1, 0)
        return bytes(out)


def phdr(e, is64, typ, flags, off, vaddr, filesz, memsz, align):
    if is64:
        return struct.pack(e + "IIQQQQQQ", typ, flags, off, vaddr, vaddr, filesz, memsz, align)
    return struct.pack(e + "IIIIIIII", typ, off, vaddr, vaddr, filesz, memsz, flags, align)


def main():
    out = sys.argv[1]
    for d in ["elf", "pclntab", "buildinfo", "moduledata", "init_order", "relocations",
              "inspect_any"]:
        os.makedirs(os.path.join(out, d), exist_ok=True)

    def put(targets, name, blob):
        for t in targets:
            t = "inspect_any" if t == "inspect" else t
            with open(os.path.join(out, t, name), "wb") as f:
                f.write(blob)

    for fx in sorted(os.listdir(FIX)):
        z = os.path.join(FIX, fx, "bin.zst")
        if not os.path.exists(z):
            continue
        data = subprocess.run(["zstd", "-dc", z], capture_output=True, check=True).stdout
        if len(data) <= MAX_WHOLE:
            put(["elf", "pclntab", "buildinfo", "moduledata", "init_order", "relocations",
                 "inspect"], fx, data)
        if data[:4] != b"\x7fELF":
            continue
        put(["elf", "relocations", "inspect"], fx + "-head", data[:64 << 10])
        try:
            elf = Elf(data)
        except (struct.error, ValueError, IndexError) as err:
            print(f"{fx}: not cut ({err})", file=sys.stderr)
            continue
        for piece, (targets, keep) in PIECES.items():
            blob = elf.cut(set(keep))
            if len(blob) <= MAX_WHOLE:
                put(targets, f"{fx}-{piece}", blob)

    # PE and Mach-O containers (#15): whole, and PEs with only the tables reloc-cost reads
    # (.reloc base relocations, .idata imports) left in their sections.
    for fx in sorted(os.listdir(CONT)):
        z = os.path.join(CONT, fx, "bin.zst")
        if not os.path.exists(z):
            continue
        data = subprocess.run(["zstd", "-dc", z], capture_output=True, check=True).stdout
        if len(data) <= MAX_WHOLE:
            put(["relocations", "inspect"], "container-" + fx, data)
        if data[:2] == b"MZ":
            try:
                put(["relocations"], f"container-{fx}-reloc", pe_keep(data, {".reloc", ".idata"}))
            except struct.error as err:
                print(f"{fx}: not cut ({err})", file=sys.stderr)


if __name__ == "__main__":
    main()

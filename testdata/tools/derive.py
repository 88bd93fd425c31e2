#!/usr/bin/env python3
"""derive.py KIND IN OUT: the buildinfo-less variants of a Go ELF binary (issue #12), used by
regen.sh for testdata/derived/ and mirrored by the tests (tests/common derive()).
KIND zerobi:  the bytes of section .go.buildinfo set to zero (header and version string gone).
KIND noshdr:  zerobi, then the section header table dropped: e_shoff, e_shnum, e_shstrndx set to 0
              and the file cut at e_shoff when the table is its last part (as sstrip does)."""
import struct, sys

kind, src, dst = sys.argv[1:4]
b = bytearray(open(src, "rb").read())
assert b[:4] == b"\x7fELF", "not ELF"
is64 = b[4] == 2
e = "<" if b[5] == 1 else ">"
if is64:
    shoff, = struct.unpack_from(e + "Q", b, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", b, 0x3a)
else:
    shoff, = struct.unpack_from(e + "I", b, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", b, 0x2e)

def shdr(i):
    o = shoff + i * shentsize
    if is64:
        name, typ, flags, addr, off, size = struct.unpack_from(e + "IIQQQQ", b, o)
    else:
        name, typ, flags, addr, off, size = struct.unpack_from(e + "IIIIII", b, o)
    return name, typ, off, size

_, _, stroff, _ = shdr(shstrndx)
found = False
for i in range(shnum):
    name, typ, off, size = shdr(i)
    n = bytes(b[stroff + name:b.index(0, stroff + name)]).decode()
    if n == ".go.buildinfo":
        b[off:off + size] = bytes(size)
        found = True
assert found, "no .go.buildinfo section"
if kind == "noshdr":
    if is64:
        struct.pack_into(e + "Q", b, 0x28, 0)
        struct.pack_into(e + "HH", b, 0x3c, 0, 0)
    else:
        struct.pack_into(e + "I", b, 0x20, 0)
        struct.pack_into(e + "HH", b, 0x30, 0, 0)
    if shoff + shnum * shentsize == len(b):
        del b[shoff:]
elif kind != "zerobi":
    sys.exit("unknown kind " + kind)
open(dst, "wb").write(b)

#!/usr/bin/env python3
"""crashpcs.py TRACE NM READELF_L OUT_PCS OUT_ADDRS

The PCs of a Go traceback, for `go tool addr2line` on the unstripped twin of the binary
that printed it (testdata/regen.sh crash). Independent of goelf: function entries come from
`go tool nm -n -size` (NM) of the twin, the load base from the trace's own "maps: " lines
(the program prints its /proc/self/maps) minus the first PT_LOAD's p_vaddr from
`readelf -lW` (READELF_L).

The rule for which PC is looked up is the runtime's (src/runtime/traceback.go,
unwinder.symPC): a frame's PC is a return address, so its position is that of PC - 1,
unless PC is the function's entry or the frame was interrupted (the frame below an injected
call, runtime.sigpanic/asyncPreempt/debugCallV2, or the frame at the [signal ... pc=] PC).
PC= lines and the rip register are interrupted PCs, looked up as they are.

OUT_PCS: one line per frame: "INPUT_LINE KIND PC LOOKUP_PC" (hex, link-time addresses).
OUT_ADDRS: the trace's runtime addresses (every pc=, the signal and PC= lines), one a line,
for the bare-address test; its link-time twin is OUT_ADDRS + ".link".
"""
import re
import sys

trace_path, nm_path, readelf_path, out_pcs, out_addrs = sys.argv[1:6]
lines = open(trace_path, encoding="utf-8", errors="replace").read().split("\n")
if lines and lines[-1] == "":
    lines.pop()

entries = {}
for l in open(nm_path):
    f = l.split()
    # address size type name (name may hold spaces)
    if len(f) >= 4 and f[2] in ("T", "t"):
        name = " ".join(f[3:])
        entries.setdefault(name, int(f[0], 16))
        # Assembly functions: go tool nm names them NAME.abi0, the traceback NAME.
        if name.endswith(".abi0"):
            entries.setdefault(name[: -len(".abi0")], int(f[0], 16))

first_vaddr = None
for l in open(readelf_path):
    f = l.split()
    if f and f[0] == "LOAD":
        first_vaddr = int(f[2], 16)
        break

base = 0
for l in lines:
    m = re.match(r"maps: ([0-9a-f]+)-[0-9a-f]+ \S+ 0+ ", l)
    if m:
        base = int(m.group(1), 16) - first_vaddr
        break

INJECTED = {"runtime.sigpanic", "runtime.asyncPreempt", "runtime.debugCallV2"}
func_re = re.compile(r"^(created by (\S+?)( in goroutine \d+)?|(\S+)\((.*)\))$")
file_re = re.compile(r"^\t(.*):(\d+)( \+0x([0-9a-f]+))?( fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x([0-9a-f]+))?$")

pcs, addrs = [], []
signal_pc = None
trap_next = False
i = 0
while i < len(lines):
    l = lines[i]
    m = func_re.match(l)
    f = file_re.match(lines[i + 1]) if m and i + 1 < len(lines) else None
    if m and f:
        created = m.group(2) is not None
        name = m.group(2) if created else m.group(4)
        args = m.group(5)
        if name == "panic":
            name = "runtime.gopanic"
        off = int(f.group(4), 16) if f.group(4) else None
        rpc = int(f.group(6), 16) if f.group(6) else None
        lineno = i + 1
        i += 2
        if off is None and rpc is None and not created and args == "...":
            continue  # an inlined call: no PC of its own
        if rpc is not None:
            pc = rpc - base
            addrs.append(rpc)
            assert pc == entries[name] + (off or 0), (lineno, name)
        else:
            pc = entries[name] + (off or 0)
        trap = trap_next or pc == signal_pc
        trap_next = name in INJECTED
        look = pc if trap or pc == entries[name] else pc - 1
        pcs.append((lineno, "created_by" if created else "frame", pc, look))
        continue
    if l.startswith("goroutine "):
        trap_next = False
    m = re.match(r"^\[signal .* pc=0x([0-9a-f]+)\]$", l) or re.match(r"^PC=0x([0-9a-f]+) ", l)
    if m:
        signal_pc = int(m.group(1), 16) - base
        addrs.append(int(m.group(1), 16))
        pcs.append((i + 1, "signal", signal_pc, signal_pc))
    m = re.match(r"^rip +0x([0-9a-f]+)$", l)
    if m:
        pcs.append((i + 1, "register", int(m.group(1), 16) - base, int(m.group(1), 16) - base))
    i += 1

with open(out_pcs, "w") as o:
    for lineno, kind, pc, look in pcs:
        o.write(f"{lineno} {kind} {pc:#x} {look:#x}\n")
with open(out_addrs, "w") as o:
    for a in addrs:
        o.write(f"{a:#x}\n")
with open(out_addrs + ".link", "w") as o:
    for a in addrs:
        o.write(f"{a - base:#x}\n")

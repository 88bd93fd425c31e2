#!/usr/bin/env bash
# bench/reloc-check.sh GOELF — the reloc-cost estimate against the loader's own measurement
# (LD_DEBUG=statistics, `reloc-cost --measure`: 7 runs, each stopped at the entry point) for
# every runnable PIE and dynamically linked fixture; prints a Markdown section (compare.sh
# appends it to bench/RESULTS.md). Target (#12): the host-calibrated estimate within 25 %.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GOELF=${1:-${CARGO_TARGET_DIR:-$ROOT/target}/release/goelf}
WORK=${GOELF_BENCH_DIR:-${GOELF_CACHE:-$HOME/.cache/goelf-fixtures}/bench}/reloc
mkdir -p "$WORK"
files=()
for d in "$ROOT"/testdata/fixtures/*/; do
  n=$(basename "$d")
  [[ -f $d/meta.json && -f $d/bin.zst ]] || continue
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); sys.exit(0 if m.get("runnable") and (m.get("buildmode")=="pie" or m.get("linkmode")=="external") else 1)' "$d/meta.json" || continue
  [[ -s $WORK/$n ]] || { zstd -d -q -f "$d/bin.zst" -o "$WORK/$n"; chmod +x "$WORK/$n"; }
  files+=("$WORK/$n")
done
fixed=$("$GOELF" reloc-cost --json --model fixed "${files[@]}")
host=$("$GOELF" reloc-cost --json --measure --runs 7 "${files[@]}")
python3 - "$fixed" "$host" <<'PY'
import json, sys
fixed = {f["path"]: f for f in json.loads(sys.argv[1])["files"]}
doc = json.loads(sys.argv[2])
m = doc["model"]
print("## reloc-cost: estimate vs the loader's measurement (#12)\n")
print("Written by `bench/reloc-check.sh`. Measured: `goelf reloc-cost --measure` (7 runs, each stopped at its entry point; median of glibc's \"time needed for relocation\", converted with the TSC rate). Estimates: `--model fixed` (the published constants) and the default host calibration made in the same call:\n")
print("> " + m["note"] + ".\n")
print("| file | relocations | pages | libraries | fixed estimate (µs) | host estimate (µs) | measured (µs) | host / measured | within 25 % |")
print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |")
miss = 0
for f in doc["files"]:
    name = f["path"].rsplit("/", 1)[-1]
    meas = (f.get("measured") or {}).get("relocation_us_median")
    fx = fixed[f["path"]]["estimated_load_us"]
    h = f["estimated_load_us"]
    libs = ", ".join(f["needed"]) or "-"
    if meas:
        r = h / meas
        ok = abs(r - 1) <= 0.25
        miss += not ok
        print(f"| {name} | {f['dynamic_relocations']['total']} | {f['pages_dirtied']} | {libs} | {fx:.1f} | {h:.1f} | {meas:.1f} | {r:.2f} | {'**met**' if ok else '**missed**'} |")
    else:
        print(f"| {name} | {f['dynamic_relocations']['total']} | {f['pages_dirtied']} | {libs} | {fx:.1f} | {h:.1f} | - ({f.get('measured_reason')}) | - | - |")
print(f"\n{miss} file(s) outside 25 %.")
PY

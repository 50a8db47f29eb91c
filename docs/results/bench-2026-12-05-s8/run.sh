#!/usr/bin/env bash
# A = main 7fdce8e (this session's end), C = bfbc961 (the session's start); release builds; interleaved A C, 5 rounds
set -u
OUT=/tmp/bench-s8
mkdir -p $OUT
cd /work/main
R=$OUT/interleaved.txt
echo "# A = main 7fdce8e (session 8's end: nested executions, activities, versions, TestState, redrive), C = bfbc961 (session 8's start); release builds; scripts/bench-cpu.sh -k 1 -w 128 -d 10; rounds interleaved A C" > $R
for round in 1 2 3 4 5; do
  for v in A C; do
    if [ $v = A ]; then BIN=/tmp/bin-head; else BIN=/work/wt-base/.build/release; fi
    echo "# round $round variant $v (load average: $(cut -d' ' -f1-3 /proc/loadavg | sed 's/ /, /g'))" >> $R
    line=$(BATON_BIN_DIR=$BIN scripts/bench-cpu.sh -k 1 -w 128 -d 10 -o $OUT/run-$round-$v 2>$OUT/err-$round-$v.txt | grep '^RESULT' | tail -1)
    echo "$round-$v: $line" >> $R
  done
done
echo DONE >> $R

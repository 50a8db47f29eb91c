#!/usr/bin/env bash
# CPU cost per completed execution of each component (issue 10, item 5): K orchestrator shards, one
# worker-function, the broker node(s) and the load generator, under a fixed open-model load of the default
# one-task callback state machine. CPU is read from /proc/<pid>/stat (utime + stime) of every process before and
# after the measured window and divided by the executions completed in it.
#
# usage: scripts/bench-cpu.sh [-k "1 2"] [-r rate/s=250] [-d seconds=30] [-o OUT] [-c]
#   -c   on the 3-node cluster of scripts/rabbitmq-cluster.sh with BATON_QUEUE_TYPE=quorum (default: one node,
#        classic queues)
# env:   START_REPLIES (the loadtest's --start-replies; default errors),
#        BATON_BIN_DIR (skip the release build), CALLBACK_REPLIES (the worker's --callback-replies; default errors:
#        only refusals are answered)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARD_COUNTS="1 2"; RATE=250; DURATION=30; OUT=""; CLUSTER=0
while getopts "k:r:d:o:c" o; do
  case $o in
    k) SHARD_COUNTS=$OPTARG ;; r) RATE=$OPTARG ;; d) DURATION=$OPTARG ;; o) OUT=$OPTARG ;; c) CLUSTER=1 ;;
    *) echo "usage: $0 [-k shard-counts] [-r rate] [-d seconds] [-o outdir] [-c]" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$(mktemp -d /tmp/baton-cpu.XXXXXX)}
mkdir -p "$OUT"
. "$HERE/bench-lib.sh"
bench_binaries "$ROOT"
if [ "$CLUSTER" = 1 ]; then
  URL=$("$HERE/rabbitmq-cluster.sh" start | tail -1)
  QUEUE_TYPE=quorum
else
  URL=$("$HERE/rabbitmq-node.sh" start)
  QUEUE_TYPE=classic
fi
BROKER_PIDS=$(pgrep -f 'beam.smp.*rabbit' | tr '\n' ' ')
echo "# machine: $(nproc) cores, $(uname -srm), load $(cut -d' ' -f1-3 /proc/loadavg); broker: $URL ($QUEUE_TYPE); rate ${RATE}/s for ${DURATION}s" | tee "$OUT/machine.txt"

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK)

for K in $SHARD_COUNTS; do
  PREFIX="cpu-$$-k$K"
  ORCHS=()
  for i in $(seq 0 $((K - 1))); do
    BATON_AMQP_URL=$URL BATON_QUEUE_PREFIX=$PREFIX BATON_QUEUE_TYPE=$QUEUE_TYPE BATON_DATA_DIR="$OUT/data-$PREFIX-$i" \
      BATON_SHARDS=$K BATON_SHARD=$i BATON_TOKEN_KEY=bench-cpu-shared-key BATON_API_ADDRESS=off BATON_LOG_LEVEL=info \
      "$BIN/orchestrator" > "$OUT/orchestrator-$PREFIX-$i.log" 2>&1 &
    ORCHS+=($!); PIDS+=($!)
  done
  for i in $(seq 0 $((K - 1))); do
    for _ in $(seq 1 300); do grep -q "orchestrator ready" "$OUT/orchestrator-$PREFIX-$i.log" && break; sleep 0.1; done
    grep -q "orchestrator ready" "$OUT/orchestrator-$PREFIX-$i.log" || { echo "shard $i did not start" >&2; exit 1; }
  done
  BATON_AMQP_URL=$URL BATON_QUEUE_PREFIX=$PREFIX BATON_QUEUE_TYPE=$QUEUE_TYPE "$BIN/worker-function" \
    --functions callback --queue "$PREFIX.loadtest" --prefetch 512 --callback-replies "${CALLBACK_REPLIES:-errors}" \
    --log-level warning > "$OUT/worker-$PREFIX.log" 2>&1 &
  WORKER=$!; PIDS+=($WORKER)
  # Warm-up run (declares queues, fills caches), then the measured one.
  "$BIN/baton" loadtest --amqp-url "$URL" --queue-prefix "$PREFIX" --queue-type "$QUEUE_TYPE" --shards "$K" \
    --rate "${RATE}/s" --start-replies "${START_REPLIES:-errors}" --duration 3s --quiet > /dev/null 2>&1 || true
  "$BIN/baton" loadtest --amqp-url "$URL" --queue-prefix "$PREFIX" --queue-type "$QUEUE_TYPE" --shards "$K" \
    --rate "${RATE}/s" --start-replies "${START_REPLIES:-errors}" --duration "${DURATION}s" --quiet --json "$OUT/loadtest-k$K.json" > "$OUT/loadtest-k$K.txt" 2>&1 &
  LOADTEST=$!
  sleep 1
  declare -A BEFORE=()
  for p in "${ORCHS[@]}" $WORKER $LOADTEST $BROKER_PIDS; do BEFORE[$p]=$(ticks "$p"); done
  BEFORE_TOTAL=$(awk '/^cpu /{print $2+$3+$4+$6+$7+$8}' /proc/stat)
  IDLE_BEFORE=$(awk '/^cpu /{print $5}' /proc/stat)
  sleep $((DURATION - 2))
  declare -A AFTER=()
  for p in "${ORCHS[@]}" $WORKER $LOADTEST $BROKER_PIDS; do AFTER[$p]=$(ticks "$p"); done
  AFTER_TOTAL=$(awk '/^cpu /{print $2+$3+$4+$6+$7+$8}' /proc/stat)
  IDLE_AFTER=$(awk '/^cpu /{print $5}' /proc/stat)
  wait "$LOADTEST" || true
  RATE_DONE=$(python3 -c "import json;print(json.load(open('$OUT/loadtest-k$K.json'))['completed_per_second'])")
  WINDOW=$((DURATION - 2))
  python3 - "$K" "$RATE_DONE" "$WINDOW" "$HZ" "$((AFTER_TOTAL - BEFORE_TOTAL))" "$((IDLE_AFTER - IDLE_BEFORE))" \
    "orchestrator:$(for p in "${ORCHS[@]}"; do echo -n "$((AFTER[$p] - BEFORE[$p])),"; done)" \
    "worker:$((AFTER[$WORKER] - BEFORE[$WORKER]))," "loadtest:$((AFTER[$LOADTEST] - BEFORE[$LOADTEST]))," \
    "broker:$(for p in $BROKER_PIDS; do echo -n "$((AFTER[$p] - BEFORE[$p])),"; done)" <<'EOF' | tee -a "$OUT/results.txt"
import os, sys
k, rate, window, hz, busy, idle = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
executions = rate * window
parts = []
for arg in sys.argv[7:]:
    name, values = arg.split(":", 1)
    ticks = [int(v) for v in values.split(",") if v]
    per = [t / hz * 1000 / executions for t in ticks]
    parts.append("%s=%s" % (name, "+".join("%.3f" % p for p in per)))
print("RESULT shards=%d completed_per_second=%.1f cpu_ms_per_execution %s machine_busy_cores=%.2f" % (
    k, rate, " ".join(parts), busy / (busy + idle) * os.cpu_count() if busy + idle else 0))
EOF
  for p in "${ORCHS[@]}" $WORKER; do kill "$p" 2>/dev/null || true; done
  for p in "${ORCHS[@]}" $WORKER; do wait "$p" 2>/dev/null || true; done
  unset BEFORE AFTER
done
echo "written: $OUT/results.txt and each run's loadtest JSON"

#!/usr/bin/env bash
# CPU cost per completed execution of each component (issue 10, item 5): K orchestrator shards, one
# worker-function, the broker node(s) and the load generator, under a fixed open-model load of the default
# one-task callback state machine. CPU is read from /proc/<pid>/stat (utime + stime) of every process before and
# after the measured window and divided by the executions completed in it.
#
# usage: scripts/bench-cpu.sh [-k "1 2"] [-r rate/s=250] [-w concurrency] [-d seconds=30] [-o OUT] [-c]
#                             [-q "jsonpath jsonata"]
#   -q   the one-task machine's query languages, each measured in turn with a fresh orchestrator (default:
#        jsonpath; jsonata is the same machine written in JSONata, `baton loadtest --query-language jsonata`)
#   -w   closed model with this many executions in flight instead of the fixed rate (the saturated case)
#   -c   on the 3-node cluster of scripts/rabbitmq-cluster.sh with BATON_QUEUE_TYPE=quorum (default: one node,
#        classic queues)
# env:   START_REPLIES (the loadtest's --start-replies; default errors; `-` leaves the flag out, as for
#        CALLBACK_REPLIES: for binaries from before these flags),
#        BATON_BIN_DIR (skip the release build), CALLBACK_REPLIES (the worker's --callback-replies; default errors:
#        only refusals are answered), BATON_EVENT_BATCHING (the orchestrator's; default on; `off` for binaries from
#        before it, which ignore it anyway)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARD_COUNTS="1 2"; RATE=250; CONCURRENCY=""; DURATION=30; OUT=""; CLUSTER=0; LANGUAGES=jsonpath
while getopts "k:r:w:d:o:cq:" o; do
  case $o in
    k) SHARD_COUNTS=$OPTARG ;; r) RATE=$OPTARG ;; w) CONCURRENCY=$OPTARG ;; d) DURATION=$OPTARG ;; o) OUT=$OPTARG ;;
    c) CLUSTER=1 ;; q) LANGUAGES=$OPTARG ;;
    *) echo "usage: $0 [-k shard-counts] [-r rate | -w concurrency] [-d seconds] [-o outdir] [-c] [-q languages]" >&2
       exit 2 ;;
  esac
done
for QL in $LANGUAGES; do
  case $QL in jsonpath | jsonata) ;; *) echo "bench-cpu: -q takes jsonpath and/or jsonata, not '$QL'" >&2; exit 2 ;; esac
done
# Reply flags; `-` leaves a flag out (binaries from before it, for before/after comparisons).
START_FLAGS=(--start-replies "${START_REPLIES:-errors}"); [ "${START_REPLIES:-}" = - ] && START_FLAGS=()
WORKER_FLAGS=(--callback-replies "${CALLBACK_REPLIES:-errors}"); [ "${CALLBACK_REPLIES:-}" = - ] && WORKER_FLAGS=()
if [ -n "$CONCURRENCY" ]; then LOAD=(--concurrency "$CONCURRENCY"); LOAD_TEXT="closed loop, $CONCURRENCY in flight"
else LOAD=(--rate "${RATE}/s"); LOAD_TEXT="rate ${RATE}/s"; fi
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
# The broker processes of this run: whatever listens on the AMQP ports of its URL(s) (not every RabbitMQ node on the
# machine: another run's or the demo's would count too).
BROKER_PIDS=$(for port in $(echo "$URL" | grep -oE ':[0-9]+/' | tr -d ':/'); do
  ss -Hltnp "sport = :$port" | grep -oE 'pid=[0-9]+' | cut -d= -f2
done | sort -u | tr '\n' ' ')
[ -n "$BROKER_PIDS" ] || { echo "bench-cpu: found no process listening on the broker's port(s) in $URL" >&2; exit 1; }
echo "# machine: $(nproc) cores, $(uname -srm), load $(cut -d' ' -f1-3 /proc/loadavg); broker: $URL ($QUEUE_TYPE); $LOAD_TEXT for ${DURATION}s" | tee "$OUT/machine.txt"

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Context switches (voluntary + involuntary) of every thread of a process.
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n + 0}'; }
HZ=$(getconf CLK_TCK)

for K in $SHARD_COUNTS; do
for QL in $LANGUAGES; do
  # jsonpath keeps the flag out and the file names of before -q (binaries from before --query-language).
  if [ "$QL" = jsonpath ]; then QL_FLAGS=(); TAG=""; else QL_FLAGS=(--query-language "$QL"); TAG="-$QL"; fi
  PREFIX="cpu-$$-k$K$TAG"
  ORCHS=()
  for i in $(seq 0 $((K - 1))); do
    BATON_AMQP_URL=$URL BATON_QUEUE_PREFIX=$PREFIX BATON_QUEUE_TYPE=$QUEUE_TYPE BATON_DATA_DIR="$OUT/data-$PREFIX-$i" \
      BATON_SHARDS=$K BATON_SHARD=$i BATON_TOKEN_KEY=bench-cpu-shared-key BATON_API_ADDRESS=off BATON_LOG_LEVEL=info \
      BATON_EVENT_BATCHING=${BATON_EVENT_BATCHING:-on} \
      "$BIN/orchestrator" > "$OUT/orchestrator-$PREFIX-$i.log" 2>&1 &
    ORCHS+=($!); PIDS+=($!)
  done
  for i in $(seq 0 $((K - 1))); do
    for _ in $(seq 1 300); do grep -q "orchestrator ready" "$OUT/orchestrator-$PREFIX-$i.log" && break; sleep 0.1; done
    grep -q "orchestrator ready" "$OUT/orchestrator-$PREFIX-$i.log" || { echo "shard $i did not start" >&2; exit 1; }
  done
  BATON_AMQP_URL=$URL BATON_QUEUE_PREFIX=$PREFIX BATON_QUEUE_TYPE=$QUEUE_TYPE "$BIN/worker-function" \
    --functions callback --queue "$PREFIX.loadtest" --prefetch 512 "${WORKER_FLAGS[@]}" \
    --log-level warning > "$OUT/worker-$PREFIX.log" 2>&1 &
  WORKER=$!; PIDS+=($WORKER)
  # Warm-up run (declares queues, fills caches), then the measured one.
  "$BIN/baton" loadtest --amqp-url "$URL" --queue-prefix "$PREFIX" --queue-type "$QUEUE_TYPE" --shards "$K" \
    "${LOAD[@]}" "${START_FLAGS[@]}" "${QL_FLAGS[@]}" --duration 3s --quiet > /dev/null 2>&1 || true
  "$BIN/baton" loadtest --amqp-url "$URL" --queue-prefix "$PREFIX" --queue-type "$QUEUE_TYPE" --shards "$K" \
    "${LOAD[@]}" "${START_FLAGS[@]}" "${QL_FLAGS[@]}" --duration "${DURATION}s" --quiet \
    --json "$OUT/loadtest-k$K$TAG.json" > "$OUT/loadtest-k$K$TAG.txt" 2>&1 &
  LOADTEST=$!
  sleep 1
  declare -A BEFORE=()
  declare -A SW_BEFORE=()
  for p in "${ORCHS[@]}" $WORKER $LOADTEST $BROKER_PIDS; do BEFORE[$p]=$(ticks "$p"); SW_BEFORE[$p]=$(switches "$p"); done
  BEFORE_TOTAL=$(awk '/^cpu /{print $2+$3+$4+$6+$7+$8}' /proc/stat)
  IDLE_BEFORE=$(awk '/^cpu /{print $5}' /proc/stat)
  sleep $((DURATION - 2))
  declare -A AFTER=()
  declare -A SW_AFTER=()
  for p in "${ORCHS[@]}" $WORKER $LOADTEST $BROKER_PIDS; do AFTER[$p]=$(ticks "$p"); SW_AFTER[$p]=$(switches "$p"); done
  AFTER_TOTAL=$(awk '/^cpu /{print $2+$3+$4+$6+$7+$8}' /proc/stat)
  IDLE_AFTER=$(awk '/^cpu /{print $5}' /proc/stat)
  wait "$LOADTEST" || true
  RATE_DONE=$(python3 -c "import json;print(json.load(open('$OUT/loadtest-k$K$TAG.json'))['completed_per_second'])")
  WINDOW=$((DURATION - 2))
  python3 - "$K" "$QL" "$RATE_DONE" "$WINDOW" "$HZ" "$((AFTER_TOTAL - BEFORE_TOTAL))" "$((IDLE_AFTER - IDLE_BEFORE))" \
    "orchestrator:$(for p in "${ORCHS[@]}"; do echo -n "$((AFTER[$p] - BEFORE[$p])),"; done)" \
    "worker:$((AFTER[$WORKER] - BEFORE[$WORKER]))," "loadtest:$((AFTER[$LOADTEST] - BEFORE[$LOADTEST]))," \
    "broker:$(for p in $BROKER_PIDS; do echo -n "$((AFTER[$p] - BEFORE[$p])),"; done)" \
    "switches" \
    "orchestrator:$(for p in "${ORCHS[@]}"; do echo -n "$((SW_AFTER[$p] - SW_BEFORE[$p])),"; done)" \
    "worker:$((SW_AFTER[$WORKER] - SW_BEFORE[$WORKER]))," "loadtest:$((SW_AFTER[$LOADTEST] - SW_BEFORE[$LOADTEST]))," \
    "broker:$(for p in $BROKER_PIDS; do echo -n "$((SW_AFTER[$p] - SW_BEFORE[$p])),"; done)" <<'EOF' | tee -a "$OUT/results.txt"
import os, sys
language = sys.argv.pop(2)
k, rate, window, hz, busy, idle = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
executions = rate * window
split = sys.argv.index("switches")
def per_execution(args, scale, digits):
    parts = []
    for arg in args:
        name, values = arg.split(":", 1)
        counts = [int(v) for v in values.split(",") if v]
        parts.append("%s=%s" % (name, "+".join(("%." + str(digits) + "f") % (c * scale / executions) for c in counts)))
    return " ".join(parts)
print("RESULT shards=%d query_language=%s completed_per_second=%.1f cpu_ms_per_execution %s context_switches_per_execution %s machine_busy_cores=%.2f" % (
    k, language, rate, per_execution(sys.argv[7:split], 1000 / hz, 3), per_execution(sys.argv[split + 1:], 1, 1),
    busy / (busy + idle) * os.cpu_count() if busy + idle else 0))
EOF
  for p in "${ORCHS[@]}" $WORKER; do kill "$p" 2>/dev/null || true; done
  for p in "${ORCHS[@]}" $WORKER; do wait "$p" 2>/dev/null || true; done
  unset BEFORE AFTER SW_BEFORE SW_AFTER
done
done
echo "written: $OUT/results.txt and each run's loadtest JSON"

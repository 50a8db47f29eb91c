#!/usr/bin/env bash
# The sustainable rate: an open-model sweep (`baton loadtest --rate … --sweep`) of the default one-task callback
# machine against a fresh orchestrator and one worker-function, raising the arrival rate step by step until the
# end-to-end p99 exceeds the limit (default 100 ms), errors appear or completions fall behind; prints every step
# and the sustainable rate. Run it for two sets of binaries (BATON_BIN_DIR) to compare them.
#
# usage: scripts/bench-sweep.sh [-r start rate/s=500] [-f factor=1.25] [-p p99 limit ms=100] [-d step seconds=8]
#                               [-n steps=12] [-o OUT]
# env:   BATON_BIN_DIR (skip the release build), BATON_EVENT_BATCHING (default on), CALLBACK_REPLIES / START_REPLIES
#        (default errors, as scripts/bench.sh)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RATE=500; FACTOR=1.25; P99=100; STEP=8; STEPS=12; OUT=""
while getopts "r:f:p:d:n:o:" o; do
  case $o in
    r) RATE=$OPTARG ;; f) FACTOR=$OPTARG ;; p) P99=$OPTARG ;; d) STEP=$OPTARG ;; n) STEPS=$OPTARG ;; o) OUT=$OPTARG ;;
    *) echo "usage: $0 [-r rate] [-f factor] [-p p99-ms] [-d step-seconds] [-n steps] [-o outdir]" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$(mktemp -d /tmp/baton-sweep.XXXXXX)}
mkdir -p "$OUT"
URL=$("$HERE/rabbitmq-node.sh" start)
. "$HERE/bench-lib.sh"
bench_binaries "$ROOT"
PREFIX="sweep-$$"
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
BATON_AMQP_URL=$URL BATON_QUEUE_PREFIX=$PREFIX BATON_DATA_DIR="$OUT/data" BATON_API_ADDRESS=off BATON_LOG_LEVEL=info \
  BATON_EVENT_BATCHING=${BATON_EVENT_BATCHING:-on} "$BIN/orchestrator" > "$OUT/orchestrator.log" 2>&1 &
PIDS+=($!)
BATON_AMQP_URL=$URL BATON_QUEUE_PREFIX=$PREFIX "$BIN/worker-function" --functions callback --queue "$PREFIX.loadtest" \
  --prefetch 512 --callback-replies "${CALLBACK_REPLIES:-errors}" --log-level warning > "$OUT/worker.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do grep -q "orchestrator ready" "$OUT/orchestrator.log" 2>/dev/null && break; sleep 0.1; done
grep -q "orchestrator ready" "$OUT/orchestrator.log" || { echo "bench-sweep: the orchestrator did not start" >&2; exit 1; }
echo "# machine: $(nproc) cores, $(uname -srm), load $(cut -d' ' -f1-3 /proc/loadavg); binaries: $BIN" | tee "$OUT/machine.txt"
"$BIN/baton" loadtest --amqp-url "$URL" --queue-prefix "$PREFIX" --rate "${RATE}/s" --sweep --sweep-factor "$FACTOR" \
  --sweep-steps "$STEPS" --sweep-p99-ms "$P99" --duration "${STEP}s" --warmup 2s \
  --start-replies "${START_REPLIES:-errors}" --quiet --json "$OUT/sweep.json" | tee "$OUT/sweep.txt" || true
grep "sustainable throughput" "$OUT/sweep.txt" || echo "sustainable throughput: none"

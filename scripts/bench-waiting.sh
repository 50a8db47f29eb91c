#!/usr/bin/env bash
# Scale of waiting executions (issue 7, item 4): fill one orchestrator with N executions waiting for a callback
# (a waitForTaskToken task nobody serves), record its RSS, then kill -9 it and measure how long until it serves
# callbacks again: restart → "orchestrator ready", and kill → first execution completed through a callback
# (a one-execution `baton loadtest` with its own worker, retried until it succeeds).
#
# usage: scripts/bench-waiting.sh [-n 100000] [-r fill rate/s=3000] [-o OUT]
# env:   BATON_BIN_DIR (skip the release build), BATON_DURABILITY
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=100000; RATE=3000; OUT=""
while getopts "n:r:o:" o; do
  case $o in
    n) N=$OPTARG ;; r) RATE=$OPTARG ;; o) OUT=$OPTARG ;;
    *) echo "usage: $0 [-n waiting] [-r fill-rate] [-o outdir]" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$(mktemp -d /tmp/baton-waiting.XXXXXX)}
mkdir -p "$OUT"
if [ -z "${BATON_BIN_DIR:-}" ]; then
  for product in baton orchestrator worker-function; do
    (cd "$ROOT" && swift build -c release --scratch-path .build-bench --product "$product" >&2)
  done
  BATON_BIN_DIR="$ROOT/.build-bench/release"
fi
BIN=$BATON_BIN_DIR
URL=$("$HERE/rabbitmq-node.sh" start)
PREFIX="waiting-$$"
DATA="$OUT/data"
WAITQ="$PREFIX.waiting"
rm -rf "$DATA"
echo "# machine: $(nproc) cores, $(uname -srm), load $(cut -d' ' -f1-3 /proc/loadavg); N=$N" | tee "$OUT/machine.txt"

ORCH=""; PURGER=""
cleanup() {
  [ -n "$PURGER" ] && kill "$PURGER" 2>/dev/null || true
  [ -n "$ORCH" ] && kill "$ORCH" 2>/dev/null || true
  "$HERE/rabbitmq-node.sh" ctl delete_queue "$WAITQ" > /dev/null 2>&1 || true
}
trap cleanup EXIT
start_orchestrator() {
  BATON_AMQP_URL=$URL BATON_QUEUE_PREFIX=$PREFIX BATON_DATA_DIR=$DATA BATON_LOG_LEVEL=info \
    BATON_DURABILITY=${BATON_DURABILITY:-process-crash} "$BIN/orchestrator" >> "$OUT/orchestrator.log" 2>&1 &
  ORCH=$!
  until grep -q "orchestrator ready" "$OUT/orchestrator.log" 2>/dev/null; do sleep 0.02; done
}
rss() { awk '/VmRSS|VmHWM/ {printf "%s %.0f MiB  ", $1, $2/1024}' "/proc/$1/status"; }

cat > "$OUT/waiting.asl.json" <<EOF
{"StartAt": "Wait4Callback", "States": {"Wait4Callback": {"Type": "Task",
  "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
  "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/$WAITQ",
                 "MessageBody": {"TaskToken.\$": "\$\$.Task.Token"}},
  "TimeoutSeconds": 604800, "End": true}}}
EOF

start_orchestrator
echo "empty orchestrator: $(rss "$ORCH")" | tee -a "$OUT/results.txt"
# Nobody serves the waiting queue: purge it now and then so the broker does not hold N task messages.
( while sleep 10; do "$HERE/rabbitmq-node.sh" ctl purge_queue "$WAITQ" > /dev/null 2>&1 || true; done ) &
PURGER=$!
FILL_START=$(date +%s.%N)
# The ledger "fails" by design (the executions never end): drain timeout 0, exit status 2 expected.
"$BIN/baton" loadtest --amqp-url "$URL" --queue-prefix "$PREFIX" --rate "${RATE}/s" --executions "$N" \
  --state-machine "$OUT/waiting.asl.json" --drain-timeout 0s --max-in-flight 100000000 --quiet \
  --json "$OUT/fill.json" > "$OUT/fill.txt" 2>&1 || true
FILL_END=$(date +%s.%N)
sleep 2
STARTED=$(python3 -c "import json;print(json.load(open('$OUT/fill.json'))['started'])")
echo "filled: $STARTED waiting in $(awk "BEGIN{printf \"%.2f\", $FILL_END - $FILL_START}") s (target rate $RATE/s); orchestrator $(rss "$ORCH")" \
  | tee -a "$OUT/results.txt"
du -sh "$DATA" | awk '{print "store on disk: " $1}' | tee -a "$OUT/results.txt"

# kill -9 and restart; then time until a callback is accepted again.
KILLED=$(date +%s.%N)
kill -9 "$ORCH"; wait "$ORCH" 2>/dev/null || true
: > "$OUT/orchestrator.log"
start_orchestrator
READY=$(date +%s.%N)
until "$BIN/baton" loadtest --amqp-url "$URL" --queue-prefix "$PREFIX" --workers 1 --executions 1 --concurrency 1 \
    --drain-timeout 10s --quiet --json "$OUT/after-restart.json" > "$OUT/after-restart.txt" 2>&1; do sleep 0.05; done
SERVED=$(date +%s.%N)
echo "kill -9 with $STARTED waiting: ready after $(awk "BEGIN{printf \"%.2f\", $READY - $KILLED}") s; first execution completed through a callback after $(awk "BEGIN{printf \"%.2f\", $SERVED - $KILLED}") s (includes starting the loadtest and its worker process)" \
  | tee -a "$OUT/results.txt"
grep -o 'waiting=[0-9]*\|"waiting": "[0-9]*"\|waiting: [0-9]*' "$OUT/orchestrator.log" | head -1 | sed 's/^/restarted orchestrator reports /' | tee -a "$OUT/results.txt" || true
echo "after restart: $(rss "$ORCH")" | tee -a "$OUT/results.txt"

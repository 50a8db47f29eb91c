#!/usr/bin/env bash
# Scale of waiting executions (issue 7, item 4): fill one orchestrator with N executions waiting for a callback
# (a waitForTaskToken task nobody serves), record its RSS, then kill -9 it and measure how long until it serves
# callbacks again: restart → "orchestrator ready", and kill → first execution completed through a callback
# (a one-execution `baton loadtest` with its own worker, retried until it succeeds).
#
# The fill is open-model: starts the orchestrator cannot keep up with queue up on its command queue, so the
# script waits for that queue to drain before it measures (a backlog would otherwise also delay the probe).
#
# usage: scripts/bench-waiting.sh [-n 100000] [-r fill rate/s=3000] [-o OUT] [-s]
#   -s   skip the fill and measure the store a previous run left in OUT (OUT/data, OUT/prefix)
# env:   BATON_BIN_DIR (skip the release build), BATON_DURABILITY
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=100000; RATE=3000; OUT=""; REUSE=0
while getopts "n:r:o:s" o; do
  case $o in
    n) N=$OPTARG ;; r) RATE=$OPTARG ;; o) OUT=$OPTARG ;; s) REUSE=1 ;;
    *) echo "usage: $0 [-n waiting] [-r fill-rate] [-o outdir] [-s]" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$(mktemp -d /tmp/baton-waiting.XXXXXX)}
mkdir -p "$OUT"
. "$HERE/bench-lib.sh"
bench_binaries "$ROOT"
URL=$("$HERE/rabbitmq-node.sh" start)
DATA="$OUT/data"
if [ "$REUSE" = 1 ]; then
  [ -f "$OUT/prefix" ] && [ -d "$DATA" ] || { echo "bench-waiting: -s needs $OUT/prefix and $DATA from a run" >&2; exit 2; }
  PREFIX=$(cat "$OUT/prefix")
else
  PREFIX="waiting-$$"
  rm -rf "$DATA"
  echo "$PREFIX" > "$OUT/prefix"
fi
WAITQ="$PREFIX.waiting"
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
waiting_in_store() {
  python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from execution where status='RUNNING'\").fetchone()[0])" "$DATA/baton.sqlite"
}
queue_depth() { "$HERE/rabbitmq-node.sh" ctl list_queues name messages 2>/dev/null | awk -v q="$1" '$1 == q {print $2}'; }

cat > "$OUT/waiting.asl.json" <<EOF
{"StartAt": "Wait4Callback", "States": {"Wait4Callback": {"Type": "Task",
  "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
  "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/$WAITQ",
                 "MessageBody": {"TaskToken.\$": "\$\$.Task.Token"}},
  "TimeoutSeconds": 604800, "End": true}}}
EOF

start_orchestrator
echo "orchestrator at start: $(rss "$ORCH")" | tee -a "$OUT/results.txt"
# Nobody serves the waiting queue: purge it now and then so the broker does not hold N task messages.
( while sleep 10; do "$HERE/rabbitmq-node.sh" ctl purge_queue "$WAITQ" > /dev/null 2>&1 || true; done ) &
PURGER=$!
if [ "$REUSE" = 0 ]; then
  FILL_START=$(date +%s.%N)
  # The ledger "fails" by design (the executions never end): drain timeout 0, exit status 2 expected.
  "$BIN/baton" loadtest --amqp-url "$URL" --queue-prefix "$PREFIX" --rate "${RATE}/s" --executions "$N" \
    --state-machine "$OUT/waiting.asl.json" --drain-timeout 0s --max-in-flight 100000000 --quiet \
    --json "$OUT/fill.json" > "$OUT/fill.txt" 2>&1 || true
fi
# Starts still queued are served before anything else: wait until the command queue is empty.
until [ "$(queue_depth "$PREFIX.commands")" = 0 ]; do sleep 1; done
[ "$REUSE" = 0 ] && FILL_END=$(date +%s.%N) && echo "filled in $(awk "BEGIN{printf \"%.0f\", $FILL_END - $FILL_START}") s (offered $RATE/s)" | tee -a "$OUT/results.txt"
sleep 2
STARTED=$(waiting_in_store)
echo "waiting in the store: $STARTED; orchestrator $(rss "$ORCH")" | tee -a "$OUT/results.txt"
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

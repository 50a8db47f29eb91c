#!/usr/bin/env bash
# The Baton demo without Docker: builds Baton, starts the private RabbitMQ node, the orchestrator and the three
# workers (logs prefixed and colored per process, like compose), runs every seed scenario — the failure paths
# too — through the `baton` CLI and prints execution → expected → actual status with durations.
#
#   scripts/demo.sh          …then leaves the system running to try `baton` commands; Ctrl-C stops all it started
#   scripts/demo.sh --check  …then stops everything it started; exit 0 only if every scenario ended as expected
#
# Configuration is the BATON_* environment the processes read (docker-compose.yml reuses the same variables);
# defaults below. Workflow time runs BATON_TIME_SCALE times faster than the clock so the timeout paths take
# seconds. The build is a debug build (BATON_BUILD_CONFIGURATION=release for a release build; slower to build),
# run by scripts/swift-build.sh in a fixed environment, so a second start builds in about a second.
# Every process serves Prometheus /metrics on a free port (BATON_DEMO_METRICS=off turns that off); the closing
# message lists the addresses.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CHECK=0
[ "${1:-}" = "--check" ] && CHECK=1

export BATON_QUEUE_PREFIX=${BATON_QUEUE_PREFIX:-baton}
export BATON_TIME_SCALE=${BATON_TIME_SCALE:-10}
export BATON_STATE_MACHINES=${BATON_STATE_MACHINES:-$ROOT/deploy/statemachines}
export BATON_APPROVER_ADDRESS=${BATON_APPROVER_ADDRESS:-127.0.0.1:8090}
export BATON_APPROVER_URL=${BATON_APPROVER_URL:-http://$BATON_APPROVER_ADDRESS}
export BATON_APPROVER_POLICY=${BATON_APPROVER_POLICY:-reject-if=amount>1000}
export BATON_JOB_DURATION=${BATON_JOB_DURATION:-1s}
export BATON_LOG_LEVEL=${BATON_LOG_LEVEL:-info}
DATA=${BATON_DEMO_DATA:-$ROOT/.data}
CONFIGURATION=${BATON_BUILD_CONFIGURATION:-debug}
read -r -a BUILD_FLAGS <<<"${BATON_SWIFT_BUILD_FLAGS:-}"   # e.g. "--scratch-path .build-demo"
METRICS=${BATON_DEMO_METRICS:-on}
MAX_BUILD_SECONDS=${BATON_DEMO_MAX_BUILD_SECONDS:-}          # test.sh: fail when the build takes longer

command -v swift >/dev/null || { echo "demo.sh: Swift 6 is needed on PATH (https://www.swift.org/install)" >&2; exit 1; }

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then COLOR=1; else COLOR=0; fi
say() { if [ $COLOR -eq 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }

PIDS=()
STARTED_BROKER=0
cleanup() {
  trap - EXIT INT TERM
  [ ${#PIDS[@]} -gt 0 ] && say "demo.sh: stopping ${#PIDS[@]} Baton processes"
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ $STARTED_BROKER -eq 1 ]; then scripts/rabbitmq-node.sh stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts one process; its output is prefixed and colored on the terminal and kept in $DATA/logs/NAME.log.
spawn() {
  local name=$1 color=$2; shift 2
  local log="$DATA/logs/$name.log"
  : >"$log"
  "$@" > >(while IFS= read -r line; do
    printf '%s\n' "$line" >>"$log"
    if [ $COLOR -eq 1 ]; then printf '\033[%sm%-16s|\033[0m %s\n' "$color" "$name" "$line"
    else printf '%-16s| %s\n' "$name" "$line"; fi
  done) 2>&1 &
  PIDS+=($!)
}

metrics_addresses() {  # each process's "metrics listening address=…" line, as curl commands
  [ "$METRICS" = off ] && { echo "Metrics: off (BATON_DEMO_METRICS=off)."; return; }
  echo "Prometheus metrics (docs/operations.md lists them):"
  local name address
  for name in orchestrator worker-function worker-silent legacy-system approver; do
    address=$(sed -n 's/.*metrics listening.*address=\([^ ]*\).*/\1/p' "$DATA/logs/$name.log" 2>/dev/null | tail -1)
    printf '  %-16s curl -s http://%s/metrics\n' "$name" "${address:-?}"
  done
}

wait_for_log() {  # NAME TEXT SECONDS
  for _ in $(seq $(($3 * 10))); do grep -q "$2" "$DATA/logs/$1.log" 2>/dev/null && return 0; sleep 0.1; done
  echo "demo.sh: $1 did not log '$2' within $3 s; see $DATA/logs/$1.log" >&2
  exit 1
}

if scripts/rabbitmq-node.sh status >/dev/null 2>&1; then
  BATON_AMQP_URL=$(scripts/rabbitmq-node.sh url)
else
  STARTED_BROKER=1
  # Installs rabbitmq-server with apt if missing; a node that does not start ends the demo here.
  BATON_AMQP_URL=$(scripts/rabbitmq-node.sh start) || { echo "demo.sh: the RabbitMQ node did not start" >&2; exit 1; }
fi
export BATON_AMQP_URL

say "demo.sh: building Baton ($CONFIGURATION)"
BUILD_START=$(date +%s%N)
scripts/swift-build.sh -c "$CONFIGURATION" ${BUILD_FLAGS[@]+"${BUILD_FLAGS[@]}"}
BUILD_MS=$((($(date +%s%N) - BUILD_START) / 1000000))
BIN=$(scripts/swift-build.sh -c "$CONFIGURATION" ${BUILD_FLAGS[@]+"${BUILD_FLAGS[@]}"} --show-bin-path)
BUILD_TIME="$((BUILD_MS / 1000)).$((BUILD_MS % 1000 / 100)) s"
say "demo.sh: build took $BUILD_TIME"
if [ -n "$MAX_BUILD_SECONDS" ] && [ "$BUILD_MS" -gt $((MAX_BUILD_SECONDS * 1000)) ]; then
  echo "demo.sh: the build took $BUILD_TIME, more than BATON_DEMO_MAX_BUILD_SECONDS=$MAX_BUILD_SECONDS" >&2
  exit 1
fi
baton() { "$BIN/baton" "$@"; }

# A fresh system every run: the processes' stores under $DATA start empty.
rm -rf "$DATA/orchestrator" "$DATA/legacy-system" "$DATA/approver" "$DATA/logs"
mkdir -p "$DATA/logs"

if [ "$METRICS" != off ]; then export BATON_METRICS_ADDRESS=127.0.0.1:0; fi
# The web console (/console on the orchestrator's API address) draws state machines with Graphviz's dot.
if [ ! -x /usr/bin/dot ]; then
  say "demo.sh: installing graphviz with apt-get (the console's state graphs)"
  SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq graphviz; } >/dev/null 2>&1 \
    || say "demo.sh: installing graphviz failed: the console shows definitions without their graphs"
fi

say "demo.sh: starting the orchestrator and the workers (RabbitMQ at $(sed 's|://\([^:@]*\):[^@]*@|://\1:…@|' <<<"$BATON_AMQP_URL"))"
spawn orchestrator "36" env BATON_DATA_DIR="$DATA/orchestrator" "$BIN/orchestrator"
wait_for_log orchestrator "orchestrator ready" 60
API_ADDRESS=$(sed -n 's/.*api listening address=\([^ ]*\).*/\1/p' "$DATA/logs/orchestrator.log" | tail -1)
[ -n "$API_ADDRESS" ] && say "demo.sh: web console at http://$API_ADDRESS/console"
spawn worker-function "32" "$BIN/worker-function" --queue baton.seed1 --activity baton-packing
spawn worker-silent "90" "$BIN/worker-function" --queue baton.seed1.silent --never-callback-rate 1
spawn legacy-system "33" env BATON_DATA_DIR="$DATA/legacy-system" "$BIN/legacy-system" --queue baton.legacy.callbacks
spawn approver "35" env BATON_DATA_DIR="$DATA/approver" "$BIN/approver"
for name in worker-function worker-silent legacy-system approver; do wait_for_log "$name" "consuming tasks" 30; done
metrics_addresses

# The scenarios: `baton demo` waits until the orchestrator answers and every seed queue has a consumer, registers
# seed1-no-callback (seed 1 publishing to baton.seed1.silent, whose worker never calls back) and its JSONata twin,
# creates seed 3's activity (worker-function polls it), starts the ten executions on the JSONPath seed machines and
# the same ten on their JSONata twins
# (deploy/statemachines/*-jsonata.asl.json), approves the one a person would (on both), waits for them to end, prints
# execution → expected → actual, then each twin beside its JSONPath machine (status, error, cause, output identical).
# docker-compose.yml's `demo` service runs the same command.
FAILURES=0
baton demo --state-machines "$BATON_STATE_MACHINES" || FAILURES=1
[ $FAILURES -eq 0 ] || say "demo.sh: logs of the processes: $DATA/logs"

if [ $CHECK -eq 1 ]; then
  [ $FAILURES -eq 0 ] && exit 0 || exit 1
fi

cat <<EOF

The system keeps running (workflow time ×$BATON_TIME_SCALE). Try, in another terminal:
  export BATON_AMQP_URL='$BATON_AMQP_URL' PATH="$BIN:\$PATH"
  baton list-executions
  baton get-execution-history --execution-arn ARN   # an executionArn from list-executions
  baton watch                                   # stream executions as they end
  baton start-execution --state-machine-arn seed2-sync --input '{"status": "success"}' --wait
  baton start-execution --state-machine-arn manual-approval --input '{"amount": 42}'
  baton approvals list                          # or the page: $BATON_APPROVER_URL
  baton approvals approve ID                    # within $((120 / BATON_TIME_SCALE)) s, before it expires
  baton activities list                         # seed 3's activity; worker-function polls it
Web console (executions live, graphs, timelines, Stop and callback buttons): http://${API_ADDRESS:-127.0.0.1:8083}/console
Logs: $DATA/logs/*.log.
$(metrics_addresses)
Press Ctrl-C to stop everything demo.sh started.
EOF
wait

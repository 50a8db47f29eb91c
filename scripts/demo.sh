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
# seconds. The build is a debug build (BATON_BUILD_CONFIGURATION=release for a release build; slower to build).
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

wait_for_log() {  # NAME TEXT SECONDS
  for _ in $(seq $(($3 * 10))); do grep -q "$2" "$DATA/logs/$1.log" 2>/dev/null && return 0; sleep 0.1; done
  echo "demo.sh: $1 did not log '$2' within $3 s; see $DATA/logs/$1.log" >&2
  exit 1
}

if scripts/rabbitmq-node.sh status >/dev/null 2>&1; then
  export BATON_AMQP_URL=$(scripts/rabbitmq-node.sh url)
else
  export BATON_AMQP_URL=$(scripts/rabbitmq-node.sh start)   # installs rabbitmq-server with apt if missing
  STARTED_BROKER=1
fi

say "demo.sh: building Baton ($CONFIGURATION)"
swift build -c "$CONFIGURATION" ${BUILD_FLAGS[@]+"${BUILD_FLAGS[@]}"}
BIN=$(swift build -c "$CONFIGURATION" ${BUILD_FLAGS[@]+"${BUILD_FLAGS[@]}"} --show-bin-path)
baton() { "$BIN/baton" "$@"; }

# A fresh system every run: the processes' stores under $DATA start empty.
rm -rf "$DATA/orchestrator" "$DATA/legacy-system" "$DATA/approver" "$DATA/logs"
mkdir -p "$DATA/logs"

say "demo.sh: starting the orchestrator and the workers (RabbitMQ at ${BATON_AMQP_URL%%@*}@…${BATON_AMQP_URL##*@})"
spawn orchestrator "36" env BATON_DATA_DIR="$DATA/orchestrator" "$BIN/orchestrator"
wait_for_log orchestrator "orchestrator ready" 60
spawn worker-function "32" "$BIN/worker-function" --queue baton.seed1
spawn worker-silent "90" "$BIN/worker-function" --queue baton.seed1.silent --never-callback-rate 1
spawn legacy-system "33" env BATON_DATA_DIR="$DATA/legacy-system" "$BIN/legacy-system" --queue baton.legacy.callbacks
spawn approver "35" env BATON_DATA_DIR="$DATA/approver" "$BIN/approver"
for name in worker-function worker-silent legacy-system approver; do wait_for_log "$name" "consuming tasks" 30; done

# Seed 1's no-callback path: the same definition, publishing to a queue whose worker never calls back.
sed 's#/baton\.seed1"#/baton.seed1.silent"#' deploy/statemachines/seed1-callback.asl.json >"$DATA/seed1-no-callback.asl.json"
baton create-state-machine --name seed1-no-callback --definition "file://$DATA/seed1-no-callback.asl.json" >/dev/null

SCENARIOS=()   # "label|machine|expected|arn"
start() {      # LABEL MACHINE EXPECTED INPUT
  local arn
  arn=$(baton start-execution --state-machine-arn "$2" --name "$1-$(date +%s)" --input "$4" | awk '/^executionArn/ {print $2}')
  [ -n "$arn" ] || { echo "demo.sh: could not start $1" >&2; exit 1; }
  SCENARIOS+=("$1|$2|$3|$arn")
}
say "demo.sh: running the seed scenarios (workflow time ×$BATON_TIME_SCALE: seed 1's 30 s timeout lasts $((30 / BATON_TIME_SCALE)) s, the approval's 120 s lasts $((120 / BATON_TIME_SCALE)) s)"
start seed1-called-back  seed1-callback    SUCCEEDED '{"order": 1}'
start seed1-no-callback  seed1-no-callback FAILED    '{"order": 2}'
start seed2-cb-success   seed2-callback    SUCCEEDED '{"status": "success"}'
start seed2-cb-fail      seed2-callback    FAILED    '{"status": "fail"}'
start seed2-sync-success seed2-sync        SUCCEEDED '{"status": "success"}'
start seed2-sync-fail    seed2-sync        FAILED    '{"status": "fail"}'
start approval-approved  manual-approval   SUCCEEDED '{"item": "laptop", "amount": 900}'
start approval-rejected  manual-approval   FAILED    '{"item": "yacht", "amount": 5000}'
start approval-expired   manual-approval   FAILED    '{"item": "desk", "amount": 300}'

# A person approves the first request with the CLI (the policy only rejects amounts over 1000).
approved=$(printf '%s\n' "${SCENARIOS[@]}" | awk -F'|' '$1 == "approval-approved" {print $4}')
for _ in $(seq 100); do
  baton approvals approve --execution-arn "$approved" --comment "approved by demo.sh" >/dev/null 2>&1 && break
  sleep 0.1
done

describe() { baton describe-execution --execution-arn "$1"; }
deadline=$((SECONDS + 60))
ROWS=()
FAILURES=0
for scenario in "${SCENARIOS[@]}"; do
  IFS='|' read -r label machine expected arn <<<"$scenario"
  while :; do
    out=$(describe "$arn" || true)
    status=$(awk '$1 == "status" {print $2}' <<<"$out")
    [ "$status" != "RUNNING" ] && [ -n "$status" ] && break
    [ $SECONDS -ge $deadline ] && break
    sleep 0.2
  done
  duration=$(awk '$1 == "duration" {print $2}' <<<"$out")
  error=$(awk '$1 == "error" {print $2}' <<<"$out")
  verdict=ok; [ "$status" = "$expected" ] || { verdict=UNEXPECTED; FAILURES=$((FAILURES + 1)); }
  ROWS+=("$label|$machine|$expected|${status:-?}|${duration:--}|${error:--}|$verdict")
done

echo
say "Seed scenarios"
{
  echo "EXECUTION|STATE MACHINE|EXPECTED|ACTUAL|DURATION*|ERROR|"
  printf '%s\n' "${ROWS[@]}"
} | awk -F'|' '{ for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NR; nf = NF }
  END { for (r = 1; r <= n; r++) { line = ""; for (i = 1; i <= nf; i++) line = line sprintf("%-" w[i] + 2 "s", cell[r, i]); print line } }'
echo "* in workflow time (×$BATON_TIME_SCALE): startDate to stopDate as the orchestrator records them"
echo
if [ $FAILURES -eq 0 ]; then say "demo.sh: all ${#ROWS[@]} scenarios ended as expected"
else say "demo.sh: $FAILURES of ${#ROWS[@]} scenarios did not end as expected (logs: $DATA/logs)"; fi

if [ $CHECK -eq 1 ]; then
  [ $FAILURES -eq 0 ] && exit 0 || exit 1
fi

cat <<EOF

The system keeps running (workflow time ×$BATON_TIME_SCALE). Try, in another terminal:
  export BATON_AMQP_URL='$BATON_AMQP_URL' PATH="$BIN:\$PATH"
  baton list-executions
  baton get-execution-history --execution-arn ${SCENARIOS[0]##*|}
  baton watch                                   # stream executions as they end
  baton start-execution --state-machine-arn seed2-sync --input '{"status": "success"}' --wait
  baton start-execution --state-machine-arn manual-approval --input '{"amount": 42}'
  baton approvals list                          # or the page: $BATON_APPROVER_URL
  baton approvals approve ID                    # within $((120 / BATON_TIME_SCALE)) s, before it expires
Logs: $DATA/logs/*.log. Press Ctrl-C to stop everything demo.sh started.
EOF
wait

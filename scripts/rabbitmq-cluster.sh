#!/usr/bin/env bash
# A RabbitMQ cluster of N private nodes on loopback (default 3) for Baton's cluster tests and benchmarks, built
# on scripts/rabbitmq-node.sh: one node per data directory, a shared Erlang cookie, join_cluster.
#
#   scripts/rabbitmq-cluster.sh start [N]     start a fresh cluster of N nodes (or reuse the running one) and
#                                             print its AMQP URLs, comma-separated (the BATON_AMQP_URL form)
#   scripts/rabbitmq-cluster.sh stop          stop every node of the cluster and its epmd
#   scripts/rabbitmq-cluster.sh status        each node's state and the cluster's view; exit 3 when not running
#   scripts/rabbitmq-cluster.sh urls          print the AMQP URL list again
#   scripts/rabbitmq-cluster.sh stop-node I   stop node I (1-based) only, to test failover
#   scripts/rabbitmq-cluster.sh start-node I  start node I again (it rejoins the cluster with its data)
#   scripts/rabbitmq-cluster.sh ctl I ARGS... rabbitmqctl against node I (e.g. ctl 1 list_queues name type)
#
# Settings (environment):
#   BATON_CLUSTER_NAME   node name stem (default baton-cluster: nodes baton-cluster1@localhost, ...);
#                        data under .rabbitmq/<stem><i>/ and .rabbitmq/<stem>/ (cookie, epmd pid, size)
#   BATON_CLUSTER_PORT   AMQP port of node 1 (default 5681); node i listens on PORT+i-1, its Erlang
#                        distribution on PORT+i-1+20000. All nodes share one epmd on PORT-1000: nodes find
#                        each other through epmd, so a per-node epmd (as rabbitmq-node.sh starts) cannot cluster.
#   BATON_CLUSTER_NODES  N when not given as an argument (1..9)
#
# `start` is idempotent (a running cluster of the same size is reused) and otherwise fresh (old data is wiped);
# `stop` leaves no process behind (the data directories stay for their logs until the next start).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
NODE_SCRIPT=$HERE/rabbitmq-node.sh
STEM=${BATON_CLUSTER_NAME:-baton-cluster}
PORT=${BATON_CLUSTER_PORT:-5681}
EPMD_PORT=$((PORT - 1000))
STATE=$ROOT/.rabbitmq/$STEM

log() { printf 'rabbitmq-cluster: %s\n' "$*" >&2; }

node_name() { echo "$STEM$1@localhost"; }
node_port() { echo $((PORT + $1 - 1)); }
node_base() { echo "$ROOT/.rabbitmq/$STEM$1"; }
node_url() { echo "amqp://guest:guest@127.0.0.1:$(node_port "$1")/%2f"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Runs scripts/rabbitmq-node.sh for node $1 with its name and ports; the rest are the script's arguments.
node() {
  local i=$1
  shift
  BATON_RMQ_NODE=$(node_name "$i") BATON_RMQ_PORT=$(node_port "$i") \
    BATON_RMQ_DIST_PORT=$(($(node_port "$i") + 20000)) BATON_RMQ_EPMD_PORT=$EPMD_PORT \
    BATON_RMQ_BASE=$(node_base "$i") "$NODE_SCRIPT" "$@"
}

# The size of the cluster that was started last (0 when none): the recorded size, else the node directories.
recorded_size() {
  cat "$STATE/size" 2>/dev/null && return
  local count=0
  while [ -d "$(node_base $((count + 1)))" ]; do count=$((count + 1)); done
  echo "$count"
}

urls() {
  local n=$1 i list=""
  for i in $(seq 1 "$n"); do list="$list${list:+,}$(node_url "$i")"; done
  echo "$list"
}

# Starts node $1 and forgets its epmd: the epmd is the cluster's, stopped by `stop`, never by one node's stop.
start_node() {
  local i=$1
  node "$i" start >/dev/null || return 1
  local epid
  epid=$(cat "$(node_base "$i")/epmd.pid" 2>/dev/null || true)
  rm -f "$(node_base "$i")/epmd.pid"
  [ -n "$epid" ] && [ ! -s "$STATE/epmd.pid" ] && echo "$epid" > "$STATE/epmd.pid"
  return 0
}

# Joins node $1 to node 1, up to three times (a reset node joins again cleanly).
join() {
  local i=$1 out attempt
  for attempt in 1 2 3; do
    out=$({ node "$i" ctl stop_app && node "$i" ctl join_cluster "$(node_name 1)" && node "$i" ctl start_app; } 2>&1) \
      && break
    log "node $i could not join $(node_name 1) (attempt $attempt of 3): $out"
    [ "$attempt" = 3 ] && return 1
    node "$i" ctl stop_app >/dev/null 2>&1 || true
    node "$i" ctl reset >/dev/null 2>&1 || true
    sleep "$attempt"  # back off: the other join may hold node 1's schema lock
  done
}

running_count() {
  local n=$1 i count=0
  for i in $(seq 1 "$n"); do
    if [ -f "$(node_base "$i")/wrapper.pid" ] && kill -0 "$(cat "$(node_base "$i")/wrapper.pid")" 2>/dev/null \
      && port_open "$(node_port "$i")"; then count=$((count + 1)); fi
  done
  echo "$count"
}

start() {
  local n=$1 i started
  [[ "$n" =~ ^[1-9]$ ]] || { log "the cluster size must be 1..9, not '$n'"; return 2; }
  if [ "$(recorded_size)" = "$n" ] && [ "$(running_count "$n")" = "$n" ]; then
    log "cluster $STEM of $n nodes already running"
    urls "$n"
    return 0
  fi
  [ "$(recorded_size)" != 0 ] && stop >/dev/null 2>&1
  for i in $(seq 1 "$n"); do
    if port_open "$(node_port "$i")"; then log "port $(node_port "$i") is already in use by another process"; return 1; fi
  done
  if port_open "$EPMD_PORT"; then log "epmd port $EPMD_PORT is already in use by another process"; return 1; fi
  started=$(date +%s%N)
  rm -rf "$STATE"
  mkdir -p "$STATE"
  echo "$n" > "$STATE/size"
  local cookie
  cookie=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
  for i in $(seq 1 "$n"); do
    rm -rf "$(node_base "$i")"
    mkdir -p "$(node_base "$i")/home"
    printf '%s' "$cookie" > "$(node_base "$i")/home/.erlang.cookie"
    chmod 400 "$(node_base "$i")/home/.erlang.cookie"
  done
  # Every node boots at once (the first to need epmd starts it on the shared port), then nodes 2..N join node 1
  # one after the other: two joins at once can collide merging the schema (Mnesia "combine_error", seen in CI
  # under load), and a node that lost that race does not start until it is reset.
  local pids=() failed=0
  for i in $(seq 1 "$n"); do start_node "$i" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  pids=()
  if [ "$failed" = 0 ]; then
    for i in $(seq 2 "$n"); do join "$i" || { failed=1; break; }; done
  fi
  if [ "$failed" = 0 ]; then
    node 1 ctl await_online_nodes "$n" --timeout 60 >/dev/null 2>&1 || failed=1
  fi
  if [ "$failed" != 0 ]; then
    log "cluster start failed (logs under $ROOT/.rabbitmq/$STEM*/log); stopping what started"
    stop >/dev/null 2>&1
    return 1
  fi
  for i in $(seq 1 "$n"); do
    port_open "$(node_port "$i")" || { log "node $i does not accept AMQP after joining"; stop >/dev/null 2>&1; return 1; }
  done
  local ms=$((($(date +%s%N) - started) / 1000000))
  log "cluster $STEM of $n nodes up in $((ms / 1000)).$((ms % 1000 / 100)) s"
  urls "$n"
}

stop() {
  local n i
  n=$(recorded_size)
  [ "$n" = 0 ] && n=9  # nothing recorded: stop any node of this stem that may run
  local pids=()
  for i in $(seq 1 "$n"); do
    [ -d "$(node_base "$i")" ] || continue
    node "$i" stop >/dev/null 2>&1 & pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  local ep
  ep=$(cat "$STATE/epmd.pid" 2>/dev/null || true)
  [ -n "$ep" ] && kill -0 "$ep" 2>/dev/null && kill -TERM "$ep"
  rm -f "$STATE/epmd.pid" "$STATE/size"
  log "stopped cluster $STEM"
}

status() {
  local n i up=0
  n=$(recorded_size)
  [ "$n" = 0 ] && { echo "not running: cluster $STEM"; return 3; }
  for i in $(seq 1 "$n"); do
    if node "$i" status >/dev/null 2>&1; then
      up=$((up + 1))
      echo "node $i $(node_name "$i") running on 127.0.0.1:$(node_port "$i")"
    else
      echo "node $i $(node_name "$i") stopped"
    fi
  done
  [ "$up" = 0 ] && { echo "not running: cluster $STEM"; return 3; }
  for i in $(seq 1 "$n"); do
    node "$i" status >/dev/null 2>&1 || continue
    node "$i" ctl cluster_status --formatter json 2>/dev/null \
      | python3 -c 'import json,sys; s=json.load(sys.stdin); print("running nodes:", " ".join(sorted(s["running_nodes"])), "of", len(s["disk_nodes"]))' \
      || true
    break
  done
}

one_node() {
  local i=${1:-}
  [[ "$i" =~ ^[1-9]$ ]] && [ "$i" -le "$(recorded_size)" ] || {
    log "no node '$i' in cluster $STEM (size $(recorded_size))"
    return 2
  }
}

case "${1:-}" in
  start) start "${2:-${BATON_CLUSTER_NODES:-3}}" ;;
  stop) stop ;;
  status) status ;;
  urls) [ "$(recorded_size)" != 0 ] || { log "cluster $STEM is not running"; exit 3; }; urls "$(recorded_size)" ;;
  stop-node) one_node "${2:-}" || exit 2; node "$2" stop ;;
  start-node) one_node "${2:-}" || exit 2; start_node "$2" && log "node $2 started" ;;
  ctl) one_node "${2:-}" || exit 2; i=$2; shift 2; node "$i" ctl "$@" ;;
  *) echo "usage: $0 start [N]|stop|status|urls|stop-node I|start-node I|ctl I ARGS" >&2; exit 2 ;;
esac

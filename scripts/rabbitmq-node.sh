#!/usr/bin/env bash
# A private RabbitMQ node on loopback for Baton's tests and local demo (never the system service).
#
#   scripts/rabbitmq-node.sh start    start the node (installs rabbitmq-server + librabbitmq-dev + libpq-dev, which
#                                     the build links, with apt if missing), wait until it accepts AMQP, print its URL
#   scripts/rabbitmq-node.sh stop     stop only the processes this script started (recorded PIDs)
#   scripts/rabbitmq-node.sh status   PIDs, memory, listening ports; exit 3 when not running
#   scripts/rabbitmq-node.sh url      print the amqp:// URL of the node
#   scripts/rabbitmq-node.sh ctl ...  rabbitmqctl against the node (e.g. ctl list_queues)
#   scripts/rabbitmq-node.sh freeze   SIGSTOP the node's Erlang VM: its sockets stay open, nothing answers
#   scripts/rabbitmq-node.sh thaw     SIGCONT it again
#
# Everything lives under $BATON_RMQ_BASE (default: .rabbitmq/<node> in the repository, which git ignores).
# Several nodes can run side by side: give each its own BATON_RMQ_NODE, BATON_RMQ_PORT, BATON_RMQ_DIST_PORT and
# BATON_RMQ_EPMD_PORT (tests that stop the broker start their own node this way).
# Optional, written into rabbitmq.conf when $BASE is first set up (unset: loopback only, RabbitMQ's heartbeat):
#   BATON_RMQ_LISTEN=ADDR     also listen on ADDR:$BATON_RMQ_PORT (e.g. the host end of a veth pair)
#   BATON_RMQ_HEARTBEAT=SECS  the heartbeat timeout the node proposes (clients take the lower of theirs and it)
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/apt-lib.sh
. "$HERE/apt-lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
NODE=${BATON_RMQ_NODE:-baton@localhost}
PORT=${BATON_RMQ_PORT:-5679}
DIST_PORT=${BATON_RMQ_DIST_PORT:-25679}
EPMD_PORT=${BATON_RMQ_EPMD_PORT:-4379}     # a private epmd, so the one we stop is ours
BASE=${BATON_RMQ_BASE:-$ROOT/.rabbitmq/${NODE%@*}}
LISTEN=${BATON_RMQ_LISTEN:-}
HEARTBEAT=${BATON_RMQ_HEARTBEAT:-}
RMQ_BIN=/usr/lib/rabbitmq/bin               # the /usr/sbin wrappers would su to the rabbitmq user

log() { printf 'rabbitmq-node: %s\n' "$*" >&2; }

ensure_installed() {
  local missing=()
  [ -x "$RMQ_BIN/rabbitmq-server" ] || missing+=(rabbitmq-server)
  pkg-config --exists librabbitmq 2>/dev/null || missing+=(librabbitmq-dev)
  pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
  command -v ss >/dev/null 2>&1 || missing+=(iproute2)
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_install_binaries rabbitmq-node "${missing[@]}"
}

setup_env() {
  mkdir -p "$BASE/home" "$BASE/mnesia" "$BASE/log"
  export HOME="$BASE/home"                  # the Erlang cookie lives here (server and CLI)
  export RABBITMQ_NODENAME="$NODE"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$PORT"
  export RABBITMQ_DIST_PORT="$DIST_PORT"
  export RABBITMQ_MNESIA_BASE="$BASE/mnesia"
  export RABBITMQ_LOG_BASE="$BASE/log"
  export RABBITMQ_PID_FILE="$BASE/beam.pid"
  export RABBITMQ_CONF_ENV_FILE="$BASE/rabbitmq-env.conf"   # never read /etc/rabbitmq/rabbitmq-env.conf
  export RABBITMQ_CONFIG_FILE="$BASE/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$BASE/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$BASE/enabled_plugins"
  export ERL_EPMD_PORT="$EPMD_PORT"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  : > "$BASE/rabbitmq-env.conf"
  [ -f "$BASE/enabled_plugins" ] || echo '[rabbitmq_consistent_hash_exchange].' > "$BASE/enabled_plugins"
  [ -f "$BASE/advanced.config" ] || echo '[].' > "$BASE/advanced.config"
  if [ ! -f "$BASE/rabbitmq.conf" ]; then
    cat > "$BASE/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$PORT
loopback_users = none
disk_free_limit.absolute = 100MB
max_message_size = 134217728
log.console = false
log.file.level = warning
CONF
    [ -n "$LISTEN" ] && echo "listeners.tcp.2 = $LISTEN:$PORT" >> "$BASE/rabbitmq.conf"
    [ -n "$HEARTBEAT" ] && echo "heartbeat = $HEARTBEAT" >> "$BASE/rabbitmq.conf"
  fi
  local want
  for want in ${LISTEN:+"listeners.tcp.2 = $LISTEN:$PORT"} ${HEARTBEAT:+"heartbeat = $HEARTBEAT"}; do
    grep -qxF "$want" "$BASE/rabbitmq.conf" || { log "$BASE/rabbitmq.conf lacks '$want' (written only once; remove it)"; return 1; }
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
url() { echo "amqp://guest:guest@127.0.0.1:$PORT/%2f"; }

start() {
  ensure_installed || return 1
  setup_env || return 1
  if alive "$BASE/wrapper.pid" && port_open "$PORT"; then log "$NODE already running"; url; return 0; fi
  if port_open "$PORT"; then log "port $PORT is already in use by another process"; return 1; fi
  setsid "$RMQ_BIN/rabbitmq-server" > "$BASE/log/stdout.log" 2>&1 < /dev/null &
  echo $! > "$BASE/wrapper.pid"
  local i
  for i in $(seq 1 1200); do                 # at most 60 s
    port_open "$PORT" && break
    if ! kill -0 "$(cat "$BASE/wrapper.pid")" 2>/dev/null; then
      log "the node died while starting; last lines of $BASE/log/stdout.log:"; tail -20 "$BASE/log/stdout.log" >&2
      return 1
    fi
    sleep 0.05
  done
  port_open "$PORT" || { log "the node did not open port $PORT within 60 s (see $BASE/log)"; return 1; }
  local epid
  epid=$(ss -Hltnp "sport = :$EPMD_PORT" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
  [ -n "$epid" ] && echo "$epid" > "$BASE/epmd.pid"
  log "started $NODE on 127.0.0.1:$PORT (data in $BASE)"
  url
}

stop() {
  setup_env
  local bp wp ep
  bp=$(cat "$BASE/beam.pid" 2>/dev/null || true)
  wp=$(cat "$BASE/wrapper.pid" 2>/dev/null || true)
  if [ -n "$wp" ] && kill -0 "$wp" 2>/dev/null; then kill -TERM "$wp"
  elif [ -n "$bp" ] && kill -0 "$bp" 2>/dev/null; then kill -TERM "$bp"; fi
  local i
  for i in $(seq 1 300); do                  # at most 30 s
    { [ -n "$bp" ] && kill -0 "$bp" 2>/dev/null; } || { [ -n "$wp" ] && kill -0 "$wp" 2>/dev/null; } || break
    sleep 0.1
  done
  if [ -n "$bp" ] && kill -0 "$bp" 2>/dev/null; then log "beam $bp still alive after 30 s, sending KILL"; kill -KILL "$bp"; fi
  if [ -n "$wp" ] && kill -0 "$wp" 2>/dev/null; then kill -KILL "$wp"; fi
  ep=$(cat "$BASE/epmd.pid" 2>/dev/null || true)
  [ -n "$ep" ] && kill -0 "$ep" 2>/dev/null && kill -TERM "$ep"
  rm -f "$BASE/wrapper.pid" "$BASE/beam.pid" "$BASE/epmd.pid"
  log "stopped $NODE"
}

status() {
  setup_env || return 1
  if alive "$BASE/wrapper.pid"; then
    local bp; bp=$(cat "$BASE/beam.pid" 2>/dev/null)
    echo "running: $NODE wrapper $(cat "$BASE/wrapper.pid") beam ${bp:-?} epmd $(cat "$BASE/epmd.pid" 2>/dev/null)"
    [ -n "$bp" ] && grep -E 'VmRSS|Threads' "/proc/$bp/status"
    ss -Hltn | grep -E ":($PORT|$DIST_PORT|$EPMD_PORT) " || true
  else
    echo "not running: $NODE"; return 3
  fi
}

# freeze|thaw: a broker that hangs rather than goes away (connections open, no confirm, no heartbeat).
signal_beam() {
  setup_env || return 1
  local bp; bp=$(cat "$BASE/beam.pid" 2>/dev/null)
  [ -n "$bp" ] && kill -0 "$bp" 2>/dev/null || { log "not running: $NODE"; return 3; }
  kill "-$1" "$bp"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) url ;;
  ctl) shift; setup_env; exec "$RMQ_BIN/rabbitmqctl" -n "$NODE" "$@" ;;
  freeze) signal_beam STOP ;;
  thaw) signal_beam CONT ;;
  *) echo "usage: $0 start|stop|status|url|ctl ARGS|freeze|thaw" >&2; exit 2 ;;
esac

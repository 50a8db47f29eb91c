#!/usr/bin/env bash
# Runs the real docker-compose.yml under a real Docker engine, as a new user does, and checks what they would see.
# scripts/test.sh (so CI) runs it after the release build.
#
#   scripts/compose-test.sh --bin-dir DIR      DIR holds the release `baton` (for `baton chaos run --compose`)
#
# Steps (each timed; the total is printed at the end):
#   engine      docker.io, debootstrap (apt) and Compose v2 (scripts/compose-v2.sh) when missing; a dockerd of this
#               script's own, whose bridge and compose networks are link-local (169.254.80.0/24, 169.254.96.0/19)
#               and whose image store is kept in ~/.cache/baton/compose-test (layers and the Swift build cache
#               mount survive between runs); stopped at the end
#   images      the official base images (debian, swift, rabbitmq, prom/prometheus) when they can be pulled;
#               otherwise the test stand-ins of deploy/testing/ (see compose.standins.yml), built once and kept;
#               then the Baton image from deploy/Dockerfile
#   up          `docker compose up -d --wait`: every service running, RabbitMQ healthy
#   demo        the one-shot `demo` service exits 0 (every seed scenario ended as expected)
#   aws         the aws CLI starts an execution through 127.0.0.1:8083 and describes it until SUCCEEDED; the
#               approver page (8090) and the web console (8083/console) answer
#   prometheus  the observability profile: Prometheus (and Grafana, with the real images) scrapes every target
#   chaos       `baton chaos run --compose all` at small counts: 0 lost, 0 duplicated
#   restart     `docker compose down` then `up`: the execution of the aws step is still there (volumes)
#   scale       `down -v`, then docker-compose.yml + deploy/compose.scale.yml: a 3-node RabbitMQ cluster, quorum
#               queues, 3 orchestrator shards, and the demo ok on them
#
# Settings (environment):
#   BATON_COMPOSE_STANDINS=auto|always|never   auto (default): stand-ins only when the real images cannot be pulled
#   BATON_COMPOSE_CHAOS_EXECUTIONS=N           executions per compose chaos scenario (default 100)
#   BATON_COMPOSE_TEST_SKIP="step …"           skip steps (a developer's shortcut; CI skips none)
#   BATON_COMPOSE_TEST_PROJECT=NAME            the compose project name (default batonci)
#   BATON_COMPOSE_TEST_KEEP=1                  on failure, leave the engine and the deployment up to look at
#   BATON_COMPOSE_TEST_KEEP=always             leave them up also when every step passed
# The published ports (127.0.0.1: 5672 15672 8083 8084 8085 8090 9090 3000) must be free: a running
# `docker compose up` of your own is reported, not stopped.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BIN_DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) BIN_DIR=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "compose-test: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

STARTED=$(date +%s)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/baton/compose-test
PROJECT=${BATON_COMPOSE_TEST_PROJECT:-batonci}
STANDINS=${BATON_COMPOSE_STANDINS:-auto}
CHAOS_EXECUTIONS=${BATON_COMPOSE_CHAOS_EXECUTIONS:-100}
SKIP=" ${BATON_COMPOSE_TEST_SKIP:-} "
RUN=$(mktemp -d /tmp/baton-compose-test.XXXXXX)
SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
DOCKERD_PID=""
TIMINGS=()

log() { printf 'compose-test: %s\n' "$*"; }
# FAILURE is said again after the failure's logs, so the end of the output (all a CI summary may show) names it.
fail() { FAILURE="$STEP: $*"; printf 'compose-test: FAILED: %s\n' "$*" >&2; exit 1; }
skipped() { [[ "$SKIP" == *" $1 "* ]]; }
# step NAME: starts timing NAME; done_step records it.
step() { STEP=$1; STEP_STARTED=$(date +%s); log "── $1: $2"; }
done_step() { TIMINGS+=("$STEP $(($(date +%s) - STEP_STARTED)) s"); log "   $STEP done in $(($(date +%s) - STEP_STARTED)) s"; }

# Polls "$@" every second until it succeeds; fails after $DEADLINE seconds saying what it waited for.
wait_for() {
  local what=$1 deadline=$2
  shift 2
  local end=$(($(date +%s) + deadline))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || fail "timed out after ${deadline} s waiting for $what"
    sleep 1
  done
}

cleanup() {
  local status=$?
  set +e
  if { [ "$status" -ne 0 ] && [ -n "${BATON_COMPOSE_TEST_KEEP:-}" ] || [ "${BATON_COMPOSE_TEST_KEEP:-}" = always ]; } \
    && [ -n "$DOCKERD_PID" ]; then
    log "exit $status; kept for a look: export DOCKER_HOST=$DOCKER_HOST; $COMPOSE_BIN -p $PROJECT" \
      "--env-file $RUN/env ${SCALE_FILES[*]} ps  (stop: kill $DOCKERD_PID)"
    return
  fi
  if [ -n "${COMPOSE_BIN:-}" ] && [ -n "$DOCKERD_PID" ] && [ -f "$RUN/env" ]; then
    if [ "$status" -ne 0 ]; then
      log "the broker's queues and connections at the failure:"
      broker=$($DOCKER ps -q --filter "label=com.docker.compose.project=$PROJECT" \
        --filter label=com.docker.compose.service=rabbitmq | head -1)
      if [ -n "$broker" ]; then
        $DOCKER exec "$broker" rabbitmqctl list_queues -q name messages_ready messages_unacknowledged consumers \
          | sed 's/^/  /'
        $DOCKER exec "$broker" rabbitmqctl list_connections -q user peer_host state | sed 's/^/  /'
      fi
      log "logs of the failed run (the orchestrator's last 300 lines, 40 of each other service):"
      compose_scale logs --no-color --tail 300 orchestrator 2>/dev/null | sed 's/^/  /'
      compose_scale logs --no-color --tail 40 2>/dev/null | grep -v '^orchestrator-1 ' | sed 's/^/  /' | tail -400
    fi
    compose_scale --profile observability down -v --remove-orphans >/dev/null 2>&1
  fi
  if [ -n "$DOCKERD_PID" ]; then
    kill "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 1; done
    kill -9 "$DOCKERD_PID" 2>/dev/null
  fi
  rm -rf "$RUN"
  log "total $(($(date +%s) - STARTED)) s ($(IFS=,; echo "${TIMINGS[*]:-}" | sed 's/,/, /g'))"
  [ "$status" -eq 0 ] && log "passed" || log "FAILED (exit $status) in step ${FAILURE:-$STEP}"
}
trap cleanup EXIT

# ── engine ──────────────────────────────────────────────────────────────────────────────────────────────────
step engine "Docker engine, Compose v2, debootstrap"
missing=()
[ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} with apt-get"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"; } \
    >"$RUN/apt.log" 2>&1 || { tail -20 "$RUN/apt.log" >&2; fail "apt-get install ${missing[*]}"; }
fi
COMPOSE_BIN=$(scripts/compose-v2.sh)
# Debian's docker CLI (the one that comes with its dockerd): it builds with BuildKit's built-in frontend.
DOCKER=/usr/bin/docker
export DOCKER_BUILDKIT=1

mkdir -p "$CACHE"
# A dockerd of an earlier run that was not stopped holds the data root: stop it first.
if [ -f "$CACHE/docker.pid" ] && kill -0 "$(cat "$CACHE/docker.pid")" 2>/dev/null; then
  log "stopping the dockerd an earlier run left (pid $(cat "$CACHE/docker.pid"))"
  kill "$(cat "$CACHE/docker.pid")"
  for _ in $(seq 1 30); do kill -0 "$(cat "$CACHE/docker.pid")" 2>/dev/null || break; sleep 1; done
fi
cat >"$RUN/daemon.json" <<EOF
{
  "bip": "169.254.80.1/24",
  "default-address-pools": [{"base": "169.254.96.0/19", "size": 24}],
  "data-root": "$CACHE/docker",
  "exec-root": "$RUN/exec",
  "pidfile": "$CACHE/docker.pid",
  "hosts": ["unix://$RUN/docker.sock"],
  "features": {"buildkit": true}
}
EOF
$SUDO /usr/sbin/dockerd --config-file "$RUN/daemon.json" >"$RUN/dockerd.log" 2>&1 &
DOCKERD_PID=$!
export DOCKER_HOST=unix://$RUN/docker.sock
dockerd_answers() {
  kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -20 "$RUN/dockerd.log" >&2; fail "dockerd exited"; }
  $DOCKER version
}
wait_for "dockerd to answer" 60 dockerd_answers
log "$($DOCKER version --format 'Docker Engine {{.Server.Version}}'), $($COMPOSE_BIN version)"

# The files of the deployment under test; the stand-in overrides join them when stand-ins are used.
FILES=(-f docker-compose.yml)
SCALE_FILES=(-f docker-compose.yml -f deploy/compose.scale.yml)
COMPOSE_ARGS=(-p "$PROJECT" --project-directory "$ROOT" --env-file "$RUN/env")
compose() { "$COMPOSE_BIN" "${COMPOSE_ARGS[@]}" "${FILES[@]}" "$@"; }
compose_scale() { "$COMPOSE_BIN" "${COMPOSE_ARGS[@]}" "${SCALE_FILES[@]}" "$@"; }
# up_wait SECONDS base|scale SERVICE…: `up -d --wait` of the services within SECONDS; its output only on failure.
up_wait() {
  local seconds=$1 which=$2 files
  if [ "$which" = scale ]; then files=("${SCALE_FILES[@]}"); else files=("${FILES[@]}"); fi
  shift 2
  timeout "$seconds" "$COMPOSE_BIN" "${COMPOSE_ARGS[@]}" "${files[@]}" up -d --wait --no-build "$@" >"$RUN/up.log" 2>&1 \
    || { cat "$RUN/up.log" >&2; fail "compose up -d --wait ($which files) $*"; }
}

# Fresh secrets for this run, as README tells a user to make them.
secret() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
CLI_PASSWORD=$(secret)
cat >"$RUN/env" <<EOF
RABBITMQ_ADMIN_PASSWORD=$(secret)
RABBITMQ_ORCHESTRATOR_PASSWORD=$(secret)
RABBITMQ_WORKER_PASSWORD=$(secret)
RABBITMQ_LEGACY_PASSWORD=$(secret)
RABBITMQ_APPROVER_PASSWORD=$(secret)
RABBITMQ_CLI_PASSWORD=$CLI_PASSWORD
RABBITMQ_CLUSTER_COOKIE=$(secret)$(secret)
BATON_TOKEN_KEY=$(head -c 32 /dev/urandom | base64)
BATON_API_CREDENTIALS=
BATON_TIME_SCALE=10
BATON_LOG_FORMAT=text
BATON_LOG_LEVEL=info
WORKER_REPLICAS=2
EOF
# Containers of an earlier run that did not get to `down` restart with the engine (restart: unless-stopped).
compose_scale --profile observability down -v --remove-orphans >/dev/null 2>&1 || true
for port in 5672 15672 8083 8084 8085 8090 9090 3000; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "127.0.0.1:$port is in use (a compose deployment of your own? \`docker compose down\` it first)"
  fi
done
done_step

# ── images ──────────────────────────────────────────────────────────────────────────────────────────────────
step images "base images (official, or the test stand-ins), then the Baton image"
OFFICIAL=(debian:bookworm-slim swift:6.2-bookworm rabbitmq:3.13-management prom/prometheus:v2.53.0
  grafana/grafana:11.1.0)
use_standins=no
case "$STANDINS" in
  always) use_standins=yes ;;
  never) ;;
  auto)
    for image in "${OFFICIAL[@]}"; do
      if ! timeout 600 $DOCKER pull -q "$image" >"$RUN/pull.log" 2>&1; then
        log "cannot pull $image ($(tail -1 "$RUN/pull.log" | cut -c1-120)): using the test stand-ins"
        use_standins=yes
        break
      fi
    done ;;
  *) fail "BATON_COMPOSE_STANDINS must be auto, always or never" ;;
esac
BUILD_ARGS=()
if [ "$use_standins" = yes ]; then
  FILES+=(-f deploy/testing/compose.standins.yml)
  SCALE_FILES+=(-f deploy/testing/compose.standins.yml -f deploy/testing/compose.scale.standins.yml)
  BUILD_ARGS=(--build-arg SWIFT_IMAGE=baton-test/swift:6.3-bookworm
    --build-arg RUNTIME_IMAGE=baton-test/debian:bookworm-slim)
  have() { $DOCKER image inspect "$1" >/dev/null 2>&1; }
  # debian_image SUITE: a Debian root file system from debootstrap, imported as baton-test/debian:SUITE.
  debian_image() {
    have "baton-test/debian:$1" && return 0
    log "stand-in debian:$1: debootstrap --variant=minbase $1"
    $SUDO debootstrap --variant=minbase "$1" "$RUN/rootfs-$1" http://deb.debian.org/debian >"$RUN/debootstrap.log" 2>&1 \
      || { tail -20 "$RUN/debootstrap.log" >&2; fail "debootstrap $1"; }
    printf '%s\n' "deb http://deb.debian.org/debian $1 main" "deb http://deb.debian.org/debian $1-updates main" \
      "deb http://deb.debian.org/debian-security $1-security main" >"$RUN/rootfs-$1/etc/apt/sources.list"
    rm -rf "$RUN/rootfs-$1"/var/lib/apt/lists/* "$RUN/rootfs-$1"/var/cache/apt/archives/*.deb
    $SUDO tar -C "$RUN/rootfs-$1" -c . | $DOCKER import -c 'CMD ["bash"]' - "baton-test/debian:$1" >/dev/null
    $SUDO rm -rf "$RUN/rootfs-$1"
  }
  debian_image bookworm
  have baton-test/debian:bookworm-slim || $DOCKER tag baton-test/debian:bookworm baton-test/debian:bookworm-slim
  # RabbitMQ and Prometheus come from Debian 13: its rabbitmq-server (4.0) reads the 3.13 settings that
  # deploy/rabbitmq/cluster.conf uses, which Debian 12's (3.10) refuses; its prometheus is 2.53, as the official tag.
  debian_image trixie
  if ! have baton-test/swift:6.3-bookworm; then
    toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")
    packages=$(git config --get-regexp 'url\..*\.insteadof' | awk '$2 == "https://github.com/" {print $1}' \
      | sed 's/^url\.//; s/\.insteadof$//' | head -1)
    [ -d "$toolchain/usr/bin" ] || fail "no Swift toolchain found at $toolchain"
    log "stand-in swift image: the toolchain at $toolchain and the package copies at ${packages:-(none)}"
    mkdir -p "$RUN/swift-context/swift-packages"
    cp -al "$toolchain" "$RUN/swift-context/toolchain" 2>/dev/null || cp -a "$toolchain" "$RUN/swift-context/toolchain"
    if [ -n "$packages" ]; then
      rmdir "$RUN/swift-context/swift-packages"
      cp -al "$packages" "$RUN/swift-context/swift-packages" 2>/dev/null \
        || cp -a "$packages" "$RUN/swift-context/swift-packages"
    fi
    cp deploy/testing/swift.Dockerfile "$RUN/swift-context/Dockerfile"
    $DOCKER build -q -t baton-test/swift:6.3-bookworm "$RUN/swift-context" >"$RUN/swift-image.log" 2>&1 \
      || { tail -30 "$RUN/swift-image.log" >&2; fail "building the swift stand-in"; }
    rm -rf "$RUN/swift-context"
  fi
  # Built every run (layer-cached, about a second when nothing changed) so an edited stand-in Dockerfile applies.
  for standin in rabbitmq:3.13-management prometheus:v2.53.0; do
    have "baton-test/$standin" || log "stand-in $standin"
    $DOCKER build -q -t "baton-test/$standin" -f "deploy/testing/${standin%%:*}.Dockerfile" deploy/testing \
      >"$RUN/standin.log" 2>&1 || { tail -30 "$RUN/standin.log" >&2; fail "building the $standin stand-in"; }
  done
fi
image_started=$(date +%s)
log "building baton:local from deploy/Dockerfile ${BUILD_ARGS[*]}"
$DOCKER build "${BUILD_ARGS[@]}" -f deploy/Dockerfile -t baton:local . >"$RUN/baton-image.log" 2>&1 \
  || { tail -40 "$RUN/baton-image.log" >&2; fail "docker build -f deploy/Dockerfile"; }
log "   baton:local built in $(($(date +%s) - image_started)) s ($($DOCKER image inspect -f '{{.Size}}' baton:local | awk '{printf "%d MB", $1/1e6}'))"
done_step

# ── up ──────────────────────────────────────────────────────────────────────────────────────────────────────
SERVICES=(rabbitmq orchestrator worker-function worker-silent legacy-system approver)
step up "docker compose up -d --wait ${SERVICES[*]}"
up_wait 600 base "${SERVICES[@]}"
compose ps --format '{{.Service}} {{.State}} {{.Health}}' | sort | sed 's/^/  /'
running=$(compose ps --status running --format '{{.Service}}' | wc -l)
[ "$running" -eq 7 ] || fail "expected 7 running containers (worker-function has 2 replicas), found $running"
orchestrator_ready() { compose logs orchestrator 2>/dev/null | grep -q 'orchestrator ready'; }
wait_for "the orchestrator to log 'orchestrator ready'" 120 orchestrator_ready
done_step

# ── demo ────────────────────────────────────────────────────────────────────────────────────────────────────
step demo "docker compose run --rm demo"
compose run --rm demo >"$RUN/demo.log" 2>&1 || { cat "$RUN/demo.log" >&2; fail "the demo service exited non-zero"; }
sed 's/^/  /' "$RUN/demo.log" | tail -30
done_step

# ── aws ─────────────────────────────────────────────────────────────────────────────────────────────────────
step aws "the aws CLI through 127.0.0.1:8083; the approver page and the console"
if ! command -v aws >/dev/null; then
  log "installing the aws CLI (pip install awscli)"
  python3 -m pip install --quiet awscli >"$RUN/pip.log" 2>&1 || { tail -5 "$RUN/pip.log" >&2; fail "pip install awscli"; }
fi
export AWS_ACCESS_KEY_ID=compose-test AWS_SECRET_ACCESS_KEY=compose-test AWS_DEFAULT_REGION=us-east-1
AWS=(aws --endpoint-url http://127.0.0.1:8083 --output text stepfunctions)
machine=$("${AWS[@]}" list-state-machines --query "stateMachines[?name=='seed1-callback'].stateMachineArn | [0]")
[ -n "$machine" ] && [ "$machine" != None ] || fail "list-state-machines has no seed1-callback"
execution=$("${AWS[@]}" start-execution --state-machine-arn "$machine" --name "compose-test-$(secret)" \
  --input '{"order": 42}' --query executionArn)
log "   started $execution"
succeeded() { [ "$("${AWS[@]}" describe-execution --execution-arn "$execution" --query status)" = SUCCEEDED ]; }
wait_for "$execution to succeed" 60 succeeded
log "   describe-execution: SUCCEEDED"
http_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ]; }
http_ok http://127.0.0.1:8090/ || fail "the approver page (127.0.0.1:8090) did not answer 200"
http_ok http://127.0.0.1:8083/console || fail "the console (127.0.0.1:8083/console) did not answer 200"
log "   approver page and console answer 200"
done_step

# ── prometheus ──────────────────────────────────────────────────────────────────────────────────────────────
if ! skipped prometheus; then
  step prometheus "observability profile: every target scraped"
  observability=(prometheus)
  [ "$use_standins" = yes ] || observability+=(grafana)   # no Grafana stand-in: only with the official image
  compose --profile observability up -d --wait --no-build "${observability[@]}" >"$RUN/obs.log" 2>&1 \
    || { cat "$RUN/obs.log" >&2; fail "observability profile up"; }
  # rabbitmq, orchestrator, worker-function ×2, worker-silent, legacy-system, approver.
  all_up() {
    curl -sf http://127.0.0.1:9090/api/v1/targets | python3 -c '
import json, sys
targets = json.load(sys.stdin)["data"]["activeTargets"]
sys.exit(0 if len(targets) == 7 and all(t["health"] == "up" for t in targets) else 1)'
  }
  wait_for "Prometheus to scrape all 7 targets" 120 all_up
  curl -sf http://127.0.0.1:9090/api/v1/targets | python3 -c '
import json, sys
for t in json.load(sys.stdin)["data"]["activeTargets"]: print("  ", t["labels"]["job"], t["scrapeUrl"], t["health"])'
  if [[ " ${observability[*]} " == *" grafana "* ]]; then
    wait_for "Grafana to answer" 60 http_ok http://127.0.0.1:3000/api/health
  fi
  compose --profile observability rm -fsv "${observability[@]}" >/dev/null 2>&1
  done_step
fi

# ── chaos ───────────────────────────────────────────────────────────────────────────────────────────────────
if ! skipped chaos; then
  step chaos "baton chaos run --compose all ($CHAOS_EXECUTIONS executions each)"
  [ -n "$BIN_DIR" ] && [ -x "$BIN_DIR/baton" ] || fail "--bin-dir DIR with a built baton is needed for the chaos step"
  BATON_AMQP_URL="amqp://baton:$CLI_PASSWORD@127.0.0.1:5672/%2f" BATON_COMPOSE_PROJECT=$PROJECT \
    BATON_DOCKER=$DOCKER "$BIN_DIR/baton" chaos run --compose all --executions "$CHAOS_EXECUTIONS" \
    --report "$RUN/compose-chaos.md" | sed 's/^/  /' || chaos_failed=yes
  # Each scenario's timeline (the report without its per-second tables).
  grep -Ev '^\| [0-9]+ \| [0-9]+ \| [0-9]+ \||^\|---:\|---:\|---:|^\| s \| started|^Per second' "$RUN/compose-chaos.md" \
    | sed -n '/^## /,$p' | sed 's/^/  /'
  [ -z "${chaos_failed:-}" ] || fail "baton chaos run --compose (report above): $(awk '/^## /{scenario=$3}
    /^- /{sub(/^- /, ""); printf "%s%s: %s", sep, scenario, $0; sep="; "}' "$RUN/compose-chaos.md" 2>/dev/null)"
  done_step
fi

# ── restart ─────────────────────────────────────────────────────────────────────────────────────────────────
if ! skipped restart; then
  step restart "docker compose down, then up: the execution is still there"
  compose down >/dev/null 2>&1
  up_wait 600 base "${SERVICES[@]}"
  wait_for "the API after the restart" 60 http_ok http://127.0.0.1:8083/console
  status=$("${AWS[@]}" describe-execution --execution-arn "$execution" --query status)
  [ "$status" = SUCCEEDED ] || fail "after down/up, $execution is '$status', not SUCCEEDED"
  log "   $execution: still SUCCEEDED after down/up"
  done_step
fi

# ── scale ───────────────────────────────────────────────────────────────────────────────────────────────────
if ! skipped scale; then
  step scale "down -v; docker-compose.yml + deploy/compose.scale.yml: 3-node cluster, quorum queues, demo"
  compose down -v >/dev/null 2>&1
  up_wait 900 scale "${SERVICES[@]}" rabbitmq-2 rabbitmq-3 orchestrator-1 orchestrator-2
  nodes=$(compose_scale exec -T rabbitmq rabbitmqctl cluster_status --formatter json \
    | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["running_nodes"]))')
  [ "$nodes" -eq 3 ] || fail "the cluster has $nodes running nodes, not 3"
  log "   cluster: 3 running nodes"
  compose_scale run --rm demo >"$RUN/demo.log" 2>&1 \
    || { cat "$RUN/demo.log" >&2; fail "the demo on the 3-node cluster exited non-zero"; }
  sed 's/^/  /' "$RUN/demo.log" | tail -12
  compose_scale exec -T rabbitmq rabbitmqctl list_queues -q name type --formatter json >"$RUN/queues.json"
  python3 - "$RUN/queues.json" <<'EOF' || fail "not every baton.* work queue is a quorum queue"
import json, sys
queues = {q["name"]: q["type"] for q in json.load(open(sys.argv[1]))}
work = [name for name in queues if name.startswith("baton.") and ".replies." not in name]
classic = [name for name in work if queues[name] != "quorum"]
print(f"   {len(work)} baton queues, {len(work) - len(classic)} quorum: " + ", ".join(sorted(work)[:6]) + ", …")
sys.exit(1 if classic or "baton.seed1" not in queues else 0)
EOF
  done_step
fi

#!/usr/bin/env bash
# Runs every Baton test on this machine: installs what is missing (rabbitmq-server, librabbitmq-dev, libpq-dev via
# apt), starts a private RabbitMQ node on loopback for this run, builds, runs the broker-free suites, then the broker
# suites against that node, and stops the node again. README's test command and .ci/run call exactly this.
#
#   scripts/test.sh            everything
#   BATON_TEST_FILTER=REGEX    only the suites matching REGEX (passed to swift test --filter)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

command -v swift >/dev/null || { echo "test.sh: Swift 6 is needed on PATH (https://www.swift.org/install)" >&2; exit 1; }

# First, before anything is installed or built: the repository must stand alone (nothing refers to a path outside
# the clone), and the guard itself must still catch what it is for.
python3 scripts/check-self-contained.py --self-test
python3 scripts/check-self-contained.py
# Package.swift's graph: every import declared, AMQPClient under BatonBroker only, no tooling in a worker binary,
# and docs/architecture.md's target table and graph as Package.swift says (scripts/target-graph.py rewrites them).
python3 scripts/target-graph.py --self-test
python3 scripts/target-graph.py --check

# A node of its own, on ports apart from the demo's, so a running demo and a test run do not meet.
export BATON_RMQ_NODE=${BATON_RMQ_NODE:-baton-test@localhost}
export BATON_RMQ_PORT=${BATON_RMQ_PORT:-5680}
export BATON_RMQ_DIST_PORT=${BATON_RMQ_DIST_PORT:-25680}
export BATON_RMQ_EPMD_PORT=${BATON_RMQ_EPMD_PORT:-4380}
# Not exported: the script derives the data directory from the node name, so the extra nodes that some tests and
# scenarios start (with their own names) never share this one's directory.
TEST_NODE_BASE=$ROOT/.rabbitmq/${BATON_RMQ_NODE%@*}

# The cluster suite's 3-node cluster (scripts/rabbitmq-cluster.sh), on ports apart from the node's and the demo's.
export BATON_CLUSTER_NAME=${BATON_CLUSTER_NAME:-baton-test-cluster}
export BATON_CLUSTER_PORT=${BATON_CLUSTER_PORT:-5681}
CLUSTER_OUT=$(mktemp -d)

# A PostgreSQL server of its own (scripts/postgres-node.sh) for the PostgreSQL store: its backend's tests, then the
# store, engine and API suites and the end-to-end flows a second time with every store on it.
export BATON_PG_NAME=${BATON_PG_NAME:-baton-test}
export BATON_PG_PORT=${BATON_PG_PORT:-5689}
# The suites create a schema per test (thousands of files): the test server skips fsync, as nothing here tests
# the server's own durability (the PostgreSQL durability settings are the server's, docs/store.md).
export BATON_PG_FSYNC=${BATON_PG_FSYNC:-off}

stop_node() {
  scripts/postgres-node.sh destroy >/dev/null 2>&1 || true
  scripts/rabbitmq-node.sh stop >/dev/null 2>&1 || true
  scripts/rabbitmq-cluster.sh stop >/dev/null 2>&1 || true
  rm -rf "$CLUSTER_OUT"
}
trap stop_node EXIT
rm -rf "$TEST_NODE_BASE"                     # a fresh node every run: no queue left over from an earlier run
BATON_AMQP_URL=$(scripts/rabbitmq-node.sh start)
export BATON_AMQP_URL
echo "test.sh: private broker at $BATON_AMQP_URL"
scripts/postgres-node.sh destroy >/dev/null 2>&1 || true   # a fresh server every run
BATON_TEST_POSTGRES_URL=$(scripts/postgres-node.sh start)
export BATON_TEST_POSTGRES_URL
echo "test.sh: private PostgreSQL server at ${BATON_TEST_POSTGRES_URL//:*@/:…@}"
# The cluster boots (about 25 s) while the build runs; ClusterFailoverTests fails, saying why, if it did not.
# The approver page test and the console's browser tests render pages in headless chromium, and the console draws
# state machines with Graphviz's dot: install them when missing. Before the cluster starts, not beside it:
# unpacking chromium while three nodes form a cluster made a node fail to join.
MISSING=()
if [ ! -x /usr/bin/chromium ] && [ ! -x /usr/bin/chromium-browser ]; then MISSING+=(chromium); fi
if [ ! -x /usr/bin/dot ]; then MISSING+=(graphviz); fi
if [ ${#MISSING[@]} -gt 0 ]; then
  echo "test.sh: installing ${MISSING[*]} with apt-get (headless page tests, the console's state graphs)"
  SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${MISSING[@]}"; } \
    >"$CLUSTER_OUT/apt.log" 2>&1; then
    echo "test.sh: installing ${MISSING[*]} failed (the page and console tests will fail):" >&2
    tail -5 "$CLUSTER_OUT/apt.log" >&2
  fi
fi
scripts/rabbitmq-cluster.sh start 3 >"$CLUSTER_OUT/urls" 2>"$CLUSTER_OUT/log" &
CLUSTER_PID=$!

echo "test.sh: swift format lint --strict (CONTRIBUTING.md: .swift-format is checked in)"
swift format lint --strict --recursive Sources Tests

echo "test.sh: building (debug, with tests; scripts/swift-build.sh: one environment, no warnings allowed)"
BUILD_LOG=$(mktemp)
scripts/swift-build.sh --build-tests 2>&1 | tee "$BUILD_LOG"
if grep -q "warning:" "$BUILD_LOG"; then
  echo "test.sh: the build printed warnings (CONTRIBUTING.md: no warnings):" >&2
  grep -A3 "warning:" "$BUILD_LOG" >&2
  exit 1
fi
rm -f "$BUILD_LOG"

FILTER=${BATON_TEST_FILTER:-}
BIN_DIR=$(scripts/swift-build.sh --show-bin-path)
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml
echo "test.sh: docker-compose.yml checked by Compose v2 (scripts/compose-v2.sh); its executables, variables and users"
python3 scripts/compose-check.py --bin-dir "$BIN_DIR"
echo "test.sh: docs/configuration.md matches every executable's --help"
python3 scripts/configuration-doc.py --bin-dir "$BIN_DIR" --check
BROKER_FREE='^(JSONataTests|StatesLanguageTests|BatonProtocolTests|ExecutionStoreTests|OrchestratorCoreTests|StepFunctionsAPITests|BatonRuntimeTests|BatonConsoleTests)\.'
BROKER_SUITES='^(AMQPClientTests|BatonBrokerTests|WorkerTests|EndToEndTests)\.'
if wait "$CLUSTER_PID"; then
  BATON_CLUSTER_AMQP_URL=$(cat "$CLUSTER_OUT/urls")
  export BATON_CLUSTER_AMQP_URL
  echo "test.sh: 3-node broker cluster at $BATON_CLUSTER_AMQP_URL ($(tail -1 "$CLUSTER_OUT/log"))"
else
  echo "test.sh: the broker cluster did not start (the cluster tests will fail):" >&2
  cat "$CLUSTER_OUT/log" >&2
fi
status=0
if [ -z "$FILTER" ]; then
  echo "test.sh: broker-free suites"
  swift test --skip-build --disable-xctest --filter "$BROKER_FREE" || status=1
  # One test at a time: these start real processes and broker nodes with second-scale deadlines, and running
  # them all at once on 2 cores made timing flaky (each test still runs its own processes concurrently).
  echo "test.sh: broker suites (one test at a time)"
  swift test --skip-build --disable-xctest --no-parallel --filter "$BROKER_SUITES" || status=1
  echo "test.sh: scripts/postgres-node.sh on a server of its own (start, url, psql, stop, restart, destroy)"
  scripts/postgres-node-test.sh || status=1
  # The store's logic is written once over the database seam: the same suites, every store on PostgreSQL (a schema
  # per test), then the end-to-end flows with the orchestrator's store there (BATON_STORE_URL, a schema per test).
  echo "test.sh: the store, engine and API suites again, every store on PostgreSQL"
  BATON_TEST_STORE_URL=$BATON_TEST_POSTGRES_URL swift test --skip-build --disable-xctest \
    --filter '^(ExecutionStoreTests|OrchestratorCoreTests|StepFunctionsAPITests)\.' || status=1
  echo "test.sh: the end-to-end callback flows again, the orchestrator's store on PostgreSQL (one test at a time)"
  BATON_TEST_STORE_URL=$BATON_TEST_POSTGRES_URL swift test --skip-build --disable-xctest --no-parallel \
    --filter '^EndToEndTests\.(CallbackFlowTests|ServiceCallbackFlowTests|WorkerFailureTests|ApprovalFlowTests|OrchestratorLifecycleTests|ShardTests)' \
    || status=1
  echo "test.sh: docker-compose.yml's services run locally through the seed scenarios (compose wiring)"
  scripts/compose-wiring-test.py --bin-dir "$BIN_DIR" || status=1
  echo "test.sh: the aws CLI and boto3 against the built orchestrator (Tests/AWSClientTests)"
  scripts/aws-client-tests.sh || status=1
  echo "test.sh: README's demo command, scripts/demo.sh --check, on this run's broker"
  demo_data=$(mktemp -d)
  # The build is done: the demo's own build must take seconds (scripts/swift-build.sh's fixed environment), not
  # the minutes of a needless rebuild. 30 s, not less: once, on a machine loaded by three other builds, a rebuild
  # that recompiled one dependency (Hummingbird, 11 files) took 22 s.
  BATON_DEMO_DATA="$demo_data" BATON_DEMO_MAX_BUILD_SECONDS=30 NO_COLOR=1 scripts/demo.sh --check || status=1
  rm -rf "$demo_data"
  echo "test.sh: every shell example of README.md, docs/cli.md and docs/api-compatibility.md against a demo"
  scripts/doc-examples.py || status=1
  # deploy/Dockerfile and the benchmarks build with -c release, and the optimizer can fail where a debug build
  # passed (Swift 6.3.1 crashed on one JSONObject function in release only). The scratch directory is kept
  # between runs (~/.cache), so only what changed is rebuilt.
  # One scratch directory per checkout: SwiftPM keeps the build description of the first package that used a scratch
  # directory and builds *that* package's sources from then on — shared by two clones, the second one's release
  # build said "complete" in 0.3 s with the first clone's binaries (seen in this session's CI runs).
  release_scratch=${BATON_RELEASE_SCRATCH:-$HOME/.cache/baton/release-build/$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)}
  echo "test.sh: release build of every executable (what the Dockerfile and the benchmarks build), in $release_scratch"
  release_started=$(date +%s)
  scripts/swift-build.sh -c release --scratch-path "$release_scratch" \
    || status=1
  echo "test.sh: release build took $(($(date +%s) - release_started)) s"
  # The deployment README's `docker compose up` starts, under a real Docker engine of the script's own (link-local
  # networks): every service up, the demo service, the aws CLI, Prometheus, `baton chaos run --compose`, down/up
  # keeping executions, and the 3-node cluster override. It prints its own duration.
  echo "test.sh: docker-compose.yml under a real Docker engine (scripts/compose-test.sh)"
  release_bin=$(scripts/swift-build.sh -c release --scratch-path "$release_scratch" \
    --show-bin-path)
  scripts/compose-test.sh --bin-dir "$release_bin" || status=1
else
  swift test --skip-build --disable-xctest --filter "$FILTER" || status=1
fi

if [ "$status" -eq 0 ]; then echo "test.sh: all suites passed"; else echo "test.sh: FAILED" >&2; fi
exit "$status"

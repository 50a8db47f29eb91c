#!/usr/bin/env bash
# The full failure-mode lab: builds Baton, starts a private RabbitMQ node (scripts/rabbitmq-node.sh) unless
# BATON_AMQP_URL is set, and runs every `baton chaos` scenario with its full counts.
#
#   scripts/chaos.sh                         all scenarios, results in docs/results/chaos.{json,md}
#   scripts/chaos.sh callbacks --executions 30 --callbacks 200    any `baton chaos run` arguments
#
# Environment: BATON_AMQP_URL (use this broker), SCRATCH (SwiftPM scratch path, default .build),
# CONFIGURATION (debug or release, default debug), CHAOS_OUT (output directory, default docs/results),
# BATON_CHAOS_BROKER_PORT (port of the scenarios' own node, default 5791). network-partition needs root.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
cd "$ROOT"
SCRATCH=${SCRATCH:-.build}
OUT=${CHAOS_OUT:-docs/results}
mkdir -p "$OUT"

CONFIGURATION=${CONFIGURATION:-debug}
swift build -c "$CONFIGURATION" --scratch-path "$SCRATCH"
BIN=$(swift build -c "$CONFIGURATION" --scratch-path "$SCRATCH" --show-bin-path)

if [ -z "${BATON_AMQP_URL:-}" ]; then
  BATON_AMQP_URL=$("$HERE/rabbitmq-node.sh" start | tail -1)
  export BATON_AMQP_URL
fi

if [ $# -eq 0 ]; then set -- all; fi
exec "$BIN/baton" chaos run "$@" --json "$OUT/chaos.json" --report "$OUT/chaos.md"

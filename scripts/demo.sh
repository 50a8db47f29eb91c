#!/usr/bin/env bash
# The Baton demo without Docker. Today it builds Baton and starts the private RabbitMQ node the demo runs on;
# the orchestrator, the workers and the seed scenarios join it as their issues land (see README).
#
#   scripts/demo.sh          build, start the broker, print how to reach it, keep it running until Ctrl-C
#   scripts/demo.sh --check  build, start the broker, check it answers, stop it, exit 0 if all went well
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CHECK=0
[ "${1:-}" = "--check" ] && CHECK=1

command -v swift >/dev/null || { echo "demo.sh: Swift 6 is needed on PATH (https://www.swift.org/install)" >&2; exit 1; }
URL=$(scripts/rabbitmq-node.sh start)     # installs rabbitmq-server and librabbitmq-dev with apt if missing
cleanup() { scripts/rabbitmq-node.sh stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
echo "demo.sh: building Baton"
swift build -c release --product baton
echo
echo "  RabbitMQ (private node) : $URL"
echo "  baton                   : $(swift build -c release --show-bin-path)/baton --help"
echo
echo "The orchestrator, the workers and the seed scenarios are not in Baton yet: this demo will run them once"
echo "they land. For now it shows the broker they will talk through:"
scripts/rabbitmq-node.sh status
if [ "$CHECK" -eq 1 ]; then
  scripts/rabbitmq-node.sh ctl -q status >/dev/null && echo "demo.sh --check: broker answered"
  exit 0
fi
echo
echo "Press Ctrl-C to stop the broker."
while sleep 3600; do :; done

#!/usr/bin/env bash
# Runs Tests/AWSClientTests: the real `aws` CLI and boto3 (installed with pip when missing) against the built
# orchestrator's Step Functions HTTP API, on the broker in BATON_AMQP_URL. scripts/test.sh calls it after the
# Swift suites; pytest's exit status is this script's.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
: "${BATON_AMQP_URL:?BATON_AMQP_URL must name a broker (scripts/test.sh starts one)}"

PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || { echo "aws-client-tests.sh: python3 is needed" >&2; exit 1; }
if ! command -v aws >/dev/null || ! "$PYTHON" -c 'import boto3, pytest' 2>/dev/null; then
  echo "aws-client-tests.sh: installing awscli, boto3 and pytest with pip"
  if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
    $SUDO apt-get install -y -q python3-pip >/dev/null
  fi
  "$PYTHON" -m pip install --quiet --user awscli boto3 pytest 2>/dev/null \
    || "$PYTHON" -m pip install --quiet --break-system-packages --user awscli boto3 pytest
  export PATH="$("$PYTHON" -m site --user-base)/bin:$PATH"
fi

BATON_BIN_DIR=${BATON_BIN_DIR:-$(swift build --show-bin-path ${BATON_SCRATCH_PATH:+--scratch-path "$BATON_SCRATCH_PATH"})}
export BATON_BIN_DIR
[ -x "$BATON_BIN_DIR/orchestrator" ] || { echo "aws-client-tests.sh: no orchestrator in $BATON_BIN_DIR; swift build first" >&2; exit 1; }
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ in the checkout
exec "$PYTHON" -m pytest -q -p no:cacheprovider Tests/AWSClientTests "$@"

#!/bin/sh
# Entrypoint of the compose rabbitmq service: renders deploy/rabbitmq/definitions.json with the passwords from
# the environment (.env) into /tmp/baton/definitions.json (rabbitmq.conf's load_definitions), then runs the
# official image's entrypoint. Passwords never live in a committed file.
#
#   entrypoint.sh rabbitmq-server           render, then exec docker-entrypoint.sh rabbitmq-server
#   entrypoint.sh --render IN OUT           only render (used by scripts/compose-wiring-test.py)
set -eu
render() {  # IN OUT
  for variable in RABBITMQ_ADMIN_PASSWORD RABBITMQ_ORCHESTRATOR_PASSWORD RABBITMQ_WORKER_PASSWORD \
      RABBITMQ_LEGACY_PASSWORD RABBITMQ_APPROVER_PASSWORD RABBITMQ_CLI_PASSWORD; do
    value=$(printenv "$variable" || true)
    if [ -z "$value" ]; then
      echo "entrypoint.sh: $variable is not set (copy .env.example to .env and fill it in)" >&2; exit 1
    fi
    # Unreserved URL characters only: the passwords also appear in amqp:// URLs, and in sed below.
    if printf '%s' "$value" | grep -q '[^A-Za-z0-9._~-]'; then
      echo "entrypoint.sh: $variable may only contain A-Z a-z 0-9 . _ ~ -" >&2; exit 1
    fi
  done
  umask 077
  mkdir -p "$(dirname "$2")"
  sed -e "s|@RABBITMQ_ADMIN_PASSWORD@|$RABBITMQ_ADMIN_PASSWORD|" \
      -e "s|@RABBITMQ_ORCHESTRATOR_PASSWORD@|$RABBITMQ_ORCHESTRATOR_PASSWORD|" \
      -e "s|@RABBITMQ_WORKER_PASSWORD@|$RABBITMQ_WORKER_PASSWORD|" \
      -e "s|@RABBITMQ_LEGACY_PASSWORD@|$RABBITMQ_LEGACY_PASSWORD|" \
      -e "s|@RABBITMQ_APPROVER_PASSWORD@|$RABBITMQ_APPROVER_PASSWORD|" \
      -e "s|@RABBITMQ_CLI_PASSWORD@|$RABBITMQ_CLI_PASSWORD|" \
      "$1" >"$2"
}
if [ "${1:-}" = "--render" ]; then
  render "$2" "$3"
  exit 0
fi
# deploy/compose.scale.yml picks the quorum-queue definitions and gives the cluster's nodes a shared cookie.
render "/etc/baton-rabbitmq/${RABBITMQ_BATON_DEFINITIONS:-definitions.json}" /tmp/baton/definitions.json
if [ -n "${RABBITMQ_CLUSTER_COOKIE:-}" ]; then
  umask 077
  printf '%s' "$RABBITMQ_CLUSTER_COOKIE" > /var/lib/rabbitmq/.erlang.cookie
  if [ "$(id -u)" = 0 ]; then chown rabbitmq:rabbitmq /var/lib/rabbitmq/.erlang.cookie; fi
fi
# The official entrypoint drops from root to the rabbitmq user; that user must read the rendered file.
if [ "$(id -u)" = 0 ]; then chown -R rabbitmq:rabbitmq /tmp/baton; fi
exec docker-entrypoint.sh "$@"

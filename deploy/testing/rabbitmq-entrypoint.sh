#!/bin/sh
# TEST STAND-IN's entrypoint (deploy/testing/rabbitmq.Dockerfile): what the official image's docker-entrypoint.sh
# does that docker-compose.yml relies on — the data directory belongs to the rabbitmq user, and the server runs as
# that user, not as root. setpriv hands the server to that user here, as the official entrypoint's gosu does;
# HOME=/var/lib/rabbitmq (the Dockerfile) makes rabbitmqctl and rabbitmq-diagnostics, run as root by
# `docker exec` and the healthcheck, read the same Erlang cookie.
set -eu
if [ "$(id -u)" = 0 ]; then
  mkdir -p /var/lib/rabbitmq /var/log/rabbitmq
  chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
  if [ -f /var/lib/rabbitmq/.erlang.cookie ]; then chmod 600 /var/lib/rabbitmq/.erlang.cookie; fi
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$@"
fi
exec "$@"

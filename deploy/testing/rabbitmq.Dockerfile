# TEST STAND-IN for the official `rabbitmq:3.13-management` image, built by scripts/compose-test.sh only when that
# image cannot be pulled. Never used by README's `docker compose up`.
#
# Debian 13's rabbitmq-server (4.0, whose plugins include management and prometheus; Debian 12's 3.10 refuses the
# 3.13 settings of deploy/rabbitmq/cluster.conf), laid out as the official image is where docker-compose.yml
# relies on it: configuration files in /etc/rabbitmq/conf.d, the data directory
# /var/lib/rabbitmq (a volume), and a `docker-entrypoint.sh` that hands the command to the rabbitmq user.
ARG BASE_IMAGE=baton-test/debian:trixie
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rabbitmq-server \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /etc/rabbitmq/conf.d \
    && printf 'loopback_users.guest = false\nlisteners.tcp.default = 5672\nmanagement.tcp.port = 15672\n' \
        > /etc/rabbitmq/conf.d/10-defaults.conf
COPY rabbitmq-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV RABBITMQ_CONFIG_FILES=/etc/rabbitmq/conf.d \
    RABBITMQ_LOGS=- \
    HOME=/var/lib/rabbitmq
VOLUME /var/lib/rabbitmq
EXPOSE 4369 5672 15672 15692 25672
ENTRYPOINT ["docker-entrypoint.sh"]
# The server's own scripts first on PATH (docker-compose.yml runs `rabbitmq-server`), not Debian's /usr/sbin
# wrappers: that wrapper starts the server as a child (PID 1 then ignored SIGTERM, so `docker stop`/`restart` waited
# 10 s and killed the broker) and sends its output to a file. The script itself stops the broker gracefully on
# SIGTERM and logs to docker logs, as the official image's does.
ENV PATH=/usr/lib/rabbitmq/bin:$PATH
WORKDIR /var/lib/rabbitmq
CMD ["rabbitmq-server"]

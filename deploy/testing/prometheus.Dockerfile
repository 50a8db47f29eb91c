# TEST STAND-IN for the official `prom/prometheus` image, built by scripts/compose-test.sh only when that image
# cannot be pulled. Never used by README's `docker compose up`. Debian 13's prometheus package (2.53, as the official tag), started with the
# official image's defaults (configuration /etc/prometheus/prometheus.yml, storage /prometheus).
ARG BASE_IMAGE=baton-test/debian:trixie
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
EXPOSE 9090
VOLUME /prometheus
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]

# Shared by the benchmark scripts (sourced, not run): the binaries they measure.

# bench_binaries ROOT: sets BIN to $BATON_BIN_DIR, or builds baton, orchestrator and worker-function in release mode
# into .build-bench (kept apart from the debug build the tests use) and uses those.
bench_binaries() {
  local root=$1
  if [ -z "${BATON_BIN_DIR:-}" ]; then
    for product in baton orchestrator worker-function; do
      (cd "$root" && swift build -c release --scratch-path .build-bench --product "$product" >&2)
    done
    BATON_BIN_DIR="$root/.build-bench/release"
  fi
  BIN=$BATON_BIN_DIR
}

# baseline_binary ROOT OUT: builds the raw rabbitmq-c round trip (bench/amqp-roundtrip/roundtrip.c, the baseline
# every Baton figure is divided by) into OUT with cc.
baseline_binary() {
  local source=$1/bench/amqp-roundtrip/roundtrip.c
  pkg-config --exists librabbitmq 2>/dev/null || { echo "bench: the C baseline needs librabbitmq-dev (apt-get install librabbitmq-dev; scripts/rabbitmq-node.sh start installs it)" >&2; exit 1; }
  cc -O2 -Wall -o "$2" "$source" $(pkg-config --cflags --libs librabbitmq) -lpthread
}

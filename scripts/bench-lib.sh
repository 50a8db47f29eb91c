# Shared by the benchmark scripts (sourced, not run): the release binaries they measure.
# Sets BIN to $BATON_BIN_DIR, or builds baton, orchestrator and worker-function in release mode into .build-bench
# (kept apart from the debug build the tests use) and uses those.
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

#!/usr/bin/env bash
# Callback round trip: the Swift client (baton bench amqp, release build) against the C baseline
# (bench/amqp-roundtrip/roundtrip.c -m rt -d 1, built here with cc), on the same private RabbitMQ node, alternating, same size,
# window and message count. Prints one RESULT line per run and a table with the Swift/C ratio.
#
# usage: scripts/bench-amqp.sh [-w "1 16 128"] [-n 10000] [-T 30] [-r rounds=3] [-s 512]
#        BATON_BIN=path/to/baton scripts/bench-amqp.sh ...   (skip the release build)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WINDOWS="1 16 128"; N=10000; T=30; ROUNDS=3; SIZE=512
while getopts "w:n:T:r:s:" o; do
  case $o in
    w) WINDOWS=$OPTARG ;; n) N=$OPTARG ;; T) T=$OPTARG ;; r) ROUNDS=$OPTARG ;; s) SIZE=$OPTARG ;;
    *) echo "usage: $0 [-w windows] [-n count] [-T max_secs] [-r rounds] [-s size]" >&2; exit 2 ;;
  esac
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The node first: starting it installs rabbitmq-server, librabbitmq-dev and libpq-dev when missing, which both
# builds need.
URL=$("$HERE/rabbitmq-node.sh" start)
. "$HERE/bench-lib.sh"
baseline_binary "$ROOT" "$TMP/roundtrip"

# BATON_BIN: use an already built baton instead of building one (release builds take minutes on 2 cores).
if [ -n "${BATON_BIN:-}" ]; then
  BATON=$BATON_BIN
else
  (cd "$ROOT" && swift build -c release --scratch-path .build-bench --product baton >&2)
  BATON="$ROOT/.build-bench/release/baton"
fi

RMQ_VERSION=$("$HERE/rabbitmq-node.sh" ctl version 2>/dev/null || echo unknown)
echo "# machine: $(nproc) cores, $(uname -srm); RabbitMQ $RMQ_VERSION; rabbitmq-c $(pkg-config --modversion librabbitmq)" >&2

RESULTS="$TMP/results"
: > "$RESULTS"
run_one() {  # $1 = c | stream | handler, $2 = window
  if [ "$1" = c ]; then
    # exits 3 when the time cap ends the run before N round trips
    "$TMP/roundtrip" -m rt -d 1 -s "$SIZE" -w "$2" -n "$N" -T "$T" -u "$URL" -l c | tee -a "$RESULTS" || true
  else
    "$BATON" bench amqp --url "$URL" --windows "$2" --size "$SIZE" --count "$N" --max-seconds "$T" --api "$1" \
      | tee -a "$RESULTS" || true
  fi
}
# The order rotates every round: whichever client runs first after a switch was seen to gain at W=1.
ORDERS=("c stream handler" "stream handler c" "handler c stream")
for round in $(seq 1 "$ROUNDS"); do
  for w in $WINDOWS; do
    for impl in ${ORDERS[$(( (round - 1) % 3 ))]}; do run_one "$impl" "$w"; done
  done
done

# Median over rounds of rate, p50 and p99 per (label, window), then the ratios to C.
awk -v windows="$WINDOWS" '
  function field(name,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] } }
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " "); if (n == 0) return 0
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  /^RESULT/ { k = field("label") SUBSEP field("window"); rate[k] = rate[k] " " field("rate"); p50[k] = p50[k] " " field("p50_us"); p99[k] = p99[k] " " field("p99_us") }
  END {
    printf "\n| W | C rt/s | Swift stream rt/s | ratio | Swift handler rt/s | ratio | C p50/p99 µs | stream p50/p99 µs | handler p50/p99 µs |\n"
    printf "|---|---|---|---|---|---|---|---|---|\n"
    n = split(windows, ws, " ")
    for (i = 1; i <= n; i++) {
      w = ws[i]; c = "c" SUBSEP w; s = "swift-stream" SUBSEP w; h = "swift-handler" SUBSEP w
      rc = median(rate[c]); rs = median(rate[s]); rh = median(rate[h])
      printf "| %s | %.0f | %.0f | %.2f | %.0f | %.2f | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f |\n", w, rc, rs, rc ? rs / rc : 0,
        rh, rc ? rh / rc : 0, median(p50[c]), median(p99[c]), median(p50[s]), median(p99[s]), median(p50[h]), median(p99[h])
    }
  }' "$RESULTS"

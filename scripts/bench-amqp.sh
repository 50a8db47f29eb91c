#!/usr/bin/env bash
# Callback round trip: the Swift client (baton bench amqp, release build) against the C baseline
# (../shared/bench/amqp_roundtrip.c -m rt -d 1), on the same private RabbitMQ node, alternating, same size,
# window and message count. Prints one RESULT line per run and a table with the Swift/C ratio.
#
# usage: scripts/bench-amqp.sh [-w "1 16 128"] [-n 10000] [-T 30] [-r rounds=3] [-s 512]
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

SRC="$ROOT/../shared/bench/amqp_roundtrip.c"
if [ ! -f "$SRC" ]; then
  echo "bench-amqp: the C baseline is missing: looked for $SRC (shared/ next to the repository)" >&2
  exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cc -O2 -o "$TMP/amqp_roundtrip" "$SRC" -lrabbitmq -lpthread

(cd "$ROOT" && swift build -c release --scratch-path .build-bench --product baton >&2)
BATON="$ROOT/.build-bench/release/baton"

URL=$("$HERE/rabbitmq-node.sh" start)
PORT=${BATON_RMQ_PORT:-5679}
BROKER_PID=$(cat "$ROOT/.rabbitmq/${BATON_RMQ_NODE:-baton@localhost}" 2>/dev/null || true)
RMQ_VERSION=$("$HERE/rabbitmq-node.sh" ctl version 2>/dev/null || echo unknown)
echo "# machine: $(nproc) cores, $(uname -srm); RabbitMQ $RMQ_VERSION; rabbitmq-c $(pkg-config --modversion librabbitmq)" >&2

RESULTS="$TMP/results"
: > "$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  for w in $WINDOWS; do
    "$TMP/amqp_roundtrip" -m rt -d 1 -s "$SIZE" -w "$w" -n "$N" -T "$T" -P "$PORT" -l c | tee -a "$RESULTS"
    "$BATON" bench amqp --url "$URL" --windows "$w" --size "$SIZE" --count "$N" --max-seconds "$T" --label swift \
      | tee -a "$RESULTS"
  done
done

# Median over rounds of rate, p50 and p99 per (label, window), then the ratio.
awk '
  function field(name,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] } }
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  /^RESULT/ { k = field("label") SUBSEP field("window"); rate[k] = rate[k] " " field("rate"); p50[k] = p50[k] " " field("p50_us"); p99[k] = p99[k] " " field("p99_us"); ws[field("window")] = 1 }
  END {
    printf "\n| W | C rt/s | Swift rt/s | Swift/C | C p50/p99 µs | Swift p50/p99 µs |\n|---|---|---|---|---|---|\n"
    n = asorti(ws, order, "@ind_num_asc")
    for (i = 1; i <= n; i++) {
      w = order[i]; c = "c" SUBSEP w; s = "swift" SUBSEP w
      printf "| %s | %.0f | %.0f | %.2f | %.0f / %.0f | %.0f / %.0f |\n", w, median(rate[c]), median(rate[s]),
        median(rate[s]) / median(rate[c]), median(p50[c]), median(p99[c]), median(p50[s]), median(p99[s])
    }
  }' "$RESULTS"

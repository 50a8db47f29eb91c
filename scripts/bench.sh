#!/usr/bin/env bash
# Callback throughput: Baton end to end against the raw rabbitmq-c round trip, in one run on one private broker.
#  (a) the raw rabbitmq-c round trip, bench/amqp-roundtrip/roundtrip.c -m rt -d 1 (persistent + confirms, classic
#      queue; built here with cc) at each window W;
#  (b) baton loadtest closed-loop at concurrency W with the default one-task waitForTaskToken machine, against a
#      fresh orchestrator (durable store, BATON_DURABILITY, default process-crash) and one worker-function that
#      this script starts for each W.
# Prints both, with the ratio Baton/C per W, and writes results.md, results.json-per-W and chart.svg to OUT.
#
# usage: scripts/bench.sh [-w "1 16 128"] [-d seconds=20] [-u warmup=3] [-r rounds=1] [-s size=512] [-o OUT]
# env:   BATON_BIN_DIR (skip the release build and use these binaries), BATON_DURABILITY (process-crash|power-loss),
#        CALLBACK_REPLIES (the worker's --callback-replies; default errors: only refusals are answered, as the C
#        baseline has no replies either), START_REPLIES (the loadtest's --start-replies; default errors: starts wait
#        for the broker only and refusals still count as errors; `all` also measures the start-reply phase),
#        BATON_EVENT_BATCHING (the orchestrator's; default on: terminal events committed together share a message),
#        BATON_STORE_URL (the orchestrator's store: postgres://… puts each system in a schema of its own there)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WINDOWS="1 16 128"; DURATION=20; WARMUP=3; ROUNDS=1; SIZE=512; OUT=""
while getopts "w:d:u:r:s:o:" o; do
  case $o in
    w) WINDOWS=$OPTARG ;; d) DURATION=$OPTARG ;; u) WARMUP=$OPTARG ;; r) ROUNDS=$OPTARG ;; s) SIZE=$OPTARG ;;
    o) OUT=$OPTARG ;;
    *) echo "usage: $0 [-w windows] [-d seconds] [-u warmup] [-r rounds] [-s size] [-o outdir]" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$(mktemp -d /tmp/baton-bench.XXXXXX)}
mkdir -p "$OUT"

# The node first: starting it installs rabbitmq-server, librabbitmq-dev and libpq-dev when missing, which both
# builds need.
URL=$("$HERE/rabbitmq-node.sh" start)
. "$HERE/bench-lib.sh"
baseline_binary "$ROOT" "$OUT/roundtrip"
bench_binaries "$ROOT"
RMQ_VERSION=$("$HERE/rabbitmq-node.sh" ctl version 2>/dev/null || echo unknown)
MACHINE="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -srm), RabbitMQ $RMQ_VERSION, rabbitmq-c $(pkg-config --modversion librabbitmq), load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# machine: $MACHINE" | tee "$OUT/machine.txt" >&2

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# One Baton system (orchestrator + one worker) under a fresh prefix and data dir; sets PREFIX.
start_system() {
  PREFIX="bench-$$-$1"
  local data="$OUT/data-$PREFIX"
  rm -rf "$data"
  # With BATON_STORE_URL=postgres://… (the PostgreSQL store), each system gets a schema of its own there.
  export BATON_STORE_SCHEMA=bench_${PREFIX//[^a-z0-9]/_}
  BATON_AMQP_URL=$URL BATON_QUEUE_PREFIX=$PREFIX BATON_DATA_DIR=$data BATON_LOG_LEVEL=info \
    BATON_DURABILITY=${BATON_DURABILITY:-process-crash} BATON_EVENT_BATCHING=${BATON_EVENT_BATCHING:-on} "$BIN/orchestrator" > "$OUT/orchestrator-$PREFIX.log" 2>&1 &
  ORCH=$!; PIDS+=("$ORCH")
  BATON_AMQP_URL=$URL BATON_QUEUE_PREFIX=$PREFIX "$BIN/worker-function" --functions callback \
    --queue "$PREFIX.loadtest" --prefetch 512 --stamps --callback-replies "${CALLBACK_REPLIES:-errors}" \
    --log-level warning > "$OUT/worker-$PREFIX.log" 2>&1 &
  WORKER=$!; PIDS+=("$WORKER")
  for _ in $(seq 1 300); do grep -q "orchestrator ready" "$OUT/orchestrator-$PREFIX.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "orchestrator ready" "$OUT/orchestrator-$PREFIX.log" || { echo "orchestrator did not start" >&2; exit 1; }
}
stop_system() { kill "$WORKER" "$ORCH" 2>/dev/null || true; wait "$WORKER" "$ORCH" 2>/dev/null || true; }

: > "$OUT/results.txt"
for round in $(seq 1 "$ROUNDS"); do
  for w in $WINDOWS; do
    "$OUT/roundtrip" -m rt -d 1 -s "$SIZE" -w "$w" -n 1000000 -T "$DURATION" -u "$URL" -l c | tee -a "$OUT/results.txt" || true  # non-zero when the time cap cut it
    start_system "w$w-r$round"
    "$BIN/baton" loadtest --amqp-url "$URL" --queue-prefix "$PREFIX" --concurrency "$w" --duration "${DURATION}s" \
      --warmup "${WARMUP}s" --message-size "$SIZE" --start-replies "${START_REPLIES:-errors}" --quiet \
      --json "$OUT/baton-w$w-r$round.json" \
      --report "$OUT/baton-w$w-r$round.html" > "$OUT/baton-w$w-r$round.txt" || echo "loadtest W=$w exited $?" >&2
    stop_system
    python3 - "$OUT/baton-w$w-r$round.json" "$w" >> "$OUT/results.txt" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])); p = r["phases_ms"]
print("RESULT label=baton window=%s rate=%.1f p50_ms=%.3f p99_ms=%.3f start_task_p50_ms=%.3f task_cb_p50_ms=%.3f cb_end_p50_ms=%.3f errors=%d ledger=%s" % (
  sys.argv[2], r["completed_per_second"], r["latency_ms"]["p50"], r["latency_ms"]["p99"],
  p["start_to_task"]["p50"], p["task_to_callback"]["p50"], p["callback_to_terminal"]["p50"],
  sum(r["errors"].values()), r["ledger"]["passed"]))
EOF
    tail -1 "$OUT/results.txt"
  done
done

python3 - "$OUT" "$MACHINE" <<'EOF'
import sys, statistics, re
out, machine = sys.argv[1], sys.argv[2]
rows = {}
for line in open(out + "/results.txt"):
    if not line.startswith("RESULT"): continue
    f = dict(kv.split("=", 1) for kv in line.split()[1:])
    rows.setdefault((f["label"], int(f["window"])), []).append(f)
def med(label, w, key, scale=1.0):
    vals = [float(r[key]) * scale for r in rows.get((label, w), []) if key in r]
    return statistics.median(vals) if vals else float("nan")
ws = sorted({w for _, w in rows})
lines = ["| W | C round trips/s | C p50 ms | Baton completed/s | Baton/C | Baton e2e p50 / p99 ms | start→task p50 ms | task→callback p50 ms | callback→terminal p50 ms |",
         "|---|---|---|---|---|---|---|---|---|"]
for w in ws:
    c = med("c", w, "rate"); b = med("baton", w, "rate")
    lines.append("| %d | %.0f | %.2f | %.0f | %.2f | %.2f / %.2f | %.2f | %.2f | %.2f |" % (
        w, c, med("c", w, "p50_us", 0.001), b, b / c if c else float("nan"), med("baton", w, "p50_ms"),
        med("baton", w, "p99_ms"), med("baton", w, "start_task_p50_ms"), med("baton", w, "task_cb_p50_ms"),
        med("baton", w, "cb_end_p50_ms")))
table = "\n".join(lines)
print("\n" + machine + "\n\n" + table)
open(out + "/results.md", "w").write(machine + "\n\n" + table + "\n")
# Chart: grouped bars of C vs Baton throughput per W, ratio labelled.
W, H, left, bottom, top = 640, 300, 70, 40, 30
top_val = max([med("c", w, "rate") for w in ws] + [med("baton", w, "rate") for w in ws] + [1])
scale = (H - bottom - top) / top_val
group = (W - left - 20) / max(len(ws), 1)
svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (W, H),
       '<text x="%d" y="18" font-size="14">Callback executions/s: raw rabbitmq-c round trip vs Baton end to end</text>' % left]
for i in range(5):
    v = top_val * i / 4; y = H - bottom - v * scale
    svg.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%d</text>' % (left, W - 20, y, y, left - 6, y + 4, v))
for i, w in enumerate(ws):
    x0 = left + i * group + group * 0.15; bw = group * 0.33
    for j, (label, color) in enumerate([("c", "#888"), ("baton", "#2c7fb8")]):
        v = med(label, w, "rate"); h = v * scale
        svg.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/><text x="%.1f" y="%.1f" text-anchor="middle">%d</text>' % (x0 + j * bw, H - bottom - h, bw - 4, h, color, x0 + j * bw + bw / 2, H - bottom - h - 4, v))
    ratio = med("baton", w, "rate") / med("c", w, "rate")
    svg.append('<text x="%.1f" y="%d" text-anchor="middle">W=%d (Baton/C %.2f)</text>' % (x0 + bw, H - bottom + 18, w, ratio))
svg.append('<rect x="%d" y="28" width="10" height="10" fill="#888"/><text x="%d" y="37">C round trip</text><rect x="%d" y="28" width="10" height="10" fill="#2c7fb8"/><text x="%d" y="37">Baton</text>' % (W - 220, W - 206, W - 120, W - 106))
svg.append("</svg>")
open(out + "/chart.svg", "w").write("\n".join(svg) + "\n")
print("\nwritten: %s/results.md, %s/chart.svg, per-run JSON and HTML reports" % (out, out))
EOF

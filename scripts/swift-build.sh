#!/usr/bin/env bash
# `swift build` as scripts/demo.sh and scripts/test.sh run it (arguments are passed on: --build-tests,
# --show-bin-path, -c release, --scratch-path …):
#
# - in one fixed environment (PATH, HOME, TMPDIR, LANG and any SWIFTPM_* variables; nothing else). SwiftPM keys
#   its manifest cache on the environment, and Hummingbird's Package.swift reads it (Context.environment), so a
#   build after any change of environment — a BATON_* export, NO_COLOR — recompiled Hummingbird and everything
#   above it: 0.4 s became ~20 s on 2 cores. With one environment, a second start builds in under a second.
# - without the one warning SwiftPM prints about a dependency's manifest whenever it loads the package graph:
#   "'swift-distributed-tracing': found 1 file(s) which are unhandled" (the CMakeLists.txt files in that
#   package's targets; nothing Baton can declare). Every other line, warnings included, is printed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
KEEP=(PATH="$PATH" HOME="${HOME:-/root}")
[ -n "${TMPDIR:-}" ] && KEEP+=(TMPDIR="$TMPDIR")
[ -n "${LANG:-}" ] && KEEP+=(LANG="$LANG")
while IFS='=' read -r name value; do KEEP+=("$name=$value"); done < <(env | grep -E '^SWIFTPM_[A-Z_]*=' || true)
# The warning and the indented file paths under it; only standard error is filtered (standard output may be a
# path: --show-bin-path).
quiet() {
  awk '/^warning: .swift-distributed-tracing.: found [0-9]+ file\(s\) which are unhandled/ { skip = 1; next }
       skip && /^ +[^ ]*\/swift-distributed-tracing\// { next }
       { skip = 0; print; fflush() }'
}
{ env -i "${KEEP[@]}" swift build "$@" 2>&1 1>&3 3>&- | quiet >&2; } 3>&1

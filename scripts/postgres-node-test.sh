#!/usr/bin/env bash
# Checks scripts/postgres-node.sh end to end on a throwaway server: start (twice: the second only prints the URL),
# url, a table written and read through the URL with psql, status, stop (status and url then exit 3), start again
# with the data still there, destroy. Prints 'postgres-node-test: passed', or which check failed and exits 1.
#   BATON_PG_TEST_PORT  the port of the throwaway server (default 5698, not the node's default 5699)
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE=$HERE/postgres-node.sh
export BATON_PG_NAME=baton-test
export BATON_PG_PORT=${BATON_PG_TEST_PORT:-5698}
unset BATON_PG_USER BATON_PG_SYNCHRONOUS_COMMIT BATON_PG_FSYNC
BATON_PG_BASE=$(mktemp -d "${TMPDIR:-/tmp}/postgres-node-test.XXXXXX") || exit 1
export BATON_PG_BASE
LIMIT=120                                    # seconds any one call of the node script may take

fail() {
  echo "postgres-node-test: FAILED: $*" >&2
  local run=$BATON_PG_BASE
  [ -f "$run/rundir" ] && run=$(cat "$run/rundir")
  [ -f "$run/log/postgres.log" ] && { echo "--- last lines of $run/log/postgres.log:" >&2; tail -20 "$run/log/postgres.log" >&2; }
  exit 1
}
cleanup() { timeout "$LIMIT" "$NODE" destroy > /dev/null 2>&1; rm -rf "$BATON_PG_BASE"; }
trap cleanup EXIT
node() { timeout "$LIMIT" "$NODE" "$@"; }

sql() { timeout 30 "$PSQL" "$URL" -X -q -tA -v ON_ERROR_STOP=1 -c "$1"; }

URL=$(node start) || fail "start exited $?"
[[ $URL =~ ^postgres://baton:[0-9a-f]+@127\.0\.0\.1:$BATON_PG_PORT/baton$ ]] || fail "start printed '$URL', not a postgres://baton:PASS@127.0.0.1:$BATON_PG_PORT/baton URL"
# psql from PATH (Debian's pg_wrapper), else the highest installed major's (start installed it if it was missing).
PSQL=$(command -v psql || find /usr/lib/postgresql -path '*/bin/psql' 2>/dev/null | sort -V | tail -1)
[ -n "$PSQL" ] || fail "no psql found"
[ "$(node url)" = "$URL" ] || fail "url does not print the URL start printed"
AGAIN=$(node start) || fail "start on a running server exited $?"
[ "$AGAIN" = "$URL" ] || fail "start on a running server printed '$AGAIN', not '$URL'"

OUT=$(sql 'CREATE TABLE t(x int); INSERT INTO t VALUES (1), (2), (39); SELECT sum(x) FROM t') || fail "psql through the URL failed"
[ "$OUT" = 42 ] || fail "SELECT sum(x) gave '$OUT', not 42"
OUT=$(node psql -X -tA -c 'SELECT count(*) FROM t') || fail "postgres-node.sh psql failed"
[ "$OUT" = 3 ] || fail "postgres-node.sh psql counted '$OUT' rows, not 3"

STATUS=$(node status); RC=$?
[ $RC -eq 0 ] || fail "status exited $RC on a running server"
grep -q '^PostgreSQL ' <<< "$STATUS" || fail "status shows no SELECT version(): $STATUS"
if command -v ss > /dev/null; then             # loopback only
  ADDRS=$(ss -Hltn "sport = :$BATON_PG_PORT" | awk '{print $4}')
  [ "$ADDRS" = "127.0.0.1:$BATON_PG_PORT" ] || fail "the server listens on '$ADDRS', not only 127.0.0.1:$BATON_PG_PORT"
fi

node stop > /dev/null 2>&1 || fail "stop exited $?"
node status > /dev/null 2>&1; RC=$?
[ $RC -eq 3 ] || fail "status exited $RC after stop, not 3"
node url > /dev/null 2>&1; RC=$?
[ $RC -eq 3 ] || fail "url exited $RC after stop, not 3"

URL2=$(node start) || fail "start after stop exited $?"
[ "$URL2" = "$URL" ] || fail "the URL changed across stop/start ('$URL2')"
OUT=$(sql 'SELECT sum(x) FROM t') || fail "psql after the restart failed"
[ "$OUT" = 42 ] || fail "after the restart SELECT sum(x) gave '$OUT', not 42 (data lost)"

node destroy > /dev/null 2>&1 || fail "destroy exited $?"
[ ! -e "$BATON_PG_BASE" ] || fail "destroy left $BATON_PG_BASE"
node status > /dev/null 2>&1; RC=$?
[ $RC -eq 3 ] || fail "status exited $RC after destroy, not 3"
echo "postgres-node-test: passed"

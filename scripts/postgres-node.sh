#!/usr/bin/env bash
# A private PostgreSQL server on loopback for Baton's tests, benchmarks and local demo (never the system service).
#
#   scripts/postgres-node.sh start     start the server (installs postgresql + libpq-dev with apt if missing; initdb
#                                      the first time), wait until it accepts connections, create the role and the
#                                      database baton if missing, print its URL
#   scripts/postgres-node.sh stop      stop only the server this script started (pg_ctl -D <its data> stop -m fast)
#   scripts/postgres-node.sh status    pid, port, data directory, SELECT version(); exit 3 when not running
#   scripts/postgres-node.sh url       print the postgres:// URL of the server; exit 3 when not running
#   scripts/postgres-node.sh psql ...  psql against the server as the role, on database baton (e.g. psql -c '\dt')
#   scripts/postgres-node.sh destroy   stop the server and remove its directories (failure scenarios use it)
#
# Everything lives under $BATON_PG_BASE (default: .postgres/<name> in the repository, which git ignores):
#   password   the role's password (generated on the first start, mode 0600; put into the URL)
#   data/      the cluster (initdb), its postgresql.conf includes baton.conf, which start rewrites every time
#   socket/    the unix socket directory (mode 0700), never /var/run/postgresql
#   log/       the server's log (postgres.log)
#   rundir     only when data/ socket/ log/ live elsewhere (see below): that directory's path
# Authentication: TCP (127.0.0.1 only) uses scram-sha-256 with the generated password; the unix socket uses trust
# for the bootstrap superuser postgres, which only this script uses (to create the role and the database) — the
# socket directory is 0700, so only the server's OS user (and root) can reach it. The role (BATON_PG_USER) is a
# LOGIN CREATEDB role, not a superuser, and owns the database baton.
#
# postgres refuses to run as root. When this script runs as root (as in CI), initdb/pg_ctl/postgres run as the
# postgres system user (created by the package) through runuser, and $BASE is chown'ed to it. If that user cannot
# reach $BASE (e.g. it is under /root, which is 0700) or the socket path would be too long for a unix socket,
# data/ socket/ log/ go into a fresh /tmp/baton-postgres-<name>-<port>.XXXXXX instead, recorded in $BASE/rundir
# (destroy removes it too).
#
# Several servers can run side by side: give each its own BATON_PG_NAME (or BATON_PG_BASE) and BATON_PG_PORT.
# Settings (environment):
#   BATON_PG_BASE   the directory above (default $ROOT/.postgres/$BATON_PG_NAME)
#   BATON_PG_NAME   the server's name (default baton)
#   BATON_PG_PORT   its TCP port on 127.0.0.1 (default 5699)
#   BATON_PG_USER   the role in the URL (default baton)
#   BATON_PG_SYNCHRONOUS_COMMIT  synchronous_commit (on|off|local|remote_write|remote_apply; unset: PostgreSQL's on)
#   BATON_PG_FSYNC               fsync (on|off, default on)
#   BATON_PG_MAX_CONNECTIONS     max_connections (default 400: the test suites open a store per test in parallel,
#                                each a writer and up to 4 readers; PostgreSQL's own default is 100)
# All three are written into data/baton.conf at every start: they take effect when the server starts (a running one keeps
# its values). Another BATON_PG_USER on an existing base gets its own role with the same password.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/apt-lib.sh
. "$HERE/apt-lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
NAME=${BATON_PG_NAME:-baton}
PORT=${BATON_PG_PORT:-5699}
PG_USER=${BATON_PG_USER:-baton}
BASE=${BATON_PG_BASE:-$ROOT/.postgres/$NAME}
SYNC_COMMIT=${BATON_PG_SYNCHRONOUS_COMMIT:-}
FSYNC=${BATON_PG_FSYNC:-on}
MAX_CONNECTIONS=${BATON_PG_MAX_CONNECTIONS:-400}
DB=baton
SUPERUSER=postgres                           # initdb's bootstrap superuser, reachable through the socket only
PG_OS_USER=postgres                          # the system user the server runs as when this script runs as root
# The caller's libpq settings must not redirect this script's own connections.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGPASSFILE PGSERVICE PGSERVICEFILE PGDATA

log() { printf 'postgres-node: %s\n' "$*" >&2; }

check_settings() {
  case $NAME in ''|*[!A-Za-z0-9_.-]*) log "BATON_PG_NAME must be letters, digits, _ . - (got '$NAME')"; return 1 ;; esac
  case $PORT in ''|*[!0-9]*) log "BATON_PG_PORT must be a number (got '$PORT')"; return 1 ;; esac
  [[ $PG_USER =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { log "BATON_PG_USER must be an identifier (got '$PG_USER')"; return 1; }
  case $FSYNC in on|off) ;; *) log "BATON_PG_FSYNC must be on or off (got '$FSYNC')"; return 1 ;; esac
  case $MAX_CONNECTIONS in ''|*[!0-9]*) log "BATON_PG_MAX_CONNECTIONS must be a number (got '$MAX_CONNECTIONS')"; return 1 ;; esac
  [[ -z $SYNC_COMMIT || $SYNC_COMMIT =~ ^[a-z_]+$ ]] || { log "BATON_PG_SYNCHRONOUS_COMMIT: bad value '$SYNC_COMMIT'"; return 1; }
  case $BASE in /*) ;; *) BASE=$PWD/$BASE ;; esac
}

# The bin directory of the highest installed major (Debian: /usr/lib/postgresql/<major>/bin; PATH has only the
# pg_wrapper links), or of the major an existing data directory was made with.
find_bin() {
  local d m b best="" major=0
  if [ -n "${DATA:-}" ] && [ -r "$DATA/PG_VERSION" ]; then
    m=$(cat "$DATA/PG_VERSION")
    [ -x "/usr/lib/postgresql/$m/bin/postgres" ] && { echo "/usr/lib/postgresql/$m/bin"; return 0; }
  fi
  for d in /usr/lib/postgresql/*/bin; do
    m=${d#/usr/lib/postgresql/}; m=${m%/bin}
    case $m in ''|*[!0-9]*) continue ;; esac
    for b in postgres initdb pg_ctl psql pg_isready; do [ -x "$d/$b" ] || continue 2; done
    [ "$m" -gt "$major" ] && { major=$m; best=$d; }
  done
  [ -n "$best" ] && echo "$best"
}

ensure_installed() {
  local missing=()
  [ -n "$(find_bin)" ] || missing+=(postgresql)
  [ -f /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_install_binaries postgres-node "${missing[@]}"
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a PostgreSQL program as the server's OS user: postgres when we are root, else ourselves. The working
# directory is one that user can enter (initdb and pg_ctl complain about an unreadable one, e.g. /root).
as_pg() {
  if is_root; then (cd "$RUN" && runuser -u "$PG_OS_USER" -- "$@")
  else (cd "$RUN" && "$@"); fi
}

# Sets RUN (where data/ socket/ log/ live), DATA, SOCK, LOGFILE without creating anything.
locate() {
  RUN=$BASE
  [ -f "$BASE/rundir" ] && RUN=$(cat "$BASE/rundir")
  DATA=$RUN/data SOCK=$RUN/socket LOGFILE=$RUN/log/postgres.log
}

# Creates $BASE and the directories the server writes, choosing RUN on the first start.
prepare_dirs() {
  mkdir -p "$BASE" || return 1
  if [ ! -f "$BASE/rundir" ]; then
    local reachable=1
    if is_root; then
      id "$PG_OS_USER" >/dev/null 2>&1 || { log "there is no $PG_OS_USER system user (the postgresql package creates it)"; return 1; }
      chown "$PG_OS_USER:" "$BASE"
      (cd / && runuser -u "$PG_OS_USER" -- test -w "$BASE" -a -x "$BASE") || reachable=0
    fi
    # A unix socket path holds at most 107 bytes (<socket dir>/.s.PGSQL.<port>).
    [ $(( ${#BASE} + ${#PORT} + 17 )) -le 107 ] || reachable=0
    if [ $reachable = 0 ]; then
      local dir
      dir=$(mktemp -d "/tmp/baton-postgres-$NAME-$PORT.XXXXXX") || return 1
      is_root && chown "$PG_OS_USER:" "$dir"
      echo "$dir" > "$BASE/rundir"
      log "the server's OS user cannot use $BASE (or the socket path would be too long): data, socket and log go into $dir"
    fi
  fi
  locate
  mkdir -p "$SOCK" "$RUN/log" && chmod 0700 "$SOCK" || return 1
  if is_root; then chown "$PG_OS_USER:" "$RUN" "$SOCK" "$RUN/log" || return 1; fi
  if [ ! -f "$BASE/password" ]; then
    (umask 077 && head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$BASE/password") || return 1
  fi
}

# Whether PID is a live postgres process. A postmaster killed with KILL stays a zombie until init reaps it (pg_ctl
# leaves it to init; here that took from under a second to a minute), and kill -0 still succeeds on a zombie.
pg_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat#*) }                             # "PID (COMM) STATE ...": the state
  [ "$(cat "/proc/$1/comm" 2>/dev/null)" = postgres ] && [ "${stat%% *}" != Z ]
}
postmaster_pid() { head -1 "$DATA/postmaster.pid" 2>/dev/null; }
# The pid of the running server (from its postmaster.pid, checked against /proc), or nothing.
server_pid() {
  local pid
  pid=$(postmaster_pid) || return 1
  [ -n "$pid" ] && pg_alive "$pid" && echo "$pid"
}
# A postmaster.pid left by a killed server whose pid is still a zombie makes postgres believe it is running
# ("lock file postmaster.pid already exists"): wait for init to reap it, then remove the file if it is still one.
clear_zombie_lock() {
  local pid deadline=$((SECONDS + 10))
  pid=$(postmaster_pid) || return 0
  [ -n "$pid" ] || return 0
  while [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" = Z ]; do
    if [ $SECONDS -ge $deadline ]; then
      log "the last postmaster ($pid) is a zombie; removing its postmaster.pid"; rm -f "$DATA/postmaster.pid"; return 0
    fi
    sleep 0.1
  done
}
server_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
password() { cat "$BASE/password"; }
url() { echo "postgres://$PG_USER:$(password)@127.0.0.1:${1:-$PORT}/$DB"; }

# Written into data/ at every start (postgresql.conf includes it): loopback only, the socket inside $RUN.
write_conf() {
  {
    echo "# written by scripts/postgres-node.sh at every start; edits are lost"
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PORT"
    echo "unix_socket_directories = '${SOCK//\'/\'\'}'"
    echo "unix_socket_permissions = 0700"
    echo "fsync = $FSYNC"
    echo "max_connections = $MAX_CONNECTIONS"
    if [ -n "$SYNC_COMMIT" ]; then echo "synchronous_commit = $SYNC_COMMIT"; fi
  } > "$DATA/baton.conf" || return 1
  if is_root; then chown "$PG_OS_USER:" "$DATA/baton.conf"; fi
}

init_cluster() {
  if [ -e "$DATA" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ]; then
    log "$DATA exists but holds no cluster (no PG_VERSION); remove it or run destroy"; return 1
  fi
  local locale=C
  locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' && locale=C.UTF-8
  local nosync=()
  [ "$FSYNC" = off ] && nosync=(--no-sync)
  log "initdb $DATA (UTF8, locale $locale)"
  as_pg "$BIN/initdb" -D "$DATA" -U "$SUPERUSER" --encoding=UTF8 --locale="$locale" \
    --auth-local=trust --auth-host=scram-sha-256 "${nosync[@]}" > "$RUN/log/initdb.log" 2>&1 || {
    log "initdb failed; $RUN/log/initdb.log says:"; tail -20 "$RUN/log/initdb.log" >&2; return 1; }
  printf "\ninclude = 'baton.conf'\n" >> "$DATA/postgresql.conf"
}

# The role (with the password from $BASE/password, set again at every start) and the database, if missing; a role
# made later (another BATON_PG_USER on the same base) may create tables in the public schema too.
ensure_role_and_db() {
  as_pg "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U "$SUPERUSER" -d postgres > /dev/null <<SQL
\\set role '$PG_USER'
\\set pw '$(password)'
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'pw') \\gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$DB', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB') \\gexec
\\connect $DB
SELECT format('GRANT CREATE, USAGE ON SCHEMA public TO %I', :'role') \\gexec
SQL
}

start() {
  check_settings || return 1
  ensure_installed || return 1
  locate
  local pid running_port
  if pid=$(server_pid); then
    running_port=$(server_port)
    if [ "$running_port" != "$PORT" ]; then
      log "$NAME is already running (pid $pid) on port $running_port, not $PORT; stop it first"; return 1
    fi
    log "$NAME already running (pid $pid)"; url; return 0
  fi
  if port_open "$PORT"; then log "port $PORT is already in use by another process"; return 1; fi
  prepare_dirs || return 1
  BIN=$(find_bin)
  [ -n "$BIN" ] || { log "no PostgreSQL binaries in /usr/lib/postgresql/*/bin"; return 1; }
  [ -f "$DATA/PG_VERSION" ] || init_cluster || return 1
  BIN=$(find_bin)                              # the major the cluster was made with
  write_conf || return 1
  clear_zombie_lock
  # pg_ctl -w waits (at most -t seconds) until postmaster.pid says ready, and notices a postmaster that dies.
  if ! as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 start > /dev/null; then
    log "the server did not start within 60 s; last lines of $LOGFILE:"; tail -20 "$LOGFILE" >&2
    return 1
  fi
  local deadline=$((SECONDS + 30))            # then TCP on 127.0.0.1 itself, which is what clients use
  until "$BIN/pg_isready" -q -t 1 -h 127.0.0.1 -p "$PORT" -d postgres; do
    if [ $SECONDS -ge $deadline ]; then log "the server does not accept connections on 127.0.0.1:$PORT after 30 s (see $LOGFILE)"; return 1; fi
    server_pid > /dev/null || { log "the server died; last lines of $LOGFILE:"; tail -20 "$LOGFILE" >&2; return 1; }
    sleep 0.05
  done
  ensure_role_and_db || { log "could not create the role $PG_USER or the database $DB"; return 1; }
  log "started $NAME (pid $(server_pid)) on 127.0.0.1:$PORT (data in $DATA)"
  url
}

stop() {
  check_settings || return 1
  locate
  local pid
  pid=$(server_pid) || { log "$NAME is not running"; return 0; }
  BIN=$(find_bin)
  if ! as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop > /dev/null; then
    log "pg_ctl stop -m fast did not finish within 60 s; trying -m immediate"
    as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w -t 30 stop > /dev/null
  fi
  local deadline=$((SECONDS + 10))            # pg_ctl waited for postmaster.pid; wait for the process itself
  while pg_alive "$pid"; do
    [ $SECONDS -ge $deadline ] && { log "postgres $pid is still alive"; return 1; }
    sleep 0.05
  done
  log "stopped $NAME"
}

status() {
  check_settings || return 1
  locate
  local pid port
  if pid=$(server_pid); then
    port=$(server_port)
    echo "running: $NAME pid $pid port $port data $DATA"
    BIN=$(find_bin)
    PGPASSWORD=$(password) "$BIN/psql" -X -tA -h 127.0.0.1 -p "$port" -U "$PG_USER" -d "$DB" -c 'SELECT version()' || return 1
  else
    echo "not running: $NAME (data $DATA)"; return 3
  fi
}

print_url() {
  check_settings || return 1
  locate
  server_pid > /dev/null || { log "$NAME is not running"; return 3; }
  url "$(server_port)"
}

run_psql() {
  check_settings || return 1
  locate
  BIN=$(find_bin)
  [ -n "$BIN" ] || { log "no PostgreSQL binaries in /usr/lib/postgresql/*/bin"; return 1; }
  local port
  port=$(server_port); port=${port:-$PORT}
  PGHOST=127.0.0.1 PGPORT=$port PGUSER=$PG_USER PGDATABASE=$DB PGPASSWORD=$(password) exec "$BIN/psql" "$@"
}

destroy() {
  check_settings || return 1
  locate
  stop || return 1
  if [ "$RUN" != "$BASE" ]; then
    case $RUN in /tmp/baton-postgres-*) rm -rf "$RUN" ;; *) log "not removing $RUN (not a /tmp/baton-postgres-* directory)" ;; esac
  fi
  if [ -d "$BASE" ]; then
    # Only a directory this script made: it holds the password, or nothing at all.
    if [ -f "$BASE/password" ] || [ -z "$(ls -A "$BASE")" ]; then rm -rf "$BASE"
    else log "not removing $BASE: it does not look like a postgres-node directory (no password file)"; return 1; fi
  fi
  log "destroyed $NAME ($BASE)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) print_url ;;
  psql) shift; run_psql "$@" ;;
  destroy) destroy ;;
  *) echo "usage: $0 start|stop|status|url|psql ARGS|destroy" >&2; exit 2 ;;
esac

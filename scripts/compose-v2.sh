#!/usr/bin/env bash
# Prints the path of a Docker Compose v2 binary, fetching one when this machine has none.
#
#   scripts/compose-v2.sh          print the path (stdout); progress and errors go to stderr
#
# Compose v2 (the `docker compose` CLI plugin, also runnable alone as `docker-compose`) validates a compose file
# against the Compose Specification and interpolates it: `$(scripts/compose-v2.sh) -f docker-compose.yml config
# --quiet`. No Docker engine is needed for that. The binary is looked for, in order:
#   1. $BATON_COMPOSE, when set (a Compose v2 binary of your choice);
#   2. `docker-compose` on PATH and the docker CLI's plugin directories, when it reports version 2 or later;
#   3. a copy fetched earlier into the cache below;
#   4. otherwise Debian 13's `docker-compose` package (Compose v2, a static binary that runs on Debian 12 too) is
#      downloaded with apt-get from deb.debian.org, checked by apt against Debian's archive keys, and unpacked into
#      ${XDG_CACHE_HOME:-~/.cache}/baton/compose — nothing is installed into the system, and Debian 12's own
#      `docker-compose` package (v1, which refuses the Compose Specification's top-level `name:`) is never used.
set -euo pipefail
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/baton/compose
SUITE=${BATON_COMPOSE_DEBIAN_SUITE:-trixie}

log() { printf 'compose-v2: %s\n' "$*" >&2; }

# True when $1 runs and says it is Compose v2 or later.
is_v2() {
  local version
  version=$("$1" version --short 2>/dev/null) || return 1
  version=${version#v}
  [ "${version%%.*}" -ge 2 ] 2>/dev/null
}

if [ -n "${BATON_COMPOSE:-}" ]; then
  is_v2 "$BATON_COMPOSE" || { log "BATON_COMPOSE=$BATON_COMPOSE is not a Compose v2 binary"; exit 1; }
  echo "$BATON_COMPOSE"; exit 0
fi
for candidate in "$(command -v docker-compose 2>/dev/null || true)" "$HOME/.docker/cli-plugins/docker-compose" \
  /usr/local/lib/docker/cli-plugins/docker-compose /usr/libexec/docker/cli-plugins/docker-compose \
  /usr/lib/docker/cli-plugins/docker-compose "$CACHE/bin/docker-compose"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && is_v2 "$candidate"; then echo "$candidate"; exit 0; fi
done

command -v apt-get >/dev/null || { log "no Compose v2 here and no apt-get to fetch one; set BATON_COMPOSE"; exit 1; }
log "fetching Compose v2 (Debian $SUITE's docker-compose package) into $CACHE"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb http://deb.debian.org/debian $SUITE main" >"$work/sources.list"
APT=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
if ! apt-get "${APT[@]}" update -qq >"$work/apt.log" 2>&1 ||
  ! (cd "$work" && apt-get "${APT[@]}" download docker-compose >>"$work/apt.log" 2>&1); then
  log "downloading Debian $SUITE's docker-compose failed:"; tail -5 "$work/apt.log" >&2; exit 1
fi
dpkg-deb -x "$work"/docker-compose_*.deb "$work/unpacked"
mkdir -p "$CACHE/bin"
install -m 0755 "$work/unpacked/usr/libexec/docker/cli-plugins/docker-compose" "$CACHE/bin/docker-compose"
is_v2 "$CACHE/bin/docker-compose" || { log "the fetched docker-compose does not report version 2"; exit 1; }
log "$("$CACHE/bin/docker-compose" version)"
echo "$CACHE/bin/docker-compose"

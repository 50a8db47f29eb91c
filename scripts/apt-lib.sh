# shellcheck shell=bash
# Sourced by the node scripts (rabbitmq-node.sh, postgres-node.sh): installs Debian packages for binaries only.
#   apt_install_binaries LOG_PREFIX PACKAGE...
# apt-get install with sudo when not root; /usr/sbin/policy-rc.d (exit 101) while it runs, so apt does not start the
# system-wide service a server package brings (rabbitmq-server, postgresql@<major>-main): the scripts start their
# own private servers. Returns 1, saying so on stderr, when apt-get fails.
apt_install_binaries() {
  local prefix=$1; shift
  printf '%s: installing %s with apt-get\n' "$prefix" "$*" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  local remove_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null && $sudo chmod +x /usr/sbin/policy-rc.d
    remove_policy=1
  fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
  local rc=$?
  [ "$remove_policy" = 1 ] && $sudo rm -f /usr/sbin/policy-rc.d
  [ $rc -eq 0 ] || { printf '%s: apt-get install %s failed\n' "$prefix" "$*" >&2; return 1; }
}

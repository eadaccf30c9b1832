#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real (redis-server, redis_exporter, the
# PostgreSQL server and client tools), those the images are built with (mmdebstrap; libseccomp-dev and pkg-config for
# runc's seccomp support) and those a real node needs, if missing.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v prometheus-redis-exporter >/dev/null 2>&1 || missing+=(prometheus-redis-exporter)
# Debian keeps the server's binaries (initdb, postgres) off PATH, in /usr/lib/postgresql/<major>/bin.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
# mmdebstrap checks Debian's archive signatures with it (present on Debian, not on other distributions).
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[ -f /usr/include/seccomp.h ] || missing+=(libseccomp-dev)
# A real node (scripts/node.sh): kube-proxy and kube-router's firewall rules and sets, and the relay
# that carries the node's connections to the API server on the host's loopback.
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
command -v ipset >/dev/null 2>&1 || missing+=(ipset)
command -v socat >/dev/null 2>&1 || missing+=(socat)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "installing Debian packages: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# A package may start a system-wide server; the tests start their own on free ports.
if command -v service >/dev/null 2>&1; then
  "${sudo_cmd[@]}" service redis-server stop >/dev/null 2>&1 || true
  "${sudo_cmd[@]}" service prometheus-redis-exporter stop >/dev/null 2>&1 || true
  "${sudo_cmd[@]}" service postgresql stop >/dev/null 2>&1 || true
fi

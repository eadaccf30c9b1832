#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real (redis-server, the PostgreSQL server and
# client tools), if missing.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# Debian keeps the server's binaries (initdb, postgres) off PATH, in /usr/lib/postgresql/<major>/bin.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "installing Debian packages: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The package may start a system-wide server; the tests start their own on free ports.
if command -v service >/dev/null 2>&1; then
  "${sudo_cmd[@]}" service redis-server stop >/dev/null 2>&1 || true
  "${sudo_cmd[@]}" service postgresql stop >/dev/null 2>&1 || true
fi

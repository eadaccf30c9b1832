#!/bin/sh
# The PostgreSQL image's entrypoint, with the contract the program's StatefulSet relies on:
# POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB initialise an empty PGDATA (and only an empty
# one: an existing cluster keeps its roles and passwords), and arguments that start with "-" are
# postgres's own (the program passes its settings as -c name=value).
set -eu

case "${1:-}" in
  -*) set -- postgres "$@" ;;
  "") set -- postgres ;;
esac
[ "$1" = postgres ] || exec "$@"

: "${PGDATA:?PGDATA must name the data directory}"
user="${POSTGRES_USER:-postgres}"
database="${POSTGRES_DB:-$user}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set to initialise an empty data directory}"
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  # The password goes to initdb through a file only this user can read, never on a command line.
  umask 077
  pwfile="$(mktemp)"
  trap 'rm -f "$pwfile"' EXIT
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --pgdata "$PGDATA" --username "$user" --pwfile "$pwfile" --auth-local trust --auth-host scram-sha-256 \
    --encoding UTF8 --locale C.UTF-8 >/dev/null
  rm -f "$pwfile"
  printf '%s\n' "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  printf '%s\n' "listen_addresses = '*'" >> "$PGDATA/postgresql.auto.conf"
  if [ "$database" != postgres ]; then
    # A server on the socket only, for as long as the database takes to create.
    pg_ctl --pgdata "$PGDATA" --options "-c listen_addresses=''" --wait start >/dev/null
    # psql quotes the name itself (:"db"); it interpolates variables in its input, not in --command.
    printf '%s\n' 'CREATE DATABASE :"db";' |
      psql --no-psqlrc --username "$user" --dbname postgres --set ON_ERROR_STOP=1 --quiet --set db="$database" >/dev/null
    pg_ctl --pgdata "$PGDATA" --mode fast --wait stop >/dev/null
  fi
  echo "postgres-entrypoint: initialised $PGDATA for user $user, database $database"
fi

exec "$@"

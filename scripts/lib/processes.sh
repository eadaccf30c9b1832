# Shared by scripts/cluster.sh and scripts/node.sh (sourced): waiting on the processes they start.
# Expects $state (the cluster's folder, with logs/<name>.log) and a log function.

# A process that has exited but not been reaped yet (a zombie) counts as stopped.
alive() { local st; st="$(ps -o stat= -p "$1" 2>/dev/null)" && [ -n "$st" ] && [ "${st:0:1}" != Z ]; }

# wait_for <name> <seconds> <command...>: until the command succeeds; else the name's last log lines.
wait_for() {
  local what="$1" seconds="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      log "$what not ready after ${seconds}s; last log lines:"
      tail -n 20 "$state/logs/$what.log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

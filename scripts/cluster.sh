#!/usr/bin/env bash
# The local Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok (simulated nodes and pods), all on loopback, on free ports; with
# --real, also one real node that runs containers (scripts/node.sh).
#
#   scripts/cluster.sh up [--real]  start (idempotent: a running cluster is left as it is)
#   scripts/cluster.sh down         stop every process, put the host back and delete the cluster's state
#   scripts/cluster.sh status       what runs, and whether the API server is ready
#
# State, logs and the kubeconfig live in $MCP_CLUSTER_DIR (default <repo>/.local/cluster);
# the kubeconfig is always $MCP_CLUSTER_DIR/kubeconfig.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
state="${MCP_CLUSTER_DIR:-$repo/.local/cluster}"
kubeconfig="$state/kubeconfig"
# kubectl's discovery cache lives with the cluster (its default, ~/.kube/cache, would outlive it).
export KUBECACHEDIR="$state/kube-cache"
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

log() { echo "cluster: $*"; }
# shellcheck source=lib/processes.sh
source "$repo/scripts/lib/processes.sh"

running() { [ -f "$state/pids/$1" ] && alive "$(cat "$state/pids/$1")"; }

# A port the kernel says is free on loopback (Node.js comes with the project's npm packages).
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start <name> <binary> <args...>: runs in its own session so `down` can stop it and its children.
start() {
  local name="$1"; shift
  setsid "$@" >"$state/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$state/pids/$name"
}

kubectl_() { "$bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }

api_ready() { kubectl_ get --raw /readyz; }

# Stops in reverse start order, so nothing loses its API server or etcd while shutting down.
stop_all() {
  local i name pid
  for ((i = ${#components[@]} - 1; i >= 0; i--)); do
    name="${components[$i]}"
    [ -f "$state/pids/$name" ] || continue
    pid="$(cat "$state/pids/$name")"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do alive "$pid" || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
}

up() {
  local real=0
  [ "${1:-}" = --real ] && real=1
  bin="$(cat "$state/bin" 2>/dev/null || true)"
  if [ -n "$bin" ] && [ -f "$kubeconfig" ] && running kube-apiserver && api_ready >/dev/null 2>&1; then
    if [ "$real" -eq 1 ] && [ ! -f "$state/real" ]; then
      log "running without a real node; to add one: scripts/cluster.sh down && scripts/cluster.sh up --real"
      exit 1
    fi
    log "already running (kubeconfig: $kubeconfig)"
    return
  fi
  # A half-started or crashed cluster is cleaned up before starting afresh, and so is this one if
  # it fails to start: nothing is left running or changed on the host.
  teardown
  # MCP_CLUSTER_KEEP_FAILED=1 keeps a failed start as it is, to look at; `down` then cleans up.
  [ -n "${MCP_CLUSTER_KEEP_FAILED:-}" ] || trap 'log "start failed; cleaning up (MCP_CLUSTER_KEEP_FAILED=1 keeps it)"; teardown' EXIT
  mkdir -p "$state/pids" "$state/logs" "$state/pki" "$state/etcd"

  local toolchain; toolchain="$("$repo/scripts/toolchain.sh" cluster)"
  bin="$toolchain"
  [ "$real" -eq 1 ] && bin="$("$repo/scripts/toolchain.sh" node)"
  echo "$bin" > "$state/bin"
  local stages; stages="$(dirname "$toolchain")/kwok-stages.yaml"

  local etcd_port etcd_peer api_port token
  etcd_port="$(free_port)"; etcd_peer="$(free_port)"; api_port="$(free_port)"
  token="$(openssl rand -hex 24)"
  openssl genrsa -out "$state/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$state/pki/sa.key" -pubout -out "$state/pki/sa.pub" 2>/dev/null
  echo "$token,admin,admin,system:masters" > "$state/pki/tokens.csv"
  node_credentials

  # The address the API server gives pods for itself (the `kubernetes` Service): loopback, or on a
  # real node the node's own address, where a relay passes connections on to it.
  local advertise=127.0.0.1
  if [ "$real" -eq 1 ]; then
    touch "$state/real"
    advertise="$(bash "$repo/scripts/node.sh" net)"
  fi

  log "starting etcd on 127.0.0.1:$etcd_port"
  start etcd "$bin/etcd" --name local --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "local=http://127.0.0.1:$etcd_peer" --quota-backend-bytes 2147483648
  wait_for etcd 30 curl -sf "http://127.0.0.1:$etcd_port/health"

  log "starting kube-apiserver on 127.0.0.1:$api_port"
  start kube-apiserver "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address "$advertise" --secure-port "$api_port" --cert-dir "$state/pki" \
    --token-auth-file "$state/pki/tokens.csv" --authorization-mode Node,RBAC --anonymous-auth=false \
    --enable-admission-plugins NodeRestriction --kubelet-preferred-address-types InternalIP,Hostname \
    --kubelet-client-certificate "$state/pki/kubelet-client.crt" --kubelet-client-key "$state/pki/kubelet-client.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$state/pki/sa.pub" --service-account-signing-key-file "$state/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --allow-privileged=false --enable-priority-and-fairness=false

  cat > "$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $state/pki/apiserver.crt
users:
- name: admin
  user:
    token: $token
contexts:
- name: local
  context: {cluster: local, user: admin}
current-context: local
EOF
  chmod 600 "$kubeconfig"
  wait_for kube-apiserver 90 api_ready

  log "starting kube-controller-manager, kube-scheduler and kwok"
  start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$kubeconfig" \
    --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false \
    --service-account-private-key-file "$state/pki/sa.key" --root-ca-file "$state/pki/apiserver.crt" \
    --controllers '*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller' \
    --horizontal-pod-autoscaler-sync-period 5s
  start kube-scheduler "$bin/kube-scheduler" --kubeconfig "$kubeconfig" \
    --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false
  start kwok "$bin/kwok" --kubeconfig "$kubeconfig" --config "$stages" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 10.0.0.1 --cidr 10.0.0.0/16 --node-lease-duration-seconds 40

  log "adding simulated nodes, volumes and CRDs"
  kubectl_ apply -f "$repo/cluster/local/" >/dev/null
  # Server-side: the Issuer CRDs are larger than client-side apply's last-applied annotation allows.
  kubectl_ apply --server-side -f "$(dirname "$toolchain")/crds/" >/dev/null
  wait_for kube-apiserver 60 kubectl_ wait --for=condition=Ready node --all --timeout=5s
  wait_for kube-apiserver 60 kubectl_ wait --for=condition=Established crd --all --timeout=5s
  [ "$real" -eq 1 ] && bash "$repo/scripts/node.sh" up
  trap - EXIT
  log "ready (kubeconfig: $kubeconfig)"
}

# Tokens for a real node's kubelet, kube-proxy and kube-router (the token file is read once, at the
# API server's start), and the certificate the API server shows the kubelet: EC keys, made in
# milliseconds, so every cluster has them whether or not a real node joins.
node_credentials() {
  local who
  for who in node kube-proxy kube-router; do openssl rand -hex 24 > "$state/pki/$who.token"; done
  echo "$(cat "$state/pki/node.token"),system:node:real-node,system:node:real-node,system:nodes" >> "$state/pki/tokens.csv"
  echo "$(cat "$state/pki/kube-proxy.token"),system:kube-proxy,system:kube-proxy" >> "$state/pki/tokens.csv"
  echo "$(cat "$state/pki/kube-router.token"),mcp:kube-router,mcp:kube-router" >> "$state/pki/tokens.csv"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj /CN=kubelet-client-ca \
    -keyout "$state/pki/kubelet-ca.key" -out "$state/pki/kubelet-ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/O=system:masters/CN=kube-apiserver" \
    -keyout "$state/pki/kubelet-client.key" 2>/dev/null |
    openssl x509 -req -CA "$state/pki/kubelet-ca.crt" -CAkey "$state/pki/kubelet-ca.key" -days 3650 \
      -out "$state/pki/kubelet-client.crt" 2>/dev/null
}

# Stops the node (if any) and the control plane, puts the host back, and deletes the state.
teardown() {
  [ -d "$state/node" ] && bash "$repo/scripts/node.sh" down
  [ -d "$state/pids" ] && stop_all
  rm -rf "$state"
}

status() {
  local all=0
  for name in "${components[@]}"; do
    if running "$name"; then echo "$name: running (pid $(cat "$state/pids/$name"))"; else echo "$name: stopped"; all=1; fi
  done
  if [ -f "$state/real" ]; then
    for name in containerd kubelet kube-proxy kube-router relay-host relay-node; do
      local pid; pid="$(cat "$state/node/pids/$name" 2>/dev/null || true)"
      if [ -n "$pid" ] && alive "$pid"; then echo "node $name: running (pid $pid)"; else echo "node $name: stopped"; all=1; fi
    done
  fi
  if [ -f "$kubeconfig" ]; then
    bin="$(cat "$state/bin" 2>/dev/null || true)"
    if [ -n "$bin" ] && api_ready >/dev/null 2>&1; then
      echo "api: ready ($(grep -o 'https://[^ ]*' "$kubeconfig"))"
      echo "kubeconfig: $kubeconfig"
      kubectl_ get nodes
    else
      echo "api: not ready"; all=1
    fi
  fi
  return $all
}

down() {
  local was_running=0
  [ -d "$state/pids" ] && was_running=1
  teardown
  if [ "$was_running" -eq 1 ]; then log "stopped"; else log "not running"; fi
}

case "${1:-}" in
  up) up "${2:-}" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up [--real]|down|status" >&2; exit 64 ;;
esac

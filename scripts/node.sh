#!/usr/bin/env bash
# A real node for the local cluster: containerd and runc, the kubelet, kube-proxy, kube-router
# (NetworkPolicy) and CNI's bridge, all inside one network and mount namespace this script makes,
# so pods, Service addresses and firewall rules exist only there. CoreDNS runs on it as a pod.
#
#   scripts/node.sh net     make the node's namespaces and link (before the API server starts: it
#                           advertises the node's address, which pods reach it through)
#   scripts/node.sh up      start the node's processes, import the images, wait until it is Ready
#   scripts/node.sh down    stop everything and put the host back as it was
#
# cluster.sh calls these; on its own this script only needs $MCP_CLUSTER_DIR. The node imports every
# image archive in $MCP_IMAGES_DIR (default <repo>/.local/images, where `npm run images` writes them).
#
# How the node reaches the host and back, with nothing routed off the machine:
#   host -> node   a veth pair: the host end has .1 of a /30, the node end (eth0) .2, its InternalIP;
#                  the API server reaches the kubelet there (logs, exec, port-forward)
#   node -> host   the API server listens on the host's loopback only; socat relays the node's
#                  <node IP>:<port> and 127.0.0.1:<port> to it over a Unix socket in the cluster folder
#                  (a file, so it crosses network namespaces)
#   pods           a bridge in the node's namespace, their default route; the node has none, and
#                  drops what pods send to the host's end of the link, so nothing a pod sends leaves it
#
# What the node changes on the host is undone by `down`: processes (all tracked in one cgroup),
# cgroups, the veth pair (it dies with the namespace), and the kernel settings the kubelet sets
# (vm.overcommit_memory, kernel.panic, ...), restored by the last running node from the values the
# first one saved.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
state="${MCP_CLUSTER_DIR:-$repo/.local/cluster}"
node="$state/node"
images="${MCP_IMAGES_DIR:-$repo/.local/images}"
NODE_NAME=real-node
POD_CIDR=10.244.0.0/24
CLUSTER_DNS=10.96.0.10
# Host-wide settings the kubelet and the CNI plugins may change; the last node to stop puts back
# what the first one to start saved. Real nodes of several cluster folders may run at once, so the
# saved values and the list of running nodes live in one place per host user, under a lock.
host_state="${MCP_NODE_HOST_STATE:-$HOME/.cache/mcp-platform/node-host}"
HOST_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.ip_forward net.netfilter.nf_conntrack_max net.bridge.bridge-nf-call-iptables)

log() { echo "node: $*"; }
# shellcheck source=lib/processes.sh
source "$repo/scripts/lib/processes.sh"

# One id per cluster folder: names the cgroup and the host's end of the link, and picks the /30.
id="$(echo -n "$state" | sha256sum | cut -c1-6)"
cgroup_name="mcp-node-$id"
host_link="mcpn$id"
octet=$((16#${id:0:2}))
host_ip="10.209.$octet.1"
node_ip="10.209.$octet.2"

# Every cgroup folder of the node, one per hierarchy (cgroup v1) or the one unified folder (v2).
cgroup_roots() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    echo "/sys/fs/cgroup/$cgroup_name"
  else
    local h
    for h in /sys/fs/cgroup/*/; do [ -f "$h/cgroup.procs" ] && echo "${h%/}/$cgroup_name"; done
  fi
}

# The hierarchy that tracks the node's processes: every process the node starts, its containers'
# included (the kubelet's cgroupRoot is below it), is listed under it.
tracking_cgroup() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo "/sys/fs/cgroup/$cgroup_name"; else echo "/sys/fs/cgroup/pids/$cgroup_name"; fi
}

node_pids() { find "$(tracking_cgroup)" -name cgroup.procs -exec cat {} + 2>/dev/null || true; }

holder() { cat "$node/pids/holder" 2>/dev/null; }

# The holder has left the host's network namespace (unshare has run).
holder_unshared() { [ "$(readlink "/proc/$(holder)/ns/net")" != "$(readlink /proc/self/ns/net)" ]; }

# in_node <name> <command...>: starts a process in the node's namespaces and tracking cgroup.
in_node() {
  local name="$1"; shift
  setsid sh -c 'echo $$ > "$0/runtime/cgroup.procs" && h="$1" && shift && exec nsenter -t "$h" -n -m -- "$@"' \
    "$(tracking_cgroup)" "$(holder)" "$@" >"$state/logs/$name.log" 2>&1 </dev/null &
  echo $! > "$node/pids/$name"
}

# run_in_node <command...>: a command in the node's namespaces, in the foreground.
run_in_node() { nsenter -t "$(holder)" -n -m -- "$@"; }

net() {
  for tool in nsenter unshare ip socat iptables ipset; do
    command -v "$tool" >/dev/null || { log "$tool is missing: run scripts/ensure-system-packages.sh"; exit 1; }
  done
  if ip -o addr show | grep -q " 10\.209\.$octet\."; then
    log "10.209.$octet.0/30 is already in use on this host (another real node?); stop it first: scripts/cluster.sh down"
    exit 1
  fi
  mkdir -p "$node/pids"
  save_host_settings

  local dir
  for dir in $(cgroup_roots); do mkdir -p "$dir"; done
  mkdir -p "$(tracking_cgroup)/runtime"

  # The holder keeps the namespaces alive; /run, /var/log and /var/lib inside are the node's own, so
  # the paths containerd, the kubelet and CNI hard-code (shim sockets, pod logs, the kubelet's
  # device-plugin socket and certificate, CNI's result cache) stay off the host.
  mkdir -p "$node/log" "$node/run" "$node/var-lib"
  setsid sh -c 'echo $$ > "$0/runtime/cgroup.procs" && exec unshare --net --mount --propagation private sleep infinity' \
    "$(tracking_cgroup)" </dev/null >/dev/null 2>&1 &
  echo $! > "$node/pids/holder"
  wait_for holder 10 holder_unshared
  run_in_node sh -c "mount --bind '$node/run' /run && mount --bind '$node/log' /var/log && mount --bind '$node/var-lib' /var/lib"
  run_in_node ip link set lo up
  # The local cluster's volumes (cluster/local/storage.yaml) are host paths under /var/local: on the
  # node they are folders of its own, writable by the stores' users as a provisioner would make them.
  mkdir -p "$node/volumes"
  grep -o '/var/local/[a-z0-9-]*' "$repo/cluster/local/storage.yaml" | while read -r path; do
    mkdir -p "$node/volumes/${path#/var/local/}" && chmod 0777 "$node/volumes/${path#/var/local/}"
  done
  run_in_node mount --bind "$node/volumes" /var/local

  ip link add "$host_link" type veth peer name eth0 netns "$(holder)"
  ip addr add "$host_ip/30" dev "$host_link"
  ip link set "$host_link" up
  run_in_node ip addr add "$node_ip/30" dev eth0
  run_in_node ip link set eth0 up
  # Pods may reach the node (the relay to the API server, DNS) but not the host's end of the link.
  run_in_node iptables -t raw -A PREROUTING -i cni0 -d "$host_ip" -j DROP
  echo "$node_ip"
}

write_configs() {
  local api_port="$1" token="$2" proxy_token="$3" router_token="$4"
  mkdir -p "$node/cni/net.d" "$node/cni/ipam" "$node/containerd" "$node/kubelet"
  for who in kubelet kube-proxy kube-router; do
    local t="$token"
    [ "$who" = kube-proxy ] && t="$proxy_token"
    [ "$who" = kube-router ] && t="$router_token"
    cat > "$node/$who.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:$api_port", certificate-authority: "$state/pki/apiserver.crt"}
users:
- name: $who
  user: {token: "$t"}
contexts:
- name: local
  context: {cluster: local, user: $who}
current-context: local
EOF
    chmod 600 "$node/$who.kubeconfig"
  done

  cat > "$node/containerd.toml" <<EOF
version = 3
root = "$node/containerd/root"
state = "/run/containerd"
[grpc]
  address = "/run/containerd/containerd.sock"
[plugins.'io.containerd.internal.v1.opt']
  # Its default, /opt/containerd, is on the host.
  path = "$node/opt"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "localhost/mcp-platform/pause:3.10.1"
[plugins.'io.containerd.cri.v1.runtime']
  # The pause container asks for oom_score_adj -998, which needs CAP_SYS_RESOURCE; where the host's
  # bounding set lacks it (some sandboxes), an unrestricted request fails the pod.
  restrict_oom_score_adj = true
  enable_cdi = false
  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
    BinaryName = "$bin/runc"
    SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["$bin"]
    conf_dir = "$node/cni/net.d"
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
EOF

  cat > "$node/cni/net.d/10-pods.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "mcp-pods",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "dataDir": "$node/cni/ipam",
               "routes": [{"dst": "0.0.0.0/0"}]}
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF

  # No nameserver: names outside the cluster do not resolve (nothing leaves the machine).
  : > "$node/resolv.conf"
  cat > "$node/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
cgroupDriver: cgroupfs
# Every pod's cgroup below the node's own, so down finds and removes them all.
cgroupRoot: /$cgroup_name
failSwapOn: false
clusterDNS: [$CLUSTER_DNS]
clusterDomain: cluster.local
resolvConf: $node/resolv.conf
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  # Only the API server holds a certificate from this CA.
  x509: {clientCAFile: $state/pki/kubelet-ca.crt}
authorization: {mode: AlwaysAllow}
serializeImagePulls: false
# Images are imported, never pulled: garbage-collecting them would lose them for good.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%}
EOF
}

import_images() {
  local archive started=$SECONDS
  shopt -s nullglob
  local archives=("$images"/*.oci.tar)
  for archive in "${archives[@]}"; do
    run_in_node "$bin/ctr" --address /run/containerd/containerd.sock -n k8s.io images import \
      --all-platforms --no-unpack "$archive" >/dev/null
  done
  log "imported ${#archives[@]} images from $images in $((SECONDS - started))s"
}

up() {
  bin="$(cat "$state/bin")"
  local api_port; api_port="$(grep -o 'https://127.0.0.1:[0-9]*' "$state/kubeconfig" | cut -d: -f3)"
  [ -f "$images/pause.oci.tar" ] && [ -f "$images/coredns.oci.tar" ] || {
    log "building the images the node itself runs (pause, CoreDNS)"
    (cd "$repo" && node_modules/.bin/tsx images/cli.ts --out "$images" pause coredns) >&2
  }
  write_configs "$api_port" "$(cat "$state/pki/node.token")" "$(cat "$state/pki/kube-proxy.token")" \
    "$(cat "$state/pki/kube-router.token")"

  start_relays "$api_port"
  log "starting containerd"
  in_node containerd "$bin/containerd" --config "$node/containerd.toml"
  wait_for containerd 30 run_in_node "$bin/ctr" --address /run/containerd/containerd.sock version
  import_images

  log "starting the kubelet, kube-proxy and kube-router ($NODE_NAME, $node_ip)"
  in_node kubelet "$bin/kubelet" --config "$node/kubelet.yaml" --kubeconfig "$node/kubelet.kubeconfig" \
    --root-dir "$node/kubelet" --hostname-override "$NODE_NAME" --node-ip "$node_ip" \
    --node-labels "type=real,topology.kubernetes.io/zone=local-real"
  in_node kube-proxy "$bin/kube-proxy" --kubeconfig "$node/kube-proxy.kubeconfig" --hostname-override "$NODE_NAME" \
    --proxy-mode iptables --cluster-cidr 10.244.0.0/16 --metrics-bind-address 127.0.0.1:10249 \
    --healthz-bind-address 127.0.0.1:10256 --conntrack-max-per-core 0 \
    --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0
  in_node kube-router "$bin/kube-router" --kubeconfig "$node/kube-router.kubeconfig" --hostname-override "$NODE_NAME" \
    --run-firewall=true --run-router=false --run-service-proxy=false --metrics-port 0 --health-port 0
  local kubectl_=("$bin/kubectl" --kubeconfig "$state/kubeconfig")
  wait_for kubelet 90 "${kubectl_[@]}" wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
  "${kubectl_[@]}" apply -f "$repo/cluster/node/" >/dev/null
  wait_for kubelet 90 "${kubectl_[@]}" -n kube-system rollout status deployment/coredns --timeout=5s
  log "ready: $NODE_NAME ($node_ip) runs pods for real"
}

start_relays() {
  local api_port="$1"
  start_host relay-host socat "UNIX-LISTEN:$node/api.sock,fork,unlink-early,mode=600" "TCP:127.0.0.1:$api_port"
  in_node relay-node socat "TCP-LISTEN:$api_port,fork,reuseaddr" "UNIX-CONNECT:$node/api.sock"
}

# A process on the host that the node needs (the relay's host end), tracked with the node's.
start_host() {
  local name="$1"; shift
  setsid sh -c 'echo $$ > "$0/runtime/cgroup.procs" && exec "$@"' "$(tracking_cgroup)" "$@" \
    >"$state/logs/$name.log" 2>&1 </dev/null &
  echo $! > "$node/pids/$name"
}

down() {
  [ -d "$node" ] || return 0
  # Stop the kubelet first so it does not restart containers while they are stopped; then
  # everything the node runs (shims and containers included) by its tracking cgroup.
  [ -f "$node/pids/kubelet" ] && kill -TERM "$(cat "$node/pids/kubelet")" 2>/dev/null || true
  local pids round
  for round in $(seq 1 40); do
    pids="$(node_pids)"
    [ -z "$pids" ] && break
    # shellcheck disable=SC2086
    if [ "$round" -le 8 ]; then kill -TERM $pids 2>/dev/null || true; else kill -KILL $pids 2>/dev/null || true; fi
    sleep 0.25
  done
  [ -z "$(node_pids)" ] || log "processes still in $(tracking_cgroup): $(node_pids | tr '\n' ' ')"
  # Deepest first: a cgroup is removed only once its children are.
  local dir
  for dir in $(cgroup_roots); do
    [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [ -d "$dir" ] && log "could not remove cgroup $dir"
  done
  ip link del "$host_link" 2>/dev/null || true
  restore_host_settings
  rm -rf "$node"
}

# Registers this node; the first of the running nodes saves the host's settings as they are.
save_host_settings() {
  mkdir -p "$host_state/nodes"
  (
    flock 9
    forget_stopped_nodes
    if [ -z "$(ls -A "$host_state/nodes")" ]; then
      for key in "${HOST_SYSCTLS[@]}"; do
        value="$(sysctl -n "$key" 2>/dev/null)" && printf '%s\t%s\n' "$key" "$value"
      done > "$host_state/sysctls"
    fi
    echo "$node" > "$host_state/nodes/$id"
  ) 9>"$host_state/lock"
}

# Unregisters this node; the last one to stop puts the saved settings back.
restore_host_settings() {
  [ -d "$host_state/nodes" ] || return 0
  (
    flock 9
    rm -f "$host_state/nodes/$id"
    forget_stopped_nodes
    if [ -z "$(ls -A "$host_state/nodes")" ] && [ -f "$host_state/sysctls" ]; then
      local key value
      while IFS=$'\t' read -r key value; do
        [ "$(sysctl -n "$key" 2>/dev/null)" = "$value" ] || sysctl -qw "$key=$value" >/dev/null || log "could not restore $key"
      done < "$host_state/sysctls"
      rm -f "$host_state/sysctls"
    fi
  ) 9>"$host_state/lock"
}

# A registered node whose cluster folder is gone has stopped (or was deleted by hand).
forget_stopped_nodes() {
  local entry
  for entry in "$host_state"/nodes/*; do
    [ -e "$entry" ] && [ ! -d "$(cat "$entry")" ] && rm -f "$entry"
  done
  return 0
}

case "${1:-}" in
  net) net ;;
  up) up ;;
  down) down ;;
  *) echo "usage: $0 net|up|down" >&2; exit 64 ;;
esac

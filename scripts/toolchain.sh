#!/usr/bin/env bash
# Builds the local toolchain from the pinned Go modules in toolchain/ and caches it outside the
# repository, keyed by the modules' go.mod/go.sum, the pinned versions and the Go version. A
# second run with nothing changed reuses the cache and returns at once. To force a rebuild,
# delete the cache directory.
#
#   scripts/toolchain.sh cluster   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok,
#                                  and the cert-manager and Prometheus operator CRDs (in ../crds beside bin)
#   scripts/toolchain.sh pulumi    the Pulumi CLI
#   scripts/toolchain.sh promtool  Prometheus' promtool, which checks and unit-tests the alert rules
#   scripts/toolchain.sh images    what the images are made of and run with: crane (assembles and publishes
#                                  them), runc (runs them), postgres_exporter, CoreDNS and Kubernetes' pause
#   scripts/toolchain.sh node      a real node's parts: the kubelet and kube-proxy, containerd (with ctr and
#                                  the runc shim), the CNI plugins and kube-router (`cluster.sh up --real`)
#   scripts/toolchain.sh s3        the Versity S3 gateway, an S3-compatible server the tests use as a team's shared
#                                  state backend (conditional writes included)
#   scripts/toolchain.sh all       all of the above (default)
#   scripts/toolchain.sh pulumi-compat
#                                  a second, newer Pulumi CLI (bin/compat/pulumi) that the end-to-end suite runs
#                                  mcp-ops with, beside the pinned one; not part of "all"
#
# Progress goes to stderr; the bin directory is the only thing printed on stdout.
# Cache root: $MCP_TOOLCHAIN_CACHE (default ~/.cache/mcp-platform/toolchain).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
what="${1:-all}"
cache_root="${MCP_TOOLCHAIN_CACHE:-$HOME/.cache/mcp-platform/toolchain}"

PULUMI_VERSION=v3.259.0
# The newer CLI the end-to-end suite also runs mcp-ops with (toolchain/pulumi-compat pins it).
PULUMI_COMPAT_VERSION=v3.274.1
KUBE_VERSION=v1.34.4
KWOK_VERSION=v0.8.0
# The Prometheus release of the module github.com/prometheus/prometheus v0.310.0 (pinned in toolchain/promtool).
PROMETHEUS_VERSION=3.10.0
# Releases of the modules pinned in toolchain/crane, toolchain/runc and toolchain/postgres-exporter.
CRANE_VERSION=v0.22.1
RUNC_VERSION=1.3.7
POSTGRES_EXPORTER_VERSION=0.17.1
# The pause image's version, as Kubernetes' own build/pause/Makefile of the pinned release sets it.
PAUSE_VERSION=3.10.1
# Releases of the modules pinned in toolchain/containerd, toolchain/cni, toolchain/kube-router, toolchain/coredns.
CONTAINERD_VERSION=v2.2.9
CNI_PLUGINS_VERSION=v1.9.1
KUBE_ROUTER_VERSION=v2.1.0
# The release of the module pinned in toolchain/versitygw.
VERSITYGW_VERSION=v1.8.0

# Go may be installed without being on PATH (the usual /usr/local/go layout).
command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 || {
  echo "toolchain: Go 1.26 is required to build the local toolchain; install it at /usr/local/go" >&2
  exit 1
}

key="$(cat "$repo"/toolchain/*/go.mod "$repo"/toolchain/*/go.sum |
  { cat; echo "$PULUMI_VERSION $KUBE_VERSION $KWOK_VERSION"; go version; } | sha256sum | cut -c1-16)"
bin="$cache_root/$key/bin"
mkdir -p "$bin"

step=0
total=0
case "$what" in
  cluster) total=5 ;;
  pulumi) total=1 ;;
  pulumi-compat) total=1 ;;
  promtool) total=1 ;;
  images) total=5 ;;
  node) total=4 ;;
  s3) total=1 ;;
  all) total=17 ;;
  *) echo "usage: $0 [cluster|pulumi|promtool|images|node|s3|all|pulumi-compat]" >&2; exit 64 ;;
esac

# A module's binaries are stored under a key of that module alone (its go.mod and go.sum, the pinned
# versions and Go), so adding or changing one module rebuilds only that module.
module_key() {
  cat "$repo/toolchain/$1/go.mod" "$repo/toolchain/$1/go.sum" |
    { cat; echo "$PULUMI_VERSION $KUBE_VERSION $KWOK_VERSION"; go version; } | sha256sum | cut -c1-16
}

# build <label> <module dir> <output names...> -- <go build args...>; "@OUT@" in the args is the store.
build() {
  local label="$1" dir="$2"; shift 2
  local outputs=()
  while [ "$1" != "--" ]; do outputs+=("$1"); shift; done
  shift
  step=$((step + 1))
  local store; store="$cache_root/modules/$dir-$(module_key "$dir")"
  local missing=0 o
  for o in "${outputs[@]}"; do [ -x "$store/$o" ] || missing=1; done
  if [ "$missing" -eq 0 ]; then
    [ -n "${MCP_TOOLCHAIN_QUIET:-}" ] || echo "[$step/$total] $label: cached" >&2
  else
    echo "[$step/$total] $label: building (first time only; a few minutes on 2 cores) ..." >&2
    local started=$SECONDS args=("${@//@OUT@/$store}")
    mkdir -p "$store"
    (cd "$repo/toolchain/$dir" && GOFLAGS=-mod=mod go build -trimpath "${args[@]}") >&2
    echo "[$step/$total] $label: built in $((SECONDS - started))s" >&2
  fi
  local dest="${BUILD_DEST:-$bin}"
  for o in "${outputs[@]}"; do ln -f "$store/$o" "$dest/$o" 2>/dev/null || cp -f "$store/$o" "$dest/$o"; done
}

kube_version=k8s.io/component-base/version
kube_ldflags="-s -w -X $kube_version.gitVersion=$KUBE_VERSION -X $kube_version.gitMajor=1 -X $kube_version.gitMinor=34"
kube_ldflags+=" -X $kube_version.gitTreeState=clean -X $kube_version.buildDate=1970-01-01T00:00:00Z"
kube_ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION"

if [ "$what" = cluster ] || [ "$what" = all ]; then
  build "etcd" etcd etcd -- -ldflags "-s -w" -o "@OUT@/etcd" go.etcd.io/etcd/server/v3
  build "Kubernetes $KUBE_VERSION control plane and kubectl" kube kube-apiserver kube-controller-manager kube-scheduler kubectl -- \
    -ldflags "$kube_ldflags" -o "@OUT@/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  build "kwok $KWOK_VERSION" kwok kwok -- \
    -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" -o "@OUT@/kwok" sigs.k8s.io/kwok/cmd/kwok
  step=$((step + 1))
  # kwok's simulation stages ship inside its pinned module; assemble them into one config.
  stages="$cache_root/$key/kwok-stages.yaml"
  if [ ! -s "$stages" ]; then
    src="$(cd "$repo/toolchain/kwok" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage"
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
      pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      echo "---"; cat "$src/$f"
    done > "$stages.tmp"
    mv "$stages.tmp" "$stages"
  fi
  echo "[$step/$total] kwok stages: $stages" >&2

  # The cert-manager and Prometheus operator CRDs, generated from their own Go API types by their own
  # generator (controller-gen), so the API server validates Certificates and PrometheusRules for real.
  step=$((step + 1))
  crd_store="$cache_root/modules/crds-$(module_key crds)"
  if [ ! -f "$crd_store/.complete" ]; then
    echo "[$step/$total] CRDs from the cert-manager and Prometheus operator API types: generating (first time only) ..." >&2
    started=$SECONDS
    rm -rf "$crd_store.partial" && mkdir -p "$crd_store.partial"
    (cd "$repo/toolchain/crds" && go tool controller-gen crd \
      paths=github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1 \
      paths=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1 \
      output:crd:dir="$crd_store.partial") >&2
    rm -rf "$crd_store" && mkdir -p "$crd_store"
    for kind in cert-manager.io_certificates cert-manager.io_certificaterequests cert-manager.io_issuers cert-manager.io_clusterissuers \
      monitoring.coreos.com_prometheusrules monitoring.coreos.com_servicemonitors; do
      mv "$crd_store.partial/$kind.yaml" "$crd_store/"
    done
    rm -rf "$crd_store.partial" && touch "$crd_store/.complete"
    echo "[$step/$total] CRDs: generated in $((SECONDS - started))s" >&2
  elif [ -z "${MCP_TOOLCHAIN_QUIET:-}" ]; then
    echo "[$step/$total] CRDs: cached" >&2
  fi
  rm -rf "$cache_root/$key/crds" && mkdir -p "$cache_root/$key/crds"
  ln -f "$crd_store"/*.yaml "$cache_root/$key/crds/"
fi

if [ "$what" = promtool ] || [ "$what" = all ]; then
  # Prometheus' own rule checker and rule unit-test runner, for the platform's alert rules.
  build "promtool $PROMETHEUS_VERSION" promtool promtool -- \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=$PROMETHEUS_VERSION" -o "@OUT@/promtool" \
    github.com/prometheus/prometheus/cmd/promtool
fi

if [ "$what" = images ] || [ "$what" = all ]; then
  build "crane $CRANE_VERSION" crane crane -- \
    -ldflags "-s -w -X github.com/google/go-containerregistry/cmd/crane/cmd.Version=$CRANE_VERSION" -o "@OUT@/crane" \
    github.com/google/go-containerregistry/cmd/crane
  # seccomp needs cgo and Debian's libseccomp-dev (scripts/ensure-system-packages.sh installs it).
  CGO_ENABLED=1 build "runc $RUNC_VERSION" runc runc -- -tags seccomp \
    -ldflags "-s -w -X main.version=$RUNC_VERSION" -o "@OUT@/runc" github.com/opencontainers/runc
  # Static, so the exporter's image needs no C library.
  CGO_ENABLED=0 build "postgres_exporter $POSTGRES_EXPORTER_VERSION" postgres-exporter postgres_exporter -- \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=$POSTGRES_EXPORTER_VERSION" -o "@OUT@/postgres_exporter" \
    github.com/prometheus-community/postgres_exporter/cmd/postgres_exporter
  # The real node's cluster DNS; its version is a constant of its module (toolchain/coredns pins the release).
  CGO_ENABLED=0 build "CoreDNS" coredns coredns -- -ldflags "-s -w" -o "@OUT@/coredns" github.com/coredns/coredns
  # Kubernetes' own pause.c, from the pinned k8s.io/kubernetes module, compiled as its Makefile does.
  step=$((step + 1))
  pause_store="$cache_root/modules/pause-$(module_key kube)"
  if [ ! -x "$pause_store/pause" ]; then
    pause_src="$(cd "$repo/toolchain/kube" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c"
    mkdir -p "$pause_store"
    gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION-$KUBE_VERSION" -o "$pause_store/pause.partial" "$pause_src"
    mv "$pause_store/pause.partial" "$pause_store/pause"
    echo "[$step/$total] pause $PAUSE_VERSION: compiled" >&2
  elif [ -z "${MCP_TOOLCHAIN_QUIET:-}" ]; then
    echo "[$step/$total] pause $PAUSE_VERSION: cached" >&2
  fi
  ln -f "$pause_store/pause" "$bin/pause" 2>/dev/null || cp -f "$pause_store/pause" "$bin/pause"
fi

if [ "$what" = node ] || [ "$what" = all ]; then
  build "Kubernetes $KUBE_VERSION kubelet and kube-proxy" kubelet kubelet kube-proxy -- \
    -ldflags "$kube_ldflags" -o "@OUT@/" k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
  # no_btrfs: the btrfs snapshotter is the only part that needs C headers.
  CGO_ENABLED=0 build "containerd $CONTAINERD_VERSION" containerd containerd ctr containerd-shim-runc-v2 -- -tags no_btrfs \
    -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" -o "@OUT@/" \
    github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/ctr \
    github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2
  CGO_ENABLED=0 build "CNI plugins $CNI_PLUGINS_VERSION" cni bridge host-local loopback portmap -- \
    -ldflags "-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$CNI_PLUGINS_VERSION" -o "@OUT@/" \
    github.com/containernetworking/plugins/plugins/main/bridge github.com/containernetworking/plugins/plugins/ipam/host-local \
    github.com/containernetworking/plugins/plugins/main/loopback github.com/containernetworking/plugins/plugins/meta/portmap
  CGO_ENABLED=0 build "kube-router $KUBE_ROUTER_VERSION" kube-router kube-router -- \
    -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION" -o "@OUT@/kube-router" \
    github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
fi

if [ "$what" = s3 ] || [ "$what" = all ]; then
  CGO_ENABLED=0 build "Versity S3 gateway $VERSITYGW_VERSION" versitygw versitygw -- \
    -ldflags "-s -w -X main.Version=$VERSITYGW_VERSION" -o "@OUT@/versitygw" github.com/versity/versitygw/cmd/versitygw
fi

if [ "$what" = pulumi ] || [ "$what" = all ]; then
  # A Pulumi CLI installed the usual way is used when it is the pinned version; one is built only when none is.
  installed="$(command -v pulumi 2>/dev/null || true)"
  if [ -n "$installed" ] && [ "$(readlink -f "$installed")" != "$(readlink -f "$bin/pulumi" 2>/dev/null)" ] \
    && [ "$("$installed" version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
    step=$((step + 1))
    ln -sf "$installed" "$bin/pulumi"
    [ -n "${MCP_TOOLCHAIN_QUIET:-}" ] || echo "[$step/$total] Pulumi CLI $PULUMI_VERSION: $installed" >&2
  else
    build "Pulumi CLI $PULUMI_VERSION" pulumi pulumi -- \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" -o "@OUT@/pulumi" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  fi
  # Without a Node.js language host the engine starts policy packs through this analyzer; it runs
  # @pulumi/pulumi's policy-pack runner with the Node.js found on PATH (the project's own, under npm).
  cat > "$bin/pulumi-analyzer-policy-nodejs" <<'SHIM'
#!/bin/sh
runner="$(node -e 'console.log(require.resolve("@pulumi/pulumi/cmd/run-policy-pack"))')" || exit 1
exec node "$runner" "$@"
SHIM
  chmod +x "$bin/pulumi-analyzer-policy-nodejs"
fi

if [ "$what" = pulumi-compat ]; then
  # In a folder of its own: a CLI looks for the plugins that come with it beside itself.
  mkdir -p "$bin/compat"
  BUILD_DEST="$bin/compat" build "Pulumi CLI $PULUMI_COMPAT_VERSION (compatibility)" pulumi-compat pulumi -- \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_COMPAT_VERSION" -o "@OUT@/pulumi" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  echo "$bin/compat"
  exit 0
fi

echo "$bin"

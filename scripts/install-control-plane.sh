#!/usr/bin/env bash
# Makes the control plane available to the harness (src/control-plane/): etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl (same minor as the apiserver) and kwok (fake
# Nodes whose Pods it marks Running and Ready).
#
# Contract: prints the folder holding the binaries as its last line of stdout; progress goes to
# stderr. Order of preference:
#   1. $KUBEBUILDER_ASSETS, envtest's convention, when it holds every binary above;
#   2. the per-machine cache, ${XDG_CACHE_HOME:-$HOME/.cache}/shipshape/control-plane/<key>/bin;
#   3. a build into that cache with the machine's Go (>= the toolchain the release names) from the
#      Go module proxy: Kubernetes' commands in a small module that requires k8s.io/kubernetes
#      and replaces each k8s.io/<staging> module with its v0.<minor>.<patch> release (the
#      kubernetes go.mod's own replaces point into its tree and are ignored in a dependency), etcd
#      from go.etcd.io/etcd/server/v3 around etcdmain, kwok with `go install`.
# The Go module and build caches live under the same per-machine cache, so a rebuild (a new
# version) reuses what it can and a second run returns in well under a second.
#
# SHIPSHAPE_KUBERNETES_VERSION picks another release (e.g. 1.34.6); it is built the same way and
# cached under its own key. src/control-plane/assets.ts derives the same key from the same file.
set -euo pipefail

# KUBERNETES_VERSION, ETCD_VERSION, KWOK_VERSION: the one place they are set.
# shellcheck source=control-plane.versions
. "$(dirname "$0")/control-plane.versions"
# go_build_start, go_build_kubernetes.
# shellcheck source=lib/go-build.sh
. "$(dirname "$0")/lib/go-build.sh"

K8S_VERSION="${SHIPSHAPE_KUBERNETES_VERSION:-$KUBERNETES_VERSION}"
K8S_VERSION="${K8S_VERSION#v}"
KEY="k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/shipshape/control-plane"
BIN="$CACHE_ROOT/$KEY/bin"
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)

log() { printf '[control-plane] %s\n' "$*" >&2; }

has_all() {
  local b
  for b in "${BINARIES[@]}"; do [ -x "$1/$b" ] || return 1; done
  [ -f "$1/kwok-stages.yaml" ]
}

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if has_all "$KUBEBUILDER_ASSETS"; then
    log "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
    echo "$KUBEBUILDER_ASSETS"
    exit 0
  fi
  log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks one of ${BINARIES[*]}; using the cache instead"
fi

if has_all "$BIN"; then
  log "cached in $BIN"
  echo "$BIN"
  exit 0
fi

go_build_start "$CACHE_ROOT" "$CACHE_ROOT/go" "Kubernetes $K8S_VERSION is built from source"
mkdir -p "$BIN"

log "building Kubernetes $K8S_VERSION, etcd $ETCD_VERSION and kwok $KWOK_VERSION with $("$GO" version)"
log "(the first build takes about 10 minutes on 2 cores; once per machine and version)"

# --- Kubernetes ---------------------------------------------------------------------------------
go_build_kubernetes "$WORK/kubernetes" shipshape.dev/control-plane-build "$K8S_VERSION" "$WORK/out" \
  "downloading modules" "compiling kube-apiserver, kube-controller-manager, kube-scheduler and kubectl" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl

# --- etcd ---------------------------------------------------------------------------------------
emod="$WORK/etcd"
mkdir -p "$emod"
(
  cd "$emod"
  "$GO" mod init shipshape.dev/etcd-build >/dev/null 2>&1
  cat >main.go <<'EOF'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  "$GO" mod edit -require="go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  "$GO" mod tidy >&2
  log "compiling etcd"
  "$GO" build -trimpath -ldflags "-s -w" -o "$WORK/out/etcd" . >&2
)

# --- kwok ---------------------------------------------------------------------------------------
log "compiling kwok"
GOBIN="$WORK/out" "$GO" install -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION" \
  "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION" >&2

# kwok runs nothing without Stages; these are its "fast" set (nodes Ready at once with a Lease
# heartbeat, pods Running and Ready, deleted pods removed), taken from the same module.
stages="$GOMODCACHE/sigs.k8s.io/kwok@v$KWOK_VERSION/kustomize/stage"
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
  pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  printf -- '---\n' >>"$WORK/out/kwok-stages.yaml"
  cat "$stages/$f" >>"$WORK/out/kwok-stages.yaml"
done
for b in "${BINARIES[@]}"; do install -m 0755 "$WORK/out/$b" "$BIN/$b"; done
install -m 0644 "$WORK/out/kwok-stages.yaml" "$BIN/kwok-stages.yaml"
log "built in $((SECONDS - BUILD_START)) s: $("$BIN/kube-apiserver" --version), $("$BIN/etcd" --version | head -n1)"
has_all "$BIN" || { log "missing binaries in $BIN"; exit 1; }
echo "$BIN"

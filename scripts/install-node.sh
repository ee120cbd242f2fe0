#!/usr/bin/env bash
# Makes a real node available to the harness (src/control-plane/real-node.ts): the kubelet, containerd
# (with ctr and containerd-shim-runc-v2), runc, the CNI plugins bridge, host-local, loopback and
# portmap, and a pause image (the sandbox every Pod starts with) as an OCI archive for
# `ctr images import`, since no registry is reachable here.
#
# Contract: prints the node's folder as its last line of stdout; progress goes to stderr. The folder,
# ${XDG_CACHE_HOME:-$HOME/.cache}/shipshape/node/<key>/, holds bin/ (kubelet, containerd,
# containerd-shim-runc-v2, ctr, runc), cni/ (the plugins), pause.tar and pause.ref (the image's
# name). src/control-plane/node-assets.ts derives the same key from the same files.
#
# Built with the machine's Go from the Go module proxy, sharing the control plane's module and build
# caches (scripts/install-control-plane.sh): the kubelet compiles in the same kind of module as
# kube-apiserver, so most of its packages are already built. containerd and the CNI plugins are
# static (CGO_ENABLED=0); runc needs cgo and Debian's libseccomp-dev for its seccomp filters; the
# pause binary is the kubernetes module's build/pause/linux/pause.c, built static with gcc. Debian
# packages it needs (libseccomp-dev, iptables, gcc, pkg-config) are installed with apt when missing.
# A second run returns in well under a second.
set -euo pipefail

# shellcheck source=control-plane.versions
. "$(dirname "$0")/control-plane.versions"
# CONTAINERD_VERSION, RUNC_VERSION, CNI_PLUGINS_VERSION.
# shellcheck source=node.versions
. "$(dirname "$0")/node.versions"

K8S_VERSION="${SHIPSHAPE_KUBERNETES_VERSION:-$KUBERNETES_VERSION}"
K8S_VERSION="${K8S_VERSION#v}"
KEY="k8s-$K8S_VERSION-containerd-$CONTAINERD_VERSION-runc-$RUNC_VERSION-cni-$CNI_PLUGINS_VERSION"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/shipshape"
OUT="$CACHE_ROOT/node/$KEY"
GO_CACHES="$CACHE_ROOT/control-plane/go"
BINARIES=(bin/kubelet bin/containerd bin/containerd-shim-runc-v2 bin/ctr bin/runc
  cni/bridge cni/host-local cni/loopback cni/portmap)

log() { printf '[node] %s\n' "$*" >&2; }

has_all() {
  local b
  for b in "${BINARIES[@]}"; do [ -x "$OUT/$b" ] || return 1; done
  [ -f "$OUT/pause.tar" ] && [ -f "$OUT/pause.ref" ]
}

if has_all; then
  log "cached in $OUT"
  echo "$OUT"
  exit 0
fi

# --- Debian packages ----------------------------------------------------------------------------
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
missing=()
for pkg in libseccomp-dev iptables gcc libc6-dev pkg-config iproute2 util-linux; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} (apt)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

GO="${GO:-$(command -v go || true)}"
[ -n "$GO" ] || [ ! -x /usr/local/go/bin/go ] || GO=/usr/local/go/bin/go
[ -n "$GO" ] || {
  log "no Go toolchain found (set GO=/path/to/go); the node is built from source"
  exit 1
}

mkdir -p "$CACHE_ROOT/node"
WORK="$(mktemp -d "$CACHE_ROOT/node/build.XXXXXX")"
ticker=""
cleanup() {
  [ -z "$ticker" ] || kill "$ticker" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export GOMODCACHE="$GO_CACHES/mod" GOCACHE="$GO_CACHES/build" GOPATH="$GO_CACHES/path"
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off
start=$SECONDS
# Progress: a line a minute on stderr, so CI logs show the build is alive.
(while sleep 60; do log "still building ($((SECONDS - start)) s)"; done) &
ticker=$!
mkdir -p "$WORK/out/bin" "$WORK/out/cni"

log "building kubelet $K8S_VERSION, containerd $CONTAINERD_VERSION, runc $RUNC_VERSION and CNI plugins" \
  "$CNI_PLUGINS_VERSION with $("$GO" version)"

# --- kubelet: the module kube-apiserver is built in (install-control-plane.sh) ------------------
minor="${K8S_VERSION#*.}"
mod="$WORK/kubernetes"
mkdir -p "$mod"
(
  cd "$mod"
  "$GO" mod init shipshape.dev/node-build >/dev/null 2>&1
  log "resolving k8s.io/kubernetes v$K8S_VERSION"
  kmod="$("$GO" mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -nE 's/^[[:space:]]*"GoMod": "(.*)",?$/\1/p')"
  [ -f "$kmod" ] || { log "k8s.io/kubernetes v$K8S_VERSION is not served by the module proxy"; exit 1; }
  staging="$(sed -nE 's#^[[:space:]]*(k8s\.io/[A-Za-z0-9._-]+) => \./staging/.*#\1#p' "$kmod")"
  [ -n "$staging" ] || { log "no staging replaces found in $kmod"; exit 1; }
  args=()
  for m in $staging; do args+=("-replace=$m=$m@v0.$minor"); done
  "$GO" mod edit -require="k8s.io/kubernetes@v$K8S_VERSION" "${args[@]}"
  cat >tools.go <<'EOF'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kubelet"
EOF
  log "downloading the kubelet's modules"
  "$GO" mod tidy -e >&2 2>/dev/null || "$GO" mod tidy >&2
  # The version the kubelet reports to the apiserver (the Node's kubeletVersion).
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=${K8S_VERSION%%.*}"
    ldflags="$ldflags -X $pkg.gitMinor=${minor%%.*} -X $pkg.gitTreeState=clean"
    ldflags="$ldflags -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  log "compiling the kubelet"
  "$GO" build -trimpath -ldflags "$ldflags" -o "$WORK/out/bin/kubelet" k8s.io/kubernetes/cmd/kubelet >&2
  # The pause container's source, from the same module.
  kdir="$GOMODCACHE/k8s.io/kubernetes@v$K8S_VERSION"
  cp "$kdir/build/pause/linux/pause.c" "$WORK/pause.c"
  sed -nE 's/^TAG \?= (.*)$/\1/p' "$kdir/build/pause/Makefile" >"$WORK/pause.tag"
)

# --- containerd, ctr and the runc shim ----------------------------------------------------------
log "compiling containerd, ctr and containerd-shim-runc-v2"
ctrd=github.com/containerd/containerd/v2
GOBIN="$WORK/out/bin" "$GO" install -trimpath -tags "no_btrfs no_devmapper no_zfs no_systemd" \
  -ldflags "-s -w -X $ctrd/version.Version=v$CONTAINERD_VERSION -X $ctrd/version.Package=$ctrd" \
  "$ctrd/cmd/containerd@v$CONTAINERD_VERSION" "$ctrd/cmd/ctr@v$CONTAINERD_VERSION" \
  "$ctrd/cmd/containerd-shim-runc-v2@v$CONTAINERD_VERSION" >&2

# --- runc: cgo, for libseccomp ------------------------------------------------------------------
log "compiling runc"
CGO_ENABLED=1 GOBIN="$WORK/out/bin" "$GO" install -trimpath -tags seccomp -ldflags "-s -w" \
  "github.com/opencontainers/runc@v$RUNC_VERSION" >&2

# --- CNI plugins --------------------------------------------------------------------------------
log "compiling the CNI plugins bridge, host-local, loopback and portmap"
cni=github.com/containernetworking/plugins
GOBIN="$WORK/out/cni" "$GO" install -trimpath \
  -ldflags "-s -w -X $cni/pkg/utils/buildversion.BuildVersion=v$CNI_PLUGINS_VERSION" \
  "$cni/plugins/main/bridge@v$CNI_PLUGINS_VERSION" "$cni/plugins/ipam/host-local@v$CNI_PLUGINS_VERSION" \
  "$cni/plugins/main/loopback@v$CNI_PLUGINS_VERSION" "$cni/plugins/meta/portmap@v$CNI_PLUGINS_VERSION" >&2

# --- pause: FROM scratch, as an OCI image layout in a tar ---------------------------------------
tag="$(cat "$WORK/pause.tag")"
[ -n "$tag" ] || { log "no pause TAG in the kubernetes module's build/pause/Makefile"; exit 1; }
ref="localhost/shipshape/pause:$tag"
log "building $ref from build/pause/linux/pause.c"
gcc -Os -Wall -Werror -static -DVERSION="v$tag-kubernetes-v$K8S_VERSION" -o "$WORK/pause" "$WORK/pause.c"
strip "$WORK/pause"
oci="$WORK/oci"
mkdir -p "$oci/blobs/sha256" "$WORK/rootfs"
install -m 0755 "$WORK/pause" "$WORK/rootfs/pause"
# Reproducible: same bytes, same digests, on every machine with the same gcc.
tar_flags=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)
tar "${tar_flags[@]}" -C "$WORK/rootfs" -cf "$WORK/layer.tar" pause
blob() { # file media-type -> a descriptor, the file stored as a blob
  local digest size
  digest="$(sha256sum "$1" | cut -d' ' -f1)"
  size="$(stat -c %s "$1")"
  cp "$1" "$oci/blobs/sha256/$digest"
  printf '{"mediaType":"%s","digest":"sha256:%s","size":%s' "$2" "$digest" "$size"
}
layer_digest="$(sha256sum "$WORK/layer.tar" | cut -d' ' -f1)"
printf '%s' '{"architecture":"amd64","os":"linux","config":{"User":"65535:65535","Entrypoint":["/pause"]},' \
  '"rootfs":{"type":"layers","diff_ids":["sha256:'"$layer_digest"'"]}}' >"$WORK/config.json"
{
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":'
  blob "$WORK/config.json" application/vnd.oci.image.config.v1+json
  printf '},"layers":['
  blob "$WORK/layer.tar" application/vnd.oci.image.layer.v1.tar
  printf '}]}'
} >"$WORK/manifest.json"
{
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":['
  blob "$WORK/manifest.json" application/vnd.oci.image.manifest.v1+json
  printf ',"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$ref" "$tag"
} >"$oci/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
tar "${tar_flags[@]}" -C "$oci" -cf "$WORK/out/pause.tar" oci-layout index.json blobs
printf '%s\n' "$ref" >"$WORK/out/pause.ref"

# --- into the cache -----------------------------------------------------------------------------
mkdir -p "$OUT/bin" "$OUT/cni"
for b in "${BINARIES[@]}"; do install -m 0755 "$WORK/out/$b" "$OUT/$b"; done
install -m 0644 "$WORK/out/pause.tar" "$OUT/pause.tar"
install -m 0644 "$WORK/out/pause.ref" "$OUT/pause.ref"
has_all || { log "missing files in $OUT"; exit 1; }
log "built in $((SECONDS - start)) s: kubelet $("$OUT/bin/kubelet" --version | cut -d' ' -f2)," \
  "containerd $("$OUT/bin/containerd" --version | cut -d' ' -f3), $("$OUT/bin/runc" --version | head -n1), $ref"
echo "$OUT"

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
# go_build_start, go_build_kubernetes; oci_image_archive.
# shellcheck source=lib/go-build.sh
. "$(dirname "$0")/lib/go-build.sh"
# shellcheck source=lib/oci-archive.sh
. "$(dirname "$0")/lib/oci-archive.sh"

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

go_build_start "$CACHE_ROOT/node" "$GO_CACHES" "the node is built from source"
mkdir -p "$WORK/out/bin" "$WORK/out/cni"

log "building kubelet $K8S_VERSION, containerd $CONTAINERD_VERSION, runc $RUNC_VERSION and CNI plugins" \
  "$CNI_PLUGINS_VERSION with $("$GO" version)"

# --- kubelet: the module kube-apiserver is built in (install-control-plane.sh) ------------------
go_build_kubernetes "$WORK/kubernetes" shipshape.dev/node-build "$K8S_VERSION" "$WORK/out/bin" \
  "downloading the kubelet's modules" "compiling the kubelet" k8s.io/kubernetes/cmd/kubelet
# The pause container's source, from the same module.
kdir="$GOMODCACHE/k8s.io/kubernetes@v$K8S_VERSION"
cp "$kdir/build/pause/linux/pause.c" "$WORK/pause.c"
sed -nE 's/^TAG \?= (.*)$/\1/p' "$kdir/build/pause/Makefile" >"$WORK/pause.tag"

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
mkdir -p "$WORK/rootfs"
install -m 0755 "$WORK/pause" "$WORK/rootfs/pause"
oci_image_archive "$WORK" '{"User":"65535:65535","Entrypoint":["/pause"]}' "$ref" "$tag" \
  "$WORK/out/pause.tar" pause
printf '%s\n' "$ref" >"$WORK/out/pause.ref"

# --- into the cache -----------------------------------------------------------------------------
mkdir -p "$OUT/bin" "$OUT/cni"
for b in "${BINARIES[@]}"; do install -m 0755 "$WORK/out/$b" "$OUT/$b"; done
install -m 0644 "$WORK/out/pause.tar" "$OUT/pause.tar"
install -m 0644 "$WORK/out/pause.ref" "$OUT/pause.ref"
has_all || { log "missing files in $OUT"; exit 1; }
log "built in $((SECONDS - BUILD_START)) s: kubelet $("$OUT/bin/kubelet" --version | cut -d' ' -f2)," \
  "containerd $("$OUT/bin/containerd" --version | cut -d' ' -f3), $("$OUT/bin/runc" --version | head -n1), $ref"
echo "$OUT"

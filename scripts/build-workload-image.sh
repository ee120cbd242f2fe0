#!/usr/bin/env bash
# Builds the e2e suite's workload image: scripts/workload/http-server.c, compiled static with gcc,
# alone in a layer (FROM scratch), running as UID 65532, written as an OCI archive for
# `ctr images import` (the real node's importImage): WebApps' own Pods run it where no registry is
# reachable. Cached per machine by the source's and this script's hash in
# ${XDG_CACHE_HOME:-~/.cache}/shipshape/workload/<hash>/.
#
# Contract: prints the archive's path, then the image's name (localhost/shipshape/workload:<hash>),
# as its last two lines of stdout; progress goes to stderr. Installs Debian's gcc when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
log() { printf 'build-workload-image: %s\n' "$*" >&2; }

src=scripts/workload/http-server.c
hash=$(cat "$src" "$0" | sha256sum | cut -c1-12)
ref="localhost/shipshape/workload:$hash"
out=${XDG_CACHE_HOME:-$HOME/.cache}/shipshape/workload/$hash
if [ -f "$out/workload.tar" ]; then
  printf '%s\n%s\n' "$out/workload.tar" "$ref"
  exit 0
fi
if ! command -v gcc >/dev/null 2>&1; then
  log "installing gcc (apt)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "building $ref from $src"
mkdir -p "$work/rootfs" "$work/oci/blobs/sha256"
gcc -Os -Wall -Werror -static -o "$work/rootfs/http-server" "$src"
strip "$work/rootfs/http-server"
# Reproducible: same bytes, same digests, on every machine with the same gcc.
tar_flags=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)
tar "${tar_flags[@]}" -C "$work/rootfs" -cf "$work/layer.tar" http-server
blob() { # file media-type -> a descriptor, the file stored as a blob
  local digest size
  digest="$(sha256sum "$1" | cut -d' ' -f1)"
  size="$(stat -c %s "$1")"
  cp "$1" "$work/oci/blobs/sha256/$digest"
  printf '{"mediaType":"%s","digest":"sha256:%s","size":%s' "$2" "$digest" "$size"
}
layer_digest="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
printf '%s' '{"architecture":"amd64","os":"linux","config":{"User":"65532:65532","Entrypoint":["/http-server"],' \
  '"ExposedPorts":{"8080/tcp":{}}},"rootfs":{"type":"layers","diff_ids":["sha256:'"$layer_digest"'"]}}' >"$work/config.json"
{
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":'
  blob "$work/config.json" application/vnd.oci.image.config.v1+json
  printf '},"layers":['
  blob "$work/layer.tar" application/vnd.oci.image.layer.v1.tar
  printf '}]}'
} >"$work/manifest.json"
{
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":['
  blob "$work/manifest.json" application/vnd.oci.image.manifest.v1+json
  printf ',"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$ref" "$hash"
} >"$work/oci/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci/oci-layout"
mkdir -p "$out"
tar "${tar_flags[@]}" -C "$work/oci" -cf "$out/workload.tar.partial" oci-layout index.json blobs
mv "$out/workload.tar.partial" "$out/workload.tar"
log "built $ref ($(stat -c %s "$work/rootfs/http-server") bytes)"
printf '%s\n%s\n' "$out/workload.tar" "$ref"

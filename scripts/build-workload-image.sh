#!/usr/bin/env bash
# Builds the e2e suite's workload image: scripts/workload/http-server.c, compiled static with gcc,
# alone in a layer (FROM scratch), running as UID 65532, written as an OCI archive for
# `ctr images import` (the real node's importImage): WebApps' own Pods run it where no registry is
# reachable. Cached per machine by the hash of the source, this script and the archive's writer
# (scripts/lib/oci-archive.sh) in ${XDG_CACHE_HOME:-~/.cache}/shipshape/workload/<hash>/.
#
# Contract: prints the archive's path, then the image's name (localhost/shipshape/workload:<hash>),
# as its last two lines of stdout; progress goes to stderr. Installs Debian's gcc when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# oci_image_archive.
# shellcheck source=lib/oci-archive.sh
. scripts/lib/oci-archive.sh

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
log() { printf 'build-workload-image: %s\n' "$*" >&2; }

src=scripts/workload/http-server.c
hash=$(cat "$src" "$0" scripts/lib/oci-archive.sh | sha256sum | cut -c1-12)
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
mkdir -p "$work/rootfs"
gcc -Os -Wall -Werror -static -o "$work/rootfs/http-server" "$src"
strip "$work/rootfs/http-server"
mkdir -p "$out"
oci_image_archive "$work" '{"User":"65532:65532","Entrypoint":["/http-server"],"ExposedPorts":{"8080/tcp":{}}}' \
  "$ref" "$hash" "$out/workload.tar" http-server
log "built $ref ($(stat -c %s "$work/rootfs/http-server") bytes)"
printf '%s\n%s\n' "$out/workload.tar" "$ref"

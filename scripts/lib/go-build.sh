# Building Go programs from the Go module proxy into a per-machine cache, the way the install
# scripts do (install-control-plane.sh, install-node.sh). Sourced, not run: the sourcing script
# runs under `set -euo pipefail` and defines `log MESSAGE...`, its progress line on stderr. A
# function that fails logs why and exits the script with 1.
#
# go_build_start WORK_PARENT GO_CACHES NO_GO_REASON
#   Sets GO to the machine's Go: $GO, else `go` on PATH, else /usr/local/go/bin/go; without one it
#   logs "no Go toolchain found (set GO=/path/to/go); NO_GO_REASON" and exits. Sets WORK to a new
#   folder WORK_PARENT/build.XXXXXX (WORK_PARENT made if missing), removed when the script exits.
#   Exports the environment of every build here: the module, build and GOPATH caches in
#   GO_CACHES/mod, build and path (shared across versions, so a rebuild reuses what it can); static
#   binaries (CGO_ENABLED=0; a build that needs cgo sets it on its own command); this toolchain
#   only; go.mod updated as needed; no VCS stamping; no workspace. Sets BUILD_START to $SECONDS
#   and, until the script exits, logs "still building (N s)" once a minute so CI logs show the
#   build is alive. The EXIT trap is this function's: the sourcing script must not set one.
#
# go_build_kubernetes DIR MODULE VERSION OUT DOWNLOADING COMPILING PACKAGE...
#   Builds Kubernetes commands (PACKAGE..., e.g. k8s.io/kubernetes/cmd/kubelet) of release VERSION
#   (e.g. 1.37.2, no leading v) into the folder OUT, named after their packages. They are built in
#   a new module MODULE in DIR that requires k8s.io/kubernetes and replaces each k8s.io/<staging>
#   module the release replaces with ./staging/ by its v0.<minor>.<patch> release: the kubernetes
#   go.mod's own replaces point into its tree and are ignored in a dependency. The binaries
#   report VERSION (kubectl version, /version, the Node's kubeletVersion): the apiserver derives
#   its compatibility version from it, so a v0.0.0 build would misbehave. Logs "resolving
#   k8s.io/kubernetes vVERSION", then DOWNLOADING before it fetches the modules and COMPILING
#   before it compiles. Needs go_build_start first; the release's module source is then at
#   $GOMODCACHE/k8s.io/kubernetes@vVERSION.

go_build_start() {
  local parent="$1" caches="$2" no_go_reason="$3"
  GO="${GO:-$(command -v go || true)}"
  [ -n "$GO" ] || [ ! -x /usr/local/go/bin/go ] || GO=/usr/local/go/bin/go
  [ -n "$GO" ] || {
    log "no Go toolchain found (set GO=/path/to/go); $no_go_reason"
    exit 1
  }
  mkdir -p "$parent"
  WORK="$(mktemp -d "$parent/build.XXXXXX")"
  _go_build_ticker=""
  trap _go_build_cleanup EXIT
  export GOMODCACHE="$caches/mod" GOCACHE="$caches/build" GOPATH="$caches/path"
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off
  BUILD_START=$SECONDS
  (while sleep 60; do log "still building ($((SECONDS - BUILD_START)) s)"; done) &
  _go_build_ticker=$!
}

_go_build_cleanup() {
  [ -z "$_go_build_ticker" ] || kill "$_go_build_ticker" 2>/dev/null || true
  rm -rf "$WORK"
}

go_build_kubernetes() {
  local dir="$1" module="$2" version="$3" out="$4" downloading="$5" compiling="$6"
  shift 6
  local minor="${version#*.}"
  mkdir -p "$dir"
  (
    cd "$dir"
    "$GO" mod init "$module" >/dev/null 2>&1
    log "resolving k8s.io/kubernetes v$version"
    kmod="$("$GO" mod download -json "k8s.io/kubernetes@v$version" | sed -nE 's/^[[:space:]]*"GoMod": "(.*)",?$/\1/p')"
    [ -f "$kmod" ] || { log "k8s.io/kubernetes v$version is not served by the module proxy"; exit 1; }
    staging="$(sed -nE 's#^[[:space:]]*(k8s\.io/[A-Za-z0-9._-]+) => \./staging/.*#\1#p' "$kmod")"
    [ -n "$staging" ] || { log "no staging replaces found in $kmod"; exit 1; }
    args=()
    for m in $staging; do args+=("-replace=$m=$m@v0.$minor"); done
    "$GO" mod edit -require="k8s.io/kubernetes@v$version" "${args[@]}"
    # Keeps the commands' packages required while `go mod tidy` runs; never compiled itself.
    {
      printf '//go:build tools\n\npackage tools\n\nimport (\n'
      printf '\t_ "%s"\n' "$@"
      printf ')\n'
    } >tools.go
    log "$downloading"
    "$GO" mod tidy -e >&2 2>/dev/null || "$GO" mod tidy >&2
    ldflags="-s -w"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags="$ldflags -X $pkg.gitVersion=v$version -X $pkg.gitMajor=${version%%.*}"
      ldflags="$ldflags -X $pkg.gitMinor=${minor%%.*} -X $pkg.gitTreeState=clean"
      ldflags="$ldflags -X $pkg.buildDate=1970-01-01T00:00:00Z"
    done
    log "$compiling"
    "$GO" build -trimpath -ldflags "$ldflags" -o "$out/" "$@" >&2
  )
}

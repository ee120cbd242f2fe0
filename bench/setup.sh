#!/usr/bin/env bash
# Installs what the benchmarks need beyond Node and the control plane: wrk (the closed-loop load
# generator of bench/webhook.ts and bench/footprint.ts), jemalloc (Debian packages), and checks
# for Go (the reference webhook, bench/reference-webhook/, and the fixed-rate client,
# bench/fixed-rate-client/, are built with the machine's Go) and taskset.
# Idempotent; bench scripts run it before they start.
set -euo pipefail
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
# The allocator the Deployment preloads (JEMALLOC_PATH in src/manifests/deployment.ts), so that the
# benchmarks' replicas run as the image's do.
[[ -f /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ]] || missing+=(libjemalloc2)
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v go >/dev/null && [[ ! -x /usr/local/go/bin/go ]]; then
  echo "bench/setup.sh: Go is needed for the reference webhook and the fixed-rate client (https://go.dev/dl/, /usr/local/go)" >&2
  exit 1
fi

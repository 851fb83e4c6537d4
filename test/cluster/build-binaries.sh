#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, kwok and kwokctl
# from the pinned Go modules under test/cluster/tools/ into .cache/bin/<key>/ (git-ignored).
# Rebuilds only when a pin (or a tools go.mod/go.sum) changes. Prints the bin directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$here/versions.sh"
sum=$(cat "$here"/tools/*/go.mod "$here"/tools/*/go.sum | sha256sum | cut -c1-12)
bin="$root/.cache/bin/${BIN_KEY}_${sum}"
if [ -f "$bin/.complete" ]; then echo "$bin"; exit 0; fi
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS=-trimpath
major=${KUBE_VERSION#v}; major=${major%%.*}
minor=${KUBE_VERSION#v*.}; minor=${minor%%.*}
ld=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld="$ld -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
t0=$(date +%s)
log() { echo "[build-binaries] $*" >&2; }
# Progress while `go build` is silent: which binaries, elapsed time, expected total (README: a cold build
# takes 6-8 min on 2 cores; most of it is kubernetes). Every BUILD_PROGRESS_SECONDS (default 15).
mmss() { printf '%dm%02ds' $(( $1 / 60 )) $(( $1 % 60 )); }
with_progress() {
  local what=$1; shift
  log "building $what (elapsed $(mmss $(( $(date +%s) - t0 ))); a cold build takes about 6-8 min in all)"
  "$@" &
  local pid=$! every=${BUILD_PROGRESS_SECONDS:-15} next=$(( $(date +%s) + ${BUILD_PROGRESS_SECONDS:-15} ))
  trap 'kill "$pid" 2>/dev/null' INT TERM
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ "$(date +%s)" -ge "$next" ] && kill -0 "$pid" 2>/dev/null; then
      log "still building $what: $(mmss $(( $(date +%s) - t0 ))) elapsed of about 6-8 min expected (cold build)"
      next=$(( next + every ))
    fi
  done
  trap - INT TERM
  wait "$pid"
}
with_progress "kwok, kwokctl $KWOK_VERSION (1/3)" \
  bash -c 'cd "$1/tools/kwok" && go build -ldflags "-s -w" -o "$2/" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl' _ "$here" "$bin"
with_progress "etcd $ETCD_VERSION (2/3)" \
  bash -c 'cd "$1/tools/etcd" && go build -ldflags "-s -w" -o "$2/etcd" go.etcd.io/etcd/server/v3' _ "$here" "$bin"
with_progress "kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $KUBE_VERSION (3/3)" \
  bash -c 'cd "$1/tools/k8s" && go build -ldflags "-s -w $3" -o "$2/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl' _ "$here" "$bin" "$ld"
touch "$bin/.complete"
log "built in $(( $(date +%s) - t0 ))s"
echo "$bin"

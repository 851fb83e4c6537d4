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
( cd "$here/tools/kwok" && log "kwok $KWOK_VERSION" && go build -ldflags "-s -w" -o "$bin/" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl )
( cd "$here/tools/etcd" && log "etcd $ETCD_VERSION" && go build -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3 )
( cd "$here/tools/k8s" && log "kubernetes $KUBE_VERSION" && go build -ldflags "-s -w $ld" -o "$bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl )
touch "$bin/.complete"
log "built in $(( $(date +%s) - t0 ))s"
echo "$bin"

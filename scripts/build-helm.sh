#!/usr/bin/env bash
# Builds helm from the pinned Go module (scripts/tools/helm/go.mod: helm.sh/helm/v3) into
# .cache/bin/helm-<version>_<sum>/helm (git-ignored), like test/cluster/build-binaries.sh does for the
# control plane. Rebuilds only when the pin (go.mod/go.sum) changes. Prints the path of the helm binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/scripts/tools/helm"
version=$(awk '$1 == "helm.sh/helm/v3" { print $2 }' "$tools/go.mod")
sum=$( (cat "$tools/go.mod" "$tools/go.sum"; sed -n '/^ld=/,/^done/p' "$0") | sha256sum | cut -c1-12)
bin="$root/.cache/bin/helm-${version}_${sum}"
if [ -f "$bin/.complete" ]; then echo "$bin/helm"; exit 0; fi
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS=-trimpath
t0=$(date +%s)
echo "[build-helm] building helm $version (a cold build takes a few minutes on 2 cores)" >&2
# The default Kubernetes version of `helm template` / `helm lint` (Capabilities.KubeVersion), from client-go v0.N.
kminor=$(awk '$1 == "k8s.io/client-go" { split($2, v, "."); print v[2] }' "$tools/go.mod")
ld="-s -w -X helm.sh/helm/v3/internal/version.version=$version -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do ld="$ld -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$kminor"; done
(cd "$tools" && go build -ldflags "$ld" -o "$bin/helm" helm.sh/helm/v3/cmd/helm)
touch "$bin/.complete"
echo "[build-helm] built in $(( $(date +%s) - t0 ))s" >&2
echo "$bin/helm"

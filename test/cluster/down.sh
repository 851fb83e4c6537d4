#!/usr/bin/env bash
# Tears down the local control plane started by up.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/env.sh"
bin="$(bash "$here/build-binaries.sh")"
export PATH="$bin:$PATH"
kwokctl delete cluster --name "$CLUSTER_NAME" --kubeconfig "$KWOK_WORKDIR/scratch-kubeconfig.yaml" >&2 || true
rm -rf "$CLUSTER_DIR"
echo "[cluster] $CLUSTER_NAME deleted" >&2

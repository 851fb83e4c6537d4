# Shared settings for the local control plane scripts (sourced).
CLUSTER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_NAME="${CLUSTER_NAME:-incident-operator}"
export KWOK_WORKDIR="${KWOK_WORKDIR:-$CLUSTER_ROOT/.cache/kwok}"
CLUSTER_DIR="$KWOK_WORKDIR/clusters/$CLUSTER_NAME"
CLUSTER_KUBECONFIG="$CLUSTER_DIR/kubeconfig.yaml"

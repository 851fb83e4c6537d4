#!/usr/bin/env bash
# The main job (npm start): run incident-operator. With a cluster configured (KUBECONFIG, ~/.kube/config
# or in-cluster) it runs against that; otherwise it brings up the local control plane first, installs
# the CRDs, RBAC and samples' namespace, and runs the operator under its own ServiceAccount's token.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --for start  # npm dependencies (npm ci when missing or stale), Go check
if [ -n "${KUBECONFIG:-}" ] || [ -f "$HOME/.kube/config" ] || [ -n "${KUBERNETES_SERVICE_HOST:-}" ]; then
  exec node --import tsx src/main.ts
fi
echo "[run-operator] no cluster configured: starting the local control plane (first run builds it)" >&2
admin_kubeconfig="$(bash test/cluster/up.sh)"
bin="$(bash test/cluster/build-binaries.sh)"
export PATH="$bin:$PATH"
kc() { kubectl --kubeconfig "$admin_kubeconfig" "$@"; }
kc apply -f crds/ >&2
kc wait --for=condition=Established --timeout=60s crd/incidents.runbook.dev crd/escalationpolicies.runbook.dev >&2
kc apply -f deploy/rbac.yaml >&2
sa_kubeconfig=".cache/operator-sa-kubeconfig.yaml"
server=$(kc config view --minify --raw -o jsonpath='{.clusters[0].cluster.server}')
ca=$(kc config view --minify --raw --flatten -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
token=$(kc create token incident-operator -n incident-operator-system --duration 24h)
umask 077
cat > "$sa_kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "$server", certificate-authority-data: "$ca"}
users:
- name: incident-operator
  user: {token: "$token"}
contexts:
- name: operator
  context: {cluster: local, user: incident-operator}
current-context: operator
KCFG
echo "[run-operator] admin KUBECONFIG for you:      $admin_kubeconfig" >&2
echo "[run-operator] operator runs as ServiceAccount incident-operator-system/incident-operator" >&2
echo "[run-operator] try: KUBECONFIG=$admin_kubeconfig kubectl apply -f deploy/samples/" >&2
KUBECONFIG="$sa_kubeconfig" HTTP_HOST="${HTTP_HOST:-127.0.0.1}" exec node --import tsx src/main.ts

#!/usr/bin/env bash
# Brings up the local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kwok-controller with 2 simulated nodes) from locally built binaries, on 127.0.0.1 only.
# Idempotent: a healthy running cluster is reused. Prints the KUBECONFIG path on stdout (last line).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/env.sh"
log() { echo "[cluster] $*" >&2; }
bin="$(bash "$here/build-binaries.sh")"
export PATH="$bin:$PATH"   # our kubectl first: kwokctl's readiness check needs its exact output
kc() { kubectl --kubeconfig "$CLUSTER_KUBECONFIG" "$@"; }

if [ -f "$CLUSTER_KUBECONFIG" ] && [ "$(kc get --raw /healthz 2>&1 || true)" = "ok" ]; then
  log "reusing running cluster $CLUSTER_NAME"
  echo "$CLUSTER_KUBECONFIG"; exit 0
fi
if [ -d "$CLUSTER_DIR" ]; then
  log "cluster $CLUSTER_NAME exists but is not healthy: trying to start it"
  if kwokctl start cluster --name "$CLUSTER_NAME" --wait 60s >&2 && [ "$(kc get --raw /healthz 2>&1 || true)" = "ok" ]; then
    echo "$CLUSTER_KUBECONFIG"; exit 0
  fi
  log "start failed: recreating"
  kwokctl delete cluster --name "$CLUSTER_NAME" >&2 || true
  rm -rf "$CLUSTER_DIR"
fi
t0=$(date +%s%N)
mkdir -p "$KWOK_WORKDIR"
args=(create cluster --name "$CLUSTER_NAME" --config "$here/kwokctl.yaml" --runtime binary
  --kubeconfig "$KWOK_WORKDIR/scratch-kubeconfig.yaml"
  --etcd-binary "$bin/etcd" --kube-apiserver-binary "$bin/kube-apiserver"
  --kube-controller-manager-binary "$bin/kube-controller-manager"
  --kube-scheduler-binary "$bin/kube-scheduler" --kwok-controller-binary "$bin/kwok"
  --extra-args kube-apiserver=advertise-address=127.0.0.1
  --wait 60s)
if [ "${DRY_RUN:-}" = 1 ]; then kwokctl "${args[@]}" --dry-run; exit 0; fi
kwokctl "${args[@]}" >&2
kwokctl scale node --name "$CLUSTER_NAME" --replicas 2 >&2
kc apply -f "$here/stages/" >&2
for i in $(seq 1 60); do
  ready=$(kc get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)
  [ "$ready" -ge 2 ] && break; sleep 0.5
done
kc wait --for=condition=Available --timeout=60s -n kube-system deployment --all >&2 2>/dev/null || true
log "cluster $CLUSTER_NAME ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
echo "$CLUSTER_KUBECONFIG"

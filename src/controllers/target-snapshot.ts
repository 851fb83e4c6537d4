/**
 * Gather: the target Deployment, its ReplicaSets and pods, and its neighbours' crash state, read from
 * the caches (runbook API Outage step 1, `kubectl get pods`). No API calls.
 */
import type { KubeDeployment, KubePod, KubeReplicaSet } from '../decide/kube-types.js';
import { isCrashLooping, summarisePodHealth } from '../decide/pod-health.js';
import { ownedReplicaSets } from '../decide/replica-sets.js';
import type { Caches } from '../ports/caches.js';
import type { TargetSnapshot } from '../ports/target.js';

export type { TargetSnapshot } from '../ports/target.js';


export function podsOfReplicaSets(pods: readonly KubePod[], rsNames: ReadonlySet<string>): KubePod[] {
  return pods.filter((p) => (p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'ReplicaSet' && o.controller && rsNames.has(o.name ?? "")));
}

/** Pods controlled by the given ReplicaSets: through the owner index when the cache has one. */
export function podsOf(caches: Caches, namespace: string, rsNames: ReadonlySet<string>): KubePod[] {
  const pods = caches.pods;
  if (!pods.byOwner) return podsOfReplicaSets(pods.list(namespace), rsNames);
  return [...rsNames].flatMap((rs) => pods.byOwner?.(namespace, rs) ?? []).filter((p) => (p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'ReplicaSet' && o.controller));
}

/** ReplicaSets controlled by the Deployment name: through the owner index when the cache has one. */
export function replicaSetsOf(caches: Caches, namespace: string, deployment: string): readonly KubeReplicaSet[] {
  return caches.replicaSets.byOwner?.(namespace, deployment) ?? caches.replicaSets.list(namespace);
}

export function snapshotTarget(caches: Caches, namespace: string, name: string, restartThreshold: number): TargetSnapshot {
  const deployment = caches.deployments.get(namespace, name);
  if (!deployment) {
    return { replicaSets: [], pods: [], healthy: false, summary: `Deployment ${namespace}/${name} not found` };
  }
  const owned = ownedReplicaSets(deployment, replicaSetsOf(caches, namespace, name));
  const replicaSets = owned.map((o) => o.replicaSet);
  const pods = podsOf(caches, namespace, new Set(replicaSets.map((r) => r.metadata?.name ?? '')));
  const podHealth = summarisePodHealth(deployment, replicaSets, pods, restartThreshold);
  const healthy = isDeploymentHealthy(deployment) && podHealth.crashLoopingPods === 0;
  return { deployment, replicaSets, pods, podHealth, healthy, summary: podHealth.summary };
}

/** Available with every desired replica updated, ready and available, and the spec observed. */
export function isDeploymentHealthy(d: KubeDeployment): boolean {
  const desired = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const available = (s.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True');
  return available
    && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
    && (s.updatedReplicas ?? 0) === desired
    && (s.readyReplicas ?? 0) === desired
    && (s.availableReplicas ?? 0) === desired
    && (s.replicas ?? 0) === desired;
}

/** Other StatefulSets of the namespace whose pods (owned by the StatefulSet directly) crash-loop. */
export function otherCrashLoopingStatefulSets(caches: Caches, namespace: string, except: string | undefined, restartThreshold: number): string[] {
  if (!caches.statefulSets) return [];
  const out = new Set<string>();
  for (const p of caches.pods.list(namespace)) {
    if (!isCrashLooping(p, restartThreshold)) continue;
    for (const o of p.metadata?.ownerReferences ?? []) if (o.kind === 'StatefulSet' && o.controller && o.name && o.name !== except) out.add(o.name);
  }
  return [...out].sort();
}

/** Other Deployments of the namespace whose pods crash-loop (the "shared cause" signal). */
export function otherCrashLoopingDeployments(caches: Caches, namespace: string, except: string, restartThreshold: number): string[] {
  const crashingRs = new Set<string>();
  for (const p of caches.pods.list(namespace)) {
    if (!isCrashLooping(p, restartThreshold)) continue;
    for (const o of p.metadata?.ownerReferences ?? []) if (o.kind === 'ReplicaSet' && o.controller) crashingRs.add(o.name ?? "");
  }
  if (crashingRs.size === 0) return [];
  const out = new Set<string>();
  for (const rs of caches.replicaSets.list(namespace)) {
    if (!crashingRs.has(rs.metadata?.name ?? '')) continue;
    const owner = (rs.metadata?.ownerReferences ?? []).find((o) => o.kind === 'Deployment' && o.controller);
    if (owner?.name && owner.name !== except) out.add(owner.name);
  }
  return [...out].sort();
}

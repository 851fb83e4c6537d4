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

/** The crash-looping workloads of a namespace other than the target (the "shared cause" neighbours), by kind. */
export interface CrashLoopingNeighbours { deployments: string[]; statefulSets: string[] }

/**
 * One pass over the namespace's pods: crash-looping pods owned by a ReplicaSet name their Deployment, those owned by
 * a StatefulSet directly name it. `except` is the target (left out of its own kind only).
 */
export function crashLoopingNeighbours(
  caches: Caches, namespace: string, except: { kind: 'Deployment' | 'StatefulSet'; name: string } | undefined, restartThreshold: number,
): CrashLoopingNeighbours {
  const crashingRs = new Set<string>();
  const statefulSets = new Set<string>();
  for (const p of caches.pods.list(namespace)) {
    if (!isCrashLooping(p, restartThreshold)) continue;
    for (const o of p.metadata?.ownerReferences ?? []) {
      if (!o.controller || !o.name) continue;
      if (o.kind === 'ReplicaSet') crashingRs.add(o.name);
      else if (o.kind === 'StatefulSet' && caches.statefulSets && !(except?.kind === 'StatefulSet' && except.name === o.name)) statefulSets.add(o.name);
    }
  }
  const deployments = new Set<string>();
  if (crashingRs.size > 0) {
    for (const rs of caches.replicaSets.list(namespace)) {
      if (!crashingRs.has(rs.metadata?.name ?? '')) continue;
      const owner = (rs.metadata?.ownerReferences ?? []).find((o) => o.kind === 'Deployment' && o.controller);
      if (owner?.name && !(except?.kind === 'Deployment' && except.name === owner.name)) deployments.add(owner.name);
    }
  }
  return { deployments: [...deployments].sort(), statefulSets: [...statefulSets].sort() };
}

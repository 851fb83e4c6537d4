/**
 * Gather for a StatefulSet target (issue 15): the StatefulSet, its ControllerRevisions and its pods (owned by the
 * StatefulSet directly), read from the caches. No API calls.
 */
import { isStatefulSetHealthy, statefulSetPods, summariseStatefulSetPodHealth } from '../decide/statefulset-history.js';
import { ownedControllerRevisions } from '../decide/statefulset-rollback.js';
import type { Caches } from '../ports/caches.js';
import type { TargetSnapshot } from '../ports/target.js';

export function snapshotStatefulSet(caches: Caches, namespace: string, name: string, restartThreshold: number): TargetSnapshot {
  const statefulSet = caches.statefulSets?.get(namespace, name);
  if (!statefulSet) return { kind: 'StatefulSet', replicaSets: [], pods: [], healthy: false, summary: `StatefulSet ${namespace}/${name} not found` };
  const crs = caches.controllerRevisions;
  const controllerRevisions = ownedControllerRevisions(statefulSet, crs ? crs.byOwner?.(namespace, name) ?? crs.list(namespace) : []);
  const pods = statefulSetPods(statefulSet, caches.pods.byOwner?.(namespace, name) ?? caches.pods.list(namespace));
  const podHealth = summariseStatefulSetPodHealth(statefulSet, controllerRevisions, pods, restartThreshold);
  const healthy = isStatefulSetHealthy(statefulSet) && podHealth.crashLoopingPods === 0;
  return { kind: 'StatefulSet', statefulSet, controllerRevisions, replicaSets: [], pods, podHealth, healthy, summary: podHealth.summary };
}

/** The target workload is in the snapshot (Deployment or StatefulSet). */
export function targetFound(t: TargetSnapshot): boolean {
  return !!(t.deployment ?? t.statefulSet);
}

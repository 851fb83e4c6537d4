/**
 * The target's crash-looping neighbours by which revision fails (issue 15): a neighbour failing on a revision
 * older than its newest is evidence of a shared cause; one failing only on its newest revision is its own
 * bad release. Deployments by ReplicaSet revision, StatefulSets by ControllerRevision (named
 * `statefulset/<name>` in the evidence, as a Deployment may share the name). Read from the caches, no API calls.
 */
import type { NeighbourEvidence } from '../decide/shared-cause.js';
import type { PodHealth } from '../api/pod-health.js';
import type { Caches } from '../ports/caches.js';
import { Annotation } from '../api/reasons.js';
import { snapshotTarget } from './target-snapshot.js';
import { snapshotStatefulSet } from './statefulset-snapshot.js';

/** Crash-looping on a revision older than the newest one its pods run. */
function olderRevisionFailing(podHealth: PodHealth | undefined): boolean {
  const byRevision = podHealth?.byRevision ?? [];
  const newest = byRevision.reduce((m, r) => Math.max(m, r.revision), Number.NEGATIVE_INFINITY);
  return byRevision.some((r) => r.revision < newest && r.crashLooping > 0);
}

export function neighbourEvidence(
  caches: Caches, namespace: string, deployments: readonly string[], restartThreshold: number, statefulSets: readonly string[] = [],
): NeighbourEvidence {
  const olderRevisionsFailing: string[] = [];
  const newestRevisionOnly: string[] = [];
  const judge = (shown: string, workload: { metadata?: { annotations?: Record<string, string> } } | undefined, podHealth: PodHealth | undefined) => {
    // Rolled back by the operator: its bad release is now an older revision whose pods are still going away.
    if (workload?.metadata?.annotations?.[Annotation.rolledBackBy]) newestRevisionOnly.push(shown);
    else if (olderRevisionFailing(podHealth)) olderRevisionsFailing.push(shown);
    else newestRevisionOnly.push(shown);
  };
  for (const name of deployments) {
    const snap = snapshotTarget(caches, namespace, name, restartThreshold);
    judge(name, snap.deployment, snap.podHealth);
  }
  for (const name of statefulSets) {
    const snap = snapshotStatefulSet(caches, namespace, name, restartThreshold);
    judge(`statefulset/${name}`, snap.statefulSet, snap.podHealth);
  }
  return { olderRevisionsFailing, newestRevisionOnly };
}

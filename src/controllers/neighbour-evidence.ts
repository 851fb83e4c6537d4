/**
 * The target's crash-looping neighbours by which revision fails (issue 15): a neighbour failing on a revision
 * older than its newest is evidence of a shared cause; one failing only on its newest revision is its own
 * bad release. Read from the caches, no API calls.
 */
import type { NeighbourEvidence } from '../decide/shared-cause.js';
import type { Caches } from '../ports/caches.js';
import { snapshotTarget } from './target-snapshot.js';
import { ROLLED_BACK_BY_ANNOTATION } from '../remediate/rollback-executor.js';

export function neighbourEvidence(caches: Caches, namespace: string, names: readonly string[], restartThreshold: number): NeighbourEvidence {
  const olderRevisionsFailing: string[] = [];
  const newestRevisionOnly: string[] = [];
  for (const name of names) {
    const snap = snapshotTarget(caches, namespace, name, restartThreshold);
    // Rolled back by the operator: its bad release is now an older revision whose pods are still going away.
    if (snap.deployment?.metadata?.annotations?.[ROLLED_BACK_BY_ANNOTATION]) { newestRevisionOnly.push(name); continue; }
    const byRevision = snap.podHealth?.byRevision ?? [];
    const newest = byRevision.reduce((m, r) => Math.max(m, r.revision), Number.NEGATIVE_INFINITY);
    if (byRevision.some((r) => r.revision < newest && r.crashLooping > 0)) olderRevisionsFailing.push(name);
    else newestRevisionOnly.push(name);
  }
  return { olderRevisionsFailing, newestRevisionOnly };
}

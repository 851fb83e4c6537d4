/**
 * What the two known-good recorders (Deployments: healthy-revision-recorder.ts, StatefulSets:
 * statefulset-revision-recorder.ts) share: which workloads are worth recording — opted in by either consent label
 * on the workload or its Namespace, or targeted by an open Incident — and when each was first seen healthy in its
 * current state (a new state, or a restart of the operator, starts the stable window again). Cache reads only.
 */
import type { OperatorConfig } from '../config.js';
import { isOptedIn } from '../decide/crashloop-detect.js';
import { REMEDIATION_ENABLED, REMEDIATION_LABEL } from '../decide/remediation-consent.js';
import type { Caches } from '../ports/caches.js';

export function recordingWanted(
  caches: Caches, config: OperatorConfig, namespace: string, name: string, kind: 'Deployment' | 'StatefulSet', labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const nsLabels = caches.namespaces.get(undefined, namespace)?.metadata?.labels;
  return isOptedIn(labels, nsLabels, { label: config.autoRollbackLabel, value: config.autoRollbackValue })
    || isOptedIn(labels, nsLabels, { label: REMEDIATION_LABEL, value: REMEDIATION_ENABLED })
    || caches.incidents.list(namespace).some((i) => (i.spec.target?.kind ?? 'Deployment') === kind && i.spec.target?.name === name
      && i.status?.phase !== 'Resolved' && i.status?.phase !== 'Failed');
}

/** Per workload key: since when it has been healthy in one state (uid, generation, revision). */
export class HealthyWindows {
  private readonly seen = new Map<string, { state: string; since: Date }>();

  /** The start of the healthy window for `key` in `state` (now, when the state is new). */
  since(key: string, state: string, now: Date): Date {
    const s = this.seen.get(key);
    if (s && s.state === state) return s.since;
    this.seen.set(key, { state, since: now });
    return now;
  }

  forget(key: string): void { this.seen.delete(key); }
}

/**
 * Records a StatefulSet's newest revision proven healthy in its `runbook.dev/last-known-good` annotation (issue 15),
 * beside the Deployments' HealthyRevisionRecorder: only opted-in StatefulSets (AUTO_ROLLBACK_SELECTOR or
 * runbook.dev/remediation=enabled, on it or its Namespace) and those an open Incident targets.
 */
import type * as k8s from '@kubernetes/client-node';
import type { OperatorConfig } from '../config.js';
import { isOptedIn } from '../decide/crashloop-detect.js';
import { REMEDIATION_ENABLED, REMEDIATION_LABEL } from '../decide/remediation-consent.js';
import { LAST_KNOWN_GOOD_ANNOTATION } from '../decide/rollout-history.js';
import { isStatefulSetHealthy } from '../decide/statefulset-history.js';
import { assessStatefulSetKnownGood } from '../decide/statefulset-known-good.js';
import { mergePatch } from '../kube/clients.js';
import type { Logger } from '../log.js';
import type { Caches } from '../ports/caches.js';
import type { Clock } from '../runtime/clock.js';
import { splitKey, type ReconcileResult } from '../runtime/work-queue.js';

export class StatefulSetRevisionRecorder {
  /** When each StatefulSet (uid + generation + update revision) was first seen healthy; a restart restarts the window. */
  private readonly healthySince = new Map<string, { key: string; since: Date }>();

  constructor(private readonly d: { caches: Caches; apps: k8s.AppsV1Api; config: OperatorConfig; log: Logger; clock: Clock }) {}

  reconcile = async (key: string): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const { caches, config } = this.d;
    const sts = caches.statefulSets?.get(namespace, name);
    if (!sts) { this.healthySince.delete(key); return; }
    const nsLabels = caches.namespaces.get(undefined, namespace)?.metadata?.labels;
    const relevant = isOptedIn(sts.metadata?.labels, nsLabels, { label: config.autoRollbackLabel, value: config.autoRollbackValue })
      || isOptedIn(sts.metadata?.labels, nsLabels, { label: REMEDIATION_LABEL, value: REMEDIATION_ENABLED })
      || caches.incidents.list(namespace).some((i) => i.spec.target?.kind === 'StatefulSet' && i.spec.target.name === name && i.status?.phase !== 'Resolved' && i.status?.phase !== 'Failed');
    if (!relevant || !isStatefulSetHealthy(sts)) { this.healthySince.delete(key); return; }
    const now = this.d.clock.now();
    const stateKey = `${sts.metadata?.uid}/${sts.metadata?.generation}/${sts.status?.updateRevision}`;
    let seen = this.healthySince.get(key);
    if (!seen || seen.key !== stateKey) { seen = { key: stateKey, since: now }; this.healthySince.set(key, seen); }
    const crs = caches.controllerRevisions;
    const assessment = assessStatefulSetKnownGood(sts, crs ? crs.byOwner?.(namespace, name) ?? crs.list(namespace) : [], now, config.healthyStableWindowSeconds, seen.since);
    if (assessment.annotationValue) {
      await this.d.apps.patchNamespacedStatefulSet({
        name, namespace,
        body: { metadata: { resourceVersion: sts.metadata?.resourceVersion, annotations: { [LAST_KNOWN_GOOD_ANNOTATION]: assessment.annotationValue } } },
      }, mergePatch());
      this.d.log.info('StatefulSet revision recorded as last known good', { statefulSet: key, record: assessment.annotationValue });
      return;
    }
    if (assessment.requeueAfterSeconds !== undefined) return { requeueAfterMs: Math.max(100, assessment.requeueAfterSeconds * 1000) };
    return;
  };
}

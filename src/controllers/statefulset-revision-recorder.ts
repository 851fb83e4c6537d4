/**
 * Records a StatefulSet's newest revision proven healthy in its `runbook.dev/last-known-good` annotation (issue 15),
 * beside the Deployments' HealthyRevisionRecorder: only opted-in StatefulSets (AUTO_ROLLBACK_SELECTOR or
 * runbook.dev/remediation=enabled, on it or its Namespace) and those an open Incident targets.
 */
import type * as k8s from '@kubernetes/client-node';
import type { OperatorConfig } from '../config.js';
import { LAST_KNOWN_GOOD_ANNOTATION } from '../decide/rollout-history.js';
import { isStatefulSetHealthy } from '../decide/statefulset-history.js';
import { assessStatefulSetKnownGood } from '../decide/statefulset-known-good.js';
import { mergePatch } from '../kube/clients.js';
import type { Logger } from '../log.js';
import type { Caches } from '../ports/caches.js';
import type { Clock } from '../runtime/clock.js';
import { splitKey, type ReconcileResult } from '../runtime/work-queue.js';
import { HealthyWindows, recordingWanted } from './known-good-recording.js';

export class StatefulSetRevisionRecorder {
  /** When each StatefulSet (uid + generation + update revision) was first seen healthy; a restart restarts the window. */
  private readonly windows = new HealthyWindows();

  constructor(private readonly d: { caches: Caches; apps: k8s.AppsV1Api; config: OperatorConfig; log: Logger; clock: Clock }) {}

  reconcile = async (key: string): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const { caches, config } = this.d;
    const sts = caches.statefulSets?.get(namespace, name);
    if (!sts || !recordingWanted(caches, config, namespace, name, 'StatefulSet', sts.metadata?.labels) || !isStatefulSetHealthy(sts)) { this.windows.forget(key); return; }
    const now = this.d.clock.now();
    const since = this.windows.since(key, `${sts.metadata?.uid}/${sts.metadata?.generation}/${sts.status?.updateRevision}`, now);
    const crs = caches.controllerRevisions;
    const assessment = assessStatefulSetKnownGood(sts, crs ? crs.byOwner?.(namespace, name) ?? crs.list(namespace) : [], now, config.healthyStableWindowSeconds, since);
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

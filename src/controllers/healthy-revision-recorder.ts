/**
 * Records the newest revision proven healthy (Available, all replicas updated and ready for a stable
 * window) in the Deployment's `runbook.dev/last-known-good` annotation, so "last known good" survives
 * operator restarts. Only opted-in Deployments (AUTO_ROLLBACK_SELECTOR or runbook.dev/remediation=enabled, on
 * the Deployment or its Namespace) and Deployments targeted by an open Incident.
 */
import type * as k8s from '@kubernetes/client-node';
import type { OperatorConfig } from '../config.js';
import { assessHealthyRevision, LAST_KNOWN_GOOD_ANNOTATION } from '../decide/rollout-history.js';
import { ownedReplicaSets } from '../decide/replica-sets.js';
import { mergePatch } from '../kube/clients.js';
import type { Logger } from '../log.js';
import type { Clock } from '../runtime/clock.js';
import { splitKey, type ReconcileResult } from '../runtime/work-queue.js';
import type { Caches } from '../ports/caches.js';
import { isDeploymentHealthy, replicaSetsOf } from './target-snapshot.js';
import { HealthyWindows, recordingWanted } from './known-good-recording.js';

export class HealthyRevisionRecorder {
  /** When each Deployment (uid + generation) was first seen healthy; a restart conservatively restarts the window. */
  private readonly windows = new HealthyWindows();

  /**
   * signalsHealthy (issue 14): false while the Deployment's health signals are not all Healthy for its current
   * revision — a release serving 5xx with Ready pods is not "known good". undefined: it has no signals.
   */
  constructor(private readonly d: { caches: Caches; apps: k8s.AppsV1Api; config: OperatorConfig; log: Logger; clock: Clock; signalsHealthy?: (namespace: string, name: string) => boolean | undefined }) {}

  reconcile = async (key: string): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const deployment = this.d.caches.deployments.get(namespace, name);
    if (!deployment || !recordingWanted(this.d.caches, this.d.config, namespace, name, 'Deployment', deployment.metadata?.labels) || !isDeploymentHealthy(deployment)) { this.windows.forget(key); return; }
    if (this.d.signalsHealthy?.(namespace, name) === false) { this.windows.forget(key); return { requeueAfterMs: Math.max(100, this.d.config.signals.intervalMs) }; }
    const now = this.d.clock.now();
    const since = this.windows.since(key, `${deployment.metadata?.uid}/${deployment.metadata?.generation}/${deployment.metadata?.annotations?.['deployment.kubernetes.io/revision']}`, now);
    const replicaSets = ownedReplicaSets(deployment, replicaSetsOf(this.d.caches, namespace, name)).map((o) => o.replicaSet);
    const assessment = assessHealthyRevision(deployment, replicaSets, now, this.d.config.healthyStableWindowSeconds, since);
    if (assessment.annotationValue) {
      await this.d.apps.patchNamespacedDeployment({
        name, namespace,
        body: { metadata: { resourceVersion: deployment.metadata?.resourceVersion, annotations: { [LAST_KNOWN_GOOD_ANNOTATION]: assessment.annotationValue } } },
      }, mergePatch());
      this.d.log.info('revision recorded as last known good', { deployment: key, record: assessment.annotationValue });
      return;
    }
    if (assessment.requeueAfterSeconds !== undefined) return { requeueAfterMs: Math.max(100, assessment.requeueAfterSeconds * 1000) };
    return;
  };
}

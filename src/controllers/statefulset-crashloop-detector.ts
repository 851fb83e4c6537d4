/**
 * Automatic crash-loop detection for StatefulSets (issue 15), beside the Deployments' detector: keyed by StatefulSet,
 * triggered by StatefulSet / ControllerRevision / pod events. The decision (detectStatefulSetCrashLoop) is pure; the
 * side effect is creating the Incident under a deterministic name (a retried create is idempotent), one open per
 * StatefulSet. The Incident then diagnoses and rolls back as a person-opened one does (no fast path).
 */
import type { Incident } from '../api/incident.js';
import { GROUP, INCIDENT_KIND, VERSION } from '../api/incident.js';
import { Label } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import { detectStatefulSetCrashLoop } from '../decide/statefulset-crashloop-detect.js';
import type { IncidentClient } from '../kube/incident-client.js';
import type { Logger } from '../log.js';
import type { Caches } from '../ports/caches.js';
import { isAlreadyExists } from '../runtime/kube-errors.js';
import { splitKey, type ReconcileResult } from '../runtime/work-queue.js';

export interface StatefulSetCrashLoopDetectorDeps {
  caches: Caches;
  incidents: IncidentClient;
  config: OperatorConfig;
  log: Logger;
}

export class StatefulSetCrashLoopDetector {
  constructor(private readonly d: StatefulSetCrashLoopDetectorDeps) {}

  reconcile = async (key: string): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const { caches, config } = this.d;
    const statefulSet = caches.statefulSets?.get(namespace, name);
    if (!statefulSet) return;
    const crs = caches.controllerRevisions;
    const decision = detectStatefulSetCrashLoop({
      statefulSet,
      revisions: crs ? crs.byOwner?.(namespace, name) ?? crs.list(namespace) : [],
      pods: caches.pods.byOwner?.(namespace, name) ?? caches.pods.list(namespace),
      namespaceLabels: caches.namespaces.get(undefined, namespace)?.metadata?.labels,
      optInSelector: { label: config.autoRollbackLabel, value: config.autoRollbackValue },
      restartThreshold: config.crashLoopRestartThreshold,
      openIncidentExists: caches.incidents.list(namespace).some((i) => i.spec.target?.kind === 'StatefulSet' && i.spec.target.name === name && i.status?.phase !== 'Resolved' && i.status?.phase !== 'Failed'),
    });
    if (!decision.open) return;
    const incident: Incident = {
      apiVersion: `${GROUP}/${VERSION}`, kind: INCIDENT_KIND,
      metadata: { name: decision.incidentName, namespace, labels: { [Label.incidentStatefulSet]: name, [Label.createdBy]: 'crashloop-detector' } },
      spec: {
        severity: decision.severity, summary: `StatefulSet ${name} revision ${decision.revision} is crash-looping`.slice(0, 120),
        description: decision.message.slice(0, 4096), runbook: 'CrashLoop', target: { kind: 'StatefulSet', name }, rollback: { policy: 'Automatic' },
      },
    };
    try {
      await this.d.incidents.create(incident);
      this.d.log.info('crash loop detected: incident opened', { incident: `${namespace}/${decision.incidentName}`, statefulSet: name, severity: decision.severity });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  };
}

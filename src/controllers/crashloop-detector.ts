/**
 * Automatic crash-loop detection: keyed by Deployment, triggered by pod / ReplicaSet / Deployment
 * events (no polling). The decision (detectCrashLoop) is pure; the only side effect is creating the
 * Incident, under a deterministic name so a retried create is idempotent, exactly one open per
 * Deployment.
 */
import type { Incident } from '../api/incident.js';
import { GROUP, INCIDENT_KIND, VERSION } from '../api/incident.js';
import { Label } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import { detectCrashLoop } from '../decide/crashloop-detect.js';
import { ownedReplicaSets } from '../decide/replica-sets.js';
import type { IncidentClient } from '../kube/incident-client.js';
import type { Logger } from '../log.js';
import { isAlreadyExists } from '../runtime/kube-errors.js';
import { splitKey, type ReconcileResult } from '../runtime/work-queue.js';
import type { Caches } from '../ports/caches.js';
import { podsOf, replicaSetsOf } from './target-snapshot.js';

export interface CrashLoopDetectorDeps {
  caches: Caches;
  incidents: IncidentClient;
  config: OperatorConfig;
  log: Logger;
  onIncidentCreated?(incident: Incident): void;
}

export function openIncidentFor(caches: Caches, namespace: string, deployment: string): Incident | undefined {
  return caches.incidents.list(namespace).find((i) =>
    i.spec.target?.name === deployment && i.status?.phase !== 'Resolved' && i.status?.phase !== 'Failed');
}

export class CrashLoopDetector {
  constructor(private readonly d: CrashLoopDetectorDeps) {}

  reconcile = async (key: string): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const deployment = this.d.caches.deployments.get(namespace, name);
    if (!deployment) return;
    const owned = ownedReplicaSets(deployment, replicaSetsOf(this.d.caches, namespace, name));
    const replicaSets = owned.map((o) => o.replicaSet);
    const pods = podsOf(this.d.caches, namespace, new Set(replicaSets.map((r) => r.metadata?.name ?? '')));
    const decision = detectCrashLoop({
      deployment, replicaSets, pods,
      namespaceLabels: this.d.caches.namespaces.get(undefined, namespace)?.metadata?.labels,
      optInSelector: { label: this.d.config.autoRollbackLabel, value: this.d.config.autoRollbackValue },
      restartThreshold: this.d.config.crashLoopRestartThreshold,
      openIncidentExists: !!openIncidentFor(this.d.caches, namespace, name),
    });
    if (!decision.open) return;
    const incident: Incident = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: INCIDENT_KIND,
      metadata: {
        name: decision.incidentName,
        namespace,
        labels: { [Label.incidentDeployment]: name, [Label.createdBy]: 'crashloop-detector' },
      },
      spec: {
        severity: decision.severity,
        summary: `Deployment ${name} revision ${decision.revision} is crash-looping`.slice(0, 120),
        description: decision.message.slice(0, 4096),
        runbook: 'CrashLoop',
        target: { kind: 'Deployment', name },
        rollback: { policy: 'Automatic' },
      },
    };
    try {
      const created = await this.d.incidents.create(incident);
      this.d.log.info('crash loop detected: incident opened', { incident: `${namespace}/${decision.incidentName}`, deployment: name, revision: decision.revision, severity: decision.severity });
      this.d.onIncidentCreated?.(created);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  };
}

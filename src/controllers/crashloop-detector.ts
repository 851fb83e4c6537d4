/**
 * Automatic crash-loop detection: keyed by Deployment, triggered by pod / ReplicaSet / Deployment
 * events (no polling). The decision (detectCrashLoop) is pure; the side effect is creating the
 * Incident, under a deterministic name so a retried create is idempotent, exactly one open per
 * Deployment. With the fast path (issue 17), when every guard decidable from the cache says yes
 * (decideFastRollback), the rollback is ONE patch that carries its record and the Incident is opened after;
 * any "no" or doubt: the Incident alone, and the reconciler's slow path.
 */
import type { Incident } from '../api/incident.js';
import { GROUP, INCIDENT_KIND, VERSION } from '../api/incident.js';
import { Annotation, Label } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import { detectCrashLoop, type CrashLoopDecision } from '../decide/crashloop-detect.js';
import { decideFastRollback, pendingFastIncident, type FastRollbackRecord } from '../decide/fast-rollback.js';
import type { KubeDeployment, KubeReplicaSet } from '../decide/kube-types.js';
import { ownedReplicaSets } from '../decide/replica-sets.js';
import type { IncidentClient } from '../kube/incident-client.js';
import type { Logger } from '../log.js';
import { isAlreadyExists } from '../runtime/kube-errors.js';
import { splitKey, type ReconcileResult } from '../runtime/work-queue.js';
import type { Caches } from '../ports/caches.js';
import type { FastRollbackActor } from '../ports/fast-rollback.js';
import type { Clock } from '../runtime/clock.js';
import { podsOf, replicaSetsOf } from './target-snapshot.js';
import { fastRollbackInputs } from './fast-rollback-inputs.js';

export interface CrashLoopDetectorDeps {
  caches: Caches;
  incidents: IncidentClient;
  config: OperatorConfig;
  log: Logger;
  onIncidentCreated?(incident: Incident): void;
  /** The fast path (issue 17; absent: off): decide from the cache, one patch, then open the Incident. */
  fast?: { actor: FastRollbackActor; clock: Clock };
}

export function openIncidentFor(caches: Caches, namespace: string, deployment: string): Incident | undefined {
  return caches.incidents.list(namespace).find((i) =>
    i.spec.target?.name === deployment && i.status?.phase !== 'Resolved' && i.status?.phase !== 'Failed');
}

export class CrashLoopDetector {
  /** Incidents this process created (`namespace/name`): the cache may not show them yet, so no second fast patch is tried. */
  private readonly opened = new Set<string>();

  constructor(private readonly d: CrashLoopDetectorDeps) {}

  reconcile = async (key: string): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const deployment = this.d.caches.deployments.get(namespace, name);
    if (!deployment) return;
    const now = this.d.fast?.clock.now();
    // Killed after a fast rollback's patch, before its Incident: open it from the record, never patch again.
    const pending = now ? pendingFastIncident(deployment, (n) => this.opened.has(`${namespace}/${n}`) || !!this.d.caches.incidents.get(namespace, n), now) : undefined;
    if (pending) return this.create(fastIncident(namespace, name, pending));
    const owned = ownedReplicaSets(deployment, replicaSetsOf(this.d.caches, namespace, name));
    const replicaSets = owned.map((o) => o.replicaSet);
    const pods = podsOf(this.d.caches, namespace, new Set(replicaSets.map((r) => r.metadata?.name ?? '')));
    const openIncident = !!openIncidentFor(this.d.caches, namespace, name);
    const decision = detectCrashLoop({
      deployment, replicaSets, pods,
      namespaceLabels: this.d.caches.namespaces.get(undefined, namespace)?.metadata?.labels,
      optInSelector: { label: this.d.config.autoRollbackLabel, value: this.d.config.autoRollbackValue },
      restartThreshold: this.d.config.crashLoopRestartThreshold,
      openIncidentExists: openIncident,
    });
    if (!decision.open) return;
    if (this.d.fast && now && await this.fastRollback(this.d.fast.actor, deployment, replicaSets, decision, openIncident, now)) return;
    await this.create(slowIncident(namespace, name, decision));
  };

  /** The fast path (issue 17): true when the rollback is done (and its Incident opened), false for the slow path. */
  private async fastRollback(fast: FastRollbackActor, deployment: KubeDeployment, replicaSets: readonly KubeReplicaSet[], detected: Detected, openIncident: boolean, now: Date): Promise<boolean> {
    const namespace = deployment.metadata?.namespace ?? '';
    const name = deployment.metadata?.name ?? '';
    const incidentExists = openIncident || this.opened.has(`${namespace}/${detected.incidentName}`) || !!this.d.caches.incidents.get(namespace, detected.incidentName);
    const decide = (d: KubeDeployment, budget: ReturnType<FastRollbackActor['budget']>) =>
      decideFastRollback(fastRollbackInputs({ caches: this.d.caches, config: this.d.config, deployment: d, replicaSets, detected, incidentExists, budget, now }));
    const decision = decide(deployment, fast.budget(now));
    if (!decision.act) {
      this.d.log.debug('fast path not taken', { deployment: `${namespace}/${name}`, reason: decision.reason, message: decision.message });
      return false;
    }
    // A conflict re-decides on the fresh Deployment with every guard; its budget slot is already reserved.
    const outcome = await fast.act(deployment, decision, now, (fresh) => {
      const again = decide(fresh, { allowed: true });
      return again.act && again.record.incident === decision.record.incident ? again : undefined;
    });
    if (outcome.kind === 'fallback') {
      this.d.log.info('fast rollback not applied: slow path', { deployment: `${namespace}/${name}`, message: outcome.message });
      return false;
    }
    await this.create(fastIncident(namespace, name, decision.record));
    return true;
  }

  private async create(incident: Incident): Promise<void> {
    if (this.opened.size > 10_000) this.opened.clear();
    const key = `${incident.metadata.namespace}/${incident.metadata.name}`;
    try {
      const created = await this.d.incidents.create(incident);
      this.opened.add(key);
      this.d.log.info('crash loop detected: incident opened', { incident: `${incident.metadata.namespace}/${incident.metadata.name}`, deployment: incident.spec.target?.name, severity: incident.spec.severity, fastPath: !!incident.metadata.annotations?.[Annotation.fastRollback] });
      this.d.onIncidentCreated?.(created);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      this.opened.add(key);
    }
  }
}

type Detected = Extract<CrashLoopDecision, { open: true }>;

function incidentFor(namespace: string, deployment: string, name: string, severity: Detected['severity'], summary: string, description: string, annotations?: Record<string, string>): Incident {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: INCIDENT_KIND,
    metadata: {
      name,
      namespace,
      labels: { [Label.incidentDeployment]: deployment, [Label.createdBy]: 'crashloop-detector' },
      ...(annotations ? { annotations } : {}),
    },
    spec: {
      severity,
      summary: summary.slice(0, 120),
      description: description.slice(0, 4096),
      runbook: 'CrashLoop',
      target: { kind: 'Deployment', name: deployment },
      rollback: { policy: 'Automatic' },
    },
  };
}

function slowIncident(namespace: string, deployment: string, d: Detected): Incident {
  return incidentFor(namespace, deployment, d.incidentName, d.severity, `Deployment ${deployment} revision ${d.revision} is crash-looping`, d.message);
}

/** The Incident of a fast rollback, opened after the patch; the annotation copies the Deployment's record. */
function fastIncident(namespace: string, deployment: string, r: FastRollbackRecord): Incident {
  return incidentFor(namespace, deployment, r.incident, r.severity, `Deployment ${deployment} revision ${r.fromRevision} is crash-looping`,
    `${r.reason}; rolled back to revision ${r.toRevision} at ${r.at} (fast path)`, { [Annotation.fastRollback]: JSON.stringify(r) });
}

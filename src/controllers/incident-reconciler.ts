/**
 * The Incident controller's reconcile: level-based, from the cache, in a flat sequence of steps
 * (Argo Rollouts style): open → person actions → gather → diagnose → remediate → phase → SLA →
 * escalate → write status (only when changed) → Events. Side effects that change the world
 * (rollback, query termination) record their intent in status before acting.
 */
import { randomUUID } from 'node:crypto';
import type { Incident, IncidentStatus, Phase } from '../api/incident.js';
import { ConditionType, Label, Reason } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import { computeDeadlines, slaState } from '../decide/sla.js';
import { decidePhase, type RemediationState } from '../decide/incident-phase.js';
import { appendTimeline, jsonEqual, setCondition } from '../decide/status-ops.js';
import type { Clock } from '../runtime/clock.js';
import { splitKey, type ReconcileResult } from '../runtime/work-queue.js';
import { isConflict } from '../runtime/kube-errors.js';
import type { EventRecorder } from '../kube/event-recorder.js';
import type { IncidentClient } from '../kube/incident-client.js';
import type { Logger } from '../log.js';
import type { DiagnosisRecord } from '../diagnose/run-diagnosis.js';
import { diagnosisFindings } from '../diagnose/findings.js';
import type { Caches } from './caches.js';
import { otherCrashLoopingDeployments, snapshotTarget, type TargetSnapshot } from './target-snapshot.js';

export interface RemediationRecord {
  state: RemediationState;
  action?: 'Rollback' | 'TerminateQueries';
  reason?: string;
  message?: string;
  intendedAt?: string;
  completedAt?: string;
  fromRevision?: number;
  toRevision?: number;
  fromResourceVersion?: string;
  fromGeneration?: number;
  monitoringStartedAt?: string;
  healthySince?: string;
  [k: string]: unknown;
}

export interface Remediator {
  /** Moves the remediation one step; may write status (intent) through `persist` before acting. */
  remediate(ctx: RemediationContext): Promise<RemediationRecord>;
}

export interface RemediationContext {
  incident: Incident;
  status: IncidentStatus;
  diagnosis: DiagnosisRecord;
  target?: TargetSnapshot;
  now: Date;
  /** Writes `status` with the given remediation record now (intent before action); returns the fresh object. */
  persist(remediation: RemediationRecord, timeline?: { type: string; reason: string; message: string }): Promise<void>;
}

export interface EscalationNote { type: string; reason: string; message: string; warn?: boolean }

export interface Escalator {
  /** SLA deadlines under the incident's escalation policy (business-hours calendars for P2/P3). */
  deadlines?(incident: Incident, openedAt: Date): { acknowledgeBy: Date; respondBy: Date };
  /** Decides escalation and notifications for the (already updated) status; returns the new status. */
  escalate(incident: Incident, status: IncidentStatus, now: Date): Promise<{ status: IncidentStatus; requeueAfterMs?: number; notes?: EscalationNote[] }>;
  /** Delivers due notifications after status was written; returns an updated status when delivery state changed. */
  deliver?(incident: Incident, status: IncidentStatus, now: Date): Promise<{ status: IncidentStatus; requeueAfterMs?: number } | undefined>;
}

export interface IncidentReconcilerDeps {
  clock: Clock;
  config: OperatorConfig;
  log: Logger;
  caches: Caches;
  incidents: IncidentClient;
  events: EventRecorder;
  diagnose(incident: Incident, target: TargetSnapshot | undefined, otherCrashLooping: string[]): Promise<DiagnosisRecord>;
  remediator: Remediator;
  escalator?: Escalator;
  /** Live read (not the cache): does the target Deployment exist? 404 → false; other errors throw. */
  targetExists?(namespace: string, name: string): Promise<boolean>;
  /** Fresh database check while monitoring a database incident (reachable and no query over the threshold). */
  checkDatabaseHealthy?(incident: Incident): Promise<{ healthy: boolean; summary: string }>;
  onPhase?(incident: Incident, from: Phase | undefined, to: Phase): void;
  /** Called after every successful status write (e.g. the durable incident log); must not throw. */
  onStatusWritten?(incident: Incident): void;
}

type NewEvent = { type: 'Normal' | 'Warning'; reason: string; message: string };

export class IncidentReconciler {
  /** The last object this reconciler wrote per key: newer than the cache until the watch catches up. */
  private readonly written = new Map<string, Incident>();

  constructor(private readonly d: IncidentReconcilerDeps) {}

  private newest(key: string, cached: Incident): Incident {
    const mine = this.written.get(key);
    if (!mine || mine.metadata.uid !== cached.metadata.uid) { this.written.delete(key); return cached; }
    if (Number(mine.metadata.resourceVersion) > Number(cached.metadata.resourceVersion)) return mine;
    this.written.delete(key);
    return cached;
  }

  private async writeStatus(key: string, incident: Incident, status: IncidentStatus): Promise<Incident> {
    const updated = await this.d.incidents.replaceStatus(incident, status);
    this.written.set(key, updated);
    try { this.d.onStatusWritten?.(updated); } catch (e) { this.d.log.warn('status hook failed', { error: (e as Error).message }); }
    return updated;
  }

  reconcile = async (key: string): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    if (this.d.caches.fresh && !this.d.caches.fresh()) return { requeueAfterMs: 1000 }; // stale caches: decide later
    const cached = this.d.caches.incidents.get(namespace, name);
    if (!cached) { this.written.delete(key); return; }
    let incident: Incident = this.newest(key, cached);
    const now = this.d.clock.now();
    const reconcileId = randomUUID().slice(0, 8);
    const gen = incident.metadata.generation;
    let status: IncidentStatus = structuredClone(incident.status ?? {}) as IncidentStatus;
    const events: NewEvent[] = [];
    const requeue: (number | undefined)[] = [];
    const note = (type: string, reason: string, message: string, warn = false) => {
      status = appendTimeline(status, { time: now.toISOString(), phase: status.phase, type, reason, message });
      events.push({ type: warn ? 'Warning' : 'Normal', reason, message });
    };

    // 1. open: deadlines from the severity table.
    if (!status.openedAt) {
      const openedAt = toDate(incident.metadata.creationTimestamp) ?? now;
      const dl = this.d.escalator?.deadlines?.(incident, openedAt)
        ?? computeDeadlines(incident.spec.severity, openedAt, { acknowledgeMinutes: this.d.config.acknowledgeMinutes, responseMinutes: this.d.config.responseMinutes });
      status.openedAt = openedAt.toISOString();
      status.acknowledgeBy = dl.acknowledgeBy.toISOString();
      status.respondBy = dl.respondBy.toISOString();
      status.phase = 'Pending';
      if (incident.metadata.labels?.[Label.createdBy] === 'crashloop-detector') {
        note('Detected', 'CrashLoopDetected', incident.spec.description ?? incident.spec.summary, true);
      }
      note('Opened', Reason.Opened, `${incident.spec.severity} incident opened: acknowledge by ${status.acknowledgeBy}, respond by ${status.respondBy}`);
    }
    const terminal = status.phase === 'Resolved' || status.phase === 'Failed';

    // 2. a person acknowledges (stops the acknowledge clock, not the response clock).
    const ack = incident.spec.acknowledgement;
    if (ack && !status.acknowledgedAt) {
      status.acknowledgedAt = ack.acknowledgedAt ?? now.toISOString();
      status.conditions = setCondition(status.conditions, { type: ConditionType.Acknowledged, status: 'True', reason: Reason.AcknowledgedByPerson, message: `acknowledged by ${ack.acknowledgedBy}` }, now, gen);
      note('Acknowledged', Reason.AcknowledgedByPerson, `acknowledged by ${ack.acknowledgedBy}`);
    } else if (!ack && !status.acknowledgedAt) {
      status.conditions = setCondition(status.conditions, { type: ConditionType.Acknowledged, status: 'False', reason: Reason.AwaitingAcknowledgement, message: `not acknowledged; acknowledge by ${status.acknowledgeBy}` }, now, gen);
    }

    // 3. gather the target from the caches.
    const targetName = incident.spec.target?.name;
    const target = targetName && !terminal ? snapshotTarget(this.d.caches, namespace, targetName, this.d.config.crashLoopRestartThreshold) : undefined;
    if (target && !target.deployment && this.d.targetExists && await this.d.targetExists(namespace, targetName!)) {
      // The cache lags behind the API server (a Deployment created with the Incident, a watch re-listing
      // after an outage): never conclude "not found" from the cache alone. Come back once it caught up.
      this.d.log.debug('target not in the cache yet', { incident: key, target: targetName });
      return { requeueAfterMs: 500 };
    }
    if (target) {
      const found = !!target.deployment;
      // Once deleted, stays "deleted" on later reconciles (the condition is already False by then).
      const prevFound = status.conditions?.find((c) => c.type === ConditionType.TargetFound);
      const wasFound = prevFound?.status === 'True' || prevFound?.reason === Reason.TargetDeleted;
      status.conditions = setCondition(status.conditions, {
        type: ConditionType.TargetFound, status: found ? 'True' : 'False',
        reason: found ? Reason.TargetFound : wasFound ? Reason.TargetDeleted : Reason.TargetNotFound,
        message: found ? `Deployment ${targetName} found` : `Deployment ${namespace}/${targetName} ${wasFound ? 'was deleted during the incident' : 'not found'}`,
      }, now, gen);
      if (target.podHealth) {
        status.podHealth = podHealthStatus(target);
        status.conditions = setCondition(status.conditions, {
          type: ConditionType.TargetHealthy, status: target.healthy ? 'True' : 'False',
          reason: target.healthy ? Reason.PodsHealthy : Reason.PodsUnhealthy, message: target.summary,
        }, now, gen);
      }
    }

    // 4. diagnose (once per generation while Diagnosing).
    if (status.phase === 'Pending') this.transition(status, 'Diagnosing', 'DiagnosisStarted', 'diagnosing: pods, logs, rollout history' + (incident.spec.database ? ', database' : ''), note);
    let diagnosis = status.diagnosis as DiagnosisRecord | undefined;
    if (status.phase === 'Diagnosing' && (!diagnosis || diagnosis.generation !== (gen ?? 0))) {
      const others = targetName ? otherCrashLoopingDeployments(this.d.caches, namespace, targetName, this.d.config.crashLoopRestartThreshold) : [];
      diagnosis = await this.d.diagnose(incident, target, others);
      status.diagnosis = diagnosis as unknown as Record<string, unknown>;
      status.conditions = setCondition(status.conditions, { type: ConditionType.Diagnosed, status: 'True', reason: Reason.DiagnosisComplete, message: diagnosis.summary }, now, gen);
      note('Diagnosed', Reason.DiagnosisComplete, diagnosis.summary);
      events.push(...diagnosisFindings(diagnosis));
      if (diagnosis.proposal.action === 'Rollback' || diagnosis.proposal.action === 'TerminateQueries') {
        note('RemediationProposed', diagnosis.proposal.reason, diagnosis.proposal.message);
      }
    }

    // 5. remediate. While monitoring a database incident, its health is re-checked (the diagnosis is old).
    let databaseHealthy = diagnosis?.database ? (diagnosis.database.connectivity?.reachable ?? false) && (diagnosis.database.load?.longRunningQueries.length ?? 0) === 0 : undefined;
    if (status.phase === 'Monitoring' && !targetName && incident.spec.database && this.d.checkDatabaseHealthy) {
      const check = await this.d.checkDatabaseHealthy(incident);
      databaseHealthy = check.healthy;
      status.conditions = setCondition(status.conditions, { type: ConditionType.DatabaseHealthy, status: check.healthy ? 'True' : 'False', reason: check.healthy ? 'NoLongRunningQueries' : 'DatabaseUnhealthy', message: check.summary }, now, gen);
      requeue.push(15_000);
    }
    let remediation = (status.remediation ?? { state: 'None' }) as RemediationRecord;
    const decideNow = () => decidePhase({
      now,
      phase: status.phase,
      hasTarget: !!targetName,
      target: target ? { exists: !!target.deployment, healthy: target.healthy, summary: target.summary } : undefined,
      databaseHealthy,
      resolvedByPerson: incident.spec.resolution ? { by: incident.spec.resolution.resolvedBy, note: incident.spec.resolution.note } : undefined,
      diagnosisComplete: !!diagnosis && diagnosis.generation === (gen ?? 0),
      proposal: diagnosis?.proposal,
      remediation: remediation.state,
      remediationMessage: remediation.message,
      monitoringStartedAt: toDate(remediation.monitoringStartedAt),
      healthySince: toDate(remediation.healthySince),
      monitorWindowSeconds: this.d.config.monitorWindowSeconds,
      monitorTimeoutSeconds: this.d.config.rollbackTimeoutSeconds,
    });
    let decision = decideNow();
    if (decision.phase === 'Remediating') {
      if (status.phase !== 'Remediating') this.transition(status, 'Remediating', decision.reason, decision.message, note);
      remediation = await this.d.remediator.remediate({
        incident, status, diagnosis: diagnosis!, target, now,
        persist: async (rec, entry) => {
          status.remediation = rec;
          if (entry) note(entry.type, entry.reason, entry.message);
          status.observedGeneration = gen;
          incident = await this.writeStatus(key, incident, status);
          status = structuredClone(incident.status ?? {}) as IncidentStatus;
          // Events are flushed after the action: they are not on the critical path of a rollback.
        },
      });
      status.remediation = remediation;
      if (remediation.state === 'None' && remediation.reason === Reason.RollbackConflict) {
        // The Deployment changed under us: diagnose again from the new state.
        this.transition(status, 'Diagnosing', Reason.RollbackConflict, remediation.message ?? 'the Deployment changed; re-diagnosing', note);
        status.diagnosis = undefined;
        diagnosis = undefined; // else decideNow() reuses the stale proposal and re-enters Remediating without a diagnosis
        requeue.push(1);
      }
      decision = decideNow();
    }

    // 6. phase.
    if (decision.phase !== status.phase) {
      this.transition(status, decision.phase, decision.reason, decision.message, note, decision.phase === 'Escalated');
      if (decision.phase === 'Resolved') {
        status.resolvedAt = now.toISOString();
        status.conditions = setCondition(status.conditions, { type: ConditionType.Resolved, status: 'True', reason: decision.reason, message: decision.message }, now, gen);
      }
      if (decision.phase === 'Monitoring') requeue.push(this.d.config.monitorWindowSeconds * 1000);
    }
    if (decision.phase === 'Monitoring' || status.phase === 'Monitoring') {
      const rec = { ...(status.remediation as RemediationRecord ?? { state: 'None' }) };
      rec.monitoringStartedAt = (decision.monitoringStartedAt ?? toDate(rec.monitoringStartedAt) ?? now).toISOString();
      rec.healthySince = decision.healthySince?.toISOString();
      status.remediation = stripUndefined(rec);
    } else if (status.phase === 'Escalated' || (decision.phase === 'Resolved' && decision.reason === 'RecoveredWhileEscalated')) {
      const rec = { ...(status.remediation as RemediationRecord ?? { state: 'None' }) };
      rec.healthySince = decision.healthySince?.toISOString();
      status.remediation = stripUndefined(rec);
    }
    requeue.push(decision.requeueAfterMs);

    // 7. SLA clocks as conditions, with a requeue when the next deadline is due.
    if (status.acknowledgeBy && status.respondBy) {
      const sla = slaState(
        { acknowledgeBy: new Date(status.acknowledgeBy), respondBy: new Date(status.respondBy) },
        { acknowledgedAt: toDate(status.acknowledgedAt), resolvedAt: toDate(status.resolvedAt) }, now);
      status.conditions = setCondition(status.conditions, {
        type: ConditionType.AcknowledgeDeadlineExceeded, status: sla.acknowledgeDeadlineExceeded ? 'True' : 'False',
        reason: sla.acknowledgeDeadlineExceeded ? Reason.DeadlineExceeded : Reason.WithinDeadline,
        message: sla.acknowledgeDeadlineExceeded ? `not acknowledged by ${status.acknowledgeBy}` : `acknowledge by ${status.acknowledgeBy}`,
      }, now, gen);
      status.conditions = setCondition(status.conditions, {
        type: ConditionType.ResponseDeadlineExceeded, status: sla.responseDeadlineExceeded ? 'True' : 'False',
        reason: sla.responseDeadlineExceeded ? Reason.DeadlineExceeded : Reason.WithinDeadline,
        message: sla.responseDeadlineExceeded ? `not resolved by ${status.respondBy}` : `respond by ${status.respondBy}`,
      }, now, gen);
      if (sla.nextDeadline) requeue.push(Math.max(1, sla.nextDeadline.getTime() - now.getTime()));
    }

    // 8. escalate (tiers, notifications outbox).
    if (this.d.escalator) {
      const esc = await this.d.escalator.escalate(incident, status, now);
      status = esc.status;
      for (const n of esc.notes ?? []) note(n.type, n.reason, n.message, n.warn);
      requeue.push(esc.requeueAfterMs);
    }

    // 9. write status only when it changed.
    status.observedGeneration = gen;
    const before = incident.status ?? {};
    if (!jsonEqual(stripUndefined(before), stripUndefined(status))) {
      const from = before.phase;
      incident = await this.writeStatus(key, incident, stripUndefined(status));
      if (from !== status.phase && status.phase) this.d.onPhase?.(incident, from, status.phase);
      this.d.log.info('incident status written', { incident: key, reconcileId, phase: status.phase, tier: status.escalation?.tier });
    }
    await this.flushEvents(incident, events);

    // 10. deliver notifications recorded in the outbox (after the record is durable).
    if (this.d.escalator?.deliver) {
      const delivered = await this.d.escalator.deliver(incident, structuredClone(incident.status ?? {}), this.d.clock.now());
      if (delivered) {
        // Delivery already happened: a conflicting spec change (a person acknowledging) must not lose the
        // record, or the notification would be sent again. Only this operator writes status, so the
        // fresh object's status differs from ours only by what the spec change caused: re-read and retry.
        for (let attempt = 0; attempt < 4 && !jsonEqual(incident.status ?? {}, delivered.status); attempt++) {
          try {
            incident = await this.writeStatus(key, incident, stripUndefined({ ...(incident.status ?? {}), notifications: delivered.status.notifications }));
          } catch (e) {
            if (!isConflict(e) || attempt === 3) throw e;
            incident = await this.d.incidents.get(namespace, name);
            delivered.status = { ...(incident.status ?? {}), notifications: delivered.status.notifications };
          }
        }
        requeue.push(delivered.requeueAfterMs);
      }
    }

    const waits = requeue.filter((x): x is number => typeof x === 'number' && x > 0);
    if (status.phase === 'Resolved' || status.phase === 'Failed') {
      return waits.length ? { requeueAfterMs: Math.min(...waits) } : undefined;
    }
    return { requeueAfterMs: Math.min(...waits, 5 * 60_000) };
  };

  private transition(status: IncidentStatus, to: Phase, reason: string, message: string, note: (t: string, r: string, m: string, w?: boolean) => void, warn = false) {
    if (status.phase === to) return;
    status.phase = to;
    status.phaseReason = reason || to;
    note(`Phase${to}`, reason || to, message || `phase ${to}`, warn);
  }

  private async flushEvents(incident: Incident, events: NewEvent[]): Promise<void> {
    const batch = events.splice(0);
    for (const e of batch) {
      await this.d.events.record({
        apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', name: incident.metadata.name,
        namespace: incident.metadata.namespace, uid: incident.metadata.uid, resourceVersion: incident.metadata.resourceVersion,
      }, e.type, e.reason, e.message);
    }
  }
}

function podHealthStatus(t: TargetSnapshot): Record<string, unknown> {
  const h = t.podHealth!;
  return {
    desired: h.desired, ready: h.ready, available: h.available, total: h.total,
    crashLoopingPods: h.crashLoopingPods, waitingReasons: h.waitingReasons, byRevision: h.byRevision.slice(0, 5), summary: h.summary,
  };
}

export function toDate(v: string | Date | undefined | null): Date | undefined {
  if (!v) return undefined;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function stripUndefined<T>(v: T): T {
  return JSON.parse(JSON.stringify(v ?? {})) as T;
}

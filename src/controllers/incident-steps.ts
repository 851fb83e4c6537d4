/**
 * The Incident controller's steps that need no I/O: each reads the reconcile context and updates its
 * status, timeline and Events. The reconciler (incident-reconciler.ts) runs them in the runbook's order.
 */
import type { PodHealthStatus } from '../api/pod-health.js';
import type { RemediationStatus } from '../api/remediation.js';
import { ConditionType, Label, Reason } from '../api/reasons.js';
import { computeDeadlines, slaState, type DeadlineOptions } from '../decide/sla.js';
import { decidePhase, type PhaseDecision } from '../decide/incident-phase.js';
import { parseTime } from '../decide/time.js';
import { combineVerdicts } from '../decide/health-signals.js';
import { detectRollbackReverted, detectStatefulSetRollbackReverted } from '../decide/rollback-revert.js';
import type { TargetSnapshot } from '../ports/target.js';
import type { Escalator } from '../ports/escalation.js';
import { condition, note, transition, type ReconcileContext } from './reconcile-context.js';
import { targetFound } from './statefulset-snapshot.js';

/** open: the first reconcile sets the deadlines from the severity table (or the escalation policy). */
export function openIncident(ctx: ReconcileContext, escalator: Escalator | undefined, sla: DeadlineOptions): void {
  const { status, incident } = ctx;
  if (status.openedAt) return;
  const openedAt = parseTime(incident.metadata.creationTimestamp) ?? ctx.now;
  const dl = escalator?.deadlines?.(incident, openedAt) ?? computeDeadlines(incident.spec.severity, openedAt, sla);
  status.openedAt = openedAt.toISOString();
  status.acknowledgeBy = dl.acknowledgeBy.toISOString();
  status.respondBy = dl.respondBy.toISOString();
  status.phase = 'Pending';
  if (incident.metadata.labels?.[Label.createdBy] === 'crashloop-detector') {
    note(ctx, { type: 'Detected', reason: Reason.CrashLoopDetected, message: incident.spec.description ?? incident.spec.summary, warn: true });
  }
  if (incident.metadata.labels?.[Label.createdBy] === 'signal-watcher') {
    note(ctx, { type: 'Detected', reason: Reason.SignalBreachDetected, message: incident.spec.description ?? incident.spec.summary, warn: true });
  }
  note(ctx, { type: 'Opened', reason: Reason.Opened, message: `${incident.spec.severity} incident opened: acknowledge by ${status.acknowledgeBy}, respond by ${status.respondBy}` });
}

/** person actions: an acknowledgement stops the acknowledge clock (not the response clock). */
export function applyAcknowledgement(ctx: ReconcileContext): void {
  const ack = ctx.incident.spec.acknowledgement;
  if (ctx.status.acknowledgedAt) return;
  if (ack) {
    ctx.status.acknowledgedAt = ack.acknowledgedAt ?? ctx.now.toISOString();
    condition(ctx, { type: ConditionType.Acknowledged, status: 'True', reason: Reason.AcknowledgedByPerson, message: `acknowledged by ${ack.acknowledgedBy}` });
    note(ctx, { type: 'Acknowledged', reason: Reason.AcknowledgedByPerson, message: `acknowledged by ${ack.acknowledgedBy}` });
  } else {
    condition(ctx, { type: ConditionType.Acknowledged, status: 'False', reason: Reason.AwaitingAcknowledgement, message: `not acknowledged; acknowledge by ${ctx.status.acknowledgeBy}` });
  }
}

/** gather (conditions): TargetFound and TargetHealthy from the snapshot; a deleted target stays deleted. */
export function targetConditions(ctx: ReconcileContext, target: TargetSnapshot): void {
  const found = targetFound(target);
  const kind = target.kind ?? 'Deployment';
  const prev = ctx.status.conditions?.find((c) => c.type === ConditionType.TargetFound);
  const wasFound = prev?.status === 'True' || prev?.reason === Reason.TargetDeleted;
  condition(ctx, {
    type: ConditionType.TargetFound, status: found ? 'True' : 'False',
    reason: found ? Reason.TargetFound : wasFound ? Reason.TargetDeleted : Reason.TargetNotFound,
    message: found ? `${kind} ${ctx.targetName} found` : `${kind} ${ctx.namespace}/${ctx.targetName} ${wasFound ? 'was deleted during the incident' : 'not found'}`,
  });
  if (!target.podHealth) return;
  ctx.status.podHealth = podHealthStatus(target);
  condition(ctx, {
    type: ConditionType.TargetHealthy, status: target.healthy ? 'True' : 'False',
    reason: target.healthy ? Reason.PodsHealthy : Reason.PodsUnhealthy, message: target.summary,
  });
}

function podHealthStatus(t: TargetSnapshot): PodHealthStatus {
  const h = t.podHealth!;
  return {
    desired: h.desired, ready: h.ready, available: h.available, total: h.total,
    crashLoopingPods: h.crashLoopingPods, waitingReasons: h.waitingReasons, byRevision: h.byRevision.slice(0, 5), summary: h.summary,
  };
}

export interface PhaseSettings {
  monitorWindowSeconds: number;
  monitorTimeoutSeconds: number;
  /** SYMPTOMS_REQUIRE_SIGNALS: a symptoms Incident without signals waits for a person. */
  symptomsRequireSignals?: boolean;
}

/** An APIOutage opened by a person or an alert (not a crash loop) where nothing was remediated: readiness cannot show recovery. */
function aboutSymptoms(ctx: ReconcileContext, remediation: RemediationStatus): boolean {
  const runbook = ctx.incident.spec.runbook ?? 'APIOutage';
  return runbook === 'APIOutage' && ctx.incident.metadata.labels?.[Label.createdBy] !== 'crashloop-detector' && remediation.state !== 'Succeeded';
}

function signalFacts(ctx: ReconcileContext): { configured: boolean; allHealthy: boolean; summary: string } | undefined {
  const s = ctx.status.signals;
  if (!s || s.verdicts.length === 0) return undefined;
  return { configured: true, allHealthy: combineVerdicts(s.verdicts).allHealthy, summary: s.summary };
}

/** phase: asks decidePhase (which owns every transition and the monitoring clock) and applies its answer. */
export function advancePhase(ctx: ReconcileContext, settings: PhaseSettings): PhaseDecision {
  const remediation: RemediationStatus = ctx.status.remediation ?? { state: 'None' };
  const { incident, target, diagnosis } = ctx;
  const decision = decidePhase({
    now: ctx.now,
    phase: ctx.status.phase,
    hasTarget: !!ctx.targetName,
    hasDatabase: !!incident.spec.database,
    target: target ? { exists: targetFound(target), healthy: target.healthy, summary: target.summary } : undefined,
    databaseHealthy: ctx.databaseHealthy ?? databaseHealthyByDiagnosis(ctx),
    resolvedByPerson: incident.spec.resolution ? { by: incident.spec.resolution.resolvedBy, note: incident.spec.resolution.note } : undefined,
    diagnosisComplete: !!diagnosis && diagnosis.generation === (ctx.generation ?? 0),
    proposal: diagnosis?.proposal,
    remediation: remediation.state,
    remediationReason: remediation.reason,
    remediationMessage: remediation.message,
    monitoringStartedAt: parseTime(remediation.monitoringStartedAt),
    healthySince: parseTime(remediation.healthySince),
    monitorWindowSeconds: settings.monitorWindowSeconds,
    monitorTimeoutSeconds: settings.monitorTimeoutSeconds,
    signals: signalFacts(ctx),
    symptomsNeedSignals: settings.symptomsRequireSignals === true && aboutSymptoms(ctx, remediation),
    rollbackReverted: ctx.status.phase === 'Monitoring' ? revertedMessage(ctx, remediation) : undefined,
  });
  const from = ctx.status.phase;
  if (decision.phase !== from) {
    transition(ctx, decision.phase, decision.reason, decision.message, decision.phase === 'Escalated');
    if (decision.phase === 'Resolved') {
      ctx.status.resolvedAt = ctx.now.toISOString();
      condition(ctx, { type: ConditionType.Resolved, status: 'True', reason: decision.reason, message: decision.message });
    }
    if (decision.phase === 'Monitoring') ctx.requeue.push(settings.monitorWindowSeconds * 1000);
    if (decision.phase === 'Diagnosing' && from !== 'Pending') {
      // Back to diagnosis (the Deployment changed under a rollback): the old proposal must not be reused.
      ctx.status.diagnosis = undefined;
      ctx.diagnosis = undefined;
      ctx.requeue.push(1);
    }
  }
  if (decision.clock) {
    ctx.status.remediation = {
      ...(ctx.status.remediation ?? { state: 'None' }),
      monitoringStartedAt: decision.clock.monitoringStartedAt?.toISOString(),
      healthySince: decision.clock.healthySince?.toISOString(),
    };
  }
  if (decision.reason === Reason.WaitingForSignals && decision.phase === from) {
    condition(ctx, { type: ConditionType.SignalsHealthy, status: 'Unknown', reason: Reason.WaitingForSignals, message: decision.message });
  }
  ctx.requeue.push(decision.requeueAfterMs);
  // Entering Monitoring starts the healthy window now, not one reconcile later.
  if (decision.phase === 'Monitoring' && from !== 'Monitoring') return advancePhase(ctx, settings);
  return decision;
}

/** monitor (issue 15): the bad template is back after the rollback — a controller reverted it. */
function revertedMessage(ctx: ReconcileContext, remediation: RemediationStatus): string | undefined {
  if (ctx.target?.statefulSet) {
    const sts = detectStatefulSetRollbackReverted(remediation, ctx.target.statefulSet, ctx.diagnosis?.owner?.message);
    return sts.reverted ? sts.message : undefined;
  }
  // A snapshot gathered before the rollback patch (the same reconcile, or a cache not caught up) still shows the
  // bad template: only a Deployment changed after the rollback (a newer generation than the patched one) can be a revert.
  const generation = ctx.target?.deployment?.metadata?.generation;
  if (remediation.fromGeneration !== undefined && (generation === undefined || generation <= remediation.fromGeneration)) return undefined;
  const check = detectRollbackReverted(remediation, ctx.target?.deployment, ctx.target?.replicaSets ?? [], ctx.diagnosis?.owner?.message);
  return check.reverted ? check.message : undefined;
}

function databaseHealthyByDiagnosis(ctx: ReconcileContext): boolean | undefined {
  const db = ctx.diagnosis?.database;
  if (!db) return undefined;
  return (db.connectivity?.reachable ?? false) && (db.load?.longRunningQueries.length ?? 0) === 0;
}

/** SLA: the acknowledge and response clocks as conditions, with a requeue when the next deadline is due. */
export function slaConditions(ctx: ReconcileContext): void {
  const { status, now } = ctx;
  if (!status.acknowledgeBy || !status.respondBy) return;
  const sla = slaState(
    { acknowledgeBy: new Date(status.acknowledgeBy), respondBy: new Date(status.respondBy) },
    { acknowledgedAt: parseTime(status.acknowledgedAt), resolvedAt: parseTime(status.resolvedAt) }, now);
  condition(ctx, {
    type: ConditionType.AcknowledgeDeadlineExceeded, status: sla.acknowledgeDeadlineExceeded ? 'True' : 'False',
    reason: sla.acknowledgeDeadlineExceeded ? Reason.DeadlineExceeded : Reason.WithinDeadline,
    message: sla.acknowledgeDeadlineExceeded ? `not acknowledged by ${status.acknowledgeBy}` : `acknowledge by ${status.acknowledgeBy}`,
  });
  condition(ctx, {
    type: ConditionType.ResponseDeadlineExceeded, status: sla.responseDeadlineExceeded ? 'True' : 'False',
    reason: sla.responseDeadlineExceeded ? Reason.DeadlineExceeded : Reason.WithinDeadline,
    message: sla.responseDeadlineExceeded ? `not resolved by ${status.respondBy}` : `respond by ${status.respondBy}`,
  });
  if (sla.nextDeadline) ctx.requeue.push(Math.max(1, sla.nextDeadline.getTime() - now.getTime()));
}

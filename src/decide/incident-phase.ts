/**
 * The incident phase machine: Pending → Diagnosing → Remediating → Monitoring → Resolved, plus
 * Escalated and Failed. A pure function of the gathered facts and `now`; the reconciler performs the
 * side effects each phase asks for and feeds their recorded outcome back in.
 */
import type { Phase } from '../api/incident.js';
import { Reason } from '../api/reasons.js';
export type { RemediationState } from '../api/remediation.js';
import type { RemediationState } from '../api/remediation.js';

export interface TargetFacts {
  exists: boolean;
  /** Available with every desired replica ready and no crash-looping pod. */
  healthy: boolean;
  summary: string;
}

export interface PhaseInput {
  now: Date;
  phase: Phase | undefined;
  /** The incident names a target Deployment. */
  hasTarget: boolean;
  target?: TargetFacts;
  /** Database is healthy enough to call the incident recovered (DatabasePerformance without a target). */
  databaseHealthy?: boolean;
  resolvedByPerson?: { by: string; note?: string };
  diagnosisComplete: boolean;
  /** What diagnosis proposed: a remediation, none needed, or escalate (with why). */
  proposal?: { action: 'Rollback' | 'TerminateQueries' | 'None' | 'Escalate'; reason: string; message: string };
  remediation: RemediationState;
  /** Reason of the remediation record (RollbackConflict sends the incident back to diagnosis). */
  remediationReason?: string;
  remediationMessage?: string;
  /** The incident names a database (said in the diagnosing message). */
  hasDatabase?: boolean;
  monitoringStartedAt?: Date;
  healthySince?: Date;
  monitorWindowSeconds: number;
  monitorTimeoutSeconds: number;
  /**
   * Health signals (spec.signals or the Deployment's annotation), when evaluated: recovered needs pods healthy
   * AND every signal Healthy (Unknown is not healthy). Absent: no signal is configured.
   */
  signals?: { configured: boolean; allHealthy: boolean; summary: string };
  /**
   * The incident is about symptoms pod readiness cannot show (an APIOutage a person or an alert opened, where
   * nothing was remediated): without a signal it never resolves by itself, it waits for a person.
   */
  symptomsNeedSignals?: boolean;
  /** Monitoring: the rolled-back Deployment runs the bad template again (a controller reverted it), with the evidence. */
  rollbackReverted?: string;
}

export interface PhaseDecision {
  phase: Phase;
  reason: string;
  message: string;
  /** Changed only when the phase machine wants it changed. */
  monitoringStartedAt?: Date;
  healthySince?: Date;
  requeueAfterMs?: number;
  /**
   * The monitoring clock to record in status.remediation: when present, monitoringStartedAt and
   * healthySince are set to exactly these values (undefined clears); absent leaves them as they are.
   */
  clock?: { monitoringStartedAt?: Date; healthySince?: Date };
}

const TERMINAL: readonly Phase[] = ['Resolved', 'Failed'];

/** Every phase transition, and the monitoring clock that goes with it. */
export function decidePhase(input: PhaseInput): PhaseDecision {
  const d = decideNextPhase(input);
  const clock = monitoringClock(input, d);
  return clock ? { ...d, clock } : d;
}

function monitoringClock(input: PhaseInput, d: PhaseDecision): PhaseDecision['clock'] {
  if (d.phase === 'Monitoring') return { monitoringStartedAt: d.monitoringStartedAt ?? input.monitoringStartedAt ?? input.now, healthySince: d.healthySince };
  if (d.phase === 'Escalated' || (d.phase === 'Resolved' && d.reason === Reason.RecoveredWhileEscalated)) {
    return { monitoringStartedAt: input.monitoringStartedAt, healthySince: d.healthySince };
  }
  return undefined;
}

function decideNextPhase(input: PhaseInput): PhaseDecision {
  const phase = input.phase ?? 'Pending';
  if (TERMINAL.includes(phase)) return { phase, reason: '', message: '' };
  if (input.resolvedByPerson) {
    const note = input.resolvedByPerson.note ? `: ${input.resolvedByPerson.note}` : '';
    return { phase: 'Resolved', reason: Reason.ResolvedByPerson, message: `resolved by ${input.resolvedByPerson.by}${note}` };
  }
  if (phase === 'Pending') {
    return { phase: 'Diagnosing', reason: Reason.DiagnosisStarted, message: `diagnosing: pods, logs, rollout history${input.hasDatabase ? ', database' : ''}` };
  }

  if (input.hasTarget && input.target && !input.target.exists && phase !== 'Escalated') {
    const reason = phase === 'Diagnosing' ? Reason.TargetNotFound : Reason.TargetDeleted;
    return { phase: 'Escalated', reason, message: input.target.summary };
  }

  switch (phase) {
    case 'Diagnosing': return afterDiagnosis(input);
    case 'Remediating': return afterRemediation(input);
    case 'Monitoring': return monitor(input);
    case 'Escalated': return recoverWhileEscalated(input);
    default: return { phase, reason: '', message: '' };
  }
}

function afterDiagnosis(input: PhaseInput): PhaseDecision {
  if (!input.diagnosisComplete || !input.proposal) return { phase: 'Diagnosing', reason: '', message: '' };
  const p = input.proposal;
  switch (p.action) {
    case 'Rollback':
    case 'TerminateQueries':
      return { phase: 'Remediating', reason: p.reason, message: p.message };
    case 'None':
      return { phase: 'Monitoring', reason: p.reason, message: p.message, monitoringStartedAt: input.now };
    case 'Escalate':
      return { phase: 'Escalated', reason: p.reason, message: p.message };
  }
}

function afterRemediation(input: PhaseInput): PhaseDecision {
  const msg = input.remediationMessage ?? '';
  if (input.remediation === 'None' && input.remediationReason === Reason.RollbackConflict) {
    return { phase: 'Diagnosing', reason: Reason.RollbackConflict, message: msg || 'the Deployment changed; re-diagnosing' };
  }
  switch (input.remediation) {
    case 'Succeeded':
      return { phase: 'Monitoring', reason: Reason.MonitoringStarted, message: msg || 'remediation applied; monitoring', monitoringStartedAt: input.now };
    case 'Skipped':
      return { phase: 'Monitoring', reason: Reason.RollbackSkipped, message: msg || 'nothing to change; monitoring', monitoringStartedAt: input.now };
    case 'Refused':
      return { phase: 'Escalated', reason: Reason.RollbackRefused, message: msg };
    case 'Failed':
      return { phase: 'Escalated', reason: Reason.RemediationFailed, message: msg };
    default:
      return { phase: 'Remediating', reason: '', message: '' };
  }
}

/**
 * An escalated incident stays with the people it was escalated to — unless its target recovers on its
 * own and stays healthy for the monitoring window (the alert "clears"), as Alertmanager and PagerDuty
 * resolve cleared alerts. An incident without a target stays escalated until a person resolves it.
 */
function recoverWhileEscalated(input: PhaseInput): PhaseDecision {
  const { now } = input;
  if (!input.hasTarget || !input.target?.exists || !input.target.healthy) return { phase: 'Escalated', reason: '', message: '', healthySince: undefined };
  if (waitsForSignals(input) || (input.signals?.configured && !input.signals.allHealthy)) return { phase: 'Escalated', reason: '', message: '', healthySince: undefined };
  const since = input.healthySince ?? now;
  const due = since.getTime() + input.monitorWindowSeconds * 1000;
  if (now.getTime() >= due) {
    return { phase: 'Resolved', reason: Reason.RecoveredWhileEscalated, message: `target healthy for ${input.monitorWindowSeconds}s: ${input.target.summary}`, healthySince: since };
  }
  return { phase: 'Escalated', reason: '', message: '', healthySince: since, requeueAfterMs: due - now.getTime() };
}

/** A symptoms incident without any signal: pod readiness alone never resolves it. */
function waitsForSignals(input: PhaseInput): boolean {
  return input.symptomsNeedSignals === true && !input.signals?.configured;
}

function monitor(input: PhaseInput): PhaseDecision {
  const { now } = input;
  const started = input.monitoringStartedAt ?? now;
  // Never fight a controller: a reverted rollback is not retried, it is escalated with the evidence.
  if (input.rollbackReverted) return { phase: 'Escalated', reason: Reason.RollbackReverted, message: input.rollbackReverted.slice(0, 1024) };
  if (waitsForSignals(input)) {
    // No timeout: nothing was remediated, so there is nothing to time out; the SLA deadlines escalate.
    return {
      phase: 'Monitoring', reason: Reason.WaitingForSignals, monitoringStartedAt: started, healthySince: undefined,
      message: 'waiting for a person to resolve (kubectl incident resolve) or for a health signal: no signal is configured ' +
        '(spec.signals or the Deployment\'s runbook.dev/signals annotation), and ready pods do not show that the symptoms are gone',
    };
  }
  const podsHealthy = input.hasTarget ? input.target?.healthy === true : input.databaseHealthy !== false;
  const signalsHealthy = !input.signals?.configured || input.signals.allHealthy;
  const healthy = podsHealthy && signalsHealthy;
  if (healthy) {
    const since = input.healthySince ?? now;
    const due = since.getTime() + input.monitorWindowSeconds * 1000;
    if (now.getTime() >= due) {
      const reason = input.remediation === 'Succeeded' ? Reason.RecoveredAfterRemediation : Reason.ResolvedAutomatically;
      const signals = input.signals?.configured ? `; signals: ${input.signals.summary}` : '';
      return { phase: 'Resolved', reason, message: `healthy for ${input.monitorWindowSeconds}s${input.target ? `: ${input.target.summary}` : ''}${signals}`.slice(0, 1024), healthySince: since };
    }
    return { phase: 'Monitoring', reason: '', message: '', healthySince: since, monitoringStartedAt: started, requeueAfterMs: due - now.getTime() };
  }
  const timeoutAt = started.getTime() + input.monitorTimeoutSeconds * 1000;
  if (now.getTime() >= timeoutAt) {
    return {
      phase: 'Escalated', reason: Reason.MonitoringTimedOut,
      message: `not healthy ${input.monitorTimeoutSeconds}s after remediation${input.target ? `: ${input.target.summary}` : ''}${input.signals?.configured && !signalsHealthy ? `; signals: ${input.signals.summary}` : ''}`.slice(0, 1024),
    };
  }
  return { phase: 'Monitoring', reason: '', message: '', monitoringStartedAt: started, healthySince: undefined, requeueAfterMs: Math.min(timeoutAt - now.getTime(), 30_000) };
}

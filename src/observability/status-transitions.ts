/**
 * What one Incident status write means for the metrics: the facts that became true between the status the
 * write was based on (`before`) and the written one (`after`). Pure: no I/O, no clock (every time comes from
 * the status). A fact is reported once — when it appears — so a replayed write, a resync or a new leader
 * re-writing an incident counts nothing twice.
 */
import type { Incident, IncidentStatus, Severity } from '../api/incident.js';
import { ConditionType } from '../api/reasons.js';
import type { RemediationState } from '../api/remediation.js';
import { parseTime } from '../decide/time.js';

export type SlaKind = 'acknowledge' | 'response';
export type RollbackOutcome = 'succeeded' | 'failed' | 'refused' | 'skipped' | 'awaiting_approval';

export type StatusFact =
  | { kind: 'acknowledged'; severity: Severity; seconds: number }
  | { kind: 'resolved'; severity: Severity; seconds: number }
  | { kind: 'sla-breach'; severity: Severity; sla: SlaKind }
  | { kind: 'rollback'; severity: Severity; namespace: string; outcome: RollbackOutcome; reason: string; secondsSinceOpened?: number };

const RollbackOutcomes: Partial<Record<RemediationState, RollbackOutcome>> = {
  Succeeded: 'succeeded', Failed: 'failed', Refused: 'refused', Skipped: 'skipped', AwaitingApproval: 'awaiting_approval',
};

const SlaConditions: readonly [string, SlaKind][] = [
  [ConditionType.AcknowledgeDeadlineExceeded, 'acknowledge'],
  [ConditionType.ResponseDeadlineExceeded, 'response'],
];

function secondsBetween(from: string | undefined, to: string | undefined): number | undefined {
  const a = parseTime(from);
  const b = parseTime(to);
  if (a === undefined || b === undefined) return undefined;
  return Math.max(0, (b.getTime() - a.getTime()) / 1000);
}

const isTrue = (s: IncidentStatus | undefined, type: string): boolean => !!s?.conditions?.some((c) => c.type === type && c.status === 'True');

/** The facts that `after` (the written Incident) adds to `before` (the status the write replaced). */
export function statusFacts(before: IncidentStatus | undefined, after: Incident): StatusFact[] {
  const now = after.status ?? {};
  const prev = before ?? {};
  const severity = after.spec.severity;
  const facts: StatusFact[] = [];
  if (now.acknowledgedAt && !prev.acknowledgedAt) {
    const seconds = secondsBetween(now.openedAt, now.acknowledgedAt);
    if (seconds !== undefined) facts.push({ kind: 'acknowledged', severity, seconds });
  }
  if (now.resolvedAt && !prev.resolvedAt) {
    const seconds = secondsBetween(now.openedAt, now.resolvedAt);
    if (seconds !== undefined) facts.push({ kind: 'resolved', severity, seconds });
  }
  for (const [type, sla] of SlaConditions) {
    if (isTrue(now, type) && !isTrue(prev, type)) facts.push({ kind: 'sla-breach', severity, sla });
  }
  const r = now.remediation;
  const outcome = r?.action === 'Rollback' ? RollbackOutcomes[r.state] : undefined;
  const p = prev.remediation;
  const changed = !p || p.state !== r?.state || p.reason !== r?.reason || p.action !== r?.action;
  if (r && outcome && changed) {
    const secondsSinceOpened = outcome === 'succeeded' ? secondsBetween(now.openedAt, r.completedAt) : undefined;
    facts.push({ kind: 'rollback', severity, namespace: after.metadata.namespace, outcome, reason: r.reason ?? 'Unknown', ...(secondsSinceOpened !== undefined ? { secondsSinceOpened } : {}) });
  }
  return facts;
}

/** Undelivered outbox entries of the cached incidents and the age of the oldest (seconds), at `now`. */
export function outboxBacklog(incidents: readonly Incident[], now: Date): { pending: number; oldestAgeSeconds: number } {
  let pending = 0;
  let oldest = Infinity;
  for (const i of incidents) {
    for (const e of i.status?.notifications?.outbox ?? []) {
      if (e.state !== 'Pending') continue;
      pending += 1;
      const t = parseTime(e.createdAt)?.getTime();
      if (t !== undefined) oldest = Math.min(oldest, t);
    }
  }
  return { pending, oldestAgeSeconds: oldest === Infinity ? 0 : Math.max(0, (now.getTime() - oldest) / 1000) };
}

/**
 * The escalation payload the runbook asks for ("When escalating, provide: detailed description, impact
 * assessment, all troubleshooting steps already attempted, relevant logs and metrics"), built from the
 * Incident's status — which holds only redacted evidence. Pure.
 */
import type { Incident, IncidentStatus } from '../api/incident.js';
import type { NotificationEvent, NotificationKind } from '../notify/types.js';

export interface EventContext {
  /** `change` entries (PagerDuty Change Events) are not built from this event; they read as a phase change. */
  kind: NotificationKind | 'change';
  tier: number;
  tierName: string;
  reason: string;
  now: Date;
  /** Replaces the kind's default ask (e.g. a fallback: "on-call unreachable through PagerDuty"). */
  ask?: string;
}

const ASK: Record<NotificationKind, string> = {
  opened: 'Acknowledge within 15 minutes (kubectl incident ack NAME) and begin investigating.',
  escalated: 'You are the next tier: acknowledge, review the evidence and attempted steps, and take over.',
  'phase-changed': 'For your information: no action needed unless you own this incident.',
  acknowledged: 'No action: a responder has acknowledged.',
  resolved: 'No action: the incident is resolved. P0/P1: schedule the post-mortem within 48 hours.',
  'postmortem-reminder': 'Write the post-mortem (kubectl incident postmortem NAME gives the draft) and mark it done: kubectl incident postmortem-done NAME --link URL.',
};

export function buildNotificationEvent(incident: Incident, status: IncidentStatus, ctx: EventContext): NotificationEvent {
  const diagnosis = status.diagnosis;
  const pods = status.podHealth;
  const openedAt = status.openedAt ? Date.parse(status.openedAt) : ctx.now.getTime();
  const metrics: Record<string, number | string> = {};
  if (pods) {
    metrics.replicasDesired = pods.desired;
    metrics.replicasReady = pods.ready;
    metrics.crashLoopingPods = pods.crashLoopingPods;
  }
  const db = diagnosis?.database;
  if (db?.connectivity) metrics.databaseLatencyMs = db.connectivity.totalLatencyMs;
  if (db?.load) metrics.longRunningQueries = db.load.longRunningQueries.length;
  if (db?.load?.connections) metrics.databaseConnections = `${db.load.connections.used}/${db.load.connections.maxConnections}`;
  if (db?.activity) {
    metrics.databaseCommitsInWindow = db.activity.commits;
    metrics.databaseDeadlocksInWindow = db.activity.deadlocks;
    if (db.activity.cacheHitRatio !== null) metrics.databaseCacheHitRatio = db.activity.cacheHitRatio;
  }
  // Health signals, the runbook's "relevant metrics": each value (a number) and its verdict against the threshold.
  for (const v of (status.signals ?? diagnosis?.signals)?.verdicts ?? []) {
    metrics[`signal.${v.name}`] = v.value ?? 'Unknown';
    metrics[`signal.${v.name}.verdict`] = v.verdict === 'Unknown' ? `Unknown (${v.reason ?? 'no value'})` : `${v.verdict} (breach when ${v.comparison} ${v.threshold})`;
  }
  return {
    incidentUid: incident.metadata.uid ?? `${incident.metadata.namespace}/${incident.metadata.name}`,
    incidentName: incident.metadata.name,
    namespace: incident.metadata.namespace,
    severity: incident.spec.severity,
    phase: status.phase ?? 'Pending',
    summary: `${incident.spec.summary}${diagnosis?.summary ? ` — ${diagnosis.summary}` : ''}`,
    target: incident.spec.target?.name,
    tier: ctx.tier,
    tierName: ctx.tierName,
    kind: ctx.kind === 'change' ? 'phase-changed' : ctx.kind,
    reason: ctx.reason,
    actionsTaken: (status.timeline ?? []).map((t) => `${t.time} ${t.type}: ${t.message}`).slice(-20),
    impact: {
      replicasAvailable: pods?.available,
      replicasDesired: pods?.desired,
      openForSeconds: Math.max(0, Math.round((ctx.now.getTime() - openedAt) / 1000)),
    },
    logSignatures: (diagnosis?.logs?.signatures ?? []).slice(0, 5),
    metrics,
    ask: ctx.ask ?? ASK[ctx.kind === 'change' ? 'phase-changed' : ctx.kind],
    occurredAt: ctx.now.toISOString(),
  };
}

/**
 * The escalation payload the runbook asks for ("When escalating, provide: detailed description, impact
 * assessment, all troubleshooting steps already attempted, relevant logs and metrics"), built from the
 * Incident's status — which holds only redacted evidence. Pure.
 */
import type { Incident, IncidentStatus } from '../api/incident.js';
import type { NotificationEvent, NotificationKind } from '../notify/types.js';

export interface EventContext {
  kind: NotificationKind;
  tier: number;
  tierName: string;
  reason: string;
  now: Date;
}

const ASK: Record<NotificationKind, string> = {
  opened: 'Acknowledge within 15 minutes (kubectl incident ack NAME) and begin investigating.',
  escalated: 'You are the next tier: acknowledge, review the evidence and attempted steps, and take over.',
  'phase-changed': 'For your information: no action needed unless you own this incident.',
  acknowledged: 'No action: a responder has acknowledged.',
  resolved: 'No action: the incident is resolved. P0/P1: schedule the post-mortem within 48 hours.',
};

export function buildNotificationEvent(incident: Incident, status: IncidentStatus, ctx: EventContext): NotificationEvent {
  const diagnosis = (status.diagnosis ?? {}) as { summary?: string; logs?: { signatures?: { signature: string; count: number }[] }; database?: { connectivity?: { totalLatencyMs?: number; reachable?: boolean }; load?: { longRunningQueries?: unknown[]; connections?: { used?: number; maxConnections?: number } } } };
  const pods = (status.podHealth ?? {}) as { ready?: number; available?: number; desired?: number; crashLoopingPods?: number; total?: number };
  const openedAt = status.openedAt ? Date.parse(status.openedAt) : ctx.now.getTime();
  const metrics: Record<string, number | string> = {};
  if (pods.desired !== undefined) metrics.replicasDesired = pods.desired;
  if (pods.ready !== undefined) metrics.replicasReady = pods.ready;
  if (pods.crashLoopingPods !== undefined) metrics.crashLoopingPods = pods.crashLoopingPods;
  if (diagnosis.database?.connectivity?.totalLatencyMs !== undefined) metrics.databaseLatencyMs = diagnosis.database.connectivity.totalLatencyMs;
  if (diagnosis.database?.load?.longRunningQueries) metrics.longRunningQueries = diagnosis.database.load.longRunningQueries.length;
  if (diagnosis.database?.load?.connections?.used !== undefined) metrics.databaseConnections = `${diagnosis.database.load.connections.used}/${diagnosis.database.load.connections.maxConnections}`;
  return {
    incidentUid: incident.metadata.uid ?? `${incident.metadata.namespace}/${incident.metadata.name}`,
    incidentName: incident.metadata.name,
    namespace: incident.metadata.namespace,
    severity: incident.spec.severity,
    phase: status.phase ?? 'Pending',
    summary: `${incident.spec.summary}${diagnosis.summary ? ` — ${diagnosis.summary}` : ''}`,
    target: incident.spec.target?.name,
    tier: ctx.tier,
    tierName: ctx.tierName,
    kind: ctx.kind,
    reason: ctx.reason,
    actionsTaken: (status.timeline ?? []).map((t) => `${t.time} ${t.type}: ${t.message}`).slice(-20),
    impact: {
      replicasAvailable: pods.available,
      replicasDesired: pods.desired,
      openForSeconds: Math.max(0, Math.round((ctx.now.getTime() - openedAt) / 1000)),
    },
    logSignatures: (diagnosis.logs?.signatures ?? []).slice(0, 5),
    metrics,
    ask: ASK[ctx.kind],
    occurredAt: ctx.now.toISOString(),
  };
}

/**
 * Records the runbook metrics where the events happen: every Incident status write (the reconciler's
 * onStatusWritten hook, with the status the write replaced), every notification delivery attempt (the
 * escalator's onDelivery hook) and, at scrape time, the outbox backlog from the cache.
 */
import type { Incident, IncidentStatus } from '../api/incident.js';
import type { OutboxEntry } from '../api/notifications.js';
import { parseTime } from '../decide/time.js';
import type { Clock } from '../runtime/clock.js';
import type { OperatorMetrics } from '../server/metrics.js';
import { outboxBacklog, statusFacts } from './status-transitions.js';

/** Observes the facts one status write adds (time to acknowledge / resolve, SLA breaches, rollbacks). */
export function recordStatusWrite(metrics: OperatorMetrics, before: IncidentStatus | undefined, after: Incident): void {
  for (const f of statusFacts(before, after)) {
    switch (f.kind) {
      case 'acknowledged': metrics.timeToAcknowledge.observe({ severity: f.severity }, f.seconds); break;
      case 'resolved': metrics.timeToResolve.observe({ severity: f.severity }, f.seconds); break;
      case 'sla-breach': metrics.slaBreaches.inc({ kind: f.sla, severity: f.severity }); break;
      case 'rollback':
        metrics.rollbacks.inc({ incident_namespace: f.namespace, outcome: f.outcome, reason: f.reason });
        if (f.secondsSinceOpened !== undefined) metrics.detectionToRollback.observe({ severity: f.severity }, f.secondsSinceOpened);
        break;
    }
  }
}

/** Outcome label of one delivery attempt: delivered, failed (will be retried) or rejected (permanent). */
export function deliveryOutcome(result: { ok: boolean; retryable?: boolean }): 'delivered' | 'failed' | 'rejected' {
  if (result.ok) return 'delivered';
  return result.retryable === false ? 'rejected' : 'failed';
}

/** The escalator's onDelivery hook: attempts by target type and outcome, and the delay of delivered entries. */
export function deliveryRecorder(metrics: OperatorMetrics, clock: Clock) {
  return (targetType: string, result: { ok: boolean; retryable?: boolean }, entry?: Pick<OutboxEntry, 'createdAt'>): void => {
    metrics.notifications.inc({ target_type: targetType, outcome: deliveryOutcome(result) });
    const created = parseTime(entry?.createdAt);
    if (result.ok && created) metrics.notificationDelay.observe({ target_type: targetType }, Math.max(0, (clock.now().getTime() - created.getTime()) / 1000));
  };
}

/** Scrape-time gauges from the Incident cache: the outbox backlog. */
export function refreshCacheGauges(metrics: OperatorMetrics, incidents: readonly Incident[], now: Date): void {
  const backlog = outboxBacklog(incidents, now);
  metrics.outboxPending.set(backlog.pending);
  metrics.outboxOldestPendingAge.set(backlog.oldestAgeSeconds);
}

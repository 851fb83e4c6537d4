/**
 * Prometheus metrics (prom-client) on a private registry. Names and labels follow Prometheus conventions:
 * `incident_operator_` prefix for the operator's own metrics, base units (seconds), `_total` counters, and
 * `incident_namespace` (never `namespace`, which the scrape target's label owns). The process and runtime
 * metrics (`process_*`, `nodejs_*`) keep their conventional unprefixed names for standard dashboards.
 * The metrics answer the runbook's questions (time to acknowledge / resolve, SLA breaches, rollbacks,
 * notification delivery); src/observability/ records them from status transitions and builds the
 * alert rules and dashboard that read them.
 */
import { readFileSync } from 'node:fs';
import client from 'prom-client';
import type { WorkQueueMetrics } from '../runtime/work-queue.js';

/** Buckets (seconds) of human response times: 30 s … 1 day. */
export const ResponseBuckets = [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400];
/** Buckets (seconds) of automated steps: 1 s … 1 h. */
export const AutomationBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Buckets (seconds) of notification delivery delay: 100 ms … 1 h. */
export const DeliveryBuckets = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];

/** The package version (package.json next to src/ or dist/), `unknown` when it cannot be read. */
function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const version = pkg && typeof pkg === 'object' && 'version' in pkg ? pkg.version : undefined;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export class OperatorMetrics {
  readonly registry = new client.Registry();
  readonly reconciles = new client.Counter({ name: 'incident_operator_reconcile_total', help: 'Reconciles by controller and outcome', labelNames: ['controller', 'outcome'], registers: [this.registry] });
  readonly reconcileErrors = new client.Counter({ name: 'incident_operator_reconcile_errors_total', help: 'Reconciles that failed', labelNames: ['controller'], registers: [this.registry] });
  readonly reconcileDuration = new client.Histogram({ name: 'incident_operator_reconcile_duration_seconds', help: 'Reconcile duration', labelNames: ['controller'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  readonly queueDepth = new client.Gauge({ name: 'incident_operator_workqueue_depth', help: 'Work queue depth', labelNames: ['controller'], registers: [this.registry] });
  readonly queueLatency = new client.Histogram({ name: 'incident_operator_workqueue_queue_duration_seconds', help: 'Time a key waited in the queue', labelNames: ['controller'], buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [this.registry] });
  readonly retries = new client.Counter({ name: 'incident_operator_workqueue_retries_total', help: 'Rate-limited requeues', labelNames: ['controller'], registers: [this.registry] });
  readonly informerLastEventAge = new client.Gauge({ name: 'incident_operator_informer_last_event_age_seconds', help: 'Seconds since the informer last saw an event', labelNames: ['informer'], registers: [this.registry] });
  readonly informerSynced = new client.Gauge({ name: 'incident_operator_informer_synced', help: '1 when the informer cache is synced', labelNames: ['informer'], registers: [this.registry] });
  readonly incidents = new client.Gauge({ name: 'incident_operator_incidents', help: 'Incidents by phase and severity', labelNames: ['phase', 'severity'], registers: [this.registry] });
  readonly rollbacks = new client.Counter({ name: 'incident_operator_rollbacks_total', help: 'Rollback outcomes (succeeded, failed, refused, skipped, awaiting_approval) by reason', labelNames: ['incident_namespace', 'outcome', 'reason'], registers: [this.registry] });
  readonly detectionToRollback = new client.Histogram({ name: 'incident_operator_detection_to_rollback_seconds', help: 'Time from the incident opening to the rollback applied', labelNames: ['severity'], buckets: AutomationBuckets, registers: [this.registry] });
  readonly timeToAcknowledge = new client.Histogram({ name: 'incident_operator_time_to_acknowledge_seconds', help: 'Time from the incident opening to a person acknowledging it', labelNames: ['severity'], buckets: ResponseBuckets, registers: [this.registry] });
  readonly timeToResolve = new client.Histogram({ name: 'incident_operator_time_to_resolve_seconds', help: 'Time from the incident opening to its resolution', labelNames: ['severity'], buckets: ResponseBuckets, registers: [this.registry] });
  readonly slaBreaches = new client.Counter({ name: 'incident_operator_sla_breaches_total', help: 'SLA deadlines exceeded (kind: acknowledge or response)', labelNames: ['kind', 'severity'], registers: [this.registry] });
  readonly isLeader = new client.Gauge({ name: 'incident_operator_leader', help: '1 when this replica is the leader', registers: [this.registry] });
  readonly intakeAlerts = new client.Counter({ name: 'incident_operator_intake_alerts_total', help: 'Alertmanager intake: alerts by outcome (created, repeated, grouped, deferred) and refused requests (rate_limited, refused_namespace)', labelNames: ['outcome'], registers: [this.registry] });
  readonly notifications = new client.Counter({ name: 'incident_operator_notifications_total', help: 'Notification delivery attempts by target type and outcome (delivered, failed: retried, rejected: permanent)', labelNames: ['target_type', 'outcome'], registers: [this.registry] });
  readonly notificationDelay = new client.Histogram({ name: 'incident_operator_notification_delivery_delay_seconds', help: 'Time from a notification entering the outbox to its delivery', labelNames: ['target_type'], buckets: DeliveryBuckets, registers: [this.registry] });
  readonly notificationFallbacks = new client.Counter({ name: 'incident_operator_notification_fallbacks_total', help: 'Fallbacks because a notification target was unreachable (by the failing target\'s type)', labelNames: ['target_type'], registers: [this.registry] });
  readonly outboxPending = new client.Gauge({ name: 'incident_operator_notification_outbox_pending', help: 'Outbox entries not delivered yet (all incidents in the cache)', registers: [this.registry] });
  readonly outboxOldestPendingAge = new client.Gauge({ name: 'incident_operator_notification_outbox_oldest_pending_age_seconds', help: 'Age of the oldest undelivered outbox entry (0 when none)', registers: [this.registry] });
  readonly buildInfo = new client.Gauge({ name: 'incident_operator_build_info', help: 'Always 1; labels: the operator version, its source revision (BUILD_REVISION) and the Node.js version', labelNames: ['version', 'revision', 'nodejs_version'], registers: [this.registry] });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
    this.buildInfo.set({ version: packageVersion(), revision: process.env.BUILD_REVISION || 'unknown', nodejs_version: process.version }, 1);
  }

  queueHooks(controller: string): WorkQueueMetrics {
    return {
      depth: (d) => this.queueDepth.set({ controller }, d),
      retry: () => this.retries.inc({ controller }),
      queueLatency: (s) => this.queueLatency.observe({ controller }, s),
      reconcileDuration: (s, outcome) => {
        this.reconcileDuration.observe({ controller }, s);
        this.reconciles.inc({ controller, outcome });
        if (outcome === 'error' || outcome === 'terminal_error') this.reconcileErrors.inc({ controller });
      },
    };
  }
}

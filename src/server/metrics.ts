/** Prometheus metrics (prom-client) on a private registry. */
import client from 'prom-client';
import type { WorkQueueMetrics } from '../runtime/work-queue.js';

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
  readonly rollbacks = new client.Counter({ name: 'incident_operator_rollbacks_total', help: 'Rollbacks applied', labelNames: ['namespace'], registers: [this.registry] });
  readonly isLeader = new client.Gauge({ name: 'incident_operator_leader', help: '1 when this replica is the leader', registers: [this.registry] });
  readonly notifications = new client.Counter({ name: 'incident_operator_notifications_total', help: 'Notification deliveries by channel and result', labelNames: ['channel', 'result'], registers: [this.registry] });
  readonly notificationFallbacks = new client.Counter({ name: 'incident_operator_notification_fallbacks_total', help: 'Fallbacks because a notification target was unreachable (by the failing target\'s channel)', labelNames: ['channel'], registers: [this.registry] });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'incident_operator_' });
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

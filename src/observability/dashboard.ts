/**
 * The Grafana dashboard of the operator, generated from code with @grafana/grafana-foundation-sdk (a dev
 * dependency: scripts/render-observability.ts writes the JSON into the chart; the operator never imports this).
 * Rows answer the questions people ask: what is open (by severity and phase), how fast people acknowledge
 * and resolve (MTTA / MTTR, p90), which SLAs were breached, what rollbacks did and how fast, whether
 * notifications reach people, and whether the operator itself is healthy.
 * Every query names only metrics of src/server/metrics.ts (a unit test checks it, and that each is valid PromQL).
 */
import { DashboardBuilder, DatasourceVariableBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeSeriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';

export const DashboardUid = 'incident-operator';
const ds = { type: 'prometheus', uid: '${datasource}' };

/** One query of a panel: PromQL and the legend. */
export interface PanelQuery { expr: string; legend: string }

interface PanelSpec {
  title: string;
  description: string;
  kind: 'stat' | 'timeseries';
  unit: string;
  queries: PanelQuery[];
  width?: number;
}

const open = 'phase!~"Resolved|Failed"';
const meanBy = (metric: string, by: string) =>
  `sum by (${by}) (increase(${metric}_sum[$__range])) / sum by (${by}) (increase(${metric}_count[$__range]))`;
const quantileBy = (q: number, metric: string, by: string) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket[$__rate_interval])))`;

/** The rows and their panels, as data (the builder below and the tests read it). */
export const DashboardRows: readonly { title: string; panels: PanelSpec[] }[] = [
  {
    title: 'Incidents',
    panels: [
      { title: 'Open incidents by severity', kind: 'stat', unit: 'short', width: 6, description: 'Incidents not Resolved or Failed, by severity (P0 first).',
        queries: [{ expr: `sum by (severity) (incident_operator_incidents{${open}})`, legend: '{{severity}}' }] },
      { title: 'Open incidents by phase', kind: 'timeseries', unit: 'short', width: 6, description: 'Where open incidents stand in the runbook: Diagnosing, Remediating, Monitoring, Escalated.',
        queries: [{ expr: `sum by (phase) (incident_operator_incidents{${open}})`, legend: '{{phase}}' }] },
      { title: 'MTTA by severity', kind: 'stat', unit: 's', width: 6, description: 'Mean time to acknowledge over the dashboard range (opened → a person acknowledged).',
        queries: [{ expr: meanBy('incident_operator_time_to_acknowledge_seconds', 'severity'), legend: '{{severity}}' }] },
      { title: 'MTTR by severity', kind: 'stat', unit: 's', width: 6, description: 'Mean time to resolve over the dashboard range (opened → resolved).',
        queries: [{ expr: meanBy('incident_operator_time_to_resolve_seconds', 'severity'), legend: '{{severity}}' }] },
      { title: 'Time to acknowledge / resolve (p90)', kind: 'timeseries', unit: 's', width: 12, description: '90th percentile of the time to acknowledge and to resolve, by severity.',
        queries: [
          { expr: quantileBy(0.9, 'incident_operator_time_to_acknowledge_seconds', 'severity'), legend: 'acknowledge {{severity}}' },
          { expr: quantileBy(0.9, 'incident_operator_time_to_resolve_seconds', 'severity'), legend: 'resolve {{severity}}' },
        ] },
      { title: 'SLA breaches', kind: 'timeseries', unit: 'short', width: 12, description: 'Acknowledge and response deadlines exceeded, by kind and severity.',
        queries: [{ expr: 'sum by (kind, severity) (increase(incident_operator_sla_breaches_total[$__rate_interval]))', legend: '{{kind}} {{severity}}' }] },
    ],
  },
  {
    title: 'Remediation',
    panels: [
      { title: 'Rollbacks by outcome', kind: 'timeseries', unit: 'short', width: 8, description: 'Rollback outcomes: succeeded, failed, refused (no consent, unverified revision), skipped, awaiting approval.',
        queries: [{ expr: 'sum by (outcome) (increase(incident_operator_rollbacks_total[$__rate_interval]))', legend: '{{outcome}}' }] },
      { title: 'Rollbacks by reason', kind: 'stat', unit: 'short', width: 8, description: 'Rollback outcomes over the dashboard range, by reason.',
        queries: [{ expr: 'sum by (outcome, reason) (increase(incident_operator_rollbacks_total[$__range]))', legend: '{{outcome}} {{reason}}' }] },
      { title: 'Detection → rollback', kind: 'timeseries', unit: 's', width: 8, description: 'Time from the incident opening to the rollback applied (p50 and p90).',
        queries: [
          { expr: 'histogram_quantile(0.5, sum by (le) (rate(incident_operator_detection_to_rollback_seconds_bucket[$__rate_interval])))', legend: 'p50' },
          { expr: 'histogram_quantile(0.9, sum by (le) (rate(incident_operator_detection_to_rollback_seconds_bucket[$__rate_interval])))', legend: 'p90' },
        ] },
    ],
  },
  {
    title: 'Notifications',
    panels: [
      { title: 'Delivery attempts by target type and outcome', kind: 'timeseries', unit: 'ops', width: 8, description: 'Attempts per second: delivered, failed (retried), rejected (permanent).',
        queries: [{ expr: 'sum by (target_type, outcome) (rate(incident_operator_notifications_total[$__rate_interval]))', legend: '{{target_type}} {{outcome}}' }] },
      { title: 'Delivery delay (p90)', kind: 'timeseries', unit: 's', width: 8, description: 'Time from a notification entering the outbox to its delivery.',
        queries: [{ expr: quantileBy(0.9, 'incident_operator_notification_delivery_delay_seconds', 'target_type'), legend: '{{target_type}}' }] },
      { title: 'Outbox backlog', kind: 'timeseries', unit: 'short', width: 8, description: 'Undelivered notifications, the age of the oldest, and fallbacks to other targets.',
        queries: [
          { expr: 'max(incident_operator_notification_outbox_pending)', legend: 'pending' },
          { expr: 'max(incident_operator_notification_outbox_oldest_pending_age_seconds)', legend: 'oldest pending (s)' },
          { expr: 'sum by (target_type) (increase(incident_operator_notification_fallbacks_total[$__rate_interval]))', legend: 'fallbacks {{target_type}}' },
        ] },
    ],
  },
  {
    title: 'Operator health',
    panels: [
      { title: 'Leader and informers', kind: 'stat', unit: 'short', width: 6, description: 'Replicas holding the Lease (1 expected) and informers not synced (0 expected).',
        queries: [
          { expr: 'sum(incident_operator_leader)', legend: 'leaders' },
          { expr: 'count(incident_operator_informer_synced == 0) or vector(0)', legend: 'informers not synced' },
        ] },
      { title: 'Reconciles', kind: 'timeseries', unit: 'ops', width: 6, description: 'Reconciles per second by controller and outcome, and the work queue depth.',
        queries: [
          { expr: 'sum by (controller, outcome) (rate(incident_operator_reconcile_total[$__rate_interval]))', legend: '{{controller}} {{outcome}}' },
          { expr: 'sum by (controller) (incident_operator_workqueue_depth)', legend: 'depth {{controller}}' },
        ] },
      { title: 'Incident log', kind: 'timeseries', unit: 's', width: 6, description: 'Lag of the incident log (seconds the oldest unwritten state waited) and failed writes.',
        queries: [
          { expr: 'max(incident_operator_incident_log_lag_seconds)', legend: 'lag' },
          { expr: 'sum(rate(incident_operator_incident_log_failures_total[$__rate_interval]))', legend: 'failed writes/s' },
        ] },
      { title: 'Process', kind: 'timeseries', unit: 'bytes', width: 6, description: 'Resident memory and event loop lag of each replica (standard process_* / nodejs_* metrics).',
        queries: [
          { expr: 'process_resident_memory_bytes', legend: 'rss {{pod}}' },
          { expr: 'nodejs_eventloop_lag_seconds', legend: 'event loop lag {{pod}} (s)' },
        ] },
    ],
  },
];

/** Every query of the dashboard, with its panel's title. */
export function dashboardQueries(): { panel: string; expr: string }[] {
  return DashboardRows.flatMap((r) => r.panels.flatMap((p) => p.queries.map((q) => ({ panel: p.title, expr: q.expr }))));
}

/** The dashboard (Grafana JSON model). */
export function buildDashboard(): Dashboard {
  const d = new DashboardBuilder('Incident operator')
    .uid(DashboardUid)
    .description('Incidents, MTTA / MTTR, SLA breaches, rollbacks, notifications and the operator\'s own health (generated by src/observability/dashboard.ts)')
    .tags(['incident-operator', 'kubernetes'])
    .editable()
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'));
  let id = 1;
  for (const row of DashboardRows) {
    d.withRow(new RowBuilder(row.title).id(id++));
    for (const p of row.panels) {
      const panel = p.kind === 'stat' ? new StatPanel() : new TimeSeriesPanel();
      panel.id(id++).title(p.title).description(p.description).datasource(ds).unit(p.unit).span(p.width ?? 12).height(8);
      p.queries.forEach((q, i) => panel.withTarget(new DataqueryBuilder().datasource(ds).expr(q.expr).legendFormat(q.legend).refId(String.fromCharCode(65 + i))));
      d.withPanel(panel);
    }
  }
  return d.build();
}

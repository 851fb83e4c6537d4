/**
 * Alert rules for the operator's own health, as data: rendered into the chart (a PrometheusRule, and a plain
 * rules file for `promtool test rules`) by scripts/render-observability.ts. Every expression names only
 * metrics of src/server/metrics.ts (a unit test checks it against the registry).
 */

export interface AlertRule {
  alert: string;
  expr: string;
  /** Prometheus duration the condition must hold. */
  for: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string; description: string };
}

export interface RuleGroup { name: string; rules: AlertRule[] }

export const AlertRuleGroups: readonly RuleGroup[] = [
  {
    name: 'incident-operator.health',
    rules: [
      {
        alert: 'IncidentOperatorNoLeader',
        // `or vector(0)`: no replica scraped at all is no leader too.
        expr: '(sum(incident_operator_leader) or vector(0)) < 1',
        for: '5m',
        labels: { severity: 'critical' },
        annotations: {
          summary: 'No incident-operator replica holds the leader Lease',
          description: 'For 5 minutes no replica reported incident_operator_leader = 1: incidents are neither diagnosed, remediated nor escalated. Check the operator pods and the Lease in the operator namespace.',
        },
      },
      {
        alert: 'IncidentOperatorInformerNotSynced',
        expr: 'min by (pod, informer) (incident_operator_informer_synced) == 0',
        for: '10m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Informer {{ $labels.informer }} of {{ $labels.pod }} is not synced',
          description: 'The {{ $labels.informer }} cache has not been synced for 10 minutes: the replica does not reconcile (stale-cache guard). Check RBAC (list/watch) and the API server.',
        },
      },
      {
        alert: 'IncidentOperatorNotificationsFailing',
        expr: 'sum(rate(incident_operator_notifications_total{outcome!="delivered"}[15m])) / sum(rate(incident_operator_notifications_total[15m])) > 0.5',
        for: '15m',
        labels: { severity: 'critical' },
        annotations: {
          summary: 'Most notification deliveries fail',
          description: '{{ $value | humanizePercentage }} of notification attempts in the last 15 minutes failed: on-call may not be paged. See incident_operator_notifications_total by target_type and the NotificationsFailing condition of the incidents.',
        },
      },
      {
        alert: 'IncidentOperatorOutboxStuck',
        expr: 'max(incident_operator_notification_outbox_oldest_pending_age_seconds) > 900',
        for: '5m',
        labels: { severity: 'critical' },
        annotations: {
          summary: 'A notification has waited more than 15 minutes in the outbox',
          description: 'The oldest undelivered notification is {{ $value | humanizeDuration }} old: its target is unreachable or the operator is not leading.',
        },
      },
      {
        alert: 'IncidentOperatorIncidentLogLagging',
        expr: 'max(incident_operator_incident_log_lag_seconds) > 300',
        for: '5m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'The incident log is behind by more than 5 minutes',
          description: 'An incident state has waited {{ $value | humanizeDuration }} to be written to the incident log (PostgreSQL unreachable or rejecting writes). See incident_operator_incident_log_failures_total.',
        },
      },
      {
        alert: 'IncidentOperatorRollbacksFailing',
        // increase() misses a series that first appears (at 1): a failed-rollback series new in 30 minutes counts too.
        expr: 'sum by (incident_namespace, reason) (increase(incident_operator_rollbacks_total{outcome="failed"}[30m])) > 0'
          + ' or sum by (incident_namespace, reason) (incident_operator_rollbacks_total{outcome="failed"} unless incident_operator_rollbacks_total{outcome="failed"} offset 30m)',
        for: '0m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Rollbacks fail in {{ $labels.incident_namespace }} ({{ $labels.reason }})',
          description: 'An automated rollback failed in the last 30 minutes ({{ $labels.reason }}): the incident escalated to people. Check the operator\'s RBAC on Deployments and the Incident\'s status.remediation.',
        },
      },
    ],
  },
];

/** Every alert name, in order. */
export const AlertNames: readonly string[] = AlertRuleGroups.flatMap((g) => g.rules.map((r) => r.alert));

/** Metric names an expression reads (identifiers followed by a selector or range, never functions or labels). */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\$\{?\w+\}?/g, ''); // strings, Grafana variables
  const withoutLabelSets = withoutStrings.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const withoutMatchers = withoutLabelSets.replace(/\{[^}]*\}/g, '{}');
  const names = new Set<string>();
  for (const m of withoutMatchers.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)) {
    if (m[2]) continue; // a function call
    const n = m[1];
    if (!n || /^\d/.test(n) || PromqlWords.has(n)) continue;
    names.add(n);
  }
  return [...names];
}

const PromqlWords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'Inf', 'NaN', 's', 'm', 'h', 'd', 'w', 'y', 'ms']);

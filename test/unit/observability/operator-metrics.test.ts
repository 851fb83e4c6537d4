import { expect } from 'chai';
import type { Incident } from '../../../src/api/incident.js';
import { deliveryRecorder, recordStatusWrite, refreshCacheGauges } from '../../../src/observability/incident-metrics.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { OperatorMetrics } from '../../../src/server/metrics.js';

const opened = '2026-03-01T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(opened) + seconds * 1000).toISOString();

/** `name{labels} value` lines of one metric family. */
async function samples(m: OperatorMetrics, name: string): Promise<string[]> {
  const text = await m.registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('observability/operator metrics', () => {
  it('process_* and nodejs_* keep their conventional unprefixed names; everything else is incident_operator_*', async () => {
    const m = new OperatorMetrics();
    const names = (await m.registry.getMetricsAsJSON()).map((x) => x.name);
    expect(names).to.include.members(['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']);
    const other = names.filter((n) => !n.startsWith('process_') && !n.startsWith('nodejs_'));
    expect(other.filter((n) => !n.startsWith('incident_operator_'))).to.deep.equal([]);
    expect(names.filter((n) => n.startsWith('incident_operator_process_') || n.startsWith('incident_operator_nodejs_'))).to.deep.equal([]);
  });

  it('no metric has a `namespace` label (the scrape target owns it): incident_namespace instead', async () => {
    const m = new OperatorMetrics();
    recordStatusWrite(m, { openedAt: opened }, {
      metadata: { name: 'i', namespace: 'shop' }, spec: { severity: 'P1', summary: 's' },
      status: { openedAt: opened, remediation: { state: 'Succeeded', action: 'Rollback', reason: 'RolledBack', completedAt: at(30) } },
    });
    const text = await m.registry.metrics();
    expect(text).to.not.match(/[{,]namespace="/);
    expect(await samples(m, 'incident_operator_rollbacks_total')).to.deep.equal(['incident_operator_rollbacks_total{incident_namespace="shop",outcome="succeeded",reason="RolledBack"} 1']);
  });

  it('build_info is 1 with the package version and the Node.js version', async () => {
    const m = new OperatorMetrics();
    const [line] = await samples(m, 'incident_operator_build_info');
    expect(line).to.match(/^incident_operator_build_info\{version="\d+\.\d+\.\d+",revision="[^"]+",nodejs_version="v\d+\.\d+\.\d+"\} 1$/);
  });

  it('a status write records time to acknowledge / resolve, SLA breaches and detection → rollback', async () => {
    const m = new OperatorMetrics();
    const inc = (status: Incident['status']): Incident => ({ metadata: { name: 'i', namespace: 'shop' }, spec: { severity: 'P0', summary: 's' }, status });
    const ackd = inc({ openedAt: opened, acknowledgedAt: at(90), conditions: [{ type: 'ResponseDeadlineExceeded', status: 'True', reason: 'R', message: 'm', lastTransitionTime: at(90) }], remediation: { state: 'Succeeded', action: 'Rollback', reason: 'RolledBack', completedAt: at(12) } });
    recordStatusWrite(m, { openedAt: opened }, ackd);
    recordStatusWrite(m, ackd.status, ackd); // the same state again counts nothing
    const resolved = inc({ ...ackd.status, resolvedAt: at(3000) });
    recordStatusWrite(m, ackd.status, resolved);
    expect(await samples(m, 'incident_operator_time_to_acknowledge_seconds_count')).to.deep.equal(['incident_operator_time_to_acknowledge_seconds_count{severity="P0"} 1']);
    expect(await samples(m, 'incident_operator_time_to_acknowledge_seconds_sum')).to.deep.equal(['incident_operator_time_to_acknowledge_seconds_sum{severity="P0"} 90']);
    expect(await samples(m, 'incident_operator_time_to_resolve_seconds_sum')).to.deep.equal(['incident_operator_time_to_resolve_seconds_sum{severity="P0"} 3000']);
    expect(await samples(m, 'incident_operator_sla_breaches_total')).to.deep.equal(['incident_operator_sla_breaches_total{kind="response",severity="P0"} 1']);
    expect(await samples(m, 'incident_operator_detection_to_rollback_seconds_sum')).to.deep.equal(['incident_operator_detection_to_rollback_seconds_sum{severity="P0"} 12']);
  });

  it('notification attempts by target type and outcome, with the delay of delivered ones', async () => {
    const m = new OperatorMetrics();
    const clock = new FakeClock(Date.parse(at(7)));
    const record = deliveryRecorder(m, clock);
    record('slack', { ok: true }, { createdAt: opened });
    record('pagerduty', { ok: false, retryable: true }, { createdAt: opened });
    record('webhook', { ok: false, retryable: false }, { createdAt: opened });
    expect(await samples(m, 'incident_operator_notifications_total')).to.deep.equal([
      'incident_operator_notifications_total{target_type="slack",outcome="delivered"} 1',
      'incident_operator_notifications_total{target_type="pagerduty",outcome="failed"} 1',
      'incident_operator_notifications_total{target_type="webhook",outcome="rejected"} 1',
    ]);
    expect(await samples(m, 'incident_operator_notification_delivery_delay_seconds_sum')).to.deep.equal(['incident_operator_notification_delivery_delay_seconds_sum{target_type="slack"} 7']);
  });

  it('scrape-time outbox gauges from the cache', async () => {
    const m = new OperatorMetrics();
    refreshCacheGauges(m, [{ metadata: { name: 'i', namespace: 'shop' }, spec: { severity: 'P1', summary: 's' }, status: { notifications: { outbox: [{ key: 'k', target: 't', kind: 'opened', state: 'Pending', attempts: 3, createdAt: opened }] } } }], new Date(at(600)));
    expect(await samples(m, 'incident_operator_notification_outbox_pending')).to.deep.equal(['incident_operator_notification_outbox_pending 1']);
    expect(await samples(m, 'incident_operator_notification_outbox_oldest_pending_age_seconds')).to.deep.equal(['incident_operator_notification_outbox_oldest_pending_age_seconds 600']);
  });
});

import { expect } from 'chai';
import {
  buildPagerDutyEvent,
  PagerDutyDedupKeyMax,
  PagerDutySummaryMax,
  type PagerDutyAction,
  type PagerDutySeverity,
} from '../../../src/notify/pagerduty.js';
import type { NotificationEvent, NotificationKind, Severity } from '../../../src/notify/types.js';

const RoutingKey = 'R0UTINGKEYFIXTURE0000000000000000';

function event(overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    incidentUid: '3f6c1f0e-8a4b-4c51-9a57-0b6d8a1e2f10',
    incidentName: 'api-outage-7x2k',
    namespace: 'patient-advocacy',
    severity: 'P1',
    phase: 'Investigating',
    summary: 'Authentication failures for many users',
    target: 'auth-service',
    tier: 1,
    tierName: 'On-call engineer',
    kind: 'opened',
    reason: 'Alert fired: AuthErrorsHigh',
    actionsTaken: ['Collected pod status', 'Collected error log signatures'],
    impact: { replicasAvailable: 3, replicasDesired: 3, openForSeconds: 90 },
    logSignatures: [{ signature: 'token validation failed', count: 57 }],
    metrics: { login_success_ratio: 0.31 },
    ask: 'Acknowledge within 15 minutes',
    links: { incident: 'https://ops.example.org/incidents/api-outage-7x2k' },
    occurredAt: '2024-05-01T12:00:00Z',
    ...overrides,
  };
}

describe('notify/pagerduty buildPagerDutyEvent', () => {
  const actionCases: { kind: NotificationKind; action: PagerDutyAction; hasPayload: boolean }[] = [
    { kind: 'opened', action: 'trigger', hasPayload: true },
    { kind: 'escalated', action: 'trigger', hasPayload: true },
    { kind: 'phase-changed', action: 'trigger', hasPayload: true },
    { kind: 'acknowledged', action: 'acknowledge', hasPayload: false },
    { kind: 'resolved', action: 'resolve', hasPayload: false },
  ];
  for (const c of actionCases) {
    it(`maps kind ${c.kind} to event_action ${c.action}`, () => {
      const body = buildPagerDutyEvent(event({ kind: c.kind }), RoutingKey);
      expect(body.event_action).to.equal(c.action);
      expect(body.routing_key).to.equal(RoutingKey);
      expect(body.dedup_key).to.equal('3f6c1f0e-8a4b-4c51-9a57-0b6d8a1e2f10');
      expect(body.payload !== undefined).to.equal(c.hasPayload);
    });
  }

  const severityCases: { severity: Severity; expected: PagerDutySeverity }[] = [
    { severity: 'P0', expected: 'critical' },
    { severity: 'P1', expected: 'error' },
    { severity: 'P2', expected: 'warning' },
    { severity: 'P3', expected: 'info' },
  ];
  for (const c of severityCases) {
    it(`maps ${c.severity} to ${c.expected}`, () => {
      expect(buildPagerDutyEvent(event({ severity: c.severity }), RoutingKey).payload?.severity).to.equal(c.expected);
    });
  }

  const detailCases: { field: string; get: (d: Record<string, unknown>) => unknown; expected: unknown }[] = [
    { field: 'description', get: (d) => d.description, expected: 'Authentication failures for many users' },
    { field: 'impact', get: (d) => (d.impact as { text: string }).text, expected: '3/3 replicas available; open for 1m 30s' },
    { field: 'steps attempted', get: (d) => (d.steps_attempted as string[]).join('|'), expected: 'Collected pod status|Collected error log signatures' },
    { field: 'log signatures', get: (d) => JSON.stringify(d.log_signatures), expected: '{"signature":"token validation failed","count":57}' },
    { field: 'metrics', get: (d) => JSON.stringify(d.metrics), expected: '"login_success_ratio":0.31' },
    { field: 'ask', get: (d) => d.ask, expected: 'Acknowledge within 15 minutes' },
    { field: 'reason', get: (d) => d.reason, expected: 'AuthErrorsHigh' },
  ];
  for (const c of detailCases) {
    it(`custom_details carries the ${c.field}`, () => {
      const details = buildPagerDutyEvent(event(), RoutingKey).payload?.custom_details as unknown as Record<string, unknown>;
      expect(String(c.get(details))).to.include(String(c.expected));
    });
  }

  it('fills source, component, group, class and an ISO timestamp', () => {
    const p = buildPagerDutyEvent(event(), RoutingKey).payload;
    expect(p).to.include({
      source: 'k8s:patient-advocacy/deployment/auth-service',
      component: 'auth-service',
      group: 'patient-advocacy',
      class: 'opened',
      timestamp: '2024-05-01T12:00:00.000Z',
    });
    expect(p?.summary).to.match(/^\[P1\] patient-advocacy\/auth-service: Authentication failures/u);
  });

  it('uses the incident as component and source when there is no target', () => {
    const { target: _t, ...noTarget } = event();
    const p = buildPagerDutyEvent(noTarget, RoutingKey).payload;
    expect(p?.component).to.equal('api-outage-7x2k');
    expect(p?.source).to.equal('k8s:patient-advocacy/incident/api-outage-7x2k');
  });

  it('omits an unparsable timestamp', () => {
    expect(buildPagerDutyEvent(event({ occurredAt: 'yesterday' }), RoutingKey).payload).to.not.have.property('timestamp');
  });

  it('bounds dedup_key to 255 and summary to 1024 characters', () => {
    const body = buildPagerDutyEvent(event({ incidentUid: 'u'.repeat(400), summary: 'x '.repeat(3000) }), RoutingKey);
    expect(body.dedup_key).to.have.length(PagerDutyDedupKeyMax);
    expect(body.payload?.summary.length).to.be.at.most(PagerDutySummaryMax);
  });

  it('falls back to namespace/name when the uid is empty', () => {
    expect(buildPagerDutyEvent(event({ incidentUid: '' }), RoutingKey).dedup_key).to.equal('patient-advocacy/api-outage-7x2k');
  });

  it('sets client_url and links from http(s) links only', () => {
    const body = buildPagerDutyEvent(
      event({ links: { incident: 'https://ops.example.org/i/1', logs: 'file:///etc/passwd' } }),
      RoutingKey,
    );
    expect(body.client_url).to.equal('https://ops.example.org/i/1');
    expect(body.links).to.deep.equal([{ href: 'https://ops.example.org/i/1', text: 'Incident' }]);
  });

  it('refuses an empty routing key without echoing anything secret', () => {
    expect(() => buildPagerDutyEvent(event(), '')).to.throw('routingKey is required');
  });
});

import { expect } from 'chai';
import type { Incident, IncidentStatus } from '../../../src/api/incident.js';
import { buildNotificationEvent } from '../../../src/escalate/notification-event.js';

// The escalation payload's "relevant metrics" are the signal values (numbers) and verdicts, never label values.
describe('escalate/notification-event: signal values as the relevant metrics', () => {
  const incident: Incident = { metadata: { name: 'api-5xx', namespace: 'shop', uid: 'u1' }, spec: { severity: 'P1', summary: 'API endpoints return 5xx errors' } };
  const ctx = { kind: 'escalated' as const, tier: 2, tierName: 'Engineering team lead', reason: 'AcknowledgeDeadlineExceeded', now: new Date('2026-12-01T06:10:00Z') };

  it('each signal contributes its value and its verdict against the threshold', () => {
    const status: IncidentStatus = {
      phase: 'Monitoring', openedAt: '2026-12-01T06:00:00Z',
      signals: {
        evaluatedAt: '2026-12-01T06:09:59Z', source: 'Incident', summary: 's',
        verdicts: [
          { name: 'error-ratio', source: 'Prometheus', verdict: 'Breaching', value: 0.41, threshold: 0.05, comparison: '>', consecutiveBreaches: 4 },
          { name: 'health', source: 'HTTPProbe', verdict: 'Unknown', threshold: 200, comparison: '!=', reason: 'Timeout: no answer in 2000 ms' },
        ],
      },
    };
    const e = buildNotificationEvent(incident, status, ctx);
    expect(e.metrics).to.deep.include({
      'signal.error-ratio': 0.41, 'signal.error-ratio.verdict': 'Breaching (breach when > 0.05)',
      'signal.health': 'Unknown', 'signal.health.verdict': 'Unknown (Timeout: no answer in 2000 ms)',
    });
  });

  it('falls back to the diagnosis\'s signals before the first monitoring evaluation', () => {
    const status: IncidentStatus = {
      phase: 'Diagnosing',
      diagnosis: {
        generation: 1, completedAt: '2026-12-01T06:00:01Z', summary: 'x', checks: [], proposal: { action: 'None', reason: 'PodsHealthy', message: 'm' },
        signals: { evaluatedAt: '2026-12-01T06:00:01Z', source: 'Deployment', summary: 's', verdicts: [{ name: 'p99', source: 'Prometheus', verdict: 'Healthy', value: 0.2, threshold: 1, comparison: '>' }] },
      },
    };
    expect(buildNotificationEvent(incident, status, ctx).metrics).to.deep.include({ 'signal.p99': 0.2, 'signal.p99.verdict': 'Healthy (breach when > 1)' });
  });
});

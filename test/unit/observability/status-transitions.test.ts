import { expect } from 'chai';
import type { Incident, IncidentStatus } from '../../../src/api/incident.js';
import { outboxBacklog, statusFacts } from '../../../src/observability/status-transitions.js';

const opened = '2026-03-01T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(opened) + seconds * 1000).toISOString();
const cond = (type: string, status: 'True' | 'False') => ({ type, status, reason: 'R', message: 'm', lastTransitionTime: opened });
const incident = (status: IncidentStatus, severity: Incident['spec']['severity'] = 'P1'): Incident => ({
  metadata: { name: 'checkout-down', namespace: 'shop', uid: 'u1' },
  spec: { severity, summary: 'checkout down' },
  status,
});

describe('observability/status-transitions', () => {
  it('acknowledgement and resolution: seconds since opening, by severity, once', () => {
    const before: IncidentStatus = { phase: 'Diagnosing', openedAt: opened };
    const after = incident({ ...before, acknowledgedAt: at(240), resolvedAt: at(1800), phase: 'Resolved' }, 'P0');
    expect(statusFacts(before, after)).to.deep.equal([
      { kind: 'acknowledged', severity: 'P0', seconds: 240 },
      { kind: 'resolved', severity: 'P0', seconds: 1800 },
    ]);
    expect(statusFacts(after.status, after), 'the same state written again').to.deep.equal([]);
  });

  it('SLA breaches: each deadline condition turning True, by kind', () => {
    const before: IncidentStatus = { openedAt: opened, conditions: [cond('AcknowledgeDeadlineExceeded', 'False')] };
    const mid = incident({ openedAt: opened, conditions: [cond('AcknowledgeDeadlineExceeded', 'True')] }, 'P2');
    expect(statusFacts(before, mid)).to.deep.equal([{ kind: 'sla-breach', severity: 'P2', sla: 'acknowledge' }]);
    const late = incident({ openedAt: opened, conditions: [cond('AcknowledgeDeadlineExceeded', 'True'), cond('ResponseDeadlineExceeded', 'True')] }, 'P2');
    expect(statusFacts(mid.status, late)).to.deep.equal([{ kind: 'sla-breach', severity: 'P2', sla: 'response' }]);
  });

  it('rollbacks: the outcome and reason when the record reaches one, and detection → rollback seconds on success', () => {
    const intended: IncidentStatus = { openedAt: opened, remediation: { state: 'Intended', action: 'Rollback', reason: 'RollbackIntended', intendedAt: at(20) } };
    expect(statusFacts(undefined, incident(intended)), 'an intent is no outcome').to.deep.equal([]);
    const done = incident({ ...intended, remediation: { ...intended.remediation!, state: 'Succeeded', reason: 'RolledBack', completedAt: at(42) } });
    expect(statusFacts(intended, done)).to.deep.equal([
      { kind: 'rollback', severity: 'P1', namespace: 'shop', outcome: 'succeeded', reason: 'RolledBack', secondsSinceOpened: 42 },
    ]);
    expect(statusFacts(done.status, done)).to.deep.equal([]);
    const refused = incident({ openedAt: opened, remediation: { state: 'Refused', action: 'Rollback', reason: 'RemediationNotPermitted' } });
    expect(statusFacts({ openedAt: opened }, refused)).to.deep.equal([
      { kind: 'rollback', severity: 'P1', namespace: 'shop', outcome: 'refused', reason: 'RemediationNotPermitted' },
    ]);
    const terminations = incident({ openedAt: opened, remediation: { state: 'Succeeded', action: 'TerminateQueries', reason: 'QueriesTerminated' } });
    expect(statusFacts({ openedAt: opened }, terminations), 'query termination is no rollback').to.deep.equal([]);
  });

  it('a new leader re-writing an already acknowledged incident counts nothing', () => {
    const s: IncidentStatus = { openedAt: opened, acknowledgedAt: at(60), conditions: [cond('ResponseDeadlineExceeded', 'True')], remediation: { state: 'Failed', action: 'Rollback', reason: 'RollbackForbidden' } };
    expect(statusFacts(structuredClone(s), incident({ ...s, observedGeneration: 2 }))).to.deep.equal([]);
  });

  it('outbox backlog: pending entries across incidents and the oldest one\'s age', () => {
    const e = (state: 'Pending' | 'Delivered', createdAt: string) => ({ key: `k-${createdAt}`, target: 't', kind: 'opened' as const, state, attempts: 1, createdAt });
    const a = incident({ notifications: { outbox: [e('Pending', at(100)), e('Delivered', at(0))] } });
    const b = incident({ notifications: { outbox: [e('Pending', at(30))] } });
    expect(outboxBacklog([a, b, incident({})], new Date(at(130)))).to.deep.equal({ pending: 2, oldestAgeSeconds: 100 });
    expect(outboxBacklog([incident({})], new Date(at(130)))).to.deep.equal({ pending: 0, oldestAgeSeconds: 0 });
  });
});

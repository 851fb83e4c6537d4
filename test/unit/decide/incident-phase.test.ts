import { expect } from 'chai';
import { decidePhase, type PhaseInput } from '../../../src/decide/incident-phase.js';

const T0 = new Date('2026-11-27T03:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

function input(over: Partial<PhaseInput> = {}): PhaseInput {
  return {
    now: T0, phase: 'Diagnosing', hasTarget: true,
    target: { exists: true, healthy: false, summary: '0/3 ready' },
    diagnosisComplete: true, remediation: 'None',
    monitorWindowSeconds: 60, monitorTimeoutSeconds: 300,
    ...over,
  };
}

describe('decide/incident-phase: decidePhase', () => {
  const cases: [string, Partial<PhaseInput>, string, string?][] = [
    ['a new incident starts diagnosing', { phase: undefined }, 'Diagnosing', 'DiagnosisStarted'],
    ['Pending starts diagnosing', { phase: 'Pending' }, 'Diagnosing', 'DiagnosisStarted'],
    ['a person resolves from any open phase', { phase: 'Escalated', resolvedByPerson: { by: 'alice', note: 'fixed' } }, 'Resolved', 'ResolvedByPerson'],
    ['Resolved is terminal even if a person resolves again', { phase: 'Resolved', resolvedByPerson: { by: 'bob' } }, 'Resolved'],
    ['Failed is terminal', { phase: 'Failed' }, 'Failed'],
    ['missing target while diagnosing escalates (TargetNotFound)', { target: { exists: false, healthy: false, summary: 'not found' } }, 'Escalated', 'TargetNotFound'],
    ['target deleted while monitoring escalates (TargetDeleted)', { phase: 'Monitoring', target: { exists: false, healthy: false, summary: 'gone' } }, 'Escalated', 'TargetDeleted'],
    ['diagnosis not complete: keep diagnosing', { diagnosisComplete: false }, 'Diagnosing'],
    ['rollback proposed: remediate', { proposal: { action: 'Rollback', reason: 'RollbackProposed', message: 'm' } }, 'Remediating', 'RollbackProposed'],
    ['query termination proposed: remediate', { proposal: { action: 'TerminateQueries', reason: 'TerminationProposed', message: 'm' } }, 'Remediating'],
    ['nothing to do: monitor', { proposal: { action: 'None', reason: 'PodsHealthy', message: 'm' } }, 'Monitoring', 'PodsHealthy'],
    ['shared cause: escalate', { proposal: { action: 'Escalate', reason: 'SharedCauseSuspected', message: 'm' } }, 'Escalated', 'SharedCauseSuspected'],
    ['remediation succeeded: monitor', { phase: 'Remediating', remediation: 'Succeeded' }, 'Monitoring', 'MonitoringStarted'],
    ['remediation skipped (already at revision): monitor', { phase: 'Remediating', remediation: 'Skipped' }, 'Monitoring', 'RollbackSkipped'],
    ['remediation refused: escalate', { phase: 'Remediating', remediation: 'Refused' }, 'Escalated', 'RollbackRefused'],
    ['remediation failed: escalate', { phase: 'Remediating', remediation: 'Failed' }, 'Escalated', 'RemediationFailed'],
    ['awaiting approval: stay', { phase: 'Remediating', remediation: 'AwaitingApproval' }, 'Remediating'],
    ['intent recorded, not applied yet: stay', { phase: 'Remediating', remediation: 'Intended' }, 'Remediating'],
    ['escalated with an unhealthy target stays escalated', { phase: 'Escalated' }, 'Escalated'],
    ['escalated, target just recovered: stays escalated until the window passes', { phase: 'Escalated', target: { exists: true, healthy: true, summary: 'ok' } }, 'Escalated'],
    ['escalated, target healthy for the window: resolved (RecoveredWhileEscalated)', { phase: 'Escalated', target: { exists: true, healthy: true, summary: 'ok' }, healthySince: at(-60) }, 'Resolved', 'RecoveredWhileEscalated'],
    ['escalated without a target never resolves by itself', { phase: 'Escalated', hasTarget: false, target: undefined, databaseHealthy: true, healthySince: at(-600) }, 'Escalated'],
  ];
  for (const [what, over, phase, reason] of cases) {
    it(what, () => {
      const d = decidePhase(input(over));
      expect(d.phase).to.equal(phase);
      if (reason) expect(d.reason).to.equal(reason);
    });
  }

  describe('monitoring', () => {
    const monitoring = (over: Partial<PhaseInput>) => input({ phase: 'Monitoring', remediation: 'Succeeded', monitoringStartedAt: T0, ...over });
    it('healthy for less than the window: stays, remembers since when, requeues at the window end', () => {
      const d = decidePhase(monitoring({ now: at(10), target: { exists: true, healthy: true, summary: 'ok' }, healthySince: at(5) }));
      expect(d.phase).to.equal('Monitoring');
      expect(d.healthySince).to.deep.equal(at(5));
      expect(d.requeueAfterMs).to.equal(55_000);
    });
    it('healthy for the whole window after a remediation: RecoveredAfterRemediation', () => {
      const d = decidePhase(monitoring({ now: at(65), target: { exists: true, healthy: true, summary: 'ok' }, healthySince: at(5) }));
      expect([d.phase, d.reason]).to.deep.equal(['Resolved', 'RecoveredAfterRemediation']);
    });
    it('healthy without a remediation: ResolvedAutomatically', () => {
      const d = decidePhase(monitoring({ remediation: 'None', now: at(61), target: { exists: true, healthy: true, summary: 'ok' }, healthySince: at(0) }));
      expect([d.phase, d.reason]).to.deep.equal(['Resolved', 'ResolvedAutomatically']);
    });
    it('unhealthy resets the healthy clock and requeues no later than 30 s', () => {
      const d = decidePhase(monitoring({ now: at(100), healthySince: at(50) }));
      expect(d.phase).to.equal('Monitoring');
      expect(d.healthySince).to.equal(undefined);
      expect(d.requeueAfterMs).to.equal(30_000);
    });
    it('still unhealthy at the timeout: escalates (MonitoringTimedOut)', () => {
      const d = decidePhase(monitoring({ now: at(300) }));
      expect([d.phase, d.reason]).to.deep.equal(['Escalated', 'MonitoringTimedOut']);
    });
    it('a database incident without a target uses the database health', () => {
      const healthy = decidePhase(input({ phase: 'Monitoring', hasTarget: false, target: undefined, databaseHealthy: true, healthySince: T0, now: at(60), monitoringStartedAt: T0 }));
      expect(healthy.phase).to.equal('Resolved');
      const sick = decidePhase(input({ phase: 'Monitoring', hasTarget: false, target: undefined, databaseHealthy: false, now: at(10), monitoringStartedAt: T0 }));
      expect(sick.phase).to.equal('Monitoring');
    });
  });
});

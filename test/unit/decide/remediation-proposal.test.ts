import { expect } from 'chai';
import { proposeRemediation, type ProposalInput } from '../../../src/decide/remediation-proposal.js';
import type { RolloutHistory } from '../../../src/decide/rollout-history.js';

function history(current: number | null, lkg: number | null, source: 'Recorded' | 'PreviousRevisionFallback' | 'None' = 'Recorded'): RolloutHistory {
  return { revisions: [], currentRevision: current, lastKnownGood: { revision: lkg, source, note: `note ${source}` } };
}
const db = (over: Partial<NonNullable<ProposalInput['database']>> = {}) => ({ reachable: true, longRunningQueries: 0, terminationOptIn: false, summary: 'database reachable in 2 ms', ...over });

describe('decide/remediation-proposal: proposeRemediation', () => {
  const cases: [string, ProposalInput, string, string, number?][] = [
    ['healthy target: nothing to do', { runbook: 'APIOutage', targetHealthy: true, history: history(2, 1) }, 'None', 'PodsHealthy'],
    ['shared cause: escalate, never roll back', { runbook: 'CrashLoop', targetHealthy: false, history: history(2, 1), sharedCause: { shared: true, reasons: ['OlderRevisionsCrashing'], message: 'older revisions crash too' } }, 'Escalate', 'SharedCauseSuspected'],
    ['unhealthy with a recorded good revision: roll back to it', { runbook: 'CrashLoop', targetHealthy: false, history: history(3, 2) }, 'Rollback', 'RollbackProposed', 2],
    ['unhealthy with only the previous-revision fallback: roll back, saying so', { runbook: 'APIOutage', targetHealthy: false, history: history(3, 2, 'PreviousRevisionFallback') }, 'Rollback', 'RollbackProposed', 2],
    ['spec.rollback.toRevision wins', { runbook: 'APIOutage', targetHealthy: false, history: history(3, 2), requestedRevision: 1 }, 'Rollback', 'RollbackProposed', 1],
    ['no known good revision: escalate', { runbook: 'APIOutage', targetHealthy: false, history: history(1, null, 'None') }, 'Escalate', 'NoKnownGoodRevision'],
    ['the failing revision is the last known good: escalate', { runbook: 'APIOutage', targetHealthy: false, history: history(2, 2) }, 'Escalate', 'CurrentRevisionIsLastKnownGood'],
    ['database runbook, database down: escalate', { runbook: 'DatabasePerformance', database: db({ reachable: false, summary: 'database unreachable' }) }, 'Escalate', 'DatabaseUnreachable'],
    ['database runbook, no long queries: monitor', { runbook: 'DatabasePerformance', database: db() }, 'None', 'NoLongRunningQueries'],
    ['database runbook, long queries without opt-in: a person decides', { runbook: 'DatabasePerformance', database: db({ longRunningQueries: 2 }) }, 'Escalate', 'TerminationNotEnabled'],
    ['database runbook, long queries with opt-in: terminate', { runbook: 'DatabasePerformance', database: db({ longRunningQueries: 2, terminationOptIn: true }) }, 'TerminateQueries', 'TerminationProposed'],
    ['database runbook without evidence: escalate', { runbook: 'DatabasePerformance' }, 'Escalate', 'NoDatabaseEvidence'],
    ['healthy target but long queries on its database: handle the database', { runbook: 'APIOutage', targetHealthy: true, database: db({ longRunningQueries: 1, terminationOptIn: true }) }, 'TerminateQueries', 'TerminationProposed'],
  ];
  for (const [what, input, action, reason, to] of cases) {
    it(what, () => {
      const p = proposeRemediation(input);
      expect([p.action, p.reason]).to.deep.equal([action, reason]);
      if (to !== undefined) expect(p.toRevision).to.equal(to);
      expect(p.message).to.be.a('string').and.not.empty;
    });
  }
});

describe('decide/remediation-proposal: MassFailure Incident (issue 15)', () => {
  it('escalates with the list and never proposes a rollback', () => {
    const p = proposeRemediation({ runbook: 'APIOutage', massFailure: 'Mass failure: 4 Deployment(s) ... a/x, a/y' });
    expect(p).to.deep.equal({ action: 'Escalate', reason: 'MassFailure', message: 'Mass failure: 4 Deployment(s) ... a/x, a/y' });
  });
});

import { expect } from 'chai';
import { detectRollbackReverted, detectStatefulSetRollbackReverted } from '../../../src/decide/rollback-revert.js';
import { sts } from './statefulset-fixtures.js';
import { decidePhase } from '../../../src/decide/incident-phase.js';
import type { RemediationStatus } from '../../../src/api/remediation.js';
import { aDeployment, aReplicaSet, aTemplate } from './rollback-fixtures.js';

const good = aTemplate({ image: 'example.test/api:1' });
const bad = aTemplate({ image: 'example.test/api:2' });
const record: RemediationStatus = { state: 'Succeeded', action: 'Rollback', fromRevision: 2, toRevision: 1, fromTemplateHash: 'hbad', toTemplateHash: 'hgood' };

describe('decide/rollback-revert', () => {
  it('the bad template back on the Deployment after the rollback is a revert; the good one is not', () => {
    const rolledBack = aDeployment({ revision: 3, template: good });
    const rs = [aReplicaSet(3, good, { hash: 'hgood' }), aReplicaSet(2, bad, { hash: 'hbad' })];
    expect(detectRollbackReverted(record, rolledBack, rs).reverted).to.equal(false);
    // Self-heal re-applied revision 2's template: the Deployment controller renumbers it to 4.
    const reverted = aDeployment({ revision: 4, template: bad });
    const rs2 = [aReplicaSet(4, bad, { hash: 'hbad' }), aReplicaSet(3, good, { hash: 'hgood' })];
    const check = detectRollbackReverted(record, reverted, rs2, 'managed by Argo CD Application argocd/a');
    expect(check.reverted).to.equal(true);
    expect(check.message).to.include('hbad').and.include('revision 4').and.include('argocd/a');
    // Even before the controller renumbered the ReplicaSet (template compared, not the revision annotation).
    expect(detectRollbackReverted(record, aDeployment({ revision: 3, template: bad }), rs).reverted).to.equal(true);
  });

  it('a new, different release is not a revert; neither is a record that did not roll back', () => {
    const third = aTemplate({ image: 'example.test/api:3' });
    const rs = [aReplicaSet(4, third, { hash: 'hnew' }), aReplicaSet(3, good, { hash: 'hgood' }), aReplicaSet(2, bad, { hash: 'hbad' })];
    expect(detectRollbackReverted(record, aDeployment({ revision: 4, template: third }), rs).reverted).to.equal(false);
    expect(detectRollbackReverted({ ...record, state: 'Refused' }, aDeployment({ template: bad }), rs).reverted).to.equal(false);
    expect(detectRollbackReverted({ ...record, fromTemplateHash: undefined }, aDeployment({ template: bad }), rs).reverted).to.equal(false);
  });

  it('monitoring escalates a reverted rollback with the evidence (never remediates again)', () => {
    const d = decidePhase({
      now: new Date('2026-01-01T00:00:10Z'), phase: 'Monitoring', hasTarget: true, target: { exists: true, healthy: true, summary: '3/3 ready' },
      diagnosisComplete: true, remediation: 'Succeeded', monitoringStartedAt: new Date('2026-01-01T00:00:00Z'), monitorWindowSeconds: 5, monitorTimeoutSeconds: 60,
      rollbackReverted: 'rollback reverted: evidence',
    });
    expect(d).to.include({ phase: 'Escalated', reason: 'RollbackReverted', message: 'rollback reverted: evidence' });
  });
});

describe('decide/rollback-revert: StatefulSets', () => {
  const stsRecord = (over: Partial<RemediationStatus> = {}): RemediationStatus => ({
    state: 'Succeeded', action: 'Rollback', fromRevision: 2, toRevision: 1, fromGeneration: 2,
    statefulSet: { fromControllerRevision: 'db-h2', toControllerRevision: 'db-h1', knownGoodRule: 'Recorded' }, ...over,
  });
  const observed = (generation: number, updateRevision: string) => sts({ generation, observed: generation, update: updateRevision });
  const cases: Array<[string, RemediationStatus | undefined, ReturnType<typeof sts>, boolean]> = [
    ['the bad ControllerRevision is the update revision again after a later change: reverted', stsRecord(), observed(4, 'db-h2'), true],
    ['just after the rollback patch (observed = from + 1): the good revision, not reverted', stsRecord(), observed(3, 'db-h1'), false],
    ['before the controller observed the patch (observed = from): still shows the bad revision, not reverted', stsRecord(), observed(2, 'db-h2'), false],
    ['a later, different release (a new ControllerRevision): not a revert', stsRecord(), observed(4, 'db-h3'), false],
    ['a record that did not roll back: nothing to revert', stsRecord({ state: 'Refused' }), observed(4, 'db-h2'), false],
    ['a Deployment rollback record (no ControllerRevision): not judged here', stsRecord({ statefulSet: undefined }), observed(4, 'db-h2'), false],
    ['no record', undefined, observed(4, 'db-h2'), false],
  ];
  for (const [name, r, s, reverted] of cases) {
    it(name, () => expect(detectStatefulSetRollbackReverted(r, s).reverted).to.equal(reverted));
  }

  it('the message names revisions and ControllerRevisions only, and says what to do', () => {
    const check = detectStatefulSetRollbackReverted(stsRecord(), observed(4, 'db-h2'), 'owned by Argo CD Application shop/db');
    expect(check.message).to.equal('rollback reverted: after the rollback to revision 1 (ControllerRevision db-h1), StatefulSet db rolls to the bad ControllerRevision db-h2 of revision 2 again (owned by Argo CD Application shop/db); not rolling back again: fix the source of the manifest');
  });
});

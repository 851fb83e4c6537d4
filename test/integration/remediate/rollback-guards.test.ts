/**
 * Remediate guards, end to end against the real API server and operator process: a paused Deployment is not
 * rolled back, a shared cause on evidence (older revision crash-looping too) escalates instead of rolling back,
 * neighbours crash-looping on their own newest revision are no evidence (issue 15), and a Manual rollback policy proposes the rollback and waits for a person's approval.
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, kubectl, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess, stopOperators } from '../../harness/operator-process.js';
import {
  OPT_IN, ROLLBACK_HISTORY, applyDeployment, badRollout, createIncident, getDeployment, getIncident, imageOf, kubectlIncident,
  listIncidents, listPods, revisionOf, sleep, summariseIncident, templateHasCrashLoop, timelineTypes, waitForCrashLoop,
  waitForHealthy, waitForIncidentPhase, waitForLastKnownGood, waitForRevision, type Json,
} from '../../harness/rollout.js';

const GOOD = 'example.test/api:1.0.0';
const BAD = 'example.test/api:2.0.0';

/** The Deployment still runs the bad revision 2 template: nothing was rolled back. */
async function expectNotRolledBack(ns: string, name: string): Promise<Json> {
  const d = await getDeployment(ns, name);
  expect(revisionOf(d), 'revision').to.equal(2);
  expect(imageOf(d)).to.equal(BAD);
  expect(templateHasCrashLoop(d)).to.equal(true);
  expect(d.metadata.annotations?.[ROLLBACK_HISTORY]).to.equal(undefined);
  return d;
}

describe('remediate: rollback guards (operator process)', function () {
  const ns: Record<'paused' | 'olderRev' | 'namespaceWide' | 'manual', string> = { paused: '', olderRev: '', namespaceWide: '', manual: '' };
  let op: OperatorProcess;
  let failed = false;

  before(async () => {
    // The owner's consent to remediation on the namespace (the guards under test come after it).
    ns.paused = await createTestNamespace('rem-paused', { 'runbook.dev/remediation': 'enabled' });
    ns.olderRev = await createTestNamespace('rem-shared-rev');
    ns.namespaceWide = await createTestNamespace('rem-shared-ns');
    ns.manual = await createTestNamespace('rem-manual', { 'runbook.dev/remediation': 'enabled' });
    op = startOperatorProcess({ namespaces: Object.values(ns) });
    await op.waitForLog(/leading: workers started/, 60_000);
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed, 60);
    for (const n of Object.values(ns)) if (n) await deleteNamespace(n);
  });

  it('does not roll back a paused Deployment: Escalated with DeploymentPaused', async () => {
    const n = ns.paused;
    await badRollout({ name: 'api', namespace: n, replicas: 3, good: GOOD, bad: BAD });
    const pause = await kubectl(['rollout', 'pause', 'deployment/api', '-n', n]);
    expect(pause.code, pause.stderr).to.equal(0);
    await createIncident({ name: 'outage', namespace: n, runbook: 'APIOutage', target: 'api', severity: 'P1' });

    const inc = await waitForIncidentPhase(n, 'outage', 'Escalated', 60_000);
    expect(inc.status.phaseReason, JSON.stringify(summariseIncident(inc))).to.equal('RollbackRefused');
    expect(inc.status.remediation).to.include({ state: 'Refused', action: 'Rollback', reason: 'DeploymentPaused', toRevision: 1 });
    expect(String(inc.status.remediation.message)).to.include('DeploymentPaused');
    expect(timelineTypes(inc)).to.not.include('RollbackIntended');
    await sleep(3000);
    const d = await expectNotRolledBack(n, 'api');
    expect(d.spec.paused).to.equal(true);
  });

  it('does not roll back when the older revision crash-loops too: Escalated with SharedCauseSuspected', async () => {
    const n = ns.olderRev;
    // Revision 1 already crash-loops; revision 2 (new image) crash-loops as well.
    await applyDeployment({ name: 'api', namespace: n, image: GOOD, replicas: 3, crashLoop: true });
    await waitForCrashLoop(n, 'api', { count: 3, image: GOOD });
    await applyDeployment({ name: 'api', namespace: n, image: BAD, replicas: 3, crashLoop: true });
    await waitForRevision(n, 'api', 2);
    await waitForCrashLoop(n, 'api', { image: BAD });
    await waitForCrashLoop(n, 'api', { image: GOOD }); // still there: maxUnavailable 0 keeps revision 1 pods
    await createIncident({ name: 'outage', namespace: n, runbook: 'APIOutage', target: 'api', severity: 'P1' });

    const inc = await waitForIncidentPhase(n, 'outage', 'Escalated', 60_000);
    expect(inc.status.phaseReason, JSON.stringify(summariseIncident(inc))).to.equal('SharedCauseSuspected');
    expect(inc.status.diagnosis.sharedCause).to.include({ shared: true });
    expect(inc.status.diagnosis.sharedCause.reasons).to.include('OlderRevisionsCrashing');
    expect(inc.status.remediation?.state ?? 'None').to.equal('None');
    expect(timelineTypes(inc)).to.not.include('RollbackIntended');
    await sleep(3000);
    await expectNotRolledBack(n, 'api');
  });

  it('rolls back an opted-in Deployment although two other Deployments crash-loop on their own newest revision (no evidence of a shared cause)', async () => {
    const n = ns.namespaceWide;
    await applyDeployment({ name: 'api', namespace: n, image: GOOD, replicas: 3, labels: { ...OPT_IN } });
    await waitForHealthy(n, 'api', GOOD);
    await waitForLastKnownGood(n, 'api', 1);
    for (const other of ['worker-a', 'worker-b']) await applyDeployment({ name: other, namespace: n, replicas: 1, crashLoop: true });
    for (const other of ['worker-a', 'worker-b']) await waitForCrashLoop(n, other);
    expect(await listIncidents(n), 'the workers are not opted in').to.deep.equal([]);

    await applyDeployment({ name: 'api', namespace: n, image: BAD, replicas: 3, crashLoop: true, labels: { ...OPT_IN } });
    const opened = await waitFor('the operator opens an incident for api', async () => (await listIncidents(n, 'runbook.dev/deployment=api'))[0], 60_000, 300);
    expect(opened.spec.runbook).to.equal('CrashLoop');
    const inc = await waitForIncidentPhase(n, opened.metadata.name, ['Monitoring', 'Resolved'], 60_000);
    expect(inc.status.diagnosis.sharedCause, JSON.stringify(summariseIncident(inc))).to.include({ shared: false });
    expect(inc.status.diagnosis.sharedCause.message).to.include('worker-a, worker-b').and.include('newest revision only');
    expect(inc.status.remediation).to.include({ state: 'Succeeded', toRevision: 1 });
    const d = await waitForRevision(n, 'api', 3, 60_000);
    expect(imageOf(d)).to.equal(GOOD);
    expect(await listIncidents(n)).to.have.length(1);
  });

  it('Manual policy: proposes the rollback (AwaitingApproval), performs it only after approve-rollback', async () => {
    const n = ns.manual;
    await badRollout({ name: 'api', namespace: n, replicas: 3, good: GOOD, bad: BAD });
    // No last known good was recorded (the bad release followed at once): the person allows the unverified revision.
    await createIncident({ name: 'outage', namespace: n, runbook: 'APIOutage', target: 'api', severity: 'P1', rollback: { policy: 'Manual', allowUnverified: true } });

    const proposed = await waitFor('remediation AwaitingApproval', async () => {
      const i = await getIncident(n, 'outage');
      return i.status?.remediation?.state === 'AwaitingApproval' ? i : undefined;
    }, 60_000, 300);
    expect(proposed.status.phase).to.equal('Remediating');
    expect(proposed.status.remediation).to.include({ action: 'Rollback', reason: 'RollbackProposed', toRevision: 1 });
    expect(timelineTypes(proposed)).to.include('RollbackProposed');
    // Not approved yet: nothing happens, however long we wait.
    await sleep(4000);
    await expectNotRolledBack(n, 'api');
    expect((await getIncident(n, 'outage')).status.remediation.state).to.equal('AwaitingApproval');

    const approve = await kubectlIncident(['approve-rollback', 'outage', '-n', n]);
    expect(approve.code, approve.stderr).to.equal(0);
    expect((await getIncident(n, 'outage')).spec.rollback).to.include({ policy: 'Manual', approved: true });

    const d = await waitForRevision(n, 'api', 3, 60_000);
    expect(imageOf(d)).to.equal(GOOD);
    expect(templateHasCrashLoop(d)).to.equal(false);
    await waitForHealthy(n, 'api', GOOD);
    const resolved = await waitForIncidentPhase(n, 'outage', 'Resolved', 60_000);
    expect(resolved.status.remediation).to.include({ state: 'Succeeded', toRevision: 1, fromRevision: 2 });
    const types = timelineTypes(resolved);
    expect(types.indexOf('RollbackProposed')).to.be.lessThan(types.indexOf('RollbackIntended'));
    expect((await listPods(n, 'api')).filter((p) => !p.metadata.deletionTimestamp).every((p) => p.spec.containers[0].image === GOOD)).to.equal(true);
  });
});

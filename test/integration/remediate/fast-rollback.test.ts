/**
 * The crash-loop rollback's fast path end to end (issue 17), real API server and operator processes: a bad release
 * of an opted-in Deployment with a verified known-good revision is rolled back ONCE by one patch that carries its
 * record (runbook.dev/fast-rollback, rolled-back-by `fast:<incident>/r1`), and the Incident is opened afterwards
 * recording the completed rollback; SIGKILLed right after that patch (failpoint exit-after-fast-rollback-patch),
 * the restarted operator opens the Incident from the record and never patches again; when a guard says no (no
 * verified revision, no consent) the fast path is not taken and the outcome is the slow path's, as before.
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import {
  OPT_IN, ROLLBACK_HISTORY, ROLLED_BACK_BY, applyDeployment, getDeployment, getIncident, imageOf, listIncidents, revisionOf, sleep,
  summariseIncident, templateHasCrashLoop, timelineTypes, waitForCrashLoop, waitForHealthy, waitForIncidentPhase, waitForLastKnownGood,
  waitForRevision, type Json,
} from '../../harness/rollout.js';

const V1 = 'example.test/api:1.0.0';
const V2 = 'example.test/api:2.0.0';
const FAST = 'runbook.dev/fast-rollback';
const LEASE_ENV = { LEASE_DURATION_MS: '3000', LEASE_RENEW_DEADLINE_MS: '2000', LEASE_RETRY_PERIOD_MS: '500' };
const slowRollbacks = (op: OperatorProcess) => op.output().match(/"message":"rolled back"/g) ?? [];
const fastRollbacks = (op: OperatorProcess) => op.output().match(/"message":"rolled back \(fast path\)"/g) ?? [];

async function goodThenBad(ns: string, labels: Record<string, string> = { ...OPT_IN }): Promise<void> {
  await applyDeployment({ name: 'api', namespace: ns, image: V1, replicas: 3, labels });
  await waitForHealthy(ns, 'api', V1);
  await waitForLastKnownGood(ns, 'api', 1);
  await applyDeployment({ name: 'api', namespace: ns, image: V2, replicas: 3, crashLoop: true, labels });
}

/** The Deployment was rolled back exactly once, by the fast path, for Incident `incident`. */
function expectOneFastRollback(d: Json, incident: string): void {
  expect(revisionOf(d), 'revision 1 reused and renumbered, once').to.equal(3);
  expect(imageOf(d)).to.equal(V1);
  expect(templateHasCrashLoop(d)).to.equal(false);
  expect(d.metadata.annotations[ROLLED_BACK_BY]).to.equal(`fast:${incident}/r1`);
  expect(JSON.parse(d.metadata.annotations[ROLLBACK_HISTORY]), 'rollback-history entries').to.have.length(1);
  expect(JSON.parse(d.metadata.annotations[FAST])).to.include({ incident, fromRevision: 2, toRevision: 1 });
}

describe('remediate: crash-loop rollback fast path (operator process)', function () {
  const ns = { fast: '', killed: '', unverified: '', noConsent: '' };
  const operators: OperatorProcess[] = [];
  let op: OperatorProcess;
  let failed = false;

  before(async () => {
    ns.fast = await createTestNamespace('rem-fast');
    ns.killed = await createTestNamespace('rem-fast-kill');
    ns.unverified = await createTestNamespace('rem-fast-unverified');
    // The Namespace opts in to detection; the Deployment itself withholds consent to act (below).
    ns.noConsent = await createTestNamespace('rem-fast-noconsent', { ...OPT_IN });
    op = startOperatorProcess({ namespaces: [ns.fast, ns.unverified, ns.noConsent] });
    operators.push(op);
    await op.waitForLog(/leading: workers started/, 60_000);
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators(operators, failed, 60);
    for (const n of Object.values(ns)) if (n) await deleteNamespace(n);
  });

  it('rolls a bad release back once in one patch, then opens the Incident recording the completed rollback', async () => {
    const n = ns.fast;
    await goodThenBad(n);
    const d = await waitForRevision(n, 'api', 3, 90_000);
    const inc = await waitFor('the Incident opened after the rollback', async () => (await listIncidents(n, 'runbook.dev/deployment=api'))[0], 60_000, 300);
    expect(inc.metadata.name).to.equal('crashloop-api-r2');
    expectOneFastRollback(await getDeployment(n, 'api'), inc.metadata.name);
    expect(d.metadata.annotations[FAST], 'the record came with the rollback patch itself').to.be.a('string');
    expect(JSON.parse(inc.metadata.annotations[FAST])).to.include({ incident: inc.metadata.name, toRevision: 1 });

    await waitForHealthy(n, 'api', V1);
    const resolved = await waitForIncidentPhase(n, inc.metadata.name, 'Resolved', 90_000);
    expect(resolved.status.remediation, JSON.stringify(summariseIncident(resolved)))
      .to.include({ state: 'Succeeded', action: 'Rollback', reason: 'RolledBack', fastPath: true, fromRevision: 2, toRevision: 1 });
    expect(resolved.status.remediation.intendedAt).to.be.a('string');
    expect(resolved.status.remediation.consent).to.include({ permitted: true });
    expect(resolved.status.diagnosis.proposal).to.include({ action: 'Rollback', toRevision: 1 });
    expect(resolved.status.diagnosis.sharedCause ?? { shared: false }, 'the bad revision rolled back from is no shared-cause evidence').to.include({ shared: false });
    const types = timelineTypes(resolved);
    expect(types.filter((t) => t === 'RollbackIntended'), 'one intent').to.have.length(1);
    expect(types.indexOf('RollbackIntended'), types.join(' → ')).to.be.lessThan(types.indexOf('RolledBack'));
    expect(types.indexOf('RolledBack'), types.join(' → ')).to.be.lessThan(types.indexOf('PhaseMonitoring'));
    expect(resolved.status.phaseReason).to.equal('RecoveredAfterRemediation');

    await sleep(3000);
    expectOneFastRollback(await getDeployment(n, 'api'), inc.metadata.name);
    expect(fastRollbacks(op), 'one fast patch').to.have.length(1);
    expect(slowRollbacks(op), 'the slow path did not patch').to.have.length(0);
    expect(await listIncidents(n)).to.have.length(1);
  });

  it('killed right after the patch: the restarted operator opens the Incident from the record, no second patch', async () => {
    const n = ns.killed;
    const first = startOperatorProcess({ namespaces: [n], env: { ...LEASE_ENV, INCIDENT_OPERATOR_FAILPOINT: 'exit-after-fast-rollback-patch' } });
    operators.push(first);
    await first.waitForLog(/leading: workers started/, 60_000);
    await goodThenBad(n);
    await waitFor('the operator to kill itself at the failpoint', () => first.exited(), 90_000, 200);
    expect(first.proc.signalCode).to.equal('SIGKILL');
    expect(fastRollbacks(first)).to.have.length(1);

    // The patch is durable and carries the record; no Incident exists yet.
    const patched = await getDeployment(n, 'api');
    expect(patched.metadata.annotations[ROLLED_BACK_BY]).to.equal('fast:crashloop-api-r2/r1');
    expect(await listIncidents(n), 'killed before the Incident was created').to.deep.equal([]);

    const second = startOperatorProcess({ namespaces: [n], env: LEASE_ENV });
    operators.push(second);
    const inc = await waitFor('the restarted operator opens the Incident', async () => (await listIncidents(n))[0], 60_000, 300);
    expect(inc.metadata.name).to.equal('crashloop-api-r2');
    await waitForHealthy(n, 'api', V1);
    const resolved = await waitForIncidentPhase(n, inc.metadata.name, 'Resolved', 90_000);
    expect(resolved.status.remediation, JSON.stringify(summariseIncident(resolved)))
      .to.include({ state: 'Succeeded', action: 'Rollback', fastPath: true, fromRevision: 2, toRevision: 1 });

    await sleep(3000);
    expectOneFastRollback(await getDeployment(n, 'api'), inc.metadata.name);
    expect(fastRollbacks(second), 'no second fast patch').to.have.length(0);
    expect(slowRollbacks(second), 'no slow-path patch').to.have.length(0);
    expect(await listIncidents(n)).to.have.length(1);
  });

  it('no verified revision: no fast path; the slow path refuses the unverified revision and escalates, as before', async () => {
    const n = ns.unverified;
    // The bad release follows at once: revision 1 was never recorded healthy.
    await applyDeployment({ name: 'api', namespace: n, image: V1, replicas: 3, labels: { ...OPT_IN } });
    await applyDeployment({ name: 'api', namespace: n, image: V2, replicas: 3, crashLoop: true, labels: { ...OPT_IN } });
    await waitForCrashLoop(n, 'api', { image: V2 });
    const opened = await waitFor('an Incident for api', async () => (await listIncidents(n, 'runbook.dev/deployment=api'))[0], 60_000, 300);
    const escalated = await waitForIncidentPhase(n, opened.metadata.name, 'Escalated', 60_000);
    expect(escalated.status.remediation, JSON.stringify(summariseIncident(escalated))).to.include({ state: 'Refused', reason: 'UnverifiedRevision' });
    expect(escalated.status.remediation.fastPath).to.equal(undefined);
    expect(escalated.metadata.annotations?.[FAST]).to.equal(undefined);
    await sleep(3000);
    const d = await getDeployment(n, 'api');
    expect(revisionOf(d)).to.equal(2);
    expect(imageOf(d)).to.equal(V2);
    expect(d.metadata.annotations?.[FAST]).to.equal(undefined);
    expect(d.metadata.annotations?.[ROLLBACK_HISTORY]).to.equal(undefined);
  });

  it('no consent (the Deployment opts out of remediation): no fast path; the slow path refuses, as before', async () => {
    const n = ns.noConsent;
    await goodThenBad(n, { 'runbook.dev/remediation': 'disabled' });
    await waitForCrashLoop(n, 'api', { image: V2 });
    const opened = await waitFor('an Incident for api', async () => (await listIncidents(n, 'runbook.dev/deployment=api'))[0], 60_000, 300);
    const escalated = await waitForIncidentPhase(n, opened.metadata.name, 'Escalated', 60_000);
    expect(escalated.status.remediation, JSON.stringify(summariseIncident(escalated))).to.include({ state: 'Refused', reason: 'RemediationNotPermitted' });
    expect((await getIncident(n, opened.metadata.name)).metadata.annotations?.[FAST]).to.equal(undefined);
    await sleep(3000);
    const d = await getDeployment(n, 'api');
    expect(revisionOf(d)).to.equal(2);
    expect(d.metadata.annotations?.[FAST]).to.equal(undefined);
    expect(d.metadata.annotations?.[ROLLBACK_HISTORY]).to.equal(undefined);
  });
});

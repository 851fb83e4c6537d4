/**
 * Mass bad release (issue 15), against the real API server and operator process: ten Deployments of one namespace
 * are updated at once to a crashing image while their previous revisions ran healthy. Neighbours failing on their
 * own new revision are no evidence of a shared cause, so each one is rolled back — within the cluster-wide
 * blast-radius budget (here 3 per 20 s, by config), the rest waiting for a slot, and one MassFailure Incident lists
 * them and pages.
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import {
  ROLLBACK_HISTORY, applyDeployment, createIncident, getDeployment, getIncident, imageOf, listIncidents, summariseIncident,
  timelineTypes, waitForCrashLoop, waitForHealthy, waitForRevision, type Json,
} from '../../harness/rollout.js';

const GOOD = 'example.test/base:1.0.0';
const BAD = 'example.test/base:2.0.0';
const BUDGET = 3;
const WINDOW_S = 20;
const NAMES = Array.from({ length: 10 }, (_, i) => `svc-${i}`);

describe('remediate: ten simultaneous bad releases (operator process)', function () {
  let ns = '';
  let op: OperatorProcess;
  let failed = false;

  before(async () => {
    ns = await createTestNamespace('mass-release', { 'runbook.dev/remediation': 'enabled' });
    op = startOperatorProcess({
      namespaces: [ns],
      env: { ROLLBACK_BUDGET_MAX: String(BUDGET), ROLLBACK_BUDGET_WINDOW_SECONDS: String(WINDOW_S), ROLLBACK_ALLOW_UNVERIFIED: 'true', ROLLBACK_TIMEOUT_SECONDS: '180', WORKERS: '10' },
    });
    await op.waitForLog(/leading: workers started/, 60_000);
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed, 80);
    if (ns) await deleteNamespace(ns);
  });

  it('rolls back all ten, never more than the budget per window; the rest wait; one MassFailure Incident pages', async () => {
    await Promise.all(NAMES.map((name) => applyDeployment({ name, namespace: ns, image: GOOD, replicas: 1 })));
    await Promise.all(NAMES.map((name) => waitForHealthy(ns, name, GOOD)));
    // The shared base image goes bad: every service at once.
    await Promise.all(NAMES.map((name) => applyDeployment({ name, namespace: ns, image: BAD, replicas: 1, crashLoop: true })));
    await Promise.all(NAMES.map((name) => waitForRevision(ns, name, 2)));
    await Promise.all(NAMES.map((name) => waitForCrashLoop(ns, name, { image: BAD })));
    await Promise.all(NAMES.map((name) => createIncident({ name, namespace: ns, target: name })));

    const rolledBack = await waitFor('all ten rolled back', async () => {
      const ds = await Promise.all(NAMES.map((n) => getDeployment(ns, n)));
      return ds.every((d) => imageOf(d) === GOOD) ? ds : undefined;
    }, 180_000, 1000).catch(async (e: unknown) => {
      for (const n of NAMES) console.log(JSON.stringify(summariseIncident(await getIncident(ns, n))).slice(0, 1500));
      throw e;
    });

    // Never more than BUDGET rollbacks within any window (times recorded by the rollback patch itself).
    const times = rolledBack.map((d: Json) => JSON.parse(d.metadata.annotations[ROLLBACK_HISTORY]) as string[])
      .map((h) => { expect(h).to.have.length(1); return Date.parse(h[0]!); }).sort((a, b) => a - b);
    for (let i = 0; i + BUDGET < times.length; i++) {
      expect(times[i + BUDGET]! - times[i]!, `rollbacks ${i}..${i + BUDGET} within one window: ${times.map((t) => new Date(t).toISOString()).join(', ')}`).to.be.at.least(WINDOW_S * 1000);
    }

    const incidents = await Promise.all(NAMES.map((n) => getIncident(ns, n)));
    for (const inc of incidents) {
      expect(inc.status.diagnosis.sharedCause.shared, JSON.stringify(summariseIncident(inc))).to.equal(false);
      expect(timelineTypes(inc)).to.include('RollbackIntended');
    }
    // Diagnosed while the neighbours crash-looped too: judged separately, said so.
    const judgedSeparately = incidents.filter((i) => String(i.status.diagnosis.sharedCause.message).includes('fail on their newest revision only'));
    expect(judgedSeparately.length, 'diagnoses that saw the other failing releases').to.be.at.least(NAMES.length / 2);
    const deferred = incidents.filter((i) => timelineTypes(i).includes('RollbackDeferred'));
    console.log(`      rollback times: ${times.map((t) => new Date(t).toISOString().slice(11, 23)).join(' ')}; deferred: ${deferred.length}`);
    if (deferred.length < 3) for (const i of incidents) console.log(JSON.stringify({ n: i.metadata.name, t: timelineTypes(i), r: i.status.remediation }).slice(0, 900));
    expect(deferred.length, 'incidents that waited for a slot').to.be.at.least(3);
    for (const d of deferred) expect(d.status.timeline.find((e: Json) => e.type === 'RollbackDeferred').reason).to.equal('BlastRadiusBudgetExhausted');

    const mass = (await listIncidents(ns, 'runbook.dev/created-by=mass-failure'));
    expect(mass, 'exactly one MassFailure Incident').to.have.length(1);
    const m = await waitFor('MassFailure escalated', async () => { const i = await getIncident(ns, mass[0].metadata.name); return i.status?.phase === 'Escalated' ? i : undefined; }, 30_000, 300);
    expect(m.status.phaseReason).to.equal('MassFailure');
    for (const d of deferred) expect(m.spec.description).to.include(`${ns}/${d.metadata.name}`);
    expect(timelineTypes(m)).to.include('Notified');
  });
});

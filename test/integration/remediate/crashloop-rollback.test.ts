/**
 * Remediate, end to end: a bad rollout of an opted-in Deployment is detected by the operator, rolled back to the
 * last known good revision (kubectl rollout undo semantics: the old ReplicaSet is reused and renumbered), and the
 * Incident resolves; a second bad rollout inside the rate-limit window is refused and escalated; a Deployment
 * without the opt-in is left alone. Real API server, real operator process.
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess, stopOperators } from '../../harness/operator-process.js';
import {
  OPT_IN, LAST_KNOWN_GOOD, ROLLBACK_HISTORY, ROLLED_BACK_BY, CRASHLOOP_LABEL,
  applyDeployment, getDeployment, imageOf, listIncidents, listPods, orderedIndices, replicaSetsByRevision, revisionOf,
  sleep, summariseIncident, templateHasCrashLoop, timelineTypes, waitForCrashLoop, waitForHealthy, waitForIncidentPhase,
  waitForLastKnownGood, waitForRevision, type Json,
} from '../../harness/rollout.js';

const V1 = 'example.test/api:1.0.0';
const V2 = 'example.test/api:2.0.0';
const V3 = 'example.test/api:3.0.0';

describe('remediate: crash-loop rollback (operator process)', function () {
  let ns: string;
  let nsNoOptIn: string;
  let op: OperatorProcess;
  const name = 'api';
  let firstIncident: string;

  before(async () => {
    ns = await createTestNamespace('rem-rollback');
    nsNoOptIn = await createTestNamespace('rem-noopt');
    // The slow path (Incident → diagnosis → intent → patch), whose record this suite checks; the fast path is fast-rollback.test.ts.
    op = startOperatorProcess({ namespaces: [ns, nsNoOptIn], env: { ROLLBACK_FAST_PATH: 'false' } });
    await op.waitForLog(/leading: workers started/, 60_000);
  });

  let failed = false;
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed, 60);
    await deleteNamespace(ns);
    await deleteNamespace(nsNoOptIn);
  });

  it('rolls a bad rollout back to the last known good revision and resolves the incident it opened itself', async () => {
    await applyDeployment({ name, namespace: ns, image: V1, replicas: 3, labels: { ...OPT_IN } });
    await waitForHealthy(ns, name, V1);
    const lkg = await waitForLastKnownGood(ns, name, 1);
    const rs1 = (await replicaSetsByRevision(ns, name)).get(1);
    expect(rs1, 'ReplicaSet of revision 1').to.exist;
    expect(lkg.templateHash).to.equal(rs1.metadata.labels['pod-template-hash']);

    // Bad rollout: revision 2 crash-loops.
    await applyDeployment({ name, namespace: ns, image: V2, replicas: 3, crashLoop: true, labels: { ...OPT_IN } });

    // The operator opens the Incident by itself.
    const incident = await waitFor('an Incident for the Deployment', async () => {
      const items = await listIncidents(ns, `runbook.dev/deployment=${name}`);
      return items[0];
    }, 60_000, 300);
    firstIncident = incident.metadata.name;
    expect(incident.spec.runbook).to.equal('CrashLoop');
    expect(incident.spec.target.name).to.equal(name);
    expect(incident.spec.severity).to.be.oneOf(['P0', 'P1']);
    expect(incident.metadata.labels['runbook.dev/deployment']).to.equal(name);

    // Rollback: revision 1's ReplicaSet is reused and renumbered 3.
    const d = await waitForRevision(ns, name, 3, 90_000);
    expect(imageOf(d)).to.equal(V1);
    expect(templateHasCrashLoop(d)).to.equal(false);
    const byRev = await replicaSetsByRevision(ns, name);
    expect([...byRev.keys()].sort()).to.deep.equal([2, 3]);
    expect(byRev.get(3).metadata.uid, 'revision 1 ReplicaSet reused').to.equal(rs1.metadata.uid);
    expect(byRev.get(3).spec.template.metadata.labels?.[CRASHLOOP_LABEL]).to.equal(undefined);
    expect(d.metadata.annotations[ROLLED_BACK_BY]).to.equal(`${incident.metadata.uid}/r1`);
    expect(JSON.parse(d.metadata.annotations[ROLLBACK_HISTORY])).to.have.length(1);
    expect(d.metadata.annotations[LAST_KNOWN_GOOD], 'our own annotations survive the rollback patch').to.be.a('string');

    // Pods Running/Ready on v1, none of them carries the crash-loop label.
    const healthy = await waitForHealthy(ns, name, V1);
    for (const p of healthy.pods) expect(p.metadata.labels?.[CRASHLOOP_LABEL]).to.equal(undefined);

    const resolved = await waitForIncidentPhase(ns, firstIncident, 'Resolved', 90_000);
    const types = timelineTypes(resolved);
    const idx = orderedIndices(types, ['Detected', 'Diagnosed', 'RollbackIntended', 'PhaseMonitoring', 'PhaseResolved']);
    expect(idx.every((i) => i >= 0), `timeline in order: ${types.join(' → ')}`).to.equal(true);
    expect(types.filter((t) => t === 'RollbackIntended'), 'one rollback intent').to.have.length(1);
    expect(resolved.status.remediation).to.include({ state: 'Succeeded', action: 'Rollback', fromRevision: 2, toRevision: 1 });
    expect(resolved.status.phaseReason).to.equal('RecoveredAfterRemediation');

    expect((await listIncidents(ns, `runbook.dev/deployment=${name}`)).map((i) => i.metadata.name)).to.deep.equal([firstIncident]);
  });

  it('refuses a second rollback inside the rate-limit window and escalates a new incident', async () => {
    expect(firstIncident, 'depends on the previous test').to.be.a('string');
    await applyDeployment({ name, namespace: ns, image: V3, replicas: 3, crashLoop: true, labels: { ...OPT_IN } });
    await waitForRevision(ns, name, 4);

    const second = await waitFor('a second Incident for the Deployment', async () => {
      const items = await listIncidents(ns, `runbook.dev/deployment=${name}`);
      return items.find((i: Json) => i.metadata.name !== firstIncident);
    }, 60_000, 300);
    const escalated = await waitForIncidentPhase(ns, second.metadata.name, 'Escalated', 60_000);
    expect(escalated.status.phaseReason, JSON.stringify(summariseIncident(escalated))).to.equal('RollbackRefused');
    expect(escalated.status.remediation).to.include({ state: 'Refused', reason: 'RateLimited' });
    expect(String(escalated.status.remediation.message)).to.include('RateLimited');
    expect(timelineTypes(escalated)).to.not.include('RollbackIntended');

    // No second rollback: the bad template stays, the history keeps one entry. Give the operator time to misbehave.
    await sleep(4000);
    const d = await getDeployment(ns, name);
    expect(revisionOf(d)).to.equal(4);
    expect(imageOf(d)).to.equal(V3);
    expect(templateHasCrashLoop(d)).to.equal(true);
    expect(JSON.parse(d.metadata.annotations[ROLLBACK_HISTORY])).to.have.length(1);
    expect((await getDeployment(ns, name)).metadata.resourceVersion, 'nothing patched the Deployment meanwhile')
      .to.equal(d.metadata.resourceVersion);

    const first = (await listIncidents(ns)).find((i: Json) => i.metadata.name === firstIncident);
    expect(first.status.phase).to.equal('Resolved');
    expect(await listIncidents(ns, `runbook.dev/deployment=${name}`)).to.have.length(2);
  });

  it('leaves a crash-looping Deployment without the opt-in alone: no incident, no rollback', async () => {
    const plain = 'legacy';
    await applyDeployment({ name: plain, namespace: nsNoOptIn, image: V1, replicas: 3 });
    await waitForHealthy(nsNoOptIn, plain, V1);
    await applyDeployment({ name: plain, namespace: nsNoOptIn, image: V2, replicas: 3, crashLoop: true });
    await waitForCrashLoop(nsNoOptIn, plain, { minRestarts: 3, image: V2, timeoutMs: 60_000 });
    await sleep(10_000);

    expect(await listIncidents(nsNoOptIn)).to.deep.equal([]);
    const d = await getDeployment(nsNoOptIn, plain);
    expect(revisionOf(d)).to.equal(2);
    expect(imageOf(d)).to.equal(V2);
    expect(templateHasCrashLoop(d)).to.equal(true);
    expect(d.metadata.annotations?.[ROLLBACK_HISTORY]).to.equal(undefined);
    expect(d.metadata.annotations?.[LAST_KNOWN_GOOD], 'not opted in: no healthy-revision record either').to.equal(undefined);
    // The operator does watch this namespace (the same process acted on the opted-in one above).
    expect((await listPods(nsNoOptIn, plain)).some((p) => p.spec.containers[0].image === V2)).to.equal(true);
  });
});

/**
 * No clobber: the rollback patch's first op tests metadata.resourceVersion, so a deploy that lands between the
 * decision and the patch wins and the rollback fails with a conflict.
 *  1. The executor directly against the API server (planRollback + withRollbackRecord + applyRollbackPatch).
 *  2. End to end, made deterministic with the failpoint: the operator records its rollback intent and dies, a person
 *     deploys a new healthy image, the restarted operator sees the Deployment moved on and does not roll back.
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, kubectl, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess, stopOperators } from '../../harness/operator-process.js';
import {
  OPT_IN, ROLLBACK_HISTORY, ROLLED_BACK_BY, adminAppsApi, applyDeployment, getDeployment, imageOf,
  listIncidents, replicaSetsByRevision, revisionOf, sleep, summariseIncident, templateHasCrashLoop, waitForHealthy,
  waitForIncidentPhase, waitForLastKnownGood, waitForRevision, type Json,
} from '../../harness/rollout.js';
import { planRollback } from '../../../src/decide/rollback-plan.js';
import { applyRollbackPatch, withRollbackRecord } from '../../../src/remediate/rollback-executor.js';

const V1 = 'example.test/web:1.0.0';
const V2 = 'example.test/web:2.0.0';
const V3 = 'example.test/web:3.0.0';
/**
 * A SIGKILLed leader does not release the Lease: short enough for a quick takeover, long enough that a busy leader's
 * renewals survive a loaded machine (a 2 s renew deadline could make the leader step down and exit mid-test).
 */
const LEASE_ENV = { LEASE_DURATION_MS: '8000', LEASE_RENEW_DEADLINE_MS: '6000', LEASE_RETRY_PERIOD_MS: '500' };

describe('remediate: rollback never clobbers a concurrent deploy', function () {
  let ns: string;
  let nsE2e: string;
  const operators: OperatorProcess[] = [];
  let failed = false;

  before(async () => {
    ns = await createTestNamespace('rem-conflict');
    nsE2e = await createTestNamespace('rem-conflict-e2e');
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators(operators, failed, 40);
    await deleteNamespace(ns);
    await deleteNamespace(nsE2e);
  });

  it('executor: the resourceVersion test fails after a concurrent deploy ({ok:false, conflict:true}), the deploy stays', async () => {
    const apps = adminAppsApi();
    await applyDeployment({ name: 'web', namespace: ns, image: V1, replicas: 2 });
    await waitForRevision(ns, 'web', 1);
    await applyDeployment({ name: 'web', namespace: ns, image: V2, replicas: 2, crashLoop: true });
    await waitForRevision(ns, 'web', 2);

    // Decide from what the API server says now.
    const deployment = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    const replicaSets = (await apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=web' })).items;
    const plan = planRollback(deployment, replicaSets, 1);
    if (plan.action !== 'Patch') throw new Error(`expected a Patch plan, got ${JSON.stringify(plan)}`);
    expect(plan.patch[0]).to.deep.equal({ op: 'test', path: '/metadata/resourceVersion', value: deployment.metadata!.resourceVersion });
    const patch = withRollbackRecord(plan, deployment, 'conflict-test-uid', new Date());
    expect(patch[0]).to.deep.equal(plan.patch[0]);

    // A person deploys meanwhile.
    const deploy = await kubectl(['set', 'image', 'deployment/web', `app=${V3}`, '-n', ns]);
    expect(deploy.code, deploy.stderr).to.equal(0);

    const outcome = await applyRollbackPatch(apps, ns, 'web', patch);
    expect(outcome).to.include({ ok: false, conflict: true });
    await waitForRevision(ns, 'web', 3);
    await sleep(1000);
    const after = await getDeployment(ns, 'web');
    expect(imageOf(after)).to.equal(V3);
    expect(revisionOf(after)).to.equal(3);
    expect(after.metadata.annotations?.[ROLLBACK_HISTORY]).to.equal(undefined);
    expect(after.metadata.annotations?.[ROLLED_BACK_BY]).to.equal(undefined);

    // Control: the same steps on a fresh read do apply (so the conflict above came from the concurrent deploy).
    const fresh = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    const freshRs = (await apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=web' })).items;
    const plan2 = planRollback(fresh, freshRs, 1);
    if (plan2.action !== 'Patch') throw new Error(`expected a Patch plan, got ${JSON.stringify(plan2)}`);
    const ok = await applyRollbackPatch(apps, ns, 'web', withRollbackRecord(plan2, fresh, 'conflict-test-uid', new Date()));
    expect(ok.ok, JSON.stringify(ok)).to.equal(true);
    const rolled = await waitForRevision(ns, 'web', 4);
    expect(imageOf(rolled)).to.equal(V1);
    expect(templateHasCrashLoop(rolled)).to.equal(false);
    expect(rolled.metadata.annotations[ROLLED_BACK_BY]).to.equal('conflict-test-uid/r1');
    expect(JSON.parse(rolled.metadata.annotations[ROLLBACK_HISTORY])).to.have.length(1);
    expect([...(await replicaSetsByRevision(ns, 'web')).keys()].sort()).to.deep.equal([2, 3, 4]);
  });

  it('end to end: a deploy landing between the recorded intent and the patch wins; the incident re-diagnoses and resolves', async () => {
    const first = startOperatorProcess({ namespaces: [nsE2e], env: { ...LEASE_ENV, INCIDENT_OPERATOR_FAILPOINT: 'exit-after-rollback-intent' } });
    operators.push(first);
    await first.waitForLog(/leading: workers started/, 60_000);
    await applyDeployment({ name: 'api', namespace: nsE2e, image: V1, replicas: 3, labels: { ...OPT_IN } });
    await waitForHealthy(nsE2e, 'api', V1);
    await waitForLastKnownGood(nsE2e, 'api', 1);
    await applyDeployment({ name: 'api', namespace: nsE2e, image: V2, replicas: 3, crashLoop: true, labels: { ...OPT_IN } });

    // The operator records the intent, then dies before patching.
    await waitFor('the operator to kill itself at the failpoint', () => first.exited(), 60_000, 200);
    expect(first.proc.signalCode).to.equal('SIGKILL');
    const [incident] = await listIncidents(nsE2e, 'runbook.dev/deployment=api');
    expect(incident?.status?.remediation, JSON.stringify(summariseIncident(incident))).to.include({ state: 'Intended', action: 'Rollback', toRevision: 1 });
    const intendedRv = incident.status.remediation.fromResourceVersion;

    // A person deploys a new, healthy image before any operator comes back.
    await applyDeployment({ name: 'api', namespace: nsE2e, image: V3, replicas: 3, labels: { ...OPT_IN } });
    await waitForRevision(nsE2e, 'api', 3);
    await waitForHealthy(nsE2e, 'api', V3);
    expect((await getDeployment(nsE2e, 'api')).metadata.resourceVersion).to.not.equal(intendedRv);

    const second = startOperatorProcess({ namespaces: [nsE2e], env: LEASE_ENV });
    operators.push(second);
    const done: Json = await waitForIncidentPhase(nsE2e, incident.metadata.name, 'Resolved', 90_000);
    const timeline = done.status.timeline as Json[];
    const conflict = timeline.findIndex((e) => e.type === 'PhaseDiagnosing' && e.reason === 'RollbackConflict');
    expect(conflict, JSON.stringify(summariseIncident(done))).to.be.greaterThan(timeline.findIndex((e) => e.type === 'RollbackIntended'));
    expect(done.status.remediation?.state).to.not.equal('Succeeded');

    await sleep(2000);
    const d = await getDeployment(nsE2e, 'api');
    expect(imageOf(d), 'the concurrent deploy is kept').to.equal(V3);
    expect(revisionOf(d)).to.equal(3);
    expect(d.metadata.annotations?.[ROLLBACK_HISTORY]).to.equal(undefined);
    expect(d.metadata.annotations?.[ROLLED_BACK_BY]).to.equal(undefined);
  });
});

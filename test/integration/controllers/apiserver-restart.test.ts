/**
 * The kube-apiserver restarts under a running operator: its informers reconnect and relist on their own,
 * and the same process (not restarted) reconciles Incidents and Deployments created afterwards.
 *
 * This restarts the SHARED cluster's kube-apiserver (a few seconds of outage for everyone): it is the only
 * test in this file, and the apiserver is always brought back in `finally`.
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace } from '../../harness/cluster.js';
import { ensureControlPlaneRunning, restartKubeApiserver, type RestartResult } from '../../harness/kube-apiserver-restart.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { condition, deleteLease, logRecords, timelineProblems } from '../../harness/operator-observe.js';
import { OPT_IN, applyDeployment, createIncident, waitForHealthy, waitForIncidentPhase, waitForLastKnownGood } from '../../harness/rollout.js';

/** A lease that outlives the outage: this test is about informers, not about losing leadership. */
const OUTAGE_TOLERANT_LEASE = { LEASE_DURATION_MS: '90000', LEASE_RENEW_DEADLINE_MS: '60000', LEASE_RETRY_PERIOD_MS: '2000' };

describe('controllers: kube-apiserver restart under a running operator', function () {
  let ns: string;
  let op: OperatorProcess;
  const leaseName = () => `${ns}-restart`;

  before(async () => {
    ns = await createTestNamespace('op-restart');
    await applyDeployment({ name: 'before', namespace: ns, replicas: 2, image: 'example.test/before:1' });
    await waitForHealthy(ns, 'before', 'example.test/before:1');
    op = startOperatorProcess({ namespaces: [ns], leaseName: leaseName(), env: OUTAGE_TOLERANT_LEASE });
    await op.waitForLog(/leading: workers started/);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(op.output().split('\n').slice(-40).join('\n'));
  });
  after(async () => {
    await ensureControlPlaneRunning();
    await op?.kill();
    if (ns) {
      await deleteLease(leaseName());
      await deleteNamespace(ns);
    }
  });

  // Keep this test LAST in the file: it takes the shared API server away for a few seconds.
  it('after the restart the same operator process reconciles a NEW incident on a NEW Deployment', async () => {
    await createIncident({ name: 'before-restart', namespace: ns, target: 'before', severity: 'P3' });
    await waitForIncidentPhase(ns, 'before-restart', 'Resolved', 60_000);
    const linesBefore = op.logLines().length;

    let restart: RestartResult | undefined;
    try {
      restart = await restartKubeApiserver({ downMs: 3_000 });
    } finally {
      await ensureControlPlaneRunning();
    }
    expect(restart.newPid).to.not.equal(restart.oldPid);
    console.log(`      [restart] kube-apiserver ${restart.oldPid} -> ${restart.newPid}, outage ${restart.outageMs} ms, also restarted: ${restart.restartedComponents.join(', ') || 'nothing'}`);

    // New objects only exist after the restart: only recovered informers can see them.
    await applyDeployment({ name: 'after', namespace: ns, replicas: 2, image: 'example.test/after:1', labels: { ...OPT_IN } });
    await waitForHealthy(ns, 'after', 'example.test/after:1');
    // The recovered Deployment informer has seen it healthy (the operator recorded its last known good): a diagnosis
    // from a cache still showing the rollout would escalate, and the incident would end RecoveredWhileEscalated.
    await waitForLastKnownGood(ns, 'after', 1);
    await createIncident({ name: 'after-restart', namespace: ns, target: 'after', severity: 'P3' });
    const inc = await waitForIncidentPhase(ns, 'after-restart', 'Resolved', 120_000);
    expect(inc.status.phaseReason).to.equal('ResolvedAutomatically');
    expect(condition(inc, 'TargetFound')?.status).to.equal('True');
    expect(inc.status.podHealth).to.deep.include({ desired: 2, ready: 2 });
    expect(timelineProblems(inc)).to.deep.equal([]);

    expect(op.exited(), 'operator process still running').to.equal(false);
    expect(logRecords(op, 'connected to Kubernetes'), 'not restarted').to.have.length(1);
    expect(logRecords(op, 'leading: workers started'), 'workers started once').to.have.length(1);
    const after = op.logLines().slice(linesBefore);
    const informerTrouble = after.filter((l) => typeof l.informer === 'string' && l.level === 'warn');
    expect(informerTrouble.length, 'the informers noticed the outage').to.be.at.least(1);
    expect(after.some((l) => l.message === 'incident status written' && l.incident === `${ns}/after-restart`)).to.equal(true);
  });
});

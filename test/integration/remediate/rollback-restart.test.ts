/**
 * Intent before action, exactly once: the operator is SIGKILLed (failpoint exit-after-rollback-intent) right after
 * it recorded the rollback intent in the Incident status and before it patched the Deployment. The restarted
 * operator (a new identity, like a rescheduled pod) performs the rollback once: one rollback-history entry, one
 * revision step, Incident Resolved.
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess, stopOperators } from '../../harness/operator-process.js';
import {
  OPT_IN, ROLLBACK_HISTORY, ROLLED_BACK_BY, applyDeployment, getDeployment, imageOf, listIncidents, replicaSetsByRevision,
  revisionOf, sleep, summariseIncident, templateHasCrashLoop, timelineTypes, waitForHealthy, waitForIncidentPhase,
  waitForLastKnownGood, waitForRevision,
} from '../../harness/rollout.js';

const V1 = 'example.test/api:1.0.0';
const V2 = 'example.test/api:2.0.0';
/**
 * A SIGKILLed leader does not release the Lease: short enough for a quick takeover, long enough that a busy leader's
 * renewals survive a loaded machine (a 2 s renew deadline could make the leader step down and exit mid-test).
 */
const LEASE_ENV = { LEASE_DURATION_MS: '8000', LEASE_RENEW_DEADLINE_MS: '6000', LEASE_RETRY_PERIOD_MS: '500' };

describe('remediate: operator killed between intent and patch', function () {
  let ns: string;
  const operators: OperatorProcess[] = [];
  let failed = false;

  before(async () => { ns = await createTestNamespace('rem-restart'); });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators(operators, failed, 40);
    await deleteNamespace(ns);
  });

  it('records the intent, dies, and the restarted operator rolls back exactly once', async () => {
    const first = startOperatorProcess({ namespaces: [ns], env: { ...LEASE_ENV, INCIDENT_OPERATOR_FAILPOINT: 'exit-after-rollback-intent' } });
    operators.push(first);
    await first.waitForLog(/leading: workers started/, 60_000);
    await applyDeployment({ name: 'api', namespace: ns, image: V1, replicas: 3, labels: { ...OPT_IN } });
    await waitForHealthy(ns, 'api', V1);
    await waitForLastKnownGood(ns, 'api', 1);
    const rs1Uid = (await replicaSetsByRevision(ns, 'api')).get(1).metadata.uid;
    await applyDeployment({ name: 'api', namespace: ns, image: V2, replicas: 3, crashLoop: true, labels: { ...OPT_IN } });

    // The process dies at the failpoint.
    await waitFor('the operator to kill itself at the failpoint', () => first.exited(), 60_000, 200);
    expect(first.proc.signalCode).to.equal('SIGKILL');
    expect(first.output()).to.not.match(/"message":"rolled back"/);

    // The intent is durable, the Deployment untouched.
    const [incident] = await listIncidents(ns, 'runbook.dev/deployment=api');
    expect(incident, 'incident opened by the first operator').to.exist;
    expect(incident.status.remediation, JSON.stringify(summariseIncident(incident)))
      .to.include({ state: 'Intended', action: 'Rollback', fromRevision: 2, toRevision: 1 });
    expect(timelineTypes(incident)).to.include('RollbackIntended');
    await sleep(2000);
    const before = await getDeployment(ns, 'api');
    expect(revisionOf(before)).to.equal(2);
    expect(imageOf(before)).to.equal(V2);
    expect(templateHasCrashLoop(before)).to.equal(true);
    expect(before.metadata.annotations?.[ROLLBACK_HISTORY]).to.equal(undefined);

    // Restart without the failpoint.
    const second = startOperatorProcess({ namespaces: [ns], env: LEASE_ENV });
    operators.push(second);
    const d = await waitForRevision(ns, 'api', 3, 60_000);
    expect(imageOf(d)).to.equal(V1);
    expect(templateHasCrashLoop(d)).to.equal(false);
    await waitForHealthy(ns, 'api', V1);
    const resolved = await waitForIncidentPhase(ns, incident.metadata.name, 'Resolved', 60_000);
    expect(resolved.status.remediation).to.include({ state: 'Succeeded', action: 'Rollback', toRevision: 1 });

    // Exactly once, also a while later.
    await sleep(3000);
    const after = await getDeployment(ns, 'api');
    expect(revisionOf(after), 'revision advanced exactly once').to.equal(3);
    expect(JSON.parse(after.metadata.annotations[ROLLBACK_HISTORY]), 'rollback-history entries').to.have.length(1);
    expect(after.metadata.annotations[ROLLED_BACK_BY]).to.equal(`${incident.metadata.uid}/r1`);
    const byRev = await replicaSetsByRevision(ns, 'api');
    expect([...byRev.keys()].sort()).to.deep.equal([2, 3]);
    expect(byRev.get(3).metadata.uid).to.equal(rs1Uid);
    expect(second.output().match(/"message":"rolled back"/g) ?? []).to.have.length(1);
    expect(await listIncidents(ns, 'runbook.dev/deployment=api')).to.have.length(1);
  });
});

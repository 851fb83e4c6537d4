/**
 * The operator process survives what production throws at it: SIGKILL in the middle of an incident (a
 * restarted process finishes it without repeating itself) and leader election between replicas (one
 * leader writes, a killed leader is replaced, a stopped leader hands the Lease over at once).
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess, type OperatorProcessOptions } from '../../harness/operator-process.js';
import { deleteLease, logRecords, readLease, timelineProblems, waitForSingleLeader } from '../../harness/operator-observe.js';
import {
  applyDeployment, createIncident, getIncident, orderedIndices, summariseIncident, timelineTypes, waitForHealthy, waitForIncidentPhase,
} from '../../harness/rollout.js';

const TARGET = 'web';
const IMAGE = 'example.test/web:1.0.0';
/** Short leases so that a killed leader is replaced quickly (the brief's settings). */
const SHORT_LEASE = { LEASE_DURATION_MS: '6000', LEASE_RENEW_DEADLINE_MS: '4000', LEASE_RETRY_PERIOD_MS: '1000' };
/** A long lease: a takeover well before it expires can only come from a release. */
const LONG_LEASE = { LEASE_DURATION_MS: '40000', LEASE_RENEW_DEADLINE_MS: '20000', LEASE_RETRY_PERIOD_MS: '1000' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('controllers: operator resilience (operator processes)', function () {
  let ns: string;
  const ops: OperatorProcess[] = [];
  const leases: string[] = [];

  function start(opts: Omit<OperatorProcessOptions, 'namespaces'> & { leaseName: string }): OperatorProcess {
    const op = startOperatorProcess({ namespaces: [ns], ...opts });
    ops.push(op);
    if (!leases.includes(opts.leaseName)) leases.push(opts.leaseName);
    return op;
  }

  function statusWrites(op: OperatorProcess, incident: string): Record<string, unknown>[] {
    return logRecords(op, 'incident status written').filter((l) => l.incident === `${ns}/${incident}`);
  }

  before(async () => {
    ns = await createTestNamespace('op-resil');
    await applyDeployment({ name: TARGET, namespace: ns, replicas: 2, image: IMAGE });
    await waitForHealthy(ns, TARGET, IMAGE);
  });
  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const op of ops) console.log(`--- ${op.identity}\n${op.output().split('\n').slice(-25).join('\n')}`);
  });
  after(async () => {
    await Promise.all(ops.map((op) => op.kill('SIGKILL')));
    for (const l of leases) await deleteLease(l);
    if (ns) await deleteNamespace(ns);
  });

  describe('SIGKILL mid-reconcile', () => {
    it('a restarted operator brings the incident to Resolved without duplicated timeline entries', async () => {
      const leaseName = `${ns}-kill`;
      // A 10 s monitoring window: the first status write is seen (and the process killed) well before the incident
      // could resolve, even when one kubectl read takes seconds (with the harness's 3 s a slow read saw Resolved).
      const env = { ...SHORT_LEASE, MONITOR_WINDOW_SECONDS: '10' };
      const first = start({ leaseName, env });
      await first.waitForLog(/leading: workers started/);
      await createIncident({ name: 'killed-mid', namespace: ns, target: TARGET, severity: 'P2' });
      // Kill as soon as the first status write is visible: the reconcile is still recording its Events.
      const seen = await waitFor('first status write', async () => {
        const i = await getIncident(ns, 'killed-mid');
        return i.status?.openedAt ? i : undefined;
      }, 60_000, 20);
      expect(await first.kill('SIGKILL')).to.not.equal(0);
      expect(seen.status.phase, 'killed before the incident resolved').to.not.equal('Resolved');

      const second = start({ leaseName, env });
      const inc = await waitForIncidentPhase(ns, 'killed-mid', 'Resolved', 90_000);
      expect(logRecords(second, 'leading: workers started')).to.have.length(1);
      expect(statusWrites(second, 'killed-mid').length, 'the restarted operator finished it').to.be.at.least(1);
      expect(timelineProblems(inc), JSON.stringify(summariseIncident(inc))).to.deep.equal([]);
      const types = timelineTypes(inc);
      for (const once of ['Opened', 'PhaseDiagnosing', 'Diagnosed', 'PhaseMonitoring', 'PhaseResolved']) {
        expect(types.filter((t) => t === once), `${once} in ${JSON.stringify(types)}`).to.have.length(1);
      }
      expect(orderedIndices(types, ['Opened', 'PhaseDiagnosing', 'PhaseMonitoring', 'PhaseResolved'])).to.not.include(-1);
      expect(inc.status.timelineTotal).to.equal(inc.status.timeline.length);
      expect(inc.status.observedGeneration).to.equal(inc.metadata.generation);
      await second.kill('SIGKILL');
    });
  });

  describe('leader election between two operator processes (same lease)', () => {
    let leaseName: string;
    let a: OperatorProcess;
    let b: OperatorProcess;
    let leader: OperatorProcess;
    let follower: OperatorProcess;

    before(() => {
      leaseName = `${ns}-le`;
      a = start({ leaseName, env: SHORT_LEASE, identity: `${ns}-a` });
      b = start({ leaseName, env: SHORT_LEASE, identity: `${ns}-b` });
    });
    // Another lease on the same namespace would be a second active leader: stop this pair first.
    after(async () => { await Promise.all([a.kill('SIGKILL'), b.kill('SIGKILL')]); });

    it('exactly one logs "leading: workers started" and the Lease names it', async () => {
      leader = await waitForSingleLeader([a, b]);
      follower = leader === a ? b : a;
      await follower.waitForLog(new RegExp(`"leader":"${leader.identity}".*"message":"leader observed"`));
      await sleep(3_000); // a few retry periods: the follower keeps waiting
      expect(logRecords(follower, 'leading: workers started')).to.have.length(0);
      expect(logRecords(leader, 'leading: workers started')).to.have.length(1);
      const lease = await readLease(leaseName);
      expect(lease?.spec?.holderIdentity).to.equal(leader.identity);
      expect(lease?.spec?.leaseDurationSeconds).to.equal(6);
    });

    it('only the leader writes incident status', async () => {
      await createIncident({ name: 'le-one', namespace: ns, target: TARGET, severity: 'P3' });
      await waitForIncidentPhase(ns, 'le-one', 'Resolved', 60_000);
      expect(statusWrites(leader, 'le-one').length).to.be.at.least(1);
      expect(logRecords(follower, 'incident status written')).to.deep.equal([]);
    });

    it('SIGKILL of the leader: the other takes over and reconciles a new incident within 20 s', async () => {
      await leader.kill('SIGKILL');
      await createIncident({ name: 'le-two', namespace: ns, target: TARGET, severity: 'P3' });
      await waitFor('le-two reconciled by the new leader', async () => !!(await getIncident(ns, 'le-two')).status?.phase, 20_000, 200);
      expect(logRecords(follower, 'leading: workers started')).to.have.length(1);
      expect((await readLease(leaseName))?.spec?.holderIdentity).to.equal(follower.identity);
      await waitForIncidentPhase(ns, 'le-two', 'Resolved', 60_000);
      expect(statusWrites(follower, 'le-two').length).to.be.at.least(1);
      expect(statusWrites(leader, 'le-two')).to.deep.equal([]);
    });
  });

  describe('graceful shutdown (SIGTERM) of the leader', () => {
    it('releases the Lease: a standby takes over long before the lease would have expired', async () => {
      const leaseName = `${ns}-term`;
      const first = start({ leaseName, env: LONG_LEASE, identity: `${ns}-first` });
      await first.waitForLog(/leading: workers started/);
      const standby = start({ leaseName, env: LONG_LEASE, identity: `${ns}-standby` });
      await standby.waitForLog(new RegExp(`"leader":"${first.identity}".*"message":"leader observed"`));
      const held = await readLease(leaseName);
      expect(held?.spec?.holderIdentity).to.equal(first.identity);
      const expiresAt = Date.parse(held.spec.renewTime) + held.spec.leaseDurationSeconds * 1000;

      const code = await first.kill('SIGTERM');
      expect(first.output()).to.include('"message":"released the lease"');
      expect(code, 'clean exit on SIGTERM').to.equal(0);

      await standby.waitForLog(/leading: workers started/, 30_000);
      const taken = await readLease(leaseName);
      expect(taken?.spec?.holderIdentity).to.equal(standby.identity);
      expect(taken.spec.leaseTransitions).to.equal((held.spec.leaseTransitions ?? 0) + 1);
      expect(Date.parse(taken.spec.acquireTime), 'taken over before the old lease expired').to.be.below(expiresAt);

      await createIncident({ name: 'term-one', namespace: ns, target: TARGET, severity: 'P3' });
      await waitForIncidentPhase(ns, 'term-one', 'Resolved', 60_000);
      expect(statusWrites(standby, 'term-one').length).to.be.at.least(1);
    });
  });
});

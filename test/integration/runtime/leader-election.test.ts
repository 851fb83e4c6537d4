/** LeaderElector against a real coordination.k8s.io/v1 Lease (short timings). */
import { expect } from 'chai';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, deleteNamespace, ensureCluster, waitFor } from '../../harness/cluster.js';
import type { RuntimeLogger } from '../../../src/runtime/clock.js';
import { coordinationLeaseClient, LeaderElector, type LeaseClient } from '../../../src/runtime/leader-election.js';

const quiet: RuntimeLogger = { warn: () => undefined, error: () => undefined };
const TIMING = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300, stepDownMarginMs: 200 };

describe('runtime/leader-election (integration)', function () {
  let ns: string;
  let api: CoordinationV1Api;
  const electors: LeaderElector[] = [];

  function candidate(name: string, leaseName: string, wrap: (c: LeaseClient) => LeaseClient = (c) => c, timing: typeof TIMING = TIMING) {
    const log: Array<{ ev: string; at: number }> = [];
    const e = new LeaderElector(wrap(coordinationLeaseClient(api, ns, leaseName, 1_000)), {
      ...timing,
      identity: name,
      logger: quiet,
      onStartedLeading: () => void log.push({ ev: 'started', at: Date.now() }),
      onStoppedLeading: () => void log.push({ ev: 'stopped', at: Date.now() }),
    });
    electors.push(e);
    return { e, log };
  }

  const readLease = (name: string) => api.readNamespacedLease({ name, namespace: ns });

  before(async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(ensureCluster().kubeconfig);
    api = kc.makeApiClient(CoordinationV1Api);
    ns = await createTestNamespace('rt-leader');
  });
  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.stop()));
  });
  after(async () => {
    await deleteNamespace(ns);
  });

  it('exactly one of two candidates leads; the lease names it with MicroTime timestamps', async () => {
    const a = candidate('cand-a', 'one');
    const b = candidate('cand-b', 'one');
    a.e.start();
    b.e.start();
    await waitFor('a leader', () => a.e.isLeader() || b.e.isLeader(), 10_000, 50);
    for (let i = 0; i < 20; i++) {
      expect(a.e.isLeader() && b.e.isLeader()).to.equal(false);
      await new Promise((r) => setTimeout(r, 100));
    }
    const leader = a.e.isLeader() ? a.e : b.e;
    const lease = await readLease('one');
    expect(lease.spec?.holderIdentity).to.equal(leader.identity);
    expect(lease.spec?.leaseDurationSeconds).to.equal(3);
    expect(String(lease.spec?.renewTime)).to.match(/\.\d{6}Z$/);
    expect(a.e.leaderKnown() && b.e.leaderKnown()).to.equal(true);
    expect(b.e.currentLeader()).to.equal(leader.identity);
  });

  it('a graceful stop releases the lease and the standby takes over quickly', async () => {
    // A 10 s lease: a takeover before the released lease would have expired can only come from the release.
    // (Against a 3 s lease a wall-clock bound of 1.5 s raced the API server on a loaded machine.)
    const long = { ...TIMING, leaseDurationMs: 10_000, renewDeadlineMs: 6_000 };
    const a = candidate('rel-a', 'two', undefined, long);
    a.e.start();
    await waitFor('a leads', () => a.e.isLeader(), 10_000, 50);
    const b = candidate('rel-b', 'two', undefined, long);
    b.e.start();
    await new Promise((r) => setTimeout(r, 600));
    expect(b.e.isLeader()).to.equal(false);
    const held = (await readLease('two')).spec;
    const before = held?.leaseTransitions ?? 0;
    const expiresAt = new Date(String(held?.renewTime)).getTime() + long.leaseDurationMs;
    await a.e.stop();
    expect(a.log.map((x) => x.ev)).to.deep.equal(['started', 'stopped']);
    await waitFor('b leads', () => b.e.isLeader(), 15_000, 20);
    const startedAt = b.log.find((x) => x.ev === 'started')!.at;
    expect(startedAt, 'taken over before the released lease would have expired').to.be.below(expiresAt);
    const taken = (await readLease('two')).spec;
    expect(taken?.holderIdentity).to.equal('rel-b');
    expect(new Date(String(taken?.acquireTime)).getTime(), 'acquired before the old lease expired').to.be.below(expiresAt);
    expect(taken?.leaseTransitions).to.equal(before + 1);
  });

  it('a leader whose requests hang steps down before its renew deadline, before anyone else can lead', async () => {
    let hang = false;
    const hanging = (c: LeaseClient): LeaseClient => ({
      ...c,
      get: () => (hang ? new Promise(() => undefined) : c.get()),
      replace: (l) => (hang ? new Promise(() => undefined) : c.replace(l)),
    });
    const a = candidate('hang-a', 'three', hanging);
    a.e.start();
    await waitFor('a leads', () => a.e.isLeader(), 10_000, 50);
    const b = candidate('hang-b', 'three');
    b.e.start();
    hang = true;
    const lastRenew = Date.parse(String((await readLease('three')).spec?.renewTime));
    await waitFor('b leads', () => b.e.isLeader(), 15_000, 20);
    const stoppedAt = a.log.find((x) => x.ev === 'stopped')?.at;
    const startedAt = b.log.find((x) => x.ev === 'started')?.at;
    expect(stoppedAt, 'a stepped down').to.be.a('number');
    // Scheduling slack on a loaded machine, up to the moment another candidate could lead (lease duration).
    expect(stoppedAt, 'before lastRenew + renewDeadline (+ scheduling slack), before the lease expires').to.be.below(lastRenew + TIMING.leaseDurationMs);
    expect(startedAt, 'no overlap').to.be.above(stoppedAt as number);
    expect(startedAt, 'b waited for the lease to expire').to.be.at.least(lastRenew + TIMING.leaseDurationMs);
  });
});

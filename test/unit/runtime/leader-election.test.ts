import { expect } from 'chai';
import { ApiException, type V1Lease } from '@kubernetes/client-node';
import { FakeClock, type RuntimeLogger, settle } from '../../../src/runtime/clock.js';
import { LeaderElector, type LeaderElectionOptions, type LeaseClient } from '../../../src/runtime/leader-election.js';

type Mode = 'ok' | 'hang' | 'fail';

/** In-memory Lease endpoint with resourceVersion checks; JSON round-trips like the real wire. */
class FakeLeaseServer {
  lease: Record<string, any> | undefined;  
  rv = 0;
  mode: Mode = 'ok';
  writes = 0;
  readonly held: Array<() => void> = [];

  client(): LeaseClient {
    return {
      namespace: 'ops',
      name: 'incident-operator',
      get: () => this.handle(() => (this.lease === undefined ? undefined : (structuredClone(this.lease) as V1Lease))),
      create: (body) =>
        this.handle(() => {
          if (this.lease !== undefined) throw new ApiException(409, 'x', JSON.stringify({ reason: 'AlreadyExists' }), {});
          return this.store(body);
        }),
      replace: (body) =>
        this.handle(() => {
          if (body.metadata?.resourceVersion !== String(this.rv)) throw new ApiException(409, 'x', JSON.stringify({ reason: 'Conflict' }), {});
          return this.store(body);
        }),
    };
  }

  /** Another actor writes the lease directly (bumps resourceVersion). */
  write(spec: Record<string, unknown>): void {
    this.store({ metadata: { name: 'incident-operator', namespace: 'ops' }, spec });
  }

  private store(body: V1Lease): V1Lease {
    this.writes++;
    const wire = JSON.parse(JSON.stringify(body)) as Record<string, any>;  
    wire.metadata = { ...wire.metadata, resourceVersion: String(++this.rv) };
    this.lease = wire;
    return structuredClone(wire) as V1Lease;
  }

  private handle<T>(fn: () => T): Promise<T> {
    if (this.mode === 'fail') return Promise.reject(new ApiException(500, 'x', JSON.stringify({ reason: 'InternalError' }), {}));
    if (this.mode === 'hang') return new Promise<T>((resolve, reject) => this.held.push(() => (tryRun(fn, resolve, reject))));
    return new Promise<T>((resolve, reject) => tryRun(fn, resolve, reject));
  }
}

function tryRun<T>(fn: () => T, resolve: (v: T) => void, reject: (e: unknown) => void): void {
  try {
    resolve(fn());
  } catch (e) {
    reject(e);
  }
}

function elector(server: FakeLeaseServer, clock: FakeClock, id: string, extra: Partial<LeaderElectionOptions> = {}) {
  const events: Array<{ ev: string; at: number }> = [];
  const logger: RuntimeLogger = { warn: () => undefined, error: (m) => events.push({ ev: `log:${m}`, at: clock.now().getTime() }) };
  const e = new LeaderElector(server.client(), {
    identity: id,
    clock,
    scheduler: clock,
    logger,
    rand: () => 0,
    onStartedLeading: () => void events.push({ ev: 'started', at: clock.now().getTime() }),
    onStoppedLeading: () => void events.push({ ev: 'stopped', at: clock.now().getTime() }),
    ...extra,
  });
  return { e, events };
}

const evs = (events: Array<{ ev: string }>) => events.map((x) => x.ev);

describe('runtime/leader-election', () => {
  it('creates the lease, leads, and renews every retry period with MicroTime timestamps', async () => {
    const server = new FakeLeaseServer();
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    const { e, events } = elector(server, clock, 'a');
    e.start();
    await clock.advanceAsync(0);
    expect(e.isLeader()).to.equal(true);
    expect(e.leaderKnown()).to.equal(true);
    expect(server.lease?.spec).to.deep.include({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(server.lease?.spec.renewTime).to.match(/^2024-01-01T00:00:00\.\d{6}Z$/);
    await clock.advanceAsync(6_000);
    expect(server.writes).to.equal(4);
    expect(server.lease?.spec.renewTime).to.equal('2024-01-01T00:00:06.000000Z');
    expect(server.lease?.spec.acquireTime).to.equal('2024-01-01T00:00:00.000000Z');
    expect(evs(events)).to.deep.equal(['started']);
    await e.stop();
  });

  it('waits while another holder is valid and takes over once it expired (transitions + 1)', async () => {
    const server = new FakeLeaseServer();
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    server.write({ holderIdentity: 'other', renewTime: '2024-01-01T00:00:00.000000Z', leaseDurationSeconds: 15, leaseTransitions: 4 });
    const { e, events } = elector(server, clock, 'a');
    e.start();
    await clock.advanceAsync(14_000);
    expect(e.isLeader()).to.equal(false);
    expect(e.currentLeader()).to.equal('other');
    expect(e.leaderKnown()).to.equal(true);
    await clock.advanceAsync(4_000);
    expect(e.isLeader()).to.equal(true);
    expect(server.lease?.spec).to.deep.include({ holderIdentity: 'a', leaseTransitions: 5 });
    expect(events[0]?.at).to.be.above(Date.UTC(2024, 0, 1, 0, 0, 15));
    await e.stop();
  });

  const stepDownCases: Array<{ name: string; mode: Mode }> = [
    { name: 'hung requests', mode: 'hang' },
    { name: 'failing requests', mode: 'fail' },
  ];
  for (const c of stepDownCases) {
    it(`stops leading before the renew deadline on ${c.name}`, async () => {
      const server = new FakeLeaseServer();
      const clock = new FakeClock(Date.UTC(2024, 0, 1));
      const { e, events } = elector(server, clock, 'a');
      e.start();
      await clock.advanceAsync(4_000); // renewed at 0, 2000, 4000
      const lastRenew = Date.parse(server.lease?.spec.renewTime as string);
      server.mode = c.mode;
      await clock.advanceAsync(20_000);
      const stopped = events.find((x) => x.ev === 'stopped');
      expect(stopped, 'onStoppedLeading called').to.not.equal(undefined);
      expect(stopped?.at).to.be.below(lastRenew + 10_000);
      expect(stopped?.at).to.equal(lastRenew + 9_000); // renew deadline 10 s - margin 1 s
      expect(e.isLeader()).to.equal(false);
      await e.stop();
    });
  }

  it('a renew answered after the deadline does not count', async () => {
    const server = new FakeLeaseServer();
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    const { e, events } = elector(server, clock, 'a', { attemptTimeoutMs: 10_000 });
    e.start();
    await clock.advanceAsync(0);
    server.mode = 'hang';
    await clock.advanceAsync(11_500); // the renew sent at 2000 is held past 2000 + 10 s - 1 s
    expect(evs(events)).to.deep.equal(['started', 'stopped']);
    expect(events[1]?.at).to.equal(Date.UTC(2024, 0, 1) + 9_000); // deadline of the renew at 0
    server.mode = 'ok';
    for (const release of server.held.splice(0)) release();
    await settle();
    expect(e.isLeader()).to.equal(false);
    expect(evs(events)).to.deep.equal(['started', 'stopped']);
    await e.stop();
  });

  it('on a resourceVersion conflict it re-reads and keeps leading', async () => {
    const server = new FakeLeaseServer();
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    const { e, events } = elector(server, clock, 'a');
    e.start();
    await clock.advanceAsync(0);
    server.write({ ...server.lease?.spec }); // e.g. someone touched it: same holder, new resourceVersion
    const rvBefore = server.rv;
    await clock.advanceAsync(2_000);
    expect(server.rv).to.equal(rvBefore + 1);
    expect(e.isLeader()).to.equal(true);
    expect(evs(events)).to.deep.equal(['started']);
    await e.stop();
  });

  it('steps down at once when another identity holds a valid lease', async () => {
    const server = new FakeLeaseServer();
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    const { e, events } = elector(server, clock, 'a');
    e.start();
    await clock.advanceAsync(0);
    server.write({ holderIdentity: 'intruder', renewTime: new Date(clock.now().getTime()).toISOString(), leaseDurationSeconds: 15 });
    await clock.advanceAsync(2_000);
    expect(e.isLeader()).to.equal(false);
    expect(e.currentLeader()).to.equal('intruder');
    expect(evs(events)).to.deep.equal(['started', 'stopped']);
    await e.stop();
  });

  it('stop() calls onStoppedLeading, then releases so that a successor takes over at once', async () => {
    const server = new FakeLeaseServer();
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    const a = elector(server, clock, 'a');
    a.e.start();
    await clock.advanceAsync(0);
    let holderAtCallback: unknown;
    a.e['opts'].onStoppedLeading = () => {
      holderAtCallback = server.lease?.spec.holderIdentity;
    };
    await a.e.stop();
    expect(holderAtCallback, 'callback before release').to.equal('a');
    expect(server.lease?.spec).to.not.have.property('holderIdentity');
    expect(server.lease?.spec.leaseDurationSeconds).to.equal(1);
    const b = elector(server, clock, 'b');
    b.e.start();
    await clock.advanceAsync(0);
    expect(b.e.isLeader()).to.equal(true);
    expect(server.lease?.spec.leaseTransitions).to.equal(1);
    await b.e.stop();
  });

  it('two candidates: never two leaders at once, and the standby takes over after the leader dies', async () => {
    const server = new FakeLeaseServer();
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    const a = elector(server, clock, 'a');
    const b = elector(server, clock, 'b', { rand: () => 0.5 });
    a.e.start();
    b.e.start();
    for (let i = 0; i < 40; i++) {
      await clock.advanceAsync(500);
      expect(a.e.isLeader() && b.e.isLeader(), `t=${i * 500}`).to.equal(false);
    }
    expect([a.e.isLeader(), b.e.isLeader()].filter(Boolean)).to.have.length(1);
    const [leader, standby] = a.e.isLeader() ? [a, b] : [b, a];
    leader.e['stopped'] = true; // crash: no release, no more renewals
    leader.e['scheduler'].clearTimeout(leader.e['tickTimer']);
    const lastRenew = Date.parse(server.lease?.spec.renewTime as string);
    for (let i = 0; i < 60 && !standby.e.isLeader(); i++) await clock.advanceAsync(500);
    expect(server.lease?.spec.holderIdentity).to.equal(standby.e.identity);
    const acquiredAt = Date.parse(server.lease?.spec.acquireTime as string);
    expect(acquiredAt, 'not before the lease expired').to.be.above(lastRenew + 15_000);
    expect(acquiredAt, 'within one jittered retry period after expiry').to.be.at.most(lastRenew + 15_000 + 2_400);
    await standby.e.stop();
  });

  it('a throwing callback is logged and does not break the loop', async () => {
    const server = new FakeLeaseServer();
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    const { e, events } = elector(server, clock, 'a', {
      onStartedLeading: () => {
        throw new Error('callback bug');
      },
    });
    e.start();
    await clock.advanceAsync(4_000);
    expect(e.isLeader()).to.equal(true);
    expect(evs(events)).to.deep.equal(['log:onStartedLeading callback threw']);
    await e.stop();
  });

  describe('configuration', () => {
    const bad: Array<{ name: string; o: Partial<LeaderElectionOptions> }> = [
      { name: 'renew deadline >= lease', o: { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 } },
      { name: 'retry >= renew deadline', o: { renewDeadlineMs: 2_000, retryPeriodMs: 2_000 } },
      { name: 'sub-second lease', o: { leaseDurationMs: 900, renewDeadlineMs: 500, retryPeriodMs: 100 } },
      { name: 'empty identity', o: { identity: '' } },
      { name: 'margin >= renew deadline', o: { stepDownMarginMs: 10_000 } },
    ];
    for (const c of bad) {
      it(`rejects ${c.name}`, () => expect(() => new LeaderElector(new FakeLeaseServer().client(), c.o)).to.throw());
    }
    it('default identity is hostname_pid_random', () => {
      const e = new LeaderElector(new FakeLeaseServer().client());
      expect(e.identity).to.match(new RegExp(`_${process.pid}_[0-9a-f]{8}$`));
    });
  });
});

/**
 * The test-only failpoint `exit-after-outbox-write` (the kill suite arms it): the process SIGKILLs itself when it
 * is about to deliver an outbox entry that is durable in status but was never attempted — between the outbox
 * write and the delivery — and at no other time. process.kill is replaced for the duration of each case.
 */
import { expect } from 'chai';
import { Writable } from 'node:stream';
import type * as k8s from '@kubernetes/client-node';
import type { Incident, IncidentStatus } from '../../../src/api/incident.js';
import type { OutboxEntry } from '../../../src/api/notifications.js';
import { FAILPOINTS, loadConfig } from '../../../src/config.js';
import { PolicyEscalator } from '../../../src/escalate/escalator.js';
import { createLogger } from '../../../src/log.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import type { PolicyObject, ReadCache } from '../../../src/ports/caches.js';
import { startFlakyReceivers, type FlakyReceivers } from '../../harness/flaky-receiver.js';

class Killed extends Error {
  constructor(readonly signal: unknown) { super(`process.kill(${String(signal)})`); }
}

describe('escalate/escalator: the exit-after-outbox-write failpoint', () => {
  let rx: FlakyReceivers;
  const realKill = process.kill.bind(process);
  before(async () => { rx = await startFlakyReceivers(); });
  after(async () => { await rx.close(); });
  beforeEach(() => {
    process.kill = ((pid: number, signal?: string | number) => { if (pid === process.pid) throw new Killed(signal); return realKill(pid, signal); });
  });
  afterEach(() => { process.kill = realKill; });

  function escalator(failpoint: string | undefined) {
    const clock = new FakeClock(Date.parse('2026-01-05T10:00:00.000Z'));
    const core = { readNamespacedSecret: async () => ({ data: { hook: Buffer.from(rx.webhook.url('/fp')).toString('base64') } }) } as unknown as k8s.CoreV1Api;
    const policy: PolicyObject = { metadata: { name: 'default', namespace: 'ns' }, spec: {
      notifyOnPhaseChange: false, severityRules: [],
      tiers: [{ name: 'On-call', level: 1, triggers: ['OnOpen'], targets: [{ type: 'webhook', name: 'hook-1', secretRef: { name: 's', key: 'hook' } }] }] } };
    const policies: ReadCache<PolicyObject> = { get: (ns, name) => (ns === 'ns' && name === 'default' ? policy : undefined), list: () => [policy] };
    const config = loadConfig(failpoint ? { INCIDENT_OPERATOR_FAILPOINT: failpoint } : {});
    const log = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));
    return { clock, esc: new PolicyEscalator({ core, config, log, policies, clock, rand: () => 1 }) };
  }
  const incident: Incident = { metadata: { name: 'inc', namespace: 'ns', uid: 'uid-fp', generation: 1 }, spec: { severity: 'P2', summary: 'failpoint' } };
  const withEntry = (attempts: number, state: OutboxEntry['state'] = 'Pending'): IncidentStatus => ({
    phase: 'Diagnosing',
    notifications: { outbox: [{ key: 'opened:1:hook-1', target: 'hook-1', kind: 'opened', state, attempts, createdAt: '2026-01-05T10:00:00.000Z', id: 'uid-fp/opened:1:hook-1', body: '{"n":1}' }] },
  });
  const sentFp = () => rx.webhook.requests.filter((r) => r.path === '/fp').length;

  it('is one of the parsed failpoints; an unknown name arms nothing', () => {
    expect(FAILPOINTS).to.include('exit-after-outbox-write');
    expect(loadConfig({ INCIDENT_OPERATOR_FAILPOINT: 'exit-after-outbox-write' }).failpoint).to.equal('exit-after-outbox-write');
    expect(loadConfig({ INCIDENT_OPERATOR_FAILPOINT: 'exit-after-outbox' }).failpoint).to.equal(undefined);
  });

  it('armed: SIGKILL before a never-attempted Pending entry is sent; nothing reaches the receiver', async () => {
    const { esc, clock } = escalator('exit-after-outbox-write');
    const before = sentFp();
    const err = await esc.deliver(incident, withEntry(0), clock.now()).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(Killed);
    expect((err as Killed).signal).to.equal('SIGKILL');
    expect(sentFp()).to.equal(before);
  });

  it('armed: an entry already attempted once (a retry) is delivered, not killed', async () => {
    const { esc, clock } = escalator('exit-after-outbox-write');
    const before = sentFp();
    const out = await esc.deliver(incident, withEntry(1), clock.now());
    expect(out?.status.notifications?.outbox?.[0]?.state).to.equal('Delivered');
    expect(sentFp()).to.equal(before + 1);
  });

  it('not armed (or another failpoint): a fresh entry is delivered', async () => {
    for (const fp of [undefined, 'exit-after-rollback-intent']) {
      const { esc, clock } = escalator(fp);
      const out = await esc.deliver(incident, withEntry(0), clock.now());
      expect(out?.status.notifications?.outbox?.[0]?.state, String(fp)).to.equal('Delivered');
    }
  });
});

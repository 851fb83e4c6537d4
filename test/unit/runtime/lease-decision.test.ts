import { expect } from 'chai';
import {
  decideLeaseAction,
  type LeaseAction,
  type LeaseLike,
  leaseExpiresAt,
  parseKubeTime,
  releasedLeaseSpec,
  validHolder,
} from '../../../src/runtime/lease-decision.js';

const ME = 'op-a_1_aaaa';
const OTHER = 'op-b_2_bbbb';
const NOW = new Date('2024-05-01T12:00:00.000Z');
const CFG = { leaseDurationSeconds: 15 };
const secondsAgo = (s: number): Date => new Date(NOW.getTime() - s * 1000);

function lease(spec: LeaseLike['spec'], rv = '42'): LeaseLike {
  return { metadata: { resourceVersion: rv }, spec };
}

interface Case {
  name: string;
  lease: LeaseLike | undefined;
  expect: Partial<{ kind: LeaseAction['kind']; holder: string; transitions: number; acquireTime: Date; expiresAt: Date; previousHolder: string }>;
}

const cases: Case[] = [
  { name: 'no lease object: create with 0 transitions', lease: undefined, expect: { kind: 'create', transitions: 0, acquireTime: NOW } },
  {
    name: 'empty holder: acquire, transitions + 1',
    lease: lease({ holderIdentity: '', renewTime: secondsAgo(1), leaseDurationSeconds: 15, leaseTransitions: 3 }),
    expect: { kind: 'acquire', transitions: 4, acquireTime: NOW },
  },
  { name: 'null holder (released): acquire', lease: lease({ holderIdentity: null, leaseTransitions: 1 }), expect: { kind: 'acquire', transitions: 2 } },
  {
    name: 'other holder, valid: wait until renewTime + duration',
    lease: lease({ holderIdentity: OTHER, renewTime: secondsAgo(5), leaseDurationSeconds: 15, leaseTransitions: 2 }),
    expect: { kind: 'wait', holder: OTHER, expiresAt: new Date(NOW.getTime() + 10_000) },
  },
  {
    name: 'other holder, exactly at expiry: still valid (strict <)',
    lease: lease({ holderIdentity: OTHER, renewTime: secondsAgo(15), leaseDurationSeconds: 15 }),
    expect: { kind: 'wait', holder: OTHER },
  },
  {
    name: 'other holder, expired: acquire, transitions + 1',
    lease: lease({ holderIdentity: OTHER, renewTime: secondsAgo(16), leaseDurationSeconds: 15, leaseTransitions: 7 }),
    expect: { kind: 'acquire', transitions: 8, previousHolder: OTHER, acquireTime: NOW },
  },
  {
    name: "holder's own duration counts, not ours",
    lease: lease({ holderIdentity: OTHER, renewTime: secondsAgo(20), leaseDurationSeconds: 60 }),
    expect: { kind: 'wait', holder: OTHER },
  },
  {
    name: 'renewTime as an RFC 3339 micro string (what client-node returns)',
    lease: lease({ holderIdentity: OTHER, renewTime: '2024-05-01T11:59:50.123456Z', leaseDurationSeconds: 15 }),
    expect: { kind: 'wait', holder: OTHER },
  },
  {
    name: 'expired string renewTime',
    lease: lease({ holderIdentity: OTHER, renewTime: '2024-05-01T11:59:00.000000Z', leaseDurationSeconds: 15 }),
    expect: { kind: 'acquire', transitions: 1 },
  },
  { name: 'holder without renewTime cannot be proven valid', lease: lease({ holderIdentity: OTHER }), expect: { kind: 'acquire', transitions: 1 } },
  {
    name: 'unparseable renewTime counts as expired',
    lease: lease({ holderIdentity: OTHER, renewTime: 'not a date', leaseDurationSeconds: 15 }),
    expect: { kind: 'acquire' },
  },
  {
    name: 'missing duration falls back to ours',
    lease: lease({ holderIdentity: OTHER, renewTime: secondsAgo(14) }),
    expect: { kind: 'wait', holder: OTHER },
  },
  {
    name: 'we hold it: renew, keep acquireTime and transitions',
    lease: lease({ holderIdentity: ME, acquireTime: secondsAgo(300), renewTime: secondsAgo(2), leaseDurationSeconds: 15, leaseTransitions: 5 }),
    expect: { kind: 'renew', transitions: 5, acquireTime: secondsAgo(300) },
  },
  {
    name: 'we hold it even though it lapsed: renew, no transition',
    lease: lease({ holderIdentity: ME, acquireTime: '2024-05-01T10:00:00.000000Z', renewTime: secondsAgo(100), leaseTransitions: 5 }),
    expect: { kind: 'renew', transitions: 5, acquireTime: new Date('2024-05-01T10:00:00.000Z') },
  },
  {
    name: 'negative/garbage transitions are treated as 0',
    lease: lease({ holderIdentity: OTHER, renewTime: secondsAgo(100), leaseTransitions: -4 }),
    expect: { kind: 'acquire', transitions: 1 },
  },
];

describe('runtime/lease-decision', () => {
  describe('decideLeaseAction', () => {
    for (const c of cases) {
      it(c.name, () => {
        const a = decideLeaseAction(c.lease, ME, NOW, CFG);
        if (c.expect.kind !== undefined) expect(a.kind).to.equal(c.expect.kind);
        if (a.kind === 'wait') {
          if (c.expect.holder !== undefined) expect(a.holder).to.equal(c.expect.holder);
          if (c.expect.expiresAt !== undefined) expect(a.expiresAt.toISOString()).to.equal(c.expect.expiresAt.toISOString());
          return;
        }
        expect(a.spec.holderIdentity).to.equal(ME);
        expect(a.spec.renewTime.toISOString()).to.equal(NOW.toISOString());
        expect(a.spec.leaseDurationSeconds).to.equal(15);
        if (c.expect.transitions !== undefined) expect(a.spec.leaseTransitions).to.equal(c.expect.transitions);
        if (c.expect.acquireTime !== undefined) expect(a.spec.acquireTime.toISOString()).to.equal(c.expect.acquireTime.toISOString());
        if (c.expect.previousHolder !== undefined) expect(a.kind === 'acquire' && a.previousHolder).to.equal(c.expect.previousHolder);
      });
    }

    it('does not alias the caller’s now', () => {
      const now = new Date(NOW.getTime());
      const a = decideLeaseAction(undefined, ME, now, CFG);
      now.setTime(0);
      expect(a.kind === 'create' && a.spec.renewTime.toISOString()).to.equal(NOW.toISOString());
    });

    it('rejects an empty identity and a zero duration', () => {
      expect(() => decideLeaseAction(undefined, '', NOW, CFG)).to.throw(/identity/);
      expect(() => decideLeaseAction(undefined, ME, NOW, { leaseDurationSeconds: 0 })).to.throw(RangeError);
    });
  });

  describe('helpers', () => {
    const table: Array<{ v: Date | string | null | undefined; iso: string | undefined }> = [
      { v: undefined, iso: undefined },
      { v: null, iso: undefined },
      { v: '', iso: undefined },
      { v: 'garbage', iso: undefined },
      { v: '2024-05-01T11:59:50.123456Z', iso: '2024-05-01T11:59:50.123Z' },
      { v: new Date('2024-05-01T00:00:00Z'), iso: '2024-05-01T00:00:00.000Z' },
    ];
    for (const t of table) {
      it(`parseKubeTime(${String(t.v)})`, () => expect(parseKubeTime(t.v)?.toISOString()).to.equal(t.iso));
    }

    it('leaseExpiresAt / validHolder', () => {
      const l = lease({ holderIdentity: OTHER, renewTime: secondsAgo(10), leaseDurationSeconds: 15 });
      expect(leaseExpiresAt(l, 15)?.toISOString()).to.equal(new Date(NOW.getTime() + 5_000).toISOString());
      expect(validHolder(l, NOW, 15)).to.equal(OTHER);
      expect(validHolder(l, new Date(NOW.getTime() + 5_001), 15)).to.equal(undefined);
      expect(leaseExpiresAt(lease({ holderIdentity: '' }), 15)).to.equal(undefined);
    });

    it('releasedLeaseSpec clears the holder, keeps transitions, 1 s duration', () => {
      const r = releasedLeaseSpec(lease({ holderIdentity: ME, leaseTransitions: 9 }), NOW);
      expect(r).to.deep.include({ holderIdentity: null, leaseDurationSeconds: 1, leaseTransitions: 9 });
      expect(r.renewTime.toISOString()).to.equal(NOW.toISOString());
    });
  });
});

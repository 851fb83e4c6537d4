import { expect } from 'chai';
import { BlastRadiusLedger, decideBlastRadius } from '../../../src/decide/blast-radius.js';

const now = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const budget = { max: 3, windowSeconds: 60 };
const empty = new Map<string, Date[]>();

describe('decide/blast-radius', () => {
  it('allows while under the budget; overlapping sources of one Deployment count once', () => {
    const annotated = new Map([['a/x', [ago(10)]], ['a/y', [ago(20)]]]);
    const intended = new Map([['a/x', [ago(10)]]]);
    const reserved = new Map([['a/y', [ago(20)]]]);
    expect(decideBlastRadius({ now, budget, annotated, intended, reserved })).to.deep.equal({ allowed: true, used: 2, max: 3 });
  });

  it('refuses at the budget and says when a slot frees; entries outside the window do not count', () => {
    const annotated = new Map([['a/x', [ago(50)]], ['a/y', [ago(30)]], ['b/z', [ago(5)]], ['b/old', [ago(120)]]]);
    const d = decideBlastRadius({ now, budget, annotated, intended: empty, reserved: empty });
    expect(d.allowed).to.equal(false);
    if (d.allowed) return;
    expect(d.used).to.equal(3);
    expect(d.retryAt.getTime()).to.equal(ago(50).getTime() + 60_000 + 250);
    expect(d.message).to.include('3 automatic rollbacks in the last 60s (at most 3)');
  });

  it('reservations of this process count before the caches see the rollback (restart: the annotations count)', () => {
    const ledger = new BlastRadiusLedger();
    for (const k of ['n/a', 'n/b', 'n/c']) ledger.reserve(k, ago(1));
    expect(decideBlastRadius({ now, budget, annotated: empty, intended: empty, reserved: ledger.snapshot(now, 60) }).allowed).to.equal(false);
    expect(ledger.snapshot(new Date(now.getTime() + 61_000), 60).size).to.equal(0);
    const afterRestart = new Map([['n/a', [ago(1)]], ['n/b', [ago(1)]], ['n/c', [ago(1)]]]);
    expect(decideBlastRadius({ now, budget, annotated: afterRestart, intended: empty, reserved: new BlastRadiusLedger().snapshot(now, 60) }).allowed).to.equal(false);
  });

  it('a budget of 0 never allows', () => {
    expect(decideBlastRadius({ now, budget: { max: 0, windowSeconds: 60 }, annotated: empty, intended: empty, reserved: empty }).allowed).to.equal(false);
  });
});

import { expect } from 'chai';
import { budgetState, sessionKey } from '../../../src/decide/termination-budget.js';

const now = new Date('2024-05-01T12:00:00Z');
const at = (secondsAgo: number): string => new Date(now.getTime() - secondsAgo * 1000).toISOString();
const e = (pid: number, secondsAgo: number, server = 's1', backendStart = 'b') => ({ server, pid, backendStart, intendedAt: at(secondsAgo) });
const policy = { max: 5, windowSeconds: 600 };

describe('budgetState', () => {
  it('counts distinct sessions of the server within the window', () => {
    const s = budgetState([e(1, 10), e(2, 20), e(1, 30), e(3, 700), e(4, 5, 's2')], 's1', policy, now);
    expect(s.used).to.equal(2);
    expect(s.remaining).to.equal(3);
    expect([...s.counted].sort()).to.deep.equal([sessionKey(1, 'b'), sessionKey(2, 'b')]);
    expect(s.nextUnitAt?.toISOString()).to.equal(new Date(now.getTime() - 30_000 + 600_000).toISOString());
  });

  it('the same pid with another backend_start is another session', () => {
    expect(budgetState([e(1, 10, 's1', 'x'), e(1, 10, 's1', 'y')], 's1', policy, now).used).to.equal(2);
  });

  it('never negative; an unparseable time counts as now', () => {
    const entries = [...[1, 2, 3, 4, 5, 6, 7].map((p) => e(p, 1)), { server: 's1', pid: 9, backendStart: 'b', intendedAt: 'garbage' }];
    const s = budgetState(entries, 's1', policy, now);
    expect(s.used).to.equal(8);
    expect(s.remaining).to.equal(0);
  });

  it('an entry exactly window-old has left the window; empty ledger has no next unit', () => {
    expect(budgetState([e(1, 600)], 's1', policy, now).used).to.equal(0);
    expect(budgetState([], 's1', policy, now)).to.deep.include({ used: 0, remaining: 5, nextUnitAt: null });
    expect(budgetState([], 's1', { max: -2, windowSeconds: 600 }, now).remaining).to.equal(0);
  });
});

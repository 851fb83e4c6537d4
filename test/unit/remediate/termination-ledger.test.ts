import { expect } from 'chai';
import { budgetState } from '../../../src/decide/termination-budget.js';
import { TerminationLedger } from '../../../src/remediate/termination-ledger.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('TerminationLedger', () => {
  it('two concurrent reconciles cannot both spend the last unit of a server', async () => {
    const ledger = new TerminationLedger();
    const now = new Date('2024-05-01T12:00:00Z');
    const policy = { max: 1, windowSeconds: 600 };
    const spend = (pid: number) => ledger.withServer('s1', async () => {
      const state = budgetState(ledger.recentEntries(now, 600), 's1', policy, now);
      await tick(); // a status write in between
      if (state.remaining === 0) return false;
      ledger.remember([{ server: 's1', pid, backendStart: 'b', intendedAt: now.toISOString() }]);
      return true;
    });
    const results = await Promise.all([spend(1), spend(2), spend(3)]);
    expect(results.filter(Boolean)).to.have.length(1);
  });

  it('servers do not wait for each other, and the lock is released on errors', async () => {
    const ledger = new TerminationLedger();
    const order: string[] = [];
    let release!: () => void;
    const slow = ledger.withServer('a', () => new Promise<void>((r) => { release = r; }).then(() => { order.push('a'); }));
    await ledger.withServer('b', async () => { order.push('b'); });
    release();
    await slow;
    expect(order).to.deep.equal(['b', 'a']);
    await ledger.withServer('a', () => Promise.reject(new Error('boom'))).catch(() => undefined);
    expect(await ledger.withServer('a', async () => 'next')).to.equal('next');
  });

  it('remembers its intents for the window only', () => {
    const ledger = new TerminationLedger();
    ledger.remember([{ server: 's', pid: 1, backendStart: 'b', intendedAt: '2024-05-01T11:00:00Z' }, { server: 's', pid: 2, backendStart: 'b', intendedAt: '2024-05-01T11:55:00Z' }]);
    expect(ledger.recentEntries(new Date('2024-05-01T12:00:00Z'), 600).map((e) => e.pid)).to.deep.equal([2]);
  });
});

import { expect } from 'chai';
import { buildWaitForGraph } from '../../../src/decide/lock-wait-graph.js';

describe('buildWaitForGraph', () => {
  it('one blocker, five waiters', () => {
    const g = buildWaitForGraph([{ pid: 1, blockedBy: [] }, ...[2, 3, 4, 5, 6].map((pid) => ({ pid, blockedBy: [1] }))]);
    expect(g.roots).to.deep.equal([{ pid: 1, known: true, waiters: [2, 3, 4, 5, 6] }]);
    expect(g.waiting).to.deep.equal([2, 3, 4, 5, 6]);
    expect(g.rootsOf(4)).to.deep.equal([1]);
    expect(g.waiterCount(1)).to.equal(5);
    expect(g.isWaiting(1)).to.equal(false);
  });

  it('a chain: the root counts every transitive waiter, the middle is a victim', () => {
    const g = buildWaitForGraph([{ pid: 3, blockedBy: [2] }, { pid: 2, blockedBy: [1] }, { pid: 1, blockedBy: [] }]);
    expect(g.roots).to.deep.equal([{ pid: 1, known: true, waiters: [2, 3] }]);
    expect(g.rootsOf(3)).to.deep.equal([1]);
    expect(g.waiterCount(2)).to.equal(1);
  });

  it('two roots ordered by waiters, a waiter with two roots', () => {
    const g = buildWaitForGraph([{ pid: 10, blockedBy: [] }, { pid: 20, blockedBy: [] }, { pid: 11, blockedBy: [10, 20] }, { pid: 21, blockedBy: [20] }]);
    expect(g.roots.map((r) => r.pid)).to.deep.equal([20, 10]);
    expect(g.rootsOf(11)).to.deep.equal([10, 20]);
  });

  it('unknown blockers (prepared transaction pid 0, ended sessions) are unknown roots', () => {
    const g = buildWaitForGraph([{ pid: 5, blockedBy: [0, 77] }]);
    expect(g.roots).to.deep.equal([{ pid: 0, known: false, waiters: [5] }, { pid: 77, known: false, waiters: [5] }]);
  });

  it('a cycle has no root; self-edges and duplicates are ignored', () => {
    const g = buildWaitForGraph([{ pid: 1, blockedBy: [2, 2] }, { pid: 2, blockedBy: [1] }, { pid: 3, blockedBy: [3] }]);
    expect(g.roots).to.deep.equal([]);
    expect(g.waiting).to.deep.equal([1, 2]);
    expect(g.rootsOf(1)).to.deep.equal([]);
    expect(g.isWaiting(3)).to.equal(false);
  });
});

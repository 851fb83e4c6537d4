import { expect } from 'chai';
import { activityBetween, summariseActivity, type DatabaseCounters } from '../../../src/decide/database-activity.js';

const at = (ms: number, over: Partial<DatabaseCounters> = {}): DatabaseCounters => ({ atMs: ms, commits: 100, rollbacks: 3, blocksRead: 50, blocksHit: 950, tempBytes: 0, deadlocks: 0, ...over });

describe('decide/database-activity', () => {
  it('deltas over the window, with the cache hit ratio of the window', () => {
    const a = activityBetween(at(0), at(2000, { commits: 124, rollbacks: 4, blocksRead: 60, blocksHit: 1940, tempBytes: 8192, deadlocks: 1 }));
    expect(a).to.deep.equal({ windowSeconds: 2, commits: 24, rollbacks: 1, blocksRead: 10, blocksHit: 990, cacheHitRatio: 0.99, tempBytes: 8192, deadlocks: 1 });
    expect(summariseActivity(a)).to.equal('12 commits/s, cache hit 99.0%, 1 rollbacks, 8192 temp bytes, 1 deadlocks over 2 s');
  });

  it('no buffer traffic: no ratio (not 100%)', () => {
    const a = activityBetween(at(0), at(1000));
    expect(a.cacheHitRatio).to.equal(null);
    expect(summariseActivity(a)).to.equal('0 commits/s, no buffer reads over 1 s');
  });

  it('a counter reset in between reads as 0, never negative', () => {
    const a = activityBetween(at(0), at(1000, { commits: 5, blocksHit: 10, blocksRead: 0 }));
    expect(a.commits).to.equal(0);
    expect(a.blocksHit).to.equal(0);
  });
});

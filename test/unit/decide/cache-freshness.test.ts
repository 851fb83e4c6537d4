import { expect } from 'chai';
import fc from 'fast-check';
import { decideCacheFreshness } from '../../../src/decide/cache-freshness.js';

const T0 = Date.UTC(2026, 11, 1, 3, 0, 0);
const at = (ms: number) => new Date(T0 + ms);

describe('decide/cache-freshness: a diagnosis is made from a cache as new as the API server', () => {
  const cases: Array<[string, Parameters<typeof decideCacheFreshness>[0], string]> = [
    ['same version: fresh', { cachedVersion: '41', liveVersion: '41', now: at(0), maxWaitMs: 10_000 }, 'fresh'],
    ['live newer, first seen: wait', { cachedVersion: '41', liveVersion: '42', now: at(0), maxWaitMs: 10_000 }, 'wait'],
    ['live newer, 9.9 s behind: still wait', { cachedVersion: '41', liveVersion: '42', behindSince: at(0), now: at(9_900), maxWaitMs: 10_000 }, 'wait'],
    ['live newer, 10 s behind: diagnose from the cache, saying so', { cachedVersion: '41', liveVersion: '42', behindSince: at(0), now: at(10_000), maxWaitMs: 10_000 }, 'stale'],
    ['not cached, exists live: wait (never "not found" from a lagging cache)', { liveVersion: '7', now: at(0), maxWaitMs: 10_000 }, 'wait'],
    ['cached, deleted live: wait for the watch to say so', { cachedVersion: '7', liveVersion: null, now: at(0), maxWaitMs: 10_000 }, 'wait'],
    ['neither cached nor live: fresh (it does not exist)', { liveVersion: null, now: at(0), maxWaitMs: 10_000 }, 'fresh'],
    ['versions are opaque: "10" and "9" differ, no ordering assumed', { cachedVersion: '10', liveVersion: '9', now: at(0), maxWaitMs: 10_000 }, 'wait'],
  ];
  for (const [name, input, verdict] of cases) {
    it(name, () => expect(decideCacheFreshness(input).verdict).to.equal(verdict));
  }

  it('the stale verdict names how long it waited and never an object name or version', () => {
    const f = decideCacheFreshness({ cachedVersion: 'canary-41', liveVersion: 'canary-42', behindSince: at(0), now: at(12_400), maxWaitMs: 10_000 });
    expect(f).to.deep.include({ verdict: 'stale', waitedMs: 12_400 });
    if (f.verdict !== 'stale') throw new Error('expected stale');
    expect(f.message).to.contain('12 s').and.not.contain('canary');
  });

  it('property: the verdict is fresh exactly when the versions are equal; a wait never exceeds the bound', () => {
    const version = fc.option(fc.string({ minLength: 1, maxLength: 6 }), { nil: undefined });
    fc.assert(fc.property(version, fc.option(fc.string({ minLength: 1, maxLength: 6 }), { nil: null }), fc.nat(60_000), fc.nat(60_000), fc.integer({ min: 1, max: 30_000 }),
      (cached, live, since, elapsed, maxWaitMs) => {
        const f = decideCacheFreshness({ cachedVersion: cached, liveVersion: live, behindSince: at(since), now: at(since + elapsed), maxWaitMs });
        expect(f.verdict === 'fresh').to.equal((cached ?? null) === live);
        if (f.verdict === 'wait') expect(elapsed).to.be.lessThan(maxWaitMs);
        if (f.verdict === 'stale') expect(f.waitedMs).to.equal(elapsed).and.to.be.at.least(maxWaitMs);
      }));
  });
});

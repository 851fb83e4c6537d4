import { expect } from 'chai';
import { Backoff, type BackoffOptions, backoffCeiling, backoffDelay } from '../../../src/runtime/backoff.js';

const opts = (o: Partial<BackoffOptions> = {}): BackoffOptions => ({ baseMs: 200, capMs: 30_000, ...o });
const fixed = (r: number) => () => r;

describe('runtime/backoff', () => {
  describe('backoffDelay', () => {
    const cases: Array<{ name: string; attempt: number; o: BackoffOptions; expected: number }> = [
      { name: 'attempt 0 is the base', attempt: 0, o: opts(), expected: 200 },
      { name: 'doubles per attempt', attempt: 3, o: opts(), expected: 1_600 },
      { name: 'capped', attempt: 8, o: opts(), expected: 30_000 },
      { name: 'huge attempt stays at the cap (no Infinity/NaN)', attempt: 10_000, o: opts(), expected: 30_000 },
      { name: 'negative attempt treated as 0', attempt: -3, o: opts(), expected: 200 },
      { name: 'custom factor', attempt: 2, o: opts({ factor: 3 }), expected: 1_800 },
      { name: 'factor 1 is constant', attempt: 50, o: opts({ factor: 1 }), expected: 200 },
      { name: 'full jitter scales the ceiling', attempt: 2, o: opts({ jitter: 'full', rand: fixed(0.5) }), expected: 400 },
      { name: 'full jitter can be 0', attempt: 2, o: opts({ jitter: 'full', rand: fixed(0) }), expected: 0 },
      { name: 'equal jitter never below half', attempt: 2, o: opts({ jitter: 'equal', rand: fixed(0) }), expected: 400 },
      { name: 'equal jitter upper range', attempt: 2, o: opts({ jitter: 'equal', rand: fixed(0.5) }), expected: 600 },
      { name: 'equal jitter at the cap', attempt: 20, o: opts({ baseMs: 1_000, jitter: 'equal', rand: fixed(0.5) }), expected: 22_500 },
      { name: 'rand() >= 1 is clamped below the ceiling', attempt: 0, o: opts({ jitter: 'full', rand: fixed(1) }), expected: 199 },
      { name: 'rand() NaN is treated as 0', attempt: 0, o: opts({ jitter: 'equal', rand: fixed(Number.NaN) }), expected: 100 },
    ];
    for (const c of cases) {
      it(c.name, () => expect(backoffDelay(c.attempt, c.o)).to.equal(c.expected));
    }
  });

  describe('validation', () => {
    const bad: Array<{ name: string; o: BackoffOptions }> = [
      { name: 'zero base', o: { baseMs: 0, capMs: 10 } },
      { name: 'cap below base', o: { baseMs: 100, capMs: 10 } },
      { name: 'infinite cap', o: { baseMs: 1, capMs: Number.POSITIVE_INFINITY } },
      { name: 'factor below 1', o: { baseMs: 1, capMs: 10, factor: 0.5 } },
    ];
    for (const c of bad) {
      it(`rejects ${c.name}`, () => expect(() => backoffCeiling(0, c.o)).to.throw(RangeError));
    }
  });

  it('Backoff.next() walks the sequence and reset() restarts it', () => {
    const b = new Backoff({ baseMs: 1_000, capMs: 30_000 });
    const seen = Array.from({ length: 7 }, () => b.next());
    expect(seen).to.deep.equal([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(b.attempt).to.equal(7);
    b.reset();
    expect(b.next()).to.equal(1_000);
  });
});

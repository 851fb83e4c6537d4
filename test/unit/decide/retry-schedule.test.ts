import { expect } from 'chai';
import fc from 'fast-check';
import { DefaultRetrySchedule, decideRetry, retryDelayMs, retryScheduleWith, UrgentCapLimitMs, MinRetryDelayMs } from '../../../src/decide/retry-schedule.js';

const T0 = new Date('2026-01-05T10:00:00.000Z');
const fixed = (r: number) => (): number => r;
const HOUR = 3_600_000;

describe('decide/retry-schedule', () => {
  const cases: { sev: 'P0' | 'P1' | 'P2' | 'P3'; failures: number; rand: number; retryAfter?: number; expected: number }[] = [
    { sev: 'P1', failures: 1, rand: 0, expected: 500 },
    { sev: 'P1', failures: 1, rand: 1, expected: 1000 },
    { sev: 'P1', failures: 4, rand: 1, expected: 8000 },
    { sev: 'P1', failures: 5, rand: 1, expected: 10_000 },
    { sev: 'P1', failures: 50, rand: 0.5, expected: 7_500 },
    { sev: 'P1', failures: 1, rand: 0, retryAfter: 120, expected: 10_000 }, // Retry-After honoured within the cap
    { sev: 'P1', failures: 1, rand: 0, retryAfter: 7, expected: 7000 },
    { sev: 'P0', failures: 20, rand: 1, expected: 5_000 },
    { sev: 'P2', failures: 1, rand: 1, expected: 2000 },
    { sev: 'P2', failures: 20, rand: 1, expected: 300_000 },
    { sev: 'P2', failures: 1, rand: 0, retryAfter: 600, expected: 600_000 }, // P2 may wait for the server longer
    { sev: 'P2', failures: 1, rand: 0, retryAfter: 3600, expected: 900_000 },
    { sev: 'P3', failures: 30, rand: 1, expected: 900_000 },
  ];
  for (const c of cases) {
    it(`${c.sev} after ${c.failures} failure(s), rand ${c.rand}${c.retryAfter ? `, Retry-After ${c.retryAfter}s` : ''} → ${c.expected} ms`, () => {
      expect(retryDelayMs(DefaultRetrySchedule[c.sev], c.failures, fixed(c.rand), c.retryAfter)).to.equal(c.expected);
    });
  }

  it('property: P0/P1 never wait longer than the cap (≤ 15 s), whatever the failures, jitter and Retry-After', () => {
    fc.assert(fc.property(fc.constantFrom('P0' as const, 'P1' as const), fc.integer({ min: 1, max: 1000 }), fc.double({ min: -1, max: 2, noNaN: false }),
      fc.option(fc.integer({ min: 0, max: 1e9 })), fc.integer({ min: 0, max: 120_000 }), (sev, failures, r, retryAfter, capMs) => {
        const schedule = retryScheduleWith({ [sev]: { capMs } });
        const d = retryDelayMs(schedule[sev], failures, () => r, retryAfter ?? undefined);
        expect(d).to.be.at.most(Math.min(UrgentCapLimitMs, Math.max(MinRetryDelayMs, capMs)));
        expect(d).to.be.at.least(MinRetryDelayMs);
      }), { numRuns: 500 });
  });

  it('property: P0/P1 entries are retried while the incident is open, however old; P2/P3 give up after giveUpAfterMs', () => {
    fc.assert(fc.property(fc.constantFrom('P0' as const, 'P1' as const, 'P2' as const, 'P3' as const), fc.integer({ min: 0, max: 100 * HOUR }), fc.boolean(), (sev, age, open) => {
      const d = decideRetry({ policy: DefaultRetrySchedule[sev], failures: 3, retryable: true, createdAt: T0, now: new Date(T0.getTime() + age), incidentOpen: open, rand: Math.random });
      const urgentOpen = (sev === 'P0' || sev === 'P1') && open;
      expect(d.retry).to.equal(urgentOpen || age <= 24 * HOUR);
    }), { numRuns: 300 });
  });

  it('non-retryable failures fail at once', () => {
    expect(decideRetry({ policy: DefaultRetrySchedule.P0, failures: 1, retryable: false, createdAt: T0, now: T0, incidentOpen: true, rand: Math.random })).to.deep.equal({ retry: false, why: 'permanent' });
  });

  it('retryScheduleWith clamps urgent caps to 15 s and bases to caps', () => {
    const s = retryScheduleWith({ P1: { capMs: 60_000 }, P2: { capMs: 3000, baseMs: 10_000 } });
    expect(s.P1.capMs).to.equal(15_000);
    expect(s.P1.maxRetryAfterMs).to.equal(15_000);
    expect(s.P2).to.include({ capMs: 3000, baseMs: 3000 });
  });
});

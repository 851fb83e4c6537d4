import { expect } from 'chai';
import {
  backoffDelayMs,
  boundOutbox,
  dueEntries,
  enqueue,
  nextWakeup,
  outboxKey,
  recordAttempt,
  type OutboxEntry,
} from '../../../src/notify/outbox.js';
import type { DeliveryResult } from '../../../src/notify/types.js';

const T0 = new Date('2024-05-01T12:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const fixed = (r: number) => (): number => r;

function entry(overrides: Partial<OutboxEntry> = {}): OutboxEntry {
  return { key: 'opened:1:slack-oncall', target: 'slack-oncall', kind: 'opened', state: 'Pending', attempts: 0, createdAt: T0.toISOString(), ...overrides };
}

const ok: DeliveryResult = { ok: true, status: 202, retryable: false };
const retryable: DeliveryResult = { ok: false, status: 503, retryable: true, error: 'pagerduty target pd: HTTP 503' };
const fatal: DeliveryResult = { ok: false, status: 400, retryable: false, error: 'pagerduty target pd: HTTP 400' };

describe('notify/outbox', () => {
  describe('outboxKey', () => {
    it('joins kind, tier, target and an optional discriminator', () => {
      expect(outboxKey('escalated', 2, 'pd-leads')).to.equal('escalated:2:pd-leads');
      expect(outboxKey('phase-changed', 1, 'slack', 'Mitigating')).to.equal('phase-changed:1:slack:Mitigating');
    });
  });

  describe('enqueue', () => {
    const cases: { name: string; existing: OutboxEntry[]; add: string[]; expectedKeys: string[] }[] = [
      { name: 'into an empty outbox', existing: [], add: ['a', 'b'], expectedKeys: ['a', 'b'] },
      { name: 'skips a pending key', existing: [entry({ key: 'a' })], add: ['a', 'b'], expectedKeys: ['a', 'b'] },
      { name: 'never re-enqueues a delivered key', existing: [entry({ key: 'a', state: 'Delivered' })], add: ['a'], expectedKeys: ['a'] },
      { name: 'never re-enqueues a failed key', existing: [entry({ key: 'a', state: 'Failed' })], add: ['a'], expectedKeys: ['a'] },
      { name: 'dedups within one batch', existing: [], add: ['a', 'a', 'b', 'a'], expectedKeys: ['a', 'b'] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const out = enqueue(c.existing, c.add.map((key) => ({ key, target: 't', kind: 'opened' as const })), at(1000));
        expect(out.map((e) => e.key)).to.deep.equal(c.expectedKeys);
        expect(out.slice(0, c.existing.length)).to.deep.equal(c.existing); // existing entries untouched
      });
    }

    it('creates Pending entries with zero attempts and createdAt = now', () => {
      const [e] = enqueue([], [{ key: 'k', target: 'slack', kind: 'escalated' }], at(5000));
      expect(e).to.deep.equal({ key: 'k', target: 'slack', kind: 'escalated', state: 'Pending', attempts: 0, createdAt: at(5000).toISOString() });
    });

    it('does not mutate its input', () => {
      const existing = [entry({ key: 'a' })];
      const snapshot = JSON.stringify(existing);
      enqueue(existing, [{ key: 'b', target: 't', kind: 'opened' }], T0);
      expect(JSON.stringify(existing)).to.equal(snapshot);
    });
  });

  describe('dueEntries', () => {
    it('returns Pending entries that are due, oldest first', () => {
      const outbox = [
        entry({ key: 'later', createdAt: at(2000).toISOString() }),
        entry({ key: 'future', nextAttemptAt: at(60_000).toISOString() }),
        entry({ key: 'retry-now', nextAttemptAt: at(10_000).toISOString(), createdAt: at(1000).toISOString() }),
        entry({ key: 'delivered', state: 'Delivered' }),
        entry({ key: 'failed', state: 'Failed' }),
        entry({ key: 'garbage-time', nextAttemptAt: 'not-a-date', createdAt: at(3000).toISOString() }),
        entry({ key: 'first' }),
      ];
      expect(dueEntries(outbox, at(10_000)).map((e) => e.key)).to.deep.equal(['first', 'retry-now', 'later', 'garbage-time']);
    });
  });

  describe('backoffDelayMs (full jitter, base 2 s, cap 5 min)', () => {
    const cases: { attempts: number; rand: number; retryAfter?: number; expected: number }[] = [
      { attempts: 1, rand: 1, expected: 2_000 },
      { attempts: 2, rand: 1, expected: 4_000 },
      { attempts: 3, rand: 0.5, expected: 4_000 },
      { attempts: 8, rand: 1, expected: 256_000 },
      { attempts: 9, rand: 1, expected: 300_000 },
      { attempts: 40, rand: 1, expected: 300_000 },
      { attempts: 5, rand: 0, expected: 0 },
      { attempts: 1, rand: 0.25, retryAfter: 30, expected: 30_000 },
      { attempts: 9, rand: 1, retryAfter: 30, expected: 300_000 },
      { attempts: 1, rand: 0, retryAfter: 86_400, expected: 900_000 },
      { attempts: 1, rand: Number.NaN, expected: 2_000 },
      { attempts: 1, rand: 7, expected: 2_000 },
    ];
    for (const c of cases) {
      it(`attempts=${c.attempts} rand=${c.rand} retryAfter=${String(c.retryAfter)} -> ${c.expected} ms`, () => {
        expect(backoffDelayMs(c.attempts, fixed(c.rand), c.retryAfter)).to.equal(c.expected);
      });
    }
  });

  describe('recordAttempt', () => {
    it('marks a successful delivery Delivered and clears retry state', () => {
      const outbox = [entry({ attempts: 2, nextAttemptAt: T0.toISOString(), lastError: 'HTTP 503' })];
      const [e] = recordAttempt(outbox, 'opened:1:slack-oncall', ok, at(1000), fixed(0.5));
      expect(e).to.deep.equal({ key: 'opened:1:slack-oncall', target: 'slack-oncall', kind: 'opened', state: 'Delivered', attempts: 3, deliveredAt: at(1000).toISOString(), createdAt: T0.toISOString() });
    });

    it('schedules a retryable failure with backoff from now', () => {
      const [e] = recordAttempt([entry({ attempts: 2 })], 'opened:1:slack-oncall', retryable, at(1000), fixed(0.5));
      expect(e).to.include({ state: 'Pending', attempts: 3, lastError: 'pagerduty target pd: HTTP 503' });
      expect(e?.nextAttemptAt).to.equal(at(1000 + 4_000).toISOString()); // 0.5 * 2s * 2^2
    });

    it('honours Retry-After as a lower bound', () => {
      const [e] = recordAttempt([entry()], 'opened:1:slack-oncall', { ...retryable, status: 429, retryAfterSeconds: 42 }, T0, fixed(0.1));
      expect(e?.nextAttemptAt).to.equal(at(42_000).toISOString());
    });

    it('fails a non-retryable result at once', () => {
      const [e] = recordAttempt([entry()], 'opened:1:slack-oncall', fatal, T0, fixed(0.5));
      expect(e).to.include({ state: 'Failed', attempts: 1, lastError: 'pagerduty target pd: HTTP 400' });
      expect(e).to.not.have.property('nextAttemptAt');
    });

    const giveUp: { maxAttempts?: number; failuresBeforeGiveUp: number }[] = [{ failuresBeforeGiveUp: 12 }, { maxAttempts: 3, failuresBeforeGiveUp: 3 }];
    for (const c of giveUp) {
      it(`gives up after ${c.failuresBeforeGiveUp} retryable failures (maxAttempts=${String(c.maxAttempts)})`, () => {
        let outbox: OutboxEntry[] = [entry()];
        const states: string[] = [];
        for (let i = 0; i < c.failuresBeforeGiveUp; i++) {
          outbox = recordAttempt(outbox, 'opened:1:slack-oncall', retryable, at(i * 1000), fixed(0.5), c.maxAttempts ? { maxAttempts: c.maxAttempts } : {});
          states.push(outbox[0]?.state ?? '');
        }
        expect(states.slice(0, -1).every((s) => s === 'Pending')).to.equal(true);
        expect(states.at(-1)).to.equal('Failed');
        expect(outbox[0]?.attempts).to.equal(c.failuresBeforeGiveUp);
      });
    }

    const untouched: { name: string; outbox: OutboxEntry[]; key: string }[] = [
      { name: 'unknown key', outbox: [entry()], key: 'nope' },
      { name: 'late result for a Delivered entry', outbox: [entry({ state: 'Delivered', attempts: 1, deliveredAt: T0.toISOString() })], key: 'opened:1:slack-oncall' },
      { name: 'late result for a Failed entry', outbox: [entry({ state: 'Failed', attempts: 12 })], key: 'opened:1:slack-oncall' },
    ];
    for (const c of untouched) {
      it(`leaves the outbox unchanged for ${c.name}`, () => {
        expect(recordAttempt(c.outbox, c.key, retryable, at(5000), fixed(0.5))).to.deep.equal(c.outbox);
      });
    }

    it('redacts PHI that reached lastError, but keeps safe errors verbatim', () => {
      const phi = recordAttempt([entry()], 'opened:1:slack-oncall', { ok: false, retryable: true, error: 'rejected for jane.patient@example.org 078-05-1120' }, T0, fixed(0.5));
      expect(phi[0]?.lastError).to.be.a('string').and.not.include('jane.patient@example.org').and.not.include('078-05-1120');
      const safe = recordAttempt([entry()], 'opened:1:slack-oncall', retryable, T0, fixed(0.5));
      expect(safe[0]?.lastError).to.equal('pagerduty target pd: HTTP 503');
    });

    it('bounds lastError length', () => {
      const [e] = recordAttempt([entry()], 'opened:1:slack-oncall', { ok: false, retryable: true, error: 'e'.repeat(5000) }, T0, fixed(0.5));
      expect(e?.lastError?.length).to.be.at.most(256);
    });
  });

  describe('nextWakeup', () => {
    const cases: { name: string; outbox: OutboxEntry[]; expected: number | undefined }[] = [
      { name: 'nothing pending', outbox: [entry({ state: 'Delivered' }), entry({ state: 'Failed' })], expected: undefined },
      { name: 'a never-attempted entry is due now', outbox: [entry({ nextAttemptAt: at(9000).toISOString() }), entry()], expected: 0 },
      { name: 'earliest retry', outbox: [entry({ nextAttemptAt: at(9000).toISOString() }), entry({ nextAttemptAt: at(4000).toISOString() })], expected: 3000 },
      { name: 'overdue retry', outbox: [entry({ nextAttemptAt: at(0).toISOString() })], expected: 0 },
    ];
    for (const c of cases) {
      it(c.name, () => expect(nextWakeup(c.outbox, at(1000))).to.equal(c.expected));
    }
  });

  describe('boundOutbox', () => {
    const e = (key: string, state: OutboxEntry['state'], t: number): OutboxEntry =>
      entry({ key, state, createdAt: at(t).toISOString(), ...(state === 'Delivered' ? { deliveredAt: at(t + 1).toISOString() } : {}) });
    const cases: { name: string; outbox: OutboxEntry[]; max: number; expectedKeys: string[] }[] = [
      { name: 'under the bound', outbox: [e('a', 'Delivered', 1)], max: 5, expectedKeys: ['a'] },
      { name: 'drops the oldest delivered first', outbox: [e('p', 'Pending', 0), e('d2', 'Delivered', 2), e('d1', 'Delivered', 1), e('f', 'Failed', 0)], max: 3, expectedKeys: ['p', 'd2', 'f'] },
      { name: 'then the oldest failed', outbox: [e('f1', 'Failed', 1), e('d', 'Delivered', 5), e('p', 'Pending', 0), e('f2', 'Failed', 2)], max: 2, expectedKeys: ['p', 'f2'] },
      { name: 'pending only as a last resort', outbox: [e('p1', 'Pending', 1), e('p2', 'Pending', 2), e('d', 'Delivered', 3)], max: 1, expectedKeys: ['p2'] },
    ];
    for (const c of cases) {
      it(c.name, () => expect(boundOutbox(c.outbox, c.max).map((x) => x.key)).to.deep.equal(c.expectedKeys));
    }

    it('defaults to 50 entries', () => {
      const big = Array.from({ length: 60 }, (_, i) => e(`d${i}`, 'Delivered', i));
      const out = boundOutbox(big);
      expect(out).to.have.length(50);
      expect(out[0]?.key).to.equal('d10');
    });
  });
});

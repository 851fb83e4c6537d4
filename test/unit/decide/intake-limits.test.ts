import { expect } from 'chai';
import { CreationBudget, SenderRateLimiter } from '../../../src/decide/intake-limits.js';

const t0 = new Date('2026-12-01T06:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('decide/intake-limits', () => {
  describe('SenderRateLimiter (token bucket per sender)', () => {
    it('allows the burst, then 429 with a Retry-After until the bucket refills', () => {
      const l = new SenderRateLimiter({ perMinute: 60, burst: 3 });
      for (let i = 0; i < 3; i++) expect(l.take('10.0.0.1', t0)).to.deep.equal({ allowed: true });
      expect(l.take('10.0.0.1', t0)).to.deep.equal({ allowed: false, retryAfterSeconds: 1 });
      expect(l.take('10.0.0.1', at(500))).to.deep.include({ allowed: false });
      expect(l.take('10.0.0.1', at(1000))).to.deep.equal({ allowed: true });
    });

    it('senders are independent', () => {
      const l = new SenderRateLimiter({ perMinute: 1, burst: 1 });
      expect(l.take('a', t0).allowed).to.equal(true);
      expect(l.take('a', t0).allowed).to.equal(false);
      expect(l.take('b', t0).allowed).to.equal(true);
    });

    it('Retry-After reflects the refill rate (1 per minute → 60 s)', () => {
      const l = new SenderRateLimiter({ perMinute: 1, burst: 1 });
      l.take('a', t0);
      expect(l.take('a', t0)).to.deep.equal({ allowed: false, retryAfterSeconds: 60 });
      expect(l.take('a', at(30_000))).to.deep.equal({ allowed: false, retryAfterSeconds: 30 });
      expect(l.take('a', at(60_000)).allowed).to.equal(true);
    });

    it('perMinute 0 refuses everything beyond the burst', () => {
      const l = new SenderRateLimiter({ perMinute: 0, burst: 1 });
      expect(l.take('a', t0).allowed).to.equal(true);
      expect(l.take('a', at(3_600_000))).to.deep.equal({ allowed: false, retryAfterSeconds: 60 });
    });

    it('a clock stepping back refills nothing', () => {
      const l = new SenderRateLimiter({ perMinute: 60, burst: 1 });
      l.take('a', at(10_000));
      expect(l.take('a', t0).allowed).to.equal(false);
    });

    it('remembers at most maxSenders (least recently seen forgotten first)', () => {
      const l = new SenderRateLimiter({ perMinute: 1, burst: 1, maxSenders: 3 });
      for (const s of ['a', 'b', 'c', 'd']) l.take(s, t0);
      expect(l.size).to.equal(3);
      expect(l.take('d', t0).allowed, 'd is remembered').to.equal(false);
      expect(l.take('a', t0).allowed, 'a was forgotten').to.equal(true);
    });
  });

  describe('CreationBudget (sliding minute)', () => {
    it('takes up to perMinute, then refuses with the time until the oldest leaves the window', () => {
      const b = new CreationBudget(3);
      expect([b.tryTake(t0), b.tryTake(at(10_000)), b.tryTake(at(20_000))]).to.deep.equal([true, true, true]);
      expect(b.tryTake(at(30_000))).to.equal(false);
      expect(b.remaining(at(30_000))).to.equal(0);
      expect(b.retryAfterSeconds(at(30_000))).to.equal(30);
      expect(b.tryTake(at(60_000))).to.equal(true);
      expect(b.tryTake(at(60_001))).to.equal(false);
      expect(b.retryAfterSeconds(at(60_001))).to.equal(10);
    });

    it('refund gives the newest creation back', () => {
      const b = new CreationBudget(1);
      expect(b.tryTake(t0)).to.equal(true);
      b.refund();
      expect(b.tryTake(t0)).to.equal(true);
      expect(b.tryTake(t0)).to.equal(false);
    });

    it('0 per minute creates nothing', () => {
      const b = new CreationBudget(0);
      expect(b.tryTake(t0)).to.equal(false);
      expect(b.retryAfterSeconds(t0)).to.equal(60);
    });

    it('a burst of 1,000 takes exactly the cap', () => {
      const b = new CreationBudget(25);
      let taken = 0;
      for (let i = 0; i < 1000; i++) if (b.tryTake(at(i))) taken++;
      expect(taken).to.equal(25);
    });
  });
});

import { expect } from 'chai';
import { FakeClock, safeLog, systemClock } from '../../../src/runtime/clock.js';

describe('runtime/clock', () => {
  it('FakeClock fires timers in due order, ties in creation order', () => {
    const c = new FakeClock(1_000);
    const seen: string[] = [];
    c.setTimeout(() => seen.push('b@300'), 300);
    c.setTimeout(() => seen.push('a@100'), 100);
    c.setTimeout(() => seen.push('c@300'), 300);
    const cancelled = c.setTimeout(() => seen.push('never'), 50);
    c.clearTimeout(cancelled);
    expect(c.advance(299)).to.equal(1);
    expect(seen).to.deep.equal(['a@100']);
    expect(c.now().getTime()).to.equal(1_299);
    c.advance(1);
    expect(seen).to.deep.equal(['a@100', 'b@300', 'c@300']);
    expect(c.pendingTimers()).to.equal(0);
  });

  it('timers created while advancing fire within the same advance, at their own due time', () => {
    const c = new FakeClock(0);
    const at: number[] = [];
    const tick = () => {
      at.push(c.now().getTime());
      if (at.length < 4) c.setTimeout(tick, 250);
    };
    c.setTimeout(tick, 250);
    c.advance(900);
    expect(at).to.deep.equal([250, 500, 750]);
    expect(c.nextDueAt()).to.equal(1_000);
  });

  it('set() moves time without firing timers', () => {
    const c = new FakeClock(0);
    let fired = false;
    c.setTimeout(() => (fired = true), 10);
    c.set(new Date(5_000));
    expect(fired).to.equal(false);
    expect(c.now().toISOString()).to.equal('1970-01-01T00:00:05.000Z');
  });

  it('systemClock returns the current time', () => {
    expect(Math.abs(systemClock.now().getTime() - Date.now())).to.be.below(1_000);
  });

  it('safeLog swallows a throwing logger', () => {
    const logger = {
      warn: () => {
        throw new Error('broken');
      },
      error: () => undefined,
    };
    expect(() => safeLog(logger, 'warn', 'x')).not.to.throw();
  });
});

import { expect } from 'chai';
import {
  computeDeadlines,
  requeueAfterMs,
  slaMinutes,
  slaState,
  type Deadlines,
  type DeadlineOptions,
  type Severity,
  type SlaProgress,
} from '../../../src/decide/sla.js';
import type { BusinessCalendar } from '../../../src/decide/business-hours.js';

const OPENED = new Date('2025-06-02T10:00:00Z'); // a Monday
const at = (minutesAfterOpen: number): Date => new Date(OPENED.getTime() + minutesAfterOpen * 60_000);
const deadlines = (ackMin: number, respondMin: number): Deadlines => ({ acknowledgeBy: at(ackMin), respondBy: at(respondMin) });

describe('decide/sla', () => {
  describe('computeDeadlines', () => {
    const cases: { name: string; severity: Severity; opts?: DeadlineOptions; ack: number; respond: number }[] = [
      { name: 'P0 responds within 15 minutes', severity: 'P0', ack: 15, respond: 15 },
      { name: 'P1 within 1 hour', severity: 'P1', ack: 15, respond: 60 },
      { name: 'P2 within 4 hours', severity: 'P2', ack: 15, respond: 240 },
      { name: 'P3 within 24 hours', severity: 'P3', ack: 15, respond: 1440 },
      { name: 'acknowledge override', severity: 'P1', opts: { acknowledgeMinutes: 1 }, ack: 1, respond: 60 },
      { name: 'response override for that severity', severity: 'P2', opts: { responseMinutes: { P2: 3 } }, ack: 15, respond: 3 },
      { name: 'response override for another severity is ignored', severity: 'P3', opts: { responseMinutes: { P2: 3 } }, ack: 15, respond: 1440 },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expect(computeDeadlines(c.severity, OPENED, c.opts)).to.deep.equal(deadlines(c.ack, c.respond));
      });
    }

    it('counts business time only when a calendar is given', () => {
      const cal: BusinessCalendar = { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '09:00', end: '17:00' };
      // Friday 16:50 UTC: 10 minutes left on Friday, the rest on Monday.
      const d = computeDeadlines('P2', new Date('2025-06-06T16:50:00Z'), { businessCalendar: cal });
      expect(d.acknowledgeBy.toISOString()).to.equal('2025-06-09T09:05:00.000Z');
      expect(d.respondBy.toISOString()).to.equal('2025-06-09T12:50:00.000Z');
    });

    const invalid: { name: string; run: () => unknown }[] = [
      { name: 'negative minutes', run: () => computeDeadlines('P1', OPENED, { acknowledgeMinutes: -1 }) },
      { name: 'NaN minutes', run: () => computeDeadlines('P1', OPENED, { responseMinutes: { P1: Number.NaN } }) },
      { name: 'invalid date', run: () => computeDeadlines('P1', new Date('nope')) },
      { name: 'unknown severity', run: () => slaMinutes('P9' as Severity) },
    ];
    for (const c of invalid) {
      it(`rejects ${c.name}`, () => {
        expect(c.run).to.throw(RangeError);
      });
    }
  });

  describe('slaState', () => {
    const d = deadlines(15, 60);
    const cases: {
      name: string;
      progress: SlaProgress;
      now: number;
      ack: boolean;
      respond: boolean;
      next?: number;
    }[] = [
      { name: 'fresh incident: both clocks running', progress: {}, now: 5, ack: false, respond: false, next: 15 },
      { name: 'exactly at the acknowledge deadline counts as exceeded', progress: {}, now: 15, ack: true, respond: false, next: 60 },
      { name: 'unacknowledged past both deadlines', progress: {}, now: 61, ack: true, respond: true },
      { name: 'acknowledged in time stops only the acknowledge clock', progress: { acknowledgedAt: at(10) }, now: 30, ack: false, respond: false, next: 60 },
      { name: 'acknowledged in time, response deadline passed', progress: { acknowledgedAt: at(10) }, now: 60, ack: false, respond: true },
      { name: 'acknowledged late stays exceeded', progress: { acknowledgedAt: at(20) }, now: 30, ack: true, respond: false, next: 60 },
      { name: 'acknowledged exactly at the deadline is in time', progress: { acknowledgedAt: at(15) }, now: 30, ack: false, respond: false, next: 60 },
      { name: 'resolution stops both clocks', progress: { resolvedAt: at(5) }, now: 120, ack: false, respond: false },
      { name: 'resolved late: response exceeded, nothing next', progress: { acknowledgedAt: at(1), resolvedAt: at(90) }, now: 120, ack: false, respond: true },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const s = slaState(d, c.progress, at(c.now));
        expect(s.acknowledgeDeadlineExceeded, 'acknowledge').to.equal(c.ack);
        expect(s.responseDeadlineExceeded, 'response').to.equal(c.respond);
        expect(s.nextDeadline?.toISOString()).to.equal(c.next === undefined ? undefined : at(c.next).toISOString());
      });
    }
  });

  describe('requeueAfterMs', () => {
    const cases: { name: string; next?: number; now: number; max?: number; want: number | undefined }[] = [
      { name: 'time until the deadline', next: 15, now: 5, want: 10 * 60_000 },
      { name: 'never negative', next: 15, now: 20, want: 0 },
      { name: 'nothing to wait for', now: 5, want: undefined },
      { name: 'capped', next: 600, now: 0, max: 60_000, want: 60_000 },
      { name: 'nothing to wait for, periodic cap', now: 0, max: 60_000, want: 60_000 },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expect(requeueAfterMs(c.next === undefined ? undefined : at(c.next), at(c.now), c.max)).to.equal(c.want);
      });
    }
  });
});

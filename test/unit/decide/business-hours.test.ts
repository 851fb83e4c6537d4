import { expect } from 'chai';
import {
  addBusinessMinutes,
  isWithinBusinessHours,
  nextBusinessHoursStart,
  validateBusinessCalendar,
  type BusinessCalendar,
  type Weekday,
} from '../../../src/decide/business-hours.js';

const WEEKDAYS: Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'];
const cal = (timeZone: string, over: Partial<BusinessCalendar> = {}): BusinessCalendar => ({
  timeZone,
  days: WEEKDAYS,
  start: '09:00',
  end: '17:00',
  ...over,
});
const BERLIN = cal('Europe/Berlin');
const NEW_YORK = cal('America/New_York');
const d = (iso: string): Date => new Date(iso);

// 2025 transitions: Berlin 03-30 01:00Z (CET->CEST), 10-26 01:00Z (CEST->CET);
// New York 03-09 07:00Z (EST->EDT), 11-02 06:00Z (EDT->EST).

describe('decide/business-hours', () => {
  describe('isWithinBusinessHours', () => {
    const cases: { name: string; cal: BusinessCalendar; now: string; want: boolean }[] = [
      { name: 'Berlin winter 09:00 CET opens', cal: BERLIN, now: '2025-03-28T08:00:00Z', want: true },
      { name: 'Berlin winter 08:59 CET closed', cal: BERLIN, now: '2025-03-28T07:59:00Z', want: false },
      { name: 'Berlin end is exclusive (17:00 CET)', cal: BERLIN, now: '2025-03-28T16:00:00Z', want: false },
      { name: 'Berlin last second before end', cal: BERLIN, now: '2025-03-28T15:59:59Z', want: true },
      { name: 'Berlin after spring-forward 09:00 CEST opens', cal: BERLIN, now: '2025-03-31T07:00:00Z', want: true },
      { name: 'Berlin after spring-forward 17:30 CEST closed', cal: BERLIN, now: '2025-03-31T15:30:00Z', want: false },
      { name: 'Berlin after fall-back 08:30 CET closed', cal: BERLIN, now: '2025-10-27T07:30:00Z', want: false },
      { name: 'Berlin after fall-back 09:30 CET open', cal: BERLIN, now: '2025-10-27T08:30:00Z', want: true },
      { name: 'Berlin Saturday closed', cal: BERLIN, now: '2025-03-29T10:00:00Z', want: false },
      { name: 'New York after spring-forward 09:00 EDT opens', cal: NEW_YORK, now: '2025-03-10T13:00:00Z', want: true },
      { name: 'New York before spring-forward 08:30 EST closed', cal: NEW_YORK, now: '2025-03-07T13:30:00Z', want: false },
      { name: 'New York before spring-forward 09:00 EST opens', cal: NEW_YORK, now: '2025-03-07T14:00:00Z', want: true },
      { name: 'New York after fall-back 08:30 EST closed', cal: NEW_YORK, now: '2025-11-03T13:30:00Z', want: false },
      { name: 'weekday is the local one (Sunday UTC is Monday in Auckland)', cal: cal('Pacific/Auckland'), now: '2025-06-01T21:30:00Z', want: true },
      { name: 'weekday is the local one (Friday UTC is Saturday in Auckland)', cal: cal('Pacific/Auckland'), now: '2025-06-06T21:30:00Z', want: false },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expect(isWithinBusinessHours(c.cal, d(c.now))).to.equal(c.want);
      });
    }
  });

  describe('nextBusinessHoursStart', () => {
    const sundayNight = cal('America/New_York', { days: ['Sun'], start: '02:30', end: '04:00' });
    const berlinSundayNight = cal('Europe/Berlin', { days: ['Sun'], start: '02:30', end: '04:00' });
    const nyOverlap = cal('America/New_York', { days: ['Sun'], start: '01:30', end: '01:45' });
    const berlinOverlap = cal('Europe/Berlin', { days: ['Sun'], start: '02:30', end: '02:45' });
    const cases: { name: string; cal: BusinessCalendar; now: string; want: string }[] = [
      { name: 'Berlin weekend across spring-forward opens 09:00 CEST', cal: BERLIN, now: '2025-03-28T17:00:00Z', want: '2025-03-31T07:00:00.000Z' },
      { name: 'Berlin weekend across fall-back opens 09:00 CET', cal: BERLIN, now: '2025-10-24T16:00:00Z', want: '2025-10-27T08:00:00.000Z' },
      { name: 'New York weekend across spring-forward opens 09:00 EDT', cal: NEW_YORK, now: '2025-03-07T23:00:00Z', want: '2025-03-10T13:00:00.000Z' },
      { name: 'New York weekend across fall-back opens 09:00 EST', cal: NEW_YORK, now: '2025-10-31T22:00:00Z', want: '2025-11-03T14:00:00.000Z' },
      { name: 'within business hours returns now', cal: BERLIN, now: '2025-03-31T08:00:00Z', want: '2025-03-31T08:00:00.000Z' },
      { name: 'early morning opens the same day', cal: NEW_YORK, now: '2025-03-10T12:00:00Z', want: '2025-03-10T13:00:00.000Z' },
      { name: 'New York start inside the spring-forward gap opens at 03:00 EDT', cal: sundayNight, now: '2025-03-09T05:00:00Z', want: '2025-03-09T07:00:00.000Z' },
      { name: 'Berlin start inside the spring-forward gap opens at 03:00 CEST', cal: berlinSundayNight, now: '2025-03-29T12:00:00Z', want: '2025-03-30T01:00:00.000Z' },
      { name: 'New York repeated hour: first occurrence (EDT)', cal: nyOverlap, now: '2025-11-02T04:00:00Z', want: '2025-11-02T05:30:00.000Z' },
      { name: 'New York repeated hour: second occurrence (EST) after the first window', cal: nyOverlap, now: '2025-11-02T05:50:00Z', want: '2025-11-02T06:30:00.000Z' },
      { name: 'Berlin repeated hour: first occurrence (CEST)', cal: berlinOverlap, now: '2025-10-26T00:00:00Z', want: '2025-10-26T00:30:00.000Z' },
      { name: 'Berlin repeated hour: second occurrence (CET)', cal: berlinOverlap, now: '2025-10-26T00:50:00Z', want: '2025-10-26T01:30:00.000Z' },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const next = nextBusinessHoursStart(c.cal, d(c.now));
        expect(next.toISOString()).to.equal(c.want);
        expect(isWithinBusinessHours(c.cal, next), 'the returned instant is within business hours').to.equal(true);
      });
    }

    it('the instant before a gap-shifted opening is not within business hours', () => {
      expect(isWithinBusinessHours(sundayNight, d('2025-03-09T06:59:59Z'))).to.equal(false);
    });
  });

  describe('addBusinessMinutes', () => {
    const UTC = cal('UTC');
    const cases: { name: string; cal: BusinessCalendar; from: string; minutes: number; want: string }[] = [
      { name: 'within one window', cal: UTC, from: '2025-06-02T10:00:00Z', minutes: 60, want: '2025-06-02T11:00:00.000Z' },
      { name: 'exactly filling a window ends at its end', cal: UTC, from: '2025-06-02T09:00:00Z', minutes: 480, want: '2025-06-02T17:00:00.000Z' },
      { name: 'spans three windows', cal: UTC, from: '2025-06-02T09:00:00Z', minutes: 1440, want: '2025-06-04T17:00:00.000Z' },
      { name: 'zero minutes outside hours is the next opening', cal: UTC, from: '2025-06-07T12:00:00Z', minutes: 0, want: '2025-06-09T09:00:00.000Z' },
      { name: 'Berlin Friday to Monday across spring-forward', cal: BERLIN, from: '2025-03-28T15:50:00Z', minutes: 15, want: '2025-03-31T07:05:00.000Z' },
      { name: 'New York Friday to Monday across fall-back', cal: NEW_YORK, from: '2025-10-31T20:30:00Z', minutes: 240, want: '2025-11-03T17:30:00.000Z' },
      {
        name: 'a window containing the transition counts elapsed time',
        cal: cal('America/New_York', { days: ['Sun'], start: '00:00', end: '23:59' }),
        from: '2025-03-09T05:00:00Z',
        minutes: 180,
        want: '2025-03-09T08:00:00.000Z',
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expect(addBusinessMinutes(c.cal, d(c.from), c.minutes).toISOString()).to.equal(c.want);
      });
    }
    it('rejects negative minutes', () => {
      expect(() => addBusinessMinutes(UTC, d('2025-06-02T10:00:00Z'), -1)).to.throw(RangeError);
    });
  });

  describe('validateBusinessCalendar', () => {
    const cases: { name: string; over: Partial<BusinessCalendar>; want?: RegExp }[] = [
      { name: 'valid', over: {} },
      { name: 'unknown time zone', over: { timeZone: 'Mars/Olympus_Mons' }, want: /time zone/ },
      { name: 'no days', over: { days: [] }, want: /at least one/ },
      { name: 'unknown day', over: { days: ['Funday' as Weekday] }, want: /unknown weekday/ },
      { name: 'repeated day', over: { days: ['Mon', 'Mon'] }, want: /repeat/ },
      { name: 'start not HH:MM', over: { start: '9:00' }, want: /start .* HH:MM/ },
      { name: 'end 24:00 not allowed', over: { end: '24:00' }, want: /end .* HH:MM/ },
      { name: 'start after end', over: { start: '18:00' }, want: /before end/ },
      { name: 'start equals end', over: { start: '17:00' }, want: /before end/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const errors = validateBusinessCalendar(cal('Europe/Berlin', c.over));
        if (c.want) expect(errors.join('\n')).to.match(c.want);
        else expect(errors).to.deep.equal([]);
      });
    }
    it('decisions refuse an invalid calendar', () => {
      expect(() => isWithinBusinessHours(cal('Nowhere/Null'), d('2025-06-02T10:00:00Z'))).to.throw(RangeError, /time zone/);
    });
  });
});

// Business-hours calendar arithmetic on IANA time zones with Intl.DateTimeFormat only.
//
// Semantics:
// - A calendar is a daily window [start, end) in local wall-clock time on the listed weekdays
//   (weekday of the local date). Windows do not cross midnight: start < end.
// - isWithinBusinessHours compares the local wall clock, so after a spring-forward gap a window
//   whose start does not exist that day (e.g. 02:30 in New York on the DST Sunday) opens at the
//   first instant whose wall clock is past it (03:00 EDT).
// - When a wall time occurs twice (fall-back), the window opens at its first occurrence.
// Pure: `now` is passed in; only formatters are cached.

export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';

export interface BusinessCalendar {
  /** IANA time zone, e.g. Europe/Berlin. */
  timeZone: string;
  days: Weekday[];
  /** HH:MM, 24h clock, inclusive. */
  start: string;
  /** HH:MM, 24h clock, exclusive; must be after start. */
  end: string;
}

/** Indexed like Date.prototype.getUTCDay(). */
export const WEEKDAYS: readonly Weekday[] = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
export const HH_MM_PATTERN = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Upper bound on windows walked by addBusinessMinutes (about ten years of daily windows). */
const MAX_WINDOWS = 3700;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Local wall clock of `epochMs` in `timeZone`, expressed as a UTC epoch (seconds precision). */
function wallClockMs(timeZone: string, epochMs: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const hour = (parts.hour ?? 0) % 24; // some ICU versions print midnight as 24
  return Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, hour, parts.minute ?? 0, parts.second ?? 0);
}

function offsetMs(timeZone: string, epochMs: number): number {
  const whole = Math.floor(epochMs / SECOND_MS) * SECOND_MS;
  return wallClockMs(timeZone, whole) - whole;
}

function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/**
 * The instants at which the local wall clock reads `wallMs` (a wall time encoded as a UTC epoch):
 * one normally, two (ascending) in a fall-back overlap, and in a spring-forward gap the single
 * first instant whose wall clock is past it.
 */
function wallTimeInstants(timeZone: string, wallMs: number): number[] {
  const offsets = new Set([offsetMs(timeZone, wallMs - DAY_MS), offsetMs(timeZone, wallMs + DAY_MS)]);
  const candidates = [...offsets].map((o) => wallMs - o).sort((a, b) => a - b);
  const valid = candidates.filter((t) => wallClockMs(timeZone, t) === wallMs);
  if (valid.length > 0) return [...new Set(valid)];
  // Gap: the wall clock jumps over wallMs between the two candidates; find the jump.
  let lo = candidates[0] ?? wallMs;
  let hi = candidates[candidates.length - 1] ?? wallMs;
  if (wallClockMs(timeZone, hi) < wallMs) return [hi];
  while (hi - lo > SECOND_MS) {
    const mid = Math.floor((lo + hi) / 2 / SECOND_MS) * SECOND_MS;
    if (mid <= lo || mid >= hi) break;
    if (wallClockMs(timeZone, mid) >= wallMs) hi = mid;
    else lo = mid;
  }
  return [hi];
}

/** Problems name the field, never echo its value (they reach the EscalationPolicyValid condition and Events). */
export function validateBusinessCalendar(cal: BusinessCalendar): string[] {
  const errors: string[] = [];
  try {
    formatter(cal.timeZone);
  } catch {
    errors.push('timeZone is not a known IANA time zone');
  }
  if (!Array.isArray(cal.days) || cal.days.length === 0) errors.push('days must list at least one weekday');
  else {
    for (const d of cal.days) if (!WEEKDAYS.includes(d)) errors.push(`days: unknown weekday (expected ${WEEKDAYS.join(', ')})`);
    if (new Set(cal.days).size !== cal.days.length) errors.push('days must not repeat');
  }
  const startOk = HH_MM_PATTERN.test(cal.start);
  const endOk = HH_MM_PATTERN.test(cal.end);
  if (!startOk) errors.push('start must be HH:MM');
  if (!endOk) errors.push('end must be HH:MM');
  if (startOk && endOk && minutesOfDay(cal.start) >= minutesOfDay(cal.end)) errors.push('start must be before end');
  return errors;
}

function assertValid(cal: BusinessCalendar, now: Date): void {
  const errors = validateBusinessCalendar(cal);
  if (errors.length > 0) throw new RangeError(`invalid business calendar: ${errors.join('; ')}`);
  if (Number.isNaN(now.getTime())) throw new RangeError('invalid date');
}

/** Midnight (as a wall-time epoch) of the local date `offsetDays` after the local date of `epochMs`. */
function localMidnight(timeZone: string, epochMs: number, offsetDays: number): number {
  const wall = wallClockMs(timeZone, epochMs);
  return Math.floor(wall / DAY_MS) * DAY_MS + offsetDays * DAY_MS;
}

function isBusinessDay(cal: BusinessCalendar, midnightWallMs: number): boolean {
  const day = WEEKDAYS[new Date(midnightWallMs).getUTCDay()];
  return day !== undefined && cal.days.includes(day);
}

export function isWithinBusinessHours(cal: BusinessCalendar, now: Date): boolean {
  assertValid(cal, now);
  const wall = wallClockMs(cal.timeZone, now.getTime());
  const midnight = Math.floor(wall / DAY_MS) * DAY_MS;
  if (!isBusinessDay(cal, midnight)) return false;
  const sinceMidnight = wall - midnight;
  return sinceMidnight >= minutesOfDay(cal.start) * MINUTE_MS && sinceMidnight < minutesOfDay(cal.end) * MINUTE_MS;
}

/**
 * The earliest instant at or after `now` that is within business hours: `now` itself (a copy) when
 * already within, otherwise the next opening of a window.
 */
export function nextBusinessHoursStart(cal: BusinessCalendar, now: Date): Date {
  if (isWithinBusinessHours(cal, now)) return new Date(now.getTime());
  const t = now.getTime();
  for (let i = 0; i <= 8; i += 1) {
    const midnight = localMidnight(cal.timeZone, t, i);
    if (!isBusinessDay(cal, midnight)) continue;
    const opening = wallTimeInstants(cal.timeZone, midnight + minutesOfDay(cal.start) * MINUTE_MS).find((s) => s > t);
    if (opening !== undefined) return new Date(opening);
  }
  throw new RangeError('business calendar has no upcoming business hours');
}

/** End of the business window that contains `within` (which must be within business hours). */
function windowEnd(cal: BusinessCalendar, within: number): number {
  const midnight = localMidnight(cal.timeZone, within, 0);
  const ends = wallTimeInstants(cal.timeZone, midnight + minutesOfDay(cal.end) * MINUTE_MS);
  return ends.find((e) => e > within) ?? ends[ends.length - 1] ?? within;
}

/**
 * `from` plus `minutes` of business time: the clock starts at nextBusinessHoursStart(from) and only
 * runs within business windows. A result may be exactly a window's end.
 */
export function addBusinessMinutes(cal: BusinessCalendar, from: Date, minutes: number): Date {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`minutes must be >= 0, got ${minutes}`);
  let remaining = minutes * MINUTE_MS;
  let t = from;
  for (let i = 0; i < MAX_WINDOWS; i += 1) {
    const start = nextBusinessHoursStart(cal, t).getTime();
    const end = windowEnd(cal, start);
    if (remaining <= end - start) return new Date(start + remaining);
    remaining -= end - start;
    t = new Date(end);
  }
  throw new RangeError(`${minutes} business minutes span more than ${MAX_WINDOWS} business windows`);
}

// SLA deadlines from the runbook's "Severity Levels" table and "On-Call Responsibilities".
//
// Decisions (documented here because the runbook leaves them open):
// - Acknowledge deadline: 15 minutes for every severity ("Acknowledge alerts within 15 minutes").
// - Response deadline = the time by which the incident must be resolved/mitigated:
//     P0 "Immediate (24/7)" -> 15 minutes (the same as the acknowledge deadline: a P0 that is still
//        open when the on-call engineer's acknowledge window closes is already late),
//     P1 < 1 hour -> 60, P2 < 4 hours -> 240, P3 < 24 hours -> 1440 minutes.
// - Both are overridable (config, tests).
// - When `businessCalendar` is given, the minutes count business time only (the clock starts at the
//   first business instant at or after `openedAt` and pauses outside business hours); the caller
//   decides whether a severity is business-hours-only (see escalation.ts policyDeadlines).
// - A deadline is exceeded when its clock is still running at the deadline instant: reaching the
//   deadline exactly counts as exceeded, stopping the clock exactly at the deadline does not.
// Pure: no clock reads, `now` is always passed in.

import { addBusinessMinutes, type BusinessCalendar } from './business-hours.js';

import type { Severity } from '../api/incident.js';

export type { Severity } from '../api/incident.js';
export const SEVERITIES: readonly Severity[] = ['P0', 'P1', 'P2', 'P3'];

export const DEFAULT_ACKNOWLEDGE_MINUTES = 15;
export const DEFAULT_RESPONSE_MINUTES: Readonly<Record<Severity, number>> = {
  P0: 15,
  P1: 60,
  P2: 4 * 60,
  P3: 24 * 60,
};

export interface DeadlineOptions {
  /** Minutes to acknowledge; default 15 (runbook On-Call Responsibilities). */
  acknowledgeMinutes?: number;
  /** Per-severity minutes to resolve; defaults from DEFAULT_RESPONSE_MINUTES. */
  responseMinutes?: Partial<Record<Severity, number>>;
  /** Count minutes in business time only. */
  businessCalendar?: BusinessCalendar;
}

export interface Deadlines {
  acknowledgeBy: Date;
  respondBy: Date;
}

export interface SlaProgress {
  acknowledgedAt?: Date;
  resolvedAt?: Date;
}

export interface SlaState {
  acknowledgeDeadlineExceeded: boolean;
  responseDeadlineExceeded: boolean;
  /** Earliest deadline after `now` whose clock is still running; undefined when none. */
  nextDeadline?: Date;
}

const MINUTE_MS = 60_000;

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

function assertValidDate(d: Date, what: string): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new RangeError(`${what} is not a valid date`);
}

function assertMinutes(m: number, what: string): void {
  if (!Number.isFinite(m) || m < 0) throw new RangeError(`${what} must be a finite number >= 0, got ${m}`);
}

/** The SLA durations (minutes) for a severity after applying overrides. */
export function slaMinutes(
  severity: Severity,
  opts: Pick<DeadlineOptions, 'acknowledgeMinutes' | 'responseMinutes'> = {},
): { acknowledgeMinutes: number; responseMinutes: number } {
  if (!isSeverity(severity)) throw new RangeError(`unknown severity ${String(severity)}`);
  const acknowledgeMinutes = opts.acknowledgeMinutes ?? DEFAULT_ACKNOWLEDGE_MINUTES;
  const responseMinutes = opts.responseMinutes?.[severity] ?? DEFAULT_RESPONSE_MINUTES[severity];
  assertMinutes(acknowledgeMinutes, 'acknowledgeMinutes');
  assertMinutes(responseMinutes, `responseMinutes.${severity}`);
  return { acknowledgeMinutes, responseMinutes };
}

export function computeDeadlines(severity: Severity, openedAt: Date, opts: DeadlineOptions = {}): Deadlines {
  assertValidDate(openedAt, 'openedAt');
  const { acknowledgeMinutes, responseMinutes } = slaMinutes(severity, opts);
  const add = (minutes: number): Date =>
    opts.businessCalendar
      ? addBusinessMinutes(opts.businessCalendar, openedAt, minutes)
      : new Date(openedAt.getTime() + minutes * MINUTE_MS);
  return { acknowledgeBy: add(acknowledgeMinutes), respondBy: add(responseMinutes) };
}

function clockExceeded(deadline: Date, stoppedAt: Date | undefined, now: Date): boolean {
  if (now.getTime() < deadline.getTime()) return false;
  return stoppedAt === undefined || stoppedAt.getTime() > deadline.getTime();
}

function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() <= b.getTime() ? a : b;
}

/**
 * The acknowledge clock stops at acknowledgement or resolution (whichever is first); the response
 * clock stops only at resolution (acknowledging does not stop it).
 */
export function slaState(deadlines: Deadlines, progress: SlaProgress, now: Date): SlaState {
  assertValidDate(now, 'now');
  const { acknowledgedAt, resolvedAt } = progress;
  const ackStoppedAt = earliest(acknowledgedAt, resolvedAt);
  const acknowledgeDeadlineExceeded = clockExceeded(deadlines.acknowledgeBy, ackStoppedAt, now);
  const responseDeadlineExceeded = clockExceeded(deadlines.respondBy, resolvedAt, now);
  let nextDeadline: Date | undefined;
  if (!ackStoppedAt && deadlines.acknowledgeBy.getTime() > now.getTime()) nextDeadline = deadlines.acknowledgeBy;
  if (!resolvedAt && deadlines.respondBy.getTime() > now.getTime()) {
    nextDeadline = earliest(nextDeadline, deadlines.respondBy);
  }
  const state: SlaState = { acknowledgeDeadlineExceeded, responseDeadlineExceeded };
  if (nextDeadline) state.nextDeadline = nextDeadline;
  return state;
}

/**
 * Milliseconds until `next` (never negative); undefined when there is nothing to wait for.
 * `maxMs` caps the wait (periodic re-check) and is returned when `next` is undefined.
 */
export function requeueAfterMs(next: Date | undefined, now: Date, maxMs?: number): number | undefined {
  if (!next) return maxMs;
  const ms = Math.max(0, next.getTime() - now.getTime());
  return maxMs === undefined ? ms : Math.min(ms, maxMs);
}

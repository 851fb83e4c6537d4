/**
 * Retry schedule for notifications, by severity — pure (time and randomness passed in).
 *
 * - P0/P1 ("urgent"): the delay between two attempts never exceeds `capMs` (default 5 s / 10 s, at most 15 s),
 *   a server's Retry-After is honoured only up to that cap, and the entry is retried for as long as the
 *   incident is open and the target fails retryably (no attempt limit). After resolution an urgent entry
 *   (e.g. the resolve itself) keeps the short cap but gives up once older than `giveUpAfterMs`.
 * - P2/P3: exponential backoff up to `capMs` (default 5 min); Retry-After is honoured up to
 *   `maxRetryAfterMs`; the entry gives up once older than `giveUpAfterMs`.
 * Delays use "equal jitter": ceiling/2 + rand * ceiling/2 with ceiling = min(cap, base * 2^(failures-1)),
 * so consecutive retries are spread but never collapse to a hot loop and never exceed the cap.
 * Non-retryable failures (4xx, a missing Secret) fail at once.
 */
import type { Severity } from './sla.js';

export interface RetryPolicy {
  /** First backoff ceiling, ms. */
  baseMs: number;
  /** Largest delay between two attempts, ms. */
  capMs: number;
  /** Upper bound for a server's Retry-After, ms (urgent policies: capMs). */
  maxRetryAfterMs: number;
  /** Give up on an entry older than this (ms since it was created); urgent entries only once resolved. */
  giveUpAfterMs: number;
  /** Retry without limit while the incident is open (P0/P1). */
  untilResolved: boolean;
}

export type RetrySchedule = Readonly<Record<Severity, RetryPolicy>>;

/** The bound on the P0/P1 gap between attempts. */
export const UrgentCapLimitMs = 15_000;
export const MinRetryDelayMs = 100;

const HOUR = 3_600_000;

export const DefaultRetrySchedule: RetrySchedule = {
  // P0 5 s, P1 10 s: a receiver that recovers gets the page within cap + one attempt timeout (5 s) — ≤ 15 s for P1.
  P0: { baseMs: 1_000, capMs: 5_000, maxRetryAfterMs: 5_000, giveUpAfterMs: 24 * HOUR, untilResolved: true },
  P1: { baseMs: 1_000, capMs: 10_000, maxRetryAfterMs: 10_000, giveUpAfterMs: 24 * HOUR, untilResolved: true },
  P2: { baseMs: 2_000, capMs: 5 * 60_000, maxRetryAfterMs: 15 * 60_000, giveUpAfterMs: 24 * HOUR, untilResolved: false },
  P3: { baseMs: 5_000, capMs: 15 * 60_000, maxRetryAfterMs: 30 * 60_000, giveUpAfterMs: 24 * HOUR, untilResolved: false },
};

export function isUrgent(severity: Severity): boolean {
  return severity === 'P0' || severity === 'P1';
}

/**
 * A schedule with per-severity caps overridden (seconds, e.g. from configuration). Urgent caps are clamped
 * to 15 s; every policy's base is clamped to its cap; Retry-After for urgent severities stays within the cap.
 */
export function retryScheduleWith(overrides: Partial<Record<Severity, { capMs?: number; baseMs?: number; giveUpAfterMs?: number }>>, base: RetrySchedule = DefaultRetrySchedule): RetrySchedule {
  const policyFor = (sev: Severity): RetryPolicy => {
    const o = overrides[sev] ?? {};
    const p = { ...base[sev] };
    if (o.capMs !== undefined) p.capMs = o.capMs;
    if (o.baseMs !== undefined) p.baseMs = o.baseMs;
    if (o.giveUpAfterMs !== undefined) p.giveUpAfterMs = o.giveUpAfterMs;
    if (isUrgent(sev)) p.capMs = Math.min(p.capMs, UrgentCapLimitMs);
    p.capMs = Math.max(MinRetryDelayMs, p.capMs);
    p.baseMs = Math.max(MinRetryDelayMs, Math.min(p.baseMs, p.capMs));
    if (isUrgent(sev)) p.maxRetryAfterMs = p.capMs;
    else p.maxRetryAfterMs = Math.max(p.maxRetryAfterMs, p.capMs);
    return p;
  };
  return { P0: policyFor('P0'), P1: policyFor('P1'), P2: policyFor('P2'), P3: policyFor('P3') };
}

/**
 * Delay before the next attempt after `failures` consecutive failed attempts (1 for the first failure).
 * Always within [MinRetryDelayMs, capMs] except that a non-urgent policy may wait for a server's
 * Retry-After up to maxRetryAfterMs.
 */
export function retryDelayMs(policy: RetryPolicy, failures: number, rand: () => number, retryAfterSeconds?: number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.max(MinRetryDelayMs, Math.min(policy.capMs, policy.baseMs * 2 ** exponent));
  const r = rand();
  const jitter = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 1;
  let delay = Math.floor(ceiling / 2 + (jitter * ceiling) / 2);
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0) {
    delay = Math.max(delay, Math.min(retryAfterSeconds * 1000, policy.maxRetryAfterMs));
  }
  return Math.max(MinRetryDelayMs, Math.min(delay, Math.max(policy.capMs, policy.maxRetryAfterMs)));
}

export interface RetryInput {
  policy: RetryPolicy;
  /** Consecutive failed attempts including this one. */
  failures: number;
  retryable: boolean;
  retryAfterSeconds?: number;
  createdAt: Date;
  now: Date;
  incidentOpen: boolean;
  rand: () => number;
}

export type RetryDecision =
  | { retry: true; nextAttemptAt: Date; delayMs: number }
  | { retry: false; why: 'permanent' | 'gave-up' };

export function decideRetry(input: RetryInput): RetryDecision {
  if (!input.retryable) return { retry: false, why: 'permanent' };
  const age = input.now.getTime() - input.createdAt.getTime();
  const unlimited = input.policy.untilResolved && input.incidentOpen;
  if (!unlimited && Number.isFinite(age) && age > input.policy.giveUpAfterMs) return { retry: false, why: 'gave-up' };
  const delayMs = retryDelayMs(input.policy, input.failures, input.rand, input.retryAfterSeconds);
  return { retry: true, nextAttemptAt: new Date(input.now.getTime() + delayMs), delayMs };
}

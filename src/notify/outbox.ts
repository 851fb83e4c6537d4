/**
 * Notification outbox stored in the Incident status (pure: time and randomness are injected).
 *
 * Life cycle of an entry: Pending --(ok)--> Delivered
 *                         Pending --(retryable failure)--> Pending with nextAttemptAt (backoff)
 *                         Pending --(non-retryable failure, or maxAttempts reached)--> Failed
 * Keys are unique: an existing key (in any state) is never enqueued again while it is in the outbox.
 * All functions return new arrays and never mutate their input.
 */
import { hasPhi, PhiPlaceholders, safeText, StrictPhiPlaceholders } from './format-common.js';
import type { DeliveryResult, NotificationKind } from './types.js';
import type { OutboxEntry, OutboxKind, OutboxState } from '../api/notifications.js';
export { OutboxStates, type OutboxEntry, type OutboxKind, type OutboxState } from '../api/notifications.js';

export interface NewOutboxEntry {
  key: string;
  target: string;
  kind: OutboxKind;
  id?: string;
  body?: string;
  bodyHash?: string;
}

export interface BackoffOptions {
  /** Attempts before giving up (Failed). Default 12. */
  maxAttempts?: number;
  /** First backoff ceiling in ms. Default 2 000. */
  baseMs?: number;
  /** Backoff ceiling in ms. Default 300 000 (5 min). */
  capMs?: number;
  /** Upper bound applied to a server's Retry-After, in ms. Default 900 000 (15 min). */
  maxRetryAfterMs?: number;
}

export const DefaultMaxAttempts = 12;
export const DefaultBackoffBaseMs = 2_000;
export const DefaultBackoffCapMs = 5 * 60_000;
export const DefaultMaxRetryAfterMs = 15 * 60_000;
export const DefaultOutboxMax = 50;
export const LastErrorMax = 256;

/** Canonical dedup key. Add a discriminator (e.g. the new phase) for kinds that can recur within one tier. */
export function outboxKey(kind: NotificationKind, tier: number, targetName: string, discriminator?: string): string {
  return discriminator ? `${kind}:${tier}:${targetName}:${discriminator}` : `${kind}:${tier}:${targetName}`;
}

/** Appends entries whose key is not in the outbox yet (nor earlier in `entries`). */
export function enqueue(outbox: readonly OutboxEntry[], entries: readonly NewOutboxEntry[], now: Date): OutboxEntry[] {
  const seen = new Set(outbox.map((e) => e.key));
  const out = outbox.map((e) => ({ ...e }));
  const createdAt = now.toISOString();
  for (const entry of entries) {
    if (seen.has(entry.key)) continue;
    seen.add(entry.key);
    const e: OutboxEntry = { key: entry.key, target: entry.target, kind: entry.kind, state: 'Pending', attempts: 0, createdAt };
    if (entry.id !== undefined) e.id = entry.id;
    if (entry.body !== undefined) e.body = entry.body;
    if (entry.bodyHash !== undefined) e.bodyHash = entry.bodyHash;
    out.push(e);
  }
  return out;
}

/** What happens to an entry after a failed attempt (see decide/retry-schedule.ts). */
export type AfterFailure = { retry: true; nextAttemptAt: Date } | { retry: false; why: string };

/**
 * Records one attempt's outcome for `key`: Delivered (body dropped), Pending with `nextAttemptAt`, or Failed
 * with `finalReason` — as `afterFailure` decides. Entries no longer Pending are left untouched.
 */
export function applyAttempt(
  outbox: readonly OutboxEntry[],
  key: string,
  result: DeliveryResult,
  now: Date,
  afterFailure: (entry: OutboxEntry, attempts: number) => AfterFailure,
): OutboxEntry[] {
  return outbox.map((entry) => {
    if (entry.key !== key || entry.state !== 'Pending') return { ...entry };
    const attempts = entry.attempts + 1;
    const { nextAttemptAt: _next, lastError: _err, body: _body, ...rest } = entry;
    if (result.ok) return { ...rest, state: 'Delivered', attempts, deliveredAt: now.toISOString() };
    const lastError = boundedError(result.error);
    const next = afterFailure(entry, attempts);
    if (!next.retry) return { ...rest, state: 'Failed', attempts, lastError, finalReason: boundedError(next.why) };
    return { ...rest, ...(entry.body !== undefined ? { body: entry.body } : {}), state: 'Pending', attempts, lastError, nextAttemptAt: next.nextAttemptAt.toISOString() };
  });
}

/** Marks Pending `keys` Superseded (never sent), with a reason; the body is dropped. */
export function supersede(outbox: readonly OutboxEntry[], keys: readonly string[], reason: string): OutboxEntry[] {
  const set = new Set(keys);
  return outbox.map((entry) => {
    if (!set.has(entry.key) || entry.state !== 'Pending') return { ...entry };
    const { nextAttemptAt: _next, body: _body, ...rest } = entry;
    return { ...rest, state: 'Superseded', finalReason: boundedError(reason) };
  });
}

function timeOf(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Pending entries whose nextAttemptAt has passed (missing or unparsable counts as due), oldest first. */
export function dueEntries(outbox: readonly OutboxEntry[], now: Date): OutboxEntry[] {
  const t = now.getTime();
  return outbox
    .filter((e) => e.state === 'Pending')
    .filter((e) => {
      const at = timeOf(e.nextAttemptAt);
      return at === undefined || at <= t;
    })
    .sort((a, b) => (timeOf(a.createdAt) ?? 0) - (timeOf(b.createdAt) ?? 0))
    .map((e) => ({ ...e }));
}

/**
 * Full-jitter exponential backoff: rand() * min(cap, base * 2^(attempts-1)), where `attempts` counts the
 * attempt that just failed (1 for the first failure). A server Retry-After (bounded) is a lower bound.
 */
export function backoffDelayMs(
  attempts: number,
  rand: () => number,
  retryAfterSeconds?: number,
  opts: BackoffOptions = {},
): number {
  const base = opts.baseMs ?? DefaultBackoffBaseMs;
  const cap = opts.capMs ?? DefaultBackoffCapMs;
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(cap, base * 2 ** exponent);
  const r = rand();
  const jitter = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 1;
  let delay = Math.floor(jitter * ceiling);
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0) {
    const retryAfterMs = Math.min(retryAfterSeconds * 1000, opts.maxRetryAfterMs ?? DefaultMaxRetryAfterMs);
    delay = Math.max(delay, retryAfterMs);
  }
  return delay;
}

/**
 * Delivery errors are built from operator-controlled parts only: target type and name, Secret name and key
 * (all validated Kubernetes names), an HTTP status, an error code, a Slack error code. Such text is kept
 * verbatim (a clear reason in status) unless the redactor sees PHI in it; other text is redacted more strictly.
 */
const DeliveryErrorText = /^[A-Za-z0-9 _.:()/,'-]*$/u;

export function boundedError(error: string | undefined): string {
  const text = (error ?? 'delivery failed').replace(/[\u0000-\u001f\u007f]+/gu, ' ').trim() || 'delivery failed';
  const bounded = text.length > 4 * LastErrorMax ? text.slice(0, 4 * LastErrorMax).replace(/\S*$/u, '') : text;
  const verbatim = DeliveryErrorText.test(bounded) ? !hasPhi(bounded, PhiPlaceholders) : !hasPhi(bounded, StrictPhiPlaceholders);
  if (!verbatim) return safeText(bounded, LastErrorMax);
  return bounded.length > LastErrorMax ? bounded.slice(0, LastErrorMax - 1) + '…' : bounded;
}

/**
 * Records the outcome of one delivery attempt for `key`. Unknown keys and entries that are no longer Pending
 * are left untouched (a late result never downgrades Delivered or revives Failed).
 */
export function recordAttempt(
  outbox: readonly OutboxEntry[],
  key: string,
  result: DeliveryResult,
  now: Date,
  rand: () => number,
  opts: BackoffOptions = {},
): OutboxEntry[] {
  const maxAttempts = opts.maxAttempts ?? DefaultMaxAttempts;
  return outbox.map((entry) => {
    if (entry.key !== key || entry.state !== 'Pending') return { ...entry };
    const attempts = entry.attempts + 1;
    const { nextAttemptAt: _next, lastError: _err, ...rest } = entry;
    if (result.ok) {
      return { ...rest, state: 'Delivered', attempts, deliveredAt: now.toISOString() };
    }
    const lastError = boundedError(result.error);
    if (!result.retryable || attempts >= maxAttempts) {
      return { ...rest, state: 'Failed', attempts, lastError };
    }
    const delay = backoffDelayMs(attempts, rand, result.retryAfterSeconds, opts);
    return { ...rest, state: 'Pending', attempts, lastError, nextAttemptAt: new Date(now.getTime() + delay).toISOString() };
  });
}

/** Milliseconds until the earliest Pending entry is due (0 = now); undefined when nothing is pending. */
export function nextWakeup(outbox: readonly OutboxEntry[], now: Date): number | undefined {
  let best: number | undefined;
  for (const e of outbox) {
    if (e.state !== 'Pending') continue;
    const at = timeOf(e.nextAttemptAt);
    const wait = at === undefined ? 0 : Math.max(0, at - now.getTime());
    if (best === undefined || wait < best) best = wait;
  }
  return best;
}

/**
 * Keeps at most `max` entries. Drops the oldest Delivered first, then the oldest Failed, and only as a last
 * resort the oldest Pending. Relative order of kept entries is preserved.
 * Note: a dropped key is forgotten, so it could be enqueued again later.
 */
export function boundOutbox(outbox: readonly OutboxEntry[], max = DefaultOutboxMax): OutboxEntry[] {
  const limit = Math.max(0, Math.floor(max));
  if (outbox.length <= limit) return outbox.map((e) => ({ ...e }));
  let excess = outbox.length - limit;
  const drop = new Set<number>();
  const oldestFirst = (state: OutboxState): number[] =>
    outbox
      .map((e, i) => ({ e, i }))
      .filter(({ e }) => e.state === state)
      .sort((a, b) => {
        const ta = timeOf(state === 'Delivered' ? a.e.deliveredAt ?? a.e.createdAt : a.e.createdAt) ?? 0;
        const tb = timeOf(state === 'Delivered' ? b.e.deliveredAt ?? b.e.createdAt : b.e.createdAt) ?? 0;
        return ta - tb || a.i - b.i;
      })
      .map(({ i }) => i);
  for (const state of ['Superseded', 'Delivered', 'Failed', 'Pending'] as const) {
    for (const i of oldestFirst(state)) {
      if (excess === 0) break;
      drop.add(i);
      excess -= 1;
    }
  }
  return outbox.filter((_, i) => !drop.has(i)).map((e) => ({ ...e }));
}

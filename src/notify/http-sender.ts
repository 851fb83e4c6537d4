/**
 * Delivers one notification body to one target over HTTP(S) and classifies the outcome.
 *
 * Secrets hygiene: the target URL (Slack: the URL *is* the secret), routing key and HMAC secret never appear in
 * the returned error, and response bodies (which may echo the request) are never read into the result.
 */
import { systemClock } from '../runtime/clock.js';
import { signWebhook } from './webhook.js';
import { classifySlackApiAnswer } from './slack-api.js';
import type { DeliveryResult, NotificationTarget, PreparedRequest } from './types.js';

export const UserAgent = 'incident-operator/notify';

export interface SendOptions {
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  /** Clock for webhook signature timestamps and HTTP-date Retry-After values. */
  now?: () => Date;
}

/** Status codes that mean "delivered" for each target type. */
export function isSuccessStatus(type: NotificationTarget['type'], status: number): boolean {
  if (type === 'pagerduty') return status === 202;
  return status >= 200 && status < 300;
}

/** Retry-After as seconds (delta-seconds or HTTP-date); undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,9}$/u.test(trimmed)) return Number(trimmed);
  // HTTP-date (IMF-fixdate, e.g. "Wed, 01 May 2024 12:00:30 GMT"); V8 would happily parse "-1" as a year.
  if (!/^[A-Za-z]{3},? /u.test(trimmed) || !/GMT$/u.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

function classifyStatus(target: Pick<NotificationTarget, 'type' | 'name'>, status: number, retryAfter: number | undefined): DeliveryResult {
  if (isSuccessStatus(target.type, status)) return { ok: true, status, retryable: false };
  const error = `${target.type} target ${target.name}: HTTP ${status}`;
  if (status === 429 || status >= 500) {
    const result: DeliveryResult = { ok: false, status, retryable: true, error };
    if (retryAfter !== undefined) result.retryAfterSeconds = retryAfter;
    return result;
  }
  if (status >= 200 && status < 300) {
    // e.g. PagerDuty answering 200 instead of 202: not a confirmed enqueue; PagerDuty dedups on dedup_key.
    return { ok: false, status, retryable: true, error: `${error} (unexpected success status)` };
  }
  if (status >= 300 && status < 400) {
    // Redirects are not followed: the body (and PagerDuty routing key) must only go to the configured host.
    return { ok: false, status, retryable: false, error: `${error} (redirect not followed)` };
  }
  return { ok: false, status, retryable: false, error };
}

/**
 * Error codes are safe to report when they have a known shape (errno `ECONNREFUSED`, DNS `EAI_AGAIN`, undici
 * `UND_ERR_SOCKET`, Node `ERR_TLS_CERT_ALTNAME_INVALID`, TLS `CERT_HAS_EXPIRED`): letters and `_` only, so no
 * number or token can pass. Messages never are (they can contain the host, the URL and its secret).
 */
const KnownErrorCode = /^(?:E[A-Z]{2,20}|EAI_[A-Z]{2,12}|UND_ERR_[A-Z_]{2,40}|ERR_[A-Z_]{2,50}|(?:CERT|DEPTH|SELF|UNABLE|HOSTNAME)_[A-Z_]{2,50})$/u;

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && KnownErrorCode.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function classifyError(target: Pick<NotificationTarget, 'type' | 'name'>, err: unknown, timeoutMs: number): DeliveryResult {
  const name = err && typeof err === 'object' ? (err as { name?: unknown }).name : undefined;
  const prefix = `${target.type} target ${target.name}`;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { ok: false, retryable: true, error: `${prefix}: timeout after ${timeoutMs}ms` };
  }
  const code = errorCode(err);
  return { ok: false, retryable: true, error: `${prefix}: connection error${code ? ` (${code})` : ''}` };
}

function validUrl(raw: string): URL | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * POSTs `body` (a string is sent as is, anything else as JSON) to the target. Webhook targets with an
 * `hmacSecret` are signed (see webhook.ts). Never throws.
 */
export async function sendNotification(
  target: NotificationTarget,
  body: unknown,
  opts: SendOptions,
): Promise<DeliveryResult> {
  const now = opts.now ?? (() => systemClock.now());
  const prefix = `${target.type} target ${target.name}`;
  const url = validUrl(target.url);
  if (!url) return { ok: false, retryable: false, error: `${prefix}: invalid url` };

  let payload: string;
  try {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  } catch {
    return { ok: false, retryable: false, error: `${prefix}: body is not serialisable` };
  }
  if (payload === undefined) return { ok: false, retryable: false, error: `${prefix}: empty body` };

  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': UserAgent,
  };
  if (target.type === 'webhook' && target.hmacSecret) {
    Object.assign(headers, signWebhook(payload, target.hmacSecret, now()));
  }

  const doFetch = opts.fetchImpl ?? fetch;
  try {
    const res = await doFetch(url, {
      method: 'POST',
      headers,
      body: payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'), now());
    // Release the connection without reading the body into memory (it may echo what we sent).
    try {
      await res.body?.cancel();
    } catch {
      /* ignore */
    }
    return classifyStatus(target, res.status, retryAfter);
  } catch (err) {
    return classifyError(target, err, opts.timeoutMs);
  }
}

/** Largest Slack Web API answer read (only `ok`, `ts` and `error` are used). */
const MaxAnswerBytes = 64 * 1024;

async function readBounded(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MaxAnswerBytes) { await reader.cancel(); break; }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * POSTs a prepared request (exact payload bytes, headers) and classifies the outcome. Never throws; the
 * error never contains the URL, headers or the answer's body.
 */
export async function sendPrepared(req: PreparedRequest, opts: SendOptions): Promise<DeliveryResult> {
  const now = opts.now ?? (() => systemClock.now());
  const target = { type: req.type, name: req.name };
  const prefix = `${req.type} target ${req.name}`;
  const url = validUrl(req.url);
  if (!url) return { ok: false, retryable: false, error: `${prefix}: invalid url` };
  const doFetch = opts.fetchImpl ?? fetch;
  try {
    const res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': UserAgent, ...req.headers },
      body: req.payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'), now());
    if (req.answer === 'slack-api' && res.status === 200) return classifySlackApiAnswer(prefix, res.status, await readBounded(res));
    try {
      await res.body?.cancel();
    } catch {
      /* ignore */
    }
    return classifyStatus(target, res.status, retryAfter);
  } catch (err) {
    return classifyError(target, err, opts.timeoutMs);
  }
}

/**
 * Classification of errors thrown by @kubernetes/client-node 1.4.0.
 *
 * - Typed API calls throw `ApiException` with a numeric `.code` (HTTP status). Its `.body` is the raw
 *   response text (a JSON `Status` as a string) for most codes, `undefined` for 401; its `.message`
 *   embeds the body AND the response headers, so never log `.message` as is: use describeError().
 * - `Watch` rejects with a plain Error carrying `.statusCode`; `ListWatch` also checks `.code`.
 * - Network failures are node-fetch `FetchError`s (`.code` is a string such as 'ECONNREFUSED') or
 *   `AbortError`s (our request timeouts).
 */
import { ApiException } from '@kubernetes/client-node';

export const StatusReasonAlreadyExists = 'AlreadyExists';
export const StatusReasonConflict = 'Conflict';

const RetryableStatus = new Set([408, 429, 500, 502, 503, 504]);
const RetryableNetworkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function isApiException(e: unknown): e is ApiException<unknown> {
  if (e instanceof ApiException) return true;
  // duck-typed fallback for a second copy of the library
  return e instanceof Error && 'code' in e && typeof e.code === 'number' && 'body' in e && 'headers' in e;
}

/** HTTP status carried by an error (ApiException.code, Watch's .statusCode, a Status-like .code). */
export function statusCode(e: unknown): number | undefined {
  if (!isRecord(e)) return undefined;
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The Kubernetes `Status` in an error body, if there is one (string bodies are parsed). */
export function statusOf(e: unknown): { reason?: string; message?: string } | undefined {
  if (!isRecord(e)) return undefined;
  let body: unknown = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(body)) return undefined;
  const out: { reason?: string; message?: string } = {};
  if (typeof body.reason === 'string') out.reason = body.reason;
  if (typeof body.message === 'string') out.message = body.message;
  return out;
}

export function isNotFound(e: unknown): boolean {
  return statusCode(e) === 404;
}

export function isGone(e: unknown): boolean {
  return statusCode(e) === 410;
}

export function isAlreadyExists(e: unknown): boolean {
  return statusCode(e) === 409 && statusOf(e)?.reason === StatusReasonAlreadyExists;
}

/** 409 other than AlreadyExists: an optimistic-concurrency (resourceVersion) conflict. */
export function isConflict(e: unknown): boolean {
  return statusCode(e) === 409 && statusOf(e)?.reason !== StatusReasonAlreadyExists;
}

function isNetworkError(e: unknown): boolean {
  if (!isRecord(e)) return false;
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
  if (typeof e.code === 'string' && (RetryableNetworkCodes.has(e.code) || e.code.startsWith('UND_ERR_'))) return true;
  return e.name === 'FetchError' && (e.type === 'system' || e.type === 'request-timeout' || e.type === 'body-timeout');
}

/**
 * True when running the operation again later may succeed: network errors/timeouts, 408, 429, 5xx
 * (except 501), and resourceVersion conflicts (the retry re-reads). Not: 4xx validation/authz errors,
 * NotFound, AlreadyExists, programming errors.
 */
export function isRetryable(e: unknown): boolean {
  const code = statusCode(e);
  if (code !== undefined) return RetryableStatus.has(code) || isConflict(e);
  return isNetworkError(e);
}

/**
 * An API rejection that retrying cannot fix: 400, 401, 403, 405, 413, 415, 422 (validation, authz).
 * Not: 404 (callers decide), 409, 408, 429, 5xx, network errors.
 */
export function isPermanent(e: unknown): boolean {
  const code = statusCode(e);
  return code !== undefined && PermanentStatus.has(code);
}

const PermanentStatus: ReadonlySet<number> = new Set([400, 401, 403, 405, 413, 415, 422]);

const MaxMessage = 300;

/** A log-safe summary of an error: no headers, no request bodies, bounded length. */
export function describeError(e: unknown): { error: string; statusCode?: number; reason?: string } {
  const code = statusCode(e);
  const status = statusOf(e);
  let text: string;
  if (isApiException(e)) text = status?.message ?? `HTTP ${e.code}`;
  else if (e instanceof Error) text = `${e.name}: ${e.message}`;
  else text = typeof e === 'string' ? e : 'non-error value thrown';
  const out: { error: string; statusCode?: number; reason?: string } = {
    error: text.length > MaxMessage ? `${text.slice(0, MaxMessage)}…` : text,
  };
  if (code !== undefined) out.statusCode = code;
  if (status?.reason !== undefined) out.reason = status.reason;
  return out;
}

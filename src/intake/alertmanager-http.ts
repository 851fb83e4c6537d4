/**
 * HTTP intake for Alertmanager webhooks: POST /alertmanager with `Authorization: Bearer <token>`.
 *
 * 404 other path · 405 other method · 429 + Retry-After sender over its rate limit (checked first, before the
 * token and the body) · 401 missing/wrong token · 415 not JSON · 413 body too large (reading stops) · 408 body
 * too slow · 400 {error} malformed payload, or an alert for a namespace outside the operator's scope (the whole
 * payload is refused: nothing is created) · 500 {error} onIntents failed · 429 + Retry-After {error, deferred}
 * the Incident creation cap left alerts without an Incident (Alertmanager retries; created ones are de-duplicated
 * by fingerprint) · 200 {accepted[, grouped][, skipped]}.
 * The handler never throws and never lets a rejected promise escape.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Severity } from '../notify/types.js';
import type { LimitDecision } from '../decide/intake-limits.js';
import { alertNamespace, alertsToIncidentIntents, parseAlertmanagerPayload, type IncidentIntent } from './alertmanager.js';

export const DefaultMaxBodyBytes = 256 * 1024;
export const DefaultBodyTimeoutMs = 10_000;
export const DefaultIntakePath = '/alertmanager';
export const DefaultIntakeSeverity: Severity = 'P2';

/** What onIntents did: alerts beyond the creation cap are grouped into an open Incident of their target or deferred. */
export interface IntakeOutcome {
  /** Incidents created. */
  created?: number;
  /** Repeats of alerts whose Incident exists ("last seen" recorded). */
  repeated?: number;
  grouped?: number;
  /** Alerts that got no Incident (creation cap reached, no open Incident of the target): answered 429. */
  deferred?: number;
  retryAfterSeconds?: number;
}

export interface AlertmanagerHandlerOptions {
  /** Current bearer token (read on every request so a rotated Secret applies at once). Unset → all 401. */
  token: () => string | undefined;
  maxBodyBytes?: number;
  onIntents: (intents: IncidentIntent[]) => Promise<IntakeOutcome | void>;
  /** Reason (no values) why alerts for this namespace are refused, or undefined when it is in scope. */
  refuseNamespace?: (namespace: string) => string | undefined;
  /** Per-sender rate limit (sender = peer address). */
  rateLimit?: (sender: string) => LimitDecision;
  /** Severity for alerts whose `severity` label is missing or unknown. Default P2. */
  defaultSeverity?: Severity;
  /** Namespace for alerts without a valid `namespace` label; without it such alerts are skipped. */
  defaultNamespace?: string;
  /** Request path served. Default /alertmanager. */
  path?: string;
  /** Maximum time to receive the whole body. Default 10 s. */
  bodyTimeoutMs?: number;
  /** Called with unexpected errors (e.g. onIntents rejecting). Must not log request bodies. */
  onError?: (err: unknown) => void;
}

export type AlertmanagerHandler = (req: IncomingMessage, res: ServerResponse) => void;

function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...extraHeaders,
  });
  res.end(payload);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time bearer token check (both sides hashed so lengths never leak through timing). */
/** The token of an `Authorization: Bearer <token>` header (one token, no spaces), else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer[ \t]+(\S{1,16384})[ \t]*$/iu.exec(header ?? '')?.[1];
}

export function bearerTokenMatches(header: string | undefined, expected: string | undefined): boolean {
  if (!expected) return false;
  const given = bearerToken(header) ?? '';
  const ok = timingSafeEqual(digest(given), digest(expected));
  return ok && given.length > 0;
}

export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const media = (header.split(';')[0] ?? '').trim().toLowerCase();
  return media === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/u.test(media);
}

type BodyRead = { ok: true; body: Buffer } | { ok: false; status: 408 | 413 | 0 };

/** Reads at most maxBytes; on overflow or timeout stops reading (pauses and detaches) and reports why. */
function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyRead): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        finish({ ok: false, status: 413 });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ ok: true, body: Buffer.concat(chunks) });
    const onError = (): void => finish({ ok: false, status: 0 });
    const onAborted = (): void => finish({ ok: false, status: 0 });
    const timer = setTimeout(() => finish({ ok: false, status: 408 }), timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

export function createAlertmanagerHandler(opts: AlertmanagerHandlerOptions): AlertmanagerHandler {
  const maxBodyBytes = opts.maxBodyBytes ?? DefaultMaxBodyBytes;
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? DefaultBodyTimeoutMs;
  const path = opts.path ?? DefaultIntakePath;
  const defaultSeverity = opts.defaultSeverity ?? DefaultIntakeSeverity;
  const reportError = (err: unknown): void => {
    try {
      opts.onError?.(err);
    } catch {
      /* a failing error hook must not crash the handler */
    }
  };
  const close = { connection: 'close' };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = (req.url ?? '').split('?')[0];
    if (pathname !== path) return sendJson(res, 404, { error: 'not found' }, close);
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' }, { ...close, allow: 'POST' });
    const limited = opts.rateLimit?.(req.socket.remoteAddress ?? 'unknown');
    if (limited && !limited.allowed) {
      return sendJson(res, 429, { error: 'rate limited' }, { ...close, 'retry-after': String(limited.retryAfterSeconds) });
    }

    let expected: string | undefined;
    try {
      expected = opts.token();
    } catch (err) {
      reportError(err);
      expected = undefined;
    }
    if (!bearerTokenMatches(req.headers.authorization, expected)) {
      return sendJson(res, 401, { error: 'unauthorized' }, { ...close, 'www-authenticate': 'Bearer' });
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      return sendJson(res, 415, { error: 'content-type must be application/json' }, close);
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBodyBytes) {
      return sendJson(res, 413, { error: 'payload too large' }, close);
    }

    const read = await readBody(req, maxBodyBytes, bodyTimeoutMs);
    if (!read.ok) {
      if (read.status === 413) return sendJson(res, 413, { error: 'payload too large' }, close);
      if (read.status === 408) return sendJson(res, 408, { error: 'request body timeout' }, close);
      res.destroy(); // client went away
      return;
    }

    let json: unknown;
    try {
      json = JSON.parse(read.body.toString('utf8'));
    } catch {
      return sendJson(res, 400, { error: 'body: invalid JSON' });
    }
    const parsed = parseAlertmanagerPayload(json);
    if (!parsed.ok) return sendJson(res, 400, { error: parsed.reason });

    if (opts.refuseNamespace) {
      for (let i = 0; i < parsed.value.alerts.length; i++) {
        const ns = alertNamespace(parsed.value.alerts[i]!, opts.defaultNamespace !== undefined ? { defaultNamespace: opts.defaultNamespace } : {});
        const refused = ns === undefined ? undefined : opts.refuseNamespace(ns);
        if (refused) return sendJson(res, 400, { error: `alerts[${i}].labels.namespace: ${refused}` });
      }
    }

    const intents = alertsToIncidentIntents(parsed.value, {
      defaultSeverity,
      ...(opts.defaultNamespace !== undefined ? { defaultNamespace: opts.defaultNamespace } : {}),
    });
    let outcome: IntakeOutcome = {};
    if (intents.length > 0) {
      try {
        outcome = (await opts.onIntents(intents)) ?? {};
      } catch (err) {
        reportError(err);
        return sendJson(res, 500, { error: 'internal error' });
      }
    }
    const skipped = parsed.value.alerts.length - intents.length;
    const deferred = outcome.deferred ?? 0;
    const grouped = outcome.grouped ?? 0;
    const counts = {
      accepted: intents.length - deferred,
      ...(grouped > 0 ? { grouped } : {}),
      ...(skipped > 0 ? { skipped } : {}),
    };
    if (deferred > 0) {
      const retryAfter = Math.max(1, outcome.retryAfterSeconds ?? 60);
      return sendJson(res, 429, { error: 'incident creation limit reached', ...counts, deferred }, { 'retry-after': String(retryAfter) });
    }
    return sendJson(res, 200, counts);
  }

  return (req, res) => {
    let running: Promise<void>;
    try {
      running = handle(req, res);
    } catch (err) {
      running = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    running.catch((err: unknown) => {
      reportError(err);
      try {
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' }, close);
        else res.destroy();
      } catch {
        /* never crash the server */
      }
    });
  };
}

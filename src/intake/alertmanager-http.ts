/**
 * HTTP intake for Alertmanager webhooks: POST /alertmanager with `Authorization: Bearer <token>`.
 *
 * 404 other path · 405 other method · 401 missing/wrong token · 415 not JSON · 413 body too large (reading
 * stops) · 408 body too slow · 400 {error} malformed payload · 500 {error} onIntents failed · 200 {accepted}.
 * The handler never throws and never lets a rejected promise escape.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Severity } from '../notify/types.js';
import { alertsToIncidentIntents, parseAlertmanagerPayload, type IncidentIntent } from './alertmanager.js';

export const DefaultMaxBodyBytes = 256 * 1024;
export const DefaultBodyTimeoutMs = 10_000;
export const DefaultIntakePath = '/alertmanager';
export const DefaultIntakeSeverity: Severity = 'P2';

export interface AlertmanagerHandlerOptions {
  /** Current bearer token (read on every request so a rotated Secret applies at once). Unset → all 401. */
  token: () => string | undefined;
  maxBodyBytes?: number;
  onIntents: (intents: IncidentIntent[]) => Promise<void>;
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
export function bearerTokenMatches(header: string | undefined, expected: string | undefined): boolean {
  if (!expected) return false;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/iu.exec(header ?? '');
  const given = match?.[1] ?? '';
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

    const intents = alertsToIncidentIntents(parsed.value, {
      defaultSeverity,
      ...(opts.defaultNamespace !== undefined ? { defaultNamespace: opts.defaultNamespace } : {}),
    });
    if (intents.length > 0) {
      try {
        await opts.onIntents(intents);
      } catch (err) {
        reportError(err);
        return sendJson(res, 500, { error: 'internal error' });
      }
    }
    const skipped = parsed.value.alerts.length - intents.length;
    return sendJson(res, 200, skipped > 0 ? { accepted: intents.length, skipped } : { accepted: intents.length });
  }

  return (req, res) => {
    let running: Promise<void>;
    try {
      running = handle(req, res);
    } catch (err) {
      running = Promise.reject(err);
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

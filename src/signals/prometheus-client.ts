/**
 * Prometheus instant queries over HTTP(S) (`GET /api/v1/query`), bounded by a timeout, with an optional
 * bearer token and CA certificate from a Secret (read with readSecretData, cached briefly). The answer is an
 * Observation: one number, or why there is none (QueryFailed, NoData, NotANumber, Timeout, Unreachable) —
 * never the series' label values, which may carry data.
 */
import http from 'node:http';
import https from 'node:https';
import { errorMessage } from '../decide/errors.js';
import type { Observation } from '../decide/health-signals.js';

export interface PrometheusAuth {
  /** Bearer token (Secret key `token`). */
  token?: string;
  /** PEM CA bundle for https (Secret key `ca.crt`). */
  ca?: string;
}

export interface PrometheusClientOptions {
  baseUrl: string;
  timeoutMs: number;
  /** Looked up before each query (e.g. a cached Secret read); a failure makes the query QueryFailed. */
  auth?: () => Promise<PrometheusAuth | undefined>;
}

const MAX_BODY = 1 << 20;

export class PrometheusClient {
  constructor(private readonly o: PrometheusClientOptions) {}

  /** Instant query at `time` (default: now on the server). The first sample of a vector, or a scalar. */
  async query(promql: string, time?: Date): Promise<Observation> {
    let auth: PrometheusAuth | undefined;
    try { auth = await this.o.auth?.(); } catch (e) { return { ok: false, reason: 'QueryFailed', detail: `credentials: ${errorMessage(e)}`.slice(0, 120) }; }
    const url = new URL(`${this.o.baseUrl}/api/v1/query`);
    url.searchParams.set('query', promql);
    if (time) url.searchParams.set('time', (time.getTime() / 1000).toFixed(3));
    const res = await getJson(url, this.o.timeoutMs, auth);
    if (!res.ok) return res.observation;
    return observationOf(res.status, res.body);
  }
}

type GetResult = { ok: true; status: number; body: unknown } | { ok: false; observation: Observation };

function getJson(url: URL, timeoutMs: number, auth: PrometheusAuth | undefined): Promise<GetResult> {
  return new Promise((resolve) => {
    const lib = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth?.token) headers.authorization = `Bearer ${auth.token}`;
    const req = lib.request(url, { method: 'GET', headers, timeout: timeoutMs, ...(auth?.ca && url.protocol === 'https:' ? { ca: auth.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) { req.destroy(); resolve({ ok: false, observation: { ok: false, reason: 'QueryFailed', detail: 'answer too large' } }); return; }
        chunks.push(c);
      });
      res.on('end', () => {
        let body: unknown;
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = undefined; }
        resolve({ ok: true, status: res.statusCode ?? 0, body });
      });
      res.on('error', () => resolve({ ok: false, observation: { ok: false, reason: 'Unreachable', detail: 'response aborted' } }));
    });
    const timer = setTimeout(() => { req.destroy(new Error('timeout')); }, timeoutMs);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, observation: e.message === 'timeout'
        ? { ok: false, reason: 'Timeout', detail: `no answer in ${timeoutMs} ms` }
        : { ok: false, reason: 'Unreachable', detail: e.code ?? 'connection failed' } });
    });
    req.on('close', () => clearTimeout(timer));
    req.end();
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The Prometheus API answer as an Observation (pure; exported for tests). */
export function observationOf(status: number, body: unknown): Observation {
  const b = isRecord(body) ? body : {};
  if (status !== 200 || b.status !== 'success') {
    const kind = typeof b.errorType === 'string' ? b.errorType.replace(/[^a-z_]/gi, '').slice(0, 40) : `HTTP ${status}`;
    return { ok: false, reason: 'QueryFailed', detail: kind };
  }
  const data = isRecord(b.data) ? b.data : {};
  const result = data.result;
  let raw: unknown;
  if (data.resultType === 'scalar' && Array.isArray(result)) raw = result[1];
  else if (data.resultType === 'vector' && Array.isArray(result)) {
    const first: unknown = result[0];
    if (!isRecord(first)) return { ok: false, reason: 'NoData', detail: 'the query returned no series' };
    raw = Array.isArray(first.value) ? first.value[1] : undefined;
  } else return { ok: false, reason: 'QueryFailed', detail: `unsupported result type ${String(data.resultType).slice(0, 20)}` };
  const value = typeof raw === 'string' ? Number(raw) : NaN;
  if (!Number.isFinite(value)) return { ok: false, reason: 'NotANumber', detail: 'the query returned NaN or Inf' };
  return { ok: true, value };
}

/**
 * HTTP probes (runbook: "health check failures"): a GET of the URL, bounded by its timeout; the value is
 * the HTTP status. No answer (refused, timeout, DNS) is Unknown — the operator may simply not reach the
 * network — never a verdict against the release. The body is read and discarded, never recorded.
 */
import http from 'node:http';
import https from 'node:https';
import type { Observation } from '../decide/health-signals.js';

export function probeHttp(url: string, timeoutMs: number): Promise<Observation> {
  return new Promise((resolve) => {
    let target: URL;
    try { target = new URL(url); } catch { resolve({ ok: false, reason: 'NotConfigured', detail: 'invalid URL' }); return; }
    const lib = target.protocol === 'https:' ? https : http;
    let settled = false;
    const done = (o: Observation) => { if (!settled) { settled = true; clearTimeout(timer); resolve(o); } };
    const req = lib.request(target, { method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'incident-operator-probe' } }, (res) => {
      res.resume();
      done({ ok: true, value: res.statusCode ?? 0 });
    });
    const timer = setTimeout(() => { req.destroy(new Error('timeout')); }, timeoutMs);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => done(e.message === 'timeout'
      ? { ok: false, reason: 'Timeout', detail: `no answer in ${timeoutMs} ms` }
      : { ok: false, reason: 'Unreachable', detail: e.code ?? 'connection failed' }));
    req.end();
  });
}

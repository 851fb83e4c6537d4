/**
 * The operator's three HTTP listeners, each on its own port and each off unless configured:
 *  - probes (PROBE_PORT, legacy HTTP_PORT): /healthz, /readyz — what the kubelet needs, nothing else;
 *  - metrics (METRICS_PORT): /metrics, open, behind one bearer token (METRICS_TOKEN_FILE) or asked of the API
 *    server (METRICS_AUTH=kubernetes: TokenReview + SubjectAccessReview, src/server/metrics-auth.ts);
 *  - Alertmanager intake (ALERTMANAGER_PORT): /alertmanager, started only when ALERTMANAGER_TOKEN_FILE is set.
 * Each logs `http server listening` with `server` (probes | metrics | alertmanager) and its `address`.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type { OperatorConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { Clock } from '../runtime/clock.js';
import { fileTokenAuthorizer, type MetricsAccess, type MetricsAuthorizer } from './metrics-auth.js';
import { startRouteServer, type Route } from './http-server.js';

export type ListenerName = 'probes' | 'metrics' | 'alertmanager';

export interface ListenerDeps {
  ready(): { ready: boolean; detail: Record<string, unknown> };
  metrics(): Promise<{ contentType: string; body: string }>;
  /** METRICS_AUTH=kubernetes: the API server's decision per request. */
  metricsAuthorizer?: MetricsAuthorizer;
  /** The intake's routes (e.g. `/alertmanager`). */
  intakeRoutes?: Record<string, Route>;
  log: Logger;
  clock: Clock;
}

/** Bearer token from a mounted Secret file, re-read at most every 10 s (rotation applies without a restart). */
export function fileTokenReader(path: string | undefined, clock: Clock): () => string | undefined {
  let cached: { value: string | undefined; at: number } | undefined;
  return () => {
    if (!path) return undefined;
    const t = clock.now().getTime();
    if (cached && t - cached.at < 10_000 && t >= cached.at) return cached.value;
    let value: string | undefined;
    try { value = readFileSync(path, 'utf8').trim() || undefined; } catch { value = undefined; }
    cached = { value, at: t };
    return value;
  };
}

export function probeRoutes(ready: ListenerDeps['ready']): Record<string, Route> {
  return {
    '/healthz': (_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'); },
    '/readyz': (_req, res) => {
      const r = ready();
      res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready: r.ready, ...r.detail }));
    },
  };
}

const REFUSED: Record<Exclude<MetricsAccess, 'Allowed'>, { status: number; body: string }> = {
  Unauthenticated: { status: 401, body: 'unauthorized' },
  Forbidden: { status: 403, body: 'forbidden' },
  Unavailable: { status: 503, body: 'cannot check access now' },
};

export function metricsRoutes(metrics: ListenerDeps['metrics'], authorize?: MetricsAuthorizer): Record<string, Route> {
  const serve: Route = (_req, res) => {
    metrics().then(
      (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.body),
      () => res.writeHead(500).end('metrics failed'),
    );
  };
  return {
    '/metrics': (req, res) => {
      if (!authorize) { serve(req, res); return; }
      authorize(req.headers.authorization).then((access) => {
        if (access === 'Allowed') { serve(req, res); return; }
        const r = REFUSED[access];
        res.writeHead(r.status, { 'content-type': 'text/plain', ...(r.status === 401 ? { 'www-authenticate': 'Bearer' } : {}) }).end(r.body);
      }, () => res.writeHead(503, { 'content-type': 'text/plain' }).end(REFUSED.Unavailable.body));
    },
  };
}

function metricsAuthorizerFor(metrics: NonNullable<OperatorConfig['listeners']['metrics']>, deps: ListenerDeps): MetricsAuthorizer | undefined {
  if (metrics.auth === 'token') return fileTokenAuthorizer(fileTokenReader(metrics.tokenFile, deps.clock));
  if (metrics.auth === 'kubernetes') {
    if (!deps.metricsAuthorizer) throw new Error('METRICS_AUTH=kubernetes without an access reviewer');
    return deps.metricsAuthorizer;
  }
  return undefined;
}

/** Starts the configured listeners; returns the servers started, by name. */
export async function startListeners(config: OperatorConfig, deps: ListenerDeps): Promise<Partial<Record<ListenerName, http.Server>>> {
  const { probes, metrics, alertmanager } = config.listeners;
  const out: Partial<Record<ListenerName, http.Server>> = {};
  const start = async (name: ListenerName, l: { host: string; port: number }, routes: Record<string, Route>) => {
    const server = await startRouteServer({ host: l.host, port: l.port, routes, log: deps.log });
    const addr = server.address();
    deps.log.info('http server listening', { server: name, address: typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : String(addr) });
    out[name] = server;
  };
  try {
    if (probes) await start('probes', probes, probeRoutes(() => deps.ready()));
    else deps.log.info('probe listener disabled (PROBE_PORT unset)');
    if (metrics) {
      await start('metrics', metrics, metricsRoutes(() => deps.metrics(), metricsAuthorizerFor(metrics, deps)));
      deps.log.info('metrics access', { mode: metrics.auth });
    } else deps.log.info('metrics listener disabled (METRICS_PORT unset)');
    if (alertmanager && config.alertmanagerTokenFile && deps.intakeRoutes) await start('alertmanager', alertmanager, deps.intakeRoutes);
    else if (alertmanager) deps.log.warn('alertmanager intake disabled: ALERTMANAGER_PORT is set but ALERTMANAGER_TOKEN_FILE is not');
    else deps.log.info('alertmanager intake disabled (ALERTMANAGER_PORT unset)');
  } catch (e) {
    await closeListeners(out);
    throw e;
  }
  return out;
}

export async function closeListeners(servers: Partial<Record<ListenerName, http.Server>>): Promise<void> {
  await Promise.all(Object.values(servers).map((s) => new Promise<void>((r) => { s.closeAllConnections?.(); s.close(() => r()); })));
}

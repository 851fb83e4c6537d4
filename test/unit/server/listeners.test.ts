import { expect } from 'chai';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config.js';
import { closeListeners, fileTokenReader, startListeners, type ListenerName } from '../../../src/server/listeners.js';
import type { Logger } from '../../../src/log.js';

const lines: { level: string; msg: string; meta?: Record<string, unknown> }[] = [];
const log = {
  info: (msg: string, meta?: Record<string, unknown>) => lines.push({ level: 'info', msg, meta }),
  warn: (msg: string, meta?: Record<string, unknown>) => lines.push({ level: 'warn', msg, meta }),
  error: (msg: string, meta?: Record<string, unknown>) => lines.push({ level: 'error', msg, meta }),
  debug: () => undefined,
} as unknown as Logger;
let now = new Date('2026-12-01T06:00:00Z');
const clock = { now: () => now };

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const portOf = (s: http.Server | undefined) => (s?.address() as { port: number }).port;

describe('server/listeners: probes, metrics and intake on separate ports', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'incop-listeners-'));
    writeFileSync(join(dir, 'metrics-token'), 'metrics-token-fixture\n');
    writeFileSync(join(dir, 'am-token'), 'am-token-fixture\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => { lines.length = 0; });

  const deps = {
    ready: () => ({ ready: true, detail: { leader: true } }),
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'incident_operator_leader 1\n' }),
    intakeRoutes: { '/alertmanager': (_q: http.IncomingMessage, res: http.ServerResponse) => { res.writeHead(202).end('intake'); } },
    log, clock,
  };

  it('nothing configured: no listener at all', async () => {
    const servers = await startListeners(loadConfig({}), deps);
    expect(Object.keys(servers)).to.deep.equal([]);
    expect(lines.map((l) => l.msg)).to.include.members(['probe listener disabled (PROBE_PORT unset)', 'metrics listener disabled (METRICS_PORT unset)', 'alertmanager intake disabled (ALERTMANAGER_PORT unset)']);
  });

  it('each endpoint only on its own port', async () => {
    const servers = await startListeners(loadConfig({
      PROBE_HOST: '127.0.0.1', PROBE_PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0',
      ALERTMANAGER_HOST: '127.0.0.1', ALERTMANAGER_PORT: '0', ALERTMANAGER_TOKEN_FILE: join(dir, 'am-token'),
    }), deps);
    try {
      expect(Object.keys(servers).sort()).to.deep.equal(['alertmanager', 'metrics', 'probes']);
      const ports = Object.fromEntries((Object.keys(servers) as ListenerName[]).map((n) => [n, portOf(servers[n])]));
      expect(new Set(Object.values(ports)).size).to.equal(3);
      const table: [ListenerName, string, number][] = [
        ['probes', '/healthz', 200], ['probes', '/readyz', 200], ['probes', '/metrics', 404], ['probes', '/alertmanager', 404],
        ['metrics', '/metrics', 200], ['metrics', '/healthz', 404], ['metrics', '/alertmanager', 404],
        ['alertmanager', '/alertmanager', 202], ['alertmanager', '/metrics', 404], ['alertmanager', '/readyz', 404],
      ];
      for (const [name, path, status] of table) {
        expect((await get(ports[name]!, path, {}, path === '/alertmanager' ? 'POST' : 'GET')).status, `${name} ${path}`).to.equal(status);
      }
      const logged = lines.filter((l) => l.msg === 'http server listening').map((l) => l.meta?.server);
      expect(logged).to.deep.equal(['probes', 'metrics', 'alertmanager']);
    } finally {
      await closeListeners(servers);
    }
  });

  it('the intake stays off until a token is configured, even with a port', async () => {
    const servers = await startListeners(loadConfig({ ALERTMANAGER_HOST: '127.0.0.1', ALERTMANAGER_PORT: '0' }), deps);
    expect(servers.alertmanager).to.equal(undefined);
    expect(lines.some((l) => l.level === 'warn' && /ALERTMANAGER_TOKEN_FILE is not/.test(l.msg))).to.equal(true);
  });

  it('HTTP_PORT (legacy) configures the probe listener only', async () => {
    const servers = await startListeners(loadConfig({ HTTP_HOST: '127.0.0.1', HTTP_PORT: '0' }), deps);
    try {
      expect(Object.keys(servers)).to.deep.equal(['probes']);
      expect((await get(portOf(servers.probes), '/metrics')).status).to.equal(404);
    } finally { await closeListeners(servers); }
  });

  it('METRICS_TOKEN_FILE puts /metrics behind a bearer token', async () => {
    const servers = await startListeners(loadConfig({ METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', METRICS_TOKEN_FILE: join(dir, 'metrics-token') }), deps);
    try {
      const port = portOf(servers.metrics);
      expect((await get(port, '/metrics')).status).to.equal(401);
      expect((await get(port, '/metrics', { authorization: 'Bearer wrong' })).status).to.equal(401);
      const ok = await get(port, '/metrics', { authorization: 'Bearer metrics-token-fixture' });
      expect(ok).to.deep.equal({ status: 200, body: 'incident_operator_leader 1\n' });
    } finally { await closeListeners(servers); }
  });

  it('a rotated token file applies after at most 10 s', () => {
    const path = join(dir, 'rotating');
    writeFileSync(path, 'one');
    const read = fileTokenReader(path, clock);
    expect(read()).to.equal('one');
    writeFileSync(path, 'two');
    expect(read()).to.equal('one');
    now = new Date(now.getTime() + 10_000);
    expect(read()).to.equal('two');
    expect(fileTokenReader(join(dir, 'missing'), clock)()).to.equal(undefined);
  });
});

describe('config: listeners, limits, protected namespaces', () => {
  it('defaults: every listener off, the runbook limits, kube-* protected, no unverified rollbacks', () => {
    const c = loadConfig({});
    expect(c.listeners).to.deep.equal({ probes: undefined, alertmanager: undefined });
    expect(c.intakeLimits).to.deep.equal({ senderPerMinute: 120, senderBurst: 30, incidentsPerMinute: 20 });
    expect(c.protectedNamespaces).to.deep.equal(['kube-*']);
    expect(c.rollbackAllowUnverified).to.equal(false);
  });
  it('parses ports, hosts, limits, the flag and the protected list', () => {
    const c = loadConfig({
      PROBE_PORT: '8081', METRICS_PORT: '8443', METRICS_HOST: '127.0.0.1', ALERTMANAGER_PORT: '9095',
      ALERTMANAGER_INCIDENTS_PER_MINUTE: '5', ALERTMANAGER_SENDER_RATE_PER_MINUTE: '10', ALERTMANAGER_SENDER_BURST: '2',
      ROLLBACK_ALLOW_UNVERIFIED: 'true', PROTECTED_NAMESPACES: 'kube-*, ops',
    });
    expect(c.listeners.probes).to.deep.equal({ host: '0.0.0.0', port: 8081 });
    expect(c.listeners.metrics).to.deep.equal({ host: '127.0.0.1', port: 8443, auth: 'none' });
    expect(loadConfig({ METRICS_PORT: '8443', METRICS_TOKEN_FILE: '/t' }).listeners.metrics).to.deep.include({ tokenFile: '/t', auth: 'token' });
    expect(loadConfig({ METRICS_PORT: '8443', METRICS_AUTH: 'kubernetes' }).listeners.metrics).to.deep.include({ auth: 'kubernetes' });
    expect(() => loadConfig({ METRICS_PORT: '8443', METRICS_AUTH: 'token' })).to.throw(/invalid METRICS_AUTH: token needs METRICS_TOKEN_FILE/);
    expect(() => loadConfig({ METRICS_PORT: '8443', METRICS_AUTH: 'open' })).to.throw(/METRICS_AUTH/);
    expect(c.listeners.alertmanager).to.deep.equal({ host: '0.0.0.0', port: 9095 });
    expect(c.intakeLimits).to.deep.equal({ senderPerMinute: 10, senderBurst: 2, incidentsPerMinute: 5 });
    expect(c.rollbackAllowUnverified).to.equal(true);
    expect(c.protectedNamespaces).to.deep.equal(['kube-*', 'ops']);
    expect(loadConfig({ PROTECTED_NAMESPACES: 'none' }).protectedNamespaces).to.deep.equal([]);
  });
  it('refuses a port out of range, naming the variable', () => {
    expect(() => loadConfig({ METRICS_PORT: '70000' })).to.throw(/METRICS_PORT/);
    expect(() => loadConfig({ ALERTMANAGER_INCIDENTS_PER_MINUTE: '-1' })).to.throw(/ALERTMANAGER_INCIDENTS_PER_MINUTE/);
  });
});

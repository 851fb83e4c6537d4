import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createAlertmanagerHandler, type IntakeOutcome } from '../../../src/intake/alertmanager-http.js';
import type { IncidentIntent } from '../../../src/intake/alertmanager.js';
import { SenderRateLimiter } from '../../../src/decide/intake-limits.js';

const Token = 'intake-limits-token-fixture';
const t0 = new Date('2026-12-01T06:00:00.000Z');

function alert(namespace: string | undefined, fingerprint: string): Record<string, unknown> {
  return {
    status: 'firing',
    labels: { alertname: 'ApiDown', severity: 'critical', deployment: 'api', ...(namespace ? { namespace } : {}) },
    annotations: { summary: 'api down' }, startsAt: '2026-12-01T05:58:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint,
  };
}
const payload = (alerts: Record<string, unknown>[]) => JSON.stringify({
  version: '4', groupKey: 'g', truncatedAlerts: 0, status: 'firing', receiver: 'r', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', alerts,
});

describe('intake/alertmanager-http: scope and limits (real local server)', function () {
  this.timeout(10_000);
  let server: Server;
  let port: number;
  let calls: IncidentIntent[][] = [];
  let outcome: IntakeOutcome | void = undefined;
  let clock = t0;
  let limiter = new SenderRateLimiter({ perMinute: 60, burst: 3 });

  before(async () => {
    server = createServer(createAlertmanagerHandler({
      token: () => Token,
      rateLimit: (sender) => limiter.take(sender, clock),
      refuseNamespace: (ns) => (ns === 'shop' ? undefined : ns.startsWith('kube-') ? 'protected namespace' : 'namespace not watched by this operator'),
      onIntents: async (intents) => { calls.push(intents); return outcome; },
    }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => { server.closeAllConnections(); server.close(); });
  beforeEach(() => { calls = []; outcome = undefined; clock = new Date(clock.getTime() + 3_600_000); limiter = new SenderRateLimiter({ perMinute: 60, burst: 3 }); });

  function post(body: string, token = Token): Promise<{ status: number; retryAfter?: string; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/alertmanager', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}), body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('an alert for kube-system: 400 naming the alert, the reason echoes no namespace, nothing passed on', async () => {
    const r = await post(payload([alert('shop', 'a1'), alert('kube-system', 'a2')]));
    expect(r.status).to.equal(400);
    expect(r.body).to.deep.equal({ error: 'alerts[1].labels.namespace: protected namespace' });
    expect(calls).to.have.length(0);
  });

  it('an alert for an unwatched namespace: 400, nothing passed on', async () => {
    const r = await post(payload([alert('elsewhere', 'b1')]));
    expect(r).to.deep.include({ status: 400, body: { error: 'alerts[0].labels.namespace: namespace not watched by this operator' } });
    expect(JSON.stringify(r.body)).to.not.include('elsewhere');
    expect(calls).to.have.length(0);
  });

  it('alerts without a namespace are skipped, not refused', async () => {
    const r = await post(payload([alert(undefined, 'c1'), alert('shop', 'c2')]));
    expect(r).to.deep.include({ status: 200, body: { accepted: 1, skipped: 1 } });
  });

  it('a sender over its burst gets 429 with Retry-After before the body or token are looked at', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(payload([alert('shop', `d${i}`)]))).status);
    const limited = await post(payload([alert('shop', 'd9')]), 'wrong-token');
    expect(statuses).to.deep.equal([200, 200, 200]);
    expect(limited.status).to.equal(429);
    expect(limited.retryAfter).to.equal('1');
    expect(limited.body).to.deep.equal({ error: 'rate limited' });
    expect(calls).to.have.length(3);
    clock = new Date(clock.getTime() + 1000);
    expect((await post(payload([alert('shop', 'd10')]))).status, 'refilled after Retry-After').to.equal(200);
  });

  it('grouped alerts are reported; deferred ones make a 429 with Retry-After', async () => {
    outcome = { grouped: 2 };
    const g = await post(payload([alert('shop', 'e1'), alert('shop', 'e2'), alert('shop', 'e3')]));
    expect(g).to.deep.include({ status: 200, body: { accepted: 3, grouped: 2 } });
    outcome = { grouped: 1, deferred: 1, retryAfterSeconds: 17 };
    const d = await post(payload([alert('shop', 'f1'), alert('shop', 'f2'), alert('shop', 'f3')]));
    expect(d.status).to.equal(429);
    expect(d.retryAfter).to.equal('17');
    expect(d.body).to.deep.equal({ error: 'incident creation limit reached', accepted: 2, grouped: 1, deferred: 1 });
  });
});

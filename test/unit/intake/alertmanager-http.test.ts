import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { bearerTokenMatches, createAlertmanagerHandler, isJsonContentType } from '../../../src/intake/alertmanager-http.js';
import type { IncidentIntent } from '../../../src/intake/alertmanager.js';

const Token = 'intake-token-fixture';
const MaxBody = 4096;

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function alert(status: 'firing' | 'resolved', fingerprint: string): Record<string, unknown> {
  return {
    status,
    labels: { alertname: 'ApiHigh5xx', namespace: 'patient-advocacy', severity: 'critical', deployment: 'patient-advocacy-api' },
    annotations: { summary: 'API error ratio above threshold' },
    startsAt: '2024-05-01T11:58:00Z',
    endsAt: status === 'resolved' ? '2024-05-01T12:30:00Z' : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus/graph',
    fingerprint,
  };
}

function payload(alerts: Record<string, unknown>[]): string {
  return JSON.stringify({
    version: '4',
    groupKey: '{}:{alertname="ApiHigh5xx"}',
    truncatedAlerts: 0,
    status: alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing',
    receiver: 'incident-operator',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
  });
}

describe('intake/alertmanager-http createAlertmanagerHandler (real local server)', function () {
  this.timeout(10_000);
  let server: Server;
  let port: number;
  let calls: IncidentIntent[][] = [];
  let failNext = false;
  let token: string | undefined = Token;
  const errors: unknown[] = [];

  before(async () => {
    const handler = createAlertmanagerHandler({
      token: () => token,
      maxBodyBytes: MaxBody,
      bodyTimeoutMs: 300,
      onIntents: async (intents) => {
        if (failNext) {
          failNext = false;
          throw new Error('apiserver unavailable');
        }
        calls.push(intents);
      },
      onError: (err) => errors.push(err),
    });
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    calls = [];
    token = Token;
    failNext = false;
  });

  function post(
    body: string | Buffer[],
    headers: Record<string, string> = { authorization: `Bearer ${Token}`, 'content-type': 'application/json' },
    opts: { method?: string; path?: string; chunked?: boolean } = {},
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path ?? '/alertmanager', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
        });
      });
      req.on('error', reject);
      if (Array.isArray(body)) {
        for (const chunk of body) req.write(chunk);
        req.end();
      } else {
        req.end(body);
      }
    });
  }

  it('valid: 200 with the number of accepted intents, onIntents called once', async () => {
    const reply = await post(payload([alert('firing', 'aa01'), alert('firing', 'aa02')]));
    expect(reply).to.deep.equal({ status: 200, body: { accepted: 2 } });
    expect(calls).to.have.length(1);
    expect(calls[0]?.map((i) => i.resolved)).to.deep.equal([false, false]);
    expect(calls[0]?.[0]).to.include({ namespace: 'patient-advocacy', severity: 'P0', target: 'patient-advocacy-api' });
  });

  it('duplicate: redelivery maps to the same incident names', async () => {
    const body = payload([alert('firing', 'bb01')]);
    const first = await post(body);
    const second = await post(body);
    expect([first.status, second.status]).to.deep.equal([200, 200]);
    expect(calls).to.have.length(2);
    expect(calls[1]?.[0]?.name).to.equal(calls[0]?.[0]?.name);
  });

  it('resolved: produces a resolved intent for the same name as the firing one', async () => {
    await post(payload([alert('firing', 'cc01')]));
    const reply = await post(payload([alert('resolved', 'cc01')]));
    expect(reply).to.deep.equal({ status: 200, body: { accepted: 1 } });
    expect(calls[1]?.[0]).to.deep.include({ resolved: true, name: calls[0]?.[0]?.name, endsAt: '2024-05-01T12:30:00.000Z' });
  });

  it('alerts without a namespace are reported as skipped', async () => {
    const noNs = alert('firing', 'dd01');
    noNs.labels = { alertname: 'X' };
    const reply = await post(payload([noNs, alert('firing', 'dd02')]));
    expect(reply).to.deep.equal({ status: 200, body: { accepted: 1, skipped: 1 } });
  });

  const rejected: { name: string; body: () => string | Buffer[]; headers?: Record<string, string>; method?: string; path?: string; status: number; error: string | RegExp }[] = [
    { name: 'malformed payload', body: () => JSON.stringify({ version: '4', groupKey: 'g', status: 'firing', alerts: [{ status: 'firing' }] }), status: 400, error: 'alerts[0].labels: required' },
    { name: 'wrong version', body: () => JSON.stringify({ version: '3' }), status: 400, error: 'version: must be "4"' },
    { name: 'invalid JSON', body: () => '{"version":', status: 400, error: 'body: invalid JSON' },
    { name: 'oversized (declared length)', body: () => payload([alert('firing', 'ee01')]).padEnd(MaxBody + 10, ' '), status: 413, error: 'payload too large' },
    { name: 'oversized (chunked, no length)', body: () => [Buffer.alloc(MaxBody / 2, 0x20), Buffer.alloc(MaxBody / 2, 0x20), Buffer.alloc(64, 0x20)], status: 413, error: 'payload too large' },
    { name: 'unauthenticated (no header)', body: () => payload([alert('firing', 'ff01')]), headers: { 'content-type': 'application/json' }, status: 401, error: 'unauthorized' },
    { name: 'unauthenticated (wrong token)', body: () => payload([alert('firing', 'ff01')]), headers: { authorization: `Bearer ${Token}x`, 'content-type': 'application/json' }, status: 401, error: 'unauthorized' },
    { name: 'unauthenticated (basic auth)', body: () => payload([alert('firing', 'ff01')]), headers: { authorization: `Basic ${Token}`, 'content-type': 'application/json' }, status: 401, error: 'unauthorized' },
    { name: 'non-JSON content type', body: () => payload([alert('firing', 'ff01')]), headers: { authorization: `Bearer ${Token}`, 'content-type': 'text/plain' }, status: 415, error: /content-type/u },
    { name: 'wrong method', body: () => '', method: 'PUT', status: 405, error: 'method not allowed' },
    { name: 'wrong path', body: () => '', path: '/other', status: 404, error: 'not found' },
  ];
  for (const c of rejected) {
    it(`${c.name}: ${c.status} and onIntents not called`, async () => {
      const reply = await post(c.body(), c.headers, { ...(c.method ? { method: c.method } : {}), ...(c.path ? { path: c.path } : {}) });
      expect(reply.status).to.equal(c.status);
      if (typeof c.error === 'string') expect(reply.body.error).to.equal(c.error);
      else expect(String(reply.body.error)).to.match(c.error);
      expect(calls).to.have.length(0);
    });
  }

  it('unauthenticated when no token is configured, even with an empty bearer', async () => {
    token = undefined;
    const reply = await post(payload([alert('firing', 'ff02')]), { authorization: 'Bearer ', 'content-type': 'application/json' });
    expect(reply.status).to.equal(401);
    expect(calls).to.have.length(0);
  });

  it('a slow body gets 408', async () => {
    const reply = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/alertmanager', headers: { authorization: `Bearer ${Token}`, 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', reject);
      req.write('{"version":"4"'); // and never finish
    });
    expect(reply).to.equal(408);
  });

  it('onIntents failure gives 500 without details, and the server keeps serving', async () => {
    failNext = true;
    const before = errors.length;
    const failed = await post(payload([alert('firing', 'ab01')]));
    expect(failed).to.deep.equal({ status: 500, body: { error: 'internal error' } });
    expect(errors.length).to.equal(before + 1);
    const ok = await post(payload([alert('firing', 'ab01')]));
    expect(ok).to.deep.equal({ status: 200, body: { accepted: 1 } });
  });
});

describe('intake/alertmanager-http helpers', () => {
  const tokenCases: { header: string | undefined; expected: string | undefined; ok: boolean }[] = [
    { header: `Bearer ${Token}`, expected: Token, ok: true },
    { header: `bearer ${Token}`, expected: Token, ok: true },
    { header: `Bearer  ${Token} `, expected: Token, ok: true },
    { header: `Bearer ${Token.slice(0, -1)}`, expected: Token, ok: false },
    { header: `Bearer ${Token} extra`, expected: Token, ok: false },
    { header: undefined, expected: Token, ok: false },
    { header: 'Bearer ', expected: '', ok: false },
    { header: 'Bearer x', expected: undefined, ok: false },
  ];
  for (const c of tokenCases) {
    it(`bearerTokenMatches(${String(c.header)}) = ${c.ok}`, () => expect(bearerTokenMatches(c.header, c.expected)).to.equal(c.ok));
  }

  const typeCases: [string | undefined, boolean][] = [
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    ['application/vnd.alertmanager+json', true],
    ['text/plain', false],
    ['application/jsonp', false],
    [undefined, false],
  ];
  for (const [header, expected] of typeCases) {
    it(`isJsonContentType(${String(header)}) = ${expected}`, () => expect(isJsonContentType(header)).to.equal(expected));
  }
});

import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { observationOf, PrometheusClient } from '../../../src/signals/prometheus-client.js';

// The adapter against a loopback server speaking the Prometheus query API (the real Prometheus is in
// test/integration/signals/). Asserts the request (path, query, time, bearer token) and each answer's mapping.
describe('signals/prometheus-client', () => {
  let server: http.Server;
  let base: string;
  let answer: (url: URL) => { status: number; body: string; delayMs?: number };
  const seen: { url: URL; auth?: string }[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ url, auth: req.headers.authorization });
      const a = answer(url);
      setTimeout(() => { if (!res.destroyed) res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body); }, a.delayMs ?? 0);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); });

  const vector = (v: string) => JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { patient: 'CANARY-5d1e0b7a9c' }, value: [1, v] }] } });

  it('sends the query, the evaluation time and the bearer token; returns the first sample', async () => {
    answer = () => ({ status: 200, body: vector('0.41') });
    const c = new PrometheusClient({ baseUrl: base, timeoutMs: 1000, auth: async () => ({ token: 't0ken' }) });
    const o = await c.query('sum(rate(x[1m]))', new Date('2026-12-01T06:00:00.500Z'));
    expect(o).to.deep.equal({ ok: true, value: 0.41 });
    const last = seen.at(-1)!;
    expect(last.url.pathname).to.equal('/api/v1/query');
    expect(last.url.searchParams.get('query')).to.equal('sum(rate(x[1m]))');
    expect(last.url.searchParams.get('time')).to.equal('1796104800.500');
    expect(last.auth).to.equal('Bearer t0ken');
    expect(JSON.stringify(o), 'label values never come back').to.not.include('CANARY');
  });

  it('no series is NoData, NaN is NotANumber, a scalar is read', () => {
    expect(observationOf(200, { status: 'success', data: { resultType: 'vector', result: [] } })).to.deep.include({ ok: false, reason: 'NoData' });
    expect(observationOf(200, JSON.parse(vector('NaN')))).to.deep.include({ ok: false, reason: 'NotANumber' });
    expect(observationOf(200, { status: 'success', data: { resultType: 'scalar', result: [1, '3'] } })).to.deep.equal({ ok: true, value: 3 });
  });

  it('a bad query is QueryFailed with the error type only (never the message)', async () => {
    answer = () => ({ status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error near CANARY-5d1e0b7a9c' }) });
    const o = await new PrometheusClient({ baseUrl: base, timeoutMs: 1000 }).query('sum(');
    expect(o).to.deep.equal({ ok: false, reason: 'QueryFailed', detail: 'bad_data' });
  });

  it('no answer within the timeout is Timeout; nobody listening is Unreachable', async () => {
    answer = () => ({ status: 200, body: vector('1'), delayMs: 2000 });
    expect(await new PrometheusClient({ baseUrl: base, timeoutMs: 100 }).query('up')).to.deep.include({ ok: false, reason: 'Timeout' });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await new PrometheusClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 1000 }).query('up')).to.deep.equal({ ok: false, reason: 'Unreachable', detail: 'ECONNREFUSED' });
  });

  it('credentials that cannot be read make the query fail (Unknown), not healthy', async () => {
    const o = await new PrometheusClient({ baseUrl: base, timeoutMs: 1000, auth: async () => { throw new Error('Secret prom-auth not found'); } }).query('up');
    expect(o).to.deep.include({ ok: false, reason: 'QueryFailed' });
  });
});

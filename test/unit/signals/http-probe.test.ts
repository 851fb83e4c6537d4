import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { probeHttp } from '../../../src/signals/http-probe.js';

describe('signals/http-probe', () => {
  let server: http.Server;
  let base: string;
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/slow') { setTimeout(() => { if (!res.destroyed) res.writeHead(200).end(); }, 2000); return; }
      res.writeHead(req.url === '/ok' ? 200 : 503).end('body is never recorded');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); });

  it('the value is the HTTP status', async () => {
    expect(await probeHttp(`${base}/ok`, 1000)).to.deep.equal({ ok: true, value: 200 });
    expect(await probeHttp(`${base}/down`, 1000)).to.deep.equal({ ok: true, value: 503 });
  });
  it('no answer in time is Timeout, an invalid URL is NotConfigured', async () => {
    expect(await probeHttp(`${base}/slow`, 100)).to.deep.include({ ok: false, reason: 'Timeout' });
    expect(await probeHttp('not a url', 100)).to.deep.include({ ok: false, reason: 'NotConfigured' });
  });
});

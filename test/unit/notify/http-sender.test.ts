import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { parseRetryAfter, sendNotification } from '../../../src/notify/http-sender.js';
import { SignatureHeader, TimestampHeader, verifyWebhookSignature } from '../../../src/notify/webhook.js';
import type { DeliveryResult, NotificationTarget } from '../../../src/notify/types.js';

const Secret = 'hmac-secret-fixture-123';
const RoutingKey = 'ROUTINGKEY-FIXTURE-456';
const Now = new Date('2024-05-01T12:00:00Z');

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Local receivers on 127.0.0.1:0, one behaviour per path. */
function startReceiver(): Promise<{ server: Server; base: string; received: Received[] }> {
  const received: Received[] = [];
  let pdCalls = 0;
  const routes: Record<string, (res: ServerResponse, rec: Received) => void> = {
    '/pd-429-then-202': (res) => {
      pdCalls += 1;
      if (pdCalls === 1) res.writeHead(429, { 'retry-after': '7' }).end('{"status":"throttle"}');
      else res.writeHead(202).end('{"status":"success","dedup_key":"x"}');
    },
    '/pd-200': (res) => void res.writeHead(200).end('{}'),
    '/slack-ok': (res) => void res.writeHead(200).end('ok'),
    '/500': (res) => void res.writeHead(500).end(`echo ${RoutingKey}`),
    '/503-date': (res) => void res.writeHead(503, { 'retry-after': new Date(Now.getTime() + 30_000).toUTCString() }).end(),
    '/400': (res) => void res.writeHead(400).end('invalid_payload'),
    '/404': (res) => void res.writeHead(404).end('no_service'),
    '/redirect': (res) => void res.writeHead(302, { location: 'http://127.0.0.1:1/steal' }).end(),
    '/slow': (res) => void setTimeout(() => res.writeHead(202).end(), 1500),
    '/verify': (res, rec) => {
      const check = verifyWebhookSignature(
        rec.body,
        Secret,
        { signature: rec.headers[SignatureHeader.toLowerCase()] as string, timestamp: rec.headers[TimestampHeader.toLowerCase()] as string },
        Now,
      );
      res.writeHead(check.ok ? 204 : 401).end();
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(rec);
      const route = routes[rec.path];
      if (route) route(res, rec);
      else res.writeHead(418).end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, base: `http://127.0.0.1:${port}`, received });
    });
  });
}

describe('notify/http-sender sendNotification (real local receivers)', function () {
  this.timeout(10_000);
  let server: Server;
  let base: string;
  let received: Received[];
  const results: DeliveryResult[] = [];

  before(async () => {
    ({ server, base, received } = await startReceiver());
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const target = (type: NotificationTarget['type'], path: string, extra: Partial<NotificationTarget> = {}): NotificationTarget => ({
    type,
    name: `${type}-fixture`,
    url: `${base}${path}`,
    ...extra,
  });
  const send = async (t: NotificationTarget, body: unknown = { routing_key: RoutingKey, hello: 'world' }, timeoutMs = 2000): Promise<DeliveryResult> => {
    const r = await sendNotification(t, body, { timeoutMs, now: () => Now });
    results.push(r);
    return r;
  };

  it('PagerDuty: 429 with Retry-After is retryable, then 202 is delivered', async () => {
    const first = await send(target('pagerduty', '/pd-429-then-202'));
    expect(first).to.deep.equal({ ok: false, status: 429, retryable: true, retryAfterSeconds: 7, error: 'pagerduty target pagerduty-fixture: HTTP 429' });
    const second = await send(target('pagerduty', '/pd-429-then-202'));
    expect(second).to.deep.equal({ ok: true, status: 202, retryable: false });
  });

  const statusCases: { name: string; type: NotificationTarget['type']; path: string; expected: Partial<DeliveryResult> }[] = [
    { name: 'Slack 200 is delivered', type: 'slack', path: '/slack-ok', expected: { ok: true, status: 200, retryable: false } },
    { name: 'PagerDuty 200 is not a confirmed enqueue', type: 'pagerduty', path: '/pd-200', expected: { ok: false, status: 200, retryable: true } },
    { name: '500 is retryable', type: 'webhook', path: '/500', expected: { ok: false, status: 500, retryable: true } },
    { name: '503 with an HTTP-date Retry-After', type: 'webhook', path: '/503-date', expected: { ok: false, status: 503, retryable: true, retryAfterSeconds: 30 } },
    { name: '400 is not retryable', type: 'slack', path: '/400', expected: { ok: false, status: 400, retryable: false } },
    { name: '404 is not retryable', type: 'slack', path: '/404', expected: { ok: false, status: 404, retryable: false } },
    { name: 'redirects are not followed', type: 'pagerduty', path: '/redirect', expected: { ok: false, status: 302, retryable: false } },
  ];
  for (const c of statusCases) {
    it(c.name, async () => {
      expect(await send(target(c.type, c.path))).to.include(c.expected);
    });
  }

  it('times out a slow receiver (retryable)', async () => {
    const started = Date.now();
    const r = await send(target('pagerduty', '/slow'), { a: 1 }, 150);
    expect(r).to.deep.equal({ ok: false, retryable: true, error: 'pagerduty target pagerduty-fixture: timeout after 150ms' });
    expect(Date.now() - started).to.be.lessThan(1400);
  });

  it('reports a refused connection as retryable with only the error code', async () => {
    const closed = createServer();
    const port = await new Promise<number>((resolve) => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as AddressInfo).port)));
    await new Promise((resolve) => closed.close(resolve));
    const r = await send({ type: 'slack', name: 'slack-fixture', url: `http://127.0.0.1:${port}/hook` });
    expect(r).to.deep.equal({ ok: false, retryable: true, error: 'slack target slack-fixture: connection error (ECONNREFUSED)' });
  });

  it('rejects a non-http URL without sending', async () => {
    const r = await send({ type: 'webhook', name: 'w', url: 'file:///etc/passwd' });
    expect(r).to.deep.equal({ ok: false, retryable: false, error: 'webhook target w: invalid url' });
  });

  it('sends JSON with a content type, and a string body verbatim', async () => {
    await send(target('slack', '/slack-ok'), { text: 'hi' });
    expect(received.at(-1)?.body).to.equal('{"text":"hi"}');
    expect(received.at(-1)?.headers['content-type']).to.match(/^application\/json/u);
    await send(target('slack', '/slack-ok'), '{"text":"raw"}');
    expect(received.at(-1)?.body).to.equal('{"text":"raw"}');
  });

  it('signs webhook bodies so that the receiver can verify them', async () => {
    const r = await send(target('webhook', '/verify', { hmacSecret: Secret }), { kind: 'opened' });
    expect(r).to.include({ ok: true, status: 204 });
    const unsigned = await send(target('webhook', '/verify'), { kind: 'opened' });
    expect(unsigned).to.include({ ok: false, status: 401 });
  });

  it('never puts the URL, host, port, routing key or secret in an error', () => {
    expect(results.length).to.be.greaterThan(10);
    const port = new URL(base).port;
    for (const r of results) {
      const text = JSON.stringify(r);
      for (const secret of [base, '127.0.0.1', `:${port}`, RoutingKey, Secret, '/pd-429', 'echo']) {
        expect(text, secret).to.not.include(secret);
      }
    }
  });
});

describe('notify/http-sender with an injected fetch', () => {
  const hookUrl = 'https://hooks.slack.example/services/T000/B000/SECRETPATH';
  const target: NotificationTarget = { type: 'slack', name: 'slack-oncall', url: hookUrl };
  const cases: { name: string; fetchImpl: typeof fetch; expected: DeliveryResult }[] = [
    {
      name: 'an error whose message contains the URL',
      fetchImpl: () => Promise.reject(Object.assign(new TypeError(`fetch failed for ${hookUrl}`), { cause: { code: 'ENOTFOUND', hostname: 'hooks.slack.example' } })),
      expected: { ok: false, retryable: true, error: 'slack target slack-oncall: connection error (ENOTFOUND)' },
    },
    {
      name: 'a thrown non-error value',
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test: a non-Error rejection
      fetchImpl: () => Promise.reject(`boom ${hookUrl}`),
      expected: { ok: false, retryable: true, error: 'slack target slack-oncall: connection error' },
    },
    {
      name: 'an abort',
      fetchImpl: () => Promise.reject(Object.assign(new Error(`aborted ${hookUrl}`), { name: 'AbortError' })),
      expected: { ok: false, retryable: true, error: 'slack target slack-oncall: timeout after 50ms' },
    },
  ];
  for (const c of cases) {
    it(`classifies ${c.name} without leaking the URL`, async () => {
      const r = await sendNotification(target, { text: 'x' }, { timeoutMs: 50, fetchImpl: c.fetchImpl });
      expect(r).to.deep.equal(c.expected);
      expect(JSON.stringify(r)).to.not.include('SECRETPATH').and.to.not.include('hooks.slack.example');
    });
  }

  it('passes method, JSON body, manual redirects and a timeout signal to fetch', async () => {
    let seen: RequestInit | undefined;
    const fetchImpl = ((_url: URL, init?: RequestInit) => {
      seen = init;
      return Promise.resolve(new Response('ok', { status: 200 }));
    }) as typeof fetch;
    const r = await sendNotification(target, { text: 'x' }, { timeoutMs: 50, fetchImpl });
    expect(r).to.deep.equal({ ok: true, status: 200, retryable: false });
    expect(seen).to.include({ method: 'POST', body: '{"text":"x"}', redirect: 'manual' });
    expect(seen?.signal).to.be.instanceOf(AbortSignal);
  });
});

describe('notify/http-sender parseRetryAfter', () => {
  const cases: [string | null, number | undefined][] = [
    [null, undefined],
    ['', undefined],
    ['120', 120],
    [' 5 ', 5],
    ['-1', undefined],
    ['soon', undefined],
    [new Date(Now.getTime() + 61_000).toUTCString(), 61],
    [new Date(Now.getTime() - 61_000).toUTCString(), 0],
  ];
  for (const [value, expected] of cases) {
    it(`${String(value)} -> ${String(expected)}`, () => expect(parseRetryAfter(value, Now)).to.equal(expected));
  }
});

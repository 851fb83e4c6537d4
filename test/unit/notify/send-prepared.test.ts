/** sendPrepared against a real loopback receiver that fails like real ones (resets, hangs, 503 + Retry-After). */
import { expect } from 'chai';
import { sendPrepared } from '../../../src/notify/http-sender.js';
import type { PreparedRequest } from '../../../src/notify/types.js';
import { startFlakyReceiver, type FlakyReceiver, type FailureMode } from '../../harness/flaky-receiver.js';

describe('notify/http-sender sendPrepared (loopback)', () => {
  let rx: FlakyReceiver;
  let slack: FlakyReceiver;
  before(async () => { rx = await startFlakyReceiver(); slack = await startFlakyReceiver({ slackApi: true }); });
  after(async () => { await rx.close(); await slack.close(); });
  const req = (url: string, answer: PreparedRequest['answer'] = 'status'): PreparedRequest => ({ type: 'webhook', name: 'hook', url, headers: { 'webhook-id': 'u/k' }, payload: '{"a":1}', answer });

  const cases: { mode: FailureMode; ok: boolean; retryable: boolean; error?: RegExp; retryAfter?: number }[] = [
    { mode: { kind: 'ok' }, ok: true, retryable: false },
    { mode: { kind: 'status', status: 503, headers: { 'retry-after': '7' } }, ok: false, retryable: true, error: /^webhook target hook: HTTP 503$/, retryAfter: 7 },
    { mode: { kind: 'status', status: 429 }, ok: false, retryable: true, error: /HTTP 429/ },
    { mode: { kind: 'status', status: 404 }, ok: false, retryable: false, error: /HTTP 404/ },
    { mode: { kind: 'status', status: 302, headers: { location: 'http://elsewhere.test/' } }, ok: false, retryable: false, error: /redirect not followed/ },
    { mode: { kind: 'reset' }, ok: false, retryable: true, error: /^webhook target hook: connection error/ },
    { mode: { kind: 'hang' }, ok: false, retryable: true, error: /^webhook target hook: timeout after 300ms$/ },
    { mode: { kind: 'down' }, ok: false, retryable: true, error: /^webhook target hook: connection error/ },
  ];
  for (const c of cases) {
    it(`${c.mode.kind}${c.mode.kind === 'status' ? ` ${c.mode.status}` : ''} → ${c.ok ? 'delivered' : c.retryable ? 'retryable' : 'permanent'}`, async () => {
      await rx.setMode(c.mode);
      const url = rx.url('/in');
      const r = await sendPrepared(req(url), { timeoutMs: 300 });
      await rx.setMode({ kind: 'ok' });
      expect(r.ok).to.equal(c.ok);
      expect(r.retryable).to.equal(c.retryable);
      if (c.error) expect(r.error).to.match(c.error);
      expect(String(r.error ?? '')).to.not.include('127.0.0.1');
      if (c.retryAfter !== undefined) expect(r.retryAfterSeconds).to.equal(c.retryAfter);
    });
  }

  it('sends the exact payload and headers', async () => {
    const before = rx.requests.length;
    await sendPrepared(req(rx.url('/exact')), { timeoutMs: 1000 });
    const got = rx.requests.slice(before)[0]!;
    expect(got.rawBody).to.equal('{"a":1}');
    expect(got.headers['webhook-id']).to.equal('u/k');
    expect(got.headers['user-agent']).to.equal('incident-operator/notify');
  });

  it('Slack Web API: reads only ok and ts from the answer', async () => {
    const r = await sendPrepared({ ...req(slack.url('/api/chat.postMessage'), 'slack-api'), type: 'slack', name: 'chat' }, { timeoutMs: 1000 });
    expect(r.ok).to.equal(true);
    expect(r.messageTs).to.match(/^\d+\.\d+$/);
  });
});

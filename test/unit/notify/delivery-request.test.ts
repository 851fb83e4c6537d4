import { expect } from 'chai';
import fc from 'fast-check';
import { changeEventsUrlFor, prepareRequest } from '../../../src/notify/delivery-request.js';
import { classifySlackApiAnswer, postMessagePayload } from '../../../src/notify/slack-api.js';
import { buildChangeEvent } from '../../../src/notify/pagerduty-change.js';

const NOW = new Date('2026-01-05T10:00:00.000Z');
const LATER = new Date('2026-01-05T10:00:07.000Z');

describe('notify/delivery-request', () => {
  it('webhook: the stored body verbatim, Standard Webhooks headers plus the older X-Incident ones', () => {
    const r = prepareRequest({ id: 'u/opened:1:h', kind: 'opened', body: '{"x":1}' }, { type: 'webhook', name: 'h', value: 'http://h.test/', hmacSecret: 'k' }, NOW);
    expect(r.payload).to.equal('{"x":1}');
    expect(Object.keys(r.headers).sort()).to.deep.equal(['X-Incident-Signature', 'X-Incident-Timestamp', 'webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(r.url).to.equal('http://h.test/');
  });

  it('property: every attempt carries the same payload bytes and id; only the timestamp and signature change', () => {
    fc.assert(fc.property(fc.constantFrom('webhook' as const, 'slack' as const, 'pagerduty' as const), fc.dictionary(fc.string(), fc.string()), fc.option(fc.constantFrom('C1', 'C2')), (type, obj, channel) => {
      const d = { id: 'u/k', kind: 'opened', body: JSON.stringify(obj) };
      const t = { type, name: 't', value: type === 'pagerduty' ? 'RK' : 'http://t.test/', ...(channel && type === 'slack' ? { channel, threadTs: '1.2' } : {}), hmacSecret: 'k' };
      const a = prepareRequest(d, t, NOW);
      const b = prepareRequest(d, t, LATER);
      expect(b.payload).to.equal(a.payload);
      expect(b.headers['webhook-id']).to.equal('u/k');
      expect(b.url).to.equal(a.url);
    }), { numRuns: 200 });
  });

  it('pagerduty: the routing key goes in at send time; change events go to change/enqueue next to the events URL', () => {
    const ev = JSON.stringify(buildChangeEvent({ action: 'rollback', message: 'rolled back', namespace: 'ns', incidentName: 'i', incidentUid: 'u', at: NOW.toISOString() }));
    const r = prepareRequest({ id: 'u/change', kind: 'change', body: ev }, { type: 'pagerduty', name: 'pd', value: 'RK' }, NOW, { pagerDutyEventsUrl: 'http://127.0.0.1:9/v2/enqueue' });
    expect(r.url).to.equal('http://127.0.0.1:9/v2/change/enqueue');
    expect(Object.keys(JSON.parse(r.payload))).to.deep.equal(['routing_key', 'payload']);
    expect(changeEventsUrlFor(undefined)).to.equal('https://events.pagerduty.com/v2/change/enqueue');
    const trigger = prepareRequest({ id: 'u/o', kind: 'opened', body: '{"event_action":"trigger"}' }, { type: 'pagerduty', name: 'pd', value: 'RK' }, NOW);
    expect(trigger.url).to.equal('https://events.pagerduty.com/v2/enqueue');
    expect(trigger.payload).to.equal('{"routing_key":"RK","event_action":"trigger"}');
  });

  it('slack: incoming webhook posts the stored message; an app target posts to chat.postMessage with the bot token and thread', () => {
    const hook = prepareRequest({ id: 'u/o', kind: 'opened', body: '{"text":"hi"}' }, { type: 'slack', name: 's', value: 'https://hooks.slack.test/T/B/x' }, NOW);
    expect(hook).to.deep.include({ url: 'https://hooks.slack.test/T/B/x', payload: '{"text":"hi"}', answer: 'status' });
    const app = prepareRequest({ id: 'u/r', kind: 'resolved', body: '{"text":"done"}' }, { type: 'slack', name: 's', value: 'xoxb-1', channel: 'C1', threadTs: '1712345678.000100' }, NOW);
    expect(app).to.deep.include({ url: 'https://slack.com/api/chat.postMessage', answer: 'slack-api' });
    expect(app.headers.authorization).to.equal('Bearer xoxb-1');
    expect(JSON.parse(app.payload)).to.deep.equal({ channel: 'C1', text: 'done', unfurl_links: false, unfurl_media: false, thread_ts: '1712345678.000100', reply_broadcast: true });
    expect(JSON.parse(postMessagePayload('{"text":"x"}', { channel: 'C1' }))).to.not.have.property('thread_ts');
  });

  const answers: { body: string; ok: boolean; retryable?: boolean; error?: string; ts?: string }[] = [
    { body: '{"ok":true,"ts":"1712345678.000100","channel":"C1"}', ok: true, ts: '1712345678.000100' },
    { body: '{"ok":true,"ts":"<script>"}', ok: true },
    { body: '{"ok":false,"error":"channel_not_found"}', ok: false, retryable: false, error: 's: Slack API error channel_not_found' },
    { body: '{"ok":false,"error":"invalid_auth"}', ok: false, retryable: false, error: 's: Slack API error invalid_auth' },
    { body: '{"ok":false,"error":"ratelimited"}', ok: false, retryable: true, error: 's: Slack API error ratelimited' },
    { body: '{"ok":false,"error":"Bad <stuff> xoxb-secret"}', ok: false, retryable: true, error: 's: Slack API error unexpected_response' },
    { body: 'not json', ok: false, retryable: true, error: 's: Slack API error unexpected_response' },
  ];
  for (const a of answers) {
    it(`slack API answer ${a.body.slice(0, 40)} → ${a.ok ? 'ok' : a.error}`, () => {
      const r = classifySlackApiAnswer('s', 200, a.body);
      expect(r.ok).to.equal(a.ok);
      if (!a.ok) expect(r).to.include({ retryable: a.retryable, error: a.error });
      expect(r.messageTs).to.equal(a.ts);
    });
  }
});

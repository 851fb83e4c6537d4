import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import {
  buildWebhookBody,
  SignatureHeader,
  signWebhook,
  TimestampHeader,
  verifyWebhookSignature,
  WebhookSchema,
} from '../../../src/notify/webhook.js';
import type { NotificationEvent } from '../../../src/notify/types.js';

const Secret = 'hmac-secret-fixture';
const Now = new Date('2024-05-01T12:00:00Z');
const NowSeconds = Now.getTime() / 1000;

function event(overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    incidentUid: 'b7a1c2d3-0000-4000-8000-000000000001',
    incidentName: 'db-slow-4k2m',
    namespace: 'patient-advocacy',
    severity: 'P2',
    phase: 'Investigating',
    summary: 'Database queries slow',
    target: 'patient-advocacy-api',
    tier: 1,
    tierName: 'On-call engineer',
    kind: 'phase-changed',
    reason: 'Phase moved to Investigating',
    actionsTaken: ['Listed long-running transactions'],
    impact: { openForSeconds: 3700 },
    logSignatures: [{ signature: 'statement timeout', count: 9 }],
    metrics: { long_running_queries: 4 },
    ask: 'Review the long-running transactions',
    occurredAt: '2024-05-01T12:00:00.000Z',
    ...overrides,
  };
}

describe('notify/webhook buildWebhookBody', () => {
  const cases: { field: string; get: (b: ReturnType<typeof buildWebhookBody>) => unknown; expected: unknown }[] = [
    { field: 'schema', get: (b) => b.schema, expected: WebhookSchema },
    { field: 'kind', get: (b) => b.kind, expected: 'phase-changed' },
    { field: 'incident', get: (b) => b.incident, expected: { uid: 'b7a1c2d3-0000-4000-8000-000000000001', name: 'db-slow-4k2m', namespace: 'patient-advocacy', severity: 'P2', phase: 'Investigating', target: 'patient-advocacy-api' } },
    { field: 'escalation', get: (b) => b.escalation, expected: { tier: 1, tierName: 'On-call engineer' } },
    { field: 'impact', get: (b) => b.impact, expected: { text: 'open for 1h 01m', openForSeconds: 3700 } },
    { field: 'steps attempted', get: (b) => b.stepsAttempted, expected: ['Listed long-running transactions'] },
    { field: 'log signatures', get: (b) => b.logSignatures, expected: [{ signature: 'statement timeout', count: 9 }] },
    { field: 'metrics', get: (b) => b.metrics, expected: { long_running_queries: 4 } },
    { field: 'ask', get: (b) => b.ask, expected: 'Review the long-running transactions' },
    { field: 'occurredAt', get: (b) => b.occurredAt, expected: '2024-05-01T12:00:00.000Z' },
  ];
  for (const c of cases) {
    it(`carries ${c.field}`, () => {
      expect(c.get(buildWebhookBody(event()))).to.deep.equal(c.expected);
    });
  }

  it('describes the issue with severity, target and summary', () => {
    expect(buildWebhookBody(event()).description).to.match(/^P2 .*affecting patient-advocacy-api.*Database queries slow$/u);
  });

  it('has no links key when no link is usable', () => {
    expect(buildWebhookBody(event({ links: { runbook: 'ftp://x' } }))).to.not.have.property('links');
  });
});

describe('notify/webhook signWebhook / verifyWebhookSignature', () => {
  const body = JSON.stringify(buildWebhookBody(event()));

  it('signs "<timestamp>.<body>" with HMAC-SHA256 (hex)', () => {
    const headers = signWebhook(body, Secret, NowSeconds);
    const expected = createHmac('sha256', Secret).update(`${NowSeconds}.${body}`).digest('hex');
    expect(headers[TimestampHeader]).to.equal(String(NowSeconds));
    expect(headers[SignatureHeader]).to.equal(`sha256=${expected}`);
  });

  it('accepts a Date as timestamp and floors fractional seconds', () => {
    expect(signWebhook(body, Secret, new Date(Now.getTime() + 999))[TimestampHeader]).to.equal(String(NowSeconds));
    expect(signWebhook(body, Secret, NowSeconds + 0.7)[TimestampHeader]).to.equal(String(NowSeconds));
  });

  it('refuses an empty secret', () => {
    expect(() => signWebhook(body, '', NowSeconds)).to.throw('secret is empty');
  });

  const signed = signWebhook(body, Secret, NowSeconds);
  const roundTrip: {
    name: string;
    body?: string;
    secret?: string;
    signature?: string | undefined;
    timestamp?: string | undefined;
    now?: Date;
    expected: { ok: boolean; reason?: string };
  }[] = [
    { name: 'valid signature', expected: { ok: true } },
    { name: 'valid within tolerance', now: new Date(Now.getTime() + 299_000), expected: { ok: true } },
    { name: 'tampered body', body: body.replace('Database', 'Datab4se'), expected: { ok: false, reason: 'bad-signature' } },
    { name: 'wrong secret', secret: 'other-secret', expected: { ok: false, reason: 'bad-signature' } },
    { name: 'timestamp swapped', timestamp: String(NowSeconds + 1), expected: { ok: false, reason: 'bad-signature' } },
    { name: 'stale', now: new Date(Now.getTime() + 301_000), expected: { ok: false, reason: 'stale' } },
    { name: 'from the future', now: new Date(Now.getTime() - 301_000), expected: { ok: false, reason: 'stale' } },
    { name: 'missing signature', signature: undefined, expected: { ok: false, reason: 'missing-headers' } },
    { name: 'missing timestamp', timestamp: undefined, expected: { ok: false, reason: 'missing-headers' } },
    { name: 'non-numeric timestamp', timestamp: '12e3', expected: { ok: false, reason: 'bad-timestamp' } },
    { name: 'wrong prefix', signature: signed[SignatureHeader].replace('sha256=', 'sha1='), expected: { ok: false, reason: 'bad-signature' } },
    { name: 'truncated signature', signature: signed[SignatureHeader].slice(0, 20), expected: { ok: false, reason: 'bad-signature' } },
  ];
  for (const c of roundTrip) {
    it(`verify: ${c.name}`, () => {
      const headers = {
        signature: 'signature' in c ? c.signature : signed[SignatureHeader],
        timestamp: 'timestamp' in c ? c.timestamp : signed[TimestampHeader],
      };
      const result = verifyWebhookSignature(c.body ?? body, c.secret ?? Secret, headers, c.now ?? Now);
      expect(result).to.deep.equal(c.expected);
    });
  }
});

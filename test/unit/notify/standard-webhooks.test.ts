import { expect } from 'chai';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { secretKey, standardWebhookHeaders, verifyStandardWebhook } from '../../../src/notify/standard-webhooks.js';

const NOW = new Date('2026-01-05T10:00:00.000Z');
const KEY = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'utf8');
const SECRET = `whsec_${KEY.toString('base64')}`;

describe('notify/standard-webhooks', () => {
  it('signs id.timestamp.body with the base64-decoded whsec_ key (the spec\'s construction)', () => {
    const h = standardWebhookHeaders('uid/opened:1:hook', '{"a":1}', NOW, SECRET);
    const expected = createHmac('sha256', KEY).update(`uid/opened:1:hook.${Math.floor(NOW.getTime() / 1000)}.{"a":1}`).digest('base64');
    expect(h).to.deep.equal({ 'webhook-id': 'uid/opened:1:hook', 'webhook-timestamp': '1767607200', 'webhook-signature': `v1,${expected}` });
  });

  it('a secret without the whsec_ prefix is used as raw bytes; no secret → no signature header', () => {
    expect(secretKey('plain-secret').toString('utf8')).to.equal('plain-secret');
    expect(standardWebhookHeaders('id', 'b', NOW)).to.deep.equal({ 'webhook-id': 'id', 'webhook-timestamp': '1767607200' });
    expect(() => secretKey('whsec_')).to.throw('empty');
  });

  const cases: { name: string; mutate: (h: { id?: string; timestamp?: string; signature?: string }, body: string) => [typeof h, string]; now?: Date; reason?: string }[] = [
    { name: 'valid', mutate: (h, b) => [h, b] },
    { name: 'rotation: any of several signatures', mutate: (h, b) => [{ ...h, signature: `v1,AAAA ${h.signature}` }, b] },
    { name: 'body changed', mutate: (h, b) => [h, b + ' '], reason: 'bad-signature' },
    { name: 'id changed', mutate: (h, b) => [{ ...h, id: 'other' }, b], reason: 'bad-signature' },
    { name: 'unknown version', mutate: (h, b) => [{ ...h, signature: h.signature!.replace('v1,', 'v2,') }, b], reason: 'bad-signature' },
    { name: 'missing id', mutate: (h, b) => [{ ...h, id: undefined }, b], reason: 'missing-headers' },
    { name: 'bad timestamp', mutate: (h, b) => [{ ...h, timestamp: '12a' }, b], reason: 'bad-timestamp' },
    { name: 'stale (6 min later)', mutate: (h, b) => [h, b], now: new Date(NOW.getTime() + 360_000), reason: 'stale' },
  ];
  for (const c of cases) {
    it(`verify: ${c.name}`, () => {
      const body = '{"kind":"opened"}';
      const h = standardWebhookHeaders('uid/k', body, NOW, SECRET);
      const [headers, b] = c.mutate({ id: h['webhook-id'], timestamp: h['webhook-timestamp'], signature: h['webhook-signature'] }, body);
      const r = verifyStandardWebhook(b, SECRET, headers, c.now ?? NOW);
      expect(r).to.deep.equal(c.reason ? { ok: false, reason: c.reason } : { ok: true, id: headers.id });
    });
  }

  it('property: sign then verify round-trips for any id, body and key; any other body fails', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string(), fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.string({ minLength: 1 }), (id, body, key, other) => {
      const secret = `whsec_${Buffer.from(key).toString('base64')}`;
      const h = standardWebhookHeaders(id, body, NOW, secret);
      const headers = { id: h['webhook-id'], timestamp: h['webhook-timestamp'], signature: h['webhook-signature'] };
      expect(verifyStandardWebhook(body, secret, headers, NOW).ok).to.equal(true);
      if (other !== body) expect(verifyStandardWebhook(other, secret, headers, NOW).ok).to.equal(false);
    }), { numRuns: 200 });
  });
});

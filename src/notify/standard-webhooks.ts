/**
 * Standard Webhooks (https://www.standardwebhooks.com/) signing and verification — pure.
 *
 * Headers: `webhook-id` (stable across retries: the delivery id of the outbox entry), `webhook-timestamp`
 * (unix seconds of this attempt) and `webhook-signature` = "v1," + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)).
 * The secret is `whsec_` + base64(key bytes); a secret without that prefix is used as raw UTF-8 bytes (older
 * configurations). Several space-separated signatures are accepted on verification (key rotation).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WebhookIdHeader = 'webhook-id';
export const WebhookTimestampHeader = 'webhook-timestamp';
export const WebhookSignatureHeader = 'webhook-signature';
export const SecretPrefix = 'whsec_';
export const DefaultToleranceSeconds = 300;

export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** HMAC key bytes of a secret: base64 after `whsec_`, else the UTF-8 bytes. Throws on an empty key. */
export function secretKey(secret: string): Buffer {
  const key = secret.startsWith(SecretPrefix) ? Buffer.from(secret.slice(SecretPrefix.length), 'base64') : Buffer.from(secret, 'utf8');
  if (key.length === 0) throw new Error('webhook: signing secret is empty');
  return key;
}

function sign(id: string, timestamp: string, body: string, key: Buffer): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
}

/** Headers for one attempt of delivery `id` (the same id on every retry), signed with `secret` when given. */
export function standardWebhookHeaders(id: string, body: string, now: Date, secret?: string): Partial<StandardWebhookHeaders> & { 'webhook-id': string; 'webhook-timestamp': string } {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const headers: Partial<StandardWebhookHeaders> & { 'webhook-id': string; 'webhook-timestamp': string } = { 'webhook-id': id, 'webhook-timestamp': timestamp };
  if (secret) headers['webhook-signature'] = `v1,${sign(id, timestamp, body, secretKey(secret))}`;
  return headers;
}

export type StandardVerification =
  | { ok: true; id: string }
  | { ok: false; reason: 'missing-headers' | 'bad-timestamp' | 'stale' | 'bad-signature' };

/** Receiver side: constant-time comparison against every `v1,` signature, with a replay window. */
export function verifyStandardWebhook(
  body: string,
  secret: string,
  headers: { id?: string; timestamp?: string; signature?: string },
  now: Date,
  toleranceSeconds = DefaultToleranceSeconds,
): StandardVerification {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !secret) return { ok: false, reason: 'missing-headers' };
  if (!/^\d{1,12}$/u.test(timestamp)) return { ok: false, reason: 'bad-timestamp' };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(sign(id, timestamp, body, secretKey(secret)), 'utf8');
  for (const part of signature.split(' ')) {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'utf8');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, id };
  }
  return { ok: false, reason: 'bad-signature' };
}
